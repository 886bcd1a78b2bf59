/*
 * test_route.c - the route table: exact and {id} matching per listener, methods and Allow,
 * the issuer-dependent metadata paths (RFC 8414 3.1), and whole request targets.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http/http_int.h"
#include "ui/ui.h"

static gh_http_match_result find(gh_http_listener l, const gh_http_issuer_paths *ip,
                                 const char *path)
{
    gh_http_match_result m;
    gh_http__route_find(l, ip, path, strlen(path), &m);
    return m;
}

static void test_public_routes(void **state)
{
    gh_http_match_result m;
    (void)state;

    m = find(GH_HTTP_PUBLIC, NULL, "/.well-known/openid-configuration");
    assert_non_null(m.route);
    assert_ptr_equal(m.route->fn, gh_oauth_discovery_oidc);
    assert_null(m.arg);
    m = find(GH_HTTP_PUBLIC, NULL, "/.well-known/oauth-authorization-server");
    assert_ptr_equal(m.route->fn, gh_oauth_discovery_as);
    m = find(GH_HTTP_PUBLIC, NULL, "/.well-known/jwks.json");
    assert_ptr_equal(m.route->fn, gh_oauth_jwks);
    m = find(GH_HTTP_PUBLIC, NULL, "/oauth2/token");
    assert_ptr_equal(m.route->fn, gh_oauth_token);
    assert_int_equal(m.route->methods, GH_HTTP_M_POST);
    m = find(GH_HTTP_PUBLIC, NULL, "/oauth2/introspect");
    assert_ptr_equal(m.route->fn, gh_oauth_introspect);
    m = find(GH_HTTP_PUBLIC, NULL, "/oauth2/revoke");
    assert_ptr_equal(m.route->fn, gh_oauth_revoke);
    m = find(GH_HTTP_PUBLIC, NULL, "/oauth2/register");
    assert_ptr_equal(m.route->fn, gh_oauth_register);
    m = find(GH_HTTP_PUBLIC, NULL, "/health/alive");
    assert_int_equal(m.route->builtin, GH_HTTP_HEALTH);
    m = find(GH_HTTP_PUBLIC, NULL, "/health/ready");
    assert_int_equal(m.route->builtin, GH_HTTP_HEALTH);
    assert_false(m.route->admin_auth);
}

static void test_flow_routes(void **state)
{
    const unsigned get_post = GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST;
    static const struct {
        const char *path;
        gh_oauth_endpoint fn;
        unsigned methods;
    } want[] = {
        {"/oauth2/auth", gh_ui_authorize, GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST},
        {"/oauth2/sessions/logout", gh_ui_end_session,
         GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST},
        {"/userinfo", gh_oauth_userinfo, GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST},
        {"/ui/login", gh_ui_login, GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST},
        {"/ui/consent", gh_ui_consent, GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST},
        {"/ui/logout", gh_ui_logout, GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST},
        {"/ui/account", gh_ui_account, GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_POST},
        {"/ui/logged-out", gh_ui_logged_out, GH_HTTP_M_GET | GH_HTTP_M_HEAD},
    };
    gh_http_match_result m;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        m = find(GH_HTTP_PUBLIC, NULL, want[i].path);
        assert_non_null(m.route);
        assert_ptr_equal(m.route->fn, want[i].fn);
        assert_int_equal(m.route->methods, want[i].methods);
        assert_false(m.route->admin_auth);
        /* The browser-facing routes are public only. */
        assert_null(find(GH_HTTP_ADMIN, NULL, want[i].path).route);
    }
    assert_int_equal(find(GH_HTTP_PUBLIC, NULL, "/oauth2/auth").route->methods, get_post);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/ui/login/x").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/ui").route);

    /* Hydra's consent sessions: admin listener, admin key. */
    m = find(GH_HTTP_ADMIN, NULL, "/admin/oauth2/auth/sessions/consent");
    assert_ptr_equal(m.route->fn, gh_oauth_admin_consent_sessions);
    assert_int_equal(m.route->methods, GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_DELETE);
    assert_true(m.route->admin_auth);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/admin/oauth2/auth/sessions/consent").route);
}

