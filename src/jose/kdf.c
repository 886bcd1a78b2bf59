/*
 * kdf.c - HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF "HKDF".
 *
 * Used to derive purpose-specific keys (key encryption, cookie and CSRF keys) from the
 * system secret. Not done here: password hashing (libsodium, in oauth) or other KDFs.
 */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

#include "jose/jose.h"

gh_err gh_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt, size_t saltlen,
                      const char *info, unsigned char *out, size_t outlen)
{
    gh_err err = GH_ECRYPTO;
    EVP_KDF *kdf = NULL;
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[5];
    size_t np = 0;
    static const unsigned char no_salt[1] = {0};

    /* SPEC: RFC5869 2.3 L <= 255 * HashLen. */
    if (ikm == NULL || ikmlen == 0 || out == NULL || outlen == 0 || outlen > 255 * 32 ||
        (salt == NULL && saltlen != 0))
        return GH_EINVAL;
    kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    if (kdf == NULL)
        goto done;
    kctx = EVP_KDF_CTX_new(kdf);
    if (kctx == NULL)
        goto done;
    params[np++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[np++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
    /* SPEC: RFC5869 2.2 an absent salt is HashLen zeros, which HMAC treats like an empty one;
     * OpenSSL wants a non-NULL pointer, so an empty salt is passed as a zero-length buffer. */
    params[np++] = OSSL_PARAM_construct_octet_string(
        OSSL_KDF_PARAM_SALT, (void *)(salt != NULL ? salt : no_salt), saltlen);
    if (info != NULL)
        params[np++] =
            OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
    params[np] = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, out, outlen, params) != 1)
        goto done;
    err = GH_OK;
done:
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return err;
}
