/*
 * test_account.c - the account page against the real engine: the sign-in form without a
 * session (CSRF, generic failure), the list of the apps that hold a grant after the flow
 * (name escaped, scopes with descriptions, a Revoke form), revoke with CSRF (303 back, the
 * app gone), and sign-out.
 */
#include "ui_browser.h"

/* Runs login and consent (allowing openid and dns:read); leaves the session cookie. */
static void grant(ub *b)
{
    gh_oauth_response r;
    const char *ch = ub_login_to_consent(b), *csrf, *q;

    assert_int_equal(ub_call(b, gh_ui_consent, "GET",
                             gh_arena_printf(b->env->arena, "consent_challenge=%s", ub_enc(b, ch)),
                             NULL, &r),
                     GH_OK);
    csrf = ub_input(b, r.text, "csrf");
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(b, gh_ui_consent, "POST", NULL,
                             gh_arena_printf(b->env->arena,
                                             "consent_challenge=%s&csrf=%s&scope=openid"
                                             "&scope=dns%%3Aread&decision=allow",
                                             ub_enc(b, ch), ub_enc(b, csrf)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 303);
    q = strchr(r.location, '?');
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(b, gh_oauth_authorize, "GET", q + 1, NULL, &r), GH_OK);
    assert_int_equal(r.status, 302);
    assert_non_null(ub_url_param(b, r.location, "code"));
    gh_oauth_response_clear(&r);
}

static void test_signin(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *csrf;
    (void)state;

    ub_setup(&b);
    assert_int_equal(ub_call(&b, gh_ui_account, "GET", NULL, NULL, &r), GH_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.text, "name=\"username\""));
    assert_non_null(strstr(r.text, "name=\"password\""));
    csrf = ub_input(&b, r.text, "csrf");
    assert_non_null(csrf);
    gh_oauth_response_clear(&r);

    assert_int_equal(ub_call(&b, gh_ui_account, "POST", NULL,
                             "username=alice&password=correct-horse&action=login", &r),
                     GH_OK);
    assert_int_equal(r.status, 403);
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_account, "POST", NULL,
                             gh_arena_printf(b.env->arena,
                                             "csrf=%s&username=alice&password=nope-nope&action=login",
                                             ub_enc(&b, csrf)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.text, "Wrong username or password."));
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_account, "POST", NULL,
                             gh_arena_printf(b.env->arena,
                                             "csrf=%s&username=alice&password=correct-horse"
                                             "&action=login",
                                             ub_enc(&b, csrf)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, GH_TEST_ISSUER "/ui/account");
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_account, "GET", NULL, NULL, &r), GH_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.text, "Signed in as <strong>alice</strong>"));
    assert_non_null(strstr(r.text, "No app has access"));
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

static void test_list_revoke_signout(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *csrf;
    (void)state;

    ub_setup(&b);
    grant(&b);
    assert_int_equal(ub_call(&b, gh_ui_account, "GET", NULL, NULL, &r), GH_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.text, "<h2>&lt;script&gt;alert(1)&lt;/script&gt; Web</h2>"));
    assert_null(strstr(r.text, "<script"));
    assert_non_null(strstr(r.text, "Read DNS records"));
    assert_null(strstr(r.text, "Create, change and delete DNS records"));
    assert_non_null(strstr(r.text, "Allowed since 1 January 2026"));
    assert_non_null(strstr(r.text, "name=\"client_id\" value=\"web\""));
    assert_non_null(strstr(r.text, "value=\"revoke\""));
    csrf = ub_input(&b, r.text, "csrf");
    gh_oauth_response_clear(&r);

    /* Revoke without the token: refused, the app stays. */
    assert_int_equal(ub_call(&b, gh_ui_account, "POST", NULL, "action=revoke&client_id=web", &r),
                     GH_OK);
    assert_int_equal(r.status, 403);
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_account, "GET", NULL, NULL, &r), GH_OK);
    assert_non_null(strstr(r.text, "value=\"web\""));
    gh_oauth_response_clear(&r);

    assert_int_equal(ub_call(&b, gh_ui_account, "POST", NULL,
                             gh_arena_printf(b.env->arena, "action=revoke&client_id=web&csrf=%s",
                                             ub_enc(&b, csrf)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, GH_TEST_ISSUER "/ui/account");
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_account, "GET", NULL, NULL, &r), GH_OK);
    assert_non_null(strstr(r.text, "No app has access"));
    gh_oauth_response_clear(&r);

    assert_int_equal(ub_call(&b, gh_ui_account, "POST", NULL,
                             gh_arena_printf(b.env->arena, "action=signout&csrf=%s",
                                             ub_enc(&b, csrf)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location, GH_TEST_ISSUER "/ui/logged-out");
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_account, "GET", NULL, NULL, &r), GH_OK);
    assert_non_null(strstr(r.text, "name=\"password\""));
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signin),
        cmocka_unit_test(test_list_revoke_signout),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
