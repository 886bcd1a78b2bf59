/*
 * schema.c - the one table of configuration keys (path, type, default, range, environment
 * variable, where it lands in gh_config) and the validators of each scalar type.
 *
 * Adding a key is adding a row here and a field in config.h; the loader, the environment
 * overrides, the defaults and the messages all follow from the row. The lists (scopes and
 * resources) have a row for their place in the file; their entries are read by config.c.
 *
 * Syntax followed: host:port with an IPv6 literal in brackets (RFC 3986 3.2.2), DNS names
 * (RFC 1123 2.1), scope-token (RFC 6749 3.3), absolute URIs (RFC 3986 4.3), and the issuer
 * identifier (RFC 8414 2: https URL without query or fragment; http is allowed for local
 * development).
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/str.h"
#include "config/config_int.h"

#define OFF(field) offsetof(gh_config, field)
#define DAY INT64_C(86400)
#define YEAR (365 * DAY)

static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};
static const char *const strategies[] = {"jwt", "opaque", NULL};
static const char *const signing_algs[] = {"ES256", "RS256", NULL};

/* clang-format off */
const gh_config__key gh_config__keys[] = {
    {"issuer", GH_CONFIG__T_ISSUER, "http://127.0.0.1:4444", false, 0, 0, NULL, NULL,
     "GATEHOUSE_ISSUER", NULL, GH_CONFIG__S_STR, OFF(issuer)},
    {"dsn", GH_CONFIG__T_DSN, "sqlite://./var/gatehouse.db", false, 0, 0, NULL, NULL,
     "GATEHOUSE_DSN", NULL, GH_CONFIG__S_STR, OFF(dsn)},
    {"log_level", GH_CONFIG__T_ENUM, "info", false, 0, 0, NULL, log_levels,
     "GATEHOUSE_LOG_LEVEL", NULL, GH_CONFIG__S_STR, OFF(log_level)},
    {"migrate.on_start", GH_CONFIG__T_BOOL, "true", false, 0, 0, NULL, NULL,
     "GATEHOUSE_MIGRATE_ON_START", NULL, GH_CONFIG__S_BOOL, OFF(migrate_on_start)},
    {"serve.public.listen", GH_CONFIG__T_HOSTPORT, "127.0.0.1:4444", false, 0, 0, NULL, NULL,
     "GATEHOUSE_SERVE_PUBLIC_LISTEN", "GATEHOUSE_PUBLIC_LISTEN", GH_CONFIG__S_STR,
     OFF(public_listen)},
    {"serve.admin.listen", GH_CONFIG__T_HOSTPORT, "127.0.0.1:4445", false, 0, 0, NULL, NULL,
     "GATEHOUSE_SERVE_ADMIN_LISTEN", "GATEHOUSE_ADMIN_LISTEN", GH_CONFIG__S_STR,
     OFF(admin_listen)},
    {"serve.admin.auth", GH_CONFIG__T_BOOL, "true", false, 0, 0, NULL, NULL,
     "GATEHOUSE_SERVE_ADMIN_AUTH", NULL, GH_CONFIG__S_BOOL, OFF(admin_auth)},
    {"serve.admin.key", GH_CONFIG__T_STRING, NULL, true, 16, 1024, NULL, NULL,
     "GATEHOUSE_SERVE_ADMIN_KEY", "GATEHOUSE_ADMIN_KEY", GH_CONFIG__S_STR, OFF(admin_key)},
    {"serve.threads", GH_CONFIG__T_INT, "0", false, 0, 256, "threads (0 = automatic)", NULL,
     "GATEHOUSE_SERVE_THREADS", NULL, GH_CONFIG__S_UNSIGNED, OFF(threads)},
    {"serve.max_connections", GH_CONFIG__T_INT, "1024", false, 1, 65536, "connections", NULL,
     "GATEHOUSE_SERVE_MAX_CONNECTIONS", NULL, GH_CONFIG__S_UNSIGNED, OFF(max_connections)},
    {"serve.idle_timeout", GH_CONFIG__T_INT, "30", false, 1, 3600, "seconds", NULL,
     "GATEHOUSE_SERVE_IDLE_TIMEOUT", NULL, GH_CONFIG__S_UNSIGNED, OFF(idle_timeout)},
    {"serve.body_limit", GH_CONFIG__T_INT, "65536", false, 1024, INT64_C(16) * 1024 * 1024, "bytes",
     NULL, "GATEHOUSE_SERVE_BODY_LIMIT", NULL, GH_CONFIG__S_SIZE, OFF(body_limit)},
    {"secrets.system", GH_CONFIG__T_STRING, NULL, true, GH_CONFIG_MIN_SECRET, 1024, NULL, NULL,
     "GATEHOUSE_SECRETS_SYSTEM", NULL, GH_CONFIG__S_STR, OFF(secrets_system)},
    {"ttl.access_token", GH_CONFIG__T_INT, "600", false, 1, DAY, "seconds", NULL,
     "GATEHOUSE_TTL_ACCESS_TOKEN", NULL, GH_CONFIG__S_I64, OFF(ttl_access_token)},
    {"ttl.refresh_token", GH_CONFIG__T_INT, "2592000", false, 60, YEAR, "seconds", NULL,
     "GATEHOUSE_TTL_REFRESH_TOKEN", NULL, GH_CONFIG__S_I64, OFF(ttl_refresh_token)},
    /* SPEC: RFC6749 4.1.2 - a maximum authorization code lifetime of 10 minutes is
     * RECOMMENDED; DESIGN.md fixes it at 60 s at most. */
    {"ttl.authorization_code", GH_CONFIG__T_INT, "60", false, 1, 60, "seconds", NULL,
     "GATEHOUSE_TTL_AUTHORIZATION_CODE", NULL, GH_CONFIG__S_I64, OFF(ttl_authorization_code)},
    {"ttl.id_token", GH_CONFIG__T_INT, "3600", false, 1, DAY, "seconds", NULL,
     "GATEHOUSE_TTL_ID_TOKEN", NULL, GH_CONFIG__S_I64, OFF(ttl_id_token)},
    {"ttl.registration_token", GH_CONFIG__T_INT, "0", false, 0, YEAR,
     "seconds (0 = does not expire)", NULL, "GATEHOUSE_TTL_REGISTRATION_TOKEN", NULL,
     GH_CONFIG__S_I64, OFF(ttl_registration_token)},
    {"ttl.login_session", GH_CONFIG__T_INT, "86400", false, 60, YEAR, "seconds", NULL,
     "GATEHOUSE_TTL_LOGIN_SESSION", NULL, GH_CONFIG__S_I64, OFF(ttl_login_session)},
    {"ttl.flow", GH_CONFIG__T_INT, "600", false, 30, DAY, "seconds", NULL, "GATEHOUSE_TTL_FLOW",
     NULL, GH_CONFIG__S_I64, OFF(ttl_flow)},
    {"ttl.remembered_consent", GH_CONFIG__T_INT, "0", false, 0, 2 * YEAR,
     "seconds (0 = until revoked)", NULL, "GATEHOUSE_TTL_REMEMBERED_CONSENT", NULL,
     GH_CONFIG__S_I64, OFF(ttl_remembered_consent)},
    {"urls.login", GH_CONFIG__T_ISSUER, NULL, true, 0, 0, NULL, NULL, "GATEHOUSE_URLS_LOGIN",
     NULL, GH_CONFIG__S_STR, OFF(url_login)},
    {"urls.consent", GH_CONFIG__T_ISSUER, NULL, true, 0, 0, NULL, NULL,
     "GATEHOUSE_URLS_CONSENT", NULL, GH_CONFIG__S_STR, OFF(url_consent)},
    {"urls.logout", GH_CONFIG__T_ISSUER, NULL, true, 0, 0, NULL, NULL, "GATEHOUSE_URLS_LOGOUT",
     NULL, GH_CONFIG__S_STR, OFF(url_logout)},
    {"urls.post_logout_redirect", GH_CONFIG__T_ISSUER, NULL, true, 0, 0, NULL, NULL,
     "GATEHOUSE_URLS_POST_LOGOUT_REDIRECT", NULL, GH_CONFIG__S_STR,
     OFF(url_post_logout_redirect)},
    {"urls.error", GH_CONFIG__T_ISSUER, NULL, true, 0, 0, NULL, NULL, "GATEHOUSE_URLS_ERROR",
     NULL, GH_CONFIG__S_STR, OFF(url_error)},
    {"login.throttle.account_failures", GH_CONFIG__T_INT, "5", false, 1, 1000, "failures",
     NULL, "GATEHOUSE_LOGIN_THROTTLE_ACCOUNT_FAILURES", NULL, GH_CONFIG__S_I64,
     OFF(throttle_account_failures)},
    {"login.throttle.address_failures", GH_CONFIG__T_INT, "20", false, 1, 100000, "failures",
     NULL, "GATEHOUSE_LOGIN_THROTTLE_ADDRESS_FAILURES", NULL, GH_CONFIG__S_I64,
     OFF(throttle_address_failures)},
    {"login.throttle.window", GH_CONFIG__T_INT, "900", false, 1, DAY, "seconds", NULL,
     "GATEHOUSE_LOGIN_THROTTLE_WINDOW", NULL, GH_CONFIG__S_I64, OFF(throttle_window)},
    {"keys.retire_after", GH_CONFIG__T_INT, "0", false, 0, 2 * YEAR,
     "seconds (0 = the longest signed token lifetime + 1 day)", NULL, "GATEHOUSE_KEYS_RETIRE_AFTER",
     NULL, GH_CONFIG__S_I64, OFF(key_retire_after)},
    {"tokens.access_token_strategy", GH_CONFIG__T_ENUM, "jwt", false, 0, 0, NULL, strategies,
     "GATEHOUSE_TOKENS_ACCESS_TOKEN_STRATEGY", NULL, GH_CONFIG__S_STR,
     OFF(access_token_strategy)},
    {"tokens.signing_alg", GH_CONFIG__T_ENUM, "ES256", false, 0, 0, NULL, signing_algs,
     "GATEHOUSE_TOKENS_SIGNING_ALG", NULL, GH_CONFIG__S_STR, OFF(signing_alg)},
    {"registration.enabled", GH_CONFIG__T_BOOL, "true", false, 0, 0, NULL, NULL,
     "GATEHOUSE_REGISTRATION_ENABLED", NULL, GH_CONFIG__S_BOOL, OFF(registration_enabled)},
    {"registration.initial_access_token", GH_CONFIG__T_STRING, NULL, true, 16, 1024, NULL,
     NULL, "GATEHOUSE_REGISTRATION_INITIAL_ACCESS_TOKEN", NULL, GH_CONFIG__S_STR,
     OFF(registration_initial_token)},
    {"audit.checkpoint_interval", GH_CONFIG__T_INT, "300", false, 0, 30 * DAY,
     "seconds (0 = off)", NULL, "GATEHOUSE_AUDIT_CHECKPOINT_INTERVAL", NULL, GH_CONFIG__S_I64,
     OFF(audit_checkpoint_interval)},
    {"audit.checkpoint_every_events", GH_CONFIG__T_INT, "1000", false, 0, 100000000,
     "events (0 = off)", NULL, "GATEHOUSE_AUDIT_CHECKPOINT_EVERY_EVENTS", NULL, GH_CONFIG__S_I64,
     OFF(audit_checkpoint_every_events)},
    {"catalog_version", GH_CONFIG__T_INT, NULL, true, 1, INT64_C(9007199254740991), "version", NULL,
     "GATEHOUSE_CATALOG_VERSION", NULL, GH_CONFIG__S_I64, OFF(catalog_version)},
    {"scopes", GH_CONFIG__T_SCOPES, NULL, true, 0, GH_CONFIG_MAX_SCOPES, NULL, NULL,
     NULL, NULL, GH_CONFIG__S_LIST, OFF(scopes)},
    {"resources", GH_CONFIG__T_RESOURCES, NULL, true, 0, GH_CONFIG_MAX_RESOURCES, NULL, NULL,
     NULL, NULL, GH_CONFIG__S_LIST, OFF(resources)},
};
/* clang-format on */

