/*
 * admin_flow.c - Ory Hydra v2's login, consent and logout admin API, so that a login and
 * consent app written for Hydra (or one of Ory's SDKs, @ory/client, @ory/hydra-client) drives
 * gatehouse unchanged:
 *
 *   GET /admin/oauth2/auth/requests/login?login_challenge=     -> 200 OAuth2LoginRequest
 *   PUT /admin/oauth2/auth/requests/login/accept?login_challenge=   {subject, remember,
 *       remember_for, acr, amr, context, ...}                  -> 200 {"redirect_to"}
 *   PUT /admin/oauth2/auth/requests/login/reject?login_challenge=   {error, error_description,
 *       error_hint, error_debug, status_code}                  -> 200 {"redirect_to"}
 *   GET|PUT accept|PUT reject .../consent?consent_challenge=   (accept: grant_scope,
 *       grant_access_token_audience, remember, remember_for, session {access_token, id_token})
 *   GET .../logout?logout_challenge= -> OAuth2LogoutRequest; PUT .../logout/accept ->
 *       {"redirect_to"}; PUT .../logout/reject -> 204
 *   DELETE /admin/oauth2/auth/sessions/login?subject= (every session of the subject) or ?sid=
 *       (one session) -> 204
 *
 * As Hydra: the challenge may also be given as ?challenge=; a GET of a request already
 * answered is 410 with {"redirect_to": the original authorization URL}; unknown fields in a
 * body are refused; errors are {"error","error_description","error_hint","status_code"}
 * (Hydra's legacy fosite format): 400 "invalid_request" with the reason in error_hint, 404
 * "Not Found", 409 "Conflict".
 *
 * Where gatehouse differs, on purpose: an answer to a request already answered is 409 (Hydra
 * lets a login be re-accepted until its verifier is used); grant_scope must be within the
 * requested scopes and the catalog, grant_access_token_audience within the requested
 * audience (400); session.id_token may not name a claim gatehouse sets (400, see
 * gh_oauth__id_claim_reserved); force_subject_identifier (pairwise subjects) and
 * extend_session_lifespan are accepted and ignored; context must be an object.
 *
 * Not here: the flow itself (flow.c, logout.c, session.c), consent sessions
 * (admin_consent.c). Every answer is audited by those with actor "admin-api", the caller's
 * address and User-Agent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "json/json.h"
#include "oauth/client_int.h"
#include "oauth/flow_int.h"

#define BODY_MAX (64 * 1024)
#define LIST_MAX 256 /* items of grant_scope, grant_access_token_audience, amr */

/* ---- Hydra's error format ---- */

static const char desc_invalid_request[] =
    "The request is missing a required parameter, includes an invalid parameter value, "
    "includes a parameter more than once, or is otherwise malformed.";

void gh_oauth__hydra_error(gh_oauth_response *resp, int status, const char *error,
                           const char *description, const char *hint)
{
    json_t *b = json_object();

    gh_oauth_response_clear(resp);
    json_object_set_new(b, "error", json_string(error));
    json_object_set_new(b, "error_description", json_string(description));
    if (hint != NULL)
        json_object_set_new(b, "error_hint", json_string(hint));
    json_object_set_new(b, "status_code", json_integer(status));
    resp->status = status;
    resp->body = b;
    resp->error = error;
    resp->no_store = true;
}

static gh_err bad_request(gh_oauth_response *resp, const char *hint)
{
    gh_oauth__hydra_error(resp, 400, GH_E_INVALID_REQUEST, desc_invalid_request, hint);
    return GH_OK;
}

static gh_err not_found(gh_oauth_response *resp)
{
    gh_oauth__hydra_error(resp, 404, "Not Found", "Unable to locate the requested resource", NULL);
    return GH_OK;
}

static gh_err conflict(gh_oauth_response *resp)
{
    gh_oauth__hydra_error(resp, 409, "Conflict",
                          "Unable to process the requested resource because of conflict in the "
                          "current state",
                          "The request was already handled.");
    return GH_OK;
}

