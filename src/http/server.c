/*
 * server.c - the libmicrohttpd daemons (public and admin listener) and the life of a request:
 * arena and context on the first callback, body collection bounded by serve.body_limit,
 * routing, the admin key, parsing into a gh_oauth_request, the engine call, and the response
 * with its headers; the access log and metrics on completion.
 *
 * Invariants of a request (struct req):
 *   1. on_uri (libmicrohttpd's URI log callback, once per request, before any parsing)
 *      creates the arena, the request id and the struct; on_completed frees them. The raw
 *      request target comes from on_uri, untouched: libmicrohttpd's own query parsing and
 *      unescaping are never used, so the query reaches gh_form_parse byte for byte and
 *      repeated parameters stay visible (RFC 6749 3.1).
 *   2. The first access-handler call only prepares (route, headers, early rejections); the
 *      response is queued from a later call, once the body is complete. A response queued
 *      from the first call makes libmicrohttpd close the connection after it, which silently
 *      loses keep-alive. The one exception is a Content-Length past the limit: that 413 is
 *      queued at once and the connection closes without reading the body.
 *   3. An early rejection (404, 405, 401, 400, and 413 for a chunked body that outgrows the
 *      limit) is decided in the first call and answered in the last; the body is discarded
 *      meanwhile, up to DISCARD_FACTOR body limits, past which the connection is closed.
 *   4. Every response carries X-Request-Id and X-Content-Type-Options: nosniff.
 *   5. An endpoint that hands back a pending commit (gh_oauth_response.commit) gets its
 *      connection suspended, not a blocked thread: the transaction goes to the store's
 *      group-commit writer (gh_store_commit_async), whose callback records the outcome and
 *      resumes the connection; the next access-handler call lets the endpoint finish the
 *      response (on_commit) and queues it. The request (arena, ctx, the pending response)
 *      lives until on_completed, which libmicrohttpd never calls for a suspended connection;
 *      the callback touches nothing of the request after resuming it. gh_http_stop stops
 *      deferring, waits for every pending commit to resume its connection, then stops.
 *   6. Access-log lines go to a buffer of the worker thread that completed the request (one
 *      per thread, found through a pthread key of this gh_http) and reach the log in writes
 *      of whole lines, at most PIPE_BUF bytes each (so they never interleave with other log
 *      output on a pipe). A buffer is written when it could not hold another line, when its
 *      oldest line is LOG_FLUSH_US old at the next request, by the flusher thread when it
 *      holds a line older than LOG_FLUSH_US (it looks every LOG_FLUSH_US), and at stop:
 *      every line gets out, within about 2 * LOG_FLUSH_US.
 *
 * Response bodies: JSON is serialised into the request arena (gh_json_dump_a) and, like text
 * bodies, sent in place (MHD_RESPMEM_PERSISTENT: the arena outlives the response, since it
 * is freed in the completion callback).
 * Not here: TLS (terminate it in front), HTTP/2.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <time.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"
#include "http/http_int.h"
#include "json/json.h"

/* Worker threads when serve.threads is 0. Token and revocation requests do not hold a
 * thread while the store commits (invariant 5), so a few threads per core keep the cores
 * busy; more only add context switches. The minimum covers the endpoints that still commit
 * synchronously (registration, admin, client assertion replay checks). */
#define PUBLIC_THREADS_MIN 4
#define PUBLIC_THREADS_PER_CPU 2
#define PUBLIC_THREADS_MAX 256
#define ADMIN_THREADS 4
/* Per-connection memory: request line, headers and the read buffer. libmicrohttpd zeroes
 * it between requests, so it costs time on every request: no larger than needed. */
#define CONNECTION_MEMORY (16 * 1024)
/* The longest request target served (a longer one gets 414). */
#define TARGET_MAX GH_LIMIT_HEADER_VALUE
/* How much of a refused body is read and dropped, in body limits, before the connection is
 * closed instead of answered. */
#define DISCARD_FACTOR 4
/* First block of a request arena: holds the request, its parse and most responses. */
#define REQUEST_ARENA_BLOCK 4096

/* Access-log buffering (invariant 6): per-thread buffer size, the age after which buffered
 * lines are written, and the largest single write (PIPE_BUF: atomic on a pipe). */
#define LOG_BUF_SIZE (32 * 1024)
#define LOG_FLUSH_US 50000
#define LOG_WRITE_MAX PIPE_BUF

#define CT_JSON "application/json; charset=utf-8"
#define CT_TEXT "text/plain; charset=utf-8"
#define CSP_DEFAULT "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define FORM_MEDIA_TYPE "application/x-www-form-urlencoded"

