/*
 * test_ctx.c - the per-request context: initialisation, request ids, and gh_ctx_fail's
 * record and warn-level log line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/log.h"
#include "capture.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_fail_records_and_logs),
        cmocka_unit_test(test_fail_truncates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
