/*
 * test_answer.c - what the resource-server kit answers and sends: the RFC 6750 3
 * WWW-Authenticate values with the RFC 9728 5.1 resource_metadata parameter, the RFC 9728 2
 * metadata document, Bearer header parsing (RFC 6750 2.1), scope matching, and the tool-call
 * report to the audit endpoint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>
#include <jansson.h>

#include "fake.h"

#define META_URL FAKE_RESOURCE "/.well-known/oauth-protected-resource"

static gh_rs *make(fake *f)
{
    static const char *const algs[] = {"ES256", "EdDSA", NULL};
    static const char *const scopes[] = {"dns:read", "dns:write", "logs:read", NULL};
    gh_rs_config cfg;
    gh_rs *rs = NULL;
    fake_config(f, &cfg);
    cfg.algorithms = algs;
    cfg.scopes_supported = scopes;
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_OK);
    return rs;
}

/* SPEC: RFC6750 3.1 - 401 invalid_token, 403 insufficient_scope with scope; RFC9728 5.1 */
static void test_challenge(void **state)
{
    (void)state;
    fake f = {0};
    gh_rs *rs = make(&f);
    int status = 0;
    char *h = NULL;
    assert_string_equal(gh_rs_metadata_url(rs), META_URL);
    assert_int_equal(gh_rs_challenge(rs, GH_RS_NO_TOKEN, NULL, NULL, &status, &h), GH_RS_OK);
    assert_int_equal(status, 401);
    assert_string_equal(h, "Bearer resource_metadata=\"" META_URL "\"");
    free(h);
    assert_int_equal(gh_rs_challenge(rs, GH_RS_INVALID_TOKEN, NULL, "expired", &status, &h),
                     GH_RS_OK);
    assert_int_equal(status, 401);
    assert_string_equal(h, "Bearer error=\"invalid_token\", error_description=\"expired\", "
                           "resource_metadata=\"" META_URL "\"");
    free(h);
    assert_int_equal(gh_rs_challenge(rs, GH_RS_INSUFFICIENT_SCOPE, "dns:write", NULL, &status, &h),
                     GH_RS_OK);
    assert_int_equal(status, 403);
    assert_string_equal(h, "Bearer error=\"insufficient_scope\", scope=\"dns:write\", "
                           "resource_metadata=\"" META_URL "\"");
    free(h);
    /* a scope or description that would break the header is refused */
    assert_int_equal(gh_rs_challenge(rs, GH_RS_INSUFFICIENT_SCOPE, NULL, NULL, &status, &h),
                     GH_RS_EINVAL);
    assert_int_equal(gh_rs_challenge(rs, GH_RS_INSUFFICIENT_SCOPE, "a\", x=\"", NULL, &status, &h),
                     GH_RS_EINVAL);
    assert_int_equal(gh_rs_challenge(rs, GH_RS_INVALID_TOKEN, NULL, "bad\r\nX: y", &status, &h),
                     GH_RS_EINVAL);
    assert_null(h);
    gh_rs_free(rs);
}

/* SPEC: RFC9728 3.1 - the metadata URL inserts the well-known segment before the path */
static void test_metadata_url_with_path(void **state)
{
    (void)state;
    fake f = {0};
    gh_rs_config cfg;
    gh_rs *rs = NULL;
    fake_config(&f, &cfg);
    cfg.resource = "https://api.example.test/v1";
    assert_int_equal(gh_rs_new(&cfg, &rs), GH_RS_OK);
    assert_string_equal(gh_rs_metadata_url(rs),
                        "https://api.example.test/.well-known/oauth-protected-resource/v1");
    gh_rs_free(rs);
}

