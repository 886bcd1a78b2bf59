/*
 * http_int.h - declarations shared inside the http module (and its unit and fuzz tests) only.
 *
 * Files and what they own:
 *   parse.c     listen addresses, media types, the Authorization header, request targets
 *               (path, {id} argument, query string) - pure functions, no libmicrohttpd
 *   route.c     the static route table and route matching
 *   metrics.c   request counters (atomics) and their Prometheus text exposition
 *   accesslog.c the one-JSON-line-per-request access log
 *   server.c    the libmicrohttpd daemons, request lifecycle and response writing
 *
 * Only server.c includes microhttpd.h, so everything else here can be unit-tested and fuzzed
 * without a socket.
 */
#ifndef GH_HTTP_HTTP_INT_H
#define GH_HTTP_HTTP_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/form.h"
#include "http/http.h"
#include "oauth/oauth.h"

/* ---- parse.c ---- */

/* The longest host:port we accept in configuration. */
#define GH_HTTP_LISTEN_MAX 256
/* The longest raw {id} path segment (before percent-decoding). */
#define GH_HTTP_PATH_ARG_MAX 1024

/* Splits a listen address "host:port" or "[IPv6]:port" into host (brackets removed, NUL-
 * terminated, hostlen bytes at most) and port 0..65535. GH_EINVAL when it is not of that
 * form. Does not judge the host. */
GH_MUST_CHECK gh_err gh_http__listen_split(const char *s, char *host, size_t hostlen,
                                           unsigned *out_port, bool *out_bracketed);

/* Parses a listen address: "IPv4:port", "[IPv6]:port" or "localhost:port" (127.0.0.1).
 * port is 0..65535 (0: the kernel picks one). Writes the socket address to out and its
 * length to out_len. GH_ENOTFOUND when the host is another well-formed DNS name (the caller
 * may resolve it: gh_http_start does, once, at start); GH_EINVAL on anything else. */
GH_MUST_CHECK gh_err gh_http__parse_listen(const char *s, struct sockaddr_storage *out,
                                           socklen_t *out_len);

/* Writes the dotted-quad text of an IPv4 address to out, as inet_ntop(AF_INET) does (the
 * access log's and the context's remote address, once per request). */
void gh_http__format_ipv4(const struct in_addr *ia, char out[INET_ADDRSTRLEN]);

/* Returns the media type of a Content-Type value, lower case, without parameters and
 * surrounding whitespace (RFC 9110 8.3.1: type/subtype is case-insensitive), in the arena;
 * NULL when value is NULL or holds no type/subtype token pair. */
const char *gh_http__media_type(gh_arena *a, const char *value);

/* Returns the token of an "Authorization: Bearer <token>" value (RFC 6750 2.1: the scheme is
 * case-insensitive, one or more spaces, then a b64token), borrowed from value; NULL when the
 * scheme is not Bearer or the token is empty or holds characters outside b64token. */
const char *gh_http__bearer_token(const char *value);

/* A request target split into its parts. All strings are in the arena. */
typedef struct gh_http_target {
    const char *path; /* the raw path (no query), never NULL */
    size_t path_len;
    const char *query; /* the raw query string (after '?'), "" when absent */
    size_t query_len;
} gh_http_target;

/* Splits a raw request target ("/a/b?x=1") at the first '?'. GH_EINVAL when the target does
 * not start with '/' (the absolute and authority forms are not served) or holds a control
 * character, a space or '#'. */
GH_MUST_CHECK gh_err gh_http__split_target(gh_arena *a, const char *raw, size_t n,
                                           gh_http_target *out);

/* Percent-decodes one path segment (the {id} of /admin/clients/{id}) into the arena.
 * GH_EINVAL when the segment is empty, longer than GH_HTTP_PATH_ARG_MAX, holds a '/', a bad
 * escape, %00 or invalid UTF-8. '+' is a plus sign in a path (RFC 3986 3.3). */
GH_MUST_CHECK gh_err gh_http__path_arg(gh_arena *a, const char *seg, size_t n, char **out);

/* ---- route.c ---- */

typedef enum gh_http_listener {
    GH_HTTP_PUBLIC = 0,
    GH_HTTP_ADMIN = 1,
    GH_HTTP_N_LISTENERS = 2
} gh_http_listener;

/* Methods as bits, for a route's allowed set. */
enum {
    GH_HTTP_M_GET = 1u << 0,
    GH_HTTP_M_HEAD = 1u << 1,
    GH_HTTP_M_POST = 1u << 2,
    GH_HTTP_M_PUT = 1u << 3,
    GH_HTTP_M_DELETE = 1u << 4,
    GH_HTTP_M_PATCH = 1u << 5,
    GH_HTTP_M_OPTIONS = 1u << 6
};

/* Returns the bit of a method name (case-sensitive, RFC 9110 9.1), or 0 if unknown. */
unsigned gh_http__method_bit(const char *method);
/* Writes the Allow header value for a set of method bits ("GET, HEAD, POST") to out. */
void gh_http__allow_header(unsigned methods, char *out, size_t outlen);

/* What answers a route: an engine endpoint, or one of the answers http gives itself. */
typedef enum gh_http_builtin {
    GH_HTTP_ENDPOINT = 0, /* fn */
    GH_HTTP_HEALTH,       /* {"status":"ok"} */
    GH_HTTP_VERSION,      /* {"version":GH_VERSION} */
    GH_HTTP_METRICS       /* Prometheus text */
} gh_http_builtin;

typedef enum gh_http_match {
    GH_HTTP_EXACT = 0, /* the path is exactly route->path */
    GH_HTTP_WITH_ID    /* route->path, '/', one non-empty segment (the path_arg) */
} gh_http_match;

