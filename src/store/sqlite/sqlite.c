/*
 * sqlite.c - the SQLite backend: opening, the reader connection pool and every read.
 *
 * One writer connection, used only by the group-commit writer thread (sqlite_write.c), and a
 * bounded pool of reader connections (at most GH_SQLITE_READERS_MAX; a reader that finds
 * them all busy waits for one). A file database runs in WAL mode, so readers never wait for
 * the writer, with synchronous=FULL, so a commit that returned survives power loss.
 * ":memory:" becomes one named in-memory database (the memdb VFS) that all connections of
 * this store share; it lives until the store is freed. Memdb has no WAL: there a reader waits
 * (busy timeout) while the writer holds a transaction. It is for tests.
 *
 * Reads are hot paths (token introspection, client lookup): each connection prepares its
 * statements once (SQLITE_PREPARE_PERSISTENT) and a read allocates only from the caller's
 * arena. This file does not write: see sqlite_write.c.
 */
#include "store/sqlite/sqlite.h"

#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/rand.h"
#include "base/str.h"
#include "store/sqlite/sqlite_int.h"

#define CLIENT_COLS "client_id, doc, secret_hash, reg_token_hash, created_at, updated_at"
#define KEY_COLS                                                                              \
    "kid, alg, state, created_at, activated_at, retired_at, expires_at, sealed_private, "    \
    "public_jwk"
#define USER_COLS                                                                             \
    "id, username, password_hash, name, email, email_verified, created_at, updated_at"
#define FLOW_COLS "id, kind, state, client_id, subject, doc, version, created_at, expires_at"
#define SESSION_COLS                                                                          \
    "id, secret_hash, subject, auth_time, created_at, expires_at, revoked_at, doc"
#define CONSENT_COLS                                                                          \
    "subject, client_id, scope, remembered_scope, audience, catalog_version, granted_at, "    \
    "updated_at, last_used_at, remember_until, revoked_at, doc"
#define AUDIT_COLS                                                                            \
    "seq, time_us, type, actor, client_id, subject, token_id, scope, request_id, data, "      \
    "prev_hash, hash"

#define AUDIT_Q_REST                                                                          \
    "(?1 IS NULL OR token_id = ?1) AND (?2 IS NULL OR subject = ?2) AND "                    \
    "(?3 IS NULL OR client_id = ?3) AND (?4 IS NULL OR type = ?4) AND "                      \
    "(?5 IS NULL OR time_us >= ?5) AND (?6 IS NULL OR time_us < ?6) AND seq > ?7 "           \
    "ORDER BY seq LIMIT ?8"

