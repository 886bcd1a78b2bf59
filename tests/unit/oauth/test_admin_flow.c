/*
 * test_admin_flow.c - Hydra's login, consent and logout admin API (admin_flow.c) driven as an
 * operator's login/consent app drives it: the request objects' shapes, accept and reject with
 * their redirect_to, Hydra's error format and status codes (400, 404, 409, 410), unknown,
 * expired, reused and swapped challenges, a widened grant_scope or audience, an ID token claim
 * of ours overridden, skip with a session and a remembered consent when the apps are
 * configured, the app's claims in the tokens, login sessions revoked by subject and sid, and
 * the audit trail naming the admin API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/limits.h"
#include "json/json.h"
#include "oauth/flow_int.h"
#include "support/gh_flowtest.h"

static int setup(void **state)
{
    gh_config *cfg = gh_test_config_new();
    gh_test_env *env;

    /* An operator's own login and consent app (Hydra's behaviour: skip is shown to it). */
    cfg->url_login = "https://login.example.test/login";
    cfg->url_consent = "https://login.example.test/consent";
    cfg->url_logout = "https://login.example.test/logout";
    env = gh_test_env_new_with(cfg, NULL);
    gh_ft_client(env, "app", "openid profile offline_access dns:read dns:write");
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

/* Calls an admin endpoint with method, query and JSON body (NULL: none). */
static void admin(gh_test_env *env, gh_oauth_endpoint ep, const char *method, const char *query,
                  const char *body, gh_oauth_response *resp)
{
    gh_oauth_request req;
    gh_form *q = GH_ARENA_NEW(env->arena, gh_form);

    assert_int_equal(gh_form_parse(env->arena, query, strlen(query), q), GH_OK);
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.query = q;
    req.body = body;
    req.body_len = body != NULL ? strlen(body) : 0;
    req.content_type = body != NULL ? "application/json" : NULL;
    req.remote_addr = "192.0.2.7";
    req.user_agent = "ory-client-test/1.0";
    gh_oauth_response_init(resp);
    assert_int_equal(ep(env->e, gh_test_ctx(env), &req, resp), GH_OK);
}

static const char *q(gh_test_env *env, const char *name, const char *challenge)
{
    return gh_arena_printf(env->arena, "%s=%s", name, challenge);
}

/* The Hydra error of resp: status, error and status_code member. */
static void assert_hydra_error(const gh_oauth_response *r, int status, const char *error)
{
    assert_int_equal(r->status, status);
    assert_non_null(r->body);
    assert_string_equal(json_string_value(json_object_get(r->body, "error")), error);
    assert_non_null(json_string_value(json_object_get(r->body, "error_description")));
    assert_int_equal(json_integer_value(json_object_get(r->body, "status_code")), status);
}

/* Starts an authorization request in b; returns the location (login or consent app). */
static const char *authorize(gh_test_env *env, gh_ft_browser *b, const char *scope,
                             const char *extra)
{
    gh_oauth_response r;
    const char *loc;

    assert_int_equal(
        gh_ft_get(env, gh_oauth_authorize, gh_ft_authz_query(env, scope, extra), b, &r), GH_OK);
    assert_int_equal(r.status, 302);
    loc = gh_arena_strdup(env->arena, r.location);
    gh_oauth_response_clear(&r);
    return loc;
}

/* Follows a redirect_to back to /oauth2/auth in b; returns the location. */
static const char *follow(gh_test_env *env, gh_ft_browser *b, const char *redirect_to)
{
    gh_oauth_response r;
    const char *loc;

    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(redirect_to), b, &r), GH_OK);
    assert_int_equal(r.status, 302);
    loc = gh_arena_strdup(env->arena, r.location);
    gh_oauth_response_clear(&r);
    return loc;
}

