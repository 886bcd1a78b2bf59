/*
 * audit.c - the audit event's canonical form, its hash chain and its JSON view.
 *
 * The canonical form is what the body hash covers, so it is fixed here once and for all
 * rather than borrowed from a helper that might change: a JSON object holding the members
 * time_us, type, actor, client_id, subject, token_id, scope, request_id and data (members
 * whose value is NULL are left out), encoded by jansson with JSON_COMPACT | JSON_SORT_KEYS
 * (UTF-8 output, no escaped slashes). data is embedded as a JSON value when its text parses as
 * one JSON object (duplicate keys rejected), otherwise as a string, so the same stored text
 * always gives the same bytes. A string that is not valid UTF-8 is encoded as {"hex": ...}.
 * seq is not in it (the store assigns seq on its writer thread, after the body hash was
 * computed on the caller's): the link hash binds seq, as 8 bytes big-endian, together with
 * the previous hash and the body hash (audit.h gives the rule).
 *
 * It does not store events (the store does, assigning seq at commit) and it does not decide
 * which actions are audited (the engine does).
 */
#include "audit/audit.h"
#include "json/json.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"

/* Returns s as a new JSON string. Text that is not valid UTF-8 cannot be a JSON string: it
 * becomes {"hex": "<its bytes in hex>"}, so that its bytes stay visible and hashed. */
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

/* The event's fields as a JSON object; with_seq adds seq (the JSON view has it, the
 * canonical form does not). */
static json_t *base_object(const gh_audit_event *e, bool with_seq)
{
    json_t *o = json_object();
    if (with_seq)
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
    return o;
}

char *gh_audit_canonical(const gh_audit_event *e)
{
    json_t *o = base_object(e, false);
    char *s = gh_json_dump_canonical(o);
    json_decref(o);
    gh_assert(s != NULL);
    return s;
}

void gh_audit_body_hash(const gh_audit_event *e, unsigned char out[GH_SHA256_LEN])
{
    char *c = gh_audit_canonical(e);
    gh_sha256(c, strlen(c), out);
    free(c);
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

json_t *gh_audit_event_json(const gh_audit_event *e)
{
    char hex[2 * GH_SHA256_LEN + 1];
    json_t *o = base_object(e, true);
    gh_hex_encode(e->prev_hash, GH_SHA256_LEN, hex);
    json_object_set_new(o, "prev_hash", json_string(hex));
    gh_hex_encode(e->hash, GH_SHA256_LEN, hex);
    json_object_set_new(o, "hash", json_string(hex));
    return o;
}
