/*
 * fuzz_jws.c - fuzz target for compact JWS: gh_jws_parse and gh_jws_verify.
 *
 * Each input (a NUL-terminated copy of it) is parsed, then verified against fixed keys: the
 * published keys of RFC 7515 A.2 (RS256) and A.3 (ES256), RFC 8037 A.1 (Ed25519), and an
 * ES256 key generated once per process. Beyond "no crash" it checks the module's promises:
 * a parsed token has object header and payload and a supported alg; a token verifies only
 * under the key whose alg its header names; and a parsed payload re-signed with the
 * generated key verifies and parses back to the same claims.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/mem.h"
#include "jose/jose.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fixed_jwks =
    "{\"keys\":["
    "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26"
    "mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47so"
    "MZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY"
    "4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb"
    "54h4FRWyuXpoQ\"},"
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"},"
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}";

/* Loaded once per process: a fuzz harness is the one place where that is fine. */
static gh_jwks keys;
static gh_jwk *generated;

static void load_keys(void)
{
    json_error_t e;
    json_t *j;
    if (generated != NULL)
        return;
    j = json_loads(fixed_jwks, 0, &e);
    gh_assert(j != NULL);
    gh_assert(gh_jwks_parse(j, &keys) == GH_OK && keys.n == 3);
    json_decref(j);
    gh_assert(gh_jwk_generate(GH_ALG_ES256, "fuzz", &generated) == GH_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a;
    char *s;
    gh_jws j = {0};
    gh_err perr;

    load_keys();
    a = gh_arena_new(0);
    s = gh_arena_strndup(a, (const char *)data, size);

    perr = gh_jws_parse(a, s, &j);
    if (perr == GH_OK) {
        gh_assert(json_is_object(j.header) && json_is_object(j.payload));
        gh_assert(j.alg != GH_ALG_NONE);
        gh_assert(j.kid == NULL || json_is_string(json_object_get(j.header, "kid")));
        gh_assert(json_object_get(j.header, "crit") == NULL);
    } else {
        gh_assert(j.header == NULL && j.payload == NULL);
    }

    for (size_t i = 0; i < keys.n + 1; i++) {
        const gh_jwk *k = i < keys.n ? keys.keys[i] : generated;
        gh_err verr = gh_jws_verify(a, s, k, NULL);
        gh_assert(verr == GH_OK || verr == GH_EINVAL || verr == GH_ECRYPTO ||
                  verr == GH_ETOOBIG);
        /* Only a header naming this key's algorithm can verify. */
        if (verr == GH_OK && perr == GH_OK)
            gh_assert(j.alg == gh_jwk_alg(k));
        /* What is too big to parse is too big to verify. */
        if (perr == GH_ETOOBIG)
            gh_assert(verr == GH_ETOOBIG);
    }

    if (perr == GH_OK) {
        char *tok = NULL;
        gh_jws back = {0};
        gh_err serr = gh_jws_sign(a, generated, "JWT", NULL, j.payload, &tok);
        gh_assert(serr == GH_OK);
        gh_assert(gh_jws_verify(a, tok, generated, NULL) == GH_OK);
        /* The re-signed token may exceed GH_LIMIT_JWS; otherwise it parses back the same. */
        if (gh_jws_parse(a, tok, &back) == GH_OK) {
            gh_assert(json_equal(back.payload, j.payload));
            gh_jws_clear(&back);
        }
    }
    gh_jws_clear(&j);
    gh_arena_free(a);
    return 0;
}