/* PUT accept with body; returns redirect_to (asserts 200). */
static const char *accept(gh_test_env *env, gh_oauth_endpoint ep, const char *qname,
                          const char *challenge, const char *body)
{
    gh_oauth_response r;
    const char *to;

    admin(env, ep, "PUT", q(env, qname, challenge), body, &r);
    assert_int_equal(r.status, 200);
    to = gh_arena_strdup(env->arena, gh_test_str(&r, "redirect_to"));
    assert_non_null(to);
    gh_oauth_response_clear(&r);
    return to;
}

/* A whole login and consent through the API; returns the code. */
static const char *full_flow(gh_test_env *env, gh_ft_browser *b, const char *consent_body,
                             bool remember_login)
{
    const char *loc = authorize(env, b, "openid dns:read dns:write", "&nonce=n1"), *lc, *cc;

    lc = gh_ft_param(env, loc, "login_challenge");
    assert_non_null(lc);
    loc = follow(env, b,
                 accept(env, gh_oauth_admin_login_accept, "login_challenge", lc,
                        remember_login ? "{\"subject\":\"alice\",\"remember\":true,"
                                         "\"amr\":[\"pwd\",\"otp\"],\"acr\":\"2\","
                                         "\"context\":{\"tier\":\"gold\"}}"
                                       : "{\"subject\":\"alice\"}"));
    cc = gh_ft_param(env, loc, "consent_challenge");
    assert_non_null(cc);
    loc = follow(env, b, accept(env, gh_oauth_admin_consent_accept, "consent_challenge", cc,
                                consent_body));
    assert_true(strncmp(loc, GH_FT_REDIRECT "?", strlen(GH_FT_REDIRECT) + 1) == 0);
    return gh_ft_param(env, loc, "code");
}

static void test_login_request_shape_and_errors(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *loc = authorize(env, &b, "openid dns:read",
                                "&login_hint=ann%40example.com&ui_locales=de%20en&acr_values=2");
    const char *lc = gh_ft_param(env, loc, "login_challenge");
    json_t *oc, *rs;

    assert_true(strncmp(loc, "https://login.example.test/login?login_challenge=", 49) == 0);
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(gh_test_str(&r, "challenge"), lc);
    assert_true(json_is_false(json_object_get(r.body, "skip")));
    assert_string_equal(gh_test_str(&r, "subject"), "");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.body, "client"), "client_id")), "app");
    assert_null(json_object_get(json_object_get(r.body, "client"), "client_secret"));
    rs = json_object_get(r.body, "requested_scope");
    assert_int_equal(json_array_size(rs), 2);
    assert_string_equal(json_string_value(json_array_get(rs, 1)), "dns:read");
    assert_true(json_is_array(json_object_get(r.body, "requested_access_token_audience")));
    assert_non_null(strstr(gh_test_str(&r, "request_url"), "/oauth2/auth?"));
    oc = json_object_get(r.body, "oidc_context");
    assert_string_equal(json_string_value(json_object_get(oc, "login_hint")), "ann@example.com");
    assert_int_equal(json_array_size(json_object_get(oc, "ui_locales")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(oc, "acr_values"), 0)),
                        "2");
    gh_oauth_response_clear(&r);

    /* Hydra also takes ?challenge= */
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "challenge", lc), NULL, &r);
    assert_int_equal(r.status, 200);
    gh_oauth_response_clear(&r);
    /* missing challenge: 400 invalid_request with a hint */
    admin(env, gh_oauth_admin_login_request, "GET", "", NULL, &r);
    assert_hydra_error(&r, 400, "invalid_request");
    assert_non_null(gh_test_str(&r, "error_hint"));
    gh_oauth_response_clear(&r);
    /* unknown and malformed challenges: 404 */
    admin(env, gh_oauth_admin_login_request, "GET",
          "login_challenge=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL,
          &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_request, "GET", "login_challenge=nope", NULL, &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    /* wrong method */
    admin(env, gh_oauth_admin_login_request, "PUT", q(env, "login_challenge", lc), NULL, &r);
    assert_int_equal(r.status, 405);
    gh_oauth_response_clear(&r);
}

