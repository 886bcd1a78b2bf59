/*
 * introspect.c - token introspection (RFC 7662), public and admin, and the lookup of a
 * presented token shared with revoke.c.
 *
 * A presented value is one of: a JWT access token (three dot-separated parts), looked up by
 * its jti and then authenticated; an opaque access token (GH_PREFIX_ACCESS), looked up by
 * its selector and then authenticated; or a refresh token, a sealed token found by its
 * selector and proved by its hash (code.c, grant_refresh_token.c). Anything else is unknown. The
 * store row is the truth: a token is active only if its row exists, is not revoked and has not
 * expired, and for an access token the presented string is the one we issued.
 *
 * Opaque access tokens are split tokens (issue.c): GH_PREFIX_ACCESS + base64url(selector ||
 * secret), exactly 64 characters after the prefix, 48 bytes decoded. The row id derives from
 * the 16-byte selector alone (gh_oauth__opaque_id); the store keeps only that selector, which
 * is no credential, and the SHA-256 of the whole value (extra, "token_sha256"): the secret
 * part is never stored (DESIGN.md: opaque tokens are stored only as SHA-256 hashes). The
 * presented value must hash to the stored hash (constant-time comparison); a malformed value
 * (wrong length, not canonical base64url, a value of the earlier unsplit form), an unknown
 * selector, a row without the hash or a wrong secret is simply not found.
 *
 * Authenticating a JWT: the row of a JWT we issued may carry, in its extra JSON, the SHA-256
 * of the exact compact string ({"token_sha256":"<64 lowercase hex>"}, written at issuance;
 * see gh_oauth__jwt_extra). Then the presented string must hash to it (constant-time
 * comparison), which proves it byte for byte as well as a signature check would, for the
 * cost of one SHA-256 instead of an ECDSA verification (about 100 us on P-256). A stored hash
 * that does not match makes the token inactive: ECDSA signatures are randomised, so the one
 * string we issued is the only valid one. A row without the hash (issued before the hash
 * was kept) falls back to verifying the signature with the published key named by its kid.
 * The store is read before any signature check, so an unknown, revoked or expired JWT never
 * costs a verification.
 *
 * Who may see a token (DESIGN.md "Protocol details"): the client it was issued to, and a
 * client that represents a resource server (cfg->resources[i].client_id) whose uri is in the
 * token's audience. Everyone else gets {"active":false}, exactly as for an unknown token, so
 * that introspection reveals nothing about other clients' tokens (RFC 7662 2.2, 4).
 *
 * Hot path: one store read and no writes per request.
 */
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "base/mem.h"
#include "json/json.h"
#include "oauth/introspect_int.h"
#include "oauth/token_int.h"

static size_t count_dots(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == '.';
    return n;
}

/* The jti of a JWT of ours, read from its payload before anything is verified (the row it
 * names is then authenticated by jwt_authentic). NULL if the value is no such JWT. */
