/*
 * jose_int.h - declarations shared inside the jose module and with its unit tests only.
 *
 * A gh_jwk wraps one OpenSSL EVP_PKEY, which is immutable once built and safe to use from
 * several threads at once for signing and verifying (each operation gets its own
 * EVP_MD_CTX). Everything the hot paths need (the base64url public members, the JSON-escaped
 * header prefix, the digest) is computed once when the key is made, so that gh_jws_sign does
 * no key introspection per call.
 */
#ifndef GH_JOSE_JOSE_INT_H
#define GH_JOSE_JOSE_INT_H

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "jose/jose.h"

/* Longest kid we accept or generate. */
#define GH_JOSE_KID_MAX 256
/* Largest RSA modulus we accept (bits); bigger keys only cost verification time. */
#define GH_JOSE_RSA_MAX_BITS 8192
/* Largest raw JWS signature we produce or accept (RSA-8192). */
#define GH_JOSE_SIG_MAX (GH_JOSE_RSA_MAX_BITS / 8)

typedef enum gh_jose_kty { GH_KTY_EC = 1, GH_KTY_RSA, GH_KTY_OKP } gh_jose_kty;

struct gh_jwk {
    atomic_int refs;
    gh_jose_alg alg;
    gh_jose_kty kty;
    bool priv;
    EVP_PKEY *pkey;
    EVP_MD *md;        /* the JWS digest (fetched once); NULL for EdDSA, which hashes itself */
    /* Private keys only: a signing context initialised once (digest, padding). Each signature
     * copies it into a fresh EVP_MD_CTX (EVP_MD_CTX_copy_ex reads it as const, so threads
     * share it safely); that saves the provider fetches of EVP_DigestSignInit per call. */
    EVP_MD_CTX *sign_tmpl;
    /* Every key: the same for verifying. */
    EVP_MD_CTX *verify_tmpl;
    /* ES256 private keys: the key as ECDSA_do_sign_ex takes it, for signing with a
     * precomputed nonce (ecpre.c); NULL otherwise. */
    EC_KEY *presign;
    size_t coord_len;  /* EC: bytes in one coordinate, so R||S is 2 * coord_len */
    size_t sig_max;    /* upper bound of the raw JWS signature for this key */
    char *kid;         /* heap, may be NULL */
    /* Public members as base64url (heap): EC crv/x/y, RSA n/e, OKP crv/x. */
    const char *crv;   /* static string, or NULL for RSA */
    char *x, *y, *n, *e;
    /* '{"alg":"ES256","kid":"<kid>"' (kid JSON-escaped), heap: the start of every header. */
    char *hdr_prefix;
    size_t hdr_prefix_len;
};

/* Builds a gh_jwk around pkey (stolen on success and on failure) after checking that pkey
 * fits alg (type, curve, RSA size). kid may be NULL. GH_EINVAL when it does not fit. */
GH_MUST_CHECK gh_err gh_jose__jwk_wrap(EVP_PKEY *pkey, gh_jose_alg alg, const char *kid,
                                       bool priv, gh_jwk **out);

/* Sets k->verify_tmpl, and k->sign_tmpl for a private key, up for k's algorithm (called
 * once, when the key is wrapped). */
GH_MUST_CHECK gh_err gh_jose__templates(gh_jwk *k);

/* Signs the bytes in[0..n) as JWS alg of k prescribes and writes the raw JWS signature
 * (R||S for ECDSA) to sig, which holds at least k->sig_max bytes. */
GH_MUST_CHECK gh_err gh_jose__sign_raw(const gh_jwk *k, const void *in, size_t n,
                                       unsigned char *sig, size_t *sig_len);
/* Verifies a raw JWS signature over in[0..n). GH_ECRYPTO if it does not verify (including
 * a signature of the wrong length). */
GH_MUST_CHECK gh_err gh_jose__verify_raw(const gh_jwk *k, const void *in, size_t n,
                                         const unsigned char *sig, size_t sig_len);

/* ecpre.c. The key's presign member for pkey (NULL if it cannot be made: then it signs the
 * ordinary way). */
EC_KEY *gh_jose__presign_key(EVP_PKEY *pkey);
void gh_jose__presign_key_free(EC_KEY *ec);
/* Signs in[0..n) with k (ES256, k->presign set) and a precomputed nonce, writing R||S (64
 * bytes) to raw. false when there is no nonce ready or the signature failed: the caller
 * signs the ordinary way. */
bool gh_jose__presign_sign(const gh_jwk *k, const void *in, size_t n, unsigned char *raw);
/* gh_jose_presign_start, with the filler thread or (tests) without. */
GH_MUST_CHECK gh_err gh_jose__presign_start(bool filler);
/* Computes up to want nonces on the calling thread and pools them (tests); returns how many
 * were added. The pool must be started. */
size_t gh_jose__presign_fill(size_t want);
/* Nonces in the pool now. */
size_t gh_jose__presign_ready(void);

/* Writes s as a JSON string (with quotes) to out, which holds 6 * strlen(s) + 3 bytes.
 * Returns the length written (no NUL counted; a NUL is written). */
size_t gh_jose__json_quote(const char *s, char *out);

#endif
