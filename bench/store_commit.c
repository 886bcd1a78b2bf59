/*
 * store_commit.c - throughput of the group-commit writer on a SQLite file: THREADS threads
 * (default 32) each commit transactions of one token row and one audit event, as a token
 * endpoint does, for SECONDS seconds (default 5). Prints commits/s, the mean batch size and
 * the WAL size at the end. A measurement, not a test: build it by hand, e.g.
 *
 *   cmake --build build --target gh_store
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Isrc bench/store_commit.c \
 *      build/libgh_store.a build/libgh_audit.a build/libgh_json.a build/libgh_base.a \
 *      -lsqlite3 -ljansson -lcrypto -lpthread -o build/store_commit
 *   build/store_commit [path] [threads] [seconds]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/str.h"
#include "store/sqlite/sqlite.h"

typedef struct worker {
    gh_store *s;
    int id;
    atomic_bool *stop;
    long commits;
    long failures;
} worker;

static void *run(void *p)
{
    worker *w = p;
    gh_arena *a = gh_arena_new(4096);
    for (long i = 0; !atomic_load(w->stop); i++) {
        char id[64];
        snprintf(id, sizeof(id), "bench-%d-%ld-%lld", w->id, i, (long long)gh_clock_mono_us());
        gh_token tok = {.id = id,
                        .kind = GH_TOKEN_ACCESS,
                        .format = "jwt",
                        .grant_id = NULL,
                        .client_id = "bench-client",
                        .subject = "bench-client",
                        .scope = "dns:read logs:read",
                        .audience = "https://api.example",
                        .catalog_version = 1,
                        .issued_at = 1700000000,
                        .expires_at = 1700000300,
                        .request_id = "0f6c1d6e-7a52-4d7e-9a0c-3b1f2b7c9d10"};
        gh_audit_event ev = {.time_us = gh_clock_mono_us(),
                             .type = GH_AUDIT_TOKEN_ISSUED,
                             .actor = "client:bench-client",
                             .client_id = "bench-client",
                             .subject = "bench-client",
                             .token_id = id,
                             .scope = tok.scope,
                             .request_id = tok.request_id,
                             .data = "{\"grant_type\":\"client_credentials\"}"};
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
        op.u.token = &tok;
        gh_store_txn_add(t, &op);
        gh_store_txn_audit(t, &ev);
        if (gh_store_commit(w->s, t) == GH_OK)
            w->commits++;
        else
            w->failures++;
        gh_arena_free(a);
        a = gh_arena_new(4096);
    }
    gh_arena_free(a);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/gh-bench-store.db";
    int nthreads = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 32;
    int seconds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 5;
    gh_store *s = NULL;
    char wal[512];
    struct stat st;

    if (nthreads < 1 || nthreads > 1024 || seconds < 1)
        return 2;
    unlink(path);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    unlink(wal);
    if (gh_store_sqlite_open(path, &s) != GH_OK || gh_store_migrate(s, NULL) != GH_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    worker *ws = calloc((size_t)nthreads, sizeof(*ws));
    pthread_t *th = calloc((size_t)nthreads, sizeof(*th));
    atomic_bool stop = false;
    int64_t t0 = gh_clock_mono_us();
    for (int i = 0; i < nthreads; i++) {
        ws[i] = (worker){.s = s, .id = i, .stop = &stop};
        pthread_create(&th[i], NULL, run, &ws[i]);
    }
    sleep((unsigned)seconds);
    atomic_store(&stop, true);
    long commits = 0, failures = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        commits += ws[i].commits;
        failures += ws[i].failures;
    }
    double secs = (double)(gh_clock_mono_us() - t0) / 1e6;
    long wal_bytes = stat(wal, &st) == 0 ? (long)st.st_size : -1;
    printf("store_commit: %d threads, %.1f s: %ld commits (%.0f commits/s, each 1 token + 1 "
           "audit event), %ld failures, WAL %ld bytes\n",
           nthreads, secs, commits, (double)commits / secs, failures, wal_bytes);
    gh_store_free(s);
    free(ws);
    free(th);
    return failures ? 1 : 0;
}
