/*
 * grant_client_credentials.c - the client credentials grant (RFC 6749 4.4).
 *
 * The client acts on its own behalf: sub is its client_id. Confidential clients only
 * (RFC 6749 4.4: "MUST only be used by confidential clients"; the table in token.c enforces
 * it). The scope is the requested one within the client's registered scope and the catalog,
 * or the registered scope when none is requested (RFC 6749 3.3); the audience comes from the
 * resource indicators (RFC 8707). No refresh token is issued (RFC 6749 4.4.3). The token row
 * is committed before the response: deferred to the caller when it can (gh_oauth__commit).
 */
#include <string.h>

#include "oauth/token_int.h"

/* Answers once the token row's commit is known (at is in the request arena). */
static gh_err committed(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    (void)e;
    if (outcome != GH_OK) {
        gh_ctx_fail(ctx, "client_credentials: storing the token: %s", gh_err_str(outcome));
        return outcome;
    }
    gh_oauth__token_response(resp, arg);
    return GH_OK;
}

gh_err gh_oauth__grant_client_credentials(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                          const gh_oauth_client *c, gh_oauth_response *resp)
{
    const char *scope = NULL;
    gh_strv granted, aud;
    gh_oauth_issue in;
    gh_oauth_issued *at;
    gh_store_txn *t;
    bool ok = false;
    gh_err err;

    /* SPEC: RFC6749 3.2 - parameters MUST NOT be included more than once */
    if (gh_form_get_one(req->form, GH_P_SCOPE, &scope) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "scope is repeated");
        return GH_OK;
    }
    err = gh_oauth__scope_resolve(e, ctx, c, scope, resp, &granted, &ok);
    if (err != GH_OK || !ok)
        return err;
    err = gh_oauth__audience_resolve(e, ctx, req, c, &granted, resp, &aud, &ok);
    if (err != GH_OK || !ok)
        return err;
    memset(&in, 0, sizeof(in));
    in.c = c;
    in.grant_type = GH_GRANT_CLIENT_CREDENTIALS;
    in.grant_id = NULL;
    /* SPEC: RFC9068 2.2 - sub: the client when it acts on its own behalf */
    in.subject = c->client_id;
    in.scopes = &granted;
    in.audience = &aud;
    t = gh_store_txn_new(ctx->arena);
    at = GH_ARENA_NEW(ctx->arena, gh_oauth_issued);
    err = gh_oauth__issue_access(e, ctx, t, &in, at);
    if (err != GH_OK)
        return err;
    /* SPEC: DESIGN.md Tokens - the row is durable before the token is handed out */
    return gh_oauth__commit(e, ctx, resp, t, committed, at);
}
