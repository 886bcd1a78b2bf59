/*
 * test_parse.c - the pure parsing pieces of http: listen addresses, media types, the Bearer
 * scheme, request targets and {id} path segments.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "http/http_int.h"

static void test_listen_ipv4(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len;
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
    (void)state;

    assert_int_equal(gh_http__parse_listen("127.0.0.1:4444", &ss, &len), GH_OK);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(in->sin_port), 4444);
    assert_int_equal(ntohl(in->sin_addr.s_addr), 0x7f000001);

    assert_int_equal(gh_http__parse_listen("0.0.0.0:0", &ss, &len), GH_OK);
    assert_int_equal(ntohs(in->sin_port), 0);
    assert_int_equal(in->sin_addr.s_addr, 0);

    assert_int_equal(gh_http__parse_listen("10.1.2.3:65535", &ss, &len), GH_OK);
    assert_int_equal(ntohs(in->sin_port), 65535);
}

static void test_listen_localhost(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len;
    const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
    (void)state;

    assert_int_equal(gh_http__parse_listen("localhost:4445", &ss, &len), GH_OK);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(ntohl(in->sin_addr.s_addr), INADDR_LOOPBACK);
    assert_int_equal(ntohs(in->sin_port), 4445);
    assert_int_equal(gh_http__parse_listen("LocalHost:1", &ss, &len), GH_OK);
}

static void test_listen_ipv6(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
    struct in6_addr lo = IN6ADDR_LOOPBACK_INIT;
    (void)state;

    assert_int_equal(gh_http__parse_listen("[::1]:8080", &ss, &len), GH_OK);
    assert_int_equal(ss.ss_family, AF_INET6);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_int_equal(ntohs(in6->sin6_port), 8080);
    assert_memory_equal(&in6->sin6_addr, &lo, sizeof(lo));
    assert_int_equal(gh_http__parse_listen("[::]:1", &ss, &len), GH_OK);
    assert_int_equal(gh_http__parse_listen("[fe80::1:2]:443", &ss, &len), GH_OK);
}

static void test_listen_rejects(void **state)
{
    static const char *const bad[] = {
        "",
        "127.0.0.1",
        "127.0.0.1:",
        ":4444",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.1:44a",
        "127.0.0.1:123456",
        "exa_mple.com:80",
        "::1:80",
        "[::1]",
        "[::1]80",
        "[]:80",
        "[::1]:",
        "[zz]:80",
        "1.2.3:80",
        "127.0.0.1:4444 ",
        " 127.0.0.1:4444",
        "localhost:+80",
    };
    struct sockaddr_storage ss;
    socklen_t len;
    size_t i;
    char longs[400];
    (void)state;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (gh_http__parse_listen(bad[i], &ss, &len) != GH_EINVAL)
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(len, 0);
    }
    assert_int_equal(gh_http__parse_listen(NULL, &ss, &len), GH_EINVAL);
    memset(longs, '1', sizeof(longs) - 1);
    longs[sizeof(longs) - 1] = '\0';
    longs[3] = ':';
    assert_int_equal(gh_http__parse_listen(longs, &ss, &len), GH_EINVAL);
}

static void test_listen_names(void **state)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char host[64];
    unsigned port;
    bool br;
    (void)state;

    /* A well-formed name other than localhost is for the caller to resolve. */
    assert_int_equal(gh_http__parse_listen("example.com:80", &ss, &len), GH_ENOTFOUND);
    assert_int_equal(gh_http__parse_listen("gatehouse-1:4444", &ss, &len), GH_ENOTFOUND);
    assert_int_equal(gh_http__parse_listen("-bad.example:80", &ss, &len), GH_EINVAL);
    assert_int_equal(gh_http__parse_listen("bad-.example:80", &ss, &len), GH_EINVAL);
    assert_int_equal(gh_http__parse_listen("a..b:80", &ss, &len), GH_EINVAL);
    assert_int_equal(gh_http__parse_listen("300.1.1.1:80", &ss, &len), GH_EINVAL);

    assert_int_equal(gh_http__listen_split("example.com:8080", host, sizeof(host), &port, &br),
                     GH_OK);
    assert_string_equal(host, "example.com");
    assert_int_equal(port, 8080);
    assert_false(br);
    assert_int_equal(gh_http__listen_split("[::1]:1", host, sizeof(host), &port, &br), GH_OK);
    assert_string_equal(host, "::1");
    assert_true(br);
    assert_int_equal(gh_http__listen_split("abc:1", host, 3, &port, &br), GH_EINVAL);
}

