/*
 * test_store_contract.c - the store contract suite: every backend must pass it unchanged.
 *
 * Usage: store_contract <backend>, backend = mem | sqlite | postgres. sqlite runs on a
 * temporary file (and once on ":memory:"), so durability across reopen is tested too;
 * postgres prints a visible SKIP line unless GH_TEST_PG is set.
 * It checks behaviour through the public store interface only: no backend header beyond the
 * open functions, no SQL. The SQLite-only checks (append-only triggers, a database newer than
 * the binary) live in tests/unit/store/test_sqlite.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/digest.h"
#include "store/mem/mem.h"
#include "store/sqlite/sqlite.h"
#include "store/store.h"

typedef struct fixture {
    const char *backend;
    char path[256]; /* sqlite: the database file */
    gh_store *s;
    gh_arena *a;
} fixture;

/* The backend under test, from argv[1]. Set once in main before any test runs. */
static const char *g_backend;

static gh_err open_store(fixture *f)
{
    if (strcmp(f->backend, "mem") == 0)
        return gh_store_mem_open(&f->s);
    if (strcmp(f->backend, "sqlite-memory") == 0)
        return gh_store_sqlite_open(":memory:", &f->s);
    return gh_store_sqlite_open(f->path, &f->s);
}

static void remove_db(const char *path)
{
    char p[300];
    unlink(path);
    snprintf(p, sizeof(p), "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof(p), "%s-shm", path);
    unlink(p);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    int applied = -1;
    f->backend = g_backend;
    if (strcmp(f->backend, "sqlite") == 0) {
        snprintf(f->path, sizeof(f->path), "/tmp/gh-store-contract-XXXXXX");
        int fd = mkstemp(f->path);
        assert_true(fd >= 0);
        close(fd);
        remove_db(f->path);
    }
    assert_int_equal(open_store(f), GH_OK);
    assert_int_equal(gh_store_migrate(f->s, &applied), GH_OK);
    if (strcmp(f->backend, "mem") != 0)
        assert_true(applied >= 1);
    f->a = gh_arena_new(0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gh_store_free(f->s);
    gh_arena_free(f->a);
    if (f->path[0])
        remove_db(f->path);
    free(f);
    return 0;
}

/* ---- helpers ---- */

static gh_err commit1(gh_store *s, const gh_store_op *op)
{
    gh_arena *a = gh_arena_new(0);
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_txn_add(t, op);
    gh_err e = gh_store_commit(s, t);
    gh_arena_free(a);
    return e;
}

static gh_client mk_client(const char *id, const char *doc, int64_t at)
{
    gh_client c = {.client_id = id, .doc = doc, .created_at = at, .updated_at = at};
    c.has_secret = true;
    memset(c.secret_hash, 0xab, sizeof(c.secret_hash));
    return c;
}

static gh_err client_op(gh_store *s, gh_store_op_kind kind, const gh_client *c)
{
    gh_store_op op = {.kind = kind};
    op.u.client = c;
    return commit1(s, &op);
}

static gh_token mk_token(const char *id, const char *grant, const char *client, int64_t exp)
{
    gh_token t = {.id = id,
                  .kind = GH_TOKEN_ACCESS,
                  .format = "jwt",
                  .grant_id = grant,
                  .client_id = client,
                  .subject = "alice",
                  .scope = "dns:read logs:read",
                  .audience = "https://api.example",
                  .catalog_version = 3,
                  .issued_at = 1000,
                  .expires_at = exp,
                  .request_id = "req-1",
                  .extra = "{\"dpop_jkt\":\"abc\"}"};
    return t;
}

static gh_err token_insert(gh_store *s, const gh_token *t)
{
    gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
    op.u.token = t;
    return commit1(s, &op);
}

static gh_err revoke_op(gh_store *s, gh_store_op_kind kind, const char *id, int64_t at)
{
    gh_store_op op = {.kind = kind};
    op.u.revoke.id = id;
    op.u.revoke.at = at;
    return commit1(s, &op);
}

static gh_err grant_revoke_op(gh_store *s, const char *grant, const char *client, int64_t at)
{
    gh_store_op op = {.kind = GH_OP_GRANT_REVOKE};
    op.u.revoke.id = grant;
    op.u.revoke.at = at;
    op.u.revoke.client_id = client;
    op.u.revoke.subject = "alice";
    return commit1(s, &op);
}

static gh_err jti_op(gh_store *s, const char *ns, const char *jti, int64_t exp, int64_t now)
{
    gh_store_op op = {.kind = GH_OP_JTI_INSERT};
    op.u.jti.ns = ns;
    op.u.jti.jti = jti;
    op.u.jti.expires_at = exp;
    op.u.jti.now = now;
    return commit1(s, &op);
}

static gh_err kv_op(gh_store *s, gh_store_op_kind kind, const char *k, const char *v)
{
    gh_store_op op = {.kind = kind};
    op.u.kv.key = k;
    op.u.kv.value = v;
    return commit1(s, &op);
}

static gh_audit_event mk_event(const char *type, const char *token_id)
{
    gh_audit_event e = {.time_us = 1700000000000000LL,
                        .type = type,
                        .actor = "client:c1",
                        .client_id = "c1",
                        .subject = "alice",
                        .token_id = token_id,
                        .scope = "dns:read",
                        .request_id = "req-1",
                        .data = "{\"grant_type\":\"client_credentials\"}"};
    return e;
}

static int64_t revoked_at(gh_store *s, gh_arena *a, const char *id)
{
    gh_token *t = NULL;
    assert_int_equal(gh_store_token_get(s, id, a, &t), GH_OK);
    return t->revoked_at;
}

/* Reads the whole audit trail (in pages of 7, to exercise paging) and checks its chain. */
static size_t audit_check(gh_store *s, gh_arena *a, gh_audit_event **out)
{
    gh_audit_event *all = NULL;
    size_t n = 0, cap = 0;
    int64_t after = 0;
    for (;;) {
        gh_audit_event *page = NULL;
        size_t pn = 0;
        assert_int_equal(gh_store_audit_list(s, after, 7, a, &page, &pn), GH_OK);
        if (pn == 0)
            break;
        assert_true(pn <= 7);
        if (n + pn > cap) {
            cap = (n + pn) * 2;
            gh_audit_event *grown = gh_arena_alloc(a, cap * sizeof(*grown));
            if (n)
                memcpy(grown, all, n * sizeof(*grown));
            all = grown;
        }
        memcpy(all + n, page, pn * sizeof(*page));
        n += pn;
        after = page[pn - 1].seq;
    }
    unsigned char zero[GH_SHA256_LEN] = {0};
    size_t bad = (size_t)-1;
    assert_int_equal(gh_audit_verify(all, n, zero, &bad), GH_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i].seq, (int64_t)i + 1);
    if (out)
        *out = all;
    return n;
}

/* ---- tests ---- */

static void test_migrate_idempotent(void **state)
{
    fixture *f = *state;
    int applied = -1;
    assert_int_equal(gh_store_migrate(f->s, &applied), GH_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(gh_store_migrate(f->s, NULL), GH_OK);
}

static void test_clients(void **state)
{
    fixture *f = *state;
    gh_client c = mk_client("c1", "{\"client_name\":\"one\"}", 100);
    gh_client *got = NULL;

    assert_int_equal(gh_store_client_get(f->s, "c1", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c), GH_OK);
    assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c), GH_ECONFLICT);
    assert_int_equal(gh_store_client_get(f->s, "c1", f->a, &got), GH_OK);
    assert_string_equal(got->client_id, "c1");
    assert_string_equal(got->doc, "{\"client_name\":\"one\"}");
    assert_true(got->has_secret);
    assert_memory_equal(got->secret_hash, c.secret_hash, GH_SHA256_LEN);
    assert_false(got->has_reg_token);
    assert_int_equal(got->created_at, 100);
    assert_int_equal(got->updated_at, 100);

    /* Update replaces doc, hashes and updated_at, keeps created_at. */
    gh_client u = mk_client("c1", "{\"client_name\":\"uno\"}", 999);
    u.updated_at = 200;
    u.has_secret = false;
    u.has_reg_token = true;
    memset(u.reg_token_hash, 0x11, GH_SHA256_LEN);
    assert_int_equal(client_op(f->s, GH_OP_CLIENT_UPDATE, &u), GH_OK);
    assert_int_equal(gh_store_client_get(f->s, "c1", f->a, &got), GH_OK);
    assert_string_equal(got->doc, "{\"client_name\":\"uno\"}");
    assert_false(got->has_secret);
    assert_true(got->has_reg_token);
    assert_memory_equal(got->reg_token_hash, u.reg_token_hash, GH_SHA256_LEN);
    assert_int_equal(got->created_at, 100);
    assert_int_equal(got->updated_at, 200);

    gh_client missing = mk_client("nope", "{}", 1);
    assert_int_equal(client_op(f->s, GH_OP_CLIENT_UPDATE, &missing), GH_ENOTFOUND);

    assert_int_equal(revoke_op(f->s, GH_OP_CLIENT_DELETE, "c1", 300), GH_OK);
    assert_int_equal(gh_store_client_get(f->s, "c1", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(revoke_op(f->s, GH_OP_CLIENT_DELETE, "c1", 300), GH_ENOTFOUND);
    /* A deleted client_id may be registered again. */
    assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c), GH_OK);
}

