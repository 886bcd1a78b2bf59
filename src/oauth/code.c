/*
 * code.c - authorization codes (RFC 6749 4.1.2, 10.5): issuing one at /oauth2/auth and
 * finding it again at the token endpoint; and the split-token helpers that codes and refresh
 * tokens share.
 *
 * A split token is PREFIX + base64url(selector) + base64url(secret): the selector is 16 bytes
 * (48 bits of milliseconds since the epoch, big-endian, then 80 random bits: time-ordered, so
 * that consecutive rows share store pages), 22 characters; the secret 32 random bytes, 43
 * characters. The row id is a short id prefix ("c." for codes, "r." for refresh tokens) and
 * base64url(selector): no credential. The row keeps the SHA-256 of the whole value in its
 * extra (GH_OAUTH_TOKEN_HASH_MEMBER); the value itself is never stored (DESIGN.md Tokens). A
 * presented value is found by its selector and must hash to the stored hash (constant-time).
 *
 * Invariants of a code:
 *   1. It lives at most 60 s (RFC 6749 4.1.2 recommends 10 minutes at most; OAuth 2.1 and
 *      DESIGN.md say 60 s): expires_at = issued_at + min(ttl.authorization_code, 60).
 *   2. Its row (GH_TOKEN_CODE) carries the gh_oauth_authz: client, subject, scope and
 *      audience in the row's columns, the rest (redirect_uri, code_challenge, nonce,
 *      auth_time, sid, acr) in extra.
 *   3. It is used once: the token endpoint consumes it (GH_OP_TOKEN_CONSUME) in the
 *      transaction that inserts the tokens it buys (grant_authorization_code.c).
 * Lifecycle: issued (gh_oauth__code_issue) -> consumed (grant_authorization_code.c) or expired
 * (purged by GH_OP_PURGE_EXPIRED); a replay of a consumed code revokes its grant.
 *
 * Not here: the authorization request (authorize.c) and the exchange (grant_authorization_code.c).
 */
#include <string.h>

#include "base/b64url.h"
#include "base/mem.h"
#include "json/json.h"
#include "oauth/authz_int.h"
#include "oauth/introspect_int.h"
#include "oauth/token_int.h"

/* ---- split tokens ---- */

void gh_oauth__split_new(gh_ctx *ctx, const char *prefix, const char *id_prefix, char **out_value,
                         char **out_id)
{
    unsigned char b[GH_OAUTH_SPLIT_SELECTOR_BYTES + GH_OAUTH_SPLIT_SECRET_BYTES];
    char sel[32], sec[64];
    uint64_t ms = (uint64_t)(ctx->now_us / 1000);

    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (8 * (5 - i)));
    gh_ctx_rand_bytes(ctx, b + 6, sizeof(b) - 6);
    gh_b64url_encode(b, GH_OAUTH_SPLIT_SELECTOR_BYTES, sel);
    gh_b64url_encode(b + GH_OAUTH_SPLIT_SELECTOR_BYTES, GH_OAUTH_SPLIT_SECRET_BYTES, sec);
    *out_value = gh_arena_printf(ctx->arena, "%s%s%s", prefix, sel, sec);
    *out_id = gh_arena_printf(ctx->arena, "%s%s", id_prefix, sel);
    gh_wipe(b, sizeof(b));
    gh_wipe(sec, sizeof(sec));
}

char *gh_oauth__split_id(gh_arena *a, const char *prefix, const char *id_prefix, const char *value)
{
    const size_t plen = strlen(prefix);
    const size_t sel_len = gh_b64url_enclen(GH_OAUTH_SPLIT_SELECTOR_BYTES);
    const size_t sec_len = gh_b64url_enclen(GH_OAUTH_SPLIT_SECRET_BYTES);
    unsigned char *raw = NULL;
    size_t rawlen = 0;

    if (value == NULL || !gh_str_startswith(value, prefix) ||
        strlen(value + plen) != sel_len + sec_len)
        return NULL;
    /* Both halves must be canonical base64url of their lengths (the decoder checks). */
    if (gh_b64url_decode(a, value + plen, sel_len, &raw, &rawlen) != GH_OK ||
        rawlen != GH_OAUTH_SPLIT_SELECTOR_BYTES)
        return NULL;
    if (gh_b64url_decode(a, value + plen + sel_len, sec_len, &raw, &rawlen) != GH_OK ||
        rawlen != GH_OAUTH_SPLIT_SECRET_BYTES)
        return NULL;
    gh_wipe(raw, rawlen);
    return gh_arena_printf(a, "%s%.*s", id_prefix, (int)sel_len, value + plen);
}