const size_t gh_config__n_keys = sizeof gh_config__keys / sizeof gh_config__keys[0];

const gh_config__key *gh_config__key_find(const char *path)
{
    for (size_t i = 0; i < gh_config__n_keys; i++) {
        if (strcmp(gh_config__keys[i].path, path) == 0) {
            return &gh_config__keys[i];
        }
    }
    return NULL;
}

bool gh_config__is_section(const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < gh_config__n_keys; i++) {
        const char *p = gh_config__keys[i].path;
        if (strncmp(p, prefix, n) == 0 && p[n] == '.') {
            return true;
        }
    }
    return false;
}

void gh_config__section_keys(const char *prefix, char *out, size_t outlen)
{
    size_t n = strlen(prefix);
    size_t used = 0;
    if (outlen == 0) {
        return;
    }
    out[0] = '\0';
    for (size_t i = 0; i < gh_config__n_keys; i++) {
        const char *p = gh_config__keys[i].path;
        if (n > 0) {
            if (strncmp(p, prefix, n) != 0 || p[n] != '.') {
                continue;
            }
            p += n + 1;
        }
        size_t len = strcspn(p, ".");
        /* Skip a name already listed (sections appear once per key below them). */
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *q = gh_config__keys[j].path;
            if (n > 0) {
                if (strncmp(q, prefix, n) != 0 || q[n] != '.') {
                    continue;
                }
                q += n + 1;
            }
            seen = strcspn(q, ".") == len && strncmp(p, q, len) == 0;
        }
        if (seen) {
            continue;
        }
        int w = snprintf(out + used, outlen - used, "%s%.*s", used ? ", " : "", (int)len, p);
        if (w < 0 || (size_t)w >= outlen - used) {
            out[used] = '\0'; /* keep whole names only; the message is still useful */
            return;
        }
        used += (size_t)w;
    }
}

