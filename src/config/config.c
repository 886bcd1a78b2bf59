/*
 * config.c - loads the configuration: defaults from the schema table, then the YAML file,
 * then the environment (which wins), then the checks that span several keys.
 *
 * Every message has one of two shapes, so that an operator can go straight to the fault:
 *   FILE:LINE:COL: key.path: expected ...        (a value in the file)
 *   GATEHOUSE_VARIABLE: expected ...              (a value in the environment)
 * Values are never echoed: a DSN or a secret could be the faulty one.
 *
 * The result is immutable: every string lives in one arena owned by the gh_config and freed
 * with it. What this file does not do: open the database, bind sockets or check that the
 * clients named by resources exist; cmd and the store do that.
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "config/config_int.h"

/* gh_config is the first member, so a gh_config * is also an owner *. */
typedef struct owner {
    gh_config cfg;
    gh_arena *arena;
} owner;

typedef struct loader {
    gh_config *c;
    gh_arena *a;   /* the configuration's arena */
    gh_arena *tmp; /* the node tree; freed after loading */
    const char *name;
    char *errbuf;
    size_t errlen;
} loader;

#define PATH_MAX_LEN 256

static gh_err ferr(loader *l, const gh_config__node *n, const char *path, const char *fmt, ...)
    GH_PRINTF(4, 5);

/* "NAME:LINE:COL: path: message" for the node n; returns GH_EINVAL. */
static gh_err ferr(loader *l, const gh_config__node *n, const char *path, const char *fmt, ...)
{
    if (l->errbuf == NULL || l->errlen == 0) {
        return GH_EINVAL;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)snprintf(l->errbuf, l->errlen, "%s:%u:%u: %s%s%s", l->name, n->line, n->col, path,
                   path[0] ? ": " : "", msg);
    return GH_EINVAL;
}

static const char *kind_name(gh_config__kind k)
{
    return k == GH_CONFIG__MAP ? "a mapping" : k == GH_CONFIG__SEQ ? "a list" : "a scalar";
}

/* Finds the value of key in a mapping node, or NULL. */
static const gh_config__node *map_get(const gh_config__node *map, const char *key)
{
    for (const gh_config__node *v = map->first; v != NULL; v = v->next) {
        if (strcmp(v->key->value, key) == 0) {
            return v;
        }
    }
    return NULL;
}

/* Refuses keys of map outside the NULL-terminated list allowed. */
static gh_err check_keys(loader *l, const gh_config__node *map, const char *path,
                         const char *const *allowed, const char *allowed_text)
{
    for (const gh_config__node *v = map->first; v != NULL; v = v->next) {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL && !ok; i++) {
            ok = strcmp(v->key->value, allowed[i]) == 0;
        }
        if (!ok) {
            return ferr(l, v->key, path, "unknown key \"%.64s\" (expected one of: %s)",
                        v->key->value, allowed_text);
        }
    }
    return GH_OK;
}

/* A non-null scalar of text without control characters, of 1..max characters. */
static bool text_ok(const gh_config__node *n, size_t max)
{
    if (n->kind != GH_CONFIG__SCALAR || n->is_null || n->len == 0 || n->len > max) {
        return false;
    }
    for (size_t i = 0; i < n->len; i++) {
        unsigned char ch = (unsigned char)n->value[i];
        if (ch < 0x20 || ch == 0x7f) {
            return false;
        }
    }
    return true;
}

/* ---- scopes ------------------------------------------------------------------------ */

static const char *const scope_keys[] = {"name", "description", "sensitive", NULL};