static void test_login_accept_bodies(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge");
    const char *to;

    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc), "{nope", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc),
          "{\"subject\":\"alice\",\"colour\":\"red\"}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc), "{}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc),
          "{\"subject\":\"alice\",\"remember\":\"yes\"}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc),
          "{\"subject\":\"alice\",\"amr\":[1]}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc),
          "{\"subject\":\"alice\",\"remember_for\":-1}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);

    to = accept(env, gh_oauth_admin_login_accept, "login_challenge", lc,
                "{\"subject\":\"alice\",\"remember\":true,\"remember_for\":3600,"
                "\"extend_session_lifespan\":false}");
    assert_non_null(gh_ft_param(env, to, "login_verifier"));
    /* reused: 409 for an answer, 410 with the request URL for a read */
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc),
          "{\"subject\":\"alice\"}", &r);
    assert_hydra_error(&r, 409, "Conflict");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_reject, "PUT", q(env, "login_challenge", lc), "{}", &r);
    assert_hydra_error(&r, 409, "Conflict");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_int_equal(r.status, 410);
    assert_non_null(strstr(gh_test_str(&r, "redirect_to"), "/oauth2/auth?"));
    gh_oauth_response_clear(&r);
}

static void test_swapped_and_expired_challenges(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge"), *cc,
               *lc2;

    /* a login challenge at the consent and logout endpoints: 404 */
    admin(env, gh_oauth_admin_consent_request, "GET", q(env, "consent_challenge", lc), NULL, &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", lc),
          "{\"grant_scope\":[\"openid\"]}", &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_logout_accept, "PUT", q(env, "logout_challenge", lc), NULL, &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    cc = gh_ft_param(env,
                     follow(env, &b,
                            accept(env, gh_oauth_admin_login_accept, "login_challenge", lc,
                                   "{\"subject\":\"alice\"}")),
                     "consent_challenge");
    assert_non_null(cc);
    /* a consent challenge at the login endpoints: 404 */
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", cc),
          "{\"subject\":\"mallory\"}", &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    /* expired (ttl.flow) */
    lc2 = gh_ft_param(env, authorize(env, &b, "openid", "&prompt=login"), "login_challenge");
    gh_test_env_advance(env, gh_oauth__flow_ttl(env->e) + 1);
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc2), NULL, &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
          "{\"grant_scope\":[\"openid\"]}", &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
}

