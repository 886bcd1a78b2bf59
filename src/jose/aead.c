/*
 * aead.c - AES-256-GCM sealing for data at rest (signing keys, encrypted columns) and for the
 * sealed codes and refresh tokens (oauth/code.c).
 *
 * Sealed format: nonce (12 random bytes) || ciphertext || tag (16 bytes). A random 96-bit
 * nonce is safe for far more than the number of messages one key will ever seal here (NIST
 * SP 800-38D 8.3 allows 2^32). Not done here: key management, nonce counters, streaming.
 *
 * Cost: setting up a cipher context (fetching AES-256-GCM from the provider, expanding the
 * key, deriving GCM's hash key) costs several times what sealing a token's hundred bytes
 * does. So the cipher is fetched once per process, and each thread keeps one encrypting and
 * one decrypting context with the key it last used (a pthread key, freed and wiped when the
 * thread exits): a call with the same key only sets the new nonce. A context that failed in
 * any way (for instance a tag that did not match) is dropped, never reused. The key bytes are
 * compared on every call, so a caller that changes its key gets a context for the new one.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/rand.h"
#include "jose/jose.h"

#define NONCE_LEN 12
#define TAG_LEN 16
#define KEY_LEN 32

enum { DECRYPT = 0, ENCRYPT = 1 };

/* One thread's contexts, by direction, each with the key it was set up with. */
typedef struct aead_cache {
    EVP_CIPHER_CTX *ctx[2];
    unsigned char key[2][KEY_LEN];
} aead_cache;

static pthread_once_t aead_once = PTHREAD_ONCE_INIT;
/* Written once under aead_once, then only read. */
static EVP_CIPHER *aes_gcm;
static pthread_key_t cache_key;
static int cache_key_ok;

static void cache_free(void *p)
{
    aead_cache *c = p;

    if (c == NULL)
        return;
    for (int d = 0; d < 2; d++)
        EVP_CIPHER_CTX_free(c->ctx[d]); /* wipes the key schedule */
    OPENSSL_cleanse(c, sizeof(*c));
    free(c);
}

static void aead_init(void)
{
    aes_gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    cache_key_ok = pthread_key_create(&cache_key, cache_free) == 0;
}

/* Drops this thread's context for direction d (after any failure). */
static void ctx_drop(aead_cache *c, int d)
{
    EVP_CIPHER_CTX_free(c->ctx[d]);
    c->ctx[d] = NULL;
    OPENSSL_cleanse(c->key[d], KEY_LEN);
}

/* This thread's context for direction d, set up for a new message under key with nonce iv;
 * NULL on failure. The context belongs to the thread's cache (*out_cache): the caller does
 * not free it, and drops it with ctx_drop if anything fails. */
static EVP_CIPHER_CTX *ctx_get(int d, const unsigned char key[KEY_LEN], const unsigned char *iv,
                               aead_cache **out_cache)
{
    aead_cache *c;

    *out_cache = NULL;
    if (pthread_once(&aead_once, aead_init) != 0 || aes_gcm == NULL || !cache_key_ok)
        return NULL;
    c = pthread_getspecific(cache_key);
    if (c == NULL) {
        c = gh_xcalloc(1, sizeof(*c));
        if (pthread_setspecific(cache_key, c) != 0) {
            free(c);
            return NULL;
        }
    }
    *out_cache = c;
    if (c->ctx[d] != NULL && CRYPTO_memcmp(c->key[d], key, KEY_LEN) == 0) {
        /* Same key: only the nonce is new (the key schedule is kept). */
        if (EVP_CipherInit_ex(c->ctx[d], NULL, NULL, NULL, iv, d) == 1)
            return c->ctx[d];
        ctx_drop(c, d);
        return NULL;
    }
    if (c->ctx[d] == NULL && (c->ctx[d] = EVP_CIPHER_CTX_new()) == NULL)
        return NULL;
    if (EVP_CipherInit_ex(c->ctx[d], aes_gcm, NULL, key, iv, d) != 1) {
        ctx_drop(c, d);
        return NULL;
    }
    memcpy(c->key[d], key, KEY_LEN);
    return c->ctx[d];
}

