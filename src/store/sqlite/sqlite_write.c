/*
 * sqlite_write.c - the SQLite backend's writer operations (called only on the group-commit
 * writer thread, with the writer connection) and its schema migrator.
 *
 * Invariants:
 *  1. A batch is one BEGIN IMMEDIATE .. COMMIT; each store transaction in it is one
 *     SAVEPOINT gh_txn .. RELEASE (or ROLLBACK TO, then RELEASE).
 *  2. The audit chain head (seq, hash of the newest event) is read from the database at the
 *     first audit append of each batch, inside the write transaction, so it is right even if
 *     another process appended meanwhile; then it is kept current in memory. SAVEPOINT saves
 *     it and ROLLBACK TO restores it, so a rolled-back event never becomes a predecessor.
 *  3. audit_events is append-only: nothing here updates or deletes it (the schema's triggers
 *     enforce that), and PURGE_EXPIRED never touches it.
 *  4. Each migration runs in its own transaction together with its schema_migrations row, so
 *     a migration is applied entirely or not at all, and never twice.
 *
 * Checkpoints (5): automatic checkpoints are off. A checkpointer thread with its own
 * connection copies the WAL into the database (a PASSIVE checkpoint, which does not take the
 * write lock), so the bulk of a checkpoint (many ms: it copies pages and syncs the database)
 * never holds up a batch. It runs when asked: by a commit that leaves GH_SQLITE_CKPT_PAGES
 * or more in the WAL (the WAL hook) and by the writer's idle op, which store.c runs when the
 * writer has been idle and every 64 batches under load. Under constant writes the WAL has
 * grown meanwhile, so that checkpoint cannot finish it and the WAL would never start over:
 * the writer's next transaction first runs a PASSIVE checkpoint itself, which copies only
 * what was committed during the background one and so completes; the transaction after it
 * starts the WAL from its beginning. When the WAL still holds more than
 * GH_SQLITE_WAL_TRUNCATE_PAGES after a background checkpoint (readers kept it from
 * finishing), the checkpointer runs a TRUNCATE checkpoint, which waits briefly for readers
 * and the writer. And should the background checkpoints fall behind the writes, a commit
 * that leaves GH_SQLITE_WAL_HARD_PAGES in the WAL checkpoints on the writer thread itself:
 * the WAL cannot grow without bound, whatever the load.
 */
#include <pthread.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "store/migrations.h"
#include "store/sqlite/sqlite_int.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