static void test_consent_request_and_narrowed_grant(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *loc = authorize(env, &b, "openid dns:read dns:write", ""), *lc, *cc, *code;
    json_t *p;

    lc = gh_ft_param(env, loc, "login_challenge");
    loc = follow(env, &b,
                 accept(env, gh_oauth_admin_login_accept, "login_challenge", lc,
                        "{\"subject\":\"alice\",\"acr\":\"2\",\"amr\":[\"pwd\"],"
                        "\"context\":{\"tier\":\"gold\"}}"));
    assert_true(strncmp(loc, "https://login.example.test/consent?consent_challenge=", 53) == 0);
    cc = gh_ft_param(env, loc, "consent_challenge");
    admin(env, gh_oauth_admin_consent_request, "GET", q(env, "consent_challenge", cc), NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(gh_test_str(&r, "challenge"), cc);
    assert_string_equal(gh_test_str(&r, "subject"), "alice");
    assert_string_equal(gh_test_str(&r, "login_challenge"), lc);
    assert_non_null(gh_test_str(&r, "login_session_id"));
    assert_string_equal(gh_test_str(&r, "acr"), "2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(r.body, "amr"), 0)),
                        "pwd");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.body, "context"), "tier")), "gold");
    assert_true(json_is_false(json_object_get(r.body, "skip")));
    assert_int_equal(json_array_size(json_object_get(r.body, "requested_scope")), 3);
    assert_true(json_is_object(json_object_get(r.body, "oidc_context")));
    gh_oauth_response_clear(&r);

    /* SPEC: issue 4 - grant_scope outside the request is refused (Hydra's 400) */
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
          "{\"grant_scope\":[\"openid\",\"logs:read\"]}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    assert_non_null(strstr(gh_test_str(&r, "error_hint"), "not requested"));
    gh_oauth_response_clear(&r);
    /* an audience that was not requested */
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
          "{\"grant_scope\":[\"openid\"],\"grant_access_token_audience\":[\"https://x.test\"]}",
          &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    /* SPEC: issue 4 - gatehouse's own ID token claims cannot be overwritten */
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
          "{\"grant_scope\":[\"openid\"],\"session\":{\"id_token\":{\"sub\":\"root\"}}}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    assert_non_null(strstr(gh_test_str(&r, "error_hint"), "sub"));
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
          "{\"grant_scope\":[\"openid\"],\"session\":{\"access_token\":[1]}}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    /* claims past GH_LIMIT_APP_CLAIMS: refused, nothing accepted */
    {
        char big[GH_LIMIT_APP_CLAIMS + 64];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
              gh_arena_printf(env->arena,
                              "{\"grant_scope\":[\"openid\"],\"session\":{\"access_token\":"
                              "{\"blob\":\"%s\"}}}",
                              big),
              &r);
        assert_hydra_error(&r, 400, "invalid_request");
        gh_oauth_response_clear(&r);
    }
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
          "{\"grant_scope\":\"openid\"}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);

    /* narrowed: dns:write unticked; claims for both tokens */
    loc = follow(env, &b,
                 accept(env, gh_oauth_admin_consent_accept, "consent_challenge", cc,
                        "{\"grant_scope\":[\"openid\",\"dns:read\"],"
                        "\"session\":{\"access_token\":{\"org\":\"acme\"},"
                        "\"id_token\":{\"team\":\"blue\"}}}"));
    code = gh_ft_param(env, loc, "code");
    assert_non_null(code);
    admin(env, gh_oauth_admin_consent_accept, "PUT", q(env, "consent_challenge", cc),
          "{\"grant_scope\":[\"openid\"]}", &r);
    assert_hydra_error(&r, 409, "Conflict");
    gh_oauth_response_clear(&r);

    /* the token exchange: ext in the access token, the app's claim and amr in the ID token */
    assert_int_equal(gh_test_call(env, gh_oauth_token, "POST",
                                  gh_arena_printf(env->arena,
                                                  "grant_type=authorization_code&code=%s"
                                                  "&redirect_uri=%s"
                                                  "&client_id=app&code_verifier=" GH_FT_VERIFIER,
                                                  code, GH_FT_REDIRECT_ENC),
                                  NULL, &r),
                     GH_OK);
    if (r.status != 200)
        print_message("token: %s\n", gh_json_dump_a(env->arena, r.body));
    assert_int_equal(r.status, 200);
    assert_string_equal(gh_test_str(&r, "scope"), "openid dns:read");
    p = gh_test_jwt_payload(env, gh_test_str(&r, "access_token"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "ext"), "org")),
                        "acme");
    assert_null(json_object_get(p, "org"));
    json_decref(p);
    p = gh_test_jwt_payload(env, gh_test_str(&r, "id_token"));
    assert_string_equal(json_string_value(json_object_get(p, "team")), "blue");
    assert_string_equal(json_string_value(json_object_get(p, "sub")), "alice");
    assert_string_equal(json_string_value(json_object_get(p, "acr")), "2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(p, "amr"), 0)), "pwd");
    json_decref(p);
    gh_oauth_response_clear(&r);
}

