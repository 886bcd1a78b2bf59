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
 * borrowed and must outlive the engine (the scope catalog is copied: a reload replaces it,
 * gh_engine_catalog_reload). If an admin key was generated now, *out_new_admin_key
 * (may be NULL) gets it (heap, caller frees after printing it once); otherwise NULL. */
GH_MUST_CHECK gh_err gh_engine_new(const gh_config *cfg, gh_store *store, const gh_clock *clock,
                                   gh_engine **out, char **out_new_admin_key);
void gh_engine_free(gh_engine *e);
/* The configuration the engine was started with. Its scope catalog (catalog_version, scopes,
 * resources) is the one of the start: read the catalog served now with
 * gh_engine_catalog_config. */
const gh_config *gh_engine_config(const gh_engine *e);
/* The configuration as the engine serves it now: the start configuration with the scope
 * catalog of the last applied reload (gh_engine_catalog_reload). The same snapshot for every
 * call with this ctx (taken on the request's first use; see oauth_int.h). Borrowed: valid
 * until the engine is freed. */
const gh_config *gh_engine_catalog_config(const gh_engine *e, gh_ctx *ctx);
/* The stored version of the scope catalog served now. */
int64_t gh_engine_catalog_version(const gh_engine *e);
/* Applies the scope catalog of cfg (a configuration loaded and validated like the start one;
 * borrowed: the engine copies what it keeps) to the running engine: the same settling as at
 * start (engine.c: a changed catalog is stored as a new version with a catalog.changed audit
 * event carrying the diff, a widening change needs `gatehouse scopes accept`, a configured
 * catalog_version must rise, a conflict with another instance is retried), then a new
 * catalog snapshot (the catalog, the scopes document, the discovery documents) is published
 * atomically for the requests that start afterwards. Only the scope catalog of cfg is read;
 * its other settings are ignored (the caller reports them: gh_config_restart_changes).
 * *out_changed is false when the catalog is the one served (nothing stored or published);
 * *out_version is the version served after the call. On GH_EINVAL (a refused change) or
 * another error, nothing changed in the engine and errbuf holds the reason. One reload at a
 * time (serialised inside); safe while requests are being served. */
GH_MUST_CHECK gh_err gh_engine_catalog_reload(gh_engine *e, const gh_config *cfg, bool *out_changed,
                                              int64_t *out_version, char *errbuf, size_t errlen);
/* True if presented is the admin key (constant time). */
bool gh_engine_admin_key_ok(const gh_engine *e, const char *presented);
/* Derives a 32-byte key for label from the system secret (HKDF-SHA256, RFC 5869); distinct
 * labels give independent keys ("gatehouse/ui-csrf", ...). */
GH_MUST_CHECK gh_err gh_engine_derive_key(const gh_engine *e, const char *label,
                                          unsigned char out[32]);
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
    const char *cookie;        /* the Cookie header(s), joined with "; ", NULL if absent */
    const char *remote_addr;   /* the peer's IP address as text, NULL if unknown */
    const char *origin;        /* the Origin header, NULL if absent */
    const char *user_agent;    /* the User-Agent header, NULL if absent (audit of admin
                                  answers) */
} gh_oauth_request;

/* At most this many Set-Cookie headers per response. */
#define GH_OAUTH_MAX_COOKIES 4

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
    const char *set_cookie[GH_OAUTH_MAX_COOKIES]; /* Set-Cookie values (gh_oauth_cookie) */
    size_t n_set_cookie;
    const char *csp;           /* Content-Security-Policy of an HTML page; NULL: http sends
                                  its default (default-src 'none'; frame-ancestors 'none') */
    /* response_mode=form_post (OAuth 2.0 Form Post Response Mode): the authorization
     * response is body (a JSON object of string parameters) to be POSTed to
     * form_post_action; ui renders the page. status is 200. */
    const char *form_post_action;
    bool user_facing;          /* an error for the user, not the client: ui renders it as an
                                  HTML page instead of JSON */
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