static const char body_health[] = "{\"status\":\"ok\"}";
static const char body_version[] = "{\"version\":\"" GH_VERSION "\"}";

/* One worker thread's access-log lines (invariant 6). */
typedef struct logbuf {
    struct logbuf *next;
    pthread_mutex_t mu; /* the owner thread, the flusher and gh_http_stop */
    int64_t first_us;   /* monotonic time of the oldest buffered line */
    size_t len;         /* bytes in p: whole lines, each ending in '\n' */
    gh_http_tscache tc;
    char p[LOG_BUF_SIZE];
} logbuf;

typedef struct listener {
    gh_http *h;
    gh_http_listener id;
    struct MHD_Daemon *d;
    unsigned port;
} listener;

struct gh_http {
    const gh_config *cfg;
    gh_engine *engine;
    size_t body_limit;
    bool admin_auth;
    /* Invariant 5: dispatches in flight that may defer (counted before stopping is read),
     * and whether gh_http_stop has begun (no more deferring). */
    atomic_uint deferrable;
    atomic_bool stopping;
    gh_http_issuer_paths ip;
    listener lst[GH_HTTP_N_LISTENERS];
    gh_http_metrics metrics;
    /* Invariant 6. log_mu guards logbufs (the list) and log_stop. */
    pthread_key_t logkey;
    bool logkey_ok;
    pthread_mutex_t log_mu;
    pthread_cond_t log_cv;
    bool log_stop;
    bool flusher_ok;
    pthread_t flusher;
    logbuf *logbufs;
};

/* An answer decided before the body is read (invariant 3). */
typedef struct early {
    int status;           /* 0: none */
    const char *code;     /* OAuth-style error code */
    const char *desc;     /* safe description, or NULL */
    const char *www_auth; /* WWW-Authenticate, or NULL */
    bool allow;           /* add Allow with the route's methods */
} early;

typedef struct req {
    listener *l;
    gh_arena *arena;
    gh_ctx ctx;
    int64_t start_us; /* monotonic */
    const char *raw;  /* the raw request target */
    size_t raw_len;
    bool raw_too_long;
    bool started;
    const char *method;
    unsigned method_bit;

    gh_http_target target;
    gh_http_match_result match;
    char *path_arg;
    gh_form query;

    /* Headers we read. */
    const char *authorization;
    const char *dpop;
    const char *content_type; /* media type, lower case */
    const char *cookie;       /* Cookie headers, joined with "; " (arena) */
    const char *origin;
    const char *user_agent;
    unsigned n_authorization, n_dpop, n_content_type, n_origin;
    bool header_too_long;

    early early;
    size_t discarded;
    gh_buf body;

    /* A pending commit (invariant 5). */
    struct MHD_Connection *conn;
    gh_oauth_response deferred; /* valid while deferring */
    bool deferring;
    atomic_bool commit_done;
    gh_err commit_err;

    /* What was answered, for the access log and metrics. */
    bool answered;
    int status;
    uint64_t bytes;
    const char *error;
} req;

/* ---- request setup ---- */

static const char *format_addr(gh_arena *a, const struct sockaddr *sa)
{
    char buf[INET6_ADDRSTRLEN];

    if (sa == NULL)
        return NULL;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        gh_http__format_ipv4(&in->sin_addr, buf);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf)) == NULL)
            return NULL;
    } else {
        return NULL;
    }
    return gh_arena_strdup(a, buf);
}

static req *req_new(listener *l, const char *uri, struct MHD_Connection *c)
{
    gh_arena *a = gh_arena_new(REQUEST_ARENA_BLOCK);
    req *r = GH_ARENA_NEW(a, req);
    const union MHD_ConnectionInfo *ci;
    size_t n = uri != NULL ? strnlen(uri, (size_t)TARGET_MAX + 1) : 0;

    r->l = l;
    r->arena = a;
    r->start_us = gh_clock_mono_us();
    gh_engine_ctx_init(l->h->engine, &r->ctx, a);
    r->raw_too_long = n > (size_t)TARGET_MAX;
    r->raw = r->raw_too_long ? "" : gh_arena_strndup(a, uri != NULL ? uri : "", n);
    r->raw_len = r->raw_too_long ? 0 : n;
    gh_buf_init(&r->body, l->h->body_limit);
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci != NULL)
        r->ctx.remote_addr = format_addr(a, ci->client_addr);
    return r;
}

/* libmicrohttpd's URI log callback: called once per request with the raw target, before it
 * parses or unescapes anything. Its result becomes the request's *req_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    return req_new(cls, uri, c);
}

/* ---- the access log (invariant 6) ---- */

/* Writes b's lines (b->mu held): as many whole lines per write as fit in LOG_WRITE_MAX; a
 * longer line goes alone. */
