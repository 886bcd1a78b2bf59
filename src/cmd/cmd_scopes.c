/*
 * cmd_scopes.c - `gatehouse scopes check|diff|accept|purge`: the versioned scope catalog.
 *
 *   check FILE        validates a catalog (a configuration file: scopes, resources,
 *                     catalog_version) without a server or a database, for an operator's CI;
 *                     exit 0, or 2 with the configuration error (file:line:col: key: ...)
 *   diff [--json]     the stored latest version against the configured catalog: added,
 *                     removed and changed scopes (each changed field before and after), and
 *                     the changes that widen what existing consents allow
 *   accept            acknowledges the configured catalog's widening changes and records it
 *                     as the new version (the engine start stores it with catalog.changed)
 *   purge [--dry-run] removes scopes no longer in the catalog from stored consents and says
 *                     how many consents were touched; each rewritten consent is audited
 *
 * purge reaches the consents of every subject it can name: the built-in users and every
 * subject of a consent.granted event in the audit trail (an operator's own login app may use
 * subjects gatehouse has no user for). The store lists consents per subject only.
 *
 * Not here: the catalog document, hashes and diff (config/catalog.c), settling the version at
 * start (oauth/engine.c).
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/digest.h"
#include "base/limits.h"
#include "cmd/cmd.h"
#include "json/json.h"

#define SCOPES_AUDIT_CONSENT_PURGED "consent.purged"
#define SCOPES_PAGE 500

static const char scopes_usage[] =
    "usage: gatehouse scopes <subcommand> [--config FILE]\n"
    "\n"
    "subcommands:\n"
    "  check FILE          validate the scope catalog of FILE (no server, no database);\n"
    "                      exit 0 when valid, 2 with the error otherwise\n"
    "  diff [--json]       show the stored catalog version against the configured one\n"
    "  accept              acknowledge the configured catalog's widening changes (a scope\n"
    "                      accepted by another resource server, a sensitive flag removed)\n"
    "                      and record it as the new version\n"
    "  purge [--dry-run]   remove scopes that are no longer in the catalog from stored\n"
    "                      consents; print how many consents were (or would be) touched\n";

static int check(const char *file)
{
    char errbuf[1024];
    gh_config *c = NULL;

    errbuf[0] = '\0';
    if (gh_config_load(file, NULL, &c, errbuf, sizeof(errbuf)) != GH_OK) {
        (void)fprintf(stderr, "gatehouse: invalid configuration: %s\n",
                      errbuf[0] != '\0' ? errbuf : "cannot be loaded");
        return GH_CMD_USAGE;
    }
    (void)printf("%s: scope catalog valid: %zu scope%s, %zu resource server%s\n", file,
                 c->n_scopes, c->n_scopes == 1 ? "" : "s", c->n_resources,
                 c->n_resources == 1 ? "" : "s");
    gh_config_free(c);
    return GH_CMD_OK;
}

/* Returns a new reference: the stored latest catalog document (NULL when none, *out_version
 * 0), or NULL with *out_err set when the store fails. */
static json_t *stored_latest(gh_cmd_env *env, gh_arena *a, int64_t *out_version, gh_err *out_err)
{
    gh_catalog_row *row = NULL;
    gh_err err = gh_store_catalog_latest(env->store, a, &row);

    *out_version = 0;
    *out_err = GH_OK;
    if (err == GH_ENOTFOUND)
        return NULL;
    if (err != GH_OK) {
        *out_err = err;
        return NULL;
    }
    *out_version = row->version;
    return json_loads(row->doc, 0, NULL);
}

static void print_value(const json_t *v)
{
    char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

    (void)fputs(t != NULL ? t : "null", stdout);
    free(t);
}

static void print_diff(const json_t *diff, const json_t *widening, int64_t version)
{
    json_t *v, *fields, *f;
    const char *k;
    size_t i;

    (void)printf("stored version %lld -> configured catalog\n", (long long)version);
    if (gh_config_catalog_diff_empty(diff)) {
        (void)printf("no changes\n");
        return;
    }
    json_array_foreach (json_object_get(diff, "added"), i, v)
        (void)printf("+ %s (added)\n", json_string_value(v));
    json_array_foreach (json_object_get(diff, "removed"), i, v)
        (void)printf("- %s (removed)\n", json_string_value(v));
    json_array_foreach (json_object_get(diff, "changed"), i, v) {
        (void)printf("~ %s\n", json_string_value(json_object_get(v, "scope")));
        fields = json_object_get(v, "fields");
        json_object_foreach (fields, k, f) {
            (void)printf("    %s: ", k);
            print_value(json_object_get(f, "before"));
            (void)fputs(" -> ", stdout);
            print_value(json_object_get(f, "after"));
            (void)fputs("\n", stdout);
        }
    }
    json_array_foreach (widening, i, v)
        (void)printf("! %s widens: %s\n", json_string_value(json_object_get(v, "scope")),
                     json_string_value(json_object_get(v, "what")));
}