/* Adds a Set-Cookie header to r: name=value; Path=/; HttpOnly; SameSite=Lax, plus Secure
 * when the issuer is https, and Max-Age=max_age when max_age > 0 (max_age < 0: Max-Age=0,
 * deleting the cookie; 0: a browser-session cookie). value must be cookie-safe (base64url).
 * Ignored (and logged) past GH_OAUTH_MAX_COOKIES. */
void gh_oauth_cookie(const gh_engine *e, gh_ctx *ctx, gh_oauth_response *r, const char *name,
                     const char *value, int64_t max_age);
/* The name a cookie has on this server: "__Host-" + base when the issuer is https (RFC 6265bis
 * 4.1.3.2), base otherwise. Static storage per base of GH_OAUTH_COOKIE_*. */
const char *gh_oauth_cookie_name(const gh_engine *e, const char *base);
/* The value of cookie name in a Cookie header (arena copy), or NULL. */
const char *gh_oauth_cookie_get(gh_ctx *ctx, const char *cookie_header, const char *name);

#define GH_OAUTH_COOKIE_SESSION "gh_session" /* the login session (oauth) */
#define GH_OAUTH_COOKIE_FLOW "gh_flow"       /* binds flows to the browser that began them */
#define GH_OAUTH_COOKIE_CSRF "gh_csrf"       /* the UI's CSRF secret (ui) */

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

gh_err gh_oauth_authorize(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                          gh_oauth_response *resp);        /* GET|POST /oauth2/auth */
gh_err gh_oauth_userinfo(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                         gh_oauth_response *resp);         /* GET|POST /userinfo */
gh_err gh_oauth_logout(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                       gh_oauth_response *resp);           /* GET|POST /oauth2/sessions/logout */

/* /oauth2/auth and /oauth2/sessions/logout answer errors that must not go back to the client
 * (unknown client, unregistered redirect URI, bad logout request) with status 400 and an
 * OAuth error body, and user_facing set: ui renders them as an HTML error page. */

/* Admin endpoints (the caller has checked the admin key). */
gh_err gh_oauth_admin_clients(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                              gh_oauth_response *resp);    /* GET|POST /admin/clients */
gh_err gh_oauth_admin_client(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                             gh_oauth_response *resp);     /* GET|PUT|DELETE /admin/clients/{id} */
gh_err gh_oauth_admin_introspect(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                 gh_oauth_response *resp); /* POST /admin/oauth2/introspect */
gh_err gh_oauth_admin_keys(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                           gh_oauth_response *resp);       /* GET /admin/keys, POST /admin/keys/rotate */
gh_err gh_oauth_admin_consent_sessions(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                       gh_oauth_response *resp);
                          /* GET|DELETE /admin/oauth2/auth/sessions/consent?subject=&client=&all= */

/* Hydra's login / consent / logout admin API (admin_flow.c): the flow interface below for an
 * operator's own login and consent app. JSON in and out with Hydra v2's field names; errors
 * are Hydra's {"error","error_description","error_hint","status_code"}: 400 for a bad body or
 * answer, 404 for an unknown, malformed or expired challenge (also one of another phase), 409
 * for an answer to a challenge already answered, and GET of an answered one 410 with
 * {"redirect_to": the original request URL}. Every answer is audited with actor "admin-api",
 * the caller's address and User-Agent. */
gh_err gh_oauth_admin_login_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    gh_oauth_response *resp);
                          /* GET /admin/oauth2/auth/requests/login?login_challenge= */
gh_err gh_oauth_admin_login_accept(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                   gh_oauth_response *resp);
                          /* PUT /admin/oauth2/auth/requests/login/accept?login_challenge= */
gh_err gh_oauth_admin_login_reject(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                   gh_oauth_response *resp);
                          /* PUT /admin/oauth2/auth/requests/login/reject?login_challenge= */
gh_err gh_oauth_admin_consent_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                      gh_oauth_response *resp);
                          /* GET /admin/oauth2/auth/requests/consent?consent_challenge= */
