/*
 * test_ecpre.c - ES256 signatures with precomputed nonces (ecpre.c): they verify, with the
 * signer's key and with its public JWK alone; no nonce is used twice; an empty pool or a
 * stopped one falls back to the ordinary path; other algorithms never touch the pool; and
 * threads share the pool safely (ASan, UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/b64url.h"
#include "jose/jose.h"
#include "jose/jose_int.h"

#define N_SIGN 500

static const char payload[] = "{\"iss\":\"https://as.example\",\"sub\":\"u\",\"aud\":\"c\"}";

/* Signs payload with k; the token in the arena. */
static char *sign(gh_arena *a, const gh_jwk *k)
{
    char *t = NULL;
    assert_int_equal(gh_jws_sign_payload(a, k, "JWT", NULL, payload, strlen(payload), &t), GH_OK);
    return t;
}

/* The raw signature of a compact token (64 bytes for ES256). */
static unsigned char *sig_of(gh_arena *a, const char *t, size_t *len)
{
    const char *s = strrchr(t, '.') + 1;
    unsigned char *raw = NULL;
    assert_int_equal(gh_b64url_decode(a, s, strlen(s), &raw, len), GH_OK);
    return raw;
}

static gh_jwk *public_of(const gh_jwk *k)
{
    json_t *j = gh_jwk_public_json(k);
    gh_jwk *pub = NULL;
    assert_int_equal(gh_jwk_parse_public(j, &pub), GH_OK);
    json_decref(j);
    return pub;
}

static int cmp32(const void *x, const void *y)
{
    return memcmp(x, y, 32);
}

static void test_presigned_verify_and_never_share_a_nonce(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL, *pub;
    uint64_t used0, missed0, used1, missed1;
    unsigned char *rs = calloc(N_SIGN, 32);
    (void)state;

    assert_non_null(rs);
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "pre", &k), GH_OK);
    pub = public_of(k);
    assert_int_equal(gh_jose__presign_start(false), GH_OK);
    /* Enough for every signature below, whatever the filler thread adds meanwhile. */
    assert_int_equal(gh_jose__presign_fill(N_SIGN), N_SIGN);
    gh_jose_presign_stats(&used0, &missed0);
    for (int i = 0; i < N_SIGN; i++) {
        size_t len = 0;
        char *t = sign(a, k);
        unsigned char *raw = sig_of(a, t, &len);
        assert_int_equal(len, 64);
        assert_int_equal(gh_jws_verify(a, t, k, NULL), GH_OK);
        assert_int_equal(gh_jws_verify(a, t, pub, NULL), GH_OK);
        memcpy(rs + 32 * i, raw, 32);
        if (i == 0) {
            /* A changed byte of S, or of the payload, does not verify. */
            char *bad = gh_arena_strdup(a, t);
            size_t dot = (size_t)(strrchr(bad, '.') - bad);
            raw[63] ^= 1;
            strcpy(bad + dot + 1, gh_b64url_encode_a(a, raw, 64));
            assert_int_equal(gh_jws_verify(a, bad, pub, NULL), GH_ECRYPTO);
            bad = gh_arena_strdup(a, t);
            bad[dot - 2] = bad[dot - 2] == 'A' ? 'B' : 'A';
            assert_int_equal(gh_jws_verify(a, bad, pub, NULL), GH_ECRYPTO);
        }
    }
    gh_jose_presign_stats(&used1, &missed1);
    assert_int_equal(used1 - used0, N_SIGN);
    assert_int_equal(missed1 - missed0, 0);
    /* R = x(k·G): one value per nonce, so equal Rs would mean a nonce used twice. */
    qsort(rs, N_SIGN, 32, cmp32);
    for (int i = 1; i < N_SIGN; i++)
        assert_true(memcmp(rs + 32 * (i - 1), rs + 32 * i, 32) != 0);

    gh_jose_presign_stop();
    free(rs);
    gh_jwk_free(pub);
    gh_jwk_free(k);
    gh_arena_free(a);
}

static void test_stopped_pool_signs_the_ordinary_way(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    uint64_t used0, missed0, used1, missed1;
    (void)state;

    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "plain", &k), GH_OK);
    /* Never started (or stopped: the previous test stopped it and it wiped its nonces). */
    assert_int_equal(gh_jose__presign_fill(5), 0);
    gh_jose_presign_stats(&used0, &missed0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(gh_jws_verify(a, sign(a, k), k, NULL), GH_OK);
    gh_jose_presign_stats(&used1, &missed1);
    assert_int_equal(used1 - used0, 0);
    assert_int_equal(missed1 - missed0, 20);

    /* Started and stopped again: what it made is gone, signing still works. */
    assert_int_equal(gh_jose__presign_start(false), GH_OK);
    assert_int_equal(gh_jose__presign_fill(8), 8);
    gh_jose_presign_stop();
    assert_int_equal(gh_jose__presign_ready(), 0);
    gh_jose_presign_stats(&used0, &missed0);
    assert_int_equal(gh_jws_verify(a, sign(a, k), k, NULL), GH_OK);
    gh_jose_presign_stats(&used1, &missed1);
    assert_int_equal(used1 - used0, 0);
    assert_int_equal(missed1 - missed0, 1);
    gh_jwk_free(k);
    gh_arena_free(a);
}

