/*
 * test_introspect.c - RFC 7662 introspection: who may see a token (its own client; a
 * resource server for its audience; nobody else), what makes a token inactive (revoked,
 * expired, unknown, malformed, a bad signature), the active response, the admin variant.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/introspect_int.h"
#include "oauth/token_int.h"
#include "support/gh_test.h"

static int setup(void **state)
{
    gh_test_env *env = gh_test_env_new();

    gh_test_cc_client(env, "svc", "dns:read dns:write logs:read", "jwt", NULL);
    gh_test_cc_client(env, "opq", "dns:read", "opaque", NULL);
    gh_test_cc_client(env, "other", "dns:read", "jwt", NULL);
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

/* Introspects token as caller (NULL: admin); returns "active". */
static bool active_as(gh_test_env *env, const char *caller, const char *token, json_t **body)
{
    gh_oauth_response resp;
    const char *form = gh_arena_printf(env->arena, "token=%s", gh_url_encode(env->arena, token));
    bool a;

    if (caller != NULL)
        assert_int_equal(gh_test_call(env, gh_oauth_introspect, "POST", form,
                                      gh_test_basic(env, caller, GH_TEST_SECRET), &resp),
                         GH_OK);
    else
        assert_int_equal(gh_test_call(env, gh_oauth_admin_introspect, "POST", form, NULL, &resp),
                         GH_OK);
    assert_int_equal(resp.status, 200);
    a = json_is_true(json_object_get(resp.body, "active"));
    if (!a) {
        /* SPEC: RFC7662 2.2 - an inactive token: {"active":false} and nothing else */
        assert_int_equal(json_object_size(resp.body), 1);
        assert_true(json_is_false(json_object_get(resp.body, "active")));
    }
    if (body != NULL)
        *body = json_incref(resp.body);
    gh_oauth_response_clear(&resp);
    return a;
}

static void test_own_and_resource_server(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "svc", "&scope=dns:read&resource=https://api.example.com/dns");
    json_t *b = NULL;

    assert_true(active_as(env, "svc", at, &b));
    /* SPEC: RFC7662 2.2 - the active response */
    assert_string_equal(json_string_value(json_object_get(b, "scope")), "dns:read");
    assert_string_equal(json_string_value(json_object_get(b, "client_id")), "svc");
    assert_string_equal(json_string_value(json_object_get(b, "sub")), "svc");
    assert_string_equal(json_string_value(json_object_get(b, "aud")), GH_TEST_RS_DNS);
    assert_string_equal(json_string_value(json_object_get(b, "iss")), GH_TEST_ISSUER);
    assert_string_equal(json_string_value(json_object_get(b, "token_type")), "Bearer");
    assert_int_equal(json_integer_value(json_object_get(b, "exp")), GH_TEST_T0 + 600);
    assert_int_equal(json_integer_value(json_object_get(b, "iat")), GH_TEST_T0);
    assert_int_equal(json_integer_value(json_object_get(b, "catalog_version")), 1);
    assert_non_null(json_object_get(b, "jti"));
    json_decref(b);

    /* The resource server of the audience may see it; another resource server and another
     * client may not. */
    assert_true(active_as(env, "rs-dns", at, NULL));
    assert_false(active_as(env, "rs-logs", at, NULL));
    assert_false(active_as(env, "other", at, NULL));
    /* Admin sees everything. */
    assert_true(active_as(env, NULL, at, NULL));
}

/* Issues an access token for client with the consent app's claims (Hydra's
 * session.access_token) and commits it. */
static const char *issue_with_ext(gh_test_env *env, const char *client, const char *ext)
{
    gh_ctx *ctx = gh_test_ctx(env);
    gh_oauth_client *c = NULL;
    const char *scope_v[] = {"dns:read"}, *aud_v[] = {GH_TEST_ISSUER};
    gh_strv scopes = {scope_v, 1}, aud = {aud_v, 1};
    gh_store_txn *t = gh_store_txn_new(env->arena);
    gh_oauth_issue in;
    gh_oauth_issued out;

    assert_int_equal(gh_oauth__client_get(env->e, ctx, client, &c), GH_OK);
    memset(&in, 0, sizeof(in));
    in.c = c;
    in.grant_type = "authorization_code";
    in.subject = "u_ext";
    in.scopes = &scopes;
    in.audience = &aud;
    in.ext_claims = ext;
    assert_int_equal(gh_oauth__issue_access(env->e, ctx, t, &in, &out), GH_OK);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    gh_oauth__client_release(c);
    return gh_arena_strdup(env->arena, out.value);
}

