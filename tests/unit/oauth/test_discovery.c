/*
 * test_discovery.c - RFC 8414 and OpenID Connect Discovery 1.0 metadata: the endpoints of
 * the code flow, response types and modes, PKCE S256 only, RFC 9207 iss, the grant table, ID
 * token algorithms, and nothing OAuth 2.1 removed or gatehouse does not implement.
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
#include "support/gh_test.h"

static json_t *fetch(gh_test_env *env, gh_oauth_endpoint ep)
{
    gh_oauth_response resp;
    json_t *j = NULL;

    assert_int_equal(gh_test_call(env, ep, "GET", NULL, NULL, &resp), GH_OK);
    assert_true(resp.status == 0 || resp.status == 200);
    assert_string_equal(resp.content_type, "application/json");
    assert_int_equal(gh_json_parse_object(resp.text, resp.text_len, 1 << 20, &j, NULL, 0), GH_OK);
    return j;
}

static const char *str(json_t *j, const char *k)
{
    return json_string_value(json_object_get(j, k));
}

static bool has(json_t *j, const char *k, const char *v)
{
    size_t i;
    json_t *x;

    json_array_foreach(json_object_get(j, k), i, x)
    {
        if (strcmp(json_string_value(x), v) == 0)
            return true;
    }
    return false;
}

static void check_common(json_t *m)
{
    /* SPEC: RFC8414 2 - issuer REQUIRED, identical to the issuer identifier */
    assert_string_equal(str(m, "issuer"), GH_TEST_ISSUER);
    assert_string_equal(str(m, "token_endpoint"), GH_TEST_ISSUER "/oauth2/token");
    assert_string_equal(str(m, "jwks_uri"), GH_TEST_ISSUER "/.well-known/jwks.json");
    assert_string_equal(str(m, "introspection_endpoint"), GH_TEST_ISSUER "/oauth2/introspect");
    assert_string_equal(str(m, "revocation_endpoint"), GH_TEST_ISSUER "/oauth2/revoke");
    assert_string_equal(str(m, "registration_endpoint"), GH_TEST_ISSUER "/oauth2/register");
    assert_int_equal(json_array_size(json_object_get(m, "scopes_supported")), 8);
    assert_true(has(m, "scopes_supported", "dns:write"));
    /* Exactly the grants with a handler; never what OAuth 2.1 removed. */
    assert_int_equal(json_array_size(json_object_get(m, "grant_types_supported")),
                     gh_oauth__n_grants);
    assert_true(has(m, "grant_types_supported", "client_credentials"));
    assert_true(has(m, "grant_types_supported", "authorization_code"));
    assert_true(has(m, "grant_types_supported", "refresh_token"));
    assert_false(has(m, "grant_types_supported", "password"));
    assert_false(has(m, "grant_types_supported", "implicit"));
    assert_false(has(m, "response_types_supported", "token"));
    assert_false(has(m, "code_challenge_methods_supported", "plain"));
    assert_false(has(m, "response_modes_supported", "fragment"));
    assert_string_equal(str(m, "authorization_endpoint"), GH_TEST_ISSUER "/oauth2/auth");
    assert_string_equal(str(m, "userinfo_endpoint"), GH_TEST_ISSUER "/userinfo");
    assert_string_equal(str(m, "end_session_endpoint"), GH_TEST_ISSUER "/oauth2/sessions/logout");
    /* SPEC: RFC8414 2 - response_types_supported is REQUIRED; code only */
    assert_int_equal(json_array_size(json_object_get(m, "response_types_supported")), 1);
    assert_true(has(m, "response_types_supported", "code"));
    assert_int_equal(json_array_size(json_object_get(m, "response_modes_supported")), 2);
    assert_true(has(m, "response_modes_supported", "query"));
    assert_true(has(m, "response_modes_supported", "form_post"));
    /* SPEC: RFC7636 / OAuth 2.1 - S256 only */
    assert_int_equal(json_array_size(json_object_get(m, "code_challenge_methods_supported")), 1);
    assert_true(has(m, "code_challenge_methods_supported", "S256"));
    /* SPEC: RFC9207 3 */
    assert_true(json_is_true(json_object_get(m, "authorization_response_iss_parameter_supported")));
    assert_int_equal(json_array_size(json_object_get(m, "prompt_values_supported")), 3);
    assert_true(has(m, "prompt_values_supported", "none"));
    assert_true(has(m, "prompt_values_supported", "login"));
    assert_true(has(m, "prompt_values_supported", "consent"));
    assert_null(json_object_get(m, "backchannel_logout_supported"));
    assert_null(json_object_get(m, "frontchannel_logout_supported"));
    assert_true(has(m, "token_endpoint_auth_methods_supported", "client_secret_basic"));
    assert_true(has(m, "token_endpoint_auth_methods_supported", "client_secret_post"));
    assert_true(has(m, "token_endpoint_auth_methods_supported", "private_key_jwt"));
    /* Public clients authenticate with their client_id at the token endpoint (code and
     * refresh grants) and at revocation, never at introspection. */
    assert_true(has(m, "token_endpoint_auth_methods_supported", "none"));
    assert_true(has(m, "revocation_endpoint_auth_methods_supported", "none"));
    assert_false(has(m, "introspection_endpoint_auth_methods_supported", "none"));
    assert_true(has(m, "introspection_endpoint_auth_methods_supported", "client_secret_basic"));
    assert_true(has(m, "revocation_endpoint_auth_methods_supported", "client_secret_basic"));
    assert_true(has(m, "token_endpoint_auth_signing_alg_values_supported", "ES256"));
    assert_false(has(m, "token_endpoint_auth_signing_alg_values_supported", "none"));
    assert_false(has(m, "token_endpoint_auth_signing_alg_values_supported", "HS256"));
}