static void test_client_list_paging(void **state)
{
    fixture *f = *state;
    gh_client *page = NULL;
    size_t n = 99;
    char ids[25][8];

    assert_int_equal(gh_store_client_list(f->s, NULL, 10, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 0);
    /* Inserted out of order; listed in client_id order. */
    for (int i = 24; i >= 0; i--) {
        snprintf(ids[i], sizeof(ids[i]), "k%02d", i);
        gh_client c = mk_client(ids[i], "{}", i);
        assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c), GH_OK);
    }
    const char *after = NULL;
    int seen = 0;
    for (int pageno = 0; pageno < 4; pageno++) {
        assert_int_equal(gh_store_client_list(f->s, after, 10, f->a, &page, &n), GH_OK);
        assert_int_equal(n, pageno < 2 ? 10 : pageno == 2 ? 5 : 0);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(page[i].client_id, ids[seen]);
            assert_int_equal(page[i].created_at, seen);
            seen++;
        }
        if (n)
            after = page[n - 1].client_id;
    }
    assert_int_equal(seen, 25);
    /* "after" need not exist. */
    assert_int_equal(gh_store_client_list(f->s, "k10x", 3, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 3);
    assert_string_equal(page[0].client_id, "k11");
    assert_int_equal(gh_store_client_list(f->s, NULL, 0, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 0);
}

static void test_tokens(void **state)
{
    fixture *f = *state;
    gh_token t1 = mk_token("t1", "g1", "c1", 5000);
    gh_token t2 = mk_token("t2", "g1", "c1", 5000);
    gh_token t3 = mk_token("t3", "g2", "c2", 5000);
    gh_token *got = NULL;

    t2.kind = GH_TOKEN_REFRESH;
    t2.format = "opaque";
    t2.subject = NULL;
    t2.extra = NULL;
    t3.audience = "";
    assert_int_equal(token_insert(f->s, &t1), GH_OK);
    assert_int_equal(token_insert(f->s, &t2), GH_OK);
    assert_int_equal(token_insert(f->s, &t3), GH_OK);
    assert_int_equal(token_insert(f->s, &t1), GH_ECONFLICT);

    assert_int_equal(gh_store_token_get(f->s, "t1", f->a, &got), GH_OK);
    assert_string_equal(got->id, "t1");
    assert_int_equal(got->kind, GH_TOKEN_ACCESS);
    assert_string_equal(got->format, "jwt");
    assert_string_equal(got->grant_id, "g1");
    assert_string_equal(got->client_id, "c1");
    assert_string_equal(got->subject, "alice");
    assert_string_equal(got->scope, "dns:read logs:read");
    assert_string_equal(got->audience, "https://api.example");
    assert_int_equal(got->catalog_version, 3);
    assert_int_equal(got->issued_at, 1000);
    assert_int_equal(got->expires_at, 5000);
    assert_int_equal(got->revoked_at, 0);
    assert_string_equal(got->request_id, "req-1");
    assert_string_equal(got->extra, "{\"dpop_jkt\":\"abc\"}");
    assert_int_equal(gh_store_token_get(f->s, "t2", f->a, &got), GH_OK);
    assert_int_equal(got->kind, GH_TOKEN_REFRESH);
    assert_string_equal(got->format, "opaque");
    assert_null(got->subject);
    assert_null(got->extra);
    assert_int_equal(gh_store_token_get(f->s, "t3", f->a, &got), GH_OK);
    assert_string_equal(got->audience, "");
    assert_int_equal(gh_store_token_get(f->s, "nope", f->a, &got), GH_ENOTFOUND);

    /* Revoke sets revoked_at once; revoking again keeps the first time. */
    assert_int_equal(revoke_op(f->s, GH_OP_TOKEN_REVOKE, "t1", 2000), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "t1"), 2000);
    assert_int_equal(revoke_op(f->s, GH_OP_TOKEN_REVOKE, "t1", 2500), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "t1"), 2000);
    assert_int_equal(revoke_op(f->s, GH_OP_TOKEN_REVOKE, "nope", 2000), GH_ENOTFOUND);
    assert_int_equal(revoked_at(f->s, f->a, "t2"), 0);

    /* Grant revoke: every token of the grant, nothing else; the first time stays; an unknown
     * grant is no error; the grant's client is required. */
    assert_int_equal(grant_revoke_op(f->s, "g1", NULL, 3000), GH_EINVAL);
    assert_int_equal(revoked_at(f->s, f->a, "t2"), 0);
    assert_int_equal(grant_revoke_op(f->s, "g1", "c1", 3000), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "t1"), 2000);
    assert_int_equal(revoked_at(f->s, f->a, "t2"), 3000);
    assert_int_equal(revoked_at(f->s, f->a, "t3"), 0);
    assert_int_equal(grant_revoke_op(f->s, "g1", "c1", 3500), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "t2"), 3000);
    assert_int_equal(grant_revoke_op(f->s, "g-none", "c1", 3000), GH_OK);
    /* Revoking a token of a revoked grant keeps the grant's earlier time. */
    assert_int_equal(revoke_op(f->s, GH_OP_TOKEN_REVOKE, "t2", 4000), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "t2"), 3000);
    /* A token inserted into a revoked grant later is revoked as of the grant's time. */
    gh_token t4 = mk_token("t4", "g1", "c1", 9000);
    assert_int_equal(token_insert(f->s, &t4), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "t4"), 3000);
}

static void test_client_delete_revokes_tokens(void **state)
{
    fixture *f = *state;
    gh_client c1 = mk_client("c1", "{}", 1), c2 = mk_client("c2", "{}", 1);
    gh_token a1 = mk_token("a1", "g1", "c1", 9000), a2 = mk_token("a2", "g2", "c1", 9000);
    gh_token b1 = mk_token("b1", "g3", "c2", 9000);

    assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c1), GH_OK);
    assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c2), GH_OK);
    assert_int_equal(token_insert(f->s, &a1), GH_OK);
    assert_int_equal(token_insert(f->s, &a2), GH_OK);
    assert_int_equal(token_insert(f->s, &b1), GH_OK);
    assert_int_equal(revoke_op(f->s, GH_OP_TOKEN_REVOKE, "a2", 40), GH_OK);
    assert_int_equal(revoke_op(f->s, GH_OP_CLIENT_DELETE, "c1", 50), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "a1"), 50);
    assert_int_equal(revoked_at(f->s, f->a, "a2"), 40); /* already revoked: unchanged */
    assert_int_equal(revoked_at(f->s, f->a, "b1"), 0);
}

static void test_jti_replay(void **state)
{
    fixture *f = *state;
    assert_int_equal(jti_op(f->s, "c1", "j1", 200, 100), GH_OK);
    assert_int_equal(jti_op(f->s, "c1", "j1", 300, 150), GH_ECONFLICT);
    assert_int_equal(jti_op(f->s, "c1", "j1", 300, 200), GH_ECONFLICT); /* not yet expired */
    assert_int_equal(jti_op(f->s, "c2", "j1", 200, 100), GH_OK);        /* other namespace */
    assert_int_equal(jti_op(f->s, "c1j", "1", 200, 100), GH_OK);        /* no key confusion */
    /* Expired: the jti may be used again, with its new expiry. */
    assert_int_equal(jti_op(f->s, "c1", "j1", 500, 201), GH_OK);
    assert_int_equal(jti_op(f->s, "c1", "j1", 600, 400), GH_ECONFLICT);
}

static void test_keys(void **state)
{
    fixture *f = *state;
    static const unsigned char sealed[5] = {1, 2, 0, 4, 5};
    gh_key_row k1 = {.kid = "k1", .alg = "ES256", .state = GH_KEY_ACTIVE, .created_at = 20,
                     .activated_at = 20, .sealed_private = sealed, .sealed_len = sizeof(sealed),
                     .public_jwk = "{\"kty\":\"EC\"}"};
    gh_key_row k0 = {.kid = "k0", .alg = "RS256", .state = GH_KEY_NEXT, .created_at = 10,
                     .sealed_private = sealed, .sealed_len = 3, .public_jwk = "{\"kty\":\"RSA\"}"};
    gh_key_row *rows = NULL;
    size_t n = 0;
    gh_store_op op = {.kind = GH_OP_KEY_INSERT};

    assert_int_equal(gh_store_key_list(f->s, f->a, &rows, &n), GH_OK);
    assert_int_equal(n, 0);
    op.u.key = &k1;
    assert_int_equal(commit1(f->s, &op), GH_OK);
    assert_int_equal(commit1(f->s, &op), GH_ECONFLICT);
    op.u.key = &k0;
    assert_int_equal(commit1(f->s, &op), GH_OK);
    assert_int_equal(gh_store_key_list(f->s, f->a, &rows, &n), GH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].kid, "k0"); /* oldest first */
    assert_string_equal(rows[0].alg, "RS256");
    assert_int_equal(rows[0].sealed_len, 3);
    assert_string_equal(rows[1].kid, "k1");
    assert_int_equal(rows[1].state, GH_KEY_ACTIVE);
    assert_int_equal(rows[1].sealed_len, sizeof(sealed));
    assert_memory_equal(rows[1].sealed_private, sealed, sizeof(sealed));
    assert_string_equal(rows[1].public_jwk, "{\"kty\":\"EC\"}");

    /* Update: state and times only. */
    gh_key_row u = {.kid = "k1", .state = GH_KEY_RETIRED, .activated_at = 20, .retired_at = 30,
                    .expires_at = 90};
    op.kind = GH_OP_KEY_UPDATE;
    op.u.key = &u;
    assert_int_equal(commit1(f->s, &op), GH_OK);
    assert_int_equal(gh_store_key_list(f->s, f->a, &rows, &n), GH_OK);
    assert_int_equal(rows[1].state, GH_KEY_RETIRED);
    assert_int_equal(rows[1].retired_at, 30);
    assert_int_equal(rows[1].expires_at, 90);
    assert_int_equal(rows[1].created_at, 20);
    assert_string_equal(rows[1].alg, "ES256");
    assert_memory_equal(rows[1].sealed_private, sealed, sizeof(sealed));
    gh_key_row none = {.kid = "zz", .state = GH_KEY_RETIRED};
    op.u.key = &none;
    assert_int_equal(commit1(f->s, &op), GH_ENOTFOUND);
}

static void test_catalog(void **state)
{
    fixture *f = *state;
    gh_catalog_row *got = NULL;
    gh_catalog_row v1 = {.version = 1, .doc = "{\"scopes\":[]}", .created_at = 5};
    gh_catalog_row v2 = {.version = 2, .doc = "{\"scopes\":[\"dns:read\"]}", .created_at = 6};
    gh_store_op op = {.kind = GH_OP_CATALOG_INSERT};

    gh_sha256(v1.doc, strlen(v1.doc), v1.hash);
    gh_sha256(v2.doc, strlen(v2.doc), v2.hash);
    assert_int_equal(gh_store_catalog_latest(f->s, f->a, &got), GH_ENOTFOUND);
    op.u.catalog = &v2;
    assert_int_equal(commit1(f->s, &op), GH_OK);
    op.u.catalog = &v1;
    assert_int_equal(commit1(f->s, &op), GH_OK);
    assert_int_equal(commit1(f->s, &op), GH_ECONFLICT);
    assert_int_equal(gh_store_catalog_latest(f->s, f->a, &got), GH_OK);
    assert_int_equal(got->version, 2);
    assert_string_equal(got->doc, v2.doc);
    assert_memory_equal(got->hash, v2.hash, GH_SHA256_LEN);
    assert_int_equal(gh_store_catalog_get(f->s, 1, f->a, &got), GH_OK);
    assert_int_equal(got->version, 1);
    assert_int_equal(got->created_at, 5);
    assert_memory_equal(got->hash, v1.hash, GH_SHA256_LEN);
    assert_int_equal(gh_store_catalog_get(f->s, 3, f->a, &got), GH_ENOTFOUND);
}

static void test_kv(void **state)
{
    fixture *f = *state;
    char *v = NULL;
    assert_int_equal(gh_store_kv_get(f->s, "k", f->a, &v), GH_ENOTFOUND);
    assert_int_equal(kv_op(f->s, GH_OP_KV_INSERT, "k", "one"), GH_OK);
    assert_int_equal(kv_op(f->s, GH_OP_KV_INSERT, "k", "two"), GH_ECONFLICT);
    assert_int_equal(gh_store_kv_get(f->s, "k", f->a, &v), GH_OK);
    assert_string_equal(v, "one");
    assert_int_equal(kv_op(f->s, GH_OP_KV_PUT, "k", "three"), GH_OK);
    assert_int_equal(kv_op(f->s, GH_OP_KV_PUT, "new", "four"), GH_OK);
    assert_int_equal(gh_store_kv_get(f->s, "k", f->a, &v), GH_OK);
    assert_string_equal(v, "three");
    assert_int_equal(gh_store_kv_get(f->s, "new", f->a, &v), GH_OK);
    assert_string_equal(v, "four");
}

