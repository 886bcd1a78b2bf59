/*
 * test_client.c - the client model (client*.c): redirect URI rules and matching, metadata
 * validation and normalisation, secret and client_id policy, the stored document, the
 * client cache and lookups through the engine.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
#include "jose/jose.h"
#include "json/json.h"
#include "oauth/client_int.h"
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

/* ---- redirect URIs ---- */

static void test_redirect_valid(void **state)
{
    (void)state;
    /* SPEC: DESIGN.md https for everyone */
    assert_true(gh_oauth__redirect_uri_valid("https://app.example.com/cb", false, NULL));
    assert_true(gh_oauth__redirect_uri_valid("https://app.example.com:8443/cb?x=1", true, NULL));
    /* SPEC: RFC8252 7.3 http on loopback */
    assert_true(gh_oauth__redirect_uri_valid("http://127.0.0.1/cb", true, NULL));
    assert_true(gh_oauth__redirect_uri_valid("http://127.0.0.1:51004/cb", true, NULL));
    assert_true(gh_oauth__redirect_uri_valid("http://[::1]:8080/cb", true, NULL));
    assert_true(gh_oauth__redirect_uri_valid("http://localhost:3000/callback", true, NULL));
    assert_true(gh_oauth__redirect_uri_valid("http://LOCALHOST/cb", true, NULL));
    /* Loopback http is allowed for confidential clients too (client_uri.c). */
    assert_true(gh_oauth__redirect_uri_valid("http://127.0.0.1:9000/cb", false, NULL));
    /* SPEC: RFC8252 7.1 private-use scheme for public clients */
    assert_true(gh_oauth__redirect_uri_valid("com.example.app:/oauth2redirect", true, NULL));
    assert_true(gh_oauth__redirect_uri_valid("com.example.app://cb", true, NULL));
}

static void expect_bad(const char *uri, bool pub, const char *needle)
{
    const char *why = NULL;

    assert_false(gh_oauth__redirect_uri_valid(uri, pub, &why));
    assert_non_null(why);
    if (strstr(why, needle) == NULL) {
        print_error("%s: \"%s\" lacks \"%s\"\n", uri, why, needle);
        fail();
    }
}

static void test_redirect_invalid(void **state)
{
    (void)state;
    expect_bad("", true, "empty");
    expect_bad("/relative/cb", true, "absolute");
    expect_bad("app.example.com/cb", true, "absolute");
    /* SPEC: RFC6749 3.1.2 no fragment */
    expect_bad("https://app.example.com/cb#frag", true, "fragment");
    expect_bad("https://app.example.com/cb#", true, "fragment");
    expect_bad("https://*.example.com/cb", true, "wildcard");
    expect_bad("https://app.example.com/*", false, "wildcard");
    expect_bad("http://app.example.com/cb", true, "loopback");
    expect_bad("http://app.example.com/cb", false, "loopback");
    expect_bad("http://127.0.0.2/cb", true, "loopback");
    expect_bad("http://127.0.0.1.evil.com/cb", true, "loopback");
    expect_bad("http://localhost.evil.com/cb", true, "loopback");
    expect_bad("com.example.app:/cb", false, "public client");
    expect_bad("myapp:/cb", true, "private-use");
    expect_bad("javascript:alert(1)", true, "private-use");
    expect_bad("data:text/html,x", true, "private-use");
    expect_bad("file:///etc/passwd", true, "host");
    expect_bad("file://host/etc/passwd", true, "private-use");
    expect_bad("https://user:pw@app.example.com/cb", true, "user information");
    expect_bad("https://app.example.com@evil.com/cb", true, "user information");
    expect_bad("https:///cb", true, "host");
    expect_bad("https://app.example.com:0/cb", true, "port");
    expect_bad("https://app.example.com:65536/cb", true, "port");
    expect_bad("https://app.example.com:/cb", true, "port");
    expect_bad("https://app.example.com:80a/cb", true, "port");
    expect_bad("https://[::1/cb", true, "host");
    expect_bad("https://app.example.com/c b", true, "character");
    expect_bad("https://app.example.com/\x01", true, "character");
    expect_bad("https://app.example.com/<script>", true, "character");
    expect_bad("https:app.example.com", true, "host");
    expect_bad("com.example.app:", true, "path");
}

static void test_redirect_too_long(void **state)
{
    char *uri = malloc(GH_LIMIT_URI + 2);

    (void)state;
    memcpy(uri, "https://a.example/", 18);
    memset(uri + 18, 'x', GH_LIMIT_URI + 1 - 18);
    uri[GH_LIMIT_URI + 1] = '\0';
    expect_bad(uri, true, "too long");
    uri[GH_LIMIT_URI] = '\0';
    assert_true(gh_oauth__redirect_uri_valid(uri, true, NULL));
    free(uri);
}