/* ---- codes ---- */

gh_err gh_oauth__code_issue(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const gh_oauth_authz *a,
                            const char **out_code)
{
    gh_token *row;
    gh_store_op op;
    json_t *extra, *data;
    char *value = NULL, *id = NULL;
    int64_t ttl = e->cfg->ttl_authorization_code;
    char gid[37];

    *out_code = NULL;
    if (a == NULL || a->client_id == NULL || a->subject == NULL || a->code_challenge == NULL)
        return GH_EINVAL;
    /* SPEC: DESIGN.md Tokens - authorization codes live 60 s at most (RFC6749 4.1.2) */
    if (ttl <= 0 || ttl > GH_OAUTH_CODE_TTL_MAX)
        ttl = GH_OAUTH_CODE_TTL_MAX;
    gh_oauth__split_new(ctx, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, &value, &id);

    extra = json_object();
    json_object_set_new(extra, GH_OAUTH_TOKEN_HASH_MEMBER,
                        json_string(gh_sha256_hex(ctx->arena, value, strlen(value))));
    gh_json_set_str(extra, "redirect_uri", a->redirect_uri);
    gh_json_set_str(extra, "code_challenge", a->code_challenge);
    gh_json_set_str(extra, "nonce", a->nonce);
    json_object_set_new(extra, "auth_time", json_integer(a->auth_time));
    gh_json_set_str(extra, "sid", a->sid);
    gh_json_set_str(extra, "acr", a->acr);

    row = GH_ARENA_NEW(ctx->arena, gh_token);
    row->id = id;
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
    row->catalog_version = e->catalog_version;
    row->issued_at = ctx->now;
    row->expires_at = ctx->now + ttl;
    row->request_id = ctx->request_id;
    row->extra = gh_json_dump_a(ctx->arena, extra);
    json_decref(extra);
    if (row->extra == NULL) {
        gh_ctx_fail(ctx, "code: the code's data is not UTF-8");
        return GH_EINVAL;
    }
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

/* A string member of a stored extra object, copied to the arena; NULL when absent. */
static const char *extra_str(gh_ctx *ctx, const json_t *x, const char *key)
{
    const char *s = NULL;

    if (gh_json_get_str(x, key, &s) != GH_OK)
        return NULL;
    return gh_arena_strdup(ctx->arena, s);
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

gh_err gh_oauth__split_find(gh_engine *e, gh_ctx *ctx, const char *prefix, const char *id_prefix,
                            gh_token_kind kind, const char *value, gh_token **out)
{
    unsigned char want[GH_SHA256_LEN], got[GH_SHA256_LEN];
    const char *hex = NULL;
    gh_token *row = NULL;
    char *id;
    gh_err err;

    *out = NULL;
    id = gh_oauth__split_id(ctx->arena, prefix, id_prefix, value);
    if (id == NULL)
        return GH_OK;
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

gh_err gh_oauth__code_find(gh_engine *e, gh_ctx *ctx, const char *value, gh_token **out_row,
                           gh_oauth_authz *out)
{
    gh_token *row = NULL;
    json_t *x = NULL;
    int64_t auth_time = 0;
    gh_err err;

    *out_row = NULL;
    memset(out, 0, sizeof(*out));
    err = gh_oauth__split_find(e, ctx, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, GH_TOKEN_CODE,
                               value, &row);
    if (err != GH_OK || row == NULL)
        return err;
    if (gh_json_parse_object(row->extra, strlen(row->extra), GH_OAUTH_TOKEN_EXTRA_MAX, &x, NULL,
                             0) != GH_OK) {
        gh_ctx_fail(ctx, "code %s: its data does not parse", row->id);
        return GH_EINTERNAL;
    }
    out->client_id = row->client_id;
    out->subject = row->subject;
    out->redirect_uri = extra_str(ctx, x, "redirect_uri");
    out->code_challenge = extra_str(ctx, x, "code_challenge");
    out->scopes = split_spaces(ctx, row->scope);
    out->audience = split_spaces(ctx, row->audience);
    out->nonce = extra_str(ctx, x, "nonce");
    if (gh_json_get_int(x, "auth_time", &auth_time) != GH_OK)
        auth_time = 0;
    out->auth_time = auth_time;
    out->sid = extra_str(ctx, x, "sid");
    out->acr = extra_str(ctx, x, "acr");
    out->grant_id = row->grant_id;
    json_decref(x);
    *out_row = row;
    return GH_OK;
}