/* SPEC: RFC9728 2 - resource, authorization_servers, scopes_supported, bearer methods */
static void test_metadata(void **state)
{
    (void)state;
    fake f = {0};
    gh_rs *rs = make(&f);
    char *doc = NULL;
    json_t *m;
    assert_int_equal(gh_rs_metadata(rs, &doc), GH_RS_OK);
    m = json_loads(doc, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(m);
    assert_string_equal(json_string_value(json_object_get(m, "resource")), FAKE_RESOURCE);
    json_t *as = json_object_get(m, "authorization_servers");
    assert_int_equal(json_array_size(as), 1);
    assert_string_equal(json_string_value(json_array_get(as, 0)), FAKE_ISSUER);
    json_t *sc = json_object_get(m, "scopes_supported");
    assert_int_equal(json_array_size(sc), 3);
    assert_string_equal(json_string_value(json_array_get(sc, 1)), "dns:write");
    json_t *bm = json_object_get(m, "bearer_methods_supported");
    assert_int_equal(json_array_size(bm), 1);
    assert_string_equal(json_string_value(json_array_get(bm, 0)), "header");
    json_t *algs = json_object_get(m, "resource_signing_alg_values_supported");
    assert_int_equal(json_array_size(algs), 2);
    assert_string_equal(json_string_value(json_array_get(algs, 0)), "ES256");
    assert_string_equal(json_string_value(json_array_get(algs, 1)), "EdDSA");
    json_decref(m);
    free(doc);
    gh_rs_free(rs);
}

/* SPEC: RFC6750 2.1 - Authorization: Bearer b64token */
static void test_bearer(void **state)
{
    (void)state;
    const char *t = gh_rs_bearer("Bearer abc.DEF-_~+/=");
    assert_non_null(t);
    assert_string_equal(t, "abc.DEF-_~+/=");
    assert_string_equal(gh_rs_bearer("bearer xyz"), "xyz");
    assert_null(gh_rs_bearer("Basic abc"));
    assert_null(gh_rs_bearer("Bearer "));
    assert_null(gh_rs_bearer("Bearer a b"));
    assert_null(gh_rs_bearer("Bearer a\r\nX: y"));
    assert_null(gh_rs_bearer(NULL));
}

static void test_require_scope(void **state)
{
    (void)state;
    gh_rs_token t = {0};
    t.active = true;
    t.scope = "dns:read logs:read";
    assert_true(gh_rs_require_scope(&t, "dns:read"));
    assert_true(gh_rs_require_scope(&t, "logs:read"));
    assert_false(gh_rs_require_scope(&t, "dns:write"));
    assert_false(gh_rs_require_scope(&t, "dns"));
    assert_false(gh_rs_require_scope(&t, "dns:rea"));
    assert_false(gh_rs_require_scope(&t, "read logs"));
    assert_false(gh_rs_require_scope(&t, ""));
    t.active = false;
    assert_false(gh_rs_require_scope(&t, "dns:read"));
    assert_false(gh_rs_require_scope(NULL, "dns:read"));
}

/* The report: POST <issuer>/oauth2/audit/events, Bearer token, the JSON shape. */
static void test_report(void **state)
{
    (void)state;
    fake f = {0};
    gh_rs *rs = make(&f);
    long status = 0;
    gh_rs_call call = {"claude-test", "dns.update_record", "{\"zone\":\"example.com\"}", "denied",
                       "{\"error\":\"insufficient_scope\"}"};
    json_t *body;
    assert_int_equal(gh_rs_report(rs, "tok.en-1", &call, &status), GH_RS_OK);
    assert_int_equal(status, 201);
    assert_int_equal(f.audit_calls, 1);
    assert_string_equal(f.last_url, FAKE_ISSUER "/oauth2/audit/events");
    assert_string_equal(f.last_headers[0], "Content-Type: application/json");
    assert_string_equal(f.last_headers[2], "Authorization: Bearer tok.en-1");
    body = json_loads(f.last_body, 0, NULL);
    assert_non_null(body);
    assert_string_equal(json_string_value(json_object_get(body, "model_id")), "claude-test");
    assert_string_equal(json_string_value(json_object_get(body, "tool")), "dns.update_record");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(body, "arguments"), "zone")),
        "example.com");
    assert_string_equal(json_string_value(json_object_get(body, "outcome")), "denied");
    assert_string_equal(json_string_value(json_object_get(body, "response")),
                        "{\"error\":\"insufficient_scope\"}");
    json_decref(body);
    /* gatehouse refusing the report is an error for the caller */
    f.audit_status = 401;
    assert_int_equal(gh_rs_report(rs, "tok.en-1", &call, &status), GH_RS_EFETCH);
    assert_int_equal(status, 401);
    /* bad arguments: not JSON, a token that would break the header, no tool */
    call.arguments_json = "{zone:";
    assert_int_equal(gh_rs_report(rs, "tok", &call, NULL), GH_RS_EINVAL);
    call.arguments_json = NULL;
    assert_int_equal(gh_rs_report(rs, "tok\r\nX-Evil: 1", &call, NULL), GH_RS_EINVAL);
    call.tool = NULL;
    assert_int_equal(gh_rs_report(rs, "tok", &call, NULL), GH_RS_EINVAL);
    assert_int_equal(f.audit_calls, 2);
    gh_rs_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_challenge),     cmocka_unit_test(test_metadata_url_with_path),
        cmocka_unit_test(test_metadata),      cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_require_scope), cmocka_unit_test(test_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
