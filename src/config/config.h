/*
 * config.h - the configuration: one YAML file, every key overridable by an environment
 * variable, loaded once by cmd into an immutable gh_config and handed down. serve loads the
 * file again on SIGHUP into a second gh_config whose scope catalog the engine copies
 * (gh_engine_catalog_reload); nothing changes a loaded gh_config.
 *
 * Environment variables: GATEHOUSE_ + the key path in upper case with '.' as '_'
 * (serve.public.listen -> GATEHOUSE_SERVE_PUBLIC_LISTEN), plus the short aliases of DESIGN.md:
 * GATEHOUSE_DSN, GATEHOUSE_ISSUER, GATEHOUSE_PUBLIC_LISTEN, GATEHOUSE_ADMIN_LISTEN,
 * GATEHOUSE_SECRETS_SYSTEM, GATEHOUSE_ADMIN_KEY. The file is GATEHOUSE_CONFIG, or the path
 * given to gh_config_load.
 *
 * Every error names the file, line and column, the key path and what was expected, e.g.
 *   gatehouse.yaml:12:5: ttl.access_token: expected an integer of seconds in [1, 86400]
 */
#ifndef GH_CONFIG_CONFIG_H
#define GH_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/arena.h"
#include "base/err.h"

typedef struct gh_config_scope {
    const char *name;        /* RFC 6749 scope-token */
    const char *description; /* shown on the consent page */
    bool sensitive;          /* never remembered, always asked */
} gh_config_scope;

typedef struct gh_config_resource {
    const char *uri;        /* absolute URI, the token's aud (RFC 8707) */
    const char *client_id;  /* the client that represents this resource server */
    const char **scopes;    /* the scopes it accepts; each in the catalog */
    size_t n_scopes;
} gh_config_resource;

typedef struct gh_config {
    const char *path;            /* the file loaded, NULL if none */
    const char *issuer;          /* default http://127.0.0.1:4444 ; no trailing slash */
    const char *dsn;             /* sqlite:///path, sqlite://relative/path, postgres://... */
    const char *log_level;       /* debug | info | warn | error */
    bool migrate_on_start;       /* default true */

    const char *public_listen;   /* host:port, default 127.0.0.1:4444 */
    const char *admin_listen;    /* host:port, default 127.0.0.1:4445 */
    const char *admin_key;       /* NULL: generated at first start and printed once */
    bool admin_auth;             /* default true; false only by explicit setting */
    unsigned threads;            /* HTTP worker threads, 0 = automatic */
    unsigned max_connections;    /* per listener */
    unsigned idle_timeout;       /* seconds */
    size_t body_limit;           /* bytes */

    const char *secrets_system;  /* at least 32 characters; NULL if unset (see
                                    gh_config_require_secret) */

    int64_t ttl_access_token;       /* seconds, default 600 */
    int64_t ttl_refresh_token;      /* default 30 days */
    int64_t ttl_authorization_code; /* default 60, at most 60 */
    int64_t ttl_id_token;           /* default 3600 */
    int64_t ttl_registration_token; /* 0 = does not expire */
    int64_t ttl_login_session;      /* a remembered login session, default 1 day */
    int64_t ttl_flow;               /* login, consent and logout requests, default 600 */
    int64_t ttl_remembered_consent; /* 0 = until revoked */

    /* Where /oauth2/auth sends the browser (NULL: the built-in UI, issuer + /ui/login,
     * /ui/consent, /ui/logout, /ui/logged-out). */
    const char *url_login;
    const char *url_consent;
    const char *url_logout;
    const char *url_post_logout_redirect;
    /* Where a browser goes when an authorization request fails in a way that cannot be sent
     * to the client (unknown client, unregistered redirect URI), with ?error=&
     * error_description= (Hydra's urls.error). NULL: the built-in error page. */
    const char *url_error;

    int64_t throttle_account_failures; /* failed logins per account per window, default 5 */
    int64_t throttle_address_failures; /* per remote address per window, default 20 */
    int64_t throttle_window;           /* seconds, default 900 */
    int64_t key_retire_after;       /* rotated-out keys stay published this long; 0 in the
                                       file resolves here to the longer of ttl_access_token
                                       and ttl_id_token (the signed tokens) + 1 day */

    const char *access_token_strategy; /* default for clients: "jwt" or "opaque" */
    const char *signing_alg;           /* access tokens: "ES256" (default) */

    bool registration_enabled;           /* RFC 7591 endpoint on; default true */
    const char *registration_initial_token; /* NULL: open registration */

    int64_t audit_checkpoint_interval;     /* serve signs a checkpoint this often (seconds)
                                              when events were added; 0 = off, default 300 */
    int64_t audit_checkpoint_every_events; /* or once this many events were added since the
                                              last one; 0 = off, default 1000 */

    int64_t catalog_version;     /* the catalog's version as the operator numbers it; 0 when
                                    absent (the store numbers it: latest + 1 on a change) */
    gh_config_scope *scopes;
    size_t n_scopes;
    gh_config_resource *resources;
    size_t n_resources;
} gh_config;

