/*
 * flow.c - the login and consent phases of an authorization request (Hydra's challenges):
 * what a login or consent app reads (gh_oauth_login_get, gh_oauth_consent_get) and how it
 * answers (accept / reject), plus the flow row helpers the other flow files share.
 *
 * Invariants:
 *   1. A flow row is changed only by a FLOW_UPDATE carrying the version that was read, so of
 *      two concurrent answers to one challenge exactly one commits; the other gets
 *      GH_ECONFLICT.
 *   2. A handle is honoured only while the flow is in the state that issued it, only before
 *      the flow expires (ttl.flow from the latest transition), and only if it hashes to the
 *      hash the doc keeps (constant-time).
 *   3. A verifier is honoured only in the browser that began the flow (the gh_flow cookie,
 *      checked by authorize.c and logout.c).
 *   4. Granted scopes are a subset of the requested; a remembered consent never holds a
 *      sensitive scope.
 *
 * States of an AUTHZ flow and the function of each transition:
 *
 *   (authorize.c: no session)      (authorize.c: live session, consent needed)
 *          |                                   |
 *          v                                   v
 *   1 LOGIN_PENDING --login_accept--> 2 LOGIN_ACCEPTED --/oauth2/auth login_verifier-->
 *          |                                 (session created)       |            |
 *     login_reject                                    consent covered |            | else
 *          v                                                          v            v
 *   6 REJECTED <--consent_reject-- 3 CONSENT_PENDING --consent_accept--> 4 CONSENT_ACCEPTED
 *                                                                                  |
 *                  5 DONE <--/oauth2/auth consent_verifier (code issued)-----------+
 *
 * A rejection redirects to the client with the error (query mode), or, for
 * response_mode=form_post, back to /oauth2/auth with a verifier that answers the error
 * (6 -> 5). Logout flows are in logout.c.
 *
 * Not here: the authorization endpoint (authorize.c), sessions (session.c), consent rows
 * (consent.c).
 */
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "json/json.h"
#include "oauth/client_int.h"
#include "oauth/flow_int.h"

/* ---- handles ---- */

char *gh_oauth__flow_id_new(gh_ctx *ctx)
{
    unsigned char b[16];

    gh_ctx_rand_bytes(ctx, b, sizeof(b));
    return gh_b64url_encode_a(ctx->arena, b, sizeof(b));
}

char *gh_oauth__handle_new(gh_ctx *ctx, const char *flow_id, const char **out_hash)
{
    unsigned char b[32];
    char *secret, *h;

    gh_ctx_rand_bytes(ctx, b, sizeof(b));
    secret = gh_b64url_encode_a(ctx->arena, b, sizeof(b));
    memset(b, 0, sizeof(b));
    h = gh_arena_printf(ctx->arena, "%s%s", flow_id, secret);
    *out_hash = gh_sha256_b64url(ctx->arena, h, strlen(h));
    return h;
}

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

char *gh_oauth__handle_flow_id(gh_arena *a, const char *handle)
{
    if (handle == NULL || strlen(handle) != GH_FLOW_HANDLE_CHARS)
        return NULL;
    for (size_t i = 0; i < GH_FLOW_HANDLE_CHARS; i++)
        if (!b64url_char(handle[i]))
            return NULL;
    return gh_arena_strndup(a, handle, GH_FLOW_ID_CHARS);
}

bool gh_oauth__handle_matches(gh_arena *a, const char *handle, const char *stored_hash)
{
    const char *h;

    if (handle == NULL || stored_hash == NULL)
        return false;
    h = gh_sha256_b64url(a, handle, strlen(handle));
    return gh_ct_streq(h, stored_hash);
}

int64_t gh_oauth__flow_ttl(const gh_engine *e)
{
    return e->cfg->ttl_flow > 0 ? e->cfg->ttl_flow : GH_FLOW_DEFAULT_TTL;
}

int64_t gh_oauth__session_ttl(const gh_engine *e)
{
    return e->cfg->ttl_login_session > 0 ? e->cfg->ttl_login_session : GH_SESSION_DEFAULT_TTL;
}

/* ---- rows and docs ---- */

gh_err gh_oauth__flow_load(gh_engine *e, gh_ctx *ctx, const char *id, gh_flow_kind kind,
                           gh_flow **out, json_t **out_doc)
{
    gh_flow *f = NULL;
    json_t *doc = NULL;
    gh_err err;

    *out = NULL;
    *out_doc = NULL;
    if (id == NULL)
        return GH_ENOTFOUND;
    err = gh_store_flow_get(e->store, id, ctx->arena, &f);
    if (err != GH_OK)
        return err;
    if (f->kind != kind || f->expires_at <= ctx->now)
        return GH_ENOTFOUND;
    if (f->doc == NULL ||
        gh_json_parse_object(f->doc, strlen(f->doc), GH_FLOW_DOC_MAX, &doc, NULL, 0) != GH_OK) {
        gh_ctx_fail(ctx, "flow %s: the stored doc does not parse", id);
        return GH_EINTERNAL;
    }
    *out = f;
    *out_doc = doc;
    return GH_OK;
}