static gh_err read_scope(loader *l, const gh_config__node *item, size_t i, gh_config_scope *s)
{
    char path[PATH_MAX_LEN];
    (void)snprintf(path, sizeof path, "scopes[%zu]", i);
    if (item->kind != GH_CONFIG__MAP) {
        return ferr(l, item, path, "expected a mapping with name, description, sensitive");
    }
    gh_err e = check_keys(l, item, path, scope_keys, "name, description, sensitive");
    if (e != GH_OK) {
        return e;
    }
    const gh_config__node *name = map_get(item, "name");
    const gh_config__node *desc = map_get(item, "description");
    const gh_config__node *sens = map_get(item, "sensitive");
    if (name == NULL) {
        return ferr(l, item, path, "missing key \"name\"");
    }
    if (name->kind != GH_CONFIG__SCALAR || name->is_null ||
        !gh_config__valid_scope_token(name->value)) {
        (void)snprintf(path, sizeof path, "scopes[%zu].name", i);
        /* SPEC: RFC6749 3.3 */
        return ferr(l, name, path,
                    "expected a scope-token (1 to 128 visible ASCII characters except space, "
                    "'\"' and '\\')");
    }
    if (desc == NULL) {
        return ferr(l, item, path, "missing key \"description\"");
    }
    if (!text_ok(desc, GH_CONFIG_MAX_DESCRIPTION) || !gh_str_utf8(desc->value, desc->len)) {
        (void)snprintf(path, sizeof path, "scopes[%zu].description", i);
        return ferr(l, desc, path,
                    "expected a description of 1 to %d bytes without control characters",
                    GH_CONFIG_MAX_DESCRIPTION);
    }
    s->sensitive = false;
    if (sens != NULL && !sens->is_null &&
        (sens->kind != GH_CONFIG__SCALAR || !gh_config__parse_bool(sens->value, &s->sensitive))) {
        (void)snprintf(path, sizeof path, "scopes[%zu].sensitive", i);
        return ferr(l, sens, path, "expected true or false");
    }
    s->name = gh_arena_strdup(l->a, name->value);
    s->description = gh_arena_strdup(l->a, desc->value);
    return GH_OK;
}

static gh_err read_scopes(loader *l, const gh_config__node *n)
{
    if (n->kind == GH_CONFIG__SCALAR && n->is_null) {
        return GH_OK;
    }
    if (n->kind != GH_CONFIG__SEQ) {
        return ferr(l, n, "scopes", "expected a list of scopes (name, description, sensitive)");
    }
    if (n->n > GH_CONFIG_MAX_SCOPES) {
        return ferr(l, n, "scopes", "expected at most %d scopes", GH_CONFIG_MAX_SCOPES);
    }
    gh_config *c = l->c;
    c->scopes = GH_ARENA_NEWN(l->a, gh_config_scope, n->n ? n->n : 1);
    size_t i = 0;
    for (const gh_config__node *item = n->first; item != NULL; item = item->next, i++) {
        gh_err e = read_scope(l, item, i, &c->scopes[i]);
        if (e != GH_OK) {
            return e;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->scopes[j].name, c->scopes[i].name) == 0) {
                char path[PATH_MAX_LEN];
                (void)snprintf(path, sizeof path, "scopes[%zu].name", i);
                return ferr(l, map_get(item, "name"), path,
                            "duplicate scope \"%s\" (also scopes[%zu])", c->scopes[i].name, j);
            }
        }
        c->n_scopes = i + 1;
    }
    return GH_OK;
}

/* ---- resources ----------------------------------------------------------------------- */

static const char *const resource_keys[] = {"uri", "client_id", "scopes", NULL};

static gh_err read_resource_scopes(loader *l, const gh_config__node *list, size_t i,
                                   gh_config_resource *r)
{
    char path[PATH_MAX_LEN];
    (void)snprintf(path, sizeof path, "resources[%zu].scopes", i);
    if (list->kind == GH_CONFIG__SCALAR && list->is_null) {
        return GH_OK;
    }
    if (list->kind != GH_CONFIG__SEQ || list->n > GH_CONFIG_MAX_SCOPES) {
        return ferr(l, list, path, "expected a list of scope names from scopes");
    }
    r->scopes = GH_ARENA_NEWN(l->a, const char *, list->n ? list->n : 1);
    size_t j = 0;
    for (const gh_config__node *s = list->first; s != NULL; s = s->next, j++) {
        (void)snprintf(path, sizeof path, "resources[%zu].scopes[%zu]", i, j);
        if (s->kind != GH_CONFIG__SCALAR || s->is_null) {
            return ferr(l, s, path, "expected a scope name from scopes");
        }
        const gh_config_scope *sc = gh_config_scope_find(l->c, s->value);
        if (sc == NULL) {
            return ferr(l, s, path, "unknown scope \"%.128s\" (expected a name from scopes)",
                        s->value);
        }
        for (size_t k = 0; k < j; k++) {
            if (strcmp(r->scopes[k], sc->name) == 0) {
                return ferr(l, s, path, "duplicate scope \"%s\"", sc->name);
            }
        }
        r->scopes[j] = sc->name;
        r->n_scopes = j + 1;
    }
    return GH_OK;
}

