/*
 * jose.h - JSON Object Signing and Encryption on OpenSSL 3 EVP, and the small set of other
 * primitives gatehouse needs (HKDF, AES-256-GCM). OpenSSL appears only here and in
 * base/rand.c and base/digest.c.
 *
 * Implements: JWK (RFC 7517, RFC 7518 6, RFC 8037 for OKP), JWS compact serialization
 * (RFC 7515) with ES256, ES384, RS256, PS256, EdDSA; JWT claim checks (RFC 7519).
 * Deliberately absent: "none", HMAC algorithms for JWS (a public key is never an HMAC secret:
 * the verifier's algorithm comes from the key, never from the token), JWE.
 */
#ifndef GH_JOSE_JOSE_H
#define GH_JOSE_JOSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/err.h"
#include "base/str.h"

/* ---- digests and keyed primitives ---- */

/* SHA-256 and HMAC-SHA256 live in base/digest.h. */
/* HKDF-SHA256 (RFC 5869): derives outlen bytes from ikm with salt and info. */
GH_MUST_CHECK gh_err gh_hkdf_sha256(const void *ikm, size_t ikmlen, const void *salt,
                                    size_t saltlen, const char *info, unsigned char *out,
                                    size_t outlen);
/* AES-256-GCM with a random 12-byte nonce. Sealed format: nonce || ciphertext || tag.
 * *out is heap (caller frees). aad may be NULL. */
GH_MUST_CHECK gh_err gh_aead_seal(const unsigned char key[32], const void *aad, size_t aadlen,
                                  const void *pt, size_t ptlen, unsigned char **out,
                                  size_t *out_len);
/* Opens what gh_aead_seal made; GH_ECRYPTO if it was altered or the key is wrong. */
GH_MUST_CHECK gh_err gh_aead_open(const unsigned char key[32], const void *aad, size_t aadlen,
                                  const void *sealed, size_t sealedlen, unsigned char **out,
                                  size_t *out_len);

/* ---- precomputed ECDSA nonces (ecpre.c) ---- */

/* Starts a thread that, only while a CPU is idle (SCHED_IDLE), precomputes the nonce part of
 * ES256 signatures, so that signing under load costs a fraction of a signature. Without it
 * (or with the pool empty) ES256 signs as usual. Call once, before the signing threads
 * start; GH_OK also where there is no idle scheduling class (nothing is started then). */
GH_MUST_CHECK gh_err gh_jose_presign_start(void);
/* Stops the thread and wipes the nonces it made. After the signing threads have stopped. */
void gh_jose_presign_stop(void);
/* ES256 signatures made with a precomputed nonce, and without one for want of a nonce. */
void gh_jose_presign_stats(uint64_t *used, uint64_t *missed);

/* ---- keys ---- */

typedef enum gh_jose_alg {
    GH_ALG_NONE = 0, /* never accepted; the zero value means "unset" */
    GH_ALG_ES256,
    GH_ALG_ES384,
    GH_ALG_RS256,
    GH_ALG_PS256,
    GH_ALG_EDDSA
} gh_jose_alg;

/* "ES256" -> GH_ALG_ES256 ...; GH_ALG_NONE for anything else (including "none", "HS256"). */
gh_jose_alg gh_jose_alg_parse(const char *s);
const char *gh_jose_alg_name(gh_jose_alg alg);

typedef struct gh_jwk gh_jwk; /* an asymmetric key, public or private; immutable, refcounted */

/* Generates a signing key for alg (RS256/PS256: RSA-2048) with the given kid. */
GH_MUST_CHECK gh_err gh_jwk_generate(gh_jose_alg alg, const char *kid, gh_jwk **out);
/* Parses one JWK (RFC 7517 4) holding a public key (private members are ignored and never
 * loaded). The alg comes from "alg" if present (and must fit the key type), else from the
 * key type (EC P-256 -> ES256, P-384 -> ES384, OKP Ed25519 -> EdDSA, RSA -> RS256).
 * GH_EINVAL for anything malformed, symmetric ("oct") keys, or RSA keys under 2048 bits. */
GH_MUST_CHECK gh_err gh_jwk_parse_public(const json_t *jwk, gh_jwk **out);
/* Serialises a private key for storage (PKCS#8 DER, heap, caller wipes and frees). */
GH_MUST_CHECK gh_err gh_jwk_export_private(const gh_jwk *k, unsigned char **out,
                                           size_t *out_len);