/* Maps a flow function's result onto the response; GH_OK when resp is finished. */
static gh_err flow_result(gh_err err, const char *msg, gh_oauth_response *resp)
{
    switch (err) {
    case GH_ENOTFOUND:
        return not_found(resp);
    case GH_ECONFLICT:
        return conflict(resp);
    case GH_EINVAL:
        return bad_request(resp, msg != NULL ? msg : "The answer is not valid.");
    default:
        return err;
    }
}

static void json_answer(gh_oauth_response *resp, int status, json_t *body)
{
    gh_oauth_response_clear(resp);
    resp->status = status;
    resp->body = body;
    resp->no_store = true;
}

static void redirect_answer(gh_oauth_response *resp, int status, const char *url)
{
    json_t *b = json_object();

    json_object_set_new(b, "redirect_to", json_string(url));
    json_answer(resp, status, b);
}

/* ---- request parts ---- */

static bool method_is(const gh_oauth_request *req, const char *m)
{
    return req->method != NULL && strcmp(req->method, m) == 0;
}

static gh_err wrong_method(gh_oauth_response *resp, const char *allowed)
{
    gh_oauth__hydra_error(resp, 405, GH_E_METHOD_NOT_ALLOWED, "The HTTP method is not allowed.",
                          allowed);
    return GH_OK;
}

/* The challenge: ?<name>= or, as Hydra accepts too, ?challenge=. NULL when resp holds the
 * error. */
static const char *challenge_param(const gh_oauth_request *req, const char *name,
                                   gh_oauth_response *resp)
{
    const char *v = NULL, *alt = NULL;

    if (gh_form_get_one(req->query, name, &v) != GH_OK ||
        gh_form_get_one(req->query, "challenge", &alt) != GH_OK) {
        (void)bad_request(resp, "The challenge is repeated.");
        return NULL;
    }
    if (v == NULL || v[0] == '\0')
        v = alt;
    if (v == NULL || v[0] == '\0') {
        (void)bad_request(resp, "Query parameter 'challenge' is not defined but should have been.");
        return NULL;
    }
    return v;
}

/* The JSON object body of a PUT (an empty body is {}); only the members in known. *out is a
 * new reference, NULL when resp holds the error. */
static void body_object(gh_ctx *ctx, const gh_oauth_request *req, const char *const *known,
                        size_t n_known, gh_oauth_response *resp, json_t **out)
{
    json_t *o = NULL;
    const char *k;
    json_t *v;
    char why[128] = "";

    *out = NULL;
    if (req->body == NULL || req->body_len == 0) {
        *out = json_object();
        return;
    }
    if (gh_json_parse_object(req->body, req->body_len, BODY_MAX, &o, why, sizeof(why)) != GH_OK) {
        (void)bad_request(resp, gh_arena_printf(ctx->arena,
                                                "Unable to decode the body as a JSON object%s%s.",
                                                why[0] != '\0' ? ": " : "", why));
        return;
    }
    json_object_foreach(o, k, v) {
        bool ok = false;

        (void)v;
        for (size_t i = 0; i < n_known && !ok; i++)
            ok = strcmp(k, known[i]) == 0;
        if (!ok) {
            (void)bad_request(resp, gh_arena_printf(ctx->arena, "Unknown field \"%s\".",
                                                    strlen(k) <= 64 && gh_str_utf8(k, strlen(k))
                                                        ? k
                                                        : "?"));
            json_decref(o);
            return;
        }
    }
    *out = o;
}

/* Typed optional members over json.h's getters: absent or null is fine (*out empty); false
 * with the member's name in *why on a wrong type. */
static bool optional(gh_err err, const char *key, const char **why)
{
    if (err == GH_OK || err == GH_ENOTFOUND)
        return true;
    *why = key;
    return false;
}

static bool opt_str(const json_t *o, const char *key, const char **out, const char **why)
{
    return optional(gh_json_get_str(o, key, out), key, why);
}

static bool opt_bool(const json_t *o, const char *key, bool *out, const char **why)
{
    return optional(gh_json_get_bool(o, key, out), key, why);
}

