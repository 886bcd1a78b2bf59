/*
 * oauth.h - the OAuth 2.1 / OpenID Connect engine.
 *
 * The engine knows OAuth and nothing of HTTP or SQL. Every endpoint has one shape: it takes a
 * parsed gh_oauth_request and fills a gh_oauth_response. An OAuth rejection is a result
 * (GH_OK with resp->status >= 400 and an RFC 6749 5.2 body); any other gh_err means the
 * server failed and http answers a generic server_error.
 *
 * State: gh_engine holds the configuration, the store, the key set and bounded caches; it is
 * shared by all threads (its mutable parts are locked inside). Per-request memory comes from
 * ctx->arena.
 */
#ifndef GH_OAUTH_OAUTH_H
#define GH_OAUTH_OAUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/clock.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/form.h"
#include "config/config.h"
#include "store/store.h"

typedef struct gh_engine gh_engine;

/* Creates the engine: loads signing keys (generating ES256 and RS256 keys at first start),
 * records the scope catalog version, and settles the admin key. cfg, store and clock are
 * borrowed and must outlive the engine. If an admin key was generated now, *out_new_admin_key
 * (may be NULL) gets it (heap, caller frees after printing it once); otherwise NULL. */
GH_MUST_CHECK gh_err gh_engine_new(const gh_config *cfg, gh_store *store, const gh_clock *clock,
                                   gh_engine **out, char **out_new_admin_key);
void gh_engine_free(gh_engine *e);
const gh_config *gh_engine_config(const gh_engine *e);
/* True if presented is the admin key (constant time). */
bool gh_engine_admin_key_ok(const gh_engine *e, const char *presented);
/* Starts a request context with the engine's clock. */
void gh_engine_ctx_init(const gh_engine *e, gh_ctx *ctx, gh_arena *arena);

/* A parsed HTTP request, as the engine sees it. Everything is borrowed. */
typedef struct gh_oauth_request {
    const char *method;        /* "GET", "POST", "PUT", "DELETE", ... */
    const char *path_arg;      /* the {id} of a path such as /oauth2/register/{id}, or NULL */
    const gh_form *query;      /* never NULL (may be empty) */
    const gh_form *form;       /* the urlencoded body, NULL if the body is not a form */
    const char *content_type;  /* media type without parameters, lower case; NULL if none */
    const char *body;          /* the raw body (for JSON endpoints), NULL if none */
    size_t body_len;
    const char *authorization; /* the Authorization header, NULL if absent */
    const char *dpop;          /* the DPoP header, NULL if absent */
} gh_oauth_request;

/* What the engine answers. http turns it into an HTTP response. */
typedef struct gh_oauth_response {
    int status;                /* 0 means 200 */
    json_t *body;              /* new reference owned by the response, or NULL */
    const char *text;          /* a non-JSON body (arena), used when body is NULL */
    size_t text_len;
    const char *content_type;  /* for text; JSON bodies are application/json */
    const char *location;      /* Location header, or NULL */
    const char *www_authenticate; /* WWW-Authenticate header, or NULL */
    const char *link;          /* Link header (paging), or NULL */
    const char *total_count;   /* X-Total-Count header (paging), or NULL */
    bool no_store;             /* Cache-Control: no-store and Pragma: no-cache */
    const char *error;         /* the OAuth error code when status >= 400 (for the access
                                  log); never a secret */
    /* A deferred write (DESIGN.md performance budget: a request waiting for its commit must
     * not hold a thread). The caller sets can_defer when it can commit without blocking; an
     * endpoint that then has a transaction to commit before it answers leaves it in commit
     * (with store, on_commit and commit_arg) and returns GH_OK with the response unfinished.
     * The caller commits it (gh_store_commit_async), keeps ctx, its arena and resp alive
     * meanwhile, and once the outcome is known calls on_commit(e, ctx, resp, commit_arg,
     * outcome), which finishes resp; an error from on_commit is a server failure like an
     * endpoint's. With can_defer false (the default) endpoints commit synchronously and
     * never set commit. */
    bool can_defer;
    gh_store *store;           /* where commit goes */
    gh_store_txn *commit;      /* the pending transaction (ctx->arena), or NULL */
    gh_err (*on_commit)(gh_engine *e, gh_ctx *ctx, struct gh_oauth_response *resp, void *arg,
                        gh_err outcome);
    void *commit_arg;
} gh_oauth_response;

void gh_oauth_response_init(gh_oauth_response *r);
/* Drops the body reference. */
void gh_oauth_response_clear(gh_oauth_response *r);
/* Sets an RFC 6749 5.2 error: {"error":code,"error_description":desc} with status.
 * desc must be safe to show to the client (never internal detail). */
void gh_oauth_error(gh_oauth_response *r, int status, const char *code, const char *desc);

/* Every endpoint has this shape. */
typedef gh_err (*gh_oauth_endpoint)(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    gh_oauth_response *resp);

/* Public endpoints. */
gh_err gh_oauth_discovery_oidc(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                               gh_oauth_response *resp);   /* /.well-known/openid-configuration */
gh_err gh_oauth_discovery_as(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                             gh_oauth_response *resp);     /* /.well-known/oauth-authorization-server */
gh_err gh_oauth_jwks(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                     gh_oauth_response *resp);             /* /.well-known/jwks.json */
gh_err gh_oauth_token(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                      gh_oauth_response *resp);            /* POST /oauth2/token */
gh_err gh_oauth_introspect(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                           gh_oauth_response *resp);       /* POST /oauth2/introspect */
gh_err gh_oauth_revoke(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                       gh_oauth_response *resp);           /* POST /oauth2/revoke */
gh_err gh_oauth_register(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                         gh_oauth_response *resp);         /* POST /oauth2/register */
gh_err gh_oauth_register_manage(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                gh_oauth_response *resp);  /* GET|PUT|DELETE /oauth2/register/{id} */

/* Admin endpoints (the caller has checked the admin key). */
gh_err gh_oauth_admin_clients(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                              gh_oauth_response *resp);    /* GET|POST /admin/clients */
gh_err gh_oauth_admin_client(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                             gh_oauth_response *resp);     /* GET|PUT|DELETE /admin/clients/{id} */
gh_err gh_oauth_admin_introspect(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                 gh_oauth_response *resp); /* POST /admin/oauth2/introspect */
gh_err gh_oauth_admin_keys(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                           gh_oauth_response *resp);       /* GET /admin/keys, POST /admin/keys/rotate */

/* Key rotation (CLI and admin): the NEXT key of each alg becomes ACTIVE, the ACTIVE one
 * RETIRED (published until its tokens expire), and a new NEXT key is generated and
 * published. At first use there is no NEXT key: one is made and activated at once. */
GH_MUST_CHECK gh_err gh_oauth_keys_rotate(gh_engine *e, gh_ctx *ctx, const char *actor);

#endif
