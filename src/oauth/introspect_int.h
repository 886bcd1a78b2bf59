/*
 * introspect_int.h - what issuance stores so that introspection and revocation can find and
 * authenticate a presented access token with one store read and one SHA-256 (introspect.c's
 * file comment explains why that is as strong as the alternatives).
 *
 * Contract: when issue.c mints an access token it sets the row's extra to
 * gh_oauth__token_hash_extra(arena, value) (or merges the GH_OAUTH_TOKEN_HASH_MEMBER member
 * with that value into its own extra object).
 *  - JWT rows: the id is the jti. Rows without the hash still work: their tokens are verified
 *    with the published key, at the cost of an ECDSA verification per request.
 *  - Opaque rows: the value is a split token, GH_PREFIX_ACCESS + base64url(selector ||
 *    secret); the id is gh_oauth__opaque_id of the value, which depends on the selector only
 *    (time-ordered, not a credential), and the hash is required. The secret is never stored.
 */
#ifndef GH_OAUTH_INTROSPECT_INT_H
#define GH_OAUTH_INTROSPECT_INT_H

#include <stdint.h>

#include "base/arena.h"

/* The member of gh_token.extra that holds the lowercase hex SHA-256 of the whole token value
 * (the compact JWT, or the opaque value with its prefix). */
#define GH_OAUTH_TOKEN_HASH_MEMBER "token_sha256"

/* An opaque access token: the selector is a 48-bit time prefix (gh_oauth__time_prefix), then
 * 80 random bits (ordered by time, so consecutive rows share store pages); the secret is 256
 * random bits. */
#define GH_OAUTH_OPAQUE_SELECTOR_BYTES 16
#define GH_OAUTH_OPAQUE_SECRET_BYTES 32

/* The first 6 bytes of every selector and jti: the milliseconds since the epoch plus
 * GH_OAUTH_TIME_PREFIX_OFFSET, as 8 digits of 6 bits, most significant first, each digit d
 * stored as the base64url value of the d-th smallest base64url character in ASCII
 * ('-' < '0'..'9' < 'A'..'Z' < '_' < 'a'..'z'). So the first 8 characters of
 * base64url(selector) sort as the time does (plain big-endian milliseconds do not: after 'z'
 * comes '0'), and the row ids of tokens issued together sit at one end of the store's
 * indexes (sqlite: primary key, audit_events_token) instead of at several points among the
 * last ones, which split pages in the middle. The offset makes the first character a letter
 * ('A' until 2109) rather than '-', which a command line would take for an option (a JWT's
 * jti is its row id); the order holds for 53 * 2^42 ms, some 7,000 years. */
#define GH_OAUTH_TIME_PREFIX_OFFSET (11ull << 42)
void gh_oauth__time_prefix(uint64_t ms, unsigned char out[6]);

/* The row id of an opaque access token: this prefix, then base64url(selector) (22 chars). */
#define GH_OAUTH_OPAQUE_ID_PREFIX "o."

/* Returns {"token_sha256":"<hex SHA-256 of value>"} in the arena: the extra of an access
 * token row. */
char *gh_oauth__token_hash_extra(gh_arena *a, const char *value);
/* gh_oauth__token_hash_extra of a compact JWT (the name JWT rows had first). */
char *gh_oauth__jwt_extra(gh_arena *a, const char *jwt);
/* The row id of an opaque access token value (arena), or NULL when value is not one:
 * GH_PREFIX_ACCESS, then exactly the base64url of SELECTOR + SECRET bytes (canonical). */
char *gh_oauth__opaque_id(gh_arena *a, const char *value);

#endif