static void logbuf_flush(logbuf *b)
{
    size_t off = 0;

    while (off < b->len) {
        size_t end = off;
        while (end < b->len) {
            const char *nl = memchr(b->p + end, '\n', b->len - end);
            size_t next = nl != NULL ? (size_t)(nl - b->p) + 1 : b->len;
            if (next - off > LOG_WRITE_MAX && end > off)
                break;
            end = next;
        }
        /* gh_log_json_line adds the final newline back. */
        gh_log_json_line(b->p + off, end - off - 1);
        off = end;
    }
    b->len = 0;
}

static logbuf *logbuf_of_thread(gh_http *h)
{
    logbuf *b = pthread_getspecific(h->logkey);

    if (b != NULL)
        return b;
    b = gh_xcalloc(1, sizeof(*b));
    gh_assert(pthread_mutex_init(&b->mu, NULL) == 0);
    b->tc.sec = -1;
    pthread_mutex_lock(&h->log_mu);
    b->next = h->logbufs;
    h->logbufs = b;
    pthread_mutex_unlock(&h->log_mu);
    gh_assert(pthread_setspecific(h->logkey, b) == 0);
    return b;
}

static void log_access(gh_http *h, const gh_http_access *acc)
{
    logbuf *b = logbuf_of_thread(h);
    int64_t now = gh_clock_mono_us();
    size_t n;

    pthread_mutex_lock(&b->mu);
    if (LOG_BUF_SIZE - b->len < (size_t)GH_HTTP_ACCESS_LINE_MAX + 1)
        logbuf_flush(b);
    if (b->len == 0)
        b->first_us = now;
    n = gh_http__access_line_c(acc, gh_clock_now_us(&gh_clock_system), &b->tc, b->p + b->len,
                               GH_HTTP_ACCESS_LINE_MAX);
    b->len += n;
    b->p[b->len++] = '\n'; /* over the NUL */
    if (now - b->first_us >= LOG_FLUSH_US)
        logbuf_flush(b);
    pthread_mutex_unlock(&b->mu);
}

/* The flusher thread: writes buffers whose oldest line is LOG_FLUSH_US old. */
static void *log_flusher(void *arg)
{
    gh_http *h = arg;

    pthread_mutex_lock(&h->log_mu);
    while (!h->log_stop) {
        struct timespec ts;
        logbuf *b;
        int64_t now;

        gh_assert(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
        ts.tv_nsec += LOG_FLUSH_US * 1000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&h->log_cv, &h->log_mu, &ts);
        now = gh_clock_mono_us();
        for (b = h->logbufs; b != NULL; b = b->next) {
            pthread_mutex_lock(&b->mu);
            if (b->len > 0 && now - b->first_us >= LOG_FLUSH_US)
                logbuf_flush(b);
            pthread_mutex_unlock(&b->mu);
        }
    }
    pthread_mutex_unlock(&h->log_mu);
    return NULL;
}

static gh_err log_start(gh_http *h)
{
    pthread_condattr_t ca;

    gh_assert(pthread_mutex_init(&h->log_mu, NULL) == 0);
    gh_assert(pthread_condattr_init(&ca) == 0);
    gh_assert(pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0);
    gh_assert(pthread_cond_init(&h->log_cv, &ca) == 0);
    (void)pthread_condattr_destroy(&ca);
    if (pthread_key_create(&h->logkey, NULL) != 0)
        return GH_EINTERNAL;
    h->logkey_ok = true;
    if (pthread_create(&h->flusher, NULL, log_flusher, h) != 0)
        return GH_EINTERNAL;
    h->flusher_ok = true;
    return GH_OK;
}

/* After the daemons stopped (no worker thread left): stops the flusher, writes and frees
 * every buffer. */
