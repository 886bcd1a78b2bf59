/*
 * rs.c - the gh_rs object of the resource-server kit: configuration, the HTTP seam (libcurl
 * by default, bounded in time and size, no redirects, http and https only), discovery of the
 * issuer's endpoints from its RFC 8414 metadata, and the token result helpers.
 *
 * Not here: JWT checks (jwt.c), introspection and its cache (introspect.c), the answers a
 * resource gives and the reports it sends (answer.c).
 */
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/limits.h"
#include "base/str.h"
#include "json/json.h"
#include "rs_int.h"

const char *gh_rs_err_str(gh_rs_err e)
{
    switch (e) {
    case GH_RS_OK:
        return "ok";
    case GH_RS_EINVAL:
        return "invalid argument";
    case GH_RS_EFETCH:
        return "the issuer could not be reached or answered badly";
    case GH_RS_ETOOBIG:
        return "too big";
    case GH_RS_EINTERNAL:
        return "internal error";
    }
    return "unknown error";
}

char *gh_rs__strdup(const char *s)
{
    size_t n;
    char *p;

    if (s == NULL)
        return NULL;
    n = strlen(s);
    p = malloc(n + 1);
    gh_assert(p != NULL);
    memcpy(p, s, n + 1);
    return p;
}

int64_t gh_rs__now(const gh_rs *rs)
{
    if (rs->clock != NULL)
        return rs->clock(rs->clock_arg);
    return (int64_t)time(NULL);
}

/* ---- the libcurl transport ---- */

/* curl_global_init is not safe to run concurrently with other curl calls on every build, so
 * it runs exactly once per process. */
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    gh_assert(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
}

typedef struct sink {
    char *data;
    size_t len;
    size_t max;
    bool too_big;
} sink;

static size_t sink_write(char *p, size_t size, size_t nmemb, void *ud)
{
    sink *s = ud;
    size_t n = size * nmemb;
    char *grown;

    if (n > s->max - s->len) {
        s->too_big = true;
        return 0; /* aborts the transfer */
    }
    grown = realloc(s->data, s->len + n + 1);
    gh_assert(grown != NULL);
    s->data = grown;
    memcpy(s->data + s->len, p, n);
    s->len += n;
    s->data[s->len] = '\0';
    return n;
}

gh_rs_err gh_rs__curl(void *arg, const char *url, const char *const *headers, const char *body,
                      size_t body_len, size_t max, long *out_status, char **out_body,
                      size_t *out_len)
{
    const long *timeout_ms = arg;
    CURL *c = NULL;
    struct curl_slist *hl = NULL, *next = NULL;
    sink s = {NULL, 0, max, false};
    CURLcode rc;
    gh_rs_err err = GH_RS_EFETCH;

    *out_status = 0;
    *out_body = NULL;
    *out_len = 0;
    gh_assert(pthread_once(&curl_once, curl_init_once) == 0);
    c = curl_easy_init();
    if (c == NULL)
        return GH_RS_EINTERNAL;
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        next = curl_slist_append(hl, headers[i]);
        gh_assert(next != NULL);
        hl = next;
    }
    /* Threads: no signals (timeouts would otherwise use SIGALRM with the threaded resolver
     * absent). Bounds: time, size, no redirects, http(s) only. */
    if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, *timeout_ms) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, *timeout_ms) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s) != CURLE_OK ||
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl) != CURLE_OK) {
        err = GH_RS_EINTERNAL;
        goto done;
    }
    if (body != NULL &&
        (curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) != CURLE_OK ||
         curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK)) {
        err = GH_RS_EINTERNAL;
        goto done;
    }
    rc = curl_easy_perform(c);
    if (s.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        err = GH_RS_ETOOBIG;
        goto done;
    }
    if (rc != CURLE_OK)
        goto done;
    if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, out_status) != CURLE_OK)
        goto done;
    *out_body = s.data != NULL ? s.data : gh_rs__strdup("");
    *out_len = s.len;
    s.data = NULL;
    err = GH_RS_OK;
done:
    free(s.data);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    return err;
}

gh_rs_err gh_rs__http(gh_rs *rs, const char *url, const char *const *headers, const char *body,
                      size_t body_len, size_t max, long *out_status, char **out_body,
                      size_t *out_len)
{
    gh_rs_err err;

    *out_body = NULL;
    err = rs->transport(rs->transport_arg, url, headers, body, body_len, max, out_status, out_body,
                        out_len);
    if (err != GH_RS_OK) {
        free(*out_body);
        *out_body = NULL;
        *out_len = 0;
    }
    return err;
}

