/*
 * test_scope.c - scope resolution against the client and the catalog (RFC 6749 3.3) and
 * resource indicators (RFC 8707 2), with the audience rule of scope.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/form.h"
#include "oauth/token_int.h"
#include "support/gh_test.h"

typedef struct fx {
    gh_test_env *env;
    gh_oauth_client *c;   /* scope "dns:read dns:write logs:read", no audience */
    gh_oauth_client *aud; /* same scope, audience [GH_TEST_RS_LOGS] */
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));

    f->env = gh_test_env_new();
    gh_test_cc_client(f->env, "plain", "dns:read dns:write logs:read", "jwt", NULL);
    gh_test_cc_client(f->env, "narrow", "dns:read dns:write logs:read", "jwt",
                      "[\"" GH_TEST_RS_LOGS "\"]");
    assert_int_equal(gh_oauth__client_get(f->env->e, gh_test_ctx(f->env), "plain", &f->c), GH_OK);
    assert_int_equal(gh_oauth__client_get(f->env->e, gh_test_ctx(f->env), "narrow", &f->aud),
                     GH_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    gh_oauth__client_release(f->c);
    gh_oauth__client_release(f->aud);
    gh_test_env_free(f->env);
    free(f);
    return 0;
}

/* Resolves requested for f->c; returns ok and leaves the error code in *code. */
static bool resolve(fx *f, const char *requested, gh_strv *out, const char **code)
{
    gh_oauth_response resp;
    bool ok = true;

    gh_oauth_response_init(&resp);
    assert_int_equal(
        gh_oauth__scope_resolve(f->env->e, gh_test_ctx(f->env), f->c, requested, &resp, out, &ok),
        GH_OK);
    *code = resp.error;
    if (!ok) {
        assert_int_equal(resp.status, 400);
        assert_null(out->v);
        assert_int_equal(out->n, 0);
    }
    gh_oauth_response_clear(&resp);
    return ok;
}

static void test_default_is_registered(void **state)
{
    fx *f = *state;
    gh_strv s;
    const char *code;

    /* SPEC: RFC6749 3.3 - no scope: the pre-defined default (the registered scopes) */
    assert_true(resolve(f, NULL, &s, &code));
    assert_int_equal(s.n, 3);
    assert_string_equal(s.v[0], "dns:read");
    assert_true(resolve(f, "", &s, &code));
    assert_int_equal(s.n, 3);
}

static void test_subset_and_duplicates(void **state)
{
    fx *f = *state;
    gh_strv s;
    const char *code;

    assert_true(resolve(f, "logs:read dns:read logs:read", &s, &code));
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0], "logs:read");
    assert_string_equal(s.v[1], "dns:read");
}

static void test_refusals(void **state)
{
    fx *f = *state;
    gh_strv s;
    const char *code;

    /* SPEC: RFC6749 5.2 invalid_scope - unknown, malformed or beyond what was registered */
    assert_false(resolve(f, "settings:write", &s, &code)); /* in catalog, not registered */
    assert_string_equal(code, GH_E_INVALID_SCOPE);
    assert_false(resolve(f, "dns:read nope", &s, &code)); /* not in the catalog */
    assert_string_equal(code, GH_E_INVALID_SCOPE);
    assert_false(resolve(f, "dns:read  logs:read", &s, &code)); /* double space */
    assert_string_equal(code, GH_E_INVALID_SCOPE);
    assert_false(resolve(f, " dns:read", &s, &code));
    assert_false(resolve(f, "dns:read ", &s, &code));
    assert_false(resolve(f, "dns\"read", &s, &code));
    assert_false(resolve(f, "dns\\read", &s, &code));
}

/* Resolves the audience for client c with the form given. */
static bool audience(fx *f, const gh_oauth_client *c, const char *form, const char *scope,
                     gh_strv *out, const char **code)
{
    gh_oauth_response resp;
    gh_oauth_request req;
    gh_form fm;
    gh_strv granted;
    bool ok = true;
    gh_arena *a = f->env->arena;

    assert_int_equal(gh_form_parse(a, form, strlen(form), &fm), GH_OK);
    assert_int_equal(gh_strv_split_scope(a, scope, 64, &granted), GH_OK);
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.form = &fm;
    gh_oauth_response_init(&resp);
    assert_int_equal(gh_oauth__audience_resolve(f->env->e, gh_test_ctx(f->env), &req, c, &granted,
                                                &resp, out, &ok),
                     GH_OK);
    *code = resp.error;
    gh_oauth_response_clear(&resp);
    return ok;
}

