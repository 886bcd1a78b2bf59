/*
 * dns_api.c - gatehouse-dns-api, a demo platform API on the resource-server kit
 * (rs/gatehouse_rs.h): DNS records and firewall logs over REST and over MCP, every request
 * authorized with an access token that gatehouse issued for this resource.
 *
 *   gatehouse-dns-api [--listen HOST:PORT] [--db FILE] [--issuer URL] [--resource URI]
 *                     [--leeway SECONDS]
 *
 * Environment (argv wins): DNS_API_LISTEN (default 127.0.0.1:8081), DNS_API_DB (dns-api.db),
 * DNS_API_ISSUER (required), DNS_API_RESOURCE (required), DNS_API_CLIENT_ID and
 * DNS_API_CLIENT_SECRET (this resource server's client, to introspect opaque tokens and to
 * check writes online), DNS_API_METADATA_URL (where clients fetch the RFC 9728 metadata;
 * default http://HOST:PORT/.well-known/oauth-protected-resource, this server itself),
 * DNS_API_LEEWAY (the clock skew allowed on exp and nbf, 0..3600 seconds; default 30).
 *
 * Routes: GET /zones/{zone}/records (dns:read), POST /zones/{zone}/records,
 * PUT|DELETE /zones/{zone}/records/{id} (dns:write), GET /logs[?limit=&action=] (logs:read),
 * GET /.well-known/oauth-protected-resource (RFC 9728 2, no token), GET /health, and
 * POST /mcp: MCP streamable HTTP (protocol 2025-06-18) answering each JSON-RPC 2.0 request
 * with one application/json response: initialize, ping, notifications (202), tools/list and
 * tools/call, whose tools map to the REST operations with the same scopes. REST routes and
 * tools run through one operation path (op_perform): every operation called with a token that
 * could be checked (allowed, refused for its scope, or failed) is reported to gatehouse's
 * audit trail with gh_rs_report, under its tool name and with the tool's arguments (REST
 * builds them from its path, query and body), before the answer is sent; the model id comes
 * from an MCP call's params._meta, else the X-Model-Id header, else "unknown". A request
 * without a token or with one that is not active is not reported (the report authenticates
 * with the token).
 *
 * Authorization (RFC 6750, RFC 9728 5.1, MCP 2025-06-18 authorization): no token is 401 with
 * WWW-Authenticate Bearer resource_metadata=...; an unacceptable token is 401 invalid_token;
 * a missing scope is 403 insufficient_scope with scope="..." (for MCP too, with the JSON-RPC
 * error in the body). Reads trust a valid JWT until it expires and an introspection answer for
 * 30 s (short-lived tokens); writes (POST, PUT, DELETE and the create, update and delete
 * tools) are checked online with gh_rs_verify_online when the API has client credentials, so
 * a revoked token or consent can no longer write from the moment it is revoked.
 *
 * What it is not: a real DNS server, an SSE stream (GET /mcp is 405), or a session-keeping MCP
 * server. Bodies are bounded (64 KiB); every input is checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns_store.h"
#include "gatehouse_rs.h"

#define BODY_MAX (64 * 1024)
#define URL_MAX 2048
#define MCP_PROTOCOL "2025-06-18"
#define SERVER_NAME "gatehouse-dns-api"
#define SERVER_VERSION "0.1.0"

typedef struct app {
    gh_rs *rs;
    dns_store *store;
    bool online; /* client credentials are set: writes are checked online */
} app;

/* One request's upload, kept across the access-handler calls of a connection. */
typedef struct req {
    char *body;
    size_t len;
    bool too_big;
} req;

/* ---- responses ---------------------------------------------------------------------- */

/* Sends body (stolen; NULL: an empty body) with status and the optional challenge. */
static enum MHD_Result send_json(struct MHD_Connection *c, int status, json_t *body,
                                 const char *www_authenticate)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    char *text = NULL;

    if (body != NULL) {
        text = json_dumps(body, JSON_COMPACT);
        json_decref(body);
    }
    if (text != NULL) {
        r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
        if (r == NULL)
            free(text);
    } else {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    }
    if (r == NULL)
        return MHD_NO;
    if (text != NULL)
        MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (www_authenticate != NULL)
        MHD_add_response_header(r, "WWW-Authenticate", www_authenticate);
    ret = MHD_queue_response(c, (unsigned int)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *code,
                                  const char *desc)
{
    return send_json(c, status,
                     json_pack("{s:s, s:s}", "error", code, "error_description", desc), NULL);
}

/* ---- authorization ------------------------------------------------------------------ */

typedef enum auth_outcome {
    AUTH_OK,      /* token active (its scope is checked by op_perform) */
    AUTH_REFUSED, /* *status and *challenge set: 401 */
    AUTH_FAILED   /* the issuer could not be reached or the kit failed: 503 */
} auth_outcome;

