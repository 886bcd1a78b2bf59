/*
 * test_catalog.c - the scope catalog document: definition hashes (stable, changed by each
 * field of the definition only), the diff between two versions (added, removed, changed with
 * before and after), widening detection (a new resource server, the sensitive flag removed),
 * documents stored before the hash members existed, and the consent page's change text; the
 * deep copy of a catalog (what a reload keeps) and the settings a reload cannot apply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/config.h"
#include "base/arena.h"
#include "config/config_int.h"

#define BASE                                                                                       \
    "scopes:\n"                                                                                    \
    "  - {name: dns:read, description: Read DNS records}\n"                                        \
    "  - {name: dns:write, description: Change DNS records, sensitive: true}\n"                    \
    "  - {name: logs:read, description: Read firewall logs}\n"                                     \
    "resources:\n"                                                                                 \
    "  - {uri: https://api.example.test, client_id: api, scopes: [dns:read, dns:write, logs:read]}\n"              \
    "  - {uri: https://logs.example.test, client_id: logs, scopes: [logs:read]}\n"

static json_t *doc_of(const char *yaml)
{
    char err[512];
    gh_config *c = NULL;
    json_t *doc;

    err[0] = '\0';
    if (gh_config__load_mem("t.yaml", yaml, strlen(yaml), NULL, &c, err, sizeof err) != GH_OK)
        fail_msg("load: %s", err);
    doc = gh_config_catalog_doc(c);
    gh_config_free(c);
    return doc;
}

static const char *hash_of(const json_t *doc, const char *name, char out[65])
{
    assert_true(gh_config_catalog_scope_hash(doc, name, out));
    return out;
}

static void test_doc_and_hashes(void **state)
{
    char a[65], b[65];
    json_t *d1, *d2, *s;

    (void)state;
    d1 = doc_of(BASE);
    d2 = doc_of(BASE);
    s = json_array_get(json_object_get(d1, "scopes"), 0);
    assert_string_equal(json_string_value(json_object_get(s, "name")), "dns:read");
    /* The published hash member is the computed one, 64 hex digits, stable across loads. */
    assert_string_equal(json_string_value(json_object_get(s, "hash")), hash_of(d1, "dns:read", a));
    assert_int_equal(strlen(a), 64);
    assert_string_equal(hash_of(d2, "dns:read", b), a);
    assert_string_equal(json_string_value(json_array_get(json_object_get(s, "resources"), 0)),
                        "https://api.example.test");
    /* Distinct scopes have distinct hashes; an unknown scope has none. */
    assert_string_not_equal(hash_of(d1, "logs:read", b), a);
    assert_false(gh_config_catalog_scope_hash(d1, "nope", b));
    assert_string_equal(b, "");
    json_decref(d1);
    json_decref(d2);
}

static void test_hash_ignores_stored_members(void **state)
{
    char a[65], b[65];
    json_t *d = doc_of(BASE), *old;
    size_t i;
    json_t *s;

    (void)state;
    /* A document stored before per-scope hashes and resources existed hashes the same. */
    old = json_deep_copy(d);
    json_array_foreach (json_object_get(old, "scopes"), i, s) {
        json_object_del(s, "hash");
        json_object_del(s, "resources");
    }
    assert_string_equal(hash_of(old, "logs:read", a), hash_of(d, "logs:read", b));
    json_decref(old);
    json_decref(d);
}

