/*
 * test_catalog.c - the versioned scope catalog in the engine: re-consent per scope (a changed
 * description re-asks that scope only, unchanged scopes stay remembered), the consent page's
 * change text, widening refused at start until acknowledged, the diff in catalog.changed, a
 * configured catalog_version that must rise, and /.well-known/gatehouse-scopes; the reload of
 * a running engine (gh_engine_catalog_reload): a changed catalog settled and published as a
 * new snapshot (documents, lookups, new tokens, introspection), a request keeping the snapshot
 * it started with, an unchanged catalog a no-op, refused changes leaving everything as it
 * was, and readers on other threads while reloads publish.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/digest.h"
#include "base/str.h"
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

/* ---- reload ---- */

/* A string member of a JSON text (from env's arena), or NULL. */
static const char *doc_str(gh_test_env *env, const char *text, const char *name)
{
    json_t *doc = json_loads(text, 0, NULL);
    const char *v;

    assert_non_null(doc);
    v = gh_arena_strdup(env->arena, json_string_value(json_object_get(doc, name)));
    json_decref(doc);
    return v;
}

/* The body of a GET of a prebuilt document endpoint (from env's arena). */
static const char *get_doc(gh_test_env *env, gh_oauth_endpoint ep)
{
    gh_oauth_response resp;
    const char *text;

    assert_int_equal(gh_test_call(env, ep, "GET", NULL, NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    assert_non_null(resp.text);
    text = gh_arena_strndup(env->arena, resp.text, resp.text_len);
    gh_oauth_response_clear(&resp);
    return text;
}

static json_int_t doc_version(gh_test_env *env)
{
    json_t *doc = json_loads(get_doc(env, gh_oauth_scopes_document), 0, NULL);
    json_int_t v = json_integer_value(json_object_get(doc, "version"));

    json_decref(doc);
    return v;
}

/* True if the discovery document lists scope in scopes_supported. */
static bool supported(gh_test_env *env, gh_oauth_endpoint ep, const char *scope)
{
    json_t *doc = json_loads(get_doc(env, ep), 0, NULL), *v;
    bool found = false;
    size_t i;

    v = json_object_get(doc, "scopes_supported");
    for (i = 0; i < json_array_size(v); i++)
        found = found || strcmp(json_string_value(json_array_get(v, i)), scope) == 0;
    json_decref(doc);
    return found;
}

static size_t count_changes(gh_test_env *env)
{
    gh_audit_event *ev = NULL;
    size_t n = 0, k = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++)
        k += strcmp(ev[i].type, GH_AUDIT_CATALOG_CHANGED) == 0;
    return k;
}

/* Reloads cfg (then freed: the engine keeps copies); returns the result. */
static gh_err reload(gh_test_env *env, gh_config *cfg, bool *changed, char *errbuf, size_t n)
{
    int64_t version = 0;
    gh_err err = gh_engine_catalog_reload(env->e, cfg, changed, &version, errbuf, n);

    gh_test_config_free(cfg);
    assert_int_equal(version, gh_engine_catalog_version(env->e));
    return err;
}

/* The demo catalog with dns:read described anew, settings:write removed and zones:read
 * added (accepted by no resource server). */
static gh_config *changed_config(void)
{
    gh_config *cfg = gh_test_config_new();

    cfg->scopes[4].description = "Read and export DNS records";
    gh_assert(strcmp(cfg->scopes[cfg->n_scopes - 1].name, "settings:write") == 0);
    cfg->scopes[cfg->n_scopes - 1].name = "zones:read";
    cfg->scopes[cfg->n_scopes - 1].description = "Read zone settings";
    cfg->scopes[cfg->n_scopes - 1].sensitive = false;
    return cfg;
}

/* An access token of client for scope, from env's arena. */
static const char *cc_token(gh_test_env *env, const char *client, const char *scope)
{
    gh_oauth_response resp;
    const char *at;

    assert_int_equal(
        gh_test_cc(env, client, gh_arena_printf(env->arena, "&scope=%s", scope), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    return at;
}

/* Admin introspection of token (a new reference to the body). */
static json_t *introspect(gh_test_env *env, const char *token)
{
    gh_oauth_response resp;
    json_t *b;

    assert_int_equal(
        gh_test_call(env, gh_oauth_admin_introspect, "POST",
                     gh_arena_printf(env->arena, "token=%s", gh_url_encode(env->arena, token)),
                     NULL, &resp),
        GH_OK);
    assert_int_equal(resp.status, 200);
    b = json_incref(resp.body);
    gh_oauth_response_clear(&resp);
    return b;
}

static void test_reload_publishes_a_new_snapshot(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_arena *a = gh_arena_new(0);
    const char *doc1 = get_doc(env, gh_oauth_scopes_document), *doc2;
    gh_oauth_scope_view v[2];
    gh_ctx early;
    bool changed = false;
    char err[512];
    json_t *d;
    (void)state;

    put_consent(env, "dns:read logs:read", 1);
    assert_true(supported(env, gh_oauth_discovery_as, "settings:write"));
    /* A request that started before the reload (it took its snapshot). */
    gh_engine_ctx_init(env->e, &early, a);
    assert_non_null(
        gh_config_scope_find(gh_engine_catalog_config(env->e, &early), "settings:write"));

    assert_int_equal(reload(env, changed_config(), &changed, err, sizeof(err)), GH_OK);
    assert_true(changed);
    assert_int_equal(gh_engine_catalog_version(env->e), 2);

    /* The request in flight keeps the catalog it started with, whole. */
    assert_int_equal(gh_oauth__catalog(env->e, &early)->version, 1);
    assert_non_null(
        gh_config_scope_find(gh_engine_catalog_config(env->e, &early), "settings:write"));
    assert_null(gh_config_scope_find(gh_engine_catalog_config(env->e, &early), "zones:read"));

    /* New requests see the new catalog everywhere. */
    doc2 = get_doc(env, gh_oauth_scopes_document);
    assert_int_equal(doc_version(env), 2);
    assert_string_not_equal(doc_str(env, doc1, "hash"), doc_str(env, doc2, "hash"));
    assert_non_null(strstr(doc2, "Read and export DNS records"));
    assert_null(
        gh_config_scope_find(gh_engine_catalog_config(env->e, gh_test_ctx(env)), "settings:write"));
    assert_true(supported(env, gh_oauth_discovery_as, "zones:read"));
    assert_true(supported(env, gh_oauth_discovery_oidc, "zones:read"));
    assert_false(supported(env, gh_oauth_discovery_as, "settings:write"));
    assert_false(supported(env, gh_oauth_discovery_oidc, "settings:write"));

    /* Stored and audited as at start: the event carries the diff. */
    d = last_change(env);
    assert_int_equal(json_integer_value(json_object_get(d, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(d, "previous")), 1);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(json_object_get(d, "diff"), "added"), 0)),
        "zones:read");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(json_object_get(d, "diff"), "removed"), 0)),
                        "settings:write");
    json_decref(d);

    /* Consents under version 1: the changed scope is asked again, and the page says why. */
    assert_false(covers(env, "dns:read", NULL));
    assert_true(covers(env, "logs:read", NULL));
    memset(v, 0, sizeof(v));
    v[0].name = "dns:read";
    v[1].name = "logs:read";
    assert_int_equal(gh_oauth_scope_changes(env->e, gh_test_ctx(env), SUB, CLIENT, v, 2), GH_OK);
    assert_true(v[0].changed);
    assert_string_equal(v[0].change, "the description was \u201cRead DNS records\u201d");
    assert_false(v[1].changed);

    /* The same catalog again: nothing stored, nothing published. */
    assert_int_equal(reload(env, changed_config(), &changed, err, sizeof(err)), GH_OK);
    assert_false(changed);
    assert_int_equal(gh_engine_catalog_version(env->e), 2);
    assert_int_equal(count_changes(env), 2);
    gh_test_env_free(env);
    gh_arena_free(a);
}

