/*
 * gh_tokentest.c - see gh_tokentest.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json/json.h"
#include "oauth/authz_int.h"
#include "oauth/token_int.h"
#include "support/gh_tokentest.h"

static const char *client_json(gh_test_env *env, const char *id, const char *method,
                               const char *grants, const char *more)
{
    return gh_arena_printf(env->arena,
                           "{\"client_id\":\"%s\",%s\"token_endpoint_auth_method\":\"%s\","
                           "\"grant_types\":[%s],\"response_types\":[\"code\"],"
                           "\"redirect_uris\":[\"" GH_TT_REDIRECT "\"],\"scope\":\"" GH_TT_SCOPE
                           "\"%s}",
                           id,
                           strcmp(method, "none") == 0
                               ? ""
                               : "\"client_secret\":\"" GH_TEST_SECRET "\",",
                           method, grants, more);
}

const char *gh_tt_setup(gh_test_env *env)
{
    gh_oauth_user_in u;
    gh_user *row = NULL;
    const char *msg = NULL;

    gh_test_client(env, client_json(env, "web", "client_secret_basic",
                                    "\"authorization_code\",\"refresh_token\"", ""));
    gh_test_client(env, client_json(env, "es", "client_secret_basic",
                                    "\"authorization_code\",\"refresh_token\"",
                                    ",\"id_token_signed_response_alg\":\"ES256\","
                                    "\"access_token_strategy\":\"opaque\""));
    gh_test_client(env,
                   client_json(env, "spa", "none", "\"authorization_code\",\"refresh_token\"", ""));
    gh_test_client(env, client_json(env, "nort", "client_secret_basic", "\"authorization_code\"",
                                    ""));
    memset(&u, 0, sizeof(u));
    u.username = "alice";
    u.password = "correct horse battery";
    u.name = "Alice Example";
    u.email = "alice@example.com";
    u.email_verified = true;
    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &u, "test", &row, &msg),
                     GH_OK);
    return gh_arena_strdup(env->arena, row->id);
}

static gh_strv split(gh_test_env *env, const char *s)
{
    gh_strv v = {NULL, 0};

    if (s != NULL)
        assert_int_equal(gh_strv_split_scope(env->arena, s, 64, &v), GH_OK);
    return v;
}

const char *gh_tt_code(gh_test_env *env, const char *client_id, const char *subject,
                       const char *scope, const char *redirect_uri, const char *audience,
                       const char *nonce)
{
    gh_ctx *ctx = gh_test_ctx(env);
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    gh_oauth_authz a;
    const char *code = NULL;
    char gid[37];

    memset(&a, 0, sizeof(a));
    a.client_id = client_id;
    a.subject = subject;
    a.redirect_uri = redirect_uri;
    a.code_challenge = GH_TT_CHALLENGE;
    a.scopes = split(env, scope);
    a.audience = split(env, audience);
    a.nonce = nonce;
    a.auth_time = ctx->now - 10;
    a.sid = "sid-1";
    gh_ctx_rand_uuid(ctx, gid);
    a.grant_id = gh_arena_strdup(env->arena, gid);
    assert_int_equal(gh_oauth__code_issue(env->e, ctx, t, &a, &code), GH_OK);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    return gh_arena_strdup(env->arena, code);
}

const char *gh_tt_auth(gh_test_env *env, const char *client_id)
{
    return gh_test_basic(env, client_id, GH_TEST_SECRET);
}

gh_err gh_tt_token(gh_test_env *env, const char *client_id, const char *form,
                   gh_oauth_response *resp)
{
    if (strcmp(client_id, "spa") == 0)
        return gh_test_call(env, gh_oauth_token, "POST",
                            gh_arena_printf(env->arena, "%s&client_id=spa", form), NULL, resp);
    return gh_test_call(env, gh_oauth_token, "POST", form, gh_tt_auth(env, client_id), resp);
}

json_t *gh_tt_verify_jwt(gh_test_env *env, const char *jwt, const char **out_alg)
{
    gh_oauth_response resp;
    json_t *set = NULL, *payload;
    gh_jwks keys = {0};
    gh_jws jws;
    const gh_jwk *k = NULL;
    size_t i;

    assert_int_equal(gh_test_call(env, gh_oauth_jwks, "GET", NULL, NULL, &resp), GH_OK);
    if (resp.body != NULL)
        set = json_incref(resp.body);
    else
        assert_int_equal(
            gh_json_parse_object(resp.text, resp.text_len, 1 << 20, &set, NULL, 0), GH_OK);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_jwks_parse(set, &keys), GH_OK);
    memset(&jws, 0, sizeof(jws));
    assert_int_equal(gh_jws_parse(env->arena, jwt, &jws), GH_OK);
    assert_non_null(jws.kid);
    for (i = 0; i < keys.n; i++)
        if (strcmp(gh_jwk_kid(keys.keys[i]), jws.kid) == 0)
            k = keys.keys[i];
    assert_non_null(k);
    assert_int_equal(gh_jws_verify(env->arena, jwt, k, NULL), GH_OK);
    if (out_alg != NULL)
        *out_alg = gh_jose_alg_name(jws.alg);
    payload = json_incref(jws.payload);
    gh_jws_clear(&jws);
    gh_jwks_clear(&keys);
    json_decref(set);
    return payload;
}

bool gh_tt_active(gh_test_env *env, const char *token)
{
    gh_oauth_response resp;
    bool active;

    assert_int_equal(gh_test_call(env, gh_oauth_admin_introspect, "POST",
                                  gh_arena_printf(env->arena, "token=%s", token), NULL, &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    active = json_is_true(json_object_get(resp.body, "active"));
    gh_oauth_response_clear(&resp);
    return active;
}

size_t gh_tt_audit_count(gh_test_env *env, const char *type)
{
    gh_audit_event *ev = NULL;
    size_t n = 0, i, c = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 500, env->arena, &ev, &n), GH_OK);
    for (i = 0; i < n; i++)
        c += strcmp(ev[i].type, type) == 0;
    return c;
}
