/*
 * authorize.c - the authorization endpoint, GET|POST /oauth2/auth (RFC 6749 4.1.1, OAuth 2.1,
 * OIDC Core 3.1.2): request validation, the session and remembered-consent shortcuts, the
 * start of a login/consent flow, the return of the login and consent verifiers, and the
 * authorization response.
 *
 * Order of checks:
 *  1. client_id and redirect_uri (each at most once; the client known; the URI registered,
 *     exact match with any port on loopback, RFC 8252 7.3; omitted only when the client has
 *     one). A failure here is never redirected (RFC 6749 4.1.2.1): 400 with user_facing set.
 *  2. Everything else answers at the redirect URI with error, error_description, state and
 *     iss (RFC 9207), in the response mode: response_mode (query|form_post), repeated
 *     parameters, request objects (unsupported), response_type=code, the client's grant,
 *     PKCE (code_challenge with method S256, RFC 7636 4.3; plain and none refused, OAuth 2.1
 *     4.1.1), scope (scope.c), resource (RFC 8707), prompt (OIDC 3.1.2.1), max_age,
 *     login_hint, nonce, state. Unknown parameters are ignored (RFC 6749 3.1).
 *  3. A live session that satisfies prompt and max_age skips the login; a remembered consent
 *     that covers the request (consent.c) and no prompt=consent skips the consent: the code is
 *     issued at once (the hot path: the session and consent reads, one deferred commit). With
 *     prompt=none a missing login answers login_required, a missing consent consent_required.
 *  4. Otherwise a flow (flow.c) begins: the browser goes to the login app (or, with a session,
 *     straight to the consent app), bound to the browser by the gh_flow cookie.
 *  5. ?login_verifier= and ?consent_verifier= bring the browser back: the verifier must match
 *     its flow's state and hash and come with the flow's cookie. The login verifier creates
 *     the session, then consent proceeds as in 3/4; the consent verifier issues the code.
 *
 * Not here: codes themselves (code.c), the flow API (flow.c), sessions (session.c).
 */
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "json/json.h"
#include "oauth/authz_int.h"
#include "oauth/flow_int.h"
#include "oauth/token_int.h"

#define NONCE_MAX 512
#define STATE_MAX 2048
#define LOGIN_HINT_MAX 256
#define HINT_PARAM_MAX 256

/* Parameters that may appear at most once (RFC 6749 3.1); resource may repeat (RFC 8707). */
static const char *const single_params[] = {
    "client_id", "redirect_uri", "response_type", "response_mode", "scope", "state",
    "nonce", "prompt", "max_age", "login_hint", "code_challenge", "code_challenge_method",
    "login_verifier", "consent_verifier", "id_token_hint", "acr_values", "display",
    "ui_locales", "claims", "request", "request_uri"};

/* OpenID Connect scopes: about the user, not an API's, so no resource server accepts them. */
static const char *const identity_scopes[] = {"openid", "profile", "email", "offline_access",
                                              "address", "phone"};

/* A validated authorization request. */
typedef struct areq {
    const char *client_id;
    const char *redirect_uri; /* as given, NULL when omitted */
    const char *redirect_to;  /* where the response goes */
    bool form_post;
    const char *state;
    const char *nonce;
    const char *code_challenge;
    const char *login_hint;
    const char *acr_values; /* OIDC Core 3.1.2.1, handed to the login app as given */
    const char *ui_locales;
    const char *display;
    gh_strv scopes;
    gh_strv audience;
    bool p_none, p_login, p_consent;
    int64_t max_age; /* -1: none */
} areq;

typedef struct kv {
    const char *k;
    const char *v;
} kv;

char *gh_oauth__url_add(gh_arena *a, const char *url, const char *name, const char *value)
{
    return gh_arena_printf(a, "%s%c%s=%s", url, strchr(url, '?') != NULL ? '&' : '?', name,
                           gh_url_encode(a, value));
}

char *gh_oauth__app_url(gh_engine *e, gh_ctx *ctx, const char *configured, const char *builtin,
                        const char *name, const char *value)
{
    char *url = configured != NULL
                    ? gh_arena_strdup(ctx->arena, configured)
                    : gh_arena_printf(ctx->arena, "%s%s", e->cfg->issuer, builtin);

    return value != NULL ? gh_oauth__url_add(ctx->arena, url, name, value) : url;
}

char *gh_oauth__flow_error_url(gh_engine *e, gh_ctx *ctx, const json_t *doc, const char *error,
                               const char *desc)
{
    const char *state = gh_oauth__doc_str(doc, "state");
    char *url = gh_oauth__url_add(ctx->arena, gh_oauth__doc_str(doc, "redirect_to"), "error",
                                  error);

    if (desc != NULL)
        url = gh_oauth__url_add(ctx->arena, url, "error_description", desc);
    if (state != NULL)
        url = gh_oauth__url_add(ctx->arena, url, "state", state);
    /* SPEC: RFC9207 2 - iss in every authorization response, errors included */
    return gh_oauth__url_add(ctx->arena, url, "iss", e->cfg->issuer);
}

/* ---- responses ---- */