static void log_stop(gh_http *h)
{
    logbuf *b, *next;

    if (h->flusher_ok) {
        pthread_mutex_lock(&h->log_mu);
        h->log_stop = true;
        pthread_cond_signal(&h->log_cv);
        pthread_mutex_unlock(&h->log_mu);
        (void)pthread_join(h->flusher, NULL);
    }
    for (b = h->logbufs; b != NULL; b = next) {
        next = b->next;
        pthread_mutex_lock(&b->mu);
        logbuf_flush(b);
        pthread_mutex_unlock(&b->mu);
        pthread_mutex_destroy(&b->mu);
        free(b);
    }
    h->logbufs = NULL;
    if (h->logkey_ok)
        (void)pthread_key_delete(h->logkey);
    pthread_cond_destroy(&h->log_cv);
    pthread_mutex_destroy(&h->log_mu);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    listener *l = cls;
    req *r = *req_cls;

    (void)c;
    (void)toe;
    if (r == NULL)
        return;
    if (r->answered) {
        gh_http_access acc;
        uint64_t dur = (uint64_t)(gh_clock_mono_us() - r->start_us);

        gh_http__metrics_count(&l->h->metrics, l->id, &r->match, r->status, r->bytes, dur);
        memset(&acc, 0, sizeof(acc));
        acc.request_id = r->ctx.request_id;
        acc.listener = l->id;
        acc.method = r->method;
        acc.path = r->target.path != NULL ? r->target.path : "";
        acc.path_len = r->target.path != NULL ? r->target.path_len : 0;
        acc.status = r->status;
        acc.bytes = r->bytes;
        acc.duration_us = dur;
        acc.remote = r->ctx.remote_addr;
        acc.error = r->error;
        log_access(l->h, &acc);
    }
    if (r->deferring)
        gh_oauth_response_clear(&r->deferred);
    gh_buf_clear(&r->body);
    gh_arena_free(r->arena);
    *req_cls = NULL;
}

/* ---- responses ---- */

static void add_header(struct MHD_Response *mr, const char *name, const char *value)
{
    /* libmicrohttpd refuses values with CR or LF; such a header is dropped, never split. */
    if (value != NULL)
        (void)MHD_add_response_header(mr, name, value);
}

/* Queues mr (consumed) with the headers every response carries and those of o (may be
 * NULL), and records what was answered. */
static enum MHD_Result queue(req *r, struct MHD_Connection *c, int status, struct MHD_Response *mr,
                             size_t len, const char *content_type, const gh_oauth_response *o,
                             const char *allow)
{
    enum MHD_Result ret;

    add_header(mr, "X-Request-Id", r->ctx.request_id);
    add_header(mr, "X-Content-Type-Options", "nosniff");
    if (content_type != NULL) {
        add_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
        if (strncmp(content_type, "text/html", 9) == 0) {
            /* DESIGN.md: every page sends a CSP with frame-ancestors 'none'; pages carry
             * codes, challenges and CSRF tokens, so none is cached or framed. */
            add_header(mr, "Content-Security-Policy",
                       o != NULL && o->csp != NULL ? o->csp : CSP_DEFAULT);
            add_header(mr, "X-Frame-Options", "DENY");
            add_header(mr, "Referrer-Policy", "no-referrer");
            if (o == NULL || !o->no_store)
                add_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        }
    }
    if (allow != NULL)
        add_header(mr, MHD_HTTP_HEADER_ALLOW, allow);
    if (o != NULL) {
        if (o->no_store) {
            /* SPEC: RFC6749 5.1 token responses carry Cache-Control: no-store and
             * Pragma: no-cache. */
            add_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
            add_header(mr, MHD_HTTP_HEADER_PRAGMA, "no-cache");
        }
        add_header(mr, MHD_HTTP_HEADER_LOCATION, o->location);
        add_header(mr, MHD_HTTP_HEADER_WWW_AUTHENTICATE, o->www_authenticate);
        add_header(mr, "Link", o->link);
        add_header(mr, "X-Total-Count", o->total_count);
        for (size_t i = 0; i < o->n_set_cookie && i < GH_OAUTH_MAX_COOKIES; i++)
            add_header(mr, MHD_HTTP_HEADER_SET_COOKIE, o->set_cookie[i]);
        if (status >= 400 && o->error != NULL)
            r->error = gh_arena_strdup(r->arena, o->error);
    }
    ret = MHD_queue_response(c, (unsigned)status, mr);
    MHD_destroy_response(mr);
    if (ret == MHD_YES) {
        r->answered = true;
        r->status = status;
        r->bytes = len;
    }
    return ret;
}

/* Sends an engine response (or one built the same way by http itself). */
static enum MHD_Result send_oauth(req *r, struct MHD_Connection *c, const gh_oauth_response *o,
                                  const char *allow)
{
    int status = o->status != 0 ? o->status : 200;
    struct MHD_Response *mr;
    const char *ct = NULL;
    size_t len = 0;

    if (o->body != NULL) {
        /* Serialised into the request arena (gh_json_write, the bytes json_dumps would
         * write) and sent in place. */
        const char *s = gh_json_dump_a(r->arena, o->body);
        if (s == NULL) {
            /* Only a string that is not UTF-8 gets here, which the engine never puts in a
             * response: answer a failure rather than send what the client cannot parse. */
            gh_log(GH_LOG_ERROR, "request %s: response body not encodable", r->ctx.request_id);
            s = "{\"error\":\"server_error\"}";
            status = 500;
        }
        len = strlen(s);
        mr = MHD_create_response_from_buffer(len, (void *)(uintptr_t)s, MHD_RESPMEM_PERSISTENT);
        ct = o->content_type != NULL ? o->content_type : CT_JSON;
    } else if (o->text != NULL) {
        len = o->text_len;
        mr = MHD_create_response_from_buffer(len, (void *)(uintptr_t)o->text,
                                             MHD_RESPMEM_PERSISTENT);
        ct = o->content_type != NULL ? o->content_type : CT_TEXT;
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)(uintptr_t) "", MHD_RESPMEM_PERSISTENT);
    }
    if (mr == NULL)
        return MHD_NO;
    return queue(r, c, status, mr, len, ct, o, allow);
}

