/*
 * audit.c - the audit event's canonical form, its hash chain and its JSON view.
 *
 * The canonical form is what the body hash covers, so it is written here, field by field,
 * by the rule at the top of audit.h rather than by a general encoder that might change: the
 * members in a fixed (sorted) order, each string through gh_json_write_str, time_us through
 * a small integer formatter, NULL members left out, data embedded as the string it is
 * stored as (no parsing), a field that is not UTF-8 as {"hex": ...}. It needs no JSON value
 * and no parse, so sealing an event on a request thread costs one pass over its bytes and
 * one SHA-256. seq is not in it (the store assigns seq on its writer thread, after the body
 * hash was computed on the caller's): the link hash binds seq, as 8 bytes big-endian,
 * together with the previous hash and the body hash.
 *
 * The JSON view (gh_audit_event_json, for the admin API and CLI) is built with jansson and
 * shows data as the object it holds; it is not hashed. The export form adds what an offline
 * verifier needs to rebuild the hashed fields exactly (gh_audit_event_export / _import), and
 * gh_audit_walk checks a chain one event at a time, saying what differs.
 *
 * It does not store events (the store does, assigning seq at commit) and it does not decide
 * which actions are audited (the engine does).
 */
#include "audit/audit.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/str.h"

/* ---- the canonical form ---- */

/* The string members in the canonical order, with time_us (the one integer) between
 * subject and token_id. Each name carries its separator and colon, so that a member is
 * written with one append; the first member written drops the leading comma. */
enum { CANON_NSTR = 8 };
static const struct {
    const char *name; /* ",\"<name>\":" */
    size_t len;
} canon_names[CANON_NSTR] = {
    {",\"actor\":", 9}, {",\"client_id\":", 13}, {",\"data\":", 8},      {",\"request_id\":", 14},
    {",\"scope\":", 9}, {",\"subject\":", 11},   {",\"token_id\":", 12}, {",\"type\":", 8},
};
#define CANON_TIME_NAME ",\"time_us\":"
#define CANON_TIME_AT 6 /* time_us goes before canon_names[6] (token_id) */

static void canon_fields(const gh_audit_event *e, const char *out[CANON_NSTR])
{
    out[0] = e->actor;
    out[1] = e->client_id;
    out[2] = e->data;
    out[3] = e->request_id;
    out[4] = e->scope;
    out[5] = e->subject;
    out[6] = e->token_id;
    out[7] = e->type;
}

/* Writes v in decimal to out (no NUL), returning the length: at most 20 bytes. */
static size_t fmt_i64(int64_t v, char out[20])
{
    char tmp[20];
    size_t i = sizeof(tmp), n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        out[n++] = '-';
    memcpy(out + n, tmp + i, sizeof(tmp) - i);
    return n + sizeof(tmp) - i;
}

/* Appends s as a JSON string, or as {"hex":"..."} when it is not UTF-8. */
static gh_err put_value(gh_buf *b, const char *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    char chunk[128];
    size_t i = 0, k;
    gh_err err = gh_json_write_str(b, s, n);

    if (err != GH_EINVAL)
        return err;
    if ((err = gh_buf_add(b, "{\"hex\":\"", 8)) != GH_OK)
        return err;
    while (i < n) {
        for (k = 0; i < n && k + 2 <= sizeof(chunk); i++) {
            chunk[k++] = hexd[u[i] >> 4];
            chunk[k++] = hexd[u[i] & 15];
        }
        if ((err = gh_buf_add(b, chunk, k)) != GH_OK)
            return err;
    }
    return gh_buf_add(b, "\"}", 2);
}

/* Writes the canonical form of e into b (initialised here; the caller clears it). The
 * buffer's maximum is the form's worst case, computed from the fields, so it cannot be
 * reached: a value is at most 6 bytes per input byte (\u00XX) plus its quotes, or 2 per
 * byte plus 10 as {"hex":""}. */