/* Forgets everything a response was going to say. */
static void reset(gh_oauth_response *resp)
{
    gh_oauth_response_clear(resp);
    resp->status = 0;
    resp->location = NULL;
    resp->form_post_action = NULL;
    resp->n_set_cookie = 0;
    resp->user_facing = false;
    resp->error = NULL;
}

/* An error for the user, never sent to the client (RFC 6749 4.1.2.1). */
static gh_err user_error(gh_oauth_response *resp, const char *code, const char *desc)
{
    reset(resp);
    gh_oauth_error(resp, 400, code, desc);
    resp->user_facing = true;
    resp->no_store = true;
    return GH_OK;
}

/* The authorization response: a 302 to redirect_to with the parameters in the query
 * (RFC 6749 4.1.2), or for form_post a 200 whose body holds them for ui to post (OAuth 2.0
 * Form Post Response Mode 2). Set cookies are kept. */
static void answer(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, const char *redirect_to,
                   bool form_post, const kv *p, size_t n)
{
    size_t keep = resp->n_set_cookie;

    gh_oauth_response_clear(resp);
    if (form_post) {
        json_t *b = json_object();

        for (size_t i = 0; i < n; i++)
            gh_json_set_str(b, p[i].k, p[i].v);
        /* SPEC: RFC9207 2 - iss */
        json_object_set_new(b, "iss", json_string(e->cfg->issuer));
        resp->status = 200;
        resp->body = b;
        resp->form_post_action = redirect_to;
        resp->location = NULL;
    } else {
        char *url = gh_arena_strdup(ctx->arena, redirect_to);

        for (size_t i = 0; i < n; i++)
            if (p[i].v != NULL)
                url = gh_oauth__url_add(ctx->arena, url, p[i].k, p[i].v);
        /* SPEC: RFC9207 2 - iss */
        url = gh_oauth__url_add(ctx->arena, url, "iss", e->cfg->issuer);
        resp->status = 302;
        resp->location = url;
        resp->form_post_action = NULL;
    }
    resp->n_set_cookie = keep;
    resp->no_store = true;
}

/* SPEC: RFC6749 4.1.2.1 - error, error_description, state at the redirect URI */
static gh_err redirect_error(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, const areq *r,
                             const char *code, const char *desc)
{
    kv p[3] = {{"error", code}, {"error_description", desc}, {"state", r->state}};

    resp->n_set_cookie = 0;
    answer(e, ctx, resp, r->redirect_to, r->form_post, p, 3);
    resp->error = code;
    return GH_OK;
}

/* Moves the error a helper put in resp (scope.c) to the redirect URI. */
static gh_err redirect_resp_error(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp,
                                  const areq *r)
{
    const char *code = resp->error != NULL ? resp->error : GH_E_INVALID_REQUEST;
    json_t *d = resp->body != NULL ? json_object_get(resp->body, "error_description") : NULL;
    const char *desc = json_is_string(d) ? gh_arena_strdup(ctx->arena, json_string_value(d)) : NULL;

    return redirect_error(e, ctx, resp, r, code, desc);
}

/* The code response. */
static void answer_code(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, const areq *r,
                        const char *code)
{
    kv p[2] = {{"code", code}, {"state", r->state}};

    answer(e, ctx, resp, r->redirect_to, r->form_post, p, 2);
}

/* How a deferred or synchronous commit ends: the response is ready unless the commit lost a
 * race for its flow (a second answer), which the user is told. */
static gh_err committed(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    (void)e;
    (void)arg;
    if (outcome == GH_OK)
        return GH_OK;
    if (outcome == GH_ECONFLICT || outcome == GH_ENOTFOUND)
        return user_error(resp, GH_E_INVALID_REQUEST,
                          "this authorization request was already answered or has expired");
    gh_ctx_fail(ctx, "authorize: commit: %s", gh_err_str(outcome));
    reset(resp);
    return outcome;
}

/* ---- validation ---- */

/* The value of a parameter already known not to repeat (NULL when absent or empty). */
static const char *one(const gh_form *params, const char *name)
{
    const char *v = NULL;

    if (gh_form_get_one(params, name, &v) != GH_OK)
        return NULL;
    return v;
}

/* An integer member of a doc, 0 when absent. */
static int64_t doc_int(const json_t *d, const char *key)
{
    int64_t v = 0;

    if (gh_json_get_int(d, key, &v) != GH_OK)
        return 0;
    return v;
}

