/*
 * audit_api.c - the audit trail seen from outside: the admin query (GET /admin/audit/events),
 * tool-call reports (POST /oauth2/audit/events), and signed checkpoints of the hash chain.
 *
 * Query: the filters of gh_audit_filter as query parameters (subject, client_id, token_id,
 * type, since, until: RFC 3339 or seconds since the epoch), paged by after_seq with at most
 * GH_OAUTH_AUDIT_PAGE_MAX events a page; a full page carries a Link rel="next" header.
 *
 * Tool-call reports: an agent reports with the access token it used (Authorization: Bearer;
 * the report is tied to that token, so a token can only report on itself), or a resource
 * server reports with its own client credentials (HTTP Basic, as at introspection) naming in
 * "token" the access token the call carried; that client must be the resource server
 * (cfg->resources) of an audience of the token. The token must be a live access token. The
 * event (tool.called) names the token (token_id = jti or row id), its client, subject and
 * scope; data holds model_id, tool, arguments, outcome, the response (whole up to
 * GH_OAUTH_AUDIT_RESPONSE_MAX bytes, else its SHA-256 and length), the token's grant and
 * catalog version, and who reported. Every member is bounded.
 *
 * Checkpoints: an audit.checkpoint event whose data holds a compact JWS (ES256, the active
 * signing key, its kid in the header) over {"seq","hash","time_us"} of the newest event at
 * that moment, beside seq and hash in the clear. Anyone holding the events and the public keys
 * can check that the chain up to that event is the one the server signed
 * (gh_oauth_audit_checkpoint_check).
 *
 * Not here: verifying the chain (audit.c), storing events (store), deciding which actions
 * are audited (each endpoint). RFC 6750 3.1 (invalid_token), RFC 7515 (JWS).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/limits.h"
#include "base/mem.h"
#include "base/str.h"
#include "json/json.h"
#include "oauth/proto.h"
#include "oauth/token_int.h"

/* Bounds of a report's members. */
#define REPORT_BODY_MAX (64 * 1024)
#define REPORT_NAME_MAX 256    /* model_id, tool */
#define REPORT_OUTCOME_MAX 64
#define REPORT_ARGS_MAX (16 * 1024)
#define CHECKPOINT_TYP "gatehouse-audit-checkpoint"

/* ---- time parameters ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Reads exactly n digits at *p into *out, advancing *p. */
static bool digits(const char **p, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

gh_err gh_oauth_audit_parse_time(const char *s, int64_t *out_us)
{
    const char *p = s;
    int64_t y, mo, d, h, mi, sec, frac = 0, off = 0, v = 0;
    int nfrac = 0;

    if (s == NULL || s[0] == '\0' || strlen(s) > 40)
        return GH_EINVAL;
    if (strspn(s, "0123456789") == strlen(s)) {
        if (strlen(s) > 12)
            return GH_EINVAL;
        for (p = s; *p; p++)
            v = v * 10 + (*p - '0');
        *out_us = v * 1000000;
        return GH_OK;
    }
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return GH_EINVAL;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
        !digits(&p, 2, &sec))
        return GH_EINVAL;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            if (nfrac < 6) {
                frac = frac * 10 + (*p - '0');
                nfrac++;
            }
            p++;
        }
        if (nfrac == 0)
            return GH_EINVAL;
        for (; nfrac < 6; nfrac++)
            frac *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int64_t oh, om;
        p++;
        if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
            return GH_EINVAL;
        off = sign * (oh * 3600 + om * 60);
    } else {
        return GH_EINVAL;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return GH_EINVAL;
    *out_us = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off) * 1000000) +
              frac;
    return GH_OK;
}

/* ---- GET /admin/audit/events ---- */

/* Reads an optional query parameter (once at most); false when resp holds the error. */
static bool query_param(const gh_oauth_request *req, gh_oauth_response *resp, const char *name,
                        const char *alias, const char **out)
{
    const char *a = NULL;
    if (gh_form_get_one(req->query, name, out) != GH_OK ||
        (alias != NULL && gh_form_get_one(req->query, alias, &a) != GH_OK) ||
        (a != NULL && *out != NULL)) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "a query parameter is given more than once");
        return false;
    }
    if (*out == NULL)
        *out = a;
    if (*out != NULL && strlen(*out) > GH_LIMIT_TOKEN) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "a query parameter is too long");
        return false;
    }
    return true;
}