/* Runs one filtered audit read and returns the seqs it found (at most 16) in out. */
static size_t audit_q(gh_store *s, gh_arena *a, gh_audit_filter f, int64_t out[16])
{
    gh_audit_event *ev = NULL;
    size_t n = 0;
    assert_int_equal(gh_store_audit_query(s, &f, a, &ev, &n), GH_OK);
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        out[i] = ev[i].seq;
        if (i > 0)
            assert_true(ev[i].seq > ev[i - 1].seq);
    }
    return n;
}

/* The filtered read: each filter alone, combined, time bounds, paging by after_seq, limit. */
static void test_audit_query(void **state)
{
    fixture *f = *state;
    int64_t got[16];
    /* Ten events: token t<i%3>, subject alice (even) or bob (odd), client c1 (i < 5) or c2,
     * type token.issued or, every fourth, token.revoked, time 1000 + 10 i. */
    static const char *const toks[] = {"t0", "t1", "t2"};
    for (int i = 0; i < 10; i++) {
        gh_arena *a = gh_arena_new(0);
        gh_store_txn *t = gh_store_txn_new(a);
        gh_audit_event *e = gh_arena_alloc(a, sizeof(*e));
        *e = mk_event(i % 4 == 3 ? GH_AUDIT_TOKEN_REVOKED : GH_AUDIT_TOKEN_ISSUED, toks[i % 3]);
        e->subject = i % 2 ? "bob" : "alice";
        e->client_id = i < 5 ? "c1" : "c2";
        e->time_us = 1000 + 10 * i;
        if (i == 9)
            e->subject = NULL; /* a NULL column never matches a filter */
        gh_store_txn_audit(t, e);
        assert_int_equal(gh_store_commit(f->s, t), GH_OK);
        gh_arena_free(a);
    }
    /* No filter: everything, in order; limit bounds it; limit 0 reads nothing. */
    assert_int_equal(audit_q(f->s, f->a, (gh_audit_filter){.limit = 100}, got), 10);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[9], 10);
    assert_int_equal(audit_q(f->s, f->a, (gh_audit_filter){.limit = 3}, got), 3);
    assert_int_equal(got[2], 3);
    assert_int_equal(audit_q(f->s, f->a, (gh_audit_filter){.limit = 0}, got), 0);
    /* token: seq 1, 4, 7, 10 hold t0. */
    assert_int_equal(audit_q(f->s, f->a, (gh_audit_filter){.token_id = "t0", .limit = 100}, got),
                     4);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[3], 10);
    /* subject bob: odd i = seq 2, 4, 6, 8 (seq 10 has none). */
    assert_int_equal(
        audit_q(f->s, f->a, (gh_audit_filter){.subject = "bob", .limit = 100}, got), 4);
    assert_int_equal(got[0], 2);
    assert_int_equal(got[3], 8);
    /* client c2 and type token.revoked: i = 7 (seq 8). */
    assert_int_equal(audit_q(f->s, f->a,
                             (gh_audit_filter){.client_id = "c2", .type = GH_AUDIT_TOKEN_REVOKED,
                                               .limit = 100},
                             got),
                     1);
    assert_int_equal(got[0], 8);
    /* type alone: i = 3, 7. */
    assert_int_equal(
        audit_q(f->s, f->a, (gh_audit_filter){.type = GH_AUDIT_TOKEN_REVOKED, .limit = 100},
                got),
        2);
    assert_int_equal(got[0], 4);
    /* token and subject together: t1 at i = 1, 4, 7; of those bob: 1, 7 (seq 2, 8). */
    assert_int_equal(audit_q(f->s, f->a,
                             (gh_audit_filter){.token_id = "t1", .subject = "bob", .limit = 100},
                             got),
                     2);
    assert_int_equal(got[1], 8);
    /* time: since inclusive, until exclusive: 1020 <= t < 1050 is i = 2, 3, 4. */
    assert_int_equal(audit_q(f->s, f->a,
                             (gh_audit_filter){.since_us = 1020, .until_us = 1050, .limit = 100},
                             got),
                     3);
    assert_int_equal(got[0], 3);
    assert_int_equal(got[2], 5);
    /* paging: after_seq skips what was read. */
    assert_int_equal(
        audit_q(f->s, f->a, (gh_audit_filter){.client_id = "c1", .after_seq = 2, .limit = 2},
                got),
        2);
    assert_int_equal(got[0], 3);
    assert_int_equal(got[1], 4);
    assert_int_equal(
        audit_q(f->s, f->a, (gh_audit_filter){.client_id = "c1", .after_seq = 4, .limit = 2},
                got),
        1);
    assert_int_equal(got[0], 5);
    /* nothing matches */
    assert_int_equal(
        audit_q(f->s, f->a, (gh_audit_filter){.subject = "carol", .limit = 100}, got), 0);
}