static bool b64url_str(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* client_id and redirect_uri (step 1). *ok false when resp holds a user-facing error. */
static gh_err check_client(gh_engine *e, gh_ctx *ctx, const gh_form *params, areq *r,
                           gh_oauth_client **out_c, gh_oauth_response *resp, bool *ok)
{
    const char *client_id = NULL, *ru = NULL;
    gh_oauth_client *c = NULL;
    gh_err err;

    *ok = false;
    *out_c = NULL;
    if (gh_form_get_one(params, GH_P_CLIENT_ID, &client_id) != GH_OK)
        return user_error(resp, GH_E_INVALID_REQUEST, "client_id is repeated");
    if (client_id == NULL)
        return user_error(resp, GH_E_INVALID_REQUEST, "client_id is missing");
    if (gh_form_get_one(params, GH_P_REDIRECT_URI, &ru) != GH_OK)
        return user_error(resp, GH_E_INVALID_REQUEST, "redirect_uri is repeated");
    if (strlen(client_id) > 255)
        return user_error(resp, GH_E_INVALID_CLIENT, "the client is unknown");
    err = gh_oauth__client_get(e, ctx, client_id, &c);
    if (err == GH_ENOTFOUND)
        return user_error(resp, GH_E_INVALID_CLIENT, "the client is unknown");
    if (err != GH_OK)
        return err;
    if (ru != NULL) {
        /* SPEC: RFC6749 3.1.2.3 / RFC8252 7.3 - exact match, any port on loopback */
        if (!gh_oauth__flow_redirect_ok(c, ru)) {
            gh_oauth__client_release(c);
            return user_error(resp, GH_E_INVALID_REQUEST,
                              "the redirect_uri is not registered for this client");
        }
        r->redirect_to = ru;
    } else if (c->redirect_uris.n == 1) {
        /* SPEC: RFC6749 3.1.2.3 - optional when exactly one URI is registered */
        r->redirect_to = c->redirect_uris.v[0];
    } else {
        gh_oauth__client_release(c);
        return user_error(resp, GH_E_INVALID_REQUEST,
                          c->redirect_uris.n == 0 ? "the client has no redirect URI"
                                                  : "redirect_uri is required");
    }
    r->client_id = c->client_id;
    r->redirect_uri = ru;
    *out_c = c;
    *ok = true;
    return GH_OK;
}

/* prompt (OIDC Core 3.1.2.1): a space-separated set of none, login, consent, select_account;
 * none alone. */
static bool parse_prompt(gh_ctx *ctx, const char *s, areq *r)
{
    gh_strv v;
    bool other = false;

    if (s == NULL)
        return true;
    if (gh_strv_split_scope(ctx->arena, s, 8, &v) != GH_OK)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        if (strcmp(v.v[i], "none") == 0) {
            r->p_none = true;
        } else if (strcmp(v.v[i], "login") == 0) {
            r->p_login = true;
            other = true;
        } else if (strcmp(v.v[i], "consent") == 0) {
            r->p_consent = true;
            other = true;
        } else if (strcmp(v.v[i], "select_account") == 0) {
            other = true; /* one account per session: nothing to select */
        } else {
            return false;
        }
    }
    /* SPEC: OIDC Core 3.1.2.1 - none with any other value is an error */
    return !(r->p_none && other);
}

