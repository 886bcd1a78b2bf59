/*
 * test_kdf.c - HKDF-SHA256 against RFC 5869 appendix A, and its argument checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "jose/jose.h"

static void hex_to(const char *hex, unsigned char *out)
{
    for (size_t i = 0; hex[2 * i]; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

/* SPEC: RFC5869 A.1 test case 1. */
static void test_rfc5869_case1(void **state)
{
    unsigned char ikm[22], salt[13], okm[42], want[42];
    char info[11];
    (void)state;
    memset(ikm, 0x0b, sizeof ikm);
    for (int i = 0; i < 13; i++)
        salt[i] = (unsigned char)i;
    for (int i = 0; i < 10; i++)
        info[i] = (char)(0xf0 + i);
    info[10] = '\0';
    hex_to("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
           want);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, salt, sizeof salt, info, okm, sizeof okm),
                     GH_OK);
    assert_memory_equal(okm, want, sizeof want);
}

/* SPEC: RFC5869 A.3 test case 3: no salt, no info. */
static void test_rfc5869_case3(void **state)
{
    unsigned char ikm[22], okm[42], want[42];
    (void)state;
    memset(ikm, 0x0b, sizeof ikm);
    hex_to("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
           want);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 0, NULL, okm, sizeof okm), GH_OK);
    assert_memory_equal(okm, want, sizeof want);
    /* An empty info string is the same as none. */
    memset(okm, 0, sizeof okm);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 0, "", okm, sizeof okm), GH_OK);
    assert_memory_equal(okm, want, sizeof want);
}

/* Different info gives unrelated keys; bad arguments are refused. */
static void test_info_separates_and_bounds(void **state)
{
    unsigned char ikm[32], k1[32], k2[32], big[255 * 32 + 1];
    (void)state;
    memset(ikm, 7, sizeof ikm);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 0, "gatehouse keys", k1, 32), GH_OK);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 0, "gatehouse csrf", k2, 32), GH_OK);
    assert_memory_not_equal(k1, k2, 32);
    /* SPEC: RFC5869 2.3 L <= 255 * HashLen. */
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 0, "x", big, 255 * 32), GH_OK);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 0, "x", big, sizeof big), GH_EINVAL);
    assert_int_equal(gh_hkdf_sha256(ikm, 0, NULL, 0, "x", k1, 32), GH_EINVAL);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 3, "x", k1, 32), GH_EINVAL);
    assert_int_equal(gh_hkdf_sha256(ikm, sizeof ikm, NULL, 0, "x", k1, 0), GH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc5869_case1),
        cmocka_unit_test(test_rfc5869_case3),
        cmocka_unit_test(test_info_separates_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