static void test_audit_chain(void **state)
{
    fixture *f = *state;
    gh_audit_event ev[8];
    gh_audit_event *all = NULL;

    assert_int_equal(audit_check(f->s, f->a, NULL), 0);
    for (int i = 0; i < 5; i++) {
        gh_arena *a = gh_arena_new(0);
        gh_store_txn *t = gh_store_txn_new(a);
        ev[i] = mk_event(GH_AUDIT_TOKEN_ISSUED, i % 2 ? "tok" : NULL);
        if (i == 3)
            ev[i].data = "not json"; /* stored as a string */
        gh_store_txn_audit(t, &ev[i]);
        /* Sealed when added, before the writer sees it. */
        unsigned char body[GH_SHA256_LEN];
        gh_audit_body_hash(&ev[i], body);
        assert_true(ev[i].sealed);
        assert_memory_equal(ev[i].body_hash, body, GH_SHA256_LEN);
        assert_int_equal(gh_store_commit(f->s, t), GH_OK);
        assert_int_equal(ev[i].seq, i + 1);
        /* The writer linked it: hash = SHA-256(prev || seq big-endian || body hash). */
        unsigned char msg[72], want[GH_SHA256_LEN];
        memcpy(msg, i ? ev[i - 1].hash : (unsigned char[32]){0}, GH_SHA256_LEN);
        for (int k = 0; k < 8; k++)
            msg[32 + k] = (unsigned char)((uint64_t)ev[i].seq >> (56 - 8 * k));
        memcpy(msg + 40, body, GH_SHA256_LEN);
        gh_sha256(msg, sizeof(msg), want);
        assert_memory_equal(ev[i].hash, want, GH_SHA256_LEN);
        gh_arena_free(a);
    }
    /* Several events in one transaction get consecutive seqs too. */
    gh_arena *a = gh_arena_new(0);
    gh_store_txn *t = gh_store_txn_new(a);
    for (int i = 5; i < 8; i++) {
        ev[i] = mk_event(GH_AUDIT_CLIENT_CREATED, NULL);
        ev[i].data = NULL;
        if (i == 6) {
            /* gh_store_txn_add seals too. */
            gh_store_op op = {.kind = GH_OP_AUDIT_APPEND};
            op.u.event = &ev[i];
            gh_store_txn_add(t, &op);
            assert_true(ev[i].sealed);
        } else {
            gh_store_txn_audit(t, &ev[i]);
        }
    }
    assert_int_equal(gh_store_txn_len(t), 3);
    assert_int_equal(gh_store_commit(f->s, t), GH_OK);
    assert_int_equal(gh_store_txn_failed_op(t), (size_t)-1);
    gh_arena_free(a);

    assert_int_equal(audit_check(f->s, f->a, &all), 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(ev[i].seq, i + 1);
        assert_memory_equal(all[i].hash, ev[i].hash, GH_SHA256_LEN);
        assert_memory_equal(all[i].prev_hash, i ? ev[i - 1].hash : (unsigned char[32]){0},
                            GH_SHA256_LEN);
    }
    assert_string_equal(all[3].data, "not json");
    assert_null(all[0].token_id);
    assert_string_equal(all[1].token_id, "tok");
    assert_null(all[6].data);
    assert_string_equal(all[6].type, GH_AUDIT_CLIENT_CREATED);
    /* The body hash is not stored: reads give it unsealed (verification recomputes it). */
    for (int i = 0; i < 8; i++)
        assert_false(all[i].sealed);

    /* A stored event that is altered no longer verifies. */
    unsigned char zero[GH_SHA256_LEN] = {0};
    size_t bad = 99;
    all[4].scope = "dns:write";
    assert_int_equal(gh_audit_verify(all, 8, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 4);

    /* Paging starts after the given seq. */
    gh_audit_event *page = NULL;
    size_t n = 0;
    assert_int_equal(gh_store_audit_list(f->s, 6, 100, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 2);
    assert_int_equal(page[0].seq, 7);
    assert_int_equal(gh_audit_verify(page, n, all[5].hash, &bad), GH_OK);
}

/* One failing operation rolls back its whole transaction, and only it. */
static void test_failed_txn_rolls_back(void **state)
{
    fixture *f = *state;
    gh_arena *a = gh_arena_new(0);
    gh_token t0 = mk_token("dup", NULL, "c1", 100);
    gh_token fresh = mk_token("fresh", NULL, "c1", 100);
    gh_audit_event e1 = mk_event(GH_AUDIT_TOKEN_ISSUED, "dup");
    gh_audit_event e2 = mk_event(GH_AUDIT_TOKEN_ISSUED, "fresh");
    gh_token *got = NULL;
    char *v = NULL;

    assert_int_equal(token_insert(f->s, &t0), GH_OK);
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_op op = {.kind = GH_OP_KV_PUT};
    op.u.kv.key = "marker";
    op.u.kv.value = "x";
    gh_store_txn_add(t, &op);
    gh_store_txn_audit(t, &e1);
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = &fresh;
    gh_store_txn_add(t, &op);
    op.u.token = &t0;
    gh_store_txn_add(t, &op); /* conflicts */
    assert_int_equal(gh_store_commit(f->s, t), GH_ECONFLICT);
    assert_int_equal(gh_store_txn_failed_op(t), 3);
    assert_int_equal(gh_store_kv_get(f->s, "marker", f->a, &v), GH_ENOTFOUND);
    assert_int_equal(gh_store_token_get(f->s, "fresh", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(audit_check(f->s, f->a, NULL), 0);

    /* The next event takes seq 1: the rolled-back one left no gap. */
    t = gh_store_txn_new(a);
    gh_store_txn_audit(t, &e2);
    assert_int_equal(gh_store_commit(f->s, t), GH_OK);
    assert_int_equal(e2.seq, 1);
    assert_int_equal(audit_check(f->s, f->a, NULL), 1);

    /* An empty transaction commits. */
    t = gh_store_txn_new(a);
    assert_int_equal(gh_store_commit(f->s, t), GH_OK);
    gh_arena_free(a);
}

/* ---- concurrency: many transactions from several threads, some failing ---- */

#define CT_THREADS 8
#define CT_PER_THREAD 60

typedef struct ct_arg {
    gh_store *s;
    int thread;
    gh_err results[CT_PER_THREAD];
    int64_t seqs[CT_PER_THREAD];
} ct_arg;

/* Transaction i of thread th: inserts token "t<th>-<i>" (every 4th one instead reuses the
 * pre-inserted "taken", so it must fail), a kv marker and an audit event. */
static void *ct_main(void *p)
{
    ct_arg *arg = p;
    for (int i = 0; i < CT_PER_THREAD; i++) {
        gh_arena *a = gh_arena_new(0);
        char *id = gh_arena_printf(a, "t%d-%d", arg->thread, i);
        bool fail = i % 4 == 3;
        gh_token *tok = gh_arena_alloc(a, sizeof(*tok));
        *tok = mk_token(fail ? "taken" : id, "g", "c", 100);
        gh_audit_event *ev = gh_arena_alloc(a, sizeof(*ev));
        *ev = mk_event(GH_AUDIT_TOKEN_ISSUED, id);
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_KV_INSERT};
        op.u.kv.key = id;
        op.u.kv.value = "m";
        gh_store_txn_add(t, &op);
        gh_store_txn_audit(t, ev);
        op.kind = GH_OP_TOKEN_INSERT;
        op.u.token = tok;
        gh_store_txn_add(t, &op);
        arg->results[i] = gh_store_commit(arg->s, t);
        arg->seqs[i] = ev->seq;
        gh_arena_free(a);
    }
    return NULL;
}

static void test_concurrent_batches(void **state)
{
    fixture *f = *state;
    pthread_t th[CT_THREADS];
    ct_arg *args = calloc(CT_THREADS, sizeof(*args));
    gh_token taken = mk_token("taken", NULL, "c", 100);
    gh_audit_event *all = NULL;

    assert_int_equal(token_insert(f->s, &taken), GH_OK);
    for (int i = 0; i < CT_THREADS; i++) {
        args[i].s = f->s;
        args[i].thread = i;
        assert_int_equal(pthread_create(&th[i], NULL, ct_main, &args[i]), 0);
    }
    for (int i = 0; i < CT_THREADS; i++)
        pthread_join(th[i], NULL);

    size_t ok = 0;
    for (int i = 0; i < CT_THREADS; i++) {
        for (int j = 0; j < CT_PER_THREAD; j++) {
            char id[32];
            char *v = NULL;
            gh_token *got = NULL;
            bool fail = j % 4 == 3;
            snprintf(id, sizeof(id), "t%d-%d", i, j);
            assert_int_equal(args[i].results[j], fail ? GH_ECONFLICT : GH_OK);
            assert_int_equal(gh_store_kv_get(f->s, id, f->a, &v), fail ? GH_ENOTFOUND : GH_OK);
            if (!fail) {
                assert_int_equal(gh_store_token_get(f->s, id, f->a, &got), GH_OK);
                ok++;
            }
        }
    }
    assert_int_equal(ok, CT_THREADS * CT_PER_THREAD * 3 / 4);
    /* Exactly the committed transactions have events, chained without gaps. */
    size_t n = audit_check(f->s, f->a, &all);
    assert_int_equal(n, ok);
    for (int i = 0; i < CT_THREADS; i++) {
        for (int j = 0; j < CT_PER_THREAD; j++) {
            if (args[i].results[j] != GH_OK)
                continue;
            int64_t seq = args[i].seqs[j];
            char id[32];
            snprintf(id, sizeof(id), "t%d-%d", i, j);
            assert_true(seq >= 1 && (size_t)seq <= n);
            assert_string_equal(all[seq - 1].token_id, id);
        }
    }
    free(args);
}

typedef struct async_state {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    gh_err errs[16];
} async_state;

typedef struct async_one {
    async_state *st;
    int i;
} async_one;

static void async_done(void *ud, gh_err err)
{
    async_one *o = ud;
    pthread_mutex_lock(&o->st->mu);
    o->st->errs[o->i] = err;
    o->st->done++;
    pthread_cond_signal(&o->st->cv);
    pthread_mutex_unlock(&o->st->mu);
}

static void test_commit_async(void **state)
{
    fixture *f = *state;
    async_state st = {.done = 0};
    async_one ones[16];
    gh_arena *a = gh_arena_new(0);
    pthread_mutex_init(&st.mu, NULL);
    pthread_cond_init(&st.cv, NULL);
    for (int i = 0; i < 16; i++) {
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_KV_INSERT};
        op.u.kv.key = i % 2 ? "odd" : gh_arena_printf(a, "even%d", i);
        op.u.kv.value = "v";
        gh_store_txn_add(t, &op);
        ones[i] = (async_one){.st = &st, .i = i};
        gh_store_commit_async(f->s, t, async_done, &ones[i]);
    }
    pthread_mutex_lock(&st.mu);
    while (st.done < 16)
        pthread_cond_wait(&st.cv, &st.mu);
    pthread_mutex_unlock(&st.mu);
    int odd_ok = 0;
    for (int i = 0; i < 16; i++) {
        if (i % 2)
            odd_ok += st.errs[i] == GH_OK;
        else
            assert_int_equal(st.errs[i], GH_OK);
    }
    assert_int_equal(odd_ok, 1); /* the first "odd" insert wins, in queue order */
    assert_int_equal(st.errs[1], GH_OK);
    pthread_cond_destroy(&st.cv);
    pthread_mutex_destroy(&st.mu);
    gh_arena_free(a);
}

static void test_purge(void **state)
{
    fixture *f = *state;
    gh_token old = mk_token("old", NULL, "c", 100), young = mk_token("young", NULL, "c", 200);
    gh_token forever = mk_token("forever", NULL, "c", 0);
    gh_token *got = NULL;
    gh_audit_event e = mk_event(GH_AUDIT_TOKEN_ISSUED, "old");
    gh_arena *a = gh_arena_new(0);

    assert_int_equal(token_insert(f->s, &old), GH_OK);
    assert_int_equal(token_insert(f->s, &young), GH_OK);
    assert_int_equal(token_insert(f->s, &forever), GH_OK);
    assert_int_equal(jti_op(f->s, "c", "j-old", 100, 50), GH_OK);
    assert_int_equal(jti_op(f->s, "c", "j-young", 300, 50), GH_OK);
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_txn_audit(t, &e);
    assert_int_equal(gh_store_commit(f->s, t), GH_OK);

    gh_store_op op = {.kind = GH_OP_PURGE_EXPIRED};
    op.u.purge.before = 150;
    assert_int_equal(commit1(f->s, &op), GH_OK);
    assert_int_equal(gh_store_token_get(f->s, "old", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(gh_store_token_get(f->s, "young", f->a, &got), GH_OK);
    assert_int_equal(gh_store_token_get(f->s, "forever", f->a, &got), GH_OK);
    /* A purged jti is gone: inserting it again (even with a "now" before its old expiry)
     * succeeds; the young one still blocks. */
    assert_int_equal(jti_op(f->s, "c", "j-old", 400, 60), GH_OK);
    assert_int_equal(jti_op(f->s, "c", "j-young", 400, 60), GH_ECONFLICT);
    /* Audit events are never purged. */
    assert_int_equal(audit_check(f->s, f->a, NULL), 1);
    gh_arena_free(a);
}

/* sqlite on a file (main runs it only there): what was committed is there after close and
 * reopen, and the chain continues. */
static void test_durability(void **state)
{
    fixture *f = *state;
    gh_arena *a = gh_arena_new(0);
    gh_client c = mk_client("durable", "{}", 1);
    gh_client *got = NULL;
    int applied = -1;

    assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c), GH_OK);
    for (int i = 0; i < 3; i++) {
        gh_audit_event e = mk_event(GH_AUDIT_CLIENT_CREATED, NULL);
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_txn_audit(t, &e);
        assert_int_equal(gh_store_commit(f->s, t), GH_OK);
    }
    gh_store_free(f->s);
    f->s = NULL;

    assert_int_equal(open_store(f), GH_OK);
    assert_int_equal(gh_store_migrate(f->s, &applied), GH_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(gh_store_client_get(f->s, "durable", f->a, &got), GH_OK);
    gh_audit_event e = mk_event(GH_AUDIT_CLIENT_DELETED, NULL);
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_txn_audit(t, &e);
    assert_int_equal(gh_store_commit(f->s, t), GH_OK);
    assert_int_equal(e.seq, 4);
    assert_int_equal(audit_check(f->s, f->a, NULL), 4);
    gh_arena_free(a);
}

/* Bad input to an operation is GH_EINVAL, not a database failure. */
static void test_invalid_ops(void **state)
{
    fixture *f = *state;
    gh_client c = mk_client(NULL, "{}", 1);
    gh_token t = mk_token(NULL, NULL, "c", 1);
    gh_audit_event e = mk_event(NULL, NULL);
    gh_arena *a = gh_arena_new(0);
    gh_store_txn *txn = gh_store_txn_new(a);

    assert_int_equal(client_op(f->s, GH_OP_CLIENT_INSERT, &c), GH_EINVAL);
    assert_int_equal(token_insert(f->s, &t), GH_EINVAL);
    assert_int_equal(kv_op(f->s, GH_OP_KV_PUT, "k", NULL), GH_EINVAL);
    gh_store_txn_audit(txn, &e);
    assert_int_equal(gh_store_commit(f->s, txn), GH_EINVAL);
    assert_int_equal(audit_check(f->s, f->a, NULL), 0);
    gh_arena_free(a);
}

/* ---- the authorization-code flow's entities ---- */

static gh_err consume_op(gh_store *s, const char *id, int64_t at)
{
    return revoke_op(s, GH_OP_TOKEN_CONSUME, id, at);
}

static int64_t used_at(gh_store *s, gh_arena *a, const char *id)
{
    gh_token *t = NULL;
    assert_int_equal(gh_store_token_get(s, id, a, &t), GH_OK);
    return t->used_at;
}

/* Codes and rotated refresh tokens: the first consume wins, every later one conflicts. */
static void test_token_consume(void **state)
{
    fixture *f = *state;
    gh_token code = mk_token("c.1", "g1", "c1", 5000);
    gh_token rt = mk_token("r.1", "g1", "c1", 5000);
    gh_token used = mk_token("r.0", "g1", "c1", 5000);

    code.kind = GH_TOKEN_CODE;
    rt.kind = GH_TOKEN_REFRESH;
    used.kind = GH_TOKEN_REFRESH;
    used.used_at = 77; /* inserted as already used: kept as given */
    assert_int_equal(token_insert(f->s, &code), GH_OK);
    assert_int_equal(token_insert(f->s, &rt), GH_OK);
    assert_int_equal(token_insert(f->s, &used), GH_OK);
    assert_int_equal(used_at(f->s, f->a, "c.1"), 0);
    assert_int_equal(used_at(f->s, f->a, "r.0"), 77);

    assert_int_equal(consume_op(f->s, "c.1", 1100), GH_OK);
    assert_int_equal(used_at(f->s, f->a, "c.1"), 1100);
    /* A replay conflicts and changes nothing. */
    assert_int_equal(consume_op(f->s, "c.1", 1200), GH_ECONFLICT);
    assert_int_equal(used_at(f->s, f->a, "c.1"), 1100);
    assert_int_equal(revoked_at(f->s, f->a, "c.1"), 0);
    assert_int_equal(consume_op(f->s, "r.0", 1200), GH_ECONFLICT);
    assert_int_equal(used_at(f->s, f->a, "r.0"), 77);
    /* A revoked token cannot be consumed either. */
    assert_int_equal(revoke_op(f->s, GH_OP_TOKEN_REVOKE, "r.1", 1300), GH_OK);
    assert_int_equal(consume_op(f->s, "r.1", 1400), GH_ECONFLICT);
    assert_int_equal(used_at(f->s, f->a, "r.1"), 0);
    assert_int_equal(consume_op(f->s, "nope", 1400), GH_ENOTFOUND);
    /* A time of 0 would mean "not used": refused. */
    assert_int_equal(consume_op(f->s, "r.0", 0), GH_EINVAL);
    assert_int_equal(consume_op(f->s, NULL, 10), GH_EINVAL);
    /* A consumed token can still be revoked (a replay revokes the grant). */
    assert_int_equal(grant_revoke_op(f->s, "g1", "c1", 1500), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "c.1"), 1500);
    assert_int_equal(used_at(f->s, f->a, "c.1"), 1100);
    /* Nor can a token of a revoked grant, even one inserted after the revocation. */
    gh_token late = mk_token("r.late", "g1", "c1", 9000);
    late.kind = GH_TOKEN_REFRESH;
    assert_int_equal(token_insert(f->s, &late), GH_OK);
    assert_int_equal(consume_op(f->s, "r.late", 1600), GH_ECONFLICT);
    assert_int_equal(used_at(f->s, f->a, "r.late"), 0);
}

/* The rotation of a refresh token: the consume and the new token's insert in one
 * transaction; a second rotation of the same token conflicts and leaves no new token. */
static void test_token_consume_rotation_atomic(void **state)
{
    fixture *f = *state;
    gh_arena *a = gh_arena_new(0);
    gh_token old = mk_token("r.old", "g1", "c1", 5000);
    gh_token n1 = mk_token("r.new1", "g1", "c1", 5000);
    gh_token n2 = mk_token("r.new2", "g1", "c1", 5000);
    gh_token *got = NULL;

    assert_int_equal(token_insert(f->s, &old), GH_OK);
    for (int i = 0; i < 2; i++) {
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_TOKEN_CONSUME};
        op.u.revoke.id = "r.old";
        op.u.revoke.at = 100 + i;
        gh_store_txn_add(t, &op);
        op.kind = GH_OP_TOKEN_INSERT;
        op.u.token = i ? &n2 : &n1;
        gh_store_txn_add(t, &op);
        assert_int_equal(gh_store_commit(f->s, t), i ? GH_ECONFLICT : GH_OK);
        assert_int_equal(gh_store_txn_failed_op(t), i ? 0 : (size_t)-1);
    }
    assert_int_equal(gh_store_token_get(f->s, "r.new1", f->a, &got), GH_OK);
    assert_int_equal(gh_store_token_get(f->s, "r.new2", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(used_at(f->s, f->a, "r.old"), 100);
    gh_arena_free(a);
}

static gh_user mk_user(const char *id, const char *username, int64_t at)
{
    gh_user u = {.id = id,
                 .username = username,
                 .password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA",
                 .name = "Alice Liddell",
                 .email = "alice@example.com",
                 .email_verified = true,
                 .created_at = at,
                 .updated_at = at};
    return u;
}

static gh_err user_op(gh_store *s, gh_store_op_kind kind, const gh_user *u)
{
    gh_store_op op = {.kind = kind};
    op.u.user = u;
    return commit1(s, &op);
}

static void test_users(void **state)
{
    fixture *f = *state;
    gh_user u1 = mk_user("u_1", "alice", 100);
    gh_user *got = NULL;

    assert_int_equal(gh_store_user_get(f->s, "u_1", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(gh_store_user_get_by_username(f->s, "alice", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &u1), GH_OK);
    /* Same id, or same username under another id: both conflict. */
    gh_user same_id = mk_user("u_1", "bob", 100);
    gh_user same_name = mk_user("u_2", "alice", 100);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &same_id), GH_ECONFLICT);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &same_name), GH_ECONFLICT);
    assert_int_equal(gh_store_user_get(f->s, "u_2", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(gh_store_user_get_by_username(f->s, "bob", f->a, &got), GH_ENOTFOUND);

    assert_int_equal(gh_store_user_get(f->s, "u_1", f->a, &got), GH_OK);
    assert_string_equal(got->id, "u_1");
    assert_string_equal(got->username, "alice");
    assert_string_equal(got->password_hash, u1.password_hash);
    assert_string_equal(got->name, "Alice Liddell");
    assert_string_equal(got->email, "alice@example.com");
    assert_true(got->email_verified);
    assert_int_equal(got->created_at, 100);
    assert_int_equal(got->updated_at, 100);
    assert_int_equal(gh_store_user_get_by_username(f->s, "alice", f->a, &got), GH_OK);
    assert_string_equal(got->id, "u_1");
    /* Usernames are exact: no case folding in the store. */
    assert_int_equal(gh_store_user_get_by_username(f->s, "Alice", f->a, &got), GH_ENOTFOUND);

    /* Update: every field but id, username and created_at. */
    gh_user u = {.id = "u_1", .username = "mallory", .password_hash = "$argon2id$new",
                 .created_at = 999, .updated_at = 200};
    assert_int_equal(user_op(f->s, GH_OP_USER_UPDATE, &u), GH_OK);
    assert_int_equal(gh_store_user_get(f->s, "u_1", f->a, &got), GH_OK);
    assert_string_equal(got->username, "alice");
    assert_string_equal(got->password_hash, "$argon2id$new");
    assert_null(got->name);
    assert_null(got->email);
    assert_false(got->email_verified);
    assert_int_equal(got->created_at, 100);
    assert_int_equal(got->updated_at, 200);
    assert_int_equal(gh_store_user_get_by_username(f->s, "mallory", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(gh_store_user_get_by_username(f->s, "alice", f->a, &got), GH_OK);
    gh_user missing = mk_user("u_9", "zed", 1);
    assert_int_equal(user_op(f->s, GH_OP_USER_UPDATE, &missing), GH_ENOTFOUND);

    /* Required fields. */
    gh_user bad = mk_user("u_3", NULL, 1);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &bad), GH_EINVAL);
    bad = mk_user("u_3", "carol", 1);
    bad.password_hash = NULL;
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &bad), GH_EINVAL);

    /* Delete: gone by id and by name, and the username is free again (not the id's row). */
    assert_int_equal(revoke_op(f->s, GH_OP_USER_DELETE, "u_1", 300), GH_OK);
    assert_int_equal(gh_store_user_get(f->s, "u_1", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(gh_store_user_get_by_username(f->s, "alice", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(revoke_op(f->s, GH_OP_USER_DELETE, "u_1", 300), GH_ENOTFOUND);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &same_name), GH_OK);
    assert_int_equal(gh_store_user_get_by_username(f->s, "alice", f->a, &got), GH_OK);
    assert_string_equal(got->id, "u_2");
}

static void test_user_list_paging(void **state)
{
    fixture *f = *state;
    gh_user *page = NULL;
    size_t n = 99;
    char ids[12][8], names[12][8];

    assert_int_equal(gh_store_user_list(f->s, NULL, 5, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 0);
    /* Ids run the other way from usernames: the list follows usernames. */
    for (int i = 0; i < 12; i++) {
        snprintf(ids[i], sizeof(ids[i]), "u_%02d", 11 - i);
        snprintf(names[i], sizeof(names[i]), "n%02d", i);
    }
    for (int i = 11; i >= 0; i--) {
        gh_user u = mk_user(ids[i], names[i], i);
        assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &u), GH_OK);
    }
    const char *after = NULL;
    int seen = 0;
    for (int pageno = 0; pageno < 4; pageno++) {
        assert_int_equal(gh_store_user_list(f->s, after, 5, f->a, &page, &n), GH_OK);
        assert_int_equal(n, pageno < 2 ? 5 : pageno == 2 ? 2 : 0);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(page[i].username, names[seen]);
            assert_string_equal(page[i].id, ids[seen]);
            assert_int_equal(page[i].created_at, seen);
            seen++;
        }
        if (n)
            after = page[n - 1].username;
    }
    assert_int_equal(seen, 12);
    assert_int_equal(gh_store_user_list(f->s, "n05x", 2, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 2);
    assert_string_equal(page[0].username, "n06");
    assert_int_equal(gh_store_user_list(f->s, NULL, 0, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 0);
}

static gh_session mk_session(const char *id, const char *subject, int64_t exp)
{
    gh_session x = {.id = id, .subject = subject, .auth_time = 90, .created_at = 100,
                    .expires_at = exp, .doc = "{\"amr\":[\"pwd\"]}"};
    memset(x.secret_hash, 0x5a, GH_SHA256_LEN);
    x.secret_hash[0] = (unsigned char)id[0];
    return x;
}

static gh_err session_insert(gh_store *s, const gh_session *x)
{
    gh_store_op op = {.kind = GH_OP_SESSION_INSERT};
    op.u.session = x;
    return commit1(s, &op);
}

static gh_consent mk_consent(const char *subject, const char *client, int64_t at)
{
    gh_consent c = {.subject = subject,
                    .client_id = client,
                    .scope = "openid profile offline_access",
                    .remembered_scope = "openid profile",
                    .audience = "https://api.example",
                    .catalog_version = 4,
                    .granted_at = at,
                    .updated_at = at,
                    .remember_until = at + 1000,
                    .doc = "{\"requested\":\"openid profile offline_access email\"}"};
    return c;
}

static gh_err consent_put(gh_store *s, const gh_consent *c)
{
    gh_store_op op = {.kind = GH_OP_CONSENT_PUT};
    op.u.consent = c;
    return commit1(s, &op);
}

static gh_err consent_ref_op(gh_store *s, gh_store_op_kind kind, const char *subject,
                             const char *client, int64_t at)
{
    gh_store_op op = {.kind = kind};
    op.u.consent_ref.subject = subject;
    op.u.consent_ref.client_id = client;
    op.u.consent_ref.at = at;
    return commit1(s, &op);
}

static gh_consent *consent_get(gh_store *s, gh_arena *a, const char *subject,
                               const char *client)
{
    gh_consent *c = NULL;
    assert_int_equal(gh_store_consent_get(s, subject, client, a, &c), GH_OK);
    return c;
}

static int64_t session_revoked_at(gh_store *s, gh_arena *a, const char *id)
{
    gh_session *x = NULL;
    assert_int_equal(gh_store_session_get(s, id, a, &x), GH_OK);
    return x->revoked_at;
}

/* Deleting a user revokes everything issued to it, and nothing of anyone else. */
static void test_user_delete_cascade(void **state)
{
    fixture *f = *state;
    gh_user u1 = mk_user("u_1", "alice", 1), u2 = mk_user("u_2", "bob", 1);
    gh_token t[4] = {mk_token("a1", "g1", "c1", 9000), mk_token("a2", "g2", "c2", 9000),
                     mk_token("a3", "g3", "c1", 9000), mk_token("b1", "g4", "c1", 9000)};
    gh_session s1 = mk_session("s1", "u_1", 9000), s2 = mk_session("s2", "u_1", 9000);
    gh_session s3 = mk_session("s3", "u_2", 9000);
    gh_consent k1 = mk_consent("u_1", "c1", 10), k2 = mk_consent("u_1", "c2", 10);
    gh_consent k3 = mk_consent("u_2", "c1", 10);

    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &u1), GH_OK);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &u2), GH_OK);
    for (int i = 0; i < 4; i++) {
        t[i].subject = i < 3 ? "u_1" : "u_2";
        assert_int_equal(token_insert(f->s, &t[i]), GH_OK);
    }
    assert_int_equal(revoke_op(f->s, GH_OP_TOKEN_REVOKE, "a3", 20), GH_OK);
    assert_int_equal(session_insert(f->s, &s1), GH_OK);
    assert_int_equal(session_insert(f->s, &s2), GH_OK);
    assert_int_equal(session_insert(f->s, &s3), GH_OK);
    assert_int_equal(revoke_op(f->s, GH_OP_SESSION_REVOKE, "s2", 21), GH_OK);
    assert_int_equal(consent_put(f->s, &k1), GH_OK);
    assert_int_equal(consent_put(f->s, &k2), GH_OK);
    assert_int_equal(consent_put(f->s, &k3), GH_OK);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "u_1", "c2", 22), GH_OK);

    assert_int_equal(revoke_op(f->s, GH_OP_USER_DELETE, "u_1", 50), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "a1"), 50);
    assert_int_equal(revoked_at(f->s, f->a, "a2"), 22); /* by the consent revocation */
    assert_int_equal(revoked_at(f->s, f->a, "a3"), 20); /* already revoked: unchanged */
    assert_int_equal(revoked_at(f->s, f->a, "b1"), 0);
    assert_int_equal(session_revoked_at(f->s, f->a, "s1"), 50);
    assert_int_equal(session_revoked_at(f->s, f->a, "s2"), 21);
    assert_int_equal(session_revoked_at(f->s, f->a, "s3"), 0);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c1")->revoked_at, 50);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c2")->revoked_at, 22);
    assert_int_equal(consent_get(f->s, f->a, "u_2", "c1")->revoked_at, 0);
    gh_user *got = NULL;
    assert_int_equal(gh_store_user_get(f->s, "u_2", f->a, &got), GH_OK);
}