gh_err gh_oauth_admin_consent_accept(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp);
                          /* PUT /admin/oauth2/auth/requests/consent/accept?consent_challenge= */
gh_err gh_oauth_admin_consent_reject(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp);
                          /* PUT /admin/oauth2/auth/requests/consent/reject?consent_challenge= */
gh_err gh_oauth_admin_logout_request(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp);
                          /* GET /admin/oauth2/auth/requests/logout?logout_challenge= */
gh_err gh_oauth_admin_logout_accept(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    gh_oauth_response *resp);
                          /* PUT /admin/oauth2/auth/requests/logout/accept?logout_challenge= */
gh_err gh_oauth_admin_logout_reject(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    gh_oauth_response *resp);
                          /* PUT /admin/oauth2/auth/requests/logout/reject?logout_challenge=
                             (204) */
gh_err gh_oauth_admin_login_sessions(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     gh_oauth_response *resp);
                          /* DELETE /admin/oauth2/auth/sessions/login?subject= or ?sid= (204) */

/* ---- the login / consent / logout flow interface (Hydra's challenges) ----
 *
 * /oauth2/auth turns an authorization request into a flow. When the user must log in it
 * redirects the browser to the login app (urls.login) with ?login_challenge=; the login app
 * reads the request (gh_oauth_login_get), authenticates the user, and accepts or rejects it;
 * either answer is a redirect_to URL that the login app sends the browser to (back to
 * /oauth2/auth with a login_verifier). Consent works the same way with consent_challenge and
 * urls.consent, logout with logout_challenge and urls.logout. The built-in UI (ui/) is one
 * login/consent/logout app; the admin API exposes the same functions to an operator's own.
 *
 * Errors of these functions: GH_ENOTFOUND for an unknown, malformed or expired challenge;
 * GH_ECONFLICT for a challenge already answered (the view/redirect_to are then still filled
 * when known, as Hydra's 410 "request was already handled"); GH_EINVAL with a safe message
 * in *out_msg for a bad answer (e.g. a scope that was not requested). */

typedef struct gh_oauth_client_view {
    const char *client_id;
    const char *client_name;   /* may be NULL */
    const char *client_uri;    /* may be NULL */
    const char *logo_uri;      /* may be NULL */
    const char *policy_uri;    /* may be NULL */
    const char *tos_uri;       /* may be NULL */
} gh_oauth_client_view;

/* Who answers a flow, for the audit trail (DESIGN.md: every decision is traced). */
typedef struct gh_oauth_actor {
    const char *app;         /* GH_OAUTH_ACTOR_UI or GH_OAUTH_ACTOR_ADMIN_API */
    const char *remote_addr; /* the admin API caller's address, may be NULL */
    const char *user_agent;  /* its User-Agent, may be NULL */
} gh_oauth_actor;

#define GH_OAUTH_ACTOR_UI "ui"               /* the built-in pages (a NULL actor means this) */
#define GH_OAUTH_ACTOR_ADMIN_API "admin-api" /* an operator's app through the admin API */

typedef struct gh_oauth_scope_view {
    const char *name;
    const char *description;   /* the catalog's */
    bool sensitive;
    bool changed;              /* set by gh_oauth_scope_changes: the user's consent to this
                                  client had this scope, and its definition changed since */
    const char *change;        /* then what changed, a short sentence; else NULL */
} gh_oauth_scope_view;

/* ---- the scope catalog (consent.c, catalog.c) ---- */

#define GH_OAUTH_SCOPE_CHANGE_MAX 1024 /* bytes of a scope view's change text */

/* Marks the scopes of v[0..n) that subject's live consent to client_id granted and whose
 * definition (description, sensitive, the resource servers that accept it) changed since the
 * catalog version it was given under: changed and change (from ctx's arena). The others are
 * left as they are. GH_OK when there is no such consent; a store failure otherwise. */