/* Steps 2: every check that answers at the redirect URI. *ok false when resp holds it. */
static gh_err check_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                            const gh_form *params, const gh_oauth_client *c, areq *r,
                            gh_oauth_response *resp, bool *ok)
{
    const char *rm = NULL, *rt = NULL, *cc = NULL, *ccm = NULL, *scope = NULL, *prompt = NULL,
               *max_age = NULL;
    gh_oauth_request r2;
    gh_strv api;
    bool sok = false;
    gh_err err;

    *ok = false;
    r->max_age = -1;
    /* State and response mode first: every later error is answered with them. */
    if (gh_form_get_one(params, "state", &r->state) != GH_OK)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "state is repeated");
    if (r->state != NULL && strlen(r->state) > STATE_MAX) {
        r->state = NULL;
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "state is too long");
    }
    if (gh_form_get_one(params, "response_mode", &rm) != GH_OK)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "response_mode is repeated");
    if (rm != NULL && strcmp(rm, "form_post") == 0)
        r->form_post = true;
    else if (rm != NULL && strcmp(rm, "query") != 0)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST,
                              "response_mode must be query or form_post");
    /* SPEC: RFC6749 3.1 - request parameters MUST NOT be included more than once */
    for (size_t i = 0; i < sizeof(single_params) / sizeof(single_params[0]); i++)
        if (gh_form_count(params, single_params[i]) > 1)
            return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST,
                                  gh_arena_printf(ctx->arena, "%s is repeated", single_params[i]));
    /* SPEC: OIDC Core 6 - request objects unsupported: request_not_supported */
    if (gh_form_count(params, "request") > 0)
        return redirect_error(e, ctx, resp, r, "request_not_supported",
                              "request objects are not supported");
    if (gh_form_count(params, "request_uri") > 0)
        return redirect_error(e, ctx, resp, r, "request_uri_not_supported",
                              "request_uri is not supported");
    rt = one(params, "response_type");
    if (rt == NULL)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "response_type is missing");
    /* SPEC: OAuth 2.1 4.1.1 - response_type code only (no implicit) */
    if (strcmp(rt, "code") != 0)
        return redirect_error(e, ctx, resp, r, "unsupported_response_type",
                              "only response_type=code is supported");
    if (!gh_oauth__client_has_grant(c, GH_GRANT_AUTHORIZATION_CODE) ||
        (c->response_types.n > 0 && !gh_strv_has(&c->response_types, "code")))
        return redirect_error(e, ctx, resp, r, GH_E_UNAUTHORIZED_CLIENT,
                              "the client may not use the authorization code flow");
    /* SPEC: RFC7636 4.3 / OAuth 2.1 4.1.1 - PKCE required, S256 only */
    cc = one(params, "code_challenge");
    ccm = one(params, "code_challenge_method");
    if (cc == NULL)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST,
                              "code_challenge is required (PKCE with S256)");
    if (ccm == NULL || strcmp(ccm, "S256") != 0)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST,
                              "code_challenge_method must be S256");
    /* SPEC: RFC7636 4.2 - BASE64URL(SHA256(verifier)): 43 characters */
    if (strlen(cc) != 43 || !b64url_str(cc, 43))
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST,
                              "code_challenge is not a base64url SHA-256");
    r->code_challenge = cc;
    scope = one(params, GH_P_SCOPE);
    err = gh_oauth__scope_resolve(e, ctx, c, scope, resp, &r->scopes, &sok);
    if (err != GH_OK)
        return err;
    if (!sok)
        return redirect_resp_error(e, ctx, resp, r);
    /* SPEC: RFC8707 2 - resources must be known and accept the API scopes requested */
    api.v = GH_ARENA_NEWN(ctx->arena, const char *, r->scopes.n + 1);
    api.n = 0;
    for (size_t i = 0; i < r->scopes.n; i++) {
        bool identity = false;

        for (size_t j = 0; j < sizeof(identity_scopes) / sizeof(identity_scopes[0]); j++)
            identity = identity || strcmp(r->scopes.v[i], identity_scopes[j]) == 0;
        if (!identity)
            api.v[api.n++] = r->scopes.v[i];
    }
    r2 = *req;
    r2.form = params;
    err = gh_oauth__resource_resolve(e, ctx, &r2, &api, resp, &r->audience, &sok);
    if (err != GH_OK)
        return err;
    if (!sok)
        return redirect_resp_error(e, ctx, resp, r);
    for (size_t i = 0; c->audience.n > 0 && i < r->audience.n; i++)
        if (!gh_strv_has(&c->audience, r->audience.v[i]))
            return redirect_error(e, ctx, resp, r, GH_E_INVALID_TARGET,
                                  "the resource is not allowed for this client");
    prompt = one(params, "prompt");
    if (!parse_prompt(ctx, prompt, r))
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "prompt is invalid");
    max_age = one(params, "max_age");
    /* SPEC: OIDC Core 3.1.2.1 max_age - seconds, a non-negative integer */
    if (max_age != NULL && gh_str_to_i64(max_age, 0, 100LL * 365 * 86400, &r->max_age) != GH_OK)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "max_age is invalid");
    r->login_hint = one(params, "login_hint");
    if (r->login_hint != NULL && strlen(r->login_hint) > LOGIN_HINT_MAX)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "login_hint is too long");
    r->nonce = one(params, "nonce");
    if (r->nonce != NULL && strlen(r->nonce) > NONCE_MAX)
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST, "nonce is too long");
    r->acr_values = one(params, "acr_values");
    r->ui_locales = one(params, "ui_locales");
    r->display = one(params, "display");
    if ((r->acr_values != NULL && strlen(r->acr_values) > HINT_PARAM_MAX) ||
        (r->ui_locales != NULL && strlen(r->ui_locales) > HINT_PARAM_MAX) ||
        (r->display != NULL && strlen(r->display) > HINT_PARAM_MAX))
        return redirect_error(e, ctx, resp, r, GH_E_INVALID_REQUEST,
                              "acr_values, ui_locales or display is too long");
    *ok = true;
    return GH_OK;
}

/* ---- the request as a flow doc, and back ---- */

static json_t *areq_doc(gh_engine *e, gh_ctx *ctx, const areq *r, const gh_form *params)
{
    json_t *d = json_object();
    char *url = gh_arena_printf(ctx->arena, "%s/oauth2/auth", e->cfg->issuer);

    for (size_t i = 0; i < params->n; i++)
        url = gh_oauth__url_add(ctx->arena, url, params->pairs[i].name, params->pairs[i].value);
    gh_json_set_str(d, "client_id", r->client_id);
    gh_json_set_str(d, "redirect_uri", r->redirect_uri);
    gh_json_set_str(d, "redirect_to", r->redirect_to);
    json_object_set_new(d, "response_mode", json_string(r->form_post ? "form_post" : "query"));
    gh_json_set_str(d, "state", r->state);
    gh_json_set_str(d, "nonce", r->nonce);
    gh_json_set_str(d, "code_challenge", r->code_challenge);
    gh_json_set_str(d, "login_hint", r->login_hint);
    json_object_set_new(d, "scope", gh_json_strv(&r->scopes));
    json_object_set_new(d, "audience", gh_json_strv(&r->audience));
    json_object_set_new(d, "prompt_login", json_boolean(r->p_login));
    json_object_set_new(d, "prompt_consent", json_boolean(r->p_consent));
    json_object_set_new(d, "prompt_none", json_boolean(r->p_none));
    gh_json_set_str(d, "acr_values", r->acr_values);
    gh_json_set_str(d, "ui_locales", r->ui_locales);
    gh_json_set_str(d, "display", r->display);
    json_object_set_new(d, "max_age", json_integer(r->max_age));
    gh_json_set_str(d, "request_url", url);
    json_object_set_new(d, "requested_at", json_integer(ctx->now));
    return d;
}

