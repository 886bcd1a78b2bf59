/*
 * test_sqlite.c - what only the SQLite backend can show, checked on the database file with
 * sqlite3 directly: the audit table refuses UPDATE and DELETE, a database migrated by a newer
 * gatehouse is refused, and the store's writes are in WAL mode; the reader pool serves more
 * threads than it has connections while commits land; checkpoints copy the WAL into the
 * database and keep it bounded under constant writes; a commit's WAL frames (which the
 * store's VFS buffers) are in the file, for any other connection, once the commit returns;
 * migration 0002 turns a database of 0001 into one whose grant index skips tokens without a
 * grant and still serves GRANT_REVOKE; migration 0003 turns a database of 0002 into one with
 * the flow tables, keeping its rows, and the revocation cascades and hot-path statements
 * search indexes. The behaviour every backend shares is in tests/store/test_store_contract.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/migrations.h"
#include "store/sqlite/sqlite.h"
#include "store/sqlite/sqlite_int.h"

typedef struct fx {
    char path[64];
} fx;

static void rm_db(const char *path)
{
    char p[96];
    unlink(path);
    (void)snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    (void)snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    (void)snprintf(f->path, sizeof(f->path), "/tmp/gh-test-sqlite-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    rm_db(f->path);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    rm_db(f->path);
    free(f);
    return 0;
}

/* Opens, migrates, appends two audit events, closes. */
static void populate(const char *path)
{
    gh_store *s = NULL;
    gh_arena *a = gh_arena_new(0);
    assert_int_equal(gh_store_sqlite_open(path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, NULL), GH_OK);
    for (int i = 0; i < 2; i++) {
        gh_audit_event e = {.time_us = 1, .type = GH_AUDIT_KEY_CREATED, .actor = "system"};
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_txn_audit(t, &e);
        assert_int_equal(gh_store_commit(s, t), GH_OK);
    }
    gh_store_free(s);
    gh_arena_free(a);
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static void test_audit_append_only(void **state)
{
    fx *f = *state;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;

    populate(f->path);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(exec(db, "UPDATE audit_events SET actor = 'x' WHERE seq = 1"),
                     SQLITE_CONSTRAINT);
    assert_non_null(strstr(sqlite3_errmsg(db), "append-only"));
    assert_int_equal(exec(db, "DELETE FROM audit_events WHERE seq = 2"), SQLITE_CONSTRAINT);
    assert_int_equal(exec(db, "DELETE FROM audit_events"), SQLITE_CONSTRAINT);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), max(seq) FROM audit_events", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 2);
    assert_int_equal(sqlite3_column_int(st, 1), 2);
    sqlite3_finalize(st);
    /* WAL mode and the schema version are recorded in the file. */
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM schema_migrations WHERE version = 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "0001_init");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_newer_database_refused(void **state)
{
    fx *f = *state;
    sqlite3 *db = NULL;
    gh_store *s = NULL;
    int applied = -1;

    populate(f->path);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(exec(db, "INSERT INTO schema_migrations VALUES (9999, '9999_future', 1)"),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, &applied), GH_ECONFLICT);
    assert_int_equal(applied, 0);
    gh_store_free(s);
}

/* Another process appending to the chain between batches does not fork it: the head is read
 * again inside each write transaction. */
static void test_chain_head_reread(void **state)
{
    fx *f = *state;
    gh_store *s = NULL, *s2 = NULL;
    gh_arena *a = gh_arena_new(0);
    gh_audit_event *all = NULL;
    size_t n = 0, bad = 0;
    unsigned char zero[GH_SHA256_LEN] = {0};

    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, NULL), GH_OK);
    assert_int_equal(gh_store_sqlite_open(f->path, &s2), GH_OK);
    for (int i = 0; i < 6; i++) {
        gh_audit_event e = {.time_us = i, .type = GH_AUDIT_KEY_CREATED, .actor = "system"};
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_txn_audit(t, &e);
        assert_int_equal(gh_store_commit(i % 2 ? s2 : s, t), GH_OK);
        assert_int_equal(e.seq, i + 1);
    }
    assert_int_equal(gh_store_audit_list(s, 0, 100, a, &all, &n), GH_OK);
    assert_int_equal(n, 6);
    assert_int_equal(gh_audit_verify(all, n, zero, &bad), GH_OK);
    gh_store_free(s2);
    gh_store_free(s);
    gh_arena_free(a);
}

