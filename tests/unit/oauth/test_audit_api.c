/*
 * test_audit_api.c - the audit trail's endpoints and checkpoints: a tool-call report by the
 * token itself and by the resource server of its audience (and not by anyone else), bounded
 * bodies, the response kept whole or hashed; the admin query's filters and paging; a signed
 * checkpoint that verifies against the store's keys and fails when altered; time parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/token_int.h"
#include "support/gh_test.h"

static int setup(void **state)
{
    gh_test_env *env = gh_test_env_new();

    gh_test_cc_client(env, "agent", "dns:read logs:read", "jwt", NULL);
    gh_test_cc_client(env, "opq", "dns:read", "opaque", NULL);
    gh_test_cc_client(env, "rs-dns", "dns:read", "jwt", NULL);
    gh_test_cc_client(env, "rs-logs", "logs:read", "jwt", NULL);
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

static const char *issue(gh_test_env *env, const char *client, const char *extra)
{
    gh_oauth_response resp;
    const char *at;

    assert_int_equal(gh_test_cc(env, client, extra, &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    return at;
}

/* POSTs a JSON body to the report endpoint; returns the status (resp kept for inspection). */
static int post_report(gh_test_env *env, const char *authorization, const char *json,
                       gh_oauth_response *resp)
{
    static const gh_form empty = {NULL, 0};
    gh_oauth_request req;

    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.query = &empty;
    req.content_type = "application/json";
    req.body = json;
    req.body_len = strlen(json);
    req.authorization = authorization;
    gh_oauth_response_init(resp);
    assert_int_equal(gh_oauth_audit_report(env->e, gh_test_ctx(env), &req, resp), GH_OK);
    return resp->status;
}

/* The event with this seq. */
static gh_audit_event *event_at(gh_test_env *env, int64_t seq)
{
    gh_audit_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(gh_store_audit_list(env->store, seq - 1, 1, env->arena, &ev, &n), GH_OK);
    assert_int_equal(n, 1);
    return ev;
}

static void test_report_by_token(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "agent", "&scope=dns:read");
    const char *bearer = gh_arena_printf(env->arena, "Bearer %s", at);
    gh_oauth_response resp;
    gh_audit_event *ev;
    json_t *data;

    assert_int_equal(post_report(env, bearer,
                                 "{\"model_id\":\"m-1\",\"tool\":\"dns.list\",\"arguments\":"
                                 "{\"zone\":\"a.example\"},\"outcome\":\"ok\",\"response\":[1,2]}",
                                 &resp),
                     201);
    int64_t seq = (int64_t)json_integer_value(json_object_get(resp.body, "seq"));
    gh_oauth_response_clear(&resp);
    ev = event_at(env, seq);
    assert_string_equal(ev->type, GH_AUDIT_TOOL_CALLED);
    assert_string_equal(ev->client_id, "agent");
    assert_string_equal(ev->subject, "agent");
    assert_string_equal(ev->scope, "dns:read");
    assert_non_null(ev->token_id);
    data = json_loads(ev->data, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(data, "tool")), "dns.list");
    assert_string_equal(json_string_value(json_object_get(data, "model_id")), "m-1");
    assert_string_equal(json_string_value(json_object_get(data, "reported_by")), "token");
    assert_int_equal(json_array_size(json_object_get(data, "response")), 2);
    assert_non_null(json_object_get(data, "catalog_version"));
    json_decref(data);

    /* An opaque token reports too. */
    at = issue(env, "opq", "");
    assert_int_equal(post_report(env, gh_arena_printf(env->arena, "Bearer %s", at),
                                 "{\"tool\":\"t\",\"outcome\":\"error\"}", &resp),
                     201);
    gh_oauth_response_clear(&resp);

    /* Bodies: missing tool, wrong types, too long, not JSON. */
    assert_int_equal(post_report(env, bearer, "{\"outcome\":\"ok\"}", &resp), 400);
    assert_string_equal(gh_test_str(&resp, "error"), "invalid_request");
    gh_oauth_response_clear(&resp);
    assert_int_equal(post_report(env, bearer, "{\"tool\":1,\"outcome\":\"ok\"}", &resp), 400);
    gh_oauth_response_clear(&resp);
    assert_int_equal(post_report(env, bearer, "[1]", &resp), 400);
    gh_oauth_response_clear(&resp);
    assert_int_equal(post_report(env, bearer, "{\"tool\":\"a\",\"tool\":\"b\",\"outcome\":\"ok\"}",
                                 &resp),
                     400);
    gh_oauth_response_clear(&resp);

    /* A revoked, unknown or expired token: 401 invalid_token. */
    assert_int_equal(post_report(env, "Bearer x.y.z", "{\"tool\":\"t\",\"outcome\":\"ok\"}",
                                 &resp),
                     401);
    assert_string_equal(gh_test_str(&resp, "error"), "invalid_token");
    assert_non_null(strstr(resp.www_authenticate, "invalid_token"));
    gh_oauth_response_clear(&resp);
    gh_test_env_advance(env, 100000);
    assert_int_equal(post_report(env, bearer, "{\"tool\":\"t\",\"outcome\":\"ok\"}", &resp), 401);
    gh_oauth_response_clear(&resp);
}