static const char *const writer_sql[GH_WQ__COUNT] = {
    [GH_WQ_BEGIN] = "BEGIN IMMEDIATE",
    [GH_WQ_COMMIT] = "COMMIT",
    [GH_WQ_ROLLBACK] = "ROLLBACK",
    [GH_WQ_SAVEPOINT] = "SAVEPOINT gh_txn",
    [GH_WQ_RELEASE] = "RELEASE gh_txn",
    [GH_WQ_ROLLBACK_TO] = "ROLLBACK TO gh_txn",
    [GH_WQ_CLIENT_INSERT] = "INSERT INTO clients (client_id, doc, secret_hash, reg_token_hash, "
                            "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [GH_WQ_CLIENT_UPDATE] = "UPDATE clients SET doc = ?2, secret_hash = ?3, reg_token_hash = ?4, "
                            "updated_at = ?6 WHERE client_id = ?1",
    [GH_WQ_CLIENT_DELETE] = "DELETE FROM clients WHERE client_id = ?1",
    [GH_WQ_CLIENT_TOKENS_REVOKE] =
        "UPDATE tokens SET revoked_at = ?2 WHERE client_id = ?1 AND revoked_at = 0",
    [GH_WQ_TOKEN_INSERT] =
        "INSERT INTO tokens (id, kind, format, grant_id, client_id, subject, scope, audience, "
        "catalog_version, issued_at, expires_at, revoked_at, request_id, extra, used_at) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    [GH_WQ_TOKEN_REVOKE] = "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0",
    [GH_WQ_TOKEN_EXISTS] = "SELECT 1 FROM tokens WHERE id = ?1",
    /* One row revokes the grant's tokens, present and future (0005); the first time stays. */
    [GH_WQ_GRANT_REVOKE] = "INSERT INTO grant_revocations (grant_id, client_id, subject, "
                           "revoked_at) VALUES (?1, ?3, ?4, ?2) ON CONFLICT (grant_id) DO NOTHING",
    /* An existing row blocks the insert while it has not expired (expires_at >= now). */
    [GH_WQ_JTI_UPSERT] = "INSERT INTO jtis (ns, jti, expires_at) VALUES (?1, ?2, ?3) "
                         "ON CONFLICT (ns, jti) DO UPDATE SET expires_at = excluded.expires_at "
                         "WHERE jtis.expires_at < ?4",
    [GH_WQ_KEY_INSERT] = "INSERT INTO keys (kid, alg, state, created_at, activated_at, "
                         "retired_at, expires_at, sealed_private, public_jwk) VALUES (?1, ?2, "
                         "?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [GH_WQ_KEY_UPDATE] = "UPDATE keys SET state = ?3, activated_at = ?5, retired_at = ?6, "
                         "expires_at = ?7 WHERE kid = ?1",
    [GH_WQ_CATALOG_INSERT] = "INSERT INTO catalog_versions (version, hash, doc, created_at) "
                             "VALUES (?1, ?2, ?3, ?4)",
    [GH_WQ_KV_INSERT] = "INSERT INTO kv (key, value) VALUES (?1, ?2)",
    [GH_WQ_KV_PUT] = "INSERT INTO kv (key, value) VALUES (?1, ?2) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [GH_WQ_AUDIT_HEAD] = "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
    [GH_WQ_AUDIT_INSERT] =
        "INSERT INTO audit_events (seq, time_us, type, actor, client_id, subject, token_id, "
        "scope, request_id, data, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
        "?10, ?11, ?12)",
    [GH_WQ_PURGE_JTIS] = "DELETE FROM jtis WHERE expires_at < ?1",
    /* expires_at 0 means the token never expires: it is never purged. */
    [GH_WQ_PURGE_TOKENS] = "DELETE FROM tokens WHERE expires_at > 0 AND expires_at < ?1",
    /* The same convention for flows and sessions (0: no expiry). */
    [GH_WQ_PURGE_FLOWS] = "DELETE FROM flows WHERE expires_at > 0 AND expires_at < ?1",
    [GH_WQ_PURGE_SESSIONS] = "DELETE FROM sessions WHERE expires_at > 0 AND expires_at < ?1",
    /* After PURGE_TOKENS: a grant's revocation goes once no token of the grant is left
     * (looked for among its client's and subject's tokens, tokens_client_subject). */
    [GH_WQ_PURGE_GRANT_REVOCATIONS] =
        "DELETE FROM grant_revocations WHERE revoked_at < ?1 AND NOT EXISTS (SELECT 1 FROM "
        "tokens t WHERE t.client_id = grant_revocations.client_id AND t.subject IS "
        "grant_revocations.subject AND t.grant_id = grant_revocations.grant_id)",
    /* Single use, one indexed UPDATE: a row that is used or revoked already does not change
     * (then TOKEN_EXISTS tells a conflict from a missing token). */
    [GH_WQ_TOKEN_CONSUME] =
        "UPDATE tokens SET used_at = ?2 WHERE id = ?1 AND used_at = 0 AND revoked_at = 0 AND "
        "NOT EXISTS (SELECT 1 FROM grant_revocations g WHERE g.grant_id = tokens.grant_id)",
    [GH_WQ_USER_INSERT] = "INSERT INTO users (id, username, password_hash, name, email, "
                          "email_verified, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                          "?6, ?7, ?8)",
    [GH_WQ_USER_UPDATE] = "UPDATE users SET password_hash = ?3, name = ?4, email = ?5, "
                          "email_verified = ?6, updated_at = ?8 WHERE id = ?1",
    [GH_WQ_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
    /* Every client of a subject's tokens: the index tokens_client_subject (0003) leads with
     * client_id, so walk its distinct client_ids (each the least one above the last) and
     * search (client_id, subject) for each, rather than scan the table. */
    [GH_WQ_SUBJECT_TOKENS_REVOKE] =
        "WITH RECURSIVE c(id) AS (SELECT (SELECT min(client_id) FROM tokens) UNION ALL "
        "SELECT (SELECT min(client_id) FROM tokens WHERE client_id > c.id) FROM c "
        "WHERE c.id IS NOT NULL) "
        "UPDATE tokens SET revoked_at = ?2 WHERE client_id IN (SELECT id FROM c) AND "
        "subject = ?1 AND revoked_at = 0",
    [GH_WQ_SUBJECT_CLIENT_TOKENS_REVOKE] = "UPDATE tokens SET revoked_at = ?3 WHERE client_id = ?2 "
                                           "AND subject = ?1 AND revoked_at = 0",
    [GH_WQ_SUBJECT_CONSENTS_REVOKE] =
        "UPDATE consents SET revoked_at = ?2 WHERE subject = ?1 AND revoked_at = 0",
    [GH_WQ_SUBJECT_SESSIONS_REVOKE] =
        "UPDATE sessions SET revoked_at = ?2 WHERE subject = ?1 AND revoked_at = 0",
    /* A flow starts at version 1 whatever the caller's struct says. */
    [GH_WQ_FLOW_INSERT] = "INSERT INTO flows (id, kind, state, client_id, subject, doc, version, "
                          "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
    [GH_WQ_FLOW_UPDATE] = "UPDATE flows SET state = ?3, subject = ?4, doc = ?5, expires_at = ?6, "
                          "version = version + 1 WHERE id = ?1 AND version = ?2",
    [GH_WQ_FLOW_EXISTS] = "SELECT 1 FROM flows WHERE id = ?1",
    [GH_WQ_SESSION_INSERT] = "INSERT INTO sessions (id, secret_hash, subject, auth_time, "
                             "created_at, expires_at, revoked_at, doc) VALUES (?1, ?2, ?3, ?4, "
                             "?5, ?6, ?7, ?8)",
    [GH_WQ_SESSION_REVOKE] =
        "UPDATE sessions SET revoked_at = ?2 WHERE id = ?1 AND revoked_at = 0",
    [GH_WQ_SESSION_EXISTS] = "SELECT 1 FROM sessions WHERE id = ?1",
    /* A replaced row keeps its granted_at while it is live: it is the first consent of the
     * row's life, which only a revocation ends. */
    [GH_WQ_CONSENT_PUT] =
        "INSERT INTO consents (subject, client_id, scope, remembered_scope, audience, "
        "catalog_version, granted_at, updated_at, last_used_at, remember_until, revoked_at, doc) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
        "ON CONFLICT (subject, client_id) DO UPDATE SET scope = excluded.scope, "
        "remembered_scope = excluded.remembered_scope, audience = excluded.audience, "
        "catalog_version = excluded.catalog_version, granted_at = CASE WHEN "
        "consents.revoked_at = 0 THEN consents.granted_at ELSE excluded.granted_at END, "
        "updated_at = excluded.updated_at, last_used_at = excluded.last_used_at, "
        "remember_until = excluded.remember_until, revoked_at = excluded.revoked_at, "
        "doc = excluded.doc",
    /* A touch within a minute of the last one changes nothing, so it dirties no page. */
    [GH_WQ_CONSENT_TOUCH] =
        "UPDATE consents SET last_used_at = ?3 WHERE subject = ?1 AND client_id = ?2 AND "
        "last_used_at < ?3 - " GH_XSTR(GH_SQLITE_TOUCH_SECONDS),
    [GH_WQ_CONSENT_REVOKE] = "UPDATE consents SET revoked_at = ?3 WHERE subject = ?1 AND "
                             "client_id = ?2 AND revoked_at = 0",
    /* Every expression of an UPDATE SET sees the old row: both CASEs test the old window. */
    [GH_WQ_COUNTER_HIT] =
        "INSERT INTO counters (key, window_start, count) VALUES (?1, ?2, 1) "
        "ON CONFLICT (key) DO UPDATE SET "
        "count = CASE WHEN counters.window_start + ?3 <= ?2 THEN 1 ELSE counters.count + 1 END, "
        "window_start = CASE WHEN counters.window_start + ?3 <= ?2 THEN ?2 "
        "ELSE counters.window_start END",
    [GH_WQ_COUNTER_RESET] = "DELETE FROM counters WHERE key = ?1",
};

