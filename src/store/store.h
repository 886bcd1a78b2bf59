/*
 * store.h - persistence: one interface per concern, backends per database, group commit.
 *
 * The engine never writes SQL. It reads through the per-concern vtables (clients, tokens,
 * keys, audit, catalog, kv, users, flows, sessions, consents, counters), each reached through
 * the static inline wrappers below, and it writes by filling a gh_store_txn with operations
 * and committing it.
 *
 * Writes: group commit. gh_store_commit() hands the transaction to the store's single writer,
 * which collects every transaction that arrives while it is busy and applies them in one
 * database transaction, each inside its own savepoint: a transaction whose operation fails
 * (GH_ECONFLICT, GH_ENOTFOUND) is rolled back alone and the others commit. The call returns
 * only once the database commit that holds its rows has completed, so nothing a response
 * acknowledges can be lost. Audit events are sealed (their body hash computed, audit.h) when
 * added to a transaction, on the caller's thread; they get their seq and chain hash inside
 * the writer.
 *
 * Reads may run on any thread concurrently with the writer.
 *
 * Backends: store/sqlite (WAL, one writer connection, pooled reader connections),
 * store/mem (for unit tests), store/pg (later). Every backend passes tests/store/.
 * Memory: everything a read returns is allocated from the arena passed in.
 */
#ifndef GH_STORE_STORE_H
#define GH_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/audit.h"
#include "base/arena.h"
#include "base/digest.h"
#include "base/err.h"

/* ---- the stored entities ---- */

/* A registered client. The store does not interpret doc: it is the client's metadata as the
 * oauth module serialises it (Hydra's field names, without secrets). */
typedef struct gh_client {
    const char *client_id;
    const char *doc;                  /* JSON object text */
    bool has_secret;
    unsigned char secret_hash[GH_SHA256_LEN];    /* keyed hash of the client secret */
    bool has_reg_token;
    unsigned char reg_token_hash[GH_SHA256_LEN]; /* hash of the registration access token */
    int64_t created_at;               /* seconds since the epoch */
    int64_t updated_at;
} gh_client;

typedef enum gh_token_kind {
    GH_TOKEN_ACCESS = 1,
    GH_TOKEN_REFRESH = 2,
    GH_TOKEN_CODE = 3,
    GH_TOKEN_DEVICE_CODE = 4
} gh_token_kind;

/* A token, code or device code. Opaque values are never stored: id is "o." (opaque access
 * token), "c." (code) or "r." (refresh token) + the base64url selector of the value (only the
 * value's SHA-256 is kept, in extra); for a JWT access token id is its jti. */
typedef struct gh_token {
    const char *id;
    gh_token_kind kind;
    const char *format;      /* "jwt" or "opaque" */
    const char *grant_id;    /* the grant it belongs to; revoking a grant revokes its tokens */
    const char *client_id;
    const char *subject;     /* the user, or the client for client_credentials */
    const char *scope;       /* space-separated, exactly what was granted */
    const char *audience;    /* space-separated, may be "" */
    int64_t catalog_version;
    int64_t issued_at;
    int64_t expires_at;
    int64_t revoked_at;      /* 0 while not revoked */
    int64_t used_at;         /* single-use tokens: when consumed (GH_OP_TOKEN_CONSUME); 0 */
    const char *request_id;  /* the request that issued it */
    const char *extra;       /* JSON object text for grant-specific data, may be NULL */
} gh_token;

typedef enum gh_key_state {
    GH_KEY_NEXT = 1,   /* published, not yet signing */
    GH_KEY_ACTIVE = 2, /* signing (one per alg) */
    GH_KEY_RETIRED = 3 /* published until expires_at, no longer signing */
} gh_key_state;

/* A signing key. The private key is sealed (AES-256-GCM under a key derived from the system
 * secret) before it reaches the store. */
typedef struct gh_key_row {
    const char *kid;
    const char *alg;          /* "ES256", "RS256" */
    gh_key_state state;
    int64_t created_at;
    int64_t activated_at;     /* 0 if never */
    int64_t retired_at;       /* 0 if not */
    int64_t expires_at;       /* retired keys: unpublish after; 0 = no limit */
    const unsigned char *sealed_private;
    size_t sealed_len;
    const char *public_jwk;   /* JSON object text */
} gh_key_row;

