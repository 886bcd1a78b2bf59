/*
 * code.c - authorization codes (RFC 6749 4.1.2, 10.5): issuing one at /oauth2/auth and
 * opening it again at the token endpoint; and the sealed-token helpers that codes and refresh
 * tokens share.
 *
 * A sealed token carries what the token endpoint needs, so that using it costs no store read:
 *   value = PREFIX + base64url(selector || nonce || AES-256-GCM(key, data) || tag)
 * The selector is 16 bytes (a 48-bit time prefix, gh_oauth__time_prefix, then 80 random
 * bits: time-ordered, so that consecutive rows share store pages); nonce 12 random
 * bytes and tag 16 bytes (gh_aead_seal); key = e->token_seal_key (HKDF of the system secret,
 * "gatehouse/token-seal"); additional data = PREFIX || selector, so that a value cannot be
 * moved to another selector or passed off as the other kind (a code as a refresh token).
 * Only the server can make a value that opens; a forged, altered or truncated one, or one
 * sealed under another system secret, does not open and is simply not a token.
 *
 * data (binary, version 1): version byte 1, flags byte (bit 0: the data is in the row),
 * expires_at and auth_time (8 bytes each, big-endian two's complement), then the strings of
 * gh_oauth_sealed in declaration order from client_id to amr, each as a 2-byte big-endian
 * length + 1 (0 = NULL) and its bytes. When the value would be longer than
 * GH_OAUTH_SEALED_VALUE_MAX (long claims or URIs), the data is stored base64url-encoded in
 * the row's extra (GH_OAUTH_SEALED_DATA_MEMBER) and the value seals a data block with flag
 * bit 0 set and no strings: opening it then reads the row (which must hold the value's hash).
 *
 * The row (id = "c." or "r." + base64url(selector): no credential) is still written at
 * issuance with the grant, client, subject, scope, audience, catalog version and times, and
 * in extra the SHA-256 of the whole value (GH_OAUTH_TOKEN_HASH_MEMBER; the value itself is
 * never stored, DESIGN.md Tokens): revocation, introspection, audit and single use work on it.
 *
 * Invariants of a code:
 *   1. It lives at most 60 s (RFC 6749 4.1.2 recommends 10 minutes at most; OAuth 2.1 and
 *      DESIGN.md say 60 s): expires_at = issued_at + min(ttl.authorization_code, 60), in the
 *      row and in the sealed data alike.
 *   2. It carries the gh_oauth_authz (sealed) and its row the grant's columns.
 *   3. It is used once: the token endpoint consumes it (GH_OP_TOKEN_CONSUME) in the
 *      transaction that inserts the tokens it buys (grant_authorization_code.c); the row is
 *      the only truth about use and revocation.
 * Lifecycle: issued (gh_oauth__code_issue) -> consumed (grant_authorization_code.c) or expired
 * (purged by GH_OP_PURGE_EXPIRED); a replay of a consumed code revokes its grant.
 *
 * Not here: the authorization request (authorize.c) and the exchange (grant_authorization_code.c).
 */
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "base/mem.h"
#include "json/json.h"
#include "oauth/authz_int.h"
#include "oauth/introspect_int.h"
#include "oauth/token_int.h"

#define SEAL_VERSION 1
#define SEAL_FLAG_IN_ROW 0x01
#define SEAL_NONCE 12
#define SEAL_TAG 16
#define SEAL_NSTR 13
#define SEAL_FIXED (2 + 8 + 8)
#define SEAL_STR_MAX 0xfffe

/* The strings of d in layout order. */
static void sealed_strs(const gh_oauth_sealed *d, const char *v[SEAL_NSTR])
{
    v[0] = d->client_id;
    v[1] = d->subject;
    v[2] = d->grant_id;
    v[3] = d->scope;
    v[4] = d->audience;
    v[5] = d->redirect_uri;
    v[6] = d->code_challenge;
    v[7] = d->nonce;
    v[8] = d->sid;
    v[9] = d->acr;
    v[10] = d->access_token_claims;
    v[11] = d->id_token_claims;
    v[12] = d->amr;
}

