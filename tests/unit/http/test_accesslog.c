/*
 * test_accesslog.c - the access-log line: its fields, that the query string never appears,
 * and that hostile bytes cannot break the JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "http/http_int.h"

static json_t *parse_line(const char *line, size_t n)
{
    json_error_t e;
    json_t *j = json_loadb(line, n, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL)
        fail_msg("not JSON: %s (%s)", line, e.text);
    return j;
}

static void test_fields(void **state)
{
    char line[GH_HTTP_ACCESS_LINE_MAX];
    gh_http_access a;
    json_t *j;
    size_t n;
    (void)state;

    memset(&a, 0, sizeof(a));
    a.request_id = "0b7c4f3e-8a51-4f7e-9c1a-2f3e4d5c6b7a";
    a.listener = GH_HTTP_PUBLIC;
    a.method = "POST";
    a.path = "/oauth2/token";
    a.path_len = 13;
    a.status = 400;
    a.bytes = 71;
    a.duration_us = 1234;
    a.remote = "127.0.0.1";
    a.error = "invalid_grant";
    /* 2026-01-02T03:04:05.678Z */
    n = gh_http__access_line(&a, INT64_C(1767323045678000), line, sizeof(line));
    assert_int_equal(n, strlen(line));
    j = parse_line(line, n);
    assert_string_equal(json_string_value(json_object_get(j, "time")), "2026-01-02T03:04:05.678Z");
    assert_string_equal(json_string_value(json_object_get(j, "type")), "access");
    assert_string_equal(json_string_value(json_object_get(j, "request_id")), a.request_id);
    assert_string_equal(json_string_value(json_object_get(j, "listener")), "public");
    assert_string_equal(json_string_value(json_object_get(j, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(j, "path")), "/oauth2/token");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 400);
    assert_int_equal(json_integer_value(json_object_get(j, "bytes")), 71);
    assert_int_equal(json_integer_value(json_object_get(j, "duration_us")), 1234);
    assert_string_equal(json_string_value(json_object_get(j, "remote")), "127.0.0.1");
    assert_string_equal(json_string_value(json_object_get(j, "error")), "invalid_grant");
    json_decref(j);

    a.listener = GH_HTTP_ADMIN;
    a.error = NULL;
    a.remote = NULL;
    n = gh_http__access_line(&a, 0, line, sizeof(line));
    j = parse_line(line, n);
    assert_string_equal(json_string_value(json_object_get(j, "listener")), "admin");
    assert_null(json_object_get(j, "error"));
    assert_true(json_is_null(json_object_get(j, "remote")));
    json_decref(j);
}

static void test_hostile_path(void **state)
{
    char line[GH_HTTP_ACCESS_LINE_MAX];
    char path[4096];
    gh_http_access a;
    json_t *j;
    size_t n, i;
    const char *p;
    (void)state;

    for (i = 0; i < sizeof(path); i++)
        path[i] = (char)(i % 256 == 0 ? 1 : i % 256);
    memset(&a, 0, sizeof(a));
    a.request_id = "id";
    a.method = "GET\"\n";
    a.path = path;
    a.path_len = sizeof(path);
    a.status = 404;
    n = gh_http__access_line(&a, 0, line, sizeof(line));
    assert_true(n < sizeof(line));
    assert_null(memchr(line, '\n', n));
    j = parse_line(line, n);
    p = json_string_value(json_object_get(j, "path"));
    assert_non_null(p);
    /* Cut to a bound: at most 512 input bytes, each one character (escaped or not). */
    for (i = 0, n = 0; p[i] != '\0'; i++)
        n += ((unsigned char)p[i] & 0xc0) != 0x80;
    assert_int_equal(n, 512);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "GET\"\n");
    json_decref(j);
}

/* Runs of plain bytes around every kind of escape, at the start, middle and end: the exact
 * bytes of the line, and every ASCII byte (0x01..0x7f) read back unchanged. */