/* One served version of the scope catalog. */
typedef struct gh_catalog_row {
    int64_t version;
    unsigned char hash[GH_SHA256_LEN]; /* of doc */
    const char *doc;                   /* JSON text of the catalog */
    int64_t created_at;
} gh_catalog_row;

/* A built-in user (gatehouse users). The subject of everything the user authorizes is id. */
typedef struct gh_user {
    const char *id;            /* the subject: "u_" + random, never reused */
    const char *username;      /* unique login name */
    const char *password_hash; /* crypto_pwhash_str text ($argon2id$...) */
    const char *name;          /* "profile" claim, may be NULL */
    const char *email;         /* "email" claim, may be NULL */
    bool email_verified;
    int64_t created_at;
    int64_t updated_at;
} gh_user;

/* A login, consent or logout request in progress (Hydra's challenges). The store does not
 * interpret state or doc; version guards concurrent updates (GH_OP_FLOW_UPDATE). */
typedef enum gh_flow_kind {
    GH_FLOW_AUTHZ = 1,  /* one authorization request: its login and consent phases */
    GH_FLOW_LOGOUT = 2  /* one RP-initiated logout */
} gh_flow_kind;

typedef struct gh_flow {
    const char *id;        /* the public half of its challenges (base64url) */
    gh_flow_kind kind;
    int state;             /* engine-defined */
    const char *client_id; /* may be NULL (a logout without a client) */
    const char *subject;   /* NULL until known */
    const char *doc;       /* JSON object text, engine-defined */
    int64_t version;       /* 1 when inserted; each update adds one */
    int64_t created_at;
    int64_t expires_at;
} gh_flow;

/* A browser login session. The cookie holds id and a secret; only the secret's hash is
 * stored. id is also the OpenID Connect "sid". */
typedef struct gh_session {
    const char *id;
    unsigned char secret_hash[GH_SHA256_LEN];
    const char *subject;
    int64_t auth_time;
    int64_t created_at;
    int64_t expires_at;
    int64_t revoked_at;    /* 0 while live */
    const char *doc;       /* JSON object text (acr, amr, ...), may be NULL */
} gh_session;

/* What a user consented to for one client. One row per (subject, client_id); a new consent
 * replaces it. remembered_scope is the part that may skip the consent page next time. */
typedef struct gh_consent {
    const char *subject;
    const char *client_id;
    const char *scope;            /* granted, space-separated */
    const char *remembered_scope; /* subset of scope ("" when not remembered) */
    const char *audience;         /* space-separated, may be "" */
    int64_t catalog_version;
    int64_t granted_at;           /* the first consent of this row's life */
    int64_t updated_at;           /* the latest consent */
    int64_t last_used_at;         /* the latest token issued or refreshed under it (0: never) */
    int64_t remember_until;       /* 0 = until revoked */
    int64_t revoked_at;           /* 0 while live */
    const char *doc;              /* JSON object text (requested scope, session id ...) */
} gh_consent;

/* A fixed-window counter (login throttling). */
typedef struct gh_counter {
    const char *key;
    int64_t window_start;
    int64_t count;
} gh_counter;

/* ---- write transactions ---- */