void gh_config__expected(const gh_config__key *k, char *out, size_t outlen)
{
    switch (k->type) {
    case GH_CONFIG__T_STRING:
        (void)snprintf(out, outlen, "expected a string of %lld to %lld characters%s",
                       (long long)k->min, (long long)k->max, k->nullable ? " or null" : "");
        return;
    case GH_CONFIG__T_BOOL:
        (void)snprintf(out, outlen, "expected true or false");
        return;
    case GH_CONFIG__T_INT:
        (void)snprintf(out, outlen, "expected an integer of %s in [%lld, %lld]", k->unit,
                       (long long)k->min, (long long)k->max);
        return;
    case GH_CONFIG__T_ENUM: {
        size_t used = (size_t)snprintf(out, outlen, "expected one of:");
        for (size_t i = 0; k->choices[i] != NULL && used < outlen; i++) {
            int w = snprintf(out + used, outlen - used, "%s %s", i ? "," : "", k->choices[i]);
            if (w < 0) {
                return;
            }
            used += (size_t)w;
        }
        return;
    }
    case GH_CONFIG__T_HOSTPORT:
        (void)snprintf(out, outlen, "expected host:port");
        return;
    case GH_CONFIG__T_ISSUER:
        (void)snprintf(out, outlen,
                       "expected an absolute http or https URL without query or fragment");
        return;
    case GH_CONFIG__T_DSN:
        (void)snprintf(out, outlen,
                       "expected sqlite:///absolute/path, sqlite://relative/path or "
                       "postgres://...");
        return;
    case GH_CONFIG__T_SCOPES:
        (void)snprintf(out, outlen, "expected a list of scopes (name, description, sensitive)");
        return;
    case GH_CONFIG__T_RESOURCES:
        (void)snprintf(out, outlen, "expected a list of resources (uri, client_id, scopes)");
        return;
    }
    (void)snprintf(out, outlen, "expected a valid value");
}

