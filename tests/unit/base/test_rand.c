/*
 * test_rand.c - randomness from the system CSPRNG: tokens and UUIDs.
 *
 * Randomness cannot be asserted exactly; the tests check shapes (lengths, alphabet, the
 * UUID v4 version and variant bits of RFC 9562 5.4) and that repeated draws differ, which
 * would catch a generator stuck at a constant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/b64url.h"
#include "base/rand.h"

static void test_rand_bytes_differ(void **state)
{
    unsigned char a[32], b[32], zero[32];
    (void)state;
    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    memset(zero, 0, sizeof(zero));
    gh_rand_bytes(a, sizeof(a));
    gh_rand_bytes(b, sizeof(b));
    assert_memory_not_equal(a, b, sizeof(a));
    assert_memory_not_equal(a, zero, sizeof(a));
    gh_rand_bytes(a, 0); /* zero bytes is allowed */
}

static void test_rand_bytes_cover_every_byte(void **state)
{
    unsigned char buf[4096];
    int seen[256] = {0};
    size_t i;
    int missing = 0;
    (void)state;
    gh_rand_bytes(buf, sizeof(buf));
    for (i = 0; i < sizeof(buf); i++)
        seen[buf[i]] = 1;
    for (i = 0; i < 256; i++)
        missing += !seen[i];
    /* With 4096 uniform bytes, P(some value missing) is about 256 * e^-16: negligible. */
    assert_int_equal(missing, 0);
}

static void test_rand_token(void **state)
{
    gh_arena *a = gh_arena_new(0);
    char *t1, *t2;
    unsigned char *raw;
    size_t n;
    (void)state;
    t1 = gh_rand_token(a, "gho_", 32);
    t2 = gh_rand_token(a, "gho_", 32);
    assert_int_equal(strlen(t1), 4 + 43);
    assert_memory_equal(t1, "gho_", 4);
    assert_string_not_equal(t1, t2);
    assert_int_equal(gh_b64url_decode(a, t1 + 4, strlen(t1 + 4), &raw, &n), GH_OK);
    assert_int_equal(n, 32);
    t1 = gh_rand_token(a, NULL, 16);
    assert_int_equal(strlen(t1), 22);
    t1 = gh_rand_token(a, "", 0);
    assert_string_equal(t1, "");
    gh_arena_free(a);
}

static void test_rand_uuid(void **state)
{
    char u1[37], u2[37];
    size_t i;
    int round;
    (void)state;
    for (round = 0; round < 50; round++) {
        gh_rand_uuid(u1);
        assert_int_equal(strlen(u1), 36);
        for (i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(u1[i], '-');
            else
                assert_non_null(strchr("0123456789abcdef", u1[i]));
        }
        /* SPEC: RFC9562 5.4 - version 4, variant 10xx. */
        assert_int_equal(u1[14], '4');
        assert_non_null(strchr("89ab", u1[19]));
    }
    gh_rand_uuid(u2);
    assert_string_not_equal(u1, u2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rand_bytes_differ),
        cmocka_unit_test(test_rand_bytes_cover_every_byte),
        cmocka_unit_test(test_rand_token),
        cmocka_unit_test(test_rand_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