static const char **sealed_slot(gh_oauth_sealed *d, int i)
{
    const char **slots[SEAL_NSTR] = {
        &d->client_id,           &d->subject,         &d->grant_id, &d->scope, &d->audience,
        &d->redirect_uri,        &d->code_challenge,  &d->nonce,    &d->sid,   &d->acr,
        &d->access_token_claims, &d->id_token_claims, &d->amr};
    return slots[i];
}

static void put_i64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;

    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(u >> (8 * (7 - i)));
}

static int64_t get_i64(const unsigned char *p)
{
    uint64_t u = 0;

    for (int i = 0; i < 8; i++)
        u = u << 8 | p[i];
    return (int64_t)u;
}

/* Encodes d (flags 0) into the arena; NULL when a string is too long. With no_strings, only
 * the fixed part with SEAL_FLAG_IN_ROW. */
static unsigned char *sealed_encode(gh_arena *a, const gh_oauth_sealed *d, bool in_row,
                                    size_t *out_len)
{
    const char *v[SEAL_NSTR];
    size_t len[SEAL_NSTR];
    size_t n = SEAL_FIXED, off;
    unsigned char *b;
    int i;

    sealed_strs(d, v);
    for (i = 0; i < SEAL_NSTR && !in_row; i++) {
        len[i] = v[i] != NULL ? strlen(v[i]) : 0;
        if (len[i] > SEAL_STR_MAX)
            return NULL;
        n += 2 + len[i];
    }
    b = gh_arena_alloc(a, n);
    b[0] = SEAL_VERSION;
    b[1] = in_row ? SEAL_FLAG_IN_ROW : 0;
    put_i64(b + 2, d->expires_at);
    put_i64(b + 10, d->auth_time);
    off = SEAL_FIXED;
    for (i = 0; i < SEAL_NSTR && !in_row; i++) {
        size_t l = v[i] != NULL ? len[i] + 1 : 0;

        b[off] = (unsigned char)(l >> 8);
        b[off + 1] = (unsigned char)l;
        off += 2;
        if (v[i] != NULL) {
            memcpy(b + off, v[i], len[i]);
            off += len[i];
        }
    }
    *out_len = n;
    return b;
}

/* Decodes data into *d (strings copied into the arena). false when it is malformed or lacks
 * a required string. *in_row tells a marker (no strings follow). */
static bool sealed_decode(gh_arena *a, const unsigned char *b, size_t n, gh_oauth_sealed *d,
                          bool *in_row)
{
    size_t off = SEAL_FIXED;
    int i;

    memset(d, 0, sizeof(*d));
    *in_row = false;
    if (n < SEAL_FIXED || b[0] != SEAL_VERSION || (b[1] & ~SEAL_FLAG_IN_ROW) != 0)
        return false;
    d->expires_at = get_i64(b + 2);
    d->auth_time = get_i64(b + 10);
    if (b[1] & SEAL_FLAG_IN_ROW) {
        *in_row = true;
        return n == SEAL_FIXED;
    }
    for (i = 0; i < SEAL_NSTR; i++) {
        size_t l;

        if (n - off < 2)
            return false;
        l = (size_t)b[off] << 8 | b[off + 1];
        off += 2;
        if (l == 0)
            continue;
        l--;
        if (n - off < l || memchr(b + off, '\0', l) != NULL)
            return false;
        *sealed_slot(d, i) = gh_arena_strndup(a, (const char *)b + off, l);
        off += l;
    }
    return off == n && d->client_id != NULL && d->subject != NULL && d->grant_id != NULL &&
           d->scope != NULL;
}

/* Additional data: prefix || selector (arena). */
static unsigned char *seal_aad(gh_arena *a, const char *prefix, const unsigned char *sel,
                               size_t *out_len)
{
    size_t pl = strlen(prefix);
    unsigned char *aad = gh_arena_alloc(a, pl + GH_OAUTH_SPLIT_SELECTOR_BYTES);

    memcpy(aad, prefix, pl);
    memcpy(aad + pl, sel, GH_OAUTH_SPLIT_SELECTOR_BYTES);
    *out_len = pl + GH_OAUTH_SPLIT_SELECTOR_BYTES;
    return aad;
}

