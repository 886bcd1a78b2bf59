/*
 * test_register.c - RFC 7591 registration and RFC 7592 management (register.c), and the
 * admin client API with Hydra paging (admin_clients.c), against a real engine over the
 * in-memory store: responses, secrets shown once, registration and initial access tokens,
 * audit events, cache invalidation and token revocation on delete.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/digest.h"
#include "base/form.h"
#include "json/json.h"
#include "oauth/client_int.h"
#include "oauth/introspect_int.h"
#include "support/gh_test.h"

static int setup(void **state)
{
    *state = gh_test_env_new();
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

typedef struct call {
    const char *method;
    const char *path_arg;
    const char *query;        /* urlencoded, or NULL */
    const char *content_type; /* NULL: none */
    const char *body;         /* NULL: none */
    const char *authorization;
} call;

static void run(gh_test_env *env, gh_oauth_endpoint ep, const call *c, gh_oauth_response *resp)
{
    gh_oauth_request req;
    gh_form *q = GH_ARENA_NEW(env->arena, gh_form);

    memset(&req, 0, sizeof(req));
    req.method = c->method;
    req.path_arg = c->path_arg;
    if (c->query != NULL)
        assert_int_equal(gh_form_parse(env->arena, c->query, strlen(c->query), q), GH_OK);
    req.query = q;
    req.content_type = c->content_type;
    req.body = c->body;
    req.body_len = c->body != NULL ? strlen(c->body) : 0;
    req.authorization = c->authorization;
    gh_oauth_response_init(resp);
    assert_int_equal(ep(env->e, gh_test_ctx(env), &req, resp), GH_OK);
}

static void register_json(gh_test_env *env, const char *body, const char *authz,
                          gh_oauth_response *resp)
{
    call c = {"POST", NULL, NULL, "application/json", body, authz};
    run(env, gh_oauth_register, &c, resp);
}

static void expect_error(const gh_oauth_response *resp, int status, const char *code,
                         const char *needle)
{
    const char *desc = gh_test_str(resp, "error_description");

    assert_int_equal(resp->status, status);
    assert_string_equal(gh_test_str(resp, "error"), code);
    if (needle != NULL && (desc == NULL || strstr(desc, needle) == NULL)) {
        print_error("\"%s\" lacks \"%s\"\n", desc ? desc : "(null)", needle);
        fail();
    }
}

/* No response may ever carry a hash of a secret. */
static void assert_no_hashes(const gh_oauth_response *resp)
{
    char *text = json_dumps(resp->body, 0);

    assert_null(strstr(text, "secret_hash"));
    assert_null(strstr(text, "reg_token_hash"));
    free(text);
}

/* Authenticates with Basic; true on success. */
static bool basic_ok(gh_test_env *env, const char *id, const char *secret)
{
    gh_oauth_request req;
    gh_oauth_response resp;
    gh_oauth_client *c = NULL;
    static const gh_form empty = {NULL, 0};
    bool ok;

    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.query = &empty;
    req.form = &empty;
    req.authorization = gh_test_basic(env, id, secret);
    gh_oauth_response_init(&resp);
    assert_int_equal(gh_oauth__client_authenticate(env->e, gh_test_ctx(env), &req, &resp, &c),
                     GH_OK);
    ok = c != NULL;
    gh_oauth__client_release(c);
    gh_oauth_response_clear(&resp);
    return ok;
}

/* The last audit event, as JSON (new reference). */
static json_t *last_audit(gh_test_env *env)
{
    gh_audit_event *evs = NULL;
    size_t n = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 10000, env->arena, &evs, &n), GH_OK);
    assert_true(n > 0);
    return gh_audit_event_json(&evs[n - 1]);
}

static void expect_audit(gh_test_env *env, const char *type, const char *actor,
                         const char *client_id)
{
    json_t *ev = last_audit(env);

    assert_string_equal(json_string_value(json_object_get(ev, "type")), type);
    assert_string_equal(json_string_value(json_object_get(ev, "actor")), actor);
    assert_string_equal(json_string_value(json_object_get(ev, "client_id")), client_id);
    json_decref(ev);
}

