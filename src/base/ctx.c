/*
 * ctx.c - the per-request context: request id, time, arena and operator failure detail.
 *
 * gh_ctx_init gives each request a random UUID v4 (RFC 9562 5.4) so that log lines, audit
 * records and error responses can be correlated. gh_ctx_fail keeps the last failure detail
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

void gh_ctx_init(gh_ctx *ctx, gh_arena *arena, int64_t now_us)
{
    unsigned char r[GH_CTX_UUID_BYTES];

    memset(ctx, 0, sizeof(*ctx));
    ctx->arena = arena;
    gh_rand_bytes(r, sizeof(r));
    gh_uuid_format(r, ctx->request_id);
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