/* Returns the writer's prepared statement q (prepared on first use), or NULL (logged). */
static sqlite3_stmt *wstmt(gh_sqlite *s, gh_sqlite_wq q)
{
    if (!s->wst[q]) {
        int rc = sqlite3_prepare_v3(s->wdb, writer_sql[q], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->wst[q], NULL);
        if (rc != SQLITE_OK) {
            gh_log(GH_LOG_ERROR, "sqlite: prepare %s: %s", writer_sql[q], sqlite3_errmsg(s->wdb));
            s->wst[q] = NULL;
        }
    }
    return s->wst[q];
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_hash(sqlite3_stmt *st, int i, bool has, const unsigned char *h)
{
    if (has)
        sqlite3_bind_blob(st, i, h, GH_SHA256_LEN, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Steps a bound statement to completion and resets it. */
static gh_err step(gh_sqlite *s, sqlite3_stmt *st, gh_sqlite_wq q)
{
    int rc = sqlite3_step(st);
    gh_err e = GH_OK;
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        e = gh_sqlite__err(s->wdb, rc, writer_sql[q]);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return e;
}

/* Runs statement q without parameters. */
static gh_err run(gh_sqlite *s, gh_sqlite_wq q)
{
    sqlite3_stmt *st = wstmt(s, q);
    return st ? step(s, st, q) : GH_ESTORE;
}

/* ---- transactions ---- */

static gh_err sw_begin(void *h)
{
    gh_sqlite *s = h;
    s->head.loaded = false;
    if (atomic_load_explicit(&s->ckpt_done, memory_order_relaxed) &&
        atomic_exchange(&s->ckpt_done, false))
        /* Section 5: finish the background checkpoint (a few batches' pages). */
        (void)sqlite3_wal_checkpoint_v2(s->wdb, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return run(s, GH_WQ_BEGIN);
}

static gh_err sw_savepoint(void *h)
{
    gh_sqlite *s = h;
    s->sp_head = s->head;
    return run(s, GH_WQ_SAVEPOINT);
}

static gh_err sw_release(void *h)
{
    return run(h, GH_WQ_RELEASE);
}

static gh_err sw_rollback_to(void *h)
{
    gh_sqlite *s = h;
    s->head = s->sp_head;
    gh_err e = run(s, GH_WQ_ROLLBACK_TO);
    if (e == GH_OK)
        e = run(s, GH_WQ_RELEASE);
    return e;
}

static gh_err sw_commit(void *h)
{
    return run(h, GH_WQ_COMMIT);
}

static void sw_rollback(void *h)
{
    gh_sqlite *s = h;
    s->head.loaded = false;
    /* A failed COMMIT may already have ended the transaction. */
    if (!sqlite3_get_autocommit(s->wdb))
        (void)run(s, GH_WQ_ROLLBACK);
}

/* ---- operations ---- */

static gh_err op_client_write(gh_sqlite *s, gh_sqlite_wq q, const gh_client *c)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!c->client_id || !c->doc)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, c->client_id);
    bind_text(st, 2, c->doc);
    bind_hash(st, 3, c->has_secret, c->secret_hash);
    bind_hash(st, 4, c->has_reg_token, c->reg_token_hash);
    if (q == GH_WQ_CLIENT_INSERT)
        sqlite3_bind_int64(st, 5, c->created_at);
    sqlite3_bind_int64(st, 6, c->updated_at);
    gh_err e = step(s, st, q);
    if (e == GH_OK && q == GH_WQ_CLIENT_UPDATE && sqlite3_changes(s->wdb) == 0)
        e = GH_ENOTFOUND;
    return e;
}

/* Binds (id, at) to q and runs it; returns the number of rows changed in *changed. */
static gh_err run_id_at(gh_sqlite *s, gh_sqlite_wq q, const char *id, int64_t at, int *changed)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    gh_err e = step(s, st, q);
    *changed = e == GH_OK ? sqlite3_changes(s->wdb) : 0;
    return e;
}

static gh_err op_grant_revoke(gh_sqlite *s, const gh_store_revoke *r)
{
    if (!r->id || !r->client_id)
        return GH_EINVAL;
    sqlite3_stmt *st = wstmt(s, GH_WQ_GRANT_REVOKE);
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, r->id);
    sqlite3_bind_int64(st, 2, r->at);
    bind_text(st, 3, r->client_id);
    bind_text(st, 4, r->subject);
    return step(s, st, GH_WQ_GRANT_REVOKE);
}

static gh_err op_client_delete(gh_sqlite *s, const char *id, int64_t at)
{
    int changed = 0;
    if (!id)
        return GH_EINVAL;
    gh_err e = run_id_at(s, GH_WQ_CLIENT_DELETE, id, at, &changed);
    if (e == GH_OK && changed == 0)
        return GH_ENOTFOUND;
    if (e == GH_OK)
        e = run_id_at(s, GH_WQ_CLIENT_TOKENS_REVOKE, id, at, &changed);
    return e;
}