/* ---- RFC 7591 ---- */

static void test_register_confidential(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    const char *id, *secret, *uri;

    register_json(env,
                  "{\"client_name\":\"Agent\",\"redirect_uris\":[\"https://agent.example/cb\"],"
                  "\"scope\":\"openid dns:read\",\"client_id\":\"chosen\",\"unknown\":[1,2],"
                  "\"client_secret\":\"0123456789abcdef0123456789abcdef\"}",
                  NULL, &resp);
    /* SPEC: RFC7591 3.2.1 201 with the client information */
    assert_int_equal(resp.status, 201);
    assert_true(resp.no_store);
    id = gh_arena_strdup(env->arena, gh_test_str(&resp, "client_id"));
    /* The server picks the client_id and the secret. */
    assert_int_equal(strlen(id), 36);
    secret = gh_arena_strdup(env->arena, gh_test_str(&resp, "client_secret"));
    assert_non_null(secret);
    assert_true(strncmp(secret, GH_PREFIX_SECRET, strlen(GH_PREFIX_SECRET)) == 0);
    /* SPEC: RFC7591 3.2.1 client_secret_expires_at REQUIRED with a secret; 0 = never */
    assert_int_equal(json_integer_value(json_object_get(resp.body, "client_secret_expires_at")), 0);
    assert_true(json_is_integer(json_object_get(resp.body, "client_secret_expires_at")));
    assert_int_equal(json_integer_value(json_object_get(resp.body, "client_id_issued_at")),
                     GH_TEST_T0);
    /* SPEC: RFC7592 3 registration_access_token and registration_client_uri */
    assert_true(strncmp(gh_test_str(&resp, "registration_access_token"), GH_PREFIX_REG_TOKEN,
                        strlen(GH_PREFIX_REG_TOKEN)) == 0);
    uri = gh_arena_printf(env->arena, GH_TEST_ISSUER "/oauth2/register/%s", id);
    assert_string_equal(gh_test_str(&resp, "registration_client_uri"), uri);
    assert_string_equal(gh_test_str(&resp, "client_name"), "Agent");
    assert_string_equal(gh_test_str(&resp, "scope"), "openid dns:read");
    assert_string_equal(gh_test_str(&resp, "token_endpoint_auth_method"), "client_secret_basic");
    assert_null(json_object_get(resp.body, "unknown"));
    assert_no_hashes(&resp);
    gh_oauth_response_clear(&resp);

    assert_true(basic_ok(env, id, secret));
    assert_false(basic_ok(env, id, "0123456789abcdef0123456789abcdef"));
    expect_audit(env, GH_AUDIT_CLIENT_CREATED, gh_arena_printf(env->arena, "client:%s", id), id);
}

static void test_register_public(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;

    /* SPEC: DESIGN.md a public client without application_type */
    register_json(env,
                  "{\"token_endpoint_auth_method\":\"none\",\"redirect_uris\":"
                  "[\"http://127.0.0.1:33418/callback\"],\"grant_types\":"
                  "[\"authorization_code\",\"refresh_token\"],\"client_name\":\"MCP client\"}",
                  NULL, &resp);
    assert_int_equal(resp.status, 201);
    assert_null(json_object_get(resp.body, "client_secret"));
    assert_null(json_object_get(resp.body, "client_secret_expires_at"));
    assert_non_null(gh_test_str(&resp, "registration_access_token"));
    assert_string_equal(gh_test_str(&resp, "token_endpoint_auth_method"), "none");
    gh_oauth_response_clear(&resp);
}

