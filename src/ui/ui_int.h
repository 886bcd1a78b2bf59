/*
 * ui_int.h - declarations shared inside the ui module (and its unit tests) only.
 *
 * Files and what they own:
 *   html.c      escaping, the template substitution, the page shell, its stylesheet and the
 *               Content-Security-Policy of each page, times for people - pure functions
 *   csrf.c      CSRF tokens: HMAC-SHA256 over the cookie secret, the form's purpose and its
 *               challenge - pure functions (the key is a parameter)
 *   page.c      what every page handler shares: the CSRF cookie, parameters, sending a page,
 *               the error pages, redirects
 *   login.c consent.c logout.c account.c authorize.c   one page (or endpoint face) each
 *
 * The split keeps html.c and csrf.c free of engine calls, so they are tested on their own.
 */
#ifndef GH_UI_UI_INT_H
#define GH_UI_UI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "oauth/oauth.h"

/* The largest page we render (bytes). A consent page with 64 scopes and long descriptions is
 * well under it; past it rendering fails with GH_ETOOBIG. */
#define GH_UI_PAGE_MAX (256 * 1024)

/* Form field names: the HTML form contract of DESIGN.md. Keep them stable. */
#define GH_UI_F_USERNAME "username"
#define GH_UI_F_PASSWORD "password"
#define GH_UI_F_CSRF "csrf"
#define GH_UI_F_SCOPE "scope"
#define GH_UI_F_DECISION "decision"
#define GH_UI_F_REMEMBER "remember"
#define GH_UI_F_ACTION "action"
#define GH_UI_F_CLIENT_ID "client_id"
#define GH_UI_F_LOGIN_CHALLENGE "login_challenge"
#define GH_UI_F_CONSENT_CHALLENGE "consent_challenge"
#define GH_UI_F_LOGOUT_CHALLENGE "logout_challenge"

/* ---- html.c ---- */

/* A piece of HTML that is safe to emit as is: built only by gh_ui__render / gh_ui__join,
 * never from input. s lives in the arena. */
typedef struct gh_ui_html {
    const char *s;
    size_t len;
} gh_ui_html;

typedef enum gh_ui_var_kind {
    GH_UI_V_TEXT = 0, /* text, escaped for HTML text and quoted attribute values */
    GH_UI_V_URL,      /* an http(s) URL for href/src: escaped; anything else becomes "" */
    GH_UI_V_HTML      /* a gh_ui_html fragment, emitted as is */
} gh_ui_var_kind;

typedef struct gh_ui_var {
    const char *name;
    gh_ui_var_kind kind;
    const char *text;       /* TEXT and URL; NULL is "" */
    const gh_ui_html *html; /* HTML; NULL is "" */
} gh_ui_var;

#define GH_UI_TEXT(n, v) {(n), GH_UI_V_TEXT, (v), NULL}
#define GH_UI_URL(n, v) {(n), GH_UI_V_URL, (v), NULL}
#define GH_UI_HTML(n, h) {(n), GH_UI_V_HTML, NULL, (h)}

/* Returns s escaped for HTML text and for double- or single-quoted attribute values (& < > "
 * ' become character references), in the arena (NULL gives ""). */
char *gh_ui__escape(gh_arena *a, const char *s);
/* True if s is an absolute http or https URL (scheme case-insensitive, a non-empty host)
 * without whitespace or control characters: the only URLs put in href and src. */
bool gh_ui__url_ok(const char *s);

/* Renders tpl into the arena: every "{{name}}" is replaced by the var of that name (escaped
 * according to its kind); everything else is copied. GH_EINVAL when tpl names a var that is
 * not given or a "{{" is not closed (a programming error: templates are static), GH_ETOOBIG
 * past GH_UI_PAGE_MAX. */
GH_MUST_CHECK gh_err gh_ui__render(gh_arena *a, const char *tpl, const gh_ui_var *vars,
                                   size_t n_vars, gh_ui_html *out);
