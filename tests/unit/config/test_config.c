/*
 * test_config.c - gh_config_load and gh_config__load_mem: defaults, the shape of every kind
 * of error (file:line:col: key.path: expected ...), unknown and duplicate keys, refused YAML
 * features, environment overrides and their errors, the scope catalog and resource servers,
 * the find helpers, and the example configuration at the repository root.
 *
 * Runs with the working directory tests/unit/config (CTest sets it), where the fixtures are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "config/config_int.h"

#define EXAMPLE "../../../gatehouse.example.yaml"

static char errbuf[1024];

/* Loads yaml as the file "t.yaml"; returns the result, config in *out (or NULL). */
static gh_err load(const char *yaml, char *const *envp, gh_config **out)
{
    errbuf[0] = '\0';
    return gh_config__load_mem("t.yaml", yaml, strlen(yaml), envp, out, errbuf, sizeof errbuf);
}

/* Asserts that yaml fails to load with exactly the message want. */
static void expect_error(const char *yaml, char *const *envp, const char *want)
{
    gh_config *c = NULL;
    gh_err e = load(yaml, envp, &c);
    if (e != GH_EINVAL || strcmp(errbuf, want) != 0) {
        print_error("yaml:\n%s\nwant: %s\ngot (%d): %s\n", yaml, want, (int)e, errbuf);
    }
    assert_int_equal(e, GH_EINVAL);
    assert_null(c);
    assert_string_equal(errbuf, want);
}

static gh_config *expect_ok(const char *yaml, char *const *envp)
{
    gh_config *c = NULL;
    gh_err e = load(yaml, envp, &c);
    if (e != GH_OK) {
        print_error("yaml:\n%s\nerror: %s\n", yaml, errbuf);
    }
    assert_int_equal(e, GH_OK);
    assert_non_null(c);
    return c;
}

static void check_defaults(const gh_config *c)
{
    assert_string_equal(c->issuer, "http://127.0.0.1:4444");
    assert_string_equal(c->dsn, "sqlite://./var/gatehouse.db");
    assert_string_equal(c->log_level, "info");
    assert_true(c->migrate_on_start);
    assert_string_equal(c->public_listen, "127.0.0.1:4444");
    assert_string_equal(c->admin_listen, "127.0.0.1:4445");
    assert_null(c->admin_key);
    assert_true(c->admin_auth);
    assert_int_equal(c->threads, 0);
    assert_int_equal(c->max_connections, 1024);
    assert_int_equal(c->idle_timeout, 30);
    assert_int_equal(c->body_limit, 65536);
    assert_null(c->secrets_system);
    assert_int_equal(c->ttl_access_token, 600);
    assert_int_equal(c->ttl_refresh_token, 2592000);
    assert_int_equal(c->ttl_authorization_code, 60);
    assert_int_equal(c->ttl_id_token, 3600);
    assert_int_equal(c->ttl_registration_token, 0);
    assert_int_equal(c->ttl_login_session, 86400);
    assert_int_equal(c->ttl_flow, 600);
    assert_int_equal(c->ttl_remembered_consent, 0);
    assert_null(c->url_login);
    assert_null(c->url_consent);
    assert_null(c->url_logout);
    assert_null(c->url_post_logout_redirect);
    assert_null(c->url_error);
    assert_int_equal(c->throttle_account_failures, 5);
    assert_int_equal(c->throttle_address_failures, 20);
    assert_int_equal(c->throttle_window, 900);
    /* 0 resolves to the longest signed token's lifetime (the ID token's hour) + 1 day. */
    assert_int_equal(c->key_retire_after, 3600 + 86400);
    assert_string_equal(c->access_token_strategy, "jwt");
    assert_string_equal(c->signing_alg, "ES256");
    assert_true(c->registration_enabled);
    assert_null(c->registration_initial_token);
    assert_int_equal(c->audit_checkpoint_interval, 300);
    assert_int_equal(c->audit_checkpoint_every_events, 1000);
    assert_int_equal(c->n_scopes, 0);
    assert_int_equal(c->n_resources, 0);
}