/* r from a flow doc; strings are copied to the arena (the doc is released first). */
static void areq_from_doc(gh_ctx *ctx, const json_t *d, areq *r)
{
    const char *rm = gh_oauth__doc_str(d, "response_mode");

    memset(r, 0, sizeof(*r));
    r->client_id = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "client_id"));
    r->redirect_uri = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "redirect_uri"));
    r->redirect_to = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "redirect_to"));
    r->form_post = rm != NULL && strcmp(rm, "form_post") == 0;
    r->state = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "state"));
    r->nonce = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "nonce"));
    r->code_challenge = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "code_challenge"));
    r->login_hint = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "login_hint"));
    r->scopes = gh_oauth__doc_strv(ctx, d, "scope");
    r->audience = gh_oauth__doc_strv(ctx, d, "audience");
    r->p_login = json_is_true(json_object_get(d, "prompt_login"));
    r->p_consent = json_is_true(json_object_get(d, "prompt_consent"));
    r->p_none = json_is_true(json_object_get(d, "prompt_none"));
    r->max_age = -1;
}

/* ---- outcomes ---- */

/* What the login and consent apps added to the tokens (JSON texts, each may be NULL). */
typedef struct app_claims {
    const char *at;  /* session.access_token */
    const char *id;  /* session.id_token */
    const char *amr; /* the login's amr */
} app_claims;

/* The claims kept by a flow doc (objects and arrays) as texts. */
static void claims_from_doc(gh_ctx *ctx, const json_t *d, app_claims *c)
{
    const json_t *v;

    memset(c, 0, sizeof(*c));
    v = json_object_get(d, "at_claims");
    if (json_is_object(v))
        c->at = gh_json_dump_a(ctx->arena, v);
    v = json_object_get(d, "id_claims");
    if (json_is_object(v))
        c->id = gh_json_dump_a(ctx->arena, v);
    v = json_object_get(d, "amr");
    if (json_is_array(v))
        c->amr = gh_json_dump_a(ctx->arena, v);
}

/* The claims of a remembered consent row (texts, consent.c keeps them so), for the hot path:
 * a scan, not a parse. */
static void claims_from_consent(gh_ctx *ctx, const gh_consent *c, app_claims *out)
{
    if (c->doc == NULL)
        return;
    if (gh_json_scan_str(c->doc, strlen(c->doc), "at_claims", ctx->arena, &out->at) != GH_OK)
        out->at = NULL;
    if (gh_json_scan_str(c->doc, strlen(c->doc), "id_claims", ctx->arena, &out->id) != GH_OK)
        out->id = NULL;
}

/* Issues the code for r to subject with scopes and answers with it (t then committed). */
static gh_err issue_code(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const areq *r,
                         const char *subject, const gh_strv *scopes, const gh_strv *audience,
                         int64_t auth_time, const char *sid, const char *acr,
                         const app_claims *claims, gh_oauth_response *resp)
{
    gh_oauth_authz a;
    const char *code = NULL;
    gh_err err;

    memset(&a, 0, sizeof(a));
    a.client_id = r->client_id;
    a.subject = subject;
    a.redirect_uri = r->redirect_uri;
    a.code_challenge = r->code_challenge;
    a.scopes = *scopes;
    a.audience = audience != NULL ? *audience : r->audience;
    a.nonce = r->nonce;
    a.auth_time = auth_time;
    a.sid = sid;
    a.acr = acr;
    a.grant_id = NULL; /* fresh */
    if (claims != NULL) {
        a.access_token_claims = claims->at;
        a.id_token_claims = claims->id;
        a.amr = claims->amr;
    }
    err = gh_oauth__code_issue(e, ctx, t, &a, &code);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "authorize: code: %s", gh_err_str(err));
        return err;
    }
    answer_code(e, ctx, resp, r, code);
    return GH_OK;
}

/* Sends the browser to the consent app for flow f (doc d, to be inserted or updated in t):
 * issues the consent challenge and audits consent.shown. */
static void to_consent(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, json_t *d, const areq *r,
                       const char *flow_id, const char *subject, bool skip, const char **out_url)
{
    const char *hash;
    char *cc = gh_oauth__handle_new(ctx, flow_id, &hash);

    json_object_set_new(d, "cc", json_string(hash));
    json_object_set_new(d, "consent_skip", json_boolean(skip));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CONSENT_SHOWN,
                    gh_arena_printf(ctx->arena, "user:%s", subject), r->client_id, subject, NULL,
                    gh_strv_join(ctx->arena, &r->scopes), NULL);
    *out_url = gh_oauth__app_url(e, ctx, e->cfg->url_consent, "/ui/consent", "consent_challenge",
                                 cc);
}

static void redirect_to(gh_oauth_response *resp, const char *url)
{
    gh_oauth_response_clear(resp);
    resp->status = 302;
    resp->location = url;
    resp->no_store = true;
}

/* Whether a configured login or consent app is in use (Hydra's behaviour: the app is asked
 * even when a session or a remembered consent would do, with skip set), or the built-in
 * pages (which are skipped outright). */
static bool login_external(const gh_engine *e)
{
    return e->cfg->url_login != NULL;
}

static bool consent_external(const gh_engine *e)
{
    return e->cfg->url_consent != NULL;
}

/* The amr (JSON array text) a session keeps, or NULL. */
static const char *session_amr(gh_ctx *ctx, const gh_session *s)
{
    const char *amr = NULL;

    if (s->doc == NULL ||
        gh_json_scan_str(s->doc, strlen(s->doc), "amr", ctx->arena, &amr) != GH_OK)
        return NULL;
    return amr;
}