/* Reads a non-negative integer parameter (absent: *out unchanged). */
static bool int_param(const gh_oauth_request *req, gh_oauth_response *resp, const char *name,
                      int64_t max, int64_t *out)
{
    const char *s = NULL;
    int64_t v = 0;
    if (!query_param(req, resp, name, NULL, &s))
        return false;
    if (s == NULL)
        return true;
    if (s[0] == '\0' || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s)) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "after_seq and limit must be non-negative integers");
        return false;
    }
    for (; *s; s++)
        v = v * 10 + (*s - '0');
    if (v > max) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "a paging parameter is out of range");
        return false;
    }
    *out = v;
    return true;
}

static bool time_param(const gh_oauth_request *req, gh_oauth_response *resp, const char *name,
                       int64_t *out)
{
    const char *s = NULL;
    if (!query_param(req, resp, name, NULL, &s))
        return false;
    if (s != NULL && gh_oauth_audit_parse_time(s, out) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "since and until must be RFC 3339 times or seconds since the epoch");
        return false;
    }
    return true;
}

/* Appends "&name=value" (value URL-encoded) to the query text q when value is set. */
static const char *add_param(gh_ctx *ctx, const char *q, const char *name, const char *value)
{
    if (value == NULL)
        return q;
    return gh_arena_printf(ctx->arena, "%s%s=%s&", q, name, gh_url_encode(ctx->arena, value));
}

gh_err gh_oauth_admin_audit_events(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                   gh_oauth_response *resp)
{
    gh_audit_filter f;
    const char *since = NULL, *until = NULL, *q = "";
    int64_t limit = 100;
    gh_audit_event *ev = NULL;
    size_t n = 0;
    json_t *arr;
    gh_err err;

    memset(&f, 0, sizeof(f));
    if (req->method == NULL || strcmp(req->method, "GET") != 0) {
        gh_oauth_error(resp, 405, GH_E_METHOD_NOT_ALLOWED, "use GET");
        return GH_OK;
    }
    if (!query_param(req, resp, "subject", NULL, &f.subject) ||
        !query_param(req, resp, "client_id", "client", &f.client_id) ||
        !query_param(req, resp, "token_id", "token", &f.token_id) ||
        !query_param(req, resp, "type", NULL, &f.type) ||
        !time_param(req, resp, "since", &f.since_us) ||
        !time_param(req, resp, "until", &f.until_us) ||
        !int_param(req, resp, "after_seq", INT64_MAX / 2, &f.after_seq) ||
        !int_param(req, resp, "limit", GH_OAUTH_AUDIT_PAGE_MAX, &limit))
        return GH_OK;
    /* Read once above (time_param): these succeed and are kept for the next page's link. */
    if (gh_form_get_one(req->query, "since", &since) != GH_OK ||
        gh_form_get_one(req->query, "until", &until) != GH_OK)
        return GH_EINTERNAL;
    if (limit == 0)
        limit = 1;
    f.limit = (size_t)limit + 1; /* one more tells whether there is a next page */
    err = gh_store_audit_query(e->store, &f, ctx->arena, &ev, &n);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "audit query: %s", gh_err_str(err));
        return err;
    }
    arr = json_array();
    for (size_t i = 0; i < n && i < (size_t)limit; i++)
        json_array_append_new(arr, gh_audit_event_export(&ev[i]));
    if (n > (size_t)limit) {
        q = add_param(ctx, q, "subject", f.subject);
        q = add_param(ctx, q, "client_id", f.client_id);
        q = add_param(ctx, q, "token_id", f.token_id);
        q = add_param(ctx, q, "type", f.type);
        q = add_param(ctx, q, "since", since);
        q = add_param(ctx, q, "until", until);
        resp->link = gh_arena_printf(ctx->arena,
                                     "</admin/audit/events?%safter_seq=%lld&limit=%lld>; "
                                     "rel=\"next\"",
                                     q, (long long)ev[limit - 1].seq, (long long)limit);
    }
    resp->status = 200;
    resp->body = arr;
    return GH_OK;
}

