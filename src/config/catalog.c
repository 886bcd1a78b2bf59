/*
 * catalog.c - the scope catalog as a document: each scope's definition and its hash, the diff
 * between two versions, and which changes widen what an existing consent allows.
 *
 * A scope's definition is its name, description, sensitive flag and the resource servers that
 * accept it (derived from resources:, sorted). Its hash is the SHA-256 of the definition's
 * canonical JSON (sorted keys, compact), in hex. Definitions are always derived from a
 * document's "scopes" and "resources" arrays, never read from the "hash" members a document
 * carries for its readers, so documents stored before the hashes existed compare the same way.
 *
 * Widening (DESIGN.md: a change that widens a consent is never applied silently): a scope now
 * accepted by a resource server that did not accept it before, or a scope that lost the
 * sensitive flag. Descriptions changing is not widening (it re-asks, see oauth/consent.c);
 * removing a scope or a resource narrows.
 *
 * Not here: storing versions (oauth/engine.c), re-consent (oauth/consent.c), the commands
 * (cmd/cmd_scopes.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/mem.h"
#include "config/config.h"
#include "json/json.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_scope(const void *a, const void *b)
{
    const gh_config_scope *x = *(const gh_config_scope *const *)a;
    const gh_config_scope *y = *(const gh_config_scope *const *)b;

    return strcmp(x->name, y->name);
}

static int cmp_resource(const void *a, const void *b)
{
    const gh_config_resource *x = *(const gh_config_resource *const *)a;
    const gh_config_resource *y = *(const gh_config_resource *const *)b;

    return strcmp(x->uri, y->uri);
}

static bool array_has(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;

    json_array_foreach (arr, i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
            return true;
    return false;
}

/* Returns a new reference: the sorted uris of doc's resources that accept name. */
static json_t *accepting(const json_t *doc, const char *name)
{
    json_t *res = json_object_get(doc, "resources"), *r, *out = json_array();
    const char **v = NULL;
    size_t i, n = 0;

    if (!json_is_array(res))
        return out;
    v = gh_xcalloc(json_array_size(res) + 1, sizeof(*v));
    json_array_foreach (res, i, r) {
        const char *uri = json_string_value(json_object_get(r, "uri"));

        if (uri != NULL && array_has(json_object_get(r, "scopes"), name))
            v[n++] = uri;
    }
    qsort(v, n, sizeof(*v), cmp_str);
    for (i = 0; i < n; i++)
        json_array_append_new(out, json_string(v[i]));
    free(v);
    return out;
}

/* Returns a new reference: the definition of scope entry s of doc, or NULL when s is not an
 * object with a string name. */
static json_t *definition(const json_t *doc, const json_t *s)
{
    const char *name = json_string_value(json_object_get(s, "name"));
    const char *desc = json_string_value(json_object_get(s, "description"));

    if (name == NULL)
        return NULL;
    return json_pack("{sssssbso}", "name", name, "description", desc != NULL ? desc : "",
                     "sensitive", json_is_true(json_object_get(s, "sensitive")), "resources",
                     accepting(doc, name));
}

/* The scope entry of doc named name, borrowed, or NULL. */
static json_t *scope_entry(const json_t *doc, const char *name)
{
    json_t *scopes = json_object_get(doc, "scopes"), *s;
    size_t i;

    json_array_foreach (scopes, i, s) {
        const char *n = json_string_value(json_object_get(s, "name"));

        if (n != NULL && strcmp(n, name) == 0)
            return s;
    }
    return NULL;
}

