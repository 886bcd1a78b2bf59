/*
 * client_int.h - declarations shared by the client half of the oauth module (client.c,
 * client_uri.c, client_validate.c, client_cache.c, client_auth.c, register.c,
 * admin_clients.c), the rest of the engine and their unit tests and fuzz targets. It adds
 * to oauth_int.h; nothing outside src/oauth/ and tests/ includes it.
 *
 * Three pure functions are here so that they can be fuzzed without an engine: the
 * Authorization header parser, the redirect URI validator and the metadata validator.
 */
#ifndef GH_OAUTH_CLIENT_INT_H
#define GH_OAUTH_CLIENT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/str.h"
#include "config/config.h"
#include "oauth/oauth_int.h"
#include "store/store.h"

/* ---- bounds and defaults ---- */

#define GH_OAUTH_CLIENT_ID_MAX 255           /* bytes in a client_id given to the admin API */
#define GH_OAUTH_CLIENT_SECRET_MIN 32        /* characters in a client_secret given to admin */
#define GH_OAUTH_CLIENT_SECRET_BYTES 32      /* random bytes in a generated secret (256 bits) */
#define GH_OAUTH_REG_TOKEN_BYTES 32          /* random bytes in a registration access token */
#define GH_OAUTH_CLIENT_METADATA_MAX 8192    /* bytes of the serialised "metadata" object */
#define GH_OAUTH_CLIENT_LIST_MAX 32          /* items in contacts, audience, post-logout URIs */
#define GH_OAUTH_CLIENT_DOC_MAX (256 * 1024) /* bytes of a stored client doc we parse */
#define GH_OAUTH_CLIENT_CACHE_CAPACITY 10000
#define GH_OAUTH_CLIENT_CACHE_TTL_US (5 * 1000000LL)
#define GH_OAUTH_ASSERTION_MAX_LIFETIME 3600 /* seconds an assertion's exp may lie ahead */
#define GH_OAUTH_ASSERTION_SKEW 60           /* seconds of clock skew allowed on iat and nbf */
#define GH_OAUTH_JTI_MAX 256                 /* bytes in an assertion's jti */
#define GH_OAUTH_REALM "gatehouse"

/* ---- the Authorization header (client_auth.c) ---- */

typedef enum gh_oauth_authz_scheme {
    GH_AUTHZ_ABSENT = 0, /* no header, or an empty one */
    GH_AUTHZ_BASIC,      /* RFC 7617, with RFC 6749 2.3.1 form-urlencoded id and secret */
    GH_AUTHZ_BEARER,     /* RFC 6750 2.1 */
    GH_AUTHZ_OTHER       /* any other scheme (DPoP, Digest, ...): not parsed further */
} gh_oauth_authz_scheme;

typedef struct gh_oauth_auth_header {
    gh_oauth_authz_scheme scheme;
    const char *user;     /* Basic: the decoded client_id (non-empty), in the arena */
    const char *password; /* Basic: the decoded client_secret (may be ""), in the arena */
    const char *token;    /* Bearer: the b64token, in the arena */
} gh_oauth_auth_header;

/* Parses an Authorization header value (NULL or "" gives GH_AUTHZ_ABSENT). The scheme is
 * case-insensitive and followed by one or more spaces. Basic: the credentials are standard
 * base64 (padding required) of "id:secret" where both halves are form-urlencoded ('+' is a
 * space, %XX escapes) and decode to UTF-8 without NUL. Bearer: RFC 6750 b64token syntax, at
 * most GH_LIMIT_TOKEN bytes. On GH_EINVAL (malformed Basic or Bearer credentials) out->scheme
 * still names the scheme that was tried; GH_ETOOBIG past GH_LIMIT_HEADER_VALUE. Pure: no
 * engine, no I/O; everything goes to the arena. */
GH_MUST_CHECK gh_err gh_oauth__authz_parse(gh_arena *a, const char *header, gh_oauth_auth_header *out);

/* ---- client authentication flags (client_auth.c) ---- */

/* Let a public client (token_endpoint_auth_method "none") authenticate with its client_id
 * alone. The token endpoint (authorization_code, refresh_token, device_code grants) and the
 * revocation endpoint (RFC 7009 2.1) allow it; introspection never does. Without the flag,
 * gh_oauth__client_authenticate answers such a request with 401 invalid_client. */
#define GH_OAUTH_AUTH_ALLOW_NONE 0x1u

/* gh_oauth__client_authenticate (oauth_int.h) with flags; that function is this one with
 * flags 0. Same contract otherwise. */
GH_MUST_CHECK gh_err gh_oauth__client_authenticate_ex(gh_engine *e, gh_ctx *ctx,
                                                      const gh_oauth_request *req, unsigned flags,
                                                      gh_oauth_response *resp,
                                                      gh_oauth_client **out);