/* ---- POST /oauth2/audit/events ---- */

static void invalid_token(gh_oauth_response *resp, const char *desc)
{
    gh_oauth_error(resp, 401, GH_E_INVALID_TOKEN, desc);
    resp->www_authenticate = "Bearer error=\"invalid_token\"";
}

/* True if uri is one of the space-separated audience entries. */
static bool in_audience(const char *audience, const char *uri)
{
    size_t n = strlen(uri);
    const char *p = audience;

    while (p != NULL && *p != '\0') {
        const char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        if (len == n && memcmp(p, uri, n) == 0)
            return true;
        p = sp != NULL ? sp + 1 : NULL;
    }
    return false;
}

/* True if client_id is the resource server (the catalog's resources) of an audience of row. */
static bool is_resource_of(const gh_engine *e, gh_ctx *ctx, const char *client_id,
                           const gh_token *row)
{
    const gh_config *cat = gh_oauth__catalog_cfg(e, ctx);

    for (size_t i = 0; i < cat->n_resources; i++) {
        const gh_config_resource *r = &cat->resources[i];
        if (r->client_id != NULL && strcmp(r->client_id, client_id) == 0 &&
            row->audience != NULL && in_audience(row->audience, r->uri))
            return true;
    }
    return false;
}

/* Finds the live access token of value; NULL when there is none (unknown, malformed, not an
 * access token, revoked or expired). */
static gh_err live_access_token(gh_engine *e, gh_ctx *ctx, const char *value, gh_token **out)
{
    bool is_jwt = false;
    gh_token *row = NULL;
    gh_err err;

    *out = NULL;
    if (value == NULL || value[0] == '\0' || strlen(value) > GH_LIMIT_TOKEN)
        return GH_OK;
    err = gh_oauth__token_find(e, ctx, value, &row, &is_jwt);
    if (err != GH_OK)
        return err;
    if (row != NULL && row->kind == GH_TOKEN_ACCESS && row->revoked_at == 0 &&
        row->expires_at > ctx->now)
        *out = row;
    return GH_OK;
}

/* The bearer token of an "Authorization: Bearer x" header, or NULL when the header is not
 * of that scheme. */
static const char *bearer(const char *authorization)
{
    if (authorization == NULL || strlen(authorization) < 7 ||
        (strncmp(authorization, "Bearer ", 7) != 0 && strncmp(authorization, "bearer ", 7) != 0))
        return NULL;
    authorization += 7;
    while (*authorization == ' ')
        authorization++;
    return authorization;
}

/* A bounded string member: absent is NULL when optional; false with resp set otherwise. */
static bool body_str(const json_t *body, const char *key, bool required, size_t max,
                     gh_oauth_response *resp, const char **out)
{
    gh_err err = gh_json_get_str(body, key, out);
    if (err == GH_ENOTFOUND && !required) {
        *out = NULL;
        return true;
    }
    if (err != GH_OK || (*out)[0] == '\0' || strlen(*out) > max) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "model_id, tool and outcome must be non-empty strings of bounded "
                       "length (tool and outcome are required)");
        return false;
    }
    return true;
}

