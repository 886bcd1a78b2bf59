/*
 * test_metrics.c - request counters and their Prometheus text exposition.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

static void test_counts(void **state)
{
    gh_http_metrics *m = malloc(sizeof(*m));
    gh_arena *a = gh_arena_new(0);
    gh_http_match_result match;
    char *text;
    size_t len, i;
    (void)state;

    gh_http__metrics_init(m);
    text = gh_http__metrics_render(m, a, &len);
    assert_int_equal(strlen(text), len);
    assert_null(strstr(text, "gatehouse_http_requests_total{"));

    gh_http__route_find(GH_HTTP_PUBLIC, NULL, "/oauth2/token", 13, &match);
    for (i = 0; i < 3; i++)
        gh_http__metrics_count(m, GH_HTTP_PUBLIC, &match, 200, 100, 1500000);
    gh_http__metrics_count(m, GH_HTTP_PUBLIC, &match, 400, 50, 10);
    gh_http__metrics_count(m, GH_HTTP_PUBLIC, &match, 418, 0, 0);
    gh_http__route_find(GH_HTTP_ADMIN, NULL, "/admin/clients/x", 16, &match);
    gh_http__metrics_count(m, GH_HTTP_ADMIN, &match, 401, 0, 0);
    gh_http__metrics_count(m, GH_HTTP_ADMIN, NULL, 404, 0, 0);

    text = gh_http__metrics_render(m, a, &len);
    assert_int_equal(strlen(text), len);
    assert_non_null(strstr(text, "# TYPE gatehouse_http_requests_total counter\n"));
    assert_non_null(strstr(text,
                           "gatehouse_http_requests_total{listener=\"public\",route=\"/oauth2/"
                           "token\",status=\"200\"} 3\n"));
    assert_non_null(strstr(text,
                           "gatehouse_http_requests_total{listener=\"public\",route=\"/oauth2/"
                           "token\",status=\"400\"} 1\n"));
    assert_non_null(strstr(text,
                           "gatehouse_http_requests_total{listener=\"public\",route=\"/oauth2/"
                           "token\",status=\"other\"} 1\n"));
    assert_non_null(strstr(text, "gatehouse_http_requests_total{listener=\"admin\",route=\"/admin/"
                                 "clients/{id}\",status=\"401\"} 1\n"));
    assert_non_null(strstr(text,
                           "gatehouse_http_requests_total{listener=\"admin\",route=\"unmatched"
                           "\",status=\"404\"} 1\n"));
    assert_non_null(strstr(text,
                           "gatehouse_http_request_duration_seconds_total{listener=\"public\","
                           "route=\"/oauth2/token\"} 4.500010\n"));
    assert_non_null(strstr(text, "gatehouse_http_response_bytes_total{listener=\"public\",route=\"/"
                                 "oauth2/token\"} 350\n"));
    assert_int_equal(text[len - 1], '\n');
    gh_arena_free(a);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
