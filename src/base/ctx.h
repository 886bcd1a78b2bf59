/*
 * ctx.h - the per-request context that travels through every layer.
 *
 * It carries the request's arena, its id and start time, and the operator-facing failure
 * detail (gh_ctx_fail), which goes to the log and the audit record, never to the response.
 */
#ifndef GH_BASE_CTX_H
#define GH_BASE_CTX_H

#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"

#define GH_CTX_FAIL_MAX 256
/* Random bytes a context draws at once, on first use: enough for what one token request
 * takes (see gh_ctx_rand_bytes): a JWT's jti and a grant id, or an opaque access token
 * (selector and secret, 42 bytes) and a sealed refresh token's selector (10), as a refresh
 * or a code exchange takes them, with room to spare. */
#define GH_CTX_RAND_POOL 96

typedef struct gh_ctx {
    gh_arena *arena;
    char request_id[37];  /* UUID */
    int64_t now;          /* request time, seconds since the epoch (from the engine clock) */
    int64_t now_us;       /* same, microseconds */
    const char *remote_addr; /* the peer's address, for throttling and audit; may be NULL */
    /* The engine's scope catalog snapshot this request reads (oauth_int.h gh_oauth__catalog):
     * taken on first use and kept for the request, so that one request never mixes two
     * catalogs across a reload. Opaque here; NULL until first use. */
    const void *catalog;
    char fail[GH_CTX_FAIL_MAX]; /* operator detail of the last failure, "" if none */
    /* Unused random bytes: pool[rand_used..GH_CTX_RAND_POOL), empty after gh_ctx_init.
     * Bytes handed out are wiped. */
    unsigned char rand_pool[GH_CTX_RAND_POOL];
    size_t rand_used;
} gh_ctx;

/* Initialises ctx for a new request: a fresh request id, the arena given (borrowed). */
void gh_ctx_init(gh_ctx *ctx, gh_arena *arena, int64_t now_us);
/* Records operator-facing detail of a failure (truncated at GH_CTX_FAIL_MAX) and logs it at
 * warn level with the request id. Returns nothing; the caller still returns its error. */
void gh_ctx_fail(gh_ctx *ctx, const char *fmt, ...) GH_PRINTF(2, 3);

/* Request-scoped randomness, as strong as base/rand.h's (the same generator): on first use
 * the context draws GH_CTX_RAND_POOL bytes in one gh_rand_bytes call and serves from them,
 * drawing a fresh pool when a request does not fit in what is left (requests larger than
 * the pool go to gh_rand_bytes directly). A generator call costs far more than its bytes,
 * so a token request that needs a jti and a grant id should take them here rather than from
 * gh_rand_* (one call instead of two). */
void gh_ctx_rand_bytes(gh_ctx *ctx, void *p, size_t n);
/* gh_rand_token and gh_rand_uuid (rand.h) drawing from the context; the token goes to
 * ctx->arena. */
char *gh_ctx_rand_token(gh_ctx *ctx, const char *prefix, size_t nbytes);
void gh_ctx_rand_uuid(gh_ctx *ctx, char out[37]);

#endif
