/*
 * test_token.c - the token endpoint and client_credentials issuance: request errors
 * (RFC 6749 3.2, 5.2), the RFC 9068 JWT (header, claims, signature against the published
 * key), opaque split tokens (a time-ordered selector as the row id, only the SHA-256 of the
 * value stored), the token row and its audit event.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/b64url.h"
#include "json/json.h"
#include "oauth/introspect_int.h"
#include "oauth/token_int.h"
#include "support/gh_test.h"

static int setup(void **state)
{
    gh_test_env *env = gh_test_env_new();

    gh_test_cc_client(env, "svc", "dns:read dns:write logs:read", "jwt", NULL);
    gh_test_cc_client(env, "opq", "dns:read", "opaque", NULL);
    gh_test_client(env, "{\"client_id\":\"web\",\"client_secret\":\"" GH_TEST_SECRET
                        "\",\"grant_types\":[\"authorization_code\"],\"response_types\":"
                        "[\"code\"],\"redirect_uris\":[\"https://web.example/cb\"],"
                        "\"scope\":\"dns:read\"}");
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

static void expect_error(gh_oauth_response *resp, int status, const char *code)
{
    assert_int_equal(resp->status, status);
    assert_string_equal(gh_test_str(resp, "error"), code);
    assert_string_equal(resp->error, code);
    gh_oauth_response_clear(resp);
}

static void test_request_errors(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    const char *basic = gh_test_basic(env, "svc", GH_TEST_SECRET);
    gh_oauth_request req;
    static const gh_form empty = {NULL, 0};

    /* SPEC: RFC6749 3.2 - POST only */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "GET", NULL, basic, &resp), GH_OK);
    expect_error(&resp, 405, GH_E_INVALID_REQUEST);

    /* Not a form body. */
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.query = &empty;
    req.content_type = "application/json";
    req.body = "{\"grant_type\":\"client_credentials\"}";
    req.body_len = strlen(req.body);
    req.authorization = basic;
    gh_oauth_response_init(&resp);
    assert_int_equal(gh_oauth_token(env->e, gh_test_ctx(env), &req, &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST);

    /* SPEC: RFC6749 4.4.2 - grant_type is REQUIRED */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST", "scope=dns:read", basic, &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST);
    /* SPEC: RFC6749 3.2 - parameters MUST NOT be included more than once */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST",
                                  "grant_type=client_credentials&grant_type=client_credentials",
                                  basic, &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST);
    assert_int_equal(gh_test_cc(env, "svc", "&scope=dns:read&scope=dns:write", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST);

    /* SPEC: RFC6749 5.2 unsupported_grant_type; never the password or implicit grant */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST",
                                  "grant_type=password&username=a&password=b", basic, &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_UNSUPPORTED_GRANT_TYPE);
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST", "grant_type=implicit", basic, &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_UNSUPPORTED_GRANT_TYPE);
}

