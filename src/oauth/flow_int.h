/*
 * flow_int.h - declarations shared by the flow half of the oauth engine (authorize.c, flow.c,
 * session.c, consent.c, logout.c, cookie.c, admin_consent.c) and its unit tests. Nothing
 * outside src/oauth/ and tests/ includes it.
 *
 * A flow (store gh_flow) is one authorization request (kind AUTHZ) or one RP-initiated logout
 * (kind LOGOUT) in progress. Its doc is a JSON object: the validated request, the hashes of
 * the handles issued for it (challenges, verifiers, the browser-binding cookie) and the
 * answers given so far. Handles are "<flow id><secret>": base64url(16 random bytes, 22
 * characters) + base64url(32 random bytes, 43 characters); the doc keeps only the SHA-256 of
 * each handle, so a copy of the store cannot answer a flow.
 *
 * This header includes neither client_int.h nor authz_int.h (their gh_oauth_authz types
 * collide): what authorize.c needs of client_int.h is wrapped here (gh_oauth__flow_redirect_ok).
 */
#ifndef GH_OAUTH_FLOW_INT_H
#define GH_OAUTH_FLOW_INT_H

#include <jansson.h>

#include "oauth/oauth_int.h"

/* ---- states (flow.c opening comment has the diagram) ---- */

enum {
    GH_FLOW_LOGIN_PENDING = 1,    /* login_challenge issued */
    GH_FLOW_LOGIN_ACCEPTED = 2,   /* login_verifier issued */
    GH_FLOW_CONSENT_PENDING = 3,  /* consent_challenge issued */
    GH_FLOW_CONSENT_ACCEPTED = 4, /* consent_verifier issued */
    GH_FLOW_DONE = 5,             /* the code (or the error) went to the client */
    GH_FLOW_REJECTED = 6          /* login or consent rejected */
};

enum {
    GH_LOGOUT_PENDING = 1,  /* logout_challenge issued */
    GH_LOGOUT_ACCEPTED = 2, /* logout_verifier issued */
    GH_LOGOUT_DONE = 3,
    GH_LOGOUT_REJECTED = 4
};

/* ---- audit event types of the flow half (issue3 plan) ---- */

#define GH_OAUTH_AUDIT_LOGIN_ACCEPTED "login.accepted"
#define GH_OAUTH_AUDIT_LOGIN_REJECTED "login.rejected"
#define GH_OAUTH_AUDIT_CONSENT_SHOWN "consent.shown"
#define GH_OAUTH_AUDIT_CONSENT_GRANTED "consent.granted"
#define GH_OAUTH_AUDIT_CONSENT_DENIED "consent.denied"
#define GH_OAUTH_AUDIT_CONSENT_SKIPPED "consent.skipped"
#define GH_OAUTH_AUDIT_CONSENT_REVOKED "consent.revoked"
#define GH_OAUTH_AUDIT_SESSION_STARTED "session.started"
#define GH_OAUTH_AUDIT_SESSION_ENDED "session.ended"
#define GH_OAUTH_AUDIT_LOGOUT_ACCEPTED "logout.accepted"
#define GH_OAUTH_AUDIT_LOGOUT_REJECTED "logout.rejected"
#define GH_OAUTH_AUDIT_SESSIONS_REVOKED "sessions.revoked" /* every session of a subject */

/* ---- handles ---- */

#define GH_FLOW_ID_CHARS 22     /* base64url of 16 bytes */
#define GH_FLOW_SECRET_CHARS 43 /* base64url of 32 bytes */
#define GH_FLOW_HANDLE_CHARS (GH_FLOW_ID_CHARS + GH_FLOW_SECRET_CHARS)
#define GH_FLOW_DOC_MAX (64 * 1024) /* bytes of a stored flow doc we parse */
#define GH_FLOW_SUBJECT_MAX 255     /* bytes in a subject given by a login app */
#define GH_FLOW_DEFAULT_TTL 600     /* ttl.flow when the configuration says 0 */
#define GH_SESSION_DEFAULT_TTL 86400 /* ttl.login_session when the configuration says 0 */
#define GH_FLOW_APP_JSON_MAX 8192    /* bytes of an object a login/consent app gives (context,
                                        session.access_token, session.id_token) */

/* ---- who answers (flow.c) ---- */

/* The audit actor of an answer: by->app, or GH_OAUTH_ACTOR_UI when by is NULL. */
const char *gh_oauth__actor_name(const gh_oauth_actor *by);
/* Audit data naming subject and, for an admin API caller, its address and User-Agent.
 * Returns a new reference. */
json_t *gh_oauth__actor_data(const gh_oauth_actor *by, const char *subject);
/* True if an ID token claim is one gatehouse sets itself (a consent app may not). */
bool gh_oauth__id_claim_reserved(const char *name);
/* Sets Hydra's error body (admin_flow.c): {"error","error_description","error_hint" (when
 * hint is not NULL),"status_code"} with status. */
void gh_oauth__hydra_error(gh_oauth_response *resp, int status, const char *error,
                           const char *description, const char *hint);

/* A new flow id (arena). */
char *gh_oauth__flow_id_new(gh_ctx *ctx);
/* A new handle for flow_id (arena) and, in *out_hash, the base64url SHA-256 of it (arena). */
char *gh_oauth__handle_new(gh_ctx *ctx, const char *flow_id, const char **out_hash);
/* The flow id of a presented handle (arena), or NULL when it is not one (length, alphabet). */
char *gh_oauth__handle_flow_id(gh_arena *a, const char *handle);
/* True if handle hashes to the base64url SHA-256 stored_hash (constant time; NULL false). */
bool gh_oauth__handle_matches(gh_arena *a, const char *handle, const char *stored_hash);

