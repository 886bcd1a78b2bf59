/*
 * test_introspect.c - introspection of opaque tokens by the resource-server kit (RFC 7662)
 * against the fake issuer: client_secret_basic credentials form-urlencoded inside Basic
 * (RFC 6749 2.3.1), the checks on the answer (active, aud, iss, exp), and the cache (hits,
 * expiry, keyed by the token's SHA-256 and never holding the token); and the online check for
 * operations that change things (gh_rs_verify_online): the issuer is asked every time, for a
 * JWT too, so a revocation is seen at once; a JWT refused locally never reaches the issuer.
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
#include "rs_int.h"

#define TOKEN "ghat_opaque-0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

typedef struct fixture {
    fake f;
    gh_rs *rs;
    char answer[1024];
} fixture;

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof(*x));
    gh_rs_config cfg;
    x->f.now = 2000000;
    snprintf(x->answer, sizeof(x->answer),
             "{\"active\":true,\"iss\":\"" FAKE_ISSUER "\",\"aud\":[\"" FAKE_RESOURCE
             "\"],\"sub\":\"alice\",\"client_id\":\"agent-1\",\"scope\":\"dns:read\","
             "\"exp\":%lld,\"token_type\":\"Bearer\"}",
             (long long)(x->f.now + 600));
    x->f.introspect = x->answer;
    fake_config(&x->f, &cfg);
    cfg.client_id = "demo api";
    cfg.client_secret = "s3cr:t+%";
    cfg.introspect_cache_max = 2;
    assert_int_equal(gh_rs_new(&cfg, &x->rs), GH_RS_OK);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    gh_rs_free(x->rs);
    free(x);
    return 0;
}

/* SPEC: RFC7662 2.1 - POST token=..., authenticated as the resource server's client */
static void test_active(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    assert_int_equal(gh_rs_verify(x->rs, TOKEN, &t), GH_RS_OK);
    assert_true(t.active);
    assert_true(t.introspected);
    assert_string_equal(t.subject, "alice");
    assert_string_equal(t.client_id, "agent-1");
    assert_string_equal(t.scope, "dns:read");
    assert_int_equal(t.exp, x->f.now + 600);
    assert_true(gh_rs_require_scope(&t, "dns:read"));
    assert_false(gh_rs_require_scope(&t, "dns:write"));
    gh_rs_token_clear(&t);
    assert_string_equal(x->f.last_url, FAKE_ISSUER "/oauth2/introspect");
    assert_string_equal(x->f.last_body, "token=" TOKEN "&token_type_hint=access_token");
    /* SPEC: RFC6749 2.3.1 - "demo api" and "s3cr:t+%" are form-urlencoded, then base64:
     * base64("demo+api:s3cr%3At%2B%25") */
    assert_string_equal(x->f.last_headers[2],
                        "Authorization: Basic ZGVtbythcGk6czNjciUzQXQlMkIlMjU=");
}

static void test_cache(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    unsigned char key[32];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_OK);
        assert_true(t.active);
        gh_rs_token_clear(&t);
    }
    assert_int_equal(x->f.introspect_calls, 1);
    /* the cache is keyed by SHA-256(token), and no entry holds the token */
    gh_sha256(TOKEN, strlen(TOKEN), key);
    bool found = false;
    for (size_t i = 0; i < x->rs->icache_max; i++) {
        const gh_rs_icache_entry *e = &x->rs->icache[i];
        if (e->expires != 0 && memcmp(e->key, key, 32) == 0)
            found = true;
        if (e->tok.claims_json != NULL)
            assert_null(strstr(e->tok.claims_json, TOKEN));
    }
    assert_true(found);
    /* past the TTL (30 s) it asks again */
    x->f.now += 31;
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 2);
    /* a bounded cache: more tokens than slots still all answer correctly */
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN "b", &t), GH_RS_OK);
    gh_rs_token_clear(&t);
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN "c", &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 4);
}

static void expect_refused(fixture *x, const char *answer, const char *why)
{
    gh_rs_token t;
    x->f.introspect = answer;
    x->f.now += 100; /* past the cache */
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_OK);
    assert_false(t.active);
    assert_string_equal(t.error, why);
    assert_null(t.subject);
    gh_rs_token_clear(&t);
}

/* SPEC: RFC7662 2.2 - an inactive token, or one for another audience, is refused */
static void test_refusals(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    expect_refused(x, "{\"active\":false}", "inactive token");
    expect_refused(x, "{\"active\":true,\"aud\":\"https://other.example.test\",\"sub\":\"a\"}",
                   "wrong audience");
    expect_refused(x, "{\"active\":true,\"sub\":\"a\"}", "wrong audience");
    expect_refused(
        x, "{\"active\":true,\"iss\":\"https://evil.example.test\",\"aud\":\"" FAKE_RESOURCE "\"}",
        "wrong issuer");
    expect_refused(x, "{\"active\":true,\"aud\":\"" FAKE_RESOURCE "\",\"exp\":5}", "expired");
    /* a failure of the issuer is an error, and the token is not accepted */
    x->f.introspect_status = 500;
    x->f.now += 100;
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_EFETCH);
    assert_false(t.active);
    gh_rs_token_clear(&t);
}