static void test_other_algorithms_leave_the_pool_alone(void **state)
{
    const gh_jose_alg algs[] = {GH_ALG_ES384, GH_ALG_RS256, GH_ALG_EDDSA};
    gh_arena *a = gh_arena_new(0);
    uint64_t used0, missed0, used1, missed1;
    (void)state;

    assert_int_equal(gh_jose__presign_start(false), GH_OK);
    assert_int_equal(gh_jose__presign_fill(4), 4);
    gh_jose_presign_stats(&used0, &missed0);
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        gh_jwk *k = NULL;
        assert_int_equal(gh_jwk_generate(algs[i], "other", &k), GH_OK);
        assert_null(k->presign);
        assert_int_equal(gh_jws_verify(a, sign(a, k), k, NULL), GH_OK);
        gh_jwk_free(k);
    }
    gh_jose_presign_stats(&used1, &missed1);
    assert_int_equal(used1 - used0, 0);
    assert_int_equal(missed1 - missed0, 0);
    gh_jose_presign_stop();
    gh_arena_free(a);
}

struct thread_arg {
    const gh_jwk *k;
    int ok;
};

static void *sign_many(void *p)
{
    struct thread_arg *t = p;
    t->ok = 0;
    for (int i = 0; i < 200; i++) {
        gh_arena *a = gh_arena_new(0);
        if (gh_jws_verify(a, sign(a, t->k), t->k, NULL) == GH_OK)
            t->ok++;
        gh_arena_free(a);
    }
    return NULL;
}

/* Four threads, a pool that holds fewer nonces than they sign: some signatures take one,
 * the others sign the ordinary way, every one verifies. */
static void test_concurrent_signing_shares_the_pool(void **state)
{
    gh_jwk *k = NULL;
    pthread_t th[4];
    struct thread_arg args[4];
    uint64_t used0, missed0, used1, missed1;
    (void)state;

    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "shared", &k), GH_OK);
    assert_int_equal(gh_jose__presign_start(false), GH_OK);
    assert_int_equal(gh_jose__presign_fill(300), 300);
    gh_jose_presign_stats(&used0, &missed0);
    for (int i = 0; i < 4; i++) {
        args[i].k = k;
        assert_int_equal(pthread_create(&th[i], NULL, sign_many, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].ok, 200);
    }
    gh_jose_presign_stats(&used1, &missed1);
    /* A thread that finds the pool locked by another signs the ordinary way: what the pool
     * gave plus what it did not is every signature, and what it gave left it. */
    assert_int_equal((used1 - used0) + (missed1 - missed0), 800);
    assert_true(used1 - used0 > 0);
    assert_int_equal(gh_jose__presign_ready(), 300 - (used1 - used0));
    gh_jose_presign_stop();
    gh_jwk_free(k);
}

/* The real thing: the idle-priority thread fills the pool by itself (this process leaves a
 * CPU idle while it waits), and signatures then take its nonces. */
static void test_filler_thread_fills_the_pool(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    uint64_t used0, missed0, used1, missed1;
    struct timespec t0, t;
    (void)state;

    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "filled", &k), GH_OK);
    assert_int_equal(gh_jose_presign_start(), GH_OK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (gh_jose__presign_ready() < 64) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec > 30)
            fail_msg("the filler made %zu nonces in 30 s", gh_jose__presign_ready());
        sched_yield();
    }
    gh_jose_presign_stats(&used0, &missed0);
    for (int i = 0; i < 32; i++)
        assert_int_equal(gh_jws_verify(a, sign(a, k), k, NULL), GH_OK);
    gh_jose_presign_stats(&used1, &missed1);
    /* The filler may hold the lock at a signature's moment: that one signs without. */
    assert_int_equal((used1 - used0) + (missed1 - missed0), 32);
    assert_true(used1 - used0 > 0);
    gh_jose_presign_stop();
    assert_int_equal(gh_jose__presign_ready(), 0);
    gh_jwk_free(k);
    gh_arena_free(a);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_presigned_verify_and_never_share_a_nonce),
        cmocka_unit_test(test_stopped_pool_signs_the_ordinary_way),
        cmocka_unit_test(test_other_algorithms_leave_the_pool_alone),
        cmocka_unit_test(test_concurrent_signing_shares_the_pool),
        cmocka_unit_test(test_filler_thread_fills_the_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
