/*
 * test_authorize.c - /oauth2/auth: what is never redirected (unknown client, unregistered
 * redirect URI), what is redirected with error, state and iss, PKCE, prompt, max_age,
 * response_mode form_post, the session and remembered-consent shortcuts, the verifiers'
 * browser binding, replay and expiry, and the code it issues.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/authz_int.h"
#include "oauth/flow_int.h"
#include "oauth/token_int.h"
#include "support/gh_flowtest.h"

#define SCOPES "openid profile email offline_access dns:read dns:write logs:read"

static int setup(void **state)
{
    gh_test_env *env = gh_test_env_new();

    gh_ft_client(env, "app", SCOPES);
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

/* GET /oauth2/auth?query with browser b; returns the status and keeps resp for the caller. */
static int authz(gh_test_env *env, const char *query, gh_ft_browser *b, gh_oauth_response *resp)
{
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, query, b, resp), GH_OK);
    return resp->status;
}

/* Asserts a user-facing 400 (never a redirect). */
static void assert_user_error(gh_test_env *env, const char *query, const char *code)
{
    gh_oauth_response r;

    assert_int_equal(authz(env, query, NULL, &r), 400);
    assert_true(r.user_facing);
    assert_null(r.location);
    assert_null(r.form_post_action);
    assert_string_equal(gh_test_str(&r, "error"), code);
    gh_oauth_response_clear(&r);
}

/* Asserts a redirect to GH_FT_REDIRECT with error code, state xyz and iss. */
static void assert_redirect_error(gh_test_env *env, const char *query, const char *code)
{
    gh_oauth_response r;

    assert_int_equal(authz(env, query, NULL, &r), 302);
    assert_false(r.user_facing);
    assert_non_null(r.location);
    assert_true(strncmp(r.location, GH_FT_REDIRECT "?", strlen(GH_FT_REDIRECT) + 1) == 0);
    assert_string_equal(gh_ft_param(env, r.location, "error"), code);
    assert_string_equal(gh_ft_param(env, r.location, "state"), "xyz");
    /* SPEC: RFC9207 2 - iss in error responses too */
    assert_string_equal(gh_ft_param(env, r.location, "iss"), GH_TEST_ISSUER);
    assert_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);
}

static void test_never_redirected(void **state)
{
    gh_test_env *env = *state;

    /* SPEC: RFC6749 4.1.2.1 - invalid client or redirect URI: MUST NOT redirect */
    assert_user_error(env,
                      "response_type=code&client_id=nobody&redirect_uri=" GH_FT_REDIRECT_ENC
                      "&code_challenge=" GH_FT_CHALLENGE "&code_challenge_method=S256",
                      "invalid_client");
    assert_user_error(env, "response_type=code&redirect_uri=" GH_FT_REDIRECT_ENC,
                      "invalid_request");
    assert_user_error(env,
                      "response_type=code&client_id=app&redirect_uri=https%3A%2F%2Fevil.example%2Fcb"
                      "&code_challenge=" GH_FT_CHALLENGE "&code_challenge_method=S256",
                      "invalid_request");
    /* exact match: no prefix, no trailing slash, no extra query */
    assert_user_error(env,
                      "response_type=code&client_id=app&redirect_uri=" GH_FT_REDIRECT_ENC "%2F",
                      "invalid_request");
    assert_user_error(env,
                      "response_type=code&client_id=app&redirect_uri=" GH_FT_REDIRECT_ENC "%3Fa%3D1",
                      "invalid_request");
    /* several registered URIs: redirect_uri is required */
    assert_user_error(env, "response_type=code&client_id=app&code_challenge=" GH_FT_CHALLENGE,
                      "invalid_request");
    /* SPEC: RFC6749 3.1 - a repeated client_id or redirect_uri is not redirected either */
    assert_user_error(env,
                      "response_type=code&client_id=app&client_id=app&redirect_uri=" GH_FT_REDIRECT_ENC,
                      "invalid_request");
    assert_user_error(env,
                      "response_type=code&client_id=app&redirect_uri=" GH_FT_REDIRECT_ENC
                      "&redirect_uri=" GH_FT_REDIRECT_ENC,
                      "invalid_request");
    /* a loopback URI on another host is no loopback URI */
    assert_user_error(env,
                      "response_type=code&client_id=app&redirect_uri=http%3A%2F%2F10.0.0.1%3A5%2Fcb",
                      "invalid_request");
}

