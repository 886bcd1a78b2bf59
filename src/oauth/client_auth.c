/*
 * client_auth.c - client authentication at the token, introspection and revocation
 * endpoints, and the Authorization header parser.
 *
 * Methods (RFC 6749 2.3, OpenID Connect Core 9, RFC 7523 2.2 / 3):
 *   client_secret_basic  HTTP Basic whose user and password are the form-urlencoded client_id
 *                        and client_secret (RFC 6749 2.3.1): both are decoded here.
 *   client_secret_post   client_id and client_secret in the form body.
 *   private_key_jwt      client_assertion_type jwt-bearer and a client_assertion JWT signed
 *                        with a key of the client's registered jwks (jwks_uri is not
 *                        fetched); its jti is recorded in the store's replay cache.
 *   none                 a public client sends only its client_id, where the endpoint
 *                        allows it (GH_OAUTH_AUTH_ALLOW_NONE).
 * Rules: a request that uses more than one method, or repeats a parameter, gets 400
 * invalid_request (RFC 6749 2.3, 3.2). Every failure to authenticate gets 401 invalid_client
 * with WWW-Authenticate: Basic (RFC 6749 5.2; HTTP requires the header on every 401); an
 * unknown client and a wrong secret get the same answer, and secrets are compared as HMACs
 * in constant time. A client that authenticates with a method other than its registered
 * token_endpoint_auth_method is refused.
 * Not here: what the client may then do (grant types, scopes): the endpoints decide.
 */
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "json/json.h"
#include "oauth/client_int.h"

/* ---- the Authorization header ---- */

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* SPEC: RFC6750 2.1 b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool b64token_ok(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                     (s[i] >= '0' && s[i] <= '9') || strchr("-._~+/", s[i]) != NULL))
        i++;
    if (i == 0)
        return false;
    while (i < n && s[i] == '=')
        i++;
    return i == n;
}

static bool scheme_is(const char *s, size_t n, const char *name)
{
    if (strlen(name) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != name[i])
            return false;
    }
    return true;
}

gh_err gh_oauth__authz_parse(gh_arena *a, const char *header, gh_oauth_auth_header *out)
{
    size_t n, i = 0, s0, slen, c0, clen;
    const char *cred;
    unsigned char *raw = NULL;
    size_t rawlen = 0;
    const char *colon;
    char *user = NULL, *pass = NULL;
    size_t ulen, plen;

    memset(out, 0, sizeof(*out));
    if (header == NULL)
        return GH_OK;
    n = strnlen(header, GH_LIMIT_HEADER_VALUE + 1);
    if (n > GH_LIMIT_HEADER_VALUE)
        return GH_ETOOBIG;
    while (i < n && is_ows(header[i]))
        i++;
    while (n > i && is_ows(header[n - 1]))
        n--;
    if (i == n)
        return GH_OK;
    /* SPEC: RFC7235 2.1 credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ];
     * the scheme is case-insensitive */
    s0 = i;
    while (i < n && !is_ows(header[i]))
        i++;
    slen = i - s0;
    if (scheme_is(header + s0, slen, "basic"))
        out->scheme = GH_AUTHZ_BASIC;
    else if (scheme_is(header + s0, slen, "bearer"))
        out->scheme = GH_AUTHZ_BEARER;
    else {
        out->scheme = GH_AUTHZ_OTHER;
        return GH_OK;
    }
    while (i < n && is_ows(header[i]))
        i++;
    c0 = i;
    clen = n - c0;
    cred = header + c0;
    if (clen == 0 || memchr(cred, ' ', clen) != NULL || memchr(cred, '\t', clen) != NULL)
        return GH_EINVAL;

    if (out->scheme == GH_AUTHZ_BEARER) {
        if (clen > GH_LIMIT_TOKEN || !b64token_ok(cred, clen))
            return GH_EINVAL;
        out->token = gh_arena_strndup(a, cred, clen);
        return GH_OK;
    }

    /* SPEC: RFC7617 2 user-pass = user-id ":" password, base64 encoded */
    if (gh_b64_decode(a, cred, clen, &raw, &rawlen) != GH_OK)
        return GH_EINVAL;
    if (memchr(raw, '\0', rawlen) != NULL)
        return GH_EINVAL;
    colon = memchr(raw, ':', rawlen);
    if (colon == NULL)
        return GH_EINVAL;
    /* SPEC: RFC6749 2.3.1 client_id and client_secret are encoded with the
     * application/x-www-form-urlencoded algorithm before being used as user and password */
    if (gh_url_decode(a, (const char *)raw, (size_t)(colon - (const char *)raw), 1, &user, &ulen) !=
            GH_OK ||
        gh_url_decode(a, colon + 1, rawlen - (size_t)(colon + 1 - (const char *)raw), 1, &pass,
                      &plen) != GH_OK)
        return GH_EINVAL;
    if (ulen == 0)
        return GH_EINVAL;
    out->user = user;
    out->password = pass;
    return GH_OK;
}