GH_MUST_CHECK gh_err gh_oauth_scope_changes(gh_engine *e, gh_ctx *ctx, const char *subject,
                                            const char *client_id, gh_oauth_scope_view *v,
                                            size_t n);
/* GET /.well-known/gatehouse-scopes: the served catalog, {"issuer", "version", "hash",
 * "scopes": [{name, description, sensitive, resources, hash}], "resources"}, so that clients
 * and resource servers can detect drift. */
gh_err gh_oauth_scopes_document(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                gh_oauth_response *resp);

typedef struct gh_oauth_login_view {
    const char *challenge;
    gh_oauth_client_view client;
    const gh_oauth_scope_view *requested_scope; /* in request order */
    size_t n_requested_scope;
    const char *login_hint;    /* may be NULL */
    bool skip;                 /* a valid session exists and prompt=login was not asked: the
                                  app should accept with subject without asking */
    const char *subject;       /* the session's subject when skip, else NULL */
    const char *session_id;    /* the sid the flow will use, may be NULL */
    const char *request_url;   /* the original authorization request URL */
    int64_t requested_at;
    const char *const *requested_audience; /* resource indicators, may be 0 */
    size_t n_requested_audience;
    const char *acr_values;    /* OIDC Core 3.1.2.1, as requested (space-separated), or NULL */
    const char *ui_locales;    /* likewise */
    const char *display;       /* likewise */
} gh_oauth_login_view;

typedef struct gh_oauth_login_answer {
    const char *subject;       /* required */
    bool remember;             /* keep the login session for remember_for seconds */
    int64_t remember_for;      /* 0: ttl.login_session */
    const char *acr;           /* may be NULL */
    const json_t *amr;         /* OIDC Core 2 amr: an array of strings, or NULL (borrowed) */
    const json_t *context;     /* an object handed to the consent request, or NULL */
    bool hydra_remember;       /* Hydra's remember: false means no session cookie at all (the
                                  next request asks again), remember_for 0 a browser-session
                                  cookie; unset (the built-in UI): a browser-session cookie
                                  when not remembered, ttl.login_session when 0 */
    const gh_oauth_actor *by;  /* NULL: the built-in UI */
} gh_oauth_login_answer;

typedef struct gh_oauth_consent_view {
    const char *challenge;
    gh_oauth_client_view client;
    const char *subject;
    const gh_oauth_scope_view *requested_scope; /* in request order, each once */
    size_t n_requested_scope;
    const char *const *requested_audience;      /* resource indicators, may be 0 */
    size_t n_requested_audience;
    const char *redirect_host; /* host of the redirect URI, shown to the user */
    bool skip;                 /* a remembered consent covers the request (no prompt=consent) */
    const char *login_session_id;
    const char *request_url;
    int64_t requested_at;
    const char *login_challenge; /* the login request's challenge (answered; no longer valid),
                                    or NULL when the login was skipped by a session */
    const char *acr;             /* of the login, may be NULL */
    const char *amr;             /* JSON array text of the login, or NULL */
    const char *context;         /* JSON object text the login app handed on, or NULL */
    const char *login_hint;      /* OIDC Core 3.1.2.1 parameters, as requested, or NULL */
    const char *acr_values;
    const char *ui_locales;
    const char *display;
} gh_oauth_consent_view;

typedef struct gh_oauth_consent_answer {
    const char *const *grant_scope; /* what the user ticked: a subset of the requested */
    size_t n_grant_scope;
    bool remember;                  /* remember the non-sensitive part */
    int64_t remember_for;           /* 0: ttl.remembered_consent */
    bool hydra_remember;            /* Hydra's remember_for: 0 means until revoked */
    bool audience_given;            /* false (the built-in UI): the requested audience */
    const char *const *grant_audience; /* with audience_given: a subset of the requested */
    size_t n_grant_audience;
    const json_t *access_token_claims; /* Hydra's session.access_token: an object whose
                                          members go under "ext" in access tokens and their
                                          introspection, or NULL (borrowed) */
    const json_t *id_token_claims;     /* session.id_token: members added to the ID token;
                                          a claim gatehouse sets is refused (GH_EINVAL) */
    const gh_oauth_actor *by;          /* NULL: the built-in UI */
} gh_oauth_consent_answer;