static void canon_write(const gh_audit_event *e, gh_buf *b)
{
    const char *f[CANON_NSTR];
    size_t len[CANON_NSTR], sum = 0, worst = 64;
    char num[20];
    bool first = true;
    gh_err err = GH_OK;

    canon_fields(e, f);
    for (size_t i = 0; i < CANON_NSTR; i++) {
        len[i] = f[i] ? strlen(f[i]) : 0;
        sum += len[i];
        worst += canon_names[i].len + 6 * len[i] + 10;
    }
    gh_buf_init(b, worst);
    /* The common case (nothing to escape) in one allocation. */
    err = gh_buf_reserve(b, sum + 160);
    if (err == GH_OK)
        err = gh_buf_add(b, "{", 1);
    for (size_t i = 0; i <= CANON_NSTR && err == GH_OK; i++) {
        if (i == CANON_TIME_AT) {
            size_t nl = sizeof(CANON_TIME_NAME) - 1;
            err = gh_buf_add(b, CANON_TIME_NAME + (size_t)first, nl - (size_t)first);
            first = false;
            if (err == GH_OK)
                err = gh_buf_add(b, num, fmt_i64(e->time_us, num));
        }
        if (i == CANON_NSTR || f[i] == NULL || err != GH_OK)
            continue;
        err =
            gh_buf_add(b, canon_names[i].name + (size_t)first, canon_names[i].len - (size_t)first);
        first = false;
        if (err == GH_OK)
            err = put_value(b, f[i], len[i]);
    }
    if (err == GH_OK)
        err = gh_buf_add(b, "}", 1);
    gh_assert(err == GH_OK); /* the maximum is the worst case */
}

char *gh_audit_canonical(const gh_audit_event *e)
{
    gh_buf b;
    canon_write(e, &b);
    return gh_buf_take(&b);
}

void gh_audit_body_hash(const gh_audit_event *e, unsigned char out[GH_SHA256_LEN])
{
    gh_buf b;
    canon_write(e, &b);
    gh_sha256(b.data, b.len, out);
    gh_buf_clear(&b);
}

void gh_audit_seal(gh_audit_event *e)
{
    gh_audit_body_hash(e, e->body_hash);
    e->sealed = true;
}

/* hash = SHA-256(prev || seq as 8 bytes big-endian || body). */
static void link_hash(const unsigned char prev[GH_SHA256_LEN], int64_t seq,
                      const unsigned char body[GH_SHA256_LEN], unsigned char out[GH_SHA256_LEN])
{
    unsigned char msg[2 * GH_SHA256_LEN + 8];
    uint64_t v = (uint64_t)seq;
    memcpy(msg, prev, GH_SHA256_LEN);
    for (int i = 0; i < 8; i++)
        msg[GH_SHA256_LEN + i] = (unsigned char)(v >> (56 - 8 * i));
    memcpy(msg + GH_SHA256_LEN + 8, body, GH_SHA256_LEN);
    gh_sha256(msg, sizeof(msg), out);
}

void gh_audit_link(gh_audit_event *e, const unsigned char prev[GH_SHA256_LEN])
{
    unsigned char h[GH_SHA256_LEN];
    gh_assert(e->sealed);
    link_hash(prev, e->seq, e->body_hash, h);
    memcpy(e->prev_hash, prev, GH_SHA256_LEN);
    memcpy(e->hash, h, GH_SHA256_LEN);
}

void gh_audit_chain(gh_audit_event *e, const unsigned char prev[GH_SHA256_LEN])
{
    gh_audit_seal(e);
    gh_audit_link(e, prev);
}

static bool all_zero(const unsigned char *p, size_t n)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

gh_err gh_audit_verify(const gh_audit_event *events, size_t n,
                       const unsigned char prev[GH_SHA256_LEN], size_t *bad_index)
{
    unsigned char cur[GH_SHA256_LEN];
    memcpy(cur, prev, GH_SHA256_LEN);
    for (size_t i = 0; i < n; i++) {
        const gh_audit_event *e = &events[i];
        unsigned char h[GH_SHA256_LEN];
        bool ok;
        if (i == 0)
            /* The zero hash precedes only the very first event. */
            ok = all_zero(prev, GH_SHA256_LEN) ? e->seq == 1 : e->seq > 1;
        else
            ok = e->seq == events[i - 1].seq + 1;
        ok = ok && memcmp(e->prev_hash, cur, GH_SHA256_LEN) == 0;
        if (ok) {
            unsigned char body[GH_SHA256_LEN];
            gh_audit_body_hash(e, body); /* from the fields, never from e->body_hash */
            link_hash(cur, e->seq, body, h);
            ok = memcmp(h, e->hash, GH_SHA256_LEN) == 0;
        }
        if (!ok) {
            if (bad_index)
                *bad_index = i;
            return GH_EINVAL;
        }
        memcpy(cur, h, GH_SHA256_LEN);
    }
    return GH_OK;
}

