/*
 * fuzz_jwk.c - fuzz target for JWK and JWKS import: the input is parsed as a JSON object
 * (as a client's registration metadata would be), then offered to gh_jwk_parse_public and
 * gh_jwks_parse.
 *
 * Beyond "no crash" it checks: an imported key is public, has a supported alg and a
 * 43-character thumbprint, and its own public JWK imports again to the same thumbprint and
 * alg; a key set holds 1..GH_LIMIT_JWKS_KEYS keys and is empty after any failure.
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/limits.h"
#include "jose/jose.h"
#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_key(gh_arena *a, const gh_jwk *k)
{
    gh_jwk *again = NULL;
    const char *tp = gh_jwk_thumbprint(a, k);
    json_t *pub;

    gh_assert(!gh_jwk_is_private(k));
    gh_assert(gh_jwk_alg(k) != GH_ALG_NONE);
    gh_assert(tp != NULL && strlen(tp) == 43);
    pub = gh_jwk_public_json(k);
    gh_assert(json_object_get(pub, "d") == NULL);
    gh_assert(gh_jwk_parse_public(pub, &again) == GH_OK);
    gh_assert(gh_jwk_alg(again) == gh_jwk_alg(k));
    gh_assert(strcmp(gh_jwk_thumbprint(a, again), tp) == 0);
    gh_jwk_free(again);
    json_decref(pub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    json_t *obj = NULL;
    gh_jwk *k = NULL;
    gh_jwks set;

    if (gh_json_parse_object((const char *)data, size, GH_LIMIT_BODY_DEFAULT, &obj, NULL, 0) !=
        GH_OK)
        goto done;

    if (gh_jwk_parse_public(obj, &k) == GH_OK) {
        check_key(a, k);
        gh_jwk_free(k);
    } else {
        gh_assert(k == NULL);
    }

    gh_err err = gh_jwks_parse(obj, &set);
    if (err == GH_OK) {
        gh_assert(set.n >= 1 && set.n <= GH_LIMIT_JWKS_KEYS);
        for (size_t i = 0; i < set.n; i++)
            check_key(a, set.keys[i]);
        gh_jwks_clear(&set);
    } else {
        gh_assert(set.n == 0 && set.keys == NULL);
    }
done:
    json_decref(obj);
    gh_arena_free(a);
    return 0;
}
