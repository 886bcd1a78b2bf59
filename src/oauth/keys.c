/*
 * keys.c - signing keys: generation, sealing, the in-memory key set, rotation, the published
 * JWKS (RFC 7517 5) and the admin key listing.
 *
 * Keys live in the store (gh_key_row): the private key as PKCS#8 DER sealed with AES-256-GCM
 * under e->key_seal_key with the kid as associated data (a sealed key moved to another kid
 * does not open), and the public JWK as text. No private material leaves this file except
 * sealed; the JWKS and the admin listing carry public members and metadata only.
 *
 * Invariants:
 *  1. At most one ACTIVE key per alg signs; if a race left two, the newest signs.
 *  2. The JWKS publishes NEXT, ACTIVE and RETIRED keys whose expires_at has not passed, so a
 *     token signed before a rotation verifies until it expires (DESIGN.md "Tokens").
 *  3. A snapshot never changes after it is built; readers hold a reference, a reload swaps
 *     the pointer under the write lock and drops the old reference.
 *
 * State diagram of one key row (per alg):
 *
 *   (new) --keys_start---------------------------> ACTIVE   (with a NEXT beside it)
 *   (new) --keys_start / rotate------------------> NEXT --rotate--> ACTIVE
 *   (new) --rotate without NEXT (a store from before NEXT keys at start)--> ACTIVE
 *   ACTIVE --rotate--> RETIRED (expires_at = now + retire window) --time--> unpublished
 *
 * Two instances: first-start generation is guarded by a kv insert ("signing_key_init:<alg>")
 * in the same transaction, a rotation by "key_rotation:<retired kid>": the loser's
 * transaction rolls back whole and it reloads what the winner wrote.
 */
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"
#include "json/json.h"
#include "oauth/token_int.h"

#define GH_KEYS_JWKS_MAX (256 * 1024)
#define GH_KEYS_START_TRIES 3
#define GH_KEYS_KID_BYTES 16

struct gh_oauth_keyset {
    pthread_rwlock_t lock;  /* guards cur */
    pthread_mutex_t reload; /* one reload at a time */
    gh_oauth_keysnap *cur;
};

/* The algorithms that must always have an ACTIVE key. */
static size_t required_algs(const gh_config *cfg, gh_jose_alg out[3])
{
    size_t n = 0;
    gh_jose_alg cfgalg = gh_jose_alg_parse(cfg->signing_alg ? cfg->signing_alg : "ES256");

    out[n++] = GH_ALG_ES256;
    out[n++] = GH_ALG_RS256;
    if (cfgalg != GH_ALG_NONE && cfgalg != GH_ALG_ES256 && cfgalg != GH_ALG_RS256)
        out[n++] = cfgalg;
    return n;
}

static void snap_free(gh_oauth_keysnap *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->n; i++) {
        gh_jwk_free(s->keys[i].jwk);
        free(s->keys[i].kid);
    }
    free(s->keys);
    free(s->jwks);
    free(s);
}

void gh_oauth__keys_release(gh_oauth_keysnap *s)
{
    if (s != NULL && atomic_fetch_sub(&s->refs, 1) == 1)
        snap_free(s);
}

static const gh_oauth_keyent *snap_entry(const gh_oauth_keysnap *s, const char *kid)
{
    size_t i;

    if (s == NULL)
        return NULL;
    for (i = 0; i < s->n; i++)
        if (strcmp(s->keys[i].kid, kid) == 0)
            return &s->keys[i];
    return NULL;
}

/* Opens the sealed private key of row. */
static gh_err unseal(const gh_engine *e, gh_ctx *ctx, const gh_key_row *row, gh_jose_alg alg,
                     gh_jwk **out)
{
    unsigned char *der = NULL;
    size_t der_len = 0;
    gh_err err;

    err = gh_aead_open(e->key_seal_key, row->kid, strlen(row->kid), row->sealed_private,
                       row->sealed_len, &der, &der_len);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "keys: cannot open the private key %s (another system secret?)", row->kid);
        return err;
    }
    err = gh_jwk_import_private(der, der_len, alg, row->kid, out);
    gh_wipe(der, der_len);
    free(der);
    if (err != GH_OK)
        gh_ctx_fail(ctx, "keys: cannot load the private key %s", row->kid);
    return err;
}