static gh_err read_resource(loader *l, const gh_config__node *item, size_t i, gh_config_resource *r)
{
    char path[PATH_MAX_LEN];
    (void)snprintf(path, sizeof path, "resources[%zu]", i);
    if (item->kind != GH_CONFIG__MAP) {
        return ferr(l, item, path, "expected a mapping with uri, client_id, scopes");
    }
    gh_err e = check_keys(l, item, path, resource_keys, "uri, client_id, scopes");
    if (e != GH_OK) {
        return e;
    }
    const gh_config__node *uri = map_get(item, "uri");
    const gh_config__node *cid = map_get(item, "client_id");
    const gh_config__node *scopes = map_get(item, "scopes");
    if (uri == NULL) {
        return ferr(l, item, path, "missing key \"uri\"");
    }
    if (uri->kind != GH_CONFIG__SCALAR || uri->is_null || !gh_config__valid_abs_uri(uri->value)) {
        (void)snprintf(path, sizeof path, "resources[%zu].uri", i);
        /* SPEC: RFC8707 2 */
        return ferr(l, uri, path, "expected an absolute URI without fragment");
    }
    if (cid == NULL) {
        return ferr(l, item, path, "missing key \"client_id\"");
    }
    if (!text_ok(cid, GH_CONFIG_MAX_CLIENT_ID)) {
        (void)snprintf(path, sizeof path, "resources[%zu].client_id", i);
        return ferr(l, cid, path, "expected a client id of 1 to %d characters",
                    GH_CONFIG_MAX_CLIENT_ID);
    }
    r->uri = gh_arena_strdup(l->a, uri->value);
    r->client_id = gh_arena_strdup(l->a, cid->value);
    if (scopes != NULL) {
        return read_resource_scopes(l, scopes, i, r);
    }
    return GH_OK;
}

/* Runs after the whole file was read, so that resources may come before scopes. */
static gh_err read_resources(loader *l, const gh_config__node *n)
{
    if (n->kind == GH_CONFIG__SCALAR && n->is_null) {
        return GH_OK;
    }
    if (n->kind != GH_CONFIG__SEQ) {
        return ferr(l, n, "resources", "expected a list of resources (uri, client_id, scopes)");
    }
    if (n->n > GH_CONFIG_MAX_RESOURCES) {
        return ferr(l, n, "resources", "expected at most %d resources", GH_CONFIG_MAX_RESOURCES);
    }
    gh_config *c = l->c;
    c->resources = GH_ARENA_NEWN(l->a, gh_config_resource, n->n ? n->n : 1);
    size_t i = 0;
    for (const gh_config__node *item = n->first; item != NULL; item = item->next, i++) {
        gh_err e = read_resource(l, item, i, &c->resources[i]);
        if (e != GH_OK) {
            return e;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->resources[j].uri, c->resources[i].uri) == 0) {
                char path[PATH_MAX_LEN];
                (void)snprintf(path, sizeof path, "resources[%zu].uri", i);
                return ferr(l, map_get(item, "uri"), path,
                            "duplicate resource \"%.128s\" (also resources[%zu])",
                            c->resources[i].uri, j);
            }
        }
        c->n_resources = i + 1;
    }
    return GH_OK;
}

/* ---- the file ------------------------------------------------------------------------ */

