/*
 * gh_tokentest.h - fixtures for the code, refresh, ID token and userinfo tests: clients of
 * every kind, a built-in user, codes issued straight through gh_oauth__code_issue (the flow
 * is not needed to test the token endpoint), the RFC 7636 appendix B PKCE pair, and checks of
 * a signed JWT against the published JWKS.
 */
#ifndef GH_TESTS_SUPPORT_GH_TOKENTEST_H
#define GH_TESTS_SUPPORT_GH_TOKENTEST_H

#include <jansson.h>

#include "support/gh_test.h"

/* RFC 7636 appendix B. */
#define GH_TT_VERIFIER "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define GH_TT_CHALLENGE "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define GH_TT_REDIRECT "https://web.example/cb"
#define GH_TT_SCOPE "openid profile email offline_access dns:read dns:write"

/* Creates: "web" (confidential, client_secret_basic with GH_TEST_SECRET, authorization_code
 * and refresh_token, RS256 ID tokens), "es" (same, ES256 ID tokens, opaque access tokens),
 * "spa" (public: none), "nort" (confidential, authorization_code only), all with redirect URI
 * GH_TT_REDIRECT and scope GH_TT_SCOPE; and the built-in user "alice" (name Alice Example,
 * alice@example.com, verified), whose id it returns (arena). */
const char *gh_tt_setup(gh_test_env *env);

/* Issues a code for client_id and subject with scope, the request's redirect_uri (may be
 * NULL), audience (space-separated resources, may be NULL), nonce (may be NULL), sid "sid-1",
 * auth_time = now - 10, challenge GH_TT_CHALLENGE, grant id fresh. Returns the code. */
const char *gh_tt_code(gh_test_env *env, const char *client_id, const char *subject,
                       const char *scope, const char *redirect_uri, const char *audience,
                       const char *nonce);

/* The Authorization value for a confidential test client. */
const char *gh_tt_auth(gh_test_env *env, const char *client_id);

/* POST /oauth2/token with form (the client id is added for public clients by the caller). */
gh_err gh_tt_token(gh_test_env *env, const char *client_id, const char *form,
                   gh_oauth_response *resp);

/* Verifies a compact JWS against the published JWKS (gh_oauth_jwks) and returns its payload
 * (new reference); asserts on failure. *out_alg (may be NULL) gets the header's alg. */
json_t *gh_tt_verify_jwt(gh_test_env *env, const char *jwt, const char **out_alg);

/* True if the token is active per /admin/oauth2/introspect. */
bool gh_tt_active(gh_test_env *env, const char *token);

/* Counts audit events of type. */
size_t gh_tt_audit_count(gh_test_env *env, const char *type);

#endif