static bool opt_int(const json_t *o, const char *key, int64_t *out, const char **why)
{
    return optional(gh_json_get_int(o, key, out), key, why);
}

/* An optional array of at most LIST_MAX strings (arena copies); n = 0 when absent or null. */
static bool opt_strs(gh_ctx *ctx, const json_t *o, const char *key, const char *const **out,
                     size_t *out_n, const char **why)
{
    gh_strv l;
    bool ok = optional(gh_json_get_strv(o, key, ctx->arena, LIST_MAX, &l), key, why);

    *out = ok ? l.v : NULL;
    *out_n = ok ? l.n : 0;
    return ok;
}

static gh_err type_error(gh_ctx *ctx, gh_oauth_response *resp, const char *field)
{
    return bad_request(resp, gh_arena_printf(ctx->arena, "Field \"%s\" has the wrong type.", field));
}

static void actor_of(const gh_oauth_request *req, gh_oauth_actor *by)
{
    by->app = GH_OAUTH_ACTOR_ADMIN_API;
    by->remote_addr = req->remote_addr;
    by->user_agent = req->user_agent;
}

/* ---- the JSON Hydra shows ---- */

/* The client as Hydra shows it in a request (no secret); {client_id} alone when deleted. */
static gh_err client_json(gh_engine *e, gh_ctx *ctx, const char *client_id, json_t **out)
{
    gh_client *row = NULL;
    gh_err err;

    *out = NULL;
    if (client_id == NULL)
        return GH_OK;
    err = gh_store_client_get(e->store, client_id, ctx->arena, &row);
    if (err == GH_OK && gh_oauth__client_row_json(row, out) == GH_OK)
        return GH_OK;
    if (err != GH_OK && err != GH_ENOTFOUND) {
        gh_ctx_fail(ctx, "admin flow: client read: %s", gh_err_str(err));
        return err;
    }
    *out = json_object();
    json_object_set_new(*out, "client_id", json_string(client_id));
    return GH_OK;
}

/* A space-separated request parameter as an array. */
static json_t *split_json(gh_ctx *ctx, const char *s)
{
    gh_strv v = {NULL, 0};

    if (s != NULL && s[0] != '\0' && gh_strv_split_scope(ctx->arena, s, 64, &v) != GH_OK) {
        v.v = NULL;
        v.n = 0;
    }
    return gh_json_strv(&v);
}

/* Hydra's OAuth2ConsentRequestOpenIDConnectContext (members omitted when empty). */
static json_t *oidc_context(gh_ctx *ctx, const char *login_hint, const char *acr_values,
                            const char *ui_locales, const char *display)
{
    json_t *o = json_object();

    if (acr_values != NULL && acr_values[0] != '\0')
        json_object_set_new(o, "acr_values", split_json(ctx, acr_values));
    if (display != NULL && display[0] != '\0')
        json_object_set_new(o, "display", json_string(display));
    if (login_hint != NULL && login_hint[0] != '\0')
        json_object_set_new(o, "login_hint", json_string(login_hint));
    if (ui_locales != NULL && ui_locales[0] != '\0')
        json_object_set_new(o, "ui_locales", split_json(ctx, ui_locales));
    return o;
}

static json_t *scope_names(const gh_oauth_scope_view *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i].name));
    return a;
}

