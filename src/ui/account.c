/*
 * account.c - /ui/account: the user's own page of the apps that hold a grant.
 *
 * With a login session (gh_oauth_session_get) the page lists each app's grant
 * (gh_oauth_grants_list): the app's name, logo and links, the granted scopes with the
 * catalog's descriptions, when it was granted and last used; one "Revoke" form per app
 * (gh_oauth_grant_revoke ends the consent and revokes every token of that app for this user)
 * and a "Sign out" form (gh_oauth_session_end). Those forms' CSRF tokens are bound to the
 * session id, so a token from another session is refused. Without a session the page is a
 * sign-in form (gh_oauth_user_login, then gh_oauth_session_start). Every POST that acted
 * ends with 303 (back to the page, or to /ui/logged-out).
 */
#include <string.h>

#include "base/limits.h"
#include "base/str.h"
#include "ui/ui.h"
#include "ui/ui_int.h"

#define PURPOSE_SIGNIN "account-signin"
#define PURPOSE_MANAGE "account"

static const char PAGE[] =
    "<h1>Your apps</h1>\n<p>Signed in as <strong>{{user}}</strong>.</p>\n{{list}}"
    "<h2>Sign out</h2>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_CSRF "\" value=\"{{csrf}}\">\n"
    "<div class=\"actions\"><button type=\"submit\" name=\"" GH_UI_F_ACTION
    "\" value=\"signout\">Sign out</button></div>\n</form>\n";

static const char NONE[] = "<p>No app has access to your account.</p>\n";
static const char LIST[] = "<ul class=\"grants\">\n{{items}}</ul>\n";

static const char ITEM[] =
    "<li>\n<div class=\"app\">{{logo}}<h2>{{client}}</h2></div>\n{{links}}"
    "<p class=\"mute\">Allowed since {{granted}}. {{used}}</p>\n"
    "<ul class=\"scopes\">\n{{scopes}}</ul>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_ACTION "\" value=\"revoke\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_CLIENT_ID "\" value=\"{{client_id}}\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_CSRF "\" value=\"{{csrf}}\">\n"
    "<button type=\"submit\">Revoke</button>\n</form>\n</li>\n";

static const char SCOPE[] = "<li>{{desc}} <small><code>{{name}}</code></small></li>\n";
static const char NO_SCOPE[] = "<li>No permissions (only that you use the app)</li>\n";

static const char *client_label(const gh_oauth_client_view *c)
{
    return c->client_name != NULL && c->client_name[0] != '\0' ? c->client_name : c->client_id;
}

static const char *describe(const gh_config *cfg, const char *scope)
{
    for (size_t i = 0; i < cfg->n_scopes; i++) {
        if (strcmp(cfg->scopes[i].name, scope) == 0)
            return cfg->scopes[i].description;
    }
    return NULL;
}

static gh_err scopes_html(gh_ui_req *u, const char *scope, gh_ui_html *out)
{
    gh_arena *a = u->ctx->arena;
    const gh_config *cfg = gh_engine_catalog_config(u->e, u->ctx);
    gh_ui_html *items;
    gh_strv sv;
    gh_err err;

    if (scope == NULL || gh_strv_split_scope(a, scope, GH_LIMIT_SCOPES, &sv) != GH_OK ||
        sv.n == 0) {
        out->s = NO_SCOPE;
        out->len = sizeof(NO_SCOPE) - 1;
        return GH_OK;
    }
    items = GH_ARENA_NEWN(a, gh_ui_html, sv.n);
    for (size_t i = 0; i < sv.n; i++) {
        const char *d = describe(cfg, sv.v[i]);
        const gh_ui_var v[] = {GH_UI_TEXT("desc", d != NULL ? d : sv.v[i]),
                               GH_UI_TEXT("name", sv.v[i])};
        err = gh_ui__render(a, SCOPE, v, 2, &items[i]);
        if (err != GH_OK)
            return err;
    }
    return gh_ui__join(a, items, sv.n, out);
}

static gh_err item_html(gh_ui_req *u, const gh_oauth_app_grant *g, const char *csrf,
                        gh_ui_html *out)
{
    gh_arena *a = u->ctx->arena;
    gh_ui_html logo, links, scopes;
    const char *used;
    gh_err err;

    err = gh_ui__client_logo(a, &g->client, &logo);
    if (err == GH_OK)
        err = gh_ui__client_links(a, &g->client, &links);
    if (err == GH_OK)
        err = scopes_html(u, g->scope, &scopes);
    if (err != GH_OK)
        return err;
    used = g->last_used_at > 0
               ? gh_arena_printf(a, "Last used %s.", gh_ui__time(a, g->last_used_at))
               : "Not used yet.";
    {
        const gh_ui_var v[] = {
            GH_UI_HTML("logo", &logo),
            GH_UI_TEXT("client", client_label(&g->client)),
            GH_UI_HTML("links", &links),
            GH_UI_TEXT("granted", gh_ui__time(a, g->granted_at)),
            GH_UI_TEXT("used", used),
            GH_UI_HTML("scopes", &scopes),
            GH_UI_URL("action", gh_ui__url(u, "/ui/account")),
            GH_UI_TEXT("client_id", g->client.client_id),
            GH_UI_TEXT("csrf", csrf),
        };
        return gh_ui__render(a, ITEM, v, sizeof(v) / sizeof(v[0]), out);
    }
}

