/*
 * issue.c - access token issuance, the one place tokens are minted.
 *
 * Two formats, chosen per client (access_token_strategy, default from the configuration):
 *  - jwt: RFC 9068, header typ "at+jwt", alg cfg->signing_alg (ES256 by default) with the
 *    ACTIVE key's kid; claims iss, sub, aud, exp, iat, jti (a time prefix and 80 random
 *    bits, see new_jti), client_id,
 *    scope. The row id is the jti.
 *  - opaque: a split token, GH_PREFIX_ACCESS + base64url(selector || secret) (64 chars):
 *    the selector is 128 bits (a 48-bit time prefix, then 80 random bits, as a jti), the
 *    secret 256 random bits. The row id is GH_OAUTH_OPAQUE_ID_PREFIX + base64url(selector)
 *    (gh_oauth__opaque_id): it is no credential, and being ordered by time it puts the rows
 *    of consecutive tokens on the same page of the store's primary key instead of a random
 *    page each. The store keeps only that selector and the SHA-256 of the whole value (in
 *    the row's extra, GH_OAUTH_TOKEN_HASH_MEMBER); the secret part is never stored, nor is
 *    the value, which exists only in the response (introspect_int.h).
 * Either way the token's gh_token row (grant, client, subject, scope, audience, catalog
 * version, request id) and a token.issued audit event go into the caller's transaction, so
 * the caller commits both before it answers.
 *
 * Hot path (DESIGN.md performance budget): everything comes from the request arena, the
 * claims are built once and signed once; there is no JSON round trip. Random values (jti,
 * opaque selector and secret, grant id) come from the request context's pool (gh_ctx_rand_*), filled by
 * one getrandom call. gh_oauth__commit lets
 * an endpoint hand its transaction back to http (which suspends the connection until the
 * group commit lands) instead of blocking a thread in gh_store_commit.
 */
#include <string.h>

#include "base/b64url.h"
#include "base/ctx.h"
#include "base/rand.h"
#include "json/json.h"
#include "oauth/introspect_int.h"
#include "oauth/token_int.h"

#define GH_ISSUE_JTI_BYTES 16    /* 128 bits */

void gh_oauth__time_prefix(uint64_t ms, unsigned char out[6])
{
    /* The base64url value of the r-th smallest base64url character in ASCII. */
    static const unsigned char rank[64] = {
        62, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 0,  1,  2,  3,  4,
        5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        21, 22, 23, 24, 25, 63, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
        36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51};
    uint64_t t = ms + GH_OAUTH_TIME_PREFIX_OFFSET, v = 0;

    for (int i = 7; i >= 0; i--)
        v |= (uint64_t)rank[(t >> (6 * i)) & 63] << (6 * i);
    for (int i = 0; i < 6; i++)
        out[i] = (unsigned char)(v >> (8 * (5 - i)));
}

static void put_ms(const gh_ctx *ctx, unsigned char *b)
{
    gh_oauth__time_prefix((uint64_t)(ctx->now_us / 1000), b);
}

/* A jti: the time prefix (gh_oauth__time_prefix), then 80 random bits, in base64url (22
 * characters). Unique by the random part; ordered by time so that the rows of consecutive
 * tokens land next to each other in the store's primary key instead of on a random page
 * each, which keeps the pages a group commit writes few. */
static char *new_jti(gh_ctx *ctx)
{
    unsigned char b[GH_ISSUE_JTI_BYTES];

    put_ms(ctx, b);
    gh_ctx_rand_bytes(ctx, b + 6, sizeof(b) - 6);
    return gh_b64url_encode_a(ctx->arena, b, sizeof(b));
}

/* A new opaque access token (see the file comment); *id gets its row id. */
static char *new_opaque(gh_ctx *ctx, char **id)
{
    unsigned char b[GH_OAUTH_OPAQUE_SELECTOR_BYTES + GH_OAUTH_OPAQUE_SECRET_BYTES];
    char *value;

    put_ms(ctx, b);
    /* One draw for the selector's random part and the secret. */
    gh_ctx_rand_bytes(ctx, b + 6, sizeof(b) - 6);
    *id = gh_arena_printf(ctx->arena, GH_OAUTH_OPAQUE_ID_PREFIX "%s",
                          gh_b64url_encode_a(ctx->arena, b, GH_OAUTH_OPAQUE_SELECTOR_BYTES));
    value = gh_rand_token_from(ctx->arena, GH_PREFIX_ACCESS, b, sizeof(b)); /* wipes b */
    return value;
}

