/*
 * token_int.h - declarations shared by the token half of the oauth engine (engine.c, keys.c,
 * scope.c, token.c, grant_*.c, issue.c, introspect.c, revoke.c, discovery.c) and its unit
 * tests. Nothing outside src/oauth/ and tests/ includes it.
 *
 * The key set: keys.c keeps the signing keys of the store in an immutable, refcounted
 * snapshot (gh_oauth_keysnap). Readers take a reference (gh_oauth__keys_acquire), use it
 * without locks and release it; a reload builds a new snapshot and swaps the pointer. A
 * snapshot older than GH_OAUTH_KEYS_RELOAD_US is rebuilt from the store on the next acquire,
 * so that keys rotated by another instance are seen within that time.
 */
#ifndef GH_OAUTH_TOKEN_INT_H
#define GH_OAUTH_TOKEN_INT_H

#include "oauth/oauth_int.h"

/* ---- keys (keys.c) ---- */

#define GH_OAUTH_KEYS_RELOAD_US (10 * 1000000LL)

/* One key of a snapshot. */
typedef struct gh_oauth_keyent {
    gh_jwk *jwk; /* private for ACTIVE keys, public otherwise (owned reference) */
    char *kid;   /* heap */
    gh_jose_alg alg;
    gh_key_state state;
    int64_t created_at;
    int64_t activated_at;
    int64_t retired_at;
    int64_t expires_at;
    bool published; /* in the JWKS: NEXT, ACTIVE and unexpired RETIRED */
} gh_oauth_keyent;

/* An immutable view of the key rows at one time. */
typedef struct gh_oauth_keysnap {
    atomic_int refs;
    gh_oauth_keyent *keys; /* every row, oldest first (heap) */
    size_t n;
    char *jwks; /* {"keys":[...]} of the published keys (heap) */
    size_t jwks_len;
    int64_t loaded_us; /* engine clock time of the load */
} gh_oauth_keysnap;

/* Loads the key set from the store into e->keys, generating an ACTIVE key for ES256,
 * RS256 and cfg->signing_alg where none exists (audit: key.created). Safe against another
 * instance doing the same at once. */
GH_MUST_CHECK gh_err gh_oauth__keys_start(gh_engine *e, gh_ctx *ctx);
/* Frees e->keys (NULL OK). */
void gh_oauth__keys_stop(gh_engine *e);
/* Returns the current snapshot (a new reference: release it), reloading it first when it is
 * older than GH_OAUTH_KEYS_RELOAD_US. A failed reload keeps the old snapshot. */
GH_MUST_CHECK gh_err gh_oauth__keys_acquire(gh_engine *e, gh_ctx *ctx, gh_oauth_keysnap **out);
void gh_oauth__keys_release(gh_oauth_keysnap *s);
/* Rebuilds the snapshot from the store now. */
GH_MUST_CHECK gh_err gh_oauth__keys_reload(gh_engine *e, gh_ctx *ctx);
/* The ACTIVE key of alg in s (borrowed from s), or NULL. */
const gh_jwk *gh_oauth__keysnap_signer(const gh_oauth_keysnap *s, gh_jose_alg alg);
/* The published key with this kid (borrowed from s), or NULL. */
const gh_jwk *gh_oauth__keysnap_find(const gh_oauth_keysnap *s, const char *kid);

/* ---- scopes and audience (scope.c) ---- */

/* The audience of an access token: gh_oauth__resource_resolve, then the client's registered
 * `audience` list (when non-empty) must allow every resource (else 400 invalid_target), and
 * when no resource was requested the audience is the client's `audience` list, or the issuer
 * when that is empty (RFC 9068 2.2 requires aud). *ok false when resp holds an error. */
GH_MUST_CHECK gh_err gh_oauth__audience_resolve(gh_engine *e, gh_ctx *ctx,
                                                const gh_oauth_request *req,
                                                const gh_oauth_client *c, const gh_strv *granted,
                                                gh_oauth_response *resp, gh_strv *out_audience,
                                                bool *ok);
/* True if s is an absolute URI (RFC 3986 4.3: scheme ":" ...) without a fragment. */
bool gh_oauth__abs_uri_nofrag(const char *s);

/* ---- token endpoint (token.c) ---- */

/* A grant handler: the client is authenticated and registered for the grant. */
typedef gh_err (*gh_oauth_grant_fn)(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                    const gh_oauth_client *c, gh_oauth_response *resp);