/* A rejection (Hydra's RequestDeniedError). */
typedef struct gh_oauth_reject_in {
    const char *error;             /* an OAuth error code; NULL or "": access_denied */
    const char *error_description; /* may be NULL */
    const char *error_hint;        /* may be NULL: appended to the description */
} gh_oauth_reject_in;

typedef struct gh_oauth_logout_view {
    const char *challenge;
    const char *subject;            /* may be NULL (no session) */
    const char *sid;                /* may be NULL */
    const char *client_id;          /* from id_token_hint or client_id; may be NULL */
    bool rp_initiated;              /* an RP sent the user here */
    const char *request_url;
} gh_oauth_logout_view;

GH_MUST_CHECK gh_err gh_oauth_login_get(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                        gh_oauth_login_view *out);
GH_MUST_CHECK gh_err gh_oauth_login_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                           const gh_oauth_login_answer *in,
                                           const char **out_redirect_to, const char **out_msg);
/* error: an OAuth error code for the client (e.g. "access_denied", "login_required"). */
GH_MUST_CHECK gh_err gh_oauth_login_reject(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                           const char *error, const char *description,
                                           const char **out_redirect_to);
GH_MUST_CHECK gh_err gh_oauth_consent_get(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                          gh_oauth_consent_view *out);
GH_MUST_CHECK gh_err gh_oauth_consent_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                             const gh_oauth_consent_answer *in,
                                             const char **out_redirect_to,
                                             const char **out_msg);
GH_MUST_CHECK gh_err gh_oauth_consent_reject(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                             const char *error, const char *description,
                                             const char **out_redirect_to);
GH_MUST_CHECK gh_err gh_oauth_logout_get(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                         gh_oauth_logout_view *out);
GH_MUST_CHECK gh_err gh_oauth_logout_accept(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                            const char **out_redirect_to);
GH_MUST_CHECK gh_err gh_oauth_logout_reject(gh_engine *e, gh_ctx *ctx, const char *challenge);

/* The same answers naming the app that gives them (by NULL: the built-in UI). A bad
 * rejection (an error code or text that is not printable ASCII, too long) is GH_EINVAL with
 * *out_msg. */
GH_MUST_CHECK gh_err gh_oauth_login_reject_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                              const gh_oauth_reject_in *in,
                                              const gh_oauth_actor *by,
                                              const char **out_redirect_to,
                                              const char **out_msg);
GH_MUST_CHECK gh_err gh_oauth_consent_reject_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                                const gh_oauth_reject_in *in,
                                                const gh_oauth_actor *by,
                                                const char **out_redirect_to,
                                                const char **out_msg);
GH_MUST_CHECK gh_err gh_oauth_logout_accept_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                               const gh_oauth_actor *by,
                                               const char **out_redirect_to);
GH_MUST_CHECK gh_err gh_oauth_logout_reject_by(gh_engine *e, gh_ctx *ctx, const char *challenge,
                                               const gh_oauth_actor *by);

/* Ends every login session of subject (Hydra's DELETE /admin/oauth2/auth/sessions/login):
 * a session started before now is no longer honoured, whichever browser holds it (audit
 * session.ended with by). Tokens are not revoked. */
GH_MUST_CHECK gh_err gh_oauth_sessions_revoke_subject(gh_engine *e, gh_ctx *ctx,
                                                      const char *subject,
                                                      const gh_oauth_actor *by);
/* Ends the login session sid: GH_ENOTFOUND when there is no live one. */
GH_MUST_CHECK gh_err gh_oauth_session_revoke_sid(gh_engine *e, gh_ctx *ctx, const char *sid,
                                                 const gh_oauth_actor *by);

/* ---- login sessions and the user's own grants (the account page) ---- */