static json_t *str_list(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* ---- login ---- */

gh_err gh_oauth_admin_login_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    gh_oauth_response *resp)
{
    gh_oauth_login_view v;
    const char *ch;
    json_t *b, *cl = NULL;
    gh_err err;

    if (!method_is(req, "GET"))
        return wrong_method(resp, "GET");
    ch = challenge_param(req, "login_challenge", resp);
    if (ch == NULL)
        return GH_OK;
    err = gh_oauth_login_get(e, ctx, ch, &v);
    if (err == GH_ECONFLICT) {
        /* Hydra: 410 with the original request URL */
        redirect_answer(resp, 410, v.request_url != NULL ? v.request_url : "");
        return GH_OK;
    }
    if (err != GH_OK)
        return flow_result(err, NULL, resp);
    err = client_json(e, ctx, v.client.client_id, &cl);
    if (err != GH_OK)
        return err;
    b = json_object();
    json_object_set_new(b, "challenge", json_string(v.challenge));
    json_object_set_new(b, "client", cl != NULL ? cl : json_object());
    json_object_set_new(b, "oidc_context",
                        oidc_context(ctx, v.login_hint, v.acr_values, v.ui_locales, v.display));
    json_object_set_new(b, "request_url", json_string(v.request_url != NULL ? v.request_url : ""));
    json_object_set_new(b, "requested_access_token_audience",
                        str_list(v.requested_audience, v.n_requested_audience));
    json_object_set_new(b, "requested_scope", scope_names(v.requested_scope, v.n_requested_scope));
    if (v.session_id != NULL)
        json_object_set_new(b, "session_id", json_string(v.session_id));
    json_object_set_new(b, "skip", json_boolean(v.skip));
    json_object_set_new(b, "subject", json_string(v.subject != NULL ? v.subject : ""));
    json_answer(resp, 200, b);
    return GH_OK;
}

gh_err gh_oauth_admin_login_accept(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                   gh_oauth_response *resp)
{
    static const char *const known[] = {"subject",
                                        "remember",
                                        "remember_for",
                                        "acr",
                                        "amr",
                                        "context",
                                        "extend_session_lifespan",
                                        "force_subject_identifier",
                                        "identity_provider_session_id"};
    gh_oauth_login_answer a;
    gh_oauth_actor by;
    const char *ch, *why = NULL, *to = NULL, *msg = NULL, *ignored = NULL;
    const json_t *ctxv, *amr;
    json_t *o = NULL;
    bool ext = false;
    gh_err err;

    if (!method_is(req, "PUT"))
        return wrong_method(resp, "PUT");
    ch = challenge_param(req, "login_challenge", resp);
    if (ch == NULL)
        return GH_OK;
    body_object(ctx, req, known, sizeof(known) / sizeof(known[0]), resp, &o);
    if (o == NULL)
        return GH_OK;
    memset(&a, 0, sizeof(a));
    if (!opt_str(o, "subject", &a.subject, &why) || !opt_bool(o, "remember", &a.remember, &why) ||
        !opt_int(o, "remember_for", &a.remember_for, &why) || !opt_str(o, "acr", &a.acr, &why) ||
        !opt_bool(o, "extend_session_lifespan", &ext, &why) ||
        !opt_str(o, "force_subject_identifier", &ignored, &why) ||
        !opt_str(o, "identity_provider_session_id", &ignored, &why)) {
        err = type_error(ctx, resp, why);
        goto done;
    }
    if (a.subject == NULL || a.subject[0] == '\0') {
        err = bad_request(resp, "Field 'subject' must not be empty.");
        goto done;
    }
    amr = json_object_get(o, "amr");
    if (amr != NULL && !json_is_null(amr)) {
        if (!json_is_array(amr)) {
            err = type_error(ctx, resp, "amr");
            goto done;
        }
        a.amr = amr;
    }
    ctxv = json_object_get(o, "context");
    if (ctxv != NULL && !json_is_null(ctxv)) {
        if (!json_is_object(ctxv)) {
            err = bad_request(resp, "Field \"context\" must be a JSON object.");
            goto done;
        }
        a.context = ctxv;
    }
    a.hydra_remember = true;
    actor_of(req, &by);
    a.by = &by;
    err = gh_oauth_login_accept(e, ctx, ch, &a, &to, &msg);
    if (err == GH_OK)
        redirect_answer(resp, 200, to);
    else
        err = flow_result(err, msg, resp);
done:
    json_decref(o);
    return err;
}

