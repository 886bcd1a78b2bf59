/*
 * gh_flowtest.c - fixtures for the authorization flow tests (see gh_flowtest.h).
 */
#include "support/gh_flowtest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/form.h"

const char *gh_ft_client(gh_test_env *env, const char *id, const char *scope)
{
    return gh_test_client(
        env, gh_arena_printf(env->arena,
                             "{\"client_id\":\"%s\",\"client_name\":\"Example App\","
                             "\"client_uri\":\"https://app.example.com\","
                             "\"redirect_uris\":[\"" GH_FT_REDIRECT "\",\"http://127.0.0.1/cb\","
                             "\"com.example.app:/cb\"],"
                             "\"post_logout_redirect_uris\":[\"" GH_FT_BYE "\"],"
                             "\"grant_types\":[\"authorization_code\",\"refresh_token\"],"
                             "\"response_types\":[\"code\"],\"scope\":\"%s\","
                             "\"token_endpoint_auth_method\":\"none\"}",
                             id != NULL ? id : "app", scope));
}

void gh_ft_take_cookies(gh_test_env *env, gh_ft_browser *b, const gh_oauth_response *resp)
{
    for (size_t i = 0; i < resp->n_set_cookie; i++) {
        const char *sc = resp->set_cookie[i];
        const char *eq = strchr(sc, '='), *semi = strchr(sc, ';');
        const char *name, *value;
        bool del = strstr(sc, "Max-Age=0") != NULL;
        size_t j;

        assert_non_null(eq);
        assert_non_null(semi);
        name = gh_arena_strndup(env->arena, sc, (size_t)(eq - sc));
        value = gh_arena_strndup(env->arena, eq + 1, (size_t)(semi - eq - 1));
        for (j = 0; j < b->n && strcmp(b->name[j], name) != 0; j++)
            ;
        if (del) {
            if (j < b->n) {
                b->name[j] = b->name[b->n - 1];
                b->value[j] = b->value[b->n - 1];
                b->n--;
            }
            continue;
        }
        if (j == b->n) {
            assert_true(b->n < GH_FT_MAX_COOKIES);
            b->n++;
        }
        b->name[j] = name;
        b->value[j] = value;
    }
}

const char *gh_ft_cookie_header(gh_test_env *env, const gh_ft_browser *b)
{
    const char *h = NULL;

    for (size_t i = 0; b != NULL && i < b->n; i++)
        h = h == NULL ? gh_arena_printf(env->arena, "%s=%s", b->name[i], b->value[i])
                      : gh_arena_printf(env->arena, "%s; %s=%s", h, b->name[i], b->value[i]);
    return h;
}

const char *gh_ft_cookie(const gh_ft_browser *b, const char *name)
{
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->name[i], name) == 0)
            return b->value[i];
    return NULL;
}

static gh_err call(gh_test_env *env, gh_oauth_endpoint ep, const char *method, const char *s,
                   gh_ft_browser *b, gh_oauth_response *resp)
{
    static const gh_form empty = {NULL, 0};
    gh_oauth_request req;
    gh_form *f = GH_ARENA_NEW(env->arena, gh_form);
    gh_err err;

    memset(&req, 0, sizeof(req));
    req.method = method;
    assert_int_equal(gh_form_parse(env->arena, s, strlen(s), f), GH_OK);
    if (strcmp(method, "GET") == 0) {
        req.query = f;
    } else {
        req.query = &empty;
        req.form = f;
        req.content_type = "application/x-www-form-urlencoded";
        req.body = s;
        req.body_len = strlen(s);
    }
    req.cookie = gh_ft_cookie_header(env, b);
    req.remote_addr = "192.0.2.1";
    gh_oauth_response_init(resp);
    err = ep(env->e, gh_test_ctx(env), &req, resp);
    if (err == GH_OK && b != NULL)
        gh_ft_take_cookies(env, b, resp);
    return err;
}

gh_err gh_ft_get(gh_test_env *env, gh_oauth_endpoint ep, const char *query, gh_ft_browser *b,
                 gh_oauth_response *resp)
{
    return call(env, ep, "GET", query, b, resp);
}

gh_err gh_ft_post(gh_test_env *env, gh_oauth_endpoint ep, const char *form, gh_ft_browser *b,
                  gh_oauth_response *resp)
{
    return call(env, ep, "POST", form, b, resp);
}

const char *gh_ft_query(const char *url)
{
    const char *q = url != NULL ? strchr(url, '?') : NULL;

    return q != NULL ? q + 1 : "";
}

const char *gh_ft_param(gh_test_env *env, const char *url, const char *name)
{
    const char *q = gh_ft_query(url);
    gh_form f;

    assert_int_equal(gh_form_parse(env->arena, q, strlen(q), &f), GH_OK);
    for (size_t i = 0; i < f.n; i++)
        if (strcmp(f.pairs[i].name, name) == 0)
            return f.pairs[i].value;
    return NULL;
}

const char *gh_ft_authz_query(gh_test_env *env, const char *scope, const char *extra)
{
    return gh_arena_printf(env->arena,
                           "response_type=code&client_id=app&redirect_uri=%s"
                           "&code_challenge=" GH_FT_CHALLENGE
                           "&code_challenge_method=S256&state=xyz&scope=%s%s",
                           GH_FT_REDIRECT_ENC, gh_url_encode(env->arena, scope),
                           extra != NULL ? extra : "");
}

void gh_ft_login(gh_test_env *env, gh_ft_browser *b, const char *url, const char *subject,
                 bool remember, gh_oauth_response *resp)
{
    const char *challenge = gh_ft_param(env, url, "login_challenge"), *to = NULL, *msg = NULL;
    gh_oauth_login_answer a;

    assert_non_null(challenge);
    memset(&a, 0, sizeof(a));
    a.subject = subject;
    a.remember = remember;
    assert_int_equal(gh_oauth_login_accept(env->e, gh_test_ctx(env), challenge, &a, &to, &msg),
                     GH_OK);
    assert_non_null(to);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), b, resp), GH_OK);
}

void gh_ft_consent(gh_test_env *env, gh_ft_browser *b, const char *url,
                   const char *const *grant, size_t n, bool remember, gh_oauth_response *resp)
{
    const char *challenge = gh_ft_param(env, url, "consent_challenge"), *to = NULL, *msg = NULL;
    gh_oauth_consent_answer a;

    assert_non_null(challenge);
    memset(&a, 0, sizeof(a));
    a.grant_scope = grant;
    a.n_grant_scope = n;
    a.remember = remember;
    assert_int_equal(gh_oauth_consent_accept(env->e, gh_test_ctx(env), challenge, &a, &to, &msg),
                     GH_OK);
    assert_non_null(to);
    assert_int_equal(gh_ft_get(env, gh_oauth_authorize, gh_ft_query(to), b, resp), GH_OK);
}

size_t gh_ft_audit_count(gh_test_env *env, const char *type)
{
    gh_audit_event *ev = NULL;
    size_t n = 0, count = 0;
    int64_t after = 0;

    for (;;) {
        assert_int_equal(gh_store_audit_list(env->store, after, 500, env->arena, &ev, &n), GH_OK);
        if (n == 0)
            break;
        for (size_t i = 0; i < n; i++)
            if (strcmp(ev[i].type, type) == 0)
                count++;
        after = ev[n - 1].seq;
    }
    return count;
}