static gh_flow mk_flow(const char *id, int64_t exp)
{
    gh_flow fl = {.id = id,
                  .kind = GH_FLOW_AUTHZ,
                  .state = 1,
                  .client_id = "c1",
                  .subject = NULL,
                  .doc = "{\"redirect_uri\":\"https://app.example/cb\"}",
                  .version = 7, /* ignored: an inserted flow is at version 1 */
                  .created_at = 100,
                  .expires_at = exp};
    return fl;
}

static gh_err flow_op(gh_store *s, gh_store_op_kind kind, const gh_flow *fl)
{
    gh_store_op op = {.kind = kind};
    op.u.flow = fl;
    return commit1(s, &op);
}

static void test_flows(void **state)
{
    fixture *f = *state;
    gh_flow fl = mk_flow("flow-1", 700);
    gh_flow *got = NULL;

    assert_int_equal(gh_store_flow_get(f->s, "flow-1", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &fl), GH_OK);
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &fl), GH_ECONFLICT);
    assert_int_equal(gh_store_flow_get(f->s, "flow-1", f->a, &got), GH_OK);
    assert_string_equal(got->id, "flow-1");
    assert_int_equal(got->kind, GH_FLOW_AUTHZ);
    assert_int_equal(got->state, 1);
    assert_string_equal(got->client_id, "c1");
    assert_null(got->subject);
    assert_string_equal(got->doc, fl.doc);
    assert_int_equal(got->version, 1);
    assert_int_equal(got->created_at, 100);
    assert_int_equal(got->expires_at, 700);

    /* Update with the version read: state, subject, doc, expires_at; version + 1. */
    gh_flow u = *got;
    u.state = 2;
    u.subject = "u_1";
    u.doc = "{\"login\":\"accepted\"}";
    u.expires_at = 800;
    u.client_id = "other"; /* not an updated field */
    u.kind = GH_FLOW_LOGOUT;
    u.created_at = 5;
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_UPDATE, &u), GH_OK);
    assert_int_equal(gh_store_flow_get(f->s, "flow-1", f->a, &got), GH_OK);
    assert_int_equal(got->state, 2);
    assert_string_equal(got->subject, "u_1");
    assert_string_equal(got->doc, "{\"login\":\"accepted\"}");
    assert_int_equal(got->expires_at, 800);
    assert_int_equal(got->version, 2);
    assert_string_equal(got->client_id, "c1");
    assert_int_equal(got->kind, GH_FLOW_AUTHZ);
    assert_int_equal(got->created_at, 100);

    /* A second answer built on the same read (version 1) conflicts and changes nothing. */
    gh_flow stale = u;
    stale.state = 6;
    stale.doc = "{\"login\":\"rejected\"}";
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_UPDATE, &stale), GH_ECONFLICT);
    assert_int_equal(gh_store_flow_get(f->s, "flow-1", f->a, &got), GH_OK);
    assert_int_equal(got->state, 2);
    assert_int_equal(got->version, 2);
    assert_string_equal(got->doc, "{\"login\":\"accepted\"}");
    /* A version from the future conflicts too. */
    stale.version = 3;
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_UPDATE, &stale), GH_ECONFLICT);
    /* The current version goes through. */
    stale.version = 2;
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_UPDATE, &stale), GH_OK);
    assert_int_equal(gh_store_flow_get(f->s, "flow-1", f->a, &got), GH_OK);
    assert_int_equal(got->state, 6);
    assert_int_equal(got->version, 3);

    gh_flow missing = mk_flow("flow-9", 1);
    missing.version = 1;
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_UPDATE, &missing), GH_ENOTFOUND);
    /* A logout flow without a client, subject or doc. */
    gh_flow lo = {.id = "flow-2", .kind = GH_FLOW_LOGOUT, .state = 1, .created_at = 1,
                  .expires_at = 2};
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &lo), GH_OK);
    assert_int_equal(gh_store_flow_get(f->s, "flow-2", f->a, &got), GH_OK);
    assert_int_equal(got->kind, GH_FLOW_LOGOUT);
    assert_null(got->client_id);
    assert_null(got->subject);
    assert_null(got->doc);
    gh_flow noid = mk_flow(NULL, 1);
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &noid), GH_EINVAL);
}

