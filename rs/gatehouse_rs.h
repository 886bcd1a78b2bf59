/*
 * gatehouse_rs.h - the resource-server kit: what a platform's API links to (libgatehouse_rs,
 * pkg-config gatehouse-rs) to accept the access tokens a gatehouse issues.
 *
 * It verifies a JWT access token (RFC 9068 4: typ at+jwt, an allowed asymmetric algorithm, a
 * signature by a key of the issuer's JWKS, iss, aud containing this resource, exp and nbf) or
 * introspects an opaque one (RFC 7662, client_secret_basic), or does both for an operation
 * that must see a revocation at once (gh_rs_verify_online), checks the scope an operation
 * needs, builds the 401/403 answer with the RFC 6750 3 WWW-Authenticate value (with the RFC
 * 9728 5.1 resource_metadata parameter), builds the RFC 9728 2 protected-resource metadata
 * document and reports tool calls to gatehouse's audit trail (POST /oauth2/audit/events).
 *
 * What it is not: an HTTP server (the platform serves its own routes and calls these
 * functions), nor a DPoP verifier. It never accepts "none" or HMAC algorithms.
 *
 * Thread safety: a gh_rs may be used from any number of threads at once. The JWKS, the
 * issuer's metadata and introspection answers are cached inside it behind locks; a fetch for
 * a refresh runs once for all waiting threads. Every fetched document is bounded in size and
 * every request in time. Introspection answers are cached under the SHA-256 of the token,
 * never the token itself.
 *
 * This header is self-contained: it includes only standard headers.
 */
#ifndef GATEHOUSE_RS_H
#define GATEHOUSE_RS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Failures of the kit itself (or of the issuer it talks to). A token that is not acceptable
 * is not an error: the functions return GH_RS_OK with gh_rs_token.active false. */
typedef enum gh_rs_err {
    GH_RS_OK = 0,
    GH_RS_EINVAL,   /* invalid argument or configuration */
    GH_RS_EFETCH,   /* the issuer could not be reached or answered something unusable */
    GH_RS_ETOOBIG,  /* a bound was exceeded */
    GH_RS_EINTERNAL /* anything else that is the kit's fault */
} gh_rs_err;

#if defined(__GNUC__)
#define GH_RS_MUST_CHECK __attribute__((warn_unused_result))
#else
#define GH_RS_MUST_CHECK
#endif

/* Returns a static name for e. Never NULL. */
const char *gh_rs_err_str(gh_rs_err e);

/* An HTTP exchange, for a platform that wants its own HTTP client (or for tests). The default
 * is libcurl. headers is NULL-terminated ("Name: value"); body may be NULL (then it is a GET).
 * On success *out_body is a NUL-terminated heap string (freed by the kit with free()) of at
 * most max bytes; a longer answer is GH_RS_ETOOBIG. Any HTTP status is success here. */
typedef gh_rs_err (*gh_rs_transport)(void *arg, const char *url, const char *const *headers,
                                     const char *body, size_t body_len, size_t max,
                                     long *out_status, char **out_body, size_t *out_len);

typedef struct gh_rs_config {
    const char *issuer;   /* required: the gatehouse issuer, compared exactly with "iss" */
    const char *resource; /* required: this resource server's URI, the "aud" it accepts */
    /* NULL-terminated list of accepted JWS algorithms ("ES256", "RS256", "EdDSA", "ES384",
     * "PS256"); NULL means {"ES256"}. "none" and HS* are refused by gh_rs_new. */
    const char *const *algorithms;
    const char *jwks_uri;               /* NULL: the issuer metadata's jwks_uri */
    const char *introspection_endpoint; /* NULL: the issuer metadata's */
    const char *client_id;              /* this resource server's client, for introspection */
    const char *client_secret;
    /* Where the platform serves RFC 9728 metadata; NULL: the resource with
     * /.well-known/oauth-protected-resource inserted after the host (RFC 9728 3.1). */
    const char *resource_metadata_url;
    const char *const *scopes_supported; /* NULL-terminated, may be NULL */
    int64_t jwks_ttl_s;                  /* JWKS cache lifetime; 0: 300 */
    int64_t jwks_min_refresh_s;          /* least time between two refreshes for an unknown kid;
                                            0: 10 */
    int64_t introspect_ttl_s;            /* introspection cache lifetime; 0: 30 (capped by exp) */
    size_t introspect_cache_max;         /* entries; 0: 1024 */
    int64_t leeway_s;                    /* clock skew allowed on exp/nbf; 0: 30; negative: none */
    long timeout_ms;                     /* per HTTP request; 0: 5000 */
    gh_rs_transport transport;           /* NULL: libcurl */
    void *transport_arg;
    int64_t (*clock)(void *arg); /* seconds since the epoch; NULL: time() */
    void *clock_arg;
} gh_rs_config;

typedef struct gh_rs gh_rs;

/* Checks cfg and copies it into a new gh_rs (nothing is fetched yet). GH_RS_EINVAL for a
 * missing issuer or resource, an unknown or forbidden algorithm. Free with gh_rs_free. */
GH_RS_MUST_CHECK gh_rs_err gh_rs_new(const gh_rs_config *cfg, gh_rs **out);
void gh_rs_free(gh_rs *rs); /* NULL is OK */

