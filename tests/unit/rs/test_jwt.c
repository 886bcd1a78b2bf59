/*
 * test_jwt.c - JWT access-token verification by the resource-server kit (RFC 9068 4) against
 * keys generated here and served by the fake issuer: a good token, and each way a token must
 * be refused (typ, alg none, HS256 keyed with the public key, iss, aud, exp, nbf, an unknown
 * kid before and after the rate-limited JWKS refresh, a tampered payload, an RS256 token when
 * only ES256 is allowed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "base/b64url.h"
#include "base/digest.h"
#include "fake.h"
#include "jose/jose.h"

typedef struct fixture {
    fake f;
    gh_jwk *k1, *k2, *rsa;
    char *jwks_k1, *jwks_both;
    gh_rs *rs;
    gh_arena *a;
} fixture;

static char *jwks_of(gh_jwk *const *keys, size_t n)
{
    json_t *set = json_object(), *arr = json_array();
    char *s;
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, gh_jwk_public_json(keys[i]));
    json_object_set_new(set, "keys", arr);
    s = json_dumps(set, JSON_COMPACT);
    json_decref(set);
    return s;
}

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof(*x));
    gh_rs_config cfg;
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k1", &x->k1), GH_OK);
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k2", &x->k2), GH_OK);
    assert_int_equal(gh_jwk_generate(GH_ALG_RS256, "r1", &x->rsa), GH_OK);
    x->jwks_k1 = jwks_of(&x->k1, 1);
    gh_jwk *all[3] = {x->k1, x->k2, x->rsa};
    x->jwks_both = jwks_of(all, 3);
    x->f.jwks = x->jwks_k1;
    x->f.now = 1000000;
    fake_config(&x->f, &cfg);
    assert_int_equal(gh_rs_new(&cfg, &x->rs), GH_RS_OK);
    x->a = gh_arena_new(0);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    gh_rs_free(x->rs);
    gh_jwk_free(x->k1);
    gh_jwk_free(x->k2);
    gh_jwk_free(x->rsa);
    free(x->jwks_k1);
    free(x->jwks_both);
    gh_arena_free(x->a);
    free(x);
    return 0;
}

static json_t *claims(const fixture *x)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "iss", FAKE_ISSUER, "aud",
                     FAKE_RESOURCE, "sub", "alice", "client_id", "agent-1", "scope",
                     "dns:read logs:read", "iat", (json_int_t)x->f.now, "exp",
                     (json_int_t)(x->f.now + 300), "jti", "jti-0001");
}

static char *sign(fixture *x, gh_jwk *k, const char *typ, json_t *c)
{
    char *out = NULL;
    assert_int_equal(gh_jws_sign(x->a, k, typ, NULL, c, &out), GH_OK);
    json_decref(c);
    return out;
}

static void expect_refused(fixture *x, const char *token, const char *why)
{
    gh_rs_token t;
    assert_int_equal(gh_rs_verify_jwt(x->rs, token, &t), GH_RS_OK);
    assert_false(t.active);
    assert_non_null(t.error);
    assert_string_equal(t.error, why);
    assert_null(t.subject);
    gh_rs_token_clear(&t);
}

/* SPEC: RFC9068 4 - a good token is accepted; its claims come back */
static void test_good_token(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    char *tok = sign(x, x->k1, "at+jwt", claims(x));
    assert_int_equal(gh_rs_verify_jwt(x->rs, tok, &t), GH_RS_OK);
    assert_true(t.active);
    assert_null(t.error);
    assert_false(t.introspected);
    assert_string_equal(t.subject, "alice");
    assert_string_equal(t.client_id, "agent-1");
    assert_string_equal(t.jti, "jti-0001");
    assert_string_equal(t.scope, "dns:read logs:read");
    assert_int_equal(t.exp, x->f.now + 300);
    assert_non_null(strstr(t.claims_json, "\"client_id\":\"agent-1\""));
    assert_true(gh_rs_require_scope(&t, "dns:read"));
    assert_false(gh_rs_require_scope(&t, "dns:write"));
    gh_rs_token_clear(&t);
    /* gh_rs_verify routes a JWS here; the JWKS is cached: one metadata and one JWKS fetch */
    assert_int_equal(gh_rs_verify(x->rs, tok, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.meta_calls, 1);
    assert_int_equal(x->f.jwks_calls, 1);
    /* application/at+jwt is the same type */
    tok = sign(x, x->k1, "application/AT+JWT", claims(x));
    assert_int_equal(gh_rs_verify_jwt(x->rs, tok, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
}

/* SPEC: RFC9068 4 - typ must be at+jwt: an ID token or a plain JWT is refused */
static void test_wrong_typ(void **state)
{
    fixture *x = *state;
    expect_refused(x, sign(x, x->k1, "JWT", claims(x)), "wrong token type");
    expect_refused(x, sign(x, x->k1, NULL, claims(x)), "wrong token type");
}

static char *b64(fixture *x, const char *s)
{
    return gh_b64url_encode_a(x->a, (const unsigned char *)s, strlen(s));
}

static char *claims_b64(fixture *x)
{
    json_t *c = claims(x);
    char *s = json_dumps(c, JSON_COMPACT), *out = b64(x, s);
    free(s);
    json_decref(c);
    return out;
}

/* SPEC: RFC9068 4 - alg none is never accepted */
static void test_alg_none(void **state)
{
    fixture *x = *state;
    char *tok = gh_arena_printf(x->a, "%s.%s.", b64(x, "{\"alg\":\"none\",\"typ\":\"at+jwt\"}"),
                                claims_b64(x));
    expect_refused(x, tok, "malformed token or algorithm not allowed");
}

/* An HS256 token keyed with the public key (the classic algorithm confusion) is refused. */
static void test_hs256_with_public_key(void **state)
{
    fixture *x = *state;
    unsigned char mac[GH_SHA256_LEN];
    char *input = gh_arena_printf(x->a, "%s.%s",
                                  b64(x, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\",\"kid\":\"k1\"}"),
                                  claims_b64(x));
    gh_hmac_sha256(x->jwks_k1, strlen(x->jwks_k1), input, strlen(input), mac);
    char *tok = gh_arena_printf(x->a, "%s.%s", input, gh_b64url_encode_a(x->a, mac, sizeof(mac)));
    expect_refused(x, tok, "malformed token or algorithm not allowed");
}

/* SPEC: RFC9068 4 - the alg must be one the resource server allows */
static void test_alg_not_allowed(void **state)
{
    fixture *x = *state;
    x->f.jwks = x->jwks_both;
    expect_refused(x, sign(x, x->rsa, "at+jwt", claims(x)), "algorithm not allowed");
}

/* SPEC: RFC9068 4 - iss must match exactly */
static void test_wrong_iss(void **state)
{
    fixture *x = *state;
    json_t *c = claims(x);
    json_object_set_new(c, "iss", json_string(FAKE_ISSUER "/"));
    expect_refused(x, sign(x, x->k1, "at+jwt", c), "wrong issuer");
}

/* SPEC: RFC9068 4 - aud must contain this resource */
static void test_wrong_aud(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    json_t *c = claims(x);
    json_object_set_new(c, "aud", json_string("https://other.example.test"));
    expect_refused(x, sign(x, x->k1, "at+jwt", c), "wrong audience");
    c = claims(x);
    json_object_set_new(c, "aud", json_pack("[s,s]", "https://other.example.test", FAKE_RESOURCE));
    assert_int_equal(gh_rs_verify_jwt(x->rs, sign(x, x->k1, "at+jwt", c), &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
}

/* SPEC: RFC9068 4 - exp is checked (30 s leeway by default); nbf likewise */
static void test_expired_and_nbf(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    json_t *c = claims(x);
    json_object_set_new(c, "exp", json_integer(x->f.now - 31));
    expect_refused(x, sign(x, x->k1, "at+jwt", c), "expired");
    c = claims(x);
    json_object_set_new(c, "exp", json_integer(x->f.now - 29));
    assert_int_equal(gh_rs_verify_jwt(x->rs, sign(x, x->k1, "at+jwt", c), &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    c = claims(x);
    json_object_del(c, "exp");
    expect_refused(x, sign(x, x->k1, "at+jwt", c), "missing required claims");
    c = claims(x);
    json_object_set_new(c, "nbf", json_integer(x->f.now + 60));
    expect_refused(x, sign(x, x->k1, "at+jwt", c), "not yet valid");
}

/* An unknown kid fetches the JWKS again, but at most every jwks_min_refresh_s (10 s). */
static void test_unknown_kid_refresh(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    char *good = sign(x, x->k1, "at+jwt", claims(x));
    assert_int_equal(gh_rs_verify_jwt(x->rs, good, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.jwks_calls, 1);
    /* the issuer rotates: k2 is published, and used one second later */
    x->f.jwks = x->jwks_both;
    x->f.now += 1;
    char *rotated = sign(x, x->k2, "at+jwt", claims(x));
    expect_refused(x, rotated, "unknown signing key");
    assert_int_equal(x->f.jwks_calls, 1); /* rate-limited: no fetch */
    x->f.now += 10;
    assert_int_equal(gh_rs_verify_jwt(x->rs, rotated, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.jwks_calls, 2);
    /* a kid nobody published: one refresh at most, then refused */
    x->f.now += 11;
    gh_jwk *k3 = NULL;
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k3", &k3), GH_OK);
    char *stranger = sign(x, k3, "at+jwt", claims(x));
    expect_refused(x, stranger, "unknown signing key");
    expect_refused(x, stranger, "unknown signing key");
    assert_int_equal(x->f.jwks_calls, 3);
    gh_jwk_free(k3);
    /* past the TTL (300 s) the JWKS is fetched again even for a known kid */
    x->f.now += 301;
    assert_int_equal(gh_rs_verify_jwt(x->rs, sign(x, x->k1, "at+jwt", claims(x)), &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.jwks_calls, 4);
}

/* A token whose payload was changed after signing (scope widened) is refused. */
static void test_tampered_payload(void **state)
{
    fixture *x = *state;
    char *tok = sign(x, x->k1, "at+jwt", claims(x));
    char *dot1 = strchr(tok, '.'), *dot2 = strchr(dot1 + 1, '.');
    json_t *c = claims(x);
    json_object_set_new(c, "scope", json_string("dns:read dns:write logs:read"));
    char *p = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    char *forged = gh_arena_printf(x->a, "%.*s.%s%s", (int)(dot1 - tok), tok, b64(x, p), dot2);
    free(p);
    expect_refused(x, forged, "bad signature");
    /* and a signature from another key under k1's kid */
    char *other = sign(x, x->k2, "at+jwt", claims(x));
    char *o1 = strchr(other, '.'), *o2 = strchr(o1 + 1, '.');
    forged = gh_arena_printf(x->a, "%.*s%s", (int)(o2 - other), tok, o2);
    (void)o1;
    expect_refused(x, forged, "bad signature");
    expect_refused(x, "not.a.jwt", "malformed token or algorithm not allowed");
}

/* Configuration: none, HS256 and unknown algorithms are refused at gh_rs_new. */
static void test_config(void **state)
{
    (void)state;
    static const char *const none[] = {"none", NULL};
    static const char *const hs[] = {"ES256", "HS256", NULL};
    static const char *const ok[] = {"ES256", "RS256", "EdDSA", NULL};
    fake f = {0};
    gh_rs_config cfg;
    gh_rs *rs = NULL;
    fake_config(&f, &cfg);
    cfg.algorithms = none;
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_EINVAL);
    cfg.algorithms = hs;
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_EINVAL);
    cfg.algorithms = ok;
    cfg.issuer = "ftp://as.example.test";
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_EINVAL);
    cfg.issuer = FAKE_ISSUER;
    cfg.client_id = "demo-api"; /* without a secret */
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_EINVAL);
    cfg.client_id = NULL;
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_OK);
    gh_rs_free(rs);
    gh_rs_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_typ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alg_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hs256_with_public_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alg_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_iss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_aud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired_and_nbf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_kid_refresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_payload, setup, teardown),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