static void test_rejects(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge"), *to,
               *cc;

    admin(env, gh_oauth_admin_login_reject, "PUT", q(env, "login_challenge", lc),
          "{\"error\":\"access_denied\",\"error_description\":\"The user said no.\","
          "\"error_hint\":\"Try again.\",\"status_code\":403,\"other\":1}",
          &r);
    assert_hydra_error(&r, 400, "invalid_request"); /* unknown field */
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_reject, "PUT", q(env, "login_challenge", lc),
          "{\"error\":\"access denied\\u0001\"}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    to = accept(env, gh_oauth_admin_login_reject, "login_challenge", lc,
                "{\"error\":\"access_denied\",\"error_description\":\"The user said no.\","
                "\"error_hint\":\"Try again.\",\"status_code\":403}");
    /* as Hydra: back through /oauth2/auth with the verifier, only in the same browser */
    assert_non_null(gh_ft_param(env, to, "login_verifier"));
    {
        gh_ft_browser other = {0};

        assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), &other, &r), GH_OK);
        assert_int_equal(r.status, 400);
        assert_true(r.user_facing);
        gh_oauth_response_clear(&r);
    }
    to = follow(env, &b, to);
    /* SPEC: RFC6749 4.1.2.1 - error, error_description, state at the client; RFC9207 iss */
    assert_true(strncmp(to, GH_FT_REDIRECT "?", strlen(GH_FT_REDIRECT) + 1) == 0);
    assert_string_equal(gh_ft_param(env, to, "error"), "access_denied");
    assert_string_equal(gh_ft_param(env, to, "error_description"), "The user said no. Try again.");
    assert_string_equal(gh_ft_param(env, to, "state"), "xyz");
    assert_non_null(gh_ft_param(env, to, "iss"));

    lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge");
    cc = gh_ft_param(env,
                     follow(env, &b,
                            accept(env, gh_oauth_admin_login_accept, "login_challenge", lc,
                                   "{\"subject\":\"alice\"}")),
                     "consent_challenge");
    to = follow(env, &b, accept(env, gh_oauth_admin_consent_reject, "consent_challenge", cc, NULL));
    assert_string_equal(gh_ft_param(env, to, "error"), "access_denied");
    admin(env, gh_oauth_admin_consent_request, "GET", q(env, "consent_challenge", cc), NULL, &r);
    assert_int_equal(r.status, 410);
    gh_oauth_response_clear(&r);
    assert_true(gh_ft_audit_count(env, GH_OAUTH_AUDIT_LOGIN_REJECTED) == 1);
    assert_true(gh_ft_audit_count(env, GH_OAUTH_AUDIT_CONSENT_DENIED) == 1);
}

/* SPEC: issue 4 item 2 - a configured app sees skip=true with a session and a remembered
 * consent (Hydra), and must answer with the session's subject. */
