/*
 * logout.c - RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) at
 * GET|POST /oauth2/sessions/logout, and the logout flow a logout app answers
 * (gh_oauth_logout_get / accept / reject, Hydra's logout_challenge).
 *
 * The request: id_token_hint (verified: our signature and issuer, expiry not checked, section
 * 2), client_id (must agree with the hint's audience), post_logout_redirect_uri (exactly one
 * of the client's registered post_logout_redirect_uris, section 3.1; it needs a client), state
 * (passed back, section 2). A bad request is a user-facing 400, never a redirect. Without a
 * live session there is nothing to end: the browser goes straight to the destination. With
 * one, a LOGOUT flow begins and the browser goes to the logout app (urls.logout); the app's
 * accept brings it back here with ?logout_verifier=, which must come from the same browser
 * (gh_flow cookie): the session is revoked, its cookie cleared, and the browser sent to the
 * post_logout_redirect_uri with state, or to urls.post_logout_redirect.
 *
 * States (flow_int.h): 1 PENDING --gh_oauth_logout_accept--> 2 ACCEPTED --verifier--> 3 DONE;
 * 1 --gh_oauth_logout_reject--> 4 REJECTED. Every transition is a versioned FLOW_UPDATE.
 *
 * Not here: the confirmation page (ui/), sessions (session.c).
 */
#include <string.h>

#include "json/json.h"
#include "oauth/flow_int.h"
#include "oauth/token_int.h"

#define LOGOUT_STATE_MAX 2048

static gh_err user_error(gh_oauth_response *resp, const char *desc)
{
    gh_oauth_response_clear(resp);
    resp->location = NULL;
    resp->n_set_cookie = 0;
    gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, desc);
    resp->user_facing = true;
    resp->no_store = true;
    return GH_OK;
}

static void redirect_to(gh_oauth_response *resp, const char *url)
{
    gh_oauth_response_clear(resp);
    resp->status = 302;
    resp->location = url;
    resp->no_store = true;
}

static gh_err committed(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    (void)e;
    (void)arg;
    if (outcome == GH_OK)
        return GH_OK;
    if (outcome == GH_ECONFLICT || outcome == GH_ENOTFOUND)
        return user_error(resp, "this logout request was already answered or has expired");
    gh_ctx_fail(ctx, "logout: commit: %s", gh_err_str(outcome));
    return outcome;
}

static const char *one(const gh_form *params, const char *name)
{
    const char *v = NULL;

    if (gh_form_get_one(params, name, &v) != GH_OK)
        return NULL;
    return v;
}

/* The verifier's return: ends the session and sends the browser on. */
static gh_err finish(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req, const char *v,
                     gh_oauth_response *resp)
{
    gh_flow *f = NULL;
    json_t *d = NULL;
    gh_session *s = NULL;
    gh_store_txn *t;
    const char *sid;
    gh_err err;

    err = gh_oauth__flow_load(e, ctx, gh_oauth__handle_flow_id(ctx->arena, v), GH_FLOW_LOGOUT, &f,
                              &d);
    if (err == GH_ENOTFOUND)
        return user_error(resp, "this logout request is unknown or has expired");
    if (err != GH_OK)
        return err;
    if (!gh_oauth__handle_matches(ctx->arena, v, gh_oauth__doc_str(d, "lv"))) {
        err = user_error(resp, "this logout request is unknown or has expired");
        goto done;
    }
    if (f->state != GH_LOGOUT_ACCEPTED) {
        err = user_error(resp, "this logout request was already answered");
        goto done;
    }
    if (!gh_oauth__flow_cookie_ok(e, ctx, req->cookie, d)) {
        err = user_error(resp, "this logout request was begun in another browser");
        goto done;
    }
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_LOGOUT_DONE, f->subject, d);
    sid = gh_oauth__doc_str(d, "sid");
    err = sid != NULL ? gh_store_session_get(e->store, sid, ctx->arena, &s) : GH_ENOTFOUND;
    if (err != GH_OK && err != GH_ENOTFOUND) {
        gh_ctx_fail(ctx, "logout: session read: %s", gh_err_str(err));
        goto done;
    }
    if (s != NULL && s->revoked_at == 0) {
        gh_store_op op;

        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_SESSION_REVOKE;
        op.u.revoke.id = s->id;
        op.u.revoke.at = ctx->now;
        gh_store_txn_add(t, &op);
        gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_SESSION_ENDED,
                        gh_arena_printf(ctx->arena, "user:%s", s->subject),
                        gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "client_id")),
                        s->subject, NULL, NULL, NULL);
    }
    redirect_to(resp, gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "target")));
    /* SPEC: RFC6265 5.3 - Max-Age=0 removes the session cookie */
    gh_oauth_cookie(e, ctx, resp, gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_SESSION), "", -1);
    err = gh_oauth__commit(e, ctx, resp, t, committed, NULL);