/* Verifies the request's bearer token (online: with gh_rs_verify_online, asking gatehouse
 * now). On AUTH_REFUSED *challenge is a heap WWW-Authenticate value. t (cleared first) is
 * filled in any case. */
static auth_outcome authorize(app *a, struct MHD_Connection *c, bool online, gh_rs_token *t,
                              int *status, char **challenge)
{
    const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *token = hdr != NULL ? gh_rs_bearer(hdr) : NULL;
    gh_rs_refusal kind;

    *challenge = NULL;
    gh_rs_token_clear(t);
    if (token == NULL || token[0] == '\0') {
        kind = GH_RS_NO_TOKEN;
    } else {
        gh_rs_err e = online ? gh_rs_verify_online(a->rs, token, t) : gh_rs_verify(a->rs, token, t);
        if (e != GH_RS_OK) {
            fprintf(stderr, "dns-api: token check failed: %s\n", gh_rs_err_str(e));
            return AUTH_FAILED;
        }
        if (t->active)
            return AUTH_OK;
        kind = GH_RS_INVALID_TOKEN;
    }
    if (gh_rs_challenge(a->rs, kind, NULL, NULL, status, challenge) != GH_RS_OK)
        return AUTH_FAILED;
    return AUTH_REFUSED;
}

/* The error code of a 401's JSON body. */
static const char *refusal_code(struct MHD_Connection *c)
{
    if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") == NULL)
        return "unauthorized";
    return "invalid_token";
}

/* ---- operations: one path for REST and MCP ------------------------------------------ */

/* Parses a positive decimal id (digits only, no sign, fits int64). */
static bool parse_id(const char *s, size_t len, int64_t *out)
{
    int64_t v = 0;
    if (len == 0 || len > 18)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0)
        return false;
    *out = v;
    return true;
}

/* The operations, in the order of tool_names. */
typedef enum op_kind { OP_LIST, OP_CREATE, OP_UPDATE, OP_DELETE, OP_LOGS } op_kind;

static const char *op_scope(op_kind k)
{
    switch (k) {
    case OP_LIST:
        return "dns:read";
    case OP_LOGS:
        return "logs:read";
    case OP_CREATE:
    case OP_UPDATE:
    case OP_DELETE:
        return "dns:write";
    }
    return "dns:write";
}

/* True if k changes records and the API can check it online: see the file comment. */
static bool check_online(const app *a, op_kind k)
{
    return a->online && (k == OP_CREATE || k == OP_UPDATE || k == OP_DELETE);
}

/* One operation's arguments, from a REST path and body or from MCP tool arguments. */
typedef struct op_args {
    char zone[256];
    int64_t id;
    const json_t *in; /* the record fields (create, update) */
    int64_t limit;
    const char *action;
} op_args;

static void op_run(app *a, op_kind k, const op_args *args, dns_result *out)
{
    switch (k) {
    case OP_LIST:
        dns_store_list(a->store, args->zone, out);
        break;
    case OP_CREATE:
        dns_store_create(a->store, args->zone, args->in, out);
        break;
    case OP_UPDATE:
        dns_store_update(a->store, args->zone, args->id, args->in, out);
        break;
    case OP_DELETE:
        dns_store_delete(a->store, args->zone, args->id, out);
        break;
    case OP_LOGS:
        dns_store_logs(a->store, args->limit, args->action, out);
        break;
    }
    if (out->body == NULL)
        dns_result_error(out, 500, "server_error", "out of memory");
}


/* The MCP tool of each operation: its name in tools/call and in the audit trail, for REST
 * too. Indexed by op_kind. */
static const char *const tool_names[] = {"list_records", "create_record", "update_record",
                                         "delete_record", "read_logs"};
_Static_assert(sizeof(tool_names) / sizeof(tool_names[0]) == OP_LOGS + 1, "a name per op_kind");

static const char *op_tool(op_kind k)
{
    return tool_names[k];
}

/* Maps a tool name to its operation; false for an unknown tool. */
static bool tool_op(const char *name, op_kind *k)
{
    for (size_t i = 0; i < sizeof(tool_names) / sizeof(tool_names[0]); i++) {
        if (strcmp(name, tool_names[i]) == 0) {
            *k = (op_kind)i;
            return true;
        }
    }
    return false;
}