typedef enum gh_store_op_kind {
    GH_OP_CLIENT_INSERT = 1, /* ECONFLICT if client_id exists */
    GH_OP_CLIENT_UPDATE,     /* ENOTFOUND if missing; replaces doc, hashes, updated_at */
    GH_OP_CLIENT_DELETE,     /* ENOTFOUND if missing; also revokes its tokens (at = now) */
    GH_OP_TOKEN_INSERT,      /* ECONFLICT if id exists */
    GH_OP_TOKEN_REVOKE,      /* sets revoked_at if 0; ENOTFOUND if missing */
    GH_OP_GRANT_REVOKE,      /* revokes every token of grant_id as of at, and any inserted
                                into the grant later (a token revoked before keeps its time);
                                u.revoke with client_id (required) and subject */
    GH_OP_JTI_INSERT,        /* replay cache; ECONFLICT if (ns, jti) exists and not expired */
    GH_OP_KEY_INSERT,        /* ECONFLICT if kid exists */
    GH_OP_KEY_UPDATE,        /* state and times by kid; ENOTFOUND if missing */
    GH_OP_CATALOG_INSERT,    /* ECONFLICT if version exists */
    GH_OP_KV_INSERT,         /* ECONFLICT if key exists */
    GH_OP_KV_PUT,            /* insert or replace */
    GH_OP_AUDIT_APPEND,      /* seq and hashes assigned by the writer */
    GH_OP_PURGE_EXPIRED,     /* deletes jtis, tokens, flows and sessions expired before
                                u.purge.before */
    GH_OP_TOKEN_CONSUME,     /* single use (codes, rotated refresh tokens): sets used_at = at;
                                ECONFLICT if used_at or revoked_at is already set; ENOTFOUND
                                if missing (u.revoke) */
    GH_OP_USER_INSERT,       /* ECONFLICT if id or username exists */
    GH_OP_USER_UPDATE,       /* by id: every field but id, username and created_at; ENOTFOUND */
    GH_OP_USER_DELETE,       /* by id (u.revoke.id); ENOTFOUND; also revokes the user's
                                tokens, consents and sessions (at = u.revoke.at) */
    GH_OP_FLOW_INSERT,       /* ECONFLICT if id exists */
    GH_OP_FLOW_UPDATE,       /* by id, when the stored version equals flow->version: stores
                                state, subject, doc, expires_at and version + 1; ENOTFOUND if
                                missing, ECONFLICT if the version differs */
    GH_OP_SESSION_INSERT,    /* ECONFLICT if id exists */
    GH_OP_SESSION_REVOKE,    /* sets revoked_at if 0 (u.revoke); ENOTFOUND if missing */
    GH_OP_SESSION_REVOKE_SUBJECT, /* sets revoked_at on every live session of the subject
                                     u.revoke.id (none is not an error) */
    GH_OP_CONSENT_PUT,       /* insert or replace by (subject, client_id); granted_at is kept
                                from a live (unrevoked) row being replaced */
    GH_OP_CONSENT_TOUCH,     /* last_used_at = u.consent_ref.at if a row exists and its
                                last_used_at < at - 60 (else no-op): last_used_at is exact to
                                a minute, so the touches of most refreshes write nothing */
    GH_OP_CONSENT_REVOKE,    /* u.consent_ref: sets revoked_at on the live consent of
                                (subject, client_id) (client_id NULL: every client) and on
                                every token of that subject and client; ENOTFOUND if no live
                                consent matched */
    GH_OP_COUNTER_HIT,       /* u.counter: count + 1, or count = 1 and window_start = at when
                                missing or window_start + window <= at */
    GH_OP_COUNTER_RESET,     /* u.counter.key: deletes the counter (no-op if missing) */
    GH_OP__COUNT
} gh_store_op_kind;

/* The argument of the revoking and consuming operations. */
typedef struct gh_store_revoke {
    const char *id; /* CLIENT_DELETE: client_id; TOKEN_REVOKE: token id; GRANT_REVOKE: grant_id */
    int64_t at;
    /* GRANT_REVOKE: the grant's client (required) and subject (NULL for none), so that the
     * revocation can be dropped once no token of the grant is left. */
    const char *client_id;
    const char *subject;
} gh_store_revoke;

typedef struct gh_store_op {
    gh_store_op_kind kind;
    union {
        const gh_client *client;   /* CLIENT_INSERT, CLIENT_UPDATE */
        const gh_token *token;     /* TOKEN_INSERT */
        const gh_key_row *key;     /* KEY_INSERT, KEY_UPDATE */
        const gh_catalog_row *catalog;
        gh_audit_event *event;     /* AUDIT_APPEND: sealed when added (its fields must not
                                      change after); seq/prev_hash/hash filled in on commit */
        gh_store_revoke revoke;
        struct {
            const char *ns;        /* e.g. the client_id of a client assertion */
            const char *jti;
            int64_t expires_at;
            int64_t now;
        } jti;
        struct {
            const char *key;
            const char *value;
        } kv;
        struct {
            int64_t before;        /* remove what expired before this time */
        } purge;
        const gh_user *user;       /* USER_INSERT, USER_UPDATE */
        const gh_flow *flow;       /* FLOW_INSERT, FLOW_UPDATE */
        const gh_session *session; /* SESSION_INSERT */
        const gh_consent *consent; /* CONSENT_PUT */
        struct {
            const char *subject;
            const char *client_id; /* CONSENT_REVOKE: NULL = every client */
            int64_t at;
        } consent_ref;             /* CONSENT_TOUCH, CONSENT_REVOKE */
        struct {
            const char *key;
            int64_t at;
            int64_t window;        /* seconds */
        } counter;                 /* COUNTER_HIT, COUNTER_RESET */
    } u;
} gh_store_op;

