/*
 * test_form.c - application/x-www-form-urlencoded parsing, percent-decoding and -encoding.
 *
 * Covers the WHATWG parsing rules ('&' separators, empty sequences skipped, split at the
 * first '=', '+' as space), our strict additions (bad escapes, %00 and invalid UTF-8 are
 * GH_EINVAL), the limits.h bounds (GH_ETOOBIG), and RFC 6749 3.1 through gh_form_get_one:
 * empty values count as absent, repeats are a conflict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/form.h"
#include "base/limits.h"

static gh_err parse(gh_arena *a, const char *s, gh_form *f)
{
    return gh_form_parse(a, s, strlen(s), f);
}

static void test_parse_basic(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_form f;
    (void)state;
    assert_int_equal(parse(a, "grant_type=authorization_code&code=abc&redirect_uri=x", &f),
                     GH_OK);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.pairs[0].name, "grant_type");
    assert_string_equal(f.pairs[0].value, "authorization_code");
    assert_int_equal(f.pairs[0].value_len, strlen("authorization_code"));
    assert_string_equal(f.pairs[1].name, "code");
    assert_string_equal(f.pairs[1].value, "abc");
    assert_string_equal(f.pairs[2].name, "redirect_uri");
    gh_arena_free(a);
}

static void test_parse_whatwg_rules(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_form f;
    (void)state;
    /* Empty input and empty sequences give no pairs. */
    assert_int_equal(parse(a, "", &f), GH_OK);
    assert_int_equal(f.n, 0);
    assert_int_equal(parse(a, "&&&", &f), GH_OK);
    assert_int_equal(f.n, 0);
    assert_int_equal(parse(a, "&a=1&&b=2&", &f), GH_OK);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.pairs[1].name, "b");
    /* No '=': the value is empty. Split at the first '=' only. */
    assert_int_equal(parse(a, "flag&x=a=b==", &f), GH_OK);
    assert_int_equal(f.n, 2);
    assert_string_equal(f.pairs[0].name, "flag");
    assert_string_equal(f.pairs[0].value, "");
    assert_int_equal(f.pairs[0].value_len, 0);
    assert_string_equal(f.pairs[1].value, "a=b==");
    /* Empty names are skipped. */
    assert_int_equal(parse(a, "=v&=&a=1", &f), GH_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.pairs[0].name, "a");
    /* '+' is a space in names and values; %2B is a literal plus. */
    assert_int_equal(parse(a, "a+b=c+d%2Be", &f), GH_OK);
    assert_string_equal(f.pairs[0].name, "a b");
    assert_string_equal(f.pairs[0].value, "c d+e");
    /* Escaped separators do not separate. */
    assert_int_equal(parse(a, "k%3Dx=v%26w", &f), GH_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.pairs[0].name, "k=x");
    assert_string_equal(f.pairs[0].value, "v&w");
    /* Order and repeats are kept. */
    assert_int_equal(parse(a, "s=1&t=2&s=3", &f), GH_OK);
    assert_int_equal(f.n, 3);
    assert_string_equal(f.pairs[2].value, "3");
    gh_arena_free(a);
}

static void test_parse_length_not_nul(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_form f;
    (void)state;
    /* Only n bytes are read: the rest of the string is not part of the body. */
    assert_int_equal(gh_form_parse(a, "a=1&b=2", 3, &f), GH_OK);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.pairs[0].value, "1");
    gh_arena_free(a);
}

static void test_percent_decoding(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_form f;
    (void)state;
    assert_int_equal(parse(a, "redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Fa%3D1", &f), GH_OK);
    assert_string_equal(f.pairs[0].value, "https://app.example/cb?a=1");
    /* Hex digits in either case. */
    assert_int_equal(parse(a, "x=%c3%a9%C3%A9", &f), GH_OK);
    assert_string_equal(f.pairs[0].value, "\xc3\xa9\xc3\xa9");
    assert_int_equal(f.pairs[0].value_len, 4);
    /* Raw UTF-8 is fine too. */
    assert_int_equal(parse(a, "x=caf\xc3\xa9", &f), GH_OK);
    assert_string_equal(f.pairs[0].value, "caf\xc3\xa9");
    /* %25 decodes once only. */
    assert_int_equal(parse(a, "x=%2541", &f), GH_OK);
    assert_string_equal(f.pairs[0].value, "%41");
    gh_arena_free(a);
}