/* Reads the mapping n whose key path is prefix ("" for the document). */
static gh_err read_map(loader *l, const gh_config__node *n, const char *prefix,
                       const gh_config__node **resources)
{
    for (const gh_config__node *v = n->first; v != NULL; v = v->next) {
        const char *key = v->key->value;
        char path[PATH_MAX_LEN];
        int w = snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", key);
        const gh_config__key *k = NULL;
        bool section = false;
        /* A key holding '.' would otherwise match a nested path ("serve.threads: 2"). */
        if (w > 0 && (size_t)w < sizeof path && strchr(key, '.') == NULL) {
            k = gh_config__key_find(path);
            section = k == NULL && gh_config__is_section(path);
        }
        if (k == NULL && !section) {
            char keys[512];
            gh_config__section_keys(prefix, keys, sizeof keys);
            return ferr(l, v->key, prefix, "unknown key \"%.64s\" (expected one of: %s)", key,
                        keys);
        }
        gh_err e = GH_OK;
        if (section) {
            if (v->kind == GH_CONFIG__MAP) {
                e = read_map(l, v, path, resources);
            } else if (!(v->kind == GH_CONFIG__SCALAR && v->is_null)) {
                char keys[512];
                gh_config__section_keys(path, keys, sizeof keys);
                e = ferr(l, v, path, "expected a mapping of: %s", keys);
            }
        } else if (k->type == GH_CONFIG__T_SCOPES) {
            e = read_scopes(l, v);
        } else if (k->type == GH_CONFIG__T_RESOURCES) {
            *resources = v;
        } else if (v->kind != GH_CONFIG__SCALAR ||
                   gh_config__set(l->c, l->a, k, v->is_null ? NULL : v->value) != GH_OK) {
            char what[256];
            gh_config__expected(k, what, sizeof what);
            e = ferr(l, v, path, "%s%s%s", what, v->kind != GH_CONFIG__SCALAR ? ", not " : "",
                     v->kind != GH_CONFIG__SCALAR ? kind_name(v->kind) : "");
        }
        if (e != GH_OK) {
            return e;
        }
    }
    return GH_OK;
}

static gh_err read_file(loader *l, const char *data, size_t len)
{
    gh_config__node *root = NULL;
    gh_err e = gh_config__yaml_parse(l->tmp, l->name, data, len, &root, l->errbuf, l->errlen);
    if (e != GH_OK || root == NULL || (root->kind == GH_CONFIG__SCALAR && root->is_null)) {
        return e;
    }
    if (root->kind != GH_CONFIG__MAP) {
        return ferr(l, root, "", "expected a mapping of configuration keys, not %s",
                    kind_name(root->kind));
    }
    const gh_config__node *resources = NULL;
    e = read_map(l, root, "", &resources);
    if (e == GH_OK && resources != NULL) {
        e = read_resources(l, resources);
    }
    return e;
}

/* ---- the environment --------------------------------------------------------------------- */

/* Returns the value of name in envp, or NULL. */
static const char *env_get(char *const *envp, const char *name)
{
    if (envp == NULL) {
        return NULL;
    }
    size_t n = strlen(name);
    for (size_t i = 0; envp[i] != NULL; i++) {
        if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=') {
            return envp[i] + n + 1;
        }
    }
    return NULL;
}

static gh_err eerr(loader *l, const char *var, const char *fmt, ...) GH_PRINTF(3, 4);