/* Builds the event's data from the body; false with resp set when a member is bad. */
static bool report_data(gh_ctx *ctx, const json_t *body, const gh_token *row,
                        const char *reported_by, gh_oauth_response *resp, json_t **out)
{
    const char *model = NULL, *tool = NULL, *outcome = NULL;
    const json_t *args = json_object_get(body, "arguments");
    const json_t *rsp = json_object_get(body, "response");
    json_t *d;

    *out = NULL;
    if (!body_str(body, "model_id", false, REPORT_NAME_MAX, resp, &model) ||
        !body_str(body, "tool", true, REPORT_NAME_MAX, resp, &tool) ||
        !body_str(body, "outcome", true, REPORT_OUTCOME_MAX, resp, &outcome))
        return false;
    if (args != NULL) {
        const char *text = gh_json_dump_a(ctx->arena, args);
        if (text == NULL || strlen(text) > REPORT_ARGS_MAX) {
            gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "arguments is too large");
            return false;
        }
    }
    d = json_object();
    if (model != NULL)
        json_object_set_new(d, "model_id", json_string(model));
    json_object_set_new(d, "tool", json_string(tool));
    if (args != NULL)
        json_object_set(d, "arguments", (json_t *)args);
    json_object_set_new(d, "outcome", json_string(outcome));
    if (rsp != NULL) {
        /* A string is measured as its bytes, anything else as its compact encoding. */
        const char *text = json_is_string(rsp) ? json_string_value(rsp)
                                               : gh_json_dump_a(ctx->arena, rsp);
        size_t len = json_is_string(rsp) ? json_string_length(rsp) : strlen(text);
        if (len <= GH_OAUTH_AUDIT_RESPONSE_MAX) {
            json_object_set(d, "response", (json_t *)rsp);
        } else {
            unsigned char h[GH_SHA256_LEN];
            char hex[2 * GH_SHA256_LEN + 1];
            gh_sha256(text, len, h);
            gh_hex_encode(h, GH_SHA256_LEN, hex);
            json_object_set_new(d, "response_sha256", json_string(hex));
            json_object_set_new(d, "response_length", json_integer((json_int_t)len));
        }
    }
    if (row->grant_id != NULL)
        json_object_set_new(d, "grant_id", json_string(row->grant_id));
    json_object_set_new(d, "catalog_version", json_integer((json_int_t)row->catalog_version));
    if (row->audience != NULL && row->audience[0] != '\0')
        json_object_set_new(d, "audience", json_string(row->audience));
    json_object_set_new(d, "reported_by", json_string(reported_by));
    *out = d;
    return true;
}

gh_err gh_oauth_audit_report(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                             gh_oauth_response *resp)
{
    gh_oauth_client *c = NULL;
    json_t *body = NULL, *data = NULL;
    gh_token *row = NULL;
    const char *value = bearer(req->authorization), *reported_by, *token_member = NULL;
    gh_audit_event *ev;
    gh_store_txn *t;
    gh_err err = GH_OK;

    if (req->method == NULL || strcmp(req->method, "POST") != 0) {
        gh_oauth_error(resp, 405, GH_E_METHOD_NOT_ALLOWED, "use POST");
        return GH_OK;
    }
    /* Who reports: the token itself, or a resource server by its client credentials. */
    if (value == NULL) {
        err = gh_oauth__client_authenticate(e, ctx, req, resp, &c);
        if (err != GH_OK || c == NULL) {
            if (err == GH_OK && resp->status == 401 && resp->www_authenticate == NULL)
                resp->www_authenticate = "Basic";
            return err;
        }
    }
    if (req->content_type == NULL || strcmp(req->content_type, "application/json") != 0 ||
        req->body == NULL) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "the body must be a JSON object");
        goto done;
    }
    if (gh_json_parse_object(req->body, req->body_len, REPORT_BODY_MAX, &body, NULL, 0) !=
        GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                       "the body must be one JSON object of at most 64 KiB");
        goto done;
    }
    if (c != NULL) {
        if (gh_json_get_str(body, "token", &token_member) != GH_OK) {
            gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST,
                           "token (the access token the call used) is required");
            goto done;
        }
        value = token_member;
    }
    err = live_access_token(e, ctx, value, &row);
    if (err != GH_OK)
        goto done;
    if (row == NULL) {
        invalid_token(resp, "the access token is not active");
        goto done;
    }
    if (c != NULL && !is_resource_of(e, ctx, c->client_id, row)) {
        /* The same answer as for an unknown token: nothing is said about others' tokens. */
        invalid_token(resp, "the access token is not active");
        goto done;
    }
    reported_by = c != NULL ? gh_arena_printf(ctx->arena, "client:%s", c->client_id) : "token";
    if (!report_data(ctx, body, row, reported_by, resp, &data))
        goto done;

    t = gh_store_txn_new(ctx->arena);
    ev = GH_ARENA_NEW(ctx->arena, gh_audit_event);
    ev->time_us = ctx->now_us;
    ev->type = GH_AUDIT_TOOL_CALLED;
    ev->actor = c != NULL ? reported_by : gh_arena_printf(ctx->arena, "client:%s", row->client_id);
    ev->client_id = row->client_id;
    ev->subject = row->subject;
    ev->token_id = row->id;
    ev->scope = row->scope;
    ev->request_id = ctx->request_id;
    ev->data = gh_json_dump_a(ctx->arena, data);
    if (ev->data == NULL) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "the report cannot be encoded");
        goto done;
    }
    gh_store_txn_audit(t, ev);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "tool call report: commit: %s", gh_err_str(err));
        goto done;
    }
    resp->status = 201;
    resp->body = json_pack("{sI}", "seq", (json_int_t)ev->seq);
    resp->no_store = true;
