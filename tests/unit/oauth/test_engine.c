/*
 * test_engine.c - engine start: derived keys, signing keys generated once, the admin key
 * (generated once, printed once, accepted in constant time), the catalog version.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/token_int.h"
#include "store/mem/mem.h"
#include "support/gh_test.h"

static size_t count_events(gh_test_env *env, const char *type)
{
    gh_audit_event *ev = NULL;
    size_t n = 0, i, k = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &n), GH_OK);
    for (i = 0; i < n; i++)
        k += strcmp(ev[i].type, type) == 0;
    return k;
}

static void test_start_generates_keys(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_key_row *rows = NULL;
    size_t n = 0;
    bool es = false, rs = false;
    char *kid0, *kid1;
    gh_store *s;
    (void)state;

    assert_int_equal(gh_store_key_list(env->store, env->arena, &rows, &n), GH_OK);
    /* An ACTIVE and a published NEXT key per alg. */
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        assert_true(rows[i].state == GH_KEY_ACTIVE || rows[i].state == GH_KEY_NEXT);
        es = es || strcmp(rows[i].alg, "ES256") == 0;
        rs = rs || strcmp(rows[i].alg, "RS256") == 0;
        /* The public JWK carries no private member. */
        assert_null(strstr(rows[i].public_jwk, "\"d\""));
        assert_true(rows[i].sealed_len > 12 + 16);
    }
    assert_true(es && rs);
    assert_int_equal(count_events(env, GH_AUDIT_KEY_CREATED), 4);
    kid0 = strdup(rows[0].kid);
    kid1 = strdup(rows[1].kid);

    /* A second start over the same store generates nothing. */
    s = gh_test_env_free_keep_store(env);
    env = gh_test_env_new_with(gh_test_config_new(), s);
    assert_int_equal(gh_store_key_list(env->store, env->arena, &rows, &n), GH_OK);
    assert_int_equal(n, 4);
    assert_string_equal(rows[0].kid, kid0);
    assert_string_equal(rows[1].kid, kid1);
    assert_int_equal(count_events(env, GH_AUDIT_KEY_CREATED), 4);
    free(kid0);
    free(kid1);
    gh_test_env_free(env);
}

static void test_wrong_system_secret_cannot_open_keys(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_store *s = gh_test_env_free_keep_store(env);
    gh_config *cfg = gh_test_config_new();
    gh_test_clock tc = {GH_TEST_T0 * 1000000LL};
    gh_clock clock = gh_test_clock_make(&tc);
    gh_engine *e = NULL;
    (void)state;

    cfg->secrets_system = "another-system-secret-0123456789-abcdef";
    cfg->admin_key = "configured-admin-key-0123456789";
    assert_int_not_equal(gh_engine_new(cfg, s, &clock, &e, NULL), GH_OK);
    assert_null(e);
    gh_test_config_free(cfg);
    gh_store_free(s);
}

static void test_no_system_secret_fails(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_clock tc = {GH_TEST_T0 * 1000000LL};
    gh_clock clock = gh_test_clock_make(&tc);
    gh_store *s = NULL;
    gh_engine *e = NULL;
    (void)state;

    assert_int_equal(gh_store_mem_open(&s), GH_OK);
    cfg->secrets_system = NULL;
    assert_int_equal(gh_engine_new(cfg, s, &clock, &e, NULL), GH_EINVAL);
    assert_null(e);
    gh_test_config_free(cfg);
    gh_store_free(s);
}

static void test_admin_key_generated_once(void **state)
{
    gh_test_env *env = gh_test_env_new();
    char *key;
    gh_store *s;
    (void)state;

    assert_non_null(env->admin_key);
    assert_true(strncmp(env->admin_key, "gh_admin_", 9) == 0);
    assert_true(strlen(env->admin_key) == 9 + 43);
    assert_true(gh_engine_admin_key_ok(env->e, env->admin_key));
    assert_false(gh_engine_admin_key_ok(env->e, "gh_admin_wrong"));
    assert_false(gh_engine_admin_key_ok(env->e, ""));
    assert_false(gh_engine_admin_key_ok(env->e, NULL));
    key = strdup(env->admin_key);

    /* Restart: no new key, the old one still works (the hash is in the store). */
    s = gh_test_env_free_keep_store(env);
    env = gh_test_env_new_with(gh_test_config_new(), s);
    assert_null(env->admin_key);
    assert_true(gh_engine_admin_key_ok(env->e, key));
    free(key);
    gh_test_env_free(env);
}