typedef struct gh_oauth_grant {
    const char *grant_type;
    gh_oauth_grant_fn handle;
    bool confidential_only; /* public clients (auth method none) may not use it */
} gh_oauth_grant;

/* The grant table: adding a grant is adding a row (token.c). Discovery lists exactly these. */
extern const gh_oauth_grant gh_oauth__grants[];
extern const size_t gh_oauth__n_grants;

GH_MUST_CHECK gh_err gh_oauth__grant_client_credentials(gh_engine *e, gh_ctx *ctx,
                                                        const gh_oauth_request *req,
                                                        const gh_oauth_client *c,
                                                        gh_oauth_response *resp);
GH_MUST_CHECK gh_err gh_oauth__grant_authorization_code(gh_engine *e, gh_ctx *ctx,
                                                        const gh_oauth_request *req,
                                                        const gh_oauth_client *c,
                                                        gh_oauth_response *resp);
GH_MUST_CHECK gh_err gh_oauth__grant_refresh_token(gh_engine *e, gh_ctx *ctx,
                                                   const gh_oauth_request *req,
                                                   const gh_oauth_client *c,
                                                   gh_oauth_response *resp);

/* ---- grant helpers (grant_authorization_code.c, grant_refresh_token.c) ---- */

/* RFC 7636 4.1 code_verifier syntax: 43..128 unreserved characters. */
bool gh_oauth__pkce_verifier_syntax(const char *verifier);
/* True if verifier has the RFC 7636 4.1 syntax and BASE64URL(SHA256(verifier)) equals
 * challenge (constant time). */
bool gh_oauth__pkce_s256_ok(const char *verifier, const char *challenge);
/* The resource parameters of a token request narrowed against what the grant allows
 * (RFC 8707 2.2): none given -> *out = *allowed; each given must be in allowed, else
 * 400 invalid_target in resp and *ok false. */
GH_MUST_CHECK gh_err gh_oauth__resource_narrow(const gh_oauth_request *req, gh_ctx *ctx,
                                               const gh_strv *allowed, gh_oauth_response *resp,
                                               gh_strv *out, bool *ok);
/* A replayed code or reused refresh token: commits (blocking: a rare path) GRANT_REVOKE of
 * grant_id with an audit event of type, then sets resp to 400 invalid_grant with desc. */
GH_MUST_CHECK gh_err gh_oauth__grant_replayed(gh_engine *e, gh_ctx *ctx, const char *type,
                                              const char *token_id, const char *grant_id,
                                              const char *client_id, const char *subject,
                                              gh_oauth_response *resp, const char *desc);
/* Adds CONSENT_TOUCH(subject, client_id) at ctx->now to t. */
void gh_oauth__consent_touch(gh_ctx *ctx, gh_store_txn *t, const char *subject,
                             const char *client_id);

typedef struct gh_oauth_refresh_in {
    const gh_oauth_client *c;
    const char *grant_id;
    const char *subject;
    const gh_strv *scopes;   /* the grant's scope */
    const gh_strv *audience; /* the grant's resource indicators (may be empty) */
    int64_t auth_time;       /* for ID tokens on refresh (0: unknown) */
    const char *sid;         /* may be NULL */
    const char *acr;         /* may be NULL */
    const char *access_token_claims; /* carried to the tokens of each refresh (JSON text) */
    const char *id_token_claims;
    const char *amr;
} gh_oauth_refresh_in;

/* Adds a new refresh token's row (expiring after ttl.refresh_token) to t. *out_value (and
 * *out_id when not NULL) in ctx->arena. */
GH_MUST_CHECK gh_err gh_oauth__refresh_issue(gh_engine *e, gh_ctx *ctx, gh_store_txn *t,
                                             const gh_oauth_refresh_in *in,
                                             const char **out_value, const char **out_id);
/* The row of a presented refresh token (gh_oauth__split_find); *out NULL if none. */
GH_MUST_CHECK gh_err gh_oauth__refresh_find(gh_engine *e, gh_ctx *ctx, const char *value,
                                            gh_token **out);

/* ---- issuance (issue.c) ---- */

typedef struct gh_oauth_issue {
    const gh_oauth_client *c;
    const char *grant_type;
    const char *grant_id; /* NULL: a fresh random id */
    const char *subject;
    const gh_strv *scopes;
    const gh_strv *audience; /* from gh_oauth__audience_resolve; never empty */
    const char *ext_claims;  /* JSON object text of the consent app's extra access token
                                claims (session.access_token), or NULL: carried under "ext"
                                (JWT claim and introspection member), never top level */
    bool audited_by_caller;  /* the caller's own event (code.exchanged, token.refreshed)
                                records the issuance: no token.issued event here */
} gh_oauth_issue;

