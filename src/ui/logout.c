/*
 * logout.c - the built-in logout confirmation (/ui/logout?logout_challenge=, a client of
 * gh_oauth_logout_get / _accept / _reject) and the signed-out page (/ui/logged-out).
 *
 * OpenID Connect RP-Initiated Logout 1.0 section 2 lets the OP ask the user whether to sign
 * out. When the request carried a valid id_token_hint (view.rp_initiated), an app the user
 * signed in to asked for it, and the logout is accepted at once; otherwise (anyone can link
 * to the logout endpoint) the page asks first, with a CSRF-protected form. "Yes" accepts
 * and the browser goes on with 303 to redirect_to (which ends the session and returns to the
 * app or to /ui/logged-out); "No" rejects and says the user is still signed in.
 */
#include <string.h>

#include "ui/ui.h"
#include "ui/ui_int.h"

#define PURPOSE "logout"

static const char PAGE[] =
    "<h1>Sign out?</h1>\n"
    "<p>Do you want to sign out of gatehouse{{app}}?</p>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_LOGOUT_CHALLENGE "\" value=\"{{challenge}}\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_CSRF "\" value=\"{{csrf}}\">\n"
    "<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"" GH_UI_F_DECISION
    "\" value=\"yes\">Yes, sign out</button><button type=\"submit\" name=\"" GH_UI_F_DECISION
    "\" value=\"no\">No, stay signed in</button></div>\n"
    "</form>\n";

static const char APP[] = " (asked by {{client}})";

/* Where the browser may go after the form: the post_logout_redirect_uri of the request, and
 * the configured page after a logout (when it is not the built-in one). */
static const char *form_action(gh_ui_req *u, const gh_oauth_logout_view *v)
{
    return gh_ui__flow_form_action(u, v->request_url, "post_logout_redirect_uri", false,
                                   gh_engine_config(u->e)->url_post_logout_redirect);
}

static gh_err show(gh_ui_req *u, const gh_oauth_logout_view *v)
{
    gh_arena *a = u->ctx->arena;
    gh_ui_html app = {"", 0}, body;
    const char *csrf;
    gh_err err;

    err = gh_ui__csrf_for(u, PURPOSE, v->challenge, &csrf);
    if (err != GH_OK)
        return err;
    if (v->client_id != NULL) {
        const gh_ui_var w[] = {GH_UI_TEXT("client", v->client_id)};
        err = gh_ui__render(a, APP, w, 1, &app);
        if (err != GH_OK)
            return err;
    }
    {
        const gh_ui_var vars[] = {
            GH_UI_HTML("app", &app),
            GH_UI_URL("action", gh_ui__url(u, "/ui/logout")),
            GH_UI_TEXT("challenge", v->challenge),
            GH_UI_TEXT("csrf", csrf),
        };
        err = gh_ui__render(a, PAGE, vars, sizeof(vars) / sizeof(vars[0]), &body);
    }
    if (err != GH_OK)
        return err;
    return gh_ui__send_body(u, 200, "Sign out", &body, gh_ui__csp(a, form_action(u, v), false));
}

static gh_err accept(gh_ui_req *u, const char *challenge)
{
    const char *to = NULL;
    gh_err err = gh_oauth_logout_accept(u->e, u->ctx, challenge, &to);

    if (err != GH_OK)
        return gh_ui__flow_error(u, err, NULL);
    gh_ui__redirect(u, to);
    return GH_OK;
}

static gh_err post(gh_ui_req *u, const gh_oauth_logout_view *v)
{
    const char *decision = gh_ui__param(u, GH_UI_F_DECISION);
    bool ok;
    gh_err err;

    err = gh_ui__csrf_verify(u, PURPOSE, v->challenge, &ok);
    if (err != GH_OK)
        return err;
    if (!ok)
        return gh_ui__csrf_failed(u);
    if (decision != NULL && strcmp(decision, "yes") == 0)
        return accept(u, v->challenge);
    if (decision == NULL || strcmp(decision, "no") != 0)
        return gh_ui__message(u, 400, "invalid_request", "This request cannot be completed",
                              "Choose whether to sign out.");
    err = gh_oauth_logout_reject(u->e, u->ctx, v->challenge);
    if (err != GH_OK)
        return gh_ui__flow_error(u, err, NULL);
    return gh_ui__message(u, 200, NULL, "You are still signed in",
                          "Nothing was changed. You can close this page.");
}

gh_err gh_ui_logout(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                    gh_oauth_response *resp)
{
    gh_ui_req u;
    gh_oauth_logout_view v;
    const char *challenge;
    gh_err err;

    gh_ui__begin(&u, e, ctx, req, resp);
    challenge = gh_ui__param(&u, GH_UI_F_LOGOUT_CHALLENGE);
    if (challenge == NULL)
        return gh_ui__flow_error(&u, GH_ENOTFOUND, NULL);
    memset(&v, 0, sizeof(v));
    err = gh_oauth_logout_get(e, ctx, challenge, &v);
    if (err != GH_OK)
        return gh_ui__flow_error(&u, err, NULL);
    if (v.challenge == NULL)
        v.challenge = challenge;
    if (gh_ui__is_post(&u))
        return post(&u, &v);
    /* SPEC: OIDC RP-Initiated Logout 2: with a valid id_token_hint the OP need not ask. */
    if (v.rp_initiated)
        return accept(&u, challenge);
    return show(&u, &v);
}

gh_err gh_ui_logged_out(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                        gh_oauth_response *resp)
{
    gh_ui_req u;

    gh_ui__begin(&u, e, ctx, req, resp);
    return gh_ui__message(&u, 200, NULL, "You are signed out",
                          "You are signed out. You can close this page.");
}
