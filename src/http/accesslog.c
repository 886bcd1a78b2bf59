/*
 * accesslog.c - the access log: one JSON object per answered request. The server formats
 * each line into its thread's buffer and writes buffers with gh_log_json_line (server.c).
 *
 * Fields: time, type "access", request_id, listener, method, path, status, bytes,
 * duration_us, remote, error. The path is the raw path without its query string, because a
 * query may carry tokens or codes; no header value (Authorization, DPoP, cookies) is ever
 * logged. Strings are escaped byte by byte (anything outside printable ASCII becomes \u00XX),
 * so a hostile path cannot break the line or the JSON. Hot path: the timestamp's seconds part
 * is formatted once per second per caller cache, numbers without printf.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "http/http_int.h"

/* The most bytes of the path and method that are logged. */
#define PATH_LOG_MAX 512
#define SHORT_LOG_MAX 64

typedef struct line {
    char *p;
    size_t len, cap; /* cap excludes the final NUL */
} line;

static void put(line *l, const char *s, size_t n)
{
    if (l->len + n > l->cap)
        n = l->cap - l->len;
    memcpy(l->p + l->len, s, n);
    l->len += n;
}

static void puts_(line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* True for the bytes a JSON string holds as they are: printable ASCII but '"' and '\\'. */
static int plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* Appends s[0..n) (at most max bytes of it) as a JSON string, quotes included. Runs of plain
 * bytes (all of a usual path, id or address) are copied whole. */
static void put_str(line *l, const char *s, size_t n, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;

    if (n > max)
        n = max;
    put(l, "\"", 1);
    while (i < n) {
        size_t run = i;
        unsigned char c;

        while (run < n && plain((unsigned char)s[run]))
            run++;
        put(l, s + i, run - i);
        if (run == n)
            break;
        c = (unsigned char)s[run];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(l, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(l, e, 6);
        }
        i = run + 1;
    }
    put(l, "\"", 1);
}

/* Appends a member: name_sep is ,"name": (FIELD below), then s as a JSON string, or null. */
static void put_field_str(line *l, const char *name_sep, size_t name_sep_len, const char *s,
                          size_t n, size_t max)
{
    put(l, name_sep, name_sep_len);
    if (s == NULL)
        put(l, "null", 4);
    else
        put_str(l, s, n, max);
}

static void put_u64(line *l, uint64_t v)
{
    char num[24];
    size_t i = sizeof(num);

    do {
        num[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(l, num + i, sizeof(num) - i);
}

/* The two arguments ,"name": and its length, for put and put_field_str (name: a literal). */
#define FIELD(name) ",\"" name "\":", sizeof(",\"" name "\":") - 1

size_t gh_http__access_line(const gh_http_access *a, int64_t now_us, char *out, size_t outlen)
{
    gh_http_tscache tc = {.sec = -1};

    return gh_http__access_line_c(a, now_us, &tc, out, outlen);
}

size_t gh_http__access_line_c(const gh_http_access *a, int64_t now_us, gh_http_tscache *tc,
                              char *out, size_t outlen)
{
    int64_t sec = now_us / 1000000;
    int ms = (int)((now_us / 1000) % 1000);
    char msz[5];
    line l;

    if (outlen == 0)
        return 0;
    l.p = out;
    l.len = 0;
    l.cap = outlen - 1;
    if (tc->sec != sec) {
        size_t tl;

        gh_clock_rfc3339(sec, tc->ts);
        tl = strlen(tc->ts);
        if (tl > 0 && tc->ts[tl - 1] == 'Z')
            tc->ts[--tl] = '\0';
        tc->ts_len = tl;
        tc->sec = sec;
    }
    if (ms < 0)
        ms = 0;
    msz[0] = '.';
    msz[1] = (char)('0' + ms / 100);
    msz[2] = (char)('0' + ms / 10 % 10);
    msz[3] = (char)('0' + ms % 10);
    msz[4] = 'Z';
    puts_(&l, "{\"time\":\"");
    put(&l, tc->ts, tc->ts_len);
    put(&l, msz, sizeof(msz));
    puts_(&l, "\",\"level\":\"info\",\"type\":\"access\"");
    put_field_str(&l, FIELD("request_id"), a->request_id, a->request_id ? strlen(a->request_id) : 0,
                  SHORT_LOG_MAX);
    put_field_str(&l, FIELD("listener"), a->listener == GH_HTTP_ADMIN ? "admin" : "public",
                  a->listener == GH_HTTP_ADMIN ? 5 : 6, SHORT_LOG_MAX);
    put_field_str(&l, FIELD("method"), a->method, a->method ? strlen(a->method) : 0, SHORT_LOG_MAX);
    put_field_str(&l, FIELD("path"), a->path, a->path_len, PATH_LOG_MAX);
    put(&l, FIELD("status"));
    put_u64(&l, (uint64_t)(a->status < 0 ? 0 : a->status));
    put(&l, FIELD("bytes"));
    put_u64(&l, a->bytes);
    put(&l, FIELD("duration_us"));
    put_u64(&l, a->duration_us);
    put_field_str(&l, FIELD("remote"), a->remote, a->remote ? strlen(a->remote) : 0, SHORT_LOG_MAX);
    if (a->error != NULL)
        put_field_str(&l, FIELD("error"), a->error, strlen(a->error), SHORT_LOG_MAX);
    put(&l, "}", 1);
    out[l.len] = '\0';
    return l.len;
}