typedef struct gh_oauth_issued {
    const char *value; /* the token as handed out (arena) */
    const char *id;    /* the row id: jti, or gh_oauth__opaque_id (arena) */
    const char *scope; /* space-separated (arena) */
    int64_t expires_in;
} gh_oauth_issued;

/* Issues an access token per the client's strategy (RFC 9068 JWT or opaque) and adds its
 * gh_token row and a token.issued audit event to t. The caller commits t. */
GH_MUST_CHECK gh_err gh_oauth__issue_access(gh_engine *e, gh_ctx *ctx, gh_store_txn *t,
                                            const gh_oauth_issue *in, gh_oauth_issued *out);
/* Fills resp with the RFC 6749 5.1 token response (no-store). */
void gh_oauth__token_response(gh_oauth_response *resp, const gh_oauth_issued *at);
/* The same with a refresh_token and an id_token (OIDC Core 3.1.3.3) when not NULL. */
void gh_oauth__token_response_full(gh_oauth_response *resp, const gh_oauth_issued *at,
                                   const char *refresh_token, const char *id_token);

/* How an endpoint finishes once the commit of its transaction is known (see
 * gh_oauth_response.on_commit): fills resp, or returns an error (the server failed). */
typedef gh_err (*gh_oauth_commit_fn)(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                                     gh_err outcome);

/* Commits t before resp is answered: when resp->can_defer, leaves t pending in resp (commit,
 * store, on_commit = fn, commit_arg = arg) and returns GH_OK at once; otherwise commits t
 * now (gh_store_commit, blocking) and returns fn(e, ctx, resp, arg, outcome). arg must live
 * in ctx->arena (or longer). */
GH_MUST_CHECK gh_err gh_oauth__commit(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp,
                                      gh_store_txn *t, gh_oauth_commit_fn fn, void *arg);

/* ---- presented tokens (introspect.c) ---- */

/* Finds the row of a presented access or refresh token: a JWT (three parts) must verify
 * against a published key (kid) and be issued by us, then its jti is looked up; a value with
 * GH_PREFIX_ACCESS is looked up by its selector (gh_oauth__opaque_id) and must hash to the
 * row's stored SHA-256; one with GH_PREFIX_REFRESH is a sealed token (gh_oauth__refresh_find).
 * *out is
 * NULL when the value is malformed, unknown or does not verify (never an error). *out_is_jwt
 * says which shape it had. Expiry and revocation are not checked here. */
GH_MUST_CHECK gh_err gh_oauth__token_find(gh_engine *e, gh_ctx *ctx, const char *value,
                                          gh_token **out, bool *out_is_jwt);

/* Checks that req is a POST with a form body (RFC 7662 2.1, RFC 7009 2.1); false when resp
 * holds the error (405 or 400 invalid_request). */
bool gh_oauth__form_post(const gh_oauth_request *req, gh_oauth_response *resp);
/* The token parameter (required, once); NULL when resp holds the error (400). */
const char *gh_oauth__token_param(const gh_oauth_request *req, gh_oauth_response *resp);

/* ---- sealed tokens, codes and refresh tokens (code.c) ---- */

/* Audit event types of the token half (DESIGN.md audit trail; issue3 plan). */
#define GH_OAUTH_AUDIT_CODE_ISSUED "code.issued"
#define GH_OAUTH_AUDIT_CODE_EXCHANGED "code.exchanged"
#define GH_OAUTH_AUDIT_CODE_REPLAYED "code.replayed"
#define GH_OAUTH_AUDIT_TOKEN_REFRESHED "token.refreshed"
#define GH_OAUTH_AUDIT_REFRESH_REUSED "refresh.reused"

/* A sealed token (codes, refresh tokens; code.c's file comment has the layout): PREFIX +
 * base64url(16-byte time-ordered selector || AES-256-GCM(e->token_seal_key, data)), the
 * prefix and the selector bound as additional data; row id = id prefix + base64url(selector).
 * The value carries its grant data, so the token endpoint needs no read to use it. */