static void test_register_errors(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    call c = {"POST", NULL, NULL, NULL, "{\"redirect_uris\":[\"https://a.example/cb\"]}", NULL};

    /* SPEC: RFC7591 3.1 Content-Type application/json */
    run(env, gh_oauth_register, &c, &resp);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST, "application/json");
    gh_oauth_response_clear(&resp);
    c.content_type = "application/x-www-form-urlencoded";
    run(env, gh_oauth_register, &c, &resp);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST, "application/json");
    gh_oauth_response_clear(&resp);
    c.method = "GET";
    c.content_type = "application/json";
    run(env, gh_oauth_register, &c, &resp);
    expect_error(&resp, 405, GH_E_METHOD_NOT_ALLOWED, NULL);
    gh_oauth_response_clear(&resp);

    register_json(env, "{\"redirect_uris\":", NULL, &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, "not a JSON object");
    gh_oauth_response_clear(&resp);
    register_json(env, "[1]", NULL, &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, "not a JSON object");
    gh_oauth_response_clear(&resp);
    register_json(env, "{\"a\":1,\"a\":2}", NULL, &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, NULL);
    gh_oauth_response_clear(&resp);
    register_json(env, "", NULL, &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, NULL);
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC7591 3.2.2 invalid_redirect_uri / invalid_client_metadata */
    register_json(env, "{\"redirect_uris\":[\"http://evil.example/cb\"]}", NULL, &resp);
    expect_error(&resp, 400, GH_E_INVALID_REDIRECT_URI, "loopback");
    gh_oauth_response_clear(&resp);
    register_json(env, "{\"redirect_uris\":[\"https://a.example/cb\"],\"scope\":\"root\"}", NULL,
                  &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, "scope catalog");
    gh_oauth_response_clear(&resp);
    register_json(env,
                  "{\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":"
                  "[\"implicit\"]}",
                  NULL, &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, "implicit");
    gh_oauth_response_clear(&resp);
}

