/*
 * mem.c - the in-memory store backend: the reference behaviour of the store contract, kept
 * simple so that it is obviously right. It is for tests of the engine; nothing survives
 * gh_store_free.
 *
 * Every table is a sorted array of rows keyed by a string (binary search). Each row lives in
 * its own small arena holding a deep copy of what was stored, and reads deep-copy again into
 * the caller's arena, so no pointer is ever shared with a caller.
 *
 * Invariants:
 *  1. One mutex guards everything. The writer takes it in begin and keeps it until commit or
 *     rollback, so readers see only committed state (as with a real database).
 *  2. Every change inside a transaction appends an undo record (table, key, previous row or
 *     none); a replaced or deleted row is kept in the record, not freed. ROLLBACK TO undoes
 *     back to the savepoint's mark, ROLLBACK undoes everything, COMMIT frees the records.
 *  3. The audit chain head is the last row of the audit table, so undoing an append also
 *     restores the head.
 *  4. usernames maps each user's username to its id (the unique index of the SQLite schema):
 *     a user row and its usernames row are inserted and deleted together.
 *  5. consents are keyed by consent_key(subject, client_id): every key of one subject starts
 *     with the same prefix and then sorts by client_id, so a subject's consents are one run
 *     of the table in client_id order.
 */
#include "store/mem/mem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define MEM_ROW_BLOCK 512
/* CONSENT_TOUCH writes only when last_used_at is older than this (store.h). */
#define MEM_TOUCH_SECONDS 60

typedef struct mrow {
    gh_arena *a;
    const char *key; /* in a */
    void *v;         /* the stored struct, in a */
} mrow;

typedef struct mtable {
    mrow **rows; /* sorted by key */
    size_t n, cap;
} mtable;

typedef struct mundo {
    mtable *t;
    char *key;  /* heap */
    mrow *prev; /* the row before the change, NULL if there was none */
} mundo;

typedef struct gh_mem {
    pthread_mutex_t mu;
    mtable clients, tokens, jtis, keys, catalog, kv, audit;
    mtable users, usernames, flows, sessions, consents, counters;
    mtable grants; /* revoked grants: grant_row by grant_id */
    /* Writer state, valid while the writer holds mu. */
    mundo *undo;
    size_t nundo, capundo;
    size_t sp_mark; /* undo length when the savepoint was taken */
} gh_mem;

typedef struct jti_row {
    int64_t expires_at;
} jti_row;

/* A revoked grant (GH_OP_GRANT_REVOKE): its tokens, and any inserted into it later, are
 * revoked as of revoked_at. */
typedef struct grant_row {
    int64_t revoked_at;
} grant_row;

/* ---- rows and tables ---- */

static mrow *row_new(const char *key)
{
    mrow *r = gh_xcalloc(1, sizeof(*r));
    r->a = gh_arena_new(MEM_ROW_BLOCK);
    r->key = gh_arena_strdup(r->a, key);
    return r;
}

static void row_free(mrow *r)
{
    if (r) {
        gh_arena_free(r->a);
        free(r);
    }
}

