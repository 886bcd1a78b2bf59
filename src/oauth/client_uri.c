/*
 * client_uri.c - the URI rules of client metadata: which redirect URIs a client may register,
 * how a presented redirect_uri matches a registered one, and which web URIs (client_uri,
 * logo_uri, jwks_uri, ...) metadata may carry.
 *
 * A redirect URI is absolute, at most GH_LIMIT_URI bytes of printable ASCII, with no fragment
 * (RFC 6749 3.1.2), no wildcard and no userinfo. It uses https; http only on a loopback host
 * (127.0.0.1, [::1], localhost: RFC 8252 7.3), which is allowed for confidential clients too
 * because it never crosses a network and local development needs it; or a private-use scheme
 * (one with a '.', RFC 8252 7.1), only for public clients. Matching is exact string
 * comparison (RFC 6749 3.1.2.3, OAuth 2.1) except that the port of an http loopback URI is
 * ignored (RFC 8252 7.3). Everything here is pure: no engine, no arena, no I/O, so the
 * redirect_uri fuzz target drives it directly. Not here: which metadata fields carry URIs and
 * the error each one gets (client_validate.c), and the authorization endpoint's use of the
 * match (authorize.c). The URI parser reads only what these rules need (RFC 3986 3.1 scheme,
 * authority, host and port); it is not a general URI parser.
 */
#include <string.h>

#include "base/limits.h"
#include "oauth/client_int.h"

static bool ascii_ieq_n(const char *a, size_t n, const char *b)
{
    size_t bl = strlen(b);
    if (n != bl)
        return false;
    for (size_t i = 0; i < n; i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return false;
    }
    return true;
}

/* ---- URIs ---- */

/* The parts of an absolute URI that the rules look at. */
typedef struct uri_parts {
    const char *scheme;
    size_t scheme_len;
    bool has_authority;
    const char *host; /* with brackets for IPv6 */
    size_t host_len;
    const char *port; /* digits after ':', or NULL */
    size_t port_len;
    const char *rest; /* path, query: everything after the authority */
} uri_parts;

static bool uri_char_ok(unsigned char c)
{
    /* RFC 3986 2: printable ASCII except space and the characters it never allows. */
    if (c <= 0x20 || c >= 0x7f)
        return false;
    return strchr("\"<>\\^`{|}", c) == NULL;
}

/* Splits an absolute URI. Returns a static reason on failure, NULL on success. */
static const char *uri_split(const char *uri, uri_parts *p)
{
    size_t i = 0;

    memset(p, 0, sizeof(*p));
    /* SPEC: RFC3986 3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (!((uri[0] >= 'a' && uri[0] <= 'z') || (uri[0] >= 'A' && uri[0] <= 'Z')))
        return "must be an absolute URI";
    while (uri[i] &&
           ((uri[i] >= 'a' && uri[i] <= 'z') || (uri[i] >= 'A' && uri[i] <= 'Z') ||
            (uri[i] >= '0' && uri[i] <= '9') || uri[i] == '+' || uri[i] == '-' || uri[i] == '.'))
        i++;
    if (uri[i] != ':')
        return "must be an absolute URI";
    p->scheme = uri;
    p->scheme_len = i;
    i++;
    if (uri[i] == '/' && uri[i + 1] == '/') {
        const char *a = uri + i + 2;
        size_t alen = strcspn(a, "/?#");
        const char *hend;

        p->has_authority = true;
        if (memchr(a, '@', alen) != NULL)
            return "must not contain user information";
        if (alen > 0 && a[0] == '[') {
            const char *rb = memchr(a, ']', alen);
            if (rb == NULL)
                return "has an invalid host";
            for (const char *q = a + 1; q < rb; q++) {
                if (!((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                      (*q >= 'A' && *q <= 'F') || *q == ':' || *q == '.'))
                    return "has an invalid host";
            }
            hend = rb + 1;
        } else {
            const char *colon = memchr(a, ':', alen);
            hend = colon != NULL ? colon : a + alen;
            for (const char *q = a; q < hend; q++) {
                if (*q == '[' || *q == ']')
                    return "has an invalid host";
            }
        }
        p->host = a;
        p->host_len = (size_t)(hend - a);
        if (p->host_len == 0)
            return "must have a host";
        if (hend < a + alen) {
            size_t plen;
            int64_t port = 0;
            if (*hend != ':')
                return "has an invalid host";
            p->port = hend + 1;
            plen = (size_t)(a + alen - p->port);
            p->port_len = plen;
            if (plen == 0 || plen > 5)
                return "has an invalid port";
            for (size_t k = 0; k < plen; k++) {
                if (p->port[k] < '0' || p->port[k] > '9')
                    return "has an invalid port";
                port = port * 10 + (p->port[k] - '0');
            }
            if (port < 1 || port > 65535)
                return "has an invalid port";
        }
        p->rest = a + alen;
    } else {
        p->rest = uri + i;
    }
    return NULL;
}

static bool host_is_loopback(const uri_parts *p)
{
    /* SPEC: RFC8252 7.3 loopback interface redirection (DESIGN.md also admits localhost) */
    return ascii_ieq_n(p->host, p->host_len, "127.0.0.1") ||
           ascii_ieq_n(p->host, p->host_len, "[::1]") ||
           ascii_ieq_n(p->host, p->host_len, "localhost");
}