static const char *session_acr(gh_ctx *ctx, const gh_session *s);

/* A new flow for r: to the login app (session s NULL, or given with login_skip: Hydra's
 * skip), or to the consent app (s given; consent_skip when a remembered consent covers it). */
static gh_err begin_flow(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                         const gh_form *params, const areq *r, const gh_session *s,
                         bool login_skip, bool consent_skip, gh_oauth_response *resp)
{
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    char *id = gh_oauth__flow_id_new(ctx);
    json_t *d = areq_doc(e, ctx, r, params);
    const char *fc = gh_oauth__flow_cookie(e, ctx, req->cookie, resp), *hash, *url;
    int state;

    json_object_set_new(d, "fc", json_string(gh_sha256_b64url(ctx->arena, fc, strlen(fc))));
    if (s != NULL) {
        const char *amr = session_amr(ctx, s);
        json_t *a = NULL;

        gh_json_set_str(d, "subject", s->subject);
        json_object_set_new(d, "auth_time", json_integer(s->auth_time));
        gh_json_set_str(d, "sid", s->id);
        gh_json_set_str(d, "acr", session_acr(ctx, s));
        /* Our own text (session.c), so jansson may parse it as it is. */
        if (amr != NULL && strlen(amr) <= GH_FLOW_APP_JSON_MAX)
            a = json_loads(amr, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_array(a))
            json_object_set(d, "amr", a);
        json_decref(a);
    }
    if (s == NULL || login_skip) {
        char *lc = gh_oauth__handle_new(ctx, id, &hash);

        json_object_set_new(d, "lc", json_string(hash));
        json_object_set_new(d, "skip", json_boolean(s != NULL));
        url = gh_oauth__app_url(e, ctx, e->cfg->url_login, "/ui/login", "login_challenge", lc);
        state = GH_FLOW_LOGIN_PENDING;
    } else {
        to_consent(e, ctx, t, d, r, id, s->subject, consent_skip, &url);
        state = GH_FLOW_CONSENT_PENDING;
    }
    (void)gh_oauth__flow_insert(e, ctx, t, id, GH_FLOW_AUTHZ, state,
                                gh_arena_strdup(ctx->arena, r->client_id),
                                s != NULL ? s->subject : NULL, d);
    json_decref(d);
    redirect_to(resp, url);
    return gh_oauth__commit(e, ctx, resp, t, committed, NULL);
}

/* True if session s lets the request skip the login (prompt=login, max_age). */
static bool session_enough(gh_ctx *ctx, const areq *r, const gh_session *s)
{
    if (s == NULL || r->p_login)
        return false;
    /* SPEC: OIDC Core 3.1.2.1 max_age - re-authenticate when older; 0 is prompt=login */
    if (r->max_age == 0 || (r->max_age > 0 && ctx->now - s->auth_time > r->max_age))
        return false;
    return true;
}

static const char *session_acr(gh_ctx *ctx, const gh_session *s)
{
    const char *acr = NULL;

    if (s->doc == NULL ||
        gh_json_scan_str(s->doc, strlen(s->doc), "acr", ctx->arena, &acr) != GH_OK)
        return NULL;
    return acr;
}

/* The consent step for subject's session (steps 3/4): a covering remembered consent issues
 * the code at once for the built-in UI and goes to a configured consent app with skip. */
static bool consent_covered(gh_engine *e, gh_ctx *ctx, const areq *r, const char *subject,
                            gh_consent **out, gh_err *err)
{
    *out = NULL;
    *err = GH_OK;
    if (r->p_consent)
        return false;
    *err = gh_oauth__consent_find(e, ctx, subject, r->client_id, out);
    if (*err != GH_OK)
        return false;
    return *out != NULL && gh_oauth__consent_covers(e, ctx, *out, &r->scopes, &r->audience);
}