void gh_oauth__flow_update(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const gh_flow *f,
                           int state, const char *subject, const json_t *doc)
{
    gh_flow *n = GH_ARENA_NEW(ctx->arena, gh_flow);
    gh_store_op op;

    *n = *f;
    n->state = state;
    n->subject = subject;
    n->doc = gh_json_dump_a(ctx->arena, doc);
    n->expires_at = ctx->now + gh_oauth__flow_ttl(e);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_FLOW_UPDATE;
    op.u.flow = n;
    gh_store_txn_add(t, &op);
}

gh_flow *gh_oauth__flow_insert(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const char *id,
                               gh_flow_kind kind, int state, const char *client_id,
                               const char *subject, const json_t *doc)
{
    gh_flow *n = GH_ARENA_NEW(ctx->arena, gh_flow);
    gh_store_op op;

    n->id = id;
    n->kind = kind;
    n->state = state;
    n->client_id = client_id;
    n->subject = subject;
    n->doc = gh_json_dump_a(ctx->arena, doc);
    n->version = 1;
    n->created_at = ctx->now;
    n->expires_at = ctx->now + gh_oauth__flow_ttl(e);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_FLOW_INSERT;
    op.u.flow = n;
    gh_store_txn_add(t, &op);
    return n;
}

const char *gh_oauth__doc_str(const json_t *doc, const char *key)
{
    const json_t *v = json_object_get(doc, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

gh_strv gh_oauth__doc_strv(gh_ctx *ctx, const json_t *doc, const char *key)
{
    gh_strv out = {NULL, 0};

    if (gh_json_get_strv(doc, key, ctx->arena, GH_LIMIT_SCOPES * 4, &out) != GH_OK) {
        out.v = NULL;
        out.n = 0;
    }
    return out;
}

bool gh_oauth__flow_cookie_ok(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                              const json_t *doc)
{
    const char *v =
        gh_oauth_cookie_get(ctx, cookie_header, gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_FLOW));

    return v != NULL && gh_oauth__handle_matches(ctx->arena, v, gh_oauth__doc_str(doc, "fc"));
}

const char *gh_oauth__flow_cookie(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                                  gh_oauth_response *resp)
{
    const char *name = gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_FLOW);
    const char *v = gh_oauth_cookie_get(ctx, cookie_header, name);
    unsigned char b[32];
    bool ok = v != NULL && strlen(v) == GH_FLOW_SECRET_CHARS;

    for (size_t i = 0; ok && i < GH_FLOW_SECRET_CHARS; i++)
        ok = b64url_char(v[i]);
    if (ok)
        return v;
    gh_ctx_rand_bytes(ctx, b, sizeof(b));
    v = gh_b64url_encode_a(ctx->arena, b, sizeof(b));
    memset(b, 0, sizeof(b));
    gh_oauth_cookie(e, ctx, resp, name, v, 0);
    return v;
}

/* ---- clients ---- */

bool gh_oauth__flow_redirect_ok(const gh_oauth_client *c, const char *redirect_uri)
{
    /* SPEC: RFC6749 3.1.2.3 exact match; RFC8252 7.3 any loopback port */
    return gh_oauth__redirect_uri_match(&c->redirect_uris, redirect_uri);
}

void gh_oauth__client_view_fill(gh_ctx *ctx, const gh_oauth_client *c, gh_oauth_client_view *v)
{
    v->client_id = gh_arena_strdup(ctx->arena, c->client_id);
    v->client_name = gh_arena_strdup(ctx->arena, c->client_name);
    v->client_uri = gh_arena_strdup(ctx->arena, c->client_uri);
    v->logo_uri = gh_arena_strdup(ctx->arena, c->logo_uri);
    v->policy_uri = gh_arena_strdup(ctx->arena, c->policy_uri);
    v->tos_uri = gh_arena_strdup(ctx->arena, c->tos_uri);
}

/* The client view of a flow's client; a client deleted since shows its id alone. */
static gh_err client_view(gh_engine *e, gh_ctx *ctx, const char *client_id,
                          gh_oauth_client_view *v)
{
    gh_oauth_client *c = NULL;
    gh_err err;

    memset(v, 0, sizeof(*v));
    v->client_id = client_id;
    if (client_id == NULL)
        return GH_OK;
    err = gh_oauth__client_get(e, ctx, client_id, &c);
    if (err == GH_ENOTFOUND)
        return GH_OK;
    if (err != GH_OK)
        return err;
    gh_oauth__client_view_fill(ctx, c, v);
    gh_oauth__client_release(c);
    return GH_OK;
}

