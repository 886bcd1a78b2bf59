/*
 * admin_consent.c - GET|DELETE /admin/oauth2/auth/sessions/consent, Hydra's consent sessions
 * API, for an operator's tools.
 *
 * GET ?subject= lists the subject's live consents, newest shape of Hydra's
 * previousOAuth2ConsentSession: grant_scope, grant_access_token_audience, remember,
 * remember_for, handled_at (RFC 3339), consent_request {client, requested_scope,
 * requested_access_token_audience, subject}. At most GH_LIMIT_LIST_PAGE items.
 * DELETE ?subject=&client= revokes one consent, ?subject=&all=true every consent of the
 * subject; either also revokes the tokens of that subject and client(s) (GH_OP_CONSENT_REVOKE),
 * audited with actor "admin-api", the caller's address and User-Agent;
 * 204 whether or not a consent was live (Hydra). A missing or malformed subject, or a DELETE
 * naming neither client nor all=true, is 400 invalid_request.
 *
 * Not here: the user's own view (consent.c).
 */
#include <string.h>

#include "base/clock.h"
#include "base/limits.h"
#include "json/json.h"
#include "oauth/client_int.h"
#include "oauth/flow_int.h"

static const char *one(const gh_form *f, const char *name, bool *dup)
{
    const char *v = NULL;

    if (gh_form_get_one(f, name, &v) != GH_OK) {
        *dup = true;
        return NULL;
    }
    return v;
}

static json_t *split_json(gh_ctx *ctx, const char *s)
{
    gh_strv v = {NULL, 0};
    json_t *a;

    if (s != NULL && s[0] != '\0' && gh_strv_split_scope(ctx->arena, s, 1024, &v) != GH_OK) {
        v.v = NULL;
        v.n = 0;
    }
    a = gh_json_strv(&v);
    return a;
}

/* The client as Hydra shows it inside a consent session; {client_id} alone when deleted. */
static gh_err client_json(gh_engine *e, gh_ctx *ctx, const char *client_id, json_t **out)
{
    gh_client *row = NULL;
    gh_err err;

    *out = NULL;
    err = gh_store_client_get(e->store, client_id, ctx->arena, &row);
    if (err == GH_OK && gh_oauth__client_row_json(row, out) == GH_OK)
        return GH_OK;
    if (err != GH_OK && err != GH_ENOTFOUND) {
        gh_ctx_fail(ctx, "admin consent: client read: %s", gh_err_str(err));
        return err;
    }
    *out = json_object();
    json_object_set_new(*out, "client_id", json_string(client_id));
    return GH_OK;
}

