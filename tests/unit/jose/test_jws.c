/*
 * test_jws.c - JWS compact serialization: published vectors, round trips, and rejections.
 *
 * Vectors: RFC 7515 A.2 (RS256) and A.3 (ES256) verify with the published keys; RFC 8037
 * A.4 (Ed25519) signs to the published signature and verifies. Then every algorithm signs
 * and verifies its own tokens, and tampering, algorithm confusion ("none", HS256, RS256
 * against an EC key), wrong-length ECDSA signatures, duplicate header members and "crit"
 * are all refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "base/b64url.h"
#include "base/limits.h"
#include "base/mem.h"
#include "jose/jose.h"
#include "jose/jose_int.h"

/* RFC 7515 A.1-A.3 share this payload. */
#define RFC7515_PAYLOAD                                                                        \
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0" \
    "cnVlfQ"

/* RFC 7515 A.2.1 the RSA key (public members) and A.2.1 the resulting token. */
static const char rfc7515_a2_jwk[] =
    "{\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\""
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEz"
    "P1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf6"
    "3kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5Zw"
    "Kh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRW"
    "yuXpoQ"
    "\"}";
static const char rfc7515_a2_token[] =
    "eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt"
    "_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArL"
    "IARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7no"
    "OPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQ"
    "Ge77Rw";

/* RFC 7515 A.3.1 the EC P-256 key (public members) and the resulting token. */
static const char rfc7515_a3_jwk[] =
    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
    "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}";
static const char rfc7515_a3_token[] =
    "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