static const char *const reader_sql[GH_RQ__COUNT] = {
    [GH_RQ_CLIENT_GET] = "SELECT " CLIENT_COLS " FROM clients WHERE client_id = ?1",
    [GH_RQ_CLIENT_LIST] = "SELECT " CLIENT_COLS " FROM clients ORDER BY client_id LIMIT ?1",
    [GH_RQ_CLIENT_LIST_AFTER] = "SELECT " CLIENT_COLS
                                " FROM clients WHERE client_id > ?1 ORDER BY client_id LIMIT ?2",
    /* revoked_at is the earlier of the token's own and its grant's (0005). */
    [GH_RQ_TOKEN_GET] =
        "SELECT t.id, t.kind, t.format, t.grant_id, t.client_id, t.subject, t.scope, "
        "t.audience, t.catalog_version, t.issued_at, t.expires_at, CASE WHEN g.revoked_at IS "
        "NOT NULL AND (t.revoked_at = 0 OR g.revoked_at < t.revoked_at) THEN g.revoked_at ELSE "
        "t.revoked_at END, t.request_id, t.extra, t.used_at FROM tokens t LEFT JOIN "
        "grant_revocations g ON g.grant_id = t.grant_id WHERE t.id = ?1",
    [GH_RQ_KEY_LIST] = "SELECT " KEY_COLS " FROM keys ORDER BY created_at, kid",
    [GH_RQ_AUDIT_LIST] = "SELECT " AUDIT_COLS
                         " FROM audit_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    /* The filtered read: ?1 token_id, ?2 subject, ?3 client_id, ?4 type, ?5 since_us,
     * ?6 until_us (NULL: unbounded), ?7 after_seq, ?8 limit. The variant is picked by the
     * most selective filter given, whose index (0004_audit_query.sql) leads the query. */
    [GH_RQ_AUDIT_Q_TOKEN] = "SELECT " AUDIT_COLS " FROM audit_events WHERE token_id = ?1 AND "
                            AUDIT_Q_REST,
    [GH_RQ_AUDIT_Q_SUBJECT] = "SELECT " AUDIT_COLS " FROM audit_events WHERE subject = ?2 AND "
                              AUDIT_Q_REST,
    [GH_RQ_AUDIT_Q_CLIENT] = "SELECT " AUDIT_COLS
                             " FROM audit_events WHERE client_id = ?3 AND " AUDIT_Q_REST,
    [GH_RQ_AUDIT_Q_TYPE] = "SELECT " AUDIT_COLS " FROM audit_events WHERE type = ?4 AND "
                           AUDIT_Q_REST,
    [GH_RQ_AUDIT_Q_ALL] = "SELECT " AUDIT_COLS " FROM audit_events WHERE " AUDIT_Q_REST,
    [GH_RQ_CATALOG_LATEST] =
        "SELECT version, hash, doc, created_at FROM catalog_versions ORDER BY version DESC "
        "LIMIT 1",
    [GH_RQ_CATALOG_GET] =
        "SELECT version, hash, doc, created_at FROM catalog_versions WHERE version = ?1",
    [GH_RQ_KV_GET] = "SELECT value FROM kv WHERE key = ?1",
    [GH_RQ_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
    [GH_RQ_USER_GET_BY_USERNAME] = "SELECT " USER_COLS " FROM users WHERE username = ?1",
    [GH_RQ_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY username LIMIT ?1",
    [GH_RQ_USER_LIST_AFTER] = "SELECT " USER_COLS
                              " FROM users WHERE username > ?1 ORDER BY username LIMIT ?2",
    [GH_RQ_FLOW_GET] = "SELECT " FLOW_COLS " FROM flows WHERE id = ?1",
    [GH_RQ_SESSION_GET] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?1",
    [GH_RQ_CONSENT_GET] = "SELECT " CONSENT_COLS
                          " FROM consents WHERE subject = ?1 AND client_id = ?2",
    [GH_RQ_CONSENT_LIST] = "SELECT " CONSENT_COLS " FROM consents WHERE subject = ?1 AND "
                           "revoked_at = 0 ORDER BY client_id LIMIT ?3",
    [GH_RQ_CONSENT_LIST_AFTER] = "SELECT " CONSENT_COLS
                                 " FROM consents WHERE subject = ?1 AND client_id > ?2 AND "
                                 "revoked_at = 0 ORDER BY client_id LIMIT ?3",
    [GH_RQ_COUNTER_GET] = "SELECT key, window_start, count FROM counters WHERE key = ?1",
};

/* ---- errors and connections ---- */

gh_err gh_sqlite__err(sqlite3 *db, int rc, const char *what)
{
    int x = sqlite3_extended_errcode(db);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        if (x == SQLITE_CONSTRAINT_PRIMARYKEY || x == SQLITE_CONSTRAINT_UNIQUE ||
            x == SQLITE_CONSTRAINT_ROWID)
            return GH_ECONFLICT;
        return GH_EINVAL;
    }
    gh_log(GH_LOG_ERROR, "sqlite: %s: %s (%d)", what, sqlite3_errmsg(db), x);
    return GH_ESTORE;
}

static gh_err exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        gh_log(GH_LOG_ERROR, "sqlite: %s: %s", sql, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return GH_ESTORE;
    }
    return GH_OK;
}

