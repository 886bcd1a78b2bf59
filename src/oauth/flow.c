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
        const gh_config_scope *cs = gh_config_scope_find(e->cfg, s.v[i]);

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

static const char *user_actor(gh_ctx *ctx, const char *subject)
{
    return gh_arena_printf(ctx->arena, "user:%s", subject != NULL ? subject : "");
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
    memset(out, 0, sizeof(*out));
    out->challenge = gh_arena_strdup(ctx->arena, challenge);
    scope_views(e, ctx, doc, &out->requested_scope, &out->n_requested_scope);
    out->login_hint = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "login_hint"));
    out->skip = false;
    out->subject = NULL;
    out->session_id = NULL;
    out->request_url = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "request_url"));
    out->requested_at = doc_int(doc, "requested_at");
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

gh_err gh_oauth_login_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                             const gh_oauth_login_answer *in, const char **out_redirect_to,
                             const char **out_msg)
{
    gh_flow *f = NULL;
    json_t *doc = NULL, *data = NULL;
    gh_store_txn *t;
    const char *hash, *verifier;
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
    if (in == NULL || in->subject == NULL || in->subject[0] == '\0' ||
        strlen(in->subject) > GH_FLOW_SUBJECT_MAX || !gh_str_utf8(in->subject, strlen(in->subject))) {
        *out_msg = "subject is required (1 to 255 bytes of UTF-8)";
        err = GH_EINVAL;
        goto done;
    }
    if (in->remember_for < 0) {
        *out_msg = "remember_for must not be negative";
        err = GH_EINVAL;
        goto done;
    }
    if (!text_ok(in->acr, 256)) {
        *out_msg = "acr must be printable ASCII";
        err = GH_EINVAL;
        goto done;
    }
    verifier = gh_oauth__handle_new(ctx, f->id, &hash);
    json_object_set_new(doc, "lv", json_string(hash));
    gh_json_set_str(doc, "subject", in->subject);
    json_object_set_new(doc, "auth_time", json_integer(ctx->now));
    gh_json_set_str(doc, "acr", in->acr);
    json_object_set_new(doc, "remember", json_boolean(in->remember));
    json_object_set_new(doc, "remember_for", json_integer(in->remember_for));
    json_object_set_new(doc, "session_new", json_true());
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_LOGIN_ACCEPTED,
                          gh_arena_strdup(ctx->arena, in->subject), doc);
    data = json_object();
    json_object_set_new(data, "remember", json_boolean(in->remember));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_LOGIN_ACCEPTED, user_actor(ctx, in->subject),
                    f->client_id, in->subject, NULL, NULL, data);
    err = commit_answer(e, ctx, t);
    if (err == GH_OK)
        *out_redirect_to = back_to_authorize(e, ctx, "login_verifier", verifier);
done:
    json_decref(data);
    json_decref(doc);
    return err;
}

/* A rejection of either phase: state 6; query mode redirects to the client at once,
 * form_post goes back through /oauth2/auth (which posts the error). */
static gh_err reject(gh_engine *e, gh_ctx *ctx, const char *challenge, const char *hkey,
                     int from_state, const char *verifier_param, const char *event,
                     const char *error, const char *description, const char **out_redirect_to)
{
    gh_flow *f = NULL;
    json_t *doc = NULL, *data = NULL;
    gh_store_txn *t;
    const char *rm, *verifier = NULL, *hash;
    char *url = NULL;
    gh_err err;

    *out_redirect_to = NULL;
    err = load_by(e, ctx, challenge, hkey, &f, &doc);
    if (err != GH_OK)
        return err;
    if (f->state != from_state) {
        err = GH_ECONFLICT;
        goto done;
    }
    if (error == NULL || error[0] == '\0')
        error = GH_E_ACCESS_DENIED;
    if (!error_code_ok(error) || !text_ok(description, 1024)) {
        err = GH_EINVAL;
        goto done;
    }
    gh_json_set_str(doc, "error", error);
    gh_json_set_str(doc, "error_description", description);
    rm = gh_oauth__doc_str(doc, "response_mode");
    if (rm != NULL && strcmp(rm, "form_post") == 0) {
        verifier = gh_oauth__handle_new(ctx, f->id, &hash);
        json_object_set_new(doc, "rv", json_string(hash));
        url = back_to_authorize(e, ctx, verifier_param, verifier);
    } else {
        url = gh_oauth__flow_error_url(e, ctx, doc, error, description);
    }
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_REJECTED, f->subject, doc);
    data = json_object();
    json_object_set_new(data, "error", json_string(error));
    gh_oauth__audit(ctx, t, event, f->subject != NULL ? user_actor(ctx, f->subject) : "user",
                    f->client_id, f->subject, NULL, NULL, data);
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
    return reject(e, ctx, challenge, "lc", GH_FLOW_LOGIN_PENDING, "login_verifier",
                  GH_OAUTH_AUDIT_LOGIN_REJECTED, error, description, out_redirect_to);
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
    out->skip = false; /* a covering consent never reaches the page (authorize.c) */
    out->login_session_id = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "sid"));
    out->request_url = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(doc, "request_url"));
    out->requested_at = doc_int(doc, "requested_at");
    err = client_view(e, ctx, f->client_id, &out->client);
    if (err == GH_OK && f->state != GH_FLOW_CONSENT_PENDING)
        err = GH_ECONFLICT;
    json_decref(doc);
    return err;
}

