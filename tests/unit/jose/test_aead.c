/*
 * test_aead.c - AES-256-GCM sealing: round trips, the sealed layout, and tamper detection
 * (any flipped bit in nonce, ciphertext, tag or associated data; truncation; wrong key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "jose/jose.h"

static const unsigned char key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static void test_round_trip(void **state)
{
    const char msg[] = "a PKCS#8 signing key, say";
    unsigned char *sealed = NULL, *sealed2 = NULL, *pt = NULL;
    size_t slen = 0, slen2 = 0, plen = 0;
    (void)state;
    assert_int_equal(gh_aead_seal(key, "kid-1", 5, msg, sizeof msg, &sealed, &slen), GH_OK);
    /* nonce (12) || ciphertext || tag (16) */
    assert_int_equal(slen, 12 + sizeof msg + 16);
    assert_memory_not_equal(sealed + 12, msg, sizeof msg);
    assert_int_equal(gh_aead_open(key, "kid-1", 5, sealed, slen, &pt, &plen), GH_OK);
    assert_int_equal(plen, sizeof msg);
    assert_memory_equal(pt, msg, sizeof msg);
    free(pt);
    /* A fresh random nonce each time: the same message seals differently. */
    assert_int_equal(gh_aead_seal(key, "kid-1", 5, msg, sizeof msg, &sealed2, &slen2), GH_OK);
    assert_memory_not_equal(sealed, sealed2, 12);
    free(sealed2);
    free(sealed);

    /* Empty plaintext, no associated data. */
    assert_int_equal(gh_aead_seal(key, NULL, 0, NULL, 0, &sealed, &slen), GH_OK);
    assert_int_equal(slen, 28);
    assert_int_equal(gh_aead_open(key, NULL, 0, sealed, slen, &pt, &plen), GH_OK);
    assert_int_equal(plen, 0);
    assert_non_null(pt);
    free(pt);
    free(sealed);
}

static void test_tamper_detected(void **state)
{
    const char msg[] = "secret";
    unsigned char *sealed = NULL, *pt = NULL;
    size_t slen = 0, plen = 0;
    unsigned char other[32];
    (void)state;
    assert_int_equal(gh_aead_seal(key, "aad", 3, msg, sizeof msg, &sealed, &slen), GH_OK);
    /* Every single-bit flip anywhere in the sealed message is detected. */
    for (size_t i = 0; i < slen; i++) {
        for (int b = 0; b < 8; b++) {
            sealed[i] ^= (unsigned char)(1u << b);
            pt = NULL;
            assert_int_equal(gh_aead_open(key, "aad", 3, sealed, slen, &pt, &plen), GH_ECRYPTO);
            assert_null(pt);
            sealed[i] ^= (unsigned char)(1u << b);
        }
    }
    /* Other associated data, none, a truncated message, a wrong key. */
    assert_int_equal(gh_aead_open(key, "aae", 3, sealed, slen, &pt, &plen), GH_ECRYPTO);
    assert_int_equal(gh_aead_open(key, NULL, 0, sealed, slen, &pt, &plen), GH_ECRYPTO);
    assert_int_equal(gh_aead_open(key, "aad", 3, sealed, slen - 1, &pt, &plen), GH_ECRYPTO);
    assert_int_equal(gh_aead_open(key, "aad", 3, sealed, 27, &pt, &plen), GH_ECRYPTO);
    assert_int_equal(gh_aead_open(key, "aad", 3, NULL, 0, &pt, &plen), GH_ECRYPTO);
    memcpy(other, key, 32);
    other[31] ^= 1;
    assert_int_equal(gh_aead_open(other, "aad", 3, sealed, slen, &pt, &plen), GH_ECRYPTO);
    /* And the untouched message still opens. */
    assert_int_equal(gh_aead_open(key, "aad", 3, sealed, slen, &pt, &plen), GH_OK);
    assert_memory_equal(pt, msg, sizeof msg);
    free(pt);
    free(sealed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tamper_detected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
