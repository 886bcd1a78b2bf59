/*
 * ecpre.c - ES256 signatures with their nonces precomputed while the CPU is idle.
 *
 * An ECDSA signature (FIPS 186-5 6.4.1) draws a nonce k, computes r = x(k·G) mod n and
 * k^-1 mod n, then s = k^-1 (e + r·d) mod n. The first part is nearly all of the cost (a
 * scalar multiplication and a constant-time inversion) and does not depend on the key or the
 * message. So a thread of its own, scheduled SCHED_IDLE (it runs only on a CPU that has
 * nothing else to do), keeps a pool of (k^-1, r) pairs for P-256 filled, and a signature
 * takes one and computes only s (OpenSSL's ECDSA_do_sign_ex with kinv and r given). Under
 * load that moves most of an ES256 signature off the request's path into the CPU time that
 * waits for disk syncs; on a CPU that is never idle the pool runs dry and signing takes the
 * ordinary path (jws.c), so it never costs more than before.
 *
 * The pairs are secrets as much as the key: whoever knows k and a signature knows d.
 * Invariants:
 *  1. A pair is used for at most one signature: it leaves the pool under the lock (its slot
 *     wiped), and is wiped right after that signature, whatever its outcome.
 *  2. Pairs exist only in this process's memory (the pool, and the signing thread while it
 *     uses one); stopping the pool wipes every pair it holds.
 *  3. k comes from OpenSSL's private DRBG (ECDSA_sign_setup, with no digest: a uniformly
 *     random k in [1, n-1]), exactly as for an ordinary signature without a digest-derived
 *     nonce. The pool's own key (gen) serves only ECDSA_sign_setup, which needs a key of
 *     the curve; neither k nor r depends on it.
 *
 * ECDSA_sign_setup, ECDSA_do_sign_ex and EC_KEY are deprecated in OpenSSL 3 (their
 * replacement, the EVP signing API, takes no precomputed values); they are used here and
 * nowhere else.
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "base/digest.h"
#include "base/log.h"
#include "jose/jose_int.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

/* Pairs kept ready: a burst of this many ES256 signatures finds one each. */
#define ECPRE_POOL 1024
/* The filler sleeps when the pool is full and is woken when it falls below this. */
#define ECPRE_LOW (ECPRE_POOL / 2)
/* P-256: k^-1 and r are below the group order, 32 bytes each. */
#define ECPRE_LEN 32

typedef struct pair {
    unsigned char kinv[ECPRE_LEN];
    unsigned char r[ECPRE_LEN];
} pair;

/*
 * The pool holds pairs as bytes, not BIGNUMs, and a signing thread only ever trylocks it:
 * the filler runs at the lowest priority and may be preempted at any point for as long as
 * the CPUs are busy, so nothing a request waits for may be held by it. A signing thread
 * that finds the lock taken signs the ordinary way, and it never frees memory the filler
 * allocated (which would take the filler's malloc arena lock).
 */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pair slot[ECPRE_POOL]; /* under mu; slots from n on are zero */
    size_t n;
    bool sleeping; /* the filler waits on cv */
    bool stop;
    bool running; /* between gh_jose_presign_start and _stop (the caller's thread only) */
    bool filler;  /* the thread runs */
    pthread_t thread;
    EC_KEY *gen;
    atomic_uint_fast64_t used, missed;
} pool = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* One pair from gen's curve, as bytes; false on an OpenSSL failure. */
static bool make_pair(EC_KEY *gen, BN_CTX *bn, pair *out)
{
    BIGNUM *kinv = NULL, *r = NULL;
    bool ok = ECDSA_sign_setup(gen, bn, &kinv, &r) == 1 &&
              BN_bn2binpad(kinv, out->kinv, ECPRE_LEN) == ECPRE_LEN &&
              BN_bn2binpad(r, out->r, ECPRE_LEN) == ECPRE_LEN;
    BN_clear_free(kinv);
    BN_clear_free(r);
    if (!ok) {
        OPENSSL_cleanse(out, sizeof(*out));
        ERR_clear_error();
    }
    return ok;
}

/* Adds a pair (the filler, or a test); false when the pool is full. p is wiped either way. */
static bool push(pair *p)
{
    bool added = false;
    pthread_mutex_lock(&pool.mu);
    if (pool.n < ECPRE_POOL) {
        pool.slot[pool.n++] = *p;
        added = true;
    }
    pthread_mutex_unlock(&pool.mu);
    OPENSSL_cleanse(p, sizeof(*p));
    return added;
}

static void *filler_main(void *arg)
{
    struct sched_param sp;
    BN_CTX *bn;
    int rc;

    (void)arg;
#ifdef __linux__
    (void)prctl(PR_SET_NAME, "gh-ecdsa-pre", 0, 0, 0);
#endif
    /* Never at a normal priority: it would take CPU from requests. (glibc takes SCHED_IDLE
     * only here, not in the thread's creation attributes.) */
    memset(&sp, 0, sizeof(sp));
    rc = pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp);
    if (rc != 0) {
        gh_log(GH_LOG_WARN, "jose: no idle scheduling class (%s); ES256 signs without "
                            "precomputed nonces", strerror(rc));
        return NULL;
    }
    bn = BN_CTX_secure_new();
    for (;;) {
        pair p;
        pthread_mutex_lock(&pool.mu);
        while (!pool.stop && pool.n >= ECPRE_POOL) {
            pool.sleeping = true;
            pthread_cond_wait(&pool.cv, &pool.mu);
            pool.sleeping = false;
        }
        bool stop = pool.stop;
        pthread_mutex_unlock(&pool.mu);
        if (stop)
            break;
        if (bn == NULL || !make_pair(pool.gen, bn, &p)) {
            gh_log(GH_LOG_WARN, "jose: cannot precompute ECDSA nonces; ES256 signs without");
            break;
        }
        (void)push(&p);
    }
    BN_CTX_free(bn);
    return NULL;
}