/* The consent app's claims are reported under "ext" (Hydra), never as top-level members. */
static void test_ext_claims(void **state)
{
    gh_test_env *env = *state;
    const char *clients[] = {"opq", "svc"};

    for (size_t i = 0; i < 2; i++) {
        const char *at = issue_with_ext(env, clients[i], "{\"tenant\":\"t-9\",\"sub\":\"x\"}");
        json_t *b = NULL, *ext;

        assert_true(active_as(env, clients[i], at, &b));
        ext = json_object_get(b, "ext");
        assert_true(json_is_object(ext));
        assert_string_equal(json_string_value(json_object_get(ext, "tenant")), "t-9");
        assert_string_equal(json_string_value(json_object_get(b, "sub")), "u_ext");
        assert_null(json_object_get(b, "tenant"));
        json_decref(b);
    }
    /* Without claims there is no ext member. */
    {
        json_t *b = NULL;
        assert_true(active_as(env, "opq", issue(env, "opq", ""), &b));
        assert_null(json_object_get(b, "ext"));
        json_decref(b);
    }
}

static void test_opaque(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "opq", "");
    json_t *b = NULL;

    assert_true(active_as(env, "opq", at, &b));
    assert_null(json_object_get(b, "jti"));
    assert_string_equal(json_string_value(json_object_get(b, "aud")), GH_TEST_ISSUER);
    json_decref(b);
    assert_false(active_as(env, "other", at, NULL));
    /* A changed character: unknown. */
    assert_false(active_as(env, "opq", gh_arena_printf(env->arena, "%sx", at), NULL));
}

/* Opaque access tokens are split tokens: the selector finds the row, the whole value must
 * hash to the row's stored hash. Everything else is inactive, never an error. */