static void test_skip_and_remember(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *code, *loc, *lc, *cc, *to;

    code = full_flow(env, &b,
                     "{\"grant_scope\":[\"openid\",\"dns:read\"],\"remember\":true,"
                     "\"remember_for\":0,\"session\":{\"access_token\":{\"org\":\"acme\"}}}",
                     true);
    assert_non_null(code);
    assert_non_null(gh_ft_cookie(&b, "gh_session"));

    loc = authorize(env, &b, "openid dns:read", "");
    lc = gh_ft_param(env, loc, "login_challenge");
    assert_non_null(lc);
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_true(json_is_true(json_object_get(r.body, "skip")));
    assert_string_equal(gh_test_str(&r, "subject"), "alice");
    assert_non_null(gh_test_str(&r, "session_id"));
    gh_oauth_response_clear(&r);
    /* another subject than the session's: 400 */
    admin(env, gh_oauth_admin_login_accept, "PUT", q(env, "login_challenge", lc),
          "{\"subject\":\"mallory\"}", &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    loc = follow(env, &b,
                 accept(env, gh_oauth_admin_login_accept, "login_challenge", lc,
                        "{\"subject\":\"alice\"}"));
    cc = gh_ft_param(env, loc, "consent_challenge");
    assert_non_null(cc);
    admin(env, gh_oauth_admin_consent_request, "GET", q(env, "consent_challenge", cc), NULL, &r);
    assert_true(json_is_true(json_object_get(r.body, "skip")));
    gh_oauth_response_clear(&r);
    to = accept(env, gh_oauth_admin_consent_accept, "consent_challenge", cc,
                "{\"grant_scope\":[\"openid\",\"dns:read\"]}");
    loc = follow(env, &b, to);
    assert_non_null(gh_ft_param(env, loc, "code"));

    /* the remembered consent was kept (remember false on a skipped consent) and lasts until
     * revoked (remember_for 0) */
    gh_test_env_advance(env, 400 * 86400);
    admin(env, gh_oauth_admin_consent_sessions, "GET", "subject=alice", NULL, &r);
    assert_int_equal(json_array_size(r.body), 1);
    assert_true(json_is_true(json_object_get(json_array_get(r.body, 0), "remember")));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(json_array_get(r.body, 0), "session"),
                                            "access_token"),
                            "org")),
                        "acme");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_consent_sessions, "DELETE", "subject=alice&client=app", NULL, &r);
    assert_int_equal(r.status, 204);
    gh_oauth_response_clear(&r);
    {
        gh_audit_event *ev = NULL;
        size_t n = 0;
        bool found = false;

        assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &n), GH_OK);
        for (size_t i = 0; i < n; i++)
            if (strcmp(ev[i].type, GH_OAUTH_AUDIT_CONSENT_REVOKED) == 0) {
                assert_string_equal(ev[i].actor, GH_OAUTH_ACTOR_ADMIN_API);
                assert_non_null(strstr(ev[i].data, "192.0.2.7"));
                found = true;
            }
        assert_true(found);
    }
    /* the revoked consent is not covering any more: skip false */
    loc = authorize(env, &b, "openid dns:read", "");
    lc = gh_ft_param(env, loc, "login_challenge");
    loc = follow(env, &b,
                 accept(env, gh_oauth_admin_login_accept, "login_challenge", lc,
                        "{\"subject\":\"alice\"}"));
    cc = gh_ft_param(env, loc, "consent_challenge");
    admin(env, gh_oauth_admin_consent_request, "GET", q(env, "consent_challenge", cc), NULL, &r);
    assert_true(json_is_false(json_object_get(r.body, "skip")));
    gh_oauth_response_clear(&r);

    /* a wider request is not covered: skip false */
    loc = authorize(env, &b, "openid dns:read dns:write", "&prompt=login");
    lc = gh_ft_param(env, loc, "login_challenge");
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_true(json_is_false(json_object_get(r.body, "skip")));
    gh_oauth_response_clear(&r);
}

/* Hydra's remember false: the login is not remembered, the next request asks again. */
static void test_login_not_remembered(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *lc;

    assert_non_null(full_flow(env, &b, "{\"grant_scope\":[\"openid\"]}", false));
    assert_null(gh_ft_cookie(&b, "gh_session"));
    lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge");
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_true(json_is_false(json_object_get(r.body, "skip")));
    gh_oauth_response_clear(&r);
}

static void test_login_sessions_revoked(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *lc;

    assert_non_null(full_flow(env, &b, "{\"grant_scope\":[\"openid\"]}", true));
    admin(env, gh_oauth_admin_login_sessions, "DELETE", "", NULL, &r);
    assert_hydra_error(&r, 400, "invalid_request");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_sessions, "DELETE", "sid=AAAAAAAAAAAAAAAAAAAAAA", NULL, &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_sessions, "DELETE", "subject=alice", NULL, &r);
    assert_int_equal(r.status, 204);
    gh_oauth_response_clear(&r);
    assert_true(gh_ft_audit_count(env, GH_OAUTH_AUDIT_SESSIONS_REVOKED) == 1);
    /* the browser's session is no longer honoured: no skip */
    lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge");
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_true(json_is_false(json_object_get(r.body, "skip")));
    gh_oauth_response_clear(&r);
    /* a session started after the revocation is honoured */
    gh_test_env_advance(env, 1);
    assert_non_null(full_flow(env, &b, "{\"grant_scope\":[\"openid\"]}", true));
    lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge");
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_true(json_is_true(json_object_get(r.body, "skip")));
    /* revoke that one by its sid */
    lc = gh_arena_printf(env->arena, "sid=%s", gh_test_str(&r, "session_id"));
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_sessions, "DELETE", lc, NULL, &r);
    assert_int_equal(r.status, 204);
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_login_sessions, "DELETE", lc, NULL, &r);
    assert_hydra_error(&r, 404, "Not Found");
    gh_oauth_response_clear(&r);
}

