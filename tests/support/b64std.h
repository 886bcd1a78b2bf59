/*
 * b64std.h - standard base64 with padding (RFC 4648 4), written out independently of
 * base/b64url.c so that tests of the decoder (HTTP Basic credentials) do not use the code they
 * test to build their inputs. Header-only: the fuzz targets, which do not link the test
 * support library, use it too.
 */
#ifndef GH_TESTS_SUPPORT_B64STD_H
#define GH_TESTS_SUPPORT_B64STD_H

#include <stddef.h>

#include "base/arena.h"

/* Returns the base64 of s[0..n) in the arena. */
static inline char *gh_test_b64(gh_arena *a, const char *s, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    char *out = gh_arena_alloc(a, 4 * ((n + 2) / 3) + 1);
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        out[o++] = tab[p[i] >> 2];
        out[o++] = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        out[o++] = tab[((p[i + 1] & 15) << 2) | (p[i + 2] >> 6)];
        out[o++] = tab[p[i + 2] & 63];
    }
    if (n - i == 1) {
        out[o++] = tab[p[i] >> 2];
        out[o++] = tab[(p[i] & 3) << 4];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        out[o++] = tab[p[i] >> 2];
        out[o++] = tab[((p[i] & 3) << 4) | (p[i + 1] >> 4)];
        out[o++] = tab[(p[i + 1] & 15) << 2];
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

#endif
