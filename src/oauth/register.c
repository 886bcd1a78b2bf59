/*
 * register.c - OAuth 2.0 Dynamic Client Registration (RFC 7591) at POST /oauth2/register and
 * its management protocol (RFC 7592) at GET / PUT / DELETE /oauth2/register/{client_id}.
 *
 * Registration: a JSON body (Content-Type application/json) of client metadata, validated by
 * client_validate.c (unknown fields ignored, public clients accepted without
 * application_type). The server picks the client_id (a UUID; one in the body is ignored, as
 * Hydra does in DCR) and the secret, and answers 201 with the full metadata, client_secret
 * (confidential clients) with client_secret_expires_at 0, client_id_issued_at,
 * registration_access_token and registration_client_uri (issuer + "/oauth2/register/" + id).
 * When cfg->registration_enabled is false both endpoints answer 404 not_found, as if they
 * did not exist (discovery does not advertise them either). When
 * cfg->registration_initial_token is set, registration needs `Authorization: Bearer <it>`
 * (RFC 7591 3: an initial access token), else 401 invalid_token with WWW-Authenticate: Bearer.
 * Management: the registration access token, stored only as a keyed hash, is the bearer
 * credential. An unknown client, a missing or wrong token, or an expired one (older than
 * cfg->ttl_registration_token, counted from registration, when that is set) all get 401
 * invalid_token (RFC 7592 2.1). GET never returns the secret; PUT replaces the metadata and
 * keeps the secret (RFC 7592 2.2); DELETE answers 204 and the store revokes the client's
 * tokens. Writes are audited with actor "client:<id>" in the same transaction.
 */
#include <string.h>

#include "base/form.h"
#include "json/json.h"
#include "oauth/client_int.h"

#define WWW_BEARER "Bearer realm=\"" GH_OAUTH_REALM "\""
#define WWW_BEARER_INVALID "Bearer realm=\"" GH_OAUTH_REALM "\", error=\"invalid_token\""

static bool registration_on(const gh_engine *e, gh_oauth_response *resp)
{
    if (e->cfg->registration_enabled)
        return true;
    gh_oauth_error(resp, 404, GH_E_NOT_FOUND, "dynamic client registration is disabled");
    return false;
}

/* SPEC: RFC6750 3 / 3.1 a 401 carries WWW-Authenticate: Bearer; error only when a token was
 * presented */
static void fail_token(gh_oauth_response *resp, bool presented, const char *desc)
{
    gh_oauth_error(resp, 401, GH_E_INVALID_TOKEN, desc);
    resp->www_authenticate = presented ? WWW_BEARER_INVALID : WWW_BEARER;
}

/* The Bearer token of the request, or NULL (then resp holds the 401). */
static const char *bearer(gh_ctx *ctx, const gh_oauth_request *req, gh_oauth_response *resp)
{
    gh_oauth_auth_header az;
    gh_err err = gh_oauth__authz_parse(ctx->arena, req->authorization, &az);

    if (az.scheme == GH_AUTHZ_ABSENT && err == GH_OK) {
        fail_token(resp, false, "a Bearer token is required");
        return NULL;
    }
    if (err != GH_OK || az.scheme != GH_AUTHZ_BEARER) {
        fail_token(resp, true, "a Bearer token is required");
        return NULL;
    }
    return az.token;
}

static const char *client_uri(gh_engine *e, gh_ctx *ctx, const char *id)
{
    /* SPEC: RFC7592 3 registration_client_uri */
    return gh_arena_printf(ctx->arena, "%s/oauth2/register/%s",
                           e->cfg->issuer != NULL ? e->cfg->issuer : "",
                           gh_url_encode(ctx->arena, id));
}

/* The RFC 7591 3.2.1 / RFC 7592 3 response: the client metadata and registration fields
 * (a gh_oauth_client_reply_fn). */
static gh_err reg_reply(gh_engine *e, gh_ctx *ctx, const gh_oauth_client_write *w, int status,
                        gh_oauth_response *resp)
{
    const gh_client *row = &w->row;
    const char *secret = w->secret, *reg_token = w->reg_token;
    json_t *body = NULL;

    if (gh_oauth__client_row_json(row, &body) != GH_OK) {
        gh_ctx_fail(ctx, "client %s: the stored document does not parse", row->client_id);
        return GH_EINTERNAL;
    }
    /* SPEC: RFC7591 3.2.1 client_secret_expires_at REQUIRED if client_secret is issued */
    if (secret != NULL)
        json_object_set_new(body, "client_secret", json_string(secret));
    if (row->has_secret)
        json_object_set_new(body, "client_secret_expires_at", json_integer(0));
    json_object_set_new(body, "client_id_issued_at", json_integer(row->created_at));
    if (reg_token != NULL)
        json_object_set_new(body, "registration_access_token", json_string(reg_token));
    json_object_set_new(body, "registration_client_uri",
                        json_string(client_uri(e, ctx, row->client_id)));
    gh_oauth_response_clear(resp);
    resp->status = status;
    resp->body = body;
    resp->no_store = true;
    return GH_OK;
}