static void test_redirect_match(void **state)
{
    const char *reg[] = {"https://app.example.com/cb", "http://127.0.0.1:8000/cb",
                         "http://[::1]/native", "com.example.app:/cb"};
    gh_strv r = {reg, 4};

    (void)state;
    /* SPEC: OAuth 2.1 exact matching */
    assert_true(gh_oauth__redirect_uri_match(&r, "https://app.example.com/cb"));
    assert_false(gh_oauth__redirect_uri_match(&r, "https://app.example.com/cb/"));
    assert_false(gh_oauth__redirect_uri_match(&r, "https://app.example.com/cb?x=1"));
    assert_false(gh_oauth__redirect_uri_match(&r, "https://APP.example.com/cb"));
    assert_false(gh_oauth__redirect_uri_match(&r, "https://app.example.com:443/cb"));
    assert_true(gh_oauth__redirect_uri_match(&r, "com.example.app:/cb"));
    assert_false(gh_oauth__redirect_uri_match(&r, "com.example.app:/cb2"));
    /* SPEC: RFC8252 7.3 any port on loopback */
    assert_true(gh_oauth__redirect_uri_match(&r, "http://127.0.0.1:8000/cb"));
    assert_true(gh_oauth__redirect_uri_match(&r, "http://127.0.0.1:51234/cb"));
    assert_true(gh_oauth__redirect_uri_match(&r, "http://127.0.0.1/cb"));
    assert_true(gh_oauth__redirect_uri_match(&r, "http://[::1]:4000/native"));
    assert_false(gh_oauth__redirect_uri_match(&r, "http://127.0.0.1:51234/other"));
    assert_false(gh_oauth__redirect_uri_match(&r, "http://localhost:8000/cb"));
    assert_false(gh_oauth__redirect_uri_match(&r, "https://127.0.0.1:8000/cb"));
    assert_false(gh_oauth__redirect_uri_match(&r, NULL));
}

/* ---- metadata validation ---- */

/* Validates json text; returns the doc (new reference) or NULL with *err set. */
static json_t *validate(gh_test_env *env, const char *text, gh_oauth_client_src src,
                        gh_oauth_meta_err *err)
{
    json_t *in = json_loads(text, JSON_REJECT_DUPLICATES, NULL), *doc = NULL;

    assert_non_null(in);
    assert_int_equal(gh_oauth__client_validate(env->cfg, env->arena, in, src, &doc, err), GH_OK);
    json_decref(in);
    if (doc == NULL)
        assert_non_null(err->code);
    else
        assert_null(err->code);
    return doc;
}

static void expect_meta(gh_test_env *env, const char *text, const char *code, const char *needle)
{
    gh_oauth_meta_err err;
    json_t *doc = validate(env, text, GH_OAUTH_SRC_ADMIN, &err);

    if (doc != NULL) {
        print_error("accepted: %s\n", text);
        json_decref(doc);
        fail();
    }
    assert_string_equal(err.code, code);
    if (strstr(err.desc, needle) == NULL) {
        print_error("%s: \"%s\" lacks \"%s\"\n", text, err.desc, needle);
        fail();
    }
}

static const char *sget(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

static void test_defaults(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_meta_err err;
    json_t *doc =
        validate(env, "{\"redirect_uris\":[\"https://a.example/cb\"]}", GH_OAUTH_SRC_DCR, &err);

    assert_non_null(doc);
    /* SPEC: RFC7591 2 defaults */
    assert_string_equal(sget(doc, "token_endpoint_auth_method"), "client_secret_basic");
    assert_int_equal(json_array_size(json_object_get(doc, "grant_types")), 1);
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "grant_types"), 0)),
                        "authorization_code");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(doc, "response_types"), 0)), "code");
    assert_string_equal(sget(doc, "scope"), "openid offline_access");
    assert_string_equal(sget(doc, "access_token_strategy"), "jwt");
    assert_string_equal(sget(doc, "client_name"), "");
    assert_string_equal(sget(doc, "owner"), "");
    assert_true(json_is_array(json_object_get(doc, "audience")));
    assert_true(json_is_array(json_object_get(doc, "contacts")));
    assert_true(json_is_object(json_object_get(doc, "metadata")));
    assert_true(json_is_false(json_object_get(doc, "skip_consent")));
    assert_null(json_object_get(doc, "client_id"));
    assert_null(json_object_get(doc, "jwks"));
    assert_null(json_object_get(doc, "client_uri"));
    json_decref(doc);
}

static void test_normalise(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_meta_err err;
    json_t *doc = validate(
        env,
        "{\"client_name\":\"Zone bot\",\"grant_types\":[\"client_credentials\","
        "\"client_credentials\"],\"scope\":\"dns:read logs:read dns:read\","
        "\"unknown_field\":42,\"software_statement\":\"x\",\"client_secret\":\"ignored\","
        "\"access_token_strategy\":\"opaque\",\"audience\":[\"https://api.example.com/dns\"],"
        "\"client_uri\":\"https://bot.example\",\"contacts\":[\"ops@example.com\"],"
        "\"metadata\":{\"team\":\"dns\"},\"skip_consent\":true,\"owner\":\"ops\"}",
        GH_OAUTH_SRC_ADMIN, &err);

    assert_non_null(doc);
    /* SPEC: RFC7591 2 unknown metadata is ignored */
    assert_null(json_object_get(doc, "unknown_field"));
    assert_null(json_object_get(doc, "software_statement"));
    assert_null(json_object_get(doc, "client_secret"));
    assert_int_equal(json_array_size(json_object_get(doc, "grant_types")), 1);
    /* Only client_credentials: no response types. */
    assert_int_equal(json_array_size(json_object_get(doc, "response_types")), 0);
    assert_string_equal(sget(doc, "scope"), "dns:read logs:read");
    assert_string_equal(sget(doc, "access_token_strategy"), "opaque");
    assert_string_equal(sget(doc, "client_uri"), "https://bot.example");
    assert_string_equal(sget(doc, "owner"), "ops");
    assert_string_equal(sget(json_object_get(doc, "metadata"), "team"), "dns");
    assert_true(json_is_true(json_object_get(doc, "skip_consent")));
    json_decref(doc);

    /* A self-registered client never skips consent. */
    doc = validate(env, "{\"redirect_uris\":[\"https://a.example/cb\"],\"skip_consent\":true}",
                   GH_OAUTH_SRC_DCR, &err);
    assert_non_null(doc);
    assert_true(json_is_false(json_object_get(doc, "skip_consent")));
    json_decref(doc);

    /* response_types given alone: grant_types follows. */
    doc = validate(env,
                   "{\"redirect_uris\":[\"https://a.example/cb\"],\"response_types\":[\"code\"]}",
                   GH_OAUTH_SRC_DCR, &err);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "grant_types"), 0)),
                        "authorization_code");
    json_decref(doc);
}