/* The requested scopes of a doc with the catalog's descriptions. */
static void scope_views(gh_engine *e, gh_ctx *ctx, const json_t *doc,
                        const gh_oauth_scope_view **out, size_t *out_n)
{
    gh_strv s = gh_oauth__doc_strv(ctx, doc, "scope");
    gh_oauth_scope_view *v = GH_ARENA_NEWN(ctx->arena, gh_oauth_scope_view, s.n + 1);

    for (size_t i = 0; i < s.n; i++) {
        const gh_config_scope *cs = gh_config_scope_find(gh_oauth__catalog_cfg(e, ctx), s.v[i]);

        v[i].name = s.v[i];
        v[i].description = cs != NULL ? cs->description : s.v[i];
        v[i].sensitive = cs != NULL && cs->sensitive;
    }
    *out = v;
    *out_n = s.n;
}

static int64_t doc_int(const json_t *doc, const char *key)
{
    int64_t v = 0;

    if (gh_json_get_int(doc, key, &v) != GH_OK)
        return 0;
    return v;
}

/* Loads the AUTHZ flow named by handle, which must match the doc's member hkey. */
static gh_err load_by(gh_engine *e, gh_ctx *ctx, const char *handle, const char *hkey,
                      gh_flow **out, json_t **out_doc)
{
    char *id = gh_oauth__handle_flow_id(ctx->arena, handle);
    gh_err err;

    err = gh_oauth__flow_load(e, ctx, id, GH_FLOW_AUTHZ, out, out_doc);
    if (err != GH_OK)
        return err;
    if (!gh_oauth__handle_matches(ctx->arena, handle, gh_oauth__doc_str(*out_doc, hkey))) {
        json_decref(*out_doc);
        *out_doc = NULL;
        *out = NULL;
        return GH_ENOTFOUND;
    }
    return GH_OK;
}

/* Commits an answer: a version conflict or a purged flow is the caller's to report. */
static gh_err commit_answer(gh_engine *e, gh_ctx *ctx, gh_store_txn *t)
{
    gh_err err = gh_store_commit(e->store, t);

    if (err != GH_OK && err != GH_ECONFLICT && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "flow: commit: %s", gh_err_str(err));
    return err;
}

/* The audit actor of an answer: the app that gave it (DESIGN.md: every decision traced). */
const char *gh_oauth__actor_name(const gh_oauth_actor *by)
{
    return by != NULL && by->app != NULL ? by->app : GH_OAUTH_ACTOR_UI;
}

/* The audit data of an answer: the subject it concerns, and for the admin API the caller's
 * address and User-Agent. Returns a new reference. */
json_t *gh_oauth__actor_data(const gh_oauth_actor *by, const char *subject)
{
    json_t *d = json_object();

    gh_json_set_str(d, "subject", subject);
    if (by != NULL) {
        gh_json_set_str(d, "remote_addr", by->remote_addr);
        if (by->user_agent != NULL && gh_str_utf8(by->user_agent, strlen(by->user_agent)))
            json_object_set_new(d, "user_agent",
                                json_stringn(by->user_agent, strnlen(by->user_agent, 512)));
    }
    return d;
}

/* SPEC: RFC6749 5.2 error = 1*( %x20-21 / %x23-5B / %x5D-7E ) */
static bool error_code_ok(const char *s)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 128)
        return false;
    for (const char *p = s; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
            return false;
    return true;
}

static bool text_ok(const char *s, size_t max)
{
    size_t n;

    if (s == NULL)
        return true;
    n = strlen(s);
    return n <= max && error_code_ok(n > 0 ? s : "x");
}

/* ---- login ---- */

static gh_err login_view(gh_engine *e, gh_ctx *ctx, const char *challenge, const gh_flow *f,
                         const json_t *doc, gh_oauth_login_view *out)
{
    gh_strv aud;

    memset(out, 0, sizeof(*out));
    out->challenge = gh_arena_strdup(ctx->arena, challenge);
    scope_views(e, ctx, doc, &out->requested_scope, &out->n_requested_scope);
    out->login_hint = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "login_hint"));
    /* Hydra: skip when the browser has a session and prompt=login was not asked (only for a
     * configured login app; the built-in UI never sees a live session's login). */
    out->skip = json_is_true(json_object_get(doc, "skip"));
    out->subject = out->skip ? gh_arena_strdup(ctx->arena, f->subject) : NULL;
    out->session_id = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "sid"));
    out->request_url = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "request_url"));
    out->requested_at = doc_int(doc, "requested_at");
    aud = gh_oauth__doc_strv(ctx, doc, "audience");
    out->requested_audience = aud.v;
    out->n_requested_audience = aud.n;
    out->acr_values = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "acr_values"));
    out->ui_locales = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "ui_locales"));
    out->display = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "display"));
    return client_view(e, ctx, f->client_id, &out->client);
}

