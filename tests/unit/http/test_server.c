/*
 * test_server.c - the listeners end to end on loopback: a real gh_http over a real engine
 * (store/mem), driven by a minimal HTTP/1.1 client on raw sockets, so that what the wire
 * carries is checked byte for byte: status lines, the headers every response carries,
 * keep-alive, 404/405/401/413, admin auth, HEAD, the issuer-path metadata (RFC 8414 3.1),
 * token responses' cache headers, the metrics, and deferred commits (the connection is
 * suspended while the store commits the token row): concurrent keep-alive connections, a
 * client that leaves while its commit is pending, and a stop with commits in flight.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/digest.h"
#include "http/http.h"
#include "oauth/introspect_int.h"
#include "support/gh_test.h"

#define N_LEFT_OPEN 8

typedef struct fixture {
    gh_test_env *env;
    gh_http *http;
    unsigned pub, adm;
    int left_open[N_LEFT_OPEN]; /* connections closed only after gh_http_stop (or -1) */
} fixture;

typedef struct resp {
    int status;
    char head[8192]; /* status line and headers */
    char body[65536];
    size_t body_len;
} resp;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    gh_config *cfg = gh_test_config_new();

    cfg->public_listen = "127.0.0.1:0";
    cfg->admin_listen = "127.0.0.1:0";
    cfg->issuer = "http://127.0.0.1:4444/tenant";
    cfg->body_limit = 1024;
    cfg->threads = 2;
    for (size_t i = 0; i < N_LEFT_OPEN; i++)
        f->left_open[i] = -1;
    f->env = gh_test_env_new_with(cfg, NULL);
    assert_non_null(f->env->admin_key);
    assert_int_equal(gh_http_start(f->env->cfg, f->env->e, &f->http), GH_OK);
    f->pub = gh_http_port(f->http, false);
    f->adm = gh_http_port(f->http, true);
    assert_true(f->pub > 0 && f->adm > 0 && f->pub != f->adm);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gh_http_stop(f->http);
    for (size_t i = 0; i < N_LEFT_OPEN; i++)
        if (f->left_open[i] >= 0)
            close(f->left_open[i]);
    gh_test_env_free(f->env);
    free(f);
    return 0;
}

static int dial(unsigned port)
{
    struct sockaddr_in a;
    struct timeval tv = {5, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    assert_true(fd >= 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may close early (413); the reply tells */
        s += w;
        n -= (size_t)w;
    }
}

/* Returns the value of header name in r->head (a static copy), or NULL. */
static const char *header(const resp *r, const char *name)
{
    static char val[1024];
    const char *p = strstr(r->head, "\r\n");
    size_t n = strlen(name);

    while (p != NULL && p[2] != '\0') {
        const char *line = p + 2, *end = strstr(line, "\r\n");
        if (end == NULL)
            break;
        if ((size_t)(end - line) > n + 1 && strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            (void)snprintf(val, sizeof(val), "%.*s", (int)(end - v), v);
            return val;
        }
        p = end;
    }
    return NULL;
}

/* Reads one response (Content-Length framed; no body for HEAD). Returns 0, or -1 when the
 * connection closed before a whole response arrived. */
static int read_resp(int fd, resp *r, bool head_only)
{
    static char buf[sizeof(r->head) + sizeof(r->body)];
    size_t have = 0, hlen = 0, clen = 0;
    const char *cl, *eoh = NULL;

    memset(r, 0, sizeof(*r));
    while (eoh == NULL) {
        ssize_t n = recv(fd, buf + have, 1, 0); /* byte by byte: never read past one reply */
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        eoh = have >= 4 ? strstr(buf + have - 4, "\r\n\r\n") : NULL;
        assert_true(have < sizeof(r->head) - 1);
    }
    hlen = have;
    memcpy(r->head, buf, hlen);
    r->head[hlen] = '\0';
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1);
    cl = header(r, "Content-Length");
    clen = cl != NULL && !head_only ? strtoul(cl, NULL, 10) : 0;
    assert_true(clen < sizeof(r->body));
    while (r->body_len < clen) {
        ssize_t n = recv(fd, r->body + r->body_len, clen - r->body_len, 0);
        if (n <= 0)
            return -1;
        r->body_len += (size_t)n;
    }
    r->body[r->body_len] = '\0';
    return 0;
}

/* One request on a new connection. */
static void roundtrip(unsigned port, const char *req, resp *r)
{
    int fd = dial(port);
    send_all(fd, req, strlen(req));
    assert_int_equal(read_resp(fd, r, strncmp(req, "HEAD ", 5) == 0), 0);
    close(fd);
}

static void assert_common_headers(const resp *r)
{
    const char *id = header(r, "X-Request-Id");
    assert_non_null(id);
    assert_int_equal(strlen(id), 36);
    assert_string_equal(header(r, "X-Content-Type-Options"), "nosniff");
}