typedef struct gh_store_txn gh_store_txn;

/* Returns a new, empty transaction allocated from the arena (lives as long as it). Every
 * pointer given to the add functions must also stay valid until gh_store_commit returns. */
gh_store_txn *gh_store_txn_new(gh_arena *a);
/* Appends an operation (copied). Operations apply in order. An AUDIT_APPEND's event is
 * sealed here (gh_audit_seal): its fields must not change afterwards. */
void gh_store_txn_add(gh_store_txn *t, const gh_store_op *op);
/* Convenience appenders. gh_store_txn_audit seals e, as gh_store_txn_add does. */
void gh_store_txn_audit(gh_store_txn *t, gh_audit_event *e);
size_t gh_store_txn_len(const gh_store_txn *t);
/* After commit: the index of the operation that failed, or (size_t)-1. */
size_t gh_store_txn_failed_op(const gh_store_txn *t);

/* ---- read interfaces, one per concern ---- */

typedef struct gh_store_clients {
    /* GH_ENOTFOUND if no such client. */
    gh_err (*get)(void *h, const char *client_id, gh_arena *a, gh_client **out);
    /* Clients ordered by client_id, those > after (NULL: from the start), at most limit. */
    gh_err (*list)(void *h, const char *after, size_t limit, gh_arena *a, gh_client **out,
                   size_t *out_n);
} gh_store_clients;

typedef struct gh_store_tokens {
    /* GH_ENOTFOUND if no such token (also when purged). */
    gh_err (*get)(void *h, const char *id, gh_arena *a, gh_token **out);
} gh_store_tokens;

typedef struct gh_store_keys {
    /* Every key row, oldest first. */
    gh_err (*list)(void *h, gh_arena *a, gh_key_row **out, size_t *out_n);
} gh_store_keys;

/* What gh_store_audit.query selects: every member that is set must match (NULL strings and
 * zero times match anything). */
typedef struct gh_audit_filter {
    const char *subject;   /* equal to the event's subject */
    const char *client_id; /* equal to the event's client_id */
    const char *token_id;  /* equal to the event's token_id */
    const char *type;      /* equal to the event's type */
    int64_t since_us;      /* time_us >= since_us (0: no lower bound) */
    int64_t until_us;      /* time_us < until_us (0: no upper bound) */
    int64_t after_seq;     /* seq > after_seq (0: from the first event) */
    size_t limit;          /* at most this many events (0: none) */
} gh_audit_filter;

typedef struct gh_store_audit {
    /* Events with seq > after, ascending, at most limit. */
    gh_err (*list)(void *h, int64_t after, size_t limit, gh_arena *a, gh_audit_event **out,
                   size_t *out_n);
    /* The events that match f, ascending by seq, at most f->limit. */
    gh_err (*query)(void *h, const gh_audit_filter *f, gh_arena *a, gh_audit_event **out,
                    size_t *out_n);
} gh_store_audit;

typedef struct gh_store_catalog {
    /* The newest version; GH_ENOTFOUND if none. */
    gh_err (*latest)(void *h, gh_arena *a, gh_catalog_row **out);
    gh_err (*get)(void *h, int64_t version, gh_arena *a, gh_catalog_row **out);
} gh_store_catalog;

typedef struct gh_store_users {
    /* GH_ENOTFOUND if no such user. */
    gh_err (*get)(void *h, const char *id, gh_arena *a, gh_user **out);
    gh_err (*get_by_username)(void *h, const char *username, gh_arena *a, gh_user **out);
    /* Users ordered by username, those > after (NULL: from the start), at most limit. */
    gh_err (*list)(void *h, const char *after, size_t limit, gh_arena *a, gh_user **out,
                   size_t *out_n);
} gh_store_users;

typedef struct gh_store_flows {
    /* GH_ENOTFOUND if no such flow (expiry is the engine's to check). */
    gh_err (*get)(void *h, const char *id, gh_arena *a, gh_flow **out);
} gh_store_flows;