/* ---- failures ---- */

static const char *www_basic(void)
{
    return "Basic realm=\"" GH_OAUTH_REALM "\"";
}

/* SPEC: RFC6749 5.2 invalid_client: 401 with WWW-Authenticate */
static void fail_client(gh_oauth_response *resp, const char *desc)
{
    gh_oauth_error(resp, 401, GH_E_INVALID_CLIENT, desc);
    resp->www_authenticate = www_basic();
}

static void fail_request(gh_oauth_response *resp, const char *desc)
{
    gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, desc);
}

#define AUTH_FAILED "client authentication failed"

/* ---- client_secret_basic and client_secret_post ---- */

static gh_err auth_secret(gh_engine *e, gh_ctx *ctx, const char *id, const char *secret,
                          const char *method, gh_oauth_response *resp, gh_oauth_client **out)
{
    gh_oauth_client *c = NULL;
    unsigned char h[GH_SHA256_LEN];
    static const unsigned char zero[GH_SHA256_LEN];
    bool ok;
    gh_err err;

    err = gh_oauth__client_get(e, ctx, id, &c);
    if (err != GH_OK && err != GH_ENOTFOUND)
        return err;
    /* The hash and the comparison run whether or not the client exists, so the answer
     * takes the same time for an unknown client and a wrong secret. */
    gh_oauth__secret_hash(e, secret, h);
    /* SPEC: DESIGN.md constant-time comparison of every secret */
    ok = gh_ct_eq(h, sizeof(h), c != NULL ? c->secret_hash : zero, GH_SHA256_LEN);
    if (c == NULL || !c->has_secret || !ok) {
        gh_oauth__client_release(c);
        fail_client(resp, AUTH_FAILED);
        return GH_OK;
    }
    if (strcmp(c->token_endpoint_auth_method, method) != 0) {
        fail_client(resp, gh_arena_printf(ctx->arena,
                                          "the client is registered for "
                                          "token_endpoint_auth_method %s",
                                          c->token_endpoint_auth_method));
        gh_oauth__client_release(c);
        return GH_OK;
    }
    *out = c;
    return GH_OK;
}

/* ---- private_key_jwt ---- */

/* True if aud (a string or an array of strings) names this server. */
static bool aud_ok(gh_engine *e, gh_ctx *ctx, const json_t *aud)
{
    const char *iss = e->cfg->issuer != NULL ? e->cfg->issuer : "";
    const char *mine[5];
    size_t i, k;
    const json_t *v;

    mine[0] = iss;
    mine[1] = gh_arena_printf(ctx->arena, "%s/oauth2/token", iss);
    mine[2] = gh_arena_printf(ctx->arena, "%s/oauth2/introspect", iss);
    mine[3] = gh_arena_printf(ctx->arena, "%s/oauth2/revoke", iss);
    mine[4] = gh_arena_printf(ctx->arena, "%s/oauth2/par", iss);
    if (json_is_string(aud)) {
        for (k = 0; k < 5; k++) {
            if (strcmp(json_string_value(aud), mine[k]) == 0)
                return true;
        }
        return false;
    }
    if (!json_is_array(aud))
        return false;
    json_array_foreach(aud, i, v)
    {
        if (!json_is_string(v))
            continue;
        for (k = 0; k < 5; k++) {
            if (strcmp(json_string_value(v), mine[k]) == 0)
                return true;
        }
    }
    return false;
}

/* An optional NumericDate claim: false if present and not an integer. */
static bool opt_time(const json_t *claims, const char *name, bool *present, int64_t *out)
{
    gh_err err = gh_json_get_int(claims, name, out);

    *present = err == GH_OK;
    return err == GH_OK || err == GH_ENOTFOUND;
}