static void test_admin_key_configured(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;
    (void)state;

    cfg->admin_key = "configured-admin-key-0123456789";
    env = gh_test_env_new_with(cfg, NULL);
    assert_null(env->admin_key);
    assert_true(gh_engine_admin_key_ok(env->e, "configured-admin-key-0123456789"));
    assert_false(gh_engine_admin_key_ok(env->e, "configured-admin-key-012345678"));
    gh_test_env_free(env);
}

static void test_catalog_version(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_config *cfg;
    gh_store *s;
    (void)state;

    assert_int_equal(gh_engine_catalog_version(env->e), 1);
    assert_int_equal(count_events(env, GH_AUDIT_CATALOG_CHANGED), 1);

    /* Same configuration: same version, no event. */
    s = gh_test_env_free_keep_store(env);
    env = gh_test_env_new_with(gh_test_config_new(), s);
    assert_int_equal(gh_engine_catalog_version(env->e), 1);
    assert_int_equal(count_events(env, GH_AUDIT_CATALOG_CHANGED), 1);

    /* A changed description: version 2. */
    s = gh_test_env_free_keep_store(env);
    cfg = gh_test_config_new();
    cfg->scopes[4].description = "Read DNS records and zones";
    env = gh_test_env_new_with(cfg, s);
    assert_int_equal(gh_engine_catalog_version(env->e), 2);
    assert_int_equal(count_events(env, GH_AUDIT_CATALOG_CHANGED), 2);

    /* A changed sensitive flag: version 3. */
    s = gh_test_env_free_keep_store(env);
    cfg = gh_test_config_new();
    cfg->scopes[4].description = "Read DNS records and zones";
    cfg->scopes[4].sensitive = true;
    env = gh_test_env_new_with(cfg, s);
    assert_int_equal(gh_engine_catalog_version(env->e), 3);
    gh_test_env_free(env);
}

static void test_catalog_doc_is_canonical(void **state)
{
    gh_config *a = gh_test_config_new(), *b = gh_test_config_new();
    gh_config_scope tmp;
    char *da, *db;
    (void)state;

    /* The order of the configuration does not matter. */
    tmp = b->scopes[0];
    b->scopes[0] = b->scopes[7];
    b->scopes[7] = tmp;
    da = gh_oauth__catalog_doc(a);
    db = gh_oauth__catalog_doc(b);
    assert_string_equal(da, db);
    assert_non_null(strstr(da, "\"name\":\"dns:write\""));
    assert_non_null(strstr(da, GH_TEST_RS_DNS));
    free(da);
    free(db);
    gh_test_config_free(a);
    gh_test_config_free(b);
}

static void test_retire_window(void **state)
{
    gh_config *c = gh_test_config_new();
    (void)state;

    /* Default: the longest signed token lifetime plus a day. */
    assert_int_equal(gh_oauth__key_retire_after(c), 3600 + 86400);
    c->key_retire_after = 7200;
    assert_int_equal(gh_oauth__key_retire_after(c), 7200);
    gh_test_config_free(c);
}

static void test_ctx_init_uses_engine_clock(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_ctx *ctx;
    (void)state;

    gh_test_env_advance(env, 42);
    ctx = gh_test_ctx(env);
    assert_int_equal(ctx->now, GH_TEST_T0 + 42);
    assert_int_equal(ctx->now_us, (GH_TEST_T0 + 42) * 1000000LL);
    assert_ptr_equal(gh_engine_config(env->e), env->cfg);
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_generates_keys),
        cmocka_unit_test(test_wrong_system_secret_cannot_open_keys),
        cmocka_unit_test(test_no_system_secret_fails),
        cmocka_unit_test(test_admin_key_generated_once),
        cmocka_unit_test(test_admin_key_configured),
        cmocka_unit_test(test_catalog_version),
        cmocka_unit_test(test_catalog_doc_is_canonical),
        cmocka_unit_test(test_retire_window),
        cmocka_unit_test(test_ctx_init_uses_engine_clock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