static gh_err op_token_insert(gh_sqlite *s, const gh_token *t)
{
    sqlite3_stmt *st = wstmt(s, GH_WQ_TOKEN_INSERT);
    if (!t->id || !t->client_id)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, t->id);
    sqlite3_bind_int(st, 2, (int)t->kind);
    bind_text(st, 3, t->format);
    bind_text(st, 4, t->grant_id);
    bind_text(st, 5, t->client_id);
    bind_text(st, 6, t->subject);
    bind_text(st, 7, t->scope);
    bind_text(st, 8, t->audience);
    sqlite3_bind_int64(st, 9, t->catalog_version);
    sqlite3_bind_int64(st, 10, t->issued_at);
    sqlite3_bind_int64(st, 11, t->expires_at);
    sqlite3_bind_int64(st, 12, t->revoked_at);
    bind_text(st, 13, t->request_id);
    bind_text(st, 14, t->extra);
    sqlite3_bind_int64(st, 15, t->used_at);
    return step(s, st, GH_WQ_TOKEN_INSERT);
}

/* Runs the one-parameter existence query q for id: GH_OK if the row exists, GH_ENOTFOUND if
 * not. */
static gh_err row_exists(gh_sqlite *s, gh_sqlite_wq q, const char *id)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    gh_err e = rc == SQLITE_ROW    ? GH_OK
               : rc == SQLITE_DONE ? GH_ENOTFOUND
                                   : gh_sqlite__err(s->wdb, rc, writer_sql[q]);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return e;
}

/* TOKEN_REVOKE and SESSION_REVOKE: set revoked_at once; GH_ENOTFOUND if the row is missing. */
static gh_err op_revoke_once(gh_sqlite *s, gh_sqlite_wq q, gh_sqlite_wq exists, const char *id,
                             int64_t at)
{
    int changed = 0;
    if (!id)
        return GH_EINVAL;
    gh_err e = run_id_at(s, q, id, at, &changed);
    if (e != GH_OK || changed > 0)
        return e;
    /* Nothing changed: either it is already revoked (fine) or it does not exist. */
    return row_exists(s, exists, id);
}

static gh_err op_token_consume(gh_sqlite *s, const char *id, int64_t at)
{
    int changed = 0;
    /* used_at 0 means "not used": consuming at 0 would leave the token usable again. */
    if (!id || at <= 0)
        return GH_EINVAL;
    gh_err e = run_id_at(s, GH_WQ_TOKEN_CONSUME, id, at, &changed);
    if (e != GH_OK || changed > 0)
        return e;
    /* Nothing changed: used or revoked already (a replay), or missing. */
    e = row_exists(s, GH_WQ_TOKEN_EXISTS, id);
    return e == GH_OK ? GH_ECONFLICT : e;
}

static gh_err op_jti_insert(gh_sqlite *s, const gh_store_op *op)
{
    sqlite3_stmt *st = wstmt(s, GH_WQ_JTI_UPSERT);
    if (!op->u.jti.ns || !op->u.jti.jti)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, op->u.jti.ns);
    bind_text(st, 2, op->u.jti.jti);
    sqlite3_bind_int64(st, 3, op->u.jti.expires_at);
    sqlite3_bind_int64(st, 4, op->u.jti.now);
    gh_err e = step(s, st, GH_WQ_JTI_UPSERT);
    if (e == GH_OK && sqlite3_changes(s->wdb) == 0)
        e = GH_ECONFLICT; /* seen before and not yet expired: a replay */
    return e;
}

static gh_err op_key_write(gh_sqlite *s, gh_sqlite_wq q, const gh_key_row *k)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!k->kid || (q == GH_WQ_KEY_INSERT && (!k->alg || !k->public_jwk)))
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, k->kid);
    sqlite3_bind_int(st, 3, (int)k->state);
    sqlite3_bind_int64(st, 5, k->activated_at);
    sqlite3_bind_int64(st, 6, k->retired_at);
    sqlite3_bind_int64(st, 7, k->expires_at);
    if (q == GH_WQ_KEY_INSERT) {
        bind_text(st, 2, k->alg);
        sqlite3_bind_int64(st, 4, k->created_at);
        if (k->sealed_private)
            sqlite3_bind_blob64(st, 8, k->sealed_private, k->sealed_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 8);
        bind_text(st, 9, k->public_jwk);
    }
    gh_err e = step(s, st, q);
    if (e == GH_OK && q == GH_WQ_KEY_UPDATE && sqlite3_changes(s->wdb) == 0)
        e = GH_ENOTFOUND;
    return e;
}

static gh_err op_catalog_insert(gh_sqlite *s, const gh_catalog_row *c)
{
    sqlite3_stmt *st = wstmt(s, GH_WQ_CATALOG_INSERT);
    if (!c->doc)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    sqlite3_bind_int64(st, 1, c->version);
    sqlite3_bind_blob(st, 2, c->hash, GH_SHA256_LEN, SQLITE_STATIC);
    bind_text(st, 3, c->doc);
    sqlite3_bind_int64(st, 4, c->created_at);
    return step(s, st, GH_WQ_CATALOG_INSERT);
}

static gh_err op_kv(gh_sqlite *s, gh_sqlite_wq q, const char *key, const char *value)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!key || !value)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, key);
    bind_text(st, 2, value);
    return step(s, st, q);
}

