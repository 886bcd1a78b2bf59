/*
 * test_catalog.c - the versioned scope catalog in the engine: re-consent per scope (a changed
 * description re-asks that scope only, unchanged scopes stay remembered), the consent page's
 * change text, widening refused at start until acknowledged, the diff in catalog.changed, a
 * configured catalog_version that must rise, and /.well-known/gatehouse-scopes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/digest.h"
#include "json/json.h"
#include "oauth/flow_int.h"
#include "oauth/token_int.h"
#include "store/mem/mem.h"
#include "support/gh_test.h"

#define SUB "u_alice"
#define CLIENT "agent"

static void put_consent(gh_test_env *env, const char *scope, int64_t version)
{
    gh_consent *c = GH_ARENA_NEW(env->arena, gh_consent);
    gh_store_txn *t = gh_store_txn_new(env->arena);
    gh_store_op op;

    memset(c, 0, sizeof(*c));
    c->subject = SUB;
    c->client_id = CLIENT;
    c->scope = scope;
    c->remembered_scope = scope;
    c->audience = "";
    c->catalog_version = version;
    c->granted_at = GH_TEST_T0;
    c->updated_at = GH_TEST_T0;
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_CONSENT_PUT;
    op.u.consent = c;
    gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
}

static bool covers(gh_test_env *env, const char *a, const char *b)
{
    const char *v[2] = {a, b};
    gh_strv scopes = {v, b != NULL ? 2 : 1}, aud = {NULL, 0};
    gh_consent *c = NULL;
    gh_ctx *ctx = gh_test_ctx(env);

    assert_int_equal(gh_store_consent_get(env->store, SUB, CLIENT, env->arena, &c), GH_OK);
    return gh_oauth__consent_covers(env->e, ctx, c, &scopes, &aud);
}

/* The data of the newest catalog.changed event (a new reference). */
static json_t *last_change(gh_test_env *env)
{
    gh_audit_event *ev = NULL;
    json_t *out = NULL;
    size_t n = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ev[i].type, GH_AUDIT_CATALOG_CHANGED) == 0) {
            json_decref(out);
            out = json_loads(ev[i].data, 0, NULL);
        }
    }
    assert_non_null(out);
    return out;
}

