/*
 * test_keys.c - signing keys: rotation lifecycle (NEXT -> ACTIVE -> RETIRED -> unpublished),
 * the JWKS, tokens signed by a rotated-out key, the admin listing, and a second instance over
 * the same store seeing a rotation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "json/json.h"
#include "oauth/token_int.h"
#include "support/gh_test.h"

/* The row of alg in state (the newest), or NULL. */
static const gh_key_row *find_row(gh_test_env *env, const char *alg, gh_key_state st, size_t *count)
{
    gh_key_row *rows = NULL;
    const gh_key_row *r = NULL;
    size_t n = 0;

    assert_int_equal(gh_store_key_list(env->store, env->arena, &rows, &n), GH_OK);
    if (count)
        *count = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].alg, alg) == 0 && rows[i].state == st) {
            r = &rows[i];
            if (count)
                (*count)++;
        }
    }
    return r;
}

static json_t *jwks(gh_test_env *env)
{
    gh_oauth_response resp;
    json_t *j = NULL;

    assert_int_equal(gh_test_call(env, gh_oauth_jwks, "GET", NULL, NULL, &resp), GH_OK);
    assert_non_null(resp.text);
    assert_string_equal(resp.content_type, "application/json");
    assert_int_equal(gh_json_parse_object(resp.text, resp.text_len, 1 << 20, &j, NULL, 0), GH_OK);
    return j;
}

static bool jwks_has(json_t *set, const char *kid)
{
    size_t i;
    json_t *k;

    json_array_foreach(json_object_get(set, "keys"), i, k)
    {
        if (strcmp(json_string_value(json_object_get(k, "kid")), kid) == 0)
            return true;
    }
    return false;
}

static void test_jwks_public_only(void **state)
{
    gh_test_env *env = gh_test_env_new();
    json_t *set = jwks(env);
    size_t i;
    json_t *k;
    (void)state;

    /* The active and the next key of each alg: the next is published before it signs. */
    assert_int_equal(json_array_size(json_object_get(set, "keys")), 4);
    /* SPEC: RFC7517 4 - public members only; no private "d", "p", "q" */
    json_array_foreach(json_object_get(set, "keys"), i, k)
    {
        assert_null(json_object_get(k, "d"));
        assert_null(json_object_get(k, "p"));
        assert_non_null(json_object_get(k, "kid"));
        assert_non_null(json_object_get(k, "alg"));
    }
    assert_true(jwks_has(set, find_row(env, "ES256", GH_KEY_ACTIVE, NULL)->kid));
    assert_true(jwks_has(set, find_row(env, "RS256", GH_KEY_ACTIVE, NULL)->kid));
    assert_true(jwks_has(set, find_row(env, "ES256", GH_KEY_NEXT, NULL)->kid));
    assert_true(jwks_has(set, find_row(env, "RS256", GH_KEY_NEXT, NULL)->kid));
    json_decref(set);
    gh_test_env_free(env);
}