/* The last column of the last row, into a buffer of at least 256 bytes. */
static int first_text(void *ud, int n, char **v, char **names)
{
    (void)names;
    char *out = ud;
    (void)snprintf(out, 256, "%s", n > 0 && v[n - 1] ? v[n - 1] : "");
    return 0;
}

/* ---- migration 0003: the flow tables, on a database of 0002 ---- */

/* Appends the last column of each row to the 1024-byte buffer ud ("; " between rows). */
static int all_text(void *ud, int n, char **v, char **names)
{
    (void)names;
    char *out = ud;
    size_t len = strlen(out);
    (void)snprintf(out + len, 1024 - len, "%s%s", len ? "; " : "",
                   n > 0 && v[n - 1] ? v[n - 1] : "");
    return 0;
}

/* The query plan of sql, every step. */
static void plan(sqlite3 *db, const char *sql, char out[1024])
{
    char q[768];
    out[0] = '\0';
    (void)snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
    assert_int_equal(sqlite3_exec(db, q, all_text, out, NULL), SQLITE_OK);
}

/* Builds the database an older gatehouse (schema 0002) left, with rows in it, straight from
 * the embedded migrations: the migrator's own table, 0001 and 0002, and their records. */
static void make_0002_database(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(exec(db, "PRAGMA journal_mode=WAL; CREATE TABLE schema_migrations "
                              "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at "
                              "INTEGER NOT NULL)"),
                     SQLITE_OK);
    for (unsigned i = 0; i < gh_migrations_sqlite_n; i++) {
        const gh_migration *m = &gh_migrations_sqlite[i];
        char rec[160];
        if (m->version > 2)
            continue;
        assert_int_equal(exec(db, m->sql), SQLITE_OK);
        (void)snprintf(rec, sizeof(rec), "INSERT INTO schema_migrations VALUES (%d, '%s', 1)",
                       m->version, m->name);
        assert_int_equal(exec(db, rec), SQLITE_OK);
    }
    assert_int_equal(
        exec(db, "INSERT INTO clients VALUES ('c1', '{\"client_name\":\"old\"}', NULL, NULL, "
                 "10, 11); "
                 "INSERT INTO tokens (id, kind, format, grant_id, client_id, subject, scope, "
                 "audience, catalog_version, issued_at, expires_at, revoked_at, request_id, "
                 "extra) VALUES "
                 "('t-live', 2, 'opaque', 'g1', 'c1', 'u_1', 'openid', '', 3, 100, 9000, 0, "
                 "'r1', '{\"x\":1}'), "
                 "('t-revoked', 1, 'jwt', 'g1', 'c1', 'u_1', 'openid', '', 3, 100, 9000, 150, "
                 "'r1', NULL), "
                 "('t-other', 1, 'jwt', NULL, 'c1', 'c1', 'dns:read', '', 3, 100, 9000, 0, "
                 "'r2', NULL); "
                 "INSERT INTO kv VALUES ('k', 'v')"),
        SQLITE_OK);
    sqlite3_close(db);
}

