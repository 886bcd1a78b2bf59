/*
 * test_match.c - gh_audit_args_match: which tool-call arguments name a resource (match.h).
 * Scalars anywhere (strings exactly, numbers in their decimal text), KEY=VALUE under a member
 * at any depth, the depth bound, and what never matches (booleans, null, prefixes, keys).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "audit/match.h"

static bool m(const char *args_json, const char *resource)
{
    json_t *args = json_loads(args_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    bool r;

    assert_non_null(args);
    r = gh_audit_args_match(args, resource);
    json_decref(args);
    return r;
}

static void test_scalars_anywhere(void **state)
{
    (void)state;
    assert_true(m("{\"zone\":\"example.com\"}", "example.com"));
    assert_true(m("{\"zone\":\"example.com\",\"id\":1,\"content\":\"203.0.113.66\"}",
                  "203.0.113.66"));
    assert_true(m("{\"id\":1}", "1"));
    assert_true(m("{\"id\":\"1\"}", "1"));
    assert_true(m("{\"id\":-7}", "-7"));
    assert_true(m("{\"ttl\":1.5}", "1.5"));
    assert_true(m("{\"a\":{\"b\":[{\"c\":[\"deep.example\"]}]}}", "deep.example"));
    assert_true(m("[\"x\",\"example.com\"]", "example.com"));
    assert_true(m("\"example.com\"", "example.com"));
    assert_true(m("42", "42"));
}

static void test_exact_only(void **state)
{
    (void)state;
    assert_false(m("{\"zone\":\"example.com\"}", "example"));
    assert_false(m("{\"zone\":\"example.com\"}", "example.com."));
    assert_false(m("{\"zone\":\"Example.com\"}", "example.com"));
    assert_false(m("{\"zone\":\"sub.example.com\"}", "example.com"));
    assert_false(m("{\"id\":10}", "1"));
    assert_false(m("{\"id\":1}", "01"));
    assert_false(m("{\"id\":1}", "1.0"));
    /* names of members are not values */
    assert_false(m("{\"example.com\":\"x\"}", "example.com"));
    /* booleans and null never match */
    assert_false(m("{\"on\":true}", "true"));
    assert_false(m("{\"v\":null}", "null"));
    assert_false(m("{}", "example.com"));
    assert_false(m("[]", "example.com"));
    /* an embedded NUL in a string is not cut short */
    assert_false(m("{\"z\":\"example.com\\u0000x\"}", "example.com"));
}

static void test_key_value(void **state)
{
    (void)state;
    assert_true(m("{\"zone\":\"example.com\",\"id\":1}", "zone=example.com"));
    assert_true(m("{\"zone\":\"example.com\",\"id\":1}", "id=1"));
    assert_true(m("{\"rec\":{\"id\":\"1\"}}", "id=1"));
    assert_true(m("{\"recs\":[{\"id\":3},{\"id\":1}]}", "id=1"));
    /* the member must hold the value itself */
    assert_false(m("{\"zone\":\"example.com\",\"id\":2,\"x\":1}", "id=1"));
    assert_false(m("{\"name\":\"example.com\"}", "zone=example.com"));
    assert_false(m("{\"zone\":[\"example.com\"]}", "zone=example.com"));
    assert_false(m("{\"zone\":\"example.com\"}", "zon=example.com"));
    /* split at the first '=': the value may hold '=' */
    assert_true(m("{\"q\":\"a=b\"}", "q=a=b"));
    /* a literal value holding '=' still matches as a scalar */
    assert_true(m("{\"q\":\"a=b\"}", "a=b"));
    /* no key: "=x" is a literal only */
    assert_false(m("{\"\":\"x\"}", "=x"));
    assert_true(m("{\"v\":\"=x\"}", "=x"));
}

/* A value at depth GH_AUDIT_MATCH_DEPTH is found, one level deeper is not. */
static void test_depth_bound(void **state)
{
    char buf[512];
    size_t n = 0;

    (void)state;
    for (int levels = GH_AUDIT_MATCH_DEPTH; levels <= GH_AUDIT_MATCH_DEPTH + 1; levels++) {
        n = 0;
        for (int i = 1; i < levels; i++)
            buf[n++] = '[';
        memcpy(buf + n, "\"deep\"", 6);
        n += 6;
        for (int i = 1; i < levels; i++)
            buf[n++] = ']';
        buf[n] = '\0';
        if (levels == GH_AUDIT_MATCH_DEPTH)
            assert_true(m(buf, "deep"));
        else
            assert_false(m(buf, "deep"));
    }
}

static void test_nothing(void **state)
{
    json_t *o = json_pack("{s:s}", "zone", "example.com");

    (void)state;
    assert_false(gh_audit_args_match(NULL, "example.com"));
    assert_false(gh_audit_args_match(o, NULL));
    assert_false(gh_audit_args_match(o, ""));
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars_anywhere), cmocka_unit_test(test_exact_only),
        cmocka_unit_test(test_key_value),        cmocka_unit_test(test_depth_bound),
        cmocka_unit_test(test_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
