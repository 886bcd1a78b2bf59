/*
 * test_str.c - constant-time comparison, strict integer parsing, hex, printable and UTF-8
 * checks, and the RFC 6749 3.3 scope list syntax.
 *
 * UTF-8 cases follow Unicode table 3-7 and RFC 3629 10 (overlongs, surrogates, values above
 * U+10FFFF, truncated sequences). Timing of gh_ct_eq is not measured here; its result is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/limits.h"
#include "base/str.h"

static void test_ct_eq(void **state)
{
    (void)state;
    assert_true(gh_ct_eq("abc", 3, "abc", 3));
    assert_false(gh_ct_eq("abc", 3, "abd", 3));
    assert_false(gh_ct_eq("abc", 3, "xbc", 3));
    assert_false(gh_ct_eq("abc", 3, "abcd", 4)); /* a prefix is not equal */
    assert_false(gh_ct_eq("abcd", 4, "abc", 3));
    assert_true(gh_ct_eq("", 0, "", 0));
    assert_true(gh_ct_eq(NULL, 0, NULL, 0));
    assert_false(gh_ct_eq("a", 1, "", 0));
    assert_true(gh_ct_eq("a\0b", 3, "a\0b", 3)); /* bytes, not C strings */
    assert_false(gh_ct_eq("a\0b", 3, "a\0c", 3));
    assert_false(gh_ct_eq("\x80", 1, "\x00", 1));
}

static void test_ct_streq(void **state)
{
    (void)state;
    assert_true(gh_ct_streq("secret", "secret"));
    assert_false(gh_ct_streq("secret", "secreT"));
    assert_false(gh_ct_streq("secret", "secrets"));
    assert_true(gh_ct_streq("", ""));
    assert_false(gh_ct_streq(NULL, "x"));
    assert_false(gh_ct_streq("x", NULL));
    assert_false(gh_ct_streq(NULL, NULL));
}

static void test_startswith_caseeq(void **state)
{
    (void)state;
    assert_true(gh_str_startswith("Bearer abc", "Bearer "));
    assert_false(gh_str_startswith("Bear", "Bearer "));
    assert_true(gh_str_startswith("x", ""));
    assert_false(gh_str_startswith(NULL, "a"));
    assert_true(gh_str_caseeq("Basic", "bASIC"));
    assert_true(gh_str_caseeq("", ""));
    assert_false(gh_str_caseeq("Basic", "Basi"));
    assert_false(gh_str_caseeq("Basi", "Basic"));
    assert_false(gh_str_caseeq("[", "{")); /* only letters fold */
    assert_false(gh_str_caseeq("\xc3\xa9", "\xc3\x89"));
    assert_false(gh_str_caseeq(NULL, ""));
}

static void expect_i64(const char *s, int64_t min, int64_t max, int64_t want)
{
    int64_t v = -7;
    assert_int_equal(gh_str_to_i64(s, min, max, &v), GH_OK);
    assert_true(v == want);
}

static void expect_i64_bad(const char *s, int64_t min, int64_t max)
{
    int64_t v = 12345;
    assert_int_equal(gh_str_to_i64(s, min, max, &v), GH_EINVAL);
    assert_true(v == 12345); /* untouched on error */
}

