/*
 * test_client_auth.c - client authentication (client_auth.c): the Authorization header
 * parser, client_secret_basic with form-urlencoded credentials, client_secret_post,
 * private_key_jwt (RFC 7523) with its replay cache, none, and the rules on mixing methods.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/form.h"
#include "base/limits.h"
#include "jose/jose.h"
#include "json/json.h"
#include "oauth/client_int.h"
#include "support/gh_test.h"
#include "support/b64std.h"

#define JWT_BEARER_ENC "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"

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

static const char *basic_raw(gh_arena *a, const char *pair)
{
    return gh_arena_printf(a, "Basic %s", gh_test_b64(a, pair, strlen(pair)));
}

/* ---- the header parser ---- */

static void test_authz_parse(void **state)
{
    gh_arena *a = gh_arena_new(0);
    gh_oauth_auth_header az;
    char *big;

    (void)state;
    assert_int_equal(gh_oauth__authz_parse(a, NULL, &az), GH_OK);
    assert_int_equal(az.scheme, GH_AUTHZ_ABSENT);
    assert_int_equal(gh_oauth__authz_parse(a, "", &az), GH_OK);
    assert_int_equal(az.scheme, GH_AUTHZ_ABSENT);
    assert_int_equal(gh_oauth__authz_parse(a, "   ", &az), GH_OK);
    assert_int_equal(az.scheme, GH_AUTHZ_ABSENT);

    /* RFC 7617 2 example: Aladdin / open sesame. */
    assert_int_equal(gh_oauth__authz_parse(a, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", &az), GH_OK);
    assert_int_equal(az.scheme, GH_AUTHZ_BASIC);
    assert_string_equal(az.user, "Aladdin");
    assert_string_equal(az.password, "open sesame");
    /* Case-insensitive scheme, several spaces, trailing whitespace. */
    assert_int_equal(gh_oauth__authz_parse(a, "bAsIc   QWxhZGRpbjpvcGVuIHNlc2FtZQ== \t", &az),
                     GH_OK);
    assert_string_equal(az.user, "Aladdin");

    /* SPEC: RFC6749 2.3.1 the user and password are form-urlencoded */
    assert_int_equal(
        gh_oauth__authz_parse(a, basic_raw(a, "my+client%3A1:p%40ss%3Aw%25rd+%2B%26"), &az), GH_OK);
    assert_string_equal(az.user, "my client:1");
    assert_string_equal(az.password, "p@ss:w%rd +&");
    /* The first colon splits; a later one belongs to the secret. */
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, "id:a:b"), &az), GH_OK);
    assert_string_equal(az.user, "id");
    assert_string_equal(az.password, "a:b");
    /* UTF-8 percent-encoded. */
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, "caf%C3%A9:x"), &az), GH_OK);
    assert_string_equal(az.user, "caf\xc3\xa9");
    /* Empty secret is parsed (authentication will fail). */
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, "id:"), &az), GH_OK);
    assert_string_equal(az.password, "");

    /* Malformed Basic: the scheme is still reported. */
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, "no-colon"), &az), GH_EINVAL);
    assert_int_equal(az.scheme, GH_AUTHZ_BASIC);
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, ":secret"), &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, "Basic", &az), GH_EINVAL);
    assert_int_equal(az.scheme, GH_AUTHZ_BASIC);
    assert_int_equal(gh_oauth__authz_parse(a, "Basic !!!!", &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ", &az),
                     GH_EINVAL); /* padding missing */
    assert_int_equal(gh_oauth__authz_parse(a, "Basic QWxh ZGRp", &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, "id:%zz"), &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, "id:%00"), &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, basic_raw(a, "id:\xff"), &az), GH_EINVAL);
    assert_int_equal(
        gh_oauth__authz_parse(a, gh_arena_printf(a, "Basic %s", gh_test_b64(a, "i\0d:x", 5)), &az),
        GH_EINVAL);

    /* Bearer (RFC 6750 2.1). */
    assert_int_equal(gh_oauth__authz_parse(a, "Bearer mF_9.B5f-4.1JqM", &az), GH_OK);
    assert_int_equal(az.scheme, GH_AUTHZ_BEARER);
    assert_string_equal(az.token, "mF_9.B5f-4.1JqM");
    assert_int_equal(gh_oauth__authz_parse(a, "bearer abc/+~==", &az), GH_OK);
    assert_string_equal(az.token, "abc/+~==");
    assert_int_equal(gh_oauth__authz_parse(a, "Bearer", &az), GH_EINVAL);
    assert_int_equal(az.scheme, GH_AUTHZ_BEARER);
    assert_int_equal(gh_oauth__authz_parse(a, "Bearer a=b", &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, "Bearer ab\"c", &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, "Bearer =abc", &az), GH_EINVAL);
    assert_int_equal(gh_oauth__authz_parse(a, "Bearer a b", &az), GH_EINVAL);

    /* Other schemes are named, not parsed. */
    assert_int_equal(gh_oauth__authz_parse(a, "DPoP abc", &az), GH_OK);
    assert_int_equal(az.scheme, GH_AUTHZ_OTHER);
    assert_int_equal(gh_oauth__authz_parse(a, "Basicx abc", &az), GH_OK);
    assert_int_equal(az.scheme, GH_AUTHZ_OTHER);

    big = gh_arena_alloc(a, GH_LIMIT_HEADER_VALUE + 16);
    memcpy(big, "Bearer ", 7);
    memset(big + 7, 'a', GH_LIMIT_HEADER_VALUE);
    assert_int_equal(gh_oauth__authz_parse(a, big, &az), GH_ETOOBIG);
    big[GH_LIMIT_TOKEN + 7] = '\0';
    assert_int_equal(gh_oauth__authz_parse(a, big, &az), GH_OK);
    big[GH_LIMIT_TOKEN + 7] = 'a';
    big[GH_LIMIT_TOKEN + 8] = '\0';
    assert_int_equal(gh_oauth__authz_parse(a, big, &az), GH_EINVAL);
    gh_arena_free(a);
}