static void test_migration_0003_keeps_rows(void **state)
{
    fx *f = *state;
    gh_store *s = NULL;
    gh_arena *a = gh_arena_new(0);
    int applied = -1;
    gh_client *c = NULL;
    gh_token *t = NULL;
    char *v = NULL;

    make_0002_database(f->path);
    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, &applied), GH_OK);
    assert_int_equal(applied, (int)gh_migrations_sqlite_n - 2);

    /* The old rows, whole; the new column reads 0. */
    assert_int_equal(gh_store_client_get(s, "c1", a, &c), GH_OK);
    assert_string_equal(c->doc, "{\"client_name\":\"old\"}");
    assert_int_equal(c->updated_at, 11);
    assert_int_equal(gh_store_token_get(s, "t-live", a, &t), GH_OK);
    assert_int_equal(t->kind, GH_TOKEN_REFRESH);
    assert_string_equal(t->grant_id, "g1");
    assert_string_equal(t->subject, "u_1");
    assert_string_equal(t->extra, "{\"x\":1}");
    assert_int_equal(t->expires_at, 9000);
    assert_int_equal(t->revoked_at, 0);
    assert_int_equal(t->used_at, 0);
    assert_int_equal(gh_store_token_get(s, "t-revoked", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 150);
    assert_int_equal(t->used_at, 0);
    assert_int_equal(gh_store_kv_get(s, "k", a, &v), GH_OK);
    assert_string_equal(v, "v");

    /* The old rows take part in the new operations. */
    gh_store_txn *txn = gh_store_txn_new(a);
    gh_store_op op = {.kind = GH_OP_TOKEN_CONSUME};
    op.u.revoke.id = "t-live";
    op.u.revoke.at = 200;
    gh_store_txn_add(txn, &op);
    gh_consent k = {.subject = "u_1", .client_id = "c1", .scope = "openid",
                    .remembered_scope = "openid", .audience = "", .catalog_version = 3,
                    .granted_at = 200, .updated_at = 200};
    op.kind = GH_OP_CONSENT_PUT;
    op.u.consent = &k;
    gh_store_txn_add(txn, &op);
    assert_int_equal(gh_store_commit(s, txn), GH_OK);
    assert_int_equal(gh_store_token_get(s, "t-live", a, &t), GH_OK);
    assert_int_equal(t->used_at, 200);
    txn = gh_store_txn_new(a);
    op.kind = GH_OP_CONSENT_REVOKE;
    op.u.consent_ref.subject = "u_1";
    op.u.consent_ref.client_id = "c1";
    op.u.consent_ref.at = 300;
    gh_store_txn_add(txn, &op);
    assert_int_equal(gh_store_commit(s, txn), GH_OK);
    assert_int_equal(gh_store_token_get(s, "t-live", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 300);
    assert_int_equal(gh_store_token_get(s, "t-revoked", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 150);
    assert_int_equal(gh_store_token_get(s, "t-other", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 0);
    assert_int_equal(gh_store_migrate(s, &applied), GH_OK);
    assert_int_equal(applied, 0);
    gh_store_free(s);

    sqlite3 *db = NULL;
    char text[1024] = "";
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "SELECT name FROM schema_migrations WHERE version = 3",
                                  first_text, text, NULL),
                     SQLITE_OK);
    assert_string_equal(text, "0003_flows");
    assert_int_equal(sqlite3_exec(db, "PRAGMA integrity_check", first_text, text, NULL),
                     SQLITE_OK);
    assert_string_equal(text, "ok");
    sqlite3_close(db);
    gh_arena_free(a);
}

/* The statements of the revocation cascades and of the hot paths search an index (the same
 * SQL as sqlite_write.c): none of them scans a table. */
static void test_flow_statements_use_indexes(void **state)
{
    fx *f = *state;
    sqlite3 *db = NULL;
    char text[1024];
    static const struct {
        const char *sql;
        const char *index;
    } want[] = {
        /* CONSENT_REVOKE with a client, and without (as USER_DELETE) */
        {"UPDATE tokens SET revoked_at = 1 WHERE client_id = 'c' AND subject = 'u' AND "
         "revoked_at = 0",
         "USING INDEX tokens_client_subject (client_id=? AND subject=?)"},
        {"WITH RECURSIVE c(id) AS (SELECT (SELECT min(client_id) FROM tokens) UNION ALL "
         "SELECT (SELECT min(client_id) FROM tokens WHERE client_id > c.id) FROM c "
         "WHERE c.id IS NOT NULL) "
         "UPDATE tokens SET revoked_at = 1 WHERE client_id IN (SELECT id FROM c) AND "
         "subject = 'u' AND revoked_at = 0",
         "USING INDEX tokens_client_subject (client_id=? AND subject=?)"},
        /* CLIENT_DELETE */
        {"UPDATE tokens SET revoked_at = 1 WHERE client_id = 'c' AND revoked_at = 0",
         "USING INDEX tokens_client_subject (client_id=?)"},
        /* TOKEN_CONSUME: by primary key */
        {"UPDATE tokens SET used_at = 1 WHERE id = 'x' AND used_at = 0 AND revoked_at = 0",
         "USING INDEX sqlite_autoindex_tokens_1 (id=?)"},
        /* CONSENT_TOUCH, CONSENT_REVOKE and the account page's list */
        {"UPDATE consents SET last_used_at = 1 WHERE subject = 'u' AND client_id = 'c'",
         "USING PRIMARY KEY (subject=? AND client_id=?)"},
        {"SELECT * FROM consents WHERE subject = 'u' AND client_id > 'c' AND revoked_at = 0 "
         "ORDER BY client_id LIMIT 5",
         "USING PRIMARY KEY (subject=? AND client_id>?)"},
        {"UPDATE sessions SET revoked_at = 1 WHERE subject = 'u' AND revoked_at = 0",
         "USING INDEX sessions_subject (subject=?)"},
        {"SELECT * FROM users WHERE username = 'alice'",
         "USING INDEX sqlite_autoindex_users_2 (username=?)"},
        /* PURGE_EXPIRED */
        {"DELETE FROM flows WHERE expires_at > 0 AND expires_at < 5",
         "USING INDEX flows_expires_at (expires_at>? AND expires_at<?)"},
        {"DELETE FROM sessions WHERE expires_at > 0 AND expires_at < 5",
         "USING INDEX sessions_expires_at (expires_at>? AND expires_at<?)"},
    };

    populate(f->path);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        plan(db, want[i].sql, text);
        /* (The walk's own steps, SCAN c and SCAN CONSTANT ROW, read no table.) */
        if (!strstr(text, want[i].index) || strstr(text, "SCAN tokens") ||
            strstr(text, "SCAN consents") || strstr(text, "SCAN sessions") ||
            strstr(text, "SCAN users") || strstr(text, "SCAN flows")) {
            print_error("%s\n  plan: %s\n  want: %s\n", want[i].sql, text, want[i].index);
            fail();
        }
    }
    sqlite3_close(db);
}

