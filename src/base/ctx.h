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

typedef struct gh_ctx {
    gh_arena *arena;
    char request_id[37];  /* UUID */
    int64_t now;          /* request time, seconds since the epoch (from the engine clock) */
    int64_t now_us;       /* same, microseconds */
    const char *remote_addr; /* the peer's address, for throttling and audit; may be NULL */
    char fail[GH_CTX_FAIL_MAX]; /* operator detail of the last failure, "" if none */
} gh_ctx;

/* Initialises ctx for a new request: a fresh request id, the arena given (borrowed). */
void gh_ctx_init(gh_ctx *ctx, gh_arena *arena, int64_t now_us);
/* Records operator-facing detail of a failure (truncated at GH_CTX_FAIL_MAX) and logs it at
 * warn level with the request id. Returns nothing; the caller still returns its error. */
void gh_ctx_fail(gh_ctx *ctx, const char *fmt, ...) GH_PRINTF(2, 3);

#endif
