/*
 * test_code.c - authorization codes (code.c): the value's shape, the stored row (only the
 * SHA-256 of the value, the selector as id, the authorization in the row and its extra), the
 * 60 s cap, the audit event, and finding a presented code (a wrong secret, another prefix or a
 * malformed value finds nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/b64url.h"
#include "json/json.h"
#include "oauth/authz_int.h"
#include "oauth/introspect_int.h"
#include "oauth/token_int.h"
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

static void sample(gh_oauth_authz *a)
{
    static const char *scopes[] = {"openid", "dns:read"};
    static const char *aud[] = {GH_TEST_RS_DNS};

    memset(a, 0, sizeof(*a));
    a->client_id = "web";
    a->subject = "u_alice";
    a->redirect_uri = "https://web.example/cb";
    a->code_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    a->scopes.v = scopes;
    a->scopes.n = 2;
    a->audience.v = aud;
    a->audience.n = 1;
    a->nonce = "n-0S6_WzA2Mj";
    a->auth_time = GH_TEST_T0 - 5;
    a->sid = "sid-1";
    a->grant_id = "grant-1";
}

static const char *issue(gh_test_env *env, const gh_oauth_authz *a)
{
    gh_ctx *ctx = gh_test_ctx(env);
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    const char *code = NULL;

    assert_int_equal(gh_oauth__code_issue(env->e, ctx, t, a, &code), GH_OK);
    assert_non_null(code);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    return code;
}

static void test_issue_and_find(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_authz a, got;
    gh_token *row = NULL;
    gh_ctx *ctx;
    const char *code;
    char *id;

    sample(&a);
    code = issue(env, &a);
    /* gh_ac_ + 22 + 43 characters */
    assert_true(strncmp(code, GH_PREFIX_CODE, strlen(GH_PREFIX_CODE)) == 0);
    assert_int_equal(strlen(code), strlen(GH_PREFIX_CODE) + 22 + 43);

    ctx = gh_test_ctx(env);
    id = gh_oauth__split_id(ctx->arena, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, code);
    assert_non_null(id);
    assert_true(strncmp(id, "c.", 2) == 0);
    assert_int_equal(strlen(id), 2 + 22);
    assert_int_equal(gh_store_token_get(env->store, id, ctx->arena, &row), GH_OK);
    assert_int_equal(row->kind, GH_TOKEN_CODE);
    assert_string_equal(row->client_id, "web");
    assert_string_equal(row->subject, "u_alice");
    assert_string_equal(row->scope, "openid dns:read");
    assert_string_equal(row->audience, GH_TEST_RS_DNS);
    assert_string_equal(row->grant_id, "grant-1");
    assert_int_equal(row->issued_at, GH_TEST_T0);
    /* SPEC: DESIGN.md Tokens - codes are stored only as hashes */
    assert_null(strstr(row->extra, code + strlen(GH_PREFIX_CODE) + 22));
    assert_non_null(strstr(row->extra, GH_OAUTH_TOKEN_HASH_MEMBER));

    assert_int_equal(gh_oauth__code_find(env->e, ctx, code, &row, &got), GH_OK);
    assert_non_null(row);
    assert_string_equal(got.client_id, "web");
    assert_string_equal(got.subject, "u_alice");
    assert_string_equal(got.redirect_uri, "https://web.example/cb");
    assert_string_equal(got.code_challenge, a.code_challenge);
    assert_int_equal(got.scopes.n, 2);
    assert_string_equal(got.scopes.v[1], "dns:read");
    assert_int_equal(got.audience.n, 1);
    assert_string_equal(got.nonce, "n-0S6_WzA2Mj");
    assert_int_equal(got.auth_time, GH_TEST_T0 - 5);
    assert_string_equal(got.sid, "sid-1");
    assert_null(got.acr);
    assert_string_equal(got.grant_id, "grant-1");
}