/* ---- the reader pool under more threads than connections ---- */

#define RP_THREADS 24 /* more than GH_SQLITE_READERS_MAX (16): some must wait for a connection */
#define RP_TOKENS 50
#define RP_READS 400

typedef struct rp_arg {
    gh_store *s;
    int thread;
    atomic_int *bad;
} rp_arg;

static void rp_token(gh_token *t, char *id, size_t n, int i)
{
    (void)snprintf(id, n, "rp-%d", i);
    *t = (gh_token){.id = id,
                    .kind = GH_TOKEN_ACCESS,
                    .format = "opaque",
                    .client_id = "c",
                    .subject = "c",
                    .scope = "a b",
                    .audience = "",
                    .catalog_version = 1,
                    .issued_at = 100 + i,
                    .expires_at = 1000 + i};
}

static void *rp_reader(void *p)
{
    rp_arg *arg = p;
    for (int k = 0; k < RP_READS; k++) {
        gh_arena *a = gh_arena_new(0);
        char id[32];
        int i = (arg->thread * 7 + k) % RP_TOKENS;
        gh_token *t = NULL;
        (void)snprintf(id, sizeof(id), "rp-%d", i);
        /* Every token read must come back whole: right id, right times. */
        if (gh_store_token_get(arg->s, id, a, &t) != GH_OK || strcmp(t->id, id) != 0 ||
            t->issued_at != 100 + i || t->expires_at != 1000 + i || strcmp(t->scope, "a b") != 0)
            atomic_fetch_add(arg->bad, 1);
        gh_arena_free(a);
    }
    return NULL;
}

static void *rp_writer(void *p)
{
    rp_arg *arg = p;
    for (int k = 0; k < 100; k++) {
        gh_arena *a = gh_arena_new(0);
        char id[32];
        gh_token t;
        rp_token(&t, id, sizeof(id), RP_TOKENS + k);
        gh_store_txn *txn = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
        op.u.token = &t;
        gh_store_txn_add(txn, &op);
        if (gh_store_commit(arg->s, txn) != GH_OK)
            atomic_fetch_add(arg->bad, 1);
        gh_arena_free(a);
    }
    return NULL;
}

