/*
 * fuzz_sealed.c - fuzz target for presented codes and refresh tokens (code.c: sealed tokens)
 * and the data layout inside the seal.
 *
 * Input: a mode byte, then:
 *   'v' (or anything not below): the rest is a presented value. It must not open as a code or
 *       a refresh token (nobody but the server holds the key), and a row id taken from it is
 *       the id prefix and 22 characters.
 *   'p': the rest is the plaintext of a seal made here with the right key (the first 16 bytes,
 *       zero-padded, are the selector): whatever the bytes, opening either succeeds with every
 *       required member set, or fails; never a crash or an over-read. What opens is sealed
 *       again and must open to the same data.
 *   'd': the rest is up to 13 '\n'-separated strings, the members of gh_oauth_sealed in
 *       declaration order ("-" = NULL): sealing them and opening the value gives them back,
 *       through the row when the data was too long for the value (the row is stored in a mem
 *       store first).
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/b64url.h"
#include "base/ctx.h"
#include "base/err.h"
#include "oauth/token_int.h"
#include "store/mem/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NSTR 13

static const char **slot(gh_oauth_sealed *d, int i)
{
    const char **slots[NSTR] = {
        &d->client_id,           &d->subject,         &d->grant_id, &d->scope, &d->audience,
        &d->redirect_uri,        &d->code_challenge,  &d->nonce,    &d->sid,   &d->acr,
        &d->access_token_claims, &d->id_token_claims, &d->amr};
    return slots[i];
}

static bool str_same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void same(gh_oauth_sealed *a, gh_oauth_sealed *b)
{
    gh_assert(a->expires_at == b->expires_at && a->auth_time == b->auth_time);
    for (int i = 0; i < NSTR; i++)
        gh_assert(str_same(*slot(a, i), *slot(b, i)));
}

/* Seals d, stores its row, opens it again: the same data. */
static void round_trip(gh_engine *e, gh_ctx *ctx, const char *prefix, const char *id_prefix,
                       gh_oauth_sealed *d)
{
    gh_oauth_sealed back;
    gh_store_txn *t;
    gh_store_op op;
    gh_token row;
    char *value = NULL, *id = NULL, *extra = NULL;
    const char *oid = NULL;
    bool ok = false;
    gh_err err;

    err = gh_oauth__sealed_new(e, ctx, prefix, id_prefix, d, &value, &id, &extra);
    if (err != GH_OK) {
        gh_assert(err == GH_EINVAL);
        return;
    }
    gh_assert(strlen(value) <= GH_OAUTH_SEALED_VALUE_MAX);
    memset(&row, 0, sizeof(row));
    row.id = id;
    row.kind = strcmp(prefix, GH_PREFIX_CODE) == 0 ? GH_TOKEN_CODE : GH_TOKEN_REFRESH;
    row.format = GH_STRATEGY_OPAQUE;
    row.grant_id = d->grant_id;
    row.client_id = d->client_id;
    row.subject = d->subject;
    row.scope = "";
    row.audience = "";
    row.expires_at = d->expires_at;
    row.extra = extra;
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = &row;
    gh_store_txn_add(t, &op);
    if (gh_store_commit(e->store, t) != GH_OK)
        return; /* the same selector twice: nothing to check */
    gh_assert(gh_oauth__sealed_open(e, ctx, prefix, id_prefix, value, &back, &oid, &ok) == GH_OK);
    gh_assert(ok && strcmp(oid, id) == 0);
    same(d, &back);
    gh_assert(strcmp(gh_oauth__split_id(ctx->arena, prefix, id_prefix, value), id) == 0);
}

static void presented(gh_engine *e, gh_ctx *ctx, const char *value)
{
    gh_oauth_sealed d;
    const char *id = NULL;
    char *sid;
    bool ok = true;

    gh_assert(gh_oauth__sealed_open(e, ctx, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, value, &d, &id,
                                    &ok) == GH_OK);
    gh_assert(!ok && id == NULL);
    ok = true;
    gh_assert(gh_oauth__sealed_open(e, ctx, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX, value,
                                    &d, &id, &ok) == GH_OK);
    gh_assert(!ok && id == NULL);
    sid = gh_oauth__split_id(ctx->arena, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX, value);
    if (sid != NULL)
        gh_assert(strlen(sid) == 2 + 22 && strncmp(sid, "r.", 2) == 0);
}

static void plaintext(gh_engine *e, gh_ctx *ctx, const uint8_t *p, size_t n)
{
    static const char prefix[] = GH_PREFIX_REFRESH;
    unsigned char sel[GH_OAUTH_SPLIT_SELECTOR_BYTES] = {0}, aad[32], *sealed = NULL, *raw;
    gh_oauth_sealed d;
    const char *id = NULL;
    char *value;
    size_t slen = 0, pl = sizeof(prefix) - 1;
    bool ok = false;

    memcpy(sel, p, n < sizeof(sel) ? n : sizeof(sel));
    memcpy(aad, prefix, pl);
    memcpy(aad + pl, sel, sizeof(sel));
    gh_assert(gh_aead_seal(e->token_seal_key, aad, pl + sizeof(sel), p, n, &sealed, &slen) ==
              GH_OK);
    raw = gh_arena_alloc(ctx->arena, sizeof(sel) + slen);
    memcpy(raw, sel, sizeof(sel));
    memcpy(raw + sizeof(sel), sealed, slen);
    free(sealed);
    value = gh_arena_printf(ctx->arena, "%s%s", prefix,
                            gh_b64url_encode_a(ctx->arena, raw, sizeof(sel) + slen));
    gh_assert(gh_oauth__sealed_open(e, ctx, prefix, GH_OAUTH_REFRESH_ID_PREFIX, value, &d, &id,
                                    &ok) == GH_OK);
    if (!ok)
        return;
    gh_assert(id != NULL && d.client_id != NULL && d.subject != NULL && d.grant_id != NULL &&
              d.scope != NULL);
    round_trip(e, ctx, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX, &d);
}

static void members(gh_engine *e, gh_ctx *ctx, const uint8_t *p, size_t n)
{
    gh_oauth_sealed d;
    const char *s = (const char *)p, *end = s + n;
    int i;

    if (memchr(p, '\0', n) != NULL)
        return;
    memset(&d, 0, sizeof(d));
    d.expires_at = (int64_t)n * 7919 - 100000;
    d.auth_time = (int64_t)n;
    for (i = 0; i < NSTR && s <= end; i++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t l = nl != NULL ? (size_t)(nl - s) : (size_t)(end - s);

        *slot(&d, i) = (l == 1 && s[0] == '-') ? NULL : gh_arena_strndup(ctx->arena, s, l);
        s += l + 1;
    }
    round_trip(e, ctx, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, &d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    gh_store *store = NULL;
    gh_engine e;
    gh_ctx ctx;

    memset(&e, 0, sizeof(e));
    memset(e.token_seal_key, 0x42, sizeof(e.token_seal_key));
    gh_assert(gh_store_mem_open(&store) == GH_OK);
    e.store = store;
    gh_ctx_init(&ctx, a, 1767225600LL * 1000000);
    if (size > 0 && data[0] == 'p')
        plaintext(&e, &ctx, data + 1, size - 1);
    else if (size > 0 && data[0] == 'd')
        members(&e, &ctx, data + 1, size - 1);
    else if (size > 0 && memchr(data + 1, '\0', size - 1) == NULL)
        presented(&e, &ctx, gh_arena_strndup(a, (const char *)data + 1, size - 1));
    gh_store_free(store);
    gh_arena_free(a);
    return 0;
}
