/*
 * engine.c - gh_engine: creation and teardown, the secrets derived from the system secret,
 * the admin key, the scope catalog version and its reload.
 *
 * Derived secrets: HKDF-SHA256 (RFC 5869) over the configured system secret with distinct
 * info strings, one key per purpose (keyed client-secret hashes, sealing private signing
 * keys), so that no key is ever used for two things.
 *
 * Admin key: a configured key is used as is; otherwise the SHA-256 of a generated key is kept
 * in the store's kv table ("admin_key_hash"), so every instance over one database accepts the
 * same key; it is printed once by the instance that generated it. Two instances starting at
 * once race on GH_OP_KV_INSERT and the loser reads the winner's hash.
 *
 * Catalog version: the canonical JSON of the catalog document (config/catalog.c: scopes with
 * their definition hashes, resources) is hashed; the latest stored version is reused when its
 * hash is the same, otherwise a new version is stored (catalog_version when configured, which
 * must then be above the stored one; else latest + 1) with a catalog.changed audit event that
 * carries the diff. A change that widens what an existing consent allows (a scope accepted by
 * another resource server, the sensitive flag removed) stops the start (GH_EINVAL) unless the
 * operator acknowledged exactly this document (`gatehouse scopes accept`). Tokens and consents
 * record the version.
 *
 * Catalog reload (gh_engine_catalog_reload, on serve's SIGHUP): a catalog equal to the one
 * served (document and configured catalog_version) is a no-op; otherwise the same settling as
 * at start (catalog_settle: the same checks, the same event, the same retries when another
 * instance stores a version at the same moment), then a new snapshot (catalog.c) published
 * with a release store. A refusal leaves the published snapshot as it was. Reloads are
 * serialised by reload_mu; readers never take it (oauth_int.h: gh_oauth__catalog).
 *
 * Not here: signing keys (keys.c), discovery documents (discovery.c), clients (client*.c).
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"
#include "json/json.h"
#include "oauth/token_int.h"

#define GH_ENGINE_CLIENT_CACHE 10000
#define GH_ENGINE_CLIENT_TTL_US (5 * 1000000LL)
#define GH_ENGINE_ADMIN_KV "admin_key_hash"
#define GH_ENGINE_START_TRIES 3

char *gh_oauth__catalog_doc(const gh_config *cfg)
{
    json_t *doc = gh_config_catalog_doc(cfg);
    char *out = gh_json_dump_canonical(doc);

    json_decref(doc);
    return out;
}

int64_t gh_oauth__key_retire_after(const gh_config *cfg)
{
    int64_t longest = cfg->ttl_access_token;

    if (cfg->key_retire_after > 0)
        return cfg->key_retire_after;
    if (cfg->ttl_id_token > longest)
        longest = cfg->ttl_id_token;
    return longest + 86400;
}

/* Checks cfg's changed catalog against the stored one: the configured catalog_version (when
 * set) must be above the stored version, and a widening change needs the operator's
 * acknowledgement (`gatehouse scopes accept` stores the new document's hash under
 * GH_CONFIG_CATALOG_ACCEPT_KV). GH_EINVAL with the reason in ctx when refused. */
static gh_err catalog_allowed(gh_engine *e, gh_ctx *ctx, const gh_config *cfg,
                              const gh_catalog_row *latest, const char *hash_hex,
                              const json_t *widening)
{
    char *accepted = NULL;
    gh_err err;

    if (cfg->catalog_version != 0 && latest != NULL && cfg->catalog_version <= latest->version) {
        gh_ctx_fail(ctx,
                    "catalog: the scope catalog changed but catalog_version %lld is not above "
                    "the stored version %lld",
                    (long long)cfg->catalog_version, (long long)latest->version);
        return GH_EINVAL;
    }
    if (json_array_size(widening) == 0)
        return GH_OK;
    err = gh_store_kv_get(e->store, GH_CONFIG_CATALOG_ACCEPT_KV, ctx->arena, &accepted);
    if (err == GH_OK && strcmp(accepted, hash_hex) == 0)
        return GH_OK;
    if (err != GH_OK && err != GH_ENOTFOUND) {
        gh_ctx_fail(ctx, "catalog: reading the acknowledgement: %s", gh_err_str(err));
        return err;
    }
    {
        const json_t *w = json_array_get(widening, 0);

        gh_ctx_fail(ctx,
                    "catalog: scope %s widens what existing consents allow: %s%s (run "
                    "`gatehouse scopes diff` to review and `gatehouse scopes accept` to apply)",
                    json_string_value(json_object_get(w, "scope")),
                    json_string_value(json_object_get(w, "what")),
                    json_array_size(widening) > 1 ? ", and more" : "");
    }
    return GH_EINVAL;
}

