/*
 * login.c - the built-in login page: /ui/login?login_challenge=, one login app of oauth's
 * flow interface (gh_oauth_login_get / _accept / _reject), and the sign-in form it shares
 * with the account page.
 *
 * GET shows the form (or, when the browser already has a session that may be used, accepts
 * the login at once with that session's subject). POST checks the CSRF token, then either
 * rejects the request (Cancel: access_denied to the client) or checks the username and
 * password with gh_oauth_user_login, which throttles per account and per address; a wrong
 * user and a wrong password get the same message. An accepted login goes on with 303 to the
 * redirect_to that oauth returns (back to /oauth2/auth with a login_verifier).
 *
 * HTML form contract (DESIGN.md): a <form> with inputs "username" and "password", plus the
 * hidden "login_challenge" and "csrf".
 */
#include <string.h>

#include "ui/ui.h"
#include "ui/ui_int.h"

#define PURPOSE "login"

static const char FORM[] =
    "<h1>{{heading}}</h1>\n{{intro}}{{error}}"
    "<form method=\"post\" action=\"{{action}}\">\n{{hidden}}"
    "<input type=\"hidden\" name=\"" GH_UI_F_CSRF "\" value=\"{{csrf}}\">\n"
    "<label for=\"username\">Username</label>\n"
    "<input type=\"text\" id=\"username\" name=\"" GH_UI_F_USERNAME "\" value=\"{{username}}\" "
    "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required autofocus>\n"
    "<label for=\"password\">Password</label>\n"
    "<input type=\"password\" id=\"password\" name=\"" GH_UI_F_PASSWORD "\" "
    "autocomplete=\"current-password\" required>\n"
    "<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"" GH_UI_F_ACTION
    "\" value=\"login\">Sign in</button>{{cancel}}</div>\n"
    "</form>\n";

static const char CANCEL[] = "<button type=\"submit\" name=\"" GH_UI_F_ACTION
                             "\" value=\"cancel\" formnovalidate>Cancel</button>";
static const char INTRO[] = "<p>to continue to <strong>{{client}}</strong></p>\n";
static const char ERROR[] = "<p class=\"error\" role=\"alert\">{{msg}}</p>\n";
static const char HIDDEN[] = "<input type=\"hidden\" name=\"{{name}}\" value=\"{{value}}\">\n";

gh_err gh_ui__login_form(gh_ui_req *u, const gh_ui_login_form *f, gh_ui_html *out)
{
    gh_arena *a = u->ctx->arena;
    gh_ui_html intro = {"", 0}, error = {"", 0}, hidden = {"", 0};
    const gh_ui_html cancel = {CANCEL, f->cancel ? sizeof(CANCEL) - 1 : 0};
    const char *csrf;
    gh_err err;

    err = gh_ui__csrf_for(u, f->purpose, f->challenge, &csrf);
    if (err != GH_OK)
        return err;
    if (f->client != NULL) {
        const gh_ui_var v[] = {GH_UI_TEXT("client", f->client)};
        err = gh_ui__render(a, INTRO, v, 1, &intro);
    }
    if (err == GH_OK && f->error != NULL) {
        const gh_ui_var v[] = {GH_UI_TEXT("msg", f->error)};
        err = gh_ui__render(a, ERROR, v, 1, &error);
    }
    if (err == GH_OK && f->hidden_name != NULL) {
        const gh_ui_var v[] = {GH_UI_TEXT("name", f->hidden_name),
                               GH_UI_TEXT("value", f->challenge)};
        err = gh_ui__render(a, HIDDEN, v, 2, &hidden);
    }
    if (err != GH_OK)
        return err;
    {
        const gh_ui_var v[] = {
            GH_UI_TEXT("heading", f->heading), GH_UI_HTML("intro", &intro),
            GH_UI_HTML("error", &error),       GH_UI_URL("action", f->action),
            GH_UI_HTML("hidden", &hidden),     GH_UI_TEXT("csrf", csrf),
            GH_UI_TEXT("username", f->username), GH_UI_HTML("cancel", &cancel),
        };
        return gh_ui__render(a, FORM, v, sizeof(v) / sizeof(v[0]), out);
    }
}

const char *gh_ui__login_failure(gh_ui_req *u, gh_oauth_login_result r, int64_t retry_after,
                                 int *out_status)
{
    if (r == GH_LOGIN_THROTTLED) {
        int64_t minutes = retry_after <= 60 ? 1 : (retry_after + 59) / 60;
        *out_status = 429;
        u->resp->error = "login_throttled";
        return gh_arena_printf(u->ctx->arena,
                               "Too many failed attempts. Try again in %lld minute%s.",
                               (long long)minutes, minutes == 1 ? "" : "s");
    }
    *out_status = 400;
    u->resp->error = "login_failed";
    return "Wrong username or password.";
}