/* prefix + base64url(sel || seal(data)) into the arena. */
static gh_err seal_value(gh_engine *e, gh_ctx *ctx, const char *prefix, const unsigned char *sel,
                         const unsigned char *data, size_t n, char **out)
{
    unsigned char *aad, *sealed = NULL, *raw;
    size_t aadlen = 0, slen = 0, pl = strlen(prefix);
    gh_err err;

    *out = NULL;
    aad = seal_aad(ctx->arena, prefix, sel, &aadlen);
    err = gh_aead_seal(e->token_seal_key, aad, aadlen, data, n, &sealed, &slen);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "sealing a token: %s", gh_err_str(err));
        return err;
    }
    raw = gh_arena_alloc(ctx->arena, GH_OAUTH_SPLIT_SELECTOR_BYTES + slen);
    memcpy(raw, sel, GH_OAUTH_SPLIT_SELECTOR_BYTES);
    memcpy(raw + GH_OAUTH_SPLIT_SELECTOR_BYTES, sealed, slen);
    free(sealed);
    *out =
        gh_arena_alloc(ctx->arena, pl + gh_b64url_enclen(GH_OAUTH_SPLIT_SELECTOR_BYTES + slen) + 1);
    memcpy(*out, prefix, pl);
    gh_b64url_encode(raw, GH_OAUTH_SPLIT_SELECTOR_BYTES + slen, *out + pl);
    return GH_OK;
}

/* ---- sealed tokens ---- */

gh_err gh_oauth__sealed_new(gh_engine *e, gh_ctx *ctx, const char *prefix, const char *id_prefix,
                            const gh_oauth_sealed *d, char **out_value, char **out_id,
                            char **out_extra)
{
    unsigned char sel[GH_OAUTH_SPLIT_SELECTOR_BYTES], *data, *marker;
    size_t n = 0, mn = 0;
    char *value = NULL;
    const char *spill = NULL;
    gh_err err;

    *out_value = NULL;
    *out_id = NULL;
    *out_extra = NULL;
    if (d->client_id == NULL || d->subject == NULL || d->grant_id == NULL || d->scope == NULL)
        return GH_EINVAL;
    data = sealed_encode(ctx->arena, d, false, &n);
    if (data == NULL)
        return GH_EINVAL;
    gh_oauth__time_prefix((uint64_t)(ctx->now_us / 1000), sel);
    gh_ctx_rand_bytes(ctx, sel + 6, sizeof(sel) - 6);
    if (strlen(prefix) + gh_b64url_enclen(sizeof(sel) + SEAL_NONCE + n + SEAL_TAG) >
        GH_OAUTH_SEALED_VALUE_MAX) {
        /* Too long to hand out: the row keeps the data, the value a marker. */
        spill = gh_b64url_encode_a(ctx->arena, data, n);
        marker = sealed_encode(ctx->arena, d, true, &mn);
        err = seal_value(e, ctx, prefix, sel, marker, mn, &value);
    } else {
        err = seal_value(e, ctx, prefix, sel, data, n, &value);
    }
    gh_wipe(data, n);
    if (err != GH_OK)
        return err;
    *out_value = value;
    *out_id = gh_arena_printf(ctx->arena, "%s%s", id_prefix,
                              gh_b64url_encode_a(ctx->arena, sel, sizeof(sel)));
    if (spill == NULL)
        *out_extra = gh_oauth__token_hash_extra(ctx->arena, value);
    else
        *out_extra = gh_arena_printf(ctx->arena,
                                     "{\"" GH_OAUTH_TOKEN_HASH_MEMBER
                                     "\":\"%s\",\"" GH_OAUTH_SEALED_DATA_MEMBER "\":\"%s\"}",
                                     gh_sha256_hex(ctx->arena, value, strlen(value)), spill);
    return GH_OK;
}

/* Decodes the base64url part of a presented value (arena): *raw, *rawlen. false when value
 * is not one of prefix (the length checks leave room for a sealed empty plaintext). */
static bool value_raw(gh_arena *a, const char *prefix, const char *value, unsigned char **raw,
                      size_t *rawlen)
{
    size_t pl = strlen(prefix), n;

    if (value == NULL || !gh_str_startswith(value, prefix))
        return false;
    n = strlen(value + pl);
    if (n > GH_LIMIT_TOKEN ||
        n < gh_b64url_enclen(GH_OAUTH_SPLIT_SELECTOR_BYTES + SEAL_NONCE + SEAL_TAG))
        return false;
    return gh_b64url_decode(a, value + pl, n, raw, rawlen) == GH_OK &&
           *rawlen >= GH_OAUTH_SPLIT_SELECTOR_BYTES + SEAL_NONCE + SEAL_TAG;
}