/* "VARIABLE: message"; returns GH_EINVAL. */
static gh_err eerr(loader *l, const char *var, const char *fmt, ...)
{
    if (l->errbuf == NULL || l->errlen == 0) {
        return GH_EINVAL;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    (void)snprintf(l->errbuf, l->errlen, "%s: %s", var, msg);
    return GH_EINVAL;
}

/* Applies GATEHOUSE_* overrides. An empty variable counts as unset. */
static gh_err read_env(loader *l, char *const *envp)
{
    static const struct {
        const char *var, *what;
    } file_only[] = {{"GATEHOUSE_SCOPES", "the scope catalog"},
                     {"GATEHOUSE_RESOURCES", "the resource servers"}};
    for (size_t i = 0; i < sizeof file_only / sizeof file_only[0]; i++) {
        const char *v = env_get(envp, file_only[i].var);
        if (v != NULL && v[0] != '\0') {
            return eerr(l, file_only[i].var, "%s may be given only in the configuration file",
                        file_only[i].what);
        }
    }
    for (size_t i = 0; i < gh_config__n_keys; i++) {
        const gh_config__key *k = &gh_config__keys[i];
        if (k->env == NULL) {
            continue;
        }
        const char *var = k->env;
        const char *v = env_get(envp, k->env);
        const char *av = k->alias ? env_get(envp, k->alias) : NULL;
        if (v != NULL && v[0] == '\0') {
            v = NULL;
        }
        if (av != NULL && av[0] != '\0') {
            if (v != NULL && strcmp(v, av) != 0) {
                return eerr(l, k->alias, "disagrees with %s; set only one of them", k->env);
            }
            v = av;
            var = k->alias;
        }
        if (v == NULL) {
            continue;
        }
        if (gh_config__set(l->c, l->a, k, v) != GH_OK) {
            char what[256];
            gh_config__expected(k, what, sizeof what);
            return eerr(l, var, "%s", what);
        }
    }
    return GH_OK;
}

/* ---- loading --------------------------------------------------------------------------- */

static void set_defaults(loader *l)
{
    for (size_t i = 0; i < gh_config__n_keys; i++) {
        const gh_config__key *k = &gh_config__keys[i];
        if (k->store == GH_CONFIG__S_LIST) {
            continue;
        }
        /* The defaults pass the same validation as the file; a failure is a bug here. */
        gh_err e = gh_config__set(l->c, l->a, k, k->def);
        gh_assert(e == GH_OK);
    }
}

/* Resolves keys.retire_after = 0 to the longest lifetime of a token signed with the key (an
 * access token or an ID token; refresh tokens and codes are random strings, not signed) plus
 * one day, so that a rotated-out key stays published while anything it signed can still be
 * presented. The oauth module computes the same for a zero value. */
static void derive(gh_config *c)
{
    if (c->key_retire_after == 0) {
        int64_t m = c->ttl_access_token > c->ttl_id_token ? c->ttl_access_token : c->ttl_id_token;
        c->key_retire_after = m + 86400;
    }
}

gh_err gh_config__load_mem(const char *name, const char *data, size_t len, char *const *envp,
                           gh_config **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    if (errbuf != NULL && errlen > 0) {
        errbuf[0] = '\0';
    }
    owner *o = gh_xcalloc(1, sizeof *o);
    o->arena = gh_arena_new(0);
    loader l = {.c = &o->cfg,
                .a = o->arena,
                .tmp = gh_arena_new(0),
                .name = name ? name : "<config>",
                .errbuf = errbuf,
                .errlen = errlen};
    o->cfg.path = name ? gh_arena_strdup(o->arena, name) : NULL;
    set_defaults(&l);
    gh_err e = GH_OK;
    if (len > 0) {
        e = read_file(&l, data, len);
    }
    if (e == GH_OK) {
        e = read_env(&l, envp);
    }
    if (e != GH_OK) {
        goto done;
    }
    derive(&o->cfg);
    *out = &o->cfg;
    o = NULL;
done:
    gh_arena_free(l.tmp);
    gh_config_free(o ? &o->cfg : NULL);
    return e;
}

/* Reads at most GH_CONFIG_MAX_FILE bytes of path into a new heap buffer. */
static gh_err slurp(const char *path, char **out, size_t *out_len, char *errbuf, size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    gh_err e = GH_OK;
    char *buf = NULL;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        (void)snprintf(errbuf, errlen, "%s: cannot open: %s", path, strerror(errno));
        return GH_EINVAL;
    }
    buf = gh_xmalloc(GH_CONFIG_MAX_FILE + 1);
    size_t n = fread(buf, 1, GH_CONFIG_MAX_FILE + 1, f);
    if (ferror(f)) {
        (void)snprintf(errbuf, errlen, "%s: cannot read: %s", path, strerror(errno));
        e = GH_EINVAL;
        goto done;
    }
    if (n > GH_CONFIG_MAX_FILE) {
        (void)snprintf(errbuf, errlen, "%s: larger than %d bytes", path, GH_CONFIG_MAX_FILE);
        e = GH_EINVAL;
        goto done;
    }
    *out = buf;
    *out_len = n;
    buf = NULL;
done:
    free(buf);
    (void)fclose(f);
    return e;
}

