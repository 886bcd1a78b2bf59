/*
 * test_ctx.c - the per-request context: initialisation, request ids, and gh_ctx_fail's
 * record and warn-level log line, and the request-scoped random pool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/log.h"
#include "capture.h"

/* Request ids: unique within a thread (a counter) and across threads (a per-thread random
 * half). Collects N ids per thread from two threads and checks that all 2N differ. */
enum { IDS_PER_THREAD = 2000 };

static void *collect_ids(void *arg)
{
    char(*ids)[37] = arg;
    gh_arena *a = gh_arena_new(0);
    gh_ctx c;

    for (int i = 0; i < IDS_PER_THREAD; i++) {
        gh_ctx_init(&c, a, 0);
        memcpy(ids[i], c.request_id, 37);
    }
    gh_arena_free(a);
    return NULL;
}

static int cmp_id(const void *x, const void *y)
{
    return strcmp(x, y);
}

static void test_request_ids_unique(void **state)
{
    char(*ids)[37] = calloc(2 * IDS_PER_THREAD, 37);
    pthread_t t1, t2;
    (void)state;

    assert_int_equal(pthread_create(&t1, NULL, collect_ids, ids), 0);
    assert_int_equal(pthread_create(&t2, NULL, collect_ids, ids + IDS_PER_THREAD), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    qsort(ids, 2 * IDS_PER_THREAD, 37, cmp_id);
    for (int i = 0; i < 2 * IDS_PER_THREAD; i++) {
        assert_int_equal(strlen(ids[i]), 36);
        assert_int_equal(ids[i][14], '4'); /* version 4 layout */
        assert_true(strchr("89ab", ids[i][19]) != NULL); /* RFC 9562 variant */
        if (i > 0)
            assert_string_not_equal(ids[i - 1], ids[i]);
    }
    free(ids);
}

static void test_init(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_ctx c1, c2;
    (void)state;
    memset(&c1, 0xff, sizeof(c1));
    gh_ctx_init(&c1, a, 1767323045123456);
    gh_ctx_init(&c2, a, 0);
    assert_ptr_equal(c1.arena, a);
    assert_true(c1.now_us == 1767323045123456);
    assert_true(c1.now == 1767323045);
    assert_null(c1.remote_addr);
    assert_string_equal(c1.fail, "");
    assert_int_equal(strlen(c1.request_id), 36);
    assert_int_equal(c1.request_id[14], '4'); /* UUID v4 */
    assert_string_not_equal(c1.request_id, c2.request_id);
    gh_arena_free(a);
}

static void test_fail_records_and_logs(void **state)
{
    gh_ctx ctx;
    capture c;
    char *out, want[128];
    (void)state;
    gh_log_init(GH_LOG_INFO);
    gh_ctx_init(&ctx, NULL, 0);
    capture_start(&c);
    gh_ctx_fail(&ctx, "store: %s (%d)", "disk full", 13);
    out = capture_end(&c);
    assert_string_equal(ctx.fail, "store: disk full (13)");
    assert_non_null(strstr(out, "\"level\":\"warn\""));
    (void)snprintf(want, sizeof(want), "\"msg\":\"request %s: store: disk full (13)\"}\n",
                   ctx.request_id);
    assert_non_null(strstr(out, want));
    free(out);
}

static void test_fail_truncates(void **state)
{
    gh_ctx ctx;
    capture c;
    char big[1000];
    char *out;
    (void)state;
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    gh_log_init(GH_LOG_ERROR); /* warn is below the level: recorded, not logged */
    gh_ctx_init(&ctx, NULL, 0);
    capture_start(&c);
    gh_ctx_fail(&ctx, "%s", big);
    out = capture_end(&c);
    assert_int_equal(strlen(ctx.fail), GH_CTX_FAIL_MAX - 1);
    assert_string_equal(out, "");
    free(out);
    gh_log_init(GH_LOG_INFO);
}

/* The pool is filled on first use, serves distinct bytes, wipes what it gave, and is drawn
 * again when a request does not fit in what is left. */
static void test_rand_pool(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_ctx ctx;
    unsigned char x[16], y[16], rest[GH_CTX_RAND_POOL], big[GH_CTX_RAND_POOL + 1];
    static const unsigned char zero[GH_CTX_RAND_POOL];
    char u1[37], u2[37];
    const char *t1, *t2;
    (void)state;
    /* What a refresh draws (an opaque access token, a refresh token's selector) fits in one
     * pool: one generator call per request. */
    assert_true(GH_CTX_RAND_POOL >= 42 + 10);
    gh_ctx_init(&ctx, a, 0);
    assert_int_equal(ctx.rand_used, GH_CTX_RAND_POOL); /* nothing drawn yet */
    assert_memory_equal(ctx.rand_pool, zero, GH_CTX_RAND_POOL);
    gh_ctx_rand_bytes(&ctx, x, sizeof(x));
    assert_int_equal(ctx.rand_used, 16);
    assert_memory_equal(ctx.rand_pool, zero, 16); /* handed out, wiped */
    assert_memory_not_equal(ctx.rand_pool + 16, zero, GH_CTX_RAND_POOL - 16);
    gh_ctx_rand_bytes(&ctx, y, sizeof(y));
    assert_memory_not_equal(x, y, sizeof(x));
    assert_memory_not_equal(x, zero, sizeof(x));
    /* Take all but 16 bytes of what is left, then a UUID empties the pool exactly. */
    gh_ctx_rand_bytes(&ctx, rest, GH_CTX_RAND_POOL - 48);
    gh_ctx_rand_uuid(&ctx, u1);
    assert_int_equal(ctx.rand_used, GH_CTX_RAND_POOL);
    assert_memory_equal(ctx.rand_pool, zero, GH_CTX_RAND_POOL);
    gh_ctx_rand_uuid(&ctx, u2); /* a fresh pool */
    assert_int_equal(ctx.rand_used, 16);
    assert_int_equal(strlen(u1), 36);
    assert_int_equal(u1[14], '4');
    assert_true(u1[19] == '8' || u1[19] == '9' || u1[19] == 'a' || u1[19] == 'b');
    assert_string_not_equal(u1, u2);
    assert_string_not_equal(u1, ctx.request_id);
    gh_ctx_rand_bytes(&ctx, big, sizeof(big)); /* larger than the pool: drawn directly */
    assert_int_equal(ctx.rand_used, 16);
    gh_ctx_init(&ctx, a, 0);
    gh_ctx_rand_bytes(&ctx, rest, GH_CTX_RAND_POOL - 48);
    t1 = gh_ctx_rand_token(&ctx, "gh_at_", 32);
    t2 = gh_ctx_rand_token(&ctx, "gh_at_", 32); /* 16 left: a fresh pool */
    assert_int_equal(ctx.rand_used, 32);
    assert_memory_equal(ctx.rand_pool, zero, 32);
    assert_int_equal(strlen(t1), 6 + 43);
    assert_true(strncmp(t1, "gh_at_", 6) == 0);
    assert_string_not_equal(t1, t2);
    assert_int_equal(strlen(gh_ctx_rand_token(&ctx, "", 100)), 134);
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_request_ids_unique),
        cmocka_unit_test(test_fail_records_and_logs),
        cmocka_unit_test(test_fail_truncates),
        cmocka_unit_test(test_rand_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