char *gh_oauth__split_id(gh_arena *a, const char *prefix, const char *id_prefix, const char *value)
{
    unsigned char *raw = NULL;
    size_t rawlen = 0;

    if (!value_raw(a, prefix, value, &raw, &rawlen))
        return NULL;
    return gh_arena_printf(a, "%s%s", id_prefix,
                           gh_b64url_encode_a(a, raw, GH_OAUTH_SPLIT_SELECTOR_BYTES));
}

/* Reads row id and checks that it is of kind and that value hashes to its stored hash. *out
 * NULL otherwise. */
static gh_err find_row(gh_engine *e, gh_ctx *ctx, const char *id, gh_token_kind kind,
                       const char *value, gh_token **out)
{
    unsigned char want[GH_SHA256_LEN], got[GH_SHA256_LEN];
    const char *hex = NULL;
    gh_token *row = NULL;
    gh_err err;

    *out = NULL;
    err = gh_store_token_get(e->store, id, ctx->arena, &row);
    if (err == GH_ENOTFOUND)
        return GH_OK;
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "reading a token row: %s", gh_err_str(err));
        return err;
    }
    if (row->kind != kind || row->extra == NULL)
        return GH_OK;
    if (gh_json_scan_str(row->extra, strlen(row->extra), GH_OAUTH_TOKEN_HASH_MEMBER, ctx->arena,
                         &hex) != GH_OK ||
        strlen(hex) != 2 * GH_SHA256_LEN)
        return GH_OK;
    for (size_t i = 0; i < GH_SHA256_LEN; i++) {
        unsigned hi, lo;
        char c1 = hex[2 * i], c2 = hex[2 * i + 1];

        hi = (unsigned)(c1 >= 'a' ? c1 - 'a' + 10 : c1 - '0');
        lo = (unsigned)(c2 >= 'a' ? c2 - 'a' + 10 : c2 - '0');
        if (hi > 15 || lo > 15)
            return GH_OK;
        want[i] = (unsigned char)(hi << 4 | lo);
    }
    gh_sha256(value, strlen(value), got);
    /* SPEC: DESIGN.md constant-time comparison of every secret */
    if (!gh_ct_eq(got, sizeof(got), want, sizeof(want)))
        return GH_OK;
    *out = row;
    return GH_OK;
}

gh_err gh_oauth__split_find(gh_engine *e, gh_ctx *ctx, const char *prefix, const char *id_prefix,
                            gh_token_kind kind, const char *value, gh_token **out)
{
    char *id;

    *out = NULL;
    id = gh_oauth__split_id(ctx->arena, prefix, id_prefix, value);
    if (id == NULL)
        return GH_OK;
    return find_row(e, ctx, id, kind, value, out);
}