static void test_report_by_resource_server(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "agent", "&scope=dns:read&resource=" GH_TEST_RS_DNS);
    char *big = malloc(GH_OAUTH_AUDIT_RESPONSE_MAX + 100);
    gh_oauth_response resp;
    const char *body;

    memset(big, 'y', GH_OAUTH_AUDIT_RESPONSE_MAX + 99);
    big[GH_OAUTH_AUDIT_RESPONSE_MAX + 99] = '\0';
    body = gh_arena_printf(env->arena,
                           "{\"token\":\"%s\",\"tool\":\"dns.update\",\"outcome\":\"denied\","
                           "\"response\":\"%s\"}",
                           at, big);
    free(big);
    assert_int_equal(post_report(env, gh_test_basic(env, "rs-dns", GH_TEST_SECRET), body, &resp),
                     201);
    int64_t seq = (int64_t)json_integer_value(json_object_get(resp.body, "seq"));
    gh_oauth_response_clear(&resp);
    gh_audit_event *ev = event_at(env, seq);
    json_t *data = json_loads(ev->data, 0, NULL);
    assert_null(json_object_get(data, "response"));
    assert_int_equal(json_integer_value(json_object_get(data, "response_length")),
                     GH_OAUTH_AUDIT_RESPONSE_MAX + 99);
    assert_int_equal(strlen(json_string_value(json_object_get(data, "response_sha256"))), 64);
    assert_string_equal(json_string_value(json_object_get(data, "reported_by")),
                        "client:rs-dns");
    assert_string_equal(ev->actor, "client:rs-dns");
    assert_string_equal(ev->client_id, "agent");
    json_decref(data);

    /* Another resource server, or the token's own client by credentials: invalid_token. */
    body = gh_arena_printf(env->arena, "{\"token\":\"%s\",\"tool\":\"t\",\"outcome\":\"ok\"}",
                           at);
    assert_int_equal(post_report(env, gh_test_basic(env, "rs-logs", GH_TEST_SECRET), body, &resp),
                     401);
    assert_string_equal(gh_test_str(&resp, "error"), "invalid_token");
    gh_oauth_response_clear(&resp);
    assert_int_equal(post_report(env, gh_test_basic(env, "agent", GH_TEST_SECRET), body, &resp),
                     401);
    gh_oauth_response_clear(&resp);
    /* Bad client credentials. */
    assert_int_equal(post_report(env, gh_test_basic(env, "rs-dns", "wrong"), body, &resp), 401);
    assert_string_equal(gh_test_str(&resp, "error"), "invalid_client");
    gh_oauth_response_clear(&resp);
    /* No token named. */
    assert_int_equal(post_report(env, gh_test_basic(env, "rs-dns", GH_TEST_SECRET),
                                 "{\"tool\":\"t\",\"outcome\":\"ok\"}", &resp),
                     400);
    gh_oauth_response_clear(&resp);
}

/* Calls the admin query with query text q. */
static int admin_query(gh_test_env *env, const char *q, gh_oauth_response *resp)
{
    gh_oauth_request req;
    gh_form *f = GH_ARENA_NEW(env->arena, gh_form);

    assert_int_equal(gh_form_parse(env->arena, q, strlen(q), f), GH_OK);
    memset(&req, 0, sizeof(req));
    req.method = "GET";
    req.query = f;
    gh_oauth_response_init(resp);
    assert_int_equal(gh_oauth_admin_audit_events(env->e, gh_test_ctx(env), &req, resp), GH_OK);
    return resp->status;
}

static void test_admin_query(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;

    (void)issue(env, "agent", "");
    (void)issue(env, "agent", "");
    (void)issue(env, "opq", "");
    assert_int_equal(admin_query(env, "client_id=agent&type=token.issued", &resp), 200);
    assert_int_equal(json_array_size(resp.body), 2);
    assert_null(resp.link);
    gh_oauth_response_clear(&resp);
    assert_int_equal(admin_query(env, "limit=1&client=agent&type=token.issued", &resp), 200);
    assert_int_equal(json_array_size(resp.body), 1);
    assert_non_null(resp.link);
    assert_non_null(strstr(resp.link, "client_id=agent&"));
    assert_non_null(strstr(resp.link, "rel=\"next\""));
    gh_oauth_response_clear(&resp);
    assert_int_equal(admin_query(env, "since=2999-01-01T00:00:00Z", &resp), 200);
    assert_int_equal(json_array_size(resp.body), 0);
    gh_oauth_response_clear(&resp);
    assert_int_equal(admin_query(env, "limit=501", &resp), 400);
    gh_oauth_response_clear(&resp);
    assert_int_equal(admin_query(env, "since=yesterday", &resp), 400);
    gh_oauth_response_clear(&resp);
    assert_int_equal(admin_query(env, "type=a&type=b", &resp), 400);
    gh_oauth_response_clear(&resp);
}

