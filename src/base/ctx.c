/*
 * ctx.c - the per-request context: request id, time, arena and operator failure detail.
 *
 * gh_ctx_init gives each request a UUID in the version 4 layout (RFC 9562 5.4) so that log
 * lines, audit records and error responses can be correlated. A request id must be unique,
 * not secret, so it costs no system call: each thread draws 16 random bytes once and then
 * counts upwards in the low half, which keeps ids unique across threads and processes (the
 * high half is a per-thread random value) and within a thread (the counter). gh_ctx_fail keeps the last failure detail
 * for the audit record and logs it at warn level with the request id; the detail never
 * reaches an HTTP response. The context does not own its arena.
 *
 * Randomness: the request's random values other than its id (a jti, a grant id, an opaque
 * token) come from a small pool filled by one gh_rand_bytes call on first use, because a
 * call costs far more than its bytes (getrandom: about 0.5 us for 16 bytes, 0.7 us for 48).
 * The pool is filled lazily so that the many requests that need no randomness beyond their
 * id (introspection, discovery) do not pay for it. Pool bytes are wiped as they are handed
 * out, so a context never holds a value it already gave away.
 */
#include "base/ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/b64url.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"

#define GH_CTX_UUID_BYTES 16

/* The thread's request-id state: random at first use, then a counter in the low 8 bytes. */
static _Thread_local struct {
    unsigned char b[GH_CTX_UUID_BYTES];
    int seeded;
} ctx_ids;

static void next_request_id(char out[37])
{
    unsigned char r[GH_CTX_UUID_BYTES];

    if (!ctx_ids.seeded) {
        gh_rand_bytes(ctx_ids.b, sizeof(ctx_ids.b));
        ctx_ids.seeded = 1;
    }
    /* Big-endian increment of the low 8 bytes. */
    for (int i = GH_CTX_UUID_BYTES - 1; i >= GH_CTX_UUID_BYTES / 2; i--) {
        if (++ctx_ids.b[i] != 0)
            break;
    }
    memcpy(r, ctx_ids.b, sizeof(r));
    gh_uuid_format(r, out); /* sets the version and variant bits */
}

void gh_ctx_init(gh_ctx *ctx, gh_arena *arena, int64_t now_us)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->arena = arena;
    next_request_id(ctx->request_id);
    ctx->rand_used = GH_CTX_RAND_POOL; /* empty: filled on first use */
    ctx->now_us = now_us;
    ctx->now = now_us / 1000000;
    ctx->remote_addr = NULL;
    ctx->fail[0] = '\0';
}

void gh_ctx_fail(gh_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(ctx->fail, sizeof(ctx->fail), fmt, ap);
    va_end(ap);
    if (n < 0)
        ctx->fail[0] = '\0';
    gh_log(GH_LOG_WARN, "request %s: %s", ctx->request_id, ctx->fail);
}

void gh_ctx_rand_bytes(gh_ctx *ctx, void *p, size_t n)
{
    size_t left = GH_CTX_RAND_POOL - ctx->rand_used;

    if (n > GH_CTX_RAND_POOL) {
        gh_rand_bytes(p, n);
        return;
    }
    if (n > left) {
        /* Refill: the few bytes left are dropped (wiped), never served twice. */
        gh_rand_bytes(ctx->rand_pool, GH_CTX_RAND_POOL);
        ctx->rand_used = 0;
    }
    memcpy(p, ctx->rand_pool + ctx->rand_used, n);
    gh_wipe(ctx->rand_pool + ctx->rand_used, n);
    ctx->rand_used += n;
}

char *gh_ctx_rand_token(gh_ctx *ctx, const char *prefix, size_t nbytes)
{
    unsigned char raw[GH_CTX_RAND_POOL];

    if (nbytes > sizeof(raw))
        return gh_rand_token(ctx->arena, prefix, nbytes);
    gh_ctx_rand_bytes(ctx, raw, nbytes);
    return gh_rand_token_from(ctx->arena, prefix, raw, nbytes);
}

void gh_ctx_rand_uuid(gh_ctx *ctx, char out[37])
{
    unsigned char b[GH_CTX_UUID_BYTES];

    gh_ctx_rand_bytes(ctx, b, sizeof(b));
    gh_uuid_format(b, out);
}