static void def_hash(const json_t *def, char out[GH_CONFIG_CATALOG_HASH_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char h[GH_SHA256_LEN];
    char *text = gh_json_dump_canonical(def);

    gh_sha256(text, strlen(text), h);
    free(text);
    for (size_t i = 0; i < GH_SHA256_LEN; i++) {
        out[2 * i] = hex[h[i] >> 4];
        out[2 * i + 1] = hex[h[i] & 15];
    }
    out[2 * GH_SHA256_LEN] = '\0';
}

json_t *gh_config_catalog_doc(const gh_config *cfg)
{
    const gh_config_scope **sv = NULL;
    const gh_config_resource **rv = NULL;
    json_t *doc = json_object(), *scopes = json_array(), *res = json_array();
    size_t i, j;

    if (cfg->n_resources > 0) {
        rv = gh_xcalloc(cfg->n_resources, sizeof(*rv));
        for (i = 0; i < cfg->n_resources; i++)
            rv[i] = &cfg->resources[i];
        qsort(rv, cfg->n_resources, sizeof(*rv), cmp_resource);
    }
    for (i = 0; i < cfg->n_resources; i++) {
        json_t *r = json_object(), *acc = json_array();

        json_object_set_new(r, "uri", json_string(rv[i]->uri));
        if (rv[i]->client_id != NULL)
            json_object_set_new(r, "client_id", json_string(rv[i]->client_id));
        for (j = 0; j < rv[i]->n_scopes; j++)
            json_array_append_new(acc, json_string(rv[i]->scopes[j]));
        json_object_set_new(r, "scopes", acc);
        json_array_append_new(res, r);
    }
    json_object_set_new(doc, "resources", res);
    if (cfg->n_scopes > 0) {
        sv = gh_xcalloc(cfg->n_scopes, sizeof(*sv));
        for (i = 0; i < cfg->n_scopes; i++)
            sv[i] = &cfg->scopes[i];
        qsort(sv, cfg->n_scopes, sizeof(*sv), cmp_scope);
    }
    for (i = 0; i < cfg->n_scopes; i++) {
        json_t *s = json_object(), *def;
        char h[GH_CONFIG_CATALOG_HASH_LEN];

        json_object_set_new(s, "name", json_string(sv[i]->name));
        json_object_set_new(s, "description",
                            json_string(sv[i]->description ? sv[i]->description : ""));
        json_object_set_new(s, "sensitive", json_boolean(sv[i]->sensitive));
        def = definition(doc, s);
        json_object_set(s, "resources", json_object_get(def, "resources"));
        def_hash(def, h);
        json_decref(def);
        json_object_set_new(s, "hash", json_string(h));
        json_array_append_new(scopes, s);
    }
    json_object_set_new(doc, "scopes", scopes);
    free(sv);
    free(rv);
    return doc;
}

void gh_config_catalog_copy(gh_config *dst, const gh_config *src, gh_arena *a)
{
    gh_config_scope *sv = GH_ARENA_NEWN(a, gh_config_scope, src->n_scopes + 1);
    gh_config_resource *rv = GH_ARENA_NEWN(a, gh_config_resource, src->n_resources + 1);

    for (size_t i = 0; i < src->n_scopes; i++) {
        sv[i].name = gh_arena_strdup(a, src->scopes[i].name);
        sv[i].description = gh_arena_strdup(a, src->scopes[i].description);
        sv[i].sensitive = src->scopes[i].sensitive;
    }
    for (size_t i = 0; i < src->n_resources; i++) {
        const gh_config_resource *r = &src->resources[i];
        const char **scopes = GH_ARENA_NEWN(a, const char *, r->n_scopes + 1);

        for (size_t j = 0; j < r->n_scopes; j++)
            scopes[j] = gh_arena_strdup(a, r->scopes[j]);
        rv[i].uri = gh_arena_strdup(a, r->uri);
        rv[i].client_id = gh_arena_strdup(a, r->client_id);
        rv[i].scopes = scopes;
        rv[i].n_scopes = r->n_scopes;
    }
    dst->catalog_version = src->catalog_version;
    dst->scopes = sv;
    dst->n_scopes = src->n_scopes;
    dst->resources = rv;
    dst->n_resources = src->n_resources;
}

bool gh_config_catalog_scope_hash(const json_t *doc, const char *name,
                                  char out[GH_CONFIG_CATALOG_HASH_LEN])
{
    json_t *s = scope_entry(doc, name), *def;

    out[0] = '\0';
    if (s == NULL || (def = definition(doc, s)) == NULL)
        return false;
    def_hash(def, out);
    json_decref(def);
    return true;
}

/* Adds to fields what differs between definitions a and b. */
static void field_diff(json_t *fields, const json_t *a, const json_t *b)
{
    static const char *const names[] = {"description", "sensitive", "resources"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        json_t *x = json_object_get(a, names[i]), *y = json_object_get(b, names[i]);

        if (!json_equal(x, y))
            json_object_set_new(fields, names[i], json_pack("{sOsO}", "before", x, "after", y));
    }
}

json_t *gh_config_catalog_diff(const json_t *before, const json_t *after)
{
    json_t *added = json_array(), *removed = json_array(), *changed = json_array(), *s;
    json_t *none = json_object();
    size_t i;

    if (before == NULL)
        before = none;
    if (after == NULL)
        after = none;
    json_array_foreach (json_object_get(after, "scopes"), i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        json_t *old, *da, *db, *fields;

        if (name == NULL)
            continue;
        old = scope_entry(before, name);
        if (old == NULL) {
            json_array_append_new(added, json_string(name));
            continue;
        }
        da = definition(before, old);
        db = definition(after, s);
        fields = json_object();
        field_diff(fields, da, db);
        if (json_object_size(fields) > 0)
            json_array_append_new(changed, json_pack("{sssO}", "scope", name, "fields", fields));
        json_decref(fields);
        json_decref(da);
        json_decref(db);
    }
    json_array_foreach (json_object_get(before, "scopes"), i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));

        if (name != NULL && scope_entry(after, name) == NULL)
            json_array_append_new(removed, json_string(name));
    }
    json_decref(none);
    return json_pack("{sososo}", "added", added, "removed", removed, "changed", changed);
}

