/*
 * test_buf.c - the bounded growable buffer.
 *
 * Checks the hard maximum (an append that would pass it fails and changes nothing),
 * NUL termination, printf appends, reset, clear and take.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

static void test_empty_buffer(void **state)
{
    gh_buf b;
    char *s;
    (void)state;
    gh_buf_init(&b, 10);
    assert_string_equal(gh_buf_str(&b), "");
    assert_int_equal(b.len, 0);
    s = gh_buf_take(&b);
    assert_string_equal(s, "");
    free(s);
    gh_buf_clear(&b);
}

static void test_add_within_max(void **state)
{
    gh_buf b;
    (void)state;
    gh_buf_init(&b, 10);
    assert_int_equal(gh_buf_add(&b, "abc", 3), GH_OK);
    assert_int_equal(gh_buf_adds(&b, "defg"), GH_OK);
    assert_int_equal(gh_buf_add(&b, "hij", 3), GH_OK); /* exactly 10 */
    assert_int_equal(b.len, 10);
    assert_string_equal(gh_buf_str(&b), "abcdefghij");
    assert_int_equal(gh_buf_add(&b, "", 0), GH_OK);
    gh_buf_clear(&b);
}

static void test_add_past_max_changes_nothing(void **state)
{
    gh_buf b;
    (void)state;
    gh_buf_init(&b, 5);
    assert_int_equal(gh_buf_adds(&b, "abcd"), GH_OK);
    assert_int_equal(gh_buf_adds(&b, "ef"), GH_ETOOBIG);
    assert_int_equal(b.len, 4);
    assert_string_equal(gh_buf_str(&b), "abcd");
    assert_int_equal(gh_buf_addf(&b, "%d", 12), GH_ETOOBIG);
    assert_string_equal(gh_buf_str(&b), "abcd");
    assert_int_equal(gh_buf_addf(&b, "%d", 7), GH_OK);
    assert_string_equal(gh_buf_str(&b), "abcd7");
    assert_int_equal(gh_buf_add(&b, "x", 1), GH_ETOOBIG);
    gh_buf_clear(&b);
}

static void test_zero_max(void **state)
{
    gh_buf b;
    (void)state;
    gh_buf_init(&b, 0);
    assert_int_equal(gh_buf_add(&b, "x", 1), GH_ETOOBIG);
    assert_int_equal(gh_buf_add(&b, "", 0), GH_OK);
    assert_string_equal(gh_buf_str(&b), "");
    gh_buf_clear(&b);
}

static void test_binary_and_growth(void **state)
{
    gh_buf b;
    size_t i;
    (void)state;
    gh_buf_init(&b, 100000);
    for (i = 0; i < 10000; i++)
        assert_int_equal(gh_buf_add(&b, "\0\1\2\3\4\5\6\7\10\11", 10), GH_OK);
    assert_int_equal(b.len, 100000);
    assert_true(b.cap <= 100001);
    assert_int_equal(b.data[99999], 9);
    assert_int_equal(b.data[100000], 0);
    assert_int_equal(gh_buf_add(&b, "x", 1), GH_ETOOBIG);
    gh_buf_clear(&b);
}

static void test_addf(void **state)
{
    gh_buf b;
    (void)state;
    gh_buf_init(&b, 1000);
    assert_int_equal(gh_buf_addf(&b, "%s:%d", "port", 4444), GH_OK);
    assert_int_equal(gh_buf_addf(&b, "/%05u", 42u), GH_OK);
    assert_string_equal(gh_buf_str(&b), "port:4444/00042");
    assert_int_equal(b.len, strlen("port:4444/00042"));
    gh_buf_clear(&b);
}

static void test_reset_clear_take(void **state)
{
    gh_buf b;
    char *s;
    (void)state;
    gh_buf_init(&b, 100);
    assert_int_equal(gh_buf_adds(&b, "hello"), GH_OK);
    gh_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(gh_buf_str(&b), "");
    assert_int_equal(gh_buf_adds(&b, "again"), GH_OK);
    s = gh_buf_take(&b);
    assert_string_equal(s, "again");
    assert_string_equal(gh_buf_str(&b), "");
    assert_int_equal(b.len, 0);
    free(s);
    /* Usable again after take and after clear. */
    assert_int_equal(gh_buf_adds(&b, "x"), GH_OK);
    gh_buf_clear(&b);
    assert_int_equal(gh_buf_adds(&b, "y"), GH_OK);
    assert_string_equal(gh_buf_str(&b), "y");
    gh_buf_clear(&b);
    gh_buf_clear(&b); /* clearing twice is harmless */
}

static void test_reserve(void **state)
{
    gh_buf b;
    char *before;
    (void)state;
    gh_buf_init(&b, 100);
    assert_int_equal(gh_buf_reserve(&b, 90), GH_OK);
    assert_true(b.cap >= 91);
    assert_int_equal(b.len, 0);
    assert_string_equal(gh_buf_str(&b), "");
    before = b.data;
    assert_int_equal(gh_buf_add(&b, "hello", 5), GH_OK);
    assert_ptr_equal(b.data, before); /* no growth after a reservation */
    assert_int_equal(gh_buf_reserve(&b, 95), GH_OK);
    assert_int_equal(gh_buf_reserve(&b, 96), GH_ETOOBIG);
    assert_string_equal(gh_buf_str(&b), "hello");
    gh_buf_clear(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve),
        cmocka_unit_test(test_empty_buffer),
        cmocka_unit_test(test_add_within_max),
        cmocka_unit_test(test_add_past_max_changes_nothing),
        cmocka_unit_test(test_zero_max),
        cmocka_unit_test(test_binary_and_growth),
        cmocka_unit_test(test_addf),
        cmocka_unit_test(test_reset_clear_take),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
