/*
 * aead.c - AES-256-GCM sealing for data at rest (signing keys, encrypted columns).
 *
 * Sealed format: nonce (12 random bytes) || ciphertext || tag (16 bytes). A random 96-bit
 * nonce is safe for far more than the number of messages one key will ever seal here (NIST
 * SP 800-38D 8.3 allows 2^32). Not done here: key management, nonce counters, streaming.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#include "base/mem.h"
#include "base/rand.h"
#include "jose/jose.h"

#define NONCE_LEN 12
#define TAG_LEN 16

gh_err gh_aead_seal(const unsigned char key[32], const void *aad, size_t aadlen, const void *pt,
                    size_t ptlen, unsigned char **out, size_t *out_len)
{
    gh_err err = GH_ECRYPTO;
    EVP_CIPHER_CTX *c = NULL;
    unsigned char *buf = NULL;
    int len = 0;
    *out = NULL;
    *out_len = 0;

    if (ptlen > INT32_MAX - NONCE_LEN - TAG_LEN || aadlen > INT32_MAX ||
        (pt == NULL && ptlen != 0) || (aad == NULL && aadlen != 0))
        return GH_EINVAL;
    buf = gh_xmalloc(NONCE_LEN + ptlen + TAG_LEN);
    gh_rand_bytes(buf, NONCE_LEN);
    c = EVP_CIPHER_CTX_new();
    if (c == NULL || EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, buf) != 1)
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
    free(buf);
    EVP_CIPHER_CTX_free(c);
    return err;
}

gh_err gh_aead_open(const unsigned char key[32], const void *aad, size_t aadlen,
                    const void *sealed, size_t sealedlen, unsigned char **out, size_t *out_len)
{
    gh_err err = GH_ECRYPTO;
    EVP_CIPHER_CTX *c = NULL;
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
    c = EVP_CIPHER_CTX_new();
    if (c == NULL || EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, in) != 1)
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
    if (buf != NULL) {
        OPENSSL_cleanse(buf, ctlen + 1);
        free(buf);
    }
    EVP_CIPHER_CTX_free(c);
    return err;
}
