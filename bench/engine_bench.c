/*
 * engine_bench.c - CPU cost per call of the engine's hot endpoints, without HTTP: the token
 * endpoint (client_credentials with client_secret_basic, JWT and opaque) and introspection
 * (opaque and JWT), over store/mem or a SQLite file. A measurement, not a test: build it by
 * hand against a build directory, e.g.
 *
 *   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 *         -DCMAKE_C_FLAGS=-fno-omit-frame-pointer
 *   cmake --build build-rel -j2 --target gh_testsupport
 *   bench/engine_bench.sh build-rel          (compiles build-rel/engine_bench)
 *   build-rel/engine_bench [mem|sqlite] [case|all] [iterations]
 *
 * Each call does what http does around the engine: a request arena, gh_form_parse of the
 * body, the endpoint, and serialising the response body into the request arena with
 * gh_json_dump_a, as http does (GH_BENCH_DUMP=jansson in the environment: json_dumps
 * instead, as http did before). The figures
 * printed per case: thread CPU µs per call (CLOCK_THREAD_CPUTIME_ID: this thread only) and process
 * CPU µs per call (CLOCK_PROCESS_CPUTIME_ID: includes a store's writer thread, if it has one). For
 * counts that do not depend on the machine's load, run it under callgrind and count only the timed
 * loop:
 *
 *   valgrind --tool=callgrind --toggle-collect=bench_loop build-rel/engine_bench mem token_jwt 2000
 *
 * and divide the total Ir by the iterations.
 *
 * Cases: token_jwt (scope dns:read dns:write, resource = the dns resource server),
 * token_opaque (scope dns:read dns:write logs:read), introspect_opaque and introspect_jwt
 * (a pool of tokens issued before timing, each introspected by the client it was issued to),
 * and introspect_jwt_bound: JWTs whose rows carry the token's SHA-256 (introspect_int.h),
 * minted here as issue.c mints them, so that introspection compares a hash instead of
 * verifying a signature. jws_es256 is the signature alone: gh_jws_sign_payload of an access
 * token's claims (written beforehand) with a P-256 key of its own, arena included; compare
 * it with `openssl speed ecdsap256`, the floor of one ECDSA signature on the machine.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/form.h"
#include "base/mem.h"
#include "jose/jose.h"
#include "json/json.h"
#include "oauth/introspect_int.h"
#include "oauth/oauth.h"
#include "oauth/token_int.h"
#include "store/mem/mem.h"
#include "store/sqlite/sqlite.h"
#include "support/gh_test.h"

#define POOL 512
#define ARENA_BLOCK 4096

typedef struct bench {
    gh_test_env *env;
    bool jansson_dump;        /* serialise responses with json_dumps, not gh_json_dump_a */
    const char *basic_jwt;    /* Authorization for the JWT client */
    const char *basic_opaque; /* Authorization for the opaque client */
    char *pool[POOL];         /* introspection: form bodies "token=..." (heap) */
    size_t npool;
    gh_jwk *es256; /* jws_es256: a key of its own */
} bench;

