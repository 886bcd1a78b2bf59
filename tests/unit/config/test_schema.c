/*
 * test_schema.c - the schema table and the scalar validators of schema.c: environment
 * variable names follow the key paths, every default is valid, and the host:port, issuer,
 * URI, scope-token and DSN checks accept and refuse what they should.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/config_int.h"

static void test_env_names_follow_paths(void **state)
{
    (void)state;
    size_t with_env = 0;
    for (size_t i = 0; i < gh_config__n_keys; i++) {
        const gh_config__key *k = &gh_config__keys[i];
        if (k->store == GH_CONFIG__S_LIST) {
            /* Scopes and resources may be given only in the file. */
            assert_null(k->env);
            assert_null(k->alias);
            continue;
        }
        char want[128] = "GATEHOUSE_";
        size_t n = strlen(want);
        for (const char *p = k->path; *p != '\0' && n + 1 < sizeof want; p++) {
            char ch = *p;
            if (ch == '.') {
                ch = '_';
            } else if (ch >= 'a' && ch <= 'z') {
                ch = (char)(ch - 'a' + 'A');
            }
            want[n++] = ch;
        }
        want[n] = '\0';
        assert_non_null(k->env);
        assert_string_equal(k->env, want);
        with_env++;
    }
    assert_int_equal(with_env, gh_config__n_keys - 2);
    /* The aliases of DESIGN.md. */
    assert_string_equal(gh_config__key_find("serve.public.listen")->alias,
                        "GATEHOUSE_PUBLIC_LISTEN");
    assert_string_equal(gh_config__key_find("serve.admin.listen")->alias, "GATEHOUSE_ADMIN_LISTEN");
    assert_string_equal(gh_config__key_find("serve.admin.key")->alias, "GATEHOUSE_ADMIN_KEY");
    assert_string_equal(gh_config__key_find("issuer")->env, "GATEHOUSE_ISSUER");
    assert_string_equal(gh_config__key_find("dsn")->env, "GATEHOUSE_DSN");
    assert_string_equal(gh_config__key_find("secrets.system")->env, "GATEHOUSE_SECRETS_SYSTEM");
}

static void test_table_is_consistent(void **state)
{
    (void)state;
    gh_arena *a = gh_arena_new(0);
    gh_config c;
    memset(&c, 0, sizeof c);
    for (size_t i = 0; i < gh_config__n_keys; i++) {
        const gh_config__key *k = &gh_config__keys[i];
        /* Paths are unique and no path is also a section. */
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(gh_config__keys[j].path, k->path);
        }
        assert_false(gh_config__is_section(k->path));
        assert_ptr_equal(gh_config__key_find(k->path), k);
        if (k->store == GH_CONFIG__S_LIST) {
            continue;
        }
        /* Every default is valid, and a non-nullable key has one. */
        assert_true(k->nullable || k->def != NULL);
        assert_int_equal(gh_config__set(&c, a, k, k->def), GH_OK);
        assert_true(k->type != GH_CONFIG__T_ENUM || k->choices != NULL);
        assert_true(k->type != GH_CONFIG__T_INT || (k->unit != NULL && k->min <= k->max));
    }
    assert_null(gh_config__key_find("serve"));
    assert_null(gh_config__key_find("serve.public.listen.x"));
    assert_true(gh_config__is_section("serve"));
    assert_true(gh_config__is_section("serve.admin"));
    assert_false(gh_config__is_section("serv"));
    assert_false(gh_config__is_section("issuer"));
    gh_arena_free(a);
}

static void test_section_keys(void **state)
{
    (void)state;
    char out[512];
    gh_config__section_keys("serve.admin", out, sizeof out);
    assert_string_equal(out, "listen, auth, key");
    gh_config__section_keys("serve", out, sizeof out);
    assert_string_equal(out, "public, admin, threads, max_connections, idle_timeout, body_limit");
    gh_config__section_keys("", out, sizeof out);
    assert_string_equal(out, "issuer, dsn, log_level, migrate, serve, secrets, ttl, urls, login, keys, tokens, "
                             "registration, audit, catalog_version, scopes, resources");
    /* A short buffer truncates at a whole name. */
    gh_config__section_keys("serve.admin", out, 14);
    assert_string_equal(out, "listen, auth");
}