gh_err gh_sqlite__connect(gh_sqlite *s, gh_sqlite_role role, sqlite3 **out)
{
    sqlite3 *db = NULL;
    gh_err err = GH_ESTORE;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
    bool writer = role == GH_SQLITE_WRITER;
    char pragmas[320];

    *out = NULL;
    if (writer)
        flags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(s->uri, &db, flags, s->vfs);
    if (rc != SQLITE_OK) {
        gh_log(GH_LOG_ERROR, "sqlite: cannot open the database: %s",
               db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        goto done;
    }
    sqlite3_extended_result_codes(db, 1);
    if (sqlite3_busy_timeout(db, GH_SQLITE_BUSY_MS) != SQLITE_OK)
        goto done;
    if (writer && !s->memory) {
        /* WAL: readers do not block the writer nor it them. The checkpointer thread runs
         * the checkpoints (sqlite_write.c, section 5), off the commit path. */
        if ((err = exec(db, "PRAGMA journal_mode=WAL")) != GH_OK)
            goto done;
    }
    /* synchronous=FULL: a commit that returned survives power loss (DESIGN.md: nothing
     * acknowledged is ever lost); group commit amortises the fsync. The WAL-coalescing VFS
     * (sqlite_vfs.c) relies on it: FULL syncs the WAL before publishing a commit. */
    /* mmap_size and cache_size: see GH_SQLITE_READER_MMAP (sqlite_int.h) for the bound on
     * memory. A reader's mapped pages of the database file (not of the WAL) are read straight
     * from the kernel's page cache, without a pread and a copy into its own cache, which a
     * reader loses after every commit anyway (WAL: a changed database discards it). */
    const char *role_pragmas =
        role == GH_SQLITE_WRITER
            /* temp_store=MEMORY: each store transaction of a batch is a savepoint, and
             * SQLite copies every page a savepoint first changes into its sub-journal, a
             * temporary file by default (write system calls per page); in memory, it is a
             * copy. It holds nothing that must survive: only what ROLLBACK TO restores. */
            ? "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864; "
              "PRAGMA temp_store=MEMORY; "
              "PRAGMA cache_size=-" GH_XSTR(GH_SQLITE_WRITER_CACHE_KIB) ";"
        : role == GH_SQLITE_READER
            ? "PRAGMA query_only=ON; PRAGMA cache_size=-" GH_XSTR(GH_SQLITE_READER_CACHE_KIB) ";"
            /* The checkpointer copies WAL frames into the database: it reads no b-tree. */
            : "PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864; "
              "PRAGMA cache_size=-64;";
    const char *mmap = "PRAGMA mmap_size=0;";
    if (s->memory)
        mmap = "";
    else if (role == GH_SQLITE_READER)
        mmap = "PRAGMA mmap_size=" GH_XSTR(GH_SQLITE_READER_MMAP) ";";
    else if (role == GH_SQLITE_WRITER)
        mmap = "PRAGMA mmap_size=" GH_XSTR(GH_SQLITE_WRITER_MMAP) ";";
    int n = snprintf(pragmas, sizeof(pragmas),
                     "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; %s %s", mmap, role_pragmas);
    gh_assert(n > 0 && (size_t)n < sizeof(pragmas));
    if ((err = exec(db, pragmas)) != GH_OK)
        goto done;
    *out = db;
    db = NULL;
    err = GH_OK;
done:
    if (db)
        sqlite3_close_v2(db);
    return err;
}

/* Where a thread starts looking for a free connection: derived from its stack address, so
 * that a thread tends to take the same connection (its page cache and statements warm) and
 * threads tend to take different ones. Only a hint. */
static unsigned thread_hint(void)
{
    int local = 0;
    uintptr_t p = (uintptr_t)&local;
    return (unsigned)(((p >> 16) * 2654435761u) >> 8) % GH_SQLITE_READERS_MAX;
}

static gh_sqlite_conn *try_take(gh_sqlite *s, unsigned start)
{
    for (unsigned i = 0; i < GH_SQLITE_READERS_MAX; i++) {
        gh_sqlite_conn *c =
            atomic_load_explicit(&s->slot[(start + i) % GH_SQLITE_READERS_MAX],
                                 memory_order_acquire);
        if (c && !atomic_load_explicit(&c->busy, memory_order_relaxed) &&
            !atomic_exchange_explicit(&c->busy, true, memory_order_acquire))
            return c;
    }
    return NULL;
}

/* Takes a reader connection from the pool: a free one if any (lock-free), else opens one if
 * fewer than the maximum are open, else waits for one to come back. */
static gh_err conn_take(gh_sqlite *s, gh_sqlite_conn **out)
{
    unsigned start = thread_hint();
    gh_sqlite_conn *c = try_take(s, start);
    gh_err err = GH_OK;

    if (c) {
        *out = c;
        return GH_OK;
    }
    pthread_mutex_lock(&s->mu);
    /* seq_cst with conn_return's store of busy and load of waiters: either the scan below
     * sees the returned connection, or the returner sees a waiter and signals under mu. */
    atomic_fetch_add(&s->waiters, 1);
    for (;;) {
        if ((c = try_take(s, start)) != NULL)
            break;
        if (s->n_open < GH_SQLITE_READERS_MAX) {
            unsigned idx = s->n_open++;
            sqlite3 *db = NULL;
            pthread_mutex_unlock(&s->mu);
            err = gh_sqlite__connect(s, GH_SQLITE_READER, &db);
            pthread_mutex_lock(&s->mu);
            if (err != GH_OK) {
                /* Give the slot back only if no later one was opened meanwhile; else it
                 * stays unused (slots are a hint's search space, not a count). */
                if (s->n_open == idx + 1)
                    s->n_open--;
                pthread_cond_signal(&s->cv);
                break;
            }
            c = gh_xcalloc(1, sizeof(*c));
            c->db = db;
            atomic_init(&c->busy, true);
            atomic_store_explicit(&s->slot[idx], c, memory_order_release);
            break;
        }
        pthread_cond_wait(&s->cv, &s->mu);
    }
    atomic_fetch_sub(&s->waiters, 1);
    pthread_mutex_unlock(&s->mu);
    *out = c;
    return err;
}

static void conn_return(gh_sqlite *s, gh_sqlite_conn *c)
{
    atomic_store(&c->busy, false);
    if (atomic_load(&s->waiters) > 0) {
        pthread_mutex_lock(&s->mu);
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
}

/* Returns the connection's prepared statement q (prepared on first use), or NULL. */
static sqlite3_stmt *rstmt(gh_sqlite_conn *c, gh_sqlite_rq q)
{
    if (!c->st[q]) {
        int rc = sqlite3_prepare_v3(c->db, reader_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
                                    &c->st[q], NULL);
        if (rc != SQLITE_OK) {
            gh_log(GH_LOG_ERROR, "sqlite: prepare: %s", sqlite3_errmsg(c->db));
            c->st[q] = NULL;
        }
    }
    return c->st[q];
}

static void stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* ---- column helpers: copies into the arena ---- */

static const char *col_text(gh_arena *a, sqlite3_stmt *st, int i)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    if (!p)
        return NULL;
    return gh_arena_strndup(a, (const char *)p, (size_t)sqlite3_column_bytes(st, i));
}

/* Copies a 32-byte hash column; false when it is NULL (or not 32 bytes). */
static bool col_hash(sqlite3_stmt *st, int i, unsigned char out[GH_SHA256_LEN])
{
    const void *p = sqlite3_column_blob(st, i);
    if (!p || sqlite3_column_bytes(st, i) != GH_SHA256_LEN) {
        memset(out, 0, GH_SHA256_LEN);
        return false;
    }
    memcpy(out, p, GH_SHA256_LEN);
    return true;
}

static void row_client(gh_arena *a, sqlite3_stmt *st, gh_client *c)
{
    c->client_id = col_text(a, st, 0);
    c->doc = col_text(a, st, 1);
    c->has_secret = col_hash(st, 2, c->secret_hash);
    c->has_reg_token = col_hash(st, 3, c->reg_token_hash);
    c->created_at = sqlite3_column_int64(st, 4);
    c->updated_at = sqlite3_column_int64(st, 5);
}

static void row_token(gh_arena *a, sqlite3_stmt *st, gh_token *t)
{
    t->id = col_text(a, st, 0);
    t->kind = (gh_token_kind)sqlite3_column_int(st, 1);
    t->format = col_text(a, st, 2);
    t->grant_id = col_text(a, st, 3);
    t->client_id = col_text(a, st, 4);
    t->subject = col_text(a, st, 5);
    t->scope = col_text(a, st, 6);
    t->audience = col_text(a, st, 7);
    t->catalog_version = sqlite3_column_int64(st, 8);
    t->issued_at = sqlite3_column_int64(st, 9);
    t->expires_at = sqlite3_column_int64(st, 10);
    t->revoked_at = sqlite3_column_int64(st, 11);
    t->request_id = col_text(a, st, 12);
    t->extra = col_text(a, st, 13);
    t->used_at = sqlite3_column_int64(st, 14);
}

static void row_user(gh_arena *a, sqlite3_stmt *st, gh_user *u)
{
    u->id = col_text(a, st, 0);
    u->username = col_text(a, st, 1);
    u->password_hash = col_text(a, st, 2);
    u->name = col_text(a, st, 3);
    u->email = col_text(a, st, 4);
    u->email_verified = sqlite3_column_int(st, 5) != 0;
    u->created_at = sqlite3_column_int64(st, 6);
    u->updated_at = sqlite3_column_int64(st, 7);
}

static void row_flow(gh_arena *a, sqlite3_stmt *st, gh_flow *f)
{
    f->id = col_text(a, st, 0);
    f->kind = (gh_flow_kind)sqlite3_column_int(st, 1);
    f->state = sqlite3_column_int(st, 2);
    f->client_id = col_text(a, st, 3);
    f->subject = col_text(a, st, 4);
    f->doc = col_text(a, st, 5);
    f->version = sqlite3_column_int64(st, 6);
    f->created_at = sqlite3_column_int64(st, 7);
    f->expires_at = sqlite3_column_int64(st, 8);
}

static void row_session(gh_arena *a, sqlite3_stmt *st, gh_session *x)
{
    x->id = col_text(a, st, 0);
    (void)col_hash(st, 1, x->secret_hash);
    x->subject = col_text(a, st, 2);
    x->auth_time = sqlite3_column_int64(st, 3);
    x->created_at = sqlite3_column_int64(st, 4);
    x->expires_at = sqlite3_column_int64(st, 5);
    x->revoked_at = sqlite3_column_int64(st, 6);
    x->doc = col_text(a, st, 7);
}

static void row_consent(gh_arena *a, sqlite3_stmt *st, gh_consent *c)
{
    c->subject = col_text(a, st, 0);
    c->client_id = col_text(a, st, 1);
    c->scope = col_text(a, st, 2);
    c->remembered_scope = col_text(a, st, 3);
    c->audience = col_text(a, st, 4);
    c->catalog_version = sqlite3_column_int64(st, 5);
    c->granted_at = sqlite3_column_int64(st, 6);
    c->updated_at = sqlite3_column_int64(st, 7);
    c->last_used_at = sqlite3_column_int64(st, 8);
    c->remember_until = sqlite3_column_int64(st, 9);
    c->revoked_at = sqlite3_column_int64(st, 10);
    c->doc = col_text(a, st, 11);
}

static void row_counter(gh_arena *a, sqlite3_stmt *st, gh_counter *c)
{
    c->key = col_text(a, st, 0);
    c->window_start = sqlite3_column_int64(st, 1);
    c->count = sqlite3_column_int64(st, 2);
}

static void row_key(gh_arena *a, sqlite3_stmt *st, gh_key_row *k)
{
    k->kid = col_text(a, st, 0);
    k->alg = col_text(a, st, 1);
    k->state = (gh_key_state)sqlite3_column_int(st, 2);
    k->created_at = sqlite3_column_int64(st, 3);
    k->activated_at = sqlite3_column_int64(st, 4);
    k->retired_at = sqlite3_column_int64(st, 5);
    k->expires_at = sqlite3_column_int64(st, 6);
    const void *p = sqlite3_column_blob(st, 7);
    k->sealed_len = p ? (size_t)sqlite3_column_bytes(st, 7) : 0;
    k->sealed_private = p ? gh_arena_memdup(a, p, k->sealed_len) : NULL;
    k->public_jwk = col_text(a, st, 8);
}

static void row_audit(gh_arena *a, sqlite3_stmt *st, gh_audit_event *e)
{
    e->seq = sqlite3_column_int64(st, 0);
    e->time_us = sqlite3_column_int64(st, 1);
    e->type = col_text(a, st, 2);
    e->actor = col_text(a, st, 3);
    e->client_id = col_text(a, st, 4);
    e->subject = col_text(a, st, 5);
    e->token_id = col_text(a, st, 6);
    e->scope = col_text(a, st, 7);
    e->request_id = col_text(a, st, 8);
    e->data = col_text(a, st, 9);
    (void)col_hash(st, 10, e->prev_hash);
    (void)col_hash(st, 11, e->hash);
    memset(e->body_hash, 0, GH_SHA256_LEN); /* not stored: gh_audit_verify recomputes it */
    e->sealed = false;
}

static void row_catalog(gh_arena *a, sqlite3_stmt *st, gh_catalog_row *c)
{
    c->version = sqlite3_column_int64(st, 0);
    (void)col_hash(st, 1, c->hash);
    c->doc = col_text(a, st, 2);
    c->created_at = sqlite3_column_int64(st, 3);
}

/* ---- reads ---- */

/* A growable array in the arena for list results. */
typedef struct rows {
    void *v;
    size_t n, cap, size;
} rows;

static void *rows_next(gh_arena *a, rows *r)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        void *v = gh_arena_alloc(a, cap * r->size);
        if (r->n)
            memcpy(v, r->v, r->n * r->size);
        r->v = v;
        r->cap = cap;
    }
    return (char *)r->v + r->size * r->n++;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Runs a one-row query; calls fill for the row. GH_ENOTFOUND when there is none. The
 * statement's parameters are bound by the caller through bind. */