static void test_with_id(void **state)
{
    gh_http_match_result m;
    (void)state;

    m = find(GH_HTTP_PUBLIC, NULL, "/oauth2/register/abc%20d");
    assert_ptr_equal(m.route->fn, gh_oauth_register_manage);
    assert_int_equal(m.arg_len, 7);
    assert_memory_equal(m.arg, "abc%20d", 7);
    /* An empty or multi-segment {id} is not a match. */
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/oauth2/register/").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/oauth2/register/a/b").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/oauth2/registerx").route);

    m = find(GH_HTTP_ADMIN, NULL, "/admin/clients/demo-agent");
    assert_ptr_equal(m.route->fn, gh_oauth_admin_client);
    assert_true(m.route->admin_auth);
    assert_int_equal(m.arg_len, 10);
    m = find(GH_HTTP_ADMIN, NULL, "/admin/clients");
    assert_ptr_equal(m.route->fn, gh_oauth_admin_clients);
    assert_null(m.arg);
    m = find(GH_HTTP_ADMIN, NULL, "/admin/keys/rotate");
    assert_ptr_equal(m.route->fn, gh_oauth_admin_keys);
    assert_int_equal(m.route->methods, GH_HTTP_M_POST);
    m = find(GH_HTTP_ADMIN, NULL, "/admin/keys");
    assert_ptr_equal(m.route->fn, gh_oauth_admin_keys);
}

static void test_listeners_apart(void **state)
{
    gh_http_match_result m;
    (void)state;

    /* Admin routes are not on the public listener and the other way round. */
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/admin/clients").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/version").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/admin/metrics/prometheus").route);
    assert_null(find(GH_HTTP_ADMIN, NULL, "/oauth2/token").route);
    assert_null(find(GH_HTTP_ADMIN, NULL, "/.well-known/jwks.json").route);

    m = find(GH_HTTP_ADMIN, NULL, "/version");
    assert_int_equal(m.route->builtin, GH_HTTP_VERSION);
    assert_true(m.route->admin_auth);
    m = find(GH_HTTP_ADMIN, NULL, "/admin/metrics/prometheus");
    assert_int_equal(m.route->builtin, GH_HTTP_METRICS);
    assert_true(m.route->admin_auth);
    m = find(GH_HTTP_ADMIN, NULL, "/admin/oauth2/introspect");
    assert_ptr_equal(m.route->fn, gh_oauth_admin_introspect);
    m = find(GH_HTTP_ADMIN, NULL, "/health/alive");
    assert_int_equal(m.route->builtin, GH_HTTP_HEALTH);
    assert_false(m.route->admin_auth);
    assert_int_equal(m.route->listener, GH_HTTP_ADMIN);
}

static void test_no_normalisation(void **state)
{
    (void)state;
    /* One spelling per route: no decoding, no dot segments, no case folding. */
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/oauth2/%74oken").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/oauth2/./token").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "//oauth2/token").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/OAUTH2/token").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/oauth2/token/").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "").route);
    assert_null(find(GH_HTTP_PUBLIC, NULL, "/").route);
}

static void test_methods(void **state)
{
    char allow[96];
    (void)state;

    assert_int_equal(gh_http__method_bit("GET"), GH_HTTP_M_GET);
    assert_int_equal(gh_http__method_bit("HEAD"), GH_HTTP_M_HEAD);
    assert_int_equal(gh_http__method_bit("POST"), GH_HTTP_M_POST);
    assert_int_equal(gh_http__method_bit("DELETE"), GH_HTTP_M_DELETE);
    assert_int_equal(gh_http__method_bit("get"), 0); /* RFC 9110 9.1: case-sensitive */
    assert_int_equal(gh_http__method_bit("TRACE"), 0);
    assert_int_equal(gh_http__method_bit(NULL), 0);

    gh_http__allow_header(GH_HTTP_M_GET | GH_HTTP_M_HEAD | GH_HTTP_M_PUT | GH_HTTP_M_DELETE, allow,
                          sizeof(allow));
    assert_string_equal(allow, "GET, HEAD, PUT, DELETE");
    gh_http__allow_header(GH_HTTP_M_POST, allow, sizeof(allow));
    assert_string_equal(allow, "POST");
    gh_http__allow_header(0, allow, sizeof(allow));
    assert_string_equal(allow, "");
    gh_http__allow_header(GH_HTTP_M_GET | GH_HTTP_M_POST, allow, 6);
    assert_string_equal(allow, "GET"); /* cut at a whole method */
}