static void test_register_disabled(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;
    gh_oauth_response resp;
    call m = {"GET", "x", NULL, NULL, NULL, "Bearer abc"};

    (void)state;
    cfg->registration_enabled = false;
    env = gh_test_env_new_with(cfg, NULL);
    register_json(env, "{\"redirect_uris\":[\"https://a.example/cb\"]}", NULL, &resp);
    expect_error(&resp, 404, GH_E_NOT_FOUND, "disabled");
    gh_oauth_response_clear(&resp);
    run(env, gh_oauth_register_manage, &m, &resp);
    expect_error(&resp, 404, GH_E_NOT_FOUND, "disabled");
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

static void test_register_initial_token(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;
    gh_oauth_response resp;
    const char *body = "{\"redirect_uris\":[\"https://a.example/cb\"]}";

    (void)state;
    cfg->registration_initial_token = "initial-access-token-0123456789";
    env = gh_test_env_new_with(cfg, NULL);
    /* SPEC: RFC6750 3 no credentials: a challenge without an error code */
    register_json(env, body, NULL, &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, NULL);
    assert_string_equal(resp.www_authenticate, "Bearer realm=\"gatehouse\"");
    gh_oauth_response_clear(&resp);
    register_json(env, body, "Bearer initial-access-token-012345678", &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, "not valid");
    assert_string_equal(resp.www_authenticate,
                        "Bearer realm=\"gatehouse\", error=\"invalid_token\"");
    gh_oauth_response_clear(&resp);
    register_json(env, body, gh_test_basic(env, "initial-access-token-0123456789", "x"), &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, NULL);
    gh_oauth_response_clear(&resp);
    register_json(env, body, "Bearer initial-access-token-0123456789", &resp);
    assert_int_equal(resp.status, 201);
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

/* ---- RFC 7592 ---- */

typedef struct reg {
    const char *id, *secret, *token;
} reg;

static reg do_register(gh_test_env *env, const char *body)
{
    gh_oauth_response resp;
    reg r;

    register_json(env, body, NULL, &resp);
    assert_int_equal(resp.status, 201);
    r.id = gh_arena_strdup(env->arena, gh_test_str(&resp, "client_id"));
    r.secret = gh_arena_strdup(env->arena, gh_test_str(&resp, "client_secret"));
    r.token = gh_arena_strdup(env->arena, gh_test_str(&resp, "registration_access_token"));
    gh_oauth_response_clear(&resp);
    return r;
}

static void manage(gh_test_env *env, const char *method, const char *id, const char *token,
                   const char *body, gh_oauth_response *resp)
{
    call c = {method, id,
              NULL,   body != NULL ? "application/json" : NULL,
              body,   token != NULL ? gh_arena_printf(env->arena, "Bearer %s", token) : NULL};
    run(env, gh_oauth_register_manage, &c, resp);
}

static void test_manage(void **state)
{
    gh_test_env *env = *state;
    reg r = do_register(env, "{\"redirect_uris\":[\"https://a.example/cb\"],\"client_name\":"
                             "\"One\"}");
    reg other = do_register(env, "{\"redirect_uris\":[\"https://b.example/cb\"]}");
    gh_oauth_response resp;
    const char *body;

    /* SPEC: RFC7592 2.1 read with the registration access token */
    manage(env, "GET", r.id, r.token, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "client_id"), r.id);
    assert_string_equal(gh_test_str(&resp, "client_name"), "One");
    assert_null(json_object_get(resp.body, "client_secret"));
    assert_null(json_object_get(resp.body, "registration_access_token"));
    assert_non_null(gh_test_str(&resp, "registration_client_uri"));
    assert_no_hashes(&resp);
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC7592 2.1 a bad token, another client's token, or an unknown client: 401 */
    manage(env, "GET", r.id, "gh_rat_wrong", NULL, &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, NULL);
    assert_non_null(resp.www_authenticate);
    gh_oauth_response_clear(&resp);
    manage(env, "GET", r.id, other.token, NULL, &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, NULL);
    gh_oauth_response_clear(&resp);
    manage(env, "GET", "no-such-client", r.token, NULL, &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, NULL);
    gh_oauth_response_clear(&resp);
    manage(env, "GET", r.id, NULL, NULL, &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, NULL);
    assert_string_equal(resp.www_authenticate, "Bearer realm=\"gatehouse\"");
    gh_oauth_response_clear(&resp);
    manage(env, "PATCH", r.id, r.token, NULL, &resp);
    expect_error(&resp, 405, GH_E_METHOD_NOT_ALLOWED, NULL);
    gh_oauth_response_clear(&resp);

    /* SPEC: RFC7592 2.2 update replaces the metadata; client_id required; secret kept */
    assert_true(basic_ok(env, r.id, r.secret)); /* cache the client */
    manage(env, "PUT", r.id, r.token, "{\"redirect_uris\":[\"https://c.example/cb\"]}", &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, "client_id");
    gh_oauth_response_clear(&resp);
    gh_test_env_advance(env, 30);
    body = gh_arena_printf(env->arena,
                           "{\"client_id\":\"%s\",\"redirect_uris\":[\"https://c.example/cb\"],"
                           "\"token_endpoint_auth_method\":\"client_secret_post\","
                           "\"registration_access_token\":\"ignored\"}",
                           r.id);
    manage(env, "PUT", r.id, r.token, body, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(resp.body, "redirect_uris"), 0)),
        "https://c.example/cb");
    assert_string_equal(gh_test_str(&resp, "client_name"), ""); /* replaced, not merged */
    assert_null(json_object_get(resp.body, "client_secret"));
    assert_string_equal(gh_test_str(&resp, "updated_at"), "2026-01-01T00:00:30Z");
    gh_oauth_response_clear(&resp);
    expect_audit(env, GH_AUDIT_CLIENT_UPDATED, gh_arena_printf(env->arena, "client:%s", r.id),
                 r.id);
    /* The cached client was dropped: the new method applies at once. */
    assert_false(basic_ok(env, r.id, r.secret));
    manage(env, "PUT", r.id, r.token, "{\"redirect_uris\":[\"ftp://x\"]}", &resp);
    assert_int_equal(resp.status, 400);
    gh_oauth_response_clear(&resp);

    /* SPEC: RFC7592 2.3 delete: 204, then the client is gone */
    manage(env, "DELETE", r.id, r.token, NULL, &resp);
    assert_int_equal(resp.status, 204);
    assert_null(resp.body);
    gh_oauth_response_clear(&resp);
    expect_audit(env, GH_AUDIT_CLIENT_DELETED, gh_arena_printf(env->arena, "client:%s", r.id),
                 r.id);
    manage(env, "GET", r.id, r.token, NULL, &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, NULL);
    gh_oauth_response_clear(&resp);
}