/* ---- the JSON view ---- */

/* Returns s as a new JSON string. Text that is not valid UTF-8 cannot be a JSON string: it
 * becomes {"hex": "<its bytes in hex>"}, as in the canonical form. */
static json_t *str_value(const char *s)
{
    json_t *v = json_string(s);
    if (!v) {
        size_t n = strlen(s);
        char *hex = gh_xmalloc(2 * n + 1);
        gh_hex_encode((const unsigned char *)s, n, hex);
        v = json_pack("{s:s}", "hex", hex);
        free(hex);
    }
    return v;
}

/* Returns data as a new JSON value: the object it encodes, or a string holding it. */
static json_t *data_value(const char *data)
{
    json_t *v = json_loads(data, JSON_REJECT_DUPLICATES, NULL);
    if (v && json_is_object(v))
        return v;
    json_decref(v);
    return str_value(data);
}

static void set_str(json_t *o, const char *key, const char *s)
{
    if (s)
        json_object_set_new(o, key, str_value(s));
}

json_t *gh_audit_event_json(const gh_audit_event *e)
{
    char hex[2 * GH_SHA256_LEN + 1];
    json_t *o = json_object();

    json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
    json_object_set_new(o, "time_us", json_integer((json_int_t)e->time_us));
    set_str(o, "type", e->type);
    set_str(o, "actor", e->actor);
    set_str(o, "client_id", e->client_id);
    set_str(o, "subject", e->subject);
    set_str(o, "token_id", e->token_id);
    set_str(o, "scope", e->scope);
    set_str(o, "request_id", e->request_id);
    if (e->data)
        json_object_set_new(o, "data", data_value(e->data));
    gh_hex_encode(e->prev_hash, GH_SHA256_LEN, hex);
    json_object_set_new(o, "prev_hash", json_string(hex));
    gh_hex_encode(e->hash, GH_SHA256_LEN, hex);
    json_object_set_new(o, "hash", json_string(hex));
    return o;
}

/* ---- export and import ---- */

/* Writes time_us as RFC 3339 UTC with microseconds into out. */
static void fmt_time(int64_t time_us, char out[40])
{
    int64_t sec = time_us / 1000000, frac = time_us % 1000000;
    time_t t;
    struct tm tm;

    if (frac < 0) {
        frac += 1000000;
        sec -= 1;
    }
    t = (time_t)sec;
    if (gmtime_r(&t, &tm) == NULL ||
        snprintf(out, 40, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac) >= 40)
        (void)snprintf(out, 40, "invalid");
}

static int hex_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes hex text into n bytes at out; false if it is not exactly 2n hex digits. */
static bool hex_decode(const char *hex, unsigned char *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return false;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* The text a shown string value stands for: a JSON string's bytes, or {"hex": H}'s. NULL if
 * v is neither, or the bytes hold a NUL. */
static const char *text_of(gh_arena *a, const json_t *v)
{
    if (json_is_string(v)) {
        if (strlen(json_string_value(v)) != json_string_length(v))
            return NULL;
        return gh_arena_strdup(a, json_string_value(v));
    }
    if (json_is_object(v) && json_object_size(v) == 1) {
        const char *hex = json_string_value(json_object_get(v, "hex"));
        size_t n;
        char *out;
        if (hex == NULL || strlen(hex) % 2 != 0)
            return NULL;
        n = strlen(hex) / 2;
        out = gh_arena_alloc(a, n + 1);
        if (!hex_decode(hex, (unsigned char *)out, n) || memchr(out, '\0', n) != NULL)
            return NULL;
        out[n] = '\0';
        return out;
    }
    return NULL;
}

/* The data text a shown data value stands for (the rule in audit.h), or NULL. */
static const char *data_text_of(gh_arena *a, const json_t *v)
{
    const char *t = text_of(a, v);
    if (t != NULL || !json_is_object(v))
        return t;
    return gh_json_dump_a(a, v);
}

json_t *gh_audit_event_export(const gh_audit_event *e)
{
    char when[40];
    json_t *o = gh_audit_event_json(e);

    fmt_time(e->time_us, when);
    json_object_set_new(o, "time", json_string(when));
    if (e->data) {
        gh_arena *a = gh_arena_new(0);
        const char *back = data_text_of(a, json_object_get(o, "data"));
        if (back == NULL || strcmp(back, e->data) != 0)
            json_object_set_new(o, "data_text", str_value(e->data));
        gh_arena_free(a);
    }
    return o;
}

/* Reads an optional string member (absent or null: NULL). false when it is malformed. */
static bool import_str(const json_t *o, const char *key, gh_arena *a, const char **out)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if (v == NULL || json_is_null(v))
        return true;
    *out = text_of(a, v);
    return *out != NULL;
}