static const char *client_label(const gh_oauth_client_view *c)
{
    return c->client_name != NULL && c->client_name[0] != '\0' ? c->client_name : c->client_id;
}

static gh_err show(gh_ui_req *u, const gh_oauth_login_view *v, int status, const char *username,
                   const char *error)
{
    gh_ui_login_form f;
    gh_ui_html body;
    gh_err err;

    memset(&f, 0, sizeof(f));
    f.heading = "Sign in";
    f.client = client_label(&v->client);
    f.action = gh_ui__url(u, "/ui/login");
    f.purpose = PURPOSE;
    f.challenge = v->challenge;
    f.hidden_name = GH_UI_F_LOGIN_CHALLENGE;
    f.username = username;
    f.error = error;
    f.cancel = true;
    err = gh_ui__login_form(u, &f, &body);
    if (err != GH_OK)
        return err;
    return gh_ui__send_body(
        u, status, "Sign in", &body,
        gh_ui__csp(u->ctx->arena,
                   gh_ui__flow_form_action(u, v->request_url, "redirect_uri", true, NULL),
                   false));
}

static gh_err accept(gh_ui_req *u, const char *challenge, const char *subject)
{
    gh_oauth_login_answer ans;
    const char *to = NULL, *msg = NULL;
    gh_err err;

    memset(&ans, 0, sizeof(ans));
    ans.subject = subject;
    ans.remember = true;
    err = gh_oauth_login_accept(u->e, u->ctx, challenge, &ans, &to, &msg);
    if (err != GH_OK)
        return gh_ui__flow_error(u, err, msg);
    gh_ui__redirect(u, to);
    return GH_OK;
}

static gh_err post(gh_ui_req *u, const gh_oauth_login_view *v)
{
    const char *action = gh_ui__param(u, GH_UI_F_ACTION);
    const char *username = gh_ui__param(u, GH_UI_F_USERNAME);
    const char *password = gh_ui__param(u, GH_UI_F_PASSWORD);
    const char *remote = u->req->remote_addr != NULL ? u->req->remote_addr : u->ctx->remote_addr;
    gh_oauth_login_result r = GH_LOGIN_BAD_CREDENTIALS;
    gh_user *user = NULL;
    int64_t retry = 0;
    const char *msg;
    int status;
    bool ok;
    gh_err err;

    err = gh_ui__csrf_verify(u, PURPOSE, v->challenge, &ok);
    if (err != GH_OK)
        return err;
    if (!ok)
        return gh_ui__csrf_failed(u);
    if (action != NULL && strcmp(action, "cancel") == 0) {
        const char *to = NULL;
        err = gh_oauth_login_reject(u->e, u->ctx, v->challenge, "access_denied",
                                    "The user cancelled the sign-in.", &to);
        if (err != GH_OK)
            return gh_ui__flow_error(u, err, NULL);
        gh_ui__redirect(u, to);
        return GH_OK;
    }
    if (username != NULL && password != NULL) {
        err = gh_oauth_user_login(u->e, u->ctx, username, password, remote, v->client.client_id,
                                  &r, &user, &retry);
        if (err != GH_OK)
            return err;
        if (r == GH_LOGIN_OK)
            return accept(u, v->challenge, user->id);
    }
    msg = gh_ui__login_failure(u, r, retry, &status);
    return show(u, v, status, username, msg);
}

gh_err gh_ui_login(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                   gh_oauth_response *resp)
{
    gh_ui_req u;
    gh_oauth_login_view v;
    const char *challenge;
    gh_err err;

    gh_ui__begin(&u, e, ctx, req, resp);
    challenge = gh_ui__param(&u, GH_UI_F_LOGIN_CHALLENGE);
    if (challenge == NULL)
        return gh_ui__flow_error(&u, GH_ENOTFOUND, NULL);
    memset(&v, 0, sizeof(v));
    err = gh_oauth_login_get(e, ctx, challenge, &v);
    if (err != GH_OK)
        return gh_ui__flow_error(&u, err, NULL);
    if (v.challenge == NULL)
        v.challenge = challenge;
    if (gh_ui__is_post(&u))
        return post(&u, &v);
    /* A session the request may use: no page (Hydra's skip). */
    if (v.skip && v.subject != NULL)
        return accept(&u, challenge, v.subject);
    return show(&u, &v, 200, v.login_hint, NULL);
}
