/*
 * userinfo.c - the OpenID Connect UserInfo endpoint (OIDC Core 1.0 5.3) with bearer token
 * usage and errors per RFC 6750.
 *
 * GET or POST. The access token comes in the Authorization header (RFC 6750 2.1) or, for a
 * POST with an application/x-www-form-urlencoded body, as the access_token form parameter
 * (RFC 6750 2.2); using both, or repeating it, is invalid_request (RFC 6750 2: a client MUST
 * NOT use more than one method). The token must be an active access token of ours (the row
 * exists, is not revoked and has not expired, and the presented value is the one issued) that
 * holds the openid scope. The answer is sub plus the claims of a built-in user that the
 * token's scope allows (idtoken.c's gh_oauth__user_claims: name for profile, email and
 * email_verified for email).
 *
 * Errors (RFC 6750 3, 3.1): no token -> 401 with WWW-Authenticate: Bearer and no error code;
 * a bad token -> 401 with error="invalid_token"; a token without openid -> 403 with
 * error="insufficient_scope"; a malformed request -> 400 with error="invalid_request".
 */
#include <string.h>

#include "json/json.h"
#include "oauth/client_int.h"
#include "oauth/token_int.h"

#define REALM "realm=\"" GH_OAUTH_REALM "\""

static void bearer_error(gh_ctx *ctx, gh_oauth_response *resp, int status, const char *code,
                         const char *desc, const char *scope)
{
    gh_oauth_error(resp, status, code, desc);
    /* SPEC: RFC6750 3 - WWW-Authenticate: Bearer with error, error_description, scope */
    resp->www_authenticate = gh_arena_printf(
        ctx->arena, "Bearer " REALM ", error=\"%s\", error_description=\"%s\"%s%s%s", code,
        desc, scope != NULL ? ", scope=\"" : "", scope != NULL ? scope : "",
        scope != NULL ? "\"" : "");
    resp->no_store = true;
}

/* The presented access token, or NULL when resp holds the error. */
static const char *presented_token(gh_ctx *ctx, const gh_oauth_request *req,
                                   gh_oauth_response *resp)
{
    gh_oauth_auth_header az;
    const char *form_token = NULL;
    bool in_form = false;

    memset(&az, 0, sizeof(az));
    if (req->method != NULL && strcmp(req->method, "POST") == 0 && req->form != NULL &&
        req->content_type != NULL &&
        strcmp(req->content_type, "application/x-www-form-urlencoded") == 0) {
        if (gh_form_get_one(req->form, GH_P_ACCESS_TOKEN, &form_token) != GH_OK) {
            bearer_error(ctx, resp, 400, GH_E_INVALID_REQUEST, "access_token is repeated", NULL);
            return NULL;
        }
        in_form = form_token != NULL;
    }
    if (gh_oauth__authz_parse(ctx->arena, req->authorization, &az) != GH_OK) {
        bearer_error(ctx, resp, az.scheme == GH_AUTHZ_BEARER ? 401 : 400,
                     az.scheme == GH_AUTHZ_BEARER ? GH_E_INVALID_TOKEN : GH_E_INVALID_REQUEST,
                     "the Authorization header is malformed", NULL);
        return NULL;
    }
    if (az.scheme == GH_AUTHZ_BEARER && in_form) {
        /* SPEC: RFC6750 2 - clients MUST NOT use more than one method per request */
        bearer_error(ctx, resp, 400, GH_E_INVALID_REQUEST,
                     "the access token must be sent in one way only", NULL);
        return NULL;
    }
    if (az.scheme == GH_AUTHZ_BEARER)
        return az.token;
    if (in_form)
        return form_token;
    /* SPEC: RFC6750 3.1 - a request without authentication gets no error code */
    gh_oauth_response_clear(resp);
    resp->status = 401;
    resp->error = GH_E_INVALID_TOKEN;
    resp->body = json_pack("{ss}", "error", GH_E_INVALID_TOKEN);
    resp->www_authenticate = "Bearer " REALM;
    resp->no_store = true;
    return NULL;
}

gh_err gh_oauth_userinfo(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                         gh_oauth_response *resp)
{
    const char *token;
    gh_token *row = NULL;
    gh_strv scopes;
    bool is_jwt = false;
    json_t *claims;
    gh_err err;

    /* SPEC: OIDC Core 5.3.1 - GET and POST MUST be supported */
    if (req->method == NULL ||
        (strcmp(req->method, "GET") != 0 && strcmp(req->method, "POST") != 0)) {
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "the userinfo endpoint takes GET or POST");
        return GH_OK;
    }
    token = presented_token(ctx, req, resp);
    if (token == NULL)
        return GH_OK;
    err = gh_oauth__token_find(e, ctx, token, &row, &is_jwt);
    if (err != GH_OK)
        return err;
    /* SPEC: RFC6750 3.1 - invalid_token: expired, revoked, malformed or invalid */
    if (row == NULL || row->kind != GH_TOKEN_ACCESS || row->revoked_at != 0 ||
        row->expires_at <= ctx->now) {
        bearer_error(ctx, resp, 401, GH_E_INVALID_TOKEN, "the access token is not active", NULL);
        return GH_OK;
    }
    scopes = gh_oauth__split_list(ctx, row->scope);
    /* SPEC: OIDC Core 5.3 - the access token must have been obtained with openid */
    if (!gh_strv_has(&scopes, "openid")) {
        bearer_error(ctx, resp, 403, GH_E_INSUFFICIENT_SCOPE,
                     "the access token does not hold the openid scope", "openid");
        return GH_OK;
    }
    claims = json_object();
    /* SPEC: OIDC Core 5.3.2 - sub MUST always be returned */
    json_object_set_new(claims, "sub", json_string(row->subject));
    err = gh_oauth__user_claims(e, ctx, row->subject, &scopes, claims);
    if (err != GH_OK) {
        json_decref(claims);
        return err;
    }
    gh_oauth_response_clear(resp);
    resp->status = 200;
    resp->body = claims;
    resp->no_store = true;
    return GH_OK;
}