/* Without credentials an opaque token cannot be checked, so it is refused. */
static void test_no_credentials(void **state)
{
    (void)state;
    fake f = {0};
    gh_rs_config cfg;
    gh_rs *rs = NULL;
    gh_rs_token t;
    fake_config(&f, &cfg);
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_OK);
    assert_int_equal(gh_rs_verify(rs, TOKEN, &t), GH_RS_OK);
    assert_false(t.active);
    assert_int_equal(f.introspect_calls, 0);
    gh_rs_token_clear(&t);
    gh_rs_free(rs);
}

/* The online check of an opaque token never uses the cache, and its answer replaces the
 * cached one: a revocation the cache still hides is seen at once, by later reads too. */
static void test_online_opaque(void **state)
{
    fixture *x = *state;
    gh_rs_token t;
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    /* revoked at the issuer: the cache still says active */
    x->f.introspect = "{\"active\":false}";
    x->f.now += 5;
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 1);
    /* the online check asks the issuer */
    assert_int_equal(gh_rs_verify_online(x->rs, TOKEN, &t), GH_RS_OK);
    assert_false(t.active);
    assert_true(t.introspected);
    assert_string_equal(t.error, "inactive token");
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 2);
    assert_string_equal(x->f.last_body, "token=" TOKEN "&token_type_hint=access_token");
    /* ... and updated the cache: the read path refuses it too, without a request */
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_OK);
    assert_false(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 2);
    /* an active token is asked about on every online check */
    x->f.introspect = x->answer;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(gh_rs_verify_online(x->rs, TOKEN, &t), GH_RS_OK);
        assert_true(t.active);
        assert_string_equal(t.subject, "alice");
        gh_rs_token_clear(&t);
    }
    assert_int_equal(x->f.introspect_calls, 4);
    assert_int_equal(gh_rs_introspect(x->rs, TOKEN, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 4);
}

/* A JWT access token signed by a fresh key, with the key published by the fake issuer. */
typedef struct jwt_fixture {
    gh_jwk *key;
    char *jwks;
    gh_arena *a;
} jwt_fixture;

static void jwt_setup(fixture *x, jwt_fixture *j)
{
    json_t *set;
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k1", &j->key), GH_OK);
    set = json_pack("{s:[o]}", "keys", gh_jwk_public_json(j->key));
    j->jwks = json_dumps(set, JSON_COMPACT);
    json_decref(set);
    j->a = gh_arena_new(0);
    x->f.jwks = j->jwks;
}

static void jwt_teardown(jwt_fixture *j)
{
    gh_jwk_free(j->key);
    free(j->jwks);
    gh_arena_free(j->a);
}

/* A JWT with the given scope and aud, valid for 300 s from the fake clock. */
static char *jwt(const fixture *x, jwt_fixture *j, const char *scope, const char *aud)
{
    char *out = NULL;
    json_t *c =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "iss", FAKE_ISSUER, "aud", aud, "sub",
                  "alice", "client_id", "agent-1", "scope", scope, "iat", (json_int_t)x->f.now,
                  "exp", (json_int_t)(x->f.now + 300), "jti", "jti-0001");
    assert_int_equal(gh_jws_sign(j->a, j->key, "at+jwt", NULL, c, &out), GH_OK);
    json_decref(c);
    return out;
}

/* A JWT is verified locally, then introspected on every online check: a revocation the
 * signature cannot show is refused at once, while gh_rs_verify still trusts the JWT. */
static void test_online_jwt(void **state)
{
    fixture *x = *state;
    jwt_fixture j = {0};
    gh_rs_token t;
    char want[8192];
    jwt_setup(x, &j);
    char *tok = jwt(x, &j, "dns:read dns:write", FAKE_RESOURCE);
    assert_int_equal(gh_rs_verify_online(x->rs, tok, &t), GH_RS_OK);
    assert_true(t.active);
    assert_true(t.introspected);
    /* the issuer's answer is what counts (here it says dns:read only) */
    assert_string_equal(t.scope, "dns:read");
    assert_false(gh_rs_require_scope(&t, "dns:write"));
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 1);
    snprintf(want, sizeof(want), "token=%s&token_type_hint=access_token", tok);
    assert_string_equal(x->f.last_body, want);
    assert_int_equal(gh_rs_verify_online(x->rs, tok, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 2); /* never from a cache */
    /* the consent is revoked: the online check refuses at once */
    x->f.introspect = "{\"active\":false}";
    assert_int_equal(gh_rs_verify_online(x->rs, tok, &t), GH_RS_OK);
    assert_false(t.active);
    assert_string_equal(t.error, "inactive token");
    assert_null(t.subject);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 3);
    /* the local check alone still accepts it (reads trust short-lived JWTs) */
    assert_int_equal(gh_rs_verify(x->rs, tok, &t), GH_RS_OK);
    assert_true(t.active);
    assert_false(t.introspected);
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 3);
    /* an answer for another audience is refused */
    x->f.introspect = "{\"active\":true,\"aud\":\"https://other.example.test\",\"sub\":\"a\"}";
    assert_int_equal(gh_rs_verify_online(x->rs, tok, &t), GH_RS_OK);
    assert_false(t.active);
    assert_string_equal(t.error, "wrong audience");
    gh_rs_token_clear(&t);
    /* an issuer that cannot answer: an error, and the token is not accepted */
    x->f.introspect = x->answer;
    x->f.introspect_status = 503;
    assert_int_equal(gh_rs_verify_online(x->rs, tok, &t), GH_RS_EFETCH);
    assert_false(t.active);
    gh_rs_token_clear(&t);
    jwt_teardown(&j);
}

