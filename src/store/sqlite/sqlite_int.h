/*
 * sqlite_int.h - private to the SQLite backend (sqlite.c: open, reader pool, reads;
 * sqlite_write.c: the writer operations and the migrator).
 */
#ifndef GH_STORE_SQLITE_SQLITE_INT_H
#define GH_STORE_SQLITE_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define GH_SQLITE_READERS_MAX 16
#define GH_SQLITE_BUSY_MS 5000
/* A WAL larger than this (in pages) after a passive checkpoint is truncated (section 5 of
 * sqlite_write.c). */
#define GH_SQLITE_WAL_TRUNCATE_PAGES 16384
/* A commit that leaves at least this many pages in the WAL asks for a checkpoint. */
#define GH_SQLITE_CKPT_PAGES 4000
/* The hard bound: a commit that leaves this many pages (32 MiB) in the WAL, because the
 * background checkpoints fall behind, checkpoints on the writer thread before the next batch.
 * That holds writers back, which is the point: the WAL cannot outgrow it by more than one
 * batch. */
#define GH_SQLITE_WAL_HARD_PAGES 8192
#define GH_SQLITE_JOURNAL_LIMIT (64 * 1024 * 1024)
/* Memory per connection (plain numbers: they are pasted into PRAGMAs). Peak RSS is bounded
 * by the sum over connections: a mapping (PRAGMA mmap_size) counts every page of the file it
 * has touched, separately for each connection that mapped it, and a page cache (PRAGMA
 * cache_size, KiB) is the connection's own heap. Mapping the whole database made RSS grow
 * with the file (the writer's random inserts touch all of it: 72 MiB of an 80 MiB database
 * after the benchmark). So:
 *  - readers map the first GH_SQLITE_READER_MMAP bytes: the schema and the b-trees' root and
 *    upper pages, created first, which every lookup reads and which a reader's cache loses
 *    after every commit (WAL), come without a pread; the rest goes through the cache;
 *  - the writer maps nothing: its cache survives its own commits, and a pread per missed
 *    page costs it nothing measurable (bench/store_commit commit);
 *  - the checkpointer maps nothing and keeps a tiny cache: it copies WAL frames.
 * Worst case, GH_SQLITE_READERS_MAX readers: 16 x (1 + 2) MiB, plus the writer's 2 MiB. */
#define GH_SQLITE_READER_MMAP 1048576
#define GH_SQLITE_READER_CACHE_KIB 2000
#define GH_SQLITE_WRITER_MMAP 0
#define GH_SQLITE_WRITER_CACHE_KIB 2000
/* CONSENT_TOUCH writes only when last_used_at is older than this (store.h). */
#define GH_SQLITE_TOUCH_SECONDS 60
#define GH_XSTR_(x) #x
#define GH_XSTR(x) GH_XSTR_(x)

/* Reader statements, prepared once per reader connection. */
typedef enum gh_sqlite_rq {
    GH_RQ_CLIENT_GET,
    GH_RQ_CLIENT_LIST,
    GH_RQ_CLIENT_LIST_AFTER,
    GH_RQ_TOKEN_GET,
    GH_RQ_KEY_LIST,
    GH_RQ_AUDIT_LIST,
    GH_RQ_AUDIT_Q_TOKEN,   /* the filtered audit read, led by the token_id index */
    GH_RQ_AUDIT_Q_SUBJECT, /* ... the subject index */
    GH_RQ_AUDIT_Q_CLIENT,  /* ... the client_id index */
    GH_RQ_AUDIT_Q_TYPE,    /* ... the type index */
    GH_RQ_AUDIT_Q_ALL,     /* ... seq alone */
    GH_RQ_CATALOG_LATEST,
    GH_RQ_CATALOG_GET,
    GH_RQ_KV_GET,
    GH_RQ_USER_GET,
    GH_RQ_USER_GET_BY_USERNAME,
    GH_RQ_USER_LIST,
    GH_RQ_USER_LIST_AFTER,
    GH_RQ_FLOW_GET,
    GH_RQ_SESSION_GET,
    GH_RQ_CONSENT_GET,
    GH_RQ_CONSENT_LIST,
    GH_RQ_CONSENT_LIST_AFTER,
    GH_RQ_COUNTER_GET,
    GH_RQ__COUNT
} gh_sqlite_rq;