static int diff_cmd(gh_cmd_env *env, bool as_json)
{
    gh_arena *a = gh_arena_new(0);
    json_t *before, *after, *diff, *widening;
    int64_t version = 0;
    gh_err err;

    before = stored_latest(env, a, &version, &err);
    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: reading the stored catalog: %s\n", gh_err_str(err));
        gh_arena_free(a);
        return GH_CMD_FAIL;
    }
    after = gh_config_catalog_doc(env->cfg);
    diff = gh_config_catalog_diff(before, after);
    widening = gh_config_catalog_widening(diff);
    if (as_json) {
        json_t *out = json_pack("{sIsOsO}", "stored_version", (json_int_t)version, "diff", diff,
                                "widening", widening);

        gh_cmd_print_json(stdout, out);
        json_decref(out);
    } else {
        print_diff(diff, widening, version);
    }
    json_decref(widening);
    json_decref(diff);
    json_decref(after);
    json_decref(before);
    gh_arena_free(a);
    return GH_CMD_OK;
}

static int accept_cmd(gh_cmd_env *env)
{
    gh_arena *a = gh_arena_new(0);
    json_t *doc = gh_config_catalog_doc(env->cfg);
    char *text = gh_json_dump_canonical(doc);
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_op op;
    gh_err err;
    int rc;

    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_KV_PUT;
    op.u.kv.key = GH_CONFIG_CATALOG_ACCEPT_KV;
    op.u.kv.value = gh_sha256_hex(a, text, strlen(text));
    gh_store_txn_add(t, &op);
    err = gh_store_commit(env->store, t);
    free(text);
    json_decref(doc);
    gh_arena_free(a);
    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: recording the acknowledgement: %s\n", gh_err_str(err));
        return GH_CMD_FAIL;
    }
    /* Starting the engine stores the version (with its catalog.changed event). */
    rc = gh_cmd_open_engine(env);
    if (rc != GH_CMD_OK)
        return rc;
    (void)printf("scope catalog accepted\n");
    return GH_CMD_OK;
}

/* Returns the space-separated list (in a) without the items that are not in the catalog,
 * appending those to dropped (may be NULL). */
static char *keep_catalog(gh_arena *a, const gh_config *cfg, const char *list, json_t *dropped)
{
    size_t n = list != NULL ? strlen(list) : 0, k = 0;
    char *out = gh_arena_alloc(a, n + 1);
    const char *p = list;

    while (p != NULL && *p != '\0') {
        size_t l = strcspn(p, " ");

        if (l > 0) {
            char *tok = gh_arena_strndup(a, p, l);

            if (gh_config_scope_find(cfg, tok) != NULL) {
                if (k > 0)
                    out[k++] = ' ';
                memcpy(out + k, tok, l);
                k += l;
            } else if (dropped != NULL) {
                json_array_append_new(dropped, json_string(tok));
            }
        }
        p += l;
        while (*p == ' ')
            p++;
    }
    out[k] = '\0';
    return out;
}

/* Collects into subjects (an object used as a set) every subject purge can reach. */
static gh_err collect_subjects(gh_cmd_env *env, gh_arena *a, json_t *subjects)
{
    const char *after = NULL;
    int64_t seq = 0;
    gh_err err;

    for (;;) {
        gh_user *u = NULL;
        size_t n = 0;

        err = gh_store_user_list(env->store, after, SCOPES_PAGE, a, &u, &n);
        if (err != GH_OK)
            return err;
        for (size_t i = 0; i < n; i++)
            json_object_set_new(subjects, u[i].id, json_true());
        if (n < SCOPES_PAGE)
            break;
        after = u[n - 1].username;
    }
    for (;;) {
        gh_audit_event *ev = NULL;
        size_t n = 0;

        err = gh_store_audit_list(env->store, seq, SCOPES_PAGE, a, &ev, &n);
        if (err != GH_OK)
            return err;
        for (size_t i = 0; i < n; i++)
            if (ev[i].subject != NULL && ev[i].type != NULL &&
                strcmp(ev[i].type, "consent.granted") == 0)
                json_object_set_new(subjects, ev[i].subject, json_true());
        if (n < SCOPES_PAGE)
            break;
        seq = ev[n - 1].seq;
    }
    return GH_OK;
}