static void test_health_and_keepalive(void **state)
{
    fixture *f = *state;
    resp r;
    char id1[64];
    int fd = dial(f->pub);
    const char *req = "GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n";

    /* Two requests on one connection: keep-alive must hold. */
    send_all(fd, req, strlen(req));
    assert_int_equal(read_resp(fd, &r, false), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"status\":\"ok\"}");
    assert_string_equal(header(&r, "Content-Type"), "application/json; charset=utf-8");
    assert_common_headers(&r);
    (void)snprintf(id1, sizeof(id1), "%s", header(&r, "X-Request-Id"));
    assert_null(header(&r, "Connection"));

    req = "GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n";
    send_all(fd, req, strlen(req));
    assert_int_equal(read_resp(fd, &r, false), 0);
    assert_int_equal(r.status, 200);
    assert_string_not_equal(header(&r, "X-Request-Id"), id1);
    close(fd);

    roundtrip(f->adm, "GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200); /* no admin key needed */
}

static void test_not_found_and_method(void **state)
{
    fixture *f = *state;
    resp r;

    roundtrip(f->pub, "GET /nope?access_token=x HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error\":\"not_found\"}");
    assert_common_headers(&r);

    /* SPEC: RFC9110 15.5.6 a 405 carries Allow. */
    roundtrip(f->pub, "GET /oauth2/token HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow"), "POST");
    roundtrip(f->pub, "DELETE /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow"), "GET, HEAD");

    /* Admin routes live on the admin listener only. */
    roundtrip(f->pub, "GET /version HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 404);
}

static void test_admin_auth(void **state)
{
    fixture *f = *state;
    resp r;
    char req[512];

    roundtrip(f->adm, "GET /version HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 401);
    assert_string_equal(header(&r, "WWW-Authenticate"), "Bearer");
    assert_string_equal(r.body, "{\"error\":\"unauthorized\"}");

    roundtrip(f->adm,
              "GET /admin/clients HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\n\r\n", &r);
    assert_int_equal(r.status, 401);

    (void)snprintf(req, sizeof(req),
                   "GET /version HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n",
                   f->env->admin_key);
    roundtrip(f->adm, req, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"version\":\"" GH_VERSION "\"}");

    /* Basic is not the admin scheme. */
    (void)snprintf(req, sizeof(req),
                   "GET /version HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n\r\n",
                   f->env->admin_key);
    roundtrip(f->adm, req, &r);
    assert_int_equal(r.status, 401);

    (void)snprintf(
        req, sizeof(req),
        "GET /admin/clients?page_size=5 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n",
        f->env->admin_key);
    roundtrip(f->adm, req, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body[0], '[');
}

static void test_body_limit(void **state)
{
    fixture *f = *state;
    resp r;
    char req[4096];
    int fd, n;

    /* Declared too large: answered at once, without reading the body. */
    roundtrip(f->pub,
              "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
              "application/x-www-form-urlencoded\r\nContent-Length: 1025\r\n\r\n",
              &r);
    assert_int_equal(r.status, 413);
    assert_string_equal(r.body, "{\"error\":\"invalid_request\",\"error_description\":\"request "
                                "body too large\"}");
    assert_common_headers(&r);

    /* Chunked and growing past the limit: 413 once the body ends. */
    fd = dial(f->pub);
    n = snprintf(req, sizeof(req),
                 "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                 "Content-Type: application/x-www-form-urlencoded\r\n\r\n");
    send_all(fd, req, (size_t)n);
    memset(req, 'a', sizeof(req));
    send_all(fd, "800\r\n", 5);
    send_all(fd, req, 0x800);
    send_all(fd, "\r\n0\r\n\r\n", 7);
    assert_int_equal(read_resp(fd, &r, false), 0);
    assert_int_equal(r.status, 413);
    close(fd);

    /* Within the limit, a malformed form is the client's fault: 400, never 5xx. */
    roundtrip(f->pub,
              "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
              "application/x-www-form-urlencoded\r\nContent-Length: 14\r\n\r\ngrant_type=%zz",
              &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "malformed form body"));
}

static void test_token_headers(void **state)
{
    fixture *f = *state;
    resp r;
    char req[1024];

    /* An engine rejection keeps its status and its WWW-Authenticate. */
    roundtrip(f->pub,
              "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nContent-Type: "
              "application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n"
              "grant_type=client_credentials",
              &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"error\":\"invalid_client\""));
    assert_non_null(header(&r, "WWW-Authenticate"));
    assert_common_headers(&r);

    /* SPEC: RFC6749 5.1 a token response carries Cache-Control: no-store, Pragma: no-cache. */
    gh_test_cc_client(f->env, "cc-http", "dns:read", "jwt", NULL);
    (void)snprintf(req, sizeof(req),
                   "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: "
                   "application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: 44\r\n\r\n"
                   "grant_type=client_credentials&scope=dns:read",
                   gh_test_basic(f->env, "cc-http", GH_TEST_SECRET));
    roundtrip(f->pub, req, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"access_token\":"));
    assert_string_equal(header(&r, "Cache-Control"), "no-store");
    assert_string_equal(header(&r, "Pragma"), "no-cache");
    assert_string_equal(header(&r, "Content-Type"), "application/json; charset=utf-8");

    /* Two Authorization headers are refused before the engine sees them. */
    roundtrip(f->pub,
              "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YTpi\r\n"
              "Authorization: Basic YzpkJw==\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              "Content-Length: 29\r\n\r\ngrant_type=client_credentials",
              &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "repeated header"));
}