gh_err gh_oauth_login_get(gh_engine *e, gh_ctx *ctx, const char *challenge,
                          gh_oauth_login_view *out)
{
    gh_flow *f = NULL;
    json_t *doc = NULL;
    gh_err err;

    memset(out, 0, sizeof(*out));
    err = load_by(e, ctx, challenge, "lc", &f, &doc);
    if (err != GH_OK)
        return err;
    err = login_view(e, ctx, challenge, f, doc, out);
    if (err == GH_OK && f->state != GH_FLOW_LOGIN_PENDING)
        err = GH_ECONFLICT; /* Hydra's 410: already handled */
    json_decref(doc);
    return err;
}

/* The URL that brings the browser back to /oauth2/auth with a verifier. */
static char *back_to_authorize(gh_engine *e, gh_ctx *ctx, const char *name, const char *v)
{
    return gh_oauth__url_add(ctx->arena,
                             gh_arena_printf(ctx->arena, "%s/oauth2/auth", e->cfg->issuer), name,
                             v);
}

/* OIDC Core 2 amr: an array of at most 16 strings of printable ASCII, 1 to 64 bytes each. */
static bool amr_ok(const json_t *amr)
{
    size_t i;
    const json_t *v;

    if (!json_is_array(amr) || json_array_size(amr) > 16)
        return false;
    json_array_foreach(amr, i, v) {
        if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 64 ||
            !error_code_ok(json_string_value(v)))
            return false;
    }
    return true;
}

/* An object given by an app (context, token claims), at most GH_FLOW_APP_JSON_MAX bytes
 * encoded. */
static bool app_object_ok(gh_ctx *ctx, const json_t *o)
{
    const char *text;

    if (!json_is_object(o))
        return false;
    text = gh_json_dump_a(ctx->arena, o);
    return text != NULL && strlen(text) <= GH_FLOW_APP_JSON_MAX;
}

gh_err gh_oauth_login_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                             const gh_oauth_login_answer *in, const char **out_redirect_to,
                             const char **out_msg)
{
    gh_flow *f = NULL;
    json_t *doc = NULL, *data = NULL;
    gh_store_txn *t;
    const char *hash, *verifier;
    bool skip;
    gh_err err;

    *out_redirect_to = NULL;
    *out_msg = NULL;
    err = load_by(e, ctx, challenge, "lc", &f, &doc);
    if (err != GH_OK)
        return err;
    if (f->state != GH_FLOW_LOGIN_PENDING) {
        err = GH_ECONFLICT;
        goto done;
    }
    err = GH_EINVAL;
    if (in == NULL || in->subject == NULL || in->subject[0] == '\0' ||
        strlen(in->subject) > GH_FLOW_SUBJECT_MAX || !gh_str_utf8(in->subject, strlen(in->subject))) {
        *out_msg = "subject is required (1 to 255 bytes of UTF-8)";
        goto done;
    }
    if (in->remember_for < 0) {
        *out_msg = "remember_for must not be negative";
        goto done;
    }
    if (!text_ok(in->acr, 256)) {
        *out_msg = "acr must be printable ASCII";
        goto done;
    }
    if (in->amr != NULL && !amr_ok(in->amr)) {
        *out_msg = "amr must be an array of at most 16 short printable strings";
        goto done;
    }
    if (in->context != NULL && !app_object_ok(ctx, in->context)) {
        *out_msg = "context must be a JSON object of at most 8 KiB";
        goto done;
    }
    skip = json_is_true(json_object_get(doc, "skip"));
    /* Hydra: with skip, the subject is the session's; another one is refused. */
    if (skip && (f->subject == NULL || strcmp(f->subject, in->subject) != 0)) {
        *out_msg = "subject does not match the subject of the existing login session";
        goto done;
    }
    verifier = gh_oauth__handle_new(ctx, f->id, &hash);
    json_object_set_new(doc, "lv", json_string(hash));
    gh_json_set_str(doc, "subject", in->subject);
    /* The answered challenge can no longer answer anything (the state moves on with this
     * update): it is kept for the consent request's login_challenge, as Hydra shows it. */
    gh_json_set_str(doc, "login_challenge", challenge);
    if (!skip)
        json_object_set_new(doc, "auth_time", json_integer(ctx->now));
    if (in->acr != NULL || !skip)
        gh_json_set_str(doc, "acr", in->acr);
    if (in->amr != NULL)
        json_object_set(doc, "amr", (json_t *)in->amr);
    if (in->context != NULL)
        json_object_set(doc, "context", (json_t *)in->context);
    json_object_set_new(doc, "remember", json_boolean(in->remember));
    json_object_set_new(doc, "remember_for", json_integer(in->remember_for));
    json_object_set_new(doc, "hydra_remember", json_boolean(in->hydra_remember));
    json_object_set_new(doc, "session_new", json_boolean(!skip));
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_LOGIN_ACCEPTED,
                          gh_arena_strdup(ctx->arena, in->subject), doc);
    data = gh_oauth__actor_data(in->by, in->subject);
    json_object_set_new(data, "remember", json_boolean(in->remember));
    json_object_set_new(data, "skip", json_boolean(skip));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_LOGIN_ACCEPTED, gh_oauth__actor_name(in->by),
                    f->client_id, in->subject, NULL, NULL, data);
    err = commit_answer(e, ctx, t);
    if (err == GH_OK)
        *out_redirect_to = back_to_authorize(e, ctx, "login_verifier", verifier);