static gh_err parse_public(gh_ctx *ctx, const gh_key_row *row, gh_jwk **out)
{
    json_t *j = NULL;
    gh_err err;

    err = gh_json_parse_object(row->public_jwk, strlen(row->public_jwk), GH_KEYS_JWKS_MAX, &j, NULL,
                               0);
    if (err == GH_OK)
        err = gh_jwk_parse_public(j, out);
    json_decref(j);
    if (err != GH_OK)
        gh_ctx_fail(ctx, "keys: the public key %s is malformed", row->kid);
    return err;
}

/* Builds a snapshot of the store's keys, reusing keys already loaded in old (may be NULL). */
static gh_err snap_build(gh_engine *e, gh_ctx *ctx, const gh_oauth_keysnap *old,
                         gh_oauth_keysnap **out)
{
    gh_key_row *rows = NULL;
    size_t n = 0, i, published = 0;
    gh_oauth_keysnap *s = NULL;
    gh_buf jwks;
    gh_err err;
    int64_t now_us = gh_clock_now_us(e->clock), now = now_us / 1000000;

    *out = NULL;
    gh_buf_init(&jwks, GH_KEYS_JWKS_MAX);
    err = gh_store_key_list(e->store, ctx->arena, &rows, &n);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "keys: listing keys: %s", gh_err_str(err));
        goto done;
    }
    s = gh_xcalloc(1, sizeof(*s));
    atomic_init(&s->refs, 1);
    s->loaded_us = now_us;
    s->keys = gh_xcalloc(n > 0 ? n : 1, sizeof(*s->keys));
    err = gh_buf_adds(&jwks, "{\"keys\":[");
    for (i = 0; i < n && err == GH_OK; i++) {
        const gh_key_row *r = &rows[i];
        gh_oauth_keyent *k = &s->keys[s->n];
        const gh_oauth_keyent *prev = snap_entry(old, r->kid);

        k->kid = gh_xstrdup(r->kid);
        k->alg = gh_jose_alg_parse(r->alg);
        k->state = r->state;
        k->created_at = r->created_at;
        k->activated_at = r->activated_at;
        k->retired_at = r->retired_at;
        k->expires_at = r->expires_at;
        s->n++;
        if (k->alg == GH_ALG_NONE) {
            gh_ctx_fail(ctx, "keys: key %s has an unknown alg", r->kid);
            err = GH_EINTERNAL;
            break;
        }
        /* SPEC: DESIGN.md Tokens - old keys stay published until their tokens expired. */
        k->published = r->state == GH_KEY_NEXT || r->state == GH_KEY_ACTIVE ||
                       (r->state == GH_KEY_RETIRED && (r->expires_at == 0 || r->expires_at > now));
        if (!k->published)
            continue;
        if (r->state == GH_KEY_ACTIVE) {
            if (prev != NULL && prev->jwk != NULL && gh_jwk_is_private(prev->jwk))
                k->jwk = gh_jwk_ref(prev->jwk);
            else
                err = unseal(e, ctx, r, k->alg, &k->jwk);
        } else {
            if (prev != NULL && prev->jwk != NULL)
                k->jwk = gh_jwk_ref(prev->jwk);
            else
                err = parse_public(ctx, r, &k->jwk);
        }
        if (err != GH_OK)
            break;
        if (published++ > 0)
            err = gh_buf_adds(&jwks, ",");
        if (err == GH_OK)
            err = gh_buf_adds(&jwks, r->public_jwk);
    }
    if (err == GH_OK)
        err = gh_buf_adds(&jwks, "]}");
    if (err != GH_OK)
        goto done;
    s->jwks_len = jwks.len;
    s->jwks = gh_buf_take(&jwks);
    *out = s;
    s = NULL;
