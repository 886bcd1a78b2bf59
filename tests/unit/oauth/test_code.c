/*
 * test_code.c - authorization codes and sealed tokens (code.c): the value's shape and size,
 * the stored row (only the SHA-256 of the value, the selector as id, the grant's columns),
 * the 60 s cap, the audit event, opening a presented code without a store read, and every
 * value that must not open: a byte flipped anywhere, truncated or extended, sealed under
 * another key, the other kind's prefix; data too long for the value kept in the row.
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
    const char *code, *id2 = NULL;
    int64_t exp = 0;
    bool ok = false;
    char *id;

    sample(&a);
    a.access_token_claims = "{\"tenant\":\"t1\"}";
    a.id_token_claims = "{\"team\":\"blue\"}";
    a.amr = "[\"pwd\"]";
    code = issue(env, &a);
    assert_true(strncmp(code, GH_PREFIX_CODE, strlen(GH_PREFIX_CODE)) == 0);
    /* The value stays far under what the token endpoint accepts. */
    assert_true(strlen(code) < 1024);
    assert_true(strlen(code) <= GH_OAUTH_SEALED_VALUE_MAX);
    /* Nothing of the authorization is readable in the value. */
    assert_null(strstr(code, "web.example"));

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
    assert_string_equal(row->extra, gh_oauth__token_hash_extra(ctx->arena, code));

    /* Opening needs no row: the value carries the authorization. */
    assert_int_equal(gh_oauth__code_open(env->e, ctx, code, &got, &id2, &exp, &ok), GH_OK);
    assert_true(ok);
    assert_string_equal(id2, id);
    assert_int_equal(exp, GH_TEST_T0 + env->cfg->ttl_authorization_code);
    assert_string_equal(got.client_id, "web");
    assert_string_equal(got.subject, "u_alice");
    assert_string_equal(got.redirect_uri, "https://web.example/cb");
    assert_string_equal(got.code_challenge, a.code_challenge);
    assert_int_equal(got.scopes.n, 2);
    assert_string_equal(got.scopes.v[1], "dns:read");
    assert_int_equal(got.audience.n, 1);
    assert_string_equal(got.audience.v[0], GH_TEST_RS_DNS);
    assert_string_equal(got.nonce, "n-0S6_WzA2Mj");
    assert_int_equal(got.auth_time, GH_TEST_T0 - 5);
    assert_string_equal(got.sid, "sid-1");
    assert_null(got.acr);
    assert_string_equal(got.grant_id, "grant-1");
    assert_string_equal(got.access_token_claims, a.access_token_claims);
    assert_string_equal(got.id_token_claims, a.id_token_claims);
    assert_string_equal(got.amr, a.amr);

    assert_int_equal(gh_oauth__code_find(env->e, ctx, code, &row, &got), GH_OK);
    assert_non_null(row);
    assert_string_equal(row->id, id);
    assert_string_equal(got.redirect_uri, "https://web.example/cb");
}

static void test_ttl_capped(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_authz a, got;
    gh_token *row = NULL;
    const char *code, *id = NULL;
    int64_t exp = 0;
    bool ok = false;

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
    assert_null(got.access_token_claims);
    assert_int_equal(got.audience.n, 0);
    assert_int_equal(gh_oauth__code_open(env->e, gh_test_ctx(env), code, &got, &id, &exp, &ok),
                     GH_OK);
    assert_true(ok);
    assert_int_equal(exp, GH_TEST_T0 + 60);
    env->cfg->ttl_authorization_code = 30;
    code = issue(env, &a);
    assert_int_equal(gh_oauth__code_find(env->e, gh_test_ctx(env), code, &row, &got), GH_OK);
    assert_int_equal(row->expires_at, GH_TEST_T0 + 30);
}

/* True if value opens as a code. */
static bool opens(gh_test_env *env, const char *value)
{
    gh_oauth_authz got;
    const char *id = NULL;
    int64_t exp = 0;
    bool ok = true;

    assert_int_equal(gh_oauth__code_open(env->e, gh_test_ctx(env), value, &got, &id, &exp, &ok),
                     GH_OK);
    if (!ok) {
        assert_null(id);
        assert_null(got.client_id);
    }
    return ok;
}

