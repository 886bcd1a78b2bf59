/*
 * token.c - the token endpoint (RFC 6749 3.2): request checks, client authentication and
 * dispatch to the grant handlers through one static table keyed by grant_type.
 *
 * Order: method (POST), body (a form), grant_type (exactly once, known), client
 * authentication, the client's registration for the grant, then the handler. Adding a grant
 * is adding a row to gh_oauth__grants; discovery advertises exactly the rows.
 *
 * authorization_code and refresh_token are open to public clients (token_endpoint_auth_method
 * none, which identify themselves by client_id: RFC 6749 4.1.3, 6); client_credentials is for
 * confidential clients only (RFC 6749 4.4).
 *
 * Not here: what a grant does (grant_*.c) and how tokens are made (issue.c).
 */
#include <string.h>

#include "oauth/client_int.h"
#include "oauth/token_int.h"

const gh_oauth_grant gh_oauth__grants[] = {
    {GH_GRANT_AUTHORIZATION_CODE, gh_oauth__grant_authorization_code, false},
    {GH_GRANT_REFRESH_TOKEN, gh_oauth__grant_refresh_token, false},
    {GH_GRANT_CLIENT_CREDENTIALS, gh_oauth__grant_client_credentials, true},
};
const size_t gh_oauth__n_grants = sizeof(gh_oauth__grants) / sizeof(gh_oauth__grants[0]);

static const gh_oauth_grant *grant_find(const char *grant_type)
{
    size_t i;

    for (i = 0; i < gh_oauth__n_grants; i++)
        if (strcmp(gh_oauth__grants[i].grant_type, grant_type) == 0)
            return &gh_oauth__grants[i];
    return NULL;
}

gh_err gh_oauth_token(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                      gh_oauth_response *resp)
{
    const gh_oauth_grant *g;
    gh_oauth_client *c = NULL;
    const char *grant_type = NULL;
    gh_err err;

    /* SPEC: RFC6749 3.2 - the client MUST use HTTP POST */
    if (req->method == NULL || strcmp(req->method, "POST") != 0) {
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "the token endpoint takes POST only");
        return GH_OK;
    }
    /* SPEC: RFC6749 4.4.2 - parameters in application/x-www-form-urlencoded */
    if (req->form == NULL || req->content_type == NULL ||
        strcmp(req->content_type, "application/x-www-form-urlencoded") != 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "the body must be application/x-www-form-urlencoded");
        return GH_OK;
    }
    /* SPEC: RFC6749 3.2 - parameters MUST NOT be included more than once */
    if (gh_form_get_one(req->form, GH_P_GRANT_TYPE, &grant_type) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "grant_type is repeated");
        return GH_OK;
    }
    if (grant_type == NULL) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "grant_type is missing");
        return GH_OK;
    }
    g = grant_find(grant_type);
    if (g == NULL) {
        /* SPEC: RFC6749 5.2 unsupported_grant_type */
        gh_oauth_error(resp, 400, GH_E_UNSUPPORTED_GRANT_TYPE, "the grant type is not supported");
        return GH_OK;
    }
    /* SPEC: RFC6749 3.2.1 - confidential clients MUST authenticate */
    err = gh_oauth__client_authenticate_ex(
        e, ctx, req, g->confidential_only ? 0 : GH_OAUTH_AUTH_ALLOW_NONE, resp, &c);
    if (err != GH_OK || c == NULL)
        goto done;
    /* SPEC: RFC6749 5.2 unauthorized_client - not authorized to use this grant type */
    if (!gh_oauth__client_has_grant(c, grant_type) ||
        (g->confidential_only && c->token_endpoint_auth_method != NULL &&
         strcmp(c->token_endpoint_auth_method, GH_AUTH_NONE) == 0)) {
        gh_oauth_error(resp, 400, GH_E_UNAUTHORIZED_CLIENT,
                       "the client may not use this grant type");
        goto done;
    }
    err = g->handle(e, ctx, req, c, resp);
done:
    if (c != NULL)
        gh_oauth__client_release(c);
    return err;
}