static void test_client_errors(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;

    /* SPEC: RFC6749 5.2 invalid_client - 401 */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST", "grant_type=client_credentials",
                                  gh_test_basic(env, "svc", "wrong-secret"), &resp),
                     GH_OK);
    expect_error(&resp, 401, GH_E_INVALID_CLIENT);
    assert_int_equal(
        gh_test_call(env, gh_oauth_token, "POST", "grant_type=client_credentials", NULL, &resp),
        GH_OK);
    assert_int_equal(resp.status, 401);
    gh_oauth_response_clear(&resp);

    /* SPEC: RFC6749 5.2 unauthorized_client - not registered for the grant */
    assert_int_equal(gh_test_cc(env, "web", "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_UNAUTHORIZED_CLIENT);
}

static void test_scope_and_target_errors(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;

    assert_int_equal(gh_test_cc(env, "svc", "&scope=settings:write", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_SCOPE);
    assert_int_equal(gh_test_cc(env, "svc", "&scope=dns:read%20%20dns:write", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_SCOPE);
    /* SPEC: RFC8707 2 invalid_target */
    assert_int_equal(gh_test_cc(env, "svc", "&resource=https://evil.example/", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_TARGET);
}

static const gh_jwk *published_key(gh_test_env *env, const char *kid, gh_jwks *set)
{
    gh_oauth_response resp;
    json_t *j = NULL;

    assert_int_equal(gh_test_call(env, gh_oauth_jwks, "GET", NULL, NULL, &resp), GH_OK);
    assert_int_equal(gh_json_parse_object(resp.text, resp.text_len, 1 << 20, &j, NULL, 0), GH_OK);
    assert_int_equal(gh_jwks_parse(j, set), GH_OK);
    json_decref(j);
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(gh_jwk_kid(set->keys[i]), kid) == 0)
            return set->keys[i];
    fail_msg("kid %s not published", kid);
    return NULL;
}

static void test_jwt(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    const char *at;
    json_t *h, *p;
    gh_jwks set = {NULL, 0};
    gh_token *row = NULL;
    int64_t now = GH_TEST_T0;

    assert_int_equal(gh_test_cc(env, "svc",
                                "&scope=dns:read%20dns:write&resource=https%3A%2F%2F"
                                "api.example.com%2Fdns",
                                &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    /* SPEC: RFC6749 5.1 - Cache-Control: no-store; token_type; expires_in; scope */
    assert_true(resp.no_store);
    assert_string_equal(gh_test_str(&resp, "token_type"), "Bearer");
    assert_int_equal(json_integer_value(json_object_get(resp.body, "expires_in")), 600);
    assert_string_equal(gh_test_str(&resp, "scope"), "dns:read dns:write");
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);

    /* SPEC: RFC9068 2.1 - typ at+jwt; the configured alg; a kid */
    h = gh_test_jwt_header(env, at);
    assert_string_equal(json_string_value(json_object_get(h, "typ")), "at+jwt");
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "ES256");
    /* Verified with the published key, independently of the engine. */
    assert_int_equal(
        gh_jws_verify(env->arena, at,
                      published_key(env, json_string_value(json_object_get(h, "kid")), &set), NULL),
        GH_OK);
    gh_jwks_clear(&set);

    /* SPEC: RFC9068 2.2 - iss, exp, aud, sub, client_id, iat, jti */
    p = gh_test_jwt_payload(env, at);
    assert_string_equal(json_string_value(json_object_get(p, "iss")), GH_TEST_ISSUER);
    assert_string_equal(json_string_value(json_object_get(p, "sub")), "svc");
    assert_string_equal(json_string_value(json_object_get(p, "client_id")), "svc");
    assert_string_equal(json_string_value(json_object_get(p, "aud")), GH_TEST_RS_DNS);
    assert_string_equal(json_string_value(json_object_get(p, "scope")), "dns:read dns:write");
    assert_int_equal(json_integer_value(json_object_get(p, "iat")), now);
    assert_int_equal(json_integer_value(json_object_get(p, "exp")), now + 600);
    assert_int_equal(strlen(json_string_value(json_object_get(p, "jti"))), 22); /* 128 bits */
    assert_int_equal(json_integer_value(json_object_get(p, "catalog_version")), 1);

    /* The row: id = jti, everything recorded. */
    assert_int_equal(gh_store_token_get(env->store, json_string_value(json_object_get(p, "jti")),
                                        env->arena, &row),
                     GH_OK);
    assert_int_equal(row->kind, GH_TOKEN_ACCESS);
    assert_string_equal(row->format, "jwt");
    assert_string_equal(row->client_id, "svc");
    assert_string_equal(row->subject, "svc");
    assert_string_equal(row->scope, "dns:read dns:write");
    assert_string_equal(row->audience, GH_TEST_RS_DNS);
    assert_int_equal(row->catalog_version, 1);
    assert_int_equal(row->expires_at, now + 600);
    assert_non_null(row->grant_id);
    assert_true(strlen(row->grant_id) > 0);
    assert_non_null(row->request_id);
    json_decref(h);
    json_decref(p);
}

static void test_jwt_default_audience_and_rs256(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;
    gh_oauth_response resp;
    json_t *h, *p;
    (void)state;

    cfg->signing_alg = "RS256";
    env = gh_test_env_new_with(cfg, NULL);
    gh_test_cc_client(env, "svc", "logs:read", "jwt", NULL);
    assert_int_equal(gh_test_cc(env, "svc", "", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    h = gh_test_jwt_header(env, gh_test_str(&resp, "access_token"));
    p = gh_test_jwt_payload(env, gh_test_str(&resp, "access_token"));
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "RS256");
    assert_string_equal(json_string_value(json_object_get(p, "aud")), GH_TEST_ISSUER);
    assert_string_equal(json_string_value(json_object_get(p, "scope")), "logs:read");
    json_decref(h);
    json_decref(p);
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

static bool contains(const char *hay, const char *needle)
{
    return hay != NULL && strstr(hay, needle) != NULL;
}

/* True if any of the row's text members contains needle. */
static bool row_contains(const gh_token *row, const char *needle)
{
    const char *m[] = {row->id,       row->format,   row->grant_id,   row->client_id,
                       row->subject,  row->scope,    row->audience,   row->request_id,
                       row->extra};

    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        if (contains(m[i], needle))
            return true;
    return false;
}

static void test_opaque_stored_as_hash(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    const char *at, *id, *secret, *hex;
    unsigned char *sel = NULL;
    size_t sel_len = 0;
    uint64_t ms = 0;
    gh_token *row = NULL;
    gh_audit_event *ev = NULL;
    size_t n = 0, issued = 0;

    assert_int_equal(gh_test_cc(env, "opq", "", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    /* SPEC: DESIGN.md Tokens - a prefix, then base64url of a 128-bit selector and a 256-bit
     * secret (no dots: clients treat it as an opaque string) */
    assert_true(strncmp(at, GH_PREFIX_ACCESS, strlen(GH_PREFIX_ACCESS)) == 0);
    assert_int_equal(strlen(at), strlen(GH_PREFIX_ACCESS) + 64);
    assert_null(strchr(at, '.'));
    /* The secret: the characters that encode bytes 16..48 only (from char 22 on; char 21
     * also carries 2 bits of the selector). */
    secret = at + strlen(GH_PREFIX_ACCESS) + 22;

    /* The row id is the selector form: "o." + base64url(16 bytes), time-ordered. */
    id = gh_oauth__opaque_id(env->arena, at);
    assert_non_null(id);
    assert_int_equal(strlen(id), strlen(GH_OAUTH_OPAQUE_ID_PREFIX) + 22);
    assert_true(strncmp(id, GH_OAUTH_OPAQUE_ID_PREFIX, strlen(GH_OAUTH_OPAQUE_ID_PREFIX)) == 0);
    assert_true(strncmp(id + 2, at + strlen(GH_PREFIX_ACCESS), 21) == 0);
    assert_int_equal(gh_b64url_decode(env->arena, id + 2, 22, &sel, &sel_len), GH_OK);
    assert_int_equal(sel_len, 16);

    /* SPEC: DESIGN.md Tokens - stored only as the SHA-256; the value and its secret part are
     * nowhere in the row or the audit trail */
    assert_int_equal(gh_store_token_get(env->store, id, env->arena, &row), GH_OK);
    assert_string_equal(row->id, id);
    /* The selector starts with the time prefix of a millisecond of the issuing second. */
    for (ms = (uint64_t)row->issued_at * 1000; ms < (uint64_t)row->issued_at * 1000 + 1000; ms++) {
        unsigned char p[6];
        gh_oauth__time_prefix(ms, p);
        if (memcmp(p, sel, 6) == 0)
            break;
    }
    assert_true(ms < (uint64_t)row->issued_at * 1000 + 1000);
    assert_string_equal(row->format, "opaque");
    assert_string_equal(row->subject, "opq");
    hex = gh_sha256_hex(env->arena, at, strlen(at));
    assert_string_equal(row->extra, gh_oauth__token_hash_extra(env->arena, at));
    assert_true(contains(row->extra, "\"" GH_OAUTH_TOKEN_HASH_MEMBER "\":\""));
    assert_true(contains(row->extra, hex));
    assert_false(row_contains(row, at));
    assert_false(row_contains(row, secret));
    assert_int_equal(gh_store_token_get(env->store, at, env->arena, &row), GH_ENOTFOUND);
    assert_int_equal(gh_store_token_get(env->store, hex, env->arena, &row), GH_ENOTFOUND);
    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++) {
        assert_false(contains(ev[i].token_id, at + strlen(GH_PREFIX_ACCESS)));
        assert_false(contains(ev[i].data, at + strlen(GH_PREFIX_ACCESS)));
        assert_false(contains(ev[i].token_id, secret));
        assert_false(contains(ev[i].data, secret));
        assert_false(contains(ev[i].data, hex));
        if (strcmp(ev[i].type, GH_AUDIT_TOKEN_ISSUED) == 0 && ev[i].token_id != NULL &&
            strcmp(ev[i].token_id, id) == 0) {
            issued++;
            assert_string_equal(ev[i].client_id, "opq");
            assert_string_equal(ev[i].subject, "opq");
            assert_string_equal(ev[i].scope, "dns:read");
            assert_true(contains(ev[i].data, "\"grant_type\":\"client_credentials\""));
            assert_true(contains(ev[i].data, "\"format\":\"opaque\""));
        }
    }
    assert_int_equal(issued, 1);
}

/* gh_oauth__opaque_id: only the exact split form has an id. */
static void test_opaque_id_parse(void **state)
{
    gh_arena *a = gh_arena_new(0);
    char v[128];

    (void)state;
    /* 48 zero bytes: "A" x 64 */
    memset(v, 0, sizeof(v));
    memcpy(v, GH_PREFIX_ACCESS, strlen(GH_PREFIX_ACCESS));
    memset(v + strlen(GH_PREFIX_ACCESS), 'A', 64);
    assert_string_equal(gh_oauth__opaque_id(a, v), "o.AAAAAAAAAAAAAAAAAAAAAA");
    v[strlen(GH_PREFIX_ACCESS) + 64] = 'A'; /* too long */
    assert_null(gh_oauth__opaque_id(a, v));
    v[strlen(GH_PREFIX_ACCESS) + 64] = '\0';
    v[strlen(GH_PREFIX_ACCESS) + 63] = '\0'; /* too short */
    assert_null(gh_oauth__opaque_id(a, v));
    v[strlen(GH_PREFIX_ACCESS) + 63] = '+'; /* not base64url */
    assert_null(gh_oauth__opaque_id(a, v));
    v[strlen(GH_PREFIX_ACCESS) + 63] = '='; /* padding */
    assert_null(gh_oauth__opaque_id(a, v));
    v[strlen(GH_PREFIX_ACCESS) + 63] = '_'; /* any base64url character is fine */
    assert_string_equal(gh_oauth__opaque_id(a, v), "o.AAAAAAAAAAAAAAAAAAAAAA");
    v[strlen(GH_PREFIX_ACCESS) + 63] = 'A';
    v[strlen(GH_PREFIX_ACCESS) + 43] = '\0'; /* the earlier form: 32 bytes */
    assert_null(gh_oauth__opaque_id(a, v));
    v[strlen(GH_PREFIX_ACCESS) + 43] = 'A';
    v[0] = 'x'; /* another prefix */
    assert_null(gh_oauth__opaque_id(a, v));
    assert_null(gh_oauth__opaque_id(a, NULL));
    gh_arena_free(a);
}

static void test_every_token_differs(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    char *a;

    assert_int_equal(gh_test_cc(env, "opq", "", &resp), GH_OK);
    a = strdup(gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_test_cc(env, "opq", "", &resp), GH_OK);
    assert_string_not_equal(a, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    free(a);
}

/* The time prefix of selectors and jtis sorts as text as the time does, digit wraps
 * included (plain big-endian milliseconds put 'z' before '0'). */
static void test_time_prefix_sorts(void **state)
{
    (void)state;
    const uint64_t starts[] = {0, 1795790000000ull, (1ull << 36) - 5000, (1ull << 42) - 5000,
                               (53ull << 42) - 5000};
    char prev[16], cur[16];
    unsigned char b[6];

    for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
        for (uint64_t ms = starts[k]; ms < starts[k] + 5000; ms++) {
            gh_oauth__time_prefix(ms, b);
            gh_b64url_encode(b, sizeof(b), cur);
            assert_int_equal(strlen(cur), 8);
            if (ms > starts[k] && strcmp(prev, cur) >= 0)
                fail_msg("ms %llu: \"%s\" does not sort after \"%s\"",
                         (unsigned long long)ms, cur, prev);
            memcpy(prev, cur, sizeof(cur));
        }
    }
    /* Far apart, too; and a letter first, never '-' (a command line's option). */
    gh_oauth__time_prefix(1795790000000ull, b);
    gh_b64url_encode(b, sizeof(b), prev);
    assert_int_equal(prev[0], 'A');
    gh_oauth__time_prefix(1795790000000ull + 86400000ull * 365, b);
    gh_b64url_encode(b, sizeof(b), cur);
    assert_true(strcmp(prev, cur) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_prefix_sorts),
        cmocka_unit_test_setup_teardown(test_request_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_and_target_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jwt, setup, teardown),
        cmocka_unit_test(test_jwt_default_audience_and_rs256),
        cmocka_unit_test_setup_teardown(test_opaque_stored_as_hash, setup, teardown),
        cmocka_unit_test(test_opaque_id_parse),
        cmocka_unit_test_setup_teardown(test_every_token_differs, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
