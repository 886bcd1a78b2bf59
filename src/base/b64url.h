/*
 * b64url.h - base64url without padding (RFC 4648 section 5), as JOSE uses it (RFC 7515 2).
 * Decoding is strict: padding, whitespace and characters outside the alphabet are rejected,
 * and so are non-canonical trailing bits. Also plain base64 decoding for HTTP Basic.
 */
#ifndef GH_BASE_B64URL_H
#define GH_BASE_B64URL_H

#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"

/* Number of characters needed to encode n bytes (no NUL). */
size_t gh_b64url_enclen(size_t n);
/* Writes the encoding of in[0..n) and a NUL to out, which holds gh_b64url_enclen(n) + 1. */
void gh_b64url_encode(const unsigned char *in, size_t n, char *out);
/* Returns the encoding in the arena. */
char *gh_b64url_encode_a(gh_arena *a, const unsigned char *in, size_t n);
/* Decodes n characters into the arena (out gets a NUL after the bytes for convenience).
 * GH_EINVAL (with *out NULL) on any character or length that is not canonical base64url. */
GH_MUST_CHECK gh_err gh_b64url_decode(gh_arena *a, const char *in, size_t n,
                                      unsigned char **out, size_t *out_len);
/* Standard base64 (RFC 4648 section 4, padding required) for HTTP Basic credentials. */
GH_MUST_CHECK gh_err gh_b64_decode(gh_arena *a, const char *in, size_t n, unsigned char **out,
                                   size_t *out_len);

#endif