gh_err gh_aead_seal(const unsigned char key[32], const void *aad, size_t aadlen, const void *pt,
                    size_t ptlen, unsigned char **out, size_t *out_len)
{
    gh_err err = GH_ECRYPTO;
    EVP_CIPHER_CTX *c = NULL;
    aead_cache *cache = NULL;
    unsigned char *buf = NULL;
    int len = 0;
    *out = NULL;
    *out_len = 0;

    if (ptlen > INT32_MAX - NONCE_LEN - TAG_LEN || aadlen > INT32_MAX ||
        (pt == NULL && ptlen != 0) || (aad == NULL && aadlen != 0))
        return GH_EINVAL;
    buf = gh_xmalloc(NONCE_LEN + ptlen + TAG_LEN);
    gh_rand_bytes(buf, NONCE_LEN);
    c = ctx_get(ENCRYPT, key, buf, &cache);
    if (c == NULL)
        goto done;
    if (aadlen > 0 && EVP_EncryptUpdate(c, NULL, &len, aad, (int)aadlen) != 1)
        goto done;
    if (ptlen > 0 && EVP_EncryptUpdate(c, buf + NONCE_LEN, &len, pt, (int)ptlen) != 1)
        goto done;
    if (EVP_EncryptFinal_ex(c, buf + NONCE_LEN + ptlen, &len) != 1)
        goto done;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, buf + NONCE_LEN + ptlen) != 1)
        goto done;
    *out = buf;
    *out_len = NONCE_LEN + ptlen + TAG_LEN;
    buf = NULL;
    err = GH_OK;
done:
    if (err != GH_OK && c != NULL)
        ctx_drop(cache, ENCRYPT);
    free(buf);
    return err;
}

gh_err gh_aead_open(const unsigned char key[32], const void *aad, size_t aadlen,
                    const void *sealed, size_t sealedlen, unsigned char **out, size_t *out_len)
{
    gh_err err = GH_ECRYPTO;
    EVP_CIPHER_CTX *c = NULL;
    aead_cache *cache = NULL;
    const unsigned char *in = sealed;
    unsigned char *buf = NULL;
    unsigned char tag[TAG_LEN];
    size_t ctlen;
    int len = 0;
    *out = NULL;
    *out_len = 0;

    if (sealed == NULL || sealedlen < NONCE_LEN + TAG_LEN || sealedlen > INT32_MAX ||
        aadlen > INT32_MAX || (aad == NULL && aadlen != 0))
        return GH_ECRYPTO;
    ctlen = sealedlen - NONCE_LEN - TAG_LEN;
    memcpy(tag, in + NONCE_LEN + ctlen, TAG_LEN);
    /* One spare byte so that an empty plaintext still gets a valid pointer. */
    buf = gh_xmalloc(ctlen + 1);
    c = ctx_get(DECRYPT, key, in, &cache);
    if (c == NULL)
        goto done;
    if (aadlen > 0 && EVP_DecryptUpdate(c, NULL, &len, aad, (int)aadlen) != 1)
        goto done;
    if (ctlen > 0 && EVP_DecryptUpdate(c, buf, &len, in + NONCE_LEN, (int)ctlen) != 1)
        goto done;
    if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
        goto done;
    /* The tag is checked here; nothing decrypted is released unless it matches. */
    if (EVP_DecryptFinal_ex(c, buf + ctlen, &len) != 1)
        goto done;
    *out = buf;
    *out_len = ctlen;
    buf = NULL;
    err = GH_OK;
done:
    if (err != GH_OK && c != NULL)
        ctx_drop(cache, DECRYPT);
    if (buf != NULL) {
        OPENSSL_cleanse(buf, ctlen + 1);
        free(buf);
    }
    return err;
}