static double cpu_us(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One request as http makes it. Returns the response status (0 is 200); *token (may be NULL)
 * gets a heap copy of the access_token member, if any. */
static int call(bench *b, gh_oauth_endpoint ep, const char *form, const char *authz, char **token)
{
    static const gh_form empty = {NULL, 0};
    gh_arena *a = gh_arena_new(ARENA_BLOCK);
    gh_oauth_request req;
    gh_oauth_response resp;
    gh_form f;
    gh_ctx ctx;
    int status;

    memset(&req, 0, sizeof(req));
    if (gh_form_parse(a, form, strlen(form), &f) != GH_OK) {
        fprintf(stderr, "form parse failed\n");
        exit(1);
    }
    req.method = "POST";
    req.query = &empty;
    req.form = &f;
    req.content_type = "application/x-www-form-urlencoded";
    req.body = form;
    req.body_len = strlen(form);
    req.authorization = authz;
    gh_oauth_response_init(&resp);
    gh_engine_ctx_init(b->env->e, &ctx, a);
    if (ep(b->env->e, &ctx, &req, &resp) != GH_OK) {
        fprintf(stderr, "endpoint failed: %s\n", ctx.fail);
        exit(1);
    }
    status = resp.status;
    /* An inactive introspection answer is cheap and wrong: count it as a failure. */
    if (ep == gh_oauth_introspect && !json_is_true(json_object_get(resp.body, "active")))
        status = -1;
    if (resp.body != NULL && !b->jansson_dump) {
        if (gh_json_dump_a(a, resp.body) == NULL)
            exit(1);
    } else if (resp.body != NULL) {
        char *s = json_dumps(resp.body, JSON_COMPACT);

        if (s == NULL)
            exit(1);
        free(s);
    }
    if (token != NULL) {
        json_t *v = json_object_get(resp.body, "access_token");

        *token = json_is_string(v) ? gh_xstrdup(json_string_value(v)) : NULL;
    }
    gh_oauth_response_clear(&resp);
    gh_arena_free(a);
    return status;
}

#define FORM_JWT                                                                                   \
    "grant_type=client_credentials&scope=dns%3Aread+dns%3Awrite&resource="                         \
    "https%3A%2F%2Fapi.example.com%2Fdns"
#define FORM_OPAQUE "grant_type=client_credentials&scope=dns%3Aread+dns%3Awrite+logs%3Aread"

/* A JWS ES256 signature of an access token's claims alone (the payload written before): the
 * signing cost the token endpoint pays, without the endpoint. */
#define JWS_PAYLOAD                                                                                \
    "{\"iss\":\"https://issuer.example.test\",\"sub\":\"bench-jwt\",\"aud\":"                      \
    "\"https://api.example.com/dns\",\"exp\":1900000600,\"iat\":1900000000,\"jti\":"               \
    "\"0123456789abcdef0123456789abcdef\",\"client_id\":\"bench-jwt\",\"scope\":"                  \
    "\"dns:read dns:write\"}"

static int sign_once(bench *b)
{
    gh_arena *a = gh_arena_new(ARENA_BLOCK);
    char *jwt = NULL;
    gh_err err = gh_jws_sign_payload(a, b->es256, "at+jwt", NULL, JWS_PAYLOAD,
                                     sizeof(JWS_PAYLOAD) - 1, &jwt);

    gh_arena_free(a);
    return err == GH_OK ? 0 : 1;
}

/* The timed loop (callgrind: --toggle-collect=bench_loop). */
__attribute__((noinline)) int bench_loop(bench *b, const char *which, long n);
__attribute__((noinline)) int bench_loop(bench *b, const char *which, long n)
{
    int bad = 0;

    for (long i = 0; i < n; i++) {
        int st;

        if (strcmp(which, "jws_es256") == 0)
            st = sign_once(b);
        else if (strcmp(which, "token_jwt") == 0)
            st = call(b, gh_oauth_token, FORM_JWT, b->basic_jwt, NULL);
        else if (strcmp(which, "token_opaque") == 0)
            st = call(b, gh_oauth_token, FORM_OPAQUE, b->basic_opaque, NULL);
        else
            st = call(b, gh_oauth_introspect, b->pool[(size_t)i % b->npool],
                      strncmp(which, "introspect_jwt", 14) == 0 ? b->basic_jwt : b->basic_opaque,
                      NULL);
        bad += st != 0 && st != 200;
    }
    return bad;
}

static void fill_pool(bench *b, bool jwt)
{
    for (size_t i = 0; i < b->npool; i++)
        free(b->pool[i]);
    b->npool = 0;
    for (size_t i = 0; i < POOL; i++) {
        char *tok = NULL;
        int st = jwt ? call(b, gh_oauth_token, FORM_JWT, b->basic_jwt, &tok)
                     : call(b, gh_oauth_token, FORM_OPAQUE, b->basic_opaque, &tok);
        size_t n;

        if ((st != 0 && st != 200) || tok == NULL) {
            fprintf(stderr, "issuing the pool failed (%d)\n", st);
            exit(1);
        }
        n = strlen(tok) + 7;
        b->pool[i] = gh_xmalloc(n);
        snprintf(b->pool[i], n, "token=%s", tok);
        free(tok);
        b->npool++;
    }
}

/* A JWT access token for bench-jwt whose row keeps its hash (what issuance does when it
 * follows introspect_int.h). */
static char *mint_bound(bench *b, size_t i)
{
    gh_arena *a = gh_arena_new(ARENA_BLOCK);
    gh_ctx ctx;
    gh_oauth_keysnap *s = NULL;
    gh_store_txn *t;
    gh_store_op op;
    gh_token *row;
    char *jwt = NULL, *out, jti[64];
    json_t *claims;

    gh_engine_ctx_init(b->env->e, &ctx, a);
    snprintf(jti, sizeof(jti), "bound-%zu-%s", i, ctx.request_id);
    claims = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s}", "iss", GH_TEST_ISSUER, "sub",
                       "bench-jwt", "aud", GH_TEST_RS_DNS, "exp", (json_int_t)(ctx.now + 600),
                       "iat", (json_int_t)ctx.now, "jti", jti, "client_id", "bench-jwt", "scope",
                       "dns:read dns:write");
    if (gh_oauth__keys_acquire(b->env->e, &ctx, &s) != GH_OK ||
        gh_jws_sign(a, gh_oauth__keysnap_signer(s, GH_ALG_ES256), "at+jwt", NULL, claims, &jwt) !=
            GH_OK)
        exit(1);
    gh_oauth__keys_release(s);
    json_decref(claims);
    row = GH_ARENA_NEW(a, gh_token);
    row->id = jti;
    row->kind = GH_TOKEN_ACCESS;
    row->format = GH_STRATEGY_JWT;
    row->grant_id = jti;
    row->client_id = "bench-jwt";
    row->subject = "bench-jwt";
    row->scope = "dns:read dns:write";
    row->audience = GH_TEST_RS_DNS;
    row->issued_at = ctx.now;
    row->expires_at = ctx.now + 600;
    row->request_id = ctx.request_id;
    row->extra = gh_oauth__jwt_extra(a, jwt);
    t = gh_store_txn_new(a);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = row;
    gh_store_txn_add(t, &op);
    if (gh_store_commit(b->env->store, t) != GH_OK)
        exit(1);
    out = gh_xmalloc(strlen(jwt) + 7);
    snprintf(out, strlen(jwt) + 7, "token=%s", jwt);
    gh_arena_free(a);
    return out;
}

