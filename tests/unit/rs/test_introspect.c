/*
 * test_introspect.c - introspection of opaque tokens by the resource-server kit (RFC 7662)
 * against the fake issuer: client_secret_basic credentials form-urlencoded inside Basic
 * (RFC 6749 2.3.1), the checks on the answer (active, aud, iss, exp), and the cache (hits,
 * expiry, keyed by the token's SHA-256 and never holding the token).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "base/digest.h"
#include "fake.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_active, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test(test_no_credentials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