static gh_err load_head(gh_sqlite *s)
{
    sqlite3_stmt *st = wstmt(s, GH_WQ_AUDIT_HEAD);
    if (!st)
        return GH_ESTORE;
    gh_err e = GH_OK;
    int rc = sqlite3_step(st);
    memset(s->head.hash, 0, GH_SHA256_LEN);
    s->head.seq = 0;
    if (rc == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(st, 1);
        s->head.seq = sqlite3_column_int64(st, 0);
        if (!p || sqlite3_column_bytes(st, 1) != GH_SHA256_LEN) {
            gh_log(GH_LOG_ERROR, "sqlite: audit event %lld has no valid hash",
                   (long long)s->head.seq);
            e = GH_ESTORE;
        } else {
            memcpy(s->head.hash, p, GH_SHA256_LEN);
        }
    } else if (rc != SQLITE_DONE) {
        e = gh_sqlite__err(s->wdb, rc, writer_sql[GH_WQ_AUDIT_HEAD]);
    }
    sqlite3_reset(st);
    s->head.loaded = e == GH_OK;
    return e;
}

static gh_err op_audit_append(gh_sqlite *s, gh_audit_event *ev)
{
    gh_err e;
    if (!ev->type)
        return GH_EINVAL;
    if (!s->head.loaded && (e = load_head(s)) != GH_OK)
        return e;
    sqlite3_stmt *st = wstmt(s, GH_WQ_AUDIT_INSERT);
    if (!st)
        return GH_ESTORE;
    ev->seq = s->head.seq + 1;
    gh_audit_link(ev, s->head.hash); /* sealed by gh_store_txn_add, on the caller's thread */
    sqlite3_bind_int64(st, 1, ev->seq);
    sqlite3_bind_int64(st, 2, ev->time_us);
    bind_text(st, 3, ev->type);
    bind_text(st, 4, ev->actor);
    bind_text(st, 5, ev->client_id);
    bind_text(st, 6, ev->subject);
    bind_text(st, 7, ev->token_id);
    bind_text(st, 8, ev->scope);
    bind_text(st, 9, ev->request_id);
    bind_text(st, 10, ev->data);
    sqlite3_bind_blob(st, 11, ev->prev_hash, GH_SHA256_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 12, ev->hash, GH_SHA256_LEN, SQLITE_STATIC);
    e = step(s, st, GH_WQ_AUDIT_INSERT);
    if (e == GH_OK) {
        s->head.seq = ev->seq;
        memcpy(s->head.hash, ev->hash, GH_SHA256_LEN);
    }
    return e;
}

static gh_err op_purge(gh_sqlite *s, int64_t before)
{
    gh_err e;
    sqlite3_stmt *st = wstmt(s, GH_WQ_PURGE_JTIS);
    if (!st)
        return GH_ESTORE;
    sqlite3_bind_int64(st, 1, before);
    if ((e = step(s, st, GH_WQ_PURGE_JTIS)) != GH_OK)
        return e;
    static const gh_sqlite_wq rest[] = {GH_WQ_PURGE_TOKENS, GH_WQ_PURGE_GRANT_REVOCATIONS,
                                        GH_WQ_PURGE_FLOWS, GH_WQ_PURGE_SESSIONS};
    for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++) {
        if (!(st = wstmt(s, rest[i])))
            return GH_ESTORE;
        sqlite3_bind_int64(st, 1, before);
        if ((e = step(s, st, rest[i])) != GH_OK)
            return e;
    }
    return GH_OK;
}

/* Binds (a, b, at) to q and runs it; returns the number of rows changed in *changed. */
static gh_err run_pair_at(gh_sqlite *s, gh_sqlite_wq q, const char *a, const char *b, int64_t at,
                          int *changed)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, a);
    bind_text(st, 2, b);
    sqlite3_bind_int64(st, 3, at);
    gh_err e = step(s, st, q);
    *changed = e == GH_OK ? sqlite3_changes(s->wdb) : 0;
    return e;
}

static gh_err op_user_write(gh_sqlite *s, gh_sqlite_wq q, const gh_user *u)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!u->id || !u->password_hash || (q == GH_WQ_USER_INSERT && !u->username))
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, u->id);
    bind_text(st, 3, u->password_hash);
    bind_text(st, 4, u->name);
    bind_text(st, 5, u->email);
    sqlite3_bind_int(st, 6, u->email_verified ? 1 : 0);
    sqlite3_bind_int64(st, 8, u->updated_at);
    if (q == GH_WQ_USER_INSERT) {
        bind_text(st, 2, u->username);
        sqlite3_bind_int64(st, 7, u->created_at);
    }
    gh_err e = step(s, st, q);
    if (e == GH_OK && q == GH_WQ_USER_UPDATE && sqlite3_changes(s->wdb) == 0)
        e = GH_ENOTFOUND;
    return e;
}

/* Deletes the user and revokes what was issued to it: tokens, consents, sessions. */
static gh_err op_user_delete(gh_sqlite *s, const char *id, int64_t at)
{
    static const gh_sqlite_wq cascade[] = {GH_WQ_SUBJECT_TOKENS_REVOKE,
                                           GH_WQ_SUBJECT_CONSENTS_REVOKE,
                                           GH_WQ_SUBJECT_SESSIONS_REVOKE};
    int changed = 0;
    if (!id)
        return GH_EINVAL;
    gh_err e = run_id_at(s, GH_WQ_USER_DELETE, id, at, &changed);
    if (e == GH_OK && changed == 0)
        return GH_ENOTFOUND;
    for (size_t i = 0; e == GH_OK && i < sizeof(cascade) / sizeof(cascade[0]); i++)
        e = run_id_at(s, cascade[i], id, at, &changed);
    return e;
}

