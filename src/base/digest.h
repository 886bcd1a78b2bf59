/*
 * digest.h - SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) over OpenSSL EVP.
 *
 * Used for token and code hashes at rest, keyed client-secret hashes, PKCE S256 (RFC 7636
 * 4.2), the audit hash chain and JWT at_hash. These functions cannot fail on valid
 * arguments; if OpenSSL does fail they abort, because continuing without a hash would
 * fail open. Comparing digests is gh_ct_eq's job (str.h), never memcmp.
 */
#ifndef GH_BASE_DIGEST_H
#define GH_BASE_DIGEST_H

#include <stddef.h>

#include "base/arena.h"

#define GH_SHA256_LEN 32

/* Writes SHA-256(p[0..n)) to out. */
void gh_sha256(const void *p, size_t n, unsigned char out[GH_SHA256_LEN]);
/* Writes SHA-256 of the concatenation of nparts byte strings (parts[i], lens[i]) to out,
 * without building the concatenation (for the audit chain: prev_hash || canonical). */
void gh_sha256_v(const void *const *parts, const size_t *lens, size_t nparts,
                 unsigned char out[GH_SHA256_LEN]);
/* Writes HMAC-SHA256(key, p[0..n)) to out. key may be of any length (keylen 0 is allowed). */
void gh_hmac_sha256(const void *key, size_t keylen, const void *p, size_t n,
                    unsigned char out[GH_SHA256_LEN]);
/* Returns the base64url (no padding) of SHA-256(s[0..n)) in the arena: the PKCE S256
 * code_challenge of a verifier (RFC 7636 4.2). */
char *gh_sha256_b64url(gh_arena *a, const void *p, size_t n);
/* Returns the lowercase hex of SHA-256(p[0..n)) in the arena (64 characters). */
char *gh_sha256_hex(gh_arena *a, const void *p, size_t n);

#endif
