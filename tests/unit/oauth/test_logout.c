/*
 * test_logout.c - RP-initiated logout: request checks (id_token_hint, client_id agreement,
 * post_logout_redirect_uri exact match, all user-facing), no session, the logout flow
 * (view, accept, reject, a second answer), the verifier's browser binding, and the end: the
 * session revoked, its cookie cleared, the browser sent on with state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/flow_int.h"
#include "oauth/token_int.h"
#include "support/gh_flowtest.h"

static int setup(void **state)
{
    gh_test_env *env = gh_test_env_new();

    gh_ft_client(env, "app", "openid");
    gh_ft_client(env, "other", "openid");
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

static int logout(gh_test_env *env, const char *query, gh_ft_browser *b, gh_oauth_response *r)
{
    assert_int_equal(gh_ft_get(env, gh_oauth_logout, query, b, r), GH_OK);
    return r->status;
}

static void user_error(gh_test_env *env, const char *query, gh_ft_browser *b)
{
    gh_oauth_response r;

    assert_int_equal(logout(env, query, b, &r), 400);
    assert_true(r.user_facing);
    assert_null(r.location);
    gh_oauth_response_clear(&r);
}

static const char *hint(gh_test_env *env, const char *client_id, const char *subject)
{
    gh_oauth_client *c = NULL;
    gh_oauth_idtoken_in in;
    char *out = NULL;

    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), client_id, &c), GH_OK);
    memset(&in, 0, sizeof(in));
    in.c = c;
    in.subject = subject;
    assert_int_equal(gh_oauth__id_token(env->e, gh_test_ctx(env), &in, &out), GH_OK);
    gh_oauth__client_release(c);
    return gh_url_encode(env->arena, out);
}

static void signed_in(gh_test_env *env, gh_ft_browser *b, const char *subject)
{
    gh_oauth_response r;

    gh_oauth_response_init(&r);
    assert_int_equal(gh_oauth_session_start(env->e, gh_test_ctx(env), subject, false, &r), GH_OK);
    gh_ft_take_cookies(env, b, &r);
    gh_oauth_response_clear(&r);
}

static void test_bad_requests(void **state)
{
    gh_test_env *env = *state;

    user_error(env, "id_token_hint=not.a.jwt", NULL);
    /* SPEC: OIDC RP-Initiated Logout 3.1 - exact match with a registered URI */
    user_error(env, "client_id=app&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F", NULL);
    user_error(env, "client_id=app&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Fbye%2F",
               NULL);
    /* a post_logout_redirect_uri needs a client */
    user_error(env, "post_logout_redirect_uri=https%3A%2F%2Fapp.example.com%2Fbye", NULL);
    user_error(env, "client_id=nobody", NULL);
    user_error(env, "state=a&state=b", NULL);
    /* SPEC: OIDC RP-Initiated Logout 2 - client_id must agree with the hint */
    user_error(env,
               gh_arena_printf(env->arena, "client_id=other&id_token_hint=%s",
                               hint(env, "app", "user-1")),
               NULL);
}

static void test_no_session(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response r;

    assert_int_equal(logout(env, "", NULL, &r), 302);
    assert_string_equal(r.location, GH_TEST_ISSUER "/ui/logged-out");
    gh_oauth_response_clear(&r);
    assert_int_equal(logout(env,
                            "client_id=app&post_logout_redirect_uri=https%3A%2F%2Fapp.example.com"
                            "%2Fbye&state=s%201",
                            NULL, &r),
                     302);
    assert_string_equal(r.location, GH_FT_BYE "?state=s%201");
    gh_oauth_response_clear(&r);
}

static void test_flow(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0}, other = {0};
    gh_oauth_response r;
    gh_oauth_logout_view v;
    const char *lc, *to = NULL;

    signed_in(env, &b, "user-1");
    assert_int_equal(logout(env,
                            gh_arena_printf(env->arena,
                                            "id_token_hint=%s&post_logout_redirect_uri=https%%3A%%2F"
                                            "%%2Fapp.example.com%%2Fbye&state=st",
                                            hint(env, "app", "user-1")),
                            &b, &r),
                     302);
    assert_non_null(strstr(r.location, GH_TEST_ISSUER "/ui/logout?logout_challenge="));
    lc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "logout_challenge"));
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_oauth_logout_get(env->e, gh_test_ctx(env), lc, &v), GH_OK);
    assert_string_equal(v.subject, "user-1");
    assert_string_equal(v.client_id, "app");
    assert_true(v.rp_initiated);
    assert_non_null(v.sid);
    assert_int_equal(gh_oauth_logout_get(env->e, gh_test_ctx(env), "bogus", &v), GH_ENOTFOUND);

    assert_int_equal(gh_oauth_logout_accept(env->e, gh_test_ctx(env), lc, &to), GH_OK);
    assert_non_null(strstr(to, "/oauth2/sessions/logout?logout_verifier="));
    {
        const char *again = NULL;

        assert_int_equal(gh_oauth_logout_accept(env->e, gh_test_ctx(env), lc, &again),
                         GH_ECONFLICT);
        assert_null(again);
    }
    assert_int_equal(gh_oauth_logout_reject(env->e, gh_test_ctx(env), lc), GH_ECONFLICT);
    assert_int_equal(gh_ft_audit_count(env, "logout.accepted"), 1);
    /* another browser cannot use the verifier */
    assert_int_equal(logout(env, gh_ft_query(to), &other, &r), 400);
    gh_oauth_response_clear(&r);
    assert_int_equal(logout(env, gh_ft_query(to), &b, &r), 302);
    /* SPEC: OIDC RP-Initiated Logout 3 - back to the RP with state */
    assert_string_equal(r.location, GH_FT_BYE "?state=st");
    gh_oauth_response_clear(&r);
    assert_null(gh_ft_cookie(&b, "gh_session"));
    assert_int_equal(gh_ft_audit_count(env, "session.ended"), 1);
    /* once only */
    assert_int_equal(logout(env, gh_ft_query(to), &b, &r), 400);
    gh_oauth_response_clear(&r);
}

static void test_reject_and_not_rp_initiated(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_oauth_logout_view v;
    gh_oauth_session_view sv;
    const char *lc;

    signed_in(env, &b, "user-2");
    /* a hint for another subject does not make it RP-initiated */
    assert_int_equal(logout(env,
                            gh_arena_printf(env->arena, "id_token_hint=%s",
                                            hint(env, "app", "user-1")),
                            &b, &r),
                     302);
    lc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "logout_challenge"));
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_oauth_logout_get(env->e, gh_test_ctx(env), lc, &v), GH_OK);
    assert_false(v.rp_initiated);
    assert_int_equal(gh_oauth_logout_reject(env->e, gh_test_ctx(env), lc), GH_OK);
    assert_int_equal(gh_oauth_logout_get(env->e, gh_test_ctx(env), lc, &v), GH_ECONFLICT);
    /* the session lives on */
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &sv),
                     GH_OK);
    /* a plain logout without a hint is not RP-initiated either */
    assert_int_equal(logout(env, "", &b, &r), 302);
    lc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "logout_challenge"));
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_oauth_logout_get(env->e, gh_test_ctx(env), lc, &v), GH_OK);
    assert_false(v.rp_initiated);
    assert_null(v.client_id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reject_and_not_rp_initiated, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