done:
    json_decref(d);
    return err;
}

gh_err gh_oauth_logout(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                       gh_oauth_response *resp)
{
    static const char *const single[] = {"id_token_hint", "post_logout_redirect_uri", "state",
                                         "client_id", "logout_verifier"};
    const gh_form *params;
    const char *hint, *plru, *state, *client_id, *lv, *hint_client = NULL, *hint_sub = NULL,
                                                      *hint_sid = NULL, *target, *fc, *hash;
    gh_oauth_client *c = NULL;
    gh_session *s = NULL;
    gh_store_txn *t;
    json_t *d;
    char *id, *lc, *url;
    bool rp = false;
    gh_err err;

    if (req->method != NULL && strcmp(req->method, "GET") == 0)
        params = req->query;
    else if (req->method != NULL && strcmp(req->method, "POST") == 0 && req->form != NULL)
        params = req->form;
    else
        return user_error(resp, "the logout endpoint takes GET or a form POST");
    for (size_t i = 0; i < sizeof(single) / sizeof(single[0]); i++)
        if (gh_form_count(params, single[i]) > 1)
            return user_error(resp, gh_arena_printf(ctx->arena, "%s is repeated", single[i]));
    lv = one(params, "logout_verifier");
    if (lv != NULL)
        return finish(e, ctx, req, lv, resp);
    hint = one(params, "id_token_hint");
    plru = one(params, "post_logout_redirect_uri");
    state = one(params, "state");
    client_id = one(params, "client_id");
    if (state != NULL && strlen(state) > LOGOUT_STATE_MAX)
        return user_error(resp, "state is too long");
    if (hint != NULL) {
        /* SPEC: OIDC RP-Initiated Logout 2 - the OP validates the id_token_hint */
        if (gh_oauth__id_token_hint_verify(e, ctx, hint, &hint_client, &hint_sub, &hint_sid) !=
            GH_OK)
            return user_error(resp, "id_token_hint is not valid");
        /* SPEC: OIDC RP-Initiated Logout 2 - client_id must match the hint's audience */
        if (client_id != NULL && strcmp(client_id, hint_client) != 0)
            return user_error(resp, "client_id does not match the id_token_hint");
        client_id = hint_client;
    }
    if (client_id != NULL) {
        err = gh_oauth__client_get(e, ctx, client_id, &c);
        if (err == GH_ENOTFOUND)
            return user_error(resp, "the client is unknown");
        if (err != GH_OK)
            return err;
        client_id = gh_arena_strdup(ctx->arena, c->client_id);
    }
    if (plru != NULL) {
        bool ok = false;

        /* SPEC: OIDC RP-Initiated Logout 3.1 - exact match with a registered URI */
        for (size_t i = 0; c != NULL && i < c->post_logout_redirect_uris.n && !ok; i++)
            ok = strcmp(c->post_logout_redirect_uris.v[i], plru) == 0;
        if (!ok) {
            gh_oauth__client_release(c);
            return user_error(resp, c == NULL ? "post_logout_redirect_uri needs id_token_hint "
                                                "or client_id"
                                              : "post_logout_redirect_uri is not registered");
        }
        target = plru;
        /* SPEC: OIDC RP-Initiated Logout 3 - state is passed back to the RP */
        if (state != NULL)
            target = gh_oauth__url_add(ctx->arena, target, "state", state);
    } else {
        target = gh_oauth__app_url(e, ctx, e->cfg->url_post_logout_redirect, "/ui/logged-out",
                                   NULL, NULL);
    }
    gh_oauth__client_release(c);
    err = gh_oauth__session_find(e, ctx, req->cookie, &s);
    if (err != GH_OK)
        return err;
    if (s == NULL) {
        redirect_to(resp, target);
        return GH_OK;
    }
    rp = hint_sub != NULL && strcmp(hint_sub, s->subject) == 0;
    id = gh_oauth__flow_id_new(ctx);
    lc = gh_oauth__handle_new(ctx, id, &hash);
    d = json_object();
    json_object_set_new(d, "lc", json_string(hash));
    gh_json_set_str(d, "sid", s->id);
    gh_json_set_str(d, "client_id", client_id);
    gh_json_set_str(d, "target", target);
    json_object_set_new(d, "rp_initiated", json_boolean(rp));
    url = gh_arena_printf(ctx->arena, "%s/oauth2/sessions/logout", e->cfg->issuer);
    for (size_t i = 0; i < params->n; i++)
        url = gh_oauth__url_add(ctx->arena, url, params->pairs[i].name, params->pairs[i].value);
    gh_json_set_str(d, "request_url", url);
    redirect_to(resp, gh_oauth__app_url(e, ctx, e->cfg->url_logout, "/ui/logout",
                                        "logout_challenge", lc));
    fc = gh_oauth__flow_cookie(e, ctx, req->cookie, resp);
    json_object_set_new(d, "fc", json_string(gh_sha256_b64url(ctx->arena, fc, strlen(fc))));
    t = gh_store_txn_new(ctx->arena);
    (void)gh_oauth__flow_insert(e, ctx, t, id, GH_FLOW_LOGOUT, GH_LOGOUT_PENDING, client_id,
                                s->subject, d);
    json_decref(d);
    return gh_oauth__commit(e, ctx, resp, t, committed, NULL);
}