static void test_public_client(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_meta_err err;
    /* SPEC: DESIGN.md public clients without application_type */
    json_t *doc = validate(env,
                           "{\"token_endpoint_auth_method\":\"none\",\"redirect_uris\":"
                           "[\"http://127.0.0.1:3000/cb\",\"com.example.app:/cb\"],"
                           "\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                           "\"scope\":\"openid offline_access dns:read\"}",
                           GH_OAUTH_SRC_DCR, &err);

    assert_non_null(doc);
    assert_string_equal(sget(doc, "token_endpoint_auth_method"), "none");
    json_decref(doc);
}

static void test_rules(void **state)
{
    gh_test_env *env = *state;
    const char *cc = "\"grant_types\":[\"client_credentials\"]";

    expect_meta(env, "[]", GH_E_INVALID_CLIENT_METADATA, "JSON object");
    /* Redirect URIs. */
    expect_meta(env, "{\"redirect_uris\":[\"https://a.example/cb#x\"]}", GH_E_INVALID_REDIRECT_URI,
                "redirect_uris[0] must not contain a fragment");
    expect_meta(env, "{\"redirect_uris\":[\"https://a.example/cb\",\"http://a.example/cb\"]}",
                GH_E_INVALID_REDIRECT_URI, "redirect_uris[1]");
    expect_meta(env, "{\"redirect_uris\":[\"com.example.app:/cb\"]}", GH_E_INVALID_REDIRECT_URI,
                "public client");
    expect_meta(env, "{\"redirect_uris\":\"https://a.example/cb\"}", GH_E_INVALID_CLIENT_METADATA,
                "array of strings");
    expect_meta(env, "{\"redirect_uris\":[1]}", GH_E_INVALID_CLIENT_METADATA, "array of strings");
    expect_meta(env, "{}", GH_E_INVALID_REDIRECT_URI, "at least one redirect_uris");
    expect_meta(env,
                "{\"post_logout_redirect_uris\":[\"ftp://x/\"],"
                "\"grant_types\":[\"client_credentials\"]}",
                GH_E_INVALID_CLIENT_METADATA, "post_logout_redirect_uris[0]");
    /* Grant and response types. */
    expect_meta(env, "{\"grant_types\":[\"implicit\"]}", GH_E_INVALID_CLIENT_METADATA, "OAuth 2.1");
    expect_meta(env, "{\"grant_types\":[\"password\"]}", GH_E_INVALID_CLIENT_METADATA, "OAuth 2.1");
    expect_meta(env, "{\"grant_types\":[\"urn:x:custom\"]}", GH_E_INVALID_CLIENT_METADATA,
                "not supported");
    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],\"response_types\":[\"token\"]}",
                GH_E_INVALID_CLIENT_METADATA, "only \"code\"");
    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],\"response_types\":"
                "[\"code id_token\"]}",
                GH_E_INVALID_CLIENT_METADATA, "only \"code\"");
    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":"
                "[\"authorization_code\"],\"response_types\":[]}",
                GH_E_INVALID_CLIENT_METADATA, "needs response type");
    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],\"grant_types\":"
                "[\"client_credentials\"],\"response_types\":[\"code\"]}",
                GH_E_INVALID_CLIENT_METADATA, "needs grant type authorization_code");
    expect_meta(env,
                "{\"token_endpoint_auth_method\":\"none\",\"grant_types\":"
                "[\"client_credentials\"]}",
                GH_E_INVALID_CLIENT_METADATA, "confidential");
    /* Authentication methods and keys. */
    expect_meta(env, "{\"token_endpoint_auth_method\":\"client_secret_jwt\"}",
                GH_E_INVALID_CLIENT_METADATA, "token_endpoint_auth_method");
    expect_meta(env, "{\"token_endpoint_auth_method\":7}", GH_E_INVALID_CLIENT_METADATA,
                "must be a string");
    expect_meta(
        env,
        gh_arena_printf(env->arena, "{%s,\"token_endpoint_auth_method\":\"private_key_jwt\"}", cc),
        GH_E_INVALID_CLIENT_METADATA, "needs jwks");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"jwks\":{\"keys\":[]}}", cc),
                GH_E_INVALID_CLIENT_METADATA, "jwks must hold");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"jwks\":[]}", cc),
                GH_E_INVALID_CLIENT_METADATA, "JWK Set");
    expect_meta(env,
                gh_arena_printf(env->arena,
                                "{%s,\"jwks\":{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}}", cc),
                GH_E_INVALID_CLIENT_METADATA, "jwks must hold");
    expect_meta(env,
                gh_arena_printf(env->arena, "{%s,\"jwks_uri\":\"http://keys.example/jwks\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "jwks_uri must be an https URI");
    expect_meta(
        env, gh_arena_printf(env->arena, "{%s,\"token_endpoint_auth_signing_alg\":\"HS256\"}", cc),
        GH_E_INVALID_CLIENT_METADATA, "token_endpoint_auth_signing_alg");
    expect_meta(
        env, gh_arena_printf(env->arena, "{%s,\"token_endpoint_auth_signing_alg\":\"none\"}", cc),
        GH_E_INVALID_CLIENT_METADATA, "token_endpoint_auth_signing_alg");
    expect_meta(env,
                gh_arena_printf(env->arena, "{%s,\"id_token_signed_response_alg\":\"none\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "id_token_signed_response_alg");
    /* Scope. */
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"scope\":\"dns:read admin\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "\"admin\" is not in the scope catalog");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"scope\":\"dns:read  logs:read\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "single spaces");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"scope\":\"dns:read\\\"\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "single spaces");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"scope\":[\"dns:read\"]}", cc),
                GH_E_INVALID_CLIENT_METADATA, "scope must be a string");
    /* Strategy and descriptive fields. */
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"access_token_strategy\":\"jwe\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "jwt or opaque");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"client_name\":\"a\\nb\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "control characters");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"client_name\":false}", cc),
                GH_E_INVALID_CLIENT_METADATA, "client_name must be a string");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"logo_uri\":\"javascript:x\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "logo_uri must be an http or https URI");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"tos_uri\":\"https://t.example/#x\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "tos_uri must not contain a fragment");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"metadata\":[1]}", cc),
                GH_E_INVALID_CLIENT_METADATA, "metadata must be a JSON object");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"skip_consent\":\"yes\"}", cc),
                GH_E_INVALID_CLIENT_METADATA, "skip_consent must be a boolean");
    expect_meta(env, gh_arena_printf(env->arena, "{%s,\"contacts\":[\"a\",2]}", cc),
                GH_E_INVALID_CLIENT_METADATA, "contacts must be an array of strings");
}