/* Sends {"error":code[,"error_description":desc]} with status. */
static enum MHD_Result send_error(req *r, struct MHD_Connection *c, int status, const char *code,
                                  const char *desc, const char *www_auth, const char *allow)
{
    gh_oauth_response o;
    enum MHD_Result ret;

    gh_oauth_response_init(&o);
    gh_oauth_error(&o, status, code, desc);
    o.www_authenticate = www_auth;
    ret = send_oauth(r, c, &o, allow);
    gh_oauth_response_clear(&o);
    return ret;
}

static enum MHD_Result send_static(req *r, struct MHD_Connection *c, const char *body, size_t len,
                                   const char *ct)
{
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);

    if (mr == NULL)
        return MHD_NO;
    return queue(r, c, 200, mr, len, ct, NULL, NULL);
}

static enum MHD_Result send_early(req *r, struct MHD_Connection *c)
{
    char allow[96];
    const early *e = &r->early;

    if (e->allow && r->match.route != NULL) {
        gh_http__allow_header(r->match.route->methods, allow, sizeof(allow));
        return send_error(r, c, e->status, e->code, e->desc, e->www_auth, allow);
    }
    return send_error(r, c, e->status, e->code, e->desc, e->www_auth, NULL);
}

static void set_early(req *r, int status, const char *code, const char *desc)
{
    if (r->early.status != 0)
        return; /* the first reason wins */
    r->early.status = status;
    r->early.code = code;
    r->early.desc = desc;
}

/* ---- the first call: route, headers, early rejections ---- */

typedef struct header_scan {
    req *r;
    const char *content_type_raw;
    const char *content_length;
} header_scan;

static enum MHD_Result on_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
    header_scan *hs = cls;
    req *r = hs->r;

    (void)kind;
    (void)key_size;
    if (value_size > (size_t)GH_LIMIT_HEADER_VALUE) {
        r->header_too_long = true;
        return MHD_NO;
    }
    if (strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION) == 0) {
        r->n_authorization++;
        r->authorization = value;
    } else if (strcasecmp(key, "DPoP") == 0) {
        r->n_dpop++;
        r->dpop = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_TYPE) == 0) {
        r->n_content_type++;
        hs->content_type_raw = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        hs->content_length = value;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_COOKIE) == 0) {
        /* SPEC: RFC6265 5.4 a user agent sends one Cookie header; HTTP/2 gateways may
         * split it, so several are joined as one list. */
        r->cookie = r->cookie == NULL ? value : gh_arena_printf(r->arena, "%s; %s", r->cookie, value);
    } else if (strcasecmp(key, MHD_HTTP_HEADER_USER_AGENT) == 0) {
        r->user_agent = value;
    } else if (strcasecmp(key, "Origin") == 0) {
        r->n_origin++;
        r->origin = value;
    }
    return MHD_YES;
}