gh_rs_err gh_rs__get_json(gh_rs *rs, const char *url, json_t **out)
{
    static const char *const hdrs[] = {"Accept: application/json", NULL};
    char *body = NULL;
    size_t len = 0;
    long status = 0;
    gh_rs_err err;

    *out = NULL;
    err = gh_rs__http(rs, url, hdrs, NULL, 0, GH_RS_MAX_DOC, &status, &body, &len);
    if (err != GH_RS_OK)
        return err;
    if (status != 200 || gh_json_parse_object(body, len, GH_RS_MAX_DOC, out, NULL, 0) != GH_OK)
        err = GH_RS_EFETCH;
    free(body);
    return err;
}

/* ---- configuration ---- */

/* base with /.well-known/<name> inserted between the authority and the path (RFC 8414 3.1,
 * RFC 9728 3.1); a lone trailing "/" path is dropped. NULL if base is no http(s) URL. */
static char *well_known(const char *base, const char *name)
{
    const char *auth, *path;
    size_t alen, plen, n;
    char *out;

    if (!gh_str_startswith(base, "https://") && !gh_str_startswith(base, "http://"))
        return NULL;
    auth = strstr(base, "://") + 3;
    path = strchr(auth, '/');
    if (path == NULL)
        path = auth + strlen(auth);
    alen = (size_t)(path - base);
    plen = strlen(path);
    if (plen == 1)
        plen = 0;
    if (alen == (size_t)(auth - base))
        return NULL; /* no host */
    n = alen + strlen("/.well-known/") + strlen(name) + plen + 1;
    out = malloc(n);
    gh_assert(out != NULL);
    memcpy(out, base, alen);
    memcpy(out + alen, "/.well-known/", 13);
    memcpy(out + alen + 13, name, strlen(name));
    memcpy(out + alen + 13 + strlen(name), path, plen);
    out[n - 1] = '\0';
    return out;
}

static bool is_url(const char *s)
{
    return s != NULL && strlen(s) <= GH_LIMIT_URI && gh_str_printable(s, strlen(s)) &&
           (gh_str_startswith(s, "https://") || gh_str_startswith(s, "http://"));
}

gh_rs_err gh_rs_new(const gh_rs_config *cfg, gh_rs **out)
{
    static const char *const default_algs[] = {"ES256", NULL};
    const char *const *algs;
    gh_rs *rs = NULL;
    size_t n = 0;

    *out = NULL;
    if (cfg == NULL || !is_url(cfg->issuer) || cfg->resource == NULL || cfg->resource[0] == '\0' ||
        strlen(cfg->resource) > GH_LIMIT_URI ||
        !gh_str_printable(cfg->resource, strlen(cfg->resource)))
        return GH_RS_EINVAL;
    if ((cfg->jwks_uri != NULL && !is_url(cfg->jwks_uri)) ||
        (cfg->introspection_endpoint != NULL && !is_url(cfg->introspection_endpoint)) ||
        (cfg->resource_metadata_url != NULL && !is_url(cfg->resource_metadata_url)) ||
        ((cfg->client_id == NULL) != (cfg->client_secret == NULL)))
        return GH_RS_EINVAL;
    rs = calloc(1, sizeof(*rs));
    gh_assert(rs != NULL);
    algs = cfg->algorithms != NULL ? cfg->algorithms : default_algs;
    for (size_t i = 0; algs[i] != NULL; i++) {
        /* gh_jose_alg_parse knows only asymmetric algorithms: none and HS* give NONE. */
        gh_jose_alg a = gh_jose_alg_parse(algs[i]);
        if (a == GH_ALG_NONE || n == GH_RS_MAX_ALGS) {
            free(rs);
            return GH_RS_EINVAL;
        }
        rs->algs[n++] = a;
    }
    if (n == 0) {
        free(rs);
        return GH_RS_EINVAL;
    }
    rs->algs[n] = GH_ALG_NONE;
    rs->issuer = gh_rs__strdup(cfg->issuer);
    rs->resource = gh_rs__strdup(cfg->resource);
    rs->jwks_uri = gh_rs__strdup(cfg->jwks_uri);
    rs->introspection_endpoint = gh_rs__strdup(cfg->introspection_endpoint);
    rs->client_id = gh_rs__strdup(cfg->client_id);
    rs->client_secret = gh_rs__strdup(cfg->client_secret);
    rs->metadata_url = cfg->resource_metadata_url != NULL
                           ? gh_rs__strdup(cfg->resource_metadata_url)
                           : well_known(cfg->resource, "oauth-protected-resource");
    for (n = 0; cfg->scopes_supported != NULL && cfg->scopes_supported[n] != NULL; n++)
        ;
    if (n > GH_RS_MAX_SCOPES || rs->metadata_url == NULL) {
        gh_rs_free(rs);
        return GH_RS_EINVAL;
    }
    rs->scopes = calloc(n + 1, sizeof(char *));
    gh_assert(rs->scopes != NULL);
    for (size_t i = 0; i < n; i++)
        rs->scopes[i] = gh_rs__strdup(cfg->scopes_supported[i]);
    rs->nscopes = n;
    rs->jwks_ttl = cfg->jwks_ttl_s > 0 ? cfg->jwks_ttl_s : 300;
    rs->jwks_min_refresh = cfg->jwks_min_refresh_s > 0 ? cfg->jwks_min_refresh_s : 10;
    rs->introspect_ttl = cfg->introspect_ttl_s > 0 ? cfg->introspect_ttl_s : 30;
    rs->leeway = cfg->leeway_s > 0 ? cfg->leeway_s : (cfg->leeway_s < 0 ? 0 : 30);
    rs->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
    rs->icache_max = cfg->introspect_cache_max > 0 ? cfg->introspect_cache_max : 1024;
    rs->icache = calloc(rs->icache_max, sizeof(*rs->icache));
    gh_assert(rs->icache != NULL);
    if (cfg->transport != NULL) {
        rs->transport = cfg->transport;
        rs->transport_arg = cfg->transport_arg;
    } else {
        rs->transport = gh_rs__curl;
        rs->transport_arg = &rs->timeout_ms;
    }
    rs->clock = cfg->clock;
    rs->clock_arg = cfg->clock_arg;
    rs->meta_loaded = rs->jwks_uri != NULL && rs->introspection_endpoint != NULL;
    gh_assert(pthread_mutex_init(&rs->lock, NULL) == 0);
    gh_assert(pthread_mutex_init(&rs->fetch_lock, NULL) == 0);
    *out = rs;
    return GH_RS_OK;
}