static void test_bounds(void **state)
{
    gh_test_env *env = *state;
    json_t *in = json_object(), *uris = json_array(), *doc = NULL;
    gh_oauth_meta_err err;
    char *big;

    for (int i = 0; i <= GH_LIMIT_REDIRECT_URIS; i++)
        json_array_append_new(uris,
                              json_string(gh_arena_printf(env->arena, "https://a.example/%d", i)));
    json_object_set_new(in, "redirect_uris", uris);
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_DCR, &doc, &err), GH_OK);
    assert_null(doc);
    assert_string_equal(err.code, GH_E_INVALID_CLIENT_METADATA);
    assert_non_null(strstr(err.desc, "more than 32 items"));
    json_array_remove(uris, 0);
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_DCR, &doc, &err), GH_OK);
    assert_non_null(doc);
    json_decref(doc);

    big = gh_arena_alloc(env->arena, GH_LIMIT_CLIENT_STRING + 2);
    memset(big, 'n', GH_LIMIT_CLIENT_STRING + 1);
    json_object_set_new(in, "client_name", json_string(big));
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_DCR, &doc, &err), GH_OK);
    assert_null(doc);
    assert_non_null(strstr(err.desc, "client_name is longer"));
    json_object_del(in, "client_name");

    big = gh_arena_alloc(env->arena, GH_OAUTH_CLIENT_METADATA_MAX + 2);
    memset(big, 'm', GH_OAUTH_CLIENT_METADATA_MAX);
    json_object_set_new(in, "metadata", json_pack("{ss}", "k", big));
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_DCR, &doc, &err), GH_OK);
    assert_null(doc);
    assert_non_null(strstr(err.desc, "metadata is larger"));
    json_decref(in);
}

static json_t *jwks_of(gh_jwk *k)
{
    json_t *set = json_object(), *keys = json_array();

    json_array_append_new(keys, gh_jwk_public_json(k));
    json_object_set_new(set, "keys", keys);
    return set;
}

static void test_jwks(void **state)
{
    gh_test_env *env = *state;
    gh_jwk *k = NULL;
    json_t *in, *jwks, *doc = NULL, *stored;
    gh_oauth_meta_err err;

    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k1", &k), GH_OK);
    jwks = jwks_of(k);
    /* A private member pasted by mistake never reaches the document. */
    json_object_set_new(json_array_get(json_object_get(jwks, "keys"), 0), "d",
                        json_string("c2VjcmV0"));
    in = json_pack("{s[s]ssso}", "grant_types", "client_credentials", "token_endpoint_auth_method",
                   "private_key_jwt", "jwks", jwks);
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_ADMIN, &doc, &err), GH_OK);
    assert_non_null(doc);
    stored = json_array_get(json_object_get(json_object_get(doc, "jwks"), "keys"), 0);
    assert_non_null(stored);
    assert_null(json_object_get(stored, "d"));
    assert_string_equal(sget(stored, "kid"), "k1");
    json_decref(doc);

    /* The registered alg must match a key. */
    json_object_set_new(in, "token_endpoint_auth_signing_alg", json_string("RS256"));
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_ADMIN, &doc, &err), GH_OK);
    assert_null(doc);
    assert_non_null(strstr(err.desc, "matches no key"));
    json_object_set_new(in, "token_endpoint_auth_signing_alg", json_string("ES256"));
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_ADMIN, &doc, &err), GH_OK);
    assert_non_null(doc);
    assert_string_equal(sget(doc, "token_endpoint_auth_signing_alg"), "ES256");
    json_decref(doc);

    /* SPEC: RFC7591 2 jwks and jwks_uri MUST NOT both be present */
    json_object_set_new(in, "jwks_uri", json_string("https://keys.example/jwks.json"));
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_ADMIN, &doc, &err), GH_OK);
    assert_null(doc);
    assert_non_null(strstr(err.desc, "must not both"));
    /* jwks_uri alone is accepted (and never fetched). */
    json_object_del(in, "jwks");
    json_object_del(in, "token_endpoint_auth_signing_alg");
    assert_int_equal(
        gh_oauth__client_validate(env->cfg, env->arena, in, GH_OAUTH_SRC_ADMIN, &doc, &err), GH_OK);
    assert_non_null(doc);
    json_decref(doc);
    json_decref(in);
    gh_jwk_free(k);
}

