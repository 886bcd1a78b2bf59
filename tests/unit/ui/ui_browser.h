/*
 * ui_browser.h - a tiny browser for the ui tests: requests with a query, a form body and the
 * cookies the engine set so far, against the real engine (tests/support, store/mem).
 * Header-only (static functions), shared by the page tests of this directory.
 */
#ifndef GH_TESTS_UNIT_UI_BROWSER_H
#define GH_TESTS_UNIT_UI_BROWSER_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/form.h"
#include "support/gh_test.h"
#include "ui/ui.h"
#include "ui/ui_int.h"

#define UB_MAX_COOKIES 8

typedef struct ub {
    gh_test_env *env;
    char *names[UB_MAX_COOKIES];
    char *values[UB_MAX_COOKIES];
    size_t n;
} ub;

/* Keeps the name=value of each Set-Cookie (Max-Age=0 deletes). */
static inline void ub_keep_cookies(ub *b, const gh_oauth_response *r)
{
    for (size_t i = 0; i < r->n_set_cookie; i++) {
        const char *c = r->set_cookie[i], *eq = strchr(c, '='), *end;
        char *name, *value;
        size_t j;
        bool del = strstr(c, "Max-Age=0") != NULL;
        assert_non_null(eq);
        end = eq + strcspn(eq, ";");
        name = gh_arena_strndup(b->env->arena, c, (size_t)(eq - c));
        value = gh_arena_strndup(b->env->arena, eq + 1, (size_t)(end - eq - 1));
        for (j = 0; j < b->n && strcmp(b->names[j], name) != 0; j++)
            ;
        if (j == b->n) {
            assert_true(b->n < UB_MAX_COOKIES);
            b->n++;
        }
        b->names[j] = name;
        b->values[j] = del ? NULL : value;
    }
}

static inline const char *ub_cookie_header(ub *b)
{
    const char *h = NULL;
    for (size_t i = 0; i < b->n; i++) {
        if (b->values[i] == NULL)
            continue;
        h = h == NULL ? gh_arena_printf(b->env->arena, "%s=%s", b->names[i], b->values[i])
                      : gh_arena_printf(b->env->arena, "%s; %s=%s", h, b->names[i], b->values[i]);
    }
    return h;
}

static inline const char *ub_cookie(ub *b, const char *name)
{
    for (size_t i = 0; i < b->n; i++) {
        if (strcmp(b->names[i], name) == 0)
            return b->values[i];
    }
    return NULL;
}

/* Calls ep with method, a query string (may be NULL) and a form body (may be NULL). */
static inline gh_err ub_call(ub *b, gh_oauth_endpoint ep, const char *method, const char *query,
                      const char *form, gh_oauth_response *resp)
{
    gh_arena *a = b->env->arena;
    gh_oauth_request req;
    gh_form *q = GH_ARENA_NEW(a, gh_form), *f = NULL;
    gh_err err;

    memset(&req, 0, sizeof(req));
    req.method = method;
    if (query != NULL)
        assert_int_equal(gh_form_parse(a, query, strlen(query), q), GH_OK);
    req.query = q;
    if (form != NULL) {
        f = GH_ARENA_NEW(a, gh_form);
        assert_int_equal(gh_form_parse(a, form, strlen(form), f), GH_OK);
        req.form = f;
        req.content_type = "application/x-www-form-urlencoded";
        req.body = form;
        req.body_len = strlen(form);
    }
    req.cookie = ub_cookie_header(b);
    req.remote_addr = "192.0.2.7";
    gh_oauth_response_init(resp);
    err = ep(b->env->e, gh_test_ctx(b->env), &req, resp);
    if (err == GH_OK)
        ub_keep_cookies(b, resp);
    return err;
}

/* The value of query parameter name in a URL (arena), or NULL. */
static inline const char *ub_url_param(ub *b, const char *url, const char *name)
{
    const char *q = url != NULL ? strchr(url, '?') : NULL;
    gh_form f;
    const char *v = NULL;
    if (q == NULL)
        return NULL;
    q++;
    assert_int_equal(gh_form_parse(b->env->arena, q, strcspn(q, "#"), &f), GH_OK);
    assert_int_equal(gh_form_get_one(&f, name, &v), GH_OK);
    return v;
}