static void test_reader_pool_concurrent(void **state)
{
    fx *f = *state;
    gh_store *s = NULL;
    gh_arena *a = gh_arena_new(0);
    atomic_int bad = 0;
    pthread_t th[RP_THREADS + 1];
    rp_arg args[RP_THREADS + 1];

    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, NULL), GH_OK);
    gh_store_txn *txn = gh_store_txn_new(a);
    gh_token toks[RP_TOKENS];
    char ids[RP_TOKENS][32];
    for (int i = 0; i < RP_TOKENS; i++) {
        rp_token(&toks[i], ids[i], sizeof(ids[i]), i);
        gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
        op.u.token = &toks[i];
        gh_store_txn_add(txn, &op);
    }
    assert_int_equal(gh_store_commit(s, txn), GH_OK);

    for (int i = 0; i <= RP_THREADS; i++) {
        args[i] = (rp_arg){.s = s, .thread = i, .bad = &bad};
        assert_int_equal(pthread_create(&th[i], NULL, i == RP_THREADS ? rp_writer : rp_reader,
                                        &args[i]),
                         0);
    }
    for (int i = 0; i <= RP_THREADS; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(atomic_load(&bad), 0);

    /* What the writer committed meanwhile is visible to every reader afterwards. */
    gh_token *t = NULL;
    assert_int_equal(gh_store_token_get(s, "rp-149", a, &t), GH_OK);
    assert_int_equal(t->expires_at, 1149);
    assert_int_equal(gh_store_token_get(s, "rp-150", a, &t), GH_ENOTFOUND);
    gh_store_free(s);
    gh_arena_free(a);
}

/* ---- the WAL-coalescing VFS ---- */

static int count_rows(void *ud, int n, char **v, char **names)
{
    (void)n;
    (void)names;
    *(long *)ud = v[0] ? strtol(v[0], NULL, 10) : -1;
    return 0;
}

/* After each commit returns, a connection of SQLite's default VFS (as another process would
 * have) sees exactly the rows committed so far, and the audit chain is intact. */
static void test_commit_visible_to_other_connections(void **state)
{
    fx *f = *state;
    gh_store *s = NULL;
    sqlite3 *db = NULL;

    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, NULL), GH_OK);
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (int k = 1; k <= 40; k++) {
        gh_arena *a = gh_arena_new(0);
        gh_store_txn *t = gh_store_txn_new(a);
        /* Commits of 1 to 40 pages of rows: some fill the VFS's buffer more than once. */
        for (int i = 0; i < k * 10; i++) {
            gh_token *tok = GH_ARENA_NEW(a, gh_token);
            *tok = (gh_token){.id = gh_arena_printf(a, "v-%d-%d", k, i),
                              .kind = GH_TOKEN_ACCESS,
                              .format = "opaque",
                              .client_id = "c",
                              .scope = "a b c d e f g h i j k l m n o p q r s t u v w x y z",
                              .catalog_version = 1,
                              .issued_at = 1,
                              .expires_at = 2,
                              .request_id = "0f6c1d6e-7a52-4d7e-9a0c-3b1f2b7c9d10"};
            gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
            op.u.token = tok;
            gh_store_txn_add(t, &op);
        }
        gh_audit_event e = {.time_us = k, .type = GH_AUDIT_KEY_CREATED, .actor = "system"};
        gh_store_txn_audit(t, &e);
        assert_int_equal(gh_store_commit(s, t), GH_OK);
        long n = 0;
        assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM tokens", count_rows, &n, NULL),
                         SQLITE_OK);
        assert_int_equal(n, 10L * k * (k + 1) / 2);
        assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM audit_events", count_rows, &n,
                                      NULL),
                         SQLITE_OK);
        assert_int_equal(n, k);
        gh_arena_free(a);
    }
    assert_int_equal(sqlite3_exec(db, "PRAGMA integrity_check", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    gh_arena *a = gh_arena_new(0);
    gh_audit_event *all = NULL;
    size_t n = 0, bad = 0;
    unsigned char zero[GH_SHA256_LEN] = {0};
    assert_int_equal(gh_store_audit_list(s, 0, 100, a, &all, &n), GH_OK);
    assert_int_equal(n, 40);
    assert_int_equal(gh_audit_verify(all, n, zero, &bad), GH_OK);
    gh_store_free(s);
    gh_arena_free(a);
}

/* ---- checkpoints under constant writes ---- */

static long file_size(const char *path, const char *suffix)
{
    char p[96];
    struct stat st;
    (void)snprintf(p, sizeof(p), "%s%s", path, suffix);
    return stat(p, &st) == 0 ? (long)st.st_size : 0;
}

/* 64 MiB of token rows in 160 commits: four times what makes a commit ask for a checkpoint
 * (GH_SQLITE_CKPT_PAGES pages of 4 KiB). The background checkpoints must copy them into the
 * database file and the WAL must start over instead of holding all of it. */
static void test_checkpoint_bounds_wal(void **state)
{
    fx *f = *state;
    gh_store *s = NULL;
    enum { TXNS = 160, PER = 100, EXTRA = 4096 };
    char *extra = malloc(EXTRA + 3);
    long wal_max = 0;

    extra[0] = '"';
    memset(extra + 1, 'x', EXTRA);
    extra[EXTRA + 1] = '"';
    extra[EXTRA + 2] = 0;
    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, NULL), GH_OK);
    for (int k = 0; k < TXNS; k++) {
        gh_arena *a = gh_arena_new(0);
        gh_store_txn *t = gh_store_txn_new(a);
        for (int i = 0; i < PER; i++) {
            gh_token *tok = GH_ARENA_NEW(a, gh_token);
            *tok = (gh_token){.id = gh_arena_printf(a, "ck-%d-%d", k, i),
                              .kind = GH_TOKEN_ACCESS,
                              .format = "opaque",
                              .client_id = "c",
                              .catalog_version = 1,
                              .issued_at = 1,
                              .expires_at = 2,
                              .extra = extra};
            gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
            op.u.token = tok;
            gh_store_txn_add(t, &op);
        }
        assert_int_equal(gh_store_commit(s, t), GH_OK);
        gh_arena_free(a);
        long w = file_size(f->path, "-wal");
        if (w > wal_max)
            wal_max = w;
    }
    /* Whatever the background checkpointer managed, the writer's own checkpoints at
     * GH_SQLITE_WAL_HARD_PAGES have copied at least that much into the database file. */
    assert_in_range(file_size(f->path, ""), 32L * 1024 * 1024, 1L << 40);
    assert_in_range(wal_max, 1, 48L * 1024 * 1024);

    gh_arena *a = gh_arena_new(0);
    gh_token *got = NULL;
    assert_int_equal(gh_store_token_get(s, "ck-0-0", a, &got), GH_OK);
    assert_int_equal(strlen(got->extra), EXTRA + 2);
    assert_int_equal(gh_store_token_get(s, "ck-159-99", a, &got), GH_OK);
    gh_store_free(s);
    /* Reopened, everything is there. */
    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_token_get(s, "ck-50-50", a, &got), GH_OK);
    assert_int_equal(got->expires_at, 2);
    gh_store_free(s);
    gh_arena_free(a);
    free(extra);
}