bool gh_config_catalog_diff_empty(const json_t *diff)
{
    return json_array_size(json_object_get(diff, "added")) == 0 &&
           json_array_size(json_object_get(diff, "removed")) == 0 &&
           json_array_size(json_object_get(diff, "changed")) == 0;
}

/* Returns a new reference: the items of after's array that before's lacks. */
static json_t *gained(const json_t *before, const json_t *after)
{
    json_t *out = json_array(), *v;
    size_t i;

    json_array_foreach (after, i, v)
        if (json_is_string(v) && !array_has(before, json_string_value(v)))
            json_array_append(out, v);
    return out;
}

json_t *gh_config_catalog_widening(const json_t *diff)
{
    json_t *out = json_array(), *c;
    size_t i;

    json_array_foreach (json_object_get(diff, "changed"), i, c) {
        const char *name = json_string_value(json_object_get(c, "scope"));
        json_t *fields = json_object_get(c, "fields");
        json_t *res = json_object_get(fields, "resources");
        json_t *sens = json_object_get(fields, "sensitive");

        if (res != NULL) {
            json_t *g = gained(json_object_get(res, "before"), json_object_get(res, "after")), *u;
            size_t j;

            json_array_foreach (g, j, u) {
                char what[2048];

                (void)snprintf(what, sizeof(what), "now accepted by %s", json_string_value(u));
                json_array_append_new(out, json_pack("{ssss}", "scope", name, "what", what));
            }
            json_decref(g);
        }
        if (sens != NULL && json_is_true(json_object_get(sens, "before")) &&
            !json_is_true(json_object_get(sens, "after")))
            json_array_append_new(out, json_pack("{ssss}", "scope", name, "what",
                                                 "the sensitive flag was removed"));
    }
    return out;
}

/* Appends s to the bounded text out (never past outlen - 1). */
static void put(char *out, size_t outlen, const char *s)
{
    size_t have = strlen(out), n = strlen(s);

    if (have + 1 >= outlen)
        return;
    if (n > outlen - have - 1)
        n = outlen - have - 1;
    memcpy(out + have, s, n);
    out[have + n] = '\0';
}

void gh_config_catalog_change_text(const json_t *fields, char *out, size_t outlen)
{
    json_t *d = json_object_get(fields, "description");
    json_t *s = json_object_get(fields, "sensitive");
    json_t *r = json_object_get(fields, "resources");

    if (outlen == 0)
        return;
    out[0] = '\0';
    if (d != NULL) {
        put(out, outlen, "the description was \u201c");
        put(out, outlen, json_string_value(json_object_get(d, "before")) != NULL
                             ? json_string_value(json_object_get(d, "before"))
                             : "");
        put(out, outlen, "\u201d");
    }
    if (s != NULL) {
        put(out, outlen, out[0] != '\0' ? "; " : "");
        put(out, outlen, json_is_true(json_object_get(s, "after")) ? "it is now sensitive"
                                                                    : "it is no longer sensitive");
    }
    if (r != NULL) {
        json_t *plus = gained(json_object_get(r, "before"), json_object_get(r, "after"));
        json_t *minus = gained(json_object_get(r, "after"), json_object_get(r, "before")), *u;
        size_t i;

        json_array_foreach (plus, i, u) {
            put(out, outlen, out[0] != '\0' ? "; " : "");
            put(out, outlen, "now also accepted by ");
            put(out, outlen, json_string_value(u));
        }
        json_array_foreach (minus, i, u) {
            put(out, outlen, out[0] != '\0' ? "; " : "");
            put(out, outlen, "no longer accepted by ");
            put(out, outlen, json_string_value(u));
        }
        json_decref(plus);
        json_decref(minus);
    }
}