/* Reads Hydra's RequestDeniedError; false when resp holds the error. */
static bool reject_body(gh_ctx *ctx, const gh_oauth_request *req, gh_oauth_reject_in *in,
                        gh_oauth_response *resp, json_t **out)
{
    static const char *const known[] = {"error", "error_description", "error_hint",
                                        "error_debug", "status_code"};
    const char *why = NULL, *debug = NULL;
    int64_t status = 0;

    memset(in, 0, sizeof(*in));
    body_object(ctx, req, known, sizeof(known) / sizeof(known[0]), resp, out);
    if (*out == NULL)
        return false;
    if (!opt_str(*out, "error", &in->error, &why) ||
        !opt_str(*out, "error_description", &in->error_description, &why) ||
        !opt_str(*out, "error_hint", &in->error_hint, &why) ||
        !opt_str(*out, "error_debug", &debug, &why) ||
        !opt_int(*out, "status_code", &status, &why)) {
        (void)type_error(ctx, resp, why);
        json_decref(*out);
        *out = NULL;
        return false;
    }
    return true;
}

typedef gh_err (*reject_fn)(gh_engine *e, gh_ctx *ctx, const char *challenge,
                            const gh_oauth_reject_in *in, const gh_oauth_actor *by,
                            const char **out_redirect_to, const char **out_msg);

static gh_err reject_endpoint(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                              gh_oauth_response *resp, const char *param, reject_fn fn)
{
    gh_oauth_reject_in in;
    gh_oauth_actor by;
    const char *ch, *to = NULL, *msg = NULL;
    json_t *o = NULL;
    gh_err err;

    if (!method_is(req, "PUT"))
        return wrong_method(resp, "PUT");
    ch = challenge_param(req, param, resp);
    if (ch == NULL)
        return GH_OK;
    if (!reject_body(ctx, req, &in, resp, &o))
        return GH_OK;
    actor_of(req, &by);
    err = fn(e, ctx, ch, &in, &by, &to, &msg);
    if (err == GH_OK)
        redirect_answer(resp, 200, to);
    else
        err = flow_result(err, msg, resp);
    json_decref(o);
    return err;
}

gh_err gh_oauth_admin_login_reject(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                   gh_oauth_response *resp)
{
    return reject_endpoint(e, ctx, req, resp, "login_challenge", gh_oauth_login_reject_by);
}

/* ---- consent ---- */

gh_err gh_oauth_admin_consent_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                      gh_oauth_response *resp)
{
    gh_oauth_consent_view v;
    const char *ch;
    json_t *b, *cl = NULL, *j;
    gh_err err;

    if (!method_is(req, "GET"))
        return wrong_method(resp, "GET");
    ch = challenge_param(req, "consent_challenge", resp);
    if (ch == NULL)
        return GH_OK;
    err = gh_oauth_consent_get(e, ctx, ch, &v);
    if (err == GH_ECONFLICT) {
        redirect_answer(resp, 410, v.request_url != NULL ? v.request_url : "");
        return GH_OK;
    }
    if (err != GH_OK)
        return flow_result(err, NULL, resp);
    err = client_json(e, ctx, v.client.client_id, &cl);
    if (err != GH_OK)
        return err;
    b = json_object();
    if (v.acr != NULL)
        json_object_set_new(b, "acr", json_string(v.acr));
    if (v.amr != NULL) {
        j = json_loads(v.amr, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_array(j))
            json_object_set(b, "amr", j);
        json_decref(j);
    }
    json_object_set_new(b, "challenge", json_string(v.challenge));
    json_object_set_new(b, "client", cl != NULL ? cl : json_object());
    if (v.context != NULL) {
        j = json_loads(v.context, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_object(j))
            json_object_set(b, "context", j);
        json_decref(j);
    }
    if (v.login_challenge != NULL)
        json_object_set_new(b, "login_challenge", json_string(v.login_challenge));
    if (v.login_session_id != NULL)
        json_object_set_new(b, "login_session_id", json_string(v.login_session_id));
    json_object_set_new(b, "oidc_context",
                        oidc_context(ctx, v.login_hint, v.acr_values, v.ui_locales, v.display));
    json_object_set_new(b, "request_url", json_string(v.request_url != NULL ? v.request_url : ""));
    json_object_set_new(b, "requested_access_token_audience",
                        str_list(v.requested_audience, v.n_requested_audience));
    json_object_set_new(b, "requested_scope", scope_names(v.requested_scope, v.n_requested_scope));
    json_object_set_new(b, "skip", json_boolean(v.skip));
    json_object_set_new(b, "subject", json_string(v.subject != NULL ? v.subject : ""));
    json_answer(resp, 200, b);
    return GH_OK;
}