typedef void (*fill_fn)(gh_arena *a, sqlite3_stmt *st, void *out);
typedef void (*bind_fn)(sqlite3_stmt *st, const void *arg);

static gh_err query(gh_sqlite *s, gh_sqlite_rq q, bind_fn bind, const void *arg, gh_arena *a,
                    fill_fn fill, size_t size, size_t limit, rows *out)
{
    gh_sqlite_conn *c = NULL;
    gh_err err = conn_take(s, &c);
    if (err != GH_OK)
        return err;
    sqlite3_stmt *st = rstmt(c, q);
    if (!st) {
        err = GH_ESTORE;
        goto done;
    }
    if (bind)
        bind(st, arg);
    out->size = size;
    int rc;
    while (out->n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
        fill(a, st, rows_next(a, out));
    if (out->n < limit && rc != SQLITE_DONE)
        err = gh_sqlite__err(c->db, rc, reader_sql[q]);
    stmt_done(st);
done:
    conn_return(s, c);
    return err;
}

static void bind_str1(sqlite3_stmt *st, const void *arg)
{
    bind_text(st, 1, arg);
}

static void bind_i64_1(sqlite3_stmt *st, const void *arg)
{
    sqlite3_bind_int64(st, 1, *(const int64_t *)arg);
}

typedef struct page_arg {
    const char *after;
    int64_t after_seq;
    int64_t limit;
} page_arg;

static void bind_page_after(sqlite3_stmt *st, const void *arg)
{
    const page_arg *p = arg;
    bind_text(st, 1, p->after);
    sqlite3_bind_int64(st, 2, p->limit);
}

static void bind_page(sqlite3_stmt *st, const void *arg)
{
    sqlite3_bind_int64(st, 1, ((const page_arg *)arg)->limit);
}

static void bind_page_seq(sqlite3_stmt *st, const void *arg)
{
    const page_arg *p = arg;
    sqlite3_bind_int64(st, 1, p->after_seq);
    sqlite3_bind_int64(st, 2, p->limit);
}

static void fill_client(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_client(a, st, out);
}
static void fill_token(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_token(a, st, out);
}
static void fill_key(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_key(a, st, out);
}
static void fill_audit(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_audit(a, st, out);
}
static void fill_catalog(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_catalog(a, st, out);
}
static void fill_user(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_user(a, st, out);
}
static void fill_flow(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_flow(a, st, out);
}
static void fill_session(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_session(a, st, out);
}
static void fill_consent(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_consent(a, st, out);
}
static void fill_counter(gh_arena *a, sqlite3_stmt *st, void *out)
{
    row_counter(a, st, out);
}
static void fill_str(gh_arena *a, sqlite3_stmt *st, void *out)
{
    *(const char **)out = col_text(a, st, 0);
}

static int64_t clamp_limit(size_t limit)
{
    return limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
}

static gh_err sq_client_get(void *h, const char *client_id, gh_arena *a, gh_client **out)
{
    rows r = {0};
    gh_err e = query(h, GH_RQ_CLIENT_GET, bind_str1, client_id, a, fill_client,
                     sizeof(gh_client), 1, &r);
    if (e == GH_OK && r.n == 0)
        e = GH_ENOTFOUND;
    *out = e == GH_OK ? r.v : NULL;
    return e;
}

static gh_err sq_client_list(void *h, const char *after, size_t limit, gh_arena *a,
                             gh_client **out, size_t *out_n)
{
    rows r = {0};
    page_arg p = {.after = after, .limit = clamp_limit(limit)};
    gh_err e = GH_OK;
    if (limit > 0)
        e = query(h, after ? GH_RQ_CLIENT_LIST_AFTER : GH_RQ_CLIENT_LIST,
                  after ? bind_page_after : bind_page, &p, a, fill_client, sizeof(gh_client),
                  limit, &r);
    *out = e == GH_OK ? r.v : NULL;
    *out_n = e == GH_OK ? r.n : 0;
    return e;
}

static gh_err sq_token_get(void *h, const char *id, gh_arena *a, gh_token **out)
{
    rows r = {0};
    gh_err e = query(h, GH_RQ_TOKEN_GET, bind_str1, id, a, fill_token, sizeof(gh_token), 1, &r);
    if (e == GH_OK && r.n == 0)
        e = GH_ENOTFOUND;
    *out = e == GH_OK ? r.v : NULL;
    return e;
}

static gh_err sq_key_list(void *h, gh_arena *a, gh_key_row **out, size_t *out_n)
{
    rows r = {0};
    gh_err e = query(h, GH_RQ_KEY_LIST, NULL, NULL, a, fill_key, sizeof(gh_key_row), SIZE_MAX,
                     &r);
    *out = e == GH_OK ? r.v : NULL;
    *out_n = e == GH_OK ? r.n : 0;
    return e;
}

static gh_err sq_audit_list(void *h, int64_t after, size_t limit, gh_arena *a,
                            gh_audit_event **out, size_t *out_n)
{
    rows r = {0};
    page_arg p = {.after_seq = after, .limit = clamp_limit(limit)};
    gh_err e = GH_OK;
    if (limit > 0)
        e = query(h, GH_RQ_AUDIT_LIST, bind_page_seq, &p, a, fill_audit,
                  sizeof(gh_audit_event), limit, &r);
    *out = e == GH_OK ? r.v : NULL;
    *out_n = e == GH_OK ? r.n : 0;
    return e;
}

static void bind_audit_filter(sqlite3_stmt *st, const void *arg)
{
    const gh_audit_filter *f = arg;
    bind_text(st, 1, f->token_id);
    bind_text(st, 2, f->subject);
    bind_text(st, 3, f->client_id);
    bind_text(st, 4, f->type);
    if (f->since_us != 0)
        sqlite3_bind_int64(st, 5, f->since_us);
    else
        sqlite3_bind_null(st, 5);
    if (f->until_us != 0)
        sqlite3_bind_int64(st, 6, f->until_us);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, f->after_seq);
    sqlite3_bind_int64(st, 8, clamp_limit(f->limit));
}