done:
    json_decref(data);
    json_decref(body);
    gh_oauth__client_release(c);
    return err;
}

/* ---- checkpoints ---- */

/* True if an event with this seq exists (seqs are 1, 2, ... without gaps). */
static gh_err seq_exists(gh_store *s, gh_arena *a, int64_t seq, bool *out)
{
    gh_audit_event *ev = NULL;
    size_t n = 0;
    gh_err err = gh_store_audit_list(s, seq - 1, 1, a, &ev, &n);
    *out = err == GH_OK && n == 1 && ev[0].seq == seq;
    return err;
}

gh_err gh_oauth_audit_head(gh_store *s, gh_arena *a, gh_audit_event **out)
{
    int64_t lo = 0, hi = 1;
    bool there = false;
    gh_audit_event *ev = NULL;
    size_t n = 0;
    gh_err err;

    *out = NULL;
    /* Exponential then binary search for the last seq: O(log n) point reads. */
    for (;;) {
        if ((err = seq_exists(s, a, hi, &there)) != GH_OK)
            return err;
        if (!there)
            break;
        lo = hi;
        if (hi > INT64_MAX / 4)
            return GH_EINTERNAL;
        hi *= 2;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((err = seq_exists(s, a, mid, &there)) != GH_OK)
            return err;
        if (there)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == 0)
        return GH_OK;
    err = gh_store_audit_list(s, lo - 1, 1, a, &ev, &n);
    if (err == GH_OK && n == 1)
        *out = ev;
    return err;
}

gh_err gh_oauth_audit_checkpoint(gh_engine *e, gh_ctx *ctx, const char *actor,
                                 int64_t *out_seq, int64_t *out_signed_seq)
{
    gh_audit_event *head = NULL;
    gh_oauth_keysnap *snap = NULL;
    const gh_jwk *k;
    char hex[2 * GH_SHA256_LEN + 1];
    char *jws = NULL;
    json_t *claims = NULL, *data = NULL;
    gh_store_txn *t;
    gh_err err;

    *out_seq = 0;
    *out_signed_seq = 0;
    err = gh_oauth_audit_head(e->store, ctx->arena, &head);
    if (err != GH_OK || head == NULL)
        return err != GH_OK ? err : GH_ENOTFOUND;
    gh_hex_encode(head->hash, GH_SHA256_LEN, hex);
    claims = json_pack("{sIsssI}", "seq", (json_int_t)head->seq, "hash", hex, "time_us",
                       (json_int_t)head->time_us);
    err = gh_oauth__keys_acquire(e, ctx, &snap);
    if (err != GH_OK)
        goto done;
    k = gh_oauth__keysnap_signer(snap, GH_ALG_ES256);
    if (k == NULL) {
        gh_ctx_fail(ctx, "audit checkpoint: no active ES256 key");
        err = GH_EINTERNAL;
        goto done;
    }
    err = gh_jws_sign(ctx->arena, k, CHECKPOINT_TYP, NULL, claims, &jws);
    if (err != GH_OK)
        goto done;
    data = json_pack("{sIssss}", "seq", (json_int_t)head->seq, "hash", hex, "jws", jws);
    t = gh_store_txn_new(ctx->arena);
    gh_audit_event *ev = GH_ARENA_NEW(ctx->arena, gh_audit_event);
    ev->time_us = ctx->now_us;
    ev->type = GH_AUDIT_CHECKPOINT;
    ev->actor = actor;
    ev->request_id = ctx->request_id;
    ev->data = gh_json_dump_a(ctx->arena, data);
    gh_store_txn_audit(t, ev);
    err = gh_store_commit(e->store, t);
    if (err == GH_OK) {
        *out_seq = ev->seq;
        *out_signed_seq = head->seq;
    }
done:
    gh_oauth__keys_release(snap);
    json_decref(claims);
    json_decref(data);
    return err;
}