/* A client_credentials request of client id (secret GH_TEST_SECRET) on a kept-alive
 * connection. */
static void token_request(fixture *f, const char *id, char *out, size_t outlen)
{
    (void)snprintf(out, outlen,
                   "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: "
                   "application/x-www-form-urlencoded\r\nContent-Length: 44\r\n\r\n"
                   "grant_type=client_credentials&scope=dns:read",
                   gh_test_basic(f->env, id, GH_TEST_SECRET));
}

/* Returns the access_token member of a token response body (static copy), or NULL. */
static const char *access_token(const resp *r)
{
    static char tok[512];
    const char *p = strstr(r->body, "\"access_token\":\"");
    const char *end;

    if (p == NULL)
        return NULL;
    p += strlen("\"access_token\":\"");
    end = strchr(p, '"');
    if (end == NULL || (size_t)(end - p) >= sizeof(tok))
        return NULL;
    memcpy(tok, p, (size_t)(end - p));
    tok[end - p] = '\0';
    return tok;
}

/* Token requests interleaved on several keep-alive connections: each is answered after its
 * row is committed (the row is in the store when the response arrives), on the same
 * connection, in order, with the headers of a synchronous answer. */
static void test_deferred_commits(void **state)
{
    enum { CONNS = 6, ROUNDS = 4 };
    fixture *f = *state;
    int fds[CONNS];
    char req[1024];
    resp r;
    size_t i, k;

    gh_test_cc_client(f->env, "cc-defer", "dns:read", "opaque", NULL);
    token_request(f, "cc-defer", req, sizeof(req));
    for (i = 0; i < CONNS; i++)
        fds[i] = dial(f->pub);
    for (k = 0; k < ROUNDS; k++) {
        for (i = 0; i < CONNS; i++)
            send_all(fds[i], req, strlen(req));
        for (i = 0; i < CONNS; i++) {
            const char *tok;
            gh_token *row = NULL;
            char *id;

            assert_int_equal(read_resp(fds[i], &r, false), 0);
            assert_int_equal(r.status, 200);
            assert_common_headers(&r);
            assert_string_equal(header(&r, "Cache-Control"), "no-store");
            assert_string_equal(header(&r, "Pragma"), "no-cache");
            assert_null(header(&r, "Connection")); /* kept alive */
            tok = access_token(&r);
            assert_non_null(tok);
            assert_int_equal(strncmp(tok, "gh_at_", 6), 0);
            /* SPEC: DESIGN.md Tokens - acknowledged only once durable */
            id = gh_oauth__opaque_id(f->env->arena, tok);
            assert_int_equal(gh_store_token_get(f->env->store, id, f->env->arena, &row), GH_OK);
            assert_string_equal(row->client_id, "cc-defer");
        }
    }
    for (i = 0; i < CONNS; i++)
        close(fds[i]);
}

/* A client that closes its connection while the commit is pending: the server finishes the
 * request quietly (no use after free; ASan watches) and goes on serving. */