static void test_rotation_lifecycle(void **state)
{
    gh_test_env *env = gh_test_env_new();
    char *a0 = NULL, *a1 = NULL, *n1 = NULL, *n0 = NULL;
    const gh_key_row *r;
    size_t count;
    json_t *set;
    (void)state;

    a0 = strdup(find_row(env, "ES256", GH_KEY_ACTIVE, NULL)->kid);
    /* SPEC: issue 2 item 6 - the next key is published before it signs, from the start. */
    n0 = strdup(find_row(env, "ES256", GH_KEY_NEXT, &count)->kid);
    assert_int_equal(count, 1);
    set = jwks(env);
    assert_true(jwks_has(set, n0));
    json_decref(set);

    /* First rotation: the published NEXT key becomes ACTIVE, the old one retires, a new
     * NEXT key is published. */
    gh_test_env_advance(env, 100);
    assert_int_equal(gh_oauth_keys_rotate(env->e, gh_test_ctx(env), "cli"), GH_OK);
    r = find_row(env, "ES256", GH_KEY_ACTIVE, &count);
    assert_int_equal(count, 1);
    assert_string_equal(r->kid, n0);
    assert_int_equal(r->activated_at, GH_TEST_T0 + 100);
    a1 = strdup(r->kid);
    r = find_row(env, "ES256", GH_KEY_RETIRED, &count);
    assert_int_equal(count, 1);
    assert_string_equal(r->kid, a0);
    assert_int_equal(r->retired_at, GH_TEST_T0 + 100);
    assert_int_equal(r->expires_at, GH_TEST_T0 + 100 + 3600 + 86400);
    r = find_row(env, "ES256", GH_KEY_NEXT, &count);
    assert_int_equal(count, 1);
    n1 = strdup(r->kid);
    assert_non_null(find_row(env, "RS256", GH_KEY_NEXT, NULL));

    set = jwks(env);
    assert_true(jwks_has(set, a0));
    assert_true(jwks_has(set, a1));
    assert_true(jwks_has(set, n1));
    assert_int_equal(json_array_size(json_object_get(set, "keys")), 6);
    json_decref(set);

    /* Second rotation: NEXT becomes ACTIVE. */
    gh_test_env_advance(env, 100);
    assert_int_equal(gh_oauth_keys_rotate(env->e, gh_test_ctx(env), "admin"), GH_OK);
    assert_string_equal(find_row(env, "ES256", GH_KEY_ACTIVE, NULL)->kid, n1);
    find_row(env, "ES256", GH_KEY_RETIRED, &count);
    assert_int_equal(count, 2);

    /* Past the first retired key's expiry it is no longer published. */
    gh_test_env_advance(env, 3600 + 86400 - 100 + 1);
    set = jwks(env);
    assert_false(jwks_has(set, a0));
    assert_true(jwks_has(set, a1));
    assert_true(jwks_has(set, n1));
    json_decref(set);

    free(a0);
    free(a1);
    free(n1);
    free(n0);
    gh_test_env_free(env);
}

static void test_rotation_audited(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_audit_event *ev = NULL;
    size_t n = 0, rotated = 0;
    (void)state;

    assert_int_equal(gh_oauth_keys_rotate(env->e, gh_test_ctx(env), "cli"), GH_OK);
    assert_int_equal(gh_store_audit_list(env->store, 0, 100, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ev[i].type, GH_AUDIT_KEY_ROTATED) == 0) {
            rotated++;
            assert_string_equal(ev[i].actor, "cli");
            assert_non_null(strstr(ev[i].data, "\"retired\""));
        }
    }
    assert_int_equal(rotated, 2); /* ES256 and RS256 */
    gh_test_env_free(env);
}