done:
    json_decref(data);
    json_decref(doc);
    return err;
}

/* A rejection of either phase: state 6; for the built-in UI in query mode the redirect goes
 * to the client at once; an admin API answer (as Hydra's) and form_post go back through
 * /oauth2/auth with a verifier (which answers the error to the client). */
static gh_err reject(gh_engine *e, gh_ctx *ctx, const char *challenge, const char *hkey,
                     int from_state, const char *verifier_param, const char *event,
                     const gh_oauth_reject_in *in, const gh_oauth_actor *by,
                     const char **out_redirect_to, const char **out_msg)
{
    gh_flow *f = NULL;
    json_t *doc = NULL, *data = NULL;
    gh_store_txn *t;
    const char *rm, *verifier = NULL, *hash, *error, *description;
    char *url = NULL;
    gh_err err;

    *out_redirect_to = NULL;
    *out_msg = NULL;
    err = load_by(e, ctx, challenge, hkey, &f, &doc);
    if (err != GH_OK)
        return err;
    if (f->state != from_state) {
        err = GH_ECONFLICT;
        goto done;
    }
    error = in != NULL ? in->error : NULL;
    description = in != NULL ? in->error_description : NULL;
    if (error == NULL || error[0] == '\0')
        error = GH_E_ACCESS_DENIED;
    if (description != NULL && description[0] == '\0')
        description = NULL;
    if (!error_code_ok(error) || !text_ok(description, 1024) ||
        (in != NULL && !text_ok(in->error_hint, 1024))) {
        *out_msg = "error, error_description and error_hint must be printable ASCII (error at "
                   "most 128 bytes, the others 1024)";
        err = GH_EINVAL;
        goto done;
    }
    /* Hydra (fosite) tells the client the description followed by the hint. */
    if (in != NULL && in->error_hint != NULL && in->error_hint[0] != '\0')
        description = description != NULL
                          ? gh_arena_printf(ctx->arena, "%s %s", description, in->error_hint)
                          : in->error_hint;
    gh_json_set_str(doc, "error", error);
    gh_json_set_str(doc, "error_description", description);
    rm = gh_oauth__doc_str(doc, "response_mode");
    /* Hydra: an admin API rejection, like any answer, goes back through /oauth2/auth (the
     * browser's flow cookie is checked there) before the error reaches the client. */
    if (by != NULL || (rm != NULL && strcmp(rm, "form_post") == 0)) {
        verifier = gh_oauth__handle_new(ctx, f->id, &hash);
        json_object_set_new(doc, "rv", json_string(hash));
        url = back_to_authorize(e, ctx, verifier_param, verifier);
    } else {
        url = gh_oauth__flow_error_url(e, ctx, doc, error, description);
    }
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_REJECTED, f->subject, doc);
    data = gh_oauth__actor_data(by, f->subject);
    json_object_set_new(data, "error", json_string(error));
    gh_oauth__audit(ctx, t, event, gh_oauth__actor_name(by), f->client_id, f->subject, NULL,
                    NULL, data);
    err = commit_answer(e, ctx, t);
    if (err == GH_OK)
        *out_redirect_to = url;
done:
    json_decref(data);
    json_decref(doc);
    return err;
}

gh_err gh_oauth_login_reject(gh_engine *e, gh_ctx *ctx, const char *challenge, const char *error,
                             const char *description, const char **out_redirect_to)
{
    gh_oauth_reject_in in = {error, description, NULL};
    const char *msg = NULL;

    return reject(e, ctx, challenge, "lc", GH_FLOW_LOGIN_PENDING, "login_verifier",
                  GH_OAUTH_AUDIT_LOGIN_REJECTED, &in, NULL, out_redirect_to, &msg);
}