/* Returns the index of key, or where it would be inserted; *found says which. */
static size_t tfind(const mtable *t, const char *key, bool *found)
{
    size_t lo = 0, hi = t->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->rows[mid]->key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static mrow *tget(const mtable *t, const char *key)
{
    bool found;
    size_t i = tfind(t, key, &found);
    return found ? t->rows[i] : NULL;
}

/* Stores r under its key; returns the row it replaced (the caller owns it), or NULL. */
static mrow *tset(mtable *t, mrow *r)
{
    bool found;
    size_t i = tfind(t, r->key, &found);
    if (found) {
        mrow *old = t->rows[i];
        t->rows[i] = r;
        return old;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = gh_xrealloc(t->rows, t->cap * sizeof(*t->rows));
    }
    memmove(&t->rows[i + 1], &t->rows[i], (t->n - i) * sizeof(*t->rows));
    t->rows[i] = r;
    t->n++;
    return NULL;
}

/* Removes key; returns the removed row (the caller owns it), or NULL. */
static mrow *tremove(mtable *t, const char *key)
{
    bool found;
    size_t i = tfind(t, key, &found);
    if (!found)
        return NULL;
    mrow *old = t->rows[i];
    memmove(&t->rows[i], &t->rows[i + 1], (t->n - i - 1) * sizeof(*t->rows));
    t->n--;
    return old;
}

static void tclear(mtable *t)
{
    for (size_t i = 0; i < t->n; i++)
        row_free(t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof(*t));
}

/* ---- changes with undo ---- */

static void undo_push(gh_mem *m, mtable *t, const char *key, mrow *prev)
{
    if (m->nundo == m->capundo) {
        m->capundo = m->capundo ? m->capundo * 2 : 64;
        m->undo = gh_xrealloc(m->undo, m->capundo * sizeof(*m->undo));
    }
    m->undo[m->nundo++] = (mundo){.t = t, .key = gh_xstrdup(key), .prev = prev};
}

/* Inserts or replaces r, recording how to undo it. */
static void put(gh_mem *m, mtable *t, mrow *r)
{
    mrow *prev = tset(t, r);
    undo_push(m, t, r->key, prev);
}

static void del(gh_mem *m, mtable *t, const char *key)
{
    mrow *prev = tremove(t, key);
    if (prev)
        undo_push(m, t, prev->key, prev);
}

/* Undoes every change after mark, newest first. */
static void undo_to(gh_mem *m, size_t mark)
{
    while (m->nundo > mark) {
        mundo *u = &m->undo[--m->nundo];
        mrow *cur = u->prev ? tset(u->t, u->prev) : tremove(u->t, u->key);
        row_free(cur);
        free(u->key);
    }
}

/* Forgets the undo records (the changes are final): frees the rows they kept. */
static void undo_forget(gh_mem *m)
{
    for (size_t i = 0; i < m->nundo; i++) {
        row_free(m->undo[i].prev);
        free(m->undo[i].key);
    }
    m->nundo = 0;
}

/* ---- deep copies ---- */

static void copy_client(gh_arena *a, gh_client *d, const gh_client *s)
{
    *d = *s;
    d->client_id = gh_arena_strdup(a, s->client_id);
    d->doc = gh_arena_strdup(a, s->doc);
}

static void copy_token(gh_arena *a, gh_token *d, const gh_token *s)
{
    *d = *s;
    d->id = gh_arena_strdup(a, s->id);
    d->format = gh_arena_strdup(a, s->format);
    d->grant_id = gh_arena_strdup(a, s->grant_id);
    d->client_id = gh_arena_strdup(a, s->client_id);
    d->subject = gh_arena_strdup(a, s->subject);
    d->scope = gh_arena_strdup(a, s->scope);
    d->audience = gh_arena_strdup(a, s->audience);
    d->request_id = gh_arena_strdup(a, s->request_id);
    d->extra = gh_arena_strdup(a, s->extra);
}

static void copy_key(gh_arena *a, gh_key_row *d, const gh_key_row *s)
{
    *d = *s;
    d->kid = gh_arena_strdup(a, s->kid);
    d->alg = gh_arena_strdup(a, s->alg);
    d->public_jwk = gh_arena_strdup(a, s->public_jwk);
    d->sealed_private = s->sealed_private && s->sealed_len
                            ? gh_arena_memdup(a, s->sealed_private, s->sealed_len)
                            : NULL;
    d->sealed_len = d->sealed_private ? s->sealed_len : 0;
}

static void copy_catalog(gh_arena *a, gh_catalog_row *d, const gh_catalog_row *s)
{
    *d = *s;
    d->doc = gh_arena_strdup(a, s->doc);
}

static void copy_event(gh_arena *a, gh_audit_event *d, const gh_audit_event *s)
{
    *d = *s;
    d->type = gh_arena_strdup(a, s->type);
    d->actor = gh_arena_strdup(a, s->actor);
    d->client_id = gh_arena_strdup(a, s->client_id);
    d->subject = gh_arena_strdup(a, s->subject);
    d->token_id = gh_arena_strdup(a, s->token_id);
    d->scope = gh_arena_strdup(a, s->scope);
    d->request_id = gh_arena_strdup(a, s->request_id);
    d->data = gh_arena_strdup(a, s->data);
}

/* A key for an integer: zero-padded so that string order is numeric order (for v >= 0). */
static void int_key(int64_t v, char out[24])
{
    int n = snprintf(out, 24, "%020lld", (long long)v);
    gh_assert(n > 0 && n < 24);
}

/* A key for (ns, jti) that no other pair can produce: the length of ns leads. */
static char *jti_key(const char *ns, const char *jti)
{
    size_t n = strlen(ns) + strlen(jti) + 24;
    char *k = gh_xmalloc(n);
    int w = snprintf(k, n, "%zu:%s%s", strlen(ns), ns, jti);
    gh_assert(w > 0 && (size_t)w < n);
    return k;
}

static void copy_user(gh_arena *a, gh_user *d, const gh_user *s)
{
    *d = *s;
    d->id = gh_arena_strdup(a, s->id);
    d->username = gh_arena_strdup(a, s->username);
    d->password_hash = gh_arena_strdup(a, s->password_hash);
    d->name = gh_arena_strdup(a, s->name);
    d->email = gh_arena_strdup(a, s->email);
}

static void copy_flow(gh_arena *a, gh_flow *d, const gh_flow *s)
{
    *d = *s;
    d->id = gh_arena_strdup(a, s->id);
    d->client_id = gh_arena_strdup(a, s->client_id);
    d->subject = gh_arena_strdup(a, s->subject);
    d->doc = gh_arena_strdup(a, s->doc);
}

static void copy_session(gh_arena *a, gh_session *d, const gh_session *s)
{
    *d = *s;
    d->id = gh_arena_strdup(a, s->id);
    d->subject = gh_arena_strdup(a, s->subject);
    d->doc = gh_arena_strdup(a, s->doc);
}

static void copy_consent(gh_arena *a, gh_consent *d, const gh_consent *s)
{
    *d = *s;
    d->subject = gh_arena_strdup(a, s->subject);
    d->client_id = gh_arena_strdup(a, s->client_id);
    d->scope = gh_arena_strdup(a, s->scope);
    d->remembered_scope = gh_arena_strdup(a, s->remembered_scope);
    d->audience = gh_arena_strdup(a, s->audience);
    d->doc = gh_arena_strdup(a, s->doc);
}

static void copy_counter(gh_arena *a, gh_counter *d, const gh_counter *s)
{
    *d = *s;
    d->key = gh_arena_strdup(a, s->key);
}

/* The key of a consent row (invariant 5): the length of subject leads, so that no other pair
 * produces it and a subject's keys share the prefix consent_key(subject, ""). Heap. */
static char *consent_key(const char *subject, const char *client_id)
{
    return jti_key(subject, client_id);
}

/* ---- operations ---- */

static gh_err op_client(gh_mem *m, const gh_client *c, bool insert)
{
    if (!c->client_id || !c->doc)
        return GH_EINVAL;
    mrow *cur = tget(&m->clients, c->client_id);
    if (insert && cur)
        return GH_ECONFLICT;
    if (!insert && !cur)
        return GH_ENOTFOUND;
    mrow *r = row_new(c->client_id);
    gh_client *v = GH_ARENA_NEW(r->a, gh_client);
    copy_client(r->a, v, c);
    if (!insert)
        v->created_at = ((const gh_client *)cur->v)->created_at;
    r->v = v;
    put(m, &m->clients, r);
    return GH_OK;
}

/* Sets revoked_at = at on the token row if it is not revoked yet (copy on write). */
static void revoke_row(gh_mem *m, const mrow *cur, int64_t at)
{
    const gh_token *t = cur->v;
    if (t->revoked_at != 0)
        return;
    mrow *r = row_new(cur->key);
    gh_token *v = GH_ARENA_NEW(r->a, gh_token);
    copy_token(r->a, v, t);
    v->revoked_at = at;
    r->v = v;
    put(m, &m->tokens, r);
}

/* Revokes every token whose client_id (by_client) or grant_id matches id. */
static void revoke_matching(gh_mem *m, const char *id, bool by_client, int64_t at)
{
    /* Replacing a row keeps the array's order, so indexing stays valid. */
    for (size_t i = 0; i < m->tokens.n; i++) {
        const gh_token *t = m->tokens.rows[i]->v;
        const char *field = by_client ? t->client_id : t->grant_id;
        if (field && strcmp(field, id) == 0)
            revoke_row(m, m->tokens.rows[i], at);
    }
}

static gh_err op_token_insert(gh_mem *m, const gh_token *t)
{
    if (!t->id || !t->client_id)
        return GH_EINVAL;
    if (tget(&m->tokens, t->id))
        return GH_ECONFLICT;
    mrow *r = row_new(t->id);
    gh_token *v = GH_ARENA_NEW(r->a, gh_token);
    copy_token(r->a, v, t);
    const mrow *g = t->grant_id ? tget(&m->grants, t->grant_id) : NULL;
    if (g) {
        int64_t at = ((const grant_row *)g->v)->revoked_at;
        if (v->revoked_at == 0 || at < v->revoked_at)
            v->revoked_at = at;
    }
    r->v = v;
    put(m, &m->tokens, r);
    return GH_OK;
}

static gh_err op_grant_revoke(gh_mem *m, const gh_store_revoke *rv)
{
    if (!rv->id || !rv->client_id)
        return GH_EINVAL;
    revoke_matching(m, rv->id, false, rv->at);
    if (!tget(&m->grants, rv->id)) {
        mrow *r = row_new(rv->id);
        grant_row *v = GH_ARENA_NEW(r->a, grant_row);
        v->revoked_at = rv->at;
        r->v = v;
        put(m, &m->grants, r);
    }
    return GH_OK;
}

static gh_err op_jti(gh_mem *m, const gh_store_op *op)
{
    if (!op->u.jti.ns || !op->u.jti.jti)
        return GH_EINVAL;
    char *k = jti_key(op->u.jti.ns, op->u.jti.jti);
    const mrow *cur = tget(&m->jtis, k);
    gh_err e = GH_OK;
    if (cur && ((const jti_row *)cur->v)->expires_at >= op->u.jti.now) {
        e = GH_ECONFLICT; /* seen before and not yet expired: a replay */
    } else {
        mrow *r = row_new(k);
        jti_row *v = GH_ARENA_NEW(r->a, jti_row);
        v->expires_at = op->u.jti.expires_at;
        r->v = v;
        put(m, &m->jtis, r);
    }
    free(k);
    return e;
}

static gh_err op_key(gh_mem *m, const gh_key_row *k, bool insert)
{
    if (!k->kid || (insert && (!k->alg || !k->public_jwk)))
        return GH_EINVAL;
    const mrow *cur = tget(&m->keys, k->kid);
    if (insert && cur)
        return GH_ECONFLICT;
    if (!insert && !cur)
        return GH_ENOTFOUND;
    mrow *r = row_new(k->kid);
    gh_key_row *v = GH_ARENA_NEW(r->a, gh_key_row);
    if (insert) {
        copy_key(r->a, v, k);
    } else {
        /* An update changes the state and times only. */
        copy_key(r->a, v, cur->v);
        v->state = k->state;
        v->activated_at = k->activated_at;
        v->retired_at = k->retired_at;
        v->expires_at = k->expires_at;
    }
    r->v = v;
    put(m, &m->keys, r);
    return GH_OK;
}

static gh_err op_catalog(gh_mem *m, const gh_catalog_row *c)
{
    char k[24];
    if (!c->doc || c->version < 0)
        return GH_EINVAL;
    int_key(c->version, k);
    if (tget(&m->catalog, k))
        return GH_ECONFLICT;
    mrow *r = row_new(k);
    gh_catalog_row *v = GH_ARENA_NEW(r->a, gh_catalog_row);
    copy_catalog(r->a, v, c);
    r->v = v;
    put(m, &m->catalog, r);
    return GH_OK;
}

static gh_err op_kv(gh_mem *m, const char *key, const char *value, bool insert)
{
    if (!key || !value)
        return GH_EINVAL;
    if (insert && tget(&m->kv, key))
        return GH_ECONFLICT;
    mrow *r = row_new(key);
    r->v = gh_arena_strdup(r->a, value);
    put(m, &m->kv, r);
    return GH_OK;
}

static gh_err op_audit(gh_mem *m, gh_audit_event *e)
{
    static const unsigned char zero[GH_SHA256_LEN];
    char k[24];
    if (!e->type)
        return GH_EINVAL;
    const gh_audit_event *head = m->audit.n ? m->audit.rows[m->audit.n - 1]->v : NULL;
    e->seq = head ? head->seq + 1 : 1;
    gh_audit_link(e, head ? head->hash : zero); /* sealed by gh_store_txn_add */
    int_key(e->seq, k);
    mrow *r = row_new(k);
    gh_audit_event *v = GH_ARENA_NEW(r->a, gh_audit_event);
    copy_event(r->a, v, e);
    /* As in the SQLite backend, the body hash is not stored: reads get it zero, unsealed. */
    memset(v->body_hash, 0, GH_SHA256_LEN);
    v->sealed = false;
    r->v = v;
    put(m, &m->audit, r);
    return GH_OK;
}

static gh_err op_purge(gh_mem *m, int64_t before)
{
    /* Walk backwards: a deletion shifts only rows already visited. */
    for (size_t i = m->jtis.n; i-- > 0;) {
        if (((const jti_row *)m->jtis.rows[i]->v)->expires_at < before)
            del(m, &m->jtis, m->jtis.rows[i]->key);
    }
    for (size_t i = m->tokens.n; i-- > 0;) {
        const gh_token *t = m->tokens.rows[i]->v;
        /* expires_at 0 means the token never expires: it is never purged. */
        if (t->expires_at > 0 && t->expires_at < before)
            del(m, &m->tokens, m->tokens.rows[i]->key);
    }
    /* A grant's revocation goes once no token of the grant is left. */
    for (size_t i = m->grants.n; i-- > 0;) {
        const mrow *g = m->grants.rows[i];
        bool left = false;
        if (((const grant_row *)g->v)->revoked_at >= before)
            continue;
        for (size_t k = 0; k < m->tokens.n && !left; k++) {
            const gh_token *t = m->tokens.rows[k]->v;
            left = t->grant_id && strcmp(t->grant_id, g->key) == 0;
        }
        if (!left)
            del(m, &m->grants, g->key);
    }
    /* The same convention for flows and sessions (0: no expiry). */
    for (size_t i = m->flows.n; i-- > 0;) {
        const gh_flow *f = m->flows.rows[i]->v;
        if (f->expires_at > 0 && f->expires_at < before)
            del(m, &m->flows, m->flows.rows[i]->key);
    }
    for (size_t i = m->sessions.n; i-- > 0;) {
        const gh_session *x = m->sessions.rows[i]->v;
        if (x->expires_at > 0 && x->expires_at < before)
            del(m, &m->sessions, m->sessions.rows[i]->key);
    }
    return GH_OK;
}

/* Replaces the token row cur by a copy (copy on write, with its undo record) and returns the
 * copy, for the caller to change. */
static gh_token *token_cow(gh_mem *m, const mrow *cur)
{
    mrow *r = row_new(cur->key);
    gh_token *v = GH_ARENA_NEW(r->a, gh_token);
    copy_token(r->a, v, cur->v);
    r->v = v;
    put(m, &m->tokens, r);
    return v;
}

static gh_err op_token_consume(gh_mem *m, const char *id, int64_t at)
{
    /* used_at 0 means "not used": consuming at 0 would leave the token usable again. */
    if (!id || at <= 0)
        return GH_EINVAL;
    const mrow *cur = tget(&m->tokens, id);
    if (!cur)
        return GH_ENOTFOUND;
    const gh_token *t = cur->v;
    if (t->used_at != 0 || t->revoked_at != 0)
        return GH_ECONFLICT;
    token_cow(m, cur)->used_at = at;
    return GH_OK;
}

/* Revokes every live token of subject (and of client_id, unless it is NULL). */
static void revoke_subject_tokens(gh_mem *m, const char *subject, const char *client_id,
                                  int64_t at)
{
    for (size_t i = 0; i < m->tokens.n; i++) {
        const gh_token *t = m->tokens.rows[i]->v;
        if (t->subject && strcmp(t->subject, subject) == 0 &&
            (!client_id || strcmp(t->client_id, client_id) == 0))
            revoke_row(m, m->tokens.rows[i], at);
    }
}

static gh_err op_user(gh_mem *m, const gh_user *u, bool insert)
{
    if (!u->id || !u->password_hash || (insert && !u->username))
        return GH_EINVAL;
    const mrow *cur = tget(&m->users, u->id);
    if (insert && (cur || tget(&m->usernames, u->username)))
        return GH_ECONFLICT;
    if (!insert && !cur)
        return GH_ENOTFOUND;
    mrow *r = row_new(u->id);
    gh_user *v = GH_ARENA_NEW(r->a, gh_user);
    copy_user(r->a, v, u);
    if (!insert) {
        /* Every field but id, username and created_at. */
        const gh_user *old = cur->v;
        v->username = gh_arena_strdup(r->a, old->username);
        v->created_at = old->created_at;
    }
    r->v = v;
    put(m, &m->users, r);
    if (insert) {
        mrow *n = row_new(u->username);
        n->v = gh_arena_strdup(n->a, u->id);
        put(m, &m->usernames, n);
    }
    return GH_OK;
}

/* Sets revoked_at = at on every live consent of subject (and of client_id unless NULL);
 * returns how many. */
static size_t revoke_consents(gh_mem *m, const char *subject, const char *client_id,
                              int64_t at)
{
    char *prefix = consent_key(subject, "");
    size_t plen = strlen(prefix), n = 0;
    bool found;
    for (size_t i = tfind(&m->consents, prefix, &found); i < m->consents.n; i++) {
        const mrow *cur = m->consents.rows[i];
        if (strncmp(cur->key, prefix, plen) != 0)
            break;
        const gh_consent *c = cur->v;
        if (c->revoked_at != 0 || (client_id && strcmp(c->client_id, client_id) != 0))
            continue;
        mrow *r = row_new(cur->key);
        gh_consent *v = GH_ARENA_NEW(r->a, gh_consent);
        copy_consent(r->a, v, c);
        v->revoked_at = at;
        r->v = v;
        put(m, &m->consents, r); /* replaces in place: i stays valid */
        n++;
    }
    free(prefix);
    return n;
}

static void revoke_session_row(gh_mem *m, const mrow *cur, int64_t at)
{
    const gh_session *x = cur->v;
    if (x->revoked_at != 0)
        return;
    mrow *r = row_new(cur->key);
    gh_session *v = GH_ARENA_NEW(r->a, gh_session);
    copy_session(r->a, v, x);
    v->revoked_at = at;
    r->v = v;
    put(m, &m->sessions, r);
}

static void revoke_subject_sessions(gh_mem *m, const char *subject, int64_t at)
{
    for (size_t i = 0; i < m->sessions.n; i++) {
        const gh_session *x = m->sessions.rows[i]->v;
        if (strcmp(x->subject, subject) == 0)
            revoke_session_row(m, m->sessions.rows[i], at);
    }
}

static gh_err op_user_delete(gh_mem *m, const char *id, int64_t at)
{
    if (!id)
        return GH_EINVAL;
    const mrow *cur = tget(&m->users, id);
    if (!cur)
        return GH_ENOTFOUND;
    del(m, &m->usernames, ((const gh_user *)cur->v)->username);
    del(m, &m->users, id); /* cur is now kept by the undo record, not freed */
    revoke_subject_tokens(m, id, NULL, at);
    (void)revoke_consents(m, id, NULL, at);
    revoke_subject_sessions(m, id, at);
    return GH_OK;
}

static gh_err op_flow(gh_mem *m, const gh_flow *f, bool insert)
{
    if (!f->id)
        return GH_EINVAL;
    const mrow *cur = tget(&m->flows, f->id);
    if (insert && cur)
        return GH_ECONFLICT;
    if (!insert && !cur)
        return GH_ENOTFOUND;
    const gh_flow *old = insert ? NULL : cur->v;
    if (old && old->version != f->version)
        return GH_ECONFLICT; /* another update came first */
    mrow *r = row_new(f->id);
    gh_flow *v = GH_ARENA_NEW(r->a, gh_flow);
    if (insert) {
        copy_flow(r->a, v, f);
        v->version = 1;
    } else {
        /* state, subject, doc, expires_at and the next version; the rest stays. */
        copy_flow(r->a, v, old);
        v->state = f->state;
        v->subject = gh_arena_strdup(r->a, f->subject);
        v->doc = gh_arena_strdup(r->a, f->doc);
        v->expires_at = f->expires_at;
        v->version = old->version + 1;
    }
    r->v = v;
    put(m, &m->flows, r);
    return GH_OK;
}

static gh_err op_session_insert(gh_mem *m, const gh_session *x)
{
    if (!x->id || !x->subject)
        return GH_EINVAL;
    if (tget(&m->sessions, x->id))
        return GH_ECONFLICT;
    mrow *r = row_new(x->id);
    gh_session *v = GH_ARENA_NEW(r->a, gh_session);
    copy_session(r->a, v, x);
    r->v = v;
    put(m, &m->sessions, r);
    return GH_OK;
}

static gh_err op_consent_put(gh_mem *m, const gh_consent *c)
{
    if (!c->subject || !c->client_id)
        return GH_EINVAL;
    char *k = consent_key(c->subject, c->client_id);
    const mrow *cur = tget(&m->consents, k);
    mrow *r = row_new(k);
    free(k);
    gh_consent *v = GH_ARENA_NEW(r->a, gh_consent);
    copy_consent(r->a, v, c);
    /* A live row being replaced keeps the time of its first consent. */
    if (cur && ((const gh_consent *)cur->v)->revoked_at == 0)
        v->granted_at = ((const gh_consent *)cur->v)->granted_at;
    r->v = v;
    put(m, &m->consents, r);
    return GH_OK;
}

static gh_err op_consent_touch(gh_mem *m, const char *subject, const char *client_id,
                               int64_t at)
{
    if (!subject || !client_id)
        return GH_EINVAL;
    char *k = consent_key(subject, client_id);
    const mrow *cur = tget(&m->consents, k);
    free(k);
    /* Within a minute of the last touch: nothing to do (store.h). */
    if (!cur || ((const gh_consent *)cur->v)->last_used_at >= at - MEM_TOUCH_SECONDS)
        return GH_OK;
    mrow *r = row_new(cur->key);
    gh_consent *v = GH_ARENA_NEW(r->a, gh_consent);
    copy_consent(r->a, v, cur->v);
    v->last_used_at = at;
    r->v = v;
    put(m, &m->consents, r);
    return GH_OK;
}

static gh_err op_consent_revoke(gh_mem *m, const char *subject, const char *client_id,
                                int64_t at)
{
    if (!subject)
        return GH_EINVAL;
    if (revoke_consents(m, subject, client_id, at) == 0)
        return GH_ENOTFOUND;
    revoke_subject_tokens(m, subject, client_id, at);
    return GH_OK;
}

static gh_err op_counter_hit(gh_mem *m, const char *key, int64_t at, int64_t window)
{
    if (!key)
        return GH_EINVAL;
    const mrow *cur = tget(&m->counters, key);
    const gh_counter *old = cur ? cur->v : NULL;
    mrow *r = row_new(key);
    gh_counter *v = GH_ARENA_NEW(r->a, gh_counter);
    v->key = r->key;
    if (!old || old->window_start + window <= at) {
        v->window_start = at; /* a new window */
        v->count = 1;
    } else {
        v->window_start = old->window_start;
        v->count = old->count + 1;
    }
    r->v = v;
    put(m, &m->counters, r);
    return GH_OK;
}

static gh_err mw_apply(void *h, const gh_store_op *op)
{
    gh_mem *m = h;
    switch (op->kind) {
    case GH_OP_CLIENT_INSERT:
        return op_client(m, op->u.client, true);
    case GH_OP_CLIENT_UPDATE:
        return op_client(m, op->u.client, false);
    case GH_OP_CLIENT_DELETE:
        if (!op->u.revoke.id)
            return GH_EINVAL;
        if (!tget(&m->clients, op->u.revoke.id))
            return GH_ENOTFOUND;
        del(m, &m->clients, op->u.revoke.id);
        revoke_matching(m, op->u.revoke.id, true, op->u.revoke.at);
        return GH_OK;
    case GH_OP_TOKEN_INSERT:
        return op_token_insert(m, op->u.token);
    case GH_OP_TOKEN_REVOKE: {
        if (!op->u.revoke.id)
            return GH_EINVAL;
        const mrow *cur = tget(&m->tokens, op->u.revoke.id);
        if (!cur)
            return GH_ENOTFOUND;
        revoke_row(m, cur, op->u.revoke.at);
        return GH_OK;
    }
    case GH_OP_GRANT_REVOKE:
        return op_grant_revoke(m, &op->u.revoke);
    case GH_OP_JTI_INSERT:
        return op_jti(m, op);
    case GH_OP_KEY_INSERT:
        return op_key(m, op->u.key, true);
    case GH_OP_KEY_UPDATE:
        return op_key(m, op->u.key, false);
    case GH_OP_CATALOG_INSERT:
        return op_catalog(m, op->u.catalog);
    case GH_OP_KV_INSERT:
        return op_kv(m, op->u.kv.key, op->u.kv.value, true);
    case GH_OP_KV_PUT:
        return op_kv(m, op->u.kv.key, op->u.kv.value, false);
    case GH_OP_AUDIT_APPEND:
        return op_audit(m, op->u.event);
    case GH_OP_PURGE_EXPIRED:
        return op_purge(m, op->u.purge.before);
    case GH_OP_TOKEN_CONSUME:
        return op_token_consume(m, op->u.revoke.id, op->u.revoke.at);
    case GH_OP_USER_INSERT:
        return op_user(m, op->u.user, true);
    case GH_OP_USER_UPDATE:
        return op_user(m, op->u.user, false);
    case GH_OP_USER_DELETE:
        return op_user_delete(m, op->u.revoke.id, op->u.revoke.at);
    case GH_OP_FLOW_INSERT:
        return op_flow(m, op->u.flow, true);
    case GH_OP_FLOW_UPDATE:
        return op_flow(m, op->u.flow, false);
    case GH_OP_SESSION_INSERT:
        return op_session_insert(m, op->u.session);
    case GH_OP_SESSION_REVOKE: {
        if (!op->u.revoke.id)
            return GH_EINVAL;
        const mrow *cur = tget(&m->sessions, op->u.revoke.id);
        if (!cur)
            return GH_ENOTFOUND;
        revoke_session_row(m, cur, op->u.revoke.at);
        return GH_OK;
    }
    case GH_OP_SESSION_REVOKE_SUBJECT:
        if (!op->u.revoke.id)
            return GH_EINVAL;
        revoke_subject_sessions(m, op->u.revoke.id, op->u.revoke.at);
        return GH_OK;
    case GH_OP_CONSENT_PUT:
        return op_consent_put(m, op->u.consent);
    case GH_OP_CONSENT_TOUCH:
        return op_consent_touch(m, op->u.consent_ref.subject, op->u.consent_ref.client_id,
                                op->u.consent_ref.at);
    case GH_OP_CONSENT_REVOKE:
        return op_consent_revoke(m, op->u.consent_ref.subject, op->u.consent_ref.client_id,
                                 op->u.consent_ref.at);
    case GH_OP_COUNTER_HIT:
        return op_counter_hit(m, op->u.counter.key, op->u.counter.at, op->u.counter.window);
    case GH_OP_COUNTER_RESET:
        if (!op->u.counter.key)
            return GH_EINVAL;
        del(m, &m->counters, op->u.counter.key);
        return GH_OK;
    case GH_OP__COUNT:
        break;
    }
    return GH_EINVAL;
}

/* ---- transactions ---- */

static gh_err mw_begin(void *h)
{
    gh_mem *m = h;
    pthread_mutex_lock(&m->mu);
    m->nundo = 0;
    m->sp_mark = 0;
    return GH_OK;
}

static gh_err mw_savepoint(void *h)
{
    gh_mem *m = h;
    m->sp_mark = m->nundo;
    return GH_OK;
}

static gh_err mw_release(void *h)
{
    (void)h;
    return GH_OK;
}

static gh_err mw_rollback_to(void *h)
{
    gh_mem *m = h;
    undo_to(m, m->sp_mark);
    return GH_OK;
}

static gh_err mw_commit(void *h)
{
    gh_mem *m = h;
    undo_forget(m);
    pthread_mutex_unlock(&m->mu);
    return GH_OK;
}

static void mw_rollback(void *h)
{
    gh_mem *m = h;
    undo_to(m, 0);
    pthread_mutex_unlock(&m->mu);
}

static gh_err mw_migrate(void *h, int *out_applied)
{
    (void)h;
    *out_applied = 0; /* nothing to migrate: the structures are the schema */
    return GH_OK;
}

static void mw_close(void *h)
{
    gh_mem *m = h;
    if (!m)
        return;
    tclear(&m->clients);
    tclear(&m->tokens);
    tclear(&m->jtis);
    tclear(&m->keys);
    tclear(&m->catalog);
    tclear(&m->kv);
    tclear(&m->audit);
    tclear(&m->users);
    tclear(&m->usernames);
    tclear(&m->flows);
    tclear(&m->sessions);
    tclear(&m->consents);
    tclear(&m->counters);
    tclear(&m->grants);
    free(m->undo);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

static const gh_store_writer_ops mem_writer = {
    .begin = mw_begin,
    .savepoint = mw_savepoint,
    .release = mw_release,
    .rollback_to = mw_rollback_to,
    .commit = mw_commit,
    .rollback = mw_rollback,
    .apply = mw_apply,
    .migrate = mw_migrate,
    .idle = NULL,
    .close = mw_close,
};

/* ---- reads ---- */

static gh_err mr_client_get(void *h, const char *client_id, gh_arena *a, gh_client **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *r = client_id ? tget(&m->clients, client_id) : NULL;
    if (r) {
        *out = GH_ARENA_NEW(a, gh_client);
        copy_client(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_client_list(void *h, const char *after, size_t limit, gh_arena *a,
                             gh_client **out, size_t *out_n)
{
    gh_mem *m = h;
    size_t i = 0, n = 0;
    pthread_mutex_lock(&m->mu);
    if (after) {
        bool found;
        i = tfind(&m->clients, after, &found);
        if (found)
            i++;
    }
    size_t avail = m->clients.n - i;
    n = limit < avail ? limit : avail;
    *out = n ? GH_ARENA_NEWN(a, gh_client, n) : NULL;
    for (size_t j = 0; j < n; j++)
        copy_client(a, &(*out)[j], m->clients.rows[i + j]->v);
    pthread_mutex_unlock(&m->mu);
    *out_n = n;
    return GH_OK;
}

static gh_err mr_token_get(void *h, const char *id, gh_arena *a, gh_token **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *r = id ? tget(&m->tokens, id) : NULL;
    if (r) {
        *out = GH_ARENA_NEW(a, gh_token);
        copy_token(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static int key_cmp(const void *pa, const void *pb)
{
    const gh_key_row *a = pa, *b = pb;
    if (a->created_at != b->created_at)
        return a->created_at < b->created_at ? -1 : 1;
    return strcmp(a->kid, b->kid);
}

static gh_err mr_key_list(void *h, gh_arena *a, gh_key_row **out, size_t *out_n)
{
    gh_mem *m = h;
    pthread_mutex_lock(&m->mu);
    size_t n = m->keys.n;
    *out = n ? GH_ARENA_NEWN(a, gh_key_row, n) : NULL;
    for (size_t j = 0; j < n; j++)
        copy_key(a, &(*out)[j], m->keys.rows[j]->v);
    pthread_mutex_unlock(&m->mu);
    if (n > 1)
        qsort(*out, n, sizeof(**out), key_cmp);
    *out_n = n;
    return GH_OK;
}

static gh_err mr_audit_list(void *h, int64_t after, size_t limit, gh_arena *a,
                            gh_audit_event **out, size_t *out_n)
{
    gh_mem *m = h;
    char k[24];
    size_t i = 0;
    bool found;
    pthread_mutex_lock(&m->mu);
    if (after >= 0) {
        int_key(after, k);
        i = tfind(&m->audit, k, &found);
        if (found)
            i++;
    }
    size_t avail = m->audit.n - i;
    size_t n = limit < avail ? limit : avail;
    *out = n ? GH_ARENA_NEWN(a, gh_audit_event, n) : NULL;
    for (size_t j = 0; j < n; j++)
        copy_event(a, &(*out)[j], m->audit.rows[i + j]->v);
    pthread_mutex_unlock(&m->mu);
    *out_n = n;
    return GH_OK;
}

/* True if the optional filter value want (NULL: anything) equals have. */
static bool audit_match_str(const char *want, const char *have)
{
    return want == NULL || (have != NULL && strcmp(want, have) == 0);
}

static bool audit_match(const gh_audit_filter *f, const gh_audit_event *e)
{
    return audit_match_str(f->subject, e->subject) &&
           audit_match_str(f->client_id, e->client_id) &&
           audit_match_str(f->token_id, e->token_id) && audit_match_str(f->type, e->type) &&
           (f->since_us == 0 || e->time_us >= f->since_us) &&
           (f->until_us == 0 || e->time_us < f->until_us);
}

static gh_err mr_audit_query(void *h, const gh_audit_filter *f, gh_arena *a,
                             gh_audit_event **out, size_t *out_n)
{
    gh_mem *m = h;
    char k[24];
    size_t i = 0, n = 0;
    bool found;
    pthread_mutex_lock(&m->mu);
    if (f->after_seq >= 0) {
        int_key(f->after_seq, k);
        i = tfind(&m->audit, k, &found);
        if (found)
            i++;
    }
    size_t avail = m->audit.n - i;
    size_t cap = f->limit < avail ? f->limit : avail;
    *out = cap ? GH_ARENA_NEWN(a, gh_audit_event, cap) : NULL;
    for (; i < m->audit.n && n < cap; i++) {
        const gh_audit_event *e = m->audit.rows[i]->v;
        if (audit_match(f, e))
            copy_event(a, &(*out)[n++], e);
    }
    pthread_mutex_unlock(&m->mu);
    *out_n = n;
    return GH_OK;
}

static gh_err catalog_at(gh_mem *m, const mrow *r, gh_arena *a, gh_catalog_row **out)
{
    (void)m;
    if (!r) {
        *out = NULL;
        return GH_ENOTFOUND;
    }
    *out = GH_ARENA_NEW(a, gh_catalog_row);
    copy_catalog(a, *out, r->v);
    return GH_OK;
}

static gh_err mr_catalog_latest(void *h, gh_arena *a, gh_catalog_row **out)
{
    gh_mem *m = h;
    pthread_mutex_lock(&m->mu);
    gh_err e = catalog_at(m, m->catalog.n ? m->catalog.rows[m->catalog.n - 1] : NULL, a, out);
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_catalog_get(void *h, int64_t version, gh_arena *a, gh_catalog_row **out)
{
    gh_mem *m = h;
    char k[24];
    if (version < 0) {
        *out = NULL;
        return GH_ENOTFOUND;
    }
    int_key(version, k);
    pthread_mutex_lock(&m->mu);
    gh_err e = catalog_at(m, tget(&m->catalog, k), a, out);
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_kv_get(void *h, const char *key, gh_arena *a, char **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *r = key ? tget(&m->kv, key) : NULL;
    if (r) {
        *out = gh_arena_strdup(a, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_user_get(void *h, const char *id, gh_arena *a, gh_user **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *r = id ? tget(&m->users, id) : NULL;
    if (r) {
        *out = GH_ARENA_NEW(a, gh_user);
        copy_user(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_user_get_by_username(void *h, const char *username, gh_arena *a,
                                      gh_user **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *n = username ? tget(&m->usernames, username) : NULL;
    const mrow *r = n ? tget(&m->users, n->v) : NULL;
    if (r) {
        *out = GH_ARENA_NEW(a, gh_user);
        copy_user(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_user_list(void *h, const char *after, size_t limit, gh_arena *a, gh_user **out,
                           size_t *out_n)
{
    gh_mem *m = h;
    size_t i = 0, n = 0;
    pthread_mutex_lock(&m->mu);
    if (after) {
        bool found;
        i = tfind(&m->usernames, after, &found);
        if (found)
            i++;
    }
    size_t avail = m->usernames.n - i;
    n = limit < avail ? limit : avail;
    *out = n ? GH_ARENA_NEWN(a, gh_user, n) : NULL;
    for (size_t j = 0; j < n; j++) {
        const mrow *r = tget(&m->users, m->usernames.rows[i + j]->v);
        gh_assert(r); /* invariant 4 */
        copy_user(a, &(*out)[j], r->v);
    }
    pthread_mutex_unlock(&m->mu);
    *out_n = n;
    return GH_OK;
}

static gh_err mr_flow_get(void *h, const char *id, gh_arena *a, gh_flow **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *r = id ? tget(&m->flows, id) : NULL;
    if (r) {
        *out = GH_ARENA_NEW(a, gh_flow);
        copy_flow(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_session_get(void *h, const char *id, gh_arena *a, gh_session **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *r = id ? tget(&m->sessions, id) : NULL;
    if (r) {
        *out = GH_ARENA_NEW(a, gh_session);
        copy_session(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static gh_err mr_consent_get(void *h, const char *subject, const char *client_id, gh_arena *a,
                             gh_consent **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    if (!subject || !client_id)
        return e;
    char *k = consent_key(subject, client_id);
    pthread_mutex_lock(&m->mu);
    const mrow *r = tget(&m->consents, k);
    if (r) {
        *out = GH_ARENA_NEW(a, gh_consent);
        copy_consent(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    free(k);
    return e;
}

static gh_err mr_consent_list(void *h, const char *subject, const char *after, size_t limit,
                              gh_arena *a, gh_consent **out, size_t *out_n)
{
    gh_mem *m = h;
    bool found;
    size_t n = 0;
    *out = NULL;
    *out_n = 0;
    if (!subject || limit == 0)
        return GH_OK;
    char *prefix = consent_key(subject, "");
    char *start = consent_key(subject, after ? after : "");
    size_t plen = strlen(prefix);
    pthread_mutex_lock(&m->mu);
    size_t i = tfind(&m->consents, start, &found);
    if (found && after)
        i++;
    /* At most limit rows: count the live ones of the run first. */
    size_t end = i;
    for (; end < m->consents.n && n < limit; end++) {
        const mrow *r = m->consents.rows[end];
        if (strncmp(r->key, prefix, plen) != 0)
            break;
        n += ((const gh_consent *)r->v)->revoked_at == 0;
    }
    *out = n ? GH_ARENA_NEWN(a, gh_consent, n) : NULL;
    for (size_t j = 0; i < end; i++) {
        const gh_consent *c = m->consents.rows[i]->v;
        if (c->revoked_at == 0)
            copy_consent(a, &(*out)[j++], c);
    }
    pthread_mutex_unlock(&m->mu);
    free(start);
    free(prefix);
    *out_n = n;
    return GH_OK;
}

static gh_err mr_counter_get(void *h, const char *key, gh_arena *a, gh_counter **out)
{
    gh_mem *m = h;
    gh_err e = GH_ENOTFOUND;
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    const mrow *r = key ? tget(&m->counters, key) : NULL;
    if (r) {
        *out = GH_ARENA_NEW(a, gh_counter);
        copy_counter(a, *out, r->v);
        e = GH_OK;
    }
    pthread_mutex_unlock(&m->mu);
    return e;
}

static const gh_store_clients mem_clients = {.get = mr_client_get, .list = mr_client_list};
static const gh_store_tokens mem_tokens = {.get = mr_token_get};
static const gh_store_keys mem_keys = {.list = mr_key_list};
static const gh_store_audit mem_audit = {.list = mr_audit_list, .query = mr_audit_query};
static const gh_store_catalog mem_catalog = {.latest = mr_catalog_latest,
                                             .get = mr_catalog_get};
static const gh_store_kv mem_kv = {.get = mr_kv_get};
static const gh_store_users mem_users = {
    .get = mr_user_get, .get_by_username = mr_user_get_by_username, .list = mr_user_list};
static const gh_store_flows mem_flows = {.get = mr_flow_get};
static const gh_store_sessions mem_sessions = {.get = mr_session_get};
static const gh_store_consents mem_consents = {.get = mr_consent_get, .list = mr_consent_list};
static const gh_store_counters mem_counters = {.get = mr_counter_get};

gh_err gh_store_mem_open(gh_store **out)
{
    gh_mem *m = gh_xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    static const gh_store_vtables v = {
        .clients = &mem_clients, .tokens = &mem_tokens, .keys = &mem_keys, .audit = &mem_audit,
        .catalog = &mem_catalog, .kv = &mem_kv, .users = &mem_users, .flows = &mem_flows,
        .sessions = &mem_sessions, .consents = &mem_consents, .counters = &mem_counters,
        .writer = &mem_writer};
    gh_err e = gh_store__new("mem", m, &v, out);
    if (e != GH_OK)
        mw_close(m);
    return e;
}
