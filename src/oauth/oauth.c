/*
 * oauth.c - response helpers shared by every endpoint, and the audit event helper.
 *
 * Errors follow RFC 6749 5.2: a JSON object with "error" and an optional
 * "error_description" that is safe to show to the client.
 */
#include <string.h>

#include "oauth/oauth_int.h"
#include "json/json.h"

void gh_oauth_response_init(gh_oauth_response *r)
{
    memset(r, 0, sizeof(*r));
}

void gh_oauth_response_clear(gh_oauth_response *r)
{
    if (r->body != NULL) {
        json_decref(r->body);
        r->body = NULL;
    }
}

/* SPEC: RFC6749 5.2 error response: error, error_description */
void gh_oauth_error(gh_oauth_response *r, int status, const char *code, const char *desc)
{
    gh_oauth_response_clear(r);
    r->status = status;
    r->error = code;
    r->body = json_object();
    json_object_set_new(r->body, "error", json_string(code));
    if (desc != NULL) {
        json_object_set_new(r->body, "error_description", json_string(desc));
    }
}

void gh_oauth__audit(gh_ctx *ctx, gh_store_txn *t, const char *type, const char *actor,
                     const char *client_id, const char *subject, const char *token_id,
                     const char *scope, const json_t *data)
{
    gh_audit_event *ev = GH_ARENA_NEW(ctx->arena, gh_audit_event);

    ev->time_us = ctx->now_us;
    ev->type = type;
    ev->actor = actor;
    ev->client_id = client_id;
    ev->subject = subject;
    ev->token_id = token_id;
    ev->scope = scope;
    ev->request_id = ctx->request_id;
    ev->data = data != NULL ? gh_json_dump_a(ctx->arena, data) : NULL;
    gh_store_txn_audit(t, ev);
}