static void test_str_to_i64(void **state)
{
    (void)state;
    expect_i64("0", 0, 10, 0);
    expect_i64("10", 0, 10, 10);
    expect_i64("-5", -10, 10, -5);
    expect_i64("007", 0, 10, 7);
    expect_i64("-0", -1, 1, 0);
    expect_i64("9223372036854775807", INT64_MIN, INT64_MAX, INT64_MAX);
    expect_i64("-9223372036854775808", INT64_MIN, INT64_MAX, INT64_MIN);
    expect_i64_bad("9223372036854775808", INT64_MIN, INT64_MAX);  /* overflow */
    expect_i64_bad("-9223372036854775809", INT64_MIN, INT64_MAX); /* underflow */
    expect_i64_bad("99999999999999999999999", INT64_MIN, INT64_MAX);
    expect_i64_bad("11", 0, 10); /* out of range */
    expect_i64_bad("-1", 0, 10);
    expect_i64_bad("", 0, 10);
    expect_i64_bad("-", 0, 10);
    expect_i64_bad("+1", 0, 10);
    expect_i64_bad(" 1", 0, 10);
    expect_i64_bad("1 ", 0, 10);
    expect_i64_bad("1a", 0, 10);
    expect_i64_bad("0x1", 0, 10);
    expect_i64_bad("1.0", 0, 10);
    expect_i64_bad("--1", -10, 10);
    expect_i64_bad("1e3", 0, 10000);
    expect_i64_bad(NULL, 0, 10);
}

static void test_hex_encode(void **state)
{
    const unsigned char in[] = {0x00, 0x01, 0xab, 0xff, 0x10};
    char out[11];
    (void)state;
    gh_hex_encode(in, sizeof(in), out);
    assert_string_equal(out, "0001abff10");
    gh_hex_encode(in, 0, out);
    assert_string_equal(out, "");
}

static void test_printable(void **state)
{
    (void)state;
    assert_true(gh_str_printable("Hello, World! ~", 15));
    assert_true(gh_str_printable("", 0));
    assert_false(gh_str_printable("tab\there", 8));
    assert_false(gh_str_printable("nl\n", 3));
    assert_false(gh_str_printable("del\x7f", 4));
    assert_false(gh_str_printable("\xc3\xa9", 2));
    assert_false(gh_str_printable("a\0b", 3));
}

#define U8(s) gh_str_utf8((s), sizeof(s) - 1)