static void test_sessions(void **state)
{
    fixture *f = *state;
    gh_session s1 = mk_session("sid-1", "u_1", 5000);
    gh_session *got = NULL;

    assert_int_equal(gh_store_session_get(f->s, "sid-1", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(session_insert(f->s, &s1), GH_OK);
    assert_int_equal(session_insert(f->s, &s1), GH_ECONFLICT);
    assert_int_equal(gh_store_session_get(f->s, "sid-1", f->a, &got), GH_OK);
    assert_string_equal(got->id, "sid-1");
    assert_memory_equal(got->secret_hash, s1.secret_hash, GH_SHA256_LEN);
    assert_string_equal(got->subject, "u_1");
    assert_int_equal(got->auth_time, 90);
    assert_int_equal(got->created_at, 100);
    assert_int_equal(got->expires_at, 5000);
    assert_int_equal(got->revoked_at, 0);
    assert_string_equal(got->doc, "{\"amr\":[\"pwd\"]}");

    gh_session s2 = mk_session("sid-2", "u_1", 5000);
    s2.doc = NULL;
    assert_int_equal(session_insert(f->s, &s2), GH_OK);
    assert_int_equal(gh_store_session_get(f->s, "sid-2", f->a, &got), GH_OK);
    assert_null(got->doc);

    /* Revoked once: the first time stays. */
    assert_int_equal(revoke_op(f->s, GH_OP_SESSION_REVOKE, "sid-1", 200), GH_OK);
    assert_int_equal(revoke_op(f->s, GH_OP_SESSION_REVOKE, "sid-1", 300), GH_OK);
    assert_int_equal(session_revoked_at(f->s, f->a, "sid-1"), 200);
    assert_int_equal(session_revoked_at(f->s, f->a, "sid-2"), 0);
    assert_int_equal(revoke_op(f->s, GH_OP_SESSION_REVOKE, "sid-9", 300), GH_ENOTFOUND);
    gh_session bad = mk_session("sid-3", NULL, 1);
    assert_int_equal(session_insert(f->s, &bad), GH_EINVAL);

    /* Every live session of one subject at once; others untouched, revoked ones keep their
     * time, a subject without sessions is not an error. */
    gh_session s4 = mk_session("sid-4", "u_1", 5000);
    gh_session s5 = mk_session("sid-5", "u_2", 5000);
    assert_int_equal(session_insert(f->s, &s4), GH_OK);
    assert_int_equal(session_insert(f->s, &s5), GH_OK);
    assert_int_equal(revoke_op(f->s, GH_OP_SESSION_REVOKE_SUBJECT, "u_1", 400), GH_OK);
    assert_int_equal(session_revoked_at(f->s, f->a, "sid-1"), 200);
    assert_int_equal(session_revoked_at(f->s, f->a, "sid-2"), 400);
    assert_int_equal(session_revoked_at(f->s, f->a, "sid-4"), 400);
    assert_int_equal(session_revoked_at(f->s, f->a, "sid-5"), 0);
    assert_int_equal(revoke_op(f->s, GH_OP_SESSION_REVOKE_SUBJECT, "u_9", 400), GH_OK);
}

static void test_consents(void **state)
{
    fixture *f = *state;
    gh_consent c = mk_consent("u_1", "c1", 100);
    gh_consent *got = NULL;

    assert_int_equal(gh_store_consent_get(f->s, "u_1", "c1", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(consent_put(f->s, &c), GH_OK);
    got = consent_get(f->s, f->a, "u_1", "c1");
    assert_string_equal(got->subject, "u_1");
    assert_string_equal(got->client_id, "c1");
    assert_string_equal(got->scope, "openid profile offline_access");
    assert_string_equal(got->remembered_scope, "openid profile");
    assert_string_equal(got->audience, "https://api.example");
    assert_int_equal(got->catalog_version, 4);
    assert_int_equal(got->granted_at, 100);
    assert_int_equal(got->updated_at, 100);
    assert_int_equal(got->last_used_at, 0);
    assert_int_equal(got->remember_until, 1100);
    assert_int_equal(got->revoked_at, 0);
    assert_string_equal(got->doc, c.doc);
    assert_int_equal(gh_store_consent_get(f->s, "u_1", "c2", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(gh_store_consent_get(f->s, "u_2", "c1", f->a, &got), GH_ENOTFOUND);

    /* A new consent replaces the live row and keeps its granted_at. */
    gh_consent narrower = mk_consent("u_1", "c1", 200);
    narrower.scope = "openid";
    narrower.remembered_scope = "";
    narrower.audience = "";
    narrower.catalog_version = 5;
    narrower.remember_until = 0;
    narrower.doc = NULL;
    assert_int_equal(consent_put(f->s, &narrower), GH_OK);
    got = consent_get(f->s, f->a, "u_1", "c1");
    assert_int_equal(got->granted_at, 100);
    assert_int_equal(got->updated_at, 200);
    assert_string_equal(got->scope, "openid");
    assert_string_equal(got->remembered_scope, "");
    assert_string_equal(got->audience, "");
    assert_int_equal(got->catalog_version, 5);
    assert_int_equal(got->remember_until, 0);
    assert_null(got->doc);

    /* Touch: last_used_at only; a missing row stays missing. */
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_TOUCH, "u_1", "c1", 250), GH_OK);
    got = consent_get(f->s, f->a, "u_1", "c1");
    assert_int_equal(got->last_used_at, 250);
    assert_int_equal(got->updated_at, 200);
    assert_string_equal(got->scope, "openid");
    /* Within a minute of the last touch nothing changes; after it, the touch is recorded. */
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_TOUCH, "u_1", "c1", 310), GH_OK);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c1")->last_used_at, 250);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_TOUCH, "u_1", "c1", 240), GH_OK);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c1")->last_used_at, 250);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_TOUCH, "u_1", "c1", 311), GH_OK);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c1")->last_used_at, 311);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_TOUCH, "u_1", "c9", 250), GH_OK);
    assert_int_equal(gh_store_consent_get(f->s, "u_1", "c9", f->a, &got), GH_ENOTFOUND);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_TOUCH, "u_1", NULL, 250), GH_EINVAL);

    /* Revoked, the row is still read (revoked_at set); a consent after it starts a new life:
     * granted_at is the new one. */
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "u_1", "c1", 300), GH_OK);
    got = consent_get(f->s, f->a, "u_1", "c1");
    assert_int_equal(got->revoked_at, 300);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "u_1", "c1", 310), GH_ENOTFOUND);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c1")->revoked_at, 300);
    gh_consent again = mk_consent("u_1", "c1", 400);
    assert_int_equal(consent_put(f->s, &again), GH_OK);
    got = consent_get(f->s, f->a, "u_1", "c1");
    assert_int_equal(got->granted_at, 400);
    assert_int_equal(got->revoked_at, 0);
    assert_int_equal(got->last_used_at, 0);

    gh_consent bad = mk_consent("u_1", NULL, 1);
    assert_int_equal(consent_put(f->s, &bad), GH_EINVAL);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, NULL, "c1", 1), GH_EINVAL);
}

