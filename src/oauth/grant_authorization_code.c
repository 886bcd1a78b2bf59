/*
 * grant_authorization_code.c - the authorization code grant at the token endpoint
 * (RFC 6749 4.1.3, 4.1.4; RFC 7636 4.5, 4.6; OAuth 2.1 4.1.3; OIDC Core 3.1.3).
 *
 * Checks, in order (each failure is 400 invalid_grant unless said otherwise):
 *   1. code, redirect_uri and code_verifier at most once (invalid_request); code required.
 *   2. The code is ours (its seal opens, code.c: no store read) and was issued to this client
 *      (RFC 6749 4.1.3: "ensure that the authorization code was issued to the authenticated
 *      confidential client, or ... the public client").
 *   3. Not expired (60 s, from the sealed data). Use and revocation are decided by the
 *      transaction's TOKEN_CONSUME (below).
 *   4. redirect_uri: when the authorization request carried one, the token request MUST carry
 *      the identical value (RFC 6749 4.1.3); when it carried none, one given here must be a
 *      registered URI of the client.
 *   5. PKCE: code_verifier required, RFC 7636 4.1 syntax (43-128 unreserved characters),
 *      BASE64URL(SHA256(verifier)) equal to the stored S256 challenge in constant time.
 *   6. resource (RFC 8707 2.2): may only narrow the code's audience (invalid_target).
 * Then one transaction: TOKEN_CONSUME of the code (single use: GH_ECONFLICT when it was used
 * or revoked, GH_ENOTFOUND when it is gone), the access token (same grant id), a refresh token
 * when offline_access was granted and the client may use the refresh_token grant,
 * CONSENT_TOUCH(subject, client) and a code.exchanged audit event; an ID token (not stored)
 * when openid was granted. The extra claims and amr of the login/consent app go to the access
 * token (ext), the ID token and the refresh token. The scope of every token is exactly what was
 * granted (RFC 6749 5.1 scope is always returned).
 *
 * Replay (RFC 6749 4.1.2, 10.5: "If an authorization code is used more than once ... SHOULD
 * revoke all tokens previously issued based on that authorization code"): when TOKEN_CONSUME
 * fails with GH_ECONFLICT, one read of the row tells a used code (a replay, or a concurrent
 * request that used it first) from a revoked one. A used code gets invalid_grant, and a
 * second, small transaction revokes its grant (GRANT_REVOKE: every token the first use issued
 * and their refreshes) and audits code.replayed; a revoked one gets invalid_grant only. A
 * request refused by checks 3-6 reads the row the same way before answering, so that a
 * replayed code revokes its grant whatever else is wrong with the request (as when the row
 * was read first).
 */
#include <string.h>

#include "base/b64url.h"
#include "base/digest.h"
#include "json/json.h"
#include "oauth/authz_int.h"
#include "oauth/token_int.h"

/* What the exchange produced, for the commit callback (ctx->arena). */
typedef struct exchange {
    gh_oauth_issued at;
    const char *refresh;
    const char *id_token;
    const char *code_id;
    const char *grant_id;
    const char *client_id;
    const char *subject;
    const char *scope;
    int64_t expires_at;
} exchange;

/* ---- PKCE ---- */

bool gh_oauth__pkce_verifier_syntax(const char *v)
{
    size_t n, i;

    if (v == NULL)
        return false;
    n = strlen(v);
    /* SPEC: RFC7636 4.1 code-verifier = 43*128unreserved */
    if (n < 43 || n > 128)
        return false;
    for (i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~'))
            return false;
    }
    return true;
}

bool gh_oauth__pkce_s256_ok(const char *verifier, const char *challenge)
{
    unsigned char h[GH_SHA256_LEN];
    char enc[64];

    if (!gh_oauth__pkce_verifier_syntax(verifier) || challenge == NULL)
        return false;
    /* SPEC: RFC7636 4.6 - BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) == code_challenge */
    gh_sha256(verifier, strlen(verifier), h);
    gh_b64url_encode(h, sizeof(h), enc);
    /* SPEC: DESIGN.md - PKCE values are compared in constant time */
    return gh_ct_eq(enc, strlen(enc), challenge, strlen(challenge));
}

/* ---- resource narrowing ---- */