typedef struct gh_oauth_session_view {
    const char *sid;
    const char *subject;
    int64_t auth_time;
    int64_t expires_at;
} gh_oauth_session_view;

/* The live login session named by the session cookie in cookie_header: GH_OK and *out filled,
 * or GH_ENOTFOUND (no cookie, unknown, wrong secret, expired or revoked). */
GH_MUST_CHECK gh_err gh_oauth_session_get(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                                          gh_oauth_session_view *out);

/* Starts a login session for subject outside any authorization request (the account page's
 * own sign-in): inserts the session (audit session.started) and sets its cookie on resp
 * (persistent for ttl.login_session when remember, else a browser-session cookie). */
GH_MUST_CHECK gh_err gh_oauth_session_start(gh_engine *e, gh_ctx *ctx, const char *subject,
                                            bool remember, gh_oauth_response *resp);
/* Ends the session named by the cookie (if any, audit session.ended with actor) and clears
 * the cookie on resp. GH_OK also when there was none. */
GH_MUST_CHECK gh_err gh_oauth_session_end(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                                          const char *actor, gh_oauth_response *resp);

typedef struct gh_oauth_app_grant {
    gh_oauth_client_view client;
    const char *scope;          /* granted, space-separated */
    int64_t granted_at;
    int64_t updated_at;
    int64_t last_used_at;       /* 0: never */
    bool remembered;
} gh_oauth_app_grant;

/* The live consents of subject, by client (arena). */
GH_MUST_CHECK gh_err gh_oauth_grants_list(gh_engine *e, gh_ctx *ctx, const char *subject,
                                          gh_oauth_app_grant **out, size_t *out_n);
/* Ends the consent of subject for client_id and revokes every token of that client for that
 * subject (audit: consent.revoked with actor). GH_ENOTFOUND if there was none. */
GH_MUST_CHECK gh_err gh_oauth_grant_revoke(gh_engine *e, gh_ctx *ctx, const char *subject,
                                           const char *client_id, const char *actor);

/* ---- built-in users ---- */

typedef struct gh_oauth_user_in {
    const char *username;      /* 1..64 of [A-Za-z0-9._@-] */
    const char *password;      /* 8..1024 bytes */
    const char *name;          /* may be NULL */
    const char *email;         /* may be NULL */
    bool email_verified;
} gh_oauth_user_in;

/* Creates a user (argon2id password hash; audit user.created). GH_ECONFLICT if the username
 * is taken, GH_EINVAL with a message in *out_msg for invalid input. *out (arena) gets the
 * stored row (password_hash included: never print it). */
GH_MUST_CHECK gh_err gh_oauth_user_create(gh_engine *e, gh_ctx *ctx,
                                          const gh_oauth_user_in *in, const char *actor,
                                          gh_user **out, const char **out_msg);
/* Finds a user by id or, failing that, by username. GH_ENOTFOUND. */
GH_MUST_CHECK gh_err gh_oauth_user_find(gh_engine *e, gh_ctx *ctx, const char *id_or_name,
                                        gh_user **out);
/* Sets a new password (audit user.password_changed). */
GH_MUST_CHECK gh_err gh_oauth_user_passwd(gh_engine *e, gh_ctx *ctx, const char *id_or_name,
                                          const char *password, const char *actor,
                                          const char **out_msg);
/* Deletes a user, revoking their tokens, consents and sessions (audit user.deleted). */
GH_MUST_CHECK gh_err gh_oauth_user_delete(gh_engine *e, gh_ctx *ctx, const char *id_or_name,
                                          const char *actor);

typedef enum gh_oauth_login_result {
    GH_LOGIN_OK = 0,
    GH_LOGIN_BAD_CREDENTIALS = 1, /* wrong user or password: one generic message */
    GH_LOGIN_THROTTLED = 2        /* too many failures for the account or the address */
} gh_oauth_login_result;

/* Checks a username and password (constant work whether or not the user exists), with login
 * throttling per account and per remote address (login.throttle.*; counters in the store).
 * Audits login.succeeded / login.failed / login.throttled with client_id (may be NULL). On
 * GH_LOGIN_OK *out_user is the user; on THROTTLED *out_retry_after is in seconds. */