/* Parses a Content-Length value; false when it is not a plain decimal number. */
static bool parse_content_length(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;

    if (s == NULL || s[0] == '\0')
        return false;
    for (i = 0; s[i] != '\0'; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 19)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

/* Returns true when the 413 must be queued now (Content-Length past the limit). */
static bool prepare(req *r, struct MHD_Connection *c, const char *method)
{
    gh_http *h = r->l->h;
    header_scan hs;
    uint64_t clen = 0;
    gh_err err;

    r->method = gh_arena_strndup(r->arena, method, strnlen(method, 32));
    r->method_bit = gh_http__method_bit(r->method);

    memset(&hs, 0, sizeof(hs));
    hs.r = r;
    (void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, on_header, &hs);
    /* A declared body past the limit is refused before anything else, at once, and
     * without reading it (invariant 2). */
    if (hs.content_length != NULL) {
        if (!parse_content_length(hs.content_length, &clen)) {
            set_early(r, 400, "invalid_request", "malformed Content-Length");
            return false;
        }
        if (clen > h->body_limit) {
            set_early(r, 413, "invalid_request", "request body too large");
            return true;
        }
    }
    if (r->raw_too_long) {
        set_early(r, 414, "invalid_request", "request target too long");
        return false;
    }
    err = gh_http__parse_request_target(r->arena, r->l->id, &h->ip, r->raw, r->raw_len, &r->target,
                                        &r->match, &r->path_arg, &r->query);
    if (r->target.path == NULL) {
        set_early(r, 400, "invalid_request", "malformed request target");
        return false;
    }
    if (r->match.route == NULL) {
        set_early(r, 404, "not_found", NULL);
        return false;
    }
    if (r->method_bit == 0 || (r->match.route->methods & r->method_bit) == 0) {
        set_early(r, 405, "method_not_allowed", NULL);
        r->early.allow = true;
        return false;
    }
    if (r->header_too_long) {
        set_early(r, 400, "invalid_request", "header too long");
        return false;
    }
    /* The admin key comes before anything that would reveal how a request is judged. */
    if (r->match.route->admin_auth && h->admin_auth) {
        const char *tok = r->n_authorization == 1 ? gh_http__bearer_token(r->authorization) : NULL;
        if (tok == NULL || !gh_engine_admin_key_ok(h->engine, tok)) {
            set_early(r, 401, "unauthorized", NULL);
            r->early.www_auth = "Bearer";
            return false;
        }
    }
    if (err != GH_OK) {
        set_early(r, 400, "invalid_request",
                  r->path_arg == NULL && r->match.arg != NULL ? "malformed path"
                                                              : "malformed query string");
        return false;
    }
    /* SPEC: RFC6749 2.3 a client MUST NOT use more than one authentication method in each
     * request; two Authorization headers are at least two. */
    if (r->n_authorization > 1 || r->n_dpop > 1 || r->n_content_type > 1) {
        set_early(r, 400, "invalid_request", "repeated header");
        return false;
    }
    if (hs.content_type_raw != NULL)
        r->content_type = gh_http__media_type(r->arena, hs.content_type_raw);
    return false;
}

/* ---- the last call: dispatch ---- */

/* Sends an endpoint's response, or a generic server_error when it failed (err). */
static enum MHD_Result answer(req *r, struct MHD_Connection *c, gh_oauth_response *o, gh_err err)
{
    if (err != GH_OK) {
        /* Our failure: the detail goes to the log, the client gets a generic answer. */
        gh_log(GH_LOG_ERROR, "request %s %s failed: %s: %s", r->ctx.request_id,
               r->match.route->name, gh_err_str(err), r->ctx.fail);
        gh_oauth_error(o, 500, "server_error", NULL);
        o->location = o->www_authenticate = o->link = o->total_count = NULL;
        o->no_store = false;
    }
    return send_oauth(r, c, o, NULL);
}

/* The store's callback for a deferred commit, on the writer thread (invariant 5): records the
 * outcome and resumes the connection. r may be freed as soon as it is resumed. */
static void on_commit_done(void *ud, gh_err outcome)
{
    req *r = ud;
    gh_http *h = r->l->h;
    struct MHD_Connection *c = r->conn;

    r->commit_err = outcome;
    atomic_store(&r->commit_done, true);
    MHD_resume_connection(c);
    atomic_fetch_sub(&h->deferrable, 1);
}

/* The call after the resume: the endpoint finishes its response with the commit's outcome. */
static enum MHD_Result finish_deferred(req *r, struct MHD_Connection *c)
{
    gh_oauth_response *o = &r->deferred;
    enum MHD_Result ret;
    gh_err err;

    err = o->on_commit(r->l->h->engine, &r->ctx, o, o->commit_arg, r->commit_err);
    ret = answer(r, c, o, err);
    gh_oauth_response_clear(o);
    r->deferring = false;
    return ret;
}

static enum MHD_Result dispatch(req *r, struct MHD_Connection *c)
{
    gh_http *h = r->l->h;
    const gh_http_route *route = r->match.route;
    gh_oauth_request q;
    gh_oauth_response o;
    gh_form form;
    enum MHD_Result ret;
    gh_err err;

    switch (route->builtin) {
    case GH_HTTP_HEALTH:
        return send_static(r, c, body_health, sizeof(body_health) - 1, CT_JSON);
    case GH_HTTP_VERSION:
        return send_static(r, c, body_version, sizeof(body_version) - 1, CT_JSON);
    case GH_HTTP_METRICS: {
        size_t len = 0;
        char *text = gh_http__metrics_render(&h->metrics, r->arena, &len);
        return send_static(r, c, text, len, CT_METRICS);
    }
    case GH_HTTP_ENDPOINT:
        break;
    }

    memset(&q, 0, sizeof(q));
    /* HEAD is answered as GET; libmicrohttpd sends the headers only. */
    q.method = r->method_bit == GH_HTTP_M_HEAD ? "GET" : r->method;
    q.path_arg = r->path_arg;
    q.query = &r->query;
    q.content_type = r->content_type;
    if (r->body.len > 0) {
        q.body = r->body.data;
        q.body_len = r->body.len;
    }
    q.authorization = r->n_authorization == 1 ? r->authorization : NULL;
    q.dpop = r->n_dpop == 1 ? r->dpop : NULL;
    q.cookie = r->cookie;
    q.origin = r->n_origin == 1 ? r->origin : NULL;
    q.remote_addr = r->ctx.remote_addr;
    q.user_agent = r->user_agent;
    if (r->content_type != NULL && strcmp(r->content_type, FORM_MEDIA_TYPE) == 0) {
        err = gh_form_parse(r->arena, q.body != NULL ? q.body : "", q.body_len, &form);
        if (err != GH_OK)
            return send_error(r, c, 400, "invalid_request", "malformed form body", NULL, NULL);
        q.form = &form;
    }

    gh_oauth_response_init(&o);
    /* Invariant 5: counted first, then stopping read, so gh_http_stop either sees this
     * dispatch or this dispatch sees it stopping. */
    atomic_fetch_add(&h->deferrable, 1);
    o.can_defer = !atomic_load(&h->stopping);
    err = route->fn(h->engine, &r->ctx, &q, &o);
    if (err == GH_OK && o.commit != NULL && o.on_commit != NULL && o.store != NULL) {
        r->deferred = o;
        r->deferring = true;
        r->conn = c;
        MHD_suspend_connection(c);
        gh_store_commit_async(o.store, o.commit, on_commit_done, r);
        return MHD_YES;
    }
    atomic_fetch_sub(&h->deferrable, 1);
    ret = answer(r, c, &o, err);
    gh_oauth_response_clear(&o);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    listener *l = cls;
    req *r = *req_cls;

    (void)version;
    if (r == NULL) {
        /* on_uri always runs first; this only guards against a library that skips it. */
        r = req_new(l, url, c);
        *req_cls = r;
    }
    if (!r->started) {
        r->started = true;
        if (prepare(r, c, method))
            return send_early(r, c);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (r->early.status != 0) {
            /* Discard the body of a request already judged (invariant 3): libmicrohttpd
             * cannot queue a response mid-body, so the answer waits for its end. A body that
             * goes on past the bound gets the connection closed instead. */
            r->discarded += n;
            return r->discarded > DISCARD_FACTOR * l->h->body_limit ? MHD_NO : MHD_YES;
        }
        if (gh_buf_add(&r->body, upload_data, n) != GH_OK) {
            /* A body without Content-Length (chunked) grew past the limit: 413 at its end. */
            set_early(r, 413, "invalid_request", "request body too large");
            r->discarded = r->body.len + n;
            gh_buf_clear(&r->body);
        }
        return MHD_YES;
    }
    if (r->answered)
        return MHD_YES;
    if (r->deferring)
        return atomic_load(&r->commit_done) ? finish_deferred(r, c) : MHD_YES;
    if (r->early.status != 0)
        return send_early(r, c);
    return dispatch(r, c);
}

/* ---- daemons ---- */

static void mhd_log(void *cls, const char *fmt, va_list ap) GH_PRINTF(2, 0);

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    size_t n;
    listener *l = cls;

    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    gh_log(GH_LOG_WARN, "http %s: %s", l->id == GH_HTTP_ADMIN ? "admin" : "public", msg);
}