/* Concatenates n fragments into the arena. */
GH_MUST_CHECK gh_err gh_ui__join(gh_arena *a, const gh_ui_html *parts, size_t n,
                                 gh_ui_html *out);

/* The page shell: doctype, lang, charset, viewport, title, the stylesheet, and body inside
 * <main>. */
GH_MUST_CHECK gh_err gh_ui__page(gh_arena *a, const char *title, const gh_ui_html *body,
                                 gh_ui_html *out);
/* The auto-submitting form_post page (OAuth 2.0 Form Post Response Mode 2): a form POSTing
 * the string members of params to action (an http(s) URL), one small script that submits it
 * and a button inside <noscript>. GH_EINVAL when action is not an http(s) URL. */
GH_MUST_CHECK gh_err gh_ui__form_post_page(gh_arena *a, const char *action, const json_t *params,
                                           gh_ui_html *out);

/* The Content-Security-Policy of a page (arena): default-src 'none', the stylesheet's hash,
 * img-src https:, frame-ancestors 'none', base-uri 'none', and form-action with the sources
 * in form_action (space-separated CSP sources, NULL: no form-action directive at all); with
 * script, also script-src with the form_post script's hash. */
char *gh_ui__csp(gh_arena *a, const char *form_action, bool script);
/* The CSP source of a URL's origin (arena): "https://host[:port]" for http(s) URLs, or NULL
 * when url is not one or holds characters a CSP source cannot carry. */
char *gh_ui__origin(gh_arena *a, const char *url);
/* The 'sha256-...' CSP hash source of the stylesheet and of the form_post script (arena). */
char *gh_ui__style_hash(gh_arena *a);
char *gh_ui__script_hash(gh_arena *a);

/* t (seconds since the epoch) for people, in UTC: "2 January 2026, 03:04 UTC" (arena). */
char *gh_ui__time(gh_arena *a, int64_t t);

/* ---- csrf.c ---- */

/* Random bytes in the CSRF cookie. */
#define GH_UI_CSRF_BYTES 32
/* Length of the cookie value and of a token (base64url of 32 bytes). */
#define GH_UI_CSRF_LEN 43

/* True if v is a well-formed CSRF cookie value (base64url of GH_UI_CSRF_BYTES bytes). */
bool gh_ui__csrf_cookie_ok(const char *v);
/* The token of a form: base64url(HMAC-SHA256(key, cookie "|" purpose "|" challenge)) in the
 * arena. challenge may be NULL (""). */
char *gh_ui__csrf_token(gh_arena *a, const unsigned char key[32], const char *cookie,
                        const char *purpose, const char *challenge);
/* True if presented is the token of (cookie, purpose, challenge), compared in constant time.
 * False when cookie is missing or malformed or presented is NULL. */
bool gh_ui__csrf_check(gh_arena *a, const unsigned char key[32], const char *cookie,
                       const char *purpose, const char *challenge, const char *presented);

/* ---- page.c ---- */

/* What a page handler carries through its request. */
typedef struct gh_ui_req {
    gh_engine *e;
    gh_ctx *ctx;
    const gh_oauth_request *req;
    gh_oauth_response *resp;
    const char *csrf_cookie; /* the browser's CSRF cookie value, or one set now */
    bool csrf_cookie_new;    /* csrf_cookie was made by this request (POSTs fail) */
} gh_ui_req;

/* Starts a page request: reads the CSRF cookie and, when it is missing or malformed, makes
 * a new one and sets it on resp. */
void gh_ui__begin(gh_ui_req *u, gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                  gh_oauth_response *resp);
/* A parameter of the POST form (POST) or of the query (GET), given once and not empty;
 * NULL otherwise. */
const char *gh_ui__param(const gh_ui_req *u, const char *name);
/* True if the request is a POST. */
bool gh_ui__is_post(const gh_ui_req *u);
/* The CSRF token for a form of purpose bound to challenge (may be NULL). */
GH_MUST_CHECK gh_err gh_ui__csrf_for(gh_ui_req *u, const char *purpose, const char *challenge,
                                     const char **out);