gh_err gh_jose__presign_start(bool filler)
{
#ifdef SCHED_IDLE
    if (pool.running)
        return GH_OK;
    pool.gen = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);
    if (pool.gen == NULL || EC_KEY_generate_key(pool.gen) != 1) {
        EC_KEY_free(pool.gen);
        pool.gen = NULL;
        ERR_clear_error();
        return GH_ECRYPTO;
    }
    pool.stop = false;
    pool.filler = filler;
    if (filler && pthread_create(&pool.thread, NULL, filler_main, NULL) != 0) {
        EC_KEY_free(pool.gen);
        pool.gen = NULL;
        return GH_EINTERNAL;
    }
    pool.running = true;
    return GH_OK;
#else
    (void)filler;
    return GH_OK; /* no idle class to run in: leave signing as it is */
#endif
}

gh_err gh_jose_presign_start(void)
{
    return gh_jose__presign_start(true);
}

void gh_jose_presign_stop(void)
{
    if (!pool.running)
        return;
    pthread_mutex_lock(&pool.mu);
    pool.stop = true;
    pthread_cond_signal(&pool.cv);
    pthread_mutex_unlock(&pool.mu);
    if (pool.filler)
        pthread_join(pool.thread, NULL);
    pthread_mutex_lock(&pool.mu);
    OPENSSL_cleanse(pool.slot, sizeof(pool.slot));
    pool.n = 0;
    pthread_mutex_unlock(&pool.mu);
    EC_KEY_free(pool.gen);
    pool.gen = NULL;
    pool.running = false;
}

size_t gh_jose__presign_fill(size_t want)
{
    BN_CTX *bn = BN_CTX_secure_new();
    size_t added = 0;

    if (bn == NULL || pool.gen == NULL) {
        BN_CTX_free(bn);
        return 0;
    }
    while (added < want) {
        pair p;
        if (!make_pair(pool.gen, bn, &p) || !push(&p))
            break;
        added++;
    }
    BN_CTX_free(bn);
    return added;
}

size_t gh_jose__presign_ready(void)
{
    pthread_mutex_lock(&pool.mu);
    size_t n = pool.n;
    pthread_mutex_unlock(&pool.mu);
    return n;
}

void gh_jose_presign_stats(uint64_t *used, uint64_t *missed)
{
    *used = atomic_load_explicit(&pool.used, memory_order_relaxed);
    *missed = atomic_load_explicit(&pool.missed, memory_order_relaxed);
}

EC_KEY *gh_jose__presign_key(EVP_PKEY *pkey)
{
    EC_KEY *ec = EVP_PKEY_get1_EC_KEY(pkey);
    if (ec == NULL)
        ERR_clear_error();
    return ec;
}

void gh_jose__presign_key_free(EC_KEY *ec)
{
    EC_KEY_free(ec);
}

bool gh_jose__presign_sign(const gh_jwk *k, const void *in, size_t n, unsigned char *raw)
{
    unsigned char dgst[GH_SHA256_LEN];
    pair p;
    BIGNUM *kinv = NULL, *r = NULL;
    const BIGNUM *sr, *ss;
    ECDSA_SIG *sig = NULL;
    bool have = false, ok = false;

    if (k->presign == NULL)
        return false;
    if (pthread_mutex_trylock(&pool.mu) == 0) {
        if (pool.n > 0) {
            pool.n--;
            p = pool.slot[pool.n];
            OPENSSL_cleanse(&pool.slot[pool.n], sizeof(p));
            have = true;
            if (pool.sleeping && pool.n < ECPRE_LOW)
                pthread_cond_signal(&pool.cv);
        }
        pthread_mutex_unlock(&pool.mu);
    }
    if (!have) {
        atomic_fetch_add_explicit(&pool.missed, 1, memory_order_relaxed);
        return false;
    }
    kinv = BN_secure_new();
    r = BN_new();
    if (kinv != NULL && r != NULL) {
        BN_set_flags(kinv, BN_FLG_CONSTTIME);
        if (BN_bin2bn(p.kinv, ECPRE_LEN, kinv) != NULL && BN_bin2bn(p.r, ECPRE_LEN, r) != NULL) {
            /* SPEC: RFC7518 3.4 - ES256 is ECDSA P-256 over the SHA-256 of the signing input,
             * the signature R||S with each 32 bytes */
            gh_sha256(in, n, dgst);
            sig = ECDSA_do_sign_ex(dgst, sizeof dgst, kinv, r, k->presign);
        }
    }
    /* Invariant 1: the pair is gone, whatever the outcome. */
    OPENSSL_cleanse(&p, sizeof(p));
    BN_clear_free(kinv);
    BN_clear_free(r);
    if (sig != NULL) {
        ECDSA_SIG_get0(sig, &sr, &ss);
        ok = BN_bn2binpad(sr, raw, ECPRE_LEN) == ECPRE_LEN &&
             BN_bn2binpad(ss, raw + ECPRE_LEN, ECPRE_LEN) == ECPRE_LEN;
        ECDSA_SIG_free(sig);
    }
    if (!ok)
        ERR_clear_error(); /* e.g. s = 0: the caller signs the ordinary way */
    else
        atomic_fetch_add_explicit(&pool.used, 1, memory_order_relaxed);
    return ok;
}
