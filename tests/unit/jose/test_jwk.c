/*
 * test_jwk.c - JSON Web Keys: import policy, export, thumbprints, key sets, refcounting.
 *
 * Vectors: RFC 7638 3.1 (RSA thumbprint), RFC 8037 A.3 (Ed25519 thumbprint), RFC 7515 A.3
 * (the EC key). Policy checks: private members are never loaded, symmetric keys, short RSA
 * keys, points off the curve and mismatched "alg" are refused; PKCS#8 export and import
 * round-trip for every algorithm and sign the same way afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "base/mem.h"
#include "jose/jose.h"
#include "jose/jose_int.h"

static const char rfc7638_n[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJE"
    "CPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Q"
    "vzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh"
    "6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";

#define A3_X "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define A3_Y "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
#define A3_D "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    assert_non_null(j);
    return j;
}

static gh_err parse_text(const char *text, gh_jwk **out)
{
    json_t *j = J(text);
    gh_err err = gh_jwk_parse_public(j, out);
    json_decref(j);
    return err;
}

/* SPEC: RFC7638 3.1 the published example thumbprint. */
static void test_rfc7638_thumbprint(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "n", rfc7638_n, "e", "AQAB",
                          "alg", "RS256", "kid", "2011-04-29");
    (void)state;
    assert_int_equal(gh_jwk_parse_public(j, &k), GH_OK);
    assert_string_equal(gh_jwk_thumbprint(a, k), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    assert_string_equal(gh_jwk_kid(k), "2011-04-29");
    /* The public JSON carries n and e unchanged. */
    json_t *pj = gh_jwk_public_json(k);
    assert_string_equal(json_string_value(json_object_get(pj, "n")), rfc7638_n);
    assert_string_equal(json_string_value(json_object_get(pj, "e")), "AQAB");
    assert_string_equal(json_string_value(json_object_get(pj, "use")), "sig");
    json_decref(pj);
    json_decref(j);
    gh_jwk_free(k);
    gh_arena_free(a);
}

/* SPEC: RFC8037 A.3 the Ed25519 thumbprint. */
static void test_rfc8037_thumbprint(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    (void)state;
    assert_int_equal(
        parse_text("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                   "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
                   &k),
        GH_OK);
    assert_int_equal(gh_jwk_alg(k), GH_ALG_EDDSA);
    assert_null(gh_jwk_kid(k));
    assert_string_equal(gh_jwk_thumbprint(a, k), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    gh_jwk_free(k);
    gh_arena_free(a);
}

/* A JWK with "d" is loaded as a public key: it cannot sign. */
static void test_private_members_ignored(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    char *tok = NULL;
    json_t *claims = json_pack("{s:s}", "sub", "x");
    (void)state;
    assert_int_equal(parse_text("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y
                                "\",\"d\":\"" A3_D "\"}",
                                &k),
                     GH_OK);
    assert_false(gh_jwk_is_private(k));
    assert_int_equal(gh_jws_sign(a, k, NULL, NULL, claims, &tok), GH_EINVAL);
    unsigned char *der = NULL;
    size_t len = 0;
    assert_int_equal(gh_jwk_export_private(k, &der, &len), GH_EINVAL);
    assert_null(der);
    json_t *pj = gh_jwk_public_json(k);
    assert_null(json_object_get(pj, "d"));
    assert_string_equal(json_string_value(json_object_get(pj, "x")), A3_X);
    assert_string_equal(json_string_value(json_object_get(pj, "y")), A3_Y);
    assert_string_equal(json_string_value(json_object_get(pj, "crv")), "P-256");
    assert_string_equal(json_string_value(json_object_get(pj, "alg")), "ES256");
    json_decref(pj);
    json_decref(claims);
    gh_jwk_free(k);
    gh_arena_free(a);
}

/* Writes a JWK for an RSA key of the given size, generated here. */
static json_t *rsa_jwk_of_bits(gh_arena *a, size_t bits)
{
    EVP_PKEY *p = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits);
    BIGNUM *n = NULL, *e = NULL;
    unsigned char buf[1024];
    assert_non_null(p);
    assert_int_equal(EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_N, &n), 1);
    assert_int_equal(EVP_PKEY_get_bn_param(p, OSSL_PKEY_PARAM_RSA_E, &e), 1);
    int nl = BN_bn2bin(n, buf);
    char *n64 = gh_b64url_encode_a(a, buf, (size_t)nl);
    int el = BN_bn2bin(e, buf);
    char *e64 = gh_b64url_encode_a(a, buf, (size_t)el);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(p);
    return json_pack("{s:s, s:s, s:s}", "kty", "RSA", "n", n64, "e", e64);
}