void gh_rs_free(gh_rs *rs)
{
    if (rs == NULL)
        return;
    if (rs->icache != NULL) {
        pthread_mutex_destroy(&rs->lock);
        pthread_mutex_destroy(&rs->fetch_lock);
        for (size_t i = 0; i < rs->icache_max; i++)
            gh_rs_token_clear(&rs->icache[i].tok);
    }
    free(rs->icache);
    gh_jwks_clear(&rs->jwks);
    for (size_t i = 0; i < rs->nscopes; i++)
        free(rs->scopes[i]);
    free(rs->scopes);
    free(rs->issuer);
    free(rs->resource);
    free(rs->jwks_uri);
    free(rs->introspection_endpoint);
    free(rs->client_id);
    if (rs->client_secret != NULL)
        explicit_bzero(rs->client_secret, strlen(rs->client_secret));
    free(rs->client_secret);
    free(rs->metadata_url);
    free(rs);
}

const char *gh_rs_metadata_url(const gh_rs *rs)
{
    return rs->metadata_url;
}

/* ---- discovery ---- */

char *gh_rs__endpoint(gh_rs *rs, bool jwks)
{
    char *s;

    gh_assert(pthread_mutex_lock(&rs->lock) == 0);
    s = gh_rs__strdup(jwks ? rs->jwks_uri : rs->introspection_endpoint);
    gh_assert(pthread_mutex_unlock(&rs->lock) == 0);
    return s;
}

/* Reads the RFC 8414 metadata and takes the endpoints the configuration left out. The
 * metadata's issuer must be ours exactly (RFC 8414 3.3). */
static gh_rs_err discover_locked(gh_rs *rs)
{
    json_t *meta = NULL;
    const char *iss = NULL, *jwks = NULL, *intro = NULL;
    char *url = NULL;
    gh_rs_err err;
    bool loaded;

    gh_assert(pthread_mutex_lock(&rs->lock) == 0);
    loaded = rs->meta_loaded;
    gh_assert(pthread_mutex_unlock(&rs->lock) == 0);
    if (loaded)
        return GH_RS_OK;
    url = well_known(rs->issuer, "oauth-authorization-server");
    if (url == NULL)
        return GH_RS_EINVAL;
    err = gh_rs__get_json(rs, url, &meta);
    free(url);
    if (err != GH_RS_OK)
        return err;
    /* SPEC: RFC8414 3.3 - the issuer in the metadata is identical to the one configured */
    if (gh_json_get_str(meta, "issuer", &iss) != GH_OK || strcmp(iss, rs->issuer) != 0) {
        err = GH_RS_EFETCH;
        goto done;
    }
    if (gh_json_get_str(meta, "jwks_uri", &jwks) != GH_OK || !is_url(jwks))
        jwks = NULL;
    if (gh_json_get_str(meta, "introspection_endpoint", &intro) != GH_OK || !is_url(intro))
        intro = NULL;
    gh_assert(pthread_mutex_lock(&rs->lock) == 0);
    if (rs->jwks_uri == NULL)
        rs->jwks_uri = gh_rs__strdup(jwks);
    if (rs->introspection_endpoint == NULL)
        rs->introspection_endpoint = gh_rs__strdup(intro);
    rs->meta_loaded = true;
    gh_assert(pthread_mutex_unlock(&rs->lock) == 0);
done:
    json_decref(meta);
    return err;
}