static void test_old_key_tokens_verify_until_expiry(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_oauth_response resp;
    char *at, *at2;
    json_t *h1, *h2;
    const char *id;
    (void)state;

    id = gh_test_cc_client(env, "svc", "dns:read", "jwt", NULL);
    assert_int_equal(gh_test_cc(env, id, "", &resp), GH_OK);
    at = strdup(gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);

    assert_int_equal(gh_oauth_keys_rotate(env->e, gh_test_ctx(env), "cli"), GH_OK);
    assert_int_equal(gh_test_cc(env, id, "", &resp), GH_OK);
    at2 = strdup(gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    h1 = gh_test_jwt_header(env, at);
    h2 = gh_test_jwt_header(env, at2);
    assert_string_not_equal(json_string_value(json_object_get(h1, "kid")),
                            json_string_value(json_object_get(h2, "kid")));

    /* The token signed by the retired key still introspects as active. */
    assert_int_equal(gh_test_call(env, gh_oauth_admin_introspect, "POST",
                                  gh_arena_printf(env->arena, "token=%s", at), NULL, &resp),
                     GH_OK);
    assert_true(json_is_true(json_object_get(resp.body, "active")));
    gh_oauth_response_clear(&resp);

    json_decref(h1);
    json_decref(h2);
    free(at);
    free(at2);
    gh_test_env_free(env);
}

static void test_admin_keys(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_oauth_response resp;
    gh_oauth_request req;
    static const gh_form empty = {NULL, 0};
    char *dump;
    (void)state;

    assert_int_equal(gh_test_call(env, gh_oauth_admin_keys, "GET", NULL, NULL, &resp), GH_OK);
    assert_int_equal(json_array_size(json_object_get(resp.body, "keys")), 4);
    dump = json_dumps(resp.body, 0);
    assert_null(strstr(dump, "\"d\""));
    assert_null(strstr(dump, "sealed"));
    assert_non_null(strstr(dump, "\"state\": \"active\""));
    free(dump);
    gh_oauth_response_clear(&resp);

    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.path_arg = "rotate";
    req.query = &empty;
    gh_oauth_response_init(&resp);
    assert_int_equal(gh_oauth_admin_keys(env->e, gh_test_ctx(env), &req, &resp), GH_OK);
    assert_true(resp.status == 0 || resp.status == 200);
    assert_int_equal(json_array_size(json_object_get(resp.body, "keys")), 6);
    gh_oauth_response_clear(&resp);

    assert_int_equal(gh_test_call(env, gh_oauth_admin_keys, "DELETE", NULL, NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 405);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_test_call(env, gh_oauth_admin_keys, "POST", NULL, NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 404);
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

static void test_other_instance_sees_rotation(void **state)
{
    gh_test_env *a = gh_test_env_new();
    gh_config *cfg2 = gh_test_config_new();
    gh_test_clock tc = {GH_TEST_T0 * 1000000LL};
    gh_clock clock = gh_test_clock_make(&tc);
    gh_engine *b = NULL;
    gh_arena *arena = gh_arena_new(0);
    gh_oauth_keysnap *s = NULL;
    gh_ctx ctx;
    char *kid;
    (void)state;

    assert_int_equal(gh_engine_new(cfg2, a->store, &clock, &b, NULL), GH_OK);
    assert_int_equal(gh_oauth_keys_rotate(a->e, gh_test_ctx(a), "cli"), GH_OK);
    kid = strdup(find_row(a, "ES256", GH_KEY_ACTIVE, NULL)->kid);

    /* Within the reload interval b still signs with the old key... */
    gh_engine_ctx_init(b, &ctx, arena);
    assert_int_equal(gh_oauth__keys_acquire(b, &ctx, &s), GH_OK);
    assert_string_not_equal(gh_jwk_kid(gh_oauth__keysnap_signer(s, GH_ALG_ES256)), kid);
    gh_oauth__keys_release(s);
    /* ...and after it, with the key a activated. */
    tc.now_us += GH_OAUTH_KEYS_RELOAD_US + 1;
    gh_engine_ctx_init(b, &ctx, arena);
    assert_int_equal(gh_oauth__keys_acquire(b, &ctx, &s), GH_OK);
    assert_string_equal(gh_jwk_kid(gh_oauth__keysnap_signer(s, GH_ALG_ES256)), kid);
    gh_oauth__keys_release(s);

    free(kid);
    gh_engine_free(b);
    gh_test_config_free(cfg2);
    gh_arena_free(arena);
    gh_test_env_free(a);
}

typedef struct reader_arg {
    gh_engine *e;
    int failures;
} reader_arg;

static void *reader(void *p)
{
    reader_arg *r = p;
    gh_arena *a = gh_arena_new(0);
    gh_ctx ctx;

    for (int i = 0; i < 300; i++) {
        gh_oauth_keysnap *s = NULL;

        gh_engine_ctx_init(r->e, &ctx, a);
        if (gh_oauth__keys_acquire(r->e, &ctx, &s) != GH_OK ||
            gh_oauth__keysnap_signer(s, GH_ALG_ES256) == NULL || s->jwks_len == 0)
            r->failures++;
        gh_oauth__keys_release(s);
    }
    gh_arena_free(a);
    return NULL;
}

/* Readers hold snapshots while reloads swap them (invariant 3); ASan sees any early free. */
static void test_concurrent_reload(void **state)
{
    gh_test_env *env = gh_test_env_new();
    pthread_t th[3];
    reader_arg args[3];
    (void)state;

    for (int i = 0; i < 3; i++) {
        args[i].e = env->e;
        args[i].failures = 0;
        assert_int_equal(pthread_create(&th[i], NULL, reader, &args[i]), 0);
    }
    for (int i = 0; i < 20; i++)
        assert_int_equal(gh_oauth__keys_reload(env->e, gh_test_ctx(env)), GH_OK);
    assert_int_equal(gh_oauth_keys_rotate(env->e, gh_test_ctx(env), "cli"), GH_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwks_public_only),
        cmocka_unit_test(test_rotation_lifecycle),
        cmocka_unit_test(test_rotation_audited),
        cmocka_unit_test(test_old_key_tokens_verify_until_expiry),
        cmocka_unit_test(test_admin_keys),
        cmocka_unit_test(test_other_instance_sees_rotation),
        cmocka_unit_test(test_concurrent_reload),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