gh_err gh_oauth__sealed_open(gh_engine *e, gh_ctx *ctx, const char *prefix, const char *id_prefix,
                             const char *value, gh_oauth_sealed *out, const char **out_id, bool *ok)
{
    unsigned char *raw = NULL, *aad, *pt = NULL, *stored = NULL;
    size_t rawlen = 0, aadlen = 0, ptlen = 0, slen = 0;
    const char *id, *b64 = NULL;
    gh_token *row = NULL;
    bool in_row = false, good;
    gh_err err;

    *ok = false;
    *out_id = NULL;
    memset(out, 0, sizeof(*out));
    if (!value_raw(ctx->arena, prefix, value, &raw, &rawlen))
        return GH_OK;
    aad = seal_aad(ctx->arena, prefix, raw, &aadlen);
    /* SPEC: DESIGN.md - a value we did not seal (forged, altered, another key) is no token */
    if (gh_aead_open(e->token_seal_key, aad, aadlen, raw + GH_OAUTH_SPLIT_SELECTOR_BYTES,
                     rawlen - GH_OAUTH_SPLIT_SELECTOR_BYTES, &pt, &ptlen) != GH_OK)
        return GH_OK;
    good = sealed_decode(ctx->arena, pt, ptlen, out, &in_row);
    gh_wipe(pt, ptlen);
    free(pt);
    if (!good)
        return GH_OK;
    id = gh_arena_printf(ctx->arena, "%s%s", id_prefix,
                         gh_b64url_encode_a(ctx->arena, raw, GH_OAUTH_SPLIT_SELECTOR_BYTES));
    if (in_row) {
        err = find_row(e, ctx, id,
                       strcmp(id_prefix, GH_OAUTH_CODE_ID_PREFIX) == 0 ? GH_TOKEN_CODE
                                                                       : GH_TOKEN_REFRESH,
                       value, &row);
        if (err != GH_OK || row == NULL)
            return err;
        if (gh_json_scan_str(row->extra, strlen(row->extra), GH_OAUTH_SEALED_DATA_MEMBER,
                             ctx->arena, &b64) != GH_OK ||
            gh_b64url_decode(ctx->arena, b64, strlen(b64), &stored, &slen) != GH_OK ||
            !sealed_decode(ctx->arena, stored, slen, out, &in_row) || in_row) {
            gh_ctx_fail(ctx, "token %s: its stored data does not decode", id);
            memset(out, 0, sizeof(*out));
            return GH_OK;
        }
    }
    *out_id = id;
    *ok = true;
    return GH_OK;
}

gh_err gh_oauth__use_state(gh_engine *e, gh_ctx *ctx, const char *id, gh_token_kind kind,
                           gh_oauth_use_state *out)
{
    gh_token *row = NULL;
    gh_err err;

    *out = GH_OAUTH_USE_UNKNOWN;
    err = gh_store_token_get(e->store, id, ctx->arena, &row);
    if (err == GH_ENOTFOUND)
        return GH_OK;
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "reading token %s: %s", id, gh_err_str(err));
        return err;
    }
    if (row->kind != kind)
        return GH_OK;
    if (row->used_at != 0)
        *out = row->revoked_at != 0 ? GH_OAUTH_USE_USED_REVOKED : GH_OAUTH_USE_USED;
    else
        *out = row->revoked_at != 0 ? GH_OAUTH_USE_REVOKED : GH_OAUTH_USE_LIVE;
    return GH_OK;
}

/* Splits a stored space-separated list (scope or audience) into the arena. */
static gh_strv split_spaces(gh_ctx *ctx, const char *s)
{
    gh_strv out = {NULL, 0};
    const char *p, *sp;
    size_t n = 1;

    if (s == NULL || s[0] == '\0')
        return out;
    for (p = s; *p; p++)
        n += *p == ' ';
    out.v = GH_ARENA_NEWN(ctx->arena, const char *, n);
    for (p = s; p != NULL; p = sp != NULL ? sp + 1 : NULL) {
        sp = strchr(p, ' ');
        if (*p != '\0' && (sp == NULL || sp > p))
            out.v[out.n++] = sp != NULL ? gh_arena_strndup(ctx->arena, p, (size_t)(sp - p))
                                        : gh_arena_strdup(ctx->arena, p);
    }
    return out;
}

gh_strv gh_oauth__split_list(gh_ctx *ctx, const char *s)
{
    return split_spaces(ctx, s);
}

/* ---- codes ---- */