/* The value attribute of the input named name in html (arena), or NULL. */
static inline const char *ub_input(ub *b, const char *html, const char *name)
{
    const char *pat = gh_arena_printf(b->env->arena, "name=\"%s\" value=\"", name);
    const char *p = strstr(html, pat), *q;
    if (p == NULL)
        return NULL;
    p += strlen(pat);
    q = strchr(p, '"');
    assert_non_null(q);
    return gh_arena_strndup(b->env->arena, p, (size_t)(q - p));
}

static inline const char *ub_enc(ub *b, const char *s)
{
    return gh_url_encode(b->env->arena, s);
}

/* A public web client with a hostile name and logo, and a user alice / correct-horse. */
#define UB_CLIENT_JSON                                                                          \
    "{\"client_id\":\"web\",\"client_name\":\"<script>alert(1)</script> Web\","                \
    "\"redirect_uris\":[\"https://app.example/cb\"],"                                           \
    "\"grant_types\":[\"authorization_code\",\"refresh_token\"],\"response_types\":[\"code\"]," \
    "\"token_endpoint_auth_method\":\"none\","                                                  \
    "\"scope\":\"openid profile email offline_access dns:read dns:write\","                     \
    "\"client_uri\":\"https://app.example/\",\"logo_uri\":\"https://app.example/logo.png\"}"

#define UB_AUTHZ_QUERY                                                                          \
    "response_type=code&client_id=web&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"              \
    "&scope=openid%20dns%3Aread%20dns%3Awrite&state=s1"                                         \
    "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"

static inline void ub_setup(ub *b)
{
    gh_oauth_user_in in;
    gh_user *u = NULL;
    const char *msg = NULL;

    memset(b, 0, sizeof(*b));
    b->env = gh_test_env_new();
    gh_test_client(b->env, UB_CLIENT_JSON);
    memset(&in, 0, sizeof(in));
    in.username = "alice";
    in.password = "correct-horse";
    in.name = "Alice";
    assert_int_equal(gh_oauth_user_create(b->env->e, gh_test_ctx(b->env), &in, "test", &u, &msg),
                     GH_OK);
}

/* Starts an authorization request; returns the login challenge. */
static inline const char *ub_authorize(ub *b)
{
    gh_oauth_response r;
    const char *ch;

    assert_int_equal(ub_call(b, gh_oauth_authorize, "GET", UB_AUTHZ_QUERY, NULL, &r), GH_OK);
    assert_int_equal(r.status, 302);
    assert_non_null(r.location);
    assert_non_null(strstr(r.location, "/ui/login?"));
    ch = ub_url_param(b, r.location, "login_challenge");
    assert_non_null(ch);
    gh_oauth_response_clear(&r);
    return ch;
}

/* Logs alice in through the login page; returns the consent challenge. */
static inline const char *ub_login_to_consent(ub *b)
{
    gh_oauth_response r;
    const char *ch = ub_authorize(b), *csrf, *loc, *q;

    assert_int_equal(ub_call(b, gh_ui_login, "GET",
                             gh_arena_printf(b->env->arena, "login_challenge=%s", ub_enc(b, ch)),
                             NULL, &r),
                     GH_OK);
    csrf = ub_input(b, r.text, "csrf");
    gh_oauth_response_clear(&r);
    assert_int_equal(
        ub_call(b, gh_ui_login, "POST", NULL,
                gh_arena_printf(b->env->arena,
                                "login_challenge=%s&csrf=%s&username=alice&password=correct-horse",
                                ub_enc(b, ch), ub_enc(b, csrf)),
                &r),
        GH_OK);
    assert_int_equal(r.status, 303);
    loc = r.location;
    gh_oauth_response_clear(&r);
    q = strchr(loc, '?');
    assert_non_null(q);
    assert_int_equal(ub_call(b, gh_oauth_authorize, "GET", q + 1, NULL, &r), GH_OK);
    assert_int_equal(r.status, 302);
    assert_non_null(strstr(r.location, "/ui/consent?"));
    ch = ub_url_param(b, r.location, "consent_challenge");
    assert_non_null(ch);
    gh_oauth_response_clear(&r);
    return ch;
}

#endif
