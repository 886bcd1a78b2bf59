/*
 * test_cookie.c - Set-Cookie attributes (HttpOnly, SameSite=Lax, Secure and the __Host-
 * prefix with an https issuer, Max-Age) and Cookie header parsing (RFC 6265 5.4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/flow_int.h"
#include "support/gh_test.h"

static void test_http_issuer(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_oauth_response r;

    (void)state;
    gh_oauth_response_init(&r);
    assert_string_equal(gh_oauth_cookie_name(env->e, GH_OAUTH_COOKIE_SESSION), "gh_session");
    gh_oauth_cookie(env->e, gh_test_ctx(env), &r, "gh_session", "abc", 0);
    gh_oauth_cookie(env->e, gh_test_ctx(env), &r, "gh_flow", "def", 3600);
    gh_oauth_cookie(env->e, gh_test_ctx(env), &r, "gh_flow", "", -1);
    assert_int_equal(r.n_set_cookie, 3);
    /* SPEC: RFC6265 4.1.2.6 HttpOnly; a browser-session cookie has no Max-Age */
    assert_string_equal(r.set_cookie[0], "gh_session=abc; Path=/; HttpOnly; SameSite=Lax");
    assert_string_equal(r.set_cookie[1],
                        "gh_flow=def; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600");
    assert_string_equal(r.set_cookie[2], "gh_flow=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    gh_oauth_cookie(env->e, gh_test_ctx(env), &r, "a", "1", 0);
    gh_oauth_cookie(env->e, gh_test_ctx(env), &r, "b", "2", 0); /* past the maximum: dropped */
    assert_int_equal(r.n_set_cookie, GH_OAUTH_MAX_COOKIES);
    gh_test_env_free(env);
}

static void test_https_issuer(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;
    gh_oauth_response r;

    (void)state;
    cfg->issuer = "https://auth.example.com";
    env = gh_test_env_new_with(cfg, NULL);
    /* SPEC: RFC6265bis 4.1.3.2 __Host- prefix */
    assert_string_equal(gh_oauth_cookie_name(env->e, GH_OAUTH_COOKIE_SESSION),
                        "__Host-gh_session");
    assert_string_equal(gh_oauth_cookie_name(env->e, GH_OAUTH_COOKIE_FLOW), "__Host-gh_flow");
    assert_string_equal(gh_oauth_cookie_name(env->e, GH_OAUTH_COOKIE_CSRF), "__Host-gh_csrf");
    gh_oauth_response_init(&r);
    gh_oauth_cookie(env->e, gh_test_ctx(env), &r, "__Host-gh_session", "v", 60);
    assert_string_equal(r.set_cookie[0],
                        "__Host-gh_session=v; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60");
    gh_test_env_free(env);
}

static void test_get(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_ctx *ctx = gh_test_ctx(env);

    (void)state;
    assert_null(gh_oauth_cookie_get(ctx, NULL, "a"));
    assert_null(gh_oauth_cookie_get(ctx, "", "a"));
    assert_string_equal(gh_oauth_cookie_get(ctx, "a=1", "a"), "1");
    assert_string_equal(gh_oauth_cookie_get(ctx, "a=1; b=2", "b"), "2");
    assert_string_equal(gh_oauth_cookie_get(ctx, "a=1;b=2", "b"), "2");
    /* tolerant of spaces around pairs and '=' */
    assert_string_equal(gh_oauth_cookie_get(ctx, "  a = 1 ;   b =  2  ", "b"), "2");
    /* first match wins */
    assert_string_equal(gh_oauth_cookie_get(ctx, "x=first; x=second", "x"), "first");
    /* quoted value */
    assert_string_equal(gh_oauth_cookie_get(ctx, "q=\"v\"", "q"), "v");
    /* a name is matched whole, not as a prefix or suffix */
    assert_null(gh_oauth_cookie_get(ctx, "gh_session_x=1; xgh_session=2", "gh_session"));
    assert_string_equal(gh_oauth_cookie_get(ctx, "gh_session_x=1; gh_session=3", "gh_session"),
                        "3");
    /* pairs without '=' are skipped; empty values are kept */
    assert_string_equal(gh_oauth_cookie_get(ctx, "junk; a=", "a"), "");
    assert_null(gh_oauth_cookie_get(ctx, ";;;", "a"));
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_issuer),
        cmocka_unit_test(test_https_issuer),
        cmocka_unit_test(test_get),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
