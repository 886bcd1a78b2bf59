/*
 * store.c - the generic group-commit writer shared by every store backend.
 *
 * One writer thread per store owns the backend's writer connection. Callers hand it
 * transactions (gh_store_commit, gh_store_commit_async) by pushing them on a lock-free stack
 * (one compare-and-swap; the writer takes the whole stack with one exchange and restores the
 * arrival order); the writer is signalled only when it sleeps. It takes everything queued (at
 * most GH_STORE_BATCH_MAX per batch), opens one database transaction, applies every queued
 * transaction, commits once and then reports every outcome. Operations rarely fail, so the
 * batch is first applied without savepoints (a savepoint costs a copy of every page it
 * changes, per transaction); when an operation fails, the database transaction is rolled back
 * and the batch applied again with each transaction inside its own savepoint: the failing one
 * is rolled back to its savepoint alone and the others still commit. If the commit itself
 * fails, every transaction of the batch fails with GH_ESTORE. This amortises the cost of a durable commit (an fsync) over every
 * request that arrived while the previous one was running.
 *
 * Wake-ups are the cost to keep down (each is a futex call and a context switch, per
 * transaction): a blocking caller sleeps on a semaphore of its own that the writer posts once
 * (no mutex for it to contend for on waking), and the writer, before sleeping, yields the CPU
 * a few times (GH_STORE_LINGER_US at most) so that callers it has just woken can queue their
 * next transaction without having to wake it.
 *
 * Work that does not need the writer's state is done before a transaction reaches it, on the
 * caller's thread: gh_store_txn_add seals every audit event (its body hash, audit.h), so the
 * writer only assigns seq and hashes 72 bytes per event.
 *
 * It does not know SQL or any data structure: the backend supplies gh_store_writer_ops.
 *
 * Invariants:
 *  1. Only the writer thread calls the backend's writer ops (begin .. close, migrate, idle).
 *  2. A transaction's done callback runs exactly once, after the outcome is final (durable or
 *     rolled back), on the writer thread.
 *  3. gh_store_free drains the queue: everything enqueued before it is committed or failed.
 *  4. The backend's idle op runs after GH_STORE_IDLE_US without work (when there was work since
 *     the last run) and at least every GH_STORE_IDLE_EVERY batches under constant load, so
 *     housekeeping such as WAL checkpoints happens even when the writer is never idle.
 */
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"

#ifdef __linux__
#include <sys/prctl.h>
#endif

#define GH_STORE_BATCH_MAX 512
#define GH_STORE_IDLE_US 1000000
#define GH_STORE_IDLE_EVERY 64
#define GH_STORE_TXN_OPS0 8
/* How long the writer keeps looking for work (yielding the CPU) before it sleeps. */
#define GH_STORE_LINGER_US 50

struct gh_store_txn {
    gh_arena *arena;
    gh_store_op *ops;
    size_t n;
    size_t cap;
    size_t failed_op;
    gh_err err;
    gh_store_done_fn done;
    void *ud;
    struct gh_store_txn *next; /* queue link */
    bool migrate;              /* a migration request instead of operations */
    int applied;               /* migrate: how many migrations ran */
};

typedef struct gh_store_writer {
    _Atomic(gh_store_txn *) pushed; /* the stack callers push on, newest first */
    atomic_bool sleeping;           /* the writer waits (or is about to) on cv */
    atomic_bool stop;
    pthread_mutex_t mu; /* only for sleeping on cv and waking the writer */
    pthread_cond_t cv;
    bool started;
    pthread_t thread;
    gh_store *s;
    /* Writer thread only. */
    gh_store_txn *head; /* taken from pushed, oldest first */
    gh_store_txn *tail;
    unsigned batches_since_idle;
    bool dirty; /* work done since the backend's idle op last ran */
    /* Written by the writer thread, read by gh_store_stats_get. */
    atomic_uint_fast64_t n_batches;
    atomic_uint_fast64_t n_txns;
    atomic_uint_fast64_t n_sleeps;
} gh_store_writer;

/* A synchronous caller waits on this, on its own stack. sem_post is the writer's last access
 * to it: glibc's semaphores allow destroying one as soon as sem_wait returns. */
typedef struct sync_wait {
    sem_t sem;
    gh_err err;
} sync_wait;

