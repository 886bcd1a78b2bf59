/*
 * digest.c - SHA-256 and HMAC-SHA256 over OpenSSL 3 EVP.
 *
 * One-shot functions only: every input we hash is already in memory. An OpenSSL failure
 * aborts (see digest.h). This is one of the two files of base/ allowed to include OpenSSL.
 * Key derivation (HKDF) and AEAD live in jose/, which owns the rest of the cryptography.
 *
 * Hot path: a token or client-secret hash runs on every token and introspection request.
 * EVP_sha256() makes OpenSSL 3 fetch the provider's implementation on each EVP_DigestInit_ex
 * (a locked method-store lookup), and HMAC() also fetches the EVP_MAC and builds three
 * contexts: together several times the cost of hashing 64 bytes. So the SHA-256 EVP_MD is
 * fetched once per process (pthread_once; it is immutable afterwards and shared by all
 * threads, like EVP_sha256()'s own object), and HMAC-SHA256 is RFC 2104 written out over
 * one EVP_MD_CTX (inner and outer hash), with no EVP_MAC at all.
 */
#include "base/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

#include "base/b64url.h"
#include "base/str.h"

#define GH_SHA256_BLOCK 64

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256_md; /* written once under sha256_once, then only read */

static void sha256_fetch(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256(void)
{
    if (pthread_once(&sha256_once, sha256_fetch) != 0 || sha256_md == NULL)
        gh__assert_fail("fetching SHA-256 failed", __FILE__, __LINE__);
    return sha256_md;
}

/* Hashes the concatenation of the parts into out with md (a context to reuse). */
static int digest_parts(EVP_MD_CTX *md, const void *const *parts, const size_t *lens, size_t nparts,
                        unsigned char out[GH_SHA256_LEN])
{
    unsigned int outlen = 0;
    size_t i;
    int ok;

    ok = EVP_DigestInit_ex(md, sha256(), NULL) == 1;
    for (i = 0; ok && i < nparts; i++)
        ok = EVP_DigestUpdate(md, parts[i], lens[i]) == 1;
    return ok && EVP_DigestFinal_ex(md, out, &outlen) == 1 && outlen == GH_SHA256_LEN;
}

void gh_sha256_v(const void *const *parts, const size_t *lens, size_t nparts,
                 unsigned char out[GH_SHA256_LEN])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL && digest_parts(md, parts, lens, nparts, out);

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
    unsigned char k[GH_SHA256_BLOCK], pad[GH_SHA256_BLOCK], inner[GH_SHA256_LEN];
    const void *parts[2];
    size_t lens[2], i;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md != NULL;

    /* SPEC: RFC2104 2 - a key longer than the block is hashed first; K is zero-padded. */
    memset(k, 0, sizeof(k));
    if (ok && keylen > GH_SHA256_BLOCK) {
        parts[0] = key;
        lens[0] = keylen;
        ok = digest_parts(md, parts, lens, 1, k);
    } else if (keylen > 0) {
        memcpy(k, key, keylen);
    }
    /* SPEC: RFC2104 2 - H(K XOR opad, H(K XOR ipad, text)) */
    for (i = 0; i < GH_SHA256_BLOCK; i++)
        pad[i] = (unsigned char)(k[i] ^ 0x36);
    parts[0] = pad;
    lens[0] = sizeof(pad);
    parts[1] = n ? p : empty;
    lens[1] = n;
    ok = ok && digest_parts(md, parts, lens, 2, inner);
    for (i = 0; i < GH_SHA256_BLOCK; i++)
        pad[i] = (unsigned char)(k[i] ^ 0x5c);
    parts[1] = inner;
    lens[1] = sizeof(inner);
    ok = ok && digest_parts(md, parts, lens, 2, out);
    EVP_MD_CTX_free(md);
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(pad, sizeof(pad));
    OPENSSL_cleanse(inner, sizeof(inner));
    if (!ok)
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