static void test_issuer_paths(void **state)
{
    gh_http_issuer_paths ip;
    gh_http_match_result m;
    (void)state;

    assert_int_equal(gh_http__issuer_paths("http://127.0.0.1:4444", &ip), GH_OK);
    assert_null(ip.as);
    assert_null(ip.oidc);
    assert_int_equal(gh_http__issuer_paths("https://id.example.com/", &ip), GH_OK);
    assert_null(ip.as);

    /* SPEC: RFC8414 3.1 the well-known segment goes between the host and the issuer path. */
    assert_int_equal(gh_http__issuer_paths("https://example.com/tenant/one", &ip), GH_OK);
    assert_string_equal(ip.as, "/.well-known/oauth-authorization-server/tenant/one");
    assert_string_equal(ip.oidc, "/tenant/one/.well-known/openid-configuration");
    m = find(GH_HTTP_PUBLIC, &ip, "/.well-known/oauth-authorization-server/tenant/one");
    assert_ptr_equal(m.route->fn, gh_oauth_discovery_as);
    m = find(GH_HTTP_PUBLIC, &ip, "/tenant/one/.well-known/openid-configuration");
    assert_ptr_equal(m.route->fn, gh_oauth_discovery_oidc);
    /* The plain paths keep working. */
    m = find(GH_HTTP_PUBLIC, &ip, "/.well-known/oauth-authorization-server");
    assert_ptr_equal(m.route->fn, gh_oauth_discovery_as);
    assert_null(find(GH_HTTP_PUBLIC, &ip, "/.well-known/oauth-authorization-server/tenant").route);
    assert_null(find(GH_HTTP_ADMIN, &ip, "/tenant/one/.well-known/openid-configuration").route);
    gh_http__issuer_paths_clear(&ip);
    assert_null(ip.as);

    assert_int_equal(gh_http__issuer_paths("ftp://example.com", &ip), GH_EINVAL);
    assert_int_equal(gh_http__issuer_paths("https:///path", &ip), GH_EINVAL);
    assert_int_equal(gh_http__issuer_paths("https://example.com/a?b", &ip), GH_EINVAL);
    assert_int_equal(gh_http__issuer_paths(NULL, &ip), GH_EINVAL);
}

static void test_request_target(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_http_target t;
    gh_http_match_result m;
    gh_form q;
    char *arg;
    const char *raw;
    (void)state;

    raw = "/admin/clients/a%2Fb?page_size=10&page_token=x%2By+z";
    assert_int_equal(
        gh_http__parse_request_target(a, GH_HTTP_ADMIN, NULL, raw, strlen(raw), &t, &m, &arg, &q),
        GH_OK);
    assert_ptr_equal(m.route->fn, gh_oauth_admin_client);
    assert_string_equal(arg, "a/b");
    assert_string_equal(t.path, "/admin/clients/a%2Fb");
    assert_int_equal(q.n, 2);
    assert_string_equal(q.pairs[0].name, "page_size");
    assert_string_equal(q.pairs[0].value, "10");
    assert_string_equal(q.pairs[1].value, "x+y z");

    /* SPEC: RFC6749 3.1 repeated parameters must stay visible to the engine. */
    raw = "/oauth2/token?scope=a&scope=b";
    assert_int_equal(
        gh_http__parse_request_target(a, GH_HTTP_PUBLIC, NULL, raw, strlen(raw), &t, &m, &arg, &q),
        GH_OK);
    assert_int_equal(q.n, 2);
    assert_int_equal(gh_form_count(&q, "scope"), 2);
    assert_null(arg);

    /* Unknown path: GH_OK without a route (the server answers 404). */
    raw = "/nope?x=1";
    assert_int_equal(
        gh_http__parse_request_target(a, GH_HTTP_PUBLIC, NULL, raw, strlen(raw), &t, &m, &arg, &q),
        GH_OK);
    assert_null(m.route);
    assert_string_equal(t.path, "/nope");

    raw = "/oauth2/token?x=%zz";
    assert_int_equal(
        gh_http__parse_request_target(a, GH_HTTP_PUBLIC, NULL, raw, strlen(raw), &t, &m, &arg, &q),
        GH_EINVAL);
    assert_non_null(m.route); /* the route was found before the query failed */
    raw = "/oauth2/register/%00";
    assert_int_equal(
        gh_http__parse_request_target(a, GH_HTTP_PUBLIC, NULL, raw, strlen(raw), &t, &m, &arg, &q),
        GH_EINVAL);
    assert_null(arg);
    raw = "no-slash";
    assert_int_equal(
        gh_http__parse_request_target(a, GH_HTTP_PUBLIC, NULL, raw, strlen(raw), &t, &m, &arg, &q),
        GH_EINVAL);
    assert_null(t.path);
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_routes),   cmocka_unit_test(test_flow_routes),
        cmocka_unit_test(test_with_id),
        cmocka_unit_test(test_listeners_apart), cmocka_unit_test(test_no_normalisation),
        cmocka_unit_test(test_methods),         cmocka_unit_test(test_issuer_paths),
        cmocka_unit_test(test_request_target),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
