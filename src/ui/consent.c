/*
 * consent.c - the built-in consent page: /ui/consent?consent_challenge=, a client of
 * gh_oauth_consent_get / _accept / _reject.
 *
 * The page names the client (its name, its URI and logo when registered and http(s)), the
 * host the browser will be sent back to, and one checkbox per requested scope, checked, with
 * the catalog's description as its label; sensitive scopes are marked and are never
 * remembered; a scope the user allowed before whose definition has changed since (the scope
 * catalog, oauth/consent.c) says what changed. The user may untick any of them (unticking openid means no ID token) and may
 * ask to remember the decision. "Deny" rejects with access_denied; "Allow" accepts exactly
 * the ticked scopes (oauth refuses anything that was not requested). Either way the browser
 * goes on with 303 to redirect_to.
 *
 * HTML form contract (DESIGN.md): checkboxes name="scope" value=<scope> checked, and submit
 * buttons name="decision" value="allow" and value="deny"; hidden "consent_challenge" and
 * "csrf".
 */
#include <string.h>

#include "base/str.h"
#include "ui/ui.h"
#include "ui/ui_int.h"

#define PURPOSE "consent"

static const char PAGE[] =
    "<div class=\"app\">{{logo}}<h1>{{client}} wants to access your account</h1></div>\n"
    "{{who}}{{links}}"
    "<p>After you decide, you will be sent back to <strong>{{host}}</strong>.</p>\n"
    "<form method=\"post\" action=\"{{action}}\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_CONSENT_CHALLENGE "\" value=\"{{challenge}}\">\n"
    "<input type=\"hidden\" name=\"" GH_UI_F_CSRF "\" value=\"{{csrf}}\">\n"
    "<fieldset>\n<legend>Allow {{client}} to:</legend>\n{{scopes}}</fieldset>\n"
    "{{audience}}"
    "<div class=\"check\"><input type=\"checkbox\" id=\"remember\" name=\"" GH_UI_F_REMEMBER
    "\" value=\"1\"><div><label for=\"remember\">Remember this decision</label>"
    "<small>Sensitive permissions are asked for every time.</small></div></div>\n"
    "<p class=\"mute\">Untick anything you do not want to allow; the app gets only what stays "
    "ticked. You can revoke access later on your account page.</p>\n"
    "<div class=\"actions\"><button type=\"submit\" class=\"primary\" name=\"" GH_UI_F_DECISION
    "\" value=\"allow\">Allow</button><button type=\"submit\" name=\"" GH_UI_F_DECISION
    "\" value=\"deny\">Deny</button></div>\n"
    "</form>\n";

static const char SCOPE[] =
    "<div class=\"check\"><input type=\"checkbox\" id=\"scope-{{i}}\" name=\"" GH_UI_F_SCOPE
    "\" value=\"{{name}}\" checked><div><label for=\"scope-{{i}}\">{{desc}}</label>"
    "<small><code>{{name}}</code>{{sensitive}}</small>{{changed}}</div></div>\n";
static const char CHANGED[] = "<small class=\"changed\">Changed since you last allowed it: "
                              "{{change}}.</small>";
static const char SENSITIVE[] =
    " <span class=\"sensitive\">(sensitive \xe2\x80\x94 asked every time)</span>";
static const char LOGO[] = "<img src=\"{{src}}\" alt=\"\" width=\"48\" height=\"48\">";
static const char WHO[] = "<p>Signed in as <strong>{{user}}</strong>.</p>\n";
static const char LINK[] = "<a href=\"{{href}}\" rel=\"noopener noreferrer\">{{text}}</a>";
static const char LINKS[] = "<p class=\"mute\">{{links}}</p>\n";
static const char AUDIENCE[] = "<p class=\"mute\">For use with: {{list}}</p>\n";

static const char *client_label(const gh_oauth_client_view *c)
{
    return c->client_name != NULL && c->client_name[0] != '\0' ? c->client_name : c->client_id;
}

/* An http(s) link, or nothing. */
static gh_err link(gh_arena *a, const char *href, const char *text, gh_ui_html *out)
{
    const gh_ui_var v[] = {GH_UI_URL("href", href), GH_UI_TEXT("text", text)};

    out->s = "";
    out->len = 0;
    if (!gh_ui__url_ok(href))
        return GH_OK;
    return gh_ui__render(a, LINK, v, 2, out);
}

/* The client's logo as an <img>, or nothing (http(s) logos only; CSP img-src https:). */
gh_err gh_ui__client_logo(gh_arena *a, const gh_oauth_client_view *c, gh_ui_html *out)
{
    const gh_ui_var v[] = {GH_UI_URL("src", c->logo_uri)};

    out->s = "";
    out->len = 0;
    if (!gh_ui__url_ok(c->logo_uri))
        return GH_OK;
    return gh_ui__render(a, LOGO, v, 1, out);
}