static void test_audit_checkpoint_keys(void **state)
{
    (void)state;
    gh_config *c = NULL;
    char *env[] = {"GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL=0",
                   "GATEHOUSE_AUDIT_CHECKPOINT_EVERY_EVENTS=5", NULL};
    char *neg[] = {"GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL=-1", NULL};
    char *big[] = {"GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL=2592001", NULL};
    char *max[] = {"GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL=2592000",
                   "GATEHOUSE_AUDIT_CHECKPOINT_EVERY_EVENTS=100000000", NULL};
    char *many[] = {"GATEHOUSE_AUDIT_CHECKPOINT_EVERY_EVENTS=100000001", NULL};

    assert_int_equal(gh_config_load(NULL, env, &c, errbuf, sizeof errbuf), GH_OK);
    assert_int_equal(c->audit_checkpoint_interval, 0);
    assert_int_equal(c->audit_checkpoint_every_events, 5);
    gh_config_free(c);
    c = NULL;
    assert_int_equal(gh_config_load(NULL, max, &c, errbuf, sizeof errbuf), GH_OK);
    assert_int_equal(c->audit_checkpoint_interval, 2592000);
    assert_int_equal(c->audit_checkpoint_every_events, 100000000);
    gh_config_free(c);
    c = NULL;
    /* From the file, and the environment wins over the file. */
    c = expect_ok("audit:\n  checkpoint_interval: 60\n  checkpoint_every_events: 0\n", NULL);
    assert_int_equal(c->audit_checkpoint_interval, 60);
    assert_int_equal(c->audit_checkpoint_every_events, 0);
    gh_config_free(c);
    c = expect_ok("audit:\n  checkpoint_interval: 60\n  checkpoint_every_events: 0\n", env);
    assert_int_equal(c->audit_checkpoint_interval, 0);
    assert_int_equal(c->audit_checkpoint_every_events, 5);
    gh_config_free(c);
    c = NULL;
    expect_error("audit:\n  checkpoint_interval: -5\n", NULL,
                 "t.yaml:2:24: audit.checkpoint_interval: expected an integer of seconds "
                 "(0 = off) in [0, 2592000]");
    assert_int_equal(gh_config_load(NULL, neg, &c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_non_null(strstr(errbuf, "GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL"));
    assert_non_null(strstr(errbuf, "expected an integer of seconds (0 = off) in [0, 2592000]"));
    assert_int_equal(gh_config_load(NULL, big, &c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_non_null(strstr(errbuf, "GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL"));
    assert_int_equal(gh_config_load(NULL, many, &c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_non_null(strstr(errbuf, "GATEHOUSE_AUDIT_CHECKPOINT_EVERY_EVENTS"));
    assert_non_null(strstr(errbuf, "expected an integer of events (0 = off) in [0, 100000000]"));
}

static void test_login_urls_and_throttle(void **state)
{
    (void)state;
    gh_config *c = NULL;
    char *env[] = {"GATEHOUSE_URLS_LOGIN=https://login.example.test/signin",
                   "GATEHOUSE_LOGIN_THROTTLE_WINDOW=60",
                   "GATEHOUSE_URLS_ERROR=https://login.example.test/error", NULL};
    char *bad[] = {"GATEHOUSE_URLS_CONSENT=not a url", NULL};
    char *bad_error[] = {"GATEHOUSE_URLS_ERROR=ftp://x", NULL};
    char *zero[] = {"GATEHOUSE_LOGIN_THROTTLE_ACCOUNT_FAILURES=0", NULL};

    assert_int_equal(gh_config_load(NULL, env, &c, errbuf, sizeof errbuf), GH_OK);
    assert_string_equal(c->url_login, "https://login.example.test/signin");
    assert_null(c->url_consent);
    assert_string_equal(c->url_error, "https://login.example.test/error");
    assert_int_equal(c->throttle_window, 60);
    gh_config_free(c);
    c = NULL;
    assert_int_equal(gh_config_load(NULL, bad, &c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_non_null(strstr(errbuf, "GATEHOUSE_URLS_CONSENT"));
    assert_int_equal(gh_config_load(NULL, bad_error, &c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_non_null(strstr(errbuf, "GATEHOUSE_URLS_ERROR"));
    assert_int_equal(gh_config_load(NULL, zero, &c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_non_null(strstr(errbuf, "GATEHOUSE_LOGIN_THROTTLE_ACCOUNT_FAILURES"));
}

static void test_defaults_without_file(void **state)
{
    (void)state;
    gh_config *c = NULL;
    assert_int_equal(gh_config_load(NULL, NULL, &c, errbuf, sizeof errbuf), GH_OK);
    assert_null(c->path);
    check_defaults(c);
    gh_config_free(c);
}

static void test_defaults_empty_and_null_sections(void **state)
{
    (void)state;
    const char *docs[] = {"", "---\n", "# only a comment\n", "~\n",
                          "migrate:\nserve:\n  public:\nttl: {}\nscopes:\nresources: []\n"};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        gh_config *c = expect_ok(docs[i], NULL);
        assert_string_equal(c->path, "t.yaml");
        check_defaults(c);
        gh_config_free(c);
    }
}

static void test_every_key_set(void **state)
{
    (void)state;
    gh_config *c = expect_ok("issuer: https://auth.example.test/tenant/\n"
                             "dsn: postgres://gh:pw@db:5432/gatehouse\n"
                             "log_level: debug\n"
                             "migrate: {on_start: false}\n"
                             "serve:\n"
                             "  public: {listen: '[::1]:8080'}\n"
                             "  admin: {listen: 'localhost:9000', auth: false,\n"
                             "          key: 0123456789abcdef}\n"
                             "  threads: 4\n"
                             "  max_connections: 10\n"
                             "  idle_timeout: 5\n"
                             "  body_limit: 2048\n"
                             "secrets: {system: 'abcdefghijklmnopqrstuvwxyz012345'}\n"
                             "ttl: {access_token: 300, refresh_token: 86400,\n"
                             "      authorization_code: 30, id_token: 600,\n"
                             "      registration_token: 3600}\n"
                             "keys: {retire_after: 1000}\n"
                             "tokens: {access_token_strategy: opaque, signing_alg: RS256}\n"
                             "registration: {enabled: false,\n"
                             "               initial_access_token: iat-0123456789abcdef}\n",
                             NULL);
    assert_string_equal(c->issuer, "https://auth.example.test/tenant");
    assert_string_equal(c->dsn, "postgres://gh:pw@db:5432/gatehouse");
    assert_string_equal(c->log_level, "debug");
    assert_false(c->migrate_on_start);
    assert_string_equal(c->public_listen, "[::1]:8080");
    assert_string_equal(c->admin_listen, "localhost:9000");
    assert_false(c->admin_auth);
    /* A plain scalar that YAML would read as a number is still the string written. */
    assert_string_equal(c->admin_key, "0123456789abcdef");
    assert_int_equal(c->threads, 4);
    assert_int_equal(c->max_connections, 10);
    assert_int_equal(c->idle_timeout, 5);
    assert_int_equal(c->body_limit, 2048);
    assert_string_equal(c->secrets_system, "abcdefghijklmnopqrstuvwxyz012345");
    assert_int_equal(c->ttl_access_token, 300);
    assert_int_equal(c->ttl_refresh_token, 86400);
    assert_int_equal(c->ttl_authorization_code, 30);
    assert_int_equal(c->ttl_id_token, 600);
    assert_int_equal(c->ttl_registration_token, 3600);
    assert_int_equal(c->key_retire_after, 1000);
    assert_string_equal(c->access_token_strategy, "opaque");
    assert_string_equal(c->signing_alg, "RS256");
    assert_false(c->registration_enabled);
    assert_string_equal(c->registration_initial_token, "iat-0123456789abcdef");
    gh_config_free(c);
}

static void test_retire_after_derived_from_longest_ttl(void **state)
{
    (void)state;
    /* Refresh tokens and codes are not signed: their lifetimes do not count. */
    gh_config *c = expect_ok("ttl: {refresh_token: 31536000, id_token: 7200}\n", NULL);
    assert_int_equal(c->key_retire_after, 7200 + 86400);
    gh_config_free(c);
    c = expect_ok("ttl: {access_token: 86400, id_token: 60}\n", NULL);
    assert_int_equal(c->key_retire_after, 86400 + 86400);
    gh_config_free(c);
}

static void test_type_errors(void **state)
{
    (void)state;
    expect_error("serve:\n  public:\n    listen: nope\n", NULL,
                 "t.yaml:3:13: serve.public.listen: expected host:port");
    expect_error("serve:\n  public:\n    listen: 127.0.0.1:0\n", NULL,
                 "t.yaml:3:13: serve.public.listen: expected host:port");
    expect_error("ttl:\n  access_token: 0\n", NULL,
                 "t.yaml:2:17: ttl.access_token: expected an integer of seconds in [1, 86400]");
    expect_error("ttl:\n  access_token: 86401\n", NULL,
                 "t.yaml:2:17: ttl.access_token: expected an integer of seconds in [1, 86400]");
    expect_error("ttl:\n  access_token: 1.5\n", NULL,
                 "t.yaml:2:17: ttl.access_token: expected an integer of seconds in [1, 86400]");
    expect_error("ttl:\n  access_token: 0x10\n", NULL,
                 "t.yaml:2:17: ttl.access_token: expected an integer of seconds in [1, 86400]");
    expect_error("ttl: {authorization_code: 61}\n", NULL,
                 "t.yaml:1:27: ttl.authorization_code: expected an integer of seconds in "
                 "[1, 60]");
    expect_error("serve:\n  threads: -1\n", NULL,
                 "t.yaml:2:12: serve.threads: expected an integer of threads (0 = automatic) "
                 "in [0, 256]");
    expect_error("serve:\n  body_limit: 99999999999999999999999\n", NULL,
                 "t.yaml:2:15: serve.body_limit: expected an integer of bytes in "
                 "[1024, 16777216]");
    expect_error("migrate: {on_start: yes}\n", NULL,
                 "t.yaml:1:21: migrate.on_start: expected true or false");
    expect_error("log_level: loud\n", NULL,
                 "t.yaml:1:12: log_level: expected one of: debug, info, warn, error");
    expect_error("tokens:\n  signing_alg: HS256\n", NULL,
                 "t.yaml:2:16: tokens.signing_alg: expected one of: ES256, RS256");
    expect_error("tokens:\n  access_token_strategy: macaroon\n", NULL,
                 "t.yaml:2:26: tokens.access_token_strategy: expected one of: jwt, opaque");
    expect_error("issuer: http://a.test/?x=1\n", NULL,
                 "t.yaml:1:9: issuer: expected an absolute http or https URL without query "
                 "or fragment");
    expect_error("issuer: https://a.test/#f\n", NULL,
                 "t.yaml:1:9: issuer: expected an absolute http or https URL without query "
                 "or fragment");
    expect_error("issuer: ftp://a.test\n", NULL,
                 "t.yaml:1:9: issuer: expected an absolute http or https URL without query "
                 "or fragment");
    expect_error("issuer: [http://a.test]\n", NULL,
                 "t.yaml:1:9: issuer: expected an absolute http or https URL without query "
                 "or fragment, not a list");
    expect_error("issuer: null\n", NULL,
                 "t.yaml:1:9: issuer: expected an absolute http or https URL without query "
                 "or fragment");
    expect_error("dsn: mysql://x\n", NULL,
                 "t.yaml:1:6: dsn: expected sqlite:///absolute/path, sqlite://relative/path "
                 "or postgres://...");
    expect_error("dsn: 'sqlite://'\n", NULL,
                 "t.yaml:1:6: dsn: expected sqlite:///absolute/path, sqlite://relative/path "
                 "or postgres://...");
    expect_error("secrets:\n  system: too-short\n", NULL,
                 "t.yaml:2:11: secrets.system: expected a string of 32 to 1024 characters "
                 "or null");
    expect_error("serve: 5\n", NULL,
                 "t.yaml:1:8: serve: expected a mapping of: public, admin, threads, "
                 "max_connections, idle_timeout, body_limit");
    expect_error("serve:\n  admin:\n    key: {a: b}\n", NULL,
                 "t.yaml:3:10: serve.admin.key: expected a string of 16 to 1024 characters "
                 "or null, not a mapping");
    expect_error("- a\n- b\n", NULL,
                 "t.yaml:1:1: expected a mapping of configuration keys, not a list");
}

static void test_error_names_the_file(void **state)
{
    (void)state;
    gh_config *c = NULL;
    assert_int_equal(gh_config_load("bad_listen.yaml", NULL, &c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_null(c);
    assert_string_equal(errbuf, "bad_listen.yaml:7:7: serve.public.listen: expected host:port");

    assert_int_equal(gh_config_load("no-such-file.yaml", NULL, &c, errbuf, sizeof errbuf),
                     GH_EINVAL);
    assert_string_equal(errbuf, "no-such-file.yaml: cannot open: No such file or directory");
    /* A NULL error buffer is allowed. */
    assert_int_equal(gh_config_load("no-such-file.yaml", NULL, &c, NULL, 0), GH_EINVAL);
}

static void test_file_size_bound(void **state)
{
    (void)state;
    char path[] = "/tmp/gh_config_big_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    /* A file of comments one byte past the bound. */
    for (size_t i = 0; i < GH_CONFIG_MAX_FILE / 64; i++) {
        assert_true(fputs("#23456789012345678901234567890123456789012345678901234567890123\n", f) >=
                    0);
    }
    assert_int_equal(fputc('\n', f), '\n');
    assert_int_equal(fclose(f), 0);
    gh_config *c = NULL;
    assert_int_equal(gh_config_load(path, NULL, &c, errbuf, sizeof errbuf), GH_EINVAL);
    char want[128];
    (void)snprintf(want, sizeof want, "%s: larger than %d bytes", path, GH_CONFIG_MAX_FILE);
    assert_string_equal(errbuf, want);
    assert_int_equal(unlink(path), 0);
}

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_error("serve:\n  public:\n    lissen: 127.0.0.1:1\n", NULL,
                 "t.yaml:3:5: serve.public: unknown key \"lissen\" (expected one of: listen)");
    expect_error("issuer: http://a.test\nfoo: 1\n", NULL,
                 "t.yaml:2:1: unknown key \"foo\" (expected one of: issuer, dsn, log_level, "
                 "migrate, serve, secrets, ttl, urls, login, keys, tokens, registration, audit, catalog_version, "
                 "scopes, resources)");
    /* A dotted key is not a shortcut for nesting. */
    expect_error("serve.threads: 2\n", NULL,
                 "t.yaml:1:1: unknown key \"serve.threads\" (expected one of: issuer, dsn, "
                 "log_level, migrate, serve, secrets, ttl, urls, login, keys, tokens, registration, audit, "
                 "catalog_version, scopes, resources)");
    expect_error("ttl:\n  access: 5\n", NULL,
                 "t.yaml:2:3: ttl: unknown key \"access\" (expected one of: access_token, "
                 "refresh_token, authorization_code, id_token, registration_token, login_session, flow, "
                 "remembered_consent)");
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    expect_error("ttl:\n  access_token: 5\n  access_token: 6\n", NULL,
                 "t.yaml:3:3: ttl.access_token: duplicate key \"access_token\" (first at "
                 "line 2)");
    expect_error("issuer: http://a.test\nissuer: http://b.test\n", NULL,
                 "t.yaml:2:1: issuer: duplicate key \"issuer\" (first at line 1)");
}

static void test_aliases_anchors_tags_refused(void **state)
{
    (void)state;
    expect_error("ttl:\n  access_token: &a 5\n  id_token: *a\n", NULL,
                 "t.yaml:2:17: ttl.access_token: anchors and aliases are not allowed");
    expect_error("issuer: *a\n", NULL, "t.yaml:1:9: issuer: anchors and aliases are not allowed");
    /* SPEC: billion laughs - refused at the first anchor, before any expansion. */
    expect_error("a: &a [x, x, x, x, x, x, x, x, x]\n"
                 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
                 NULL, "t.yaml:1:4: a: anchors and aliases are not allowed");
    expect_error("issuer: !custom http://a.test\n", NULL,
                 "t.yaml:1:9: issuer: tag !custom is not allowed (only the standard tags "
                 "!!str !!int !!bool !!null !!float !!map !!seq)");
    gh_config *c = expect_ok("issuer: !!str http://a.test\nttl: !!map {id_token: !!int 5}\n", NULL);
    assert_string_equal(c->issuer, "http://a.test");
    assert_int_equal(c->ttl_id_token, 5);
    gh_config_free(c);
    expect_error("secrets: {system: !!null x}\nissuer: !!null x\n", NULL,
                 "t.yaml:2:9: issuer: expected an absolute http or https URL without query "
                 "or fragment");
}

static void test_yaml_syntax_and_documents(void **state)
{
    (void)state;
    expect_error("issuer: http://a.test\n---\nissuer: http://b.test\n", NULL,
                 "t.yaml:2:1: expected a single YAML document");
    gh_config *c = NULL;
    assert_int_equal(load("serve:\n  public: {listen: 1\n", NULL, &c), GH_EINVAL);
    assert_null(c);
    assert_string_equal(errbuf, "t.yaml:3:1: serve.public: invalid YAML: did not find expected "
                                "',' or '}' (while parsing a flow mapping)");
}

static void test_env_overrides(void **state)
{
    (void)state;
    char *env[] = {"PATH=/bin",
                   "GATEHOUSE_TTL_ACCESS_TOKEN=900",
                   "GATEHOUSE_PUBLIC_LISTEN=0.0.0.0:80",
                   "GATEHOUSE_SERVE_ADMIN_AUTH=false",
                   "GATEHOUSE_SECRETS_SYSTEM=0123456789abcdef0123456789abcdef",
                   "GATEHOUSE_ADMIN_KEY=adminkey-0123456789",
                   "GATEHOUSE_DSN=sqlite:///var/lib/gh.db",
                   "GATEHOUSE_ISSUER=https://id.example.test/",
                   "GATEHOUSE_LOG_LEVEL=",
                   "GATEHOUSE_SERVE_BODY_LIMIT=4096",
                   NULL};
    /* The environment wins over the file. */
    gh_config *c = expect_ok("ttl: {access_token: 60}\nlog_level: warn\n"
                             "serve: {public: {listen: 127.0.0.1:1}}\n",
                             env);
    assert_int_equal(c->ttl_access_token, 900);
    assert_string_equal(c->public_listen, "0.0.0.0:80");
    assert_false(c->admin_auth);
    assert_string_equal(c->secrets_system, "0123456789abcdef0123456789abcdef");
    assert_string_equal(c->admin_key, "adminkey-0123456789");
    assert_string_equal(c->dsn, "sqlite:///var/lib/gh.db");
    assert_string_equal(c->issuer, "https://id.example.test");
    /* An empty variable counts as unset. */
    assert_string_equal(c->log_level, "warn");
    assert_int_equal(c->body_limit, 4096);
    gh_config_free(c);

    char *env2[] = {"GATEHOUSE_SERVE_PUBLIC_LISTEN=1.2.3.4:5", "GATEHOUSE_PUBLIC_LISTEN=1.2.3.4:5",
                    NULL};
    c = expect_ok("", env2);
    assert_string_equal(c->public_listen, "1.2.3.4:5");
    gh_config_free(c);
}

static void test_env_errors(void **state)
{
    (void)state;
    char *e1[] = {"GATEHOUSE_TTL_ACCESS_TOKEN=ten", NULL};
    expect_error("", e1,
                 "GATEHOUSE_TTL_ACCESS_TOKEN: expected an integer of seconds in [1, 86400]");
    char *e2[] = {"GATEHOUSE_ADMIN_LISTEN=localhost", NULL};
    expect_error("", e2, "GATEHOUSE_ADMIN_LISTEN: expected host:port");
    char *e3[] = {"GATEHOUSE_SECRETS_SYSTEM=short", NULL};
    expect_error("", e3,
                 "GATEHOUSE_SECRETS_SYSTEM: expected a string of 32 to 1024 characters or "
                 "null");
    char *e4[] = {"GATEHOUSE_SERVE_PUBLIC_LISTEN=1.2.3.4:5", "GATEHOUSE_PUBLIC_LISTEN=1.2.3.4:6",
                  NULL};
    expect_error("", e4,
                 "GATEHOUSE_PUBLIC_LISTEN: disagrees with GATEHOUSE_SERVE_PUBLIC_LISTEN; set "
                 "only one of them");
    char *e5[] = {"GATEHOUSE_SCOPES=openid", NULL};
    expect_error("", e5,
                 "GATEHOUSE_SCOPES: the scope catalog may be given only in the configuration "
                 "file");
    char *e6[] = {"GATEHOUSE_MIGRATE_ON_START=1", NULL};
    expect_error("", e6, "GATEHOUSE_MIGRATE_ON_START: expected true or false");
    /* File errors come first, with their position. */
    expect_error("log_level: x\n", e1,
                 "t.yaml:1:12: log_level: expected one of: debug, info, warn, error");
}

static void test_gatehouse_config_variable(void **state)
{
    (void)state;
    char *env[] = {"GATEHOUSE_CONFIG=" EXAMPLE, NULL};
    gh_config *c = NULL;
    assert_int_equal(gh_config_load(NULL, env, &c, errbuf, sizeof errbuf), GH_OK);
    assert_string_equal(c->path, EXAMPLE);
    assert_int_equal(c->n_scopes, 8);
    gh_config_free(c);
    /* An explicit path wins over GATEHOUSE_CONFIG. */
    assert_int_equal(gh_config_load("bad_listen.yaml", env, &c, errbuf, sizeof errbuf), GH_EINVAL);
}

static void test_example_loads(void **state)
{
    (void)state;
    gh_config *c = NULL;
    gh_err e = gh_config_load(EXAMPLE, NULL, &c, errbuf, sizeof errbuf);
    if (e != GH_OK) {
        print_error("%s\n", errbuf);
    }
    assert_int_equal(e, GH_OK);
    assert_string_equal(c->issuer, "http://127.0.0.1:4444");
    assert_int_equal(c->ttl_authorization_code, 60);
    assert_null(c->secrets_system);

    const char *names[] = {"openid",   "profile",   "email",     "offline_access",
                           "dns:read", "dns:write", "logs:read", "settings:write"};
    const bool sensitive[] = {false, false, false, false, false, true, false, true};
    assert_int_equal(c->n_scopes, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_string_equal(c->scopes[i].name, names[i]);
        assert_true(c->scopes[i].sensitive == sensitive[i]);
        assert_true(strlen(c->scopes[i].description) > 5);
    }
    assert_int_equal(c->n_resources, 1);
    const gh_config_resource *r = gh_config_resource_find(c, "http://127.0.0.1:8081");
    assert_non_null(r);
    assert_string_equal(r->client_id, "demo-api");
    assert_int_equal(r->n_scopes, 4);
    assert_string_equal(r->scopes[0], "dns:read");
    assert_string_equal(r->scopes[1], "dns:write");
    assert_string_equal(r->scopes[2], "logs:read");
    assert_string_equal(r->scopes[3], "settings:write");

    assert_int_equal(gh_config_require_secret(c, errbuf, sizeof errbuf), GH_EINVAL);
    assert_string_equal(errbuf, EXAMPLE ": secrets.system: required to serve (at least 32 "
                                        "characters; or set GATEHOUSE_SECRETS_SYSTEM)");
    gh_config_free(c);

    char *env[] = {"GATEHOUSE_SECRETS_SYSTEM=0123456789abcdef0123456789abcdef", NULL};
    assert_int_equal(gh_config_load(EXAMPLE, env, &c, errbuf, sizeof errbuf), GH_OK);
    assert_int_equal(gh_config_require_secret(c, errbuf, sizeof errbuf), GH_OK);
    gh_config_free(c);
}

static void test_catalog_validation(void **state)
{
    (void)state;
    /* SPEC: RFC6749 3.3 - a scope-token has no space, '"' or '\'. */
    expect_error("scopes:\n  - name: openid\n    description: x\n  - name: 'a b'\n", NULL,
                 "t.yaml:4:11: scopes[1].name: expected a scope-token (1 to 128 visible ASCII "
                 "characters except space, '\"' and '\\')");
    expect_error("scopes:\n  - {name: 'a\"b', description: x}\n", NULL,
                 "t.yaml:2:12: scopes[0].name: expected a scope-token (1 to 128 visible ASCII "
                 "characters except space, '\"' and '\\')");
    expect_error("scopes:\n  - {name: a, description: x}\n  - {name: b, description: y}\n"
                 "  - {name: a, description: z}\n",
                 NULL, "t.yaml:4:12: scopes[2].name: duplicate scope \"a\" (also scopes[0])");
    expect_error("scopes:\n  - {name: a}\n", NULL,
                 "t.yaml:2:5: scopes[0]: missing key \"description\"");
    expect_error("scopes:\n  - {description: a}\n", NULL,
                 "t.yaml:2:5: scopes[0]: missing key \"name\"");
    expect_error("scopes:\n  - {name: a, description: ''}\n", NULL,
                 "t.yaml:2:28: scopes[0].description: expected a description of 1 to 1024 "
                 "bytes without control characters");
    expect_error("scopes:\n  - {name: a, description: x, sensitive: maybe}\n", NULL,
                 "t.yaml:2:42: scopes[0].sensitive: expected true or false");
    expect_error("scopes:\n  - {name: a, description: x, secret: true}\n", NULL,
                 "t.yaml:2:31: scopes[0]: unknown key \"secret\" (expected one of: name, "
                 "description, sensitive)");
    expect_error("scopes:\n  - openid\n", NULL,
                 "t.yaml:2:5: scopes[0]: expected a mapping with name, description, "
                 "sensitive");
    expect_error("scopes: openid\n", NULL,
                 "t.yaml:1:9: scopes: expected a list of scopes (name, description, "
                 "sensitive)");
}

static void test_resources_validation(void **state)
{
    (void)state;
    const char *cat = "scopes:\n  - {name: 'dns:read', description: Read DNS}\n"
                      "  - {name: 'dns:write', description: Write DNS, sensitive: true}\n";
    char doc[1024];
    (void)snprintf(doc, sizeof doc,
                   "%sresources:\n  - uri: https://api.test\n"
                   "    client_id: api\n    scopes: ['dns:read', 'logs:read']\n",
                   cat);
    expect_error(doc, NULL,
                 "t.yaml:7:26: resources[0].scopes[1]: unknown scope \"logs:read\" (expected "
                 "a name from scopes)");
    (void)snprintf(doc, sizeof doc, "%sresources:\n  - {uri: 'https://api.test#x', client_id: a}\n",
                   cat);
    expect_error(doc, NULL,
                 "t.yaml:5:11: resources[0].uri: expected an absolute URI without fragment");
    (void)snprintf(doc, sizeof doc, "%sresources:\n  - {uri: /relative, client_id: a}\n", cat);
    expect_error(doc, NULL,
                 "t.yaml:5:11: resources[0].uri: expected an absolute URI without fragment");
    (void)snprintf(doc, sizeof doc,
                   "%sresources:\n  - {uri: 'urn:a', client_id: a}\n"
                   "  - {uri: 'urn:a', client_id: b}\n",
                   cat);
    expect_error(doc, NULL,
                 "t.yaml:6:11: resources[1].uri: duplicate resource \"urn:a\" (also "
                 "resources[0])");
    (void)snprintf(doc, sizeof doc, "%sresources:\n  - {uri: 'urn:a'}\n", cat);
    expect_error(doc, NULL, "t.yaml:5:5: resources[0]: missing key \"client_id\"");
    (void)snprintf(doc, sizeof doc,
                   "%sresources:\n  - {uri: 'urn:a', client_id: a, scopes: ['dns:read', "
                   "'dns:read']}\n",
                   cat);
    expect_error(doc, NULL, "t.yaml:5:55: resources[0].scopes[1]: duplicate scope \"dns:read\"");
    (void)snprintf(doc, sizeof doc, "%sresources:\n  - {uri: 'urn:a', client_id: a, aud: x}\n",
                   cat);
    expect_error(doc, NULL,
                 "t.yaml:5:34: resources[0]: unknown key \"aud\" (expected one of: uri, "
                 "client_id, scopes)");

    /* Resources may come before the catalog they refer to. */
    gh_config *c = expect_ok("resources:\n  - {uri: 'https://r.test/api', client_id: r,\n"
                             "     scopes: ['dns:write']}\n"
                             "scopes:\n  - {name: 'dns:write', description: Write}\n",
                             NULL);
    assert_int_equal(c->n_resources, 1);
    assert_string_equal(c->resources[0].scopes[0], "dns:write");
    /* The resource's scope names point into the catalog. */
    assert_ptr_equal(c->resources[0].scopes[0], c->scopes[0].name);
    gh_config_free(c);
}

static void test_find_helpers(void **state)
{
    (void)state;
    gh_config *c = expect_ok("scopes:\n  - {name: a, description: The A}\n"
                             "  - {name: b, description: The B, sensitive: true}\n"
                             "resources:\n  - {uri: 'https://x.test', client_id: x, scopes: [b]}\n"
                             "  - {uri: 'https://y.test', client_id: y}\n",
                             NULL);
    const gh_config_scope *s = gh_config_scope_find(c, "b");
    assert_non_null(s);
    assert_string_equal(s->description, "The B");
    assert_true(s->sensitive);
    assert_false(gh_config_scope_find(c, "a")->sensitive);
    assert_null(gh_config_scope_find(c, "c"));
    assert_null(gh_config_scope_find(c, "A"));
    const gh_config_resource *r = gh_config_resource_find(c, "https://y.test");
    assert_non_null(r);
    assert_string_equal(r->client_id, "y");
    assert_int_equal(r->n_scopes, 0);
    assert_null(gh_config_resource_find(c, "https://y.test/"));
    assert_null(gh_config_resource_find(c, "https://z.test"));
    gh_config_free(c);
    gh_config_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_without_file),
        cmocka_unit_test(test_audit_checkpoint_keys),
        cmocka_unit_test(test_login_urls_and_throttle),
        cmocka_unit_test(test_defaults_empty_and_null_sections),
        cmocka_unit_test(test_every_key_set),
        cmocka_unit_test(test_retire_after_derived_from_longest_ttl),
        cmocka_unit_test(test_type_errors),
        cmocka_unit_test(test_error_names_the_file),
        cmocka_unit_test(test_file_size_bound),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_aliases_anchors_tags_refused),
        cmocka_unit_test(test_yaml_syntax_and_documents),
        cmocka_unit_test(test_env_overrides),
        cmocka_unit_test(test_env_errors),
        cmocka_unit_test(test_gatehouse_config_variable),
        cmocka_unit_test(test_example_loads),
        cmocka_unit_test(test_catalog_validation),
        cmocka_unit_test(test_resources_validation),
        cmocka_unit_test(test_find_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