gh_err gh_oauth__code_issue(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const gh_oauth_authz *a,
                            const char **out_code)
{
    gh_oauth_sealed d;
    gh_token *row;
    gh_store_op op;
    json_t *data;
    char *value = NULL, *id = NULL, *extra = NULL;
    int64_t ttl = e->cfg->ttl_authorization_code;
    char gid[37];
    gh_err err;

    *out_code = NULL;
    if (a == NULL || a->client_id == NULL || a->subject == NULL || a->code_challenge == NULL)
        return GH_EINVAL;
    /* SPEC: DESIGN.md Tokens - authorization codes live 60 s at most (RFC6749 4.1.2) */
    if (ttl <= 0 || ttl > GH_OAUTH_CODE_TTL_MAX)
        ttl = GH_OAUTH_CODE_TTL_MAX;

    row = GH_ARENA_NEW(ctx->arena, gh_token);
    row->kind = GH_TOKEN_CODE;
    row->format = GH_STRATEGY_OPAQUE;
    if (a->grant_id != NULL) {
        row->grant_id = gh_arena_strdup(ctx->arena, a->grant_id);
    } else {
        gh_ctx_rand_uuid(ctx, gid);
        row->grant_id = gh_arena_strdup(ctx->arena, gid);
    }
    row->client_id = gh_arena_strdup(ctx->arena, a->client_id);
    row->subject = gh_arena_strdup(ctx->arena, a->subject);
    row->scope = gh_strv_join(ctx->arena, &a->scopes);
    row->audience = gh_strv_join(ctx->arena, &a->audience);
    row->catalog_version = gh_oauth__catalog(e, ctx)->version;
    row->issued_at = ctx->now;
    row->expires_at = ctx->now + ttl;
    row->request_id = ctx->request_id;

    memset(&d, 0, sizeof(d));
    d.expires_at = row->expires_at;
    d.auth_time = a->auth_time;
    d.client_id = row->client_id;
    d.subject = row->subject;
    d.grant_id = row->grant_id;
    d.scope = row->scope;
    d.audience = row->audience;
    d.redirect_uri = a->redirect_uri;
    d.code_challenge = a->code_challenge;
    d.nonce = a->nonce;
    d.sid = a->sid;
    d.acr = a->acr;
    d.access_token_claims = a->access_token_claims;
    d.id_token_claims = a->id_token_claims;
    d.amr = a->amr;
    err = gh_oauth__sealed_new(e, ctx, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, &d, &value, &id,
                               &extra);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "code: sealing the authorization: %s", gh_err_str(err));
        return err;
    }
    row->id = id;
    row->extra = extra;
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = row;
    gh_store_txn_add(t, &op);

    data = json_object();
    json_object_set_new(data, "grant_id", json_string(row->grant_id));
    if (row->audience[0] != '\0')
        json_object_set_new(data, "aud", gh_json_strv(&a->audience));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CODE_ISSUED,
                    gh_arena_printf(ctx->arena, "user:%s", row->subject), row->client_id,
                    row->subject, id, row->scope, data);
    json_decref(data);
    *out_code = value;
    return GH_OK;
}

gh_err gh_oauth__code_open(gh_engine *e, gh_ctx *ctx, const char *value, gh_oauth_authz *out,
                           const char **out_id, int64_t *out_expires_at, bool *ok)
{
    gh_oauth_sealed d;
    gh_err err;

    memset(out, 0, sizeof(*out));
    *out_expires_at = 0;
    err = gh_oauth__sealed_open(e, ctx, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, value, &d, out_id,
                                ok);
    if (err != GH_OK || !*ok)
        return err;
    /* A code without its PKCE challenge was never issued (gh_oauth__code_issue). */
    if (d.code_challenge == NULL) {
        *ok = false;
        return GH_OK;
    }
    out->client_id = d.client_id;
    out->subject = d.subject;
    out->redirect_uri = d.redirect_uri;
    out->code_challenge = d.code_challenge;
    out->scopes = split_spaces(ctx, d.scope);
    out->audience = split_spaces(ctx, d.audience);
    out->nonce = d.nonce;
    out->auth_time = d.auth_time;
    out->sid = d.sid;
    out->acr = d.acr;
    out->grant_id = d.grant_id;
    out->access_token_claims = d.access_token_claims;
    out->id_token_claims = d.id_token_claims;
    out->amr = d.amr;
    *out_expires_at = d.expires_at;
    return GH_OK;
}

gh_err gh_oauth__code_find(gh_engine *e, gh_ctx *ctx, const char *value, gh_token **out_row,
                           gh_oauth_authz *out)
{
    gh_token *row = NULL;
    const char *id = NULL;
    int64_t exp = 0;
    bool ok = false;
    gh_err err;

    *out_row = NULL;
    err = gh_oauth__code_open(e, ctx, value, out, &id, &exp, &ok);
    if (err != GH_OK || !ok)
        return err;
    err = find_row(e, ctx, id, GH_TOKEN_CODE, value, &row);
    if (err != GH_OK || row == NULL) {
        memset(out, 0, sizeof(*out));
        return err;
    }
    *out_row = row;
    return GH_OK;
}