gh_store_txn *gh_store_txn_new(gh_arena *a)
{
    gh_store_txn *t = GH_ARENA_NEW(a, gh_store_txn);
    t->arena = a;
    t->failed_op = (size_t)-1;
    return t;
}

void gh_store_txn_add(gh_store_txn *t, const gh_store_op *op)
{
    gh_assert(op->kind > 0 && op->kind < GH_OP__COUNT);
    if (op->kind == GH_OP_AUDIT_APPEND && op->u.event)
        /* The costly part of the chain (JSON and a hash of the whole event) here, on the
         * caller's thread: the writer only links the event (gh_audit_link). */
        gh_audit_seal(op->u.event);
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : GH_STORE_TXN_OPS0;
        gh_store_op *ops = GH_ARENA_NEWN(t->arena, gh_store_op, cap);
        if (t->n)
            memcpy(ops, t->ops, t->n * sizeof(*ops));
        t->ops = ops;
        t->cap = cap;
    }
    t->ops[t->n++] = *op;
}

void gh_store_txn_audit(gh_store_txn *t, gh_audit_event *e)
{
    gh_store_op op = {.kind = GH_OP_AUDIT_APPEND};
    op.u.event = e;
    gh_store_txn_add(t, &op);
}

size_t gh_store_txn_len(const gh_store_txn *t)
{
    return t->n;
}

size_t gh_store_txn_failed_op(const gh_store_txn *t)
{
    return t->failed_op;
}

static void finish(gh_store_txn *t)
{
    /* The callback may release the memory t lives in: read nothing after it. */
    if (t->done)
        t->done(t->ud, t->err);
}

/* Applies one transaction inside its own savepoint. Returns false if the savepoint machinery
 * itself failed (the batch cannot continue); t->err holds the transaction's own outcome. */
static bool apply_txn(const gh_store_writer_ops *w, void *h, gh_store_txn *t)
{
    t->err = GH_OK;
    t->failed_op = (size_t)-1;
    if (t->n == 0)
        return true;
    if (w->savepoint(h) != GH_OK)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        gh_err e = w->apply(h, &t->ops[i]);
        if (e != GH_OK) {
            t->err = e;
            t->failed_op = i;
            return w->rollback_to(h) == GH_OK;
        }
    }
    return w->release(h) == GH_OK;
}

static void fail_all(gh_store_txn *const *batch, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        batch[i]->err = GH_ESTORE;
        /* The operations that succeeded are gone too; no single operation is to blame. */
        batch[i]->failed_op = (size_t)-1;
    }
}

/* The optimistic pass: applies every transaction of the batch without savepoints. True if
 * every operation succeeded (each transaction's outcome is then GH_OK); false at the first
 * failure, which leaves the database transaction to be rolled back. */
static bool apply_plain(const gh_store_writer_ops *w, void *h, gh_store_txn *const *batch,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < batch[i]->n; k++) {
            if (w->apply(h, &batch[i]->ops[k]) != GH_OK)
                return false;
        }
        batch[i]->err = GH_OK;
        batch[i]->failed_op = (size_t)-1;
    }
    return true;
}

static void run_batch(gh_store_writer *wr, gh_store_txn *const *batch, size_t n)
{
    const gh_store_writer_ops *w = wr->s->writer;
    void *h = wr->s->h;

    if (w->begin(h) != GH_OK) {
        gh_log(GH_LOG_ERROR, "store: cannot begin a transaction; failing %zu", n);
        fail_all(batch, n);
        return;
    }
    if (apply_plain(w, h, batch, n))
        goto commit;
    /* Some operation failed: start over, each transaction in its own savepoint, so that the
     * failing one is rolled back alone. */
    w->rollback(h);
    if (w->begin(h) != GH_OK) {
        gh_log(GH_LOG_ERROR, "store: cannot begin a transaction; failing %zu", n);
        fail_all(batch, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!apply_txn(w, h, batch[i])) {
            gh_log(GH_LOG_ERROR, "store: savepoint failed; failing a batch of %zu", n);
            w->rollback(h);
            fail_all(batch, n);
            return;
        }
    }
commit:
    if (w->commit(h) != GH_OK) {
        gh_log(GH_LOG_ERROR, "store: commit failed; failing a batch of %zu", n);
        w->rollback(h);
        fail_all(batch, n);
    }
}

static void run_idle(gh_store_writer *wr)
{
    if (wr->s->writer->idle)
        wr->s->writer->idle(wr->s->h);
    wr->batches_since_idle = 0;
    wr->dirty = false;
}

