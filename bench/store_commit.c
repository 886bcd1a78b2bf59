/*
 * store_commit.c - throughput and CPU cost of the SQLite store: the group-commit writer and
 * point reads of tokens. A measurement, not a test: build it by hand, e.g.
 *
 *   cmake --build build --target gh_store
 *   cc -O2 -std=c11 -D_GNU_SOURCE -Isrc bench/store_commit.c \
 *      build/libgh_store.a build/libgh_audit.a build/libgh_json.a build/libgh_base.a \
 *      -lsqlite3 -ljansson -lcrypto -lpthread -o build/store_commit
 *   build/store_commit [mode] [path] [threads] [seconds]
 *
 * Modes:
 *   commit  THREADS threads (default 32) each commit transactions of one token row and one
 *           audit event, as a token endpoint does (gh_store_commit, blocking); ids are
 *           random hex (uniform over the primary key).
 *   cc      the client_credentials shape as the token endpoint commits it: one opaque access
 *           token row ("o." + a time-ordered selector, no grant) and one audit event.
 *   refresh the refresh-token rotation shape: each thread runs one refresh token chain and
 *           commits, per rotation, TOKEN_CONSUME of its current refresh token ("r." + a
 *           time-ordered selector), an access token and the next refresh token of the same
 *           grant, CONSENT_TOUCH of the one consent every chain shares (one user, one client,
 *           as bench case f) and one audit event.
 *   read    fills the database with 20,000 tokens, reopens it (the WAL checkpointed into the
 *           database file), then THREADS threads (default 8) read random ones by id
 *           (gh_store_token_get), as introspection does.
 *   mixed   both at once: THREADS readers and THREADS committers, so the readers see a
 *           database that changes under them (WAL page-cache invalidation).
 * For each it prints operations/s and the process's CPU time (user + system, getrusage) per
 * operation: on a shared machine the CPU per operation is the steadier figure; then the
 * writer thread's CPU per commit and the process's peak RSS (VmHWM, RssAnon, RssFile).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/b64url.h"
#include "base/clock.h"
#include "base/str.h"
#include "store/sqlite/sqlite.h"

#define PREFILL 20000

#define LAT_BUCKET_US 50
#define LAT_BUCKETS 2000 /* up to 100 ms; the last bucket takes everything above */

typedef struct worker {
    gh_store *s;
    int id;
    atomic_bool *stop;
    long ops;
    long failures;
    long lat[LAT_BUCKETS]; /* commit latencies, LAT_BUCKET_US wide */
    int64_t lat_max;
} worker;

/* Token i of thread: 64 hex digits that look random, as the stored ids (the SHA-256 of an
 * opaque token) do, so that inserts land all over the primary-key index. */
static void token_id(char *buf, size_t n, int thread, long i)
{
    uint64_t x = ((uint64_t)(unsigned)thread << 40) ^ (uint64_t)i;
    size_t o = 0;
    for (int k = 0; k < 4 && o + 16 < n; k++) {
        x += 0x9e3779b97f4a7c15ull; /* splitmix64 */
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        for (int d = 0; d < 16; d++)
            buf[o++] = "0123456789abcdef"[(z >> (4 * d)) & 15];
    }
    buf[o] = 0;
}

