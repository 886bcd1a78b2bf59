/*
 * test_idtoken.c - id_token_hint verification (OIDC RP-Initiated Logout 1.0 2): a hint we
 * issued verifies (also once expired) and names client, subject and sid; a tampered hint, an
 * access token, or garbage does not.
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

static void test_hint(void **state)
{
    gh_test_env *env = gh_test_env_new();
    const char *alice = gh_tt_setup(env);
    const char *code, *idt, *at, *client = NULL, *sub = NULL, *sid = NULL;
    gh_oauth_response resp;
    char *bad;
    (void)state;

    code = gh_tt_code(env, "es", alice, "openid", GH_TT_REDIRECT, NULL, NULL);
    assert_int_equal(gh_tt_token(env, "es",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&redirect_uri=" GH_TT_REDIRECT
                                                 "&code_verifier=" GH_TT_VERIFIER,
                                                 code),
                                 &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    idt = gh_arena_strdup(env->arena, gh_test_str(&resp, "id_token"));
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_oauth__id_token_hint_verify(env->e, gh_test_ctx(env), idt, &client, &sub,
                                                    &sid),
                     GH_OK);
    assert_string_equal(client, "es");
    assert_string_equal(sub, alice);
    assert_string_equal(sid, "sid-1");
    /* An expired hint still names the session. */
    gh_test_env_advance(env, env->cfg->ttl_id_token + 100);
    assert_int_equal(gh_oauth__id_token_hint_verify(env->e, gh_test_ctx(env), idt, &client, &sub,
                                                    &sid),
                     GH_OK);
    /* A changed signature does not verify. */
    bad = gh_arena_strdup(env->arena, idt);
    bad[strlen(bad) - 3] = bad[strlen(bad) - 3] == 'A' ? 'B' : 'A';
    assert_int_equal(gh_oauth__id_token_hint_verify(env->e, gh_test_ctx(env), bad, &client, &sub,
                                                    &sid),
                     GH_EINVAL);
    assert_null(client);
    assert_int_equal(gh_oauth__id_token_hint_verify(env->e, gh_test_ctx(env), "a.b.c", &client,
                                                    &sub, &sid),
                     GH_EINVAL);
    /* An access token (typ at+jwt) is not an ID token. */
    code = gh_tt_code(env, "web", alice, "openid", GH_TT_REDIRECT, NULL, NULL);
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
    assert_int_equal(gh_oauth__id_token_hint_verify(env->e, gh_test_ctx(env), at, &client, &sub,
                                                    &sid),
                     GH_EINVAL);
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