static gh_err op_flow_write(gh_sqlite *s, gh_sqlite_wq q, const gh_flow *f)
{
    sqlite3_stmt *st = wstmt(s, q);
    if (!f->id)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, f->id);
    if (q == GH_WQ_FLOW_INSERT) {
        sqlite3_bind_int(st, 2, (int)f->kind);
        sqlite3_bind_int(st, 3, f->state);
        bind_text(st, 4, f->client_id);
        bind_text(st, 5, f->subject);
        bind_text(st, 6, f->doc);
        sqlite3_bind_int64(st, 7, f->created_at);
        sqlite3_bind_int64(st, 8, f->expires_at);
        return step(s, st, q);
    }
    sqlite3_bind_int64(st, 2, f->version);
    sqlite3_bind_int(st, 3, f->state);
    bind_text(st, 4, f->subject);
    bind_text(st, 5, f->doc);
    sqlite3_bind_int64(st, 6, f->expires_at);
    gh_err e = step(s, st, q);
    if (e != GH_OK || sqlite3_changes(s->wdb) > 0)
        return e;
    /* Nothing changed: another update came first (its version moved on), or no such flow. */
    e = row_exists(s, GH_WQ_FLOW_EXISTS, f->id);
    return e == GH_OK ? GH_ECONFLICT : e;
}

static gh_err op_session_insert(gh_sqlite *s, const gh_session *x)
{
    sqlite3_stmt *st = wstmt(s, GH_WQ_SESSION_INSERT);
    if (!x->id || !x->subject)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, x->id);
    sqlite3_bind_blob(st, 2, x->secret_hash, GH_SHA256_LEN, SQLITE_STATIC);
    bind_text(st, 3, x->subject);
    sqlite3_bind_int64(st, 4, x->auth_time);
    sqlite3_bind_int64(st, 5, x->created_at);
    sqlite3_bind_int64(st, 6, x->expires_at);
    sqlite3_bind_int64(st, 7, x->revoked_at);
    bind_text(st, 8, x->doc);
    return step(s, st, GH_WQ_SESSION_INSERT);
}

static gh_err op_consent_put(gh_sqlite *s, const gh_consent *c)
{
    sqlite3_stmt *st = wstmt(s, GH_WQ_CONSENT_PUT);
    if (!c->subject || !c->client_id)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, c->subject);
    bind_text(st, 2, c->client_id);
    bind_text(st, 3, c->scope);
    bind_text(st, 4, c->remembered_scope);
    bind_text(st, 5, c->audience);
    sqlite3_bind_int64(st, 6, c->catalog_version);
    sqlite3_bind_int64(st, 7, c->granted_at);
    sqlite3_bind_int64(st, 8, c->updated_at);
    sqlite3_bind_int64(st, 9, c->last_used_at);
    sqlite3_bind_int64(st, 10, c->remember_until);
    sqlite3_bind_int64(st, 11, c->revoked_at);
    bind_text(st, 12, c->doc);
    return step(s, st, GH_WQ_CONSENT_PUT);
}

/* The live consent of (subject, client_id), or of every client when client_id is NULL, and
 * every live token of the same; GH_ENOTFOUND when no live consent matched. */
static gh_err op_consent_revoke(gh_sqlite *s, const char *subject, const char *client_id,
                                int64_t at)
{
    int changed = 0;
    gh_err e;
    if (!subject)
        return GH_EINVAL;
    if (client_id)
        e = run_pair_at(s, GH_WQ_CONSENT_REVOKE, subject, client_id, at, &changed);
    else
        e = run_id_at(s, GH_WQ_SUBJECT_CONSENTS_REVOKE, subject, at, &changed);
    if (e == GH_OK && changed == 0)
        return GH_ENOTFOUND;
    if (e != GH_OK)
        return e;
    if (client_id)
        return run_pair_at(s, GH_WQ_SUBJECT_CLIENT_TOKENS_REVOKE, subject, client_id, at,
                           &changed);
    return run_id_at(s, GH_WQ_SUBJECT_TOKENS_REVOKE, subject, at, &changed);
}

static gh_err op_counter_hit(gh_sqlite *s, const char *key, int64_t at, int64_t window)
{
    sqlite3_stmt *st = wstmt(s, GH_WQ_COUNTER_HIT);
    if (!key)
        return GH_EINVAL;
    if (!st)
        return GH_ESTORE;
    bind_text(st, 1, key);
    sqlite3_bind_int64(st, 2, at);
    sqlite3_bind_int64(st, 3, window);
    return step(s, st, GH_WQ_COUNTER_HIT);
}