static int64_t pragma_i64(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Memory is bounded per connection (sqlite_int.h): readers map 1 MiB of the database, the
 * writer and the checkpointer none; each page cache has its set size. */
static void test_connection_memory_bounds(void **state)
{
    fx *f = *state;
    gh_store *s = NULL;
    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, NULL), GH_OK);
    static const struct {
        gh_sqlite_role role;
        int64_t mmap, cache;
    } want[] = {
        {GH_SQLITE_READER, 1048576, -2000},
        {GH_SQLITE_WRITER, 0, -2000},
        {GH_SQLITE_CHECKPOINTER, 0, -64},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        sqlite3 *db = NULL;
        assert_int_equal(gh_sqlite__connect(s->h, want[i].role, &db), GH_OK);
        assert_int_equal(pragma_i64(db, "PRAGMA mmap_size"), want[i].mmap);
        assert_int_equal(pragma_i64(db, "PRAGMA cache_size"), want[i].cache);
        assert_int_equal(pragma_i64(db, "PRAGMA synchronous"), 2); /* FULL */
        assert_int_equal(pragma_i64(db, "PRAGMA query_only"),
                         want[i].role == GH_SQLITE_READER);
        sqlite3_close_v2(db);
    }
    gh_store_free(s);
}

/* ---- migration 0005: grant revocations instead of the grant index ---- */

static gh_err commit_op(gh_store *s, gh_arena *a, const gh_store_op *op)
{
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_txn_add(t, op);
    return gh_store_commit(s, t);
}

