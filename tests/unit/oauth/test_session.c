/*
 * test_session.c - login sessions: the cookie ("<sid>.<secret>", only the secret's hash
 * stored), lookup with a wrong secret, expiry and revocation, the account page's sign-in and
 * sign-out, and the session a login verifier creates (remembered or browser-session cookie).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/flow_int.h"
#include "support/gh_flowtest.h"

static void test_start_get_end(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_oauth_session_view v;
    gh_session *row = NULL;
    const char *cookie, *forged;

    (void)state;
    gh_oauth_response_init(&r);
    assert_int_equal(gh_oauth_session_start(env->e, gh_test_ctx(env), "user-1", false, &r), GH_OK);
    assert_int_equal(r.n_set_cookie, 1);
    /* a browser-session cookie: no Max-Age */
    assert_null(strstr(r.set_cookie[0], "Max-Age"));
    assert_non_null(strstr(r.set_cookie[0], "HttpOnly"));
    gh_ft_take_cookies(env, &b, &r);
    cookie = gh_ft_cookie(&b, "gh_session");
    assert_int_equal(strlen(cookie), 22 + 1 + 43);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &v),
                     GH_OK);
    assert_string_equal(v.subject, "user-1");
    assert_int_equal(v.auth_time, GH_TEST_T0);
    assert_int_equal(v.expires_at, GH_TEST_T0 + GH_SESSION_DEFAULT_TTL);
    assert_int_equal(strncmp(v.sid, cookie, 22), 0);
    /* the store keeps the hash of the secret, never the secret */
    assert_int_equal(gh_store_session_get(env->store, v.sid, env->arena, &row), GH_OK);
    {
        unsigned char h[GH_SHA256_LEN];

        gh_sha256(cookie + 23, 43, h);
        assert_memory_equal(row->secret_hash, h, sizeof(h));
    }
    /* a wrong secret, a malformed cookie, no cookie */
    forged = gh_arena_printf(env->arena, "gh_session=%.22s.%s", cookie,
                             "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), forged, &v), GH_ENOTFOUND);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), "gh_session=x.y", &v),
                     GH_ENOTFOUND);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), NULL, &v), GH_ENOTFOUND);
    assert_int_equal(gh_ft_audit_count(env, "session.started"), 1);
    gh_oauth_response_clear(&r);

    /* sign-out revokes and clears */
    gh_oauth_response_init(&r);
    assert_int_equal(gh_oauth_session_end(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          "user:user-1", &r),
                     GH_OK);
    assert_int_equal(r.n_set_cookie, 1);
    assert_non_null(strstr(r.set_cookie[0], "Max-Age=0"));
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &v),
                     GH_ENOTFOUND);
    assert_int_equal(gh_ft_audit_count(env, "session.ended"), 1);
    gh_oauth_response_clear(&r);
    /* ending without a session is fine */
    gh_oauth_response_init(&r);
    assert_int_equal(gh_oauth_session_end(env->e, gh_test_ctx(env), NULL, NULL, &r), GH_OK);
    assert_int_equal(gh_ft_audit_count(env, "session.ended"), 1);
    gh_oauth_response_clear(&r);
    gh_test_env_free(env);
}

static void test_remember_and_expiry(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_oauth_session_view v;

    (void)state;
    gh_oauth_response_init(&r);
    assert_int_equal(gh_oauth_session_start(env->e, gh_test_ctx(env), "user-2", true, &r), GH_OK);
    assert_non_null(strstr(r.set_cookie[0], "Max-Age=86400"));
    gh_ft_take_cookies(env, &b, &r);
    gh_oauth_response_clear(&r);
    gh_test_env_advance(env, GH_SESSION_DEFAULT_TTL - 1);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &v),
                     GH_OK);
    gh_test_env_advance(env, 1);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &v),
                     GH_ENOTFOUND);
    gh_oauth_response_init(&r);
    assert_int_equal(gh_oauth_session_start(env->e, gh_test_ctx(env), "", true, &r), GH_EINVAL);
    gh_oauth_response_clear(&r);
    gh_test_env_free(env);
}

static void test_login_creates_session(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_oauth_session_view v, v2;
    gh_oauth_login_answer a = {0};
    const char *lc, *to = NULL, *msg = NULL, *old;

    (void)state;
    gh_ft_client(env, "app", "openid");
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_authz_query(env, "openid", ""), &b,
                               &r),
                     GH_OK);
    lc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "login_challenge"));
    gh_oauth_response_clear(&r);
    a.subject = "user-3";
    a.remember = true;
    a.remember_for = 7200;
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &a, &to, &msg), GH_OK);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), &b, &r), GH_OK);
    assert_int_equal(r.status, 302);
    /* remember_for decides the cookie's and the session's lifetime */
    assert_true(r.n_set_cookie >= 1);
    assert_non_null(strstr(r.set_cookie[0], "gh_session="));
    assert_non_null(strstr(r.set_cookie[0], "Max-Age=7200"));
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &v),
                     GH_OK);
    assert_string_equal(v.subject, "user-3");
    assert_int_equal(v.expires_at, GH_TEST_T0 + 7200);
    old = gh_arena_strdup(env->arena, gh_ft_cookie_header(env, &b));

    /* A new login (prompt=login) replaces the session: the old one is revoked. */
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize,
                               gh_ft_authz_query(env, "openid", "&prompt=login"), &b, &r),
                     GH_OK);
    lc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "login_challenge"));
    gh_oauth_response_clear(&r);
    a.remember = false;
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &a, &to, &msg), GH_OK);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), &b, &r), GH_OK);
    assert_null(strstr(r.set_cookie[0], "Max-Age"));
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), gh_ft_cookie_header(env, &b),
                                          &v2),
                     GH_OK);
    assert_string_not_equal(v.sid, v2.sid);
    assert_int_equal(gh_oauth_session_get(env->e, gh_test_ctx(env), old, &v), GH_ENOTFOUND);
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_get_end),
        cmocka_unit_test(test_remember_and_expiry),
        cmocka_unit_test(test_login_creates_session),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