/* Fills args from the tool arguments; false with a message for invalid ones. */
static bool tool_args(op_kind k, const json_t *targs, op_args *args, const char **why)
{
    const json_t *zone = json_object_get(targs, "zone");
    const json_t *id = json_object_get(targs, "id");
    const json_t *limit = json_object_get(targs, "limit");
    const json_t *action = json_object_get(targs, "action");

    if (k == OP_LOGS) {
        args->limit = 50;
        if (limit != NULL) {
            if (!json_is_integer(limit)) {
                *why = "limit must be an integer";
                return false;
            }
            args->limit = json_integer_value(limit);
        }
        if (action != NULL && !json_is_string(action)) {
            *why = "action must be a string";
            return false;
        }
        args->action = json_string_value(action);
        return true;
    }
    if (!json_is_string(zone) || json_string_length(zone) == 0 ||
        json_string_length(zone) >= sizeof(args->zone)) {
        *why = "zone is required";
        return false;
    }
    memcpy(args->zone, json_string_value(zone), json_string_length(zone) + 1);
    if (strlen(args->zone) != json_string_length(zone)) {
        *why = "invalid zone";
        return false;
    }
    if (k == OP_UPDATE || k == OP_DELETE) {
        if (!json_is_integer(id) || json_integer_value(id) < 1) {
            *why = "id must be a positive integer";
            return false;
        }
        args->id = json_integer_value(id);
    }
    if (k == OP_CREATE || k == OP_UPDATE) {
        json_t *fields = json_deep_copy(targs);
        if (fields == NULL) {
            *why = "out of memory";
            return false;
        }
        json_object_del(fields, "zone");
        json_object_del(fields, "id");
        args->in = fields; /* freed by the caller */
    }
    return true;
}

/* The model id for the audit trail: an MCP call's params._meta (model_id, modelId or
 * io.gatehouse/model_id), else the X-Model-Id header (params NULL: a REST request), else
 * "unknown". */
static const char *model_id(struct MHD_Connection *c, const json_t *params)
{
    const json_t *meta = json_object_get(params, "_meta");
    static const char *const keys[] = {"model_id", "modelId", "io.gatehouse/model_id"};
    const char *h;
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const json_t *v = json_object_get(meta, keys[i]);
        if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 200)
            return json_string_value(v);
    }
    h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Model-Id");
    if (h != NULL && h[0] != '\0' && strlen(h) <= 200)
        return h;
    return "unknown";
}

/* Reports one call to gatehouse's audit trail with the request's own token (synchronously:
 * the event is recorded before the caller gets the answer). A failed report is logged and
 * does not change the answer. */