/* ---- prepare: client_id and secret policy ---- */

static json_t *parse(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    return j;
}

static void test_prepare_create(void **state)
{
    gh_test_env *env = *state;
    gh_ctx *ctx = gh_test_ctx(env);
    gh_oauth_client_write w;
    gh_oauth_meta_err err;
    unsigned char h[GH_SHA256_LEN];
    json_t *in = parse("{\"client_id\":\"svc-1\",\"grant_types\":[\"client_credentials\"],"
                       "\"scope\":\"dns:read\"}");

    /* Admin: the client_id is kept and a 256-bit secret generated. */
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_null(err.code);
    assert_string_equal(w.row.client_id, "svc-1");
    assert_non_null(w.secret);
    assert_true(strncmp(w.secret, GH_PREFIX_SECRET, strlen(GH_PREFIX_SECRET)) == 0);
    assert_int_equal(strlen(w.secret), strlen(GH_PREFIX_SECRET) + 43);
    assert_true(w.row.has_secret);
    gh_oauth__secret_hash(env->e, w.secret, h);
    assert_memory_equal(h, w.row.secret_hash, GH_SHA256_LEN);
    assert_null(w.reg_token);
    assert_false(w.row.has_reg_token);
    assert_null(strstr(w.row.doc, w.secret));
    assert_non_null(strstr(w.row.doc, "\"client_id\":\"svc-1\""));
    assert_int_equal(w.row.created_at, GH_TEST_T0);
    assert_string_equal(w.scope, "dns:read");
    json_decref(in);

    /* DCR: client_id and client_secret in the body are ignored. */
    in = parse("{\"client_id\":\"mine\",\"client_secret\":\"0123456789012345678901234567890123\","
               "\"redirect_uris\":[\"https://a.example/cb\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, NULL, &w, &err),
                     GH_OK);
    assert_null(err.code);
    assert_string_not_equal(w.row.client_id, "mine");
    assert_int_equal(strlen(w.row.client_id), 36);
    assert_string_not_equal(w.secret, "0123456789012345678901234567890123");
    assert_non_null(w.reg_token);
    assert_true(strncmp(w.reg_token, GH_PREFIX_REG_TOKEN, strlen(GH_PREFIX_REG_TOKEN)) == 0);
    assert_true(w.row.has_reg_token);
    gh_oauth__secret_hash(env->e, w.reg_token, h);
    assert_memory_equal(h, w.row.reg_token_hash, GH_SHA256_LEN);
    json_decref(in);

    /* Admin: a supplied secret is kept if long enough, refused otherwise. */
    in = parse("{\"client_secret\":\"0123456789abcdef0123456789abcdef\",\"grant_types\":"
               "[\"client_credentials\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_null(err.code);
    assert_string_equal(w.secret, "0123456789abcdef0123456789abcdef");
    json_decref(in);
    in = parse("{\"client_secret\":\"short\",\"grant_types\":[\"client_credentials\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_string_equal(err.code, GH_E_INVALID_CLIENT_METADATA);
    assert_non_null(strstr(err.desc, "at least 32"));
    json_decref(in);

    /* Public clients get no secret, and may not be given one. */
    in = parse("{\"token_endpoint_auth_method\":\"none\",\"redirect_uris\":"
               "[\"http://127.0.0.1/cb\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_null(err.code);
    assert_null(w.secret);
    assert_false(w.row.has_secret);
    json_decref(in);
    in = parse("{\"token_endpoint_auth_method\":\"none\",\"client_secret\":"
               "\"0123456789abcdef0123456789abcdef\",\"redirect_uris\":[\"http://127.0.0.1/cb\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_non_null(strstr(err.desc, "token_endpoint_auth_method none has no client_secret"));
    json_decref(in);

    /* Neither may a private_key_jwt client: it authenticates with its keys. */
    in = parse("{\"token_endpoint_auth_method\":\"private_key_jwt\",\"jwks_uri\":"
               "\"https://k.example/jwks\",\"client_secret\":\"0123456789abcdef0123456789abcdef\","
               "\"grant_types\":[\"client_credentials\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_non_null(strstr(err.desc, "private_key_jwt has no client_secret"));
    json_decref(in);

    /* Bad client_ids. */
    in = parse("{\"client_id\":\"a\\u00e9\",\"grant_types\":[\"client_credentials\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_non_null(strstr(err.desc, "client_id must have"));
    json_decref(in);
    in = parse("{\"client_id\":5,\"grant_types\":[\"client_credentials\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_non_null(strstr(err.desc, "client_id must be a string"));
    json_decref(in);
}

static void test_prepare_update(void **state)
{
    gh_test_env *env = *state;
    gh_ctx *ctx = gh_test_ctx(env);
    gh_oauth_client_write w, u;
    gh_oauth_meta_err err;
    json_t *in = parse("{\"redirect_uris\":[\"https://a.example/cb\"]}");

    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, NULL, &w, &err),
                     GH_OK);
    json_decref(in);
    gh_test_env_advance(env, 10);
    ctx = gh_test_ctx(env);

    /* SPEC: RFC7592 2.2 client_id required; the secret stays */
    in = parse("{\"redirect_uris\":[\"https://b.example/cb\"]}");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, &w.row, &u, &err),
                     GH_OK);
    assert_non_null(strstr(err.desc, "client_id is required"));
    json_decref(in);
    in = json_pack("{s[s]ss}", "redirect_uris", "https://b.example/cb", "client_id",
                   w.row.client_id);
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, &w.row, &u, &err),
                     GH_OK);
    assert_null(err.code);
    assert_null(u.secret);
    assert_true(u.row.has_secret);
    assert_memory_equal(u.row.secret_hash, w.row.secret_hash, GH_SHA256_LEN);
    assert_memory_equal(u.row.reg_token_hash, w.row.reg_token_hash, GH_SHA256_LEN);
    assert_int_equal(u.row.created_at, GH_TEST_T0);
    assert_int_equal(u.row.updated_at, GH_TEST_T0 + 10);
    assert_non_null(strstr(u.row.doc, "b.example"));
    /* SPEC: RFC7592 2.2 a client_secret in the request must match */
    json_object_set_new(in, "client_secret", json_string("gh_cs_wrong"));
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, &w.row, &u, &err),
                     GH_OK);
    assert_non_null(strstr(err.desc, "does not match"));
    json_object_set_new(in, "client_secret", json_string(w.secret));
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, &w.row, &u, &err),
                     GH_OK);
    assert_null(err.code);
    assert_null(u.secret);
    /* A different client_id. */
    json_object_set_new(in, "client_id", json_string("other"));
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, &w.row, &u, &err),
                     GH_OK);
    assert_non_null(strstr(err.desc, "does not match"));
    json_decref(in);

    /* Becoming public drops the secret; becoming confidential again makes a new one. */
    in = json_pack("{s[s]ssss}", "redirect_uris", "http://127.0.0.1/cb", "client_id",
                   w.row.client_id, "token_endpoint_auth_method", "none");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, &w.row, &u, &err),
                     GH_OK);
    assert_null(err.code);
    assert_false(u.row.has_secret);
    json_decref(in);
    in = json_pack("{s[s]ss}", "redirect_uris", "https://b.example/cb", "client_id",
                   w.row.client_id);
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, &u.row, &w, &err),
                     GH_OK);
    assert_null(err.code);
    assert_non_null(w.secret);
    assert_true(w.row.has_secret);
    json_decref(in);

    /* Admin PUT: a given client_secret replaces the secret. */
    in = json_pack("{s[s]ss}", "redirect_uris", "https://b.example/cb", "client_secret",
                   "abcdefghijklmnopqrstuvwxyz0123456789");
    assert_int_equal(
        gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, &w.row, &u, &err), GH_OK);
    assert_null(err.code);
    assert_string_equal(u.secret, "abcdefghijklmnopqrstuvwxyz0123456789");
    assert_memory_not_equal(u.row.secret_hash, w.row.secret_hash, GH_SHA256_LEN);
    json_decref(in);
}