static void test_loopback_any_port(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response r;

    /* SPEC: RFC8252 7.3 - any port on the loopback interface */
    assert_int_equal(authz(env,
                           "response_type=code&client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A"
                           "51234%2Fcb&code_challenge=" GH_FT_CHALLENGE
                           "&code_challenge_method=S256&scope=openid&state=s&prompt=none",
                           NULL, &r),
                     302);
    assert_true(strncmp(r.location, "http://127.0.0.1:51234/cb?", 26) == 0);
    assert_string_equal(gh_ft_param(env, r.location, "error"), "login_required");
    gh_oauth_response_clear(&r);
    /* the path still has to match */
    assert_user_error(env,
                      "response_type=code&client_id=app&redirect_uri=http%3A%2F%2F127.0.0.1%3A"
                      "51234%2Fother&code_challenge=" GH_FT_CHALLENGE,
                      "invalid_request");
}

static void test_pkce(void **state)
{
    gh_test_env *env = *state;
    const char *base = "response_type=code&client_id=app&redirect_uri=" GH_FT_REDIRECT_ENC
                       "&state=xyz&scope=openid";

    /* SPEC: RFC7636 4.4.1 / OAuth 2.1 4.1.1 - PKCE required: missing is invalid_request */
    assert_redirect_error(env, base, "invalid_request");
    /* plain is refused, and so is a challenge without a method (plain by default) */
    assert_redirect_error(env,
                          gh_arena_printf(env->arena, "%s&code_challenge=%s&code_challenge_method="
                                          "plain", base, GH_FT_VERIFIER),
                          "invalid_request");
    assert_redirect_error(env,
                          gh_arena_printf(env->arena, "%s&code_challenge=%s", base, GH_FT_CHALLENGE),
                          "invalid_request");
    /* a challenge that is no S256 output */
    assert_redirect_error(env,
                          gh_arena_printf(env->arena, "%s&code_challenge=short&code_challenge_method"
                                          "=S256", base),
                          "invalid_request");
    assert_redirect_error(env,
                          gh_arena_printf(env->arena,
                                          "%s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSst"
                                          "w%%2BcM&code_challenge_method=S256", base),
                          "invalid_request");
}

static void test_redirected_errors(void **state)
{
    gh_test_env *env = *state;

    /* SPEC: OAuth 2.1 4.1.1 - response_type code only */
    assert_redirect_error(env,
                          "response_type=token&client_id=app&redirect_uri=" GH_FT_REDIRECT_ENC
                          "&state=xyz&code_challenge=" GH_FT_CHALLENGE "&code_challenge_method=S256",
                          "unsupported_response_type");
    assert_redirect_error(env,
                          "client_id=app&redirect_uri=" GH_FT_REDIRECT_ENC "&state=xyz",
                          "invalid_request");
    /* SPEC: RFC6749 3.1 - parameters MUST NOT be included more than once */
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&scope=openid"),
                          "invalid_request");
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&nonce=a&nonce=b"),
                          "invalid_request");
    assert_redirect_error(env, gh_ft_authz_query(env, "openid dns:admin", ""), "invalid_scope");
    assert_redirect_error(env, gh_ft_authz_query(env, "settings:write", ""), "invalid_scope");
    /* SPEC: RFC8707 2 - an unknown resource is invalid_target */
    assert_redirect_error(env,
                          gh_ft_authz_query(env, "dns:read",
                                            "&resource=https%3A%2F%2Funknown.example.com"),
                          "invalid_target");
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&prompt=bogus"),
                          "invalid_request");
    /* SPEC: OIDC Core 3.1.2.1 - none with another value is an error */
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&prompt=none%20login"),
                          "invalid_request");
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&max_age=-1"),
                          "invalid_request");
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&response_mode=fragment"),
                          "invalid_request");
    /* SPEC: OIDC Core 6 - request objects are not supported */
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&request=eyJ"),
                          "request_not_supported");
    /* SPEC: OIDC Core 3.1.2.6 - prompt=none without a session */
    assert_redirect_error(env, gh_ft_authz_query(env, "openid", "&prompt=none"), "login_required");
}