static void test_expected_messages(void **state)
{
    (void)state;
    char out[256];
    gh_config__expected(gh_config__key_find("ttl.access_token"), out, sizeof out);
    assert_string_equal(out, "expected an integer of seconds in [1, 86400]");
    gh_config__expected(gh_config__key_find("log_level"), out, sizeof out);
    assert_string_equal(out, "expected one of: debug, info, warn, error");
    gh_config__expected(gh_config__key_find("serve.admin.auth"), out, sizeof out);
    assert_string_equal(out, "expected true or false");
    gh_config__expected(gh_config__key_find("serve.public.listen"), out, sizeof out);
    assert_string_equal(out, "expected host:port");
    gh_config__expected(gh_config__key_find("secrets.system"), out, sizeof out);
    assert_string_equal(out, "expected a string of 32 to 1024 characters or null");
    /* A short buffer is never overrun. */
    gh_config__expected(gh_config__key_find("log_level"), out, 20);
    assert_int_equal(strlen(out), 19);
}

static void test_hostport(void **state)
{
    (void)state;
    const char *good[] = {
        "127.0.0.1:4444",  "0.0.0.0:1",          "[::1]:4445", "[2001:db8::1]:443",
        "localhost:65535", "a-b.example.com:80", "x:8080",     "[::]:80"};
    const char *bad[] = {"",           ":80",         "localhost", "localhost:",     "host:0",
                         "host:65536", "host:123456", "host:80x",  "::1:80",         "[::1]",
                         "[::1]80",    "[::1]:",      "[zz]:80",   "256.0.0.1:80",   "1.2.3:80",
                         "-a.com:80",  "a-.com:80",   "a..b:80",   "a_b:80",         "a.com.:80",
                         "a b:80",     "host:-1",     "host:+80",  "[127.0.0.1]:80", "host:80:90"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (!gh_config__valid_hostport(good[i])) {
            fail_msg("refused %s", good[i]);
        }
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (gh_config__valid_hostport(bad[i])) {
            fail_msg("accepted %s", bad[i]);
        }
    }
    char label[80];
    memset(label, 'a', 64);
    (void)snprintf(label + 64, sizeof label - 64, ":80");
    assert_false(gh_config__valid_hostport(label)); /* a 64-byte label */
    (void)snprintf(label + 63, sizeof label - 63, ":80");
    assert_true(gh_config__valid_hostport(label));
}

static void test_scope_token(void **state)
{
    (void)state;
    /* SPEC: RFC6749 3.3 - scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
    assert_true(gh_config__valid_scope_token("openid"));
    assert_true(gh_config__valid_scope_token("dns:read"));
    assert_true(gh_config__valid_scope_token("!#[]~"));
    assert_true(gh_config__valid_scope_token("https://api.test/scope"));
    assert_false(gh_config__valid_scope_token(""));
    assert_false(gh_config__valid_scope_token("a b"));
    assert_false(gh_config__valid_scope_token("a\"b"));
    assert_false(gh_config__valid_scope_token("a\\b"));
    assert_false(gh_config__valid_scope_token("caf\xc3\xa9"));
    assert_false(gh_config__valid_scope_token("a\tb"));
    char longtok[130];
    memset(longtok, 'x', 129);
    longtok[129] = '\0';
    assert_false(gh_config__valid_scope_token(longtok));
    longtok[128] = '\0';
    assert_true(gh_config__valid_scope_token(longtok));
}

static void test_abs_uri(void **state)
{
    (void)state;
    /* SPEC: RFC8707 2 - absolute URI, no fragment. */
    assert_true(gh_config__valid_abs_uri("https://api.example.test"));
    assert_true(gh_config__valid_abs_uri("https://api.example.test/v1?x=1"));
    assert_true(gh_config__valid_abs_uri("urn:example:resource"));
    assert_true(gh_config__valid_abs_uri("a+b-c.d:x"));
    assert_false(gh_config__valid_abs_uri(""));
    assert_false(gh_config__valid_abs_uri("/relative"));
    assert_false(gh_config__valid_abs_uri("api.example.test"));
    assert_false(gh_config__valid_abs_uri("https://x/#frag"));
    assert_false(gh_config__valid_abs_uri("https://x/#"));
    assert_false(gh_config__valid_abs_uri("1http://x"));
    assert_false(gh_config__valid_abs_uri("http:"));
    assert_false(gh_config__valid_abs_uri("https://x y"));
    assert_false(gh_config__valid_abs_uri("https://x/\x7f"));
}

