/*
 * gh_test.c - fixtures for engine tests (see gh_test.h). Fails the test (cmocka) when a
 * fixture cannot be set up, so that test bodies assert only what they test.
 */
#include "support/gh_test.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/form.h"
#include "base/mem.h"
#include "jose/jose.h"
#include "store/mem/mem.h"
#include "support/b64std.h"

static int64_t test_now(void *ud)
{
    return ((gh_test_clock *)ud)->now_us;
}

gh_clock gh_test_clock_make(gh_test_clock *tc)
{
    gh_clock c = {test_now, tc};

    return c;
}

static const char *const dns_scopes[] = {"dns:read", "dns:write"};
static const char *const logs_scopes[] = {"logs:read"};

gh_config *gh_test_config_new(void)
{
    static const gh_config_scope demo[] = {
        {"openid", "Sign you in", false},
        {"profile", "Read your name and picture", false},
        {"email", "Read your email address", false},
        {"offline_access", "Keep access while you are away", false},
        {"dns:read", "Read DNS records", false},
        {"dns:write", "Create, change and delete DNS records", true},
        {"logs:read", "Read firewall logs", false},
        {"settings:write", "Change zone settings", true},
    };
    gh_config *c = gh_xcalloc(1, sizeof(*c));

    c->issuer = GH_TEST_ISSUER;
    c->dsn = "mem:";
    c->log_level = "error";
    c->migrate_on_start = true;
    c->public_listen = "127.0.0.1:4444";
    c->admin_listen = "127.0.0.1:4445";
    c->admin_auth = true;
    c->max_connections = 1024;
    c->idle_timeout = 30;
    c->body_limit = 64 * 1024;
    c->secrets_system = "test-system-secret-0123456789-abcdefghij";
    c->ttl_access_token = 600;
    c->ttl_refresh_token = 30 * 86400;
    c->ttl_authorization_code = 60;
    c->ttl_id_token = 3600;
    c->access_token_strategy = "jwt";
    c->signing_alg = "ES256";
    c->registration_enabled = true;
    c->n_scopes = sizeof(demo) / sizeof(demo[0]);
    c->scopes = gh_xcalloc(c->n_scopes, sizeof(*c->scopes));
    memcpy(c->scopes, demo, sizeof(demo));
    c->n_resources = 2;
    c->resources = gh_xcalloc(2, sizeof(*c->resources));
    c->resources[0].uri = GH_TEST_RS_DNS;
    c->resources[0].client_id = "rs-dns";
    c->resources[0].scopes = (const char **)dns_scopes;
    c->resources[0].n_scopes = 2;
    c->resources[1].uri = GH_TEST_RS_LOGS;
    c->resources[1].client_id = "rs-logs";
    c->resources[1].scopes = (const char **)logs_scopes;
    c->resources[1].n_scopes = 1;
    return c;
}

void gh_test_config_free(gh_config *c)
{
    if (c == NULL)
        return;
    free(c->scopes);
    free(c->resources);
    free(c);
}

gh_test_env *gh_test_env_new_with(gh_config *cfg, gh_store *store)
{
    gh_test_env *env = gh_xcalloc(1, sizeof(*env));

    env->tc.now_us = GH_TEST_T0 * 1000000LL;
    env->clock = gh_test_clock_make(&env->tc);
    env->cfg = cfg;
    if (store == NULL) {
        assert_int_equal(gh_store_mem_open(&store), GH_OK);
        assert_int_equal(gh_store_migrate(store, NULL), GH_OK);
    }
    env->store = store;
    env->arena = gh_arena_new(0);
    assert_int_equal(gh_engine_new(cfg, store, &env->clock, &env->e, &env->admin_key), GH_OK);
    return env;
}

gh_test_env *gh_test_env_new(void)
{
    return gh_test_env_new_with(gh_test_config_new(), NULL);
}

gh_store *gh_test_env_free_keep_store(gh_test_env *env)
{
    gh_store *s = env->store;

    gh_engine_free(env->e);
    free(env->admin_key);
    gh_test_config_free(env->cfg);
    gh_arena_free(env->arena);
    free(env);
    return s;
}

void gh_test_env_free(gh_test_env *env)
{
    if (env != NULL)
        gh_store_free(gh_test_env_free_keep_store(env));
}

