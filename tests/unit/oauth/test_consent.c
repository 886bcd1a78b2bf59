/*
 * test_consent.c - remembered consent coverage (revoked, catalog version, remember_until,
 * sensitive scopes, audience), the account page's grants list and revoke (tokens revoked
 * too), and the admin consent sessions API in Hydra's shape.
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

    gh_ft_client(env, "app", "openid dns:read dns:write logs:read");
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

static void test_covers(void **state)
{
    gh_test_env *env = *state;
    gh_ctx *ctx = gh_test_ctx(env);
    const char *s1[] = {"openid", "dns:read"}, *s2[] = {"dns:write"}, *s3[] = {"logs:read"};
    const char *a1[] = {GH_TEST_RS_DNS};
    gh_strv want = {s1, 2}, sens = {s2, 1}, other = {s3, 1}, none = {NULL, 0}, aud = {a1, 1};
    gh_consent c;

    memset(&c, 0, sizeof(c));
    c.subject = "u";
    c.client_id = "app";
    c.scope = "openid dns:read dns:write";
    c.remembered_scope = "openid dns:read dns:write"; /* even if stored, sensitive is asked */
    c.audience = "";
    c.catalog_version = gh_engine_catalog_version(env->e);
    assert_false(gh_oauth__consent_covers(env->e, ctx, NULL, &want, &none));
    assert_true(gh_oauth__consent_covers(env->e, ctx, &c, &want, &none));
    assert_false(gh_oauth__consent_covers(env->e, ctx, &c, &sens, &none));
    assert_false(gh_oauth__consent_covers(env->e, ctx, &c, &other, &none));
    assert_false(gh_oauth__consent_covers(env->e, ctx, &c, &want, &aud));
    c.audience = GH_TEST_RS_DNS;
    assert_true(gh_oauth__consent_covers(env->e, ctx, &c, &want, &aud));
    /* a prefix of a remembered scope is no remembered scope */
    c.remembered_scope = "openid dns:readx";
    assert_false(gh_oauth__consent_covers(env->e, ctx, &c, &want, &none));
    c.remembered_scope = "openid dns:read";
    /* SPEC: DESIGN.md Scope catalog - a changed catalog asks again */
    c.catalog_version = gh_engine_catalog_version(env->e) + 1;
    assert_false(gh_oauth__consent_covers(env->e, ctx, &c, &want, &none));
    c.catalog_version = gh_engine_catalog_version(env->e);
    c.remember_until = GH_TEST_T0;
    assert_false(gh_oauth__consent_covers(env->e, ctx, &c, &want, &none));
    c.remember_until = GH_TEST_T0 + 1;
    assert_true(gh_oauth__consent_covers(env->e, ctx, &c, &want, &none));
    c.revoked_at = GH_TEST_T0;
    assert_false(gh_oauth__consent_covers(env->e, ctx, &c, &want, &none));
}

/* Consents openid dns:read for user-1 through the flow (remembered); returns the browser. */
static void consent(gh_test_env *env, gh_ft_browser *b, int64_t remember_for)
{
    static const char *const grant[] = {"openid", "dns:read"};
    gh_oauth_response r;
    const char *url, *to = NULL, *msg = NULL;
    gh_oauth_consent_answer a = {0};

    assert_int_equal(gh_ft_get(env, gh_oauth_authorize,
                               gh_ft_authz_query(env, "openid dns:read",
                                                 "&resource=https%3A%2F%2Fapi.example.com%2Fdns"),
                               b, &r),
                     GH_OK);
    url = gh_arena_strdup(env->arena, r.location);
    gh_oauth_response_clear(&r);
    if (strstr(url, "login_challenge") != NULL) {
        gh_ft_login(env, b, url, "user-1", false, &r);
        url = gh_arena_strdup(env->arena, r.location);
        gh_oauth_response_clear(&r);
    }
    a.grant_scope = grant;
    a.n_grant_scope = 2;
    a.remember = true;
    a.remember_for = remember_for;
    assert_int_equal(gh_oauth_consent_accept(env->e, gh_test_ctx(env),
                                             gh_ft_param(env, url, "consent_challenge"), &a, &to,
                                             &msg),
                     GH_OK);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), b, &r), GH_OK);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);
}

static void test_remember_for(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *q = gh_ft_authz_query(env, "openid dns:read",
                                      "&resource=https%3A%2F%2Fapi.example.com%2Fdns");

    consent(env, &b, 100);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, q, &b, &r), GH_OK);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);
    /* the resource was part of the consent: without it the request is covered too */
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_authz_query(env, "dns:read", ""), &b,
                               &r),
                     GH_OK);
    assert_non_null(gh_ft_param(env, r.location, "code"));
    gh_oauth_response_clear(&r);
    gh_test_env_advance(env, 100);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, q, &b, &r), GH_OK);
    assert_non_null(strstr(r.location, "consent_challenge="));
    gh_oauth_response_clear(&r);
}

