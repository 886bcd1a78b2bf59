/*
 * digest.c - SHA-256 and HMAC-SHA256 over OpenSSL 3 EVP.
 *
 * One-shot functions only: every input we hash is already in memory. An OpenSSL failure
 * aborts (see digest.h). This is one of the two files of base/ allowed to include OpenSSL.
 * Key derivation (HKDF) and AEAD live in jose/, which owns the rest of the cryptography.
 */
#include "base/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/b64url.h"
#include "base/str.h"

void gh_sha256_v(const void *const *parts, const size_t *lens, size_t nparts,
                 unsigned char out[GH_SHA256_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int outlen = 0;
    size_t i;
    int ok;

    ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (i = 0; ok && i < nparts; i++)
        ok = EVP_DigestUpdate(md, parts[i], lens[i]) == 1;
    ok = ok && EVP_DigestFinal_ex(md, out, &outlen) == 1 && outlen == GH_SHA256_LEN;
    EVP_MD_CTX_free(md);
    if (!ok)
        gh__assert_fail("SHA-256 failed", __FILE__, __LINE__);
}

void gh_sha256(const void *p, size_t n, unsigned char out[GH_SHA256_LEN])
{
    const void *parts[1] = {p};
    size_t lens[1] = {n};
    gh_sha256_v(parts, lens, 1, out);
}

void gh_hmac_sha256(const void *key, size_t keylen, const void *p, size_t n,
                    unsigned char out[GH_SHA256_LEN])
{
    static const unsigned char empty[1] = {0};
    unsigned int outlen = 0;
    /* HMAC() treats a NULL key as "reuse the previous key", so pass a real pointer. */
    if (!HMAC(EVP_sha256(), keylen ? key : empty, (int)keylen, n ? p : empty, n, out,
              &outlen) ||
        outlen != GH_SHA256_LEN)
        gh__assert_fail("HMAC-SHA256 failed", __FILE__, __LINE__);
}

char *gh_sha256_b64url(gh_arena *a, const void *p, size_t n)
{
    unsigned char h[GH_SHA256_LEN];
    gh_sha256(p, n, h);
    return gh_b64url_encode_a(a, h, sizeof(h));
}

char *gh_sha256_hex(gh_arena *a, const void *p, size_t n)
{
    unsigned char h[GH_SHA256_LEN];
    char *out = gh_arena_alloc(a, 2 * GH_SHA256_LEN + 1);
    gh_sha256(p, n, h);
    gh_hex_encode(h, sizeof(h), out);
    return out;
}