static gh_err sq_audit_query(void *h, const gh_audit_filter *f, gh_arena *a,
                             gh_audit_event **out, size_t *out_n)
{
    rows r = {0};
    gh_err e = GH_OK;
    gh_sqlite_rq q = f->token_id     ? GH_RQ_AUDIT_Q_TOKEN
                     : f->subject    ? GH_RQ_AUDIT_Q_SUBJECT
                     : f->client_id  ? GH_RQ_AUDIT_Q_CLIENT
                     : f->type       ? GH_RQ_AUDIT_Q_TYPE
                                     : GH_RQ_AUDIT_Q_ALL;
    if (f->limit > 0)
        e = query(h, q, bind_audit_filter, f, a, fill_audit, sizeof(gh_audit_event), f->limit,
                  &r);
    *out = e == GH_OK ? r.v : NULL;
    *out_n = e == GH_OK ? r.n : 0;
    return e;
}

static gh_err sq_catalog_latest(void *h, gh_arena *a, gh_catalog_row **out)
{
    rows r = {0};
    gh_err e = query(h, GH_RQ_CATALOG_LATEST, NULL, NULL, a, fill_catalog,
                     sizeof(gh_catalog_row), 1, &r);
    if (e == GH_OK && r.n == 0)
        e = GH_ENOTFOUND;
    *out = e == GH_OK ? r.v : NULL;
    return e;
}