/* RFC 8037 A.1 the Ed25519 key (the private seed d and public x), A.4 the JWS. */
static const char rfc8037_d[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";
static const char rfc8037_jwk[] =
    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
static const char rfc8037_input[] = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
static const char rfc8037_sig[] =
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

static gh_jwk *jwk_from(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
    gh_jwk *k = NULL;
    assert_non_null(j);
    assert_int_equal(gh_jwk_parse_public(j, &k), GH_OK);
    json_decref(j);
    return k;
}

/* Replaces the i-th dot-separated part of a token (in the arena). */
static char *with_part(gh_arena *a, const char *tok, int idx, const char *part)
{
    const char *d1 = strchr(tok, '.');
    const char *d2 = strchr(d1 + 1, '.');
    if (idx == 0)
        return gh_arena_printf(a, "%s%s", part, d1);
    if (idx == 1)
        return gh_arena_printf(a, "%.*s.%s%s", (int)(d1 - tok), tok, part, d2);
    return gh_arena_printf(a, "%.*s.%s", (int)(d2 - tok), tok, part);
}

static char *b64s(gh_arena *a, const char *s)
{
    return gh_b64url_encode_a(a, (const unsigned char *)s, strlen(s));
}

/* SPEC: RFC7515 A.2 */
static void test_rfc7515_a2_rs256_verifies(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = jwk_from(rfc7515_a2_jwk);
    gh_jws j;
    (void)state;
    assert_int_equal(gh_jwk_alg(k), GH_ALG_RS256);
    assert_false(gh_jwk_is_private(k));
    assert_int_equal(gh_jws_verify(a, rfc7515_a2_token, k, NULL), GH_OK);
    assert_int_equal(gh_jws_parse(a, rfc7515_a2_token, &j), GH_OK);
    assert_int_equal(j.alg, GH_ALG_RS256);
    assert_null(j.kid);
    assert_string_equal(json_string_value(json_object_get(j.payload, "iss")), "joe");
    assert_int_equal(json_integer_value(json_object_get(j.payload, "exp")), 1300819380);
    assert_true(json_is_true(json_object_get(j.payload, "http://example.com/is_root")));
    gh_jws_clear(&j);
    gh_jwk_free(k);
    gh_arena_free(a);
}

/* SPEC: RFC7515 A.3 */
static void test_rfc7515_a3_es256_verifies(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = jwk_from(rfc7515_a3_jwk);
    const gh_jose_alg only_es256[] = {GH_ALG_ES256, GH_ALG_NONE};
    const gh_jose_alg only_rs256[] = {GH_ALG_RS256, GH_ALG_NONE};
    (void)state;
    assert_int_equal(gh_jwk_alg(k), GH_ALG_ES256);
    assert_int_equal(gh_jws_verify(a, rfc7515_a3_token, k, NULL), GH_OK);
    assert_int_equal(gh_jws_verify(a, rfc7515_a3_token, k, only_es256), GH_OK);
    /* The caller's allow-list is honoured even when the key would accept the token. */
    assert_int_equal(gh_jws_verify(a, rfc7515_a3_token, k, only_rs256), GH_EINVAL);
    gh_jwk_free(k);
    gh_arena_free(a);
}

/* SPEC: RFC8037 A.4 Ed25519 is deterministic: signing gives the published signature. */
static void test_rfc8037_a4_ed25519_sign_and_verify(void **state)
{
    gh_arena *a = gh_arena_new(0);
    unsigned char *seed = NULL;
    size_t seedlen = 0;
    /* PKCS#8 PrivateKeyInfo for Ed25519 (RFC 8410 7) around the 32-byte seed. */
    unsigned char der[48] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
                             0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    gh_jwk *priv = NULL, *pub = jwk_from(rfc8037_jwk);
    unsigned char sig[GH_JOSE_SIG_MAX];
    size_t slen = 0;
    (void)state;

    assert_int_equal(gh_b64url_decode(a, rfc8037_d, strlen(rfc8037_d), &seed, &seedlen), GH_OK);
    assert_int_equal(seedlen, 32);
    memcpy(der + 16, seed, 32);
    assert_int_equal(gh_jwk_import_private(der, sizeof der, GH_ALG_EDDSA, NULL, &priv), GH_OK);
    assert_true(gh_jwk_is_private(priv));
    /* The private key's public half is the published x. */
    json_t *pj = gh_jwk_public_json(priv);
    assert_string_equal(json_string_value(json_object_get(pj, "x")),
                        "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    json_decref(pj);

    assert_int_equal(gh_jose__sign_raw(priv, rfc8037_input, strlen(rfc8037_input), sig, &slen),
                     GH_OK);
    assert_int_equal(slen, 64);
    assert_string_equal(gh_b64url_encode_a(a, sig, slen), rfc8037_sig);

    char *tok = gh_arena_printf(a, "%s.%s", rfc8037_input, rfc8037_sig);
    assert_int_equal(gh_jws_verify(a, tok, pub, NULL), GH_OK);
    assert_int_equal(gh_jws_verify(a, tok, priv, NULL), GH_OK);
    /* Its payload is not JSON, so it is not a token gh_jws_parse hands out. */
    gh_jws j;
    assert_int_equal(gh_jws_parse(a, tok, &j), GH_EINVAL);
    gh_jwk_free(priv);
    gh_jwk_free(pub);
    gh_arena_free(a);
}

/* Signs with a fresh key of alg and checks the token against its public JWK. */
static void round_trip(gh_jose_alg alg)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL, *pub = NULL;
    char *tok = NULL;
    json_t *claims = json_pack("{s:s, s:I, s:[s,s]}", "sub", "alice", "exp", (json_int_t)2000000000,
                               "aud", "api", "dns:read");
    json_t *extra = json_pack("{s:s}", "jku", "https://example.com/jwks");
    gh_jws j;

    assert_int_equal(gh_jwk_generate(alg, "key-1", &k), GH_OK);
    json_t *pj = gh_jwk_public_json(k);
    assert_int_equal(gh_jwk_parse_public(pj, &pub), GH_OK);
    json_decref(pj);

    assert_int_equal(gh_jws_sign(a, k, "at+jwt", extra, claims, &tok), GH_OK);
    assert_int_equal(gh_jws_verify(a, tok, pub, NULL), GH_OK);
    assert_int_equal(gh_jws_verify(a, tok, k, NULL), GH_OK);
    assert_int_equal(gh_jws_parse(a, tok, &j), GH_OK);
    assert_int_equal(j.alg, alg);
    assert_string_equal(j.kid, "key-1");
    assert_string_equal(json_string_value(json_object_get(j.header, "alg")),
                        gh_jose_alg_name(alg));
    assert_string_equal(json_string_value(json_object_get(j.header, "typ")), "at+jwt");
    assert_string_equal(json_string_value(json_object_get(j.header, "jku")),
                        "https://example.com/jwks");
    assert_int_equal(json_object_size(j.header), 4);
    assert_true(json_equal(j.payload, claims));
    gh_jws_clear(&j);

    /* Tampered payload: same header and signature, other claims. */
    char *bad = with_part(a, tok, 1, b64s(a, "{\"sub\":\"mallory\",\"exp\":2000000000}"));
    assert_int_equal(gh_jws_verify(a, bad, pub, NULL), GH_ECRYPTO);
    /* Tampered header: typ changed. */
    bad = with_part(a, tok, 0,
                    b64s(a, gh_arena_printf(a, "{\"alg\":\"%s\",\"kid\":\"key-1\",\"typ\":\"JWT\"}",
                                            gh_jose_alg_name(alg))));
    assert_int_equal(gh_jws_verify(a, bad, pub, NULL), GH_ECRYPTO);
    /* Tampered signature: one bit flipped in the middle. */
    bad = gh_arena_strdup(a, tok);
    char *s = strrchr(bad, '.') + 10;
    *s = *s == 'A' ? 'B' : 'A';
    assert_int_equal(gh_jws_verify(a, bad, pub, NULL), GH_ECRYPTO);
    /* Another key of the same algorithm does not verify it. */
    gh_jwk *other = NULL;
    assert_int_equal(gh_jwk_generate(alg, "key-2", &other), GH_OK);
    assert_int_equal(gh_jws_verify(a, tok, other, NULL), GH_ECRYPTO);

    gh_jwk_free(other);
    json_decref(extra);
    json_decref(claims);
    gh_jwk_free(pub);
    gh_jwk_free(k);
    gh_arena_free(a);
}

static void test_round_trip_es256(void **state)
{
    (void)state;
    round_trip(GH_ALG_ES256);
}

static void test_round_trip_es384(void **state)
{
    (void)state;
    round_trip(GH_ALG_ES384);
}

static void test_round_trip_rs256(void **state)
{
    (void)state;
    round_trip(GH_ALG_RS256);
}

static void test_round_trip_ps256(void **state)
{
    (void)state;
    round_trip(GH_ALG_PS256);
}

static void test_round_trip_eddsa(void **state)
{
    (void)state;
    round_trip(GH_ALG_EDDSA);
}

/* PS256 is randomised (the salt), RS256 is not: two PS256 signatures differ, both verify,
 * and a PS256 signature is not accepted as RS256 from the same RSA key (nor the reverse). */
static void test_ps256_and_rs256_are_distinct(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *ps = NULL, *rs = NULL;
    unsigned char *der = NULL;
    size_t derlen = 0;
    char *t1 = NULL, *t2 = NULL, *t3 = NULL;
    json_t *claims = json_pack("{s:s}", "sub", "x");
    (void)state;
    assert_int_equal(gh_jwk_generate(GH_ALG_PS256, "k", &ps), GH_OK);
    assert_int_equal(gh_jwk_export_private(ps, &der, &derlen), GH_OK);
    assert_int_equal(gh_jwk_import_private(der, derlen, GH_ALG_RS256, "k", &rs), GH_OK);
    assert_int_equal(gh_jws_sign(a, ps, NULL, NULL, claims, &t1), GH_OK);
    assert_int_equal(gh_jws_sign(a, ps, NULL, NULL, claims, &t2), GH_OK);
    assert_string_not_equal(t1, t2);
    assert_int_equal(gh_jws_verify(a, t1, ps, NULL), GH_OK);
    assert_int_equal(gh_jws_verify(a, t2, ps, NULL), GH_OK);
    assert_int_equal(gh_jws_sign(a, rs, NULL, NULL, claims, &t3), GH_OK);
    /* Header says PS256, key is RS256: refused before any signature check. */
    assert_int_equal(gh_jws_verify(a, t1, rs, NULL), GH_EINVAL);
    assert_int_equal(gh_jws_verify(a, t3, ps, NULL), GH_EINVAL);
    /* A PS256 signature presented under an RS256 header does not verify as PKCS#1 v1.5. */
    char *forged = with_part(a, t3, 2, strrchr(t1, '.') + 1);
    assert_int_equal(gh_jws_verify(a, forged, rs, NULL), GH_ECRYPTO);
    gh_wipe(der, derlen);
    free(der);
    json_decref(claims);
    gh_jwk_free(ps);
    gh_jwk_free(rs);
    gh_arena_free(a);
}

/* SPEC: RFC8725 2.1 algorithm confusion: the header cannot choose the algorithm. */
static void test_alg_confusion_rejected(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *ec = jwk_from(rfc7515_a3_jwk);
    gh_jws j;
    (void)state;
    /* The RS256 token of A.2 presented to the EC key of A.3. */
    assert_int_equal(gh_jws_verify(a, rfc7515_a2_token, ec, NULL), GH_EINVAL);
    /* Header claims RS256 but carries the valid ES256 signature of A.3. */
    char *t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"RS256\"}"));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    /* "none" with an empty signature, and with the A.3 signature. */
    t = gh_arena_printf(a, "%s." RFC7515_PAYLOAD ".", b64s(a, "{\"alg\":\"none\"}"));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"none\"}"));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    /* HS256, and case variants of a real algorithm name. */
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"HS256\"}"));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"es256\"}"));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":[\"ES256\"]}"));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"typ\":\"JWT\"}"));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    assert_int_equal(gh_jose_alg_parse("none"), GH_ALG_NONE);
    assert_int_equal(gh_jose_alg_parse("HS256"), GH_ALG_NONE);
    assert_int_equal(gh_jose_alg_parse(NULL), GH_ALG_NONE);
    assert_int_equal(gh_jose_alg_parse("EdDSA"), GH_ALG_EDDSA);
    assert_string_equal(gh_jose_alg_name(GH_ALG_PS256), "PS256");
    gh_jwk_free(ec);
    gh_arena_free(a);
}

