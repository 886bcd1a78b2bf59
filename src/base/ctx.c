/*
 * ctx.c - the per-request context: request id, time, arena and operator failure detail.
 *
 * gh_ctx_init gives each request a random UUID v4 (RFC 9562 5.4) so that log lines, audit
 * records and error responses can be correlated. gh_ctx_fail keeps the last failure detail
 * for the audit record and logs it at warn level with the request id; the detail never
 * reaches an HTTP response. The context does not own its arena.
 */
#include "base/ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/rand.h"

void gh_ctx_init(gh_ctx *ctx, gh_arena *arena, int64_t now_us)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->arena = arena;
    gh_rand_uuid(ctx->request_id);
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
