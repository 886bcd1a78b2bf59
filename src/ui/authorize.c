/*
 * authorize.c - the HTML face of /oauth2/auth and /oauth2/sessions/logout.
 *
 * The engine answers these endpoints like any other (gh_oauth_authorize, gh_oauth_logout);
 * two of its answers are for a browser rather than a client, and are rendered here:
 *   - an error that must not be sent to the client (unknown client, unregistered redirect
 *     URI, a bad logout request: RFC 6749 4.1.2.1 says the user is told, not redirected),
 *     flagged user_facing: an error page with the status kept and the error_description,
 *     or, when urls.error is configured (Hydra's), a redirect there with error and
 *     error_description in the query;
 *   - response_mode=form_post (OAuth 2.0 Form Post Response Mode 2): the authorization
 *     response as a form that POSTs itself to the client's redirect URI. Its policy allows
 *     one script by hash and form-action to the client's origin only; without JavaScript
 *     a button submits it.
 * Everything else (redirects, JSON) passes through untouched. A deferred answer (the engine
 * left a commit pending) is rendered when the commit lands, by wrapping on_commit.
 *
 * Not here: the protocol (oauth/authorize.c, oauth/logout.c).
 */
#include <string.h>

#include "ui/ui.h"
#include "ui/ui_int.h"

typedef struct deferred {
    gh_err (*fn)(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg, gh_err outcome);
    void *arg;
} deferred;

static gh_err render(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp)
{
    gh_ui_req u;
    gh_err err;

    memset(&u, 0, sizeof(u));
    u.e = e;
    u.ctx = ctx;
    u.resp = resp;
    if (resp->form_post_action != NULL) {
        const char *origin = gh_ui__origin(ctx->arena, resp->form_post_action);
        gh_ui_html page;

        err = origin != NULL
                  ? gh_ui__form_post_page(ctx->arena, resp->form_post_action, resp->body, &page)
                  : GH_EINVAL;
        if (err == GH_EINVAL) {
            /* Only http(s) redirect URIs can receive a form (a native app's scheme cannot). */
            return gh_ui__message(&u, 400, "invalid_request", "This request cannot be completed",
                                  "This app cannot receive the answer as a form post.");
        }
        if (err != GH_OK)
            return err;
        /* SPEC: OAuth 2.0 Form Post Response Mode 2: the parameters go in a POST to the
         * redirect URI; only that origin may be the form's target. */
        gh_ui__send(&u, 200, &page, gh_ui__csp(ctx->arena, origin, true));
        return GH_OK;
    }
    if (resp->user_facing) {
        int status = resp->status >= 400 ? resp->status : 400;
        const char *desc = NULL, *url_error = gh_engine_config(e)->url_error;
        if (resp->body != NULL)
            desc = json_string_value(json_object_get(resp->body, "error_description"));
        if (resp->error == NULL && resp->body != NULL)
            resp->error = gh_arena_strdup(
                ctx->arena, json_string_value(json_object_get(resp->body, "error")));
        if (url_error != NULL) {
            /* Hydra's urls.error: the operator's page tells the user, with error and
             * error_description in the query. Still never the client's redirect URI. */
            const char *code = resp->error != NULL ? resp->error : "invalid_request";
            char *loc = gh_arena_printf(
                ctx->arena, "%s%cerror=%s", url_error, strchr(url_error, '?') != NULL ? '&' : '?',
                gh_url_encode(ctx->arena, code));

            if (desc != NULL)
                loc = gh_arena_printf(ctx->arena, "%s&error_description=%s", loc,
                                      gh_url_encode(ctx->arena, desc));
            resp->error = code;
            gh_oauth_response_clear(resp);
            resp->status = 302;
            resp->location = loc;
            resp->user_facing = false;
            resp->no_store = true;
            return GH_OK;
        }
        /* SPEC: RFC6749 4.1.2.1 an invalid client or redirect URI is shown to the user, and
         * the browser is not sent anywhere. */
        return gh_ui__message(&u, status, resp->error, "This request cannot be completed",
                              desc != NULL ? desc : "The app sent an invalid request.");
    }
    return GH_OK;
}

static gh_err on_commit(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    const deferred *d = arg;
    gh_err err = d->fn(e, ctx, resp, d->arg, outcome);

    if (err != GH_OK)
        return err;
    return render(e, ctx, resp);
}

static gh_err face(gh_oauth_endpoint ep, gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                   gh_oauth_response *resp)
{
    gh_err err = ep(e, ctx, req, resp);

    if (err != GH_OK)
        return err;
    if (resp->commit != NULL && resp->on_commit != NULL) {
        deferred *d = GH_ARENA_NEW(ctx->arena, deferred);
        d->fn = resp->on_commit;
        d->arg = resp->commit_arg;
        resp->on_commit = on_commit;
        resp->commit_arg = d;
        return GH_OK;
    }
    return render(e, ctx, resp);
}

gh_err gh_ui_authorize(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                       gh_oauth_response *resp)
{
    return face(gh_oauth_authorize, e, ctx, req, resp);
}

gh_err gh_ui_end_session(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                         gh_oauth_response *resp)
{
    return face(gh_oauth_logout, e, ctx, req, resp);
}