/* ---- redirect and web URIs (client_uri.c) ---- */

/* Checks one redirect URI against DESIGN.md's rules: absolute, at most GH_LIMIT_URI bytes of
 * printable ASCII, no fragment, no wildcard, no userinfo; https for everyone; http only on a
 * loopback host (127.0.0.1, [::1], localhost); a private-use scheme (one that contains a '.',
 * RFC 8252 7.1) only for public clients. Returns true if valid; otherwise false and *why
 * (may be NULL) gets a static description. Pure. */
bool gh_oauth__redirect_uri_valid(const char *uri, bool public_client, const char **why);

/* True if presented equals one of the registered URIs byte for byte, except that for an http
 * URI on a loopback host the port is ignored (RFC 8252 7.3). Pure. */
bool gh_oauth__redirect_uri_match(const gh_strv *registered, const char *presented);

/* Checks a URI that metadata shows to users or that might be fetched later (client_uri,
 * logo_uri, policy_uri, tos_uri, jwks_uri): the length, character and fragment rules of
 * redirect URIs, then https (or, unless https_only, http) with a host. Returns NULL if it is
 * valid, else a static description ("must be an https URI", ...). Pure. */
const char *gh_oauth__web_uri_check(const char *uri, bool https_only);

/* ---- metadata validation (client_validate.c) ---- */

/* Where client metadata comes from. */
typedef enum gh_oauth_client_src {
    GH_OAUTH_SRC_ADMIN = 1, /* admin API and CLI: a given client_id and client_secret are
                               kept; skip_consent is honoured */
    GH_OAUTH_SRC_DCR = 2    /* RFC 7591/7592: client_id and client_secret are the server's
                               to choose; skip_consent is forced to false */
} gh_oauth_client_src;

/* An RFC 7591 3.2.2 error: code is GH_E_INVALID_REDIRECT_URI or GH_E_INVALID_CLIENT_METADATA
 * (NULL when there is none); desc is safe to show (arena or static). */
typedef struct gh_oauth_meta_err {
    const char *code;
    const char *desc;
} gh_oauth_meta_err;

/* Validates client metadata (a JSON object from the admin API, the CLI or RFC 7591) against
 * the rules of client_validate.c's opening comment and the scope catalog of cfg, and normalises it.
 * Fields it does not know are ignored (RFC 7591 2), and so are client_id, client_secret and
 * the server-managed fields (created_at, registration_access_token, ...): the caller deals
 * with those. On success *out_doc is a new reference to the normalised metadata (lists,
 * names and flags always present with their defaults, optional URIs, jwks and algs only when
 * given, keys in a fixed order, no client_id) and out_err->code is
 * NULL; on a metadata error *out_doc is NULL and out_err is set. Returns GH_OK in both cases.
 * Pure apart from the arena: used by the register fuzz target with a static config. */
GH_MUST_CHECK gh_err gh_oauth__client_validate(const gh_config *cfg, gh_arena *a, const json_t *in,
                                               gh_oauth_client_src src, json_t **out_doc,
                                               gh_oauth_meta_err *out_err);

/* ---- the client model (client.c; gh_oauth__client_prepare: client_validate.c) ---- */

/* Builds a client (refs = 1, its own arena) from a stored row whose doc a validation made.
 * GH_EINVAL if the doc is not such a document. */
GH_MUST_CHECK gh_err gh_oauth__client_from_row(const gh_client *row, gh_oauth_client **out);

/* The client as the admin API and registration show it: the stored doc plus client_id and
 * created_at / updated_at (RFC 3339, as Hydra). Never a secret or a hash. Returns a new
 * reference in *out; GH_EINVAL if the stored doc does not parse. */
GH_MUST_CHECK gh_err gh_oauth__client_row_json(const gh_client *row, json_t **out);

/* What a create or update writes, and the secrets to show once. */
typedef struct gh_oauth_client_write {
    gh_client row;         /* for GH_OP_CLIENT_INSERT / UPDATE; strings in ctx's arena */
    const char *secret;    /* a client_secret to return (new or replaced), or NULL */
    const char *reg_token; /* a new registration access token (DCR create), or NULL */
    const char *scope;     /* the registered scope (for the audit event) */
} gh_oauth_client_write;