gh_rs_err gh_rs__discover(gh_rs *rs, bool have_fetch_lock)
{
    gh_rs_err err;

    if (have_fetch_lock)
        return discover_locked(rs);
    gh_assert(pthread_mutex_lock(&rs->fetch_lock) == 0);
    err = discover_locked(rs);
    gh_assert(pthread_mutex_unlock(&rs->fetch_lock) == 0);
    return err;
}

/* ---- results ---- */

void gh_rs_token_clear(gh_rs_token *t)
{
    if (t == NULL)
        return;
    free(t->subject);
    free(t->client_id);
    free(t->jti);
    free(t->scope);
    free(t->claims_json);
    memset(t, 0, sizeof(*t));
}

void gh_rs__reject(gh_rs_token *t, const char *why)
{
    gh_rs_token_clear(t);
    t->active = false;
    t->error = why;
}

gh_rs_err gh_rs__token_fill(gh_rs_token *t, const json_t *claims)
{
    const char *s = NULL;
    int64_t exp = 0;

    if (gh_json_get_str(claims, "sub", &s) == GH_OK)
        t->subject = gh_rs__strdup(s);
    if (gh_json_get_str(claims, "client_id", &s) == GH_OK)
        t->client_id = gh_rs__strdup(s);
    if (gh_json_get_str(claims, "jti", &s) == GH_OK)
        t->jti = gh_rs__strdup(s);
    t->scope = gh_rs__strdup(gh_json_get_str(claims, "scope", &s) == GH_OK ? s : "");
    if (gh_json_get_int(claims, "exp", &exp) == GH_OK)
        t->exp = exp;
    t->claims_json = json_dumps(claims, JSON_COMPACT);
    return t->claims_json != NULL ? GH_RS_OK : GH_RS_EINTERNAL;
}

gh_rs_err gh_rs__token_copy(gh_rs_token *dst, const gh_rs_token *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->active = src->active;
    dst->error = src->error;
    dst->introspected = src->introspected;
    dst->subject = gh_rs__strdup(src->subject);
    dst->client_id = gh_rs__strdup(src->client_id);
    dst->jti = gh_rs__strdup(src->jti);
    dst->scope = gh_rs__strdup(src->scope);
    dst->exp = src->exp;
    dst->claims_json = gh_rs__strdup(src->claims_json);
    return GH_RS_OK;
}

bool gh_rs__aud_has(const json_t *aud, const char *uri)
{
    size_t i;
    json_t *v;

    if (json_is_string(aud))
        return strcmp(json_string_value(aud), uri) == 0;
    if (!json_is_array(aud))
        return false;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), uri) == 0)
            return true;
    }
    return false;
}

const char *gh_rs_bearer(const char *header)
{
    const char *p;

    if (header == NULL || strlen(header) < 7)
        return NULL;
    if (strncasecmp(header, "bearer ", 7) != 0)
        return NULL;
    p = header + 7;
    while (*p == ' ')
        p++;
    /* SPEC: RFC6750 2.1 - b64token: 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" )
     * *"=" */
    if (*p == '\0' || strlen(p) > GH_LIMIT_TOKEN)
        return NULL;
    for (const char *q = p; *q; q++) {
        char c = *q;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  strchr("-._~+/=", c) != NULL;
        if (!ok)
            return NULL;
    }
    return p;
}

bool gh_rs_require_scope(const gh_rs_token *t, const char *scope)
{
    const char *p;
    size_t n;

    if (t == NULL || !t->active || t->scope == NULL || scope == NULL || scope[0] == '\0')
        return false;
    n = strlen(scope);
    /* SPEC: RFC6749 3.3 - scope is a space-delimited list; a match is a whole token */
    for (p = t->scope; *p;) {
        const char *sp = strchr(p, ' ');
        size_t len = sp != NULL ? (size_t)(sp - p) : strlen(p);
        if (len == n && memcmp(p, scope, n) == 0)
            return true;
        if (sp == NULL)
            break;
        p = sp + 1;
    }
    return false;
}