static void deadline_after(struct timespec *ts, int64_t us)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(us / 1000000);
    ts->tv_nsec += (long)(us % 1000000) * 1000;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Moves everything pushed so far to the writer's own FIFO list. */
static bool take_pushed(gh_store_writer *wr)
{
    gh_store_txn *t = atomic_exchange(&wr->pushed, NULL);
    gh_store_txn *rev = NULL;
    if (!t)
        return false;
    while (t) { /* newest first: reverse it */
        gh_store_txn *next = t->next;
        t->next = rev;
        rev = t;
        t = next;
    }
    gh_store_txn *last = rev;
    while (last->next)
        last = last->next;
    if (wr->tail)
        wr->tail->next = rev;
    else
        wr->head = rev;
    wr->tail = last;
    return true;
}

/* Waits until something is pushed or stop is set; returns false on a timeout. With dirty,
 * waits at most GH_STORE_IDLE_US. */
static bool wait_for_work(gh_store_writer *wr)
{
    bool timed_out = false;
    int64_t until = gh_clock_mono_us() + GH_STORE_LINGER_US;

    /* Linger: callers just woken by the last batch are about to push again. */
    do {
        if (atomic_load(&wr->pushed) || atomic_load(&wr->stop))
            return true;
        sched_yield();
    } while (gh_clock_mono_us() < until);

    pthread_mutex_lock(&wr->mu);
    atomic_store(&wr->sleeping, true);
    /* seq_cst: a push after this load sees sleeping and signals under mu. */
    while (!atomic_load(&wr->pushed) && !atomic_load(&wr->stop) && !timed_out) {
        atomic_fetch_add_explicit(&wr->n_sleeps, 1, memory_order_relaxed);
        if (wr->dirty) {
            struct timespec ts;
            deadline_after(&ts, GH_STORE_IDLE_US);
            timed_out = pthread_cond_timedwait(&wr->cv, &wr->mu, &ts) == ETIMEDOUT;
        } else {
            pthread_cond_wait(&wr->cv, &wr->mu);
        }
    }
    atomic_store(&wr->sleeping, false);
    pthread_mutex_unlock(&wr->mu);
    return !timed_out;
}

static void *writer_main(void *arg)
{
    gh_store_writer *wr = arg;
    gh_store_txn **batch = gh_xcalloc(GH_STORE_BATCH_MAX, sizeof(gh_store_txn *));

#ifdef __linux__
    (void)prctl(PR_SET_NAME, "gh-store-writer", 0, 0, 0);
#endif
    for (;;) {
        size_t n = 0;
        gh_store_txn *mig = NULL;

        take_pushed(wr);
        if (!wr->head) {
            if (atomic_load(&wr->stop))
                break;
            bool work = wait_for_work(wr);
            if (!work && wr->dirty && !atomic_load(&wr->pushed))
                run_idle(wr);
            continue;
        }
        if (wr->head->migrate) {
            /* A migration runs alone, outside any batch. */
            mig = wr->head;
            wr->head = mig->next;
        } else {
            while (wr->head && !wr->head->migrate && n < GH_STORE_BATCH_MAX) {
                batch[n++] = wr->head;
                wr->head = wr->head->next;
            }
        }
        if (!wr->head)
            wr->tail = NULL;

        if (mig) {
            mig->applied = 0;
            mig->err = wr->s->writer->migrate(wr->s->h, &mig->applied);
            finish(mig);
            continue;
        }
        run_batch(wr, batch, n);
        atomic_fetch_add_explicit(&wr->n_batches, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&wr->n_txns, n, memory_order_relaxed);
        for (size_t i = 0; i < n; i++)
            finish(batch[i]);
        wr->dirty = true;
        if (++wr->batches_since_idle >= GH_STORE_IDLE_EVERY)
            run_idle(wr);
    }
    if (wr->dirty)
        run_idle(wr);
    free(batch);
    return NULL;
}

static void enqueue(gh_store_writer *wr, gh_store_txn *t)
{
    gh_assert(!atomic_load_explicit(&wr->stop, memory_order_relaxed));
    gh_store_txn *top = atomic_load_explicit(&wr->pushed, memory_order_relaxed);
    do {
        t->next = top;
    } while (!atomic_compare_exchange_weak(&wr->pushed, &top, t));
    /* seq_cst with the writer's store of sleeping and its load of pushed: either it sees
     * this push before it sleeps, or this sees it sleeping. */
    if (atomic_load(&wr->sleeping)) {
        pthread_mutex_lock(&wr->mu);
        pthread_cond_signal(&wr->cv);
        pthread_mutex_unlock(&wr->mu);
    }
}