/* ---- authentication ---- */

/* Calls gh_oauth__client_authenticate_ex with form text and an Authorization header.
 * Returns the client id (arena) or NULL; resp holds the error. */
static const char *auth(gh_test_env *env, const char *form, const char *authz, unsigned flags,
                        gh_oauth_response *resp)
{
    static const gh_form empty = {NULL, 0};
    gh_oauth_request req;
    gh_form *f = GH_ARENA_NEW(env->arena, gh_form);
    gh_oauth_client *c = NULL;
    const char *id = NULL;

    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.query = &empty;
    if (form != NULL) {
        assert_int_equal(gh_form_parse(env->arena, form, strlen(form), f), GH_OK);
        req.form = f;
    }
    req.authorization = authz;
    gh_oauth_response_init(resp);
    assert_int_equal(
        gh_oauth__client_authenticate_ex(env->e, gh_test_ctx(env), &req, flags, resp, &c), GH_OK);
    if (c != NULL) {
        assert_int_equal(resp->status, 0);
        id = gh_arena_strdup(env->arena, c->client_id);
        gh_oauth__client_release(c);
    } else {
        assert_true(resp->status >= 400);
    }
    return id;
}

static void expect_fail(gh_test_env *env, const char *form, const char *authz, unsigned flags,
                        int status, const char *code, const char *needle)
{
    gh_oauth_response resp;
    const char *desc;

    assert_null(auth(env, form, authz, flags, &resp));
    assert_int_equal(resp.status, status);
    assert_string_equal(gh_test_str(&resp, "error"), code);
    desc = gh_test_str(&resp, "error_description");
    if (needle != NULL && (desc == NULL || strstr(desc, needle) == NULL)) {
        print_error("\"%s\" lacks \"%s\"\n", desc ? desc : "(null)", needle);
        fail();
    }
    /* SPEC: RFC6749 5.2 a 401 carries WWW-Authenticate */
    if (status == 401)
        assert_string_equal(resp.www_authenticate, "Basic realm=\"gatehouse\"");
    gh_oauth_response_clear(&resp);
}