static void test_description_change_only_that_scope(void **state)
{
    char a[65], b[65];
    json_t *d1 = doc_of(BASE), *d2, *diff, *c;

    (void)state;
    d2 = doc_of("scopes:\n"
                "  - {name: dns:read, description: Read and export DNS records}\n"
                "  - {name: dns:write, description: Change DNS records, sensitive: true}\n"
                "  - {name: logs:read, description: Read firewall logs}\n"
                "resources:\n"
                "  - {uri: https://api.example.test, client_id: api, scopes: [dns:read, dns:write, logs:read]}\n"
                "  - {uri: https://logs.example.test, client_id: logs, scopes: [logs:read]}\n");
    assert_string_not_equal(hash_of(d1, "dns:read", a), hash_of(d2, "dns:read", b));
    assert_string_equal(hash_of(d1, "logs:read", a), hash_of(d2, "logs:read", b));
    assert_string_equal(hash_of(d1, "dns:write", a), hash_of(d2, "dns:write", b));
    diff = gh_config_catalog_diff(d1, d2);
    assert_false(gh_config_catalog_diff_empty(diff));
    assert_int_equal(json_array_size(json_object_get(diff, "added")), 0);
    assert_int_equal(json_array_size(json_object_get(diff, "removed")), 0);
    assert_int_equal(json_array_size(json_object_get(diff, "changed")), 1);
    c = json_array_get(json_object_get(diff, "changed"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "scope")), "dns:read");
    c = json_object_get(json_object_get(c, "fields"), "description");
    assert_string_equal(json_string_value(json_object_get(c, "before")), "Read DNS records");
    assert_string_equal(json_string_value(json_object_get(c, "after")),
                        "Read and export DNS records");
    assert_int_equal(json_object_size(json_object_get(
                         json_array_get(json_object_get(diff, "changed"), 0), "fields")),
                     1);
    /* A description change is not widening. */
    json_t *w = gh_config_catalog_widening(diff);
    assert_int_equal(json_array_size(w), 0);
    json_decref(w);
    json_decref(diff);
    /* The same catalog has an empty diff. */
    diff = gh_config_catalog_diff(d1, d1);
    assert_true(gh_config_catalog_diff_empty(diff));
    json_decref(diff);
    json_decref(d1);
    json_decref(d2);
}

static void test_added_removed(void **state)
{
    json_t *d1 = doc_of(BASE), *d2, *diff;

    (void)state;
    d2 = doc_of("scopes:\n"
                "  - {name: dns:read, description: Read DNS records}\n"
                "  - {name: dns:write, description: Change DNS records, sensitive: true}\n"
                "  - {name: zones:read, description: Read zones}\n"
                "resources:\n"
                "  - {uri: https://api.example.test, client_id: api, scopes: [dns:read, dns:write]}\n");
    diff = gh_config_catalog_diff(d1, d2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(diff, "added"), 0)),
                        "zones:read");
    assert_string_equal(json_string_value(json_array_get(json_object_get(diff, "removed"), 0)),
                        "logs:read");
    assert_int_equal(json_array_size(json_object_get(diff, "changed")), 0);
    json_decref(diff);
    /* From nothing, everything is added. */
    diff = gh_config_catalog_diff(NULL, d1);
    assert_int_equal(json_array_size(json_object_get(diff, "added")), 3);
    json_decref(diff);
    json_decref(d1);
    json_decref(d2);
}

static void test_widening(void **state)
{
    char text[512];
    json_t *d1 = doc_of(BASE), *d2, *diff, *w, *c;

    (void)state;
    /* dns:read now also accepted by the logs server; dns:write no longer sensitive;
     * logs:read no longer accepted by the logs server (narrowing, not widening). */
    d2 = doc_of("scopes:\n"
                "  - {name: dns:read, description: Read DNS records}\n"
                "  - {name: dns:write, description: Change DNS records}\n"
                "  - {name: logs:read, description: Read firewall logs}\n"
                "resources:\n"
                "  - {uri: https://api.example.test, client_id: api, scopes: [dns:read, dns:write, logs:read]}\n"
                "  - {uri: https://logs.example.test, client_id: logs, scopes: [dns:read]}\n");
    diff = gh_config_catalog_diff(d1, d2);
    assert_int_equal(json_array_size(json_object_get(diff, "changed")), 3);
    w = gh_config_catalog_widening(diff);
    assert_int_equal(json_array_size(w), 2);
    c = json_array_get(w, 0);
    assert_string_equal(json_string_value(json_object_get(c, "scope")), "dns:read");
    assert_string_equal(json_string_value(json_object_get(c, "what")),
                        "now accepted by https://logs.example.test");
    c = json_array_get(w, 1);
    assert_string_equal(json_string_value(json_object_get(c, "scope")), "dns:write");
    assert_string_equal(json_string_value(json_object_get(c, "what")),
                        "the sensitive flag was removed");
    json_decref(w);
    /* The change texts. */
    c = json_array_get(json_object_get(diff, "changed"), 0);
    gh_config_catalog_change_text(json_object_get(c, "fields"), text, sizeof text);
    assert_string_equal(text, "now also accepted by https://logs.example.test");
    c = json_array_get(json_object_get(diff, "changed"), 2);
    gh_config_catalog_change_text(json_object_get(c, "fields"), text, sizeof text);
    assert_string_equal(text, "no longer accepted by https://logs.example.test");
    /* A short buffer is cut, never overrun. */
    gh_config_catalog_change_text(json_object_get(c, "fields"), text, 8);
    assert_string_equal(text, "no long");
    json_decref(diff);
    /* Adding the flag is not widening. */
    diff = gh_config_catalog_diff(d2, d1);
    w = gh_config_catalog_widening(diff);
    for (size_t i = 0; i < json_array_size(w); i++)
        assert_string_not_equal(
            json_string_value(json_object_get(json_array_get(w, i), "what")),
            "the sensitive flag was removed");
    json_decref(w);
    json_decref(diff);
    json_decref(d1);
    json_decref(d2);
}