GH_MUST_CHECK gh_err gh_oauth_user_login(gh_engine *e, gh_ctx *ctx, const char *username,
                                         const char *password, const char *remote_addr,
                                         const char *client_id, gh_oauth_login_result *out,
                                         gh_user **out_user, int64_t *out_retry_after);

/* Key rotation (CLI and admin): the NEXT key of each alg becomes ACTIVE, the ACTIVE one
 * RETIRED (published until its tokens expire), and a new NEXT key is generated and
 * published. At first use there is no NEXT key: one is made and activated at once. */
GH_MUST_CHECK gh_err gh_oauth_keys_rotate(gh_engine *e, gh_ctx *ctx, const char *actor);

/* ---- the audit trail (audit_api.c) ---- */

/* At most this many events per admin query page; a tool call's response is kept whole up
 * to GH_OAUTH_AUDIT_RESPONSE_MAX bytes, else only its SHA-256 and length. */
#define GH_OAUTH_AUDIT_PAGE_MAX 500
#define GH_OAUTH_AUDIT_RESPONSE_MAX (16 * 1024)

/* GET /admin/audit/events?subject=&client_id=&token_id=&type=&since=&until=&after_seq=&limit=
 * (client and token are accepted for client_id and token_id): a JSON array of events in the
 * export form (gh_audit_event_export), ascending by seq, limit (default 100) at most
 * GH_OAUTH_AUDIT_PAGE_MAX; a full page has a Link rel="next" header. 400 invalid_request for
 * a bad parameter. */
gh_err gh_oauth_admin_audit_events(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                   gh_oauth_response *resp);
/* POST /oauth2/audit/events: a tool-call report (see audit_api.c), authenticated by the
 * access token itself (Bearer) or by the resource server of its audience (client
 * authentication, the token in the body's "token"). 201 {"seq":N}; 400 invalid_request for a
 * bad body; 401 invalid_token for a token that is not live (or not the caller's to report);
 * 401 invalid_client for failed client authentication. */
gh_err gh_oauth_audit_report(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                             gh_oauth_response *resp);
/* Parses an RFC 3339 time (with Z or an offset, optional fraction) or decimal seconds since
 * the epoch into microseconds. GH_EINVAL otherwise. */
GH_MUST_CHECK gh_err gh_oauth_audit_parse_time(const char *s, int64_t *out_us);
/* The newest event of the store (in a), or NULL when the trail is empty: O(log n) reads. */
GH_MUST_CHECK gh_err gh_oauth_audit_head(gh_store *s, gh_arena *a, gh_audit_event **out);
/* Appends an audit.checkpoint event signed with the active ES256 key over the newest event
 * ({"seq","hash","time_us"}): *out_seq is the checkpoint's seq, *out_signed_seq the seq it
 * signs. GH_ENOTFOUND when the trail is empty. */
GH_MUST_CHECK gh_err gh_oauth_audit_checkpoint(gh_engine *e, gh_ctx *ctx, const char *actor,
                                               int64_t *out_seq, int64_t *out_signed_seq);
/* The public keys of every key row in the store (retired ones included) as JWKS text (in
 * a), or NULL when the store fails. Needs no engine (no system secret). */
char *gh_oauth_audit_store_jwks(gh_store *s, gh_arena *a);
/* Checks a checkpoint's data against a JWKS (text): the JWS verifies (ES256 only) with the
 * key its kid names, and its signed seq and hash equal those beside it. GH_OK with the signed
 * seq and hash, else GH_EINVAL with a reason in *out_why (static text). Needs no engine. */
GH_MUST_CHECK gh_err gh_oauth_audit_checkpoint_check(gh_arena *a, const char *jwks_text,
                                                     const char *data, int64_t *out_seq,
                                                     unsigned char out_hash[GH_SHA256_LEN],
                                                     const char **out_why);

#endif
