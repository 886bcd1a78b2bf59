/*
 * ui.h - the built-in login, consent, logout and account pages, and the HTML face of the
 * authorization and logout endpoints.
 *
 * ui is one client of oauth's flow interface (oauth.h: gh_oauth_login_get/accept/reject,
 * consent, logout): what an operator's own login app would do through the admin API, the
 * built-in pages do through those functions. Every handler has the engine endpoint shape, so
 * http routes to it like to any endpoint. HTML is rendered by a small template substitution
 * that always escapes (ui/html.c); every form carries a CSRF token bound to a cookie; every
 * page works without JavaScript and sets its Content-Security-Policy (frame-ancestors 'none').
 *
 * The HTML form contract (DESIGN.md) is kept here: login inputs username and password,
 * consent checkboxes name="scope" and buttons name="decision" value allow|deny.
 */
#ifndef GH_UI_UI_H
#define GH_UI_UI_H

#include "oauth/oauth.h"

/* GET|POST /oauth2/auth: gh_oauth_authorize, with user-facing errors rendered as an error page
 * and response_mode=form_post rendered as the auto-submitting form. */
gh_err gh_ui_authorize(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                       gh_oauth_response *resp);
/* GET|POST /oauth2/sessions/logout: gh_oauth_logout, errors rendered as a page. */
gh_err gh_ui_end_session(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                         gh_oauth_response *resp);
/* GET|POST /ui/login?login_challenge= */
gh_err gh_ui_login(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                   gh_oauth_response *resp);
/* GET|POST /ui/consent?consent_challenge= */
gh_err gh_ui_consent(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                     gh_oauth_response *resp);
/* GET|POST /ui/logout?logout_challenge= */
gh_err gh_ui_logout(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                    gh_oauth_response *resp);
/* GET /ui/logged-out */
gh_err gh_ui_logged_out(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                        gh_oauth_response *resp);
/* GET|POST /ui/account: the user's apps and grants; POST revokes one (or signs out). */
gh_err gh_ui_account(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                     gh_oauth_response *resp);

#endif
