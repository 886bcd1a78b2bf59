/*
 * b64url.c - base64url without padding (RFC 4648 section 5) and strict standard base64
 * (RFC 4648 section 4) decoding.
 *
 * Decoding is strict on purpose (RFC 4648 3.3 and 3.5, RFC 7515 2): no whitespace, no line
 * breaks, no characters outside the alphabet, no padding in base64url, required padding in
 * base64, and the unused bits of the last character must be zero, so that every byte string
 * has exactly one accepted encoding. Two different token strings must never decode to the
 * same bytes. This file does not handle the MIME or URL-with-padding variants.
 */
#include "base/b64url.h"

#include <stdint.h>
#include <string.h>

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* The 6-bit value of each byte in the base64url and the base64 alphabets, 128 outside them
 * (generated from the alphabets of RFC 4648 tables 1 and 2; test_b64url checks every byte). */
/* clang-format off */
static const unsigned char b64url_value[256] = {
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 62, 128, 128,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 128, 128, 128, 128, 128, 128,
    128, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 128, 128, 128, 128, 63,
    128, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
};

static const unsigned char b64_value[256] = {
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 62, 128, 128, 128, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 128, 128, 128, 128, 128, 128,
    128, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 128, 128, 128, 128, 128,
    128, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
};
/* clang-format on */

size_t gh_b64url_enclen(size_t n)
{
    return (n / 3) * 4 + ((n % 3) ? (n % 3) + 1 : 0);
}

void gh_b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i = 0, o = 0;
    uint32_t v;

    for (; i + 3 <= n; i += 3) {
        v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
        out[o++] = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        v = (uint32_t)in[i] << 16;
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[o++] = b64url_alphabet[(v >> 18) & 63];
        out[o++] = b64url_alphabet[(v >> 12) & 63];
        out[o++] = b64url_alphabet[(v >> 6) & 63];
    }
    out[o] = '\0';
}

char *gh_b64url_encode_a(gh_arena *a, const unsigned char *in, size_t n)
{
    char *out = gh_arena_alloc(a, gh_b64url_enclen(n) + 1);
    gh_b64url_encode(in, n, out);
    return out;
}

/* Decodes n unpadded characters (n % 4 != 1) of the given alphabet into out. */
static gh_err decode_core(const char *in, size_t n, int url, unsigned char *out,
                          size_t *out_len)
{
    const unsigned char *t = url ? b64url_value : b64_value;
    const unsigned char *u = (const unsigned char *)in;
    size_t i = 0, o = 0, rem;
    int c0, c1, c2, c3;

    for (; i + 4 <= n; i += 4) {
        c0 = t[u[i]];
        c1 = t[u[i + 1]];
        c2 = t[u[i + 2]];
        c3 = t[u[i + 3]];
        if (((c0 | c1 | c2 | c3) & 0x80) != 0)
            return GH_EINVAL;
        out[o++] = (unsigned char)((c0 << 2) | (c1 >> 4));
        out[o++] = (unsigned char)(((c1 & 15) << 4) | (c2 >> 2));
        out[o++] = (unsigned char)(((c2 & 3) << 6) | c3);
    }
    rem = n - i;
    if (rem == 1)
        return GH_EINVAL;
    if (rem >= 2) {
        c0 = t[u[i]];
        c1 = t[u[i + 1]];
        if (((c0 | c1) & 0x80) != 0)
            return GH_EINVAL;
        out[o++] = (unsigned char)((c0 << 2) | (c1 >> 4));
        if (rem == 2) {
            /* SPEC: RFC4648 3.5 - the 4 unused bits must be zero (canonical encoding). */
            if (c1 & 15)
                return GH_EINVAL;
        } else {
            c2 = t[u[i + 2]];
            if ((c2 & 0x80) != 0)
                return GH_EINVAL;
            out[o++] = (unsigned char)(((c1 & 15) << 4) | (c2 >> 2));
            /* SPEC: RFC4648 3.5 - the 2 unused bits must be zero. */
            if (c2 & 3)
                return GH_EINVAL;
        }
    }
    *out_len = o;
    return GH_OK;
}

gh_err gh_b64url_decode(gh_arena *a, const char *in, size_t n, unsigned char **out,
                        size_t *out_len)
{
    unsigned char *buf;
    size_t len = 0;
    gh_err err;

    *out = NULL;
    *out_len = 0;
    if (n % 4 == 1)
        return GH_EINVAL;
    buf = gh_arena_alloc(a, (n / 4) * 3 + 3);
    err = decode_core(in, n, 1, buf, &len);
    if (err != GH_OK)
        return err;
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return GH_OK;
}

gh_err gh_b64_decode(gh_arena *a, const char *in, size_t n, unsigned char **out,
                     size_t *out_len)
{
    unsigned char *buf;
    size_t len = 0, body = n;
    gh_err err;

    *out = NULL;
    *out_len = 0;
    /* SPEC: RFC4648 4 - padded to a multiple of 4; '=' only as the final one or two. */
    if (n % 4 != 0)
        return GH_EINVAL;
    if (n >= 4 && in[n - 1] == '=') {
        body--;
        if (in[n - 2] == '=')
            body--;
    }
    if (body % 4 == 1)
        return GH_EINVAL;
    buf = gh_arena_alloc(a, (n / 4) * 3 + 1);
    err = decode_core(in, body, 0, buf, &len);
    if (err != GH_OK)
        return err;
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return GH_OK;
}