/* Checks the csrf field of the POSTed form against (cookie, purpose, challenge). */
GH_MUST_CHECK gh_err gh_ui__csrf_verify(gh_ui_req *u, const char *purpose,
                                        const char *challenge, bool *out_ok);

/* Sends page (a gh_ui__page) with status and csp (NULL: the default page CSP with
 * form-action 'self'). */
void gh_ui__send(gh_ui_req *u, int status, const gh_ui_html *page, const char *csp);
/* Renders body in the shell with title and sends it. */
GH_MUST_CHECK gh_err gh_ui__send_body(gh_ui_req *u, int status, const char *title,
                                      const gh_ui_html *body, const char *csp);
/* A page with a heading and one paragraph of text (and an error code for the access log). */
GH_MUST_CHECK gh_err gh_ui__message(gh_ui_req *u, int status, const char *error,
                                    const char *title, const char *text);
/* 403 "This form has expired", for a failed CSRF check. */
GH_MUST_CHECK gh_err gh_ui__csrf_failed(gh_ui_req *u);
/* The page for a flow function's error err (GH_ENOTFOUND, GH_ECONFLICT: a 4xx page saying
 * the request expired or was used; GH_EINVAL: 400 with msg). Other errors are returned as
 * they are (server failures). */
GH_MUST_CHECK gh_err gh_ui__flow_error(gh_ui_req *u, gh_err err, const char *msg);
/* 303 See Other to location. */
void gh_ui__redirect(gh_ui_req *u, const char *location);
/* The issuer followed by path (arena). */
const char *gh_ui__url(gh_ui_req *u, const char *path);
/* The form-action sources of a flow page: 'self', the issuer's origin and the origin of the
 * redirect_uri (or post_logout_redirect_uri: param) found in request_url and of extra_url
 * (may be NULL), because browsers apply form-action to the redirects that follow a
 * submission. NULL (no form-action directive) when request_url names a redirect whose origin
 * cannot be written as a CSP source (a native app's scheme), or names none while required. */
const char *gh_ui__flow_form_action(gh_ui_req *u, const char *request_url, const char *param,
                                    bool required, const char *extra_url);

/* ---- login.c ---- */

/* The sign-in form of the login page and of the account page. */
typedef struct gh_ui_login_form {
    const char *heading;     /* the h1 */
    const char *client;      /* "to continue to <client>", or NULL */
    const char *action;      /* the form's absolute URL */
    const char *purpose;     /* CSRF purpose */
    const char *challenge;   /* CSRF binding, and the hidden input's value */
    const char *hidden_name; /* name of the hidden challenge input, or NULL for none */
    const char *username;    /* prefilled, may be NULL */
    const char *error;       /* a message shown above the form, or NULL */
    bool cancel;             /* a Cancel button (name="action" value="cancel") */
} gh_ui_login_form;

GH_MUST_CHECK gh_err gh_ui__login_form(gh_ui_req *u, const gh_ui_login_form *f,
                                       gh_ui_html *out);
/* The message (and response status, and access-log error) for a failed login: one generic
 * text for a wrong user or password (400), the wait for a throttled one (429). */
const char *gh_ui__login_failure(gh_ui_req *u, gh_oauth_login_result r, int64_t retry_after,
                                 int *out_status);

/* ---- consent.c ---- */

/* The client's logo as an <img> (http(s) logo_uri only), or an empty fragment. */
GH_MUST_CHECK gh_err gh_ui__client_logo(gh_arena *a, const gh_oauth_client_view *c,
                                        gh_ui_html *out);
/* The client's home page, privacy policy and terms as links (http(s) only), or empty. */
GH_MUST_CHECK gh_err gh_ui__client_links(gh_arena *a, const gh_oauth_client_view *c,
                                         gh_ui_html *out);

#endif