/* ttl.flow and ttl.login_session with their defaults applied. */
int64_t gh_oauth__flow_ttl(const gh_engine *e);
int64_t gh_oauth__session_ttl(const gh_engine *e);

/* Reads flow id of kind: GH_ENOTFOUND when missing, of another kind or expired. *out_doc is a
 * new reference to the parsed doc (release it). */
GH_MUST_CHECK gh_err gh_oauth__flow_load(gh_engine *e, gh_ctx *ctx, const char *id,
                                         gh_flow_kind kind, gh_flow **out, json_t **out_doc);
/* Adds a FLOW_UPDATE of f (the version read) with state and doc to t; expires_at moves to
 * now + ttl.flow. */
void gh_oauth__flow_update(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const gh_flow *f,
                           int state, const char *subject, const json_t *doc);
/* Adds a FLOW_INSERT to t; returns the row (arena). */
gh_flow *gh_oauth__flow_insert(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const char *id,
                               gh_flow_kind kind, int state, const char *client_id,
                               const char *subject, const json_t *doc);
/* The string member of a doc, or NULL. */
const char *gh_oauth__doc_str(const json_t *doc, const char *key);
/* The string array member of a doc as a list (arena); n = 0 when absent. */
gh_strv gh_oauth__doc_strv(gh_ctx *ctx, const json_t *doc, const char *key);

/* The flow cookie of the browser, checked against the hash stored in doc ("fc"). */
bool gh_oauth__flow_cookie_ok(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                              const json_t *doc);

/* The browser's gh_flow cookie value (if well formed: 43 base64url characters), or a new
 * random one set on resp as a browser-session cookie. A flow keeps its SHA-256 ("fc"). */
const char *gh_oauth__flow_cookie(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                                  gh_oauth_response *resp);

/* ---- the authorization response (authorize.c) ---- */

/* The URL of the built-in or configured app page (login, consent, logout, post-logout) with
 * ?name=value (or &name=value) appended (value NULL: no parameter). */
char *gh_oauth__app_url(gh_engine *e, gh_ctx *ctx, const char *configured, const char *builtin,
                        const char *name, const char *value);
/* The redirect of an authorization error for the flow doc's client, in query mode (the
 * redirect_to of a login or consent rejection): redirect URI + error, error_description,
 * state, iss (RFC 9207). */
char *gh_oauth__flow_error_url(gh_engine *e, gh_ctx *ctx, const json_t *doc, const char *error,
                               const char *desc);
/* Appends name=value (percent-encoded) to a URL, with '?' or '&'. */
char *gh_oauth__url_add(gh_arena *a, const char *url, const char *name, const char *value);

/* ---- clients (flow.c: wraps client_int.h) ---- */

/* True if redirect_uri is one of c's registered redirect URIs (exact, any port on loopback). */
bool gh_oauth__flow_redirect_ok(const gh_oauth_client *c, const char *redirect_uri);
/* Fills v from c (strings copied into ctx->arena: v outlives the reference to c). */
void gh_oauth__client_view_fill(gh_ctx *ctx, const gh_oauth_client *c, gh_oauth_client_view *v);

/* ---- sessions (session.c) ---- */

/* The live session named by the session cookie in cookie_header, or *out NULL (never an
 * error for a missing, malformed, unknown, revoked or expired one, nor for one started
 * before its subject's sessions were all revoked). */
GH_MUST_CHECK gh_err gh_oauth__session_find(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                                            gh_session **out);
/* Adds a new session of subject to t (SESSION_INSERT and session.started), and its cookie to
 * resp (Max-Age max_age; 0: a browser-session cookie). ttl: the session's lifetime. */
gh_session *gh_oauth__session_new(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const char *subject,
                                  int64_t auth_time, const char *acr, int64_t ttl, int64_t max_age,
                                  gh_oauth_response *resp);
/* As gh_oauth__session_new, with amr (JSON array text, may be NULL) kept in the session doc,
 * and no cookie at all when set_cookie is false (Hydra's remember false: the session names
 * the tokens' sid, but the browser is not remembered). */
gh_session *gh_oauth__session_new_ex(gh_engine *e, gh_ctx *ctx, gh_store_txn *t,
                                     const char *subject, int64_t auth_time, const char *acr,
                                     const char *amr, int64_t ttl, int64_t max_age,
                                     bool set_cookie, gh_oauth_response *resp);
/* The kv key whose value (decimal seconds) revokes every session of subject started at or
 * before it (arena). */

/* ---- remembered consents (consent.c) ---- */

/* True if consent c (may be NULL) is live, of the engine's catalog version, not past its
 * remember_until, remembers every scope of scopes, none of them sensitive, and covers every
 * resource of audience. */
bool gh_oauth__consent_covers(const gh_engine *e, gh_ctx *ctx, const gh_consent *c,
                              const gh_strv *scopes, const gh_strv *audience);
/* The consent of subject for client_id, or *out NULL when there is none. */
GH_MUST_CHECK gh_err gh_oauth__consent_find(gh_engine *e, gh_ctx *ctx, const char *subject,
                                            const char *client_id, gh_consent **out);

#endif