/* ---- the model ---- */

static void test_from_row_and_json(void **state)
{
    gh_test_env *env = *state;
    gh_ctx *ctx = gh_test_ctx(env);
    gh_oauth_client_write w;
    gh_oauth_meta_err err;
    gh_oauth_client *c = NULL;
    gh_jwk *k = NULL;
    json_t *in, *out = NULL;

    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "kk", &k), GH_OK);
    in =
        json_pack("{sss[ss]sssssos[s]}", "client_name", "Bot", "grant_types", "client_credentials",
                  "refresh_token", "scope", "dns:read dns:write", "token_endpoint_auth_method",
                  "private_key_jwt", "jwks", jwks_of(k), "audience", "https://api.example.com/dns");
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_ADMIN, NULL, &w, &err),
                     GH_OK);
    assert_null(err.code);
    assert_int_equal(gh_oauth__client_from_row(&w.row, &c), GH_OK);
    assert_string_equal(c->client_id, w.row.client_id);
    assert_string_equal(c->client_name, "Bot");
    assert_string_equal(c->scope, "dns:read dns:write");
    assert_int_equal(c->scopes.n, 2);
    assert_string_equal(c->scopes.v[1], "dns:write");
    assert_string_equal(c->token_endpoint_auth_method, GH_AUTH_PRIVATE_KEY_JWT);
    assert_int_equal(c->jwks.n, 1);
    assert_int_equal(c->audience.n, 1);
    assert_true(gh_oauth__client_has_grant(c, "refresh_token"));
    assert_true(gh_oauth__client_has_grant(c, GH_GRANT_CLIENT_CREDENTIALS));
    assert_false(gh_oauth__client_has_grant(c, GH_GRANT_AUTHORIZATION_CODE));
    assert_false(gh_oauth__client_has_grant(c, NULL));
    assert_string_equal(c->access_token_strategy, GH_STRATEGY_JWT);
    assert_false(c->has_secret); /* private_key_jwt: keys only */
    assert_null(w.secret);
    assert_int_equal(c->created_at, GH_TEST_T0);
    gh_oauth__client_release(c);

    /* The API view: client_id and times added, never a secret. */
    assert_int_equal(gh_oauth__client_row_json(&w.row, &out), GH_OK);
    assert_string_equal(sget(out, "client_id"), w.row.client_id);
    assert_string_equal(sget(out, "created_at"), "2026-01-01T00:00:00Z");
    assert_string_equal(sget(out, "updated_at"), "2026-01-01T00:00:00Z");
    assert_null(json_object_get(out, "client_secret"));
    json_decref(out);

    /* A document that does not parse. */
    w.row.doc = "{not json";
    assert_int_equal(gh_oauth__client_from_row(&w.row, &c), GH_EINVAL);
    assert_null(c);
    assert_int_equal(gh_oauth__client_row_json(&w.row, &out), GH_EINVAL);
    json_decref(in);
    gh_jwk_free(k);
}