static int purge_cmd(gh_cmd_env *env, bool dry_run)
{
    gh_arena *a = gh_arena_new(0);
    json_t *subjects = json_object(), *v;
    const char *sub;
    size_t touched = 0, scopes_removed = 0;
    int rc = GH_CMD_OK;
    gh_err err;

    err = collect_subjects(env, a, subjects);
    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: listing subjects: %s\n", gh_err_str(err));
        rc = GH_CMD_FAIL;
        goto done;
    }
    json_object_foreach (subjects, sub, v) {
        const char *after = NULL;

        for (;;) {
            gh_consent *c = NULL;
            size_t n = 0;

            err = gh_store_consent_list(env->store, sub, after, GH_LIMIT_LIST_PAGE, a, &c, &n);
            if (err != GH_OK) {
                (void)fprintf(stderr, "gatehouse: listing consents: %s\n", gh_err_str(err));
                rc = GH_CMD_FAIL;
                goto done;
            }
            for (size_t i = 0; i < n; i++) {
                json_t *dropped = json_array();
                gh_consent *nc;

                nc = GH_ARENA_NEW(a, gh_consent);
                *nc = c[i];
                nc->scope = keep_catalog(a, env->cfg, c[i].scope, dropped);
                nc->remembered_scope = keep_catalog(a, env->cfg, c[i].remembered_scope, NULL);
                if (json_array_size(dropped) > 0) {
                    touched++;
                    scopes_removed += json_array_size(dropped);
                    if (!dry_run) {
                        gh_store_txn *t = gh_store_txn_new(a);
                        gh_audit_event *ev = GH_ARENA_NEW(a, gh_audit_event);
                        gh_store_op op;

                        memset(&op, 0, sizeof(op));
                        op.kind = GH_OP_CONSENT_PUT;
                        op.u.consent = nc;
                        gh_store_txn_add(t, &op);
                        memset(ev, 0, sizeof(*ev));
                        ev->time_us = gh_clock_now_us(&gh_clock_system);
                        ev->type = SCOPES_AUDIT_CONSENT_PURGED;
                        ev->actor = "cli";
                        ev->client_id = c[i].client_id;
                        ev->subject = c[i].subject;
                        ev->scope = nc->scope;
                        {
                            json_t *d = json_pack("{sO}", "removed", dropped);

                            ev->data = gh_json_dump_a(a, d);
                            json_decref(d);
                        }
                        gh_store_txn_audit(t, ev);
                        err = gh_store_commit(env->store, t);
                        if (err != GH_OK) {
                            (void)fprintf(stderr, "gatehouse: rewriting a consent: %s\n",
                                          gh_err_str(err));
                            json_decref(dropped);
                            rc = GH_CMD_FAIL;
                            goto done;
                        }
                    }
                }
                json_decref(dropped);
            }
            if (n < GH_LIMIT_LIST_PAGE)
                break;
            after = c[n - 1].client_id;
        }
    }
    (void)printf("%s%zu consent%s touched (%zu scope%s removed)\n", dry_run ? "dry run: " : "",
                 touched, touched == 1 ? "" : "s", scopes_removed, scopes_removed == 1 ? "" : "s");
done:
    json_decref(subjects);
    gh_arena_free(a);
    return rc;
}

int gh_cmd_scopes(gh_cmd_env *env, int argc, char **argv)
{
    const char *sub, *file = NULL;
    bool as_json = false, dry_run = false;
    int i, r, rc;

    if (argc < 2) {
        (void)fputs(scopes_usage, stderr);
        return GH_CMD_USAGE;
    }
    sub = argv[1];
    if (gh_cmd_is_help(sub)) {
        (void)fputs(scopes_usage, stdout);
        return GH_CMD_OK;
    }
    if (strcmp(sub, "check") != 0 && strcmp(sub, "diff") != 0 && strcmp(sub, "accept") != 0 &&
        strcmp(sub, "purge") != 0)
        return gh_cmd_usage_error("scopes", "unknown subcommand", sub);
    for (i = 2; i < argc; i++) {
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs(scopes_usage, stdout);
            return GH_CMD_OK;
        }
        if (strcmp(sub, "diff") == 0 && strcmp(argv[i], "--json") == 0) {
            as_json = true;
            continue;
        }
        if (strcmp(sub, "purge") == 0 && strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
            continue;
        }
        if (strcmp(sub, "check") == 0 && file == NULL && argv[i][0] != '-') {
            file = argv[i];
            continue;
        }
        r = gh_cmd_common_opt(env, argc, argv, &i);
        if (r < 0)
            return GH_CMD_USAGE;
        if (r == 0)
            return gh_cmd_usage_error("scopes", "unexpected argument", argv[i]);
    }
    if (strcmp(sub, "check") == 0) {
        if (file == NULL)
            return gh_cmd_usage_error("scopes", "check needs a FILE", NULL);
        return check(file);
    }
    rc = gh_cmd_load_config(env);
    if (rc == GH_CMD_OK)
        rc = gh_cmd_open_store(env);
    if (rc != GH_CMD_OK)
        return rc;
    if (strcmp(sub, "diff") == 0)
        return diff_cmd(env, as_json);
    if (strcmp(sub, "accept") == 0)
        return accept_cmd(env);
    return purge_cmd(env, dry_run);
}