/* ---- validators ---------------------------------------------------------------------- */

static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* A whole decimal port in 1..65535. */
static bool valid_port(const char *s, size_t n)
{
    if (n == 0 || n > 5) {
        return false;
    }
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i])) {
            return false;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v >= 1 && v <= 65535;
}

/* A DNS name (RFC 1123 2.1): labels of letters, digits and '-', 1..63 bytes, not starting
 * or ending with '-'; at most 253 bytes. A name of digits and dots only must be IPv4. */
static bool valid_host(const char *s, size_t n)
{
    char tmp[256];
    if (n == 0 || n > 253) {
        return false;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (strspn(tmp, "0123456789.") == n) {
        struct in_addr a4;
        return inet_pton(AF_INET, tmp, &a4) == 1;
    }
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        int c = i < n ? (unsigned char)s[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-') {
                return false;
            }
            label = 0;
        } else if (is_alpha(c) || is_digit(c) || (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* host (name, IPv4 or [IPv6]) followed by :port, or without a port when !need_port. */
static bool valid_authority(const char *s, size_t n, bool need_port)
{
    const char *port = NULL;
    size_t hostlen = n;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (close == NULL || (size_t)(close - s) - 1 >= 64) {
            return false;
        }
        char tmp[64];
        size_t l = (size_t)(close - s) - 1;
        memcpy(tmp, s + 1, l);
        tmp[l] = '\0';
        struct in6_addr a6;
        if (inet_pton(AF_INET6, tmp, &a6) != 1) {
            return false;
        }
        const char *rest = close + 1;
        size_t restlen = n - (size_t)(rest - s);
        if (restlen == 0) {
            return !need_port;
        }
        return rest[0] == ':' && valid_port(rest + 1, restlen - 1);
    }
    const char *colon = memchr(s, ':', n);
    if (colon != NULL) {
        hostlen = (size_t)(colon - s);
        port = colon + 1;
    }
    if (!valid_host(s, hostlen)) {
        return false;
    }
    if (port == NULL) {
        return !need_port;
    }
    return valid_port(port, n - hostlen - 1);
}

bool gh_config__valid_hostport(const char *s)
{
    return valid_authority(s, strlen(s), true);
}

/* SPEC: RFC6749 3.3 - scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
bool gh_config__valid_scope_token(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 128) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e))) {
            return false;
        }
    }
    return true;
}

/* Visible ASCII without space: what a URI may contain (RFC 3986 2; we do not check each
 * component's grammar beyond the scheme, since the URI is only ever compared exactly). */
static bool uri_chars(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^' ||
            c == '`' || c == '{' || c == '|' || c == '}') {
            return false;
        }
    }
    return true;
}