static void test_consent_list(void **state)
{
    fixture *f = *state;
    /* Subjects chosen so that one is a prefix of another, and a subject plus a client can
     * spell another subject plus client. */
    static const char *const clients[] = {"c5", "c1", "c4", "c2", "c3", "c6", "c0"};
    gh_consent *page = NULL;
    size_t n = 99;

    assert_int_equal(gh_store_consent_list(f->s, "ab", NULL, 10, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 0);
    for (size_t i = 0; i < 7; i++) {
        gh_consent c = mk_consent("ab", clients[i], (int64_t)i);
        assert_int_equal(consent_put(f->s, &c), GH_OK);
    }
    gh_consent other[3] = {mk_consent("a", "bc1", 1), mk_consent("abc", "1", 1),
                           mk_consent("ab2", "c1", 1)};
    for (int i = 0; i < 3; i++)
        assert_int_equal(consent_put(f->s, &other[i]), GH_OK);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "ab", "c3", 50), GH_OK);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "ab", "c0", 50), GH_OK);

    /* The live ones of "ab" in client_id order: c1 c2 c4 c5 c6, in pages of 2. */
    static const char *const want[] = {"c1", "c2", "c4", "c5", "c6"};
    const char *after = NULL;
    size_t seen = 0;
    for (int pageno = 0; pageno < 4; pageno++) {
        assert_int_equal(gh_store_consent_list(f->s, "ab", after, 2, f->a, &page, &n), GH_OK);
        assert_int_equal(n, pageno < 2 ? 2 : pageno == 2 ? 1 : 0);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(page[i].subject, "ab");
            assert_string_equal(page[i].client_id, want[seen]);
            assert_int_equal(page[i].revoked_at, 0);
            seen++;
        }
        if (n)
            after = page[n - 1].client_id;
    }
    assert_int_equal(seen, 5);
    /* after need not exist, nor be live. */
    assert_int_equal(gh_store_consent_list(f->s, "ab", "c3", 10, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 3);
    assert_string_equal(page[0].client_id, "c4");
    assert_int_equal(gh_store_consent_list(f->s, "ab", "c22", 1, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(page[0].client_id, "c4");
    assert_int_equal(gh_store_consent_list(f->s, "a", NULL, 10, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 1);
    assert_string_equal(page[0].client_id, "bc1");
    assert_int_equal(gh_store_consent_list(f->s, "ab", NULL, 0, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 0);
    assert_int_equal(gh_store_consent_list(f->s, "nobody", NULL, 10, f->a, &page, &n), GH_OK);
    assert_int_equal(n, 0);
}

/* CONSENT_REVOKE takes the tokens of that subject and client with it; with no client, every
 * consent and token of the subject. */
static void test_consent_revoke_cascade(void **state)
{
    fixture *f = *state;
    gh_token t[5] = {mk_token("a1", "g1", "c1", 9000), mk_token("a2", "g1", "c1", 9000),
                     mk_token("a3", "g2", "c2", 9000), mk_token("b1", "g3", "c1", 9000),
                     mk_token("cc", "g4", "c1", 9000)};
    const char *subjects[5] = {"u_1", "u_1", "u_1", "u_2", "c1"};
    gh_consent k1 = mk_consent("u_1", "c1", 1), k2 = mk_consent("u_1", "c2", 1);
    gh_consent k3 = mk_consent("u_2", "c1", 1);

    for (int i = 0; i < 5; i++) {
        t[i].subject = subjects[i];
        if (i == 1)
            t[i].kind = GH_TOKEN_REFRESH;
        assert_int_equal(token_insert(f->s, &t[i]), GH_OK);
    }
    assert_int_equal(consent_put(f->s, &k1), GH_OK);
    assert_int_equal(consent_put(f->s, &k2), GH_OK);
    assert_int_equal(consent_put(f->s, &k3), GH_OK);

    /* No live consent for (u_1, c9): nothing happens at all. */
    gh_token extra = mk_token("a4", "g5", "c9", 9000);
    extra.subject = "u_1";
    assert_int_equal(token_insert(f->s, &extra), GH_OK);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "u_1", "c9", 10), GH_ENOTFOUND);
    assert_int_equal(revoked_at(f->s, f->a, "a4"), 0);

    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "u_1", "c1", 20), GH_OK);
    assert_int_equal(revoked_at(f->s, f->a, "a1"), 20);
    assert_int_equal(revoked_at(f->s, f->a, "a2"), 20);
    assert_int_equal(revoked_at(f->s, f->a, "a3"), 0); /* another client */
    assert_int_equal(revoked_at(f->s, f->a, "b1"), 0); /* another subject */
    assert_int_equal(revoked_at(f->s, f->a, "cc"), 0); /* the client's own token */
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c2")->revoked_at, 0);

    /* Every client: the remaining live consent of u_1 and all its live tokens. */
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "u_1", NULL, 30), GH_OK);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c1")->revoked_at, 20);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c2")->revoked_at, 30);
    assert_int_equal(consent_get(f->s, f->a, "u_2", "c1")->revoked_at, 0);
    assert_int_equal(revoked_at(f->s, f->a, "a1"), 20);
    assert_int_equal(revoked_at(f->s, f->a, "a3"), 30);
    assert_int_equal(revoked_at(f->s, f->a, "a4"), 30);
    assert_int_equal(revoked_at(f->s, f->a, "b1"), 0);
    assert_int_equal(consent_ref_op(f->s, GH_OP_CONSENT_REVOKE, "u_1", NULL, 40), GH_ENOTFOUND);
}

static gh_err counter_op(gh_store *s, gh_store_op_kind kind, const char *key, int64_t at,
                         int64_t window)
{
    gh_store_op op = {.kind = kind};
    op.u.counter.key = key;
    op.u.counter.at = at;
    op.u.counter.window = window;
    return commit1(s, &op);
}

static void expect_counter(gh_store *s, gh_arena *a, const char *key, int64_t start,
                           int64_t count)
{
    gh_counter *c = NULL;
    assert_int_equal(gh_store_counter_get(s, key, a, &c), GH_OK);
    assert_string_equal(c->key, key);
    assert_int_equal(c->window_start, start);
    assert_int_equal(c->count, count);
}

static void test_counters(void **state)
{
    fixture *f = *state;
    gh_counter *c = NULL;

    assert_int_equal(gh_store_counter_get(f->s, "acct:alice", f->a, &c), GH_ENOTFOUND);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 1000, 60), GH_OK);
    expect_counter(f->s, f->a, "acct:alice", 1000, 1);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 1030, 60), GH_OK);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 1059, 60), GH_OK);
    expect_counter(f->s, f->a, "acct:alice", 1000, 3);
    /* window_start + window <= at: a new window. */
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 1060, 60), GH_OK);
    expect_counter(f->s, f->a, "acct:alice", 1060, 1);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 1061, 60), GH_OK);
    expect_counter(f->s, f->a, "acct:alice", 1060, 2);
    /* Long after: a new window from that hit. */
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 5000, 60), GH_OK);
    expect_counter(f->s, f->a, "acct:alice", 5000, 1);

    /* Keys are independent. */
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "addr:192.0.2.1", 5001, 60), GH_OK);
    expect_counter(f->s, f->a, "addr:192.0.2.1", 5001, 1);
    expect_counter(f->s, f->a, "acct:alice", 5000, 1);

    /* Several hits in one transaction count each one. */
    gh_arena *a = gh_arena_new(0);
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_op op = {.kind = GH_OP_COUNTER_HIT};
    op.u.counter.key = "acct:alice";
    op.u.counter.at = 5002;
    op.u.counter.window = 60;
    for (int i = 0; i < 4; i++)
        gh_store_txn_add(t, &op);
    assert_int_equal(gh_store_commit(f->s, t), GH_OK);
    gh_arena_free(a);
    expect_counter(f->s, f->a, "acct:alice", 5000, 5);

    /* Reset deletes; resetting a missing counter is no error. */
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_RESET, "acct:alice", 0, 0), GH_OK);
    assert_int_equal(gh_store_counter_get(f->s, "acct:alice", f->a, &c), GH_ENOTFOUND);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_RESET, "acct:alice", 0, 0), GH_OK);
    expect_counter(f->s, f->a, "addr:192.0.2.1", 5001, 1);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 5003, 60), GH_OK);
    expect_counter(f->s, f->a, "acct:alice", 5003, 1);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, NULL, 1, 60), GH_EINVAL);
}

