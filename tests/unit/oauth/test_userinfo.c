/*
 * test_userinfo.c - /userinfo (OIDC Core 5.3) with RFC 6750 bearer usage and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json/json.h"
#include "oauth/token_int.h"
#include "support/gh_tokentest.h"

static const char *token_for(gh_test_env *env, const char *alice, const char *scope)
{
    gh_oauth_response resp;
    const char *code = gh_tt_code(env, "web", alice, scope, GH_TT_REDIRECT, NULL, NULL), *at;

    assert_int_equal(gh_tt_token(env, "web",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&redirect_uri=" GH_TT_REDIRECT
                                                 "&code_verifier=" GH_TT_VERIFIER,
                                                 code),
                                 &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    return at;
}

static void test_userinfo(void **state)
{
    gh_test_env *env = gh_test_env_new();
    const char *alice = gh_tt_setup(env);
    const char *full = token_for(env, alice, "openid profile email");
    const char *bare = token_for(env, alice, "openid");
    const char *noid = token_for(env, alice, "dns:read");
    gh_oauth_response resp;
    (void)state;

    /* SPEC: OIDC Core 5.3.1 - GET with a bearer token */
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "GET", NULL,
                                  gh_arena_printf(env->arena, "Bearer %s", full), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "sub"), alice);
    assert_string_equal(gh_test_str(&resp, "name"), "Alice Example");
    assert_string_equal(gh_test_str(&resp, "email"), "alice@example.com");
    assert_true(json_is_true(json_object_get(resp.body, "email_verified")));
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC6750 2.2 - POST with the token in the form body; claims by scope */
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "POST",
                                  gh_arena_printf(env->arena, "access_token=%s", bare), NULL,
                                  &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "sub"), alice);
    assert_null(gh_test_str(&resp, "name"));
    assert_null(gh_test_str(&resp, "email"));
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC6750 2 - not two methods at once */
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "POST",
                                  gh_arena_printf(env->arena, "access_token=%s", bare),
                                  gh_arena_printf(env->arena, "Bearer %s", bare), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 400);
    assert_string_equal(gh_test_str(&resp, "error"), GH_E_INVALID_REQUEST);
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC6750 3.1 - no token: 401 and a bare Bearer challenge */
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "GET", NULL, NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 401);
    assert_non_null(resp.www_authenticate);
    assert_true(strncmp(resp.www_authenticate, "Bearer", 6) == 0);
    assert_null(strstr(resp.www_authenticate, "error="));
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC6750 3.1 - invalid_token */
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "GET", NULL, "Bearer gh_at_nope", &resp),
                     GH_OK);
    assert_int_equal(resp.status, 401);
    assert_non_null(strstr(resp.www_authenticate, "error=\"invalid_token\""));
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC6750 3.1 - insufficient_scope: 403 */
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "GET", NULL,
                                  gh_arena_printf(env->arena, "Bearer %s", noid), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 403);
    assert_non_null(strstr(resp.www_authenticate, "error=\"insufficient_scope\""));
    gh_oauth_response_clear(&resp);
    /* An expired token is invalid. */
    gh_test_env_advance(env, env->cfg->ttl_access_token + 1);
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "GET", NULL,
                                  gh_arena_printf(env->arena, "Bearer %s", full), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 401);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_test_call(env, gh_oauth_userinfo, "DELETE", NULL, NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 405);
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_userinfo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
