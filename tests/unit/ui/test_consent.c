/*
 * test_consent.c - the consent page against the real engine: the HTML form contract
 * (a checked checkbox name="scope" per requested scope labelled with the catalog's
 * description, decision=allow|deny), sensitive scopes marked, the client's name escaped and
 * its links kept only when http(s), CSRF, unticking a scope grants the rest, and deny
 * returning access_denied.
 */
#include "ui_browser.h"

static const char *consent_page(ub *b, const char *ch, gh_oauth_response *r)
{
    assert_int_equal(ub_call(b, gh_ui_consent, "GET",
                             gh_arena_printf(b->env->arena, "consent_challenge=%s", ub_enc(b, ch)),
                             NULL, r),
                     GH_OK);
    assert_int_equal(r->status, 200);
    return r->text;
}

static void test_page_contract(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *ch, *html;
    static const char *const scopes[] = {"openid", "dns:read", "dns:write"};
    (void)state;

    ub_setup(&b);
    ch = ub_login_to_consent(&b);
    html = consent_page(&b, ch, &r);
    assert_non_null(strstr(html, "<form method=\"post\""));
    for (size_t i = 0; i < 3; i++) {
        const char *cb = gh_arena_printf(b.env->arena,
                                         "name=\"scope\" value=\"%s\" checked>", scopes[i]);
        assert_non_null(strstr(html, cb));
    }
    /* The catalog's descriptions label the boxes; the sensitive one is marked. */
    assert_non_null(strstr(html, ">Read DNS records</label>"));
    assert_non_null(strstr(html, "<label for=\"scope-2\">Create, change and delete DNS records"));
    assert_non_null(strstr(html, "sensitive \xe2\x80\x94 asked every time"));
    assert_non_null(strstr(html, "name=\"decision\" value=\"allow\""));
    assert_non_null(strstr(html, "name=\"decision\" value=\"deny\""));
    assert_non_null(strstr(html, "name=\"remember\""));
    assert_string_equal(ub_input(&b, html, "consent_challenge"), ch);
    assert_non_null(ub_input(&b, html, "csrf"));
    /* Client name escaped, its http(s) URI and logo shown, the redirect host named. */
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; Web"));
    assert_null(strstr(html, "<script"));
    assert_non_null(strstr(html, "href=\"https://app.example/\""));
    assert_non_null(strstr(html, "<img src=\"https://app.example/logo.png\""));
    assert_non_null(strstr(html, "<strong>app.example</strong>"));
    assert_non_null(strstr(html, "Signed in as <strong>alice</strong>"));
    assert_non_null(strstr(r.csp, "frame-ancestors 'none'"));
    assert_non_null(strstr(r.csp, "img-src https:"));
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

static void test_untick_and_allow(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *ch, *csrf, *form;
    (void)state;

    ub_setup(&b);
    ch = ub_login_to_consent(&b);
    csrf = ub_input(&b, consent_page(&b, ch, &r), "csrf");
    gh_oauth_response_clear(&r);

    /* Without the token: 403, and the challenge still works afterwards. */
    form = gh_arena_printf(b.env->arena, "consent_challenge=%s&scope=openid&decision=allow",
                           ub_enc(&b, ch));
    assert_int_equal(ub_call(&b, gh_ui_consent, "POST", NULL, form, &r), GH_OK);
    assert_int_equal(r.status, 403);
    assert_null(r.location);
    gh_oauth_response_clear(&r);

    /* dns:write unticked: the rest is granted and the flow goes on. */
    form = gh_arena_printf(b.env->arena,
                           "consent_challenge=%s&csrf=%s&scope=openid&scope=dns%%3Aread"
                           "&decision=allow",
                           ub_enc(&b, ch), ub_enc(&b, csrf));
    assert_int_equal(ub_call(&b, gh_ui_consent, "POST", NULL, form, &r), GH_OK);
    assert_int_equal(r.status, 303);
    assert_non_null(ub_url_param(&b, r.location, "consent_verifier"));
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

static void test_deny(void **state)
{
    ub b;
    gh_oauth_response r;
    const char *ch, *csrf;
    (void)state;

    ub_setup(&b);
    ch = ub_login_to_consent(&b);
    csrf = ub_input(&b, consent_page(&b, ch, &r), "csrf");
    gh_oauth_response_clear(&r);
    assert_int_equal(ub_call(&b, gh_ui_consent, "POST", NULL,
                             gh_arena_printf(b.env->arena,
                                             "consent_challenge=%s&csrf=%s&scope=openid"
                                             "&decision=deny",
                                             ub_enc(&b, ch), ub_enc(&b, csrf)),
                             &r),
                     GH_OK);
    assert_int_equal(r.status, 303);
    assert_non_null(strstr(r.location, "https://app.example/cb?"));
    assert_string_equal(ub_url_param(&b, r.location, "error"), "access_denied");
    assert_string_equal(ub_url_param(&b, r.location, "state"), "s1");
    gh_oauth_response_clear(&r);

    /* Answered: a second answer is refused with a page, not a redirect. */
    assert_int_equal(ub_call(&b, gh_ui_consent, "POST", NULL,
                             gh_arena_printf(b.env->arena,
                                             "consent_challenge=%s&csrf=%s&decision=allow",
                                             ub_enc(&b, ch), ub_enc(&b, csrf)),
                             &r),
                     GH_OK);
    assert_true(r.status >= 400 && r.status < 500);
    assert_null(r.location);
    gh_oauth_response_clear(&r);
    gh_test_env_free(b.env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_contract),
        cmocka_unit_test(test_untick_and_allow),
        cmocka_unit_test(test_deny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
