/*
 * test_grant_authorization_code.c - the authorization code grant (RFC 6749 4.1.3, RFC 7636,
 * OIDC Core 3.1.3): the token response, the ID token verified against the JWKS, public
 * clients, and every refusal: PKCE missing or wrong, redirect_uri mismatch, another client's
 * code, an expired code, a replayed code (which revokes what the first use issued), resource
 * widening; sealed codes: a byte changed anywhere, another key, a refresh token presented as a
 * code, a revoked code (no replay), a code whose row is gone, a replay with a wrong verifier
 * (still a replay), the extra claims and amr carried to the refresh token.
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

typedef struct fx {
    gh_test_env *env;
    const char *alice;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));

    f->env = gh_test_env_new();
    f->alice = gh_tt_setup(f->env);
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

static const char *exchange_form(gh_test_env *env, const char *code, const char *extra)
{
    return gh_arena_printf(env->arena,
                           "grant_type=authorization_code&code=%s&redirect_uri=" GH_TT_REDIRECT
                           "&code_verifier=" GH_TT_VERIFIER "%s",
                           code, extra);
}

static void expect_error(gh_oauth_response *resp, int status, const char *code)
{
    assert_int_equal(resp->status, status);
    assert_string_equal(gh_test_str(resp, "error"), code);
    gh_oauth_response_clear(resp);
}

static void test_exchange_and_id_token(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code, *alg = NULL, *at, *idt;
    json_t *p;

    code = gh_tt_code(env, "web", f->alice, GH_TT_SCOPE, GH_TT_REDIRECT, NULL, "n-0S6");
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    /* SPEC: RFC6749 5.1 - access_token, token_type, expires_in, scope; no-store */
    assert_true(resp.no_store);
    assert_string_equal(gh_test_str(&resp, "token_type"), "Bearer");
    assert_string_equal(gh_test_str(&resp, "scope"), GH_TT_SCOPE);
    assert_non_null(gh_test_str(&resp, "refresh_token"));
    assert_true(strncmp(gh_test_str(&resp, "refresh_token"), "gh_rt_", 6) == 0);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    idt = gh_arena_strdup(env->arena, gh_test_str(&resp, "id_token"));
    gh_oauth_response_clear(&resp);

    /* SPEC: OIDC Core 3.1.3.7 - the ID token verifies with a published key */
    p = gh_tt_verify_jwt(env, idt, &alg);
    assert_string_equal(alg, "RS256");
    assert_string_equal(json_string_value(json_object_get(p, "iss")), GH_TEST_ISSUER);
    assert_string_equal(json_string_value(json_object_get(p, "sub")), f->alice);
    assert_string_equal(json_string_value(json_object_get(p, "aud")), "web");
    assert_int_equal(json_integer_value(json_object_get(p, "iat")), GH_TEST_T0);
    assert_int_equal(json_integer_value(json_object_get(p, "exp")),
                     GH_TEST_T0 + env->cfg->ttl_id_token);
    assert_int_equal(json_integer_value(json_object_get(p, "auth_time")), GH_TEST_T0 - 10);
    assert_string_equal(json_string_value(json_object_get(p, "nonce")), "n-0S6");
    assert_string_equal(json_string_value(json_object_get(p, "sid")), "sid-1");
    /* SPEC: OIDC Core 3.1.3.6 - at_hash */
    assert_string_equal(json_string_value(json_object_get(p, "at_hash")),
                        gh_oauth__at_hash(env->arena, at));
    assert_string_equal(json_string_value(json_object_get(p, "name")), "Alice Example");
    assert_string_equal(json_string_value(json_object_get(p, "email")), "alice@example.com");
    assert_true(json_is_true(json_object_get(p, "email_verified")));
    json_decref(p);
    assert_true(gh_tt_active(env, at));
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_EXCHANGED), 1);
}