static void test_as_metadata(void **state)
{
    gh_test_env *env = gh_test_env_new();
    json_t *m = fetch(env, gh_oauth_discovery_as);
    (void)state;

    check_common(m);
    json_decref(m);
    gh_test_env_free(env);
}

static void test_oidc_metadata(void **state)
{
    gh_test_env *env = gh_test_env_new();
    json_t *m = fetch(env, gh_oauth_discovery_oidc);
    (void)state;

    check_common(m);
    assert_true(has(m, "claims_supported", "sub"));
    assert_true(has(m, "claims_supported", "email_verified"));
    assert_true(has(m, "claims_supported", "at_hash"));
    assert_true(json_is_false(json_object_get(m, "claims_parameter_supported")));
    assert_true(json_is_false(json_object_get(m, "request_parameter_supported")));
    /* SPEC: OIDC Discovery 1.0 3 - subject types; RS256 MUST be among the ID token algs */
    assert_true(has(m, "subject_types_supported", "public"));
    assert_true(has(m, "id_token_signing_alg_values_supported", "RS256"));
    assert_true(has(m, "id_token_signing_alg_values_supported", "ES256"));
    json_decref(m);
    gh_test_env_free(env);
}

static void test_registration_disabled_and_path_issuer(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;
    json_t *m;
    (void)state;

    cfg->registration_enabled = false;
    cfg->issuer = "https://auth.example.com/tenant1";
    env = gh_test_env_new_with(cfg, NULL);
    m = fetch(env, gh_oauth_discovery_as);
    assert_null(json_object_get(m, "registration_endpoint"));
    assert_string_equal(str(m, "issuer"), "https://auth.example.com/tenant1");
    assert_string_equal(str(m, "token_endpoint"), "https://auth.example.com/tenant1/oauth2/token");
    json_decref(m);
    gh_test_env_free(env);
}

static void test_method(void **state)
{
    gh_test_env *env = gh_test_env_new();
    gh_oauth_response resp;
    (void)state;

    assert_int_equal(gh_test_call(env, gh_oauth_discovery_oidc, "POST", "a=b", NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 405);
    gh_oauth_response_clear(&resp);
    gh_test_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_metadata),
        cmocka_unit_test(test_oidc_metadata),
        cmocka_unit_test(test_registration_disabled_and_path_issuer),
        cmocka_unit_test(test_method),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
