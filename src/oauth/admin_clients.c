/*
 * admin_clients.c - /admin/clients and /admin/clients/{id} (Hydra's admin client API), and
 * the helpers that registration (register.c) shares: JSON bodies, committing a client write
 * with its audit event, metadata errors, and the whole create / update / delete request
 * sequence that both endpoints run with their own reply.
 *
 *   GET    /admin/clients?page_size=&page_token=   a JSON array, ordered by client_id;
 *          page_size 1..GH_LIMIT_LIST_PAGE (default 250); page_token is opaque to callers
 *          (the base64url of the last client_id of the previous page) and the next page's
 *          URL is in Link: <...>; rel="next" when there are more.
 *   POST   /admin/clients        201; a client_id in the body is kept (Hydra), otherwise a
 *          UUID is generated; the client_secret appears in this response only.
 *   GET    /admin/clients/{id}   200, or 404 not_found.
 *   PUT    /admin/clients/{id}   replaces the metadata (Hydra); the secret is kept unless the
 *          body carries a new client_secret; 200.
 *   DELETE /admin/clients/{id}   204; the client's tokens are revoked by the store.
 * The CLI (`gatehouse clients create --from-json`) calls these same functions with the JSON
 * as the body, so both behave alike. The caller has checked the admin key; every write is
 * audited with actor "admin". Errors use the RFC 6749 5.2 / RFC 7591 3.2.2 shape with
 * status 400 (metadata), 404 (no such client), 405 (method) or 409 (client_id taken).
 * Responses never hold a secret hash or a registration token hash.
 */
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "json/json.h"
#include "oauth/client_int.h"

#define ADMIN_PAGE_DEFAULT 250

/* ---- helpers shared with register.c ---- */

static void no_such_client(gh_oauth_response *resp)
{
    gh_oauth_error(resp, 404, GH_E_NOT_FOUND, "no such client");
}

void gh_oauth__meta_error(gh_oauth_response *resp, const gh_oauth_meta_err *err)
{
    /* SPEC: RFC7591 3.2.2 client registration error response: 400 with error and
     * error_description */
    gh_oauth_error(resp, 400, err->code, err->desc);
}

gh_err gh_oauth__json_body(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                           bool require_json, gh_oauth_response *resp, json_t **out)
{
    size_t max = e->cfg->body_limit > 0 ? e->cfg->body_limit : GH_LIMIT_BODY_DEFAULT;
    char why[128] = "";
    gh_err err;

    *out = NULL;
    /* SPEC: RFC7591 3.1 the client sends an HTTP POST with Content-Type application/json */
    if ((require_json || req->content_type != NULL) &&
        (req->content_type == NULL || strcmp(req->content_type, "application/json") != 0)) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "the Content-Type must be application/json");
        return GH_OK;
    }
    if (req->body == NULL || req->body_len == 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_CLIENT_METADATA,
                       "the body must be a JSON object of client metadata");
        return GH_OK;
    }
    err = gh_json_parse_object(req->body, req->body_len, max, out, why, sizeof(why));
    if (err == GH_ETOOBIG) {
        gh_oauth_error(resp, 413, GH_E_INVALID_REQUEST, "the body is too large");
        return GH_OK;
    }
    if (err != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_CLIENT_METADATA,
                       gh_arena_printf(ctx->arena, "the body is not a JSON object%s%s",
                                       why[0] != '\0' ? ": " : "", why));
        return GH_OK;
    }
    return GH_OK;
}