static void expect_ok(gh_test_env *env, const char *form, const char *authz, unsigned flags,
                      const char *id)
{
    gh_oauth_response resp;
    const char *got = auth(env, form, authz, flags, &resp);

    if (got == NULL) {
        print_error("refused: %s\n", gh_test_str(&resp, "error_description"));
        fail();
    }
    assert_string_equal(got, id);
    gh_oauth_response_clear(&resp);
}

static void test_basic(void **state)
{
    gh_test_env *env = *state;
    const char *id = gh_test_cc_client(env, "svc", "dns:read", "jwt", NULL);
    const char *good = gh_test_basic(env, id, GH_TEST_SECRET);

    expect_ok(env, NULL, good, 0, "svc");
    expect_ok(env, "grant_type=client_credentials", good, 0, "svc");
    /* A client_id in the body that matches is tolerated; one that differs is not. */
    expect_ok(env, "client_id=svc", good, 0, "svc");
    expect_fail(env, "client_id=other", good, 0, 400, GH_E_INVALID_REQUEST, "does not match");
    /* SPEC: RFC6749 5.2 invalid_client, same answer for a wrong secret and unknown client */
    expect_fail(env, NULL, gh_test_basic(env, id, "wrong"), 0, 401, GH_E_INVALID_CLIENT,
                "client authentication failed");
    expect_fail(env, NULL, gh_test_basic(env, "nobody", GH_TEST_SECRET), 0, 401,
                GH_E_INVALID_CLIENT, "client authentication failed");
    expect_fail(env, NULL, gh_test_basic(env, id, GH_TEST_SECRET "x"), 0, 401, GH_E_INVALID_CLIENT,
                NULL);
    expect_fail(env, NULL, basic_raw(env->arena, "svc"), 0, 401, GH_E_INVALID_CLIENT,
                "malformed Basic");
    expect_fail(env, NULL, "Basic ***", 0, 401, GH_E_INVALID_CLIENT, "malformed Basic");
}

static void test_basic_special_characters(void **state)
{
    gh_test_env *env = *state;
    const char *secret = "s3cr3t+/:%&=?# with spaces and more!!";
    const char *json = gh_arena_printf(env->arena,
                                       "{\"client_id\":\"app:1 +%%\",\"client_secret\":\"%s\","
                                       "\"grant_types\":[\"client_credentials\"]}",
                                       secret);
    const char *id = gh_test_client(env, json);

    assert_string_equal(id, "app:1 +%");
    /* Properly encoded (RFC 6749 2.3.1): accepted. */
    expect_ok(env, NULL, gh_test_basic(env, id, secret), 0, "app:1 +%");
    /* The raw, unencoded pair: '+' would be a space and '%&' a bad escape: refused. */
    expect_fail(env, NULL, basic_raw(env->arena, gh_arena_printf(env->arena, "%s:%s", id, secret)),
                0, 401, GH_E_INVALID_CLIENT, NULL);
    /* A literal '+' in the header means a space. */
    gh_test_client(env, "{\"client_id\":\"a b\",\"client_secret\":"
                        "\"0123456789abcdef0123456789abcdef\",\"grant_types\":"
                        "[\"client_credentials\"]}");
    expect_ok(env, NULL, basic_raw(env->arena, "a+b:0123456789abcdef0123456789abcdef"), 0, "a b");
    expect_ok(env, NULL, basic_raw(env->arena, "a%20b:0123456789abcdef0123456789abcdef"), 0, "a b");
}

