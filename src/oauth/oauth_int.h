/*
 * oauth_int.h - declarations shared inside the oauth module (and its unit tests) only.
 *
 * Files and what they own:
 *   oauth.c          response helpers, audit event helper
 *   engine.c         gh_engine: creation, derived secrets, admin key, catalog version and
 *                    its reload
 *   catalog.c        the catalog snapshot; /.well-known/gatehouse-scopes
 *   keys.c           signing keys: load, generate, seal, rotate; the published JWKS
 *   client.c         the client model: loading, Hydra-shaped JSON, secret hashing
 *   client_validate.c  metadata validation (RFC 7591 2, DESIGN.md rules)
 *   client_uri.c     redirect URI rules (RFC 8252 7.3 loopback ports)
 *   client_cache.c   the bounded client cache
 *   client_auth.c    client authentication (RFC 6749 2.3, RFC 7523 2.2 / 3)
 *   register.c       RFC 7591 registration and RFC 7592 management
 *   admin_clients.c  /admin/clients
 *   scope.c          scope requests against client and catalog; resource indicators
 *   token.c          /oauth2/token: grant dispatch table
 *   grant_client_credentials.c
 *   issue.c          access token issuance (JWT RFC 9068 or opaque) with store rows and audit
 *   introspect.c     RFC 7662, public and admin
 *   revoke.c         RFC 7009
 *   discovery.c      RFC 8414 and OIDC discovery; jwks endpoint
 */
#ifndef GH_OAUTH_OAUTH_INT_H
#define GH_OAUTH_OAUTH_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "audit/audit.h"
#include "base/digest.h"
#include "base/str.h"
#include "jose/jose.h"
#include "oauth/oauth.h"
#include "oauth/proto.h"

/* ---- clients (client.c, client_validate.c, client_uri.c, client_cache.c) ---- */

/* A registered client as the engine uses it: parsed once from its stored doc, immutable,
 * refcounted, shared by threads through the client cache. */
typedef struct gh_oauth_client {
    atomic_int refs;
    gh_arena *arena;             /* owns every string and list below */
    const char *client_id;
    const char *client_name;
    gh_strv redirect_uris;
    gh_strv grant_types;
    gh_strv response_types;
    const char *scope;           /* registered scope string ("" if none) */
    gh_strv scopes;              /* the same, split */
    gh_strv audience;            /* Hydra's allowed audiences */
    const char *token_endpoint_auth_method;
    gh_jose_alg token_endpoint_auth_signing_alg; /* NONE: any asymmetric alg of its keys */
    gh_jwks jwks;                /* for private_key_jwt (parsed "jwks"; jwks_uri is not fetched) */
    const char *jwks_uri;
    const char *access_token_strategy; /* GH_STRATEGY_JWT or GH_STRATEGY_OPAQUE */
    const char *client_uri;      /* OIDC Registration 2 / RFC 7591 2, may be NULL */
    const char *logo_uri;        /* may be NULL */
    const char *policy_uri;      /* may be NULL */
    const char *tos_uri;         /* may be NULL */
    gh_strv post_logout_redirect_uris; /* OIDC RP-Initiated Logout 3.1, exact match */
    gh_jose_alg id_token_signed_response_alg; /* RS256 unless registered (ES256) */
    const char *doc;             /* the stored JSON text */
    bool has_secret;
    unsigned char secret_hash[GH_SHA256_LEN];
    bool has_reg_token;
    unsigned char reg_token_hash[GH_SHA256_LEN];
    int64_t created_at;
    int64_t updated_at;
    int64_t cached_until_us;     /* cache bookkeeping */
} gh_oauth_client;

typedef struct gh_oauth_client_cache gh_oauth_client_cache;

gh_oauth_client_cache *gh_oauth__client_cache_new(size_t capacity, int64_t ttl_us);
void gh_oauth__client_cache_free(gh_oauth_client_cache *c);

/* Returns the client (a new reference: release it), from the cache or the store.
 * GH_ENOTFOUND if there is no such client. */
GH_MUST_CHECK gh_err gh_oauth__client_get(gh_engine *e, gh_ctx *ctx, const char *client_id,
                                          gh_oauth_client **out);
void gh_oauth__client_release(gh_oauth_client *c);
/* Drops a client from this instance's cache (after update or delete). */
void gh_oauth__client_invalidate(gh_engine *e, const char *client_id);
bool gh_oauth__client_has_grant(const gh_oauth_client *c, const char *grant_type);
/* The keyed hash under which client secrets (and registration tokens) are stored. */
void gh_oauth__secret_hash(const gh_engine *e, const char *secret,
                           unsigned char out[GH_SHA256_LEN]);

/* ---- client authentication (client_auth.c) ---- */

/* Authenticates the client of a token, introspection or revocation request.
 * On success *out is the client (new reference). On failure the response holds the OAuth
 * error (401 invalid_client, with WWW-Authenticate: Basic when Basic was tried; 400
 * invalid_request for malformed or multiple methods) and *out is NULL; the return is GH_OK
 * either way unless the server failed. */
GH_MUST_CHECK gh_err gh_oauth__client_authenticate(gh_engine *e, gh_ctx *ctx,
                                                   const gh_oauth_request *req,
                                                   gh_oauth_response *resp,
                                                   gh_oauth_client **out);

/* ---- scopes and resources (scope.c) ---- */