static unsigned public_threads(const gh_config *cfg)
{
    long cpus;
    unsigned n;

    if (cfg->threads != 0)
        return cfg->threads;
    cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 1)
        cpus = 1;
    n = (unsigned)cpus * PUBLIC_THREADS_PER_CPU;
    if (n < PUBLIC_THREADS_MIN)
        n = PUBLIC_THREADS_MIN;
    if (n > PUBLIC_THREADS_MAX)
        n = PUBLIC_THREADS_MAX;
    return n;
}

/* Resolves a listen address whose host is a DNS name (getaddrinfo, once, at start). */
static gh_err resolve_listen(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen)
{
    char host[GH_HTTP_LISTEN_MAX];
    unsigned port;
    bool br;
    struct addrinfo hints, *res = NULL, *ai;
    gh_err err = GH_EINVAL;

    if (gh_http__listen_split(addr, host, sizeof(host), &port, &br) != GH_OK)
        return GH_EINVAL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return GH_EINVAL;
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(struct sockaddr_in)) {
            memset(ss, 0, sizeof(*ss));
            memcpy(ss, ai->ai_addr, ai->ai_addrlen);
            ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
            *sslen = (socklen_t)ai->ai_addrlen;
            err = GH_OK;
            break;
        }
        if (ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(struct sockaddr_in6)) {
            memset(ss, 0, sizeof(*ss));
            memcpy(ss, ai->ai_addr, ai->ai_addrlen);
            ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
            *sslen = (socklen_t)ai->ai_addrlen;
            err = GH_OK;
            break;
        }
    }
    freeaddrinfo(res);
    return err;
}

