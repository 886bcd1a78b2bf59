/*
 * test_html.c - the built-in pages' HTML: escaping (no input ever reaches the page
 * unescaped), the template substitution, http(s)-only URLs, the page shell, the form_post page
 * (OAuth 2.0 Form Post Response Mode 2) and the Content-Security-Policy hashes, which are
 * checked against an independent SHA-256 and base64 of what the page really contains.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/sha.h>

#include "support/b64std.h"
#include "ui/ui_int.h"

static int setup(void **state)
{
    *state = gh_arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    gh_arena_free(*state);
    return 0;
}

/* The text between open and close in s (arena), or NULL. */
static char *between(gh_arena *a, const char *s, const char *open, const char *close)
{
    const char *p = strstr(s, open), *q;
    if (p == NULL)
        return NULL;
    p += strlen(open);
    q = strstr(p, close);
    if (q == NULL)
        return NULL;
    return gh_arena_strndup(a, p, (size_t)(q - p));
}

/* 'sha256-<base64>' of s, computed without the code under test. */
static char *hash_src(gh_arena *a, const char *s)
{
    unsigned char h[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, strlen(s), h);
    return gh_arena_printf(a, "'sha256-%s'", gh_test_b64(a, (const char *)h, sizeof(h)));
}

static void test_escape(void **state)
{
    gh_arena *a = *state;

    assert_string_equal(gh_ui__escape(a, "<script>alert(\"x\")&'</script>"),
                        "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;&lt;/script&gt;");
    assert_string_equal(gh_ui__escape(a, "plain text é"), "plain text é");
    assert_string_equal(gh_ui__escape(a, ""), "");
    assert_string_equal(gh_ui__escape(a, NULL), "");
    assert_string_equal(gh_ui__escape(a, "&amp;"), "&amp;amp;");
}

static void test_render(void **state)
{
    gh_arena *a = *state;
    gh_ui_html out, frag = {"<b>ok</b>", 9};
    const gh_ui_var vars[] = {
        GH_UI_TEXT("name", "\"><script>alert(1)</script>"),
        GH_UI_URL("logo", "https://cdn.example/logo.png?a=1&b=2"),
        GH_UI_HTML("frag", &frag),
        GH_UI_TEXT("none", NULL),
    };

    assert_int_equal(gh_ui__render(a, "<p title=\"{{name}}\">{{name}}</p><img src=\"{{logo}}\">"
                                      "{{frag}}[{{none}}]",
                                   vars, 4, &out),
                     GH_OK);
    assert_string_equal(out.s, "<p title=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">"
                               "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</p>"
                               "<img src=\"https://cdn.example/logo.png?a=1&amp;b=2\">"
                               "<b>ok</b>[]");
    assert_int_equal(out.len, strlen(out.s));
    assert_null(strstr(out.s, "<script>"));

    /* Templates are static: a name that is not given, or an unclosed brace, is a bug. */
    assert_int_equal(gh_ui__render(a, "{{missing}}", vars, 4, &out), GH_EINVAL);
    assert_int_equal(gh_ui__render(a, "{{name", vars, 4, &out), GH_EINVAL);
    /* Values are never themselves templates. */
    {
        const gh_ui_var v2[] = {GH_UI_TEXT("x", "{{x}}")};
        assert_int_equal(gh_ui__render(a, "{{x}}", v2, 1, &out), GH_OK);
        assert_string_equal(out.s, "{{x}}");
    }
}

static void test_urls(void **state)
{
    gh_arena *a = *state;
    gh_ui_html out;
    static const char *const bad[] = {
        "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>", "//evil.example/x",
        "/relative", "http://", "https:///path", "https://a b/", "https://a\tb/", "vbscript:x",
        "ftp://files.example/", "",
    };
    size_t i;

    assert_true(gh_ui__url_ok("https://app.example/"));
    assert_true(gh_ui__url_ok("HTTP://app.example"));
    assert_true(gh_ui__url_ok("http://127.0.0.1:8080/cb?x=1"));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const gh_ui_var v[] = {GH_UI_URL("u", bad[i])};
        assert_false(gh_ui__url_ok(bad[i]));
        assert_int_equal(gh_ui__render(a, "<a href=\"{{u}}\">", v, 1, &out), GH_OK);
        assert_string_equal(out.s, "<a href=\"\">");
    }
    assert_false(gh_ui__url_ok(NULL));
    /* A quote in an otherwise valid URL cannot leave the attribute. */
    {
        const gh_ui_var v[] = {GH_UI_URL("u", "https://x.example/\"onerror=\"alert(1)")};
        assert_int_equal(gh_ui__render(a, "<img src=\"{{u}}\">", v, 1, &out), GH_OK);
        assert_string_equal(out.s, "<img src=\"https://x.example/&quot;onerror=&quot;alert(1)\">");
    }
}