/* ---- the logout flow ---- */

static gh_err load_by(gh_engine *e, gh_ctx *ctx, const char *handle, const char *hkey,
                      gh_flow **f, json_t **d)
{
    gh_err err = gh_oauth__flow_load(e, ctx, gh_oauth__handle_flow_id(ctx->arena, handle),
                                     GH_FLOW_LOGOUT, f, d);

    if (err != GH_OK)
        return err;
    if (!gh_oauth__handle_matches(ctx->arena, handle, gh_oauth__doc_str(*d, hkey))) {
        json_decref(*d);
        *d = NULL;
        *f = NULL;
        return GH_ENOTFOUND;
    }
    return GH_OK;
}

gh_err gh_oauth_logout_get(gh_engine *e, gh_ctx *ctx, const char *challenge,
                           gh_oauth_logout_view *out)
{
    gh_flow *f = NULL;
    json_t *d = NULL;
    gh_err err;

    memset(out, 0, sizeof(*out));
    err = load_by(e, ctx, challenge, "lc", &f, &d);
    if (err != GH_OK)
        return err;
    out->challenge = gh_arena_strdup(ctx->arena, challenge);
    out->subject = f->subject;
    out->sid = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "sid"));
    out->client_id = f->client_id;
    out->rp_initiated = json_is_true(json_object_get(d, "rp_initiated"));
    out->request_url = gh_arena_strdup(ctx->arena, gh_oauth__doc_str(d, "request_url"));
    json_decref(d);
    return f->state == GH_LOGOUT_PENDING ? GH_OK : GH_ECONFLICT;
}

gh_err gh_oauth_logout_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                              const char **out_redirect_to)
{
    return gh_oauth_logout_accept_by(e, ctx, challenge, NULL, out_redirect_to);
}

gh_err gh_oauth_logout_accept_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                 const gh_oauth_actor *by, const char **out_redirect_to)
{
    json_t *data;
    gh_flow *f = NULL;
    json_t *d = NULL;
    gh_store_txn *t;
    const char *hash, *v;
    gh_err err;

    *out_redirect_to = NULL;
    err = load_by(e, ctx, challenge, "lc", &f, &d);
    if (err != GH_OK)
        return err;
    if (f->state != GH_LOGOUT_PENDING) {
        err = GH_ECONFLICT;
        goto done;
    }
    v = gh_oauth__handle_new(ctx, f->id, &hash);
    json_object_set_new(d, "lv", json_string(hash));
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_LOGOUT_ACCEPTED, f->subject, d);
    data = gh_oauth__actor_data(by, f->subject);
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_LOGOUT_ACCEPTED, gh_oauth__actor_name(by),
                    f->client_id, f->subject, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err == GH_OK)
        *out_redirect_to = gh_oauth__url_add(
            ctx->arena, gh_arena_printf(ctx->arena, "%s/oauth2/sessions/logout", e->cfg->issuer),
            "logout_verifier", v);
    else if (err != GH_ECONFLICT && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "logout: accept: %s", gh_err_str(err));
done:
    json_decref(d);
    return err;
}

gh_err gh_oauth_logout_reject(gh_engine *e, gh_ctx *ctx, const char *challenge)
{
    return gh_oauth_logout_reject_by(e, ctx, challenge, NULL);
}

gh_err gh_oauth_logout_reject_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                 const gh_oauth_actor *by)
{
    gh_flow *f = NULL;
    json_t *d = NULL, *data;
    gh_store_txn *t;
    gh_err err;

    err = load_by(e, ctx, challenge, "lc", &f, &d);
    if (err != GH_OK)
        return err;
    if (f->state != GH_LOGOUT_PENDING) {
        err = GH_ECONFLICT;
        goto done;
    }
    t = gh_store_txn_new(ctx->arena);
    gh_oauth__flow_update(e, ctx, t, f, GH_LOGOUT_REJECTED, f->subject, d);
    data = gh_oauth__actor_data(by, f->subject);
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_LOGOUT_REJECTED, gh_oauth__actor_name(by),
                    f->client_id, f->subject, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK && err != GH_ECONFLICT && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "logout: reject: %s", gh_err_str(err));
done:
    json_decref(d);
    return err;
}