static void test_post_and_methods(void **state)
{
    gh_test_env *env = *state;
    const char *basic_id = gh_test_cc_client(env, "svc", "dns:read", "jwt", NULL);
    const char *form_ok, *form_bad;

    gh_test_client(env, "{\"client_id\":\"poster\",\"client_secret\":\"" GH_TEST_SECRET
                        "\",\"grant_types\":[\"client_credentials\"],"
                        "\"token_endpoint_auth_method\":\"client_secret_post\"}");
    form_ok = "client_id=poster&client_secret=" GH_TEST_SECRET;
    expect_ok(env, form_ok, NULL, 0, "poster");
    expect_fail(env, "client_id=poster&client_secret=nope", NULL, 0, 401, GH_E_INVALID_CLIENT,
                "client authentication failed");
    expect_fail(env, "client_secret=" GH_TEST_SECRET, NULL, 0, 400, GH_E_INVALID_REQUEST,
                "needs client_id");
    /* A client that authenticates with another method than its registered one. */
    expect_fail(env, NULL, gh_test_basic(env, "poster", GH_TEST_SECRET), 0, 401,
                GH_E_INVALID_CLIENT, "client_secret_post");
    form_bad =
        gh_arena_printf(env->arena, "client_id=%s&client_secret=%s", basic_id, GH_TEST_SECRET);
    expect_fail(env, form_bad, NULL, 0, 401, GH_E_INVALID_CLIENT, "client_secret_basic");
    /* SPEC: RFC6749 2.3 MUST NOT use more than one authentication method */
    expect_fail(env, form_ok, gh_test_basic(env, "poster", GH_TEST_SECRET), 0, 400,
                GH_E_INVALID_REQUEST, "more than one");
    expect_fail(env, "client_assertion_type=" JWT_BEARER_ENC "&client_assertion=a.b.c",
                gh_test_basic(env, basic_id, GH_TEST_SECRET), 0, 400, GH_E_INVALID_REQUEST,
                "more than one");
    expect_fail(env,
                "client_id=poster&client_secret=x&client_assertion_type=" JWT_BEARER_ENC
                "&client_assertion=a.b.c",
                NULL, 0, 400, GH_E_INVALID_REQUEST, "more than one");
    /* SPEC: RFC6749 3.2 parameters MUST NOT be included more than once */
    expect_fail(env, "client_id=poster&client_id=poster&client_secret=" GH_TEST_SECRET, NULL, 0,
                400, GH_E_INVALID_REQUEST, "repeated");
    expect_fail(env, "client_id=poster&client_secret=a&client_secret=b", NULL, 0, 400,
                GH_E_INVALID_REQUEST, "repeated");
    /* Nothing at all, or a scheme that does not authenticate clients. */
    expect_fail(env, "grant_type=client_credentials", NULL, 0, 401, GH_E_INVALID_CLIENT,
                "required");
    expect_fail(env, NULL, "Bearer abc", 0, 401, GH_E_INVALID_CLIENT, "required");
}

static void test_none(void **state)
{
    gh_test_env *env = *state;

    gh_test_client(env, "{\"client_id\":\"native\",\"token_endpoint_auth_method\":\"none\","
                        "\"redirect_uris\":[\"http://127.0.0.1/cb\"]}");
    gh_test_cc_client(env, "svc", "dns:read", "jwt", NULL);
    expect_ok(env, "client_id=native", NULL, GH_OAUTH_AUTH_ALLOW_NONE, "native");
    /* Where the endpoint does not allow it (introspection). */
    expect_fail(env, "client_id=native", NULL, 0, 401, GH_E_INVALID_CLIENT,
                "requires client authentication");
    /* A confidential client cannot drop its secret. */
    expect_fail(env, "client_id=svc", NULL, GH_OAUTH_AUTH_ALLOW_NONE, 401, GH_E_INVALID_CLIENT,
                "client authentication failed");
    expect_fail(env, "client_id=ghost", NULL, GH_OAUTH_AUTH_ALLOW_NONE, 401, GH_E_INVALID_CLIENT,
                "client authentication failed");
    /* A public client has no secret to send. */
    expect_fail(env, NULL, gh_test_basic(env, "native", ""), GH_OAUTH_AUTH_ALLOW_NONE, 401,
                GH_E_INVALID_CLIENT, "client authentication failed");
}

/* ---- private_key_jwt ---- */

typedef struct jwt_fixture {
    gh_test_env *env;
    gh_jwk *es;   /* the client's ES256 key, kid "k1" */
    gh_jwk *rs;   /* its RS256 key, kid "k2" */
    gh_jwk *evil; /* an ES256 key the client never registered, kid "k1" */
} jwt_fixture;