done:
    gh_buf_clear(&jwks);
    snap_free(s);
    return err;
}

gh_err gh_oauth__keys_reload(gh_engine *e, gh_ctx *ctx)
{
    struct gh_oauth_keyset *ks = e->keys;
    gh_oauth_keysnap *s = NULL, *old;
    gh_err err;

    pthread_mutex_lock(&ks->reload);
    pthread_rwlock_rdlock(&ks->lock);
    old = ks->cur;
    if (old != NULL)
        atomic_fetch_add(&old->refs, 1);
    pthread_rwlock_unlock(&ks->lock);
    err = snap_build(e, ctx, old, &s);
    gh_oauth__keys_release(old);
    if (err == GH_OK) {
        pthread_rwlock_wrlock(&ks->lock);
        old = ks->cur;
        ks->cur = s;
        pthread_rwlock_unlock(&ks->lock);
        gh_oauth__keys_release(old);
    }
    pthread_mutex_unlock(&ks->reload);
    return err;
}

gh_err gh_oauth__keys_acquire(gh_engine *e, gh_ctx *ctx, gh_oauth_keysnap **out)
{
    struct gh_oauth_keyset *ks = e->keys;
    gh_oauth_keysnap *s;
    int64_t now_us = ctx->now_us;

    pthread_rwlock_rdlock(&ks->lock);
    s = ks->cur;
    atomic_fetch_add(&s->refs, 1);
    pthread_rwlock_unlock(&ks->lock);
    if (now_us - s->loaded_us < GH_OAUTH_KEYS_RELOAD_US && now_us >= s->loaded_us) {
        *out = s;
        return GH_OK;
    }
    /* Stale: one thread reloads, the others go on with what they have. */
    if (pthread_mutex_trylock(&ks->reload) == 0) {
        gh_oauth_keysnap *fresh = NULL;
        gh_err err = snap_build(e, ctx, s, &fresh);

        if (err == GH_OK) {
            gh_oauth_keysnap *old;

            pthread_rwlock_wrlock(&ks->lock);
            old = ks->cur;
            ks->cur = fresh;
            atomic_fetch_add(&fresh->refs, 1);
            pthread_rwlock_unlock(&ks->lock);
            gh_oauth__keys_release(old);
            gh_oauth__keys_release(s);
            s = fresh;
        } else {
            gh_log(GH_LOG_WARN, "keys: reload failed, keeping the loaded keys: %s",
                   gh_err_str(err));
        }
        pthread_mutex_unlock(&ks->reload);
    }
    *out = s;
    return GH_OK;
}

const gh_jwk *gh_oauth__keysnap_signer(const gh_oauth_keysnap *s, gh_jose_alg alg)
{
    const gh_jwk *k = NULL;
    size_t i;

    /* Rows are oldest first: the last ACTIVE one is the newest (invariant 1). */
    for (i = 0; i < s->n; i++)
        if (s->keys[i].state == GH_KEY_ACTIVE && s->keys[i].alg == alg && s->keys[i].jwk)
            k = s->keys[i].jwk;
    return k;
}

const gh_jwk *gh_oauth__keysnap_find(const gh_oauth_keysnap *s, const char *kid)
{
    const gh_oauth_keyent *k;

    if (kid == NULL)
        return NULL;
    k = snap_entry(s, kid);
    return k != NULL && k->published ? k->jwk : NULL;
}

/* Makes a new key row for alg in state (sealed private key, public JWK text) in ctx's arena
 * and adds its insert and a key.created event to t. */