static void report(app *a, struct MHD_Connection *c, const char *model, const char *tool,
                   const json_t *targs, const char *outcome, const char *response)
{
    const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *token = hdr != NULL ? gh_rs_bearer(hdr) : NULL;
    char *args_text = targs != NULL ? json_dumps(targs, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    gh_rs_call call = {model, tool, args_text, outcome, response};
    long status = 0;

    if (token != NULL && gh_rs_report(a->rs, token, &call, &status) != GH_RS_OK)
        fprintf(stderr, "dns-api: audit report of %s failed (HTTP %ld)\n", tool, status);
    free(args_text);
}

/* One call of an operation, over REST or MCP. */
typedef struct op_call {
    op_kind k;
    const char *tool;    /* the MCP tool name of k: the audit event's "tool" */
    const json_t *targs; /* the tool's arguments object (may be NULL): REST builds the same
                            object from its path, query and body */
    const char *model;   /* the model id reported */
    int in_status;       /* REST: the body could not be read (413, 400) ... */
    const char *in_desc; /* ... and why; the call then fails after the scope check */
} op_call;

typedef enum op_end {
    OP_DENIED,  /* the token lacks the scope: res is 403, challenge set (NULL if it failed) */
    OP_INVALID, /* the arguments were refused: res is a 4xx invalid_request */
    OP_RAN      /* the operation ran: res is its answer (2xx or its own error) */
} op_end;

/* Checks the scope of call's operation on t (an active token; for a write, gatehouse's
 * online answer), checks the arguments, runs the operation and reports the call with its
 * outcome (ok, denied or error) and the answer's body. *res is always filled (free with
 * dns_result_clear); *challenge (heap or NULL) only for OP_DENIED. */
static op_end op_perform(app *a, struct MHD_Connection *c, const op_call *call,
                         const gh_rs_token *t, dns_result *res, char **challenge)
{
    const char *scope = op_scope(call->k), *why = NULL, *outcome;
    op_args args;
    op_end end;
    char *text;
    int status = 0;

    memset(&args, 0, sizeof(args));
    *challenge = NULL;
    res->status = 0;
    res->body = NULL;
    if (!gh_rs_require_scope(t, scope)) {
        /* SPEC: RFC6750 3.1, MCP 2025-06-18 authorization: insufficient scope is 403 with
         * the challenge */
        if (gh_rs_challenge(a->rs, GH_RS_INSUFFICIENT_SCOPE, scope, NULL, &status,
                            challenge) != GH_RS_OK)
            *challenge = NULL;
        res->status = 403;
        res->body = json_pack("{s:s}", "error", "insufficient_scope");
        end = OP_DENIED;
        outcome = "denied";
    } else if (call->in_status != 0) {
        dns_result_error(res, call->in_status, "invalid_request", call->in_desc);
        end = OP_INVALID;
        outcome = "error";
    } else {
        json_t *empty = json_object();
        bool ok = empty != NULL &&
                  tool_args(call->k, call->targs != NULL ? call->targs : empty, &args, &why);
        json_decref(empty);
        if (ok) {
            op_run(a, call->k, &args, res);
            json_decref((json_t *)args.in);
            end = OP_RAN;
            outcome = res->status < 300 ? "ok" : "error";
        } else {
            dns_result_error(res, 400, "invalid_request", why != NULL ? why : "out of memory");
            end = OP_INVALID;
            outcome = "error";
        }
    }
    if (res->body == NULL)
        dns_result_error(res, 500, "server_error", "out of memory");
    text = json_dumps(res->body, JSON_COMPACT);
    report(a, c, call->model, call->tool, call->targs, outcome, text);
    free(text);
    return end;
}

/* ---- REST --------------------------------------------------------------------------- */

/* Matches /zones/{zone}/records[/{id}] into zone (NUL-terminated) and *id; returns 0 (no
 * match), 1 (collection), 2 (item). */
static int match_records(const char *url, char zone[256], int64_t *id)
{
    const char *p, *slash;
    size_t zlen;
    if (strncmp(url, "/zones/", 7) != 0)
        return 0;
    p = url + 7;
    slash = strchr(p, '/');
    if (slash == NULL)
        return 0;
    zlen = (size_t)(slash - p);
    if (zlen == 0 || zlen >= 256)
        return 0;
    memcpy(zone, p, zlen);
    zone[zlen] = '\0';
    p = slash;
    if (strcmp(p, "/records") == 0)
        return 1;
    if (strncmp(p, "/records/", 9) != 0)
        return 0;
    p += 9;
    if (!parse_id(p, strlen(p), id))
        return 0;
    return 2;
}

/* Sets key of o to the string v; false when v is not UTF-8 (or memory ran out). */
static bool set_str(json_t *o, const char *key, const char *v)
{
    return json_object_set_new(o, key, json_string(v)) == 0;
}

/* The tool arguments of a REST request, as an MCP call of its tool carries them: the route's
 * operation in *k and, in *out (new reference), zone and id from the path, limit (an integer
 * when it is one, else the text given, which the tool's check refuses) and action from the
 * query. Answers the request itself (404, 405, 400) and returns false when it has no
 * operation or its path or query is not UTF-8. */
static bool rest_route(struct MHD_Connection *c, const char *url, const char *method,
                       op_kind *k, json_t **out, enum MHD_Result *ret)
{
    char zone[256];
    int64_t id = 0, v;
    int m;
    json_t *targs = json_object();
    bool ok = targs != NULL;

    *out = NULL;
    if (strcmp(url, "/logs") == 0) {
        const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
        const char *action = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "action");
        if (strcmp(method, "GET") != 0) {
            *ret = send_error(c, 405, "method_not_allowed", "GET only");
            json_decref(targs);
            return false;
        }
        *k = OP_LOGS;
        if (ok && limit != NULL)
            ok = parse_id(limit, strlen(limit), &v)
                     ? json_object_set_new(targs, "limit", json_integer((json_int_t)v)) == 0
                     : set_str(targs, "limit", limit);
        if (ok && action != NULL)
            ok = set_str(targs, "action", action);
    } else if ((m = match_records(url, zone, &id)) != 0) {
        if (m == 1 && strcmp(method, "GET") == 0)
            *k = OP_LIST;
        else if (m == 1 && strcmp(method, "POST") == 0)
            *k = OP_CREATE;
        else if (m == 2 && strcmp(method, "PUT") == 0)
            *k = OP_UPDATE;
        else if (m == 2 && strcmp(method, "DELETE") == 0)
            *k = OP_DELETE;
        else {
            *ret = send_error(c, 405, "method_not_allowed", "method not allowed on this route");
            json_decref(targs);
            return false;
        }
        ok = ok && set_str(targs, "zone", zone);
        if (ok && m == 2)
            ok = json_object_set_new(targs, "id", json_integer((json_int_t)id)) == 0;
    } else {
        *ret = send_error(c, 404, "not_found", "no such route");
        json_decref(targs);
        return false;
    }
    if (!ok) {
        *ret = send_error(c, 400, "invalid_request", "the path and query must be UTF-8");
        json_decref(targs);
        return false;
    }
    *out = targs;
    return true;
}

/* Adds the record fields of a create or update body to targs (the path's zone and id win);
 * sets call->in_status and call->in_desc when the body cannot be used. */
static void rest_body(const req *rq, json_t *targs, op_call *call)
{
    json_error_t jerr;
    json_t *in;
    const char *key;
    json_t *v;

    if (rq->too_big) {
        call->in_status = 413;
        call->in_desc = "the body is too large";
        return;
    }
    in = json_loadb(rq->body != NULL ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(in)) {
        call->in_status = 400;
        call->in_desc = in == NULL ? "the body is not JSON" : "the body must be a JSON object";
        json_decref(in);
        return;
    }
    json_object_foreach(in, key, v)
    {
        if (strcmp(key, "zone") != 0 && strcmp(key, "id") != 0 &&
            json_object_set(targs, key, v) != 0) {
            call->in_status = 400;
            call->in_desc = "the body could not be read";
            break;
        }
    }
    json_decref(in);
}

