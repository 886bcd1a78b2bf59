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
/* Random bytes a context draws ahead, with its request id, in one RAND_bytes call: enough
 * for a JWT's jti and a grant id, or an opaque token (see gh_ctx_rand_bytes). */
#define GH_CTX_RAND_POOL 48

typedef struct gh_ctx {
    gh_arena *arena;
    char request_id[37];  /* UUID */
    int64_t now;          /* request time, seconds since the epoch (from the engine clock) */
    int64_t now_us;       /* same, microseconds */
    const char *remote_addr; /* the peer's address, for throttling and audit; may be NULL */
    char fail[GH_CTX_FAIL_MAX]; /* operator detail of the last failure, "" if none */
    /* Unused random bytes: pool[rand_used..GH_CTX_RAND_POOL). Bytes handed out are wiped. */
    unsigned char rand_pool[GH_CTX_RAND_POOL];
    size_t rand_used;
} gh_ctx;

/* Initialises ctx for a new request: a fresh request id, the arena given (borrowed). */
void gh_ctx_init(gh_ctx *ctx, gh_arena *arena, int64_t now_us);
/* Records operator-facing detail of a failure (truncated at GH_CTX_FAIL_MAX) and logs it at
 * warn level with the request id. Returns nothing; the caller still returns its error. */
void gh_ctx_fail(gh_ctx *ctx, const char *fmt, ...) GH_PRINTF(2, 3);

/* Request-scoped randomness, as strong as base/rand.h's (the same generator): the context
 * draws its request id and GH_CTX_RAND_POOL bytes more in one RAND_bytes call, and these
 * serve from that pool while it lasts (then from RAND_bytes). Each RAND_bytes call costs
 * about as much as hashing a kilobyte in OpenSSL 3, so a token request that needs a jti and
 * a grant id should take them here rather than from gh_rand_*. */
void gh_ctx_rand_bytes(gh_ctx *ctx, void *p, size_t n);
/* gh_rand_token and gh_rand_uuid (rand.h) drawing from the context; the token goes to
 * ctx->arena. */
char *gh_ctx_rand_token(gh_ctx *ctx, const char *prefix, size_t nbytes);
void gh_ctx_rand_uuid(gh_ctx *ctx, char out[37]);

#endif