static json_t *aud_json(const gh_strv *aud)
{
    /* SPEC: RFC7519 4.1.3 - aud is a string when there is one audience, else an array */
    if (aud->n == 1)
        return json_string(aud->v[0]);
    return gh_json_strv(aud);
}

static gh_err sign_jwt(gh_engine *e, gh_ctx *ctx, const gh_oauth_issue *in, const char *jti,
                       const char *scope, int64_t exp, json_t *ext, char **out)
{
    gh_oauth_keysnap *s = NULL;
    const gh_jwk *k;
    json_t *claims = NULL;
    gh_jose_alg alg = gh_jose_alg_parse(e->cfg->signing_alg ? e->cfg->signing_alg : "ES256");
    gh_err err;

    err = gh_oauth__keys_acquire(e, ctx, &s);
    if (err != GH_OK)
        return err;
    k = gh_oauth__keysnap_signer(s, alg);
    if (k == NULL) {
        gh_ctx_fail(ctx, "issue: no active %s key", gh_jose_alg_name(alg));
        err = GH_EINTERNAL;
        goto done;
    }
    /* SPEC: RFC9068 2.2 - iss, exp, aud, sub, client_id, iat, jti are required */
    claims = json_object();
    json_object_set_new(claims, "iss", json_string(e->cfg->issuer));
    json_object_set_new(claims, "sub", json_string(in->subject));
    json_object_set_new(claims, "aud", aud_json(in->audience));
    json_object_set_new(claims, "exp", json_integer(exp));
    json_object_set_new(claims, "iat", json_integer(ctx->now));
    json_object_set_new(claims, "jti", json_string(jti));
    json_object_set_new(claims, "client_id", json_string(in->c->client_id));
    /* SPEC: RFC9068 2.2.3 - scope as in RFC 8693 4.2 (space-separated) */
    json_object_set_new(claims, "scope", json_string(scope));
    /* The scope catalog version the scopes were granted under (DESIGN.md: every token records
     * it), so that a resource server can see drift without introspecting; the same value
     * introspection reports. */
    json_object_set_new(claims, "catalog_version",
                        json_integer(gh_oauth__catalog(e, ctx)->version));
    /* The consent app's claims, under "ext" (as Hydra): never a top-level claim of ours. */
    if (ext != NULL)
        json_object_set(claims, "ext", ext);
    /* SPEC: RFC9068 2.1 - typ "at+jwt" */
    err = gh_jws_sign(ctx->arena, k, "at+jwt", NULL, claims, out);
    if (err != GH_OK)
        gh_ctx_fail(ctx, "issue: signing: %s", gh_err_str(err));
done:
    json_decref(claims);
    gh_oauth__keys_release(s);
    return err;
}