static gh_err sq_catalog_get(void *h, int64_t version, gh_arena *a, gh_catalog_row **out)
{
    rows r = {0};
    gh_err e = query(h, GH_RQ_CATALOG_GET, bind_i64_1, &version, a, fill_catalog,
                     sizeof(gh_catalog_row), 1, &r);
    if (e == GH_OK && r.n == 0)
        e = GH_ENOTFOUND;
    *out = e == GH_OK ? r.v : NULL;
    return e;
}

static gh_err sq_kv_get(void *h, const char *key, gh_arena *a, char **out)
{
    rows r = {0};
    gh_err e = query(h, GH_RQ_KV_GET, bind_str1, key, a, fill_str, sizeof(char *), 1, &r);
    if (e == GH_OK && r.n == 0)
        e = GH_ENOTFOUND;
    *out = e == GH_OK ? *(char **)r.v : NULL;
    return e;
}

/* A one-row read by one text key: GH_ENOTFOUND when there is none. */
static gh_err get1(gh_sqlite *s, gh_sqlite_rq q, bind_fn bind, const void *arg, gh_arena *a,
                   fill_fn fill, size_t size, void **out)
{
    rows r = {0};
    gh_err e = query(s, q, bind, arg, a, fill, size, 1, &r);
    if (e == GH_OK && r.n == 0)
        e = GH_ENOTFOUND;
    *out = e == GH_OK ? r.v : NULL;
    return e;
}