static gh_err key_create(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, gh_jose_alg alg,
                         gh_key_state state, const char *actor, const char **out_kid)
{
    gh_jwk *k = NULL;
    unsigned char *der = NULL, *sealed = NULL;
    size_t der_len = 0, sealed_len = 0;
    json_t *pub = NULL, *data = NULL;
    gh_key_row *row;
    gh_store_op op;
    char *kid = gh_rand_token(ctx->arena, "", GH_KEYS_KID_BYTES);
    gh_err err;

    err = gh_jwk_generate(alg, kid, &k);
    if (err == GH_OK)
        err = gh_jwk_export_private(k, &der, &der_len);
    if (err == GH_OK)
        err = gh_aead_seal(e->key_seal_key, kid, strlen(kid), der, der_len, &sealed, &sealed_len);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "keys: generating a %s key: %s", gh_jose_alg_name(alg), gh_err_str(err));
        goto done;
    }
    pub = gh_jwk_public_json(k);
    row = GH_ARENA_NEW(ctx->arena, gh_key_row);
    row->kid = kid;
    row->alg = gh_jose_alg_name(alg);
    row->state = state;
    row->created_at = ctx->now;
    row->activated_at = state == GH_KEY_ACTIVE ? ctx->now : 0;
    row->sealed_private = gh_arena_memdup(ctx->arena, sealed, sealed_len);
    row->sealed_len = sealed_len;
    row->public_jwk = gh_json_dump_a(ctx->arena, pub);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_KEY_INSERT;
    op.u.key = row;
    gh_store_txn_add(t, &op);
    data =
        json_pack("{ssss}", "alg", row->alg, "state", state == GH_KEY_ACTIVE ? "active" : "next");
    gh_oauth__audit(ctx, t, GH_AUDIT_KEY_CREATED, actor, NULL, NULL, kid, NULL, data);
    if (out_kid != NULL)
        *out_kid = kid;
done:
    if (der != NULL) {
        gh_wipe(der, der_len);
        free(der);
    }
    free(sealed);
    json_decref(pub);
    json_decref(data);
    gh_jwk_free(k);
    return err;
}

static void add_kv_guard(gh_store_txn *t, gh_ctx *ctx, const char *key)
{
    gh_store_op op;

    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_KV_INSERT;
    op.u.kv.key = key;
    op.u.kv.value = gh_arena_printf(ctx->arena, "%lld", (long long)ctx->now);
    gh_store_txn_add(t, &op);
}

static const char *state_name(gh_key_state s)
{
    switch (s) {
    case GH_KEY_NEXT:
        return "next";
    case GH_KEY_ACTIVE:
        return "active";
    case GH_KEY_RETIRED:
        return "retired";
    }
    return "unknown";
}

gh_err gh_oauth__keys_start(gh_engine *e, gh_ctx *ctx)
{
    struct gh_oauth_keyset *ks = gh_xcalloc(1, sizeof(*ks));
    gh_jose_alg req[3];
    size_t nreq = required_algs(e->cfg, req), i;
    gh_err err = GH_OK;
    int tries;

    pthread_rwlock_init(&ks->lock, NULL);
    pthread_mutex_init(&ks->reload, NULL);
    e->keys = ks;
    for (tries = 0; tries <= GH_KEYS_START_TRIES; tries++) {
        gh_store_txn *t;
        size_t made = 0;

        err = gh_oauth__keys_reload(e, ctx);
        if (err != GH_OK)
            return err;
        if (tries == GH_KEYS_START_TRIES)
            break;
        t = gh_store_txn_new(ctx->arena);
        for (i = 0; i < nreq; i++) {
            if (gh_oauth__keysnap_signer(ks->cur, req[i]) != NULL)
                continue;
            add_kv_guard(
                t, ctx,
                gh_arena_printf(ctx->arena, "signing_key_init:%s", gh_jose_alg_name(req[i])));
            err = key_create(e, ctx, t, req[i], GH_KEY_ACTIVE, "system", NULL);
            /* The key the first rotation activates is published from the start, so no key
             * ever signs before it is published (issue: rotate publishes the next key first). */
            if (err == GH_OK)
                err = key_create(e, ctx, t, req[i], GH_KEY_NEXT, "system", NULL);
            if (err != GH_OK)
                return err;
            made++;
        }
        if (made == 0)
            return GH_OK;
        err = gh_store_commit(e->store, t);
        if (err != GH_OK && err != GH_ECONFLICT) {
            gh_ctx_fail(ctx, "keys: storing new keys: %s", gh_err_str(err));
            return err;
        }
        /* GH_OK: load what we stored. ECONFLICT: another instance did it; load theirs. */
    }
    for (i = 0; i < nreq; i++) {
        if (gh_oauth__keysnap_signer(ks->cur, req[i]) == NULL) {
            gh_ctx_fail(ctx, "keys: no active %s key could be settled", gh_jose_alg_name(req[i]));
            return GH_EINTERNAL;
        }
    }
    return GH_OK;
}