static void test_find_rejects(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_authz a, got;
    gh_token *row = NULL;
    gh_ctx *ctx;
    const char *code;
    const size_t pl = strlen(GH_PREFIX_CODE);
    char *bad;
    size_t n, i;

    sample(&a);
    code = issue(env, &a);
    ctx = gh_test_ctx(env);
    n = strlen(code);

    /* A character changed anywhere after the prefix (selector, nonce, ciphertext, tag):
     * the seal does not open. A change of the last character's unused low bits would not be
     * canonical base64url, which is refused as well. */
    for (i = pl; i < n; i++) {
        bad = gh_arena_strdup(ctx->arena, code);
        bad[i] = bad[i] == 'A' ? 'Q' : 'A';
        assert_false(opens(env, bad));
        assert_int_equal(gh_oauth__code_find(env->e, ctx, bad, &row, &got), GH_OK);
        assert_null(row);
    }
    /* Truncated, extended, another prefix, empty, NULL, the old unsealed shape. */
    assert_false(opens(env, gh_arena_strndup(ctx->arena, code, n - 1)));
    assert_false(opens(env, gh_arena_strndup(ctx->arena, code, n - 4)));
    assert_false(opens(env, gh_arena_printf(ctx->arena, "%sAAAA", code)));
    assert_false(opens(env, gh_arena_printf(ctx->arena, "gh_xx_%s", code + pl)));
    assert_false(opens(env, ""));
    assert_false(opens(env, NULL));
    assert_false(
        opens(env, "gh_ac_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
    /* The right value still works. */
    assert_true(opens(env, code));
    assert_int_equal(gh_oauth__code_find(env->e, ctx, code, &row, &got), GH_OK);
    assert_non_null(row);
}

static void test_other_key_and_kind(void **state)
{
    gh_test_env *env = *state;
    unsigned char saved[32];
    gh_oauth_authz a;
    gh_oauth_sealed d;
    gh_ctx *ctx = gh_test_ctx(env);
    const char *code, *id = NULL;
    char *value = NULL, *vid = NULL, *extra = NULL, *swapped;
    bool ok = true;

    /* A value sealed under another system secret's key does not open here. */
    memcpy(saved, env->e->token_seal_key, sizeof(saved));
    memset(env->e->token_seal_key, 0x5a, sizeof(saved));
    sample(&a);
    code = issue(env, &a);
    memcpy(env->e->token_seal_key, saved, sizeof(saved));
    assert_false(opens(env, code));

    /* A code presented as a refresh token, and a refresh token as a code, do not open: the
     * prefix is sealed with the data. */
    code = issue(env, &a);
    swapped = gh_arena_printf(ctx->arena, "%s%s", GH_PREFIX_REFRESH, code + strlen(GH_PREFIX_CODE));
    assert_int_equal(gh_oauth__sealed_open(env->e, ctx, GH_PREFIX_REFRESH,
                                           GH_OAUTH_REFRESH_ID_PREFIX, swapped, &d, &id, &ok),
                     GH_OK);
    assert_false(ok);
    memset(&d, 0, sizeof(d));
    d.expires_at = GH_TEST_T0 + 100;
    d.client_id = "web";
    d.subject = "u_alice";
    d.grant_id = "grant-1";
    d.scope = "openid";
    d.audience = "";
    d.code_challenge = a.code_challenge; /* even with a challenge it is no code */
    assert_int_equal(gh_oauth__sealed_new(env->e, ctx, GH_PREFIX_REFRESH,
                                          GH_OAUTH_REFRESH_ID_PREFIX, &d, &value, &vid, &extra),
                     GH_OK);
    ok = true;
    assert_int_equal(gh_oauth__sealed_open(env->e, ctx, GH_PREFIX_REFRESH,
                                           GH_OAUTH_REFRESH_ID_PREFIX, value, &d, &id, &ok),
                     GH_OK);
    assert_true(ok);
    assert_string_equal(id, vid);
    assert_false(opens(env, gh_arena_printf(ctx->arena, "%s%s", GH_PREFIX_CODE,
                                            value + strlen(GH_PREFIX_REFRESH))));
    /* Required members. */
    d.grant_id = NULL;
    assert_int_equal(gh_oauth__sealed_new(env->e, ctx, GH_PREFIX_REFRESH,
                                          GH_OAUTH_REFRESH_ID_PREFIX, &d, &value, &vid, &extra),
                     GH_EINVAL);
}

static void test_long_data_in_row(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_authz a, got;
    gh_token *row = NULL;
    gh_ctx *ctx = gh_test_ctx(env);
    gh_store_txn *t;
    gh_store_op op;
    const char *code, *id = NULL;
    char *claims, *bad;
    int64_t exp = 0;
    bool ok = false;
    size_t i;

    /* Claims too long for a value that clients can carry: the row keeps the data. */
    claims = gh_arena_alloc(ctx->arena, 3000 + 16);
    memcpy(claims, "{\"blob\":\"", 9);
    for (i = 9; i < 3009; i++)
        claims[i] = 'x';
    memcpy(claims + 3009, "\"}", 3);
    sample(&a);
    a.access_token_claims = claims;
    code = issue(env, &a);
    assert_true(strlen(code) < 200);
    assert_true(opens(env, code));
    assert_int_equal(gh_oauth__code_open(env->e, ctx, code, &got, &id, &exp, &ok), GH_OK);
    assert_true(ok);
    assert_string_equal(got.access_token_claims, claims);
    assert_string_equal(got.redirect_uri, "https://web.example/cb");
    assert_int_equal(exp, GH_TEST_T0 + env->cfg->ttl_authorization_code);
    /* Tampering is caught as before. */
    bad = gh_arena_strdup(ctx->arena, code);
    bad[strlen(GH_PREFIX_CODE) + 30] = bad[strlen(GH_PREFIX_CODE) + 30] == 'A' ? 'Q' : 'A';
    assert_false(opens(env, bad));
    /* Without its row (purged) such a value opens no more. */
    assert_int_equal(gh_oauth__code_find(env->e, ctx, code, &row, &got), GH_OK);
    assert_non_null(row);
    gh_test_env_advance(env, 3600);
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_PURGE_EXPIRED;
    op.u.purge.before = GH_TEST_T0 + 3600;
    gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    assert_false(opens(env, code));
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
        cmocka_unit_test_setup_teardown(test_other_key_and_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_data_in_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_and_required, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