static gh_err sq_user_get(void *h, const char *id, gh_arena *a, gh_user **out)
{
    void *v = NULL;
    gh_err e = get1(h, GH_RQ_USER_GET, bind_str1, id, a, fill_user, sizeof(gh_user), &v);
    *out = v;
    return e;
}

static gh_err sq_user_get_by_username(void *h, const char *username, gh_arena *a,
                                      gh_user **out)
{
    void *v = NULL;
    gh_err e = get1(h, GH_RQ_USER_GET_BY_USERNAME, bind_str1, username, a, fill_user,
                    sizeof(gh_user), &v);
    *out = v;
    return e;
}

static gh_err sq_user_list(void *h, const char *after, size_t limit, gh_arena *a, gh_user **out,
                           size_t *out_n)
{
    rows r = {0};
    page_arg p = {.after = after, .limit = clamp_limit(limit)};
    gh_err e = GH_OK;
    if (limit > 0)
        e = query(h, after ? GH_RQ_USER_LIST_AFTER : GH_RQ_USER_LIST,
                  after ? bind_page_after : bind_page, &p, a, fill_user, sizeof(gh_user), limit,
                  &r);
    *out = e == GH_OK ? r.v : NULL;
    *out_n = e == GH_OK ? r.n : 0;
    return e;
}

static gh_err sq_flow_get(void *h, const char *id, gh_arena *a, gh_flow **out)
{
    void *v = NULL;
    gh_err e = get1(h, GH_RQ_FLOW_GET, bind_str1, id, a, fill_flow, sizeof(gh_flow), &v);
    *out = v;
    return e;
}

static gh_err sq_session_get(void *h, const char *id, gh_arena *a, gh_session **out)
{
    void *v = NULL;
    gh_err e =
        get1(h, GH_RQ_SESSION_GET, bind_str1, id, a, fill_session, sizeof(gh_session), &v);
    *out = v;
    return e;
}

typedef struct consent_arg {
    const char *subject;
    const char *client_id; /* get: the client; list: after (may be NULL) */
    int64_t limit;
} consent_arg;

static void bind_consent(sqlite3_stmt *st, const void *arg)
{
    const consent_arg *c = arg;
    bind_text(st, 1, c->subject);
    bind_text(st, 2, c->client_id);
    sqlite3_bind_int64(st, 3, c->limit); /* a get has no ?3: ignored (SQLITE_RANGE) */
}

static gh_err sq_consent_get(void *h, const char *subject, const char *client_id, gh_arena *a,
                             gh_consent **out)
{
    void *v = NULL;
    consent_arg c = {.subject = subject, .client_id = client_id};
    gh_err e = get1(h, GH_RQ_CONSENT_GET, bind_consent, &c, a, fill_consent,
                    sizeof(gh_consent), &v);
    *out = v;
    return e;
}

static gh_err sq_consent_list(void *h, const char *subject, const char *after, size_t limit,
                              gh_arena *a, gh_consent **out, size_t *out_n)
{
    rows r = {0};
    consent_arg c = {.subject = subject, .client_id = after, .limit = clamp_limit(limit)};
    gh_err e = GH_OK;
    if (limit > 0)
        e = query(h, after ? GH_RQ_CONSENT_LIST_AFTER : GH_RQ_CONSENT_LIST, bind_consent, &c, a,
                  fill_consent, sizeof(gh_consent), limit, &r);
    *out = e == GH_OK ? r.v : NULL;
    *out_n = e == GH_OK ? r.n : 0;
    return e;
}