static void test_checkpoint(void **state)
{
    gh_test_env *env = *state;
    int64_t seq = 0, signed_seq = 0, got_seq = 0;
    unsigned char h[GH_SHA256_LEN];
    const char *why = NULL;
    gh_audit_event *head = NULL, *cp;

    (void)issue(env, "agent", "");
    assert_int_equal(gh_oauth_audit_head(env->store, env->arena, &head), GH_OK);
    assert_non_null(head);
    assert_int_equal(gh_oauth_audit_checkpoint(env->e, gh_test_ctx(env), "cli", &seq,
                                               &signed_seq),
                     GH_OK);
    assert_int_equal(signed_seq, head->seq);
    assert_int_equal(seq, head->seq + 1);
    cp = event_at(env, seq);
    assert_string_equal(cp->type, GH_AUDIT_CHECKPOINT);

    const char *jwks = gh_oauth_audit_store_jwks(env->store, env->arena);
    assert_non_null(jwks);
    assert_int_equal(gh_oauth_audit_checkpoint_check(env->arena, jwks, cp->data, &got_seq, h,
                                                     &why),
                     GH_OK);
    assert_int_equal(got_seq, head->seq);
    assert_memory_equal(h, head->hash, GH_SHA256_LEN);

    /* The signed JWS's header names an ES256 key. */
    json_t *d = json_loads(cp->data, 0, NULL);
    const char *jws = json_string_value(json_object_get(d, "jws"));
    json_t *hdr = gh_test_jwt_header(env, jws);
    assert_string_equal(json_string_value(json_object_get(hdr, "alg")), "ES256");
    assert_non_null(json_object_get(hdr, "kid"));
    json_decref(hdr);

    /* The clear seq changed: the signed one differs. */
    json_t *d2 = json_deep_copy(d);
    json_object_set_new(d2, "seq", json_integer(1));
    char *t = json_dumps(d2, JSON_COMPACT);
    assert_int_equal(gh_oauth_audit_checkpoint_check(env->arena, jwks, t, &got_seq, h, &why),
                     GH_EINVAL);
    assert_non_null(strstr(why, "differ"));
    free(t);
    json_decref(d2);
    /* A signature byte changed. */
    d2 = json_deep_copy(d);
    char *bad = gh_arena_strdup(env->arena, jws);
    size_t n = strlen(bad);
    bad[n - 5] = bad[n - 5] == 'A' ? 'B' : 'A';
    json_object_set_new(d2, "jws", json_string(bad));
    t = json_dumps(d2, JSON_COMPACT);
    assert_int_equal(gh_oauth_audit_checkpoint_check(env->arena, jwks, t, &got_seq, h, &why),
                     GH_EINVAL);
    free(t);
    json_decref(d2);
    /* Another key set: the kid is not there. */
    assert_int_equal(gh_oauth_audit_checkpoint_check(env->arena, "{\"keys\":[]}", cp->data,
                                                     &got_seq, h, &why),
                     GH_EINVAL);
    json_decref(d);
}

static void test_parse_time(void **state)
{
    int64_t us = 0;
    (void)state;
    assert_int_equal(gh_oauth_audit_parse_time("1700000000", &us), GH_OK);
    assert_int_equal(us, 1700000000000000LL);
    assert_int_equal(gh_oauth_audit_parse_time("2023-11-14T22:13:20Z", &us), GH_OK);
    assert_int_equal(us, 1700000000000000LL);
    assert_int_equal(gh_oauth_audit_parse_time("2023-11-14T22:13:20.5Z", &us), GH_OK);
    assert_int_equal(us, 1700000000500000LL);
    assert_int_equal(gh_oauth_audit_parse_time("2023-11-15T00:13:20+02:00", &us), GH_OK);
    assert_int_equal(us, 1700000000000000LL);
    assert_int_equal(gh_oauth_audit_parse_time("1970-01-01T00:00:00Z", &us), GH_OK);
    assert_int_equal(us, 0);
    assert_int_equal(gh_oauth_audit_parse_time("2023-13-01T00:00:00Z", &us), GH_EINVAL);
    assert_int_equal(gh_oauth_audit_parse_time("2023-11-14", &us), GH_EINVAL);
    assert_int_equal(gh_oauth_audit_parse_time("2023-11-14T22:13:20", &us), GH_EINVAL);
    assert_int_equal(gh_oauth_audit_parse_time("", &us), GH_EINVAL);
    assert_int_equal(gh_oauth_audit_parse_time("-5", &us), GH_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report_by_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_by_resource_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint, setup, teardown),
        cmocka_unit_test(test_parse_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