static gh_err auth_jwt(gh_engine *e, gh_ctx *ctx, const char *form_id, const char *assertion,
                       gh_oauth_response *resp, gh_oauth_client **out)
{
    gh_jws jws = {0};
    gh_oauth_client *c = NULL;
    const char *iss = NULL, *sub = NULL, *jti = NULL;
    int64_t exp = 0, nbf = 0, iat = 0;
    bool has_exp, has_nbf, has_iat, verified = false;
    gh_store_txn *t;
    gh_store_op op;
    gh_err err = GH_OK;

    if (strlen(assertion) > GH_LIMIT_JWS || gh_jws_parse(ctx->arena, assertion, &jws) != GH_OK) {
        fail_client(resp, "client_assertion is not a compact JWS");
        goto done;
    }
    /* SPEC: RFC7523 3 items 1 and 2: iss and sub MUST be the client_id */
    if (gh_json_get_str(jws.payload, "iss", &iss) != GH_OK ||
        gh_json_get_str(jws.payload, "sub", &sub) != GH_OK || strcmp(iss, sub) != 0) {
        fail_client(resp, "client_assertion must have iss and sub both equal to the client_id");
        goto done;
    }
    if (form_id != NULL && strcmp(form_id, iss) != 0) {
        fail_client(resp, "client_id does not match the client_assertion");
        goto done;
    }
    err = gh_oauth__client_get(e, ctx, iss, &c);
    if (err == GH_ENOTFOUND) {
        err = GH_OK;
        fail_client(resp, AUTH_FAILED);
        goto done;
    }
    if (err != GH_OK)
        goto done;
    if (strcmp(c->token_endpoint_auth_method, GH_AUTH_PRIVATE_KEY_JWT) != 0) {
        fail_client(resp, gh_arena_printf(ctx->arena,
                                          "the client is registered for "
                                          "token_endpoint_auth_method %s",
                                          c->token_endpoint_auth_method));
        goto done;
    }
    if (c->jwks.n == 0) {
        fail_client(resp, c->jwks_uri != NULL
                              ? "the client's jwks_uri is not fetched by this server: register "
                                "its public keys inline as jwks to use private_key_jwt"
                              : "the client has no registered keys");
        goto done;
    }
    /* The algorithm comes from the client's keys and registration, never from the token
     * alone: the header's alg must be the registered one (if any) and the key's. */
    if (jws.alg == GH_ALG_NONE || (c->token_endpoint_auth_signing_alg != GH_ALG_NONE &&
                                   jws.alg != c->token_endpoint_auth_signing_alg)) {
        fail_client(resp, "client_assertion alg is not allowed for this client");
        goto done;
    }
    for (size_t i = 0; i < c->jwks.n && !verified; i++) {
        const gh_jwk *k = c->jwks.keys[i];
        const gh_jose_alg allowed[2] = {jws.alg, GH_ALG_NONE};
        if (gh_jwk_alg(k) != jws.alg)
            continue;
        if (jws.kid != NULL && (gh_jwk_kid(k) == NULL || strcmp(gh_jwk_kid(k), jws.kid) != 0))
            continue;
        verified = gh_jws_verify(ctx->arena, assertion, k, allowed) == GH_OK;
    }
    if (!verified) {
        fail_client(resp, "client_assertion signature does not verify with the client's keys");
        goto done;
    }
    /* SPEC: RFC7523 3 item 4: exp MUST be present and in the future */
    if (!opt_time(jws.payload, "exp", &has_exp, &exp) || !has_exp) {
        fail_client(resp, "client_assertion must have an integer exp");
        goto done;
    }
    if (exp <= ctx->now) {
        fail_client(resp, "client_assertion has expired");
        goto done;
    }
    if (exp > ctx->now + GH_OAUTH_ASSERTION_MAX_LIFETIME + GH_OAUTH_ASSERTION_SKEW) {
        fail_client(resp, "client_assertion exp is more than an hour ahead");
        goto done;
    }
    /* SPEC: RFC7523 3 items 5 and 6: nbf and iat, if present, are checked */
    if (!opt_time(jws.payload, "nbf", &has_nbf, &nbf) ||
        (has_nbf && nbf > ctx->now + GH_OAUTH_ASSERTION_SKEW)) {
        fail_client(resp, "client_assertion is not yet valid (nbf)");
        goto done;
    }
    if (!opt_time(jws.payload, "iat", &has_iat, &iat) ||
        (has_iat && iat > ctx->now + GH_OAUTH_ASSERTION_SKEW)) {
        fail_client(resp, "client_assertion iat is in the future");
        goto done;
    }
    /* SPEC: RFC7523 3 item 3: aud MUST identify the authorization server */
    if (!aud_ok(e, ctx, json_object_get(jws.payload, "aud"))) {
        fail_client(resp, "client_assertion aud must be the issuer or the endpoint URL");
        goto done;
    }
    if (gh_json_get_str(jws.payload, "jti", &jti) != GH_OK || jti[0] == '\0' ||
        strlen(jti) > GH_OAUTH_JTI_MAX) {
        fail_client(resp, "client_assertion must have a jti");
        goto done;
    }
    /* SPEC: RFC7523 3 item 7: the server may (here: does) ensure that a JWT is not replayed,
     * by remembering its jti until it expires */
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_JTI_INSERT;
    op.u.jti.ns = c->client_id;
    op.u.jti.jti = gh_arena_strdup(ctx->arena, jti);
    op.u.jti.expires_at = exp;
    op.u.jti.now = ctx->now;
    gh_store_txn_add(t, &op);
    err = gh_store_commit(e->store, t);
    if (err == GH_ECONFLICT) {
        err = GH_OK;
        fail_client(resp, "client_assertion was already used (jti replayed)");
        goto done;
    }
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "recording the client assertion jti failed: %s", gh_err_str(err));
        goto done;
    }
    *out = c;
    c = NULL;