gh_err gh_oauth_admin_consent_accept(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp)
{
    static const char *const known[] = {"grant_scope", "grant_access_token_audience",
                                        "remember",    "remember_for",
                                        "session",     "context",
                                        "handled_at"};
    static const char *const session_known[] = {"access_token", "id_token"};
    gh_oauth_consent_answer a;
    gh_oauth_actor by;
    const char *ch, *why = NULL, *to = NULL, *msg = NULL, *k;
    const json_t *sess;
    json_t *o = NULL, *v;
    gh_err err;

    if (!method_is(req, "PUT"))
        return wrong_method(resp, "PUT");
    ch = challenge_param(req, "consent_challenge", resp);
    if (ch == NULL)
        return GH_OK;
    body_object(ctx, req, known, sizeof(known) / sizeof(known[0]), resp, &o);
    if (o == NULL)
        return GH_OK;
    memset(&a, 0, sizeof(a));
    if (!opt_strs(ctx, o, "grant_scope", &a.grant_scope, &a.n_grant_scope, &why) ||
        !opt_strs(ctx, o, "grant_access_token_audience", &a.grant_audience, &a.n_grant_audience,
                  &why) ||
        !opt_bool(o, "remember", &a.remember, &why) ||
        !opt_int(o, "remember_for", &a.remember_for, &why)) {
        err = type_error(ctx, resp, why);
        goto done;
    }
    sess = json_object_get(o, "session");
    if (sess != NULL && !json_is_null(sess)) {
        if (!json_is_object(sess)) {
            err = type_error(ctx, resp, "session");
            goto done;
        }
        json_object_foreach((json_t *)sess, k, v) {
            bool ok = false;

            for (size_t i = 0; i < 2 && !ok; i++)
                ok = strcmp(k, session_known[i]) == 0;
            if (!ok) {
                err = bad_request(resp, "Field \"session\" holds only access_token and id_token.");
                goto done;
            }
            if (json_is_null(v))
                continue;
            if (!json_is_object(v)) {
                err = bad_request(resp, gh_arena_printf(ctx->arena,
                                                        "Field \"session.%s\" must be a JSON "
                                                        "object.",
                                                        k));
                goto done;
            }
            {
                /* The claims travel in every token and its row: bounded. */
                char *text = json_dumps(v, JSON_COMPACT);
                size_t len = text != NULL ? strlen(text) : SIZE_MAX;

                free(text);
                if (len > GH_LIMIT_APP_CLAIMS) {
                    err = bad_request(resp, gh_arena_printf(ctx->arena,
                                                            "Field \"session.%s\" is larger "
                                                            "than %d bytes.",
                                                            k, GH_LIMIT_APP_CLAIMS));
                    goto done;
                }
            }
            if (strcmp(k, "access_token") == 0)
                a.access_token_claims = v;
            else
                a.id_token_claims = v;
        }
    }
    a.hydra_remember = true;
    /* Hydra: the audience granted is what the app names (none when it names none). */
    a.audience_given = true;
    actor_of(req, &by);
    a.by = &by;
    err = gh_oauth_consent_accept(e, ctx, ch, &a, &to, &msg);
    if (err == GH_OK)
        redirect_answer(resp, 200, to);
    else
        err = flow_result(err, msg, resp);
done:
    json_decref(o);
    return err;
}

gh_err gh_oauth_admin_consent_reject(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp)
{
    return reject_endpoint(e, ctx, req, resp, "consent_challenge", gh_oauth_consent_reject_by);
}

/* ---- logout ---- */