static void test_opaque_split(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "opq", "");
    const size_t plen = strlen(GH_PREFIX_ACCESS);
    char *v;
    gh_token *row = NULL;
    gh_store_txn *t;
    gh_store_op op;

    assert_int_equal(strlen(at), plen + 64);
    assert_true(active_as(env, "opq", at, NULL));
    assert_true(active_as(env, NULL, at, NULL));

    /* The right selector with a wrong secret (the last character changed): same row id,
     * inactive. */
    v = gh_arena_strdup(env->arena, at);
    v[plen + 63] = v[plen + 63] == 'A' ? 'B' : 'A';
    assert_string_equal(gh_oauth__opaque_id(env->arena, v), gh_oauth__opaque_id(env->arena, at));
    assert_false(active_as(env, "opq", v, NULL));
    assert_false(active_as(env, NULL, v, NULL));
    /* The whole secret replaced. */
    v = gh_arena_printf(env->arena, "%.*s%s", (int)(plen + 22), at,
                        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_int_equal(strlen(v), plen + 64);
    assert_false(active_as(env, NULL, v, NULL));

    /* Malformed: not base64url, too short, too long, padded. */
    v = gh_arena_strdup(env->arena, at);
    v[plen + 30] = '+';
    assert_false(active_as(env, NULL, v, NULL));
    assert_false(active_as(env, NULL, gh_arena_strndup(env->arena, at, plen + 63), NULL));
    assert_false(active_as(env, NULL, gh_arena_printf(env->arena, "%sA", at), NULL));
    assert_false(active_as(env, NULL, gh_arena_printf(env->arena, "%.*s=", (int)(plen + 63), at),
                           NULL));
    /* A value of the earlier form (prefix + base64url of 32 bytes, 43 characters). */
    assert_false(active_as(env, "opq",
                           GH_PREFIX_ACCESS "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA", NULL));
    assert_false(active_as(env, NULL, gh_arena_strndup(env->arena, at, plen + 43), NULL));

    /* A row under the selector id without a stored hash proves nothing: inactive. */
    assert_int_equal(gh_store_token_get(env->store, gh_oauth__opaque_id(env->arena, at),
                                        env->arena, &row),
                     GH_OK);
    v = gh_arena_strdup(env->arena, at);
    v[plen] = v[plen] == 'A' ? 'B' : 'A'; /* another selector */
    row->id = gh_oauth__opaque_id(env->arena, v);
    assert_non_null(row->id);
    assert_string_not_equal(row->id, gh_oauth__opaque_id(env->arena, at));
    row->extra = NULL;
    t = gh_store_txn_new(env->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = row;
    gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    assert_false(active_as(env, NULL, v, NULL));
    /* The original still is. */
    assert_true(active_as(env, "opq", at, NULL));
}

static void test_inactive(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "svc", ""), *bad;
    char *tampered;
    size_t n;

    assert_false(active_as(env, "svc", "not-a-token", NULL));
    assert_false(active_as(env, "svc", "a.b.c", NULL));
    assert_false(active_as(env, "svc", GH_PREFIX_ACCESS "nope", NULL));
    assert_false(active_as(env, "svc", GH_PREFIX_REFRESH "nope", NULL));

    /* A JWT whose signature does not verify. */
    tampered = gh_arena_strdup(env->arena, at);
    n = strlen(tampered);
    tampered[n - 2] = tampered[n - 2] == 'A' ? 'B' : 'A';
    assert_false(active_as(env, "svc", tampered, NULL));
    /* A JWT carrying the signature of another token. */
    bad = issue(env, "svc", "&scope=logs:read");
    tampered =
        gh_arena_printf(env->arena, "%.*s%s", (int)(strrchr(at, '.') - at), at, strrchr(bad, '.'));
    assert_false(active_as(env, "svc", tampered, NULL));

    /* Expired. */
    assert_true(active_as(env, "svc", at, NULL));
    gh_test_env_advance(env, 600);
    assert_false(active_as(env, "svc", at, NULL));
    assert_false(active_as(env, NULL, at, NULL));
}

/* Signs a JWT access token for "svc" with the engine's active key and stores its row with
 * the given extra (gh_oauth__jwt_extra of the token when extra is "hash"). */
static const char *mint(gh_test_env *env, const char *jti, const char *extra)
{
    gh_ctx *ctx = gh_test_ctx(env);
    gh_oauth_keysnap *s = NULL;
    gh_store_txn *t;
    gh_store_op op;
    gh_token *row;
    char *jwt = NULL;
    json_t *claims = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "iss", GH_TEST_ISSUER, "sub",
                               "svc", "aud", GH_TEST_ISSUER, "exp", (json_int_t)(ctx->now + 600),
                               "iat", (json_int_t)ctx->now, "jti", jti, "client_id", "svc",
                               "scope", "dns:read");

    assert_int_equal(gh_oauth__keys_acquire(env->e, ctx, &s), GH_OK);
    assert_int_equal(gh_jws_sign(env->arena, gh_oauth__keysnap_signer(s, GH_ALG_ES256), "at+jwt",
                                 NULL, claims, &jwt),
                     GH_OK);
    gh_oauth__keys_release(s);
    json_decref(claims);
    row = GH_ARENA_NEW(env->arena, gh_token);
    row->id = jti;
    row->kind = GH_TOKEN_ACCESS;
    row->format = GH_STRATEGY_JWT;
    row->grant_id = jti;
    row->client_id = "svc";
    row->subject = "svc";
    row->scope = "dns:read";
    row->audience = GH_TEST_ISSUER;
    row->issued_at = ctx->now;
    row->expires_at = ctx->now + 600;
    row->request_id = ctx->request_id;
    row->extra = extra != NULL && strcmp(extra, "hash") == 0 ? gh_oauth__jwt_extra(env->arena, jwt)
                                                             : extra;
    t = gh_store_txn_new(env->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = row;
    gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    return jwt;
}

/* A row that keeps the SHA-256 of its JWT: the presented string must be exactly that one;
 * another valid signature over the same header and payload is not it. Rows without the hash
 * (or with a malformed one) fall back to the signature. */
