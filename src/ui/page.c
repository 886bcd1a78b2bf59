/*
 * page.c - what every built-in page shares: the CSRF cookie and form tokens, parameters,
 * sending a page with its Content-Security-Policy, the error pages, and 303 redirects.
 *
 * A page request starts with gh_ui__begin, which makes sure the browser has a CSRF cookie
 * (setting one on the first page it sees). Forms carry gh_ui__csrf_for tokens and a POST is
 * acted on only after gh_ui__csrf_verify; a failed check answers 403 and changes nothing.
 * After a POST that acted, the browser is sent on with 303 See Other (RFC 9110 15.4.4), so a
 * reload never repeats the action.
 *
 * Not here: the HTML itself (html.c) or the token arithmetic (csrf.c).
 */
#include <string.h>

#include "base/form.h"
#include "base/mem.h"
#include "base/str.h"
#include "ui/ui_int.h"

#define HTML_TYPE "text/html; charset=utf-8"

void gh_ui__begin(gh_ui_req *u, gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                  gh_oauth_response *resp)
{
    const char *name = gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_CSRF);
    const char *v;

    memset(u, 0, sizeof(*u));
    u->e = e;
    u->ctx = ctx;
    u->req = req;
    u->resp = resp;
    v = req->cookie != NULL ? gh_oauth_cookie_get(ctx, req->cookie, name) : NULL;
    if (gh_ui__csrf_cookie_ok(v)) {
        u->csrf_cookie = v;
        return;
    }
    /* First page in this browser (or a damaged cookie): a new secret, kept for the browser
     * session only. */
    u->csrf_cookie = gh_ctx_rand_token(ctx, "", GH_UI_CSRF_BYTES);
    u->csrf_cookie_new = true;
    gh_oauth_cookie(e, ctx, resp, name, u->csrf_cookie, 0);
}

bool gh_ui__is_post(const gh_ui_req *u)
{
    return u->req->method != NULL && strcmp(u->req->method, "POST") == 0;
}

const char *gh_ui__param(const gh_ui_req *u, const char *name)
{
    const gh_form *f = gh_ui__is_post(u) ? u->req->form : u->req->query;
    const char *v = NULL;

    if (f == NULL || gh_form_get_one(f, name, &v) != GH_OK)
        return NULL;
    return v;
}

static gh_err csrf_key(gh_ui_req *u, unsigned char key[32])
{
    gh_err err = gh_engine_derive_key(u->e, "gatehouse/ui-csrf", key);
    if (err != GH_OK)
        gh_ctx_fail(u->ctx, "ui: csrf key derivation failed");
    return err;
}

gh_err gh_ui__csrf_for(gh_ui_req *u, const char *purpose, const char *challenge,
                       const char **out)
{
    unsigned char key[32];
    gh_err err;

    *out = NULL;
    err = csrf_key(u, key);
    if (err != GH_OK)
        return err;
    *out = gh_ui__csrf_token(u->ctx->arena, key, u->csrf_cookie, purpose, challenge);
    gh_wipe(key, sizeof(key));
    return GH_OK;
}

gh_err gh_ui__csrf_verify(gh_ui_req *u, const char *purpose, const char *challenge,
                          bool *out_ok)
{
    unsigned char key[32];
    gh_err err;

    *out_ok = false;
    /* A cookie made by this very request was not in the browser when the form was served. */
    if (u->csrf_cookie_new || !gh_ui__is_post(u))
        return GH_OK;
    err = csrf_key(u, key);
    if (err != GH_OK)
        return err;
    /* SPEC: OWASP CSRF (signed double submit): the token must match the cookie. */
    *out_ok = gh_ui__csrf_check(u->ctx->arena, key, u->csrf_cookie, purpose, challenge,
                                gh_ui__param(u, GH_UI_F_CSRF));
    gh_wipe(key, sizeof(key));
    return GH_OK;
}

void gh_ui__send(gh_ui_req *u, int status, const gh_ui_html *page, const char *csp)
{
    gh_oauth_response *r = u->resp;

    if (r->body != NULL) {
        json_decref(r->body);
        r->body = NULL;
    }
    r->status = status;
    r->text = page->s;
    r->text_len = page->len;
    r->content_type = HTML_TYPE;
    r->location = NULL;
    r->form_post_action = NULL;
    r->csp = csp != NULL ? csp : gh_ui__csp(u->ctx->arena, "'self'", false);
}

