/*
 * test_grant_refresh_token.c - the refresh_token grant (RFC 6749 6, OAuth 2.1 4.3.1, OIDC
 * Core 12): rotation, reuse revoking the family, narrowing and refused widening, client
 * binding, expiry, the ID token on refresh, introspection of refresh tokens, and revocation of
 * a refresh token taking its grant's access tokens along; sealed refresh tokens: a byte changed
 * anywhere, another key, a code presented as a refresh token, a revoked one (no reuse), reuse
 * with a wrong scope (still reuse), the grant's data carried through rotation; a scope removed
 * from the catalog between issuance and refresh dropped from the new tokens and the response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json/json.h"
#include "oauth/token_int.h"
#include "support/gh_tokentest.h"

typedef struct fx {
    gh_test_env *env;
    const char *alice;
    const char *at;
    const char *rt;
} fx;

/* Exchanges a fresh code of "web" for alice with GH_TT_SCOPE. */
static void start(fx *f)
{
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code = gh_tt_code(env, "web", f->alice, GH_TT_SCOPE, GH_TT_REDIRECT, NULL, "n1");

    assert_int_equal(gh_tt_token(env, "web",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&redirect_uri=" GH_TT_REDIRECT
                                                 "&code_verifier=" GH_TT_VERIFIER,
                                                 code),
                                 &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    f->at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    f->rt = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));

    f->env = gh_test_env_new();
    f->alice = gh_tt_setup(f->env);
    start(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    gh_test_env_free(f->env);
    free(f);
    return 0;
}

static gh_err refresh(fx *f, const char *client, const char *rt, const char *extra,
                      gh_oauth_response *resp)
{
    return gh_tt_token(f->env, client,
                       gh_arena_printf(f->env->arena, "grant_type=refresh_token&refresh_token=%s%s",
                                       rt, extra),
                       resp);
}

static void expect_error(gh_oauth_response *resp, int status, const char *code)
{
    assert_int_equal(resp->status, status);
    assert_string_equal(gh_test_str(resp, "error"), code);
    gh_oauth_response_clear(resp);
}

static void test_rotation(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *rt2, *at2, *alg = NULL;
    size_t issued0 = gh_tt_audit_count(env, GH_AUDIT_TOKEN_ISSUED);
    json_t *p;

    /* SPEC: RFC7662 2.2 - a refresh token is active until rotated */
    assert_true(gh_tt_active(env, f->rt));
    gh_test_env_advance(env, 30);
    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "scope"), GH_TT_SCOPE);
    rt2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    at2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    assert_string_not_equal(rt2, f->rt);
    assert_string_not_equal(at2, f->at);
    /* SPEC: OIDC Core 12.2 - same iss, sub, aud; auth_time of the original authentication */
    p = gh_tt_verify_jwt(env, gh_test_str(&resp, "id_token"), &alg);
    assert_string_equal(alg, "RS256");
    assert_string_equal(json_string_value(json_object_get(p, "sub")), f->alice);
    assert_string_equal(json_string_value(json_object_get(p, "aud")), "web");
    assert_int_equal(json_integer_value(json_object_get(p, "auth_time")), GH_TEST_T0 - 10);
    assert_int_equal(json_integer_value(json_object_get(p, "iat")), GH_TEST_T0 + 30);
    assert_string_equal(json_string_value(json_object_get(p, "sid")), "sid-1");
    assert_string_equal(json_string_value(json_object_get(p, "at_hash")),
                        gh_oauth__at_hash(env->arena, at2));
    assert_null(json_object_get(p, "nonce"));
    json_decref(p);
    gh_oauth_response_clear(&resp);
    /* OAuth 2.1 4.3.1 - the old one is used up; the new one is active */
    assert_false(gh_tt_active(env, f->rt));
    assert_true(gh_tt_active(env, rt2));
    assert_true(gh_tt_active(env, at2));
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_TOKEN_REFRESHED), 1);
    /* One event per rotation: token.refreshed records the new access token, no separate
     * token.issued. */
    assert_int_equal(gh_tt_audit_count(env, GH_AUDIT_TOKEN_ISSUED), issued0);
}