static gh_err commit_one(gh_store *s, gh_arena *a, const char *id)
{
    gh_token tok = {.id = id,
                    .kind = GH_TOKEN_ACCESS,
                    .format = "opaque",
                    .grant_id = NULL,
                    .client_id = "bench-client",
                    .subject = "bench-client",
                    .scope = "dns:read dns:write logs:read",
                    .audience = "",
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
    return gh_store_commit(s, t);
}

static void *run_commit(void *p)
{
    worker *w = p;
    for (long i = 0; !atomic_load(w->stop); i++) {
        char id[96];
        gh_arena *a = gh_arena_new(4096);
        token_id(id, sizeof(id), 1000 + w->id, i);
        int64_t t0 = gh_clock_mono_us();
        if (commit_one(w->s, a, id) == GH_OK)
            w->ops++;
        else
            w->failures++;
        int64_t us = gh_clock_mono_us() - t0;
        w->lat[us / LAT_BUCKET_US < LAT_BUCKETS ? us / LAT_BUCKET_US : LAT_BUCKETS - 1]++;
        if (us > w->lat_max)
            w->lat_max = us;
        gh_arena_free(a);
    }
    return NULL;
}

/* A row id as the token endpoint makes one: prefix + base64url of 48 bits of milliseconds
 * and 80 pseudo-random bits (22 characters), so consecutive ids are close in the key. */
static void split_id(char *buf, size_t n, const char *prefix, uint64_t *rng)
{
    unsigned char b[16];
    uint64_t ms = (uint64_t)(gh_clock_mono_us() / 1000) + 1700000000000ull;
    char enc[32];
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (8 * (5 - i)));
    for (int k = 0; k < 2; k++) {
        *rng += 0x9e3779b97f4a7c15ull; /* splitmix64 */
        uint64_t z = *rng;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        for (int d = 0; d < 5; d++)
            b[6 + 5 * k + d] = (unsigned char)(z >> (8 * d));
    }
    gh_b64url_encode(b, sizeof(b), enc);
    snprintf(buf, n, "%s%s", prefix, enc);
}

static void record_latency(worker *w, int64_t us)
{
    w->lat[us / LAT_BUCKET_US < LAT_BUCKETS ? us / LAT_BUCKET_US : LAT_BUCKETS - 1]++;
    if (us > w->lat_max)
        w->lat_max = us;
}

#define BENCH_USER "u_9Qm2xVb7Lk3Np8Rt"
#define BENCH_WEB "bench-web"
#define BENCH_REQ "0f6c1d6e-7a52-4d7e-9a0c-3b1f2b7c9d10"
#define BENCH_HASH "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* The request ids of the server's HTTP workers: a random prefix per worker thread and a
 * counter (base/ctx.c); a client_credentials token's grant_id is its request id. Two
 * workers, as on the benchmark machine. */
static atomic_long request_seq;

static void request_id(char *buf, size_t n, int worker_id)
{
    long k = atomic_fetch_add(&request_seq, 1);
    snprintf(buf, n, "%08x-5e1d-4c3a-9b7e-%012lx", 0x3c1a7d00u + (unsigned)(worker_id % 2),
             (unsigned long)k & 0xffffffffffffUL);
}

/* client_credentials: one opaque access token and a token.issued event. */
static void *run_cc(void *p)
{
    worker *w = p;
    uint64_t rng = 0x51ed27u + (uint64_t)w->id * 0x100000001b3ull;
    while (!atomic_load(w->stop)) {
        char id[64], rid[48];
        gh_arena *a = gh_arena_new(4096);
        split_id(id, sizeof(id), "o.", &rng);
        request_id(rid, sizeof(rid), w->id);
        gh_token tok = {.id = id,
                        .kind = GH_TOKEN_ACCESS,
                        .format = "opaque",
                        .grant_id = rid,
                        .client_id = "bench-agent-opaque",
                        .subject = "bench-agent-opaque",
                        .scope = "dns:read dns:write logs:read",
                        .audience = "",
                        .catalog_version = 1,
                        .issued_at = 1700000000,
                        .expires_at = 1700003600,
                        .request_id = rid,
                        .extra = "{\"token_hash\":\"" BENCH_HASH "\"}"};
        gh_audit_event ev = {.time_us = gh_clock_mono_us(),
                             .type = GH_AUDIT_TOKEN_ISSUED,
                             .actor = "client:bench-agent-opaque",
                             .client_id = tok.client_id,
                             .subject = tok.subject,
                             .token_id = id,
                             .scope = tok.scope,
                             .request_id = tok.request_id,
                             .data = "{\"grant_type\":\"client_credentials\"}"};
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
        op.u.token = &tok;
        gh_store_txn_add(t, &op);
        gh_store_txn_audit(t, &ev);
        int64_t t0 = gh_clock_mono_us();
        if (gh_store_commit(w->s, t) == GH_OK)
            w->ops++;
        else
            w->failures++;
        record_latency(w, gh_clock_mono_us() - t0);
        gh_arena_free(a);
    }
    return NULL;
}