static json_t *jwks2(gh_jwk *a, gh_jwk *b)
{
    json_t *set = json_object(), *keys = json_array();

    json_array_append_new(keys, gh_jwk_public_json(a));
    if (b != NULL)
        json_array_append_new(keys, gh_jwk_public_json(b));
    json_object_set_new(set, "keys", keys);
    return set;
}

static void make_jwt_client(gh_test_env *env, const char *id, json_t *jwks, const char *alg)
{
    json_t *in = json_pack("{sss[s]ssss}", "client_id", id, "grant_types", "client_credentials",
                           "token_endpoint_auth_method", "private_key_jwt", "scope", "dns:read");
    char *text;

    if (jwks != NULL)
        json_object_set_new(in, "jwks", jwks);
    else
        json_object_set_new(in, "jwks_uri", json_string("https://keys.example/jwks.json"));
    if (alg != NULL)
        json_object_set_new(in, "token_endpoint_auth_signing_alg", json_string(alg));
    text = json_dumps(in, 0);
    gh_test_client(env, gh_arena_strdup(env->arena, text));
    free(text);
    json_decref(in);
}

/* A signed assertion: claims built from the arguments (NULL / 0 leaves a claim out). */
static const char *assertion(gh_test_env *env, const gh_jwk *k, const char *iss, const char *sub,
                             json_t *aud, int64_t exp, const char *jti)
{
    json_t *claims = json_object();
    char *out = NULL;

    gh_json_set_str(claims, "iss", iss);
    gh_json_set_str(claims, "sub", sub);
    if (aud != NULL)
        json_object_set_new(claims, "aud", aud);
    if (exp != 0)
        json_object_set_new(claims, "exp", json_integer(exp));
    json_object_set_new(claims, "iat", json_integer(GH_TEST_T0));
    gh_json_set_str(claims, "jti", jti);
    assert_int_equal(gh_jws_sign(env->arena, k, "JWT", NULL, claims, &out), GH_OK);
    json_decref(claims);
    return out;
}

static const char *jwt_form(gh_test_env *env, const char *a)
{
    return gh_arena_printf(env->arena, "client_assertion_type=%s&client_assertion=%s",
                           JWT_BEARER_ENC, a);
}

static json_t *token_aud(void)
{
    return json_string(GH_TEST_ISSUER "/oauth2/token");
}

static int setup_jwt(void **state)
{
    jwt_fixture *fx = calloc(1, sizeof(*fx));
    gh_test_env *env = gh_test_env_new();

    fx->env = env;
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k1", &fx->es), GH_OK);
    assert_int_equal(gh_jwk_generate(GH_ALG_RS256, "k2", &fx->rs), GH_OK);
    assert_int_equal(gh_jwk_generate(GH_ALG_ES256, "k1", &fx->evil), GH_OK);
    make_jwt_client(env, "agent", jwks2(fx->es, fx->rs), NULL);
    make_jwt_client(env, "strict", jwks2(fx->es, fx->rs), "ES256");
    make_jwt_client(env, "remote", NULL, NULL);
    gh_test_cc_client(env, "svc", "dns:read", "jwt", NULL);
    *state = fx;
    return 0;
}

static int teardown_jwt(void **state)
{
    jwt_fixture *fx = *state;

    gh_jwk_free(fx->es);
    gh_jwk_free(fx->rs);
    gh_jwk_free(fx->evil);
    gh_test_env_free(fx->env);
    free(fx);
    return 0;
}

static const char *auth_jwt(gh_test_env *env, const char *form, gh_oauth_response *resp)
{
    return auth(env, form, NULL, 0, resp);
}

static void jwt_ok(gh_test_env *env, const char *a, const char *id)
{
    gh_oauth_response resp;
    const char *got = auth_jwt(env, jwt_form(env, a), &resp);

    if (got == NULL) {
        print_error("refused: %s\n", gh_test_str(&resp, "error_description"));
        fail();
    }
    assert_string_equal(got, id);
    gh_oauth_response_clear(&resp);
}

static void jwt_fail(gh_test_env *env, const char *form, int status, const char *needle)
{
    expect_fail(env, form, NULL, 0, status,
                status == 400 ? GH_E_INVALID_REQUEST : GH_E_INVALID_CLIENT, needle);
}

