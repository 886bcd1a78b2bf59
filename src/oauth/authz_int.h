/*
 * authz_int.h - what one authorization request produced, as the flow half of the engine
 * (authorize.c, flow.c, session.c, consent.c) hands it to the token half (code.c,
 * grant_authorization_code.c). Nothing outside src/oauth/ and tests/ includes it.
 *
 * An authorization code carries a gh_oauth_authz from /oauth2/auth to /oauth2/token. The
 * code's row (GH_TOKEN_CODE) holds it; the value handed out is never stored, only its hash.
 */
#ifndef GH_OAUTH_AUTHZ_INT_H
#define GH_OAUTH_AUTHZ_INT_H

#include "oauth/oauth_int.h"

/* What the user authorized in one authorization request. */
typedef struct gh_oauth_authz {
    const char *client_id;
    const char *subject;
    const char *redirect_uri;   /* the request's redirect_uri parameter; NULL when it was
                                   omitted (one registered URI). RFC 6749 4.1.3: when given,
                                   the token request must repeat it exactly. */
    const char *code_challenge; /* PKCE S256 (RFC 7636 4.2), base64url of 32 bytes */
    gh_strv scopes;             /* exactly what the user granted */
    gh_strv audience;           /* the request's resource indicators (RFC 8707), validated;
                                   n = 0 when none was requested */
    const char *nonce;          /* OIDC Core 3.1.2.1, may be NULL */
    int64_t auth_time;          /* when the user authenticated (seconds) */
    const char *sid;            /* the login session id, may be NULL */
    const char *acr;            /* may be NULL */
    const char *grant_id;       /* fresh for each authorization; every token issued from the
                                   code, and every refresh of them, carries it */
    const char *access_token_claims; /* JSON object text: the consent app's
                                        session.access_token claims, or NULL */
    const char *id_token_claims;     /* JSON object text: session.id_token, or NULL */
    const char *amr;                 /* JSON array text from the login accept, or NULL */
} gh_oauth_authz;

/* Issues an authorization code for a: adds its GH_TOKEN_CODE row (expiring after
 * ttl.authorization_code) and a code.issued audit event to t. *out_code (arena) is the value
 * for the redirect. The caller commits t before answering. */
GH_MUST_CHECK gh_err gh_oauth__code_issue(gh_engine *e, gh_ctx *ctx, gh_store_txn *t,
                                          const gh_oauth_authz *a, const char **out_code);

#endif