#define GH_OAUTH_SPLIT_SELECTOR_BYTES 16
#define GH_OAUTH_CODE_ID_PREFIX "c."
#define GH_OAUTH_REFRESH_ID_PREFIX "r."
/* A sealed value is at most this many characters (well under GH_LIMIT_TOKEN): when the data
 * would make it longer, the data goes to the row's extra instead (GH_OAUTH_SEALED_DATA_MEMBER)
 * and the value seals only a marker, so that using it costs one read. */
#define GH_OAUTH_SEALED_VALUE_MAX 2048
#define GH_OAUTH_SEALED_DATA_MEMBER "data"
/* Codes live at most this long (seconds), whatever ttl.authorization_code says. */
#define GH_OAUTH_CODE_TTL_MAX 60
/* Bytes of a stored token row's extra JSON that we parse. */
#define GH_OAUTH_TOKEN_EXTRA_MAX (16 * 1024)

/* What a code or a refresh token carries (strings may be NULL unless said otherwise). */
typedef struct gh_oauth_sealed {
    int64_t expires_at;
    int64_t auth_time;          /* 0: unknown */
    const char *client_id;      /* required */
    const char *subject;        /* required */
    const char *grant_id;       /* required */
    const char *scope;          /* space-separated, required ("" allowed) */
    const char *audience;       /* space-separated resource indicators, or "" */
    const char *redirect_uri;   /* codes: the request's redirect_uri, or NULL */
    const char *code_challenge; /* codes: PKCE S256 challenge */
    const char *nonce;          /* codes */
    const char *sid;
    const char *acr;
    const char *access_token_claims; /* JSON object text */
    const char *id_token_claims;     /* JSON object text */
    const char *amr;                 /* JSON array text */
} gh_oauth_sealed;

/* Makes a new sealed token of d: *out_value and *out_id (arena); *out_extra (arena) is the
 * row's extra: the value's SHA-256, plus the data itself when it did not fit the value.
 * GH_EINVAL when d lacks a required member or a string is longer than 65534 bytes. */
GH_MUST_CHECK gh_err gh_oauth__sealed_new(gh_engine *e, gh_ctx *ctx, const char *prefix,
                                          const char *id_prefix, const gh_oauth_sealed *d,
                                          char **out_value, char **out_id, char **out_extra);
/* Opens a presented sealed token: *ok true with *out (strings in ctx->arena) and *out_id when
 * value has the prefix, its seal opens under the engine's key (a forged, altered, truncated or
 * foreign value does not), and, when the data was stored in the row, the row exists with the
 * value's hash. Never an error for a bad value (*ok false); an error only when the store
 * failed. Expiry, use and revocation are the caller's to check. */
GH_MUST_CHECK gh_err gh_oauth__sealed_open(gh_engine *e, gh_ctx *ctx, const char *prefix,
                                           const char *id_prefix, const char *value,
                                           gh_oauth_sealed *out, const char **out_id, bool *ok);
/* The row id of a presented sealed token (arena), or NULL when value is not one (wrong
 * prefix, too short or long, or not canonical base64url). The seal is not opened. */
char *gh_oauth__split_id(gh_arena *a, const char *prefix, const char *id_prefix, const char *value);
/* Finds the row of a presented sealed token of kind by its selector; the value must hash to
 * the row's GH_OAUTH_TOKEN_HASH_MEMBER (constant time). *out NULL when malformed, unknown,
 * of another kind or not the value issued (never an error). Expiry, use and revocation are
 * the caller's to check. */
GH_MUST_CHECK gh_err gh_oauth__split_find(gh_engine *e, gh_ctx *ctx, const char *prefix,
                                          const char *id_prefix, gh_token_kind kind,
                                          const char *value, gh_token **out);
/* Splits a stored space-separated list (scope, audience) into the arena. */
gh_strv gh_oauth__split_list(gh_ctx *ctx, const char *s);

/* Why a single-use token could not be consumed, from its row (read once, after a rejection
 * or a failed TOKEN_CONSUME). */
typedef enum gh_oauth_use_state {
    GH_OAUTH_USE_UNKNOWN = 0,  /* no such row (purged) or of another kind */
    GH_OAUTH_USE_LIVE,         /* neither used nor revoked */
    GH_OAUTH_USE_USED,         /* used_at set, not revoked */
    GH_OAUTH_USE_USED_REVOKED, /* used_at and revoked_at set */
    GH_OAUTH_USE_REVOKED       /* revoked_at set, never used */
} gh_oauth_use_state;
/* Reads the row id of kind and tells its state. */
GH_MUST_CHECK gh_err gh_oauth__use_state(gh_engine *e, gh_ctx *ctx, const char *id,
                                         gh_token_kind kind, gh_oauth_use_state *out);

