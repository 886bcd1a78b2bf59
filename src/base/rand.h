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

#endif