static void test_es256_and_scopes(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code, *alg = NULL;
    json_t *p;

    /* openid without profile/email: no user claims; no offline_access: no refresh token */
    code = gh_tt_code(env, "es", f->alice, "openid dns:read", GH_TT_REDIRECT, NULL, NULL);
    assert_int_equal(gh_tt_token(env, "es", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    assert_string_equal(gh_test_str(&resp, "scope"), "openid dns:read");
    assert_null(gh_test_str(&resp, "refresh_token"));
    p = gh_tt_verify_jwt(env, gh_test_str(&resp, "id_token"), &alg);
    assert_string_equal(alg, "ES256");
    assert_null(json_object_get(p, "nonce"));
    assert_null(json_object_get(p, "name"));
    assert_null(json_object_get(p, "email"));
    json_decref(p);
    gh_oauth_response_clear(&resp);

    /* No openid: no ID token. A client without the refresh_token grant: no refresh token. */
    code = gh_tt_code(env, "nort", f->alice, "offline_access dns:read", GH_TT_REDIRECT, NULL,
                      NULL);
    assert_int_equal(gh_tt_token(env, "nort", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    assert_null(gh_test_str(&resp, "id_token"));
    assert_null(gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
}

static void test_public_client(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code;

    code = gh_tt_code(env, "spa", f->alice, "openid offline_access", NULL, NULL, NULL);
    /* The request had no redirect_uri: the token request need not repeat one. */
    assert_int_equal(gh_tt_token(env, "spa",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&code_verifier=" GH_TT_VERIFIER,
                                                 code),
                                 &resp),
                     GH_OK);
    assert_int_equal(resp.status, 200);
    assert_non_null(gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
    /* client_credentials stays confidential-only. */
    assert_int_equal(gh_tt_token(env, "spa", "grant_type=client_credentials", &resp), GH_OK);
    assert_true(resp.status == 400 || resp.status == 401);
    gh_oauth_response_clear(&resp);
}

static void test_pkce(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code = gh_tt_code(env, "web", f->alice, "openid", GH_TT_REDIRECT, NULL, NULL);

    /* SPEC: RFC7636 4.5 - code_verifier missing */
    assert_int_equal(gh_tt_token(env, "web",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&redirect_uri=" GH_TT_REDIRECT,
                                                 code),
                                 &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST);
    /* SPEC: RFC7636 4.6 - a wrong verifier */
    assert_int_equal(
        gh_tt_token(env, "web",
                    gh_arena_printf(env->arena,
                                    "grant_type=authorization_code&code=%s&redirect_uri=" GH_TT_REDIRECT
                                    "&code_verifier=eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                                    code),
                    &resp),
        GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    /* The checks did not use the code up: the right verifier still works. */
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);

    /* SPEC: RFC7636 4.1 - 43..128 unreserved characters */
    assert_true(gh_oauth__pkce_verifier_syntax(GH_TT_VERIFIER));
    assert_false(gh_oauth__pkce_verifier_syntax("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX"));
    assert_false(gh_oauth__pkce_verifier_syntax("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjX+"));
    assert_true(gh_oauth__pkce_verifier_syntax(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    assert_false(gh_oauth__pkce_verifier_syntax(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
    /* SPEC: RFC7636 B - the appendix's pair */
    assert_true(gh_oauth__pkce_s256_ok(GH_TT_VERIFIER, GH_TT_CHALLENGE));
    assert_false(gh_oauth__pkce_s256_ok(GH_TT_VERIFIER, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cN"));
    assert_false(gh_oauth__pkce_s256_ok(NULL, GH_TT_CHALLENGE));
}

static void test_redirect_and_client(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code = gh_tt_code(env, "web", f->alice, "openid", GH_TT_REDIRECT, NULL, NULL);

    /* SPEC: RFC6749 4.1.3 - redirect_uri identical when it was in the request */
    assert_int_equal(gh_tt_token(env, "web",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&redirect_uri=https://web.example/other"
                                                 "&code_verifier=" GH_TT_VERIFIER,
                                                 code),
                                 &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_token(env, "web",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&code_verifier=" GH_TT_VERIFIER,
                                                 code),
                                 &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    /* SPEC: RFC6749 4.1.3 - the code was issued to another client */
    assert_int_equal(gh_tt_token(env, "es", exchange_form(env, code, ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    /* Unknown and missing codes. */
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, "gh_ac_nope", ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_token(env, "web", "grant_type=authorization_code", &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_REQUEST);
    /* None of that used the code. */
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
}

static void test_expired(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code = gh_tt_code(env, "web", f->alice, "openid", GH_TT_REDIRECT, NULL, NULL);

    /* SPEC: DESIGN.md Tokens - codes live 60 s at most */
    gh_test_env_advance(env, 61);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
}

static void test_replay_revokes(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code, *at, *rt;

    code = gh_tt_code(env, "web", f->alice, GH_TT_SCOPE, GH_TT_REDIRECT, NULL, NULL);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    rt = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
    assert_true(gh_tt_active(env, at));
    assert_true(gh_tt_active(env, rt));

    /* SPEC: RFC6749 4.1.2 - a second use is refused and revokes what the first issued */
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_false(gh_tt_active(env, at));
    assert_false(gh_tt_active(env, rt));
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_REPLAYED), 1);
}

static void test_resource_narrowing(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code;
    json_t *p;

    code = gh_tt_code(env, "web", f->alice, "dns:read", GH_TT_REDIRECT, GH_TEST_RS_DNS, NULL);
    /* SPEC: RFC8707 2.2 - a resource the authorization did not include is refused */
    assert_int_equal(gh_tt_token(env, "web",
                                 exchange_form(env, code, "&resource=" GH_TEST_RS_LOGS), &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_TARGET);
    assert_int_equal(
        gh_tt_token(env, "web", exchange_form(env, code, "&resource=" GH_TEST_RS_DNS), &resp),
        GH_OK);
    assert_int_equal(resp.status, 200);
    p = gh_tt_verify_jwt(env, gh_test_str(&resp, "access_token"), NULL);
    assert_string_equal(json_string_value(json_object_get(p, "aud")), GH_TEST_RS_DNS);
    json_decref(p);
    gh_oauth_response_clear(&resp);
}

static void test_consent_touched(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    gh_store_txn *t = gh_store_txn_new(env->arena);
    gh_consent c, *got = NULL;
    gh_store_op op;
    const char *code;

    memset(&c, 0, sizeof(c));
    c.subject = f->alice;
    c.client_id = "web";
    c.scope = "openid";
    c.remembered_scope = "";
    c.audience = "";
    c.granted_at = c.updated_at = GH_TEST_T0 - 100;
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_CONSENT_PUT;
    op.u.consent = &c;
    gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    gh_test_env_advance(env, 5);
    code = gh_tt_code(env, "web", f->alice, "openid", GH_TT_REDIRECT, NULL, NULL);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_store_consent_get(env->store, f->alice, "web", env->arena, &got), GH_OK);
    assert_int_equal(got->last_used_at, GH_TEST_T0 + 5);
}

/* Changes one base64url character of value at i (another character of the alphabet). */
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
    unsigned char saved[32];
    const char *code, *foreign, *rt;
    const size_t pl = strlen(GH_PREFIX_CODE);
    size_t n, i;

    code = gh_tt_code(env, "web", f->alice, GH_TT_SCOPE, GH_TT_REDIRECT, NULL, NULL);
    n = strlen(code);
    /* A changed character anywhere after the prefix: not a code of ours. */
    for (i = pl; i < n; i += 7) {
        assert_int_equal(gh_tt_token(env, "web", exchange_form(env, flip(env, code, i), ""), &resp),
                         GH_OK);
        expect_error(&resp, 400, GH_E_INVALID_GRANT);
    }
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, flip(env, code, n - 1), ""), &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    /* Sealed under another system secret's key. */
    memcpy(saved, env->e->token_seal_key, sizeof(saved));
    memset(env->e->token_seal_key, 0xa5, sizeof(saved));
    foreign = gh_tt_code(env, "web", f->alice, GH_TT_SCOPE, GH_TT_REDIRECT, NULL, NULL);
    memcpy(env->e->token_seal_key, saved, sizeof(saved));
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, foreign, ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_REPLAYED), 0);
    /* None of that used the code. */
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    rt = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
    /* A refresh token with the code's prefix is no code (and the refresh token is untouched). */
    assert_int_equal(gh_tt_token(env, "web",
                                 exchange_form(env,
                                               gh_arena_printf(env->arena, "%s%s", GH_PREFIX_CODE,
                                                               rt + strlen(GH_PREFIX_REFRESH)),
                                               ""),
                                 &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_true(gh_tt_active(env, rt));
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_REPLAYED), 0);
}

static void test_revoked_and_gone(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    gh_ctx *ctx;
    gh_store_txn *t;
    gh_store_op op;
    const char *code, *lost = NULL;
    static const char *lost_scope[] = {"openid"};
    gh_oauth_authz a;

    /* A revoked code (its grant revoked before the exchange) is refused, and is no replay. */
    code = gh_tt_code(env, "web", f->alice, "openid", GH_TT_REDIRECT, NULL, NULL);
    ctx = gh_test_ctx(env);
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_REVOKE;
    op.u.revoke.id = gh_oauth__split_id(ctx->arena, GH_PREFIX_CODE, GH_OAUTH_CODE_ID_PREFIX, code);
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_REPLAYED), 0);

    /* A well-sealed code without a row (never committed, or purged) is refused. */
    memset(&a, 0, sizeof(a));
    a.client_id = "web";
    a.subject = f->alice;
    a.redirect_uri = GH_TT_REDIRECT;
    a.code_challenge = GH_TT_CHALLENGE;
    a.scopes.v = lost_scope;
    a.scopes.n = 1;
    a.grant_id = "g-lost";
    ctx = gh_test_ctx(env);
    t = gh_store_txn_new(ctx->arena);
    assert_int_equal(gh_oauth__code_issue(env->e, ctx, t, &a, &lost), GH_OK);
    lost = gh_arena_strdup(env->arena, lost);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, lost, ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_EXCHANGED), 0);
}

static void test_replay_with_bad_request(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    const char *code, *at;

    code = gh_tt_code(env, "web", f->alice, "openid dns:read", GH_TT_REDIRECT, NULL, NULL);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    at = gh_arena_strdup(env->arena, gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    /* SPEC: RFC6749 4.1.2 - a replay revokes even when the rest of the request is wrong */
    assert_int_equal(gh_tt_token(env, "web",
                                 gh_arena_printf(env->arena,
                                                 "grant_type=authorization_code&code=%s"
                                                 "&redirect_uri=" GH_TT_REDIRECT,
                                                 code),
                                 &resp),
                     GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_false(gh_tt_active(env, at));
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_REPLAYED), 1);
    /* An expired replay is a replay too. */
    gh_test_env_advance(env, 61);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    expect_error(&resp, 400, GH_E_INVALID_GRANT);
    assert_int_equal(gh_tt_audit_count(env, GH_OAUTH_AUDIT_CODE_REPLAYED), 2);
}

static void test_claims_carried(void **state)
{
    fx *f = *state;
    gh_test_env *env = f->env;
    gh_oauth_response resp;
    gh_ctx *ctx = gh_test_ctx(env);
    gh_store_txn *t = gh_store_txn_new(ctx->arena);
    gh_oauth_sealed d;
    gh_oauth_authz a;
    const char *code = NULL, *id = NULL, *rt;
    static const char *scopes[] = {"openid", "offline_access", "dns:read"};
    bool ok = false;

    memset(&a, 0, sizeof(a));
    a.client_id = "web";
    a.subject = f->alice;
    a.redirect_uri = GH_TT_REDIRECT;
    a.code_challenge = GH_TT_CHALLENGE;
    a.scopes.v = scopes;
    a.scopes.n = 3;
    a.auth_time = GH_TEST_T0 - 3;
    a.sid = "sid-9";
    a.acr = "urn:gh:pwd";
    a.grant_id = "g-claims";
    a.access_token_claims = "{\"tenant\":\"t1\"}";
    a.id_token_claims = "{\"team\":\"blue\"}";
    a.amr = "[\"pwd\",\"otp\"]";
    assert_int_equal(gh_oauth__code_issue(env->e, ctx, t, &a, &code), GH_OK);
    code = gh_arena_strdup(env->arena, code);
    assert_int_equal(gh_store_commit(env->store, t), GH_OK);
    assert_int_equal(gh_tt_token(env, "web", exchange_form(env, code, ""), &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    rt = gh_arena_strdup(env->arena, gh_test_str(&resp, "refresh_token"));
    gh_oauth_response_clear(&resp);
    /* The refresh token carries what later refreshes need. */
    ctx = gh_test_ctx(env);
    assert_int_equal(gh_oauth__sealed_open(env->e, ctx, GH_PREFIX_REFRESH,
                                           GH_OAUTH_REFRESH_ID_PREFIX, rt, &d, &id, &ok),
                     GH_OK);
    assert_true(ok);
    assert_string_equal(d.grant_id, "g-claims");
    assert_string_equal(d.client_id, "web");
    assert_string_equal(d.subject, f->alice);
    assert_string_equal(d.scope, "openid offline_access dns:read");
    assert_string_equal(d.audience, "");
    assert_int_equal(d.auth_time, GH_TEST_T0 - 3);
    assert_string_equal(d.sid, "sid-9");
    assert_string_equal(d.acr, "urn:gh:pwd");
    assert_string_equal(d.access_token_claims, a.access_token_claims);
    assert_string_equal(d.id_token_claims, a.id_token_claims);
    assert_string_equal(d.amr, a.amr);
    assert_null(d.code_challenge);
    assert_null(d.nonce);
    assert_int_equal(d.expires_at, GH_TEST_T0 + env->cfg->ttl_refresh_token);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exchange_and_id_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_es256_and_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pkce, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redirect_and_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_revokes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resource_narrowing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_touched, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_and_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_and_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_with_bad_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_claims_carried, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