static void test_reload_reaches_tokens_and_introspection(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_oauth_response resp;
    gh_config *cfg;
    const char *old, *fresh;
    bool changed = false;
    char err[512];
    json_t *b;
    (void)state;

    gh_test_cc_client(env, "svc", "dns:read logs:read", "jwt", NULL);
    old = cc_token(env, "svc", "dns:read%20logs:read");
    b = introspect(env, old);
    assert_string_equal(json_string_value(json_object_get(b, "scope")), "dns:read logs:read");
    json_decref(b);

    /* logs:read removed, with the resource server that accepted only it. */
    cfg = gh_test_config_new();
    assert_string_equal(cfg->scopes[6].name, "logs:read");
    cfg->scopes[6] = cfg->scopes[7];
    cfg->n_scopes--;
    cfg->n_resources = 1;
    assert_int_equal(reload(env, cfg, &changed, err, sizeof(err)), GH_OK);
    assert_true(changed);

    /* SPEC: DESIGN.md scope catalog - a removed scope disappears from introspection at once */
    b = introspect(env, old);
    assert_true(json_is_true(json_object_get(b, "active")));
    assert_string_equal(json_string_value(json_object_get(b, "scope")), "dns:read");
    assert_int_equal(json_integer_value(json_object_get(b, "catalog_version")), 1);
    json_decref(b);
    /* New tokens carry the new version and can no longer get the removed scope. */
    fresh = cc_token(env, "svc", "dns:read");
    b = introspect(env, fresh);
    assert_int_equal(json_integer_value(json_object_get(b, "catalog_version")), 2);
    json_decref(b);
    assert_int_equal(gh_test_cc(env, "svc", "&scope=logs:read", &resp), GH_OK);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.error, GH_E_INVALID_SCOPE);
    gh_oauth_response_clear(&resp);
    /* The removed resource server is no audience any more. */
    assert_int_equal(gh_test_cc(env, "svc", "&scope=dns:read&resource=" GH_TEST_RS_LOGS, &resp),
                     GH_OK);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.error, GH_E_INVALID_TARGET);
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