/* A fresh request (steps 1-4). */
static gh_err fresh(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                    const gh_form *params, gh_oauth_response *resp)
{
    gh_oauth_client *c = NULL;
    gh_session *s = NULL;
    gh_consent *cons = NULL;
    gh_store_txn *t;
    app_claims claims;
    areq r;
    bool ok = false, covered;
    gh_err err;

    memset(&r, 0, sizeof(r));
    err = check_client(e, ctx, params, &r, &c, resp, &ok);
    if (err != GH_OK || !ok)
        return err;
    /* The client's strings outlive the reference through the arena. */
    r.client_id = gh_arena_strdup(ctx->arena, r.client_id);
    r.redirect_to = gh_arena_strdup(ctx->arena, r.redirect_to);
    err = check_request(e, ctx, req, params, c, &r, resp, &ok);
    gh_oauth__client_release(c);
    if (err != GH_OK || !ok)
        return err;
    err = gh_oauth__session_find(e, ctx, req->cookie, &s);
    if (err != GH_OK)
        return err;
    if (!session_enough(ctx, &r, s)) {
        /* SPEC: OIDC Core 3.1.2.6 login_required */
        if (r.p_none)
            return redirect_error(e, ctx, resp, &r, "login_required", "the user is not logged in");
        return begin_flow(e, ctx, req, params, &r, NULL, false, false, resp);
    }
    /* Hydra: a configured login app is asked with skip=true and the session's subject. */
    if (login_external(e))
        return begin_flow(e, ctx, req, params, &r, s, true, false, resp);
    covered = consent_covered(e, ctx, &r, s->subject, &cons, &err);
    if (err != GH_OK)
        return err;
    if (!covered) {
        /* SPEC: OIDC Core 3.1.2.6 consent_required */
        if (r.p_none)
            return redirect_error(e, ctx, resp, &r, "consent_required",
                                  "the user has not consented to this request");
        return begin_flow(e, ctx, req, params, &r, s, false, false, resp);
    }
    if (consent_external(e))
        return begin_flow(e, ctx, req, params, &r, s, false, true, resp);
    /* The hot path: session and remembered consent. */
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CONSENT_SKIPPED,
                    gh_arena_printf(ctx->arena, "user:%s", s->subject), r.client_id, s->subject,
                    NULL, NULL, NULL);
    memset(&claims, 0, sizeof(claims));
    claims_from_consent(ctx, cons, &claims);
    claims.amr = session_amr(ctx, s);
    err = issue_code(e, ctx, t, &r, s->subject, &r.scopes, NULL, s->auth_time, s->id,
                     session_acr(ctx, s), &claims, resp);
    if (err != GH_OK)
        return err;
    return gh_oauth__commit(e, ctx, resp, t, committed, NULL);
}

/* ---- verifiers (step 5) ---- */

/* The login verifier's session: the browser's own when the login app confirmed a skipped
 * login of it; otherwise a new one replacing the browser's (no session fixation), kept as
 * the answer said (Hydra's remember and remember_for for a configured app). *out_sid and
 * *out_auth_time get the session's. */
static gh_err login_session(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                            gh_store_txn *t, json_t *d, const char *subject,
                            gh_oauth_response *resp, const char **out_sid,
                            int64_t *out_auth_time)
{
    gh_session *old = NULL, *s;
    bool remember = json_is_true(json_object_get(d, "remember"));
    bool hydra = json_is_true(json_object_get(d, "hydra_remember"));
    bool set_cookie = true;
    int64_t rf = doc_int(d, "remember_for"), ttl = gh_oauth__session_ttl(e), max_age;
    const char *sid = gh_oauth__doc_str(d, "sid"), *amr = NULL;
    const json_t *a = json_object_get(d, "amr");
    gh_err err;

    err = gh_oauth__session_find(e, ctx, req->cookie, &old);
    if (err != GH_OK)
        return err;
    if (json_is_true(json_object_get(d, "skip")) && old != NULL && sid != NULL &&
        strcmp(old->id, sid) == 0) {
        *out_sid = old->id;
        *out_auth_time = old->auth_time;
        return GH_OK;
    }
    if (old != NULL) {
        gh_store_op op;

        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_SESSION_REVOKE;
        op.u.revoke.id = old->id;
        op.u.revoke.at = ctx->now;
        gh_store_txn_add(t, &op);
        gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_SESSION_ENDED,
                        gh_arena_printf(ctx->arena, "user:%s", old->subject), NULL,
                        old->subject, NULL, NULL, NULL);
    }
    if (hydra) {
        /* Hydra: remember false keeps no login (the next request asks again); remember_for 0
         * lasts the browser session. */
        if (remember && rf > 0)
            ttl = rf;
        max_age = remember && rf > 0 ? rf : 0;
        set_cookie = remember;
    } else {
        if (remember && rf > 0)
            ttl = rf;
        max_age = remember ? ttl : 0;
    }
    if (json_is_array(a))
        amr = gh_json_dump_a(ctx->arena, a);
    s = gh_oauth__session_new_ex(e, ctx, t, subject, doc_int(d, "auth_time"),
                                 gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "acr")), amr,
                                 ttl, max_age, set_cookie, resp);
    if (!set_cookie && old != NULL)
        /* SPEC: RFC6265 5.3 - the replaced session's cookie is removed */
        gh_oauth_cookie(e, ctx, resp, gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_SESSION), "", -1);
    *out_sid = s->id;
    *out_auth_time = s->auth_time;
    return GH_OK;
}