struct gh_oauth_authz; /* authz_int.h */

/* Opens a presented authorization code (gh_oauth__sealed_open) into *out (strings in
 * ctx->arena, grant_id included), *out_id and *out_expires_at; *ok false when the value is
 * not a code of ours. No store read unless the data was stored in the row. */
GH_MUST_CHECK gh_err gh_oauth__code_open(gh_engine *e, gh_ctx *ctx, const char *value,
                                         struct gh_oauth_authz *out, const char **out_id,
                                         int64_t *out_expires_at, bool *ok);
/* Finds a presented authorization code: *out_row and *out (strings in ctx->arena) are set
 * when the value opens as a code and its row exists; *out_row NULL otherwise (never an
 * error). Expiry, use and revocation are the caller's to check. One store read. */
GH_MUST_CHECK gh_err gh_oauth__code_find(gh_engine *e, gh_ctx *ctx, const char *value,
                                         gh_token **out_row, struct gh_oauth_authz *out);

/* ---- ID tokens and user claims (idtoken.c) ---- */

typedef struct gh_oauth_idtoken_in {
    const gh_oauth_client *c;  /* aud, and the signing alg (gh_oauth__id_token_alg) */
    const char *subject;
    const char *access_token;  /* issued alongside (at_hash), may be NULL */
    const char *nonce;         /* may be NULL */
    int64_t auth_time;         /* 0: omitted */
    const char *sid;           /* may be NULL */
    const char *acr;           /* may be NULL */
    const gh_strv *scopes;     /* granted: profile and email add the user's claims */
    const char *ext_claims;    /* JSON object text of the login/consent app's extra ID token
                                  claims (session.id_token), or NULL; never overrides a
                                  claim gatehouse sets */
    const char *amr;           /* JSON array text (OIDC Core 2 amr), or NULL */
} gh_oauth_idtoken_in;

/* Signs an ID token (idtoken.c's file comment lists the claims); *out in ctx->arena. */
GH_MUST_CHECK gh_err gh_oauth__id_token(gh_engine *e, gh_ctx *ctx, const gh_oauth_idtoken_in *in,
                                        char **out);
/* RS256, or ES256 when the client registered it. */
gh_jose_alg gh_oauth__id_token_alg(const gh_oauth_client *c);
/* at_hash of an access token (OIDC Core 3.1.3.6), in the arena. */
char *gh_oauth__at_hash(gh_arena *a, const char *access_token);
/* Adds the claims of a built-in user (store users, by subject) that scopes allow: name
 * (profile), email and email_verified (email). Nothing for a subject that is no built-in
 * user. claims is borrowed. */
GH_MUST_CHECK gh_err gh_oauth__user_claims(gh_engine *e, gh_ctx *ctx, const char *subject,
                                           const gh_strv *scopes, json_t *claims);
/* Verifies an id_token_hint (OIDC RP-Initiated Logout 1.0 2): a JWS signed by one of our
 * published keys (RS256 or ES256, the alg from the key), iss = our issuer, with sub and aud
 * (a string, a one-element array, or an array holding azp); exp is NOT checked (a hint may
 * have expired); an access token (typ at+jwt) is refused. GH_OK with *out_client_id (aud),
 * *out_subject and *out_sid (NULL when absent) in ctx->arena; GH_EINVAL when the hint is not
 * valid (all outputs NULL). */
GH_MUST_CHECK gh_err gh_oauth__id_token_hint_verify(gh_engine *e, gh_ctx *ctx, const char *jwt,
                                                    const char **out_client_id,
                                                    const char **out_subject,
                                                    const char **out_sid);

/* ---- discovery (discovery.c) ---- */

/* Builds the RFC 8414 and OpenID Connect discovery documents of cfg (its scope catalog
 * included) into *out_as and *out_oidc (heap, the caller frees them), for the catalog
 * snapshot (catalog.c). */
GH_MUST_CHECK gh_err gh_oauth__discovery_build(const gh_config *cfg, char **out_as,
                                               char **out_oidc);

/* ---- engine (engine.c) ---- */

/* The canonical JSON text of the catalog (scopes sorted by name, resources by uri), heap. */
char *gh_oauth__catalog_doc(const gh_config *cfg);

/* Retired keys stay published this long after rotation (seconds). */
int64_t gh_oauth__key_retire_after(const gh_config *cfg);

#endif