/* The client's home page, policy and terms as links, or nothing. */
gh_err gh_ui__client_links(gh_arena *a, const gh_oauth_client_view *c, gh_ui_html *out)
{
    gh_ui_html parts[5], all;
    static const gh_ui_html sep = {" \xc2\xb7 ", 4};
    size_t n = 0;
    gh_err err;
    const char *href[3] = {c->client_uri, c->policy_uri, c->tos_uri};
    const char *text[3] = {c->client_uri, "Privacy policy", "Terms of service"};

    out->s = "";
    out->len = 0;
    for (size_t i = 0; i < 3; i++) {
        gh_ui_html h;
        err = link(a, href[i], text[i], &h);
        if (err != GH_OK)
            return err;
        if (h.len == 0)
            continue;
        if (n > 0)
            parts[n++] = sep;
        parts[n++] = h;
    }
    if (n == 0)
        return GH_OK;
    err = gh_ui__join(a, parts, n, &all);
    if (err != GH_OK)
        return err;
    {
        const gh_ui_var v[] = {GH_UI_HTML("links", &all)};
        return gh_ui__render(a, LINKS, v, 1, out);
    }
}

static gh_err scopes_html(gh_arena *a, const gh_oauth_consent_view *v, gh_ui_html *out)
{
    static const gh_ui_html sens = {SENSITIVE, sizeof(SENSITIVE) - 1}, none = {"", 0};
    gh_ui_html *items = GH_ARENA_NEWN(a, gh_ui_html, v->n_requested_scope + 1);
    gh_err err;

    for (size_t i = 0; i < v->n_requested_scope; i++) {
        const gh_oauth_scope_view *s = &v->requested_scope[i];
        gh_ui_html changed = none;
        const char *idx = gh_arena_printf(a, "%zu", i);
        const gh_ui_var vars[] = {
            GH_UI_TEXT("i", idx),
            GH_UI_TEXT("name", s->name),
            GH_UI_TEXT("desc", s->description != NULL && s->description[0] != '\0'
                                   ? s->description
                                   : s->name),
            GH_UI_HTML("sensitive", s->sensitive ? &sens : &none),
            GH_UI_HTML("changed", &changed),
        };
        if (s->changed) {
            const gh_ui_var cv[] = {GH_UI_TEXT("change", s->change != NULL ? s->change : "")};

            err = gh_ui__render(a, CHANGED, cv, 1, &changed);
            if (err != GH_OK)
                return err;
        }
        err = gh_ui__render(a, SCOPE, vars, 5, &items[i]);
        if (err != GH_OK)
            return err;
    }
    return gh_ui__join(a, items, v->n_requested_scope, out);
}

static gh_err show(gh_ui_req *u, const gh_oauth_consent_view *v)
{
    gh_arena *a = u->ctx->arena;
    gh_ui_html logo, links, scopes, who = {"", 0}, audience = {"", 0}, body;
    gh_user *user = NULL;
    const char *csrf;
    gh_err err;

    err = gh_ui__csrf_for(u, PURPOSE, v->challenge, &csrf);
    if (err == GH_OK)
        err = gh_ui__client_logo(a, &v->client, &logo);
    if (err == GH_OK)
        err = gh_ui__client_links(a, &v->client, &links);
    if (err == GH_OK && v->n_requested_scope > 0) {
        /* Say what changed for each scope the user allowed before under another definition
         * (the scope catalog's re-consent: only those scopes made the page show again). */
        gh_oauth_scope_view *sv = GH_ARENA_NEWN(a, gh_oauth_scope_view, v->n_requested_scope);

        memcpy(sv, v->requested_scope, v->n_requested_scope * sizeof(*sv));
        err = gh_oauth_scope_changes(u->e, u->ctx, v->subject, v->client.client_id, sv,
                                     v->n_requested_scope);
        if (err == GH_OK) {
            gh_oauth_consent_view cv = *v;

            cv.requested_scope = sv;
            err = scopes_html(a, &cv, &scopes);
        }
    } else if (err == GH_OK) {
        err = scopes_html(a, v, &scopes);
    }
    if (err != GH_OK)
        return err;
    /* The built-in user's name, when the subject is one (an operator's own login app may use
     * subjects gatehouse does not know). */
    if (v->subject != NULL && gh_oauth_user_find(u->e, u->ctx, v->subject, &user) == GH_OK &&
        user != NULL) {
        const gh_ui_var w[] = {GH_UI_TEXT("user", user->username)};
        err = gh_ui__render(a, WHO, w, 1, &who);
        if (err != GH_OK)
            return err;
    }
    if (v->n_requested_audience > 0) {
        gh_strv aud = {(const char **)v->requested_audience, v->n_requested_audience};
        const gh_ui_var w[] = {GH_UI_TEXT("list", gh_strv_join(a, &aud))};
        err = gh_ui__render(a, AUDIENCE, w, 1, &audience);
        if (err != GH_OK)
            return err;
    }
    {
        const gh_ui_var vars[] = {
            GH_UI_HTML("logo", &logo),
            GH_UI_TEXT("client", client_label(&v->client)),
            GH_UI_HTML("who", &who),
            GH_UI_HTML("links", &links),
            GH_UI_TEXT("host", v->redirect_host),
            GH_UI_URL("action", gh_ui__url(u, "/ui/consent")),
            GH_UI_TEXT("challenge", v->challenge),
            GH_UI_TEXT("csrf", csrf),
            GH_UI_HTML("scopes", &scopes),
            GH_UI_HTML("audience", &audience),
        };
        err = gh_ui__render(a, PAGE, vars, sizeof(vars) / sizeof(vars[0]), &body);
    }
    if (err != GH_OK)
        return err;
    return gh_ui__send_body(
        u, 200, "Allow access", &body,
        gh_ui__csp(a, gh_ui__flow_form_action(u, v->request_url, "redirect_uri", true, NULL),
                   false));
}