static const char *jwt_jti(gh_engine *e, gh_ctx *ctx, const char *value)
{
    const char *d1 = strchr(value, '.'), *d2, *jti = NULL, *iss = NULL;
    unsigned char *raw = NULL;
    size_t rawlen = 0;

    if (d1 == NULL || (d2 = strchr(d1 + 1, '.')) == NULL)
        return NULL;
    if (gh_b64url_decode(ctx->arena, d1 + 1, (size_t)(d2 - d1 - 1), &raw, &rawlen) != GH_OK)
        return NULL;
    /* Not a parse of the whole payload: what it says counts only once the token is
     * authenticated, and a payload of ours is one we wrote. */
    if (gh_json_scan_str((const char *)raw, rawlen, "iss", ctx->arena, &iss) != GH_OK ||
        strcmp(iss, e->cfg->issuer) != 0)
        return NULL;
    if (gh_json_scan_str((const char *)raw, rawlen, "jti", ctx->arena, &jti) != GH_OK ||
        jti[0] == '\0')
        return NULL;
    return jti;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The token_sha256 member of a row's extra, as 32 bytes; false if there is none. */
static bool row_token_hash(gh_ctx *ctx, const gh_token *row, unsigned char out[GH_SHA256_LEN])
{
    const char *hex = NULL;
    size_t i;

    if (row->extra == NULL || row->extra[0] == '\0')
        return false;
    if (gh_json_scan_str(row->extra, strlen(row->extra), GH_OAUTH_TOKEN_HASH_MEMBER, ctx->arena,
                         &hex) != GH_OK ||
        strlen(hex) != (size_t)2 * GH_SHA256_LEN)
        return false;
    for (i = 0; i < GH_SHA256_LEN; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* True if value hashes to the row's stored token hash (constant time); false if the row has
 * none. */
static bool hash_matches(gh_ctx *ctx, const char *value, const gh_token *row)
{
    unsigned char want[GH_SHA256_LEN], got[GH_SHA256_LEN];

    if (!row_token_hash(ctx, row, want))
        return false;
    gh_sha256(value, strlen(value), got);
    /* SPEC: DESIGN.md constant-time comparison of every secret */
    return gh_ct_eq(got, sizeof(got), want, sizeof(want));
}

/* True if value is the JWT the row was issued as (see the file comment). */
static bool jwt_authentic(gh_engine *e, gh_ctx *ctx, const char *value, const gh_token *row)
{
    unsigned char want[GH_SHA256_LEN], got[GH_SHA256_LEN];
    gh_oauth_keysnap *s = NULL;
    gh_jws jws;
    const gh_jwk *k;
    bool ok = false;

    if (row_token_hash(ctx, row, want)) {
        gh_sha256(value, strlen(value), got);
        /* SPEC: DESIGN.md constant-time comparison of every secret */
        return gh_ct_eq(got, sizeof(got), want, sizeof(want));
    }
    memset(&jws, 0, sizeof(jws));
    if (gh_jws_parse(ctx->arena, value, &jws) != GH_OK)
        return false;
    if (gh_oauth__keys_acquire(e, ctx, &s) != GH_OK)
        goto done;
    k = gh_oauth__keysnap_find(s, jws.kid);
    /* The algorithm comes from our key, never from the token. */
    ok = k != NULL && gh_jws_verify(ctx->arena, value, k, NULL) == GH_OK;
done:
    gh_oauth__keys_release(s);
    gh_jws_clear(&jws);
    return ok;
}

char *gh_oauth__token_hash_extra(gh_arena *a, const char *value)
{
    return gh_arena_printf(a, "{\"" GH_OAUTH_TOKEN_HASH_MEMBER "\":\"%s\"}",
                           gh_sha256_hex(a, value, strlen(value)));
}

char *gh_oauth__jwt_extra(gh_arena *a, const char *jwt)
{
    return gh_oauth__token_hash_extra(a, jwt);
}

char *gh_oauth__opaque_id(gh_arena *a, const char *value)
{
    const size_t plen = sizeof(GH_PREFIX_ACCESS) - 1;
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    char *id;

    if (value == NULL || !gh_str_startswith(value, GH_PREFIX_ACCESS) ||
        strlen(value + plen) !=
            gh_b64url_enclen(GH_OAUTH_OPAQUE_SELECTOR_BYTES + GH_OAUTH_OPAQUE_SECRET_BYTES))
        return NULL;
    if (gh_b64url_decode(a, value + plen, strlen(value + plen), &raw, &rawlen) != GH_OK)
        return NULL;
    if (rawlen != GH_OAUTH_OPAQUE_SELECTOR_BYTES + GH_OAUTH_OPAQUE_SECRET_BYTES) {
        gh_wipe(raw, rawlen);
        return NULL;
    }
    id = gh_arena_printf(a, GH_OAUTH_OPAQUE_ID_PREFIX "%s",
                         gh_b64url_encode_a(a, raw, GH_OAUTH_OPAQUE_SELECTOR_BYTES));
    gh_wipe(raw, rawlen);
    return id;
}

gh_err gh_oauth__token_find(gh_engine *e, gh_ctx *ctx, const char *value, gh_token **out,
                            bool *out_is_jwt)
{
    const char *id = NULL, *format;
    gh_token_kind kind;
    gh_token *row = NULL;
    gh_err err;

    *out = NULL;
    *out_is_jwt = false;
    if (value == NULL || strlen(value) > GH_LIMIT_TOKEN)
        return GH_OK;
    if (count_dots(value) == 2) {
        *out_is_jwt = true;
        id = jwt_jti(e, ctx, value);
        kind = GH_TOKEN_ACCESS;
        format = GH_STRATEGY_JWT;
    } else if (gh_str_startswith(value, GH_PREFIX_ACCESS)) {
        id = gh_oauth__opaque_id(ctx->arena, value);
        kind = GH_TOKEN_ACCESS;
        format = GH_STRATEGY_OPAQUE;
    } else if (gh_str_startswith(value, GH_PREFIX_REFRESH)) {
        /* A sealed token (code.c): found by its selector, proved by its hash; the seal is
         * not opened, the row is the truth. */
        err = gh_oauth__refresh_find(e, ctx, value, &row);
        if (err == GH_OK)
            *out = row;
        return err;
    } else {
        return GH_OK;
    }
    if (id == NULL)
        return GH_OK;
    err = gh_store_token_get(e->store, id, ctx->arena, &row);
    if (err == GH_ENOTFOUND)
        return GH_OK;
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "introspect: reading a token: %s", gh_err_str(err));
        return err;
    }
    /* A row of another kind (a code, or a JWT id presented as opaque) is not this token. */
    if (row->kind != kind || row->format == NULL || strcmp(row->format, format) != 0)
        return GH_OK;
    if (*out_is_jwt && !jwt_authentic(e, ctx, value, row))
        return GH_OK;
    /* An opaque access token is proved by its hash alone (the id is no credential). */
    if (kind == GH_TOKEN_ACCESS && !*out_is_jwt && !hash_matches(ctx, value, row))
        return GH_OK;
    *out = row;
    return GH_OK;
}

/* Splits a stored space-separated audience (URIs may be longer than scope tokens). */
static gh_strv split_audience(gh_ctx *ctx, const char *audience)
{
    gh_strv out = {NULL, 0};
    const char *p, *sp;
    size_t n = 1;

    if (audience == NULL || audience[0] == '\0')
        return out;
    for (p = audience; *p; p++)
        n += *p == ' ';
    out.v = GH_ARENA_NEWN(ctx->arena, const char *, n);
    for (p = audience; p != NULL; p = sp != NULL ? sp + 1 : NULL) {
        sp = strchr(p, ' ');
        if (*p != '\0' && (sp == NULL || sp > p))
            out.v[out.n++] = sp != NULL ? gh_arena_strndup(ctx->arena, p, (size_t)(sp - p))
                                        : gh_arena_strdup(ctx->arena, p);
    }
    return out;
}

static bool in_audience(gh_ctx *ctx, const char *audience, const char *uri)
{
    gh_strv aud = split_audience(ctx, audience);

    return gh_strv_has(&aud, uri);
}

/* The caller rule of the file comment. */
static bool caller_may_see(const gh_engine *e, gh_ctx *ctx, const gh_oauth_client *caller,
                           const gh_token *row)
{
    const gh_config *cat;
    size_t i;

    if (strcmp(caller->client_id, row->client_id) == 0)
        return true;
    cat = gh_oauth__catalog_cfg(e, ctx);
    for (i = 0; i < cat->n_resources; i++) {
        const gh_config_resource *r = &cat->resources[i];

        if (r->client_id != NULL && strcmp(r->client_id, caller->client_id) == 0 &&
            in_audience(ctx, row->audience, r->uri))
            return true;
    }
    return false;
}

static void inactive(gh_oauth_response *resp)
{
    /* SPEC: RFC7662 2.2 - an inactive token gets {"active":false} and nothing else */
    gh_oauth_response_clear(resp);
    resp->status = 200;
    resp->body = json_pack("{sb}", "active", 0);
    resp->no_store = true;
}

/* The stored scope without the scopes no longer in the catalog: a removed scope disappears
 * from introspection at once (DESIGN.md scope catalog), though the token row keeps it. */
static const char *catalog_scope(const gh_engine *e, gh_ctx *ctx, const char *scope)
{
    size_t n = scope != NULL ? strlen(scope) : 0, k = 0;
    char *out = gh_arena_alloc(ctx->arena, n + 1);
    const char *p = scope;

    while (p != NULL && *p != '\0') {
        size_t l = strcspn(p, " ");

        if (l > 0) {
            char *tok = gh_arena_strndup(ctx->arena, p, l);

            if (gh_config_scope_find(gh_oauth__catalog_cfg(e, ctx), tok) != NULL) {
                if (k > 0)
                    out[k++] = ' ';
                memcpy(out + k, tok, l);
                k += l;
            }
        }
        p += l;
        while (*p == ' ')
            p++;
    }
    out[k] = '\0';
    return out;
}

static void active(gh_engine *e, gh_ctx *ctx, const gh_token *row, bool is_jwt,
                   gh_oauth_response *resp)
{
    json_t *b = json_object();
    gh_strv aud = split_audience(ctx, row->audience);

    /* SPEC: RFC7662 2.2 - active, scope, client_id, sub, aud, exp, iat, iss, jti */
    json_object_set_new(b, "active", json_true());
    json_object_set_new(b, "scope", json_string(catalog_scope(e, ctx, row->scope)));
    json_object_set_new(b, "client_id", json_string(row->client_id));
    if (row->subject != NULL)
        json_object_set_new(b, "sub", json_string(row->subject));
    if (aud.n > 0) {
        json_object_set_new(b, "aud", aud.n == 1 ? json_string(aud.v[0]) : gh_json_strv(&aud));
    }
    json_object_set_new(b, "exp", json_integer(row->expires_at));
    json_object_set_new(b, "iat", json_integer(row->issued_at));
    json_object_set_new(b, "iss", json_string(e->cfg->issuer));
    if (row->kind == GH_TOKEN_ACCESS)
        json_object_set_new(b, "token_type", json_string(GH_TOKEN_TYPE_BEARER));
    else
        json_object_set_new(b, "token_use", json_string(GH_HINT_REFRESH_TOKEN));
    if (is_jwt)
        json_object_set_new(b, "jti", json_string(row->id));
    json_object_set_new(b, "catalog_version", json_integer(row->catalog_version));
    /* The consent app's access token claims (Hydra's session.access_token), kept in the
     * row's extra after the hash member; parsed only when the row has them. */
    if (row->extra != NULL && strstr(row->extra, "\"ext\":") != NULL) {
        json_t *x = json_loads(row->extra, JSON_REJECT_DUPLICATES, NULL);
        json_t *ext = json_object_get(x, "ext");

        if (json_is_object(ext))
            json_object_set(b, "ext", ext);
        json_decref(x);
    }
    gh_oauth_response_clear(resp);
    resp->status = 200;
    resp->body = b;
    resp->no_store = true;
}

bool gh_oauth__form_post(const gh_oauth_request *req, gh_oauth_response *resp)
{
    if (req->method == NULL || strcmp(req->method, "POST") != 0) {
        /* SPEC: RFC7662 2.1 - the endpoint takes HTTP POST */
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "this endpoint takes POST only");
        return false;
    }
    if (req->form == NULL || req->content_type == NULL ||
        strcmp(req->content_type, "application/x-www-form-urlencoded") != 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "the body must be application/x-www-form-urlencoded");
        return false;
    }
    return true;
}