typedef struct gh_http_route {
    gh_http_listener listener;
    const char *path;
    gh_http_match match;
    unsigned methods;     /* allowed methods (HEAD is allowed wherever GET is) */
    gh_oauth_endpoint fn; /* for GH_HTTP_ENDPOINT */
    gh_http_builtin builtin;
    bool admin_auth;  /* requires the admin bearer key (unless cfg->admin_auth is false) */
    const char *name; /* label for metrics and the access log */
} gh_http_route;

/* The routes, and how many there are. Indexes are stable for the process (metrics). */
const gh_http_route *gh_http__routes(size_t *out_n);

/* Paths that depend on the issuer (RFC 8414 3.1, OIDC Discovery 4): when the issuer has a
 * path, its metadata is also served at /.well-known/oauth-authorization-server<path> and at
 * <path>/.well-known/openid-configuration. Built once at start from the issuer. */
typedef struct gh_http_issuer_paths {
    char *as;   /* heap, NULL when the issuer has no path */
    char *oidc; /* heap, NULL when the issuer has no path */
} gh_http_issuer_paths;

/* Computes the issuer-dependent paths of issuer (an absolute http(s) URI without query or
 * fragment). GH_EINVAL when the issuer is not one. */
GH_MUST_CHECK gh_err gh_http__issuer_paths(const char *issuer, gh_http_issuer_paths *out);
void gh_http__issuer_paths_clear(gh_http_issuer_paths *p);

/* The result of matching a path. */
typedef struct gh_http_match_result {
    const gh_http_route *route; /* NULL: no route has this path on this listener */
    size_t index;               /* route's index in the table (valid when route != NULL) */
    const char *arg;            /* raw {id} segment (not decoded), or NULL */
    size_t arg_len;
} gh_http_match_result;

/* Finds the route of a raw path (no query) on a listener. ip may be NULL. */
void gh_http__route_find(gh_http_listener l, const gh_http_issuer_paths *ip, const char *path,
                         size_t path_len, gh_http_match_result *out);

/* The whole parse of a request target, as the server does it, in one call (the fuzz target's
 * entry point): split, route, decode the {id} and parse the query. out_target is filled
 * whenever the split succeeds (also when a later step fails). On GH_OK, out_match is
 * filled (route NULL for an unknown path), *out_arg is the decoded {id} or NULL, and
 * out_query the parsed query. GH_EINVAL / GH_ETOOBIG for a target, {id} or query that is
 * malformed or too large: the server answers 400. */
GH_MUST_CHECK gh_err gh_http__parse_request_target(gh_arena *a, gh_http_listener l,
                                                   const gh_http_issuer_paths *ip, const char *raw,
                                                   size_t n, gh_http_target *out_target,
                                                   gh_http_match_result *out_match, char **out_arg,
                                                   gh_form *out_query);

/* ---- metrics.c ---- */

/* Status codes counted individually; others fall in a final "other" slot. */
#define GH_HTTP_N_STATUS 20
/* Route slots: every route, plus one "unmatched" slot per listener. */
#define GH_HTTP_MAX_ROUTES 48

typedef struct gh_http_metrics {
    atomic_uint_fast64_t count[GH_HTTP_MAX_ROUTES + GH_HTTP_N_LISTENERS][GH_HTTP_N_STATUS];
    atomic_uint_fast64_t duration_us[GH_HTTP_MAX_ROUTES + GH_HTTP_N_LISTENERS];
    atomic_uint_fast64_t bytes[GH_HTTP_MAX_ROUTES + GH_HTTP_N_LISTENERS];
} gh_http_metrics;

void gh_http__metrics_init(gh_http_metrics *m);
/* Counts one request. route is NULL for an unmatched path (then l says which listener). */
void gh_http__metrics_count(gh_http_metrics *m, gh_http_listener l,
                            const gh_http_match_result *match, int status, uint64_t bytes,
                            uint64_t duration_us);
/* Returns the Prometheus text exposition (format 0.0.4) in the arena, and its length. */
char *gh_http__metrics_render(gh_http_metrics *m, gh_arena *a, size_t *out_len);

/* ---- accesslog.c ---- */

typedef struct gh_http_access {
    const char *request_id;
    gh_http_listener listener;
    const char *method;
    const char *path; /* the raw path only: never the query string, which may carry tokens */
    size_t path_len;
    int status;
    uint64_t bytes;
    uint64_t duration_us;
    const char *remote; /* may be NULL */
    const char *error;  /* OAuth error code, or NULL */
} gh_http_access;

/* Room for the longest access-log line: every field is cut to a bound before escaping. */
#define GH_HTTP_ACCESS_LINE_MAX 8192

/* Writes the access-log line of a (one JSON object, no newline) to out, NUL-terminated, and
 * returns its length. With outlen >= GH_HTTP_ACCESS_LINE_MAX the line is complete and valid
 * JSON whatever the fields hold: over-long fields are cut, bytes that are not printable ASCII
 * are escaped. A smaller buffer gets a cut (invalid) line, never an overflow. */
size_t gh_http__access_line(const gh_http_access *a, int64_t now_us, char *out, size_t outlen);

/* The seconds part of the last timestamp formatted ("2026-01-02T03:04:05", no zone), so a
 * caller that logs many lines formats it once per second. sec -1: empty. */
typedef struct gh_http_tscache {
    int64_t sec;
    char ts[32];
    size_t ts_len;
} gh_http_tscache;

/* gh_http__access_line with a caller's timestamp cache (same output). */
size_t gh_http__access_line_c(const gh_http_access *a, int64_t now_us, gh_http_tscache *tc,
                              char *out, size_t outlen);

#endif
