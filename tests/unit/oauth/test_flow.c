/*
 * test_flow.c - the login/consent flow interface through every transition: views, accept and
 * reject of each phase, a second answer conflicting, unknown, tampered and expired challenges,
 * the version compare-and-set, granted scopes a subset of the requested, and the audit trail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "oauth/flow_int.h"
#include "support/gh_flowtest.h"

static int setup(void **state)
{
    gh_test_env *env = gh_test_env_new();

    gh_ft_client(env, "app", "openid profile dns:read dns:write");
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

/* Starts a flow; returns the login challenge. */
static const char *start(gh_test_env *env, gh_ft_browser *b, const char *extra)
{
    gh_oauth_response r;
    const char *lc;

    assert_int_equal(gh_ft_get(env, gh_oauth_authorize,
                               gh_ft_authz_query(env, "openid dns:write dns:read", extra), b, &r),
                     GH_OK);
    assert_int_equal(r.status, 302);
    lc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "login_challenge"));
    assert_non_null(lc);
    gh_oauth_response_clear(&r);
    return lc;
}

/* Logs in and returns the consent challenge. */
static const char *to_consent(gh_test_env *env, gh_ft_browser *b, const char *lc)
{
    gh_oauth_response r;
    const char *cc;

    gh_ft_login(env, b, gh_arena_printf(env->arena, "x?login_challenge=%s", lc), "user-1", false,
                &r);
    assert_int_equal(r.status, 302);
    cc = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "consent_challenge"));
    assert_non_null(cc);
    gh_oauth_response_clear(&r);
    return cc;
}

static void test_login_phase(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_login_view v;
    gh_oauth_login_answer a = {0};
    const char *lc = start(env, &b, "&login_hint=ann%40example.com"), *to = NULL, *msg = NULL;
    char bad[GH_FLOW_HANDLE_CHARS + 1];

    assert_int_equal(gh_oauth_login_get(env->e, gh_test_ctx(env), lc, &v), GH_OK);
    assert_string_equal(v.challenge, lc);
    assert_string_equal(v.client.client_id, "app");
    assert_string_equal(v.client.client_name, "Example App");
    assert_string_equal(v.client.client_uri, "https://app.example.com");
    assert_int_equal(v.n_requested_scope, 3);
    assert_string_equal(v.requested_scope[0].name, "openid");
    assert_string_equal(v.requested_scope[1].name, "dns:write");
    assert_true(v.requested_scope[1].sensitive);
    assert_string_equal(v.requested_scope[2].description, "Read DNS records");
    assert_string_equal(v.login_hint, "ann@example.com");
    assert_false(v.skip);
    assert_int_equal(v.requested_at, GH_TEST_T0);
    assert_true(strncmp(v.request_url, GH_TEST_ISSUER "/oauth2/auth?", 26) == 0);
    assert_non_null(strstr(v.request_url, "client_id=app"));

    /* unknown, malformed and tampered challenges */
    assert_int_equal(gh_oauth_login_get(env->e, gh_test_ctx(env), "nope", &v), GH_ENOTFOUND);
    assert_int_equal(gh_oauth_login_get(env->e, gh_test_ctx(env), NULL, &v), GH_ENOTFOUND);
    memcpy(bad, lc, sizeof(bad));
    bad[GH_FLOW_HANDLE_CHARS - 1] = bad[GH_FLOW_HANDLE_CHARS - 1] == 'A' ? 'B' : 'A';
    assert_int_equal(gh_oauth_login_get(env->e, gh_test_ctx(env), bad, &v), GH_ENOTFOUND);
    /* a login challenge is no consent challenge */
    {
        gh_oauth_consent_view cv;
        assert_int_equal(gh_oauth_consent_get(env->e, gh_test_ctx(env), lc, &cv), GH_ENOTFOUND);
    }

    /* a bad answer */
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &a, &to, &msg), GH_EINVAL);
    assert_non_null(msg);
    a.subject = "user-1";
    a.remember_for = -5;
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &a, &to, &msg), GH_EINVAL);
    a.remember_for = 0;
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &a, &to, &msg), GH_OK);
    assert_non_null(strstr(to, "login_verifier="));
    /* a second answer conflicts, whichever it is; the view is still there */
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &a, &to, &msg),
                     GH_ECONFLICT);
    assert_int_equal(gh_oauth_login_reject(env->e, gh_test_ctx(env), lc, NULL, NULL, &to),
                     GH_ECONFLICT);
    assert_int_equal(gh_oauth_login_get(env->e, gh_test_ctx(env), lc, &v), GH_ECONFLICT);
    assert_string_equal(v.client.client_id, "app");
    assert_int_equal(gh_ft_audit_count(env, "login.accepted"), 1);
}