/* SPEC: RFC7518 3.4 an ES256 signature is exactly 64 octets of R||S. */
static void test_es256_signature_length(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *ec = jwk_from(rfc7515_a3_jwk);
    unsigned char *sig = NULL;
    size_t slen = 0;
    const char *s64 = strrchr(rfc7515_a3_token, '.') + 1;
    unsigned char longer[65], der[72];
    (void)state;
    assert_int_equal(gh_b64url_decode(a, s64, strlen(s64), &sig, &slen), GH_OK);
    assert_int_equal(slen, 64);
    /* Truncated by one byte, extended by a zero byte, or empty. */
    char *t = with_part(a, rfc7515_a3_token, 2, gh_b64url_encode_a(a, sig, 63));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_ECRYPTO);
    memcpy(longer, sig, 64);
    longer[64] = 0;
    t = with_part(a, rfc7515_a3_token, 2, gh_b64url_encode_a(a, longer, 65));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_ECRYPTO);
    t = with_part(a, rfc7515_a3_token, 2, "");
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_ECRYPTO);
    /* The same R and S in DER form (what a naive signer emits) are refused. */
    der[0] = 0x30;
    der[1] = 70;
    der[2] = 0x02;
    der[3] = 33;
    der[4] = 0;
    memcpy(der + 5, sig, 32);
    der[37] = 0x02;
    der[38] = 33;
    der[39] = 0;
    memcpy(der + 40, sig + 32, 32);
    t = with_part(a, rfc7515_a3_token, 2, gh_b64url_encode_a(a, der, 72));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_ECRYPTO);
    /* R = 0 and S = 0 of the right length. */
    memset(longer, 0, sizeof longer);
    t = with_part(a, rfc7515_a3_token, 2, gh_b64url_encode_a(a, longer, 64));
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_ECRYPTO);
    gh_jwk_free(ec);
    gh_arena_free(a);
}