gh_err gh_oauth_login_reject_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                const gh_oauth_reject_in *in, const gh_oauth_actor *by,
                                const char **out_redirect_to, const char **out_msg)
{
    return reject(e, ctx, challenge, "lc", GH_FLOW_LOGIN_PENDING, "login_verifier",
                  GH_OAUTH_AUDIT_LOGIN_REJECTED, in, by, out_redirect_to, out_msg);
}

/* ---- consent ---- */

/* The host of a URI as shown to the user: the authority without userinfo and port, or the
 * scheme of a URI without one (a private-use scheme). */
static const char *uri_host(gh_ctx *ctx, const char *uri)
{
    const char *p, *a, *end, *at, *colon;

    if (uri == NULL)
        return NULL;
    p = strstr(uri, "://");
    if (p == NULL) {
        const char *c = strchr(uri, ':');
        return c != NULL ? gh_arena_strndup(ctx->arena, uri, (size_t)(c - uri)) : uri;
    }
    a = p + 3;
    end = a + strcspn(a, "/?#");
    at = memchr(a, '@', (size_t)(end - a));
    if (at != NULL)
        a = at + 1;
    if (*a == '[') {
        const char *rb = memchr(a, ']', (size_t)(end - a));
        if (rb != NULL)
            end = rb + 1;
    } else {
        colon = memchr(a, ':', (size_t)(end - a));
        if (colon != NULL)
            end = colon;
    }
    return gh_arena_strndup(ctx->arena, a, (size_t)(end - a));
}

gh_err gh_oauth_consent_get(gh_engine *e, gh_ctx *ctx, const char *challenge,
                            gh_oauth_consent_view *out)
{
    gh_flow *f = NULL;
    json_t *doc = NULL;
    gh_strv aud;
    gh_err err;

    memset(out, 0, sizeof(*out));
    err = load_by(e, ctx, challenge, "cc", &f, &doc);
    if (err != GH_OK)
        return err;
    out->challenge = gh_arena_strdup(ctx->arena, challenge);
    out->subject = f->subject;
    scope_views(e, ctx, doc, &out->requested_scope, &out->n_requested_scope);
    aud = gh_oauth__doc_strv(ctx, doc, "audience");
    out->requested_audience = aud.v;
    out->n_requested_audience = aud.n;
    out->redirect_host = uri_host(ctx, gh_oauth__doc_str(doc, "redirect_to"));
    /* A covering consent reaches a configured consent app with skip (Hydra); the built-in
     * page is never shown one (authorize.c issues the code at once). */
    out->skip = json_is_true(json_object_get(doc, "consent_skip"));
    out->login_session_id = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "sid"));
    out->request_url = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "request_url"));
    out->requested_at = doc_int(doc, "requested_at");
    out->login_challenge = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "login_challenge"));
    out->acr = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "acr"));
    if (json_is_array(json_object_get(doc, "amr")))
        out->amr = gh_json_dump_a(ctx->arena, json_object_get(doc, "amr"));
    if (json_is_object(json_object_get(doc, "context")))
        out->context = gh_json_dump_a(ctx->arena, json_object_get(doc, "context"));
    out->login_hint = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "login_hint"));
    out->acr_values = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "acr_values"));
    out->ui_locales = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "ui_locales"));
    out->display = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "display"));
    err = client_view(e, ctx, f->client_id, &out->client);
    if (err == GH_OK && f->state != GH_FLOW_CONSENT_PENDING)
        err = GH_ECONFLICT;
    json_decref(doc);
    return err;
}

/* Claims of the ID token that only gatehouse sets (OIDC Core 2, 3.1.3.6, 3.3.2.11; RFC 7519
 * 4.1; OIDC Front-Channel Logout 3): a consent app may not give them. */
static const char *const reserved_id_claims[] = {
    "iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce", "acr", "amr",
    "azp", "at_hash", "c_hash", "s_hash", "sid", "cnf", "client_id", "scope"};

bool gh_oauth__id_claim_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof(reserved_id_claims) / sizeof(reserved_id_claims[0]); i++)
        if (strcmp(name, reserved_id_claims[i]) == 0)
            return true;
    return false;
}