static void test_media_type(void **state)
{
    gh_arena *a = gh_arena_new(0);
    (void)state;

    assert_string_equal(gh_http__media_type(a, "application/x-www-form-urlencoded"),
                        "application/x-www-form-urlencoded");
    /* SPEC: RFC9110 8.3.1 type and subtype are case-insensitive; parameters follow ';'. */
    assert_string_equal(gh_http__media_type(a, "Application/JSON; charset=UTF-8"),
                        "application/json");
    assert_string_equal(gh_http__media_type(a, "  text/plain ;charset=utf-8"), "text/plain");
    assert_string_equal(gh_http__media_type(a, "application/jwt\t"), "application/jwt");
    assert_string_equal(gh_http__media_type(a, "application/vnd.api+json"),
                        "application/vnd.api+json");
    assert_null(gh_http__media_type(a, NULL));
    assert_null(gh_http__media_type(a, ""));
    assert_null(gh_http__media_type(a, "application"));
    assert_null(gh_http__media_type(a, "/json"));
    assert_null(gh_http__media_type(a, "application/"));
    assert_null(gh_http__media_type(a, "application/json/x"));
    assert_null(gh_http__media_type(a, "application/json x"));
    assert_null(gh_http__media_type(a, "application/js\"on"));
    assert_null(gh_http__media_type(a, ";charset=utf-8"));
    gh_arena_free(a);
}

static void test_bearer(void **state)
{
    const char *v;
    (void)state;

    /* SPEC: RFC6750 2.1 credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive. */
    v = "Bearer abc.DEF-ghi_~+/==";
    assert_ptr_equal(gh_http__bearer_token(v), v + 7);
    v = "bearer   tok";
    assert_string_equal(gh_http__bearer_token(v), "tok");
    v = "BEARER x";
    assert_string_equal(gh_http__bearer_token(v), "x");
    assert_null(gh_http__bearer_token(NULL));
    assert_null(gh_http__bearer_token(""));
    assert_null(gh_http__bearer_token("Bearer"));
    assert_null(gh_http__bearer_token("Bearer "));
    assert_null(gh_http__bearer_token("Bearer\ttok"));
    assert_null(gh_http__bearer_token("Bearertok"));
    assert_null(gh_http__bearer_token("Basic dXNlcjpwYXNz"));
    assert_null(gh_http__bearer_token("Bearer a b"));
    assert_null(gh_http__bearer_token("Bearer a,b"));
    assert_null(gh_http__bearer_token("Bearer =="));
    assert_null(gh_http__bearer_token("Bearer a=b"));
    assert_null(gh_http__bearer_token("Bearer tok "));
    assert_null(gh_http__bearer_token("DPoP tok"));
}

static void test_split_target(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_http_target t;
    (void)state;

    assert_int_equal(gh_http__split_target(a, "/oauth2/token", 13, &t), GH_OK);
    assert_string_equal(t.path, "/oauth2/token");
    assert_int_equal(t.path_len, 13);
    assert_string_equal(t.query, "");
    assert_int_equal(t.query_len, 0);

    assert_int_equal(gh_http__split_target(a, "/a?b=1&c=%20?d", 14, &t), GH_OK);
    assert_string_equal(t.path, "/a");
    assert_string_equal(t.query, "b=1&c=%20?d");
    assert_int_equal(t.query_len, 11);

    assert_int_equal(gh_http__split_target(a, "/?", 2, &t), GH_OK);
    assert_string_equal(t.path, "/");
    assert_string_equal(t.query, "");

    assert_int_equal(gh_http__split_target(a, "", 0, &t), GH_EINVAL);
    assert_int_equal(gh_http__split_target(a, "*", 1, &t), GH_EINVAL);
    assert_int_equal(gh_http__split_target(a, "http://x/a", 10, &t), GH_EINVAL);
    assert_int_equal(gh_http__split_target(a, "/a b", 4, &t), GH_EINVAL);
    assert_int_equal(gh_http__split_target(a, "/a#f", 4, &t), GH_EINVAL);
    assert_int_equal(gh_http__split_target(a, "/a\x01", 3, &t), GH_EINVAL);
    assert_int_equal(gh_http__split_target(a, "/a\x7f", 3, &t), GH_EINVAL);
    assert_int_equal(gh_http__split_target(a, "/a\0b", 4, &t), GH_EINVAL);
    assert_null(t.path);
    gh_arena_free(a);
}