/* SPEC: RFC7515 5.2 step 4 (and RFC 7519 7.2): the header is a JSON object without
 * duplicate member names. */
static void test_header_rules(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *ec = jwk_from(rfc7515_a3_jwk);
    gh_jws j;
    (void)state;
    char *t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"ES256\",\"alg\":\"ES256\"}"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"ES256\",\"kid\":\"a\",\"kid\":\"b\"}"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    /* SPEC: RFC7515 4.1.11 an extension we do not understand in "crit" is refused. */
    t = with_part(a, rfc7515_a3_token, 0,
                  b64s(a, "{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    assert_int_equal(gh_jws_verify(a, t, ec, NULL), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"ES256\",\"crit\":[]}"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    /* Header that is an array, a string, or not JSON at all. */
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "[\"ES256\"]"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "\"ES256\""));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"ES256\""));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    /* kid must be a string. */
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"ES256\",\"kid\":7}"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    /* A payload that is JSON but not an object, or has duplicate claims. */
    t = with_part(a, rfc7515_a3_token, 1, b64s(a, "[1,2]"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    t = with_part(a, rfc7515_a3_token, 1, b64s(a, "{\"sub\":\"a\",\"sub\":\"b\"}"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_EINVAL);
    /* A kid is reported, borrowed from the header. */
    t = with_part(a, rfc7515_a3_token, 0, b64s(a, "{\"alg\":\"ES256\",\"kid\":\"k1\"}"));
    assert_int_equal(gh_jws_parse(a, t, &j), GH_OK);
    assert_string_equal(j.kid, "k1");
    gh_jws_clear(&j);
    gh_jws_clear(&j); /* clearing twice is harmless */
    gh_jwk_free(ec);
    gh_arena_free(a);
}

/* SPEC: RFC7515 7.1 three base64url parts, two periods, no padding or whitespace. */
static void test_compact_shape(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *ec = jwk_from(rfc7515_a3_jwk);
    gh_jws j;
    const char *bad[] = {
        "",
        "abc",
        "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD,
        "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD ".AAAA.AAAA",
        "." RFC7515_PAYLOAD ".AAAA",
        "eyJhbGciOiJFUzI1NiJ9=." RFC7515_PAYLOAD ".AAAA",
        "eyJhbGciOiJFUzI1NiJ9 ." RFC7515_PAYLOAD ".AAAA",
        "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD ".AA+A",
        "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD ".A",
        "eyJhbGciOiJFUzI1NiJ9\n." RFC7515_PAYLOAD ".AAAA",
    };
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(gh_jws_parse(a, bad[i], &j), GH_EINVAL);
        assert_int_equal(gh_jws_verify(a, bad[i], ec, NULL), GH_EINVAL);
    }
    assert_int_equal(gh_jws_parse(a, NULL, &j), GH_EINVAL);
    /* An empty payload is well-formed JWS but not a JSON object; its signature is bad. */
    assert_int_equal(gh_jws_parse(a, "eyJhbGciOiJFUzI1NiJ9..AAAA", &j), GH_EINVAL);
    assert_int_equal(gh_jws_verify(a, "eyJhbGciOiJFUzI1NiJ9..AAAA", ec, NULL), GH_ECRYPTO);
    /* Past GH_LIMIT_JWS: refused before decoding. */
    char *huge = gh_arena_alloc(a, GH_LIMIT_JWS + 64);
    memset(huge, 'A', GH_LIMIT_JWS + 62);
    huge[20] = '.';
    huge[40] = '.';
    assert_int_equal(gh_jws_parse(a, huge, &j), GH_ETOOBIG);
    assert_int_equal(gh_jws_verify(a, huge, ec, NULL), GH_ETOOBIG);
    gh_jwk_free(ec);
    gh_arena_free(a);
}

/* Signing refuses what would make a token we ourselves reject, and public keys. */
static void test_sign_rules(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL, *pub = jwk_from(rfc7515_a3_jwk);
    char *tok = NULL;
    json_t *claims = json_pack("{s:s}", "sub", "x");
    json_t *dup_alg = json_pack("{s:s}", "alg", "none");
    json_t *crit = json_pack("{s:[s]}", "crit", "exp");
    json_t *arr = json_array();
    json_t *jwk_hdr = NULL;
    gh_jws j;
    (void)state;
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k\"1\n", &k), GH_OK);
    assert_int_equal(gh_jws_sign(a, pub, NULL, NULL, claims, &tok), GH_EINVAL);
    assert_null(tok);
    assert_int_equal(gh_jws_sign(a, k, NULL, dup_alg, claims, &tok), GH_EINVAL);
    assert_int_equal(gh_jws_sign(a, k, NULL, crit, claims, &tok), GH_EINVAL);
    assert_int_equal(gh_jws_sign(a, k, NULL, NULL, arr, &tok), GH_EINVAL);
    assert_int_equal(gh_jws_sign(a, k, NULL, arr, claims, &tok), GH_EINVAL);
    /* A kid and typ that need JSON escaping, and a DPoP-style "jwk" header member. */
    jwk_hdr = json_pack("{s:o}", "jwk", gh_jwk_public_json(k));
    assert_int_equal(gh_jws_sign(a, k, "dpop+\"jwt\"", jwk_hdr, claims, &tok), GH_OK);
    assert_int_equal(gh_jws_parse(a, tok, &j), GH_OK);
    assert_string_equal(j.kid, "k\"1\n");
    assert_string_equal(json_string_value(json_object_get(j.header, "typ")), "dpop+\"jwt\"");
    assert_true(json_equal(json_object_get(j.header, "jwk"), json_object_get(jwk_hdr, "jwk")));
    gh_jws_clear(&j);
    assert_int_equal(gh_jws_verify(a, tok, k, NULL), GH_OK);
    /* A large payload that does not fit the signer's stack buffer. */
    json_t *big = json_object();
    char *blob = gh_arena_alloc(a, 6001);
    memset(blob, 'x', 6000);
    json_object_set_new(big, "blob", json_string(blob));
    assert_int_equal(gh_jws_sign(a, k, NULL, NULL, big, &tok), GH_OK);
    assert_int_equal(gh_jws_parse(a, tok, &j), GH_OK);
    assert_true(json_equal(j.payload, big));
    gh_jws_clear(&j);
    assert_int_equal(gh_jws_verify(a, tok, k, NULL), GH_OK);
    json_decref(big);
    json_decref(jwk_hdr);
    json_decref(arr);
    json_decref(crit);
    json_decref(dup_alg);
    json_decref(claims);
    gh_jwk_free(k);
    gh_jwk_free(pub);
    gh_arena_free(a);
}

