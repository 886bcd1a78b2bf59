/*
 * parse.c - the pure parsing pieces of the HTTP adapter (and the remote address's text):
 * listen addresses, Content-Type media
 * types (RFC 9110 8.3.1), the Bearer scheme of the Authorization header (RFC 6750 2.1), and
 * request targets (RFC 9112 3.2: origin-form only, split at the first '?').
 *
 * Nothing here touches a socket or libmicrohttpd, so all of it is unit-tested and fuzzed.
 * Deliberately absent: path normalisation (dot segments, double slashes, percent-decoding of
 * the path for routing). Routes are matched on the raw path byte for byte, so "/oauth2/%74oken"
 * is not "/oauth2/token": there is exactly one spelling of every route, and nothing can reach
 * a handler through an alias that a proxy in front would have judged differently.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "base/form.h"
#include "base/str.h"
#include "http/http_int.h"

/* Parses a whole decimal port in 0..65535 from s[0..n). */
static gh_err parse_port(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    size_t i;

    if (n == 0 || n > 5)
        return GH_EINVAL;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return GH_EINVAL;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v > 65535)
        return GH_EINVAL;
    *out = v;
    return GH_OK;
}

gh_err gh_http__listen_split(const char *s, char *host, size_t hostlen, unsigned *out_port,
                             bool *out_bracketed)
{
    const char *colon;
    size_t n, hlen;

    if (hostlen > 0)
        host[0] = '\0';
    *out_port = 0;
    *out_bracketed = false;
    if (s == NULL)
        return GH_EINVAL;
    n = strnlen(s, GH_HTTP_LISTEN_MAX);
    if (n == 0 || n >= GH_HTTP_LISTEN_MAX)
        return GH_EINVAL;
    if (s[0] == '[') {
        /* [IPv6]:port (RFC 3986 3.2.2 notation). */
        const char *close = memchr(s, ']', n);
        if (close == NULL || close[1] != ':')
            return GH_EINVAL;
        hlen = (size_t)(close - s - 1);
        if (hlen == 0 || hlen >= hostlen)
            return GH_EINVAL;
        memcpy(host, s + 1, hlen);
        host[hlen] = '\0';
        *out_bracketed = true;
        return parse_port(close + 2, n - (size_t)(close + 2 - s), out_port);
    }
    colon = memchr(s, ':', n);
    if (colon == NULL || memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)) != NULL)
        return GH_EINVAL; /* no port, or an IPv6 address without brackets */
    hlen = (size_t)(colon - s);
    if (hlen == 0 || hlen >= hostlen)
        return GH_EINVAL;
    memcpy(host, s, hlen);
    host[hlen] = '\0';
    return parse_port(colon + 1, n - hlen - 1, out_port);
}

/* True if s is a syntactically valid DNS name (RFC 1123 2.1 labels, dot-separated). */
static bool is_dns_name(const char *s)
{
    size_t label = 0;
    bool digits_only = true;

    if (*s == '\0' || *s == '.' || *s == '-')
        return false;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '.') {
            if (label == 0 || s[-1] == '-')
                return false;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return false;
        if (label == 0 && c == '-')
            return false;
        if (!(c >= '0' && c <= '9') && c != '.')
            digits_only = false;
        if (++label > 63)
            return false;
    }
    /* "1.2.3" is a malformed address, not a name. */
    return label > 0 && s[-1] != '-' && !digits_only;
}

gh_err gh_http__parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *out_len)
{
    char host[GH_HTTP_LISTEN_MAX];
    unsigned port;
    bool bracketed;

    memset(out, 0, sizeof(*out));
    *out_len = 0;
    if (gh_http__listen_split(s, host, sizeof(host), &port, &bracketed) != GH_OK)
        return GH_EINVAL;
    if (bracketed) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return GH_EINVAL;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *out_len = sizeof(*a6);
        return GH_OK;
    }
    {
        struct sockaddr_in *a4 = (struct sockaddr_in *)out;
        if (gh_str_caseeq(host, "localhost")) {
            a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        } else if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            return is_dns_name(host) ? GH_ENOTFOUND : GH_EINVAL;
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *out_len = sizeof(*a4);
    }
    return GH_OK;
}

