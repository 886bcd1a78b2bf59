/*
 * test_sqlite.c - what only the SQLite backend can show, checked on the database file with
 * sqlite3 directly: the audit table refuses UPDATE and DELETE, a database migrated by a newer
 * gatehouse is refused, and the store's writes are in WAL mode. The behaviour every backend
 * shares is in tests/store/test_store_contract.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite/sqlite.h"

typedef struct fx {
    char path[64];
} fx;

static void rm_db(const char *path)
{
    char p[96];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    snprintf(f->path, sizeof(f->path), "/tmp/gh-test-sqlite-XXXXXX");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_head_reread, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