const char *gh_oauth__token_param(const gh_oauth_request *req, gh_oauth_response *resp)
{
    const char *token = NULL;

    if (gh_form_get_one(req->form, GH_P_TOKEN, &token) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "token is repeated");
        return NULL;
    }
    if (token == NULL) {
        /* SPEC: RFC7662 2.1 - token is REQUIRED */
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "token is missing");
        return NULL;
    }
    return token;
}

static gh_err introspect(gh_engine *e, gh_ctx *ctx, const char *token,
                         const gh_oauth_client *caller, gh_oauth_response *resp)
{
    gh_token *row = NULL;
    bool is_jwt = false;
    gh_err err;

    err = gh_oauth__token_find(e, ctx, token, &row, &is_jwt);
    if (err != GH_OK)
        return err;
    /* A refresh token stays active until rotated (used), revoked or expired. */
    if (row == NULL || row->revoked_at != 0 || row->used_at != 0 || row->expires_at <= ctx->now ||
        (caller != NULL && !caller_may_see(e, ctx, caller, row))) {
        inactive(resp);
        return GH_OK;
    }
    active(e, ctx, row, is_jwt, resp);
    return GH_OK;
}

gh_err gh_oauth_introspect(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                           gh_oauth_response *resp)
{
    gh_oauth_client *c = NULL;
    const char *token;
    gh_err err;

    if (!gh_oauth__form_post(req, resp))
        return GH_OK;
    /* SPEC: RFC7662 2.1 - the endpoint MUST require authorization */
    err = gh_oauth__client_authenticate(e, ctx, req, resp, &c);
    if (err != GH_OK)
        return err;
    if (c == NULL) {
        if (resp->status == 401 && resp->www_authenticate == NULL)
            resp->www_authenticate = "Basic";
        return GH_OK;
    }
    token = gh_oauth__token_param(req, resp);
    if (token != NULL)
        err = introspect(e, ctx, token, c, resp);
    gh_oauth__client_release(c);
    return err;
}

gh_err gh_oauth_admin_introspect(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                 gh_oauth_response *resp)
{
    const char *token;

    if (!gh_oauth__form_post(req, resp))
        return GH_OK;
    token = gh_oauth__token_param(req, resp);
    if (token == NULL)
        return GH_OK;
    return introspect(e, ctx, token, NULL, resp);
}