static void test_version_compare_and_set(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    const char *lc = start(env, &b, ""), *to = NULL, *msg = NULL;
    gh_oauth_login_answer a = {0};
    gh_flow *f = NULL;
    json_t *d = NULL;
    gh_store_txn *t;
    gh_ctx *ctx = gh_test_ctx(env);

    /* Read the flow, let an answer land, then write with the version read: conflict. */
    assert_int_equal(gh_oauth__flow_load(env->e, ctx, gh_oauth__handle_flow_id(env->arena, lc),
                                         GH_FLOW_AUTHZ, &f, &d),
                     GH_OK);
    assert_int_equal(f->version, 1);
    a.subject = "user-1";
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), lc, &a, &to, &msg), GH_OK);
    t = gh_store_txn_new(env->arena);
    gh_oauth__flow_update(env->e, ctx, t, f, GH_FLOW_REJECTED, NULL, d);
    assert_int_equal(gh_store_commit(env->store, t), GH_ECONFLICT);
    json_decref(d);
}

static void test_login_reject(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    const char *lc = start(env, &b, ""), *to = NULL;
    gh_oauth_login_view v;

    assert_int_equal(gh_oauth_login_reject(env->e, gh_test_ctx(env), lc, "bad\"code", NULL, &to),
                     GH_EINVAL);
    assert_int_equal(gh_oauth_login_reject(env->e, gh_test_ctx(env), lc, NULL, "The user said no",
                                           &to),
                     GH_OK);
    /* query mode: straight back to the client with the error, state and iss */
    assert_true(strncmp(to, GH_FT_REDIRECT "?", strlen(GH_FT_REDIRECT) + 1) == 0);
    assert_string_equal(gh_ft_param(env, to, "error"), "access_denied");
    assert_string_equal(gh_ft_param(env, to, "error_description"), "The user said no");
    assert_string_equal(gh_ft_param(env, to, "state"), "xyz");
    assert_string_equal(gh_ft_param(env, to, "iss"), GH_TEST_ISSUER);
    assert_int_equal(gh_oauth_login_get(env->e, gh_test_ctx(env), lc, &v), GH_ECONFLICT);
    assert_int_equal(gh_ft_audit_count(env, "login.rejected"), 1);
}

static void test_login_reject_form_post(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0}, other = {0};
    const char *lc = start(env, &b, "&response_mode=form_post"), *to = NULL;
    gh_oauth_response r;

    assert_int_equal(gh_oauth_login_reject(env->e, gh_test_ctx(env), lc, "login_required", NULL,
                                           &to),
                     GH_OK);
    /* form_post: back through /oauth2/auth, which posts the error */
    assert_non_null(strstr(to, "/oauth2/auth?login_verifier="));
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), &other, &r), GH_OK);
    assert_int_equal(r.status, 400); /* another browser */
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), &b, &r), GH_OK);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.form_post_action, GH_FT_REDIRECT);
    assert_string_equal(gh_test_str(&r, "error"), "login_required");
    assert_string_equal(gh_test_str(&r, "state"), "xyz");
    assert_string_equal(gh_test_str(&r, "iss"), GH_TEST_ISSUER);
    gh_oauth_response_clear(&r);
    /* once only */
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), &b, &r), GH_OK);
    assert_int_equal(r.status, 400);
    gh_oauth_response_clear(&r);
}