/* Validates in and prepares the row to write.
 * existing NULL: a create. The client_id is a new UUID, or for GH_OAUTH_SRC_ADMIN the
 * client_id in the input if there is one (1..GH_OAUTH_CLIENT_ID_MAX characters of VSCHAR,
 * RFC 6749 A.1). client_secret_basic / client_secret_post clients get a generated secret
 * (GH_PREFIX_SECRET + 256 bits; public and private_key_jwt clients get none)
 * unless, for ADMIN only, the input carries a client_secret of at least
 * GH_OAUTH_CLIENT_SECRET_MIN printable characters, which is kept. DCR creates also get a
 * registration access token (GH_PREFIX_REG_TOKEN + 256 bits).
 * existing set: an update (full replacement of the metadata). A client_id in the input must
 * equal existing's (RFC 7592 2.2; for DCR it must also be present). The secret is kept; for
 * ADMIN a client_secret in the input replaces it (Hydra); for DCR one in the input must
 * equal the current secret. A client whose new method needs no secret loses it; one that
 * moves to client_secret_basic/post without one gets a generated secret. The registration token
 * hash is kept. Metadata problems fill out_err (code set) and return GH_OK. */
GH_MUST_CHECK gh_err gh_oauth__client_prepare(gh_engine *e, gh_ctx *ctx, const json_t *in,
                                              gh_oauth_client_src src, const gh_client *existing,
                                              gh_oauth_client_write *out,
                                              gh_oauth_meta_err *out_err);

/* ---- the cache (client_cache.c) ---- */

/* Inserts c in the cache (for tests and for gh_oauth__client_get); the cache takes a new
 * reference and keeps it until c's cached_until_us (set by this call to now_us + ttl). */
void gh_oauth__client_cache_put(gh_oauth_client_cache *cache, gh_oauth_client *c, int64_t now_us);
/* Returns a new reference to the cached client, or NULL if absent or expired at now_us. */
gh_oauth_client *gh_oauth__client_cache_get(gh_oauth_client_cache *cache, const char *id,
                                            int64_t now_us);
/* Number of live entries (for tests). */
size_t gh_oauth__client_cache_count(gh_oauth_client_cache *cache);

/* ---- helpers shared by register.c and admin_clients.c (admin_clients.c) ---- */

/* Parses req's body as a JSON object. require_json: the Content-Type must be
 * application/json (RFC 7591 3.1); otherwise a missing Content-Type is accepted too (the CLI).
 * On a bad body fills resp (400) and sets *out NULL. Returns GH_OK unless the server failed. */
GH_MUST_CHECK gh_err gh_oauth__json_body(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                         bool require_json, gh_oauth_response *resp, json_t **out);

/* Commits one client write with its audit event, in one transaction:
 * kind GH_OP_CLIENT_INSERT / UPDATE (row = &w->row) or DELETE (row: only client_id used).
 * Store outcomes become responses: GH_ECONFLICT -> 409 conflict, GH_ENOTFOUND -> 404
 * not_found (*ok false). The local cache entry is dropped after an update or delete.
 * Any other store error is returned (the server failed). */
GH_MUST_CHECK gh_err gh_oauth__client_commit(gh_engine *e, gh_ctx *ctx, gh_store_op_kind kind,
                                             const gh_client *row, const char *scope,
                                             const char *actor, const char *via,
                                             gh_oauth_response *resp, bool *ok);

/* Sets resp to a metadata error (400 with the RFC 7591 3.2.2 body). */
void gh_oauth__meta_error(gh_oauth_response *resp, const gh_oauth_meta_err *err);

/* Fills resp with the answer to a committed client write (or, from a read, w->row alone with
 * no secret and no token): the client and, once, w->secret and w->reg_token, with status. */
typedef gh_err (*gh_oauth_client_reply_fn)(gh_engine *e, gh_ctx *ctx,
                                           const gh_oauth_client_write *w, int status,
                                           gh_oauth_response *resp);

/* One client create (existing NULL) or full update (existing set) request, from the admin API
 * and the CLI (src GH_OAUTH_SRC_ADMIN) or from registration (GH_OAUTH_SRC_DCR):
 * gh_oauth__json_body (application/json required for DCR, RFC 7591 3.1), then
 * gh_oauth__client_prepare, a metadata error as gh_oauth__meta_error, then
 * gh_oauth__client_commit of GH_OP_CLIENT_INSERT or UPDATE, and on success reply with 201
 * (create) or 200 (update). The audit event's actor and via follow src: "admin" and "admin",
 * or "client:<client_id>" and "registration". Rejections land in resp; returns GH_OK unless
 * the server failed. */
GH_MUST_CHECK gh_err gh_oauth__client_write_request(
    gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req, gh_oauth_client_src src,
    const gh_client *existing, gh_oauth_client_reply_fn reply, gh_oauth_response *resp);

/* One client delete: gh_oauth__client_commit of GH_OP_CLIENT_DELETE (actor and via from src,
 * as above), then 204 with no body; 404 not_found if there is no such client. Returns GH_OK
 * unless the server failed. */
GH_MUST_CHECK gh_err gh_oauth__client_delete_request(gh_engine *e, gh_ctx *ctx,
                                                     gh_oauth_client_src src, const char *client_id,
                                                     gh_oauth_response *resp);

#endif
