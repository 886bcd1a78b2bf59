/*
 * client_cache.c - the bounded client cache and the cached lookup, gh_oauth__client_get.
 *
 * A 4-way set-associative table of refcounted, immutable clients, each valid for a short TTL
 * so that changes made through other instances are seen soon; an instance drops its own
 * entry at once when it updates or deletes a client. A rwlock guards it: lookups (every token
 * request) take it shared, and the reference they return is counted atomically. The set
 * index is a seeded FNV-1a hash, so client ids cannot be chosen to collide on purpose.
 * Nothing authoritative lives here: losing the cache costs one store read. Not here: building
 * a client from its row (client.c), and deciding when to invalidate (the writers,
 * admin_clients.c and register.c). No spec governs it.
 */
#include <string.h>

#include "base/limits.h"
#include "base/mem.h"
#include "base/rand.h"
#include "oauth/client_int.h"

/* ---- the cache ---- */

#define CACHE_WAYS 4

struct gh_oauth_client_cache {
    pthread_rwlock_t lock;
    size_t nsets;
    int64_t ttl_us;
    uint64_t seed;           /* keyed hashing: client ids cannot be chosen to collide on purpose */
    gh_oauth_client **slots; /* nsets * CACHE_WAYS */
};

static size_t cache_set(const gh_oauth_client_cache *c, const char *id)
{
    uint64_t h = 1469598103934665603ULL ^ c->seed; /* FNV-1a, seeded */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        h ^= *p;
        h *= 1099511628211ULL;
    }
    h ^= h >> 29;
    return (size_t)(h % c->nsets);
}

gh_oauth_client_cache *gh_oauth__client_cache_new(size_t capacity, int64_t ttl_us)
{
    gh_oauth_client_cache *c = gh_xcalloc(1, sizeof(*c));

    if (capacity == 0)
        capacity = GH_OAUTH_CLIENT_CACHE_CAPACITY;
    c->nsets = (capacity + CACHE_WAYS - 1) / CACHE_WAYS;
    c->ttl_us = ttl_us > 0 ? ttl_us : GH_OAUTH_CLIENT_CACHE_TTL_US;
    gh_rand_bytes(&c->seed, sizeof(c->seed));
    c->slots = gh_xcalloc(c->nsets * CACHE_WAYS, sizeof(*c->slots));
    gh_assert(pthread_rwlock_init(&c->lock, NULL) == 0);
    return c;
}

void gh_oauth__client_cache_free(gh_oauth_client_cache *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nsets * CACHE_WAYS; i++)
        gh_oauth__client_release(c->slots[i]);
    pthread_rwlock_destroy(&c->lock);
    free(c->slots);
    free(c);
}

gh_oauth_client *gh_oauth__client_cache_get(gh_oauth_client_cache *cache, const char *id,
                                            int64_t now_us)
{
    gh_oauth_client *found = NULL;
    gh_oauth_client **set;

    if (cache == NULL)
        return NULL;
    set = cache->slots + cache_set(cache, id) * CACHE_WAYS;
    pthread_rwlock_rdlock(&cache->lock);
    for (size_t i = 0; i < CACHE_WAYS; i++) {
        gh_oauth_client *c = set[i];
        if (c != NULL && c->cached_until_us > now_us && strcmp(c->client_id, id) == 0) {
            atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
            found = c;
            break;
        }
    }
    pthread_rwlock_unlock(&cache->lock);
    return found;
}

void gh_oauth__client_cache_put(gh_oauth_client_cache *cache, gh_oauth_client *c, int64_t now_us)
{
    gh_oauth_client **set, *old;
    size_t victim = 0;

    if (cache == NULL)
        return;
    set = cache->slots + cache_set(cache, c->client_id) * CACHE_WAYS;
    pthread_rwlock_wrlock(&cache->lock);
    /* The victim: the same client, else an empty way, else the one expiring first. */
    for (size_t i = 0; i < CACHE_WAYS; i++) {
        if (set[i] != NULL && strcmp(set[i]->client_id, c->client_id) == 0) {
            victim = i;
            goto found;
        }
    }
    for (size_t i = 0; i < CACHE_WAYS; i++) {
        if (set[i] == NULL) {
            victim = i;
            goto found;
        }
        if (set[i]->cached_until_us < set[victim]->cached_until_us)
            victim = i;
    }
found:
    old = set[victim];
    c->cached_until_us = now_us + cache->ttl_us;
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    set[victim] = c;
    pthread_rwlock_unlock(&cache->lock);
    /* Also right when old == c (the same object put again): it now holds one reference
     * for the slot, taken above, and the slot's previous reference is dropped here. */
    gh_oauth__client_release(old);
}

size_t gh_oauth__client_cache_count(gh_oauth_client_cache *cache)
{
    size_t n = 0;

    if (cache == NULL)
        return 0;
    pthread_rwlock_rdlock(&cache->lock);
    for (size_t i = 0; i < cache->nsets * CACHE_WAYS; i++)
        n += cache->slots[i] != NULL;
    pthread_rwlock_unlock(&cache->lock);
    return n;
}

void gh_oauth__client_invalidate(gh_engine *e, const char *client_id)
{
    gh_oauth_client_cache *cache = e->clients;
    gh_oauth_client **set, *old = NULL;

    if (cache == NULL || client_id == NULL)
        return;
    set = cache->slots + cache_set(cache, client_id) * CACHE_WAYS;
    pthread_rwlock_wrlock(&cache->lock);
    for (size_t i = 0; i < CACHE_WAYS; i++) {
        if (set[i] != NULL && strcmp(set[i]->client_id, client_id) == 0) {
            old = set[i];
            set[i] = NULL;
            break;
        }
    }
    pthread_rwlock_unlock(&cache->lock);
    gh_oauth__client_release(old);
}

gh_err gh_oauth__client_get(gh_engine *e, gh_ctx *ctx, const char *client_id, gh_oauth_client **out)
{
    gh_client *row = NULL;
    gh_oauth_client *c;
    gh_err err;

    *out = NULL;
    if (client_id == NULL || client_id[0] == '\0' || strlen(client_id) > GH_LIMIT_CLIENT_STRING)
        return GH_ENOTFOUND;
    c = gh_oauth__client_cache_get(e->clients, client_id, ctx->now_us);
    if (c != NULL) {
        *out = c;
        return GH_OK;
    }
    err = gh_store_client_get(e->store, client_id, ctx->arena, &row);
    if (err != GH_OK)
        return err;
    err = gh_oauth__client_from_row(row, &c);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "stored client %s has a document that does not parse", client_id);
        return GH_EINTERNAL;
    }
    gh_oauth__client_cache_put(e->clients, c, ctx->now_us);
    *out = c;
    return GH_OK;
}