static void test_ttl_capped(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_authz a, got;
    gh_token *row = NULL;
    const char *code;

    /* SPEC: DESIGN.md Tokens - authorization codes live 60 s at most */
    env->cfg->ttl_authorization_code = 600;
    sample(&a);
    a.redirect_uri = NULL;
    a.nonce = NULL;
    a.sid = NULL;
    a.audience.n = 0;
    code = issue(env, &a);
    assert_int_equal(gh_oauth__code_find(env->e, gh_test_ctx(env), code, &row, &got), GH_OK);
    assert_non_null(row);
    assert_int_equal(row->expires_at, GH_TEST_T0 + 60);
    assert_null(got.redirect_uri);
    assert_null(got.nonce);
    assert_int_equal(got.audience.n, 0);
    env->cfg->ttl_authorization_code = 30;
    code = issue(env, &a);
    assert_int_equal(gh_oauth__code_find(env->e, gh_test_ctx(env), code, &row, &got), GH_OK);
    assert_int_equal(row->expires_at, GH_TEST_T0 + 30);
}

static void test_find_rejects(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_authz a, got;
    gh_token *row = NULL;
    gh_ctx *ctx;
    const char *code;
    char *bad;
    size_t n;

    sample(&a);
    code = issue(env, &a);
    ctx = gh_test_ctx(env);
    n = strlen(code);

    /* A wrong secret (last character changed, still canonical) finds nothing. */
    bad = gh_arena_strdup(ctx->arena, code);
    bad[n - 2] = bad[n - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(gh_oauth__code_find(env->e, ctx, bad, &row, &got), GH_OK);
    assert_null(row);
    /* Truncated, extended, another prefix, empty. */
    bad = gh_arena_strndup(ctx->arena, code, n - 1);
    assert_int_equal(gh_oauth__code_find(env->e, ctx, bad, &row, &got), GH_OK);
    assert_null(row);
    bad = gh_arena_printf(ctx->arena, "%sA", code);
    assert_int_equal(gh_oauth__code_find(env->e, ctx, bad, &row, &got), GH_OK);
    assert_null(row);
    bad = gh_arena_printf(ctx->arena, "%s%s", GH_PREFIX_REFRESH, code + strlen(GH_PREFIX_CODE));
    assert_int_equal(gh_oauth__code_find(env->e, ctx, bad, &row, &got), GH_OK);
    assert_null(row);
    assert_int_equal(gh_oauth__code_find(env->e, ctx, "", &row, &got), GH_OK);
    assert_null(row);
    /* The right value still works. */
    assert_int_equal(gh_oauth__code_find(env->e, ctx, code, &row, &got), GH_OK);
    assert_non_null(row);
}

static void test_audit_and_required(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_authz a;
    gh_audit_event *ev = NULL;
    size_t n = 0, i;
    bool seen = false;
    gh_ctx *ctx;
    gh_store_txn *t;
    const char *code = NULL;

    sample(&a);
    issue(env, &a);
    ctx = gh_test_ctx(env);
    assert_int_equal(gh_store_audit_list(env->store, 0, 500, ctx->arena, &ev, &n), GH_OK);
    for (i = 0; i < n; i++) {
        if (strcmp(ev[i].type, GH_OAUTH_AUDIT_CODE_ISSUED) == 0) {
            seen = true;
            assert_string_equal(ev[i].client_id, "web");
            assert_string_equal(ev[i].subject, "u_alice");
            assert_string_equal(ev[i].scope, "openid dns:read");
            assert_true(strncmp(ev[i].token_id, "c.", 2) == 0);
        }
    }
    assert_true(seen);

    /* PKCE is required on every code (the challenge must be there). */
    a.code_challenge = NULL;
    t = gh_store_txn_new(ctx->arena);
    assert_int_equal(gh_oauth__code_issue(env->e, ctx, t, &a, &code), GH_EINVAL);
    assert_null(code);
    assert_int_equal(gh_store_txn_len(t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_issue_and_find, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ttl_capped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_and_required, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