static void test_client_without_code_grant(void **state)
{
    gh_test_env *env = *state;

    gh_test_client(env, "{\"client_id\":\"ccapp\",\"redirect_uris\":[\"" GH_FT_REDIRECT "\"],"
                        "\"grant_types\":[\"client_credentials\"],\"scope\":\"openid\","
                        "\"token_endpoint_auth_method\":\"client_secret_basic\"}");
    assert_redirect_error(env,
                          "response_type=code&client_id=ccapp&state=xyz&code_challenge="
                          GH_FT_CHALLENGE "&code_challenge_method=S256",
                          "unauthorized_client");
}

static void test_form_post_error(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response r;

    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&response_mode=form_post&prompt=none"),
                           NULL, &r),
                     200);
    /* SPEC: OAuth 2.0 Form Post Response Mode 2 - the parameters are posted to redirect_uri */
    assert_string_equal(r.form_post_action, GH_FT_REDIRECT);
    assert_null(r.location);
    assert_string_equal(gh_test_str(&r, "error"), "login_required");
    assert_string_equal(gh_test_str(&r, "state"), "xyz");
    assert_string_equal(gh_test_str(&r, "iss"), GH_TEST_ISSUER);
    gh_oauth_response_clear(&r);
}

static void test_unknown_params_ignored_and_login_redirect(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;

    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&foo=bar&foo=baz&login_hint=ann"),
                           &b, &r),
                     302);
    assert_true(strncmp(r.location, GH_TEST_ISSUER "/ui/login?login_challenge=",
                        strlen(GH_TEST_ISSUER "/ui/login?login_challenge=")) == 0);
    assert_int_equal(strlen(gh_ft_param(env, r.location, "login_challenge")), GH_FLOW_HANDLE_CHARS);
    /* the flow is bound to this browser */
    assert_non_null(gh_ft_cookie(&b, "gh_flow"));
    assert_true(r.no_store);
    gh_oauth_response_clear(&r);
}

/* Runs the whole flow for scope with b; grants grant; returns the code. */
static const char *full_flow(gh_test_env *env, gh_ft_browser *b, const char *scope,
                             const char *extra, const char *const *grant, size_t n, bool remember)
{
    gh_oauth_response r;
    const char *url, *code;

    assert_int_equal(authz(env, gh_ft_authz_query(env, scope, extra), b, &r), 302);
    url = gh_arena_strdup(env->arena, r.location);
    gh_oauth_response_clear(&r);
    if (strstr(url, "login_challenge") != NULL) {
        gh_ft_login(env, b, url, "user-1", true, &r);
        assert_int_equal(r.status, 302);
        url = gh_arena_strdup(env->arena, r.location);
        gh_oauth_response_clear(&r);
    }
    assert_non_null(strstr(url, "/ui/consent?consent_challenge="));
    gh_ft_consent(env, b, url, grant, n, remember, &r);
    assert_int_equal(r.status, 302);
    assert_true(strncmp(r.location, GH_FT_REDIRECT "?", strlen(GH_FT_REDIRECT) + 1) == 0);
    assert_string_equal(gh_ft_param(env, r.location, "state"), "xyz");
    assert_string_equal(gh_ft_param(env, r.location, "iss"), GH_TEST_ISSUER);
    code = gh_ft_param(env, r.location, "code");
    assert_non_null(code);
    gh_oauth_response_clear(&r);
    return code;
}

static gh_oauth_authz find_code(gh_test_env *env, const char *code)
{
    gh_token *row = NULL;
    gh_oauth_authz a;

    assert_int_equal(gh_oauth__code_find(env->e, gh_test_ctx(env), code, &row, &a), GH_OK);
    assert_non_null(row);
    return a;
}