static void test_path_arg(void **state)
{
    gh_arena *a = gh_arena_new(0);
    char *out;
    char big[GH_HTTP_PATH_ARG_MAX + 2];
    (void)state;

    assert_int_equal(gh_http__path_arg(a, "demo-agent", 10, &out), GH_OK);
    assert_string_equal(out, "demo-agent");
    assert_int_equal(gh_http__path_arg(a, "a%20b+c", 7, &out), GH_OK);
    assert_string_equal(out, "a b+c"); /* '+' is not a space in a path */
    assert_int_equal(gh_http__path_arg(a, "%C3%A9", 6, &out), GH_OK);
    assert_string_equal(out, "\xc3\xa9");

    assert_int_equal(gh_http__path_arg(a, "", 0, &out), GH_EINVAL);
    assert_null(out);
    assert_int_equal(gh_http__path_arg(a, "a/b", 3, &out), GH_EINVAL);
    assert_int_equal(gh_http__path_arg(a, "a%2", 3, &out), GH_EINVAL);
    assert_int_equal(gh_http__path_arg(a, "a%00", 4, &out), GH_EINVAL);
    assert_int_equal(gh_http__path_arg(a, "%ff", 3, &out), GH_EINVAL);
    memset(big, 'x', sizeof(big));
    assert_int_equal(gh_http__path_arg(a, big, GH_HTTP_PATH_ARG_MAX, &out), GH_OK);
    assert_int_equal(strlen(out), GH_HTTP_PATH_ARG_MAX);
    assert_int_equal(gh_http__path_arg(a, big, GH_HTTP_PATH_ARG_MAX + 1, &out), GH_EINVAL);
    gh_arena_free(a);
}

/* The remote address's text is what inet_ntop writes, for every octet width. */
static void test_format_ipv4(void **state)
{
    static const uint32_t addrs[] = {0x00000000u, 0x7f000001u, 0x0a00c805u, 0xffffffffu,
                                     0x01020304u, 0x6463620au, 0xc0a80001u, 0x09635a00u};
    char got[INET_ADDRSTRLEN], want[INET_ADDRSTRLEN];
    struct in_addr ia;
    (void)state;

    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        ia.s_addr = htonl(addrs[i]);
        gh_http__format_ipv4(&ia, got);
        assert_non_null(inet_ntop(AF_INET, &ia, want, sizeof(want)));
        assert_string_equal(got, want);
    }
    for (uint32_t v = 0; v < 256; v++) {
        ia.s_addr = htonl(v * 0x01010101u ^ 0x00ff0000u);
        gh_http__format_ipv4(&ia, got);
        assert_non_null(inet_ntop(AF_INET, &ia, want, sizeof(want)));
        assert_string_equal(got, want);
    }
    ia.s_addr = htonl(0x7f000001u);
    gh_http__format_ipv4(&ia, got);
    assert_string_equal(got, "127.0.0.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_ipv4),      cmocka_unit_test(test_format_ipv4),
        cmocka_unit_test(test_listen_localhost), cmocka_unit_test(test_listen_ipv6),
        cmocka_unit_test(test_listen_rejects),   cmocka_unit_test(test_listen_names),
        cmocka_unit_test(test_media_type),       cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_split_target),     cmocka_unit_test(test_path_arg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
