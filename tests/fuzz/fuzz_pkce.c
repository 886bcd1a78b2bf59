/*
 * fuzz_pkce.c - fuzz target for the PKCE checks of the token endpoint (RFC 7636 4.1, 4.6):
 * gh_oauth__pkce_verifier_syntax and gh_oauth__pkce_s256_ok (grant_authorization_code.c).
 *
 * Input: the code_verifier, then optionally '\n' and a code_challenge. Beyond "no crash", it
 * checks the promises against a plain reading of the RFC: the syntax check accepts exactly
 * 43 to 128 unreserved characters (ALPHA / DIGIT / "-" / "." / "_" / "~"); s256_ok accepts
 * only a verifier of that syntax whose BASE64URL(SHA256(verifier)) is the challenge, so it
 * accepts the verifier with its own computed challenge exactly when the syntax is right, and
 * accepts a given challenge only when it equals the computed one.
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/b64url.h"
#include "base/digest.h"
#include "base/err.h"
#include "oauth/token_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 7636 4.1: code-verifier = 43*128unreserved. */
static bool reference_syntax(const char *v, size_t n)
{
    if (n < 43 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_' || c == '~'))
            return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a;
    const char *nl = memchr(data, '\n', size);
    size_t vlen = nl != NULL ? (size_t)(nl - (const char *)data) : size;
    unsigned char h[GH_SHA256_LEN];
    char computed[64];
    char *v, *c = NULL;
    bool syntax;

    /* Form values carry no NUL. */
    if (memchr(data, '\0', size) != NULL)
        return 0;
    a = gh_arena_new(0);
    v = gh_arena_strndup(a, (const char *)data, vlen);
    if (nl != NULL)
        c = gh_arena_strndup(a, nl + 1, size - vlen - 1);
    syntax = gh_oauth__pkce_verifier_syntax(v);
    gh_assert(syntax == reference_syntax(v, vlen));
    gh_sha256(v, vlen, h);
    gh_b64url_encode(h, sizeof(h), computed);
    gh_assert(gh_oauth__pkce_s256_ok(v, computed) == syntax);
    gh_assert(!gh_oauth__pkce_s256_ok(v, NULL));
    if (c != NULL)
        gh_assert(gh_oauth__pkce_s256_ok(v, c) == (syntax && strcmp(c, computed) == 0));
    gh_assert(!gh_oauth__pkce_verifier_syntax(NULL));
    gh_arena_free(a);
    return 0;
}