static void test_full_flow_then_hot_path(void **state)
{
    gh_test_env *env = *state;
    static const char *const grant[] = {"openid", "dns:read"};
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_oauth_session_view sv;
    gh_oauth_authz a;
    const char *code;

    code = full_flow(env, &b, "openid dns:read", "&nonce=n-1", grant, 2, true);
    a = find_code(env, code);
    assert_string_equal(a.client_id, "app");
    assert_string_equal(a.subject, "user-1");
    assert_string_equal(a.redirect_uri, GH_FT_REDIRECT);
    assert_string_equal(a.code_challenge, GH_FT_CHALLENGE);
    assert_string_equal(a.nonce, "n-1");
    assert_int_equal(a.scopes.n, 2);
    assert_int_equal(a.auth_time, GH_TEST_T0);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &sv),
                     GH_OK);
    assert_string_equal(a.sid, sv.sid);
    assert_int_equal(gh_ft_audit_count(env, "consent.granted"), 1);
    assert_int_equal(gh_ft_audit_count(env, "session.started"), 1);

    /* The same request again: session and remembered consent skip both pages. */
    gh_test_env_advance(env, 5);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid dns:read", ""), &b, &r), 302);
    assert_true(strncmp(r.location, GH_FT_REDIRECT "?", strlen(GH_FT_REDIRECT) + 1) == 0);
    code = gh_ft_param(env, r.location, "code");
    assert_non_null(code);
    assert_string_equal(gh_ft_param(env, r.location, "iss"), GH_TEST_ISSUER);
    assert_int_equal(r.n_set_cookie, 0);
    gh_oauth_response_clear(&r);
    a = find_code(env, code);
    assert_int_equal(a.auth_time, GH_TEST_T0);
    assert_int_equal(gh_ft_audit_count(env, "consent.skipped"), 1);

    /* a subset is covered too; form_post answers with the code in the body */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "dns:read", "&response_mode=form_post"), &b,
                           &r),
                     200);
    assert_string_equal(r.form_post_action, GH_FT_REDIRECT);
    assert_non_null(gh_test_str(&r, "code"));
    assert_string_equal(gh_test_str(&r, "state"), "xyz");
    assert_string_equal(gh_test_str(&r, "iss"), GH_TEST_ISSUER);
    gh_oauth_response_clear(&r);

    /* prompt=none with session and consent issues a code */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&prompt=none"), &b, &r), 302);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);

    /* prompt=consent forces the consent page */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&prompt=consent"), &b, &r), 302);
    assert_non_null(strstr(r.location, "/ui/consent?consent_challenge="));
    gh_oauth_response_clear(&r);

    /* prompt=login forces the login page */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&prompt=login"), &b, &r), 302);
    assert_non_null(strstr(r.location, "/ui/login?login_challenge="));
    gh_oauth_response_clear(&r);

    /* max_age: 0 and an older login force it, a recent enough one does not */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&max_age=0"), &b, &r), 302);
    assert_non_null(strstr(r.location, "login_challenge="));
    gh_oauth_response_clear(&r);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&max_age=3"), &b, &r), 302);
    assert_non_null(strstr(r.location, "login_challenge="));
    gh_oauth_response_clear(&r);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&max_age=3&prompt=none"), &b, &r),
                     302);
    assert_string_equal(gh_ft_param(env, r.location, "error"), "login_required");
    gh_oauth_response_clear(&r);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&max_age=60"), &b, &r), 302);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);

    /* another browser has no session */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&prompt=none"), NULL, &r), 302);
    assert_string_equal(gh_ft_param(env, r.location, "error"), "login_required");
    gh_oauth_response_clear(&r);
}

static void test_consent_rules(void **state)
{
    gh_test_env *env = *state;
    static const char *const only_openid[] = {"openid"};
    static const char *const with_write[] = {"openid", "dns:write"};
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_oauth_authz a;
    const char *code;

    /* The user unticks dns:read: the code carries only what was granted. */
    code = full_flow(env, &b, "openid dns:read", "", only_openid, 1, true);
    a = find_code(env, code);
    assert_int_equal(a.scopes.n, 1);
    assert_string_equal(a.scopes.v[0], "openid");
    /* A narrowed consent is never widened: dns:read is asked again. */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid dns:read", ""), &b, &r), 302);
    assert_non_null(strstr(r.location, "/ui/consent?consent_challenge="));
    gh_oauth_response_clear(&r);
    /* and prompt=none says consent_required */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid dns:read", "&prompt=none"), &b, &r),
                     302);
    assert_string_equal(gh_ft_param(env, r.location, "error"), "consent_required");
    assert_string_equal(gh_ft_param(env, r.location, "state"), "xyz");
    gh_oauth_response_clear(&r);
    /* what was granted is covered */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", ""), &b, &r), 302);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);

    /* SPEC: DESIGN.md Scope catalog - a sensitive scope is asked every time */
    code = full_flow(env, &b, "openid dns:write", "", with_write, 2, true);
    a = find_code(env, code);
    assert_int_equal(a.scopes.n, 2);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid dns:write", ""), &b, &r), 302);
    assert_non_null(strstr(r.location, "/ui/consent?consent_challenge="));
    gh_oauth_response_clear(&r);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", ""), &b, &r), 302);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);
}