/* Checks a consent answer's claims and audience; *out_msg says what is wrong. */
static bool consent_extras_ok(gh_ctx *ctx, const gh_oauth_consent_answer *in, const gh_strv *aud,
                              const char **out_msg)
{
    const char *k;
    json_t *v;

    if (in->access_token_claims != NULL && !app_object_ok(ctx, in->access_token_claims)) {
        *out_msg = "session.access_token must be a JSON object of at most 8 KiB";
        return false;
    }
    if (in->id_token_claims != NULL && !app_object_ok(ctx, in->id_token_claims)) {
        *out_msg = "session.id_token must be a JSON object of at most 8 KiB";
        return false;
    }
    /* SPEC: issue 4 - gatehouse's own claims cannot be overwritten */
    json_object_foreach((json_t *)in->id_token_claims, k, v) {
        (void)v;
        if (gh_oauth__id_claim_reserved(k)) {
            *out_msg = gh_arena_printf(ctx->arena,
                                       "session.id_token may not set the claim %s (gatehouse "
                                       "sets it)",
                                       strlen(k) <= 32 && gh_str_utf8(k, strlen(k)) ? k : "");
            return false;
        }
    }
    if (in->audience_given) {
        if (in->n_grant_audience > 0 && in->grant_audience == NULL) {
            *out_msg = "the answer is malformed";
            return false;
        }
        /* SPEC: RFC8707 2 - the token's audience is one the request named */
        for (size_t i = 0; i < in->n_grant_audience; i++)
            if (in->grant_audience[i] == NULL || !gh_strv_has(aud, in->grant_audience[i])) {
                *out_msg = "a granted audience was not requested";
                return false;
            }
    }
    return true;
}