static void test_jwt_valid(void **state)
{
    jwt_fixture *fx = *state;
    gh_test_env *env = fx->env;
    json_t *aud = json_array();
    int64_t now = GH_TEST_T0;

    /* SPEC: RFC7523 2.2 / 3 a valid assertion, aud = token endpoint */
    jwt_ok(env, assertion(env, fx->es, "agent", "agent", token_aud(), now + 60, "j1"), "agent");
    /* aud = the issuer; RS256 with the other key; aud as an array. */
    jwt_ok(env,
           assertion(env, fx->es, "agent", "agent", json_string(GH_TEST_ISSUER), now + 60, "j2"),
           "agent");
    jwt_ok(env, assertion(env, fx->rs, "agent", "agent", token_aud(), now + 60, "j3"), "agent");
    json_array_append_new(aud, json_string("https://elsewhere.example"));
    json_array_append_new(aud, json_string(GH_TEST_ISSUER "/oauth2/introspect"));
    jwt_ok(env, assertion(env, fx->es, "agent", "agent", aud, now + 3600, "j4"), "agent");
    /* With a matching client_id in the form. */
    {
        gh_oauth_response resp;
        const char *form = gh_arena_printf(
            env->arena, "client_id=agent&%s",
            jwt_form(env, assertion(env, fx->es, "agent", "agent", token_aud(), now + 60, "j5")));
        assert_string_equal(auth_jwt(env, form, &resp), "agent");
        gh_oauth_response_clear(&resp);
    }
    /* The same jti from another client is its own namespace. */
    jwt_ok(env, assertion(env, fx->es, "strict", "strict", token_aud(), now + 60, "j1"), "strict");
}

static void test_jwt_replay(void **state)
{
    jwt_fixture *fx = *state;
    gh_test_env *env = fx->env;
    const char *a = assertion(env, fx->es, "agent", "agent", token_aud(), GH_TEST_T0 + 120, "once");

    jwt_ok(env, a, "agent");
    /* SPEC: RFC7523 3 item 7 a replayed jti is refused */
    jwt_fail(env, jwt_form(env, a), 401, "already used");
    /* A fresh assertion with the same jti, too. */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->rs, "agent", "agent", token_aud(), GH_TEST_T0 + 60,
                                     "once")),
             401, "already used");
}