gh_err gh_oauth__client_commit(gh_engine *e, gh_ctx *ctx, gh_store_op_kind kind,
                               const gh_client *row, const char *scope, const char *actor,
                               const char *via, gh_oauth_response *resp, bool *ok)
{
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    gh_store_op op;
    const char *type;
    json_t *data;
    gh_err err;

    *ok = false;
    memset(&op, 0, sizeof(op));
    op.kind = kind;
    switch (kind) {
    case GH_OP_CLIENT_INSERT:
        op.u.client = row;
        type = GH_AUDIT_CLIENT_CREATED;
        break;
    case GH_OP_CLIENT_UPDATE:
        op.u.client = row;
        type = GH_AUDIT_CLIENT_UPDATED;
        break;
    case GH_OP_CLIENT_DELETE:
        op.u.revoke.id = row->client_id;
        op.u.revoke.at = ctx->now;
        type = GH_AUDIT_CLIENT_DELETED;
        break;
    default:
        gh_ctx_fail(ctx, "client commit with operation %d", (int)kind);
        return GH_EINTERNAL;
    }
    gh_store_txn_add(t, &op);
    data = json_object();
    json_object_set_new(data, "via", json_string(via));
    /* The change and its audit event commit together, before the response. */
    gh_oauth__audit(ctx, t, type, actor, row->client_id, NULL, NULL, scope, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (kind != GH_OP_CLIENT_INSERT)
        gh_oauth__client_invalidate(e, row->client_id);
    if (err == GH_ECONFLICT) {
        gh_oauth_error(resp, 409, GH_E_CONFLICT, "a client with this client_id exists");
        return GH_OK;
    }
    if (err == GH_ENOTFOUND) {
        no_such_client(resp);
        return GH_OK;
    }
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "committing client %s failed: %s", row->client_id, gh_err_str(err));
        return err;
    }
    *ok = true;
    return GH_OK;
}

/* Who writes, for the audit event: the admin, or a registered client acting on itself. */
static void client_writer(gh_ctx *ctx, gh_oauth_client_src src, const char *client_id,
                          const char **actor, const char **via)
{
    if (src == GH_OAUTH_SRC_DCR) {
        *actor = gh_arena_printf(ctx->arena, "client:%s", client_id);
        *via = "registration";
    } else {
        *actor = "admin";
        *via = "admin";
    }
}

gh_err gh_oauth__client_write_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                      gh_oauth_client_src src, const gh_client *existing,
                                      gh_oauth_client_reply_fn reply, gh_oauth_response *resp)
{
    json_t *in = NULL;
    gh_oauth_client_write w;
    gh_oauth_meta_err merr;
    const char *actor, *via;
    bool ok = false;
    gh_err err;

    err = gh_oauth__json_body(e, ctx, req, src == GH_OAUTH_SRC_DCR, resp, &in);
    if (err != GH_OK || in == NULL)
        return err;
    err = gh_oauth__client_prepare(e, ctx, in, src, existing, &w, &merr);
    if (err != GH_OK)
        goto done;
    if (merr.code != NULL) {
        gh_oauth__meta_error(resp, &merr);
        goto done;
    }
    client_writer(ctx, src, w.row.client_id, &actor, &via);
    err = gh_oauth__client_commit(e, ctx,
                                  existing == NULL ? GH_OP_CLIENT_INSERT : GH_OP_CLIENT_UPDATE,
                                  &w.row, w.scope, actor, via, resp, &ok);
    if (err != GH_OK || !ok)
        goto done;
    /* A create answers 201 Created (RFC 7591 3.2.1 for registration), an update 200. */
    err = reply(e, ctx, &w, existing == NULL ? 201 : 200, resp);
done:
    json_decref(in);
    return err;
}

gh_err gh_oauth__client_delete_request(gh_engine *e, gh_ctx *ctx, gh_oauth_client_src src,
                                       const char *client_id, gh_oauth_response *resp)
{
    gh_client del;
    const char *actor, *via;
    bool ok = false;
    gh_err err;

    memset(&del, 0, sizeof(del));
    del.client_id = client_id;
    client_writer(ctx, src, client_id, &actor, &via);
    err = gh_oauth__client_commit(e, ctx, GH_OP_CLIENT_DELETE, &del, NULL, actor, via, resp, &ok);
    if (err == GH_OK && ok) {
        gh_oauth_response_clear(resp);
        resp->status = 204;
    }
    return err;
}

/* ---- responses ---- */

/* 200/201 with the client and, once, its secret (a gh_oauth_client_reply_fn). */
static gh_err client_reply(gh_engine *e, gh_ctx *ctx, const gh_oauth_client_write *w, int status,
                           gh_oauth_response *resp)
{
    json_t *body = NULL;
    gh_err err = gh_oauth__client_row_json(&w->row, &body);

    (void)e;
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "client %s: the stored document does not parse", w->row.client_id);
        return GH_EINTERNAL;
    }
    if (w->secret != NULL) {
        json_object_set_new(body, "client_secret", json_string(w->secret));
        resp->no_store = true;
    }
    gh_oauth_response_clear(resp);
    resp->status = status;
    resp->body = body;
    return GH_OK;
}