/* A JWT the local check refuses is never introspected, even when the issuer would say
 * active: a forged token costs the issuer nothing. */
static void test_online_jwt_refused_locally(void **state)
{
    fixture *x = *state;
    jwt_fixture j = {0};
    gh_rs_token t;
    jwt_setup(x, &j);
    x->f.introspect = "{\"active\":true,\"aud\":\"" FAKE_RESOURCE "\",\"scope\":\"dns:write\"}";
    char *good = jwt(x, &j, "dns:read", FAKE_RESOURCE);
    char *d1 = strchr(good, '.'), *d2 = strchr(d1 + 1, '.');
    /* the payload of a dns:write token under the dns:read token's signature */
    char *wide = jwt(x, &j, "dns:read dns:write", FAKE_RESOURCE);
    char *w1 = strchr(wide, '.'), *w2 = strchr(w1 + 1, '.');
    const char *forged[] = {
        gh_arena_printf(j.a, "%.*s%.*s%s", (int)(d1 - good), good, (int)(w2 - w1), w1, d2),
        jwt(x, &j, "dns:read dns:write", "https://other.example.test"),
        gh_arena_printf(j.a, "%.*s", (int)strlen(good) - 4, good),
        gh_arena_printf(j.a, "%s.%.*s.",
                        gh_b64url_encode_a(j.a, (const unsigned char *)"{\"alg\":\"none\"}", 14),
                        (int)(d2 - d1 - 1), d1 + 1),
    };
    /* a truncated signature is malformed or bad, depending on its last base64url digit */
    const char *why[] = {"bad signature", "wrong audience", NULL,
                         "malformed token or algorithm not allowed"};
    for (size_t i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
        assert_int_equal(gh_rs_verify_online(x->rs, forged[i], &t), GH_RS_OK);
        assert_false(t.active);
        assert_false(t.introspected);
        assert_non_null(t.error);
        if (why[i] != NULL)
            assert_string_equal(t.error, why[i]);
        gh_rs_token_clear(&t);
    }
    /* expired (past the 30 s leeway) */
    x->f.now += 331;
    assert_int_equal(gh_rs_verify_online(x->rs, good, &t), GH_RS_OK);
    assert_false(t.active);
    assert_string_equal(t.error, "expired");
    gh_rs_token_clear(&t);
    assert_int_equal(x->f.introspect_calls, 0);
    assert_int_equal(gh_rs_verify_online(x->rs, NULL, &t), GH_RS_OK);
    assert_false(t.active);
    gh_rs_token_clear(&t);
    jwt_teardown(&j);
}

/* Without introspection credentials the online check cannot be made: every token is
 * refused (never accepted on the local check alone). */
static void test_online_no_credentials(void **state)
{
    (void)state;
    fixture x = {0};
    jwt_fixture j = {0};
    gh_rs_config cfg;
    gh_rs *rs = NULL;
    gh_rs_token t;
    x.f.now = 2000000;
    jwt_setup(&x, &j);
    fake_config(&x.f, &cfg);
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_OK);
    char *tok = jwt(&x, &j, "dns:write", FAKE_RESOURCE);
    assert_int_equal(gh_rs_verify(rs, tok, &t), GH_RS_OK);
    assert_true(t.active);
    gh_rs_token_clear(&t);
    assert_int_equal(gh_rs_verify_online(rs, tok, &t), GH_RS_OK);
    assert_false(t.active);
    assert_string_equal(t.error, "online checks need introspection credentials");
    gh_rs_token_clear(&t);
    assert_int_equal(gh_rs_verify_online(rs, TOKEN, &t), GH_RS_OK);
    assert_false(t.active);
    assert_string_equal(t.error, "online checks need introspection credentials");
    gh_rs_token_clear(&t);
    assert_int_equal(x.f.introspect_calls, 0);
    gh_rs_free(rs);
    jwt_teardown(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_active, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test(test_no_credentials),
        cmocka_unit_test_setup_teardown(test_online_opaque, setup, teardown),
        cmocka_unit_test_setup_teardown(test_online_jwt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_online_jwt_refused_locally, setup, teardown),
        cmocka_unit_test(test_online_no_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
