/*
 * test_aead.c - AES-256-GCM sealing: round trips, the sealed layout, and tamper detection
 * (any flipped bit in nonce, ciphertext, tag or associated data; truncation; wrong key);
 * the per-thread contexts: many messages, alternating keys and failures on one thread give
 * what a fresh OpenSSL context gives, and threads do not share state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <pthread.h>
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

/* Opens sealed with a fresh OpenSSL context (no cache): the independent check. */
static bool fresh_open(const unsigned char k[32], const char *aad, const unsigned char *sealed,
                       size_t slen, unsigned char *pt)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    size_t ctlen = slen - 12 - 16;
    int len = 0;
    bool ok = c != NULL && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, sealed) == 1 &&
              EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
              EVP_DecryptUpdate(c, pt, &len, sealed + 12, (int)ctlen) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(sealed + 12 + ctlen)) ==
                  1 &&
              EVP_DecryptFinal_ex(c, pt + ctlen, &len) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* The thread keeps a context per direction with its key: switching keys, failing and going
 * on must give exactly what a fresh context gives, message after message. */
static void test_reused_contexts(void **state)
{
    unsigned char k2[32], *sealed = NULL, *pt = NULL, check[64];
    size_t slen = 0, plen = 0;
    char msg[40];
    (void)state;
    memcpy(k2, key, 32);
    k2[0] ^= 0x80;
    for (int i = 0; i < 50; i++) {
        const unsigned char *k = i % 3 == 2 ? k2 : key;
        const unsigned char *wrong = k == key ? k2 : key;
        int n = snprintf(msg, sizeof msg, "message %d of a sealed token", i);

        assert_int_equal(gh_aead_seal(k, "aad", 3, msg, (size_t)n, &sealed, &slen), GH_OK);
        assert_true(fresh_open(k, "aad", sealed, slen, check));
        assert_memory_equal(check, msg, (size_t)n);
        assert_false(fresh_open(wrong, "aad", sealed, slen, check));
        if (i % 5 == 0) {
            /* A failure (wrong key, then a bad tag) leaves the next open unharmed. */
            assert_int_equal(gh_aead_open(wrong, "aad", 3, sealed, slen, &pt, &plen),
                             GH_ECRYPTO);
            sealed[slen - 1] ^= 1;
            assert_int_equal(gh_aead_open(k, "aad", 3, sealed, slen, &pt, &plen), GH_ECRYPTO);
            sealed[slen - 1] ^= 1;
        }
        assert_int_equal(gh_aead_open(k, "aad", 3, sealed, slen, &pt, &plen), GH_OK);
        assert_int_equal(plen, (size_t)n);
        assert_memory_equal(pt, msg, (size_t)n);
        free(pt);
        free(sealed);
    }
}

typedef struct worker {
    unsigned char key[32];
    unsigned char *sealed; /* the last message sealed, for the main thread to open */
    size_t slen;
    int failures;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    unsigned char *sealed = NULL, *pt = NULL;
    size_t slen = 0, plen = 0;
    char msg[32];

    for (int i = 0; i < 200; i++) {
        int n = snprintf(msg, sizeof msg, "w%d-%d", w->key[0], i);
        if (gh_aead_seal(w->key, "t", 1, msg, (size_t)n, &sealed, &slen) != GH_OK ||
            gh_aead_open(w->key, "t", 1, sealed, slen, &pt, &plen) != GH_OK ||
            plen != (size_t)n || memcmp(pt, msg, plen) != 0) {
            w->failures++;
        }
        free(pt);
        pt = NULL;
        free(w->sealed);
        w->sealed = sealed;
        w->slen = slen;
        sealed = NULL;
    }
    return NULL;
}

/* Threads with different keys at the same time; what one thread sealed opens on another. */
static void test_threads(void **state)
{
    worker w[4];
    pthread_t t[4];
    unsigned char *pt = NULL;
    size_t plen = 0;
    (void)state;
    memset(w, 0, sizeof w);
    for (int i = 0; i < 4; i++) {
        memcpy(w[i].key, key, 32);
        w[i].key[0] = (unsigned char)(i + 1);
        assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(w[i].failures, 0);
        assert_non_null(w[i].sealed);
        assert_int_equal(gh_aead_open(w[i].key, "t", 1, w[i].sealed, w[i].slen, &pt, &plen),
                         GH_OK);
        assert_int_equal(plen, strlen("w1-199"));
        free(pt);
        assert_int_equal(gh_aead_open(w[(i + 1) % 4].key, "t", 1, w[i].sealed, w[i].slen, &pt,
                                      &plen),
                         GH_ECRYPTO);
        free(w[i].sealed);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tamper_detected),
        cmocka_unit_test(test_reused_contexts),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