/* Settles the version of cfg's catalog (see the file comment), at start and on each reload
 * that changes the catalog: *out_version is the version to serve. */
static gh_err catalog_settle(gh_engine *e, gh_ctx *ctx, const gh_config *cfg, int64_t *out_version)
{
    char *doc = gh_oauth__catalog_doc(cfg);
    unsigned char hash[GH_SHA256_LEN];
    char *hash_hex;
    gh_err err = GH_OK;
    int tries;

    gh_sha256(doc, strlen(doc), hash);
    hash_hex = gh_sha256_hex(ctx->arena, doc, strlen(doc));
    for (tries = 0; tries < GH_ENGINE_START_TRIES; tries++) {
        gh_catalog_row *latest = NULL, *row;
        json_t *before = NULL, *after = NULL, *diff = NULL, *widening = NULL, *data;
        gh_store_txn *t;
        gh_store_op op;
        int64_t next = 1;

        err = gh_store_catalog_latest(e->store, ctx->arena, &latest);
        if (err == GH_OK) {
            if (gh_ct_eq(latest->hash, GH_SHA256_LEN, hash, GH_SHA256_LEN) &&
                cfg->catalog_version <= latest->version) {
                *out_version = latest->version;
                goto done;
            }
            next = latest->version + 1;
        } else if (err == GH_ENOTFOUND) {
            latest = NULL;
        } else {
            gh_ctx_fail(ctx, "catalog: reading the latest version: %s", gh_err_str(err));
            goto done;
        }
        if (cfg->catalog_version != 0)
            next = cfg->catalog_version;
        if (latest != NULL)
            before = json_loads(latest->doc, 0, NULL);
        after = json_loads(doc, 0, NULL);
        diff = gh_config_catalog_diff(before, after);
        widening = gh_config_catalog_widening(diff);
        json_decref(before);
        json_decref(after);
        err = catalog_allowed(e, ctx, cfg, latest, hash_hex, widening);
        if (err != GH_OK) {
            json_decref(diff);
            json_decref(widening);
            goto done;
        }
        row = GH_ARENA_NEW(ctx->arena, gh_catalog_row);
        row->version = next;
        memcpy(row->hash, hash, GH_SHA256_LEN);
        row->doc = gh_arena_strdup(ctx->arena, doc);
        row->created_at = ctx->now;
        t = gh_store_txn_new(ctx->arena);
        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_CATALOG_INSERT;
        op.u.catalog = row;
        gh_store_txn_add(t, &op);
        /* The event carries the diff: added, removed and changed scopes with the before and
         * after of each changed field, and the widening changes the operator accepted. */
        data = json_pack("{sIsIsssOsO}", "version", (json_int_t)next, "previous",
                         (json_int_t)(latest != NULL ? latest->version : 0), "hash", hash_hex,
                         "diff", diff, "accepted", widening);
        json_decref(diff);
        json_decref(widening);
        gh_oauth__audit(ctx, t, GH_AUDIT_CATALOG_CHANGED, "system", NULL, NULL, NULL, NULL, data);
        json_decref(data);
        err = gh_store_commit(e->store, t);
        if (err == GH_OK) {
            *out_version = next;
            goto done;
        }
        if (err != GH_ECONFLICT) {
            gh_ctx_fail(ctx, "catalog: storing version %lld: %s", (long long)next, gh_err_str(err));
            goto done;
        }
        /* Another instance stored a version at the same moment: look again. */
    }
    gh_ctx_fail(ctx, "catalog: version kept conflicting");
    err = GH_ECONFLICT;
done:
    free(doc);
    return err;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Settles the admin key (see the file comment). */
static gh_err admin_settle(gh_engine *e, gh_ctx *ctx, char **out_new)
{
    gh_err err = GH_OK;
    int tries;

    if (e->cfg->admin_key != NULL && e->cfg->admin_key[0] != '\0') {
        gh_sha256(e->cfg->admin_key, strlen(e->cfg->admin_key), e->admin_key_hash);
        e->admin_key_set = true;
        return GH_OK;
    }
    for (tries = 0; tries < GH_ENGINE_START_TRIES; tries++) {
        char *stored = NULL, *key, *hex;
        gh_store_txn *t;
        gh_store_op op;

        err = gh_store_kv_get(e->store, GH_ENGINE_ADMIN_KV, ctx->arena, &stored);
        if (err == GH_OK) {
            unsigned char *raw = NULL;
            size_t i;

            if (strlen(stored) != 2 * GH_SHA256_LEN) {
                gh_ctx_fail(ctx, "admin key: the stored hash is malformed");
                return GH_EINTERNAL;
            }
            raw = e->admin_key_hash;
            for (i = 0; i < GH_SHA256_LEN; i++) {
                int hi = hexval(stored[2 * i]), lo = hexval(stored[2 * i + 1]);

                if (hi < 0 || lo < 0) {
                    gh_ctx_fail(ctx, "admin key: the stored hash is malformed");
                    return GH_EINTERNAL;
                }
                raw[i] = (unsigned char)(hi << 4 | lo);
            }
            e->admin_key_set = true;
            return GH_OK;
        }
        if (err != GH_ENOTFOUND) {
            gh_ctx_fail(ctx, "admin key: reading the stored hash: %s", gh_err_str(err));
            return err;
        }
        key = gh_rand_token(ctx->arena, "gh_admin_", 32);
        hex = gh_sha256_hex(ctx->arena, key, strlen(key));
        t = gh_store_txn_new(ctx->arena);
        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_KV_INSERT;
        op.u.kv.key = GH_ENGINE_ADMIN_KV;
        op.u.kv.value = hex;
        gh_store_txn_add(t, &op);
        err = gh_store_commit(e->store, t);
        if (err == GH_OK) {
            gh_sha256(key, strlen(key), e->admin_key_hash);
            e->admin_key_set = true;
            if (out_new != NULL)
                *out_new = gh_xstrdup(key);
            gh_wipe(key, strlen(key));
            return GH_OK;
        }
        gh_wipe(key, strlen(key));
        if (err != GH_ECONFLICT) {
            gh_ctx_fail(ctx, "admin key: storing the hash: %s", gh_err_str(err));
            return err;
        }
        /* Another instance generated one first: read it. */
    }
    gh_ctx_fail(ctx, "admin key: the stored hash kept conflicting");
    return GH_ECONFLICT;
}

gh_err gh_engine_new(const gh_config *cfg, gh_store *store, const gh_clock *clock, gh_engine **out,
                     char **out_new_admin_key)
{
    gh_engine *e = NULL;
    gh_arena *arena = NULL;
    gh_oauth_catalog *cat = NULL;
    int64_t version = 0;
    gh_ctx ctx;
    gh_err err;

    *out = NULL;
    if (out_new_admin_key != NULL)
        *out_new_admin_key = NULL;
    if (cfg->secrets_system == NULL || cfg->secrets_system[0] == '\0')
        return GH_EINVAL;
    e = gh_xcalloc(1, sizeof(*e));
    e->cfg = cfg;
    e->store = store;
    e->clock = clock;
    atomic_init(&e->catalog, NULL);
    gh_assert(pthread_mutex_init(&e->reload_mu, NULL) == 0);
    arena = gh_arena_new(0);
    gh_ctx_init(&ctx, arena, gh_clock_now_us(clock));

    err = gh_hkdf_sha256(cfg->secrets_system, strlen(cfg->secrets_system), NULL, 0,
                         "gatehouse/client-secret", e->secret_hash_key, sizeof(e->secret_hash_key));
    if (err == GH_OK)
        err = gh_hkdf_sha256(cfg->secrets_system, strlen(cfg->secrets_system), NULL, 0,
                             "gatehouse/key-seal", e->key_seal_key, sizeof(e->key_seal_key));
    if (err == GH_OK)
        err = gh_engine_derive_key(e, "gatehouse/token-seal", e->token_seal_key);
    if (err != GH_OK) {
        gh_log(GH_LOG_ERROR, "engine: deriving keys from the system secret failed");
        goto done;
    }
    e->clients = gh_oauth__client_cache_new(GH_ENGINE_CLIENT_CACHE, GH_ENGINE_CLIENT_TTL_US);
    err = admin_settle(e, &ctx, out_new_admin_key);
    if (err == GH_OK)
        err = catalog_settle(e, &ctx, cfg, &version);
    if (err == GH_OK)
        err = gh_oauth__catalog_new(cfg, cfg, version, &ctx, &cat);
    if (err == GH_OK)
        atomic_store_explicit(&e->catalog, cat, memory_order_release);
    if (err == GH_OK)
        err = gh_oauth__keys_start(e, &ctx);
    if (err != GH_OK)
        gh_log(GH_LOG_ERROR, "engine: start failed: %s: %s", gh_err_str(err), ctx.fail);
done:
    gh_arena_free(arena);
    if (err != GH_OK) {
        if (out_new_admin_key != NULL && *out_new_admin_key != NULL) {
            gh_wipe(*out_new_admin_key, strlen(*out_new_admin_key));
            free(*out_new_admin_key);
            *out_new_admin_key = NULL;
        }
        gh_engine_free(e);
        return err;
    }
    *out = e;
    return GH_OK;
}

gh_err gh_engine_derive_key(const gh_engine *e, const char *label, unsigned char out[32])
{
    const char *secret = e->cfg->secrets_system;

    return gh_hkdf_sha256(secret, strlen(secret), NULL, 0, label, out, 32);
}

void gh_engine_free(gh_engine *e)
{
    if (e == NULL)
        return;
    gh_oauth__keys_stop(e);
    gh_oauth__client_cache_free(e->clients);
    gh_oauth__catalog_free(atomic_load_explicit(&e->catalog, memory_order_acquire));
    (void)pthread_mutex_destroy(&e->reload_mu);
    gh_wipe(e->secret_hash_key, sizeof(e->secret_hash_key));
    gh_wipe(e->key_seal_key, sizeof(e->key_seal_key));
    gh_wipe(e->token_seal_key, sizeof(e->token_seal_key));
    gh_wipe(e->admin_key_hash, sizeof(e->admin_key_hash));
    free(e);
}

const gh_config *gh_engine_config(const gh_engine *e)
{
    return e->cfg;
}

const gh_config *gh_engine_catalog_config(const gh_engine *e, gh_ctx *ctx)
{
    return &gh_oauth__catalog(e, ctx)->cfg;
}

int64_t gh_engine_catalog_version(const gh_engine *e)
{
    gh_oauth_catalog *c = atomic_load_explicit(&((gh_engine *)e)->catalog, memory_order_acquire);

    return c->version;
}

gh_err gh_engine_catalog_reload(gh_engine *e, const gh_config *cfg, bool *out_changed,
                                int64_t *out_version, char *errbuf, size_t errlen)
{
    gh_oauth_catalog *cur, *next = NULL;
    gh_arena *arena = gh_arena_new(0);
    json_t *doc = NULL;
    int64_t version = 0;
    gh_ctx ctx;
    gh_err err = GH_OK;

    *out_changed = false;
    if (errlen > 0)
        errbuf[0] = '\0';
    gh_engine_ctx_init(e, &ctx, arena);
    gh_assert(pthread_mutex_lock(&e->reload_mu) == 0);
    /* Only reloads publish, and they hold the lock: cur stays the one served until the store
     * below. */
    cur = atomic_load_explicit(&e->catalog, memory_order_acquire);
    *out_version = cur->version;
    doc = gh_config_catalog_doc(cfg);
    if (json_equal(doc, cur->doc) && cfg->catalog_version == cur->cfg.catalog_version)
        goto done; /* the catalog served: nothing to store or publish */
    err = catalog_settle(e, &ctx, cfg, &version);
    if (err != GH_OK)
        goto done;
    /* The same stored version (the configured catalog_version moved but not above the stored
     * one, the document unchanged): what is served stays right. */
    if (version == cur->version && json_equal(doc, cur->doc))
        goto done;
    err = gh_oauth__catalog_new(e->cfg, cfg, version, &ctx, &next);
    if (err != GH_OK)
        goto done;
    next->older = cur;
    atomic_store_explicit(&e->catalog, next, memory_order_release);
    *out_changed = true;
    *out_version = version;
done:
    gh_assert(pthread_mutex_unlock(&e->reload_mu) == 0);
    if (err != GH_OK && errlen > 0)
        (void)snprintf(errbuf, errlen, "%s", ctx.fail[0] != '\0' ? ctx.fail : gh_err_str(err));
    json_decref(doc);
    gh_arena_free(arena);
    return err;
}

bool gh_engine_admin_key_ok(const gh_engine *e, const char *presented)
{
    unsigned char h[GH_SHA256_LEN];
    bool ok;

    if (!e->admin_key_set || presented == NULL)
        return false;
    gh_sha256(presented, strlen(presented), h);
    ok = gh_ct_eq(h, sizeof(h), e->admin_key_hash, sizeof(e->admin_key_hash));
    gh_wipe(h, sizeof(h));
    return ok;
}

void gh_engine_ctx_init(const gh_engine *e, gh_ctx *ctx, gh_arena *arena)
{
    gh_ctx_init(ctx, arena, gh_clock_now_us(e->clock));
}