static gh_err verifier(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req, const char *v,
                       bool login, gh_oauth_response *resp)
{
    gh_flow *f = NULL;
    json_t *d = NULL;
    gh_oauth_client *c = NULL;
    gh_store_txn *t;
    app_claims claims;
    areq r;
    const char *subject, *sid, *acr;
    int64_t auth_time = 0;
    bool rejected;
    gh_err err;

    err = gh_oauth__flow_load(e, ctx, gh_oauth__handle_flow_id(ctx->arena, v), GH_FLOW_AUTHZ, &f,
                              &d);
    if (err == GH_ENOTFOUND)
        return user_error(resp, GH_E_INVALID_REQUEST,
                          "this authorization request is unknown or has expired");
    if (err != GH_OK)
        return err;
    rejected = f->state == GH_FLOW_REJECTED &&
               gh_oauth__handle_matches(ctx->arena, v, gh_oauth__doc_str(d, "rv"));
    if (!rejected &&
        !gh_oauth__handle_matches(ctx->arena, v, gh_oauth__doc_str(d, login ? "lv" : "cv"))) {
        err = user_error(resp, GH_E_INVALID_REQUEST,
                         "this authorization request is unknown or has expired");
        goto done;
    }
    if (!rejected && f->state != (login ? GH_FLOW_LOGIN_ACCEPTED : GH_FLOW_CONSENT_ACCEPTED)) {
        err = user_error(resp, GH_E_INVALID_REQUEST, "this authorization request was already answered");
        goto done;
    }
    /* SPEC: RFC6749 10.12 / RFC9700 4.7 - the answer is honoured only in the browser that
     * began the request (flow.c invariant 3) */
    if (!gh_oauth__flow_cookie_ok(e, ctx, req->cookie, d)) {
        err = user_error(resp, GH_E_INVALID_REQUEST,
                         "this authorization request was begun in another browser");
        goto done;
    }
    areq_from_doc(ctx, d, &r);
    err = gh_oauth__client_get(e, ctx, r.client_id, &c);
    if (err == GH_ENOTFOUND) {
        err = user_error(resp, GH_E_INVALID_CLIENT, "the client is unknown");
        goto done;
    }
    if (err != GH_OK)
        goto done;
    gh_oauth__client_release(c);
    t = gh_store_txn_new(ctx->arena);
    if (rejected) {
        gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_DONE, f->subject, d);
        (void)redirect_error(e, ctx, resp, &r,
                             gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "error")),
                             gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "error_description")));
        err = gh_oauth__commit(e, ctx, resp, t, committed, NULL);
        goto done;
    }
    subject = f->subject;
    auth_time = doc_int(d, "auth_time");
    sid = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "sid"));
    acr = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "acr"));
    claims_from_doc(ctx, d, &claims);
    if (login) {
        gh_consent *cons = NULL;
        bool covered;

        err = login_session(e, ctx, req, t, d, subject, resp, &sid, &auth_time);
        if (err != GH_OK)
            goto done;
        gh_json_set_str(d, "sid", sid);
        json_object_set_new(d, "auth_time", json_integer(auth_time));
        covered = consent_covered(e, ctx, &r, subject, &cons, &err);
        if (err != GH_OK)
            goto done;
        if (!covered && r.p_none) {
            /* SPEC: OIDC Core 3.1.2.6 consent_required (a configured login app answered a
             * prompt=none request's skipped login) */
            gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_DONE, subject, d);
            (void)redirect_error(e, ctx, resp, &r, "consent_required",
                                 "the user has not consented to this request");
            err = gh_oauth__commit(e, ctx, resp, t, committed, NULL);
            goto done;
        }
        if (!covered || consent_external(e)) {
            const char *url;

            to_consent(e, ctx, t, d, &r, f->id, subject, covered, &url);
            gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_CONSENT_PENDING, subject, d);
            redirect_to(resp, url);
            err = gh_oauth__commit(e, ctx, resp, t, committed, NULL);
            goto done;
        }
        gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CONSENT_SKIPPED,
                        gh_arena_printf(ctx->arena, "user:%s", subject), r.client_id, subject,
                        NULL, NULL, NULL);
        gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_DONE, subject, d);
        claims_from_consent(ctx, cons, &claims);
        err = issue_code(e, ctx, t, &r, subject, &r.scopes, NULL, auth_time, sid, acr, &claims,
                         resp);
    } else {
        gh_strv granted = gh_oauth__doc_strv(ctx, d, "granted");
        gh_strv gaud = gh_oauth__doc_strv(ctx, d, "granted_audience");
        bool has_gaud = json_is_array(json_object_get(d, "granted_audience"));

        gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_DONE, subject, d);
        err = issue_code(e, ctx, t, &r, subject, &granted, has_gaud ? &gaud : NULL, auth_time,
                         sid, acr, &claims, resp);
    }
    if (err == GH_OK)
        err = gh_oauth__commit(e, ctx, resp, t, committed, NULL);
done:
    json_decref(d);
    return err;
}

gh_err gh_oauth_authorize(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                          gh_oauth_response *resp)
{
    const gh_form *params;
    const char *lv = NULL, *cv = NULL;

    /* SPEC: RFC6749 3.1 - GET must be supported, POST may be (OIDC Core 3.1.2.1: both) */
    if (req->method != NULL && strcmp(req->method, "GET") == 0) {
        params = req->query;
    } else if (req->method != NULL && strcmp(req->method, "POST") == 0) {
        params = req->form;
        if (params == NULL)
            return user_error(resp, GH_E_INVALID_REQUEST,
                              "the body must be application/x-www-form-urlencoded");
    } else {
        (void)user_error(resp, GH_E_INVALID_REQUEST, "the authorization endpoint takes GET or POST");
        resp->status = 405;
        return GH_OK;
    }
    if (gh_form_get_one(params, "login_verifier", &lv) != GH_OK ||
        gh_form_get_one(params, "consent_verifier", &cv) != GH_OK || (lv != NULL && cv != NULL))
        return user_error(resp, GH_E_INVALID_REQUEST, "a verifier is repeated");
    if (lv != NULL)
        return verifier(e, ctx, req, lv, true, resp);
    if (cv != NULL)
        return verifier(e, ctx, req, cv, false, resp);
    return fresh(e, ctx, req, params, resp);
}