void gh_oauth__keys_stop(gh_engine *e)
{
    struct gh_oauth_keyset *ks = e->keys;

    if (ks == NULL)
        return;
    gh_oauth__keys_release(ks->cur);
    pthread_rwlock_destroy(&ks->lock);
    pthread_mutex_destroy(&ks->reload);
    free(ks);
    e->keys = NULL;
}

static void add_key_update(gh_store_txn *t, gh_ctx *ctx, const gh_key_row *r, gh_key_state state,
                           int64_t activated, int64_t retired, int64_t expires)
{
    gh_key_row *u = GH_ARENA_NEW(ctx->arena, gh_key_row);
    gh_store_op op;

    *u = *r;
    u->state = state;
    u->activated_at = activated;
    u->retired_at = retired;
    u->expires_at = expires;
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_KEY_UPDATE;
    op.u.key = u;
    gh_store_txn_add(t, &op);
}

gh_err gh_oauth_keys_rotate(gh_engine *e, gh_ctx *ctx, const char *actor)
{
    gh_key_row *rows = NULL;
    size_t n = 0, i, j;
    gh_jose_alg algs[8];
    size_t nalgs = 0;
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    int64_t expires = ctx->now + gh_oauth__key_retire_after(e->cfg);
    gh_err err;

    err = gh_store_key_list(e->store, ctx->arena, &rows, &n);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "keys: listing keys: %s", gh_err_str(err));
        return err;
    }
    /* Every alg that has an ACTIVE key rotates. */
    for (i = 0; i < n; i++) {
        gh_jose_alg a = gh_jose_alg_parse(rows[i].alg);
        bool seen = false;

        if (rows[i].state != GH_KEY_ACTIVE || a == GH_ALG_NONE)
            continue;
        for (j = 0; j < nalgs; j++)
            seen = seen || algs[j] == a;
        if (!seen && nalgs < sizeof(algs) / sizeof(algs[0]))
            algs[nalgs++] = a;
    }
    for (j = 0; j < nalgs; j++) {
        const char *alg = gh_jose_alg_name(algs[j]);
        const gh_key_row *active = NULL, *next = NULL;
        const char *activated = NULL, *newnext = NULL;
        json_t *data;

        for (i = 0; i < n; i++) {
            if (strcmp(rows[i].alg, alg) != 0)
                continue;
            if (rows[i].state == GH_KEY_ACTIVE)
                active = &rows[i];
            else if (rows[i].state == GH_KEY_NEXT)
                next = &rows[i];
        }
        /* Two instances rotating the same key at once: only one transaction commits. */
        add_kv_guard(t, ctx, gh_arena_printf(ctx->arena, "key_rotation:%s", active->kid));
        for (i = 0; i < n; i++) {
            if (strcmp(rows[i].alg, alg) == 0 && rows[i].state == GH_KEY_ACTIVE)
                add_key_update(t, ctx, &rows[i], GH_KEY_RETIRED, rows[i].activated_at, ctx->now,
                               expires);
        }
        if (next != NULL) {
            add_key_update(t, ctx, next, GH_KEY_ACTIVE, ctx->now, 0, 0);
            activated = next->kid;
        } else {
            err = key_create(e, ctx, t, algs[j], GH_KEY_ACTIVE, actor, &activated);
            if (err != GH_OK)
                return err;
        }
        err = key_create(e, ctx, t, algs[j], GH_KEY_NEXT, actor, &newnext);
        if (err != GH_OK)
            return err;
        data = json_pack("{ssssssss}", "alg", alg, "activated", activated, "retired", active->kid,
                         "next", newnext);
        gh_oauth__audit(ctx, t, GH_AUDIT_KEY_ROTATED, actor, NULL, NULL, activated, NULL, data);
        json_decref(data);
    }
    if (nalgs == 0) {
        gh_ctx_fail(ctx, "keys: nothing to rotate");
        return GH_ENOTFOUND;
    }
    err = gh_store_commit(e->store, t);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "keys: storing the rotation: %s%s", gh_err_str(err),
                    err == GH_ECONFLICT ? " (a concurrent rotation won)" : "");
        return err;
    }
    return gh_oauth__keys_reload(e, ctx);
}