static bool import_hash(const json_t *o, const char *key, unsigned char out[GH_SHA256_LEN])
{
    const char *hex = json_string_value(json_object_get(o, key));
    return hex != NULL && hex_decode(hex, out, GH_SHA256_LEN);
}

gh_err gh_audit_event_import(const json_t *o, gh_arena *a, gh_audit_event *out)
{
    const json_t *seq = json_object_get(o, "seq"), *t = json_object_get(o, "time_us");
    const json_t *data = json_object_get(o, "data_text");
    bool ok;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(o) || !json_is_integer(seq) || !json_is_integer(t))
        return GH_EINVAL;
    out->seq = (int64_t)json_integer_value(seq);
    out->time_us = (int64_t)json_integer_value(t);
    ok = import_str(o, "type", a, &out->type) && out->type != NULL &&
         import_str(o, "actor", a, &out->actor) &&
         import_str(o, "client_id", a, &out->client_id) &&
         import_str(o, "subject", a, &out->subject) &&
         import_str(o, "token_id", a, &out->token_id) && import_str(o, "scope", a, &out->scope) &&
         import_str(o, "request_id", a, &out->request_id) &&
         import_hash(o, "prev_hash", out->prev_hash) && import_hash(o, "hash", out->hash);
    if (ok && data != NULL) {
        out->data = text_of(a, data);
        ok = out->data != NULL;
    } else if (ok && (data = json_object_get(o, "data")) != NULL && !json_is_null(data)) {
        out->data = data_text_of(a, data);
        ok = out->data != NULL;
    }
    return ok ? GH_OK : GH_EINVAL;
}

/* ---- the walk ---- */

void gh_audit_walk_init(gh_audit_walk *w)
{
    memset(w, 0, sizeof(*w));
}

gh_err gh_audit_walk_add(gh_audit_walk *w, const gh_audit_event *e, char *why, size_t why_len)
{
    unsigned char body[GH_SHA256_LEN], h[GH_SHA256_LEN];
    char want[2 * GH_SHA256_LEN + 1], have[2 * GH_SHA256_LEN + 1];

    if (e->seq != w->last_seq + 1) {
        (void)snprintf(why, why_len, "seq is %lld where %lld was expected (an event is "
                                     "missing, removed or renumbered)",
                       (long long)e->seq, (long long)(w->last_seq + 1));
        return GH_EINVAL;
    }
    if (memcmp(e->prev_hash, w->last_hash, GH_SHA256_LEN) != 0) {
        gh_hex_encode(w->last_hash, GH_SHA256_LEN, want);
        gh_hex_encode(e->prev_hash, GH_SHA256_LEN, have);
        (void)snprintf(why, why_len, "prev_hash %s is not the hash of the event before (%s)",
                       have, want);
        return GH_EINVAL;
    }
    gh_audit_body_hash(e, body); /* from the fields, never from e->body_hash */
    link_hash(w->last_hash, e->seq, body, h);
    if (memcmp(h, e->hash, GH_SHA256_LEN) != 0) {
        gh_hex_encode(h, GH_SHA256_LEN, want);
        gh_hex_encode(e->hash, GH_SHA256_LEN, have);
        (void)snprintf(why, why_len,
                       "hash %s differs from the hash of its fields (%s): the event was altered",
                       have, want);
        return GH_EINVAL;
    }
    w->n++;
    w->last_seq = e->seq;
    memcpy(w->last_hash, h, GH_SHA256_LEN);
    memcpy(w->ring[(uint64_t)e->seq % GH_AUDIT_WALK_RING], h, GH_SHA256_LEN);
    return GH_OK;
}

bool gh_audit_walk_hash_of(const gh_audit_walk *w, int64_t seq, unsigned char out[GH_SHA256_LEN])
{
    if (seq < 1 || seq > w->last_seq || w->last_seq - seq >= GH_AUDIT_WALK_RING)
        return false;
    memcpy(out, w->ring[(uint64_t)seq % GH_AUDIT_WALK_RING], GH_SHA256_LEN);
    return true;
}