gh_err gh_ui__send_body(gh_ui_req *u, int status, const char *title, const gh_ui_html *body,
                        const char *csp)
{
    gh_ui_html page;
    gh_err err = gh_ui__page(u->ctx->arena, title, body, &page);

    if (err != GH_OK) {
        gh_ctx_fail(u->ctx, "ui: page rendering failed: %s", gh_err_str(err));
        return err;
    }
    gh_ui__send(u, status, &page, csp);
    return GH_OK;
}

static const char MESSAGE[] = "<h1>{{title}}</h1>\n<p>{{text}}</p>\n";

gh_err gh_ui__message(gh_ui_req *u, int status, const char *error, const char *title,
                      const char *text)
{
    const gh_ui_var vars[] = {GH_UI_TEXT("title", title), GH_UI_TEXT("text", text)};
    gh_ui_html body;
    gh_err err = gh_ui__render(u->ctx->arena, MESSAGE, vars, 2, &body);

    if (err != GH_OK)
        return err;
    if (error != NULL)
        u->resp->error = error;
    return gh_ui__send_body(u, status, title, &body, NULL);
}

gh_err gh_ui__csrf_failed(gh_ui_req *u)
{
    return gh_ui__message(u, 403, "csrf_failed", "This form has expired",
                          "Nothing was changed. Go back, reload the page and try again.");
}

gh_err gh_ui__flow_error(gh_ui_req *u, gh_err err, const char *msg)
{
    switch (err) {
    case GH_ENOTFOUND:
        return gh_ui__message(u, 404, "request_expired", "This request cannot be completed",
                              "This sign-in request has expired or was already used. Go back "
                              "to the app and start again.");
    case GH_ECONFLICT:
        return gh_ui__message(u, 410, "request_used", "This request cannot be completed",
                              "This sign-in request has expired or was already used. Go back "
                              "to the app and start again.");
    case GH_EINVAL:
        return gh_ui__message(u, 400, "invalid_request", "This request cannot be completed",
                              msg != NULL ? msg : "The answer was not accepted.");
    default:
        return err;
    }
}

void gh_ui__redirect(gh_ui_req *u, const char *location)
{
    gh_oauth_response *r = u->resp;

    if (r->body != NULL) {
        json_decref(r->body);
        r->body = NULL;
    }
    r->status = 303;
    r->location = location;
    r->text = NULL;
    r->text_len = 0;
    r->content_type = NULL;
}

const char *gh_ui__url(gh_ui_req *u, const char *path)
{
    return gh_arena_printf(u->ctx->arena, "%s%s", gh_engine_config(u->e)->issuer, path);
}

const char *gh_ui__flow_form_action(gh_ui_req *u, const char *request_url, const char *param,
                                    bool required, const char *extra_url)
{
    gh_arena *a = u->ctx->arena;
    const char *issuer = gh_ui__origin(a, gh_engine_config(u->e)->issuer);
    const char *q, *target = NULL, *target_origin = NULL, *extra_origin = NULL;
    gh_form f;

    q = request_url != NULL ? strchr(request_url, '?') : NULL;
    if (q != NULL) {
        q++;
        if (gh_form_parse(a, q, strcspn(q, "#"), &f) != GH_OK ||
            gh_form_get_one(&f, param, &target) != GH_OK)
            target = NULL;
    }
    if (target != NULL) {
        target_origin = gh_ui__origin(a, target);
        if (target_origin == NULL)
            return NULL; /* a native app's scheme, or an origin a policy cannot name */
    } else if (required) {
        return NULL;
    }
    if (extra_url != NULL) {
        extra_origin = gh_ui__origin(a, extra_url);
        if (extra_origin == NULL)
            return NULL;
    }
    return gh_arena_printf(a, "'self'%s%s%s%s%s%s", issuer ? " " : "", issuer ? issuer : "",
                           target_origin ? " " : "", target_origin ? target_origin : "",
                           extra_origin ? " " : "", extra_origin ? extra_origin : "");
}