static void test_reload_refusals_leave_the_catalog(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_arena *a = gh_arena_new(0);
    const char *doc1 = get_doc(env, gh_oauth_scopes_document);
    const char *disc1 = get_doc(env, gh_oauth_discovery_as);
    gh_config *cfg;
    bool changed = true;
    char err[512];
    json_t *doc;
    char *text;
    (void)state;

    /* Widening: dns:write loses the sensitive flag. */
    cfg = gh_test_config_new();
    cfg->scopes[5].sensitive = false;
    doc = gh_config_catalog_doc(cfg);
    text = gh_json_dump_canonical(doc);
    assert_int_equal(reload(env, cfg, &changed, err, sizeof(err)), GH_EINVAL);
    assert_false(changed);
    assert_non_null(strstr(err, "dns:write"));
    assert_non_null(strstr(err, "gatehouse scopes accept"));
    assert_int_equal(gh_engine_catalog_version(env->e), 1);
    assert_string_equal(get_doc(env, gh_oauth_scopes_document), doc1);
    assert_string_equal(get_doc(env, gh_oauth_discovery_as), disc1);
    assert_non_null(
        gh_config_scope_find(gh_engine_catalog_config(env->e, gh_test_ctx(env)), "dns:write"));
    assert_true(
        gh_config_scope_find(gh_engine_catalog_config(env->e, gh_test_ctx(env)), "dns:write")
            ->sensitive);
    assert_int_equal(count_changes(env), 1);

    /* A configured catalog_version that does not rise. */
    cfg = changed_config();
    cfg->catalog_version = 1;
    assert_int_equal(reload(env, cfg, &changed, err, sizeof(err)), GH_EINVAL);
    assert_non_null(strstr(err, "catalog_version 1 is not above"));
    assert_int_equal(doc_version(env), 1);

    /* Acknowledged (gatehouse scopes accept), the same widening applies. */
    {
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op;

        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_KV_PUT;
        op.u.kv.key = GH_CONFIG_CATALOG_ACCEPT_KV;
        op.u.kv.value = gh_sha256_hex(a, text, strlen(text));
        gh_store_txn_add(t, &op);
        assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    }
    cfg = gh_test_config_new();
    cfg->scopes[5].sensitive = false;
    assert_int_equal(reload(env, cfg, &changed, err, sizeof(err)), GH_OK);
    assert_true(changed);
    assert_int_equal(doc_version(env), 2);
    assert_false(
        gh_config_scope_find(gh_engine_catalog_config(env->e, gh_test_ctx(env)), "dns:write")
            ->sensitive);
    free(text);
    json_decref(doc);
    gh_test_env_free(env);
    gh_arena_free(a);
}