/* A payload serialised by the caller signs to the same header and payload parts as the
 * json_t it was written from, and verifies; text that is not an object is refused. */
static void test_sign_payload(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_jwk *k = NULL;
    char *t1 = NULL, *t2 = NULL;
    const char *text = "{\"iss\":\"https://as.example\",\"exp\":1767225600,\"scope\":\"a b\"}";
    json_t *claims = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    gh_jws j;
    (void)state;
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "kp", &k), GH_OK);
    assert_int_equal(gh_jws_sign(a, k, "at+jwt", NULL, claims, &t1), GH_OK);
    assert_int_equal(gh_jws_sign_payload(a, k, "at+jwt", NULL, text, strlen(text), &t2), GH_OK);
    /* Same header.payload; the ECDSA signatures differ (random nonces). */
    assert_int_equal(strrchr(t1, '.') - t1, strrchr(t2, '.') - t2);
    assert_memory_equal(t1, t2, (size_t)(strrchr(t1, '.') - t1));
    assert_int_equal(gh_jws_verify(a, t2, k, NULL), GH_OK);
    assert_int_equal(gh_jws_parse(a, t2, &j), GH_OK);
    assert_true(json_equal(j.payload, claims));
    gh_jws_clear(&j);
    assert_int_equal(gh_jws_sign_payload(a, k, NULL, NULL, "[1]", 3, &t2), GH_EINVAL);
    assert_null(t2);
    assert_int_equal(gh_jws_sign_payload(a, k, NULL, NULL, "{", 1, &t2), GH_EINVAL);
    assert_int_equal(gh_jws_sign_payload(a, k, NULL, NULL, NULL, 0, &t2), GH_EINVAL);
    json_decref(claims);
    gh_jwk_free(k);
    gh_arena_free(a);
}