gh_err gh_oauth__resource_narrow(const gh_oauth_request *req, gh_ctx *ctx, const gh_strv *allowed,
                                 gh_oauth_response *resp, gh_strv *out, bool *ok)
{
    size_t n = gh_form_count(req->form, GH_P_RESOURCE), i;

    *ok = false;
    out->v = NULL;
    out->n = 0;
    if (n == 0) {
        *out = *allowed;
        *ok = true;
        return GH_OK;
    }
    out->v = GH_ARENA_NEWN(ctx->arena, const char *, n);
    for (i = 0; i < req->form->n; i++) {
        const gh_form_pair *p = &req->form->pairs[i];

        if (strcmp(p->name, GH_P_RESOURCE) != 0)
            continue;
        /* SPEC: RFC8707 2.2 - a resource at the token request must be one the grant
         * allows: it may only narrow the audience, never add to it */
        if (!gh_strv_has(allowed, p->value)) {
            gh_oauth_error(resp, 400, GH_E_INVALID_TARGET,
                           "the resource was not part of the authorization");
            return GH_OK;
        }
        if (!gh_strv_has(out, p->value))
            out->v[out->n++] = p->value;
    }
    *ok = true;
    return GH_OK;
}

/* ---- replay ---- */

/* Revokes the grant of a replayed code and audits it, committing now (a rare path). */
static gh_err revoke_replayed(gh_engine *e, gh_ctx *ctx, const char *type, const char *token_id,
                              const char *grant_id, const char *client_id, const char *subject)
{
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    gh_store_op op;
    json_t *data;
    gh_err err;

    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_GRANT_REVOKE;
    op.u.revoke.id = grant_id;
    op.u.revoke.at = ctx->now;
    op.u.revoke.client_id = client_id;
    op.u.revoke.subject = subject;
    gh_store_txn_add(t, &op);
    data = json_object();
    json_object_set_new(data, "grant_id", json_string(grant_id));
    gh_oauth__audit(ctx, t, type, gh_arena_printf(ctx->arena, "client:%s", client_id), client_id,
                    subject, token_id, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK)
        gh_ctx_fail(ctx, "%s: revoking grant %s: %s", type, grant_id, gh_err_str(err));
    return err;
}

gh_err gh_oauth__grant_replayed(gh_engine *e, gh_ctx *ctx, const char *type, const char *token_id,
                                const char *grant_id, const char *client_id, const char *subject,
                                gh_oauth_response *resp, const char *desc)
{
    gh_err err = revoke_replayed(e, ctx, type, token_id, grant_id, client_id, subject);

    if (err != GH_OK)
        return err;
    gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, desc);
    return GH_OK;
}

/* ---- the exchange ---- */

/* The answer for a code that could not be used, from its row's state: a used code is a
 * replay (deny and revoke what it issued); a revoked or unknown one is invalid_grant. For a
 * live row, resp keeps the error it already holds (keep = true); with keep false a live row
 * (a conflict the row does not explain) is invalid_grant too. */
static gh_err settle(gh_engine *e, gh_ctx *ctx, const exchange *x, bool keep,
                     gh_oauth_response *resp)
{
    gh_oauth_use_state st = GH_OAUTH_USE_UNKNOWN;
    gh_err err = gh_oauth__use_state(e, ctx, x->code_id, GH_TOKEN_CODE, &st);

    if (err != GH_OK)
        return err;
    switch (st) {
    case GH_OAUTH_USE_USED:
    case GH_OAUTH_USE_USED_REVOKED:
        /* SPEC: RFC6749 4.1.2 - used more than once: deny and revoke what it issued */
        return gh_oauth__grant_replayed(e, ctx, GH_OAUTH_AUDIT_CODE_REPLAYED, x->code_id,
                                        x->grant_id, x->client_id, x->subject, resp,
                                        "the authorization code was already used");
    case GH_OAUTH_USE_REVOKED:
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT,
                       x->expires_at <= ctx->now ? "the authorization code has expired"
                                                 : "the authorization code was revoked");
        return GH_OK;
    case GH_OAUTH_USE_LIVE:
        if (keep)
            return GH_OK;
        break;
    case GH_OAUTH_USE_UNKNOWN:
        break;
    }
    gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the authorization code is not valid");
    return GH_OK;
}