/* Writer statements, prepared once on the writer connection. */
typedef enum gh_sqlite_wq {
    GH_WQ_BEGIN,
    GH_WQ_COMMIT,
    GH_WQ_ROLLBACK,
    GH_WQ_SAVEPOINT,
    GH_WQ_RELEASE,
    GH_WQ_ROLLBACK_TO,
    GH_WQ_CLIENT_INSERT,
    GH_WQ_CLIENT_UPDATE,
    GH_WQ_CLIENT_DELETE,
    GH_WQ_CLIENT_TOKENS_REVOKE,
    GH_WQ_TOKEN_INSERT,
    GH_WQ_TOKEN_REVOKE,
    GH_WQ_TOKEN_EXISTS,
    GH_WQ_GRANT_REVOKE,
    GH_WQ_JTI_UPSERT,
    GH_WQ_KEY_INSERT,
    GH_WQ_KEY_UPDATE,
    GH_WQ_CATALOG_INSERT,
    GH_WQ_KV_INSERT,
    GH_WQ_KV_PUT,
    GH_WQ_AUDIT_HEAD,
    GH_WQ_AUDIT_INSERT,
    GH_WQ_PURGE_JTIS,
    GH_WQ_PURGE_TOKENS,
    GH_WQ_PURGE_FLOWS,
    GH_WQ_PURGE_SESSIONS,
    GH_WQ_PURGE_GRANT_REVOCATIONS,
    GH_WQ_TOKEN_CONSUME,
    GH_WQ_USER_INSERT,
    GH_WQ_USER_UPDATE,
    GH_WQ_USER_DELETE,
    GH_WQ_SUBJECT_TOKENS_REVOKE,
    GH_WQ_SUBJECT_CLIENT_TOKENS_REVOKE,
    GH_WQ_SUBJECT_CONSENTS_REVOKE,
    GH_WQ_SUBJECT_SESSIONS_REVOKE,
    GH_WQ_FLOW_INSERT,
    GH_WQ_FLOW_UPDATE,
    GH_WQ_FLOW_EXISTS,
    GH_WQ_SESSION_INSERT,
    GH_WQ_SESSION_REVOKE,
    GH_WQ_SESSION_EXISTS,
    GH_WQ_CONSENT_PUT,
    GH_WQ_CONSENT_TOUCH,
    GH_WQ_CONSENT_REVOKE,
    GH_WQ_COUNTER_HIT,
    GH_WQ_COUNTER_RESET,
    GH_WQ__COUNT
} gh_sqlite_wq;

typedef struct gh_sqlite_conn {
    sqlite3 *db;
    sqlite3_stmt *st[GH_RQ__COUNT];
    atomic_bool busy; /* taken by a reader (sqlite.c, conn_take) */
} gh_sqlite_conn;

/* The chain head: the last committed (or, inside a transaction, applied) audit event. */
typedef struct gh_sqlite_head {
    bool loaded;
    int64_t seq;
    unsigned char hash[GH_SHA256_LEN];
} gh_sqlite_head;

typedef struct gh_sqlite {
    char *uri;
    bool memory;
    const char *vfs; /* GH_SQLITE_VFS, or NULL for SQLite's default */
    /* Writer thread only. */
    sqlite3 *wdb;
    sqlite3_stmt *wst[GH_WQ__COUNT];
    gh_sqlite_head head;    /* re-read in every transaction, then kept current */
    gh_sqlite_head sp_head; /* the head when the current savepoint was taken */
    /* The reader pool: slots fill from 0 and are never emptied before close. A reader takes
     * a connection with one atomic exchange on its busy flag; mu and cv serve only to open
     * a connection and to wait when every one is busy. */
    _Atomic(gh_sqlite_conn *) slot[GH_SQLITE_READERS_MAX];
    atomic_uint waiters; /* readers waiting on cv */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned n_open; /* under mu */
    /* The checkpointer (sqlite_write.c, section 5): a thread with a connection of its own,
     * so that copying the WAL into the database never holds up a batch. */
    sqlite3 *cdb;
    pthread_t ckpt_thread;
    bool ckpt_started;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    bool ckpt_requested; /* under ckpt_mu */
    bool ckpt_stop;      /* under ckpt_mu */
    atomic_bool ckpt_pending; /* requested and not yet started: no need to signal again */
    atomic_bool ckpt_done;    /* a background checkpoint finished: the writer completes it */
} gh_sqlite;

/* What a connection is for: its pragmas differ. */
typedef enum gh_sqlite_role {
    GH_SQLITE_WRITER,       /* the group-commit writer's (creates the database) */
    GH_SQLITE_READER,       /* one of the reader pool */
    GH_SQLITE_CHECKPOINTER  /* the checkpointer thread's */
} gh_sqlite_role;

/* Opens a connection to s->uri with the pragmas its role needs. */
GH_MUST_CHECK gh_err gh_sqlite__connect(gh_sqlite *s, gh_sqlite_role role, sqlite3 **out);
/* Maps a failed step to gh_err: ECONFLICT for a uniqueness violation, EINVAL for another
 * constraint, ESTORE (logged) otherwise. */
gh_err gh_sqlite__err(sqlite3 *db, int rc, const char *what);

/* Starts the checkpointer thread and its connection (a file database only). */
GH_MUST_CHECK gh_err gh_sqlite__checkpointer_start(gh_sqlite *s);
/* Stops it (after a checkpoint in progress) and closes its connection. */
void gh_sqlite__checkpointer_stop(gh_sqlite *s);

/* The name of the VFS that coalesces WAL writes (sqlite_vfs.c); only for connections with
 * synchronous=FULL. */
#define GH_SQLITE_VFS "gh-walbuf"
/* Registers it (once per process, before the first connection); false if it cannot be. */
bool gh_sqlite__vfs_register(void);

/* Closes every connection and frees s. NULL is OK. */
void gh_sqlite__free(gh_sqlite *s);

extern const gh_store_writer_ops gh_sqlite__writer_ops;

#endif