static void test_consent_phase(void **state)
{
    gh_test_env *env = *state;
    static const char *const not_requested[] = {"openid", "profile"};
    static const char *const grant[] = {"dns:read", "openid", "dns:read"};
    gh_ft_browser b = {0};
    const char *cc = to_consent(env, &b, start(env, &b, "")), *to = NULL, *msg = NULL;
    gh_oauth_consent_view v;
    gh_oauth_consent_answer a = {0};
    gh_consent *row = NULL;

    assert_int_equal(gh_oauth_consent_get(env->e, gh_test_ctx(env), cc, &v), GH_OK);
    assert_string_equal(v.subject, "user-1");
    assert_string_equal(v.client.client_name, "Example App");
    assert_string_equal(v.redirect_host, "app.example.com");
    assert_int_equal(v.n_requested_scope, 3);
    assert_true(v.requested_scope[1].sensitive);
    assert_false(v.skip);
    assert_non_null(v.login_session_id);
    assert_int_equal(gh_ft_audit_count(env, "consent.shown"), 1);

    /* SPEC: DESIGN.md - only requested scopes may be granted */
    a.grant_scope = not_requested;
    a.n_grant_scope = 2;
    assert_int_equal(gh_oauth_consent_accept(env->e, gh_test_ctx(env), cc, &a, &to, &msg),
                     GH_EINVAL);
    assert_non_null(msg);
    a.grant_scope = grant;
    a.n_grant_scope = 3;
    a.remember = true;
    assert_int_equal(gh_oauth_consent_accept(env->e, gh_test_ctx(env), cc, &a, &to, &msg), GH_OK);
    assert_non_null(strstr(to, "/oauth2/auth?consent_verifier="));
    assert_int_equal(gh_oauth_consent_accept(env->e, gh_test_ctx(env), cc, &a, &to, &msg),
                     GH_ECONFLICT);
    assert_int_equal(gh_oauth_consent_reject(env->e, gh_test_ctx(env), cc, NULL, NULL, &to),
                     GH_ECONFLICT);
    assert_int_equal(gh_oauth_consent_get(env->e, gh_test_ctx(env), cc, &v), GH_ECONFLICT);
    /* the row: granted in request order, each once; nothing sensitive is remembered */
    assert_int_equal(gh_store_consent_get(env->store, "user-1", "app", env->arena, &row), GH_OK);
    assert_string_equal(row->scope, "openid dns:read");
    assert_string_equal(row->remembered_scope, "openid dns:read");
    assert_int_equal(gh_ft_audit_count(env, "consent.granted"), 1);
}

static void test_consent_reject_and_audit_data(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    const char *cc = to_consent(env, &b, start(env, &b, "")), *to = NULL;
    gh_audit_event *ev = NULL;
    size_t n = 0;
    bool seen = false;

    assert_int_equal(gh_oauth_consent_reject(env->e, gh_test_ctx(env), cc, NULL, NULL, &to),
                     GH_OK);
    assert_string_equal(gh_ft_param(env, to, "error"), "access_denied");
    assert_string_equal(gh_ft_param(env, to, "iss"), GH_TEST_ISSUER);
    assert_int_equal(gh_ft_audit_count(env, "consent.denied"), 1);
    assert_int_equal(gh_store_audit_list(env->store, 0, 500, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(ev[i].type, "consent.shown") == 0) {
            seen = true;
            assert_string_equal(ev[i].subject, "user-1");
            assert_string_equal(ev[i].client_id, "app");
            assert_string_equal(ev[i].scope, "openid dns:write dns:read");
        }
    assert_true(seen);
}

static void test_granted_audit_and_sensitive(void **state)
{
    gh_test_env *env = *state;
    static const char *const grant[] = {"openid", "dns:write"};
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_audit_event *ev = NULL;
    gh_consent *row = NULL;
    size_t n = 0;
    bool seen = false;

    gh_ft_consent(env, &b,
                  gh_arena_printf(env->arena, "x?consent_challenge=%s",
                                  to_consent(env, &b, start(env, &b, ""))),
                  grant, 2, true, &r);
    assert_int_equal(r.status, 302);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_store_consent_get(env->store, "user-1", "app", env->arena, &row), GH_OK);
    assert_string_equal(row->scope, "openid dns:write");
    assert_string_equal(row->remembered_scope, "openid");
    assert_int_equal(gh_store_audit_list(env->store, 0, 500, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(ev[i].type, "consent.granted") == 0) {
            seen = true;
            assert_non_null(strstr(ev[i].data, "\"requested\":[\"openid\",\"dns:write\",\"dns:read\"]"));
            assert_non_null(strstr(ev[i].data, "\"granted\":[\"openid\",\"dns:write\"]"));
            assert_non_null(strstr(ev[i].data, "\"remembered\":[\"openid\"]"));
        }
    assert_true(seen);
}

static void test_expiry(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    const char *cc = to_consent(env, &b, start(env, &b, "")), *to = NULL;
    gh_oauth_consent_view v;

    gh_test_env_advance(env, GH_FLOW_DEFAULT_TTL - 1);
    assert_int_equal(gh_oauth_consent_get(env->e, gh_test_ctx(env), cc, &v), GH_OK);
    gh_test_env_advance(env, 1);
    assert_int_equal(gh_oauth_consent_get(env->e, gh_test_ctx(env), cc, &v), GH_ENOTFOUND);
    assert_int_equal(gh_oauth_consent_reject(env->e, gh_test_ctx(env), cc, NULL, NULL, &to),
                     GH_ENOTFOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_login_phase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_version_compare_and_set, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_reject_form_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_phase, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_reject_and_audit_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_granted_audit_and_sensitive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
