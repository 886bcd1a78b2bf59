/*
 * log.c - structured logging: one JSON object per line on stderr.
 *
 * Each line is {"time":"<RFC 3339 with milliseconds>","level":"...","msg":"..."} built in
 * a bounded stack buffer and written with a single write(2), so that lines from concurrent
 * threads never interleave. A message longer than GH_LOG_MSG_MAX bytes is cut (at a UTF-8
 * boundary) and marked with "...". Bytes that are not valid UTF-8 become '?', so every line
 * is valid JSON whatever the caller passes in.
 *
 * The minimum level is the one piece of process-wide state in base/: it is written once by
 * gh_log_init before any thread starts and only read afterwards. Log rotation, syslog and
 * sampling are deliberately absent: stderr is the interface, the supervisor does the rest.
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/mem.h"
#include "base/str.h"

#define GH_LOG_MSG_MAX 2048
/* Worst case: every message byte escaped as \u00XX (6 bytes), plus the fixed fields. */
#define GH_LOG_LINE_MAX (GH_LOG_MSG_MAX * 6 + 128)

static gh_log_level log_min = GH_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void gh_log_init(gh_log_level min)
{
    log_min = min;
}

int gh_log_level_parse(const char *s, gh_log_level *out)
{
    size_t i;
    if (!s)
        return -1;
    for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (gh_log_level)i;
            return 0;
        }
    }
    return -1;
}

/* Writes all of p[0..n) to stderr with one write(2) unless it is interrupted. */
static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Returns the length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (len > n || !gh_str_utf8((const char *)s, len))
        return 0;
    return len;
}

/* Appends s[0..n) JSON-escaped to out (which has room for 6n bytes); returns bytes added. */
static size_t json_escape(char *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0, k;

    while (i < n) {
        unsigned char c = u[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
            i++;
        } else if (c == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
            i++;
        } else if (c == '\t') {
            out[o++] = '\\';
            out[o++] = 't';
            i++;
        } else if (c == '\r') {
            out[o++] = '\\';
            out[o++] = 'r';
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            out[o++] = '\\';
            out[o++] = 'u';
            out[o++] = '0';
            out[o++] = '0';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
            i++;
        } else if (c < 0x80) {
            out[o++] = (char)c;
            i++;
        } else {
            k = utf8_seq(u + i, n - i);
            if (k == 0) {
                out[o++] = '?';
                i++;
            } else {
                memcpy(out + o, s + i, k);
                o += k;
                i += k;
            }
        }
    }
    return o;
}

/* Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" for now to out (32 bytes). */
static void now_rfc3339_ms(char out[32])
{
    int64_t us = gh_clock_now_us(&gh_clock_system);
    char base[32];
    size_t len;
    gh_clock_rfc3339(us / 1000000, base);
    len = strlen(base);
    if (len > 0 && base[len - 1] == 'Z')
        base[len - 1] = '\0';
    /* base is "YYYY-MM-DDTHH:MM:SS" (19 characters) once the Z is dropped. */
    (void)snprintf(out, 32, "%.19s.%03uZ", base,
                   (unsigned)(((us % 1000000) + 1000000) % 1000000 / 1000));
}

static void log_line(gh_log_level lvl, const char *msg, size_t msglen)
{
    char line[GH_LOG_LINE_MAX];
    char ts[32];
    size_t o = 0, cut = msglen;
    int truncated = 0;
    int n;

    if (cut > GH_LOG_MSG_MAX) {
        cut = GH_LOG_MSG_MAX;
        /* Step back over continuation bytes so a character is not split. */
        while (cut > 0 && ((unsigned char)msg[cut] & 0xc0) == 0x80)
            cut--;
        truncated = 1;
    }
    now_rfc3339_ms(ts);
    n = snprintf(line, sizeof(line), "{\"time\":\"%s\",\"level\":\"%s\",\"msg\":\"", ts,
                 level_names[lvl]);
    if (n < 0)
        return;
    o = (size_t)n;
    o += json_escape(line + o, msg, cut);
    if (truncated) {
        memcpy(line + o, "...", 3);
        o += 3;
    }
    memcpy(line + o, "\"}\n", 3);
    o += 3;
    write_all(line, o);
}

void gh_log(gh_log_level lvl, const char *fmt, ...)
{
    char msg[GH_LOG_MSG_MAX + 8];
    va_list ap;
    int n;
    size_t len;

    if ((int)lvl < (int)GH_LOG_DEBUG || (int)lvl > (int)GH_LOG_ERROR)
        lvl = GH_LOG_ERROR;
    if (lvl < log_min)
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    len = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    log_line(lvl, msg, len);
}

void gh_log_json_line(const char *json, size_t len)
{
    char stackbuf[4096];
    char *p = stackbuf;

    if (len >= sizeof(stackbuf))
        p = gh_xmalloc(len + 1);
    memcpy(p, json, len);
    p[len] = '\n';
    write_all(p, len + 1);
    if (p != stackbuf)
        free(p);
}