/* ---- readers on other threads while reloads publish ---- */

#define READERS 2
#define RELOADS 40

typedef struct reader {
    gh_engine *e;
    atomic_bool *stop;
    int64_t last; /* the newest version seen */
    size_t reads;
    bool bad; /* a snapshot that was not whole, or a version that went back */
} reader;

static void *reader_main(void *arg)
{
    reader *r = arg;

    while (!atomic_load(r->stop) || r->reads == 0) {
        gh_arena *a = gh_arena_new(0);
        const gh_oauth_catalog *c;
        json_t *doc;
        gh_ctx ctx;

        gh_engine_ctx_init(r->e, &ctx, a);
        c = gh_oauth__catalog(r->e, &ctx);
        /* One snapshot is whole: its document, lookups and version agree. */
        doc = json_loads(c->scopes_document, 0, NULL);
        if (doc == NULL || json_integer_value(json_object_get(doc, "version")) != c->version ||
            c->version < r->last || gh_config_scope_find(&c->cfg, "dns:read") == NULL ||
            strstr(c->discovery_as, "dns:read") == NULL)
            r->bad = true;
        r->last = c->version;
        r->reads++;
        json_decref(doc);
        gh_arena_free(a);
    }
    return NULL;
}

static void test_reload_while_reading(void **state)
{
    gh_test_env *env = gh_test_env_new();
    atomic_bool stop;
    pthread_t tid[READERS];
    reader r[READERS];
    bool changed = false;
    char err[512];
    (void)state;

    atomic_init(&stop, false);
    for (int i = 0; i < READERS; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].e = env->e;
        r[i].stop = &stop;
        assert_int_equal(pthread_create(&tid[i], NULL, reader_main, &r[i]), 0);
    }
    for (int k = 0; k < RELOADS; k++) {
        gh_config *cfg = gh_test_config_new();

        cfg->scopes[4].description = k % 2 == 0 ? "Read DNS records (b)" : "Read DNS records";
        assert_int_equal(reload(env, cfg, &changed, err, sizeof(err)), GH_OK);
        assert_true(changed);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < READERS; i++) {
        assert_int_equal(pthread_join(tid[i], NULL), 0);
        assert_false(r[i].bad);
        assert_true(r[i].reads > 0);
    }
    assert_int_equal(gh_engine_catalog_version(env->e), RELOADS + 1);
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_description_change_reasks_that_scope_only),
        cmocka_unit_test(test_widening_needs_acknowledgement),
        cmocka_unit_test(test_configured_version_must_rise),
        cmocka_unit_test(test_well_known_document),
        cmocka_unit_test(test_reload_publishes_a_new_snapshot),
        cmocka_unit_test(test_reload_reaches_tokens_and_introspection),
        cmocka_unit_test(test_reload_refusals_leave_the_catalog),
        cmocka_unit_test(test_reload_while_reading),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
