/*
 * test_revoke.c - RFC 7009 revocation: a client revokes only its own tokens, every other
 * case is a silent 200, the revocation is committed and audited before the answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/token_int.h"
#include "support/gh_test.h"

static int setup(void **state)
{
    gh_test_env *env = gh_test_env_new();

    gh_test_cc_client(env, "svc", "dns:read", "jwt", NULL);
    gh_test_cc_client(env, "opq", "dns:read", "opaque", NULL);
    gh_test_cc_client(env, "other", "dns:read", "jwt", NULL);
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

static const char *issue(gh_test_env *env, const char *client)
{
    gh_oauth_response resp;
    const char *at;

    assert_int_equal(gh_test_cc(env, client, "", &resp), GH_OK);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    return at;
}

static int revoke(gh_test_env *env, const char *client, const char *form)
{
    gh_oauth_response resp;
    int status;

    assert_int_equal(gh_test_call(env, gh_oauth_revoke, "POST", form,
                                  gh_test_basic(env, client, GH_TEST_SECRET), &resp),
                     GH_OK);
    status = resp.status;
    gh_oauth_response_clear(&resp);
    return status;
}

static bool active(gh_test_env *env, const char *token)
{
    gh_oauth_response resp;
    bool a;

    assert_int_equal(gh_test_call(env, gh_oauth_admin_introspect, "POST",
                                  gh_arena_printf(env->arena, "token=%s", token), NULL, &resp),
                     GH_OK);
    a = json_is_true(json_object_get(resp.body, "active"));
    gh_oauth_response_clear(&resp);
    return a;
}

static size_t revoked_events(gh_test_env *env)
{
    gh_audit_event *ev = NULL;
    size_t n = 0, k = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++)
        k += strcmp(ev[i].type, GH_AUDIT_TOKEN_REVOKED) == 0;
    return k;
}

static void test_own_jwt(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "svc");
    gh_oauth_response resp;

    assert_true(active(env, at));
    /* SPEC: RFC7009 2.1 - token_type_hint is accepted */
    assert_int_equal(
        revoke(env, "svc",
               gh_arena_printf(env->arena, "token=%s&token_type_hint=access_token", at)),
        200);
    assert_false(active(env, at));
    assert_int_equal(revoked_events(env), 1);
    /* Again: 200, nothing more happens. */
    assert_int_equal(revoke(env, "svc", gh_arena_printf(env->arena, "token=%s", at)), 200);
    assert_int_equal(revoked_events(env), 1);

    /* The response carries no-store and no error. */
    assert_int_equal(gh_test_call(env, gh_oauth_revoke, "POST",
                                  gh_arena_printf(env->arena, "token=%s", at),
                                  gh_test_basic(env, "svc", GH_TEST_SECRET), &resp),
                     GH_OK);
    assert_null(resp.error);
    gh_oauth_response_clear(&resp);
}

static void test_own_opaque_unknown_hint(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "opq");

    /* SPEC: RFC7009 2.1 - an unknown hint is ignored, the server searches anyway */
    assert_int_equal(
        revoke(env, "opq",
               gh_arena_printf(env->arena, "token=%s&token_type_hint=refresh_token", at)),
        200);
    assert_false(active(env, at));
    at = issue(env, "opq");
    assert_int_equal(
        revoke(env, "opq", gh_arena_printf(env->arena, "token=%s&token_type_hint=weird", at)), 200);
    assert_false(active(env, at));
}

static void test_others_tokens_untouched(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "svc");

    /* SPEC: RFC7009 2.1 - only the client the token was issued to; others get 200 */
    assert_int_equal(revoke(env, "other", gh_arena_printf(env->arena, "token=%s", at)), 200);
    assert_true(active(env, at));
    assert_int_equal(revoked_events(env), 0);
}

/* An opaque token with the right selector but a wrong secret is not the token: 200, nothing
 * revoked. */
static void test_opaque_wrong_secret(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "opq");
    const size_t plen = strlen(GH_PREFIX_ACCESS);
    char *v = gh_arena_strdup(env->arena, at);

    v[plen + 63] = v[plen + 63] == 'A' ? 'B' : 'A';
    assert_int_equal(revoke(env, "opq", gh_arena_printf(env->arena, "token=%s", v)), 200);
    /* Malformed and the earlier 43-character form: 200, nothing done. */
    assert_int_equal(
        revoke(env, "opq", gh_arena_printf(env->arena, "token=%.*s", (int)(plen + 63), at)), 200);
    assert_int_equal(
        revoke(env, "opq", gh_arena_printf(env->arena, "token=%.*s", (int)(plen + 43), at)), 200);
    assert_true(active(env, at));
    assert_int_equal(revoked_events(env), 0);
    assert_int_equal(revoke(env, "opq", gh_arena_printf(env->arena, "token=%s", at)), 200);
    assert_false(active(env, at));
    assert_int_equal(revoked_events(env), 1);
}

static void test_unknown_and_errors(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;

    /* SPEC: RFC7009 2.2 - invalid tokens do not cause an error response */
    assert_int_equal(revoke(env, "svc", "token=garbage"), 200);
    assert_int_equal(revoke(env, "svc", "token=" GH_PREFIX_ACCESS "unknown"), 200);
    assert_int_equal(revoke(env, "svc", "token=a.b.c"), 200);
    assert_int_equal(revoke(env, "svc", "nothing=1"), 400);
    assert_int_equal(gh_test_call(env, gh_oauth_revoke, "POST", "token=x", NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 401);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_test_call(env, gh_oauth_revoke, "GET", NULL,
                                  gh_test_basic(env, "svc", GH_TEST_SECRET), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 405);
    gh_oauth_response_clear(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_own_jwt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_opaque_unknown_hint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_others_tokens_untouched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opaque_wrong_secret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_errors, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