static void test_description_change_reasks_that_scope_only(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_oauth_scope_view v[2];
    gh_config *cfg;
    gh_store *s;
    json_t *d, *ch;
    (void)state;

    put_consent(env, "dns:read logs:read", gh_engine_catalog_version(env->e));
    assert_true(covers(env, "dns:read", "logs:read"));

    s = gh_test_env_free_keep_store(env);
    cfg = gh_test_config_new();
    cfg->scopes[4].description = "Read and export DNS records";
    env = gh_test_env_new_with(cfg, s);
    assert_int_equal(gh_engine_catalog_version(env->e), 2);
    /* SPEC: DESIGN.md scope catalog - a changed scope is asked again, the others are not */
    assert_false(covers(env, "dns:read", NULL));
    assert_false(covers(env, "dns:read", "logs:read"));
    assert_true(covers(env, "logs:read", NULL));

    /* The page says what changed, for the changed scope only. */
    memset(v, 0, sizeof(v));
    v[0].name = "dns:read";
    v[1].name = "logs:read";
    assert_int_equal(gh_oauth_scope_changes(env->e, gh_test_ctx(env), SUB, CLIENT, v, 2), GH_OK);
    assert_true(v[0].changed);
    assert_string_equal(v[0].change, "the description was \u201cRead DNS records\u201d");
    assert_false(v[1].changed);
    assert_null(v[1].change);

    /* The event carries the diff with before and after. */
    d = last_change(env);
    assert_int_equal(json_integer_value(json_object_get(d, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(d, "previous")), 1);
    ch = json_array_get(json_object_get(json_object_get(d, "diff"), "changed"), 0);
    assert_string_equal(json_string_value(json_object_get(ch, "scope")), "dns:read");
    ch = json_object_get(json_object_get(ch, "fields"), "description");
    assert_string_equal(json_string_value(json_object_get(ch, "before")), "Read DNS records");
    json_decref(d);

    /* A consent given under the new version covers dns:read again. */
    put_consent(env, "dns:read logs:read", 2);
    assert_true(covers(env, "dns:read", "logs:read"));
    gh_test_env_free(env);
}

static void test_widening_needs_acknowledgement(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_test_clock tc = {GH_TEST_T0 * 1000000LL};
    gh_clock clock = gh_test_clock_make(&tc);
    gh_config *cfg;
    gh_engine *e = NULL;
    gh_store *s;
    gh_arena *a = gh_arena_new(0);
    json_t *doc, *d;
    char *text;
    (void)state;

    s = gh_test_env_free_keep_store(env);
    cfg = gh_test_config_new();
    cfg->admin_key = "configured-admin-key-0123456789";
    cfg->scopes[5].sensitive = false; /* dns:write loses the flag */
    assert_int_equal(gh_engine_new(cfg, s, &clock, &e, NULL), GH_EINVAL);
    assert_null(e);

    /* The operator acknowledges exactly this catalog (gatehouse scopes accept). */
    doc = gh_config_catalog_doc(cfg);
    text = gh_json_dump_canonical(doc);
    {
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op;

        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_KV_PUT;
        op.u.kv.key = GH_CONFIG_CATALOG_ACCEPT_KV;
        op.u.kv.value = gh_sha256_hex(a, text, strlen(text));
        gh_store_txn_add(t, &op);
        assert_int_equal(gh_store_commit(s, t), GH_OK);
    }
    free(text);
    json_decref(doc);
    env = gh_test_env_new_with(cfg, s);
    assert_int_equal(gh_engine_catalog_version(env->e), 2);
    d = last_change(env);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(d, "accepted"), 0), "what")),
        "the sensitive flag was removed");
    json_decref(d);
    gh_test_env_free(env);
    gh_arena_free(a);
}

static void test_configured_version_must_rise(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_test_clock tc = {GH_TEST_T0 * 1000000LL};
    gh_clock clock = gh_test_clock_make(&tc);
    gh_config *cfg;
    gh_engine *e = NULL;
    gh_store *s;
    (void)state;

    s = gh_test_env_free_keep_store(env);
    cfg = gh_test_config_new();
    cfg->admin_key = "configured-admin-key-0123456789";
    cfg->catalog_version = 1;
    cfg->scopes[6].description = "Read the firewall logs";
    assert_int_equal(gh_engine_new(cfg, s, &clock, &e, NULL), GH_EINVAL);
    cfg->catalog_version = 7;
    env = gh_test_env_new_with(cfg, s);
    assert_int_equal(gh_engine_catalog_version(env->e), 7);
    gh_test_env_free(env);
}

static void test_well_known_document(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_oauth_request req;
    gh_oauth_response resp;
    gh_form q;
    json_t *doc, *s;
    char h[GH_CONFIG_CATALOG_HASH_LEN];
    (void)state;

    memset(&req, 0, sizeof(req));
    memset(&resp, 0, sizeof(resp));
    memset(&q, 0, sizeof(q));
    req.method = "GET";
    req.query = &q;
    assert_int_equal(gh_oauth_scopes_document(env->e, gh_test_ctx(env), &req, &resp), GH_OK);
    doc = json_loads(resp.text, 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1);
    assert_int_equal(strlen(json_string_value(json_object_get(doc, "hash"))), 64);
    s = json_array_get(json_object_get(doc, "scopes"), 0);
    assert_true(gh_config_catalog_scope_hash(doc, json_string_value(json_object_get(s, "name")), h));
    assert_string_equal(json_string_value(json_object_get(s, "hash")), h);
    json_decref(doc);
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_description_change_reasks_that_scope_only),
        cmocka_unit_test(test_widening_needs_acknowledgement),
        cmocka_unit_test(test_configured_version_must_rise),
        cmocka_unit_test(test_well_known_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