/* Loads path (NULL: $GATEHOUSE_CONFIG if set, else defaults only), applies environment
 * overrides from envp (NULL-terminated "K=V" strings; NULL means none) and validates.
 * GH_EINVAL with the message (file:line:col: key.path: expected ...) in errbuf. */
GH_MUST_CHECK gh_err gh_config_load(const char *path, char *const *envp, gh_config **out,
                                    char *errbuf, size_t errlen);
void gh_config_free(gh_config *c);
/* For serve: GH_EINVAL with "FILE: secrets.system: required ..." in errbuf when no system
 * secret is configured (gh_config_load does not require it: migrate runs without one). */
GH_MUST_CHECK gh_err gh_config_require_secret(const gh_config *c, char *errbuf, size_t errlen);
/* Returns the catalog scope named name, or NULL. */
const gh_config_scope *gh_config_scope_find(const gh_config *c, const char *name);
/* Returns the resource server with this uri, or NULL. */
const gh_config_resource *gh_config_resource_find(const gh_config *c, const char *uri);
/* Writes to out (at most max entries) the key paths ("serve.threads", "ttl.access_token") whose
 * values differ between running and loaded, leaving out the scope catalog's keys
 * (catalog_version, scopes, resources), which a running server applies on reload; returns how
 * many differ (which may exceed max). The paths are static strings. Values are compared, never
 * copied or printed, so a changed secret is named by its key only. */
size_t gh_config_restart_changes(const gh_config *running, const gh_config *loaded,
                                 const char **out, size_t max);

/* ---- the scope catalog as a document (catalog.c) ----------------------------------------
 * A scope's definition: name, description, sensitive and the resource servers that accept it.
 * Its hash: SHA-256 (hex) of the definition's canonical JSON. */

#define GH_CONFIG_CATALOG_HASH_LEN 65 /* hex SHA-256 and its NUL */
/* The store kv key under which `gatehouse scopes accept` records the hex SHA-256 of the
 * canonical catalog document whose widening changes the operator acknowledged. */
#define GH_CONFIG_CATALOG_ACCEPT_KV "catalog_accepted_hash"

/* Points dst's catalog part (catalog_version, scopes, resources) at a deep copy of src's,
 * allocated from a (every string and list: dst then depends on a only, not on src). The other
 * members of dst are left as they are. */
void gh_config_catalog_copy(gh_config *dst, const gh_config *src, gh_arena *a);
/* Returns a new reference: the catalog as stored for a version and published,
 * {"resources": [{uri, client_id, scopes}], "scopes": [{name, description, sensitive,
 * resources, hash}]}, scopes sorted by name and resources by uri. */
json_t *gh_config_catalog_doc(const gh_config *c);
/* Writes the definition hash of scope name in doc (any stored catalog document: computed from
 * its scopes and resources, never read from its hash members) to out; false (out "") when doc
 * has no such scope. */
bool gh_config_catalog_scope_hash(const json_t *doc, const char *name,
                                  char out[GH_CONFIG_CATALOG_HASH_LEN]);
/* Returns a new reference: what changed from before to after (either may be NULL: empty),
 * {"added": [name], "removed": [name], "changed": [{"scope": name, "fields": {FIELD:
 * {"before": v, "after": v}}}]} with FIELD description, sensitive or resources. */
json_t *gh_config_catalog_diff(const json_t *before, const json_t *after);
/* True if diff (of gh_config_catalog_diff) has nothing added, removed or changed. */
bool gh_config_catalog_diff_empty(const json_t *diff);
/* Returns a new reference: the changes of diff that widen what an existing consent allows, as
 * [{"scope": name, "what": "now accepted by URI" | "the sensitive flag was removed"}]. */
json_t *gh_config_catalog_widening(const json_t *diff);
/* Writes a short sentence of what changed for one scope (the "fields" of a changed entry)
 * to out, for the consent page: 'the description was "..."; now also accepted by URI'. */
void gh_config_catalog_change_text(const json_t *fields, char *out, size_t outlen);

#endif
