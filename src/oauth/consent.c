/*
 * consent.c - remembered consents: whether one covers an authorization request, and the user's
 * own view of them (the account page): list and revoke.
 *
 * A consent row (store gh_consent, one per subject and client) records what the user granted
 * (scope) and the part that may skip the consent page next time (remembered_scope: never a
 * sensitive scope). It covers a request when it is live, not past remember_until, every
 * requested scope is remembered, none is sensitive, every requested resource was granted
 * before, and each requested scope has the definition (config/catalog.c: its hash) it had in
 * the catalog version the consent was given under (DESIGN.md: a changed scope is asked again;
 * a consent's unchanged scopes stay remembered).
 * So a narrowed consent is never widened: asking for a scope the user unticked shows the page
 * again. Revoking a consent also revokes every token of that subject and client
 * (GH_OP_CONSENT_REVOKE).
 *
 * Not here: writing a consent (flow.c, gh_oauth_consent_accept) and the admin API
 * (admin_consent.c).
 */
#include <string.h>

#include "base/limits.h"
#include "json/json.h"
#include "oauth/flow_int.h"

/* True if the space-separated list has s as one of its items. */
static bool list_has(const char *list, const char *s)
{
    size_t n = strlen(s);
    const char *p = list;

    if (list == NULL || n == 0)
        return false;
    while (*p != '\0') {
        size_t l = strcspn(p, " ");

        if (l == n && memcmp(p, s, n) == 0)
            return true;
        p += l;
        while (*p == ' ')
            p++;
    }
    return false;
}

/* Returns a new reference: the stored catalog document of version, or NULL. */
static json_t *version_doc(const gh_engine *e, gh_ctx *ctx, int64_t version)
{
    gh_catalog_row *row = NULL;

    if (gh_store_catalog_get(e->store, version, ctx->arena, &row) != GH_OK)
        return NULL;
    return json_loads(row->doc, 0, NULL);
}

bool gh_oauth__consent_covers(const gh_engine *e, gh_ctx *ctx, const gh_consent *c,
                              const gh_strv *scopes, const gh_strv *audience)
{
    const gh_oauth_catalog *cat;
    json_t *then = NULL, *now = NULL;
    bool ok = false;

    if (c == NULL || c->revoked_at != 0)
        return false;
    if (c->remember_until != 0 && c->remember_until <= ctx->now)
        return false;
    for (size_t i = 0; i < audience->n; i++)
        if (!list_has(c->audience, audience->v[i]))
            return false;
    cat = gh_oauth__catalog(e, ctx);
    for (size_t i = 0; i < scopes->n; i++) {
        const gh_config_scope *cs = gh_config_scope_find(&cat->cfg, scopes->v[i]);

        /* SPEC: DESIGN.md Scope catalog - sensitive: never remembered, always asked */
        if (cs == NULL || cs->sensitive || !list_has(c->remembered_scope, scopes->v[i]))
            return false;
    }
    if (c->catalog_version == cat->version)
        return true;
    /* Given under another catalog version: each requested scope must have the definition
     * it had then (DESIGN.md: a changed scope is asked again, the others stay remembered). */
    then = version_doc(e, ctx, c->catalog_version);
    if (then == NULL)
        goto done;
    now = cat->doc; /* borrowed from the snapshot */
    for (size_t i = 0; i < scopes->n; i++) {
        char a[GH_CONFIG_CATALOG_HASH_LEN], b[GH_CONFIG_CATALOG_HASH_LEN];

        if (!gh_config_catalog_scope_hash(then, scopes->v[i], a) ||
            !gh_config_catalog_scope_hash(now, scopes->v[i], b) || strcmp(a, b) != 0)
            goto done;
    }
    ok = true;
done:
    json_decref(then);
    return ok;
}

