/*
 * fuzz_query.c - fuzz target for the request-target parsing of the HTTP adapter: the split
 * into path and query, route matching on both listeners (with and without an issuer path),
 * percent-decoding of the {id} segment, and the query parse; also the Content-Type and
 * Authorization: Bearer helpers on the same bytes.
 *
 * Input: the first byte picks the listener (bit 0) and an issuer with a path (bit 1); the
 * rest is the raw request target as it arrives on the request line.
 * Beyond "no crash", it checks the parser's promises: path and query put back together give
 * the input, the path holds no '?', a matched route belongs to the listener and its path is
 * a prefix of the request path, a decoded {id} is non-empty and NUL-free, and a query has at
 * most GH_LIMIT_FORM_PARAMS pairs.
 *
 * The http module is not linked into fuzz binaries (they link gh_oauth), and its pure parts
 * do not need libmicrohttpd, so they are compiled in here.
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/form.h"
#include "base/limits.h"
#include "http/http_int.h"

#include "http/parse.c"
#include "http/route.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a;
    gh_http_issuer_paths ip = {NULL, NULL};
    gh_http_target t;
    gh_http_match_result m;
    gh_form q;
    char *arg = NULL;
    const char *raw;
    char *str;
    size_t n;
    gh_http_listener l;
    gh_err err;

    if (size < 1)
        return 0;
    l = (data[0] & 1) ? GH_HTTP_ADMIN : GH_HTTP_PUBLIC;
    if (data[0] & 2)
        gh_assert(gh_http__issuer_paths("https://id.example.com/tenant", &ip) == GH_OK);
    raw = (const char *)data + 1;
    n = size - 1;
    a = gh_arena_new(0);

    err = gh_http__parse_request_target(a, l, &ip, raw, n, &t, &m, &arg, &q);
    gh_assert(err == GH_OK || err == GH_EINVAL || err == GH_ETOOBIG);
    if (t.path != NULL) {
        gh_assert(t.path[0] == '/');
        gh_assert(strlen(t.path) == t.path_len);
        gh_assert(memchr(t.path, '?', t.path_len) == NULL);
        gh_assert(strlen(t.query) == t.query_len);
        if (t.path_len < n) {
            gh_assert(t.path_len + 1 + t.query_len == n);
            gh_assert(raw[t.path_len] == '?');
            gh_assert(memcmp(raw + t.path_len + 1, t.query, t.query_len) == 0);
        } else {
            gh_assert(t.path_len == n && t.query_len == 0);
        }
        gh_assert(memcmp(raw, t.path, t.path_len) == 0);
    }
    if (m.route != NULL) {
        gh_assert(m.route->listener == l);
        gh_assert(t.path != NULL);
        if (m.route->match == GH_HTTP_WITH_ID) {
            size_t rl = strlen(m.route->path);
            gh_assert(m.arg != NULL && m.arg_len > 0);
            gh_assert(memcmp(t.path, m.route->path, rl) == 0 && t.path[rl] == '/');
            gh_assert(memchr(m.arg, '/', m.arg_len) == NULL);
        } else {
            gh_assert(m.arg == NULL);
        }
    }
    if (arg != NULL) {
        gh_assert(m.arg != NULL);
        gh_assert(arg[0] != '\0');
        gh_assert(strlen(arg) <= m.arg_len);
    }
    if (err == GH_OK) {
        gh_assert(q.n <= GH_LIMIT_FORM_PARAMS);
        gh_assert(m.arg == NULL || arg != NULL);
    }

    /* The header helpers take NUL-terminated values. */
    str = gh_arena_strndup(a, raw, n);
    {
        const char *mt = gh_http__media_type(a, str);
        const char *tok = gh_http__bearer_token(str);
        if (mt != NULL) {
            gh_assert(strchr(mt, '/') != NULL && strchr(mt, ';') == NULL);
            gh_assert(strchr(mt, ' ') == NULL);
        }
        if (tok != NULL)
            gh_assert(tok > str && tok[0] != '\0' && strchr(tok, ' ') == NULL);
    }

    gh_http__issuer_paths_clear(&ip);
    gh_arena_free(a);
    return 0;
}
