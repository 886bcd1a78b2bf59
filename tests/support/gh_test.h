/*
 * gh_test.h - fixtures for engine tests: a fixed clock, the demo catalog configuration as a
 * literal (no YAML), and a real engine over store/mem, plus helpers that drive endpoints the
 * way http would (a parsed form, an Authorization header).
 *
 * Everything a test gets lives until gh_test_env_free: responses' arena text included.
 */
#ifndef GH_TESTS_SUPPORT_GH_TEST_H
#define GH_TESTS_SUPPORT_GH_TEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "config/config.h"
#include "oauth/oauth.h"
#include "store/store.h"

/* 2026-01-01T00:00:00Z */
#define GH_TEST_T0 1767225600LL
#define GH_TEST_ISSUER "http://127.0.0.1:4444"
#define GH_TEST_RS_DNS "https://api.example.com/dns"
#define GH_TEST_RS_LOGS "https://api.example.com/logs"
#define GH_TEST_SECRET "0123456789abcdef0123456789abcdef-secret"

/* A clock that says what the test wants. */
typedef struct gh_test_clock {
    int64_t now_us;
} gh_test_clock;

gh_clock gh_test_clock_make(gh_test_clock *tc);

/* The demo catalog (DESIGN.md) and two resource servers:
 * GH_TEST_RS_DNS (client "rs-dns", dns:read dns:write) and GH_TEST_RS_LOGS (client
 * "rs-logs", logs:read). Defaults as config.h documents them. Heap; tests may change fields
 * before the engine starts. */
gh_config *gh_test_config_new(void);
void gh_test_config_free(gh_config *c);

typedef struct gh_test_env {
    gh_test_clock tc;
    gh_clock clock;
    gh_config *cfg;
    gh_store *store;
    gh_engine *e;
    char *admin_key; /* the key generated at start, if any (heap) */
    gh_arena *arena; /* lives as long as the env */
    gh_ctx ctx;      /* refreshed by each call */
} gh_test_env;

/* Starts an engine at GH_TEST_T0 over a new mem store with the demo config. Asserts. */
gh_test_env *gh_test_env_new(void);
/* Same with a given config (taken) and store (taken; NULL: a new mem store). */
gh_test_env *gh_test_env_new_with(gh_config *cfg, gh_store *store);
/* Frees the engine, store and config. */
void gh_test_env_free(gh_test_env *env);
/* Stops the engine only, handing back the store (to start another over it). */
gh_store *gh_test_env_free_keep_store(gh_test_env *env);
void gh_test_env_advance(gh_test_env *env, int64_t seconds);
/* A fresh context at the env's time. */
gh_ctx *gh_test_ctx(gh_test_env *env);

/* Creates a client through the admin API from JSON text; asserts success. Returns its
 * client_id (arena). */
const char *gh_test_client(gh_test_env *env, const char *json);
/* A client_secret_basic Authorization value for id and secret (arena). */
const char *gh_test_basic(gh_test_env *env, const char *id, const char *secret);

/* Calls an endpoint with method, an x-www-form-urlencoded body (NULL: none) and an
 * Authorization header (may be NULL). resp is initialised here; clear it after. */
gh_err gh_test_call(gh_test_env *env, gh_oauth_endpoint ep, const char *method, const char *form,
                    const char *authorization, gh_oauth_response *resp);
/* gh_oauth_token with a client_credentials request for a client created by
 * gh_test_cc_client (secret GH_TEST_SECRET); extra is appended to the form ("" or "&..."). */
gh_err gh_test_cc(gh_test_env *env, const char *client_id, const char *extra,
                  gh_oauth_response *resp);
/* A confidential client_credentials client with client_secret GH_TEST_SECRET, the given
 * scope, strategy ("jwt"/"opaque") and audience JSON array text (NULL: none). */
const char *gh_test_cc_client(gh_test_env *env, const char *id, const char *scope,
                              const char *strategy, const char *audience_json);

/* The string member name of resp->body, or NULL. */
const char *gh_test_str(const gh_oauth_response *resp, const char *name);
/* The payload of a compact JWS as a new JSON reference (not verified). */
json_t *gh_test_jwt_payload(gh_test_env *env, const char *jwt);
json_t *gh_test_jwt_header(gh_test_env *env, const char *jwt);

#endif
