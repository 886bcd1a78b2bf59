/*
 * revoke.c - token revocation (RFC 7009).
 *
 * The client authenticates; it may revoke only tokens issued to it. Every other case (a
 * token of another client, an unknown, malformed, expired or already revoked token) is
 * answered 200 with nothing done (RFC 7009 2.1, 2.2), so the endpoint tells nobody whether
 * a value is a token. token_type_hint is accepted and only a hint: the value's shape decides
 * (unknown hints are ignored, RFC 7009 2.1). Revoking a refresh token also revokes its grant,
 * and with it the access tokens issued from the grant (DESIGN.md "Protocol details").
 * The revocation and its token.revoked audit event are committed before the 200 (the commit
 * is deferred to the caller when it can, gh_oauth__commit).
 */
#include <string.h>

#include "json/json.h"
#include "oauth/client_int.h"
#include "oauth/token_int.h"

static void revoked_ok(gh_oauth_response *resp)
{
    /* SPEC: RFC7009 2.2 - HTTP 200 whether or not the token was valid; the body is unused */
    gh_oauth_response_clear(resp);
    resp->status = 200;
    resp->body = json_object();
    resp->no_store = true;
}

/* Answers once the revocation's commit is known. */
static gh_err committed(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    (void)e;
    (void)arg;
    /* GH_ENOTFOUND: purged between the read and the write, nothing left to revoke. */
    if (outcome != GH_OK && outcome != GH_ENOTFOUND) {
        gh_ctx_fail(ctx, "revoke: storing the revocation: %s", gh_err_str(outcome));
        return outcome;
    }
    revoked_ok(resp);
    return GH_OK;
}

gh_err gh_oauth_revoke(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                       gh_oauth_response *resp)
{
    gh_oauth_client *c = NULL;
    const char *token, *hint = NULL;
    gh_token *row = NULL;
    bool is_jwt = false;
    gh_store_txn *t;
    gh_store_op op;
    json_t *data;
    gh_err err;

    if (!gh_oauth__form_post(req, resp))
        return GH_OK;
    /* SPEC: RFC7009 2.1 - the client authenticates as at the token endpoint (a public
     * client identifies itself with its client_id) */
    err = gh_oauth__client_authenticate_ex(e, ctx, req, GH_OAUTH_AUTH_ALLOW_NONE, resp, &c);
    if (err != GH_OK || c == NULL)
        return err;
    token = gh_oauth__token_param(req, resp);
    if (token == NULL)
        goto done;
    if (gh_form_get_one(req->form, GH_P_TOKEN_TYPE_HINT, &hint) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "token_type_hint is repeated");
        goto done;
    }
    err = gh_oauth__token_find(e, ctx, token, &row, &is_jwt);
    if (err != GH_OK)
        goto done;
    /* SPEC: RFC7009 2.1 - the server verifies that the token was issued to this client */
    if (row == NULL || strcmp(row->client_id, c->client_id) != 0 || row->revoked_at != 0) {
        revoked_ok(resp);
        goto done;
    }
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_REVOKE;
    op.u.revoke.id = row->id;
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);
    /* SPEC: RFC7009 2.1 - revoking a refresh token SHOULD revoke the grant's access tokens */
    if (row->kind == GH_TOKEN_REFRESH && row->grant_id != NULL) {
        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_GRANT_REVOKE;
        op.u.revoke.id = row->grant_id;
        op.u.revoke.at = ctx->now;
        op.u.revoke.client_id = row->client_id;
        op.u.revoke.subject = row->subject;
        gh_store_txn_add(t, &op);
    }
    data = json_object();
    json_object_set_new(
        data, "kind",
        json_string(row->kind == GH_TOKEN_REFRESH ? GH_HINT_REFRESH_TOKEN : GH_HINT_ACCESS_TOKEN));
    json_object_set_new(data, "format", json_string(row->format));
    if (row->grant_id != NULL)
        json_object_set_new(data, "grant_id", json_string(row->grant_id));
    gh_oauth__audit(ctx, t, GH_AUDIT_TOKEN_REVOKED,
                    gh_arena_printf(ctx->arena, "client:%s", row->client_id), row->client_id,
                    row->subject, row->id, row->scope, data);
    json_decref(data);
    err = gh_oauth__commit(e, ctx, resp, t, committed, NULL);
done:
    if (c != NULL)
        gh_oauth__client_release(c);
    return err;
}