/* SPEC: RFC3986 4.3 - absolute-URI = scheme ":" hier-part [ "?" query ], no fragment;
 * RFC8707 2 - the resource indicator MUST be an absolute URI and MUST NOT include a
 * fragment component. */
bool gh_config__valid_abs_uri(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 2048 || !is_alpha((unsigned char)s[0]) || !uri_chars(s, n) ||
        strchr(s, '#') != NULL) {
        return false;
    }
    size_t i = 1;
    while (i < n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]) ||
                     s[i] == '+' || s[i] == '-' || s[i] == '.')) {
        i++;
    }
    return i < n && s[i] == ':' && i + 1 < n;
}

/* SPEC: RFC8414 2 - the issuer is a URL using the https scheme with no query or fragment
 * components (http is accepted for development on loopback and private networks). */
bool gh_config__valid_issuer(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    size_t skip;
    if (strncmp(s, "https://", 8) == 0) {
        skip = 8;
    } else if (strncmp(s, "http://", 7) == 0) {
        skip = 7;
    } else {
        return false;
    }
    if (n > 2048 || !uri_chars(s, n) || strchr(s, '?') != NULL || strchr(s, '#') != NULL) {
        return false;
    }
    const char *auth = s + skip;
    size_t authlen = strcspn(auth, "/");
    if (memchr(auth, '@', authlen) != NULL || !valid_authority(auth, authlen, false)) {
        return false;
    }
    while (n > skip + authlen && s[n - 1] == '/') {
        n--;
    }
    *out_len = n;
    return true;
}

bool gh_config__valid_dsn(const char *s)
{
    size_t n = strlen(s);
    const char *rest;
    if (strncmp(s, "sqlite://", 9) == 0) {
        rest = s + 9;
    } else if (strncmp(s, "postgres://", 11) == 0) {
        rest = s + 11;
    } else if (strncmp(s, "postgresql://", 13) == 0) {
        rest = s + 13;
    } else {
        return false;
    }
    if (n > 4096 || !gh_str_printable(s, n)) {
        return false;
    }
    /* An SQLite DSN needs a path; a PostgreSQL one may leave everything to libpq's
     * defaults ("postgres://"). */
    return rest[0] != '\0' || s[0] == 'p';
}