static void test_grants_list_and_revoke(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    gh_oauth_app_grant *g = NULL;
    size_t n = 0;

    consent(env, &b, 0);
    assert_int_equal(gh_oauth_grants_list(env->e, gh_test_ctx(env), "user-1", &g, &n), GH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(g[0].client.client_id, "app");
    assert_string_equal(g[0].client.client_name, "Example App");
    assert_string_equal(g[0].scope, "openid dns:read");
    assert_int_equal(g[0].granted_at, GH_TEST_T0);
    assert_true(g[0].remembered);
    assert_int_equal(gh_oauth_grants_list(env->e, gh_test_ctx(env), "user-2", &g, &n), GH_OK);
    assert_int_equal(n, 0);

    assert_int_equal(gh_oauth_grant_revoke(env->e, gh_test_ctx(env), "user-1", "app",
                                           "user:user-1"),
                     GH_OK);
    assert_int_equal(gh_oauth_grant_revoke(env->e, gh_test_ctx(env), "user-1", "app", NULL),
                     GH_ENOTFOUND);
    assert_int_equal(gh_oauth_grants_list(env->e, gh_test_ctx(env), "user-1", &g, &n), GH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(gh_ft_audit_count(env, "consent.revoked"), 1);
    /* the consent page is shown again */
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_authz_query(env, "openid", ""), &b,
                               &r),
                     GH_OK);
    assert_non_null(strstr(r.location, "consent_challenge="));
    gh_oauth_response_clear(&r);
}

static int admin(gh_test_env *env, const char *method, const char *query, gh_oauth_response *r)
{
    static gh_form q;
    gh_oauth_request req;

    memset(&req, 0, sizeof(req));
    req.method = method;
    assert_int_equal(gh_form_parse(env->arena, query, strlen(query), &q), GH_OK);
    req.query = &q;
    gh_oauth_response_init(r);
    assert_int_equal(gh_oauth_admin_consent_sessions(env->e, gh_test_ctx(env), &req, r), GH_OK);
    return r->status;
}

static void test_admin_consent_sessions(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    json_t *item, *req;

    consent(env, &b, 3600);
    assert_int_equal(admin(env, "GET", "subject=user-1", &r), 200);
    assert_true(json_is_array(r.body));
    assert_int_equal(json_array_size(r.body), 1);
    item = json_array_get(r.body, 0);
    assert_int_equal(json_array_size(json_object_get(item, "grant_scope")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(item, "grant_scope"), 1)),
                        "dns:read");
    assert_string_equal(json_string_value(json_array_get(
                            json_object_get(item, "grant_access_token_audience"), 0)),
                        GH_TEST_RS_DNS);
    assert_true(json_is_true(json_object_get(item, "remember")));
    assert_int_equal(json_integer_value(json_object_get(item, "remember_for")), 3600);
    assert_string_equal(json_string_value(json_object_get(item, "handled_at")),
                        "2026-01-01T00:00:00Z");
    req = json_object_get(item, "consent_request");
    assert_string_equal(json_string_value(json_object_get(req, "subject")), "user-1");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(req, "client"), "client_id")), "app");
    assert_int_equal(json_array_size(json_object_get(req, "requested_scope")), 2);
    gh_oauth_response_clear(&r);

    assert_int_equal(admin(env, "GET", "", &r), 400);
    assert_string_equal(gh_test_str(&r, "error"), "invalid_request");
    gh_oauth_response_clear(&r);
    assert_int_equal(admin(env, "GET", "subject=a&subject=b", &r), 400);
    gh_oauth_response_clear(&r);
    assert_int_equal(admin(env, "DELETE", "subject=user-1", &r), 400);
    gh_oauth_response_clear(&r);
    assert_int_equal(admin(env, "POST", "subject=user-1", &r), 405);
    gh_oauth_response_clear(&r);
    assert_int_equal(admin(env, "DELETE", "subject=user-1&client=app", &r), 204);
    gh_oauth_response_clear(&r);
    assert_int_equal(admin(env, "GET", "subject=user-1", &r), 200);
    assert_int_equal(json_array_size(r.body), 0);
    gh_oauth_response_clear(&r);
    /* nothing left to revoke: still 204 (Hydra), and no audit event for nothing */
    assert_int_equal(admin(env, "DELETE", "subject=user-1&all=true", &r), 204);
    gh_oauth_response_clear(&r);
    assert_int_equal(gh_ft_audit_count(env, "consent.revoked"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_covers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remember_for, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grants_list_and_revoke, setup, teardown),
        cmocka_unit_test_setup_teardown(test_admin_consent_sessions, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