static gh_err list(gh_engine *e, gh_ctx *ctx, const char *subject, gh_oauth_response *resp)
{
    gh_consent *rows = NULL;
    size_t n = 0;
    json_t *arr;
    gh_err err;

    err = gh_store_consent_list(e->store, subject, NULL, GH_LIMIT_LIST_PAGE, ctx->arena, &rows, &n);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "admin consent: list: %s", gh_err_str(err));
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const gh_consent *c = &rows[i];
        json_t *item, *req, *cl = NULL, *doc = NULL;
        char when[32];
        bool remember = c->remembered_scope != NULL && c->remembered_scope[0] != '\0';
        int64_t rf = 0;

        if (c->revoked_at != 0)
            continue;
        err = client_json(e, ctx, c->client_id, &cl);
        if (err != GH_OK) {
            json_decref(arr);
            return err;
        }
        if (c->doc != NULL &&
            gh_json_parse_object(c->doc, strlen(c->doc), 64 * 1024, &doc, NULL, 0) != GH_OK)
            doc = NULL;
        if (remember && c->remember_until > 0)
            rf = c->remember_until - c->updated_at;
        gh_clock_rfc3339(c->updated_at, when);
        req = json_object();
        json_object_set_new(req, "client", cl);
        json_object_set(req, "requested_scope",
                        json_is_array(json_object_get(doc, "requested_scope"))
                            ? json_object_get(doc, "requested_scope")
                            : json_array());
        json_object_set(req, "requested_access_token_audience",
                        json_is_array(json_object_get(doc, "requested_audience"))
                            ? json_object_get(doc, "requested_audience")
                            : json_array());
        json_object_set_new(req, "subject", json_string(c->subject));
        item = json_object();
        json_object_set_new(item, "grant_scope", split_json(ctx, c->scope));
        json_object_set_new(item, "grant_access_token_audience", split_json(ctx, c->audience));
        json_object_set_new(item, "remember", json_boolean(remember));
        json_object_set_new(item, "remember_for", json_integer(rf));
        json_object_set_new(item, "handled_at", json_string(when));
        json_object_set_new(item, "consent_request", req);
        /* Hydra's session: the claims the consent app gave (kept as JSON text) */
        {
            json_t *sess = json_object();
            const char *names[2] = {"access_token", "id_token"}, *keys[2] = {"at_claims",
                                                                            "id_claims"};

            for (int k = 0; k < 2; k++) {
                const char *txt = gh_oauth__doc_str(doc, keys[k]);
                json_t *o = txt != NULL ? json_loads(txt, JSON_REJECT_DUPLICATES, NULL) : NULL;

                json_object_set_new(sess, names[k], json_is_object(o) ? o : json_object());
                if (!json_is_object(o))
                    json_decref(o);
            }
            json_object_set_new(item, "session", sess);
        }
        json_array_append_new(arr, item);
        json_decref(doc);
    }
    gh_oauth_response_clear(resp);
    resp->status = 200;
    resp->body = arr;
    resp->no_store = true;
    return GH_OK;
}

static gh_err revoke(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                     const char *subject, const char *client_id, gh_oauth_response *resp)
{
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    gh_store_op op;
    gh_oauth_actor by = {GH_OAUTH_ACTOR_ADMIN_API, req->remote_addr, req->user_agent};
    json_t *data = gh_oauth__actor_data(&by, subject);
    gh_err err;

    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_CONSENT_REVOKE;
    op.u.consent_ref.subject = subject;
    op.u.consent_ref.client_id = client_id;
    op.u.consent_ref.at = ctx->now;
    gh_store_txn_add(t, &op);
    json_object_set_new(data, "via", json_string("admin"));
    if (client_id == NULL)
        json_object_set_new(data, "all", json_true());
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CONSENT_REVOKED, gh_oauth__actor_name(&by), client_id,
                    subject, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK && err != GH_ENOTFOUND) {
        gh_ctx_fail(ctx, "admin consent: revoke: %s", gh_err_str(err));
        return err;
    }
    gh_oauth_response_clear(resp);
    resp->status = 204;
    return GH_OK;
}

gh_err gh_oauth_admin_consent_sessions(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                       gh_oauth_response *resp)
{
    const gh_form *q = req->query;
    const char *subject, *client, *all;
    bool dup = false, get;

    if (req->method == NULL ||
        (strcmp(req->method, "GET") != 0 && strcmp(req->method, "DELETE") != 0)) {
        gh_oauth_error(resp, 405, GH_E_METHOD_NOT_ALLOWED, "use GET or DELETE");
        return GH_OK;
    }
    get = strcmp(req->method, "GET") == 0;
    subject = one(q, "subject", &dup);
    client = one(q, "client", &dup);
    all = one(q, "all", &dup);
    if (dup) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "a parameter is repeated");
        return GH_OK;
    }
    if (subject == NULL || strlen(subject) > GH_FLOW_SUBJECT_MAX ||
        !gh_str_utf8(subject, strlen(subject))) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "subject is required");
        return GH_OK;
    }
    if (get)
        return list(e, ctx, subject, resp);
    if (client != NULL && strlen(client) > GH_OAUTH_CLIENT_ID_MAX) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "client is invalid");
        return GH_OK;
    }
    if (client == NULL && (all == NULL || strcmp(all, "true") != 0)) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "client or all=true is required");
        return GH_OK;
    }
    return revoke(e, ctx, req, subject, client, resp);
}