static void test_reject_bad_input(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_form f;
    const char *bad[] = {
        "x=%",         "x=%4",      "x=%G1",     "x=%1G",  "x=%%41",   "x=abc%",
        "x=%00",       "%00=x",     "x=a%00b",   "x=%C3",  "x=%C3%28", "x=%C0%80",
        "x=%ED%A0%80", "x=%F4%90%80%80",          "x=\xff", "%=x",      "x=%-1",
        "x=% 1",       "x=%+1",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        f.n = 99;
        if (parse(a, bad[i], &f) != GH_EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(f.n, 0);
    }
    /* A literal NUL byte within the length is rejected as well. */
    assert_int_equal(gh_form_parse(a, "x=a\0b", 5, &f), GH_EINVAL);
    /* Errors in a pair with an empty name still count. */
    assert_int_equal(parse(a, "=%zz", &f), GH_EINVAL);
    gh_arena_free(a);
}

static void test_limits(void **state)
{
    gh_arena *a = gh_arena_new(0);
    char buf[GH_LIMIT_PARAM_VALUE * 3 + 64];
    size_t i, o;
    gh_form f;
    (void)state;

    /* GH_LIMIT_FORM_PARAMS pairs are fine, one more is too many. */
    for (o = 0, i = 0; i < GH_LIMIT_FORM_PARAMS; i++)
        o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%sp%zu=v", i ? "&" : "", i);
    assert_int_equal(gh_form_parse(a, buf, o, &f), GH_OK);
    assert_int_equal(f.n, GH_LIMIT_FORM_PARAMS);
    o += (size_t)snprintf(buf + o, sizeof(buf) - o, "&extra=1");
    assert_int_equal(gh_form_parse(a, buf, o, &f), GH_ETOOBIG);
    /* Empty sequences do not count towards the limit. */
    memset(buf, '&', 1000);
    memcpy(buf + 1000, "a=1", 3);
    assert_int_equal(gh_form_parse(a, buf, 1003, &f), GH_OK);
    assert_int_equal(f.n, 1);

    /* Name: GH_LIMIT_PARAM_NAME decoded bytes, counted after decoding. */
    memset(buf, 'n', GH_LIMIT_PARAM_NAME);
    memcpy(buf + GH_LIMIT_PARAM_NAME, "=v", 2);
    assert_int_equal(gh_form_parse(a, buf, GH_LIMIT_PARAM_NAME + 2, &f), GH_OK);
    memset(buf, 'n', GH_LIMIT_PARAM_NAME + 1);
    memcpy(buf + GH_LIMIT_PARAM_NAME + 1, "=v", 2);
    assert_int_equal(gh_form_parse(a, buf, GH_LIMIT_PARAM_NAME + 3, &f), GH_ETOOBIG);

    /* Value: GH_LIMIT_PARAM_VALUE decoded bytes; "%41" counts as one. */
    memcpy(buf, "v=", 2);
    for (i = 0; i < GH_LIMIT_PARAM_VALUE; i++)
        memcpy(buf + 2 + 3 * i, "%41", 3);
    assert_int_equal(gh_form_parse(a, buf, 2 + 3 * GH_LIMIT_PARAM_VALUE, &f), GH_OK);
    assert_int_equal(f.pairs[0].value_len, GH_LIMIT_PARAM_VALUE);
    assert_int_equal(f.pairs[0].value[GH_LIMIT_PARAM_VALUE - 1], 'A');
    memcpy(buf + 2 + 3 * GH_LIMIT_PARAM_VALUE, "B", 1);
    assert_int_equal(gh_form_parse(a, buf, 3 + 3 * GH_LIMIT_PARAM_VALUE, &f), GH_ETOOBIG);
    gh_arena_free(a);
}

static void test_get_one(void **state)
{
    gh_arena *a = gh_arena_new(0);
    const char *v = "sentinel";
    gh_form f;
    (void)state;
    assert_int_equal(parse(a, "client_id=c1&scope=&state=xyz&dup=1&dup=2&e=&e=", &f), GH_OK);
    assert_int_equal(gh_form_get_one(&f, "client_id", &v), GH_OK);
    assert_string_equal(v, "c1");
    /* SPEC: RFC6749 3.1 - parameters sent without a value are treated as omitted. */
    v = "sentinel";
    assert_int_equal(gh_form_get_one(&f, "scope", &v), GH_OK);
    assert_null(v);
    v = "sentinel";
    assert_int_equal(gh_form_get_one(&f, "absent", &v), GH_OK);
    assert_null(v);
    /* SPEC: RFC6749 3.1 - request parameters MUST NOT be included more than once. */
    v = "sentinel";
    assert_int_equal(gh_form_get_one(&f, "dup", &v), GH_ECONFLICT);
    assert_null(v);
    assert_int_equal(gh_form_get_one(&f, "e", &v), GH_ECONFLICT);
    /* Names are case-sensitive. */
    assert_int_equal(gh_form_get_one(&f, "CLIENT_ID", &v), GH_OK);
    assert_null(v);
    gh_arena_free(a);
}

static void test_count(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_form f;
    (void)state;
    assert_int_equal(parse(a, "resource=a&resource=b&x=1&resource=", &f), GH_OK);
    assert_int_equal(gh_form_count(&f, "resource"), 3);
    assert_int_equal(gh_form_count(&f, "x"), 1);
    assert_int_equal(gh_form_count(&f, "y"), 0);
    assert_int_equal(gh_form_count(NULL, "y"), 0);
    gh_arena_free(a);
}

static void test_url_decode(void **state)
{
    gh_arena *a = gh_arena_new(0);
    char *out;
    size_t n;
    (void)state;
    assert_int_equal(gh_url_decode(a, "a+b%20c", 7, 0, &out, &n), GH_OK);
    assert_string_equal(out, "a+b c");
    assert_int_equal(n, 5);
    assert_int_equal(gh_url_decode(a, "a+b%20c", 7, 1, &out, &n), GH_OK);
    assert_string_equal(out, "a b c");
    assert_int_equal(gh_url_decode(a, "", 0, 1, &out, &n), GH_OK);
    assert_string_equal(out, "");
    assert_int_equal(n, 0);
    /* RFC 6749 2.3.1: client credentials in Basic are form-urlencoded. */
    assert_int_equal(gh_url_decode(a, "s%3Acr%2Bt%25", 13, 1, &out, &n), GH_OK);
    assert_string_equal(out, "s:cr+t%");
    out = (char *)"sentinel";
    assert_int_equal(gh_url_decode(a, "%zz", 3, 0, &out, &n), GH_EINVAL);
    assert_null(out);
    assert_int_equal(gh_url_decode(a, "%00", 3, 0, &out, &n), GH_EINVAL);
    assert_int_equal(gh_url_decode(a, "%ff", 3, 0, &out, &n), GH_EINVAL);
    assert_int_equal(gh_url_decode(a, "ab%", 3, 0, &out, &n), GH_EINVAL);
    gh_arena_free(a);
}

static void test_url_encode(void **state)
{
    gh_arena *a = gh_arena_new(0);
    char all[256];
    char *enc, *dec;
    size_t i, n;
    (void)state;
    /* SPEC: RFC3986 2.3 - unreserved characters are kept; the rest is %XX, uppercase. */
    assert_string_equal(gh_url_encode(a, "AZaz09-._~"), "AZaz09-._~");
    assert_string_equal(gh_url_encode(a, "a b+c&d=e/f?g#h%"),
                        "a%20b%2Bc%26d%3De%2Ff%3Fg%23h%25");
    assert_string_equal(gh_url_encode(a, "caf\xc3\xa9"), "caf%C3%A9");
    assert_string_equal(gh_url_encode(a, "\x7f\x01"), "%7F%01");
    assert_string_equal(gh_url_encode(a, ""), "");
    assert_null(gh_url_encode(a, NULL));
    /* Every ASCII byte survives encode then decode. */
    for (i = 1; i < 128; i++)
        all[i - 1] = (char)i;
    all[127] = '\0';
    enc = gh_url_encode(a, all);
    assert_int_equal(gh_url_decode(a, enc, strlen(enc), 1, &dec, &n), GH_OK);
    assert_int_equal(n, 127);
    assert_string_equal(dec, all);
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_basic),
        cmocka_unit_test(test_parse_whatwg_rules),
        cmocka_unit_test(test_parse_length_not_nul),
        cmocka_unit_test(test_percent_decoding),
        cmocka_unit_test(test_reject_bad_input),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_get_one),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_url_decode),
        cmocka_unit_test(test_url_encode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