static gh_config *load_cfg(const char *yaml)
{
    char err[512];
    gh_config *c = NULL;

    err[0] = '\0';
    if (gh_config__load_mem("t.yaml", yaml, strlen(yaml), NULL, &c, err, sizeof err) != GH_OK)
        fail_msg("load: %s", err);
    return c;
}

static void test_catalog_copy_outlives_source(void **state)
{
    gh_config *src = load_cfg("catalog_version: 7\n" BASE);
    gh_config dst;
    gh_arena *a = gh_arena_new(0);
    json_t *before, *after;
    (void)state;

    memset(&dst, 0, sizeof(dst));
    dst.issuer = "http://kept.example";
    gh_config_catalog_copy(&dst, src, a);
    before = gh_config_catalog_doc(src);
    /* Every string and list is the copy's own: the source can go. */
    assert_ptr_not_equal(dst.scopes, src->scopes);
    assert_ptr_not_equal(dst.scopes[0].name, src->scopes[0].name);
    assert_ptr_not_equal(dst.resources[0].scopes, src->resources[0].scopes);
    gh_config_free(src);
    after = gh_config_catalog_doc(&dst);
    assert_true(json_equal(before, after));
    assert_int_equal(dst.catalog_version, 7);
    assert_int_equal(dst.n_scopes, 3);
    assert_int_equal(dst.n_resources, 2);
    assert_non_null(gh_config_scope_find(&dst, "dns:write"));
    assert_true(gh_config_scope_find(&dst, "dns:write")->sensitive);
    assert_string_equal(gh_config_resource_find(&dst, "https://logs.example.test")->client_id,
                        "logs");
    /* The rest of dst is untouched. */
    assert_string_equal(dst.issuer, "http://kept.example");
    json_decref(before);
    json_decref(after);
    gh_arena_free(a);
}

static void test_restart_changes(void **state)
{
    gh_config *a = load_cfg("ttl: {access_token: 600}\nserve: {threads: 2}\n" BASE);
    gh_config *same = load_cfg("ttl: {access_token: 600}\nserve: {threads: 2}\n" BASE);
    gh_config *catalog_only =
        load_cfg("catalog_version: 9\nttl: {access_token: 600}\nserve: {threads: 2}\n"
                 "scopes:\n  - {name: dns:read, description: Other}\n");
    gh_config *other = load_cfg("issuer: https://other.example\nttl: {access_token: 900}\n"
                                "serve: {threads: 2}\nsecrets: {system: "
                                "a-changed-system-secret-0123456789abcdef}\n" BASE);
    const char *out[8];
    (void)state;

    assert_int_equal(gh_config_restart_changes(a, same, out, 8), 0);
    /* The catalog's keys are what a reload applies: never reported. */
    assert_int_equal(gh_config_restart_changes(a, catalog_only, out, 8), 0);
    /* Named by key path in schema order; the secret by its key only. */
    assert_int_equal(gh_config_restart_changes(a, other, out, 8), 3);
    assert_string_equal(out[0], "issuer");
    assert_string_equal(out[1], "secrets.system");
    assert_string_equal(out[2], "ttl.access_token");
    /* The count is complete even when out is short. */
    assert_int_equal(gh_config_restart_changes(a, other, out, 1), 3);
    assert_string_equal(out[0], "issuer");
    gh_config_free(a);
    gh_config_free(same);
    gh_config_free(catalog_only);
    gh_config_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doc_and_hashes),
        cmocka_unit_test(test_hash_ignores_stored_members),
        cmocka_unit_test(test_description_change_only_that_scope),
        cmocka_unit_test(test_added_removed),
        cmocka_unit_test(test_widening),
        cmocka_unit_test(test_catalog_copy_outlives_source),
        cmocka_unit_test(test_restart_changes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