/* RFC 9110 5.6.2 tchar. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

const char *gh_http__media_type(gh_arena *a, const char *value)
{
    const char *p, *start, *slash = NULL;
    char *out;
    size_t n, i;

    if (value == NULL)
        return NULL;
    p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    start = p;
    while (is_tchar((unsigned char)*p) || (*p == '/' && slash == NULL)) {
        if (*p == '/')
            slash = p;
        p++;
    }
    n = (size_t)(p - start);
    /* type "/" subtype, both non-empty. */
    if (slash == NULL || slash == start || (size_t)(slash - start) + 1 == n)
        return NULL;
    /* What follows must be optional whitespace, then nothing or ';' parameters. */
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p != '\0' && *p != ';')
        return NULL;
    out = gh_arena_strndup(a, start, n);
    for (i = 0; i < n; i++) {
        if (out[i] >= 'A' && out[i] <= 'Z')
            out[i] = (char)(out[i] - 'A' + 'a');
    }
    return out;
}

/* RFC 6750 2.1 b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" */
static bool is_b64token_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

const char *gh_http__bearer_token(const char *value)
{
    const char *p, *tok;

    if (value == NULL || strncasecmp(value, "Bearer", 6) != 0 || value[6] != ' ')
        return NULL;
    p = value + 6;
    while (*p == ' ')
        p++;
    tok = p;
    while (is_b64token_char((unsigned char)*p))
        p++;
    if (p == tok)
        return NULL;
    while (*p == '=')
        p++;
    /* Nothing may follow the token (libmicrohttpd has already trimmed the value). */
    if (*p != '\0')
        return NULL;
    return tok;
}

gh_err gh_http__split_target(gh_arena *a, const char *raw, size_t n, gh_http_target *out)
{
    const char *q;
    size_t i, plen;

    memset(out, 0, sizeof(*out));
    if (raw == NULL || n == 0 || raw[0] != '/')
        return GH_EINVAL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c <= 0x20 || c == 0x7f || c == '#')
            return GH_EINVAL;
    }
    q = memchr(raw, '?', n);
    plen = q ? (size_t)(q - raw) : n;
    out->path = gh_arena_strndup(a, raw, plen);
    out->path_len = plen;
    if (q != NULL) {
        out->query_len = n - plen - 1;
        out->query = gh_arena_strndup(a, q + 1, out->query_len);
    } else {
        out->query = "";
        out->query_len = 0;
    }
    return GH_OK;
}

gh_err gh_http__path_arg(gh_arena *a, const char *seg, size_t n, char **out)
{
    char *dec = NULL;
    size_t dlen = 0;
    gh_err err;

    *out = NULL;
    if (seg == NULL || n == 0 || n > GH_HTTP_PATH_ARG_MAX || memchr(seg, '/', n) != NULL)
        return GH_EINVAL;
    err = gh_url_decode(a, seg, n, 0, &dec, &dlen);
    if (err != GH_OK)
        return GH_EINVAL;
    if (dlen == 0)
        return GH_EINVAL;
    *out = dec;
    return GH_OK;
}

/* Dotted-quad text of an IPv4 address (what inet_ntop writes, without its snprintf). */
void gh_http__format_ipv4(const struct in_addr *ia, char out[INET_ADDRSTRLEN])
{
    const unsigned char *b = (const unsigned char *)&ia->s_addr; /* network order */
    size_t o = 0;

    for (size_t i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (i > 0)
            out[o++] = '.';
        if (v >= 100)
            out[o++] = (char)('0' + v / 100);
        if (v >= 10)
            out[o++] = (char)('0' + v / 10 % 10);
        out[o++] = (char)('0' + v % 10);
    }
    out[o] = '\0';
}