static void test_escapes_between_runs(void **state)
{
    char line[GH_HTTP_ACCESS_LINE_MAX];
    char path[128];
    gh_http_access a;
    json_t *j;
    size_t n, i;
    const char *p;
    (void)state;

    memset(&a, 0, sizeof(a));
    a.request_id = "\"id\"";
    a.method = "GET";
    a.path = "/ab\"cd\\e\x01"
             "f\x7f"
             "g\x80";
    a.path_len = strlen(a.path);
    a.status = 200;
    a.remote = "127.0.0.1";
    n = gh_http__access_line(&a, 0, line, sizeof(line));
    assert_non_null(strstr(line, ",\"request_id\":\"\\\"id\\\"\","));
    assert_non_null(strstr(line, ",\"path\":\"/ab\\\"cd\\\\e\\u0001f\\u007fg\\u0080\","));
    assert_non_null(strstr(line, ",\"remote\":\"127.0.0.1\"}"));
    json_decref(parse_line(line, n));

    for (i = 0; i < sizeof(path); i++)
        path[i] = (char)(i % 128 == 0 ? 'x' : i % 128);
    a.path = path;
    a.path_len = sizeof(path);
    n = gh_http__access_line(&a, 0, line, sizeof(line));
    j = parse_line(line, n);
    p = json_string_value(json_object_get(j, "path"));
    assert_non_null(p);
    assert_int_equal(strlen(p), sizeof(path));
    assert_memory_equal(p, path, sizeof(path));
    json_decref(j);
}

/* The timestamp cache: the same line as without it, the seconds part reformatted only when
 * the second changes, milliseconds always fresh; numbers at their limits. */
static void test_timestamp_cache(void **state)
{
    char a_line[GH_HTTP_ACCESS_LINE_MAX], b_line[GH_HTTP_ACCESS_LINE_MAX];
    gh_http_tscache tc = {.sec = -1};
    gh_http_access a;
    json_t *j;
    size_t n;
    (void)state;

    memset(&a, 0, sizeof(a));
    a.request_id = "r";
    a.method = "GET";
    a.path = "/";
    a.path_len = 1;
    a.status = 200;
    a.bytes = UINT64_MAX;
    a.duration_us = 0;
    (void)gh_http__access_line_c(&a, INT64_C(1767323045000000), &tc, a_line, sizeof(a_line));
    assert_non_null(strstr(a_line, "\"bytes\":18446744073709551615,"));
    a.bytes = 71;
    n = gh_http__access_line_c(&a, INT64_C(1767323045000000), &tc, a_line, sizeof(a_line));
    assert_int_equal(n,
                     gh_http__access_line(&a, INT64_C(1767323045000000), b_line, sizeof(b_line)));
    assert_string_equal(a_line, b_line);
    j = parse_line(a_line, n);
    assert_string_equal(json_string_value(json_object_get(j, "time")), "2026-01-02T03:04:05.000Z");
    assert_true(json_integer_value(json_object_get(j, "duration_us")) == 0);
    assert_true(json_integer_value(json_object_get(j, "bytes")) == 71);
    json_decref(j);
    /* Same second, later millisecond: the cached part is reused. */
    n = gh_http__access_line_c(&a, INT64_C(1767323045999999), &tc, a_line, sizeof(a_line));
    j = parse_line(a_line, n);
    assert_string_equal(json_string_value(json_object_get(j, "time")), "2026-01-02T03:04:05.999Z");
    json_decref(j);
    /* The next second (and a new minute): reformatted. */
    n = gh_http__access_line_c(&a, INT64_C(1767323100042000), &tc, a_line, sizeof(a_line));
    j = parse_line(a_line, n);
    assert_string_equal(json_string_value(json_object_get(j, "time")), "2026-01-02T03:05:00.042Z");
    json_decref(j);
}

static void test_small_buffer(void **state)
{
    char line[16];
    gh_http_access a;
    (void)state;

    memset(&a, 0, sizeof(a));
    a.path = "/x";
    a.path_len = 2;
    memset(line, 'Z', sizeof(line));
    assert_int_equal(gh_http__access_line(&a, 0, line, sizeof(line)), sizeof(line) - 1);
    assert_int_equal(line[sizeof(line) - 1], '\0');
    assert_int_equal(gh_http__access_line(&a, 0, line, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_hostile_path),
        cmocka_unit_test(test_escapes_between_runs),
        cmocka_unit_test(test_timestamp_cache),
        cmocka_unit_test(test_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