static gh_token refresh_row(const char *id, const char *grant)
{
    return (gh_token){.id = id,
                      .kind = GH_TOKEN_REFRESH,
                      .format = "opaque",
                      .grant_id = grant,
                      .client_id = BENCH_WEB,
                      .subject = BENCH_USER,
                      .scope = "openid offline_access dns:read",
                      .audience = "",
                      .catalog_version = 1,
                      .issued_at = 1700000000,
                      .expires_at = 1702592000,
                      .request_id = BENCH_REQ,
                      .extra = "{\"token_hash\":\"" BENCH_HASH "\",\"auth_time\":1700000000,"
                               "\"sid\":\"kq3VZ8m1c0XfQe7Ln2Rw5A\"}"};
}

/* Refresh-token rotation, one chain per thread (see the file comment). */
static void *run_refresh(void *p)
{
    worker *w = p;
    uint64_t rng = 0x7f4a7c15u + (uint64_t)w->id * 0x100000001b3ull;
    char cur[64], grant[64];
    /* A code's grant id: a random UUID (oauth/code.c), so the chains' index entries are
     * spread over the grant index as a server's many users' are. */
    rng += 0x9e3779b97f4a7c15ull * (uint64_t)(w->id + 1);
    snprintf(grant, sizeof(grant), "%08x-%04x-4%03x-a%03x-%012llx", (unsigned)(rng >> 32),
             (unsigned)(rng >> 16) & 0xffff, (unsigned)rng & 0xfff, (unsigned)(rng >> 20) & 0xfff,
             (unsigned long long)(rng * 0x94d049bb133111ebull) & 0xffffffffffffull);
    split_id(cur, sizeof(cur), "r.", &rng);
    {
        gh_arena *a = gh_arena_new(4096);
        gh_token first = refresh_row(cur, grant);
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
        op.u.token = &first;
        gh_store_txn_add(t, &op);
        if (gh_store_commit(w->s, t) != GH_OK)
            w->failures++;
        gh_arena_free(a);
    }
    while (!atomic_load(w->stop)) {
        char at_id[64], next[64];
        gh_arena *a = gh_arena_new(4096);
        split_id(at_id, sizeof(at_id), "o.", &rng);
        split_id(next, sizeof(next), "r.", &rng);
        gh_token at = {.id = at_id,
                       .kind = GH_TOKEN_ACCESS,
                       .format = "opaque",
                       .grant_id = grant,
                       .client_id = BENCH_WEB,
                       .subject = BENCH_USER,
                       .scope = "openid offline_access dns:read",
                       .audience = "",
                       .catalog_version = 1,
                       .issued_at = 1700000000,
                       .expires_at = 1700003600,
                       .request_id = BENCH_REQ,
                       .extra = "{\"token_hash\":\"" BENCH_HASH "\"}"};
        gh_token rt = refresh_row(next, grant);
        char *data = gh_arena_printf(a, "{\"grant_id\":\"%s\",\"rotated\":\"%s\"}", grant, cur);
        gh_audit_event ev = {.time_us = gh_clock_mono_us(),
                             .type = "token.refreshed",
                             .actor = "client:" BENCH_WEB,
                             .client_id = BENCH_WEB,
                             .subject = BENCH_USER,
                             .token_id = at_id,
                             .scope = at.scope,
                             .request_id = BENCH_REQ,
                             .data = data};
        gh_store_txn *t = gh_store_txn_new(a);
        gh_store_op op = {.kind = GH_OP_TOKEN_CONSUME};
        op.u.revoke.id = cur;
        op.u.revoke.at = 1700000000 + (gh_clock_mono_us() / 1000000);
        gh_store_txn_add(t, &op);
        op = (gh_store_op){.kind = GH_OP_TOKEN_INSERT};
        op.u.token = &at;
        gh_store_txn_add(t, &op);
        op = (gh_store_op){.kind = GH_OP_TOKEN_INSERT};
        op.u.token = &rt;
        gh_store_txn_add(t, &op);
        op = (gh_store_op){.kind = GH_OP_CONSENT_TOUCH};
        op.u.consent_ref.subject = BENCH_USER;
        op.u.consent_ref.client_id = BENCH_WEB;
        op.u.consent_ref.at = 1700000000 + (gh_clock_mono_us() / 1000000);
        gh_store_txn_add(t, &op);
        gh_store_txn_audit(t, &ev);
        int64_t t0 = gh_clock_mono_us();
        if (gh_store_commit(w->s, t) == GH_OK) {
            w->ops++;
            memcpy(cur, next, sizeof(cur));
        } else {
            w->failures++;
        }
        record_latency(w, gh_clock_mono_us() - t0);
        gh_arena_free(a);
    }
    return NULL;
}