gh_err gh_oauth_admin_logout_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp)
{
    gh_oauth_logout_view v;
    const char *ch;
    json_t *b, *cl = NULL;
    gh_err err;

    if (!method_is(req, "GET"))
        return wrong_method(resp, "GET");
    ch = challenge_param(req, "logout_challenge", resp);
    if (ch == NULL)
        return GH_OK;
    err = gh_oauth_logout_get(e, ctx, ch, &v);
    if (err == GH_ECONFLICT) {
        redirect_answer(resp, 410, v.request_url != NULL ? v.request_url : "");
        return GH_OK;
    }
    if (err != GH_OK)
        return flow_result(err, NULL, resp);
    err = client_json(e, ctx, v.client_id, &cl);
    if (err != GH_OK)
        return err;
    b = json_object();
    json_object_set_new(b, "challenge", json_string(v.challenge));
    json_object_set_new(b, "client", cl != NULL ? cl : json_null());
    json_object_set_new(b, "request_url", json_string(v.request_url != NULL ? v.request_url : ""));
    json_object_set_new(b, "rp_initiated", json_boolean(v.rp_initiated));
    json_object_set_new(b, "sid", json_string(v.sid != NULL ? v.sid : ""));
    json_object_set_new(b, "subject", json_string(v.subject != NULL ? v.subject : ""));
    json_answer(resp, 200, b);
    return GH_OK;
}

gh_err gh_oauth_admin_logout_accept(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    gh_oauth_response *resp)
{
    gh_oauth_actor by;
    const char *ch, *to = NULL;
    gh_err err;

    if (!method_is(req, "PUT"))
        return wrong_method(resp, "PUT");
    ch = challenge_param(req, "logout_challenge", resp);
    if (ch == NULL)
        return GH_OK;
    actor_of(req, &by);
    err = gh_oauth_logout_accept_by(e, ctx, ch, &by, &to);
    if (err != GH_OK)
        return flow_result(err, NULL, resp);
    redirect_answer(resp, 200, to);
    return GH_OK;
}

gh_err gh_oauth_admin_logout_reject(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    gh_oauth_response *resp)
{
    gh_oauth_actor by;
    const char *ch;
    gh_err err;

    if (!method_is(req, "PUT"))
        return wrong_method(resp, "PUT");
    ch = challenge_param(req, "logout_challenge", resp);
    if (ch == NULL)
        return GH_OK;
    actor_of(req, &by);
    err = gh_oauth_logout_reject_by(e, ctx, ch, &by);
    if (err != GH_OK)
        return flow_result(err, NULL, resp);
    gh_oauth_response_clear(resp);
    resp->status = 204;
    return GH_OK;
}

/* ---- login sessions ---- */

gh_err gh_oauth_admin_login_sessions(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp)
{
    gh_oauth_actor by;
    const char *subject = NULL, *sid = NULL;
    gh_err err;

    if (!method_is(req, "DELETE"))
        return wrong_method(resp, "DELETE");
    if (gh_form_get_one(req->query, "subject", &subject) != GH_OK ||
        gh_form_get_one(req->query, "sid", &sid) != GH_OK)
        return bad_request(resp, "A query parameter is repeated.");
    if ((subject == NULL || subject[0] == '\0') && (sid == NULL || sid[0] == '\0'))
        return bad_request(resp, "Either 'subject' or 'sid' query parameters need to be defined.");
    actor_of(req, &by);
    if (sid != NULL && sid[0] != '\0') {
        err = gh_oauth_session_revoke_sid(e, ctx, sid, &by);
        if (err == GH_ENOTFOUND)
            return not_found(resp);
    } else {
        if (strlen(subject) > GH_FLOW_SUBJECT_MAX || !gh_str_utf8(subject, strlen(subject)))
            return bad_request(resp, "The subject is not valid.");
        err = gh_oauth_sessions_revoke_subject(e, ctx, subject, &by);
    }
    if (err != GH_OK)
        return err;
    gh_oauth_response_clear(resp);
    resp->status = 204;
    return GH_OK;
}
