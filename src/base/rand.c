/*
 * rand.c - cryptographically secure randomness: the kernel's generator (getrandom(2)), with
 * OpenSSL's RAND_bytes where getrandom is unavailable.
 *
 * Tokens, secrets, codes, nonces and request ids all come from here. If the generator
 * fails we abort: continuing with predictable values would fail open. This file is one of
 * the two places in base/ allowed to include OpenSSL (tools/checksrc.sh checks this).
 * It does not offer seeded or test randomness; tests/support/ provides that.
 *
 * Why getrandom first: it is the source OpenSSL's DRBG seeds from, it needs no state (so it
 * is thread- and fork-safe by construction), and a call costs less than half of a
 * RAND_bytes call in OpenSSL 3.0 (about 0.5 us against 1.4 us for 16 bytes here), which
 * every request pays for its id. Flags 0: it blocks only until the kernel pool is first
 * initialised at boot, never afterwards.
 */
#include "base/rand.h"

#include <errno.h>
#include <limits.h>
#include <openssl/rand.h>
#include <sys/random.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64url.h"
#include "base/mem.h"

void gh_rand_bytes(void *p, size_t n)
{
    unsigned char *q = p;

    while (n > 0) {
        /* Reads of up to 256 bytes are never short; longer ones may be, and a signal may
         * interrupt a read: loop over what is left. */
        ssize_t got = getrandom(q, n, 0);

        if (got > 0) {
            q += got;
            n -= (size_t)got;
            continue;
        }
        if (got < 0 && errno == EINTR)
            continue;
        break; /* ENOSYS (an old kernel or a filter): RAND_bytes below */
    }
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(q, chunk) != 1)
            gh__assert_fail("RAND_bytes failed", __FILE__, __LINE__);
        q += chunk;
        n -= (size_t)chunk;
    }
}

char *gh_rand_token_from(gh_arena *a, const char *prefix, unsigned char *raw, size_t nbytes)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    size_t elen = gh_b64url_enclen(nbytes);
    char *out = gh_arena_alloc(a, plen + elen + 1);

    if (plen)
        memcpy(out, prefix, plen);
    gh_b64url_encode(raw, nbytes, out + plen);
    gh_wipe(raw, nbytes);
    return out;
}

char *gh_rand_token(gh_arena *a, const char *prefix, size_t nbytes)
{
    unsigned char stack[64];
    unsigned char *raw = nbytes <= sizeof(stack) ? stack : gh_xmalloc(nbytes);
    char *out;

    gh_rand_bytes(raw, nbytes);
    out = gh_rand_token_from(a, prefix, raw, nbytes);
    if (raw != stack)
        free(raw);
    return out;
}

void gh_uuid_format(unsigned char b[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t i, o = 0;

    /* SPEC: RFC9562 5.4 - version 4 in the high nibble of octet 6, variant 10 in octet 8. */
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
    gh_wipe(b, 16);
}

void gh_rand_uuid(char out[37])
{
    unsigned char b[16];

    gh_rand_bytes(b, sizeof(b));
    gh_uuid_format(b, out);
}