static enum MHD_Result rest(app *a, struct MHD_Connection *c, const char *url,
                            const char *method, const req *rq)
{
    op_call call;
    gh_rs_token t;
    int status = 0;
    char *challenge = NULL;
    json_t *targs = NULL;
    dns_result res = {0, NULL};
    enum MHD_Result ret;
    auth_outcome ao;

    memset(&call, 0, sizeof(call));
    memset(&t, 0, sizeof(t));
    if (!rest_route(c, url, method, &call.k, &targs, &ret))
        return ret;
    /* a write asks gatehouse now (a revoked token is 401 even without the scope); the scope
     * is then checked on its answer by op_perform */
    ao = authorize(a, c, check_online(a, call.k), &t, &status, &challenge);
    if (ao == AUTH_FAILED) {
        ret = send_error(c, 503, "temporarily_unavailable", "the token could not be checked");
        goto done;
    }
    if (ao == AUTH_REFUSED) {
        ret = send_json(c, status, json_pack("{s:s}", "error", refusal_code(c)), challenge);
        goto done;
    }
    if (call.k == OP_CREATE || call.k == OP_UPDATE)
        rest_body(rq, targs, &call);
    call.tool = op_tool(call.k);
    call.targs = targs;
    call.model = model_id(c, NULL);
    if (op_perform(a, c, &call, &t, &res, &challenge) == OP_DENIED && challenge == NULL) {
        ret = send_error(c, 500, "server_error", "challenge failed");
        goto done;
    }
    ret = send_json(c, res.status, res.body, challenge);
    res.body = NULL;
done:
    dns_result_clear(&res);
    json_decref(targs);
    free(challenge);
    gh_rs_token_clear(&t);
    return ret;
}

/* ---- MCP ---------------------------------------------------------------------------- */

static json_t *schema_zone(void)
{
    return json_pack("{s:s, s:s}", "type", "string", "description", "the zone, e.g. example.com");
}

static json_t *schema_record_fields(json_t *props)
{
    json_object_set_new(props, "name",
                        json_pack("{s:s, s:s}", "type", "string", "description",
                                  "the record name within the zone (@ for the apex)"));
    json_object_set_new(props, "type",
                        json_pack("{s:s, s:[s,s,s,s,s,s]}", "type", "string", "enum", "A",
                                  "AAAA", "CNAME", "MX", "NS", "TXT"));
    json_object_set_new(props, "value", json_pack("{s:s}", "type", "string"));
    json_object_set_new(props, "ttl",
                        json_pack("{s:s, s:i, s:i}", "type", "integer", "minimum", 60,
                                  "maximum", 86400));
    return props;
}

static json_t *tools_list(void)
{
    json_t *create_props = schema_record_fields(json_pack("{s:o}", "zone", schema_zone()));
    json_t *update_props = schema_record_fields(
        json_pack("{s:o, s:{s:s, s:i}}", "zone", schema_zone(), "id", "type", "integer",
                  "minimum", 1));
    return json_pack(
        "{s:[{s:s, s:s, s:{s:s, s:{s:o}, s:[s]}},"
        "    {s:s, s:s, s:{s:s, s:o, s:[s,s,s,s]}},"
        "    {s:s, s:s, s:{s:s, s:o, s:[s,s]}},"
        "    {s:s, s:s, s:{s:s, s:{s:o, s:{s:s, s:i}}, s:[s,s]}},"
        "    {s:s, s:s, s:{s:s, s:{s:{s:s, s:i, s:i}, s:{s:s, s:[s,s]}}}}]}",
        "tools",
        /* list_records */
        "name", "list_records", "description", "List the DNS records of a zone (dns:read).",
        "inputSchema", "type", "object", "properties", "zone", schema_zone(), "required", "zone",
        /* create_record */
        "name", "create_record", "description", "Create a DNS record in a zone (dns:write).",
        "inputSchema", "type", "object", "properties", create_props, "required", "zone", "name",
        "type", "value",
        /* update_record */
        "name", "update_record",
        "description", "Change fields of a DNS record (dns:write).", "inputSchema", "type",
        "object", "properties", update_props, "required", "zone", "id",
        /* delete_record */
        "name", "delete_record", "description", "Delete a DNS record (dns:write).",
        "inputSchema", "type", "object", "properties", "zone", schema_zone(), "id", "type",
        "integer", "minimum", 1, "required", "zone", "id",
        /* read_logs */
        "name", "read_logs", "description", "Read the newest firewall log lines (logs:read).",
        "inputSchema", "type", "object", "properties", "limit", "type", "integer", "minimum", 1,
        "maximum", 500, "action", "type", "string", "enum", "allow", "deny");
}

static json_t *rpc_error(json_t *id, int code, const char *message)
{
    return json_pack("{s:s, s:O, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
                     id != NULL ? id : json_null(), "error", "code", code, "message", message);
}