static gh_err committed(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    exchange *x = arg;

    if (outcome == GH_ECONFLICT) {
        /* SPEC: RFC6749 4.1.2 - used before (or revoked): the row tells which */
        return settle(e, ctx, x, false, resp);
    }
    if (outcome == GH_ENOTFOUND) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the authorization code is not valid");
        return GH_OK;
    }
    if (outcome != GH_OK) {
        gh_ctx_fail(ctx, "authorization_code: storing the tokens: %s", gh_err_str(outcome));
        return outcome;
    }
    gh_oauth__token_response_full(resp, &x->at, x->refresh, x->id_token);
    return GH_OK;
}

static bool one_param(const gh_oauth_request *req, const char *name, gh_oauth_response *resp,
                      const char **out)
{
    /* SPEC: RFC6749 3.2 - parameters MUST NOT be included more than once */
    if (gh_form_get_one(req->form, name, out) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       gh_str_startswith(name, "code_") ? "code_verifier is repeated"
                       : strcmp(name, GH_P_CODE) == 0 ? "code is repeated"
                                                       : "redirect_uri is repeated");
        return false;
    }
    return true;
}

gh_err gh_oauth__grant_authorization_code(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                          const gh_oauth_client *c, gh_oauth_response *resp)
{
    const char *code = NULL, *redirect_uri = NULL, *verifier = NULL, *code_id = NULL;
    gh_oauth_authz a;
    gh_strv resources, aud;
    gh_oauth_issue in;
    gh_store_txn *t;
    gh_store_op op;
    exchange *x;
    json_t *data;
    int64_t expires_at = 0;
    bool ok = false;
    gh_err err;

    if (!one_param(req, GH_P_CODE, resp, &code) ||
        !one_param(req, GH_P_REDIRECT_URI, resp, &redirect_uri) ||
        !one_param(req, GH_P_CODE_VERIFIER, resp, &verifier))
        return GH_OK;
    /* SPEC: RFC6749 4.1.3 - code is REQUIRED */
    if (code == NULL) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "code is missing");
        return GH_OK;
    }
    /* The code carries its authorization (code.c): no read before the transaction. */
    err = gh_oauth__code_open(e, ctx, code, &a, &code_id, &expires_at, &ok);
    if (err != GH_OK)
        return err;
    /* SPEC: RFC6749 4.1.3 - the code was issued to the authenticated client */
    if (!ok || strcmp(a.client_id, c->client_id) != 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the authorization code is not valid");
        return GH_OK;
    }
    x = GH_ARENA_NEW(ctx->arena, exchange);
    x->code_id = code_id;
    x->grant_id = a.grant_id;
    x->client_id = a.client_id;
    x->subject = a.subject;
    x->scope = gh_strv_join(ctx->arena, &a.scopes);
    x->expires_at = expires_at;
    /* Every refusal below reads the row first (settle): a used code is a replay. */
    if (expires_at <= ctx->now) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the authorization code has expired");
        return settle(e, ctx, x, true, resp);
    }
    /* SPEC: RFC6749 4.1.3 - redirect_uri REQUIRED and identical when it was in the
     * authorization request */
    if (a.redirect_uri != NULL) {
        if (redirect_uri == NULL || strcmp(redirect_uri, a.redirect_uri) != 0) {
            gh_oauth_error(resp, 400, GH_E_INVALID_GRANT,
                           redirect_uri == NULL
                               ? "redirect_uri is required: the authorization request had one"
                               : "redirect_uri does not match the authorization request");
            return settle(e, ctx, x, true, resp);
        }
    } else if (redirect_uri != NULL && !gh_strv_has(&c->redirect_uris, redirect_uri)) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "redirect_uri is not registered");
        return settle(e, ctx, x, true, resp);
    }
    /* SPEC: RFC7636 4.5 - code_verifier REQUIRED (PKCE is required for every client) */
    if (verifier == NULL) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "code_verifier is missing");
        return settle(e, ctx, x, true, resp);
    }
    /* SPEC: RFC7636 4.6 - a verifier that does not match gets invalid_grant */
    if (!gh_oauth__pkce_s256_ok(verifier, a.code_challenge)) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "code_verifier does not match");
        return settle(e, ctx, x, true, resp);
    }
    err = gh_oauth__resource_narrow(req, ctx, &a.audience, resp, &resources, &ok);
    if (err != GH_OK)
        return err;
    if (!ok)
        return settle(e, ctx, x, true, resp);
    if (resources.n > 0) {
        aud = resources;
    } else {
        err = gh_oauth__audience_resolve(e, ctx, req, c, &a.scopes, resp, &aud, &ok);
        if (err != GH_OK)
            return err;
        if (!ok)
            return settle(e, ctx, x, true, resp);
    }

    t = gh_store_txn_new(ctx->arena);
    /* SPEC: RFC6749 4.1.2 - the code is used once: consumed in the transaction that
     * inserts the tokens, so a second use (even a concurrent one) fails with GH_ECONFLICT */
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_CONSUME;
    op.u.revoke.id = code_id;
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);

    memset(&in, 0, sizeof(in));
    in.c = c;
    in.grant_type = GH_GRANT_AUTHORIZATION_CODE;
    in.grant_id = a.grant_id;
    in.subject = a.subject;
    in.scopes = &a.scopes;
    in.audience = &aud;
    in.ext_claims = a.access_token_claims;
    in.audited_by_caller = true; /* code.exchanged below records the access token */
    err = gh_oauth__issue_access(e, ctx, t, &in, &x->at);
    if (err != GH_OK)
        return err;
    /* SPEC: DESIGN.md - a refresh token when offline_access was granted and the client may
     * use the refresh_token grant */
    if (gh_strv_has(&a.scopes, "offline_access") &&
        gh_oauth__client_has_grant(c, GH_GRANT_REFRESH_TOKEN)) {
        gh_oauth_refresh_in rin;

        memset(&rin, 0, sizeof(rin));
        rin.c = c;
        rin.grant_id = a.grant_id;
        rin.subject = a.subject;
        rin.scopes = &a.scopes;
        rin.audience = &resources;
        rin.auth_time = a.auth_time;
        rin.sid = a.sid;
        rin.acr = a.acr;
        rin.access_token_claims = a.access_token_claims;
        rin.id_token_claims = a.id_token_claims;
        rin.amr = a.amr;
        err = gh_oauth__refresh_issue(e, ctx, t, &rin, &x->refresh, NULL);
        if (err != GH_OK)
            return err;
    }
    /* SPEC: OIDC Core 3.1.3.3 - an ID token when openid was granted */
    if (gh_strv_has(&a.scopes, "openid")) {
        gh_oauth_idtoken_in id;
        char *idt = NULL;

        memset(&id, 0, sizeof(id));
        id.c = c;
        id.subject = a.subject;
        id.access_token = x->at.value;
        id.nonce = a.nonce;
        id.auth_time = a.auth_time;
        id.sid = a.sid;
        id.acr = a.acr;
        id.scopes = &a.scopes;
        id.ext_claims = a.id_token_claims;
        id.amr = a.amr;
        err = gh_oauth__id_token(e, ctx, &id, &idt);
        if (err != GH_OK)
            return err;
        x->id_token = idt;
    }
    gh_oauth__consent_touch(ctx, t, a.subject, a.client_id);
    data = json_object();
    /* One event for the exchange and the access token it issued (token_id): the code, the
     * grant, the token's format and audience, and what else was handed out. */
    json_object_set_new(data, "grant_id", json_string(a.grant_id));
    json_object_set_new(data, "code", json_string(code_id));
    json_object_set_new(data, "format", json_string(c->access_token_strategy));
    json_object_set_new(data, "aud", gh_json_strv(&aud));
    json_object_set_new(data, "refresh_token", json_boolean(x->refresh != NULL));
    json_object_set_new(data, "id_token", json_boolean(x->id_token != NULL));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CODE_EXCHANGED,
                    gh_arena_printf(ctx->arena, "client:%s", a.client_id), a.client_id, a.subject,
                    x->at.id, x->scope, data);
    json_decref(data);
    /* SPEC: DESIGN.md Tokens - the rows are durable before the tokens are handed out */
    return gh_oauth__commit(e, ctx, resp, t, committed, x);
}