static gh_err sw_apply(void *h, const gh_store_op *op)
{
    gh_sqlite *s = h;
    int changed = 0;

    switch (op->kind) {
    case GH_OP_CLIENT_INSERT:
        return op_client_write(s, GH_WQ_CLIENT_INSERT, op->u.client);
    case GH_OP_CLIENT_UPDATE:
        return op_client_write(s, GH_WQ_CLIENT_UPDATE, op->u.client);
    case GH_OP_CLIENT_DELETE:
        return op_client_delete(s, op->u.revoke.id, op->u.revoke.at);
    case GH_OP_TOKEN_INSERT:
        return op_token_insert(s, op->u.token);
    case GH_OP_TOKEN_REVOKE:
        return op_revoke_once(s, GH_WQ_TOKEN_REVOKE, GH_WQ_TOKEN_EXISTS, op->u.revoke.id,
                              op->u.revoke.at);
    case GH_OP_GRANT_REVOKE:
        return op_grant_revoke(s, &op->u.revoke);
    case GH_OP_JTI_INSERT:
        return op_jti_insert(s, op);
    case GH_OP_KEY_INSERT:
        return op_key_write(s, GH_WQ_KEY_INSERT, op->u.key);
    case GH_OP_KEY_UPDATE:
        return op_key_write(s, GH_WQ_KEY_UPDATE, op->u.key);
    case GH_OP_CATALOG_INSERT:
        return op_catalog_insert(s, op->u.catalog);
    case GH_OP_KV_INSERT:
        return op_kv(s, GH_WQ_KV_INSERT, op->u.kv.key, op->u.kv.value);
    case GH_OP_KV_PUT:
        return op_kv(s, GH_WQ_KV_PUT, op->u.kv.key, op->u.kv.value);
    case GH_OP_AUDIT_APPEND:
        return op_audit_append(s, op->u.event);
    case GH_OP_PURGE_EXPIRED:
        return op_purge(s, op->u.purge.before);
    case GH_OP_TOKEN_CONSUME:
        return op_token_consume(s, op->u.revoke.id, op->u.revoke.at);
    case GH_OP_USER_INSERT:
        return op_user_write(s, GH_WQ_USER_INSERT, op->u.user);
    case GH_OP_USER_UPDATE:
        return op_user_write(s, GH_WQ_USER_UPDATE, op->u.user);
    case GH_OP_USER_DELETE:
        return op_user_delete(s, op->u.revoke.id, op->u.revoke.at);
    case GH_OP_FLOW_INSERT:
        return op_flow_write(s, GH_WQ_FLOW_INSERT, op->u.flow);
    case GH_OP_FLOW_UPDATE:
        return op_flow_write(s, GH_WQ_FLOW_UPDATE, op->u.flow);
    case GH_OP_SESSION_INSERT:
        return op_session_insert(s, op->u.session);
    case GH_OP_SESSION_REVOKE:
        return op_revoke_once(s, GH_WQ_SESSION_REVOKE, GH_WQ_SESSION_EXISTS, op->u.revoke.id,
                              op->u.revoke.at);
    case GH_OP_SESSION_REVOKE_SUBJECT:
        if (!op->u.revoke.id)
            return GH_EINVAL;
        return run_id_at(s, GH_WQ_SUBJECT_SESSIONS_REVOKE, op->u.revoke.id, op->u.revoke.at,
                         &changed);
    case GH_OP_CONSENT_PUT:
        return op_consent_put(s, op->u.consent);
    case GH_OP_CONSENT_TOUCH:
        if (!op->u.consent_ref.subject || !op->u.consent_ref.client_id)
            return GH_EINVAL;
        return run_pair_at(s, GH_WQ_CONSENT_TOUCH, op->u.consent_ref.subject,
                           op->u.consent_ref.client_id, op->u.consent_ref.at, &changed);
    case GH_OP_CONSENT_REVOKE:
        return op_consent_revoke(s, op->u.consent_ref.subject, op->u.consent_ref.client_id,
                                 op->u.consent_ref.at);
    case GH_OP_COUNTER_HIT:
        return op_counter_hit(s, op->u.counter.key, op->u.counter.at, op->u.counter.window);
    case GH_OP_COUNTER_RESET:
        if (!op->u.counter.key)
            return GH_EINVAL;
        return run_id_at(s, GH_WQ_COUNTER_RESET, op->u.counter.key, 0, &changed);
    case GH_OP__COUNT:
        break;
    }
    return GH_EINVAL;
}

/* ---- migrations ---- */

static gh_err exec_sql(sqlite3 *db, const char *sql, const char *what)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        gh_log(GH_LOG_ERROR, "sqlite: %s: %s", what, msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return GH_ESTORE;
    }
    return GH_OK;
}

static const gh_migration *find_migration(int version)
{
    for (unsigned i = 0; i < gh_migrations_sqlite_n; i++) {
        if (gh_migrations_sqlite[i].version == version)
            return &gh_migrations_sqlite[i];
    }
    return NULL;
}

/* Sets *applied when version is recorded in schema_migrations. */
static gh_err is_applied(sqlite3 *db, int version, bool *applied)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return gh_sqlite__err(db, rc, "schema_migrations");
    sqlite3_bind_int(st, 1, version);
    rc = sqlite3_step(st);
    *applied = rc == SQLITE_ROW;
    gh_err e = rc == SQLITE_ROW || rc == SQLITE_DONE ? GH_OK
                                                    : gh_sqlite__err(db, rc, "schema_migrations");
    sqlite3_finalize(st);
    return e;
}

/* GH_ECONFLICT when the database records a migration this binary does not know: it was
 * written by a newer gatehouse. */
static gh_err check_known(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    gh_err e = GH_OK;
    int rc = sqlite3_prepare_v2(db, "SELECT version FROM schema_migrations ORDER BY version", -1,
                                &st, NULL);
    if (rc != SQLITE_OK)
        return gh_sqlite__err(db, rc, "schema_migrations");
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int v = sqlite3_column_int(st, 0);
        if (!find_migration(v)) {
            gh_log(GH_LOG_ERROR,
                   "sqlite: the database has schema version %d, which this gatehouse does not "
                   "know: it was migrated by a newer version",
                   v);
            e = GH_ECONFLICT;
            break;
        }
    }
    if (e == GH_OK && rc != SQLITE_DONE)
        e = gh_sqlite__err(db, rc, "schema_migrations");
    sqlite3_finalize(st);
    return e;
}

static gh_err apply_migration(sqlite3 *db, const gh_migration *m, bool *ran)
{
    bool applied = false;
    gh_err e;
    sqlite3_stmt *st = NULL;

    *ran = false;
    if ((e = exec_sql(db, "BEGIN IMMEDIATE", "migrate: begin")) != GH_OK)
        return e;
    /* Checked again inside the write transaction: another process may have just run it. */
    if ((e = is_applied(db, m->version, &applied)) != GH_OK || applied)
        goto done;
    if ((e = exec_sql(db, m->sql, m->name)) != GH_OK)
        goto done;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO schema_migrations (version, name, applied_at) "
                                "VALUES (?1, ?2, ?3)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(st, 1, m->version);
        sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, gh_clock_now(&gh_clock_system));
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) {
        e = gh_sqlite__err(db, rc, "schema_migrations");
        goto done;
    }
    e = exec_sql(db, "COMMIT", "migrate: commit");
    if (e == GH_OK) {
        *ran = true;
        gh_log(GH_LOG_INFO, "sqlite: applied migration %s", m->name);
    }
done:
    sqlite3_finalize(st);
    if (!sqlite3_get_autocommit(db))
        (void)exec_sql(db, "ROLLBACK", "migrate: rollback");
    return e;
}