/* The YAML 1.2 core schema's booleans; YAML 1.1's yes/no/on/off are not booleans here. */
bool gh_config__parse_bool(const char *s, bool *out)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0) {
        *out = false;
        return true;
    }
    return false;
}

/* ---- parsing a value into gh_config --------------------------------------------------- */

static void put_str(gh_config *c, const gh_config__key *k, const char *v)
{
    memcpy((char *)c + k->offset, &v, sizeof v);
}

/* Counts UTF-8 characters (the input is valid UTF-8: libyaml or the environment). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++) {
        n += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return n;
}

static bool has_control(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return true;
        }
    }
    return false;
}

/* A whole optional '-' and decimal digits; gh_str_to_i64 then checks the range. */
static bool decimal(const char *s)
{
    if (*s == '-') {
        s++;
    }
    if (*s == '\0' || strlen(s) > 19) {
        return false;
    }
    return strspn(s, "0123456789") == strlen(s);
}

gh_err gh_config__set(gh_config *c, gh_arena *a, const gh_config__key *k, const char *text)
{
    if (text == NULL) {
        if (!k->nullable) {
            return GH_EINVAL;
        }
        if (k->store == GH_CONFIG__S_STR) {
            put_str(c, k, NULL);
        }
        return GH_OK;
    }
    switch (k->type) {
    case GH_CONFIG__T_STRING: {
        if (!gh_str_utf8(text, strlen(text)) || has_control(text)) {
            return GH_EINVAL;
        }
        size_t chars = utf8_chars(text);
        if ((int64_t)chars < k->min || (int64_t)chars > k->max) {
            return GH_EINVAL;
        }
        put_str(c, k, gh_arena_strdup(a, text));
        return GH_OK;
    }
    case GH_CONFIG__T_BOOL: {
        bool v;
        if (!gh_config__parse_bool(text, &v)) {
            return GH_EINVAL;
        }
        memcpy((char *)c + k->offset, &v, sizeof v);
        return GH_OK;
    }
    case GH_CONFIG__T_INT: {
        int64_t v;
        if (!decimal(text) || gh_str_to_i64(text, k->min, k->max, &v) != GH_OK) {
            return GH_EINVAL;
        }
        if (k->store == GH_CONFIG__S_UNSIGNED) {
            unsigned u = (unsigned)v;
            memcpy((char *)c + k->offset, &u, sizeof u);
        } else if (k->store == GH_CONFIG__S_SIZE) {
            size_t z = (size_t)v;
            memcpy((char *)c + k->offset, &z, sizeof z);
        } else {
            memcpy((char *)c + k->offset, &v, sizeof v);
        }
        return GH_OK;
    }
    case GH_CONFIG__T_ENUM:
        for (size_t i = 0; k->choices[i] != NULL; i++) {
            if (strcmp(text, k->choices[i]) == 0) {
                put_str(c, k, k->choices[i]);
                return GH_OK;
            }
        }
        return GH_EINVAL;
    case GH_CONFIG__T_HOSTPORT:
        if (!gh_config__valid_hostport(text)) {
            return GH_EINVAL;
        }
        put_str(c, k, gh_arena_strdup(a, text));
        return GH_OK;
    case GH_CONFIG__T_ISSUER: {
        size_t len;
        if (!gh_config__valid_issuer(text, &len)) {
            return GH_EINVAL;
        }
        put_str(c, k, gh_arena_strndup(a, text, len));
        return GH_OK;
    }
    case GH_CONFIG__T_DSN:
        if (!gh_config__valid_dsn(text)) {
            return GH_EINVAL;
        }
        put_str(c, k, gh_arena_strdup(a, text));
        return GH_OK;
    case GH_CONFIG__T_SCOPES:
    case GH_CONFIG__T_RESOURCES:
        return GH_EINVAL; /* lists are read by config.c, never from a single text */
    }
    return GH_EINVAL;
}