static gh_err start_listener(gh_http *h, listener *l, gh_http_listener id, const char *addr,
                             unsigned threads)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME |
                     MHD_USE_TURBO;
    unsigned limit =
        h->cfg->max_connections ? h->cfg->max_connections : GH_LIMIT_CONNECTIONS_DEFAULT;
    unsigned timeout = h->cfg->idle_timeout ? h->cfg->idle_timeout : GH_LIMIT_IDLE_SECONDS_DEFAULT;
    const union MHD_DaemonInfo *di;
    gh_err err;

    l->h = h;
    l->id = id;
    err = gh_http__parse_listen(addr, &ss, &sslen);
    if (err == GH_ENOTFOUND)
        err = resolve_listen(addr, &ss, &sslen);
    if (err != GH_OK) {
        gh_log(GH_LOG_ERROR, "http: invalid listen address '%s' (expected host:port)",
               addr != NULL ? addr : "");
        return GH_EINVAL;
    }
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (threads < 1)
        threads = 1;
    /* libmicrohttpd shares the connection limit among the pool's threads. */
    if (limit < threads)
        limit = threads;
    l->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, l, MHD_OPTION_EXTERNAL_LOGGER,
                            mhd_log, l, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
                            limit, MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, l, MHD_OPTION_NOTIFY_COMPLETED,
                            on_completed, l, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
    if (l->d == NULL) {
        gh_log(GH_LOG_ERROR, "http: cannot listen on %s", addr);
        return GH_EINTERNAL;
    }
    di = MHD_get_daemon_info(l->d, MHD_DAEMON_INFO_BIND_PORT);
    l->port = di != NULL ? di->port : 0;
    return GH_OK;
}

gh_err gh_http_start(const gh_config *cfg, gh_engine *engine, gh_http **out)
{
    gh_http *h = NULL;
    gh_err err;

    *out = NULL;
    h = gh_xcalloc(1, sizeof(*h));
    h->cfg = cfg;
    h->engine = engine;
    h->body_limit = cfg->body_limit ? cfg->body_limit : (size_t)GH_LIMIT_BODY_DEFAULT;
    h->admin_auth = cfg->admin_auth;
    atomic_init(&h->deferrable, 0);
    atomic_init(&h->stopping, false);
    gh_http__metrics_init(&h->metrics);
    err = log_start(h);
    if (err != GH_OK) {
        gh_log(GH_LOG_ERROR, "http: cannot start the access log");
        goto done;
    }
    err = gh_http__issuer_paths(cfg->issuer, &h->ip);
    if (err != GH_OK) {
        gh_log(GH_LOG_ERROR, "http: the issuer is not an absolute http(s) URI");
        goto done;
    }
    err = start_listener(h, &h->lst[GH_HTTP_PUBLIC], GH_HTTP_PUBLIC, cfg->public_listen,
                         public_threads(cfg));
    if (err != GH_OK)
        goto done;
    err =
        start_listener(h, &h->lst[GH_HTTP_ADMIN], GH_HTTP_ADMIN, cfg->admin_listen, ADMIN_THREADS);
    if (err != GH_OK)
        goto done;
    *out = h;
    h = NULL;
done:
    gh_http_stop(h);
    return err;
}

unsigned gh_http_port(const gh_http *h, bool admin)
{
    return h->lst[admin ? GH_HTTP_ADMIN : GH_HTTP_PUBLIC].port;
}

void gh_http_stop(gh_http *h)
{
    size_t i;

    if (h == NULL)
        return;
    /* Invariant 5: no new deferrals, then every pending commit resumes its connection
     * (libmicrohttpd refuses to stop with a connection suspended). Commits always finish:
     * the store's writer outlives the listeners. */
    atomic_store(&h->stopping, true);
    while (atomic_load(&h->deferrable) != 0) {
        struct timespec ts = {0, 1000000};
        (void)nanosleep(&ts, NULL);
    }
    for (i = 0; i < GH_HTTP_N_LISTENERS; i++) {
        if (h->lst[i].d != NULL)
            MHD_stop_daemon(h->lst[i].d);
    }
    log_stop(h);
    gh_http__issuer_paths_clear(&h->ip);
    free(h);
}