static void test_page_shell(void **state)
{
    gh_arena *a = *state;
    gh_ui_html body = {"<h1>Hi</h1>\n", 12}, page;
    char *style, *csp;

    assert_int_equal(gh_ui__page(a, "Sign <in>", &body, &page), GH_OK);
    assert_non_null(strstr(page.s, "<!DOCTYPE html>"));
    assert_non_null(strstr(page.s, "<html lang=\"en\">"));
    assert_non_null(strstr(page.s, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(page.s, "name=\"viewport\" content=\"width=device-width"));
    assert_non_null(strstr(page.s, "<title>Sign &lt;in&gt; - gatehouse</title>"));
    assert_non_null(strstr(page.s, "<main>\n<h1>Hi</h1>\n</main>"));
    /* No script on an ordinary page. */
    assert_null(strstr(page.s, "<script"));

    /* The policy allows exactly the stylesheet the page carries. */
    style = between(a, page.s, "<style>", "</style>");
    assert_non_null(style);
    assert_non_null(strstr(style, "max-width"));
    csp = gh_ui__csp(a, "'self'", false);
    assert_non_null(strstr(csp, hash_src(a, style)));
    assert_string_equal(gh_ui__style_hash(a), hash_src(a, style));
    assert_non_null(strstr(csp, "default-src 'none'"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
    assert_non_null(strstr(csp, "base-uri 'none'"));
    assert_non_null(strstr(csp, "form-action 'self';"));
    assert_non_null(strstr(csp, "img-src https:"));
    assert_null(strstr(csp, "script-src"));
    assert_null(strstr(csp, "unsafe-inline"));
    csp = gh_ui__csp(a, NULL, false);
    assert_null(strstr(csp, "form-action"));
    assert_non_null(strstr(csp, "frame-ancestors 'none'"));
}

static void test_form_post(void **state)
{
    gh_arena *a = *state;
    gh_ui_html page;
    json_t *params = json_pack("{s:s,s:s,s:s,s:i}", "code", "gh_ac_abc", "state",
                               "\"><script>alert(1)</script>", "iss", "http://127.0.0.1:4444",
                               "ignored", 5);
    char *script, *csp;

    assert_int_equal(gh_ui__form_post_page(a, "https://app.example/cb?x=1&y=2", params, &page),
                     GH_OK);
    assert_non_null(strstr(page.s, "<form method=\"post\" action=\"https://app.example/cb?x=1&amp;y=2\">"));
    assert_non_null(strstr(page.s, "<input type=\"hidden\" name=\"code\" value=\"gh_ac_abc\">"));
    assert_non_null(strstr(page.s, "name=\"state\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\""));
    assert_non_null(strstr(page.s, "name=\"iss\" value=\"http://127.0.0.1:4444\""));
    assert_null(strstr(page.s, "name=\"ignored\""));
    assert_non_null(strstr(page.s, "<noscript>"));
    assert_non_null(strstr(page.s, "<button type=\"submit\""));
    /* Exactly one script, allowed by its hash. */
    script = between(a, page.s, "<script>", "</script>");
    assert_non_null(script);
    assert_null(strstr(strstr(page.s, "<script>") + 1, "<script"));
    csp = gh_ui__csp(a, "https://app.example", true);
    assert_non_null(strstr(csp, gh_arena_printf(a, "script-src %s;", hash_src(a, script))));
    assert_non_null(strstr(csp, "form-action https://app.example;"));

    assert_int_equal(gh_ui__form_post_page(a, "javascript:alert(1)", params, &page), GH_EINVAL);
    assert_int_equal(gh_ui__form_post_page(a, "https://app.example/cb", NULL, &page), GH_EINVAL);
    json_decref(params);
}

static void test_origin(void **state)
{
    gh_arena *a = *state;

    assert_string_equal(gh_ui__origin(a, "https://app.example:8443/cb?x=1#f"),
                        "https://app.example:8443");
    assert_string_equal(gh_ui__origin(a, "HTTPS://App.Example/cb"), "https://App.Example");
    assert_string_equal(gh_ui__origin(a, "http://127.0.0.1:9/cb"), "http://127.0.0.1:9");
    assert_string_equal(gh_ui__origin(a, "http://[::1]:9/cb"), "http://[::1]:9");
    assert_string_equal(gh_ui__origin(a, "http://127.0.0.1:4444"), "http://127.0.0.1:4444");
    assert_null(gh_ui__origin(a, "com.example.app:/cb"));
    assert_null(gh_ui__origin(a, "https://user@host.example/"));
    assert_null(gh_ui__origin(a, "https://host.example;script-src/"));
    assert_null(gh_ui__origin(a, "https://host.example'x/"));
    assert_null(gh_ui__origin(a, NULL));
}

static void test_time(void **state)
{
    gh_arena *a = *state;

    assert_string_equal(gh_ui__time(a, 1767225600), "1 January 2026, 00:00 UTC");
    assert_string_equal(gh_ui__time(a, 1767225600 + 45 * 86400 + 13 * 3600 + 7 * 60 + 59),
                        "15 February 2026, 13:07 UTC");
}

static void test_join(void **state)
{
    gh_arena *a = *state;
    gh_ui_html parts[] = {{"<li>a</li>", 10}, {"", 0}, {"<li>b</li>", 10}}, out;

    assert_int_equal(gh_ui__join(a, parts, 3, &out), GH_OK);
    assert_string_equal(out.s, "<li>a</li><li>b</li>");
    assert_int_equal(gh_ui__join(a, parts, 0, &out), GH_OK);
    assert_string_equal(out.s, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_escape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render, setup, teardown),
        cmocka_unit_test_setup_teardown(test_urls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_shell, setup, teardown),
        cmocka_unit_test_setup_teardown(test_form_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_origin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_join, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
