/*
 * rand.h - cryptographically secure randomness (OpenSSL RAND_bytes).
 */
#ifndef GH_BASE_RAND_H
#define GH_BASE_RAND_H

#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"

/* Fills p with n random bytes. Aborts if the generator fails: we never continue without it. */
void gh_rand_bytes(void *p, size_t n);
/* Returns prefix followed by the base64url of nbytes random bytes, in the arena. */
char *gh_rand_token(gh_arena *a, const char *prefix, size_t nbytes);
/* Writes a random UUID v4 string (36 chars + NUL) to out. */
void gh_rand_uuid(char out[37]);
/* Formats 16 random bytes as a UUID v4 string (the version and variant bits are set here)
 * and wipes b. For callers that drew the bytes themselves (gh_ctx). */
void gh_uuid_format(unsigned char b[16], char out[37]);
/* gh_rand_token over nbytes random bytes the caller drew (raw is wiped). */
char *gh_rand_token_from(gh_arena *a, const char *prefix, unsigned char *raw, size_t nbytes);

#endif