static gh_err sw_migrate(void *h, int *out_applied)
{
    gh_sqlite *s = h;
    gh_err e;
    int n = 0;

    *out_applied = 0;
    e = exec_sql(s->wdb,
                 "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                 "name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
                 "migrate: schema_migrations");
    if (e == GH_OK)
        e = check_known(s->wdb);
    for (unsigned i = 0; e == GH_OK && i < gh_migrations_sqlite_n; i++) {
        bool ran = false;
        e = apply_migration(s->wdb, &gh_migrations_sqlite[i], &ran);
        n += ran;
    }
    s->head.loaded = false;
    *out_applied = n;
    return e;
}

/* ---- housekeeping ---- */

/* Asks the checkpointer for a checkpoint; cheap when one is already asked for. */
static void ckpt_request(gh_sqlite *s)
{
    if (!s->ckpt_started || atomic_exchange(&s->ckpt_pending, true))
        return;
    pthread_mutex_lock(&s->ckpt_mu);
    s->ckpt_requested = true;
    pthread_cond_signal(&s->ckpt_cv);
    pthread_mutex_unlock(&s->ckpt_mu);
}

/* The WAL hook on the writer connection: runs after each commit with the WAL's size. */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int pages)
{
    (void)name;
    if (pages >= GH_SQLITE_WAL_HARD_PAGES) {
        /* The background checkpointer is behind: catch up here, after the commit and before
         * the next batch (SQLite allows a checkpoint from the WAL hook; its default
         * autocheckpoint is one). The next transaction then starts the WAL over. */
        int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        /* SQLITE_BUSY: the checkpointer thread is at it already; the next commit retries. */
        if (rc != SQLITE_OK && rc != SQLITE_BUSY)
            gh_log(GH_LOG_WARN, "sqlite: writer checkpoint: %s", sqlite3_errmsg(db));
        return SQLITE_OK;
    }
    if (pages >= GH_SQLITE_CKPT_PAGES)
        ckpt_request(ud);
    return SQLITE_OK;
}

static void checkpoint(gh_sqlite *s)
{
    int nlog = 0, nckpt = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->cdb, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
    if (rc != SQLITE_OK) {
        /* SQLITE_BUSY: the writer is checkpointing (sw_begin, the WAL hook) right now, which
         * does this one's work; under heavy writes that is routine, not worth a warning. */
        if (rc != SQLITE_BUSY)
            gh_log(GH_LOG_WARN, "sqlite: checkpoint: %s", sqlite3_errmsg(s->cdb));
        return;
    }
    if (nlog <= GH_SQLITE_WAL_TRUNCATE_PAGES)
        return;
    /* A long WAL: wait briefly for readers to leave it (and for the writer's batch), then
     * truncate it. A failure leaves it for the next time. */
    sqlite3_busy_timeout(s->cdb, 200);
    rc = sqlite3_wal_checkpoint_v2(s->cdb, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &nckpt);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        gh_log(GH_LOG_WARN, "sqlite: checkpoint: %s", sqlite3_errmsg(s->cdb));
    sqlite3_busy_timeout(s->cdb, GH_SQLITE_BUSY_MS);
}

static void *checkpointer_main(void *arg)
{
    gh_sqlite *s = arg;
#ifdef __linux__
    (void)prctl(PR_SET_NAME, "gh-store-ckpt", 0, 0, 0);
#endif
    pthread_mutex_lock(&s->ckpt_mu);
    for (;;) {
        while (!s->ckpt_requested && !s->ckpt_stop)
            pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
        if (s->ckpt_stop)
            break;
        s->ckpt_requested = false;
        pthread_mutex_unlock(&s->ckpt_mu);
        atomic_store(&s->ckpt_pending, false);
        checkpoint(s);
        atomic_store(&s->ckpt_done, true);
        pthread_mutex_lock(&s->ckpt_mu);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    return NULL;
}

gh_err gh_sqlite__checkpointer_start(gh_sqlite *s)
{
    gh_err e = gh_sqlite__connect(s, GH_SQLITE_CHECKPOINTER, &s->cdb);
    if (e != GH_OK)
        return e;
    if (pthread_create(&s->ckpt_thread, NULL, checkpointer_main, s) != 0) {
        gh_log(GH_LOG_ERROR, "sqlite: cannot start the checkpointer thread");
        sqlite3_close_v2(s->cdb);
        s->cdb = NULL;
        return GH_EINTERNAL;
    }
    s->ckpt_started = true;
    sqlite3_wal_hook(s->wdb, wal_hook, s);
    return GH_OK;
}

void gh_sqlite__checkpointer_stop(gh_sqlite *s)
{
    if (s->ckpt_started) {
        if (s->wdb)
            sqlite3_wal_hook(s->wdb, NULL, NULL);
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt_stop = true;
        pthread_cond_signal(&s->ckpt_cv);
        pthread_mutex_unlock(&s->ckpt_mu);
        pthread_join(s->ckpt_thread, NULL);
        s->ckpt_started = false;
    }
    if (s->cdb)
        sqlite3_close_v2(s->cdb);
    s->cdb = NULL;
}

static void sw_idle(void *h)
{
    gh_sqlite *s = h;
    if (!s->memory)
        ckpt_request(s);
}

static void sw_close(void *h)
{
    gh_sqlite *s = h;
    if (s && s->wdb && !s->memory)
        (void)sqlite3_wal_checkpoint_v2(s->wdb, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    gh_sqlite__free(s);
}

const gh_store_writer_ops gh_sqlite__writer_ops = {
    .begin = sw_begin,
    .savepoint = sw_savepoint,
    .release = sw_release,
    .rollback_to = sw_rollback_to,
    .commit = sw_commit,
    .rollback = sw_rollback,
    .apply = sw_apply,
    .migrate = sw_migrate,
    .idle = sw_idle,
    .close = sw_close,
};