/* Resolves the scope of a client_credentials-style request: requested (may be NULL: the
 * client's registered scopes that are in the catalog) must be within the client's registered
 * scope and the catalog. On violation fills resp with 400 invalid_scope and sets *out->v NULL
 * with n = 0 and returns GH_OK with *ok false. */
GH_MUST_CHECK gh_err gh_oauth__scope_resolve(gh_engine *e, gh_ctx *ctx,
                                             const gh_oauth_client *c, const char *requested,
                                             gh_oauth_response *resp, gh_strv *out, bool *ok);
/* Resolves the resource parameters of a token request (RFC 8707 2): each must be a registered
 * resource server (configuration) that accepts every granted scope, else 400 invalid_target
 * (*ok false). *out_audience gets the resource URIs (n = 0 when none was given). */
GH_MUST_CHECK gh_err gh_oauth__resource_resolve(gh_engine *e, gh_ctx *ctx,
                                                const gh_oauth_request *req,
                                                const gh_strv *granted, gh_oauth_response *resp,
                                                gh_strv *out_audience, bool *ok);

/* ---- engine (engine.c) ---- */

struct gh_engine {
    const gh_config *cfg;
    gh_store *store;
    const gh_clock *clock;
    unsigned char secret_hash_key[32]; /* HKDF(system secret, "gatehouse/client-secret") */
    unsigned char key_seal_key[32];    /* HKDF(system secret, "gatehouse/key-seal") */
    unsigned char token_seal_key[32];  /* HKDF(system secret, "gatehouse/token-seal"): seals
                                          the data carried by codes and refresh tokens */
    unsigned char admin_key_hash[GH_SHA256_LEN];
    bool admin_key_set;
    gh_oauth_client_cache *clients;
    struct gh_oauth_keyset *keys;      /* keys.c */
    /* The scope catalog served now (catalog.c): published with release, read with acquire
     * through gh_oauth__catalog only. Superseded snapshots hang off ->older and are freed
     * with the engine. Never NULL once gh_engine_new succeeded. */
    _Atomic(struct gh_oauth_catalog *) catalog;
    pthread_mutex_t reload_mu; /* one gh_engine_catalog_reload at a time */
};

/* ---- the catalog snapshot (catalog.c) ----
 *
 * Everything the engine derives from the scope catalog, built at start and on each applied
 * reload, immutable once published. Readers (every request thread) take the snapshot with one
 * acquire load on the request's first use (gh_oauth__catalog) and keep it in ctx for the rest
 * of the request, so one request never mixes two catalogs and the hot paths pay one atomic
 * load and no lock. A reload builds a complete new snapshot and publishes it with one release
 * store; the one it replaces is not freed but kept on the new one's ->older list until the
 * engine is freed: a request (or a response body still being sent by http) may hold it, and
 * reloads are rare and snapshots small (a few kilobytes), so keeping them costs less than
 * counting references on every request. */
typedef struct gh_oauth_catalog {
    /* The running configuration (a copy of *e->cfg) with this catalog's catalog_version,
     * scopes and resources (deep copies in arena). Every scope and resource lookup reads
     * these; the other members are the start configuration's, borrowed. */
    gh_config cfg;
    int64_t version;                /* the stored version (engine.c catalog_settle) */
    json_t *doc;                    /* gh_config_catalog_doc(&cfg): consent.c compares against it */
    char *scopes_document;          /* /.well-known/gatehouse-scopes (catalog.c) */
    char *discovery_as;             /* RFC 8414 metadata (discovery.c; has scopes_supported) */
    char *discovery_oidc;           /* OpenID Connect discovery (discovery.c) */
    gh_arena *arena;                /* owns the catalog part of cfg */
    struct gh_oauth_catalog *older; /* the snapshot this one replaced, or NULL */
} gh_oauth_catalog;

/* Builds the snapshot of catalog's scope catalog (its catalog_version, scopes and resources;
 * copied) stored as version, over the running configuration (borrowed: must outlive the
 * snapshot). *out is new: publish it or free it with gh_oauth__catalog_free. */
GH_MUST_CHECK gh_err gh_oauth__catalog_new(const gh_config *running, const gh_config *catalog,
                                           int64_t version, gh_ctx *ctx, gh_oauth_catalog **out);
/* Frees c and every snapshot on its ->older list. NULL is OK. */
void gh_oauth__catalog_free(gh_oauth_catalog *c);

/* The snapshot this request reads (see above): borrowed, valid until the engine is freed. */
static inline const gh_oauth_catalog *gh_oauth__catalog(const gh_engine *e, gh_ctx *ctx)
{
    if (ctx->catalog == NULL)
        ctx->catalog = atomic_load_explicit(&((gh_engine *)e)->catalog, memory_order_acquire);
    return (const gh_oauth_catalog *)ctx->catalog;
}

/* The configuration with the catalog this request reads: where scopes and resources are
 * looked up (gh_config_scope_find, gh_config_resource_find). Borrowed, as above. */
static inline const gh_config *gh_oauth__catalog_cfg(const gh_engine *e, gh_ctx *ctx)
{
    return &gh_oauth__catalog(e, ctx)->cfg;
}

/* ---- audit helper (oauth.c) ---- */

/* Builds an event in ctx's arena (time = ctx->now_us, request id from ctx) and appends it to
 * t. Any string may be NULL. data: a JSON object (borrowed; serialised now) or NULL. */
void gh_oauth__audit(gh_ctx *ctx, gh_store_txn *t, const char *type, const char *actor,
                     const char *client_id, const char *subject, const char *token_id,
                     const char *scope, const json_t *data);

#endif