typedef struct gh_store_sessions {
    /* GH_ENOTFOUND if no such session (expiry and revocation are the engine's to check). */
    gh_err (*get)(void *h, const char *id, gh_arena *a, gh_session **out);
} gh_store_sessions;

typedef struct gh_store_consents {
    /* The row of (subject, client_id), revoked or not; GH_ENOTFOUND if none. */
    gh_err (*get)(void *h, const char *subject, const char *client_id, gh_arena *a,
                  gh_consent **out);
    /* The live (unrevoked) consents of subject ordered by client_id, those > after (NULL:
     * from the start), at most limit. */
    gh_err (*list)(void *h, const char *subject, const char *after, size_t limit, gh_arena *a,
                   gh_consent **out, size_t *out_n);
} gh_store_consents;

typedef struct gh_store_counters {
    /* GH_ENOTFOUND if no such counter. */
    gh_err (*get)(void *h, const char *key, gh_arena *a, gh_counter **out);
} gh_store_counters;

typedef struct gh_store_kv {
    gh_err (*get)(void *h, const char *key, gh_arena *a, char **out);
} gh_store_kv;

/* What a backend provides to the generic writer (store.c). All called on the writer thread
 * only, with the backend's writer connection. */
typedef struct gh_store_writer_ops {
    gh_err (*begin)(void *h);
    gh_err (*savepoint)(void *h);
    gh_err (*release)(void *h);
    gh_err (*rollback_to)(void *h);  /* to the savepoint, then release it */
    gh_err (*commit)(void *h);
    void (*rollback)(void *h);
    /* Applies one operation inside the current savepoint. */
    gh_err (*apply)(void *h, const gh_store_op *op);
    /* Runs the schema migrations (each in its own transaction, idempotent). */
    gh_err (*migrate)(void *h, int *out_applied);
    /* Periodic housekeeping on the writer thread when idle (e.g. WAL checkpoint). */
    void (*idle)(void *h);
    void (*close)(void *h);
} gh_store_writer_ops;

/* The read interfaces of one backend. */
typedef struct gh_store_vtables {
    const gh_store_clients *clients;
    const gh_store_tokens *tokens;
    const gh_store_keys *keys;
    const gh_store_audit *audit;
    const gh_store_catalog *catalog;
    const gh_store_kv *kv;
    const gh_store_users *users;
    const gh_store_flows *flows;
    const gh_store_sessions *sessions;
    const gh_store_consents *consents;
    const gh_store_counters *counters;
    const gh_store_writer_ops *writer;
} gh_store_vtables;

/* Members are private to store/: use the wrappers. */
typedef struct gh_store {
    const char *backend;  /* "sqlite", "mem", "postgres" */
    void *h;
    const gh_store_clients *clients;
    const gh_store_tokens *tokens;
    const gh_store_keys *keys;
    const gh_store_audit *audit;
    const gh_store_catalog *catalog;
    const gh_store_kv *kv;
    const gh_store_users *users;
    const gh_store_flows *flows;
    const gh_store_sessions *sessions;
    const gh_store_consents *consents;
    const gh_store_counters *counters;
    const gh_store_writer_ops *writer;
    struct gh_store_writer *w; /* the group-commit writer (store.c) */
} gh_store;

/* Called by backends' open functions: starts the writer thread over the backend. Returns a
 * new store that owns h (closed by gh_store_free through w->close). On failure h is not
 * closed: it remains the caller's. */
GH_MUST_CHECK gh_err gh_store__new(const char *backend, void *h, const gh_store_vtables *v,
                                   gh_store **out);
/* Stops the writer (after draining queued transactions) and closes the backend. NULL OK. */
void gh_store_free(gh_store *s);

/* Runs the migrations. out_applied (may be NULL) gets how many were newly applied. */
GH_MUST_CHECK gh_err gh_store_migrate(gh_store *s, int *out_applied);

/* Commits t through the group-commit writer and blocks until it is durable or failed.
 * Returns GH_OK, or the error of the first failing operation (the whole of t is then rolled
 * back: none of its operations took effect), or GH_ESTORE if the database failed. */
GH_MUST_CHECK gh_err gh_store_commit(gh_store *s, gh_store_txn *t);