/* One key shared by several threads that sign and verify at once (the token endpoint's
 * pattern); under ASan any unsynchronised reuse of OpenSSL state tends to show. */
struct thread_arg {
    const gh_jwk *k;
    int ok;
};

static void *sign_many(void *p)
{
    struct thread_arg *t = p;
    json_t *claims = json_pack("{s:s}", "sub", "thread");
    t->ok = 0;
    for (int i = 0; i < 100; i++) {
        gh_arena *a = gh_arena_new(0);
        char *tok = NULL;
        if (gh_jws_sign(a, t->k, "at+jwt", NULL, claims, &tok) == GH_OK &&
            gh_jws_verify(a, tok, t->k, NULL) == GH_OK)
            t->ok++;
        gh_arena_free(a);
    }
    json_decref(claims);
    return NULL;
}

static void test_concurrent_signing(void **state)
{
    const gh_jose_alg algs[] = {GH_ALG_ES256, GH_ALG_EDDSA, GH_ALG_PS256};
    (void)state;
    for (size_t n = 0; n < sizeof algs / sizeof algs[0]; n++) {
        gh_jwk *k = NULL;
        pthread_t th[4];
        struct thread_arg args[4];
        assert_int_equal(gh_jwk_generate(algs[n], "shared", &k), GH_OK);
        for (int i = 0; i < 4; i++) {
            args[i].k = k;
            assert_int_equal(pthread_create(&th[i], NULL, sign_many, &args[i]), 0);
        }
        for (int i = 0; i < 4; i++) {
            assert_int_equal(pthread_join(th[i], NULL), 0);
            assert_int_equal(args[i].ok, 100);
        }
        gh_jwk_free(k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc7515_a2_rs256_verifies),
        cmocka_unit_test(test_rfc7515_a3_es256_verifies),
        cmocka_unit_test(test_rfc8037_a4_ed25519_sign_and_verify),
        cmocka_unit_test(test_round_trip_es256),
        cmocka_unit_test(test_round_trip_es384),
        cmocka_unit_test(test_round_trip_rs256),
        cmocka_unit_test(test_round_trip_ps256),
        cmocka_unit_test(test_round_trip_eddsa),
        cmocka_unit_test(test_ps256_and_rs256_are_distinct),
        cmocka_unit_test(test_alg_confusion_rejected),
        cmocka_unit_test(test_es256_signature_length),
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_compact_shape),
        cmocka_unit_test(test_sign_rules),
        cmocka_unit_test(test_sign_payload),
        cmocka_unit_test(test_concurrent_signing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