/* PURGE_EXPIRED removes expired flows and sessions too (0: no expiry, kept); consents,
 * users and counters stay. */
static void test_purge_flows_sessions(void **state)
{
    fixture *f = *state;
    gh_flow f1 = mk_flow("f-old", 100), f2 = mk_flow("f-young", 200);
    gh_session s1 = mk_session("s-old", "u_1", 100), s2 = mk_session("s-young", "u_1", 200);
    gh_session s3 = mk_session("s-forever", "u_1", 0);
    gh_consent k = mk_consent("u_1", "c1", 1);
    gh_user u = mk_user("u_1", "alice", 1);
    gh_flow *fl = NULL;
    gh_session *x = NULL;
    gh_consent *kc = NULL;
    gh_user *ug = NULL;
    gh_counter *c = NULL;

    k.remember_until = 50;
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &f1), GH_OK);
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &f2), GH_OK);
    assert_int_equal(session_insert(f->s, &s1), GH_OK);
    assert_int_equal(session_insert(f->s, &s2), GH_OK);
    assert_int_equal(session_insert(f->s, &s3), GH_OK);
    assert_int_equal(consent_put(f->s, &k), GH_OK);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &u), GH_OK);
    assert_int_equal(counter_op(f->s, GH_OP_COUNTER_HIT, "acct:alice", 10, 60), GH_OK);

    gh_store_op op = {.kind = GH_OP_PURGE_EXPIRED};
    op.u.purge.before = 150;
    assert_int_equal(commit1(f->s, &op), GH_OK);
    assert_int_equal(gh_store_flow_get(f->s, "f-old", f->a, &fl), GH_ENOTFOUND);
    assert_int_equal(gh_store_flow_get(f->s, "f-young", f->a, &fl), GH_OK);
    assert_int_equal(gh_store_session_get(f->s, "s-old", f->a, &x), GH_ENOTFOUND);
    assert_int_equal(gh_store_session_get(f->s, "s-young", f->a, &x), GH_OK);
    assert_int_equal(gh_store_session_get(f->s, "s-forever", f->a, &x), GH_OK);
    assert_int_equal(gh_store_consent_get(f->s, "u_1", "c1", f->a, &kc), GH_OK);
    assert_int_equal(gh_store_user_get(f->s, "u_1", f->a, &ug), GH_OK);
    assert_int_equal(gh_store_counter_get(f->s, "acct:alice", f->a, &c), GH_OK);
    /* A purged flow's id may be used again. */
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &f1), GH_OK);
}

/* ---- one batch: the failing transactions roll back alone ---- */

typedef struct batch_wait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    gh_err errs[8];
} batch_wait;

typedef struct batch_one {
    batch_wait *w;
    int i;
} batch_one;

static void batch_done(void *ud, gh_err err)
{
    batch_one *o = ud;
    pthread_mutex_lock(&o->w->mu);
    o->w->errs[o->i] = err;
    o->w->done++;
    pthread_cond_signal(&o->w->cv);
    pthread_mutex_unlock(&o->w->mu);
}

static void test_batch_flow_ops_rollback(void **state)
{
    fixture *f = *state;
    gh_arena *a = gh_arena_new(0);
    gh_token code = mk_token("c.x", "gx", "c1", 9000);
    gh_flow fl = mk_flow("flow-b", 900);
    gh_consent k = mk_consent("u_1", "c1", 1);
    gh_user u = mk_user("u_1", "alice", 1);
    batch_wait w = {.done = 0};
    batch_one ones[6];

    code.kind = GH_TOKEN_CODE;
    code.subject = "u_1";
    assert_int_equal(token_insert(f->s, &code), GH_OK);
    assert_int_equal(flow_op(f->s, GH_OP_FLOW_INSERT, &fl), GH_OK);
    assert_int_equal(consent_put(f->s, &k), GH_OK);
    assert_int_equal(user_op(f->s, GH_OP_USER_INSERT, &u), GH_OK);
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);

    /* Queued back to back, so that the writer takes them in one or few batches:
     * 0: exchange the code (consume, insert an access token, touch the consent)  -> OK
     * 1: exchange it again (consume conflicts; its token must not appear)        -> ECONFLICT
     * 2: answer the flow at version 1 (and count a hit)                          -> OK
     * 3: answer it again at version 1 (and count a hit, insert a session)        -> ECONFLICT
     * 4: insert a user with a taken username (and a kv marker)                   -> ECONFLICT
     * 5: count a hit                                                             -> OK */
    gh_token *at = GH_ARENA_NEWN(a, gh_token, 2);
    at[0] = mk_token("at.0", "gx", "c1", 9000);
    at[1] = mk_token("at.1", "gx", "c1", 9000);
    gh_flow *ans = GH_ARENA_NEWN(a, gh_flow, 2);
    ans[0] = fl;
    ans[0].version = 1;
    ans[0].state = 2;
    ans[1] = ans[0];
    ans[1].state = 6;
    gh_session *sx = GH_ARENA_NEW(a, gh_session);
    *sx = mk_session("s-b", "u_1", 900);
    gh_user *dup = GH_ARENA_NEW(a, gh_user);
    *dup = mk_user("u_2", "alice", 2);
    for (int i = 0; i < 6; i++) {
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_TOKEN_CONSUME};
        switch (i) {
        case 0:
        case 1:
            op.u.revoke.id = "c.x";
            op.u.revoke.at = 500 + i;
            gh_store_txn_add(t, &op);
            op.kind = GH_OP_TOKEN_INSERT;
            op.u.token = &at[i];
            gh_store_txn_add(t, &op);
            op.kind = GH_OP_CONSENT_TOUCH;
            op.u.consent_ref.subject = "u_1";
            op.u.consent_ref.client_id = "c1";
            op.u.consent_ref.at = 500 + i;
            gh_store_txn_add(t, &op);
            break;
        case 2:
        case 3:
            op.kind = GH_OP_COUNTER_HIT;
            op.u.counter.key = "k";
            op.u.counter.at = 600;
            op.u.counter.window = 60;
            gh_store_txn_add(t, &op);
            if (i == 3) {
                op.kind = GH_OP_SESSION_INSERT;
                op.u.session = sx;
                gh_store_txn_add(t, &op);
            }
            op.kind = GH_OP_FLOW_UPDATE;
            op.u.flow = &ans[i - 2];
            gh_store_txn_add(t, &op);
            break;
        case 4:
            op.kind = GH_OP_KV_PUT;
            op.u.kv.key = "marker";
            op.u.kv.value = "x";
            gh_store_txn_add(t, &op);
            op.kind = GH_OP_USER_INSERT;
            op.u.user = dup;
            gh_store_txn_add(t, &op);
            break;
        default:
            op.kind = GH_OP_COUNTER_HIT;
            op.u.counter.key = "k";
            op.u.counter.at = 601;
            op.u.counter.window = 60;
            gh_store_txn_add(t, &op);
            break;
        }
        ones[i] = (batch_one){.w = &w, .i = i};
        gh_store_commit_async(f->s, t, batch_done, &ones[i]);
    }
    pthread_mutex_lock(&w.mu);
    while (w.done < 6)
        pthread_cond_wait(&w.cv, &w.mu);
    pthread_mutex_unlock(&w.mu);
    static const gh_err want[6] = {GH_OK, GH_ECONFLICT, GH_OK, GH_ECONFLICT, GH_ECONFLICT,
                                   GH_OK};
    for (int i = 0; i < 6; i++)
        assert_int_equal(w.errs[i], want[i]);

    gh_token *tok = NULL;
    gh_flow *fg = NULL;
    gh_session *x = NULL;
    gh_user *ug = NULL;
    char *v = NULL;
    assert_int_equal(used_at(f->s, f->a, "c.x"), 500);
    assert_int_equal(gh_store_token_get(f->s, "at.0", f->a, &tok), GH_OK);
    assert_int_equal(gh_store_token_get(f->s, "at.1", f->a, &tok), GH_ENOTFOUND);
    assert_int_equal(consent_get(f->s, f->a, "u_1", "c1")->last_used_at, 500);
    assert_int_equal(gh_store_flow_get(f->s, "flow-b", f->a, &fg), GH_OK);
    assert_int_equal(fg->state, 2);
    assert_int_equal(fg->version, 2);
    assert_int_equal(gh_store_session_get(f->s, "s-b", f->a, &x), GH_ENOTFOUND);
    expect_counter(f->s, f->a, "k", 600, 2); /* transactions 2 and 5, not 3 */
    assert_int_equal(gh_store_kv_get(f->s, "marker", f->a, &v), GH_ENOTFOUND);
    assert_int_equal(gh_store_user_get(f->s, "u_2", f->a, &ug), GH_ENOTFOUND);
    assert_int_equal(gh_store_user_get_by_username(f->s, "alice", f->a, &ug), GH_OK);
    assert_string_equal(ug->id, "u_1");

    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    gh_arena_free(a);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        T(test_migrate_idempotent),
        T(test_clients),
        T(test_client_list_paging),
        T(test_tokens),
        T(test_client_delete_revokes_tokens),
        T(test_jti_replay),
        T(test_keys),
        T(test_catalog),
        T(test_kv),
        T(test_audit_chain),
        T(test_audit_query),
        T(test_failed_txn_rolls_back),
        T(test_concurrent_batches),
        T(test_commit_async),
        T(test_purge),
        T(test_invalid_ops),
        T(test_token_consume),
        T(test_token_consume_rotation_atomic),
        T(test_users),
        T(test_user_list_paging),
        T(test_user_delete_cascade),
        T(test_flows),
        T(test_sessions),
        T(test_consents),
        T(test_consent_list),
        T(test_consent_revoke_cascade),
        T(test_counters),
        T(test_purge_flows_sessions),
        T(test_batch_flow_ops_rollback),
    };
    if (argc != 2) {
        fprintf(stderr, "usage: store_contract mem|sqlite|postgres\n");
        return 2;
    }
    if (strcmp(argv[1], "postgres") == 0) {
        if (!getenv("GH_TEST_PG")) {
            printf("SKIP: postgres (set GH_TEST_PG to run the contract suite on PostgreSQL)\n");
            return 0;
        }
        fprintf(stderr, "store_contract: GH_TEST_PG is set but no postgres backend is built\n");
        return 1;
    }
    if (strcmp(argv[1], "mem") != 0 && strcmp(argv[1], "sqlite") != 0) {
        fprintf(stderr, "store_contract: unknown backend %s\n", argv[1]);
        return 2;
    }
    /* Only a file survives a close and reopen. */
    const struct CMUnitTest on_file[] = {
        T(test_durability),
    };
    g_backend = argv[1];
    int failed = cmocka_run_group_tests_name(argv[1], tests, NULL, NULL);
    if (strcmp(argv[1], "sqlite") == 0) {
        failed += cmocka_run_group_tests_name("sqlite-file", on_file, NULL, NULL);
        /* The same contract on the shared in-memory database. */
        g_backend = "sqlite-memory";
        failed += cmocka_run_group_tests_name("sqlite-memory", tests, NULL, NULL);
    }
    return failed;
}