static void test_deferred_client_gone(void **state)
{
    fixture *f = *state;
    char req[1024];
    resp r;
    size_t i;

    gh_test_cc_client(f->env, "cc-gone", "dns:read", "jwt", NULL);
    token_request(f, "cc-gone", req, sizeof(req));
    for (i = 0; i < 20; i++) {
        int fd = dial(f->pub);
        send_all(fd, req, strlen(req));
        if (i % 2 == 0)
            (void)shutdown(fd, SHUT_RDWR);
        close(fd);
    }
    roundtrip(f->pub, req, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(access_token(&r));
    roundtrip(f->pub, "GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
}

/* gh_http_stop with token requests in flight (the teardown stops the server before these
 * connections are read or closed): it waits for their commits and stops cleanly. */
static void test_stop_with_commits_pending(void **state)
{
    fixture *f = *state;
    char req[1024];
    size_t i;

    gh_test_cc_client(f->env, "cc-stop", "dns:read", "opaque", NULL);
    token_request(f, "cc-stop", req, sizeof(req));
    for (i = 0; i < N_LEFT_OPEN; i++) {
        f->left_open[i] = dial(f->pub);
        send_all(f->left_open[i], req, strlen(req));
    }
}

/* Whether the file at fd holds s (read from the start). */
static bool file_has(int fd, const char *s)
{
    static char buf[1 << 16];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    if (n <= 0)
        return false;
    buf[n] = '\0';
    return strstr(buf, s) != NULL;
}

/* The access log is buffered per worker thread, yet every line gets out: within the flush
 * bound while the server idles, and at stop at once. */
static void test_access_log_flushed(void **state)
{
    fixture *f = *state;
    char path[] = "/tmp/gh_test_server_log.XXXXXX";
    char id1[64], id2[64];
    int fd = mkstemp(path), saved = dup(STDERR_FILENO);
    gh_http *h2 = NULL;
    bool seen = false;
    resp r;

    assert_true(fd >= 0 && saved >= 0);
    (void)unlink(path);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);

    roundtrip(f->pub, "GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    (void)snprintf(id1, sizeof(id1), "\"request_id\":\"%s\"", header(&r, "X-Request-Id"));
    for (int i = 0; i < 50 && !seen; i++) { /* the bound is ~100 ms; allow 500 */
        usleep(10000);
        seen = file_has(fd, id1);
    }

    /* A server stopped right after answering writes its lines at stop. */
    assert_int_equal(gh_http_start(f->env->cfg, f->env->e, &h2), GH_OK);
    roundtrip(gh_http_port(h2, false), "GET /health/alive HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    (void)snprintf(id2, sizeof(id2), "\"request_id\":\"%s\"", header(&r, "X-Request-Id"));
    gh_http_stop(h2);
    bool at_stop = file_has(fd, id2);
    bool remote = file_has(fd, "\"remote\":\"127.0.0.1\"");

    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    close(fd);
    assert_true(seen);
    assert_true(at_stop);
    assert_true(remote);
}

/* A header value at the limit fits in a connection's memory: answered by the engine (401),
 * not refused by libmicrohttpd (431). */
static void test_long_header_fits(void **state)
{
    fixture *f = *state;
    static char req[9 * 1024 + 512];
    char val[8 * 1024 - 64];
    resp r;

    memset(val, 'A', sizeof(val) - 1);
    val[sizeof(val) - 1] = '\0';
    (void)snprintf(req, sizeof(req),
                   "POST /oauth2/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic %s\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 29\r\n\r\n"
                   "grant_type=client_credentials",
                   val);
    roundtrip(f->pub, req, &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "invalid_client"));
    assert_common_headers(&r);
}

static void test_discovery_paths(void **state)
{
    fixture *f = *state;
    resp r;

    roundtrip(f->pub, "GET /.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"issuer\":\"http://127.0.0.1:4444/tenant\""));
    /* SPEC: RFC8414 3.1 metadata of an issuer with a path. */
    roundtrip(f->pub,
              "GET /.well-known/oauth-authorization-server/tenant HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"issuer\":\"http://127.0.0.1:4444/tenant\""));
    roundtrip(f->pub, "GET /tenant/.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\n\r\n",
              &r);
    assert_int_equal(r.status, 200);

    roundtrip(f->pub, "HEAD /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 0);
    assert_true(strtoul(header(&r, "Content-Length"), NULL, 10) > 10);

    roundtrip(f->pub, "GET /oauth2/register/%00 HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    assert_int_equal(r.status, 400);
}

static void test_metrics(void **state)
{
    fixture *f = *state;
    resp r;
    char req[512];

    roundtrip(f->pub, "GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n", &r);
    (void)snprintf(
        req, sizeof(req),
        "GET /admin/metrics/prometheus HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n",
        f->env->admin_key);
    /* The access of a request is counted once it completes: ask until it shows. */
    for (int i = 0; i < 50; i++) {
        roundtrip(f->adm, req, &r);
        if (strstr(r.body, "route=\"/health/ready\",status=\"200\"}") != NULL)
            break;
        usleep(10000);
    }
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "gatehouse_http_requests_total{listener=\"public\",route=\"/"
                                   "health/ready\",status=\"200\"}"));
    assert_string_equal(header(&r, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_health_and_keepalive),
        cmocka_unit_test(test_not_found_and_method),
        cmocka_unit_test(test_admin_auth),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_token_headers),
        cmocka_unit_test_setup_teardown(test_deferred_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deferred_client_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_with_commits_pending, setup, teardown),
        cmocka_unit_test(test_access_log_flushed),
        cmocka_unit_test(test_long_header_fits),
        cmocka_unit_test(test_discovery_paths),
        cmocka_unit_test(test_metrics),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