/* ---- POST /oauth2/register ---- */

gh_err gh_oauth_register(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                         gh_oauth_response *resp)
{
    if (!registration_on(e, resp))
        return GH_OK;
    if (strcmp(req->method, "POST") != 0) {
        gh_oauth_error(resp, 405, GH_E_METHOD_NOT_ALLOWED, "use POST");
        return GH_OK;
    }
    if (e->cfg->registration_initial_token != NULL) {
        /* SPEC: RFC7591 3 an initial access token may be required to register */
        const char *tok = bearer(ctx, req, resp);
        if (tok == NULL)
            return GH_OK;
        if (!gh_ct_streq(tok, e->cfg->registration_initial_token)) {
            fail_token(resp, true, "the initial access token is not valid");
            return GH_OK;
        }
    }
    /* SPEC: RFC7591 3.2.1 201 Created with the client information */
    return gh_oauth__client_write_request(e, ctx, req, GH_OAUTH_SRC_DCR, NULL, reg_reply, resp);
}

/* ---- /oauth2/register/{client_id} ---- */

/* Checks the registration access token; *out gets the client's row, or NULL when resp holds
 * the 401. */
static gh_err reg_authorize(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                            gh_oauth_response *resp, gh_client **out)
{
    static const unsigned char zero[GH_SHA256_LEN];
    unsigned char h[GH_SHA256_LEN];
    const char *tok;
    gh_client *row = NULL;
    int64_t ttl = e->cfg->ttl_registration_token;
    bool match;
    gh_err err;

    *out = NULL;
    tok = bearer(ctx, req, resp);
    if (tok == NULL)
        return GH_OK;
    err = req->path_arg != NULL && req->path_arg[0] != '\0'
              ? gh_store_client_get(e->store, req->path_arg, ctx->arena, &row)
              : GH_ENOTFOUND;
    if (err != GH_OK && err != GH_ENOTFOUND) {
        gh_ctx_fail(ctx, "reading client failed: %s", gh_err_str(err));
        return err;
    }
    gh_oauth__secret_hash(e, tok, h);
    match = gh_ct_eq(h, sizeof(h), row != NULL ? row->reg_token_hash : zero, GH_SHA256_LEN);
    /* SPEC: RFC7592 2.1 an unknown client or a bad token: 401 */
    if (row == NULL || !row->has_reg_token || !match) {
        fail_token(resp, true, "the registration access token is not valid for this client");
        return GH_OK;
    }
    if (ttl > 0 && ctx->now >= row->created_at + ttl) {
        fail_token(resp, true, "the registration access token has expired");
        return GH_OK;
    }
    *out = row;
    return GH_OK;
}

gh_err gh_oauth_register_manage(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                gh_oauth_response *resp)
{
    gh_client *row = NULL;
    gh_err err;

    if (!registration_on(e, resp))
        return GH_OK;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "PUT") != 0 &&
        strcmp(req->method, "DELETE") != 0) {
        gh_oauth_error(resp, 405, GH_E_METHOD_NOT_ALLOWED, "use GET, PUT or DELETE");
        return GH_OK;
    }
    err = reg_authorize(e, ctx, req, resp, &row);
    if (err != GH_OK || row == NULL)
        return err;
    if (strcmp(req->method, "GET") == 0) {
        /* SPEC: RFC7592 2.1 read: the current metadata (here without the secret) */
        gh_oauth_client_write view = {.row = *row};
        return reg_reply(e, ctx, &view, 200, resp);
    }
    if (strcmp(req->method, "PUT") == 0) {
        /* SPEC: RFC7592 2.2 the request replaces every metadata field; the secret stays */
        return gh_oauth__client_write_request(e, ctx, req, GH_OAUTH_SRC_DCR, row, reg_reply, resp);
    }
    /* SPEC: RFC7592 2.3 delete: 204 No Content; the client's tokens are revoked */
    return gh_oauth__client_delete_request(e, ctx, GH_OAUTH_SRC_DCR, row->client_id, resp);
}
