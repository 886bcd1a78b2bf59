/*
 * test_clock.c - the system clock, the monotonic clock, a fixed test clock through the
 * gh_clock interface, and RFC 3339 formatting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "base/clock.h"

static int64_t fixed_now(void *ud)
{
    return *(const int64_t *)ud;
}

static void test_system_clock_is_now(void **state)
{
    int64_t us = gh_clock_now_us(&gh_clock_system);
    int64_t s = gh_clock_now(&gh_clock_system);
    time_t t = time(NULL);
    (void)state;
    /* Within a few seconds of time(2), and after 2024-01-01. */
    assert_true(s >= (int64_t)t - 5 && s <= (int64_t)t + 5);
    assert_true(us / 1000000 >= s - 1 && us / 1000000 <= s + 1);
    assert_true(s > 1704067200);
}

static void test_fixed_clock(void **state)
{
    int64_t at = 1767323045123456; /* 2026-01-02T03:04:05.123456Z */
    gh_clock c = {fixed_now, &at};
    (void)state;
    assert_true(gh_clock_now_us(&c) == 1767323045123456);
    assert_true(gh_clock_now(&c) == 1767323045);
}

static void test_mono(void **state)
{
    int64_t a = gh_clock_mono_us();
    int64_t b = gh_clock_mono_us();
    (void)state;
    assert_true(a > 0);
    assert_true(b >= a);
}

static void test_rfc3339(void **state)
{
    char out[32];
    (void)state;
    /* SPEC: RFC3339 5.6 - date-time in UTC with "Z". */
    gh_clock_rfc3339(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    gh_clock_rfc3339(1767323045, out);
    assert_string_equal(out, "2026-01-02T03:04:05Z");
    gh_clock_rfc3339(951782400, out); /* leap day 2000 */
    assert_string_equal(out, "2000-02-29T00:00:00Z");
    gh_clock_rfc3339(4102444799, out);
    assert_string_equal(out, "2099-12-31T23:59:59Z");
    gh_clock_rfc3339(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    /* Outside four-digit years the output is clamped, never malformed. */
    gh_clock_rfc3339(INT64_MAX, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    gh_clock_rfc3339(INT64_MIN, out);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    gh_clock_rfc3339(253402300799, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_system_clock_is_now),
        cmocka_unit_test(test_fixed_clock),
        cmocka_unit_test(test_mono),
        cmocka_unit_test(test_rfc3339),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