static json_t *rpc_result(json_t *id, json_t *result /* stolen */)
{
    return json_pack("{s:s, s:O, s:o}", "jsonrpc", "2.0", "id", id, "result", result);
}

/* tools/call: a write's online check (t then holding gatehouse's answer), then op_perform. */
static enum MHD_Result mcp_call(app *a, struct MHD_Connection *c, json_t *id, json_t *params,
                                gh_rs_token *t)
{
    const json_t *name = json_object_get(params, "name");
    json_t *targs = json_object_get(params, "arguments");
    op_call call;
    char *challenge = NULL, *text = NULL;
    const char *why;
    int status = 0;
    dns_result res = {0, NULL};
    json_t *result;
    enum MHD_Result ret;

    memset(&call, 0, sizeof(call));
    if (!json_is_string(name) || !tool_op(json_string_value(name), &call.k))
        return send_json(c, 200, rpc_error(id, -32602, "unknown tool"), NULL);
    if (targs != NULL && !json_is_object(targs))
        return send_json(c, 200, rpc_error(id, -32602, "arguments must be an object"), NULL);

    /* a write asks gatehouse now (a revoked token is 401 even without the scope); the scope
     * is then checked on its answer */
    if (check_online(a, call.k)) {
        auth_outcome ao = authorize(a, c, true, t, &status, &challenge);
        if (ao == AUTH_FAILED)
            return send_error(c, 503, "temporarily_unavailable", "the token could not be checked");
        if (ao == AUTH_REFUSED) {
            ret = send_json(c, status, rpc_error(id, -32001, refusal_code(c)), challenge);
            free(challenge);
            return ret;
        }
    }
    call.tool = op_tool(call.k);
    call.targs = targs;
    call.model = model_id(c, params);
    switch (op_perform(a, c, &call, t, &res, &challenge)) {
    case OP_DENIED:
        if (challenge == NULL)
            ret = send_error(c, 500, "server_error", "challenge failed");
        else
            ret = send_json(c, res.status, rpc_error(id, -32001, "insufficient_scope"),
                            challenge);
        break;
    case OP_INVALID:
        why = json_string_value(json_object_get(res.body, "error_description"));
        ret = send_json(c, 200,
                        rpc_error(id, -32602, why != NULL ? why : "invalid arguments"),
                        NULL);
        break;
    case OP_RAN:
    default:
        text = json_dumps(res.body, JSON_COMPACT);
        result = json_pack("{s:[{s:s, s:s}], s:O, s:b}", "content", "type", "text", "text",
                           text != NULL ? text : "", "structuredContent", res.body, "isError",
                           res.status >= 300);
        free(text);
        if (result == NULL)
            ret = send_error(c, 500, "server_error", "out of memory");
        else
            ret = send_json(c, 200, rpc_result(id, result), NULL);
        break;
    }
    dns_result_clear(&res);
    free(challenge);
    return ret;
}

static enum MHD_Result mcp(app *a, struct MHD_Connection *c, const char *method, const req *rq)
{
    json_t *msg = NULL, *id, *params;
    const json_t *jm;
    const char *m;
    json_error_t jerr;
    gh_rs_token t;
    int status = 0;
    char *challenge = NULL;
    enum MHD_Result ret;
    auth_outcome ao;