/* Common checks of every URI we store: length, characters, fragment. */
static const char *uri_basic_check(const char *uri, uri_parts *p)
{
    size_t n;

    if (uri == NULL || uri[0] == '\0')
        return "must not be empty";
    n = strlen(uri);
    if (n > GH_LIMIT_URI)
        return "is too long";
    for (size_t i = 0; i < n; i++) {
        if (!uri_char_ok((unsigned char)uri[i]))
            return "contains a character that is not allowed in a URI";
    }
    /* SPEC: RFC6749 3.1.2 the redirection endpoint URI MUST NOT include a fragment */
    if (strchr(uri, '#') != NULL)
        return "must not contain a fragment";
    return uri_split(uri, p);
}

bool gh_oauth__redirect_uri_valid(const char *uri, bool public_client, const char **why)
{
    uri_parts p;
    const char *reason = uri_basic_check(uri, &p);

    if (reason == NULL && strchr(uri, '*') != NULL)
        reason = "must not contain a wildcard";
    if (reason == NULL) {
        if (ascii_ieq_n(p.scheme, p.scheme_len, "https")) {
            if (!p.has_authority)
                reason = "must have a host";
        } else if (ascii_ieq_n(p.scheme, p.scheme_len, "http")) {
            if (!p.has_authority || !host_is_loopback(&p))
                reason = "may use http only on a loopback address (127.0.0.1, [::1], "
                         "localhost); use https";
        } else if (memchr(p.scheme, '.', p.scheme_len) != NULL) {
            /* SPEC: RFC8252 7.1 private-use URI scheme (reverse domain name) */
            if (!public_client)
                reason = "may use a private-use scheme only for a public client "
                         "(token_endpoint_auth_method none)";
            else if (p.rest[0] == '\0' && !p.has_authority)
                reason = "must have a path after the scheme";
        } else {
            reason = "must use https, http on a loopback address, or a private-use scheme "
                     "such as com.example.app";
        }
    }
    if (why != NULL)
        *why = reason;
    return reason == NULL;
}

/* For an http loopback URI, the text before the port and the text after it. */
static bool loopback_split(const char *uri, size_t *head_len, const char **tail)
{
    uri_parts p;

    if (uri_split(uri, &p) != NULL || !ascii_ieq_n(p.scheme, p.scheme_len, "http") ||
        !p.has_authority || !host_is_loopback(&p))
        return false;
    *head_len = (size_t)(p.host + p.host_len - uri);
    *tail = p.rest;
    return true;
}

bool gh_oauth__redirect_uri_match(const gh_strv *registered, const char *presented)
{
    size_t ph = 0;
    const char *pt = NULL;
    bool p_loop;

    if (presented == NULL)
        return false;
    p_loop = loopback_split(presented, &ph, &pt);
    for (size_t i = 0; i < registered->n; i++) {
        const char *r = registered->v[i];
        size_t rh;
        const char *rt;

        /* SPEC: RFC6749 3.1.2.3 / OAuth 2.1 exact string matching */
        if (strcmp(r, presented) == 0)
            return true;
        /* SPEC: RFC8252 7.3 any port on the loopback interface */
        if (p_loop && loopback_split(r, &rh, &rt) && rh == ph && memcmp(r, presented, rh) == 0 &&
            strcmp(rt, pt) == 0)
            return true;
    }
    return false;
}

const char *gh_oauth__web_uri_check(const char *uri, bool https_only)
{
    uri_parts p;
    const char *reason = uri_basic_check(uri, &p);

    if (reason != NULL)
        return reason;
    if (ascii_ieq_n(p.scheme, p.scheme_len, "https") ||
        (!https_only && ascii_ieq_n(p.scheme, p.scheme_len, "http"))) {
        if (!p.has_authority)
            return "must have a host";
        return NULL;
    }
    return https_only ? "must be an https URI" : "must be an http or https URI";
}