static void test_manage_delete_revokes_tokens(void **state)
{
    gh_test_env *env = *state;
    reg r = do_register(env, "{\"grant_types\":[\"client_credentials\"],\"scope\":\"dns:read\","
                             "\"access_token_strategy\":\"opaque\"}");
    gh_oauth_response resp;
    gh_token *tok = NULL;
    const char *at, *hid;

    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST", "grant_type=client_credentials",
                                  gh_test_basic(env, r.id, r.secret), &resp),
                     GH_OK);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    assert_non_null(at);
    gh_oauth_response_clear(&resp);
    hid = gh_oauth__opaque_id(env->arena, at);
    assert_int_equal(gh_store_token_get(env->store, hid, env->arena, &tok), GH_OK);
    assert_int_equal(tok->revoked_at, 0);

    manage(env, "DELETE", r.id, r.token, NULL, &resp);
    assert_int_equal(resp.status, 204);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_store_token_get(env->store, hid, env->arena, &tok), GH_OK);
    assert_true(tok->revoked_at != 0);
    assert_false(basic_ok(env, r.id, r.secret));
}

static void test_manage_token_ttl(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;
    gh_oauth_response resp;
    reg r;

    (void)state;
    cfg->ttl_registration_token = 3600;
    env = gh_test_env_new_with(cfg, NULL);
    r = do_register(env, "{\"redirect_uris\":[\"https://a.example/cb\"]}");
    gh_test_env_advance(env, 3599);
    manage(env, "GET", r.id, r.token, NULL, &resp);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
    gh_test_env_advance(env, 1);
    manage(env, "GET", r.id, r.token, NULL, &resp);
    expect_error(&resp, 401, GH_E_INVALID_TOKEN, "expired");
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

/* ---- /admin/clients ---- */

static void admin(gh_test_env *env, const char *method, const char *id, const char *query,
                  const char *body, gh_oauth_response *resp)
{
    call c = {method, id, query, NULL, body, NULL};
    run(env, id != NULL ? gh_oauth_admin_client : gh_oauth_admin_clients, &c, resp);
}

static void test_admin_crud(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    const char *secret;
    const char *body = "{\"client_id\":\"svc\",\"grant_types\":[\"client_credentials\"],"
                       "\"scope\":\"dns:read\",\"client_name\":\"Service\"}";

    /* POST: the client_id is kept (Hydra), the secret returned once. The CLI sends no
     * Content-Type. */
    admin(env, "POST", NULL, NULL, body, &resp);
    assert_int_equal(resp.status, 201);
    assert_string_equal(gh_test_str(&resp, "client_id"), "svc");
    secret = gh_arena_strdup(env->arena, gh_test_str(&resp, "client_secret"));
    assert_non_null(secret);
    assert_true(resp.no_store);
    assert_null(json_object_get(resp.body, "registration_access_token"));
    assert_no_hashes(&resp);
    gh_oauth_response_clear(&resp);
    expect_audit(env, GH_AUDIT_CLIENT_CREATED, "admin", "svc");
    assert_true(basic_ok(env, "svc", secret));

    admin(env, "POST", NULL, NULL, body, &resp);
    expect_error(&resp, 409, GH_E_CONFLICT, NULL);
    gh_oauth_response_clear(&resp);
    admin(env, "POST", NULL, NULL, "{\"grant_types\":[\"password\"]}", &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, "password");
    gh_oauth_response_clear(&resp);
    admin(env, "POST", NULL, NULL, "not json", &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, NULL);
    gh_oauth_response_clear(&resp);
    {
        call c = {"POST", NULL, NULL, "text/plain", body, NULL};
        run(env, gh_oauth_admin_clients, &c, &resp);
        expect_error(&resp, 400, GH_E_INVALID_REQUEST, "application/json");
        gh_oauth_response_clear(&resp);
    }
    /* Without a client_id one is generated. */
    admin(env, "POST", NULL, NULL, "{\"grant_types\":[\"client_credentials\"]}", &resp);
    assert_int_equal(resp.status, 201);
    assert_int_equal(strlen(gh_test_str(&resp, "client_id")), 36);
    gh_oauth_response_clear(&resp);

    /* GET one: never the secret. */
    admin(env, "GET", "svc", NULL, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "client_name"), "Service");
    assert_null(json_object_get(resp.body, "client_secret"));
    gh_oauth_response_clear(&resp);
    admin(env, "GET", "nope", NULL, NULL, &resp);
    expect_error(&resp, 404, GH_E_NOT_FOUND, NULL);
    gh_oauth_response_clear(&resp);

    /* PUT replaces the metadata and keeps the secret. */
    admin(env, "PUT", "svc", NULL,
          "{\"grant_types\":[\"client_credentials\"],\"scope\":\"logs:read\"}", &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "scope"), "logs:read");
    assert_string_equal(gh_test_str(&resp, "client_name"), "");
    assert_null(json_object_get(resp.body, "client_secret"));
    gh_oauth_response_clear(&resp);
    expect_audit(env, GH_AUDIT_CLIENT_UPDATED, "admin", "svc");
    assert_true(basic_ok(env, "svc", secret));
    /* PUT with a client_secret replaces it and echoes it (Hydra). */
    admin(env, "PUT", "svc", NULL,
          "{\"grant_types\":[\"client_credentials\"],\"client_secret\":"
          "\"a-new-secret-that-is-long-enough-123\"}",
          &resp);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "client_secret"),
                        "a-new-secret-that-is-long-enough-123");
    gh_oauth_response_clear(&resp);
    assert_false(basic_ok(env, "svc", secret));
    assert_true(basic_ok(env, "svc", "a-new-secret-that-is-long-enough-123"));
    admin(env, "PUT", "svc", NULL,
          "{\"client_id\":\"other\",\"grant_types\":"
          "[\"client_credentials\"]}",
          &resp);
    expect_error(&resp, 400, GH_E_INVALID_CLIENT_METADATA, "does not match");
    gh_oauth_response_clear(&resp);
    admin(env, "PUT", "nope", NULL, "{\"grant_types\":[\"client_credentials\"]}", &resp);
    expect_error(&resp, 404, GH_E_NOT_FOUND, NULL);
    gh_oauth_response_clear(&resp);
    admin(env, "PATCH", "svc", NULL, "[]", &resp);
    expect_error(&resp, 405, GH_E_METHOD_NOT_ALLOWED, NULL);
    gh_oauth_response_clear(&resp);
    admin(env, "DELETE", NULL, NULL, NULL, &resp);
    expect_error(&resp, 405, GH_E_METHOD_NOT_ALLOWED, NULL);
    gh_oauth_response_clear(&resp);

    /* DELETE. */
    admin(env, "DELETE", "svc", NULL, NULL, &resp);
    assert_int_equal(resp.status, 204);
    gh_oauth_response_clear(&resp);
    expect_audit(env, GH_AUDIT_CLIENT_DELETED, "admin", "svc");
    assert_false(basic_ok(env, "svc", "a-new-secret-that-is-long-enough-123"));
    admin(env, "DELETE", "svc", NULL, NULL, &resp);
    expect_error(&resp, 404, GH_E_NOT_FOUND, NULL);
    gh_oauth_response_clear(&resp);
}

