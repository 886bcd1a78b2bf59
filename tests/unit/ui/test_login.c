/*
 * test_login.c - the login page against the real engine: the HTML form contract (DESIGN.md),
 * escaping of the client's name, the page's CSP, CSRF (missing or wrong token: 403 and
 * nothing happens), one generic message for a wrong user or password, Cancel
 * (access_denied), and an accepted login going on with 303 to the login_verifier.
 */
#include "ui_browser.h"

#define LOGIN_FORM(ch, csrf, user, pass, action)                                                 \
    gh_arena_printf(b.env->arena, "login_challenge=%s&csrf=%s&username=%s&password=%s&action=%s", \
                    ub_enc(&b, ch), ub_enc(&b, csrf), user, pass, action)

static void test_page_contract(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *ch, *html;
    (void)state;

    ub_setup(&b);
    ch = ub_authorize(&b);
    assert_int_equal(ub_call(&b, gh_ui_login, "GET",
                             gh_arena_printf(b.env->arena, "login_challenge=%s", ub_enc(&b, ch)),
                             NULL, &r),
                     GH_OK);
    assert_int_equal(r.status, 200);
    assert_non_null(r.content_type);
    assert_non_null(strstr(r.content_type, "text/html"));
    html = r.text;
    assert_non_null(html);
    assert_int_equal(strlen(html), r.text_len);
    assert_non_null(strstr(html, "<form method=\"post\""));
    assert_non_null(strstr(html, "name=\"username\""));
    assert_non_null(strstr(html, "name=\"password\""));
    assert_non_null(strstr(html, "<label for=\"username\">"));
    assert_non_null(strstr(html, "<label for=\"password\">"));
    assert_string_equal(ub_input(&b, html, "login_challenge"), ch);
    assert_non_null(ub_input(&b, html, "csrf"));
    assert_non_null(strstr(html, "value=\"cancel\""));
    /* The client's name is shown, escaped. */
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; Web"));
    assert_null(strstr(html, "<script"));
    /* CSP: the page's own policy, form-action including the client's origin (browsers apply
     * it to the redirects after the submission). */
    assert_non_null(r.csp);
    assert_non_null(strstr(r.csp, "frame-ancestors 'none'"));
    assert_non_null(strstr(r.csp, "default-src 'none'"));
    assert_non_null(strstr(r.csp, "form-action 'self' http://127.0.0.1:4444 https://app.example;"));
    /* The CSRF cookie was set. */
    assert_non_null(ub_cookie(&b, GH_OAUTH_COOKIE_CSRF));
    assert_true(gh_ui__csrf_cookie_ok(ub_cookie(&b, GH_OAUTH_COOKIE_CSRF)));
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

static void test_csrf_and_credentials(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *ch, *csrf, *q;
    (void)state;

    ub_setup(&b);
    ch = ub_authorize(&b);
    q = gh_arena_printf(b.env->arena, "login_challenge=%s", ub_enc(&b, ch));
    assert_int_equal(ub_call(&b, gh_ui_login, "GET", q, NULL, &r), GH_OK);
    csrf = ub_input(&b, r.text, "csrf");
    gh_oauth_response_clear(&r);

    /* Missing, wrong, or another form's token: 403, nothing accepted. */
    assert_int_equal(ub_call(&b, gh_ui_login, "POST", NULL,
                             gh_arena_printf(b.env->arena,
                                             "login_challenge=%s&username=alice&password=correct-horse",
                                             ub_enc(&b, ch)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.text, "expired"));
    assert_null(r.location);
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_login, "POST", NULL,
                             LOGIN_FORM(ch, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "alice",
                                        "correct-horse", "login"),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 403);
    gh_oauth_response_clear(&r);

    /* Wrong password and unknown user: one generic message, the username kept. */
    assert_int_equal(ub_call(&b, gh_ui_login, "POST", NULL,
                             LOGIN_FORM(ch, csrf, "alice", "wrong-password", "login"), &r),
                     GH_OK);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.text, "Wrong username or password."));
    assert_string_equal(ub_input(&b, r.text, "username"), "alice");
    assert_null(r.location);
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_login, "POST", NULL,
                             LOGIN_FORM(ch, csrf, "mallory%22%3E%3Cb%3E", "whatever-pw", "login"),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.text, "Wrong username or password."));
    assert_string_equal(ub_input(&b, r.text, "username"), "mallory&quot;&gt;&lt;b&gt;");
    gh_oauth_response_clear(&r);

    /* Right: 303 back to /oauth2/auth with the verifier. */
    assert_int_equal(ub_call(&b, gh_ui_login, "POST", NULL,
                             LOGIN_FORM(ch, csrf, "alice", "correct-horse", "login"), &r),
                     GH_OK);
    assert_int_equal(r.status, 303);
    assert_non_null(r.location);
    assert_non_null(ub_url_param(&b, r.location, "login_verifier"));
    gh_oauth_response_clear(&r);

    /* The challenge is used: the page says so. */
    assert_int_equal(ub_call(&b, gh_ui_login, "GET", q, NULL, &r), GH_OK);
    assert_true(r.status >= 400 && r.status < 500);
    assert_non_null(strstr(r.text, "expired or was already used"));
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

static void test_cancel_and_unknown(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *ch, *csrf;
    (void)state;

    ub_setup(&b);
    ch = ub_authorize(&b);
    assert_int_equal(ub_call(&b, gh_ui_login, "GET",
                             gh_arena_printf(b.env->arena, "login_challenge=%s", ub_enc(&b, ch)),
                             NULL, &r),
                     GH_OK);
    csrf = ub_input(&b, r.text, "csrf");
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_login, "POST", NULL,
                             gh_arena_printf(b.env->arena, "login_challenge=%s&csrf=%s&action=cancel",
                                             ub_enc(&b, ch), ub_enc(&b, csrf)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "https://app.example/cb?"));
    assert_string_equal(ub_url_param(&b, r.location, "error"), "access_denied");
    assert_string_equal(ub_url_param(&b, r.location, "state"), "s1");
    gh_oauth_response_clear(&r);

    assert_int_equal(ub_call(&b, gh_ui_login, "GET", "login_challenge=nope", NULL, &r), GH_OK);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.text, "This sign-in request has expired or was already used."));
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_login, "GET", NULL, NULL, &r), GH_OK);
    assert_int_equal(r.status, 404);
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_contract),
        cmocka_unit_test(test_csrf_and_credentials),
        cmocka_unit_test(test_cancel_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