static void test_utf8_valid(void **state)
{
    (void)state;
    assert_true(U8(""));
    assert_true(U8("ascii only"));
    assert_true(U8("\xc2\x80"));             /* U+0080 */
    assert_true(U8("\xdf\xbf"));             /* U+07FF */
    assert_true(U8("\xe0\xa0\x80"));         /* U+0800 */
    assert_true(U8("\xed\x9f\xbf"));         /* U+D7FF */
    assert_true(U8("\xee\x80\x80"));         /* U+E000 */
    assert_true(U8("\xef\xbf\xbd"));         /* U+FFFD */
    assert_true(U8("\xf0\x90\x80\x80"));     /* U+10000 */
    assert_true(U8("\xf4\x8f\xbf\xbf"));     /* U+10FFFF */
    assert_true(U8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"));
}

static void test_utf8_invalid(void **state)
{
    (void)state;
    /* SPEC: RFC3629 3 - overlong forms, surrogates and values past U+10FFFF are invalid. */
    assert_false(U8("\0"));                  /* NUL is refused by contract */
    assert_false(U8("a\0b"));
    assert_false(U8("\xc0\x80"));            /* overlong NUL */
    assert_false(U8("\xc1\xbf"));            /* overlong */
    assert_false(U8("\xe0\x80\xaf"));        /* overlong '/' */
    assert_false(U8("\xe0\x9f\xbf"));        /* overlong U+07FF */
    assert_false(U8("\xf0\x8f\xbf\xbf"));    /* overlong U+FFFF */
    assert_false(U8("\xed\xa0\x80"));        /* U+D800 surrogate */
    assert_false(U8("\xed\xbf\xbf"));        /* U+DFFF surrogate */
    assert_false(U8("\xf4\x90\x80\x80"));    /* U+110000 */
    assert_false(U8("\xf5\x80\x80\x80"));
    assert_false(U8("\xff"));
    assert_false(U8("\xfe"));
    assert_false(U8("\x80"));                /* lone continuation */
    assert_false(U8("\xbf"));
    assert_false(U8("\xc3"));                /* truncated */
    assert_false(U8("\xe2\x82"));
    assert_false(U8("\xf0\x9f\x94"));
    assert_false(U8("\xc3\x28"));            /* bad continuation */
    assert_false(U8("\xe2\x28\xa1"));
    assert_false(U8("\xe2\x82\x28"));
    assert_false(U8("\xf0\x9f\x94\x28"));
    /* A valid prefix does not hide a truncated tail. */
    assert_false(gh_str_utf8("\xc3\xa9", 1));
}

/* The eight-bytes-at-a-time ASCII path: a NUL or a bad byte anywhere in a long string is
 * found, and multi-byte characters after long ASCII runs are still checked. */
static void test_utf8_long(void **state)
{
    char buf[64];
    (void)state;
    for (size_t pos = 0; pos < 40; pos++) {
        memset(buf, 'a', 40);
        assert_true(gh_str_utf8(buf, 40));
        buf[pos] = '\0';
        assert_false(gh_str_utf8(buf, 40));
        buf[pos] = (char)0x80;
        assert_false(gh_str_utf8(buf, 40));
        buf[pos] = (char)0xff;
        assert_false(gh_str_utf8(buf, 40));
        buf[pos] = 0x7f;
        assert_true(gh_str_utf8(buf, 40));
        if (pos + 2 <= 40) {
            memset(buf, 'a', 40);
            buf[pos] = (char)0xc3;
            buf[pos + 1] = (char)0xa9;
            assert_true(gh_str_utf8(buf, 40));
            buf[pos + 1] = 'a';
            assert_false(gh_str_utf8(buf, 40));
        }
    }
    /* 0x01 and 0x80..: the zero-byte test must not be fooled by borrows. */
    memset(buf, 0x01, 16);
    assert_true(gh_str_utf8(buf, 16));
    memcpy(buf, "\x01\x00\x01\x01\x01\x01\x01\x01", 8);
    assert_false(gh_str_utf8(buf, 8));
}

static void test_strv_has(void **state)
{
    const char *items[] = {"openid", "profile", "dns:read"};
    gh_strv l = {items, 3};
    gh_strv empty = {NULL, 0};
    (void)state;
    assert_true(gh_strv_has(&l, "openid"));
    assert_true(gh_strv_has(&l, "dns:read"));
    assert_false(gh_strv_has(&l, "dns"));
    assert_false(gh_strv_has(&l, "OPENID"));
    assert_false(gh_strv_has(&empty, "openid"));
    assert_false(gh_strv_has(NULL, "openid"));
    assert_false(gh_strv_has(&l, NULL));
}

static void test_split_scope_valid(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_strv v;
    (void)state;
    assert_int_equal(gh_strv_split_scope(a, "openid profile dns:read", 10, &v), GH_OK);
    assert_int_equal(v.n, 3);
    assert_string_equal(v.v[0], "openid");
    assert_string_equal(v.v[1], "profile");
    assert_string_equal(v.v[2], "dns:read");
    assert_int_equal(gh_strv_split_scope(a, "", 10, &v), GH_OK);
    assert_int_equal(v.n, 0);
    assert_int_equal(gh_strv_split_scope(a, NULL, 10, &v), GH_OK);
    assert_int_equal(v.n, 0);
    /* SPEC: RFC6749 3.3 - scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
    assert_int_equal(gh_strv_split_scope(a, "! # [ ] ~ https://api.example.com/x?y=1", 10, &v),
                     GH_OK);
    assert_int_equal(v.n, 6);
    assert_string_equal(v.v[5], "https://api.example.com/x?y=1");
    /* Duplicates are kept: policy on them belongs to the caller. */
    assert_int_equal(gh_strv_split_scope(a, "a a", 10, &v), GH_OK);
    assert_int_equal(v.n, 2);
    gh_arena_free(a);
}

static void test_split_scope_invalid(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_strv v;
    (void)state;
    /* SPEC: RFC6749 3.3 - a list of space-delimited tokens: no empty tokens. */
    assert_int_equal(gh_strv_split_scope(a, "a  b", 10, &v), GH_EINVAL);
    assert_int_equal(v.n, 0);
    assert_int_equal(gh_strv_split_scope(a, " a", 10, &v), GH_EINVAL);
    assert_int_equal(gh_strv_split_scope(a, "a ", 10, &v), GH_EINVAL);
    assert_int_equal(gh_strv_split_scope(a, " ", 10, &v), GH_EINVAL);
    assert_int_equal(gh_strv_split_scope(a, "a\tb", 10, &v), GH_EINVAL);
    assert_int_equal(gh_strv_split_scope(a, "a\"b", 10, &v), GH_EINVAL);  /* %x22 */
    assert_int_equal(gh_strv_split_scope(a, "a\\b", 10, &v), GH_EINVAL);  /* %x5C */
    assert_int_equal(gh_strv_split_scope(a, "a\x7f", 10, &v), GH_EINVAL);
    assert_int_equal(gh_strv_split_scope(a, "caf\xc3\xa9", 10, &v), GH_EINVAL);
    assert_int_equal(gh_strv_split_scope(a, "a\nb", 10, &v), GH_EINVAL);
    gh_arena_free(a);
}

static void test_split_scope_limits(void **state)
{
    gh_arena *a = gh_arena_new(0);
    char tok[GH_LIMIT_SCOPE_TOKEN + 2];
    gh_strv v;
    (void)state;
    assert_int_equal(gh_strv_split_scope(a, "a b c", 3, &v), GH_OK);
    assert_int_equal(v.n, 3);
    assert_int_equal(gh_strv_split_scope(a, "a b c d", 3, &v), GH_ETOOBIG);
    assert_int_equal(v.n, 0);
    memset(tok, 'x', GH_LIMIT_SCOPE_TOKEN);
    tok[GH_LIMIT_SCOPE_TOKEN] = '\0';
    assert_int_equal(gh_strv_split_scope(a, tok, 3, &v), GH_OK);
    assert_int_equal(strlen(v.v[0]), GH_LIMIT_SCOPE_TOKEN);
    tok[GH_LIMIT_SCOPE_TOKEN] = 'x';
    tok[GH_LIMIT_SCOPE_TOKEN + 1] = '\0';
    assert_int_equal(gh_strv_split_scope(a, tok, 3, &v), GH_ETOOBIG);
    gh_arena_free(a);
}

static void test_strv_join(void **state)
{
    gh_arena *a = gh_arena_new(0);
    const char *items[] = {"openid", "email", "dns:write"};
    gh_strv l = {items, 3};
    gh_strv one = {items, 1};
    gh_strv none = {NULL, 0};
    gh_strv back;
    (void)state;
    assert_string_equal(gh_strv_join(a, &l), "openid email dns:write");
    assert_string_equal(gh_strv_join(a, &one), "openid");
    assert_string_equal(gh_strv_join(a, &none), "");
    assert_string_equal(gh_strv_join(a, NULL), "");
    /* join and split are inverses on valid scope lists */
    assert_int_equal(gh_strv_split_scope(a, gh_strv_join(a, &l), 10, &back), GH_OK);
    assert_int_equal(back.n, 3);
    assert_string_equal(back.v[2], "dns:write");
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ct_eq),
        cmocka_unit_test(test_ct_streq),
        cmocka_unit_test(test_startswith_caseeq),
        cmocka_unit_test(test_str_to_i64),
        cmocka_unit_test(test_hex_encode),
        cmocka_unit_test(test_printable),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_utf8_long),
        cmocka_unit_test(test_strv_has),
        cmocka_unit_test(test_split_scope_valid),
        cmocka_unit_test(test_split_scope_invalid),
        cmocka_unit_test(test_split_scope_limits),
        cmocka_unit_test(test_strv_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