/* The page_token of a Link header, or NULL. */
static const char *next_token(gh_test_env *env, const gh_oauth_response *resp)
{
    const char *p, *end;

    if (resp->link == NULL)
        return NULL;
    assert_non_null(strstr(resp->link, "rel=\"next\""));
    assert_true(strncmp(resp->link, "</admin/clients?page_size=", 26) == 0);
    p = strstr(resp->link, "page_token=");
    assert_non_null(p);
    p += strlen("page_token=");
    end = strchr(p, '>');
    assert_non_null(end);
    return gh_arena_strndup(env->arena, p, (size_t)(end - p));
}

static void test_admin_paging(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;
    const char *tok;
    char id[8];

    for (int i = 6; i >= 0; i--) {
        snprintf(id, sizeof(id), "c%d", i);
        gh_test_cc_client(env, id, "dns:read", "jwt", NULL);
    }
    /* Default page: everything, in client_id order, without secrets. */
    admin(env, "GET", NULL, NULL, NULL, &resp);
    assert_int_equal(resp.status, 200);
    assert_true(json_is_array(resp.body));
    assert_int_equal(json_array_size(resp.body), 7);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(resp.body, 0), "client_id")), "c0");
    assert_null(json_object_get(json_array_get(resp.body, 0), "client_secret"));
    assert_null(resp.link);
    assert_no_hashes(&resp);
    gh_oauth_response_clear(&resp);

    /* Pages of 3: c0-c2, c3-c5, c6. */
    admin(env, "GET", NULL, "page_size=3", NULL, &resp);
    assert_int_equal(json_array_size(resp.body), 3);
    tok = next_token(env, &resp);
    assert_non_null(tok);
    gh_oauth_response_clear(&resp);
    admin(env, "GET", NULL, gh_arena_printf(env->arena, "page_size=3&page_token=%s", tok), NULL,
          &resp);
    assert_int_equal(json_array_size(resp.body), 3);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(resp.body, 0), "client_id")), "c3");
    tok = next_token(env, &resp);
    gh_oauth_response_clear(&resp);
    admin(env, "GET", NULL, gh_arena_printf(env->arena, "page_size=3&page_token=%s", tok), NULL,
          &resp);
    assert_int_equal(json_array_size(resp.body), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(resp.body, 0), "client_id")), "c6");
    assert_null(resp.link);
    gh_oauth_response_clear(&resp);
    /* Exactly one full page: no next link. */
    admin(env, "GET", NULL, "page_size=7", NULL, &resp);
    assert_int_equal(json_array_size(resp.body), 7);
    assert_null(resp.link);
    gh_oauth_response_clear(&resp);

    /* Bad paging parameters. */
    const char *bad[] = {"page_size=0",        "page_size=501",           "page_size=abc",
                         "page_size=-1",       "page_size=1&page_size=2", "page_token=!!",
                         "page_token=AA%3D%3D"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        admin(env, "GET", NULL, bad[i], NULL, &resp);
        expect_error(&resp, 400, GH_E_INVALID_REQUEST, NULL);
        gh_oauth_response_clear(&resp);
    }
    admin(env, "GET", NULL, "page_size=500", NULL, &resp);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_confidential, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_public, setup, teardown),
        cmocka_unit_test_setup_teardown(test_register_errors, setup, teardown),
        cmocka_unit_test(test_register_disabled),
        cmocka_unit_test(test_register_initial_token),
        cmocka_unit_test_setup_teardown(test_manage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manage_delete_revokes_tokens, setup, teardown),
        cmocka_unit_test(test_manage_token_ttl),
        cmocka_unit_test_setup_teardown(test_admin_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_paging, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