static void test_jwt_rejections(void **state)
{
    jwt_fixture *fx = *state;
    gh_test_env *env = fx->env;
    int64_t now = GH_TEST_T0;
    json_t *claims;
    char *a = NULL;

    /* SPEC: RFC7523 3 item 3 aud must identify the server */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->es, "agent", "agent",
                                     json_string("https://other.example/token"), now + 60, "a1")),
             401, "aud");
    jwt_fail(env, jwt_form(env, assertion(env, fx->es, "agent", "agent", NULL, now + 60, "a2")),
             401, "aud");
    /* SPEC: RFC7523 3 item 4 exp required, in the future */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->es, "agent", "agent", token_aud(), now - 1, "e1")),
             401, "expired");
    jwt_fail(env, jwt_form(env, assertion(env, fx->es, "agent", "agent", token_aud(), now, "e2")),
             401, "expired");
    jwt_fail(env, jwt_form(env, assertion(env, fx->es, "agent", "agent", token_aud(), 0, "e3")),
             401, "exp");
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->es, "agent", "agent", token_aud(), now + 7200, "e4")),
             401, "ahead");
    /* iat / nbf in the future. */
    claims = json_pack("{sssss[s]sIsIss}", "iss", "agent", "sub", "agent", "aud", GH_TEST_ISSUER,
                       "exp", (json_int_t)(now + 300), "nbf", (json_int_t)(now + 200), "jti", "n1");
    assert_int_equal(gh_jws_sign(env->arena, fx->es, NULL, NULL, claims, &a), GH_OK);
    jwt_fail(env, jwt_form(env, a), 401, "nbf");
    json_object_del(claims, "nbf");
    json_object_set_new(claims, "iat", json_integer(now + 200));
    assert_int_equal(gh_jws_sign(env->arena, fx->es, NULL, NULL, claims, &a), GH_OK);
    jwt_fail(env, jwt_form(env, a), 401, "iat");
    json_object_set_new(claims, "iat", json_string("yesterday"));
    assert_int_equal(gh_jws_sign(env->arena, fx->es, NULL, NULL, claims, &a), GH_OK);
    jwt_fail(env, jwt_form(env, a), 401, "iat");
    json_decref(claims);
    /* jti required. */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->es, "agent", "agent", token_aud(), now + 60, NULL)),
             401, "jti");
    /* SPEC: RFC7523 3 items 1-2 iss and sub are the client_id */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->es, "agent", "someone", token_aud(), now + 60, "s1")),
             401, "iss and sub");
    jwt_fail(env, jwt_form(env, assertion(env, fx->es, "agent", NULL, token_aud(), now + 60, "s2")),
             401, "iss and sub");
    jwt_fail(env,
             gh_arena_printf(env->arena, "client_id=svc&%s",
                             jwt_form(env, assertion(env, fx->es, "agent", "agent", token_aud(),
                                                     now + 60, "s3"))),
             401, "does not match");
    /* Wrong key: same kid and alg, another key. */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->evil, "agent", "agent", token_aud(), now + 60, "k1")),
             401, "signature");
    /* Wrong alg: the client registered ES256; RS256 with its own key is refused. */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->rs, "strict", "strict", token_aud(), now + 60, "w1")),
             401, "alg");
    /* Not a JWS at all; unknown client; client not registered for private_key_jwt. */
    jwt_fail(env, jwt_form(env, "a.b.c"), 401, "not a compact JWS");
    jwt_fail(env, jwt_form(env, "garbage"), 401, "not a compact JWS");
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->es, "ghost", "ghost", token_aud(), now + 60, "g1")),
             401, "client authentication failed");
    jwt_fail(env, jwt_form(env, assertion(env, fx->es, "svc", "svc", token_aud(), now + 60, "g2")),
             401, "client_secret_basic");
    /* Keys only by jwks_uri: explained. */
    jwt_fail(env,
             jwt_form(env, assertion(env, fx->es, "remote", "remote", token_aud(), now + 60, "r1")),
             401, "jwks_uri is not fetched");
    /* SPEC: RFC7523 2.2 client_assertion_type must be jwt-bearer */
    jwt_fail(env, "client_assertion_type=urn%3Aother&client_assertion=a.b.c", 401,
             "client_assertion_type");
    jwt_fail(env, "client_assertion_type=" JWT_BEARER_ENC, 400, "go together");
    jwt_fail(env, "client_assertion=a.b.c", 400, "go together");
}

static void test_jwt_token_endpoint(void **state)
{
    jwt_fixture *fx = *state;
    gh_test_env *env = fx->env;
    gh_oauth_response resp;
    const char *a = assertion(env, fx->es, "agent", "agent", token_aud(), GH_TEST_T0 + 60, "t1");
    const char *form =
        gh_arena_printf(env->arena, "grant_type=client_credentials&%s", jwt_form(env, a));

    /* End to end: a client_credentials token for a private_key_jwt client. */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST", form, NULL, &resp), GH_OK);
    assert_true(resp.status == 0 || resp.status == 200);
    assert_non_null(gh_test_str(&resp, "access_token"));
    gh_oauth_response_clear(&resp);
    /* The same assertion again. */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST", form, NULL, &resp), GH_OK);
    assert_int_equal(resp.status, 401);
    assert_string_equal(gh_test_str(&resp, "error"), GH_E_INVALID_CLIENT);
    gh_oauth_response_clear(&resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_authz_parse),
        cmocka_unit_test_setup_teardown(test_basic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_special_characters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_and_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_jwt_valid, setup_jwt, teardown_jwt),
        cmocka_unit_test_setup_teardown(test_jwt_replay, setup_jwt, teardown_jwt),
        cmocka_unit_test_setup_teardown(test_jwt_rejections, setup_jwt, teardown_jwt),
        cmocka_unit_test_setup_teardown(test_jwt_token_endpoint, setup_jwt, teardown_jwt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