    memset(&t, 0, sizeof(t));
    if (strcmp(method, "POST") != 0) {
        /* no server-sent event stream on GET (streamable HTTP allows 405) */
        struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (r == NULL)
            return MHD_NO;
        MHD_add_response_header(r, "Allow", "POST");
        ret = MHD_queue_response(c, 405, r);
        MHD_destroy_response(r);
        return ret;
    }
    /* SPEC: MCP 2025-06-18 authorization: every request carries a token */
    ao = authorize(a, c, false, &t, &status, &challenge);
    if (ao == AUTH_FAILED) {
        ret = send_error(c, 503, "temporarily_unavailable", "the token could not be checked");
        goto done;
    }
    if (ao == AUTH_REFUSED) {
        ret = send_json(c, status, json_pack("{s:s}", "error", refusal_code(c)),
                        challenge);
        goto done;
    }
    if (rq->too_big) {
        ret = send_json(c, 413, rpc_error(NULL, -32600, "request too large"), NULL);
        goto done;
    }
    msg = json_loadb(rq->body != NULL ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES, &jerr);
    if (msg == NULL) {
        ret = send_json(c, 400, rpc_error(NULL, -32700, "parse error"), NULL);
        goto done;
    }
    id = json_object_get(msg, "id");
    jm = json_object_get(msg, "method");
    params = json_object_get(msg, "params");
    if (!json_is_object(msg) || !json_is_string(json_object_get(msg, "jsonrpc")) ||
        strcmp(json_string_value(json_object_get(msg, "jsonrpc")), "2.0") != 0) {
        ret = send_json(c, 400, rpc_error(NULL, -32600, "not a JSON-RPC 2.0 message"), NULL);
        goto done;
    }
    if (!json_is_string(jm)) {
        /* a response from the client is accepted with nothing to say; else it is invalid */
        if (jm == NULL && (json_object_get(msg, "result") != NULL ||
                           json_object_get(msg, "error") != NULL))
            ret = send_json(c, 202, NULL, NULL);
        else
            ret = send_json(c, 400, rpc_error(NULL, -32600, "no method"), NULL);
        goto done;
    }
    m = json_string_value(jm);
    if (id == NULL) { /* a notification, e.g. notifications/initialized */
        ret = send_json(c, 202, NULL, NULL);
        goto done;
    }
    if (!json_is_string(id) && !json_is_integer(id)) {
        ret = send_json(c, 400, rpc_error(NULL, -32600, "id must be a string or an integer"),
                        NULL);
        goto done;
    }
    if (params != NULL && !json_is_object(params)) {
        ret = send_json(c, 200, rpc_error(id, -32602, "params must be an object"), NULL);
        goto done;
    }
    if (strcmp(m, "initialize") == 0) {
        ret = send_json(c, 200,
                        rpc_result(id, json_pack("{s:s, s:{s:{}}, s:{s:s, s:s}, s:s}",
                                                 "protocolVersion", MCP_PROTOCOL, "capabilities",
                                                 "tools", "serverInfo", "name", SERVER_NAME,
                                                 "version", SERVER_VERSION, "instructions",
                                                 "DNS records and firewall logs of the demo "
                                                 "platform.")),
                        NULL);
    } else if (strcmp(m, "ping") == 0) {
        ret = send_json(c, 200, rpc_result(id, json_object()), NULL);
    } else if (strcmp(m, "tools/list") == 0) {
        ret = send_json(c, 200, rpc_result(id, tools_list()), NULL);
    } else if (strcmp(m, "tools/call") == 0) {
        ret = mcp_call(a, c, id, params, &t);
    } else {
        ret = send_json(c, 200, rpc_error(id, -32601, "method not found"), NULL);
    }
done:
    json_decref(msg);
    free(challenge);
    gh_rs_token_clear(&t);
    return ret;
}

/* ---- HTTP plumbing ------------------------------------------------------------------ */