/* ---- the cache and lookups ---- */

static gh_oauth_client *make_client(const char *id)
{
    gh_client row;
    gh_oauth_client *c = NULL;

    memset(&row, 0, sizeof(row));
    row.client_id = id;
    row.doc = "{\"grant_types\":[\"client_credentials\"],\"scope\":\"dns:read\","
              "\"token_endpoint_auth_method\":\"client_secret_basic\"}";
    assert_int_equal(gh_oauth__client_from_row(&row, &c), GH_OK);
    return c;
}

static void test_cache(void **state)
{
    gh_oauth_client_cache *cache = gh_oauth__client_cache_new(8, 5000000);
    gh_oauth_client *a = make_client("a"), *got;
    char id[16];

    (void)state;
    assert_null(gh_oauth__client_cache_get(cache, "a", 0));
    gh_oauth__client_cache_put(cache, a, 1000);
    got = gh_oauth__client_cache_get(cache, "a", 2000);
    assert_ptr_equal(got, a);
    assert_int_equal(atomic_load(&a->refs), 3); /* ours, the cache's, got's */
    gh_oauth__client_release(got);
    /* Expired after the TTL. */
    assert_null(gh_oauth__client_cache_get(cache, "a", 1000 + 5000000));
    /* Put again: still one entry, one cache reference. */
    gh_oauth__client_cache_put(cache, a, 6000000);
    assert_int_equal(atomic_load(&a->refs), 2);
    assert_int_equal(gh_oauth__client_cache_count(cache), 1);
    gh_oauth__client_release(a);
    /* Bounded: 100 clients into 8 slots. */
    for (int i = 0; i < 100; i++) {
        gh_oauth_client *c;
        snprintf(id, sizeof(id), "c%d", i);
        c = make_client(id);
        gh_oauth__client_cache_put(cache, c, 7000000 + i);
        gh_oauth__client_release(c);
    }
    assert_true(gh_oauth__client_cache_count(cache) <= 8);
    got = gh_oauth__client_cache_get(cache, "c99", 7000100);
    assert_non_null(got);
    assert_string_equal(got->client_id, "c99");
    gh_oauth__client_release(got);
    gh_oauth__client_cache_free(cache);
    gh_oauth__client_cache_free(NULL);
}

/* Readers, writers and invalidations at once (run under ASan/UBSan: a refcount or locking
 * mistake shows as a use-after-free or a leak). */
typedef struct stress {
    gh_oauth_client_cache *cache;
    gh_oauth_client *clients[8];
    int seed;
} stress;

static void *stress_run(void *arg)
{
    stress *st = arg;
    unsigned x = (unsigned)st->seed * 2654435761u + 1u;

    for (int i = 0; i < 20000; i++) {
        gh_oauth_client *c;
        char id[8];
        x = x * 1103515245u + 12345u;
        snprintf(id, sizeof(id), "s%u", (x >> 8) % 8);
        switch ((x >> 16) % 4) {
        case 0:
            gh_oauth__client_cache_put(st->cache, st->clients[(x >> 8) % 8], i);
            break;
        case 1: {
            gh_engine fake;
            memset(&fake, 0, sizeof(fake));
            fake.clients = st->cache;
            gh_oauth__client_invalidate(&fake, id);
            break;
        }
        default:
            c = gh_oauth__client_cache_get(st->cache, id, i);
            if (c != NULL) {
                gh_assert(strcmp(c->client_id, id) == 0); /* cmocka is not thread-safe */
                gh_oauth__client_release(c);
            }
        }
    }
    return NULL;
}

static void test_cache_threads(void **state)
{
    stress st[4];
    pthread_t th[4];
    gh_oauth_client *clients[8];
    gh_oauth_client_cache *cache = gh_oauth__client_cache_new(4, 1000000);
    char id[8];

    (void)state;
    for (int i = 0; i < 8; i++) {
        snprintf(id, sizeof(id), "s%d", i);
        clients[i] = make_client(id);
    }
    for (int t = 0; t < 4; t++) {
        st[t].cache = cache;
        memcpy(st[t].clients, clients, sizeof(clients));
        st[t].seed = t + 1;
        assert_int_equal(pthread_create(&th[t], NULL, stress_run, &st[t]), 0);
    }
    for (int t = 0; t < 4; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_true(gh_oauth__client_cache_count(cache) <= 4);
    gh_oauth__client_cache_free(cache);
    /* Only our references remain. */
    for (int i = 0; i < 8; i++) {
        assert_int_equal(atomic_load(&clients[i]->refs), 1);
        gh_oauth__client_release(clients[i]);
    }
}

static void test_client_get(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_client *c = NULL, *c2 = NULL;
    const char *id = gh_test_cc_client(env, "svc", "dns:read", "opaque", NULL);
    gh_oauth_response resp;
    gh_oauth_request req;
    static const gh_form empty = {NULL, 0};

    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), "nobody", &c), GH_ENOTFOUND);
    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), "", &c), GH_ENOTFOUND);
    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), id, &c), GH_OK);
    assert_string_equal(c->client_id, "svc");
    assert_string_equal(c->access_token_strategy, GH_STRATEGY_OPAQUE);
    /* The second lookup comes from the cache: the same object. */
    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), id, &c2), GH_OK);
    assert_ptr_equal(c, c2);
    gh_oauth__client_release(c2);

    /* An update through the admin API drops the cached entry at once. */
    memset(&req, 0, sizeof(req));
    req.method = "PUT";
    req.path_arg = "svc";
    req.query = &empty;
    req.body = "{\"grant_types\":[\"client_credentials\"],\"scope\":\"logs:read\"}";
    req.body_len = strlen(req.body);
    gh_oauth_response_init(&resp);
    assert_int_equal(gh_oauth_admin_client(env->e, gh_test_ctx(env), &req, &resp), GH_OK);
    assert_int_equal(resp.status, 200);
    gh_oauth_response_clear(&resp);
    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), id, &c2), GH_OK);
    assert_ptr_not_equal(c, c2);
    assert_string_equal(c2->scope, "logs:read");
    /* The old object stays valid for whoever holds it. */
    assert_string_equal(c->scope, "dns:read");
    gh_oauth__client_release(c);
    gh_oauth__client_release(c2);

    /* Invalidate, and the TTL, both lead back to the store. */
    gh_oauth__client_invalidate(env->e, id);
    gh_oauth__client_invalidate(env->e, "never-cached");
    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), id, &c), GH_OK);
    gh_test_env_advance(env, 6);
    assert_int_equal(gh_oauth__client_get(env->e, gh_test_ctx(env), id, &c2), GH_OK);
    assert_ptr_not_equal(c, c2);
    gh_oauth__client_release(c);
    gh_oauth__client_release(c2);
}