static void test_policy_rejections(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    (void)state;
    /* Our policy: RSA under 2048 bits is refused; 2048 is accepted. */
    json_t *j = rsa_jwk_of_bits(a, 1024);
    assert_int_equal(gh_jwk_parse_public(j, &k), GH_EINVAL);
    assert_null(k);
    json_decref(j);
    j = rsa_jwk_of_bits(a, 2048);
    assert_int_equal(gh_jwk_parse_public(j, &k), GH_OK);
    gh_jwk_free(k);
    json_decref(j);

    const char *bad[] = {
        /* symmetric keys */
        "{\"kty\":\"oct\",\"k\":\"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4"
        "hcgUuTwjAzZr1Z9CAow\"}",
        /* y changed: the point is not on P-256 */
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X
        "\",\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI6a0\"}",
        /* x and y swapped */
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_Y "\",\"y\":\"" A3_X "\"}",
        /* coordinates of the wrong length (a P-256 point labelled P-384, a short x) */
        "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AQAB\",\"y\":\"" A3_Y "\"}",
        /* missing members, wrong types, bad base64url */
        "{\"kty\":\"EC\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "=\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":7,\"y\":\"" A3_Y "\"}",
        "{\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":5,\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        /* "alg" that does not fit the key, or that we never accept */
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"RS256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES384\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"HS256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"none\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        /* an encryption key, and key_ops without verify */
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"key_ops\":[\"encrypt\"],\"x\":\"" A3_X "\",\"y\":\"" A3_Y
        "\"}",
        /* unsupported curves */
        "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"}",
        "{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR\"}",
        /* RSA with an empty exponent */
        "{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"\"}",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        k = NULL;
        assert_int_equal(parse_text(bad[i], &k), GH_EINVAL);
        assert_null(k);
    }
    /* An RSA key may declare PS256 instead of the default RS256; key_ops with verify is OK. */
    j = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "kty", "RSA", "n", rfc7638_n, "e", "AQAB", "alg",
                  "PS256", "key_ops", "verify");
    assert_int_equal(gh_jwk_parse_public(j, &k), GH_OK);
    assert_int_equal(gh_jwk_alg(k), GH_ALG_PS256);
    gh_jwk_free(k);
    json_decref(j);
    gh_arena_free(a);
}

/* Keys generated, exported as PKCS#8 and imported again sign the same and verify. */
static void test_export_import_round_trip(void **state)
{
    const gh_jose_alg algs[] = {GH_ALG_ES256, GH_ALG_ES384, GH_ALG_RS256, GH_ALG_PS256,
                                GH_ALG_EDDSA};
    json_t *claims = json_pack("{s:s}", "sub", "x");
    (void)state;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        gh_arena *a = gh_arena_new(0);
        gh_jwk *k = NULL, *back = NULL;
        unsigned char *der = NULL;
        size_t len = 0;
        char *tok = NULL;
        assert_int_equal(gh_jwk_generate(algs[i], "orig", &k), GH_OK);
        assert_true(gh_jwk_is_private(k));
        assert_int_equal(gh_jwk_export_private(k, &der, &len), GH_OK);
        assert_true(len > 32);
        assert_int_equal(gh_jwk_import_private(der, len, algs[i], "back", &back), GH_OK);
        assert_true(gh_jwk_is_private(back));
        assert_string_equal(gh_jwk_kid(back), "back");
        assert_int_equal(gh_jwk_alg(back), algs[i]);
        /* Same key: same thumbprint, and each verifies the other's tokens. */
        assert_string_equal(gh_jwk_thumbprint(a, k), gh_jwk_thumbprint(a, back));
        assert_int_equal(gh_jws_sign(a, back, NULL, NULL, claims, &tok), GH_OK);
        assert_int_equal(gh_jws_verify(a, tok, k, NULL), GH_OK);
        assert_int_equal(gh_jws_sign(a, k, NULL, NULL, claims, &tok), GH_OK);
        assert_int_equal(gh_jws_verify(a, tok, back, NULL), GH_OK);
        /* Imported under an algorithm that does not fit the key: refused. */
        gh_jwk *wrong = NULL;
        gh_jose_alg other = algs[i] == GH_ALG_ES256 ? GH_ALG_ES384 : GH_ALG_ES256;
        assert_int_equal(gh_jwk_import_private(der, len, other, NULL, &wrong), GH_EINVAL);
        assert_null(wrong);
        /* Truncated or trailing garbage: refused. */
        assert_int_equal(gh_jwk_import_private(der, len - 1, algs[i], NULL, &wrong), GH_EINVAL);
        unsigned char *longer = gh_xmalloc(len + 1);
        memcpy(longer, der, len);
        longer[len] = 0;
        assert_int_equal(gh_jwk_import_private(longer, len + 1, algs[i], NULL, &wrong),
                         GH_EINVAL);
        free(longer);
        gh_wipe(der, len);
        free(der);
        gh_jwk_free(k);
        gh_jwk_free(back);
        gh_arena_free(a);
    }
    gh_jwk *k = NULL;
    assert_int_equal(gh_jwk_import_private((const unsigned char *)"junk", 4, GH_ALG_ES256, NULL,
                                           &k),
                     GH_EINVAL);
    assert_int_equal(gh_jwk_generate(GH_ALG_NONE, NULL, &k), GH_EINVAL);
    json_decref(claims);
}