static void test_not_remembered(void **state)
{
    gh_test_env *env = *state;
    static const char *const grant[] = {"openid"};
    gh_ft_browser b = {0};
    gh_oauth_response r;

    (void)full_flow(env, &b, "openid", "", grant, 1, false);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", ""), &b, &r), 302);
    assert_non_null(strstr(r.location, "/ui/consent?consent_challenge="));
    gh_oauth_response_clear(&r);
}

static void test_verifier_binding_replay_expiry(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0}, other = {0};
    gh_oauth_login_answer la = {0};
    gh_oauth_response r;
    const char *url, *to = NULL, *msg = NULL, *lc;

    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", ""), &b, &r), 302);
    url = gh_arena_strdup(env->arena, r.location);
    gh_oauth_response_clear(&r);
    lc = gh_ft_param(env, url, "login_challenge");
    la.subject = "user-1";
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &la, &to, &msg), GH_OK);
    assert_true(strncmp(to, GH_TEST_ISSUER "/oauth2/auth?login_verifier=",
                        strlen(GH_TEST_ISSUER "/oauth2/auth?login_verifier=")) == 0);
    /* SPEC: RFC9700 4.7 - a verifier from another browser (no gh_flow cookie) is refused */
    assert_int_equal(authz(env, gh_ft_query(to), &other, &r), 400);
    assert_true(r.user_facing);
    assert_null(r.location);
    gh_oauth_response_clear(&r);
    /* nor with a different gh_flow cookie */
    other.name[0] = "gh_flow";
    other.value[0] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    other.n = 1;
    assert_int_equal(authz(env, gh_ft_query(to), &other, &r), 400);
    gh_oauth_response_clear(&r);
    /* a tampered verifier (its last character changed) is unknown */
    {
        char *v = gh_arena_strdup(env->arena, gh_ft_param(env, to, "login_verifier"));
        size_t n = strlen(v);

        assert_true(n > 0);
        v[n - 1] = v[n - 1] == 'A' ? 'B' : 'A';
        assert_int_equal(authz(env, gh_arena_printf(env->arena, "login_verifier=%s", v), &b, &r),
                         400);
    }
    gh_oauth_response_clear(&r);
    /* the right browser gets on to the consent page */
    assert_int_equal(authz(env, gh_ft_query(to), &b, &r), 302);
    assert_non_null(strstr(r.location, "consent_challenge="));
    assert_non_null(gh_ft_cookie(&b, "gh_session"));
    gh_oauth_response_clear(&r);
    /* a second use of the verifier is refused */
    assert_int_equal(authz(env, gh_ft_query(to), &b, &r), 400);
    assert_true(r.user_facing);
    gh_oauth_response_clear(&r);

    /* flows expire */
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&prompt=login"), &b, &r), 302);
    lc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "login_challenge"));
    gh_oauth_response_clear(&r);
    gh_test_env_advance(env, GH_FLOW_DEFAULT_TTL + 1);
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &la, &to, &msg),
                     GH_ENOTFOUND);
}

static void test_post_and_session_reuse(void **state)
{
    gh_test_env *env = *state;
    static const char *const grant[] = {"openid"};
    gh_ft_browser b = {0};
    gh_oauth_response r;

    (void)full_flow(env, &b, "openid", "", grant, 1, true);
    /* SPEC: OIDC Core 3.1.2.1 - POST with a form body works as GET */
    assert_int_equal(gh_ft_post(env, gh_oauth_authorize, gh_ft_authz_query(env, "openid", ""), &b,
                                &r),
                     GH_OK);
    assert_int_equal(r.status, 302);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);
    /* A session past its lifetime no longer counts. */
    gh_test_env_advance(env, GH_SESSION_DEFAULT_TTL + 1);
    assert_int_equal(authz(env, gh_ft_authz_query(env, "openid", "&prompt=none"), &b, &r), 302);
    assert_string_equal(gh_ft_param(env, r.location, "error"), "login_required");
    gh_oauth_response_clear(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_never_redirected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_any_port, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pkce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirected_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_without_code_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_form_post_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_params_ignored_and_login_redirect, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_full_flow_then_hot_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_remembered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verifier_binding_replay_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_and_session_reuse, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