/* The one consent every refresh chain touches. */
static bool put_consent(gh_store *s)
{
    gh_arena *a = gh_arena_new(4096);
    gh_consent c = {.subject = BENCH_USER,
                    .client_id = BENCH_WEB,
                    .scope = "openid offline_access dns:read",
                    .remembered_scope = "openid offline_access dns:read",
                    .audience = "",
                    .catalog_version = 1,
                    .granted_at = 1700000000,
                    .updated_at = 1700000000,
                    .doc = "{}"};
    gh_store_txn *t = gh_store_txn_new(a);
    gh_store_op op = {.kind = GH_OP_CONSENT_PUT};
    op.u.consent = &c;
    gh_store_txn_add(t, &op);
    bool ok = gh_store_commit(s, t) == GH_OK;
    gh_arena_free(a);
    return ok;
}

static void *run_read(void *p)
{
    worker *w = p;
    gh_arena *a = gh_arena_new(4096);
    unsigned x = 2463534242u + (unsigned)w->id * 7919u;
    while (!atomic_load(w->stop)) {
        char id[96];
        gh_token *t = NULL;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        token_id(id, sizeof(id), 0, (long)(x % PREFILL));
        if (gh_store_token_get(w->s, id, a, &t) == GH_OK && t->expires_at == 1700000300)
            w->ops++;
        else
            w->failures++;
        if ((w->ops & 255) == 0) { /* bounded memory without timing malloc per read */
            gh_arena_free(a);
            a = gh_arena_new(4096);
        }
    }
    gh_arena_free(a);
    return NULL;
}

typedef struct worker_pool {
    worker *ws;
    pthread_t *th;
    int n;
} worker_pool;

static void pool_start(worker_pool *p, gh_store *s, int n, int id0, atomic_bool *stop,
                       void *(*fn)(void *))
{
    p->n = n;
    p->ws = calloc((size_t)n, sizeof(*p->ws));
    p->th = calloc((size_t)n, sizeof(*p->th));
    for (int i = 0; i < n; i++) {
        p->ws[i] = (worker){.s = s, .id = id0 + i, .stop = stop};
        pthread_create(&p->th[i], NULL, fn, &p->ws[i]);
    }
}

/* Commit latency at fraction q of all commits (upper edge of its bucket). */
static long lat_at(const long *lat, long total, double q)
{
    long want = (long)((double)total * q), seen = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        seen += lat[b];
        if (seen > want)
            return (long)(b + 1) * LAT_BUCKET_US;
    }
    return (long)LAT_BUCKETS * LAT_BUCKET_US;
}

static void pool_join(worker_pool *p, long *ops, long *failures, bool latency)
{
    long *lat = calloc(LAT_BUCKETS, sizeof(*lat));
    int64_t max = 0;
    *ops = *failures = 0;
    for (int i = 0; i < p->n; i++) {
        pthread_join(p->th[i], NULL);
        *ops += p->ws[i].ops;
        *failures += p->ws[i].failures;
        for (int b = 0; b < LAT_BUCKETS; b++)
            lat[b] += p->ws[i].lat[b];
        if (p->ws[i].lat_max > max)
            max = p->ws[i].lat_max;
    }
    if (latency && *ops + *failures > 0)
        printf("  commit latency: p50 <= %ld us, p99 <= %ld us, p99.9 <= %ld us, max %lld us\n",
               lat_at(lat, *ops + *failures, 0.5), lat_at(lat, *ops + *failures, 0.99),
               lat_at(lat, *ops + *failures, 0.999), (long long)max);
    free(lat);
    free(p->ws);
    free(p->th);
}