gh_err gh_oauth__issue_access(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const gh_oauth_issue *in,
                              gh_oauth_issued *out)
{
    const char *strategy = in->c->access_token_strategy;
    bool jwt;
    gh_token *row;
    gh_store_op op;
    json_t *data;
    char *value = NULL, *id;
    json_t *ext = NULL;
    char *scope = gh_strv_join(ctx->arena, in->scopes);
    char *aud = gh_strv_join(ctx->arena, in->audience);
    int64_t ttl = e->cfg->ttl_access_token;
    gh_err err;

    memset(out, 0, sizeof(*out));
    if (strategy == NULL || strategy[0] == '\0')
        strategy = e->cfg->access_token_strategy;
    jwt = strategy == NULL || strcmp(strategy, GH_STRATEGY_OPAQUE) != 0;
    if (in->ext_claims != NULL) {
        ext = json_loads(in->ext_claims, JSON_REJECT_DUPLICATES, NULL);
        if (!json_is_object(ext)) {
            gh_ctx_fail(ctx, "issue: the extra claims are not a JSON object");
            json_decref(ext);
            return GH_EINTERNAL;
        }
        if (json_object_size(ext) == 0) {
            json_decref(ext);
            ext = NULL;
        }
    }
    if (jwt) {
        id = new_jti(ctx);
        err = sign_jwt(e, ctx, in, id, scope, ctx->now + ttl, ext, &value);
        if (err != GH_OK) {
            json_decref(ext);
            return err;
        }
    } else {
        /* SPEC: DESIGN.md Tokens - opaque tokens are stored only as SHA-256 hashes (the
         * id is the selector, no credential; the secret part is never stored) */
        value = new_opaque(ctx, &id);
    }
    row = GH_ARENA_NEW(ctx->arena, gh_token);
    row->id = id;
    row->kind = GH_TOKEN_ACCESS;
    row->format = jwt ? GH_STRATEGY_JWT : GH_STRATEGY_OPAQUE;
    /* A token without a user's grant (client_credentials) belongs to the token request that
     * issued it, as in Hydra: its grant id is the request id. */
    row->grant_id = in->grant_id != NULL ? in->grant_id : ctx->request_id;
    /* Copies: the commit may land after the caller has released the client. */
    row->client_id = gh_arena_strdup(ctx->arena, in->c->client_id);
    row->subject =
        in->subject == in->c->client_id ? row->client_id : gh_arena_strdup(ctx->arena, in->subject);
    row->scope = scope;
    row->audience = aud;
    row->catalog_version = gh_oauth__catalog(e, ctx)->version;
    row->issued_at = ctx->now;
    row->expires_at = ctx->now + ttl;
    row->request_id = ctx->request_id;
    /* The hash of the exact value lets introspection and revocation recognise it with one
     * store read: for a JWT instead of a signature verification, for an opaque token it is
     * the only thing that proves the secret part (introspect_int.h). */
    row->extra = gh_oauth__token_hash_extra(ctx->arena, value);
    if (ext != NULL) {
        /* The hash member stays first (introspection scans it); "ext" follows for the
         * introspection response (RFC 7662 2.2 allows further members). */
        const char *et = gh_json_dump_a(ctx->arena, ext);

        row->extra = gh_arena_printf(ctx->arena, "%.*s,\"ext\":%s}",
                                     (int)(strlen(row->extra) - 1), row->extra, et);
        json_decref(ext);
        ext = NULL;
    }
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = row;
    gh_store_txn_add(t, &op);
    if (!in->audited_by_caller) {
        data = json_object();
        json_object_set_new(data, "grant_type", json_string(in->grant_type));
        json_object_set_new(data, "aud", gh_json_strv(in->audience));
        json_object_set_new(data, "format", json_string(row->format));
        json_object_set_new(data, "grant_id", json_string(row->grant_id));
        gh_oauth__audit(ctx, t, GH_AUDIT_TOKEN_ISSUED,
                        gh_arena_printf(ctx->arena, "client:%s", row->client_id), row->client_id,
                        row->subject, id, scope, data);
        json_decref(data);
    }
    out->value = value;
    out->id = id;
    out->scope = scope;
    out->expires_in = ttl;
    return GH_OK;
}

/* SPEC: RFC6749 5.1 - access_token, token_type, expires_in, scope; no-store
 * The token values are ours and ASCII by construction (a prefix and base64url, or a JWS in
 * compact form): they skip jansson's UTF-8 check, which would read every character of an ID
 * token. */
void gh_oauth__token_response(gh_oauth_response *resp, const gh_oauth_issued *at)
{
    json_t *b = json_object();

    json_object_set_new(b, "access_token", json_string_nocheck(at->value));
    json_object_set_new(b, "token_type", json_string_nocheck(GH_TOKEN_TYPE_BEARER));
    json_object_set_new(b, "expires_in", json_integer(at->expires_in));
    json_object_set_new(b, "scope", json_string(at->scope));
    gh_oauth_response_clear(resp);
    resp->status = 200;
    resp->body = b;
    resp->no_store = true;
}

void gh_oauth__token_response_full(gh_oauth_response *resp, const gh_oauth_issued *at,
                                   const char *refresh_token, const char *id_token)
{
    gh_oauth__token_response(resp, at);
    /* SPEC: RFC6749 5.1 - refresh_token OPTIONAL; OIDC Core 3.1.3.3 - id_token */
    if (refresh_token != NULL)
        json_object_set_new(resp->body, "refresh_token", json_string_nocheck(refresh_token));
    if (id_token != NULL)
        json_object_set_new(resp->body, "id_token", json_string_nocheck(id_token));
}

gh_err gh_oauth__commit(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, gh_store_txn *t,
                        gh_oauth_commit_fn fn, void *arg)
{
    if (resp->can_defer) {
        resp->store = e->store;
        resp->commit = t;
        resp->on_commit = fn;
        resp->commit_arg = arg;
        return GH_OK;
    }
    return fn(e, ctx, resp, arg, gh_store_commit(e->store, t));
}