static void method_not_allowed(gh_oauth_response *resp)
{
    gh_oauth_error(resp, 405, GH_E_METHOD_NOT_ALLOWED, "method not allowed");
}

/* ---- GET /admin/clients ---- */

static gh_err list_clients(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                           gh_oauth_response *resp)
{
    const char *ps = NULL, *pt = NULL, *after = NULL;
    int64_t size = ADMIN_PAGE_DEFAULT;
    gh_client *rows = NULL;
    size_t n = 0;
    json_t *arr;
    gh_err err;

    if (gh_form_get_one(req->query, "page_size", &ps) != GH_OK ||
        gh_form_get_one(req->query, "page_token", &pt) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "a paging parameter is repeated");
        return GH_OK;
    }
    if (ps != NULL && gh_str_to_i64(ps, 1, GH_LIMIT_LIST_PAGE, &size) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       gh_arena_printf(ctx->arena, "page_size must be an integer from 1 to %d",
                                       GH_LIMIT_LIST_PAGE));
        return GH_OK;
    }
    if (pt != NULL) {
        unsigned char *raw = NULL;
        size_t rawlen = 0;
        if (strlen(pt) > 2 * GH_LIMIT_CLIENT_STRING ||
            gh_b64url_decode(ctx->arena, pt, strlen(pt), &raw, &rawlen) != GH_OK || rawlen == 0 ||
            memchr(raw, '\0', rawlen) != NULL || !gh_str_utf8((const char *)raw, rawlen)) {
            gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "page_token is not valid");
            return GH_OK;
        }
        after = (const char *)raw;
    }
    /* One more than the page, to know whether there is a next one. */
    err = gh_store_client_list(e->store, after, (size_t)size + 1, ctx->arena, &rows, &n);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "listing clients failed: %s", gh_err_str(err));
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n && i < (size_t)size; i++) {
        json_t *c = NULL;
        if (gh_oauth__client_row_json(&rows[i], &c) != GH_OK) {
            gh_ctx_fail(ctx, "client %s: the stored document does not parse", rows[i].client_id);
            json_decref(arr);
            return GH_EINTERNAL;
        }
        json_array_append_new(arr, c);
    }
    if (n > (size_t)size) {
        const char *last = rows[size - 1].client_id;
        char *tok = gh_b64url_encode_a(ctx->arena, (const unsigned char *)last, strlen(last));
        resp->link = gh_arena_printf(ctx->arena,
                                     "</admin/clients?page_size=%lld&page_token=%s>; "
                                     "rel=\"next\"",
                                     (long long)size, tok);
    }
    resp->status = 200;
    resp->body = arr;
    return GH_OK;
}

/* ---- POST /admin/clients ---- */

gh_err gh_oauth_admin_clients(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                              gh_oauth_response *resp)
{
    if (strcmp(req->method, "GET") == 0)
        return list_clients(e, ctx, req, resp);
    if (strcmp(req->method, "POST") == 0)
        return gh_oauth__client_write_request(e, ctx, req, GH_OAUTH_SRC_ADMIN, NULL, client_reply,
                                              resp);
    method_not_allowed(resp);
    return GH_OK;
}

/* ---- /admin/clients/{id} ---- */

gh_err gh_oauth_admin_client(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                             gh_oauth_response *resp)
{
    gh_client *row = NULL;
    gh_err err;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "PUT") != 0 &&
        strcmp(req->method, "DELETE") != 0) {
        method_not_allowed(resp);
        return GH_OK;
    }
    if (req->path_arg == NULL || req->path_arg[0] == '\0') {
        no_such_client(resp);
        return GH_OK;
    }
    if (strcmp(req->method, "DELETE") == 0)
        return gh_oauth__client_delete_request(e, ctx, GH_OAUTH_SRC_ADMIN, req->path_arg, resp);
    err = gh_store_client_get(e->store, req->path_arg, ctx->arena, &row);
    if (err == GH_ENOTFOUND) {
        no_such_client(resp);
        return GH_OK;
    }
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "reading client failed: %s", gh_err_str(err));
        return err;
    }
    if (strcmp(req->method, "GET") == 0) {
        gh_oauth_client_write view = {.row = *row};
        return client_reply(e, ctx, &view, 200, resp);
    }
    return gh_oauth__client_write_request(e, ctx, req, GH_OAUTH_SRC_ADMIN, row, client_reply, resp);
}