static double cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec * 1e6 + (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec * 1e6 + (double)ru.ru_stime.tv_usec;
}

/* The CPU time (user + system, in us) of this process's thread named name, from
 * /proc/self/task/<tid>/stat; -1 if there is none (or not on Linux). */
static double thread_cpu_us(const char *name)
{
    double us = -1;
    DIR *d = opendir("/proc/self/task");
    struct dirent *de;
    while (d && us < 0 && (de = readdir(d)) != NULL) {
        char path[300], comm[64] = "", buf[1024];
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        if (fgets(comm, sizeof(comm), f))
            comm[strcspn(comm, "\n")] = 0;
        fclose(f);
        if (strcmp(comm, name) != 0)
            continue;
        snprintf(path, sizeof(path), "/proc/self/task/%s/stat", de->d_name);
        f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        /* Fields after the ")" that ends comm: state is field 3, utime 14, stime 15. */
        const char *p = strrchr(buf, ')');
        unsigned long long ut = 0, st = 0;
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                        &st) == 2)
            us = (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
    }
    if (d)
        closedir(d);
    return us;
}

static long ctx_switches(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_nvcsw + ru.ru_nivcsw;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "commit";
    const char *path = argc > 2 ? argv[2] : "/tmp/gh-bench-store.db";
    bool cc = strcmp(mode, "cc") == 0, refresh = strcmp(mode, "refresh") == 0;
    bool commit = strcmp(mode, "commit") == 0 || strcmp(mode, "mixed") == 0 || cc || refresh;
    bool read = strcmp(mode, "read") == 0 || strcmp(mode, "mixed") == 0;
    int nthreads = argc > 3 ? (int)strtol(argv[3], NULL, 10) : (commit && !read ? 32 : 8);
    int seconds = argc > 4 ? (int)strtol(argv[4], NULL, 10) : 5;
    gh_store *s = NULL;
    char wal[512];
    struct stat st;

    if ((!commit && !read) || nthreads < 1 || nthreads > 1024 || seconds < 1) {
        fprintf(stderr,
                "usage: store_commit commit|cc|refresh|read|mixed [path] [threads] [seconds]\n");
        return 2;
    }
    unlink(path);
    snprintf(wal, sizeof(wal), "%s-wal", path);
    unlink(wal);
    if (gh_store_sqlite_open(path, &s) != GH_OK || gh_store_migrate(s, NULL) != GH_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    if (read) {
        /* Fill in transactions of 1,000 tokens. */
        gh_arena *a = gh_arena_new(4096);
        for (long i = 0; i < PREFILL; i += 1000) {
            gh_store_txn *t = gh_store_txn_new(a);
            gh_token *toks = GH_ARENA_NEWN(a, gh_token, 1000);
            for (long j = 0; j < 1000; j++) {
                char *id = gh_arena_alloc(a, 96);
                token_id(id, 96, 0, i + j);
                toks[j] = (gh_token){.id = id,
                                     .kind = GH_TOKEN_ACCESS,
                                     .format = "opaque",
                                     .client_id = "bench-client",
                                     .subject = "bench-client",
                                     .scope = "dns:read dns:write logs:read",
                                     .audience = "",
                                     .catalog_version = 1,
                                     .issued_at = 1700000000,
                                     .expires_at = 1700000300,
                                     .request_id = "0f6c1d6e-7a52-4d7e-9a0c-3b1f2b7c9d10"};
                gh_store_op op = {.kind = GH_OP_TOKEN_INSERT};
                op.u.token = &toks[j];
                gh_store_txn_add(t, &op);
            }
            if (gh_store_commit(s, t) != GH_OK) {
                fprintf(stderr, "prefill failed\n");
                return 1;
            }
            gh_arena_free(a);
            a = gh_arena_new(4096);
        }
        gh_arena_free(a);
        /* Reopen: closing checkpoints the WAL, so the tokens are read from the database
         * file, as in a server whose checkpointer keeps the WAL short. */
        gh_store_free(s);
        s = NULL;
        if (gh_store_sqlite_open(path, &s) != GH_OK) {
            fprintf(stderr, "cannot reopen %s\n", path);
            return 1;
        }
    }
    if (refresh && !put_consent(s)) {
        fprintf(stderr, "cannot store the consent\n");
        return 1;
    }
    atomic_bool stop = false;
    worker_pool wp = {0}, rp = {0};
    double c0 = cpu_us();
    double wc0 = thread_cpu_us("gh-store-writer");
    double kc0 = thread_cpu_us("gh-store-ckpt");
    long x0 = ctx_switches();
    int64_t t0 = gh_clock_mono_us();
    if (commit)
        pool_start(&wp, s, nthreads, 0, &stop,
                   cc ? run_cc : refresh ? run_refresh : run_commit);
    if (read)
        pool_start(&rp, s, nthreads, 0, &stop, run_read);
    sleep((unsigned)seconds);
    atomic_store(&stop, true);
    long wops = 0, wfail = 0, rops = 0, rfail = 0;
    if (commit)
        pool_join(&wp, &wops, &wfail, true);
    if (read)
        pool_join(&rp, &rops, &rfail, false);
    double secs = (double)(gh_clock_mono_us() - t0) / 1e6;
    double cpu = cpu_us() - c0;
    double wcpu = thread_cpu_us("gh-store-writer") - wc0;
    double kcpu = thread_cpu_us("gh-store-ckpt") - kc0;
    long ctx = ctx_switches() - x0;
    long wal_bytes = stat(wal, &st) == 0 ? (long)st.st_size : -1;
    long ops = wops + rops;
    printf("store_commit %s: %d threads, %.1f s, CPU %.2f s (%.0f%% of a core), %ld context "
           "switches, WAL %ld bytes\n",
           mode, nthreads, secs, cpu / 1e6, 100.0 * cpu / 1e6 / secs, ctx, wal_bytes);
    if (commit)
        printf("  commits (%s): %ld (%.0f/s), %ld failures\n",
               refresh ? "consume + 2 tokens + consent touch + 1 audit event"
                       : "1 token + 1 audit event",
               wops, (double)wops / secs, wfail);
    if (read)
        printf("  token reads by id: %ld (%.0f/s), %ld failures\n", rops, (double)rops / secs,
               rfail);
    gh_store_stats ss;
    gh_store_stats_get(s, &ss);
    if (ss.batches > 0)
        printf("  writer: %llu batches, %.1f transactions per batch, slept %llu times\n",
               (unsigned long long)ss.batches, (double)ss.txns / (double)ss.batches,
               (unsigned long long)ss.writer_sleeps);
    if (commit && wops > 0 && wc0 >= 0)
        printf("  writer thread CPU: %.2f s, %.2f us per commit; checkpointer %.2f us per "
               "commit\n",
               wcpu / 1e6, wcpu / (double)wops, kc0 >= 0 ? kcpu / (double)wops : 0.0);
    if (ops > 0)
        printf("  CPU per operation: %.2f us; context switches per operation: %.2f\n",
               cpu / (double)ops, (double)ctx / (double)ops);
    FILE *sf = fopen("/proc/self/status", "r");
    char line[256];
    while (sf && fgets(line, sizeof(line), sf))
        if (strncmp(line, "VmHWM:", 6) == 0 || strncmp(line, "RssAnon:", 8) == 0 ||
            strncmp(line, "RssFile:", 8) == 0)
            printf("  %.*s", (int)strcspn(line, "\n") + 1, line);
    if (sf)
        fclose(sf);
    gh_store_free(s);
    return wfail || rfail ? 1 : 0;
}