static enum MHD_Result metadata(app *a, struct MHD_Connection *c)
{
    char *doc = NULL;
    json_t *j;
    if (gh_rs_metadata(a->rs, &doc) != GH_RS_OK)
        return send_error(c, 500, "server_error", "no metadata");
    j = json_loads(doc, 0, NULL);
    free(doc);
    if (j == NULL)
        return send_error(c, 500, "server_error", "no metadata");
    return send_json(c, 200, j, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    app *a = cls;
    req *rq = *con_cls;
    (void)version;

    if (rq == NULL) {
        rq = calloc(1, sizeof(*rq));
        if (rq == NULL)
            return MHD_NO;
        *con_cls = rq;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!rq->too_big && rq->len + *upload_size <= BODY_MAX) {
            char *nb = realloc(rq->body, rq->len + *upload_size + 1);
            if (nb == NULL)
                return MHD_NO;
            memcpy(nb + rq->len, upload, *upload_size);
            rq->len += *upload_size;
            nb[rq->len] = '\0';
            rq->body = nb;
        } else {
            rq->too_big = true; /* keep reading, answer 413 at the end */
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (strlen(url) > URL_MAX)
        return send_error(c, 414, "invalid_request", "the URL is too long");
    if (strcmp(url, "/.well-known/oauth-protected-resource") == 0 ||
        strncmp(url, "/.well-known/oauth-protected-resource/", 38) == 0) {
        if (strcmp(method, "GET") != 0)
            return send_error(c, 405, "method_not_allowed", "GET only");
        return metadata(a, c);
    }
    if (strcmp(url, "/health") == 0)
        return send_json(c, 200, json_pack("{s:s}", "status", "ok"), NULL);
    if (strcmp(url, "/mcp") == 0)
        return mcp(a, c, method, rq);
    return rest(a, c, url, method, rq);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    req *rq = *con_cls;
    (void)cls;
    (void)c;
    (void)toe;
    if (rq != NULL) {
        free(rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* Parses HOST:PORT (IPv4 literal or "localhost"). */
static bool parse_listen(const char *s, struct sockaddr_in *sa)
{
    const char *colon = strrchr(s, ':');
    char host[64];
    int64_t port;
    size_t hlen;

    memset(sa, 0, sizeof(*sa));
    if (colon == NULL)
        return false;
    hlen = (size_t)(colon - s);
    if (hlen == 0 || hlen >= sizeof(host) || !parse_id(colon + 1, strlen(colon + 1), &port) ||
        port > 65535)
        return false;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    if (strcmp(host, "localhost") == 0)
        memcpy(host, "127.0.0.1", sizeof("127.0.0.1"));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

static int usage(void)
{
    fputs("usage: gatehouse-dns-api [--listen HOST:PORT] [--db FILE] [--issuer URL] "
          "[--resource URI] [--leeway SECONDS]\n"
          "  environment: DNS_API_LISTEN DNS_API_DB DNS_API_ISSUER DNS_API_RESOURCE\n"
          "               DNS_API_CLIENT_ID DNS_API_CLIENT_SECRET DNS_API_METADATA_URL\n"
          "               DNS_API_LEEWAY\n",
          stderr);
    return 2;
}

/* The clock skew allowed on exp and nbf, 0..3600 seconds, as the kit's leeway_s (where 0
 * means its default and a negative value none). */
static bool parse_leeway(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (s[0] == '0' && s[1] == '\0') {
        *out = -1;
        return true;
    }
    if (!parse_id(s, strlen(s), &v) || v > 3600)
        return false;
    *out = v;
    return true;
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v != NULL && v[0] != '\0' ? v : dflt;
}

int main(int argc, char **argv)
{
    static const char *const scopes[] = {"dns:read", "dns:write", "logs:read", NULL};
    const char *listen = env_or("DNS_API_LISTEN", "127.0.0.1:8081");
    const char *dbpath = env_or("DNS_API_DB", "dns-api.db");
    const char *leeway = env_or("DNS_API_LEEWAY", NULL);
    gh_rs_config cfg;
    struct sockaddr_in sa;
    struct MHD_Daemon *d = NULL;
    app a = {NULL, NULL, false};
    char mdurl[512];
    sigset_t sigs;
    int sig, rc = 1;
    gh_rs_err e;

    memset(&cfg, 0, sizeof(cfg));
    cfg.issuer = env_or("DNS_API_ISSUER", NULL);
    cfg.resource = env_or("DNS_API_RESOURCE", NULL);
    cfg.client_id = env_or("DNS_API_CLIENT_ID", NULL);
    cfg.client_secret = env_or("DNS_API_CLIENT_SECRET", NULL);
    cfg.resource_metadata_url = env_or("DNS_API_METADATA_URL", NULL);
    cfg.scopes_supported = scopes;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--help") == 0) {
            usage();
            return 0;
        }
        if (v == NULL)
            return usage();
        if (strcmp(argv[i], "--listen") == 0)
            listen = v;
        else if (strcmp(argv[i], "--db") == 0)
            dbpath = v;
        else if (strcmp(argv[i], "--issuer") == 0)
            cfg.issuer = v;
        else if (strcmp(argv[i], "--resource") == 0)
            cfg.resource = v;
        else if (strcmp(argv[i], "--leeway") == 0)
            leeway = v;
        else
            return usage();
        i++;
    }
    if (cfg.issuer == NULL || cfg.resource == NULL) {
        fputs("gatehouse-dns-api: the issuer and the resource are required\n", stderr);
        return usage();
    }
    if (leeway != NULL && !parse_leeway(leeway, &cfg.leeway_s)) {
        fprintf(stderr, "gatehouse-dns-api: the leeway must be 0..3600 seconds, not %s\n", leeway);
        return 2;
    }
    if (!parse_listen(listen, &sa)) {
        fprintf(stderr, "gatehouse-dns-api: bad listen address %s\n", listen);
        return 2;
    }
    if (cfg.resource_metadata_url == NULL) {
        int n = snprintf(mdurl, sizeof(mdurl), "http://%s/.well-known/oauth-protected-resource",
                         listen);
        if (n < 0 || (size_t)n >= sizeof(mdurl))
            return usage();
        cfg.resource_metadata_url = mdurl;
    }
    if ((cfg.client_id == NULL) != (cfg.client_secret == NULL)) {
        fputs("gatehouse-dns-api: DNS_API_CLIENT_ID and DNS_API_CLIENT_SECRET go together\n",
              stderr);
        return 2;
    }
    a.online = cfg.client_id != NULL;
    e = gh_rs_new(&cfg, &a.rs);
    if (e != GH_RS_OK) {
        fprintf(stderr, "gatehouse-dns-api: configuration: %s\n", gh_rs_err_str(e));
        return 2;
    }
    if (dns_store_open(dbpath, &a.store) != 0)
        goto done;

    /* the daemon's threads inherit the mask: only main receives SIGINT/SIGTERM */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                             MHD_USE_ERROR_LOG,
                         0, NULL, NULL, handle, &a, MHD_OPTION_SOCK_ADDR,
                         (const struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, completed,
                         NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "gatehouse-dns-api: cannot listen on %s: %s\n", listen, strerror(errno));
        goto done;
    }
    printf("gatehouse-dns-api listening on http://%s (resource %s, issuer %s)\n", listen,
           cfg.resource, cfg.issuer);
    fflush(stdout);
    if (sigwait(&sigs, &sig) != 0)
        goto done;
    rc = 0;
done:
    if (d != NULL)
        MHD_stop_daemon(d);
    dns_store_close(a.store);
    gh_rs_free(a.rs);
    return rc;
}