/* A generated key's public JSON parses back to a key with the same thumbprint and alg. */
static void test_public_json_round_trip(void **state)
{
    const gh_jose_alg algs[] = {GH_ALG_ES256, GH_ALG_ES384, GH_ALG_RS256, GH_ALG_PS256,
                                GH_ALG_EDDSA};
    (void)state;
    for (size_t i = 0; i < sizeof algs / sizeof algs[0]; i++) {
        gh_arena *a = gh_arena_new(0);
        gh_jwk *k = NULL, *pub = NULL;
        assert_int_equal(gh_jwk_generate(algs[i], "kid-x", &k), GH_OK);
        json_t *pj = gh_jwk_public_json(k);
        assert_string_equal(json_string_value(json_object_get(pj, "kid")), "kid-x");
        assert_string_equal(json_string_value(json_object_get(pj, "alg")),
                            gh_jose_alg_name(algs[i]));
        assert_int_equal(gh_jwk_parse_public(pj, &pub), GH_OK);
        assert_int_equal(gh_jwk_alg(pub), algs[i]);
        assert_string_equal(gh_jwk_thumbprint(a, pub), gh_jwk_thumbprint(a, k));
        /* Thumbprints are 43 characters of base64url (SHA-256). */
        assert_int_equal(strlen(gh_jwk_thumbprint(a, k)), 43);
        json_decref(pj);
        gh_jwk_free(pub);
        gh_jwk_free(k);
        gh_arena_free(a);
    }
}

/* SPEC: RFC7517 5 a set: non-signature and unknown keys are skipped, malformed ones fail it. */
static void test_jwks(void **state)
{
    gh_jwks s;
    (void)state;
    json_t *j = J("{\"keys\":["
                  "{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\",\"x\":\"" A3_X
                  "\",\"y\":\"" A3_Y "\"},"
                  "{\"kty\":\"EC\",\"crv\":\"P-521\",\"x\":\"AA\",\"y\":\"AA\"},"
                  "{\"kty\":\"RSA\",\"alg\":\"RSA-OAEP\",\"n\":\"AQAB\",\"e\":\"AQAB\"},"
                  "{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a3\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y
                  "\"},"
                  "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"use\":\"sig\","
                  "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}]}");
    assert_int_equal(gh_jwks_parse(j, &s), GH_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(gh_jwk_kid(s.keys[0]), "a3");
    assert_int_equal(gh_jwk_alg(s.keys[1]), GH_ALG_EDDSA);
    gh_jwks_clear(&s);
    assert_int_equal(s.n, 0);
    assert_null(s.keys);
    gh_jwks_clear(&s);
    json_decref(j);

    const char *bad[] = {
        "{}",
        "{\"keys\":{}}",
        "{\"keys\":[]}",
        "{\"keys\":[1]}",
        /* only an encryption key: nothing usable */
        "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"use\":\"enc\",\"x\":\"" A3_X
        "\",\"y\":\"" A3_Y "\"}]}",
        /* a good key next to a malformed one */
        "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\"" A3_Y "\"},"
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\"}]}",
        /* a symmetric key */
        "{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        j = J(bad[i]);
        assert_int_equal(gh_jwks_parse(j, &s), GH_EINVAL);
        assert_int_equal(s.n, 0);
        assert_null(s.keys);
        json_decref(j);
    }
    /* More than GH_LIMIT_JWKS_KEYS keys. */
    j = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < GH_LIMIT_JWKS_KEYS + 1; i++)
        json_array_append_new(arr, J("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                                     "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"));
    json_object_set_new(j, "keys", arr);
    assert_int_equal(gh_jwks_parse(j, &s), GH_ETOOBIG);
    json_array_remove(arr, 0);
    assert_int_equal(gh_jwks_parse(j, &s), GH_OK);
    assert_int_equal(s.n, GH_LIMIT_JWKS_KEYS);
    gh_jwks_clear(&s);
    json_decref(j);
}

/* References: a key lives until its last reference is dropped. */
static void test_refcount(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    char *tok = NULL;
    json_t *claims = json_pack("{s:s}", "sub", "x");
    (void)state;
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "r", &k), GH_OK);
    gh_jwk *k2 = gh_jwk_ref(k);
    assert_ptr_equal(k, k2);
    gh_jwk_free(k);
    /* Still usable through the second reference (ASan would see a use after free). */
    assert_int_equal(gh_jws_sign(a, k2, NULL, NULL, claims, &tok), GH_OK);
    assert_int_equal(gh_jws_verify(a, tok, k2, NULL), GH_OK);
    gh_jwk_free(k2);
    gh_jwk_free(NULL);
    assert_null(gh_jwk_ref(NULL));
    json_decref(claims);
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7638_thumbprint),
        cmocka_unit_test(test_rfc8037_thumbprint),
        cmocka_unit_test(test_private_members_ignored),
        cmocka_unit_test(test_policy_rejections),
        cmocka_unit_test(test_export_import_round_trip),
        cmocka_unit_test(test_public_json_round_trip),
        cmocka_unit_test(test_jwks),
        cmocka_unit_test(test_refcount),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