done:
    gh_oauth__client_release(c);
    gh_jws_clear(&jws);
    return err;
}

/* ---- the entry points ---- */

gh_err gh_oauth__client_authenticate_ex(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                        unsigned flags, gh_oauth_response *resp,
                                        gh_oauth_client **out)
{
    const char *f_id = NULL, *f_secret = NULL, *f_assertion = NULL, *f_atype = NULL;
    gh_oauth_auth_header az;
    gh_oauth_client *c = NULL;
    bool basic, post, jwt;
    gh_err err;

    *out = NULL;
    if (req->form != NULL) {
        /* SPEC: RFC6749 3.2 request parameters MUST NOT be included more than once */
        if (gh_form_get_one(req->form, GH_P_CLIENT_ID, &f_id) != GH_OK ||
            gh_form_get_one(req->form, GH_P_CLIENT_SECRET, &f_secret) != GH_OK ||
            gh_form_get_one(req->form, GH_P_CLIENT_ASSERTION, &f_assertion) != GH_OK ||
            gh_form_get_one(req->form, GH_P_CLIENT_ASSERTION_TYPE, &f_atype) != GH_OK) {
            fail_request(resp, "a client authentication parameter is repeated");
            return GH_OK;
        }
    }
    err = gh_oauth__authz_parse(ctx->arena, req->authorization, &az);
    if (err == GH_ETOOBIG) {
        fail_request(resp, "the Authorization header is too long");
        return GH_OK;
    }
    if (err != GH_OK && az.scheme == GH_AUTHZ_BASIC) {
        fail_client(resp, "malformed Basic credentials (base64 of the form-urlencoded "
                          "client_id, a colon and the form-urlencoded client_secret)");
        return GH_OK;
    }
    /* Other schemes (Bearer, DPoP) do not authenticate clients and are left to the
     * endpoint. */
    basic = az.scheme == GH_AUTHZ_BASIC;
    post = f_secret != NULL;
    jwt = f_assertion != NULL || f_atype != NULL;
    /* SPEC: RFC6749 2.3 the client MUST NOT use more than one authentication method */
    if ((int)basic + (int)post + (int)jwt > 1) {
        fail_request(resp, "more than one client authentication method was used");
        return GH_OK;
    }

    if (basic) {
        if (f_id != NULL && strcmp(f_id, az.user) != 0) {
            fail_request(resp, "client_id does not match the Authorization header");
            return GH_OK;
        }
        err = auth_secret(e, ctx, az.user, az.password, GH_AUTH_BASIC, resp, &c);
    } else if (post) {
        if (f_id == NULL) {
            fail_request(resp, "client_secret needs client_id");
            return GH_OK;
        }
        err = auth_secret(e, ctx, f_id, f_secret, GH_AUTH_POST, resp, &c);
    } else if (jwt) {
        if (f_assertion == NULL || f_atype == NULL) {
            fail_request(resp, "client_assertion and client_assertion_type go together");
            return GH_OK;
        }
        /* SPEC: RFC7523 2.2 client_assertion_type MUST be jwt-bearer */
        if (strcmp(f_atype, GH_ASSERTION_TYPE_JWT_BEARER) != 0) {
            fail_client(resp, "unsupported client_assertion_type");
            return GH_OK;
        }
        err = auth_jwt(e, ctx, f_id, f_assertion, resp, &c);
    } else if (f_id != NULL) {
        if ((flags & GH_OAUTH_AUTH_ALLOW_NONE) == 0) {
            fail_client(resp, "this endpoint requires client authentication");
            return GH_OK;
        }
        err = gh_oauth__client_get(e, ctx, f_id, &c);
        if (err == GH_ENOTFOUND) {
            fail_client(resp, AUTH_FAILED);
            return GH_OK;
        }
        if (err != GH_OK)
            return err;
        if (strcmp(c->token_endpoint_auth_method, GH_AUTH_NONE) != 0) {
            gh_oauth__client_release(c);
            c = NULL;
            fail_client(resp, AUTH_FAILED);
            return GH_OK;
        }
    } else {
        fail_client(resp, "client authentication is required");
        return GH_OK;
    }
    if (err != GH_OK) {
        gh_oauth__client_release(c);
        return err;
    }
    *out = c;
    return GH_OK;
}

gh_err gh_oauth__client_authenticate(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp, gh_oauth_client **out)
{
    return gh_oauth__client_authenticate_ex(e, ctx, req, 0, resp, out);
}