gh_err gh_store__new(const char *backend, void *h, const gh_store_vtables *v, gh_store **out)
{
    gh_store *s = gh_xcalloc(1, sizeof(*s));
    gh_store_writer *wr = gh_xcalloc(1, sizeof(*wr));

    *out = NULL;
    s->backend = backend;
    s->h = h;
    s->clients = v->clients;
    s->tokens = v->tokens;
    s->keys = v->keys;
    s->audit = v->audit;
    s->catalog = v->catalog;
    s->kv = v->kv;
    s->users = v->users;
    s->flows = v->flows;
    s->sessions = v->sessions;
    s->consents = v->consents;
    s->counters = v->counters;
    s->writer = v->writer;
    s->w = wr;
    wr->s = s;
    atomic_init(&wr->pushed, NULL);
    atomic_init(&wr->sleeping, false);
    atomic_init(&wr->stop, false);
    pthread_mutex_init(&wr->mu, NULL);
    pthread_cond_init(&wr->cv, NULL);
    if (pthread_create(&wr->thread, NULL, writer_main, wr) != 0) {
        gh_log(GH_LOG_ERROR, "store: cannot start the writer thread");
        /* h stays the caller's: free everything but it. */
        s->writer = NULL;
        gh_store_free(s);
        return GH_EINTERNAL;
    }
    wr->started = true;
    *out = s;
    return GH_OK;
}

void gh_store_free(gh_store *s)
{
    if (!s)
        return;
    gh_store_writer *wr = s->w;
    if (wr) {
        if (wr->started) {
            pthread_mutex_lock(&wr->mu);
            atomic_store(&wr->stop, true);
            pthread_cond_signal(&wr->cv);
            pthread_mutex_unlock(&wr->mu);
            pthread_join(wr->thread, NULL);
            gh_log(GH_LOG_DEBUG, "store: %llu transactions in %llu batches; the writer slept %llu times",
                   (unsigned long long)wr->n_txns, (unsigned long long)wr->n_batches,
                   (unsigned long long)wr->n_sleeps);
        }
        pthread_cond_destroy(&wr->cv);
        pthread_mutex_destroy(&wr->mu);
        free(wr);
    }
    if (s->writer && s->writer->close)
        s->writer->close(s->h);
    free(s);
}

void gh_store_commit_async(gh_store *s, gh_store_txn *t, gh_store_done_fn done, void *ud)
{
    t->done = done;
    t->ud = ud;
    t->migrate = false;
    enqueue(s->w, t);
}

static void sync_done(void *ud, gh_err err)
{
    sync_wait *sw = ud;
    sw->err = err;
    sem_post(&sw->sem); /* the last access: the waiter may return at once */
}

static gh_err run_sync(gh_store *s, gh_store_txn *t)
{
    sync_wait sw = {.err = GH_OK};
    int rc = sem_init(&sw.sem, 0, 0);
    gh_assert(rc == 0);
    t->done = sync_done;
    t->ud = &sw;
    enqueue(s->w, t);
    while (sem_wait(&sw.sem) != 0)
        gh_assert(errno == EINTR);
    sem_destroy(&sw.sem);
    return sw.err;
}

gh_err gh_store_commit(gh_store *s, gh_store_txn *t)
{
    t->migrate = false;
    return run_sync(s, t);
}

gh_err gh_store_migrate(gh_store *s, int *out_applied)
{
    gh_store_txn t;
    memset(&t, 0, sizeof(t));
    t.failed_op = (size_t)-1;
    t.migrate = true;
    gh_err e = run_sync(s, &t);
    if (out_applied)
        *out_applied = t.applied;
    return e;
}

void gh_store_stats_get(gh_store *s, gh_store_stats *out)
{
    out->batches = atomic_load_explicit(&s->w->n_batches, memory_order_relaxed);
    out->txns = atomic_load_explicit(&s->w->n_txns, memory_order_relaxed);
    out->writer_sleeps = atomic_load_explicit(&s->w->n_sleeps, memory_order_relaxed);
}