char *gh_oauth_audit_store_jwks(gh_store *s, gh_arena *a)
{
    gh_key_row *rows = NULL;
    size_t n = 0;
    json_t *keys, *doc;
    char *out;

    if (gh_store_key_list(s, a, &rows, &n) != GH_OK)
        return NULL;
    keys = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *k = rows[i].public_jwk != NULL ? json_loads(rows[i].public_jwk, 0, NULL) : NULL;
        if (k != NULL)
            json_array_append_new(keys, k);
    }
    doc = json_pack("{so}", "keys", keys);
    out = gh_json_dump_a(a, doc);
    json_decref(doc);
    return out;
}

gh_err gh_oauth_audit_checkpoint_check(gh_arena *a, const char *jwks_text, const char *data,
                                       int64_t *out_seq, unsigned char out_hash[GH_SHA256_LEN],
                                       const char **out_why)
{
    static const gh_jose_alg allowed[] = {GH_ALG_ES256, GH_ALG_NONE};
    json_t *d = NULL, *jwks_doc = NULL;
    gh_jwks set = {NULL, 0};
    gh_jws jws;
    const gh_jwk *k = NULL;
    const char *compact = NULL, *hex = NULL, *phex = NULL;
    int64_t seq = 0, pseq = 0;
    gh_err err = GH_EINVAL;

    memset(&jws, 0, sizeof(jws));
    *out_why = "the checkpoint's data is not {seq, hash, jws}";
    if (data == NULL ||
        gh_json_parse_object(data, strlen(data), GH_LIMIT_BODY_DEFAULT, &d, NULL, 0) != GH_OK ||
        gh_json_get_str(d, "jws", &compact) != GH_OK ||
        gh_json_get_str(d, "hash", &hex) != GH_OK || gh_json_get_int(d, "seq", &seq) != GH_OK)
        goto done;
    *out_why = "the JWKS does not parse";
    jwks_doc = jwks_text != NULL ? json_loads(jwks_text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    if (jwks_doc == NULL || gh_jwks_parse(jwks_doc, &set) != GH_OK)
        goto done;
    *out_why = "the checkpoint's JWS does not parse";
    if (gh_jws_parse(a, compact, &jws) != GH_OK || jws.kid == NULL)
        goto done;
    *out_why = "the checkpoint's signing key (kid) is not in the JWKS";
    for (size_t i = 0; i < set.n && k == NULL; i++) {
        const char *kid = gh_jwk_kid(set.keys[i]);
        if (kid != NULL && strcmp(kid, jws.kid) == 0)
            k = set.keys[i];
    }
    if (k == NULL)
        goto done;
    *out_why = "the checkpoint's signature does not verify";
    if (gh_jws_verify(a, compact, k, allowed) != GH_OK)
        goto done;
    *out_why = "the checkpoint's signed seq and hash differ from those beside it";
    if (gh_json_get_int(jws.payload, "seq", &pseq) != GH_OK ||
        gh_json_get_str(jws.payload, "hash", &phex) != GH_OK || pseq != seq ||
        strcmp(phex, hex) != 0 || strlen(hex) != 2 * GH_SHA256_LEN ||
        strspn(hex, "0123456789abcdef") != 2 * GH_SHA256_LEN)
        goto done;
    for (size_t i = 0; i < GH_SHA256_LEN; i++) {
        unsigned v = 0;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            goto done;
        out_hash[i] = (unsigned char)v;
    }
    *out_seq = seq;
    *out_why = NULL;
    err = GH_OK;
done:
    gh_jws_clear(&jws);
    gh_jwks_clear(&set);
    json_decref(jwks_doc);
    json_decref(d);
    return err;
}