gh_err gh_oauth_consent_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                               const gh_oauth_consent_answer *in, const char **out_redirect_to,
                               const char **out_msg)
{
    gh_flow *f = NULL;
    json_t *doc = NULL, *data = NULL, *cdoc = NULL;
    gh_store_txn *t;
    gh_strv requested, granted, remembered, aud, gaud;
    gh_consent *row;
    gh_store_op op;
    const char *hash, *verifier;
    int64_t remember_for;
    bool skip, put;
    gh_err err;

    *out_redirect_to = NULL;
    *out_msg = NULL;
    err = load_by(e, ctx, challenge, "cc", &f, &doc);
    if (err != GH_OK)
        return err;
    if (f->state != GH_FLOW_CONSENT_PENDING) {
        err = GH_ECONFLICT;
        goto done;
    }
    err = GH_EINVAL;
    if (in == NULL || (in->n_grant_scope > 0 && in->grant_scope == NULL) ||
        in->remember_for < 0) {
        *out_msg = in != NULL && in->remember_for < 0 ? "remember_for must not be negative"
                                                      : "the answer is malformed";
        goto done;
    }
    requested = gh_oauth__doc_strv(ctx, doc, "scope");
    aud = gh_oauth__doc_strv(ctx, doc, "audience");
    if (!consent_extras_ok(ctx, in, &aud, out_msg))
        goto done;
    granted.v = GH_ARENA_NEWN(ctx->arena, const char *, requested.n + 1);
    granted.n = 0;
    remembered.v = GH_ARENA_NEWN(ctx->arena, const char *, requested.n + 1);
    remembered.n = 0;
    for (size_t i = 0; i < in->n_grant_scope; i++) {
        const char *s = in->grant_scope[i];

        /* SPEC: DESIGN.md - a scope is granted only if in the catalog, requested and
         * consented (the catalog may have changed since the request) */
        if (s == NULL || !gh_strv_has(&requested, s)) {
            *out_msg = "a granted scope was not requested";
            goto done;
        }
        if (gh_config_scope_find(gh_oauth__catalog_cfg(e, ctx), s) == NULL) {
            *out_msg = "a granted scope is not in the scope catalog";
            goto done;
        }
    }
    /* Request order, each once. */
    for (size_t i = 0; i < requested.n; i++) {
        bool ticked = false;
        const gh_config_scope *cs;

        for (size_t j = 0; j < in->n_grant_scope && !ticked; j++)
            ticked = strcmp(in->grant_scope[j], requested.v[i]) == 0;
        if (!ticked)
            continue;
        granted.v[granted.n++] = requested.v[i];
        cs = gh_config_scope_find(gh_oauth__catalog_cfg(e, ctx), requested.v[i]);
        /* SPEC: DESIGN.md Scope catalog - sensitive scopes are never remembered */
        if (in->remember && cs != NULL && !cs->sensitive)
            remembered.v[remembered.n++] = requested.v[i];
    }
    /* The granted audience: the request's for the built-in UI, the app's (a subset) else. */
    gaud = aud;
    if (in->audience_given) {
        gaud.v = GH_ARENA_NEWN(ctx->arena, const char *, aud.n + 1);
        gaud.n = 0;
        for (size_t i = 0; i < aud.n; i++)
            for (size_t j = 0; j < in->n_grant_audience; j++)
                if (strcmp(in->grant_audience[j], aud.v[i]) == 0) {
                    gaud.v[gaud.n++] = aud.v[i];
                    break;
                }
    }
    skip = json_is_true(json_object_get(doc, "consent_skip"));
    verifier = gh_oauth__handle_new(ctx, f->id, &hash);
    json_object_set_new(doc, "cv", json_string(hash));
    json_object_set_new(doc, "granted", gh_json_strv(&granted));
    json_object_set_new(doc, "granted_audience", gh_json_strv(&gaud));
    if (in->access_token_claims != NULL)
        json_object_set(doc, "at_claims", (json_t *)in->access_token_claims);
    if (in->id_token_claims != NULL)
        json_object_set(doc, "id_claims", (json_t *)in->id_token_claims);
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_CONSENT_ACCEPTED, f->subject, doc);

    /* Hydra: a skipped consent answered without remember leaves the remembered one as it
     * was (the app only confirms it). */
    put = !(skip && !in->remember);
    if (in->hydra_remember)
        remember_for = in->remember_for; /* Hydra: 0 = until revoked */
    else
        remember_for = in->remember_for > 0 ? in->remember_for : e->cfg->ttl_remembered_consent;
    cdoc = json_object();
    json_object_set_new(cdoc, "requested_scope", gh_json_strv(&requested));
    json_object_set_new(cdoc, "requested_audience", gh_json_strv(&aud));
    gh_json_set_str(cdoc, "session_id", gh_oauth__doc_str(doc, "sid"));
    json_object_set_new(cdoc, "remember", json_boolean(in->remember));
    json_object_set_new(cdoc, "remember_for", json_integer(in->remember ? remember_for : 0));
    /* Kept as JSON text so that the hot path (authorize.c) reads them with a scan. */
    if (in->access_token_claims != NULL)
        gh_json_set_str(cdoc, "at_claims", gh_json_dump_a(ctx->arena, in->access_token_claims));
    if (in->id_token_claims != NULL)
        gh_json_set_str(cdoc, "id_claims", gh_json_dump_a(ctx->arena, in->id_token_claims));
    row = GH_ARENA_NEW(ctx->arena, gh_consent);
    row->subject = f->subject;
    row->client_id = f->client_id;
    row->scope = gh_strv_join(ctx->arena, &granted);
    row->remembered_scope = gh_strv_join(ctx->arena, &remembered);
    row->audience = gh_strv_join(ctx->arena, &gaud);
    row->catalog_version = gh_oauth__catalog(e, ctx)->version;
    row->granted_at = ctx->now;
    row->updated_at = ctx->now;
    row->remember_until = in->remember && remember_for > 0 ? ctx->now + remember_for : 0;
    row->doc = gh_json_dump_a(ctx->arena, cdoc);
    if (put) {
        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_CONSENT_PUT;
        op.u.consent = row;
        gh_store_txn_add(t, &op);
    }

    data = gh_oauth__actor_data(in->by, f->subject);
    json_object_set_new(data, "requested", gh_json_strv(&requested));
    json_object_set_new(data, "granted", gh_json_strv(&granted));
    json_object_set_new(data, "remembered", gh_json_strv(&remembered));
    json_object_set_new(data, "audience", gh_json_strv(&gaud));
    json_object_set_new(data, "skip", json_boolean(skip));
    if (in->access_token_claims != NULL || in->id_token_claims != NULL)
        json_object_set_new(data, "claims", json_true());
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CONSENT_GRANTED, gh_oauth__actor_name(in->by),
                    f->client_id, f->subject, NULL, row->scope, data);
    err = commit_answer(e, ctx, t);
    if (err == GH_OK)
        *out_redirect_to = back_to_authorize(e, ctx, "consent_verifier", verifier);
done:
    json_decref(cdoc);
    json_decref(data);
    json_decref(doc);
    return err;
}

gh_err gh_oauth_consent_reject(gh_engine *e, gh_ctx *ctx, const char *challenge,
                               const char *error, const char *description,
                               const char **out_redirect_to)
{
    gh_oauth_reject_in in = {error, description, NULL};
    const char *msg = NULL;

    return reject(e, ctx, challenge, "cc", GH_FLOW_CONSENT_PENDING, "consent_verifier",
                  GH_OAUTH_AUDIT_CONSENT_DENIED, &in, NULL, out_redirect_to, &msg);
}

gh_err gh_oauth_consent_reject_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                  const gh_oauth_reject_in *in, const gh_oauth_actor *by,
                                  const char **out_redirect_to, const char **out_msg)
{
    return reject(e, ctx, challenge, "cc", GH_FLOW_CONSENT_PENDING, "consent_verifier",
                  GH_OAUTH_AUDIT_CONSENT_DENIED, in, by, out_redirect_to, out_msg);
}