static gh_err accept(gh_ui_req *u, const char *challenge, const char *const *scopes, size_t n,
                     bool remember)
{
    gh_oauth_consent_answer ans;
    const char *to = NULL, *msg = NULL;
    gh_err err;

    memset(&ans, 0, sizeof(ans));
    ans.grant_scope = scopes;
    ans.n_grant_scope = n;
    ans.remember = remember;
    err = gh_oauth_consent_accept(u->e, u->ctx, challenge, &ans, &to, &msg);
    if (err != GH_OK)
        return gh_ui__flow_error(u, err, msg);
    gh_ui__redirect(u, to);
    return GH_OK;
}

static gh_err post(gh_ui_req *u, const gh_oauth_consent_view *v)
{
    const char *decision = gh_ui__param(u, GH_UI_F_DECISION);
    const gh_form *f = u->req->form;
    const char **ticked;
    size_t n = 0;
    bool ok;
    gh_err err;

    err = gh_ui__csrf_verify(u, PURPOSE, v->challenge, &ok);
    if (err != GH_OK)
        return err;
    if (!ok)
        return gh_ui__csrf_failed(u);
    if (decision != NULL && strcmp(decision, "deny") == 0) {
        const char *to = NULL;
        err = gh_oauth_consent_reject(u->e, u->ctx, v->challenge, "access_denied",
                                      "The user denied the request.", &to);
        if (err != GH_OK)
            return gh_ui__flow_error(u, err, NULL);
        gh_ui__redirect(u, to);
        return GH_OK;
    }
    if (decision == NULL || strcmp(decision, "allow") != 0)
        return gh_ui__message(u, 400, "invalid_request", "This request cannot be completed",
                              "Choose Allow or Deny.");
    /* Every ticked box, in form order; oauth checks that each was requested. */
    ticked = GH_ARENA_NEWN(u->ctx->arena, const char *, (f != NULL ? f->n : 0) + 1);
    for (size_t i = 0; f != NULL && i < f->n; i++) {
        if (strcmp(f->pairs[i].name, GH_UI_F_SCOPE) == 0 && f->pairs[i].value[0] != '\0')
            ticked[n++] = f->pairs[i].value;
    }
    return accept(u, v->challenge, ticked, n, gh_ui__param(u, GH_UI_F_REMEMBER) != NULL);
}

gh_err gh_ui_consent(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                     gh_oauth_response *resp)
{
    gh_ui_req u;
    gh_oauth_consent_view v;
    const char *challenge;
    gh_err err;

    gh_ui__begin(&u, e, ctx, req, resp);
    challenge = gh_ui__param(&u, GH_UI_F_CONSENT_CHALLENGE);
    if (challenge == NULL)
        return gh_ui__flow_error(&u, GH_ENOTFOUND, NULL);
    memset(&v, 0, sizeof(v));
    err = gh_oauth_consent_get(e, ctx, challenge, &v);
    if (err != GH_OK)
        return gh_ui__flow_error(&u, err, NULL);
    if (v.challenge == NULL)
        v.challenge = challenge;
    if (gh_ui__is_post(&u))
        return post(&u, &v);
    if (v.skip) {
        /* A remembered consent covers the request: grant what was asked, keep remembering. */
        const char **all = GH_ARENA_NEWN(ctx->arena, const char *, v.n_requested_scope + 1);
        for (size_t i = 0; i < v.n_requested_scope; i++)
            all[i] = v.requested_scope[i].name;
        return accept(&u, challenge, all, v.n_requested_scope, true);
    }
    return show(&u, &v);
}