gh_err gh_config_load(const char *path, char *const *envp, gh_config **out, char *errbuf,
                      size_t errlen)
{
    char scratch[1];
    *out = NULL;
    if (errbuf == NULL || errlen == 0) {
        errbuf = scratch;
        errlen = sizeof scratch;
    }
    errbuf[0] = '\0';
    if (path == NULL) {
        path = env_get(envp, "GATEHOUSE_CONFIG");
        if (path != NULL && path[0] == '\0') {
            path = NULL;
        }
    }
    if (path == NULL) {
        return gh_config__load_mem(NULL, "", 0, envp, out, errbuf, errlen);
    }
    char *data = NULL;
    size_t len = 0;
    gh_err e = slurp(path, &data, &len, errbuf, errlen);
    if (e != GH_OK) {
        return e;
    }
    e = gh_config__load_mem(path, data, len, envp, out, errbuf, errlen);
    free(data);
    return e;
}

void gh_config_free(gh_config *c)
{
    if (c == NULL) {
        return;
    }
    owner *o = (owner *)c;
    gh_arena_free(o->arena);
    free(o);
}

gh_err gh_config_require_secret(const gh_config *c, char *errbuf, size_t errlen)
{
    if (c->secrets_system != NULL) {
        return GH_OK;
    }
    if (errbuf != NULL && errlen > 0) {
        (void)snprintf(errbuf, errlen,
                       "%s: secrets.system: required to serve (at least %d characters; or set "
                       "GATEHOUSE_SECRETS_SYSTEM)",
                       c->path ? c->path : "<config>", GH_CONFIG_MIN_SECRET);
    }
    return GH_EINVAL;
}

const gh_config_scope *gh_config_scope_find(const gh_config *c, const char *name)
{
    for (size_t i = 0; i < c->n_scopes; i++) {
        if (strcmp(c->scopes[i].name, name) == 0) {
            return &c->scopes[i];
        }
    }
    return NULL;
}

const gh_config_resource *gh_config_resource_find(const gh_config *c, const char *uri)
{
    for (size_t i = 0; i < c->n_resources; i++) {
        if (strcmp(c->resources[i].uri, uri) == 0) {
            return &c->resources[i];
        }
    }
    return NULL;
}

/* True if key k holds the same value in a and b. */
static bool same_value(const gh_config__key *k, const gh_config *a, const gh_config *b)
{
    const char *pa = (const char *)a + k->offset, *pb = (const char *)b + k->offset;

    switch (k->store) {
    case GH_CONFIG__S_STR: {
        const char *x = *(const char *const *)(const void *)pa;
        const char *y = *(const char *const *)(const void *)pb;

        return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
    }
    case GH_CONFIG__S_BOOL:
        return *(const bool *)(const void *)pa == *(const bool *)(const void *)pb;
    case GH_CONFIG__S_UNSIGNED:
        return *(const unsigned *)(const void *)pa == *(const unsigned *)(const void *)pb;
    case GH_CONFIG__S_SIZE:
        return *(const size_t *)(const void *)pa == *(const size_t *)(const void *)pb;
    case GH_CONFIG__S_I64:
        return *(const int64_t *)(const void *)pa == *(const int64_t *)(const void *)pb;
    case GH_CONFIG__S_LIST:
        break;
    }
    return true; /* the lists are the scope catalog's: not compared here */
}

size_t gh_config_restart_changes(const gh_config *running, const gh_config *loaded,
                                 const char **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < gh_config__n_keys; i++) {
        const gh_config__key *k = &gh_config__keys[i];

        /* The scope catalog (its lists and catalog_version) is what a reload applies. */
        if (k->store == GH_CONFIG__S_LIST || k->offset == offsetof(gh_config, catalog_version))
            continue;
        if (same_value(k, running, loaded))
            continue;
        if (n < max)
            out[n] = k->path;
        n++;
    }
    return n;
}
