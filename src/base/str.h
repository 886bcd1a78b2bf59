/*
 * str.h - small string helpers that the C library lacks or gets wrong for us.
 */
#ifndef GH_BASE_STR_H
#define GH_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

/* Constant-time equality of two byte strings (the time depends only on the lengths). */
bool gh_ct_eq(const void *a, size_t alen, const void *b, size_t blen);
/* Constant-time equality of two NUL-terminated strings. */
bool gh_ct_streq(const char *a, const char *b);
/* True if s starts with prefix. */
bool gh_str_startswith(const char *s, const char *prefix);
/* Case-insensitive ASCII equality. */
bool gh_str_caseeq(const char *a, const char *b);
/* Parses a whole decimal integer in [min, max]; GH_EINVAL otherwise (no atoi). */
GH_MUST_CHECK gh_err gh_str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Writes the lowercase hex of n bytes and a NUL to out (2n + 1 bytes). */
void gh_hex_encode(const unsigned char *in, size_t n, char *out);
/* True if every byte of s (len n) is printable ASCII 0x20..0x7e. */
bool gh_str_printable(const char *s, size_t n);
/* True if s (len n) is valid UTF-8 without NUL bytes. */
bool gh_str_utf8(const char *s, size_t n);

/* A list of strings in an arena (scopes, redirect URIs, audiences). */
typedef struct gh_strv {
    const char **v;
    size_t n;
} gh_strv;

/* True if list contains s. */
bool gh_strv_has(const gh_strv *list, const char *s);
/* Splits s on single spaces into the arena (RFC 6749 3.3 scope syntax). Empty s gives n=0.
 * GH_EINVAL on empty tokens (double, leading or trailing spaces) or characters outside
 * %x21 / %x23-5B / %x5D-7E; GH_ETOOBIG past max tokens or GH_LIMIT_SCOPE_TOKEN bytes. */
GH_MUST_CHECK gh_err gh_strv_split_scope(gh_arena *a, const char *s, size_t max,
                                         gh_strv *out);
/* Joins with single spaces, in the arena. */
char *gh_strv_join(gh_arena *a, const gh_strv *list);

#endif