/* As gh_store_commit but returns at once; done(ud, err) is called on the writer thread once
 * the outcome is known. done must not block. */
typedef void (*gh_store_done_fn)(void *ud, gh_err err);
void gh_store_commit_async(gh_store *s, gh_store_txn *t, gh_store_done_fn done, void *ud);

/* Counters of the group-commit writer since the store was opened (for benchmarks and
 * metrics): batches committed (or failed), transactions in them, times the writer slept
 * waiting for work. */
typedef struct gh_store_stats {
    uint64_t batches;
    uint64_t txns;
    uint64_t writer_sleeps;
} gh_store_stats;
void gh_store_stats_get(gh_store *s, gh_store_stats *out);

/* Wrappers. */
GH_MUST_CHECK static inline gh_err gh_store_client_get(gh_store *s, const char *id, gh_arena *a,
                                                       gh_client **out)
{
    return s->clients->get(s->h, id, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_client_list(gh_store *s, const char *after,
                                                        size_t limit, gh_arena *a,
                                                        gh_client **out, size_t *out_n)
{
    return s->clients->list(s->h, after, limit, a, out, out_n);
}
GH_MUST_CHECK static inline gh_err gh_store_token_get(gh_store *s, const char *id, gh_arena *a,
                                                      gh_token **out)
{
    return s->tokens->get(s->h, id, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_key_list(gh_store *s, gh_arena *a, gh_key_row **out,
                                                     size_t *out_n)
{
    return s->keys->list(s->h, a, out, out_n);
}
GH_MUST_CHECK static inline gh_err gh_store_audit_list(gh_store *s, int64_t after, size_t limit,
                                                       gh_arena *a, gh_audit_event **out,
                                                       size_t *out_n)
{
    return s->audit->list(s->h, after, limit, a, out, out_n);
}
GH_MUST_CHECK static inline gh_err gh_store_audit_query(gh_store *s, const gh_audit_filter *f,
                                                        gh_arena *a, gh_audit_event **out,
                                                        size_t *out_n)
{
    return s->audit->query(s->h, f, a, out, out_n);
}
GH_MUST_CHECK static inline gh_err gh_store_catalog_latest(gh_store *s, gh_arena *a,
                                                           gh_catalog_row **out)
{
    return s->catalog->latest(s->h, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_catalog_get(gh_store *s, int64_t version,
                                                        gh_arena *a, gh_catalog_row **out)
{
    return s->catalog->get(s->h, version, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_kv_get(gh_store *s, const char *key, gh_arena *a,
                                                   char **out)
{
    return s->kv->get(s->h, key, a, out);
}

GH_MUST_CHECK static inline gh_err gh_store_user_get(gh_store *s, const char *id, gh_arena *a,
                                                     gh_user **out)
{
    return s->users->get(s->h, id, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_user_get_by_username(gh_store *s,
                                                                 const char *username,
                                                                 gh_arena *a, gh_user **out)
{
    return s->users->get_by_username(s->h, username, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_user_list(gh_store *s, const char *after,
                                                      size_t limit, gh_arena *a, gh_user **out,
                                                      size_t *out_n)
{
    return s->users->list(s->h, after, limit, a, out, out_n);
}
GH_MUST_CHECK static inline gh_err gh_store_flow_get(gh_store *s, const char *id, gh_arena *a,
                                                     gh_flow **out)
{
    return s->flows->get(s->h, id, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_session_get(gh_store *s, const char *id,
                                                        gh_arena *a, gh_session **out)
{
    return s->sessions->get(s->h, id, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_consent_get(gh_store *s, const char *subject,
                                                        const char *client_id, gh_arena *a,
                                                        gh_consent **out)
{
    return s->consents->get(s->h, subject, client_id, a, out);
}
GH_MUST_CHECK static inline gh_err gh_store_consent_list(gh_store *s, const char *subject,
                                                         const char *after, size_t limit,
                                                         gh_arena *a, gh_consent **out,
                                                         size_t *out_n)
{
    return s->consents->list(s->h, subject, after, limit, a, out, out_n);
}
GH_MUST_CHECK static inline gh_err gh_store_counter_get(gh_store *s, const char *key,
                                                        gh_arena *a, gh_counter **out)
{
    return s->counters->get(s->h, key, a, out);
}

#endif