static void test_jwt_hash_binding(void **state)
{
    gh_test_env *env = *state;
    const char *jwt = mint(env, "bound-1", "hash"), *other, *resigned;
    json_t *b = NULL;
    char *tampered;
    size_t n;

    assert_string_equal(gh_oauth__jwt_extra(env->arena, "x"),
                        "{\"token_sha256\":"
                        "\"2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\"}");
    assert_true(active_as(env, "svc", jwt, &b));
    assert_string_equal(json_string_value(json_object_get(b, "jti")), "bound-1");
    json_decref(b);
    /* The same claims signed again by the same key: valid signature, not the token issued. */
    other = mint(env, "bound-2", "hash");
    resigned = gh_arena_printf(env->arena, "%.*s%s", (int)(strrchr(jwt, '.') - jwt), jwt,
                               strrchr(other, '.'));
    assert_false(active_as(env, "svc", resigned, NULL));
    tampered = gh_arena_strdup(env->arena, jwt);
    n = strlen(tampered);
    tampered[n - 2] = tampered[n - 2] == 'A' ? 'B' : 'A';
    assert_false(active_as(env, "svc", tampered, NULL));
    assert_false(active_as(env, NULL, tampered, NULL));

    /* No hash, or a malformed one: the signature decides. */
    jwt = mint(env, "plain-1", NULL);
    assert_true(active_as(env, "svc", jwt, NULL));
    tampered = gh_arena_strdup(env->arena, jwt);
    tampered[n - 2] = tampered[n - 2] == 'A' ? 'B' : 'A';
    assert_false(active_as(env, "svc", tampered, NULL));
    jwt = mint(env, "odd-1", "{\"token_sha256\":\"zz\"}");
    assert_true(active_as(env, "svc", jwt, NULL));
    jwt = mint(env, "odd-2", "{\"other\":1}");
    assert_true(active_as(env, "svc", jwt, NULL));
}

static void test_revoked_inactive(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "svc", "");
    gh_oauth_response resp;

    assert_int_equal(gh_test_call(env, gh_oauth_revoke, "POST",
                                  gh_arena_printf(env->arena, "token=%s", at),
                                  gh_test_basic(env, "svc", GH_TEST_SECRET), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
    assert_false(active_as(env, "svc", at, NULL));
    assert_false(active_as(env, NULL, at, NULL));
}

static void test_request_errors(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_response resp;

    /* SPEC: RFC7662 2.1 - the endpoint requires client authentication */
    assert_int_equal(gh_test_call(env, gh_oauth_introspect, "POST", "token=x", NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 401);
    assert_string_equal(resp.error, GH_E_INVALID_CLIENT);
    assert_non_null(resp.www_authenticate);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_test_call(env, gh_oauth_introspect, "POST", "token=x",
                                  gh_test_basic(env, "svc", "wrong"), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 401);
    assert_non_null(resp.www_authenticate);
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC7662 2.1 - token is REQUIRED */
    assert_int_equal(gh_test_call(env, gh_oauth_introspect, "POST", "token_type_hint=x",
                                  gh_test_basic(env, "svc", GH_TEST_SECRET), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.error, GH_E_INVALID_REQUEST);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_test_call(env, gh_oauth_introspect, "GET", NULL,
                                  gh_test_basic(env, "svc", GH_TEST_SECRET), &resp),
                     GH_OK);
    assert_int_equal(resp.status, 405);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_test_call(env, gh_oauth_admin_introspect, "POST", "a=b", NULL, &resp),
                     GH_OK);
    assert_int_equal(resp.status, 400);
    gh_oauth_response_clear(&resp);
}

static void test_no_writes(void **state)
{
    gh_test_env *env = *state;
    const char *at = issue(env, "svc", "");
    gh_audit_event *ev = NULL;
    size_t before = 0, after = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &before), GH_OK);
    assert_true(active_as(env, "svc", at, NULL));
    assert_false(active_as(env, "other", at, NULL));
    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &after), GH_OK);
    assert_int_equal(before, after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_own_and_resource_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opaque, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ext_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_opaque_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inactive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jwt_hash_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_inactive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_writes, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