gh_err gh_oauth_scope_changes(gh_engine *e, gh_ctx *ctx, const char *subject,
                              const char *client_id, gh_oauth_scope_view *v, size_t n)
{
    const gh_oauth_catalog *cat = gh_oauth__catalog(e, ctx);
    json_t *then = NULL, *now = NULL, *diff = NULL, *ch;
    gh_consent *c = NULL;
    size_t i;
    gh_err err;

    if (subject == NULL || client_id == NULL || n == 0)
        return GH_OK;
    err = gh_oauth__consent_find(e, ctx, subject, client_id, &c);
    if (err != GH_OK || c == NULL || c->revoked_at != 0 || c->catalog_version == cat->version)
        return err;
    then = version_doc(e, ctx, c->catalog_version);
    if (then == NULL)
        return GH_OK;
    now = cat->doc; /* borrowed from the snapshot */
    diff = gh_config_catalog_diff(then, now);
    json_array_foreach (json_object_get(diff, "changed"), i, ch) {
        const char *name = json_string_value(json_object_get(ch, "scope"));

        if (name == NULL || !list_has(c->scope, name))
            continue;
        for (size_t k = 0; k < n; k++) {
            char text[GH_OAUTH_SCOPE_CHANGE_MAX];

            if (strcmp(v[k].name, name) != 0)
                continue;
            gh_config_catalog_change_text(json_object_get(ch, "fields"), text, sizeof(text));
            v[k].changed = true;
            v[k].change = gh_arena_strdup(ctx->arena, text);
        }
    }
    json_decref(diff);
    json_decref(then);
    return GH_OK;
}

gh_err gh_oauth__consent_find(gh_engine *e, gh_ctx *ctx, const char *subject,
                              const char *client_id, gh_consent **out)
{
    gh_err err;

    *out = NULL;
    err = gh_store_consent_get(e->store, subject, client_id, ctx->arena, out);
    if (err == GH_ENOTFOUND) {
        *out = NULL;
        return GH_OK;
    }
    if (err != GH_OK) {
        *out = NULL;
        gh_ctx_fail(ctx, "consent: read: %s", gh_err_str(err));
    }
    return err;
}

gh_err gh_oauth_grants_list(gh_engine *e, gh_ctx *ctx, const char *subject,
                            gh_oauth_app_grant **out, size_t *out_n)
{
    gh_consent *rows = NULL;
    gh_oauth_app_grant *g;
    size_t n = 0, k = 0;
    gh_err err;

    *out = NULL;
    *out_n = 0;
    if (subject == NULL)
        return GH_EINVAL;
    err = gh_store_consent_list(e->store, subject, NULL, GH_LIMIT_LIST_PAGE, ctx->arena, &rows, &n);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "consent: list: %s", gh_err_str(err));
        return err;
    }
    g = GH_ARENA_NEWN(ctx->arena, gh_oauth_app_grant, n + 1);
    for (size_t i = 0; i < n; i++) {
        gh_oauth_client *c = NULL;

        if (rows[i].revoked_at != 0)
            continue;
        err = gh_oauth__client_get(e, ctx, rows[i].client_id, &c);
        if (err == GH_OK) {
            gh_oauth__client_view_fill(ctx, c, &g[k].client);
            gh_oauth__client_release(c);
        } else if (err == GH_ENOTFOUND) {
            g[k].client.client_id = rows[i].client_id;
        } else {
            return err;
        }
        g[k].scope = rows[i].scope;
        g[k].granted_at = rows[i].granted_at;
        g[k].updated_at = rows[i].updated_at;
        g[k].last_used_at = rows[i].last_used_at;
        g[k].remembered = rows[i].remembered_scope != NULL && rows[i].remembered_scope[0] != '\0';
        k++;
    }
    *out = g;
    *out_n = k;
    return GH_OK;
}

gh_err gh_oauth_grant_revoke(gh_engine *e, gh_ctx *ctx, const char *subject, const char *client_id,
                             const char *actor)
{
    gh_store_txn *t;
    gh_store_op op;
    gh_err err;

    if (subject == NULL || client_id == NULL)
        return GH_EINVAL;
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_CONSENT_REVOKE;
    op.u.consent_ref.subject = subject;
    op.u.consent_ref.client_id = client_id;
    op.u.consent_ref.at = ctx->now;
    gh_store_txn_add(t, &op);
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_CONSENT_REVOKED,
                    actor != NULL ? actor : gh_arena_printf(ctx->arena, "user:%s", subject),
                    client_id, subject, NULL, NULL, NULL);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "consent: revoke: %s", gh_err_str(err));
    return err;
}