static void test_issuer(void **state)
{
    (void)state;
    /* SPEC: RFC8414 2 - no query or fragment. */
    struct {
        const char *in;
        size_t len; /* 0: refused */
    } cases[] = {
        {"http://127.0.0.1:4444", 21},
        {"http://127.0.0.1:4444/", 21},
        {"https://id.example.test/tenant//", 30},
        {"https://[::1]:8443", 18},
        {"https://a", 9},
        {"http://", 0},
        {"http:///path", 0},
        {"https://user@id.test", 0},
        {"https://id.test?x", 0},
        {"https://id.test/#", 0},
        {"HTTPS://id.test", 0},
        {"ftp://id.test", 0},
        {"https://id.test:0", 0},
        {"https://id.test:", 0},
        {"https://id .test", 0},
        {"id.test", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = 0;
        bool ok = gh_config__valid_issuer(cases[i].in, &len);
        if (ok != (cases[i].len != 0) || (ok && len != cases[i].len)) {
            fail_msg("%s: ok=%d len=%zu", cases[i].in, ok, len);
        }
    }
}

static void test_dsn(void **state)
{
    (void)state;
    assert_true(gh_config__valid_dsn("sqlite:///var/lib/gatehouse.db"));
    assert_true(gh_config__valid_dsn("sqlite://./var/gatehouse.db"));
    assert_true(gh_config__valid_dsn("sqlite://gatehouse.db"));
    assert_true(gh_config__valid_dsn("sqlite://:memory:"));
    assert_true(gh_config__valid_dsn("postgres://"));
    assert_true(gh_config__valid_dsn("postgres://gh:pw@db:5432/gatehouse?sslmode=require"));
    assert_true(gh_config__valid_dsn("postgresql://localhost/gh"));
    assert_false(gh_config__valid_dsn("sqlite://"));
    assert_false(gh_config__valid_dsn("sqlite:/x.db"));
    assert_false(gh_config__valid_dsn("mysql://x"));
    assert_false(gh_config__valid_dsn("gatehouse.db"));
    assert_false(gh_config__valid_dsn(""));
    assert_false(gh_config__valid_dsn("postgres://x\ny"));
}

static void test_set_values(void **state)
{
    (void)state;
    gh_arena *a = gh_arena_new(0);
    gh_config c;
    memset(&c, 0, sizeof c);
    const gh_config__key *k = gh_config__key_find("serve.body_limit");
    assert_int_equal(gh_config__set(&c, a, k, "1024"), GH_OK);
    assert_int_equal(c.body_limit, 1024);
    assert_int_equal(gh_config__set(&c, a, k, "1023"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, "+2048"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, " 2048"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, ""), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, "-"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, NULL), GH_EINVAL);
    assert_int_equal(c.body_limit, 1024);

    k = gh_config__key_find("serve.threads");
    assert_int_equal(gh_config__set(&c, a, k, "256"), GH_OK);
    assert_int_equal(c.threads, 256);

    k = gh_config__key_find("serve.admin.auth");
    assert_int_equal(gh_config__set(&c, a, k, "FALSE"), GH_OK);
    assert_false(c.admin_auth);
    assert_int_equal(gh_config__set(&c, a, k, "True"), GH_OK);
    assert_true(c.admin_auth);
    /* YAML 1.1 booleans are not booleans here. */
    assert_int_equal(gh_config__set(&c, a, k, "yes"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, "on"), GH_EINVAL);

    k = gh_config__key_find("secrets.system");
    /* Length is counted in characters: 32 two-byte characters pass, 31 do not. */
    char s[128] = "";
    for (int i = 0; i < 31; i++) {
        (void)strncat(s, "\xc3\xa9", sizeof s - strlen(s) - 1);
    }
    assert_int_equal(gh_config__set(&c, a, k, s), GH_EINVAL);
    (void)strncat(s, "\xc3\xa9", sizeof s - strlen(s) - 1);
    assert_int_equal(gh_config__set(&c, a, k, s), GH_OK);
    assert_string_equal(c.secrets_system, s);
    assert_int_equal(gh_config__set(&c, a, k, "0123456789abcdef0123456789abcde\x01"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, "0123456789abcdef0123456789abcde\xff"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, NULL), GH_OK);
    assert_null(c.secrets_system);

    k = gh_config__key_find("tokens.signing_alg");
    assert_int_equal(gh_config__set(&c, a, k, "es256"), GH_EINVAL);
    assert_int_equal(gh_config__set(&c, a, k, "RS256"), GH_OK);
    assert_string_equal(c.signing_alg, "RS256");

    k = gh_config__key_find("scopes");
    assert_int_equal(gh_config__set(&c, a, k, "openid"), GH_EINVAL);
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_env_names_follow_paths),
        cmocka_unit_test(test_table_is_consistent),
        cmocka_unit_test(test_section_keys),
        cmocka_unit_test(test_expected_messages),
        cmocka_unit_test(test_hostport),
        cmocka_unit_test(test_scope_token),
        cmocka_unit_test(test_abs_uri),
        cmocka_unit_test(test_issuer),
        cmocka_unit_test(test_dsn),
        cmocka_unit_test(test_set_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