/* SPEC: RFC7517 5 - the JWK Set of the published public keys, prebuilt per snapshot. */
gh_err gh_oauth_jwks(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                     gh_oauth_response *resp)
{
    gh_oauth_keysnap *s = NULL;
    gh_err err;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "method not allowed");
        return GH_OK;
    }
    err = gh_oauth__keys_acquire(e, ctx, &s);
    if (err != GH_OK)
        return err;
    resp->text = gh_arena_memdup(ctx->arena, s->jwks, s->jwks_len + 1);
    resp->text_len = s->jwks_len;
    resp->content_type = "application/json";
    gh_oauth__keys_release(s);
    return GH_OK;
}

static json_t *keys_list_json(gh_engine *e, gh_ctx *ctx, gh_err *err)
{
    gh_key_row *rows = NULL;
    size_t n = 0, i;
    json_t *arr;

    *err = gh_store_key_list(e->store, ctx->arena, &rows, &n);
    if (*err != GH_OK) {
        gh_ctx_fail(ctx, "keys: listing keys: %s", gh_err_str(*err));
        return NULL;
    }
    arr = json_array();
    for (i = 0; i < n; i++) {
        const gh_key_row *r = &rows[i];
        bool published =
            r->state != GH_KEY_RETIRED || r->expires_at == 0 || r->expires_at > ctx->now;
        json_t *k =
            json_pack("{sssssssIsb}", "kid", r->kid, "alg", r->alg, "state", state_name(r->state),
                      "created_at", (json_int_t)r->created_at, "published", published);

        if (r->activated_at != 0)
            json_object_set_new(k, "activated_at", json_integer(r->activated_at));
        if (r->retired_at != 0)
            json_object_set_new(k, "retired_at", json_integer(r->retired_at));
        if (r->expires_at != 0)
            json_object_set_new(k, "expires_at", json_integer(r->expires_at));
        json_array_append_new(arr, k);
    }
    return json_pack("{so}", "keys", arr);
}

gh_err gh_oauth_admin_keys(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                           gh_oauth_response *resp)
{
    gh_err err;
    json_t *body;

    if (strcmp(req->method, "GET") == 0) {
        if (req->path_arg != NULL) {
            gh_oauth_error(resp, 404, GH_E_NOT_FOUND, "no such resource");
            return GH_OK;
        }
    } else if (strcmp(req->method, "POST") == 0) {
        if (req->path_arg == NULL || strcmp(req->path_arg, "rotate") != 0) {
            gh_oauth_error(resp, 404, GH_E_NOT_FOUND, "no such resource");
            return GH_OK;
        }
        err = gh_oauth_keys_rotate(e, ctx, "admin");
        if (err == GH_ECONFLICT) {
            gh_oauth_error(resp, 409, GH_E_CONFLICT, "a concurrent rotation is in progress");
            return GH_OK;
        }
        if (err != GH_OK)
            return err;
    } else {
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "method not allowed");
        return GH_OK;
    }
    body = keys_list_json(e, ctx, &err);
    if (body == NULL)
        return err;
    resp->body = body;
    resp->no_store = true;
    return GH_OK;
}