static void test_reuse_revokes_family(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *rt2, *at2;

    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    rt2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    at2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    /* SPEC: OAuth2.1 4.3.1 - reuse of a rotated refresh token revokes the family */
    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_false(gh_tt_active(env, rt2));
    assert_false(gh_tt_active(env, at2));
    assert_false(gh_tt_active(env, f->at));
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_REFRESH_REUSED), 1);
    assert_int_equal(refresh(f, "web", rt2, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
}

static void test_narrow_never_widen(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *rt2;

    /* SPEC: RFC6749 6 - a scope not originally granted is refused */
    assert_int_equal(refresh(f, "web", f->rt, "&scope=dns:read%20logs:read", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_SCOPE);
    /* Narrowing: the access token gets the subset; no openid, no ID token (OIDC Core 12.2). */
    assert_int_equal(refresh(f, "web", f->rt, "&scope=dns:read", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "scope"), "dns:read");
    assert_null(gh_test_str(&resp, "id_token"));
    rt2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
    /* The family keeps the grant's scope: the next refresh without scope gets all of it. */
    assert_int_equal(refresh(f, "web", rt2, "", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "scope"), GH_TT_SCOPE);
    gh_oauth_response_clear(&resp);
}

static void test_client_binding_and_expiry(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;

    /* SPEC: RFC6749 6 - bound to the client it was issued to */
    assert_int_equal(refresh(f, "es", f->rt, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(refresh(f, "web", "gh_rt_bogus", "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_token(env, "web", "grant_type=refresh_token", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST);
    /* A client without the refresh_token grant may not use it. */
    assert_int_equal(refresh(f, "nort", f->rt, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_UNAUTHORIZED_CLIENT);
    /* Still usable by its own client until it expires. */
    gh_test_env_advance(env, env->cfg->ttl_refresh_token + 1);
    assert_false(gh_tt_active(env, f->rt));
    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
}

static void test_revoke_refresh_revokes_grant(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;

    /* SPEC: RFC7009 2.1 / DESIGN.md - revoking a refresh token revokes the grant's access
     * tokens */
    assert_true(gh_tt_active(env, f->at));
    assert_int_equal(
        gh_test_call(env, gh_oauth_revoke, "POST",
                     gh_arena_printf(env->arena, "token=%s&token_type_hint=refresh_token", f->rt),
                     gh_tt_auth(env, "web"), &resp),
        GH_OK);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
    assert_false(gh_tt_active(env, f->rt));
    assert_false(gh_tt_active(env, f->at));
    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
}

static char *flip(gh_test_env *env, const char *value, size_t i)
{
    char *v = gh_arena_strdup(env->arena, value);

    v[i] = v[i] == 'A' ? 'Q' : 'A';
    return v;
}

static void test_tampered_and_foreign(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    gh_oauth_sealed d;
    unsigned char saved[32];
    char *value = NULL, *id = NULL, *extra = NULL;
    gh_ctx *ctx;
    const size_t pl = strlen(GH_PREFIX_REFRESH);
    size_t n = strlen(f->rt), i;

    for (i = pl; i < n; i += 5) {
        assert_int_equal(refresh(f, "web", flip(env, f->rt, i), "", &resp), GH_OK);
        expect_error(&resp, 400, GH_E_INVALID_GRANT);
        assert_false(gh_tt_active(env, flip(env, f->rt, i)));
    }
    /* A value of the same shape sealed under another key, for this very row. */
    ctx = gh_test_ctx(env);
    memset(&d, 0, sizeof(d));
    d.expires_at = GH_TEST_T0 + 1000;
    d.client_id = "web";
    d.subject = f->alice;
    d.grant_id = "g-forged";
    d.scope = "openid offline_access dns:read dns:write";
    d.audience = "";
    memcpy(saved, env->e->token_seal_key, sizeof(saved));
    memset(env->e->token_seal_key, 0x3c, sizeof(saved));
    assert_int_equal(gh_oauth__sealed_new(env->e, ctx, GH_PREFIX_REFRESH,
                                          GH_OAUTH_REFRESH_ID_PREFIX, &d, &value, &id, &extra),
                     GH_OK);
    memcpy(env->e->token_seal_key, saved, sizeof(saved));
    value = gh_arena_strdup(env->arena, value);
    assert_int_equal(refresh(f, "web", value, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    /* A code presented as a refresh token. */
    value = (char *)gh_tt_code(env, "web", f->alice, GH_TT_SCOPE, GH_TT_REDIRECT, NULL, NULL);
    assert_int_equal(refresh(f, "web",
                             gh_arena_printf(env->arena, "%s%s", GH_PREFIX_REFRESH,
                                             value + strlen(GH_PREFIX_CODE)),
                             "", &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_REFRESH_REUSED), 0);
    /* The real one still works. */
    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
}

static void test_revoked_is_no_reuse(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    gh_ctx *ctx = gh_test_ctx(env);
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    gh_store_op op;

    /* Revoked by the consent's revocation (account page): invalid_grant, not a reuse. */
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_REVOKE;
    op.u.revoke.id =
        gh_oauth__split_id(ctx->arena, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX, f->rt);
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_REFRESH_REUSED), 0);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_TOKEN_REFRESHED), 0);
}

static void test_reuse_with_bad_scope(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *rt2;

    assert_int_equal(refresh(f, "web", f->rt, "", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    rt2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
    /* SPEC: OAuth2.1 4.3.1 - a reused token revokes the family even with a widened scope */
    assert_int_equal(refresh(f, "web", f->rt, "&scope=settings:write", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_REFRESH_REUSED), 1);
    assert_false(gh_tt_active(env, rt2));
}

static void test_carried_through_rotation(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    gh_oauth_sealed d;
    const char *rt = f->rt, *id = NULL;
    bool ok = false;
    int i;

    for (i = 0; i < 3; i++) {
        gh_test_env_advance(env, 100);
        assert_int_equal(refresh(f, "web", rt, i == 1 ? "&scope=dns:read" : "", &resp), GH_OK);
        assert_int_equal(resp.status, 200);
        rt = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
        gh_oauth_response_clear(&resp);
        assert_int_equal(gh_oauth__sealed_open(env->e, gh_test_ctx(env), GH_PREFIX_REFRESH,
                                               GH_OAUTH_REFRESH_ID_PREFIX, rt, &d, &id, &ok),
                         GH_OK);
        assert_true(ok);
        assert_string_equal(d.scope, GH_TT_SCOPE);
        assert_string_equal(d.client_id, "web");
        assert_string_equal(d.subject, f->alice);
        assert_int_equal(d.auth_time, GH_TEST_T0 - 10);
        assert_string_equal(d.sid, "sid-1");
        /* Each member expires ttl.refresh_token after its own issuance. */
        assert_int_equal(d.expires_at, gh_test_ctx(env)->now + env->cfg->ttl_refresh_token);
    }
    /* The value stays far under what the endpoints accept. */
    assert_true(strlen(rt) < 512);
}

/* The engine restarted over the same store with dns:write removed from the catalog. */
static void restart_without_dns_write(fx *f)
{
    gh_store *s = gh_test_env_free_keep_store(f->env);
    gh_config *cfg = gh_test_config_new();

    /* scopes[5] is dns:write; resources[0] (rs-dns) accepts dns:read, dns:write */
    memmove(&cfg->scopes[5], &cfg->scopes[6], (cfg->n_scopes - 6) * sizeof(cfg->scopes[0]));
    cfg->n_scopes--;
    cfg->resources[0].n_scopes = 1;
    assert_null(gh_config_scope_find(cfg, "dns:write"));
    f->env = gh_test_env_new_with(cfg, s);
    assert_int_equal(gh_engine_catalog_version(f->env->e), 2);
}

static void test_removed_scope_dropped_on_refresh(void **state)
{
    fx *f = *state;
    gh_test_env *env;
    gh_oauth_response resp;
    gh_oauth_sealed d;
    const char *id = NULL, *rt2, *at2;
    char *rt = strdup(f->rt);
    json_t *p;
    bool ok = false;

    restart_without_dns_write(f);
    env = f->env;
    /* SPEC: DESIGN.md scope catalog - a removed scope disappears from new tokens at once */
    assert_int_equal(refresh(f, "web", rt, "", &resp), GH_OK);
    free(rt);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "scope"), "openid profile email offline_access dns:read");
    rt2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    at2 = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    /* The access token (a JWT here) and the successor carry the narrowed scope. */
    p = gh_tt_verify_jwt(env, at2, NULL);
    assert_string_equal(json_string_value(json_object_get(p, "scope")),
                        "openid profile email offline_access dns:read");
    json_decref(p);
    assert_int_equal(gh_oauth__sealed_open(env->e, gh_test_ctx(env), GH_PREFIX_REFRESH,
                                           GH_OAUTH_REFRESH_ID_PREFIX, rt2, &d, &id, &ok),
                     GH_OK);
    assert_true(ok);
    assert_string_equal(d.scope, "openid profile email offline_access dns:read");
    /* SPEC: RFC6749 6 - the removed scope can no longer be asked for */
    assert_int_equal(refresh(f, "web", rt2, "&scope=dns:write", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_SCOPE);
    /* Narrowing within what remains still works, and rotation goes on. */
    assert_int_equal(refresh(f, "web", rt2, "&scope=dns:read", &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "scope"), "dns:read");
    gh_oauth_response_clear(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_revokes_family, setup, teardown),
        cmocka_unit_test_setup_teardown(test_narrow_never_widen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_binding_and_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_refresh_revokes_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_and_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_is_no_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reuse_with_bad_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_carried_through_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_removed_scope_dropped_on_refresh, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