static void test_resources(void **state)
{
    fx *f = *state;
    gh_strv aud;
    const char *code;

    /* No resource: the issuer (RFC 9068 2.2 requires aud). */
    assert_true(audience(f, f->c, "a=b", "dns:read", &aud, &code));
    assert_int_equal(aud.n, 1);
    assert_string_equal(aud.v[0], GH_TEST_ISSUER);

    /* SPEC: RFC8707 2 - the audience is the resource */
    assert_true(
        audience(f, f->c, "resource=https%3A%2F%2Fapi.example.com%2Fdns", "dns:read", &aud, &code));
    assert_int_equal(aud.n, 1);
    assert_string_equal(aud.v[0], GH_TEST_RS_DNS);

    /* SPEC: RFC8707 2 - resource may repeat; duplicates collapse */
    assert_true(audience(f, f->c,
                         "resource=https://api.example.com/dns&resource=https://api.example.com/"
                         "dns",
                         "dns:read", &aud, &code));
    assert_int_equal(aud.n, 1);

    /* SPEC: RFC8707 2 - invalid_target for unknown, relative or fragment URIs */
    assert_false(
        audience(f, f->c, "resource=https://api.example.com/other", "dns:read", &aud, &code));
    assert_string_equal(code, GH_E_INVALID_TARGET);
    assert_false(audience(f, f->c, "resource=/dns", "dns:read", &aud, &code));
    assert_string_equal(code, GH_E_INVALID_TARGET);
    assert_false(
        audience(f, f->c, "resource=https://api.example.com/dns%23x", "dns:read", &aud, &code));
    assert_string_equal(code, GH_E_INVALID_TARGET);

    /* A scope the resource does not accept: refused, not narrowed. */
    assert_false(
        audience(f, f->c, "resource=https://api.example.com/logs", "dns:read", &aud, &code));
    assert_string_equal(code, GH_E_INVALID_SCOPE);

    /* Two resources: each must accept every granted scope. */
    assert_false(audience(f, f->c,
                          "resource=https://api.example.com/logs&resource=https://"
                          "api.example.com/dns",
                          "logs:read", &aud, &code));
    assert_string_equal(code, GH_E_INVALID_SCOPE);
    assert_true(audience(f, f->c,
                         "resource=https://api.example.com/logs&resource=https://"
                         "api.example.com/dns",
                         "", &aud, &code));
    assert_int_equal(aud.n, 2);
    assert_string_equal(aud.v[0], GH_TEST_RS_LOGS);
    assert_string_equal(aud.v[1], GH_TEST_RS_DNS);
}

static void test_client_audience(void **state)
{
    fx *f = *state;
    gh_strv aud;
    const char *code;

    /* The client's audience list restricts the resources... */
    assert_false(
        audience(f, f->aud, "resource=https://api.example.com/dns", "dns:read", &aud, &code));
    assert_string_equal(code, GH_E_INVALID_TARGET);
    assert_true(
        audience(f, f->aud, "resource=https://api.example.com/logs", "logs:read", &aud, &code));
    assert_string_equal(aud.v[0], GH_TEST_RS_LOGS);
    /* ...and is the audience when no resource is requested. */
    assert_true(audience(f, f->aud, "x=y", "logs:read", &aud, &code));
    assert_int_equal(aud.n, 1);
    assert_string_equal(aud.v[0], GH_TEST_RS_LOGS);
}

static void test_abs_uri(void **state)
{
    (void)state;
    assert_true(gh_oauth__abs_uri_nofrag("https://a.example/x?y=1"));
    assert_true(gh_oauth__abs_uri_nofrag("urn:example:rs"));
    assert_false(gh_oauth__abs_uri_nofrag("https://a.example/x#f"));
    assert_false(gh_oauth__abs_uri_nofrag("//a.example/x"));
    assert_false(gh_oauth__abs_uri_nofrag("1http://a"));
    assert_false(gh_oauth__abs_uri_nofrag("https:"));
    assert_false(gh_oauth__abs_uri_nofrag("https://a b"));
    assert_false(gh_oauth__abs_uri_nofrag(""));
    assert_false(gh_oauth__abs_uri_nofrag(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_is_registered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subset_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_audience, setup, teardown),
        cmocka_unit_test(test_abs_uri),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
