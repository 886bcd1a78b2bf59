/*
 * test_log.c - structured logging: the line format, JSON escaping, level filtering,
 * truncation of long messages and the pass-through of pre-built JSON lines.
 *
 * stderr is redirected to a temporary file (capture.h) and the exact bytes are checked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "capture.h"

/* Checks that line starts with {"time":"YYYY-MM-DDTHH:MM:SS.mmmZ","level":"<level>","msg":"
 * and returns a pointer just past that prefix. */
static const char *check_prefix(const char *line, const char *level)
{
    const char *p = line;
    const char *shape = "dddd-dd-ddTdd:dd:dd.dddZ";
    char want[64];
    size_t i;

    assert_memory_equal(p, "{\"time\":\"", 9);
    p += 9;
    for (i = 0; shape[i]; i++) {
        if (shape[i] == 'd')
            assert_true(p[i] >= '0' && p[i] <= '9');
        else
            assert_int_equal(p[i], shape[i]);
    }
    p += strlen(shape);
    (void)snprintf(want, sizeof(want), "\",\"level\":\"%s\",\"msg\":\"", level);
    assert_memory_equal(p, want, strlen(want));
    return p + strlen(want);
}

static void test_line_format(void **state)
{
    capture c;
    char *out;
    const char *msg;
    (void)state;
    gh_log_init(GH_LOG_DEBUG);
    capture_start(&c);
    gh_log(GH_LOG_INFO, "listening on %s:%d", "127.0.0.1", 4444);
    out = capture_end(&c);
    msg = check_prefix(out, "info");
    assert_string_equal(msg, "listening on 127.0.0.1:4444\"}\n");
    free(out);
}

static void test_escaping(void **state)
{
    capture c;
    char *out;
    const char *msg;
    (void)state;
    gh_log_init(GH_LOG_DEBUG);
    capture_start(&c);
    gh_log(GH_LOG_ERROR, "q\"b\\n\nt\tr\rc\x01\x1f d\x7f caf\xc3\xa9 bad\xff\xc3(");
    out = capture_end(&c);
    msg = check_prefix(out, "error");
    /* Quotes, backslashes and control characters are escaped; valid UTF-8 passes through;
     * invalid bytes become '?'. The line is a single line. */
    assert_string_equal(msg, "q\\\"b\\\\n\\nt\\tr\\rc\\u0001\\u001f d\\u007f caf\xc3\xa9 "
                             "bad?" "?(\"}\n");
    assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
    free(out);
}

static void test_levels(void **state)
{
    capture c;
    char *out;
    const char *p;
    (void)state;
    gh_log_init(GH_LOG_WARN);
    capture_start(&c);
    gh_log(GH_LOG_DEBUG, "d");
    gh_log(GH_LOG_INFO, "i");
    gh_log(GH_LOG_WARN, "w");
    gh_log(GH_LOG_ERROR, "e");
    out = capture_end(&c);
    p = check_prefix(out, "warn");
    assert_memory_equal(p, "w\"}\n", 4);
    p = check_prefix(p + 4, "error");
    assert_string_equal(p, "e\"}\n");
    free(out);

    gh_log_init(GH_LOG_DEBUG);
    capture_start(&c);
    gh_log(GH_LOG_DEBUG, "dbg");
    out = capture_end(&c);
    assert_string_equal(check_prefix(out, "debug"), "dbg\"}\n");
    free(out);
}

static void test_level_parse(void **state)
{
    gh_log_level l = GH_LOG_ERROR;
    (void)state;
    assert_int_equal(gh_log_level_parse("debug", &l), 0);
    assert_int_equal(l, GH_LOG_DEBUG);
    assert_int_equal(gh_log_level_parse("info", &l), 0);
    assert_int_equal(l, GH_LOG_INFO);
    assert_int_equal(gh_log_level_parse("warn", &l), 0);
    assert_int_equal(l, GH_LOG_WARN);
    assert_int_equal(gh_log_level_parse("error", &l), 0);
    assert_int_equal(l, GH_LOG_ERROR);
    assert_int_equal(gh_log_level_parse("WARN", &l), -1);
    assert_int_equal(gh_log_level_parse("warning", &l), -1);
    assert_int_equal(gh_log_level_parse("", &l), -1);
    assert_int_equal(gh_log_level_parse(NULL, &l), -1);
    assert_int_equal(l, GH_LOG_ERROR);
}

static void test_long_message_truncated(void **state)
{
    capture c;
    char *out, *big;
    const char *msg;
    size_t i, n = 10000;
    (void)state;
    big = malloc(n + 1);
    assert_non_null(big);
    /* A two-byte character placed so that a naive cut would split it. */
    for (i = 0; i < n; i++)
        big[i] = 'a';
    big[2047] = '\xc3';
    big[2048] = '\xa9';
    big[n] = '\0';
    gh_log_init(GH_LOG_DEBUG);
    capture_start(&c);
    gh_log(GH_LOG_INFO, "%s", big);
    out = capture_end(&c);
    msg = check_prefix(out, "info");
    /* 2047 'a's, the split character dropped, then the truncation mark. */
    assert_int_equal(strlen(msg), 2047 + 3 + 3);
    assert_string_equal(msg + 2047, "...\"}\n");
    free(out);
    free(big);
}

static void test_json_line(void **state)
{
    capture c;
    char *out, *big;
    size_t n = 20000;
    (void)state;
    capture_start(&c);
    gh_log_json_line("{\"a\":1}", 7);
    gh_log_json_line("{\"b\":2}xxx", 7); /* only len bytes */
    out = capture_end(&c);
    assert_string_equal(out, "{\"a\":1}\n{\"b\":2}\n");
    free(out);

    big = malloc(n);
    assert_non_null(big);
    memset(big, 'z', n);
    capture_start(&c);
    gh_log_json_line(big, n);
    out = capture_end(&c);
    assert_int_equal(strlen(out), n + 1);
    assert_int_equal(out[n], '\n');
    free(out);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_format),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_long_message_truncated),
        cmocka_unit_test(test_json_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
