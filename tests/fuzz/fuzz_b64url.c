/*
 * fuzz_b64url.c - fuzz target for the strict base64url and base64 decoders.
 *
 * Properties checked: decoders never crash and return only GH_OK or GH_EINVAL; what they
 * accept re-encodes to exactly the input (strictness means one encoding per byte string,
 * RFC 4648 3.5); and decode(encode(x)) == x for the raw input itself.
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/b64url.h"
#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Standard base64 with padding, for checking that gh_b64_decode is canonical. */
static char *b64_std_encode(gh_arena *a, const unsigned char *in, size_t n)
{
    char *s = gh_b64url_encode_a(a, in, n);
    size_t len = strlen(s), i;
    char *out = gh_arena_alloc(a, len + 3);
    for (i = 0; i < len; i++)
        out[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (i % 4)
        out[i++] = '=';
    out[i] = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    const char *s = (const char *)data;
    unsigned char *out;
    size_t n;
    char *enc;
    gh_err err;

    /* Decoding arbitrary text: accepted text must be the canonical encoding. */
    err = gh_b64url_decode(a, s, size, &out, &n);
    gh_assert(err == GH_OK || err == GH_EINVAL);
    if (err == GH_OK) {
        gh_assert(out[n] == '\0');
        enc = gh_b64url_encode_a(a, out, n);
        gh_assert(strlen(enc) == size && memcmp(enc, s, size) == 0);
    } else {
        gh_assert(out == NULL);
    }
    err = gh_b64_decode(a, s, size, &out, &n);
    gh_assert(err == GH_OK || err == GH_EINVAL);
    if (err == GH_OK) {
        enc = b64_std_encode(a, out, n);
        gh_assert(strlen(enc) == size && memcmp(enc, s, size) == 0);
    }

    /* Encoding arbitrary bytes: decode(encode(x)) == x, for both decoders. */
    enc = gh_b64url_encode_a(a, data, size);
    gh_assert(strlen(enc) == gh_b64url_enclen(size));
    gh_assert(gh_b64url_decode(a, enc, strlen(enc), &out, &n) == GH_OK);
    gh_assert(n == size && (size == 0 || memcmp(out, data, size) == 0));
    enc = b64_std_encode(a, data, size);
    gh_assert(gh_b64_decode(a, enc, strlen(enc), &out, &n) == GH_OK);
    gh_assert(n == size && (size == 0 || memcmp(out, data, size) == 0));
    gh_arena_free(a);
    return 0;
}