/* The outcome of checking one token. Strings are heap copies owned by the struct. */
typedef struct gh_rs_token {
    bool active;       /* the token is acceptable for this resource */
    const char *error; /* when !active: a static, loggable reason (never token data) */
    bool introspected; /* the answer came from introspection, not a local JWT check */
    char *subject;     /* "sub" */
    char *client_id;   /* "client_id" */
    char *jti;         /* "jti" (may be NULL for introspection) */
    char *scope;       /* space-separated scopes ("" when none) */
    int64_t exp;       /* seconds since the epoch */
    char *claims_json; /* the JWT claims or the introspection answer, compact JSON */
} gh_rs_token;

void gh_rs_token_clear(gh_rs_token *t); /* frees the strings; the struct may be reused */

/* Verifies a JWT access token (RFC 9068 4). On GH_RS_OK, *out tells whether it is active.
 * An error return means the JWKS could not be had (then *out is inactive as well). */
GH_RS_MUST_CHECK gh_rs_err gh_rs_verify_jwt(gh_rs *rs, const char *token, gh_rs_token *out);
/* Introspects a token (RFC 7662) with the configured client credentials; the answer must be
 * active and its aud must hold the resource. Cached for introspect_ttl_s. */
GH_RS_MUST_CHECK gh_rs_err gh_rs_introspect(gh_rs *rs, const char *token, gh_rs_token *out);
/* A compact JWS (three dot-separated parts) goes to gh_rs_verify_jwt, anything else to
 * gh_rs_introspect (which needs client credentials; without them the token is inactive). */
GH_RS_MUST_CHECK gh_rs_err gh_rs_verify(gh_rs *rs, const char *token, gh_rs_token *out);
/* The check for operations that change things. gh_rs_verify trusts a valid JWT until it
 * expires and an introspection answer for up to introspect_ttl_s, so a token whose grant or
 * consent was revoked still passes it for that long. This one verifies as gh_rs_verify does
 * (a JWT locally first: a forged, foreign or expired one is refused without asking the issuer)
 * and then always introspects the token with the configured client credentials, for a JWT
 * too, bypassing the cache: a revoked token is refused at once. *out is the issuer's answer
 * (introspected true; its aud must hold the resource). An opaque token's answer replaces its
 * cache entry. Without client credentials every token is inactive ("online checks need
 * introspection credentials"). GH_RS_EFETCH (and *out inactive) when the issuer cannot be
 * asked: the operation must then be refused, never allowed. Costs one request to the issuer
 * per call. */
GH_RS_MUST_CHECK gh_rs_err gh_rs_verify_online(gh_rs *rs, const char *token, gh_rs_token *out);

/* Extracts the token from an Authorization header value ("Bearer <token>", scheme
 * case-insensitive, RFC 6750 2.1). Returns a pointer into header, or NULL. */
const char *gh_rs_bearer(const char *header);

/* True if t is active and its scope list holds scope exactly. */
bool gh_rs_require_scope(const gh_rs_token *t, const char *scope);

/* The answer to a request the resource refuses (RFC 6750 3, RFC 9728 5.1). */
typedef enum gh_rs_refusal {
    GH_RS_NO_TOKEN,          /* 401, no error code (RFC 6750 3.1) */
    GH_RS_INVALID_TOKEN,     /* 401 invalid_token */
    GH_RS_INSUFFICIENT_SCOPE /* 403 insufficient_scope with scope= */
} gh_rs_refusal;

/* Writes the HTTP status and the WWW-Authenticate value, e.g.
 * Bearer error="insufficient_scope", scope="dns:write",
 * resource_metadata="https://api.example.test/.well-known/oauth-protected-resource"
 * *out_header is heap (free()). scope is required for GH_RS_INSUFFICIENT_SCOPE and must be
 * scope-token characters (RFC 6749 3.3); description (may be NULL) must be printable ASCII
 * without '"' or '\'. */
GH_RS_MUST_CHECK gh_rs_err gh_rs_challenge(const gh_rs *rs, gh_rs_refusal kind, const char *scope,
                                           const char *description, int *out_status,
                                           char **out_header);

/* The RFC 9728 2 protected-resource metadata document as compact JSON (heap, free()):
 * resource, authorization_servers, scopes_supported, bearer_methods_supported ["header"],
 * resource_signing_alg_values_supported (the allowed algorithms). */
GH_RS_MUST_CHECK gh_rs_err gh_rs_metadata(const gh_rs *rs, char **out_json);
/* The URL the metadata is served at (borrowed from rs). */
const char *gh_rs_metadata_url(const gh_rs *rs);

/* One tool call, reported to <issuer>/oauth2/audit/events with the access token as Bearer. */
typedef struct gh_rs_call {
    const char *model_id;       /* may be NULL */
    const char *tool;           /* required */
    const char *arguments_json; /* a JSON value as text, may be NULL */
    const char *outcome;        /* "ok", "denied", "error" ...; required */
    const char *response;       /* the API's raw response text, may be NULL */
} gh_rs_call;

/* Posts the report; GH_RS_EFETCH unless gatehouse answers 2xx (*out_status, if not NULL,
 * gets the HTTP status, 0 when there was no answer). */
GH_RS_MUST_CHECK gh_rs_err gh_rs_report(gh_rs *rs, const char *token, const gh_rs_call *call,
                                        long *out_status);

#ifdef __cplusplus
}
#endif

#endif