/* Loads a key saved by gh_jwk_export_private. */
GH_MUST_CHECK gh_err gh_jwk_import_private(const unsigned char *der, size_t len,
                                           gh_jose_alg alg, const char *kid, gh_jwk **out);
/* Returns the public JWK as a new JSON object: kty, crv/x/y or n/e, kid, alg, use "sig". */
json_t *gh_jwk_public_json(const gh_jwk *k);
const char *gh_jwk_kid(const gh_jwk *k);
gh_jose_alg gh_jwk_alg(const gh_jwk *k);
bool gh_jwk_is_private(const gh_jwk *k);
/* RFC 7638 thumbprint (SHA-256, base64url) in the arena. */
char *gh_jwk_thumbprint(gh_arena *a, const gh_jwk *k);
gh_jwk *gh_jwk_ref(gh_jwk *k);
void gh_jwk_free(gh_jwk *k); /* drops one reference; NULL is OK */

/* A set of public keys (a client's "jwks"), at most GH_LIMIT_JWKS_KEYS. */
typedef struct gh_jwks {
    gh_jwk **keys;
    size_t n;
} gh_jwks;

/* Parses {"keys":[...]}. Keys that are not signature keys ("use" other than "sig") and keys
 * of kinds we do not support (other curves, algorithms, RSA outside 2048..8192 bits) are
 * skipped; GH_EINVAL if the set or any key in it is malformed (symmetric keys included) or
 * it holds no usable key, GH_ETOOBIG past GH_LIMIT_JWKS_KEYS entries. On failure *out is
 * empty. */
GH_MUST_CHECK gh_err gh_jwks_parse(const json_t *jwks, gh_jwks *out);
void gh_jwks_clear(gh_jwks *s);

/* ---- JWS compact ---- */

/* Signs: header {"alg":<k's alg>,"kid":<k's kid>,"typ":typ} (typ may be NULL, kid is
 * omitted when the key has none) plus the members of extra_header (may be NULL; it may not
 * hold alg, kid, typ or crit), payload = compact claims (an object). Result in the arena.
 * GH_EINVAL for a public key or such arguments. Safe to call from several threads with the
 * same key. */
GH_MUST_CHECK gh_err gh_jws_sign(gh_arena *a, const gh_jwk *k, const char *typ,
                                 const json_t *extra_header, const json_t *claims,
                                 char **out);
/* gh_jws_sign with the payload already serialised: payload[0..payload_len) is the exact
 * JSON text of the claims object (the caller's responsibility; only a leading '{' and
 * trailing '}' are checked). For hot paths that write fixed-shape claims directly instead
 * of building and dumping a json_t. */
GH_MUST_CHECK gh_err gh_jws_sign_payload(gh_arena *a, const gh_jwk *k, const char *typ,
                                         const json_t *extra_header, const char *payload,
                                         size_t payload_len, char **out);

typedef struct gh_jws {
    json_t *header;  /* new reference */
    json_t *payload; /* new reference (the payload parsed as a JSON object) */
    gh_jose_alg alg;
    const char *kid; /* borrowed from header, may be NULL */
} gh_jws;

/* Splits and parses a compact JWS without verifying it (to find kid/iss first).
 * GH_EINVAL for anything but three base64url parts with JSON object header and payload
 * (duplicate member names refused), for an "alg" we never accept ("none", HS*, unknown),
 * a header with "crit", or a "kid"/"typ" that is not a string; GH_ETOOBIG past
 * GH_LIMIT_JWS. On failure *out is empty; on success release it with gh_jws_clear. */
GH_MUST_CHECK gh_err gh_jws_parse(gh_arena *a, const char *compact, gh_jws *out);
/* Verifies the signature of a parsed compact JWS against one key: the header's alg must equal
 * the key's alg and be in allowed (NULL-terminated with GH_ALG_NONE, or NULL for "the key's
 * alg"). GH_ECRYPTO when the signature does not verify (an ECDSA signature that is not
 * exactly R||S included), GH_EINVAL on an alg mismatch or a header gh_jws_parse would refuse.
 * The payload is not parsed here (use gh_jws_parse for the claims). */
GH_MUST_CHECK gh_err gh_jws_verify(gh_arena *a, const char *compact, const gh_jwk *k,
                                   const gh_jose_alg *allowed);
void gh_jws_clear(gh_jws *j);

#endif