static void run_case(bench *b, const char *which, long n)
{
    double t0, p0, t1, p1;
    int bad;

    if (strcmp(which, "introspect_opaque") == 0)
        fill_pool(b, false);
    else if (strcmp(which, "introspect_jwt") == 0)
        fill_pool(b, true);
    else if (strcmp(which, "introspect_jwt_bound") == 0) {
        for (size_t i = 0; i < b->npool; i++)
            free(b->pool[i]);
        for (b->npool = 0; b->npool < POOL; b->npool++)
            b->pool[b->npool] = mint_bound(b, b->npool);
    } else if (strcmp(which, "jws_es256") == 0) {
        if (b->es256 == NULL && gh_jwk_generate(GH_ALG_ES256, "bench", &b->es256) != GH_OK)
            exit(1);
    } else if (strcmp(which, "token_jwt") != 0 && strcmp(which, "token_opaque") != 0) {
        fprintf(stderr, "unknown case %s\n", which);
        exit(2);
    }
    bench_loop(b, which, n / 10 + 1); /* warm caches */
    t0 = cpu_us(CLOCK_THREAD_CPUTIME_ID);
    p0 = cpu_us(CLOCK_PROCESS_CPUTIME_ID);
    bad = bench_loop(b, which, n);
    t1 = cpu_us(CLOCK_THREAD_CPUTIME_ID);
    p1 = cpu_us(CLOCK_PROCESS_CPUTIME_ID);
    printf("%-18s %8ld calls  thread %7.2f us/call  process %7.2f us/call  errors %d\n", which, n,
           (t1 - t0) / (double)n, (p1 - p0) / (double)n, bad);
    if (bad > 0)
        exit(1);
}

int main(int argc, char **argv)
{
    static const char *const all[] = {"jws_es256",      "token_jwt",
                                      "token_opaque",   "introspect_opaque",
                                      "introspect_jwt", "introspect_jwt_bound"};
    const char *backend = argc > 1 ? argv[1] : "mem";
    const char *which = argc > 2 ? argv[2] : "all";
    long n = argc > 3 ? strtol(argv[3], NULL, 10) : 20000;
    char path[] = "/tmp/gh_engine_bench_XXXXXX";
    gh_store *store = NULL;
    gh_config *cfg;
    bench b;

    memset(&b, 0, sizeof(b));
    b.jansson_dump =
        getenv("GH_BENCH_DUMP") != NULL && strcmp(getenv("GH_BENCH_DUMP"), "jansson") == 0;
    if (strcmp(backend, "sqlite") == 0) {
        int fd = mkstemp(path);

        if (fd < 0)
            return 1;
        close(fd);
        if (gh_store_sqlite_open(path, &store) != GH_OK)
            return 1;
    } else if (gh_store_mem_open(&store) != GH_OK) {
        return 1;
    }
    if (gh_store_migrate(store, NULL) != GH_OK)
        return 1;
    cfg = gh_test_config_new();
    b.env = gh_test_env_new_with(cfg, store);
    /* A real clock, as a server has (the fixture's clock is fixed). */
    b.env->clock = gh_clock_system;
    gh_engine_free(b.env->e);
    free(b.env->admin_key);
    b.env->admin_key = NULL;
    if (gh_engine_new(cfg, store, &b.env->clock, &b.env->e, NULL) != GH_OK)
        return 1;
    gh_test_cc_client(b.env, "bench-jwt", "dns:read dns:write logs:read", "jwt", NULL);
    gh_test_cc_client(b.env, "bench-opaque", "dns:read dns:write logs:read", "opaque", NULL);
    b.basic_jwt = gh_test_basic(b.env, "bench-jwt", GH_TEST_SECRET);
    b.basic_opaque = gh_test_basic(b.env, "bench-opaque", GH_TEST_SECRET);
    printf("backend %s, responses serialised by %s\n", backend,
           b.jansson_dump ? "json_dumps" : "gh_json_dump_a");
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(which, "all") == 0 || strcmp(which, all[i]) == 0)
            run_case(&b, all[i], n);
    for (size_t i = 0; i < b.npool; i++)
        free(b.pool[i]);
    gh_jwk_free(b.es256);
    gh_test_env_free(b.env);
    if (strcmp(backend, "sqlite") == 0) {
        char side[64];

        unlink(path);
        snprintf(side, sizeof(side), "%s-wal", path);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", path);
        unlink(side);
    }
    return 0;
}