static void test_migration_0005_grant_revocations(void **state)
{
    fx *f = *state;
    gh_store *s = NULL;
    gh_arena *a = gh_arena_new(0);
    gh_token *t = NULL;
    sqlite3 *db = NULL;
    char text[1024] = "";

    make_0002_database(f->path);
    assert_int_equal(gh_store_sqlite_open(f->path, &s), GH_OK);
    assert_int_equal(gh_store_migrate(s, NULL), GH_OK);

    /* The revocations made before stay; the grant is revoked by one row now. */
    assert_int_equal(gh_store_token_get(s, "t-revoked", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 150);
    gh_store_op op = {.kind = GH_OP_GRANT_REVOKE};
    op.u.revoke.id = "g1";
    op.u.revoke.at = 500;
    assert_int_equal(commit_op(s, a, &op), GH_EINVAL); /* the client is required */
    op.u.revoke.client_id = "c1";
    op.u.revoke.subject = "u_1";
    assert_int_equal(commit_op(s, a, &op), GH_OK);
    op.u.revoke.at = 700; /* again: the first time stays */
    assert_int_equal(commit_op(s, a, &op), GH_OK);
    assert_int_equal(gh_store_token_get(s, "t-live", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 500);
    assert_int_equal(gh_store_token_get(s, "t-revoked", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 150);
    assert_int_equal(gh_store_token_get(s, "t-other", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 0);

    /* A token inserted into the revoked grant later is revoked too, and cannot be used. */
    gh_token nt = {.id = "t-new", .kind = GH_TOKEN_REFRESH, .format = "opaque", .grant_id = "g1",
                   .client_id = "c1", .subject = "u_1", .scope = "openid", .audience = "",
                   .catalog_version = 3, .issued_at = 800, .expires_at = 20000};
    gh_store_op ins = {.kind = GH_OP_TOKEN_INSERT};
    ins.u.token = &nt;
    assert_int_equal(commit_op(s, a, &ins), GH_OK);
    assert_int_equal(gh_store_token_get(s, "t-new", a, &t), GH_OK);
    assert_int_equal(t->revoked_at, 500);
    gh_store_op use = {.kind = GH_OP_TOKEN_CONSUME};
    use.u.revoke.id = "t-new";
    use.u.revoke.at = 900;
    assert_int_equal(commit_op(s, a, &use), GH_ECONFLICT);
    assert_int_equal(gh_store_token_get(s, "t-new", a, &t), GH_OK);
    assert_int_equal(t->used_at, 0);

    /* A purge keeps the revocation while a token of the grant is left (t-new until 20000),
     * then drops it. */
    gh_store_op purge = {.kind = GH_OP_PURGE_EXPIRED};
    purge.u.purge.before = 10000;
    assert_int_equal(commit_op(s, a, &purge), GH_OK);
    assert_int_equal(gh_store_token_get(s, "t-live", a, &t), GH_ENOTFOUND);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM grant_revocations", first_text, text,
                                  NULL),
                     SQLITE_OK);
    assert_string_equal(text, "1");
    purge.u.purge.before = 30000;
    assert_int_equal(commit_op(s, a, &purge), GH_OK);
    assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM grant_revocations", first_text, text,
                                  NULL),
                     SQLITE_OK);
    assert_string_equal(text, "0");

    /* The index is gone, and no statement on the hot paths scans a table for it. */
    text[0] = '\0';
    assert_int_equal(sqlite3_exec(db, "SELECT name FROM sqlite_master WHERE name = "
                                      "'tokens_grant_id'",
                                  first_text, text, NULL),
                     SQLITE_OK);
    assert_string_equal(text, "");
    plan(db,
         "UPDATE tokens SET used_at = 1 WHERE id = 'x' AND used_at = 0 AND revoked_at = 0 AND "
         "NOT EXISTS (SELECT 1 FROM grant_revocations g WHERE g.grant_id = tokens.grant_id)",
         text);
    assert_null(strstr(text, "SCAN"));
    plan(db,
         "DELETE FROM grant_revocations WHERE revoked_at < 1 AND NOT EXISTS (SELECT 1 FROM "
         "tokens t WHERE t.client_id = grant_revocations.client_id AND t.subject IS "
         "grant_revocations.subject AND t.grant_id = grant_revocations.grant_id)",
         text);
    assert_non_null(strstr(text, "tokens_client_subject"));
    sqlite3_close(db);
    gh_store_free(s);
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_head_reread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_0005_grant_revocations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_0003_keeps_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_statements_use_indexes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_pool_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_memory_bounds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_bounds_wal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_visible_to_other_connections, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