static gh_err show_account(gh_ui_req *u, const gh_oauth_session_view *s)
{
    gh_arena *a = u->ctx->arena;
    gh_oauth_app_grant *grants = NULL;
    gh_ui_html *items, joined, list, body;
    gh_user *user = NULL;
    const char *csrf, *who;
    size_t n = 0;
    gh_err err;

    err = gh_ui__csrf_for(u, PURPOSE_MANAGE, s->sid, &csrf);
    if (err == GH_OK)
        err = gh_oauth_grants_list(u->e, u->ctx, s->subject, &grants, &n);
    if (err != GH_OK)
        return err;
    who = gh_oauth_user_find(u->e, u->ctx, s->subject, &user) == GH_OK && user != NULL
              ? user->username
              : s->subject;
    if (n == 0) {
        list.s = NONE;
        list.len = sizeof(NONE) - 1;
    } else {
        items = GH_ARENA_NEWN(a, gh_ui_html, n);
        for (size_t i = 0; i < n; i++) {
            err = item_html(u, &grants[i], csrf, &items[i]);
            if (err != GH_OK)
                return err;
        }
        err = gh_ui__join(a, items, n, &joined);
        if (err == GH_OK) {
            const gh_ui_var v[] = {GH_UI_HTML("items", &joined)};
            err = gh_ui__render(a, LIST, v, 1, &list);
        }
        if (err != GH_OK)
            return err;
    }
    {
        const gh_ui_var v[] = {
            GH_UI_TEXT("user", who),
            GH_UI_HTML("list", &list),
            GH_UI_URL("action", gh_ui__url(u, "/ui/account")),
            GH_UI_TEXT("csrf", csrf),
        };
        err = gh_ui__render(a, PAGE, v, sizeof(v) / sizeof(v[0]), &body);
    }
    if (err != GH_OK)
        return err;
    return gh_ui__send_body(u, 200, "Your apps", &body, NULL);
}

static gh_err show_signin(gh_ui_req *u, int status, const char *username, const char *error)
{
    gh_ui_login_form f;
    gh_ui_html body;
    gh_err err;

    memset(&f, 0, sizeof(f));
    f.heading = "Sign in to manage your apps";
    f.action = gh_ui__url(u, "/ui/account");
    f.purpose = PURPOSE_SIGNIN;
    f.username = username;
    f.error = error;
    err = gh_ui__login_form(u, &f, &body);
    if (err != GH_OK)
        return err;
    return gh_ui__send_body(u, status, "Sign in", &body, NULL);
}

static gh_err post_signed_in(gh_ui_req *u, const gh_oauth_session_view *s)
{
    const char *action = gh_ui__param(u, GH_UI_F_ACTION);
    bool ok;
    gh_err err;

    /* The sign-in form, sent after a sign-in in another tab: nothing to do. */
    if (action != NULL && strcmp(action, "login") == 0) {
        gh_ui__redirect(u, gh_ui__url(u, "/ui/account"));
        return GH_OK;
    }
    err = gh_ui__csrf_verify(u, PURPOSE_MANAGE, s->sid, &ok);
    if (err != GH_OK)
        return err;
    if (!ok)
        return gh_ui__csrf_failed(u);
    if (action != NULL && strcmp(action, "revoke") == 0) {
        const char *client_id = gh_ui__param(u, GH_UI_F_CLIENT_ID);
        if (client_id == NULL)
            return gh_ui__message(u, 400, "invalid_request", "This request cannot be completed",
                                  "No app was named.");
        err = gh_oauth_grant_revoke(u->e, u->ctx, s->subject, client_id, s->subject);
        /* Already gone (a second click, another tab): the page shows the truth either way. */
        if (err != GH_OK && err != GH_ENOTFOUND)
            return err;
        gh_ui__redirect(u, gh_ui__url(u, "/ui/account"));
        return GH_OK;
    }
    if (action != NULL && strcmp(action, "signout") == 0) {
        err = gh_oauth_session_end(u->e, u->ctx, u->req->cookie, s->subject, u->resp);
        if (err != GH_OK)
            return err;
        gh_ui__redirect(u, gh_ui__url(u, "/ui/logged-out"));
        return GH_OK;
    }
    return gh_ui__message(u, 400, "invalid_request", "This request cannot be completed",
                          "Unknown action.");
}

static gh_err post_signin(gh_ui_req *u)
{
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

    err = gh_ui__csrf_verify(u, PURPOSE_SIGNIN, NULL, &ok);
    if (err != GH_OK)
        return err;
    if (!ok) {
        /* Also a form of the signed-in page whose session has ended meanwhile. */
        return gh_ui__csrf_failed(u);
    }
    if (username != NULL && password != NULL) {
        err = gh_oauth_user_login(u->e, u->ctx, username, password, remote, NULL, &r, &user,
                                  &retry);
        if (err != GH_OK)
            return err;
        if (r == GH_LOGIN_OK) {
            err = gh_oauth_session_start(u->e, u->ctx, user->id, true, u->resp);
            if (err != GH_OK)
                return err;
            gh_ui__redirect(u, gh_ui__url(u, "/ui/account"));
            return GH_OK;
        }
    }
    msg = gh_ui__login_failure(u, r, retry, &status);
    return show_signin(u, status, username, msg);
}

gh_err gh_ui_account(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                     gh_oauth_response *resp)
{
    gh_ui_req u;
    gh_oauth_session_view s;
    bool have;
    gh_err err;

    gh_ui__begin(&u, e, ctx, req, resp);
    memset(&s, 0, sizeof(s));
    err = gh_oauth_session_get(e, ctx, req->cookie, &s);
    if (err != GH_OK && err != GH_ENOTFOUND)
        return err;
    have = err == GH_OK;
    if (gh_ui__is_post(&u))
        return have ? post_signed_in(&u, &s) : post_signin(&u);
    return have ? show_account(&u, &s) : show_signin(&u, 200, NULL, NULL);
}