gh_err gh_oauth_consent_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                               const gh_oauth_consent_answer *in, const char **out_redirect_to,
                               const char **out_msg)
{
    gh_flow *f = NULL;
    json_t *doc = NULL, *data = NULL, *cdoc = NULL;
    gh_store_txn *t;
    gh_strv requested, granted, remembered, aud;
    gh_consent *row;
    gh_store_op op;
    const char *hash, *verifier;
    int64_t remember_for;
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
    if (in == NULL || (in->n_grant_scope > 0 && in->grant_scope == NULL) ||
        in->remember_for < 0) {
        *out_msg = "the answer is malformed";
        err = GH_EINVAL;
        goto done;
    }
    requested = gh_oauth__doc_strv(ctx, doc, "scope");
    aud = gh_oauth__doc_strv(ctx, doc, "audience");
    granted.v = GH_ARENA_NEWN(ctx->arena, const char *, requested.n + 1);
    granted.n = 0;
    remembered.v = GH_ARENA_NEWN(ctx->arena, const char *, requested.n + 1);
    remembered.n = 0;
    for (size_t i = 0; i < in->n_grant_scope; i++) {
        const char *s = in->grant_scope[i];

        /* SPEC: DESIGN.md - a scope is granted only if requested and consented */
        if (s == NULL || !gh_strv_has(&requested, s)) {
            *out_msg = "a granted scope was not requested";
            err = GH_EINVAL;
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
        cs = gh_config_scope_find(e->cfg, requested.v[i]);
        /* SPEC: DESIGN.md Scope catalog - sensitive scopes are never remembered */
        if (in->remember && cs != NULL && !cs->sensitive)
            remembered.v[remembered.n++] = requested.v[i];
    }
    verifier = gh_oauth__handle_new(ctx, f->id, &hash);
    json_object_set_new(doc, "cv", json_string(hash));
    json_object_set_new(doc, "granted", gh_json_strv(&granted));
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_FLOW_CONSENT_ACCEPTED, f->subject, doc);

    remember_for = in->remember_for > 0 ? in->remember_for : e->cfg->ttl_remembered_consent;
    cdoc = json_object();
    json_object_set_new(cdoc, "requested_scope", gh_json_strv(&requested));
    json_object_set_new(cdoc, "requested_audience", gh_json_strv(&aud));
    gh_json_set_str(cdoc, "session_id", gh_oauth__doc_str(doc, "sid"));
    json_object_set_new(cdoc, "remember", json_boolean(in->remember));
    json_object_set_new(cdoc, "remember_for", json_integer(in->remember ? remember_for : 0));
    row = GH_ARENA_NEW(ctx->arena, gh_consent);
    row->subject = f->subject;
    row->client_id = f->client_id;
    row->scope = gh_strv_join(ctx->arena, &granted);
    row->remembered_scope = gh_strv_join(ctx->arena, &remembered);
    row->audience = gh_strv_join(ctx->arena, &aud);
    row->catalog_version = e->catalog_version;
    row->granted_at = ctx->now;
    row->updated_at = ctx->now;
    row->remember_until = in->remember && remember_for > 0 ? ctx->now + remember_for : 0;
    row->doc = gh_json_dump_a(ctx->arena, cdoc);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_CONSENT_PUT;
    op.u.consent = row;
    gh_store_txn_add(t, &op);

    data = json_object();
    json_object_set_new(data, "requested", gh_json_strv(&requested));
    json_object_set_new(data, "granted", gh_json_strv(&granted));
    json_object_set_new(data, "remembered", gh_json_strv(&remembered));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CONSENT_GRANTED, user_actor(ctx, f->subject),
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
    return reject(e, ctx, challenge, "cc", GH_FLOW_CONSENT_PENDING, "consent_verifier",
                  GH_OAUTH_AUDIT_CONSENT_DENIED, error, description, out_redirect_to);
}