/* The OIDC metadata of a code-flow client: web URIs (https, http only on loopback),
 * post-logout redirect URIs (redirect URI rules), the ID token algorithm (RS256 or ES256). */
static void test_oidc_metadata(void **state)
{
    gh_test_env *env = *state;
    gh_ctx *ctx = gh_test_ctx(env);
    gh_oauth_client_write w;
    gh_oauth_meta_err err;
    gh_oauth_client *c = NULL;
    json_t *in;

    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],\"logo_uri\":\"http://a.example/l.png\"}",
                GH_E_INVALID_CLIENT_METADATA, "logo_uri");
    expect_meta(env, "{\"redirect_uris\":[\"https://a.example/cb\"],\"tos_uri\":\"ftp://a/x\"}",
                GH_E_INVALID_CLIENT_METADATA, "tos_uri");
    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],"
                "\"id_token_signed_response_alg\":\"HS256\"}",
                GH_E_INVALID_CLIENT_METADATA, "id_token_signed_response_alg");
    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],"
                "\"id_token_signed_response_alg\":\"none\"}",
                GH_E_INVALID_CLIENT_METADATA, "id_token_signed_response_alg");
    expect_meta(env,
                "{\"redirect_uris\":[\"https://a.example/cb\"],"
                "\"post_logout_redirect_uris\":[\"http://a.example/bye\"]}",
                GH_E_INVALID_CLIENT_METADATA, "post_logout_redirect_uris");
    expect_meta(env, "{\"redirect_uris\":[\"https://a.example/cb\"],\"response_types\":[\"token\"]}",
                GH_E_INVALID_CLIENT_METADATA, "response type");

    in = json_loads("{\"redirect_uris\":[\"https://a.example/cb\"],"
                    "\"client_uri\":\"https://a.example\",\"logo_uri\":\"http://127.0.0.1:8080/l.png\","
                    "\"policy_uri\":\"https://a.example/p\",\"tos_uri\":\"https://a.example/t\","
                    "\"post_logout_redirect_uris\":[\"https://a.example/bye\"],"
                    "\"id_token_signed_response_alg\":\"ES256\"}",
                    0, NULL);
    assert_non_null(in);
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, NULL, &w, &err),
                     GH_OK);
    json_decref(in);
    assert_null(err.code);
    assert_int_equal(gh_oauth__client_from_row(&w.row, &c), GH_OK);
    assert_string_equal(c->client_uri, "https://a.example");
    assert_string_equal(c->logo_uri, "http://127.0.0.1:8080/l.png");
    assert_string_equal(c->policy_uri, "https://a.example/p");
    assert_string_equal(c->tos_uri, "https://a.example/t");
    assert_int_equal(c->post_logout_redirect_uris.n, 1);
    assert_string_equal(c->post_logout_redirect_uris.v[0], "https://a.example/bye");
    assert_int_equal(c->id_token_signed_response_alg, GH_ALG_ES256);
    gh_oauth__client_release(c);

    /* SPEC: OIDC Registration 2 - the default is RS256; optional URIs absent stay NULL */
    in = json_loads("{\"redirect_uris\":[\"https://a.example/cb\"]}", 0, NULL);
    assert_int_equal(gh_oauth__client_prepare(env->e, ctx, in, GH_OAUTH_SRC_DCR, NULL, &w, &err),
                     GH_OK);
    json_decref(in);
    assert_int_equal(gh_oauth__client_from_row(&w.row, &c), GH_OK);
    assert_int_equal(c->id_token_signed_response_alg, GH_ALG_RS256);
    assert_null(c->client_uri);
    assert_null(c->logo_uri);
    assert_int_equal(c->post_logout_redirect_uris.n, 0);
    gh_oauth__client_release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redirect_valid),
        cmocka_unit_test(test_redirect_invalid),
        cmocka_unit_test(test_redirect_too_long),
        cmocka_unit_test(test_redirect_match),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_normalise, setup, teardown),
        cmocka_unit_test_setup_teardown(test_public_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jwks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prepare_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_row_and_json, setup, teardown),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_cache_threads),
        cmocka_unit_test_setup_teardown(test_client_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oidc_metadata, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
