/*
 * gh_flowtest.h - fixtures for the authorization flow tests: a code-flow client, a tiny
 * browser (a cookie jar fed by Set-Cookie and sent as Cookie), calls of /oauth2/auth and
 * /oauth2/sessions/logout the way http makes them, and query parameter extraction.
 *
 * Everything lives in the env's arena (until gh_test_env_free).
 */
#ifndef GH_TESTS_SUPPORT_GH_FLOWTEST_H
#define GH_TESTS_SUPPORT_GH_FLOWTEST_H

#include "support/gh_test.h"

/* RFC 7636 appendix B: the verifier and its S256 challenge. */
#define GH_FT_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define GH_FT_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define GH_FT_REDIRECT "https://app.example.com/cb"
#define GH_FT_REDIRECT_ENC "https%3A%2F%2Fapp.example.com%2Fcb"
#define GH_FT_BYE "https://app.example.com/bye"

#define GH_FT_MAX_COOKIES 8

/* A browser's cookies. */
typedef struct gh_ft_browser {
    const char *name[GH_FT_MAX_COOKIES];
    const char *value[GH_FT_MAX_COOKIES];
    size_t n;
} gh_ft_browser;

/* A public code-flow client ("app" unless id is given) with redirect URIs GH_FT_REDIRECT,
 * http://127.0.0.1/cb and com.example.app:/cb, post-logout GH_FT_BYE, the given scope. */
const char *gh_ft_client(gh_test_env *env, const char *id, const char *scope);

/* Applies resp's Set-Cookie headers to b. */
void gh_ft_take_cookies(gh_test_env *env, gh_ft_browser *b, const gh_oauth_response *resp);
/* The Cookie header of b (NULL when empty). */
const char *gh_ft_cookie_header(gh_test_env *env, const gh_ft_browser *b);
/* The value of cookie name in b, or NULL. */
const char *gh_ft_cookie(const gh_ft_browser *b, const char *name);

/* Calls ep with method GET and query (b may be NULL: no cookies); applies the cookies of the
 * answer to b. resp is initialised here; clear it after. */
gh_err gh_ft_get(gh_test_env *env, gh_oauth_endpoint ep, const char *query, gh_ft_browser *b,
                 gh_oauth_response *resp);
/* The same as a form POST. */
gh_err gh_ft_post(gh_test_env *env, gh_oauth_endpoint ep, const char *form, gh_ft_browser *b,
                  gh_oauth_response *resp);

/* The decoded value of query parameter name in url (arena), or NULL. */
const char *gh_ft_param(gh_test_env *env, const char *url, const char *name);
/* The query of url (after '?'), or "". */
const char *gh_ft_query(const char *url);

/* An authorization request's query for client "app": response_type=code, PKCE S256 with
 * GH_FT_CHALLENGE, redirect_uri GH_FT_REDIRECT, state "xyz", then extra ("" or "&..."). */
const char *gh_ft_authz_query(gh_test_env *env, const char *scope, const char *extra);

/* Logs b in as subject through the login flow starting at the login challenge in url:
 * accepts it (remember as given) and follows the verifier back to /oauth2/auth. resp gets
 * the answer to the verifier. */
void gh_ft_login(gh_test_env *env, gh_ft_browser *b, const char *url, const char *subject,
                 bool remember, gh_oauth_response *resp);
/* Accepts the consent challenge in url with the grant_scope list (n items) and follows the
 * verifier; resp gets the answer (the code redirect). */
void gh_ft_consent(gh_test_env *env, gh_ft_browser *b, const char *url,
                   const char *const *grant, size_t n, bool remember, gh_oauth_response *resp);

/* Counts audit events of type. */
size_t gh_ft_audit_count(gh_test_env *env, const char *type);

#endif