static void test_logout_api(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_oauth_response r;
    const char *lc, *lo, *to;

    assert_non_null(full_flow(env, &b, "{\"grant_scope\":[\"openid\"]}", true));
    assert_int_equal(gh_ft_get(env, gh_oauth_logout, "client_id=app", &b, &r), GH_OK);
    assert_int_equal(r.status, 302);
    lo = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "logout_challenge"));
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_logout_request, "GET", q(env, "logout_challenge", lo), NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(gh_test_str(&r, "subject"), "alice");
    assert_string_equal(gh_test_str(&r, "challenge"), lo);
    assert_non_null(gh_test_str(&r, "sid"));
    assert_true(json_is_false(json_object_get(r.body, "rp_initiated")));
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(r.body, "client"), "client_id")), "app");
    gh_oauth_response_clear(&r);
    to = accept(env, gh_oauth_admin_logout_accept, "logout_challenge", lo, NULL);
    assert_non_null(gh_ft_param(env, to, "logout_verifier"));
    admin(env, gh_oauth_admin_logout_request, "GET", q(env, "logout_challenge", lo), NULL, &r);
    assert_int_equal(r.status, 410);
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_logout_reject, "PUT", q(env, "logout_challenge", lo), NULL, &r);
    assert_hydra_error(&r, 409, "Conflict");
    gh_oauth_response_clear(&r);

    /* a second logout, rejected: 204 and the session lives on */
    assert_int_equal(gh_ft_get(env, gh_oauth_logout, "client_id=app", &b, &r), GH_OK);
    lo = gh_arena_strdup(env->arena, gh_ft_param(env, r.location, "logout_challenge"));
    gh_oauth_response_clear(&r);
    admin(env, gh_oauth_admin_logout_reject, "PUT", q(env, "logout_challenge", lo), NULL, &r);
    assert_int_equal(r.status, 204);
    assert_null(r.body);
    gh_oauth_response_clear(&r);
    lc = gh_ft_param(env, authorize(env, &b, "openid", ""), "login_challenge");
    admin(env, gh_oauth_admin_login_request, "GET", q(env, "login_challenge", lc), NULL, &r);
    assert_true(json_is_true(json_object_get(r.body, "skip")));
    gh_oauth_response_clear(&r);
    assert_true(gh_ft_audit_count(env, GH_OAUTH_AUDIT_LOGOUT_REJECTED) == 1);
}

/* SPEC: issue 4 item 6 - every answer names the app that gave it */
static void test_audit_names_the_admin_api(void **state)
{
    gh_test_env *env = *state;
    gh_ft_browser b = {0};
    gh_audit_event *ev = NULL;
    size_t n = 0, seen = 0;

    assert_non_null(full_flow(env, &b, "{\"grant_scope\":[\"openid\"]}", true));
    assert_int_equal(gh_store_audit_list(env->store, 0, 1000, env->arena, &ev, &n), GH_OK);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ev[i].type, GH_OAUTH_AUDIT_LOGIN_ACCEPTED) != 0 &&
            strcmp(ev[i].type, GH_OAUTH_AUDIT_CONSENT_GRANTED) != 0)
            continue;
        assert_string_equal(ev[i].actor, GH_OAUTH_ACTOR_ADMIN_API);
        assert_non_null(strstr(ev[i].data, "\"remote_addr\":\"192.0.2.7\""));
        assert_non_null(strstr(ev[i].data, "\"user_agent\":\"ory-client-test/1.0\""));
        seen++;
    }
    assert_int_equal(seen, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_login_request_shape_and_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_accept_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swapped_and_expired_challenges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_request_and_narrowed_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_and_remember, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_not_remembered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_sessions_revoked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_logout_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_names_the_admin_api, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