void gh_test_env_advance(gh_test_env *env, int64_t seconds)
{
    env->tc.now_us += seconds * 1000000LL;
}

gh_ctx *gh_test_ctx(gh_test_env *env)
{
    gh_engine_ctx_init(env->e, &env->ctx, env->arena);
    return &env->ctx;
}

gh_err gh_test_call(gh_test_env *env, gh_oauth_endpoint ep, const char *method, const char *form,
                    const char *authorization, gh_oauth_response *resp)
{
    static const gh_form empty = {NULL, 0};
    gh_oauth_request req;
    gh_form *f = NULL;

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.query = &empty;
    if (form != NULL) {
        f = GH_ARENA_NEW(env->arena, gh_form);
        assert_int_equal(gh_form_parse(env->arena, form, strlen(form), f), GH_OK);
        req.form = f;
        req.content_type = "application/x-www-form-urlencoded";
        req.body = form;
        req.body_len = strlen(form);
    }
    req.authorization = authorization;
    gh_oauth_response_init(resp);
    return ep(env->e, gh_test_ctx(env), &req, resp);
}

const char *gh_test_client(gh_test_env *env, const char *json)
{
    static const gh_form empty = {NULL, 0};
    gh_oauth_request req;
    gh_oauth_response resp;
    const char *id;

    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.query = &empty;
    req.content_type = "application/json";
    req.body = json;
    req.body_len = strlen(json);
    gh_oauth_response_init(&resp);
    assert_int_equal(gh_oauth_admin_clients(env->e, gh_test_ctx(env), &req, &resp), GH_OK);
    if (resp.status != 0 && resp.status != 200 && resp.status != 201) {
        char *dump = resp.body ? json_dumps(resp.body, 0) : NULL;

        print_error("client create failed: %d %s\n", resp.status, dump ? dump : "");
        free(dump);
        fail();
    }
    id = gh_arena_strdup(env->arena, gh_test_str(&resp, "client_id"));
    assert_non_null(id);
    gh_oauth_response_clear(&resp);
    return id;
}

const char *gh_test_cc_client(gh_test_env *env, const char *id, const char *scope,
                              const char *strategy, const char *audience_json)
{
    char *json =
        gh_arena_printf(env->arena,
                        "{\"client_id\":\"%s\",\"client_secret\":\"%s\",\"grant_types\":"
                        "[\"client_credentials\"],\"scope\":\"%s\",\"token_endpoint_auth_method\":"
                        "\"client_secret_basic\",\"access_token_strategy\":\"%s\"%s%s}",
                        id, GH_TEST_SECRET, scope, strategy, audience_json ? ",\"audience\":" : "",
                        audience_json ? audience_json : "");

    return gh_test_client(env, json);
}

const char *gh_test_basic(gh_test_env *env, const char *id, const char *secret)
{
    const char *pair = gh_arena_printf(env->arena, "%s:%s", gh_url_encode(env->arena, id),
                                       gh_url_encode(env->arena, secret));

    return gh_arena_printf(env->arena, "Basic %s", gh_test_b64(env->arena, pair, strlen(pair)));
}

gh_err gh_test_cc(gh_test_env *env, const char *client_id, const char *extra,
                  gh_oauth_response *resp)
{
    const char *form =
        gh_arena_printf(env->arena, "grant_type=client_credentials%s", extra ? extra : "");

    return gh_test_call(env, gh_oauth_token, "POST", form,
                        gh_test_basic(env, client_id, GH_TEST_SECRET), resp);
}

const char *gh_test_str(const gh_oauth_response *resp, const char *name)
{
    json_t *v = resp->body ? json_object_get(resp->body, name) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

json_t *gh_test_jwt_payload(gh_test_env *env, const char *jwt)
{
    gh_jws j;
    json_t *p;

    assert_int_equal(gh_jws_parse(env->arena, jwt, &j), GH_OK);
    p = json_incref(j.payload);
    gh_jws_clear(&j);
    return p;
}

json_t *gh_test_jwt_header(gh_test_env *env, const char *jwt)
{
    gh_jws j;
    json_t *h;

    assert_int_equal(gh_jws_parse(env->arena, jwt, &j), GH_OK);
    h = json_incref(j.header);
    gh_jws_clear(&j);
    return h;
}