static gh_err sq_counter_get(void *h, const char *key, gh_arena *a, gh_counter **out)
{
    void *v = NULL;
    gh_err e =
        get1(h, GH_RQ_COUNTER_GET, bind_str1, key, a, fill_counter, sizeof(gh_counter), &v);
    *out = v;
    return e;
}

static const gh_store_clients sq_clients = {.get = sq_client_get, .list = sq_client_list};
static const gh_store_tokens sq_tokens = {.get = sq_token_get};
static const gh_store_keys sq_keys = {.list = sq_key_list};
static const gh_store_audit sq_audit = {.list = sq_audit_list, .query = sq_audit_query};
static const gh_store_catalog sq_catalog = {.latest = sq_catalog_latest,
                                            .get = sq_catalog_get};
static const gh_store_kv sq_kv = {.get = sq_kv_get};
static const gh_store_users sq_users = {
    .get = sq_user_get, .get_by_username = sq_user_get_by_username, .list = sq_user_list};
static const gh_store_flows sq_flows = {.get = sq_flow_get};
static const gh_store_sessions sq_sessions = {.get = sq_session_get};
static const gh_store_consents sq_consents = {.get = sq_consent_get, .list = sq_consent_list};
static const gh_store_counters sq_counters = {.get = sq_counter_get};

/* ---- open and close ---- */

void gh_sqlite__free(gh_sqlite *s)
{
    if (!s)
        return;
    gh_sqlite__checkpointer_stop(s);
    for (unsigned i = 0; i < GH_SQLITE_READERS_MAX; i++) {
        gh_sqlite_conn *c = atomic_load(&s->slot[i]);
        if (!c)
            continue;
        for (int q = 0; q < GH_RQ__COUNT; q++)
            sqlite3_finalize(c->st[q]);
        sqlite3_close_v2(c->db);
        free(c);
    }
    for (int q = 0; q < GH_WQ__COUNT; q++)
        sqlite3_finalize(s->wst[q]);
    if (s->wdb)
        sqlite3_close_v2(s->wdb);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->ckpt_cv);
    pthread_mutex_destroy(&s->ckpt_mu);
    free(s->uri);
    free(s);
}

/* Process-wide SQLite settings, before the library initialises: no memory statistics, which
 * otherwise take a global mutex around every allocation of every connection. If SQLite was
 * already initialised (by another user in this process), the call fails harmlessly. */
static void configure_sqlite(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (!gh_sqlite__vfs_register())
        gh_log(GH_LOG_WARN, "sqlite: WAL write coalescing unavailable; using the default VFS");
}

static const gh_store_vtables sq_vtables = {
    .clients = &sq_clients, .tokens = &sq_tokens, .keys = &sq_keys, .audit = &sq_audit,
    .catalog = &sq_catalog, .kv = &sq_kv, .users = &sq_users, .flows = &sq_flows,
    .sessions = &sq_sessions, .consents = &sq_consents, .counters = &sq_counters,
    .writer = &gh_sqlite__writer_ops};

gh_err gh_store_sqlite_open(const char *path, gh_store **out)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    gh_sqlite *s = NULL;
    gh_err err;

    *out = NULL;
    if (!path || !*path)
        return GH_EINVAL;
    pthread_once(&once, configure_sqlite);
    s = gh_xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_cond_init(&s->ckpt_cv, NULL);
    atomic_init(&s->ckpt_pending, false);
    atomic_init(&s->ckpt_done, false);
    atomic_init(&s->waiters, 0);
    if (strcmp(path, ":memory:") == 0) {
        unsigned char id[16];
        char hex[2 * sizeof(id) + 1];
        gh_rand_bytes(id, sizeof(id));
        gh_hex_encode(id, sizeof(id), hex);
        s->memory = true;
        s->uri = gh_xmalloc(64);
        int n = snprintf(s->uri, 64, "file:/gh-%s?vfs=memdb", hex);
        gh_assert(n > 0 && n < 64);
    } else {
        /* A plain path stays a file name: SQLITE_OPEN_URI only parses names that begin
         * with "file:". */
        s->uri = gh_xstrdup(path);
        /* Every connection sets synchronous=FULL, which the VFS relies on. */
        s->vfs = sqlite3_vfs_find(GH_SQLITE_VFS) ? GH_SQLITE_VFS : NULL;
    }
    err = gh_sqlite__connect(s, GH_SQLITE_WRITER, &s->wdb);
    if (err != GH_OK)
        goto done;
    if (!s->memory && (err = gh_sqlite__checkpointer_start(s)) != GH_OK)
        goto done;
    err = gh_store__new("sqlite", s, &sq_vtables, out);
    if (err == GH_OK)
        s = NULL; /* the store owns it now (and frees it through the writer's close) */
done:
    gh_sqlite__free(s);
    return err;
}
