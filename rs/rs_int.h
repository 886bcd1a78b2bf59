/*
 * rs_int.h - private declarations of the resource-server kit (for the rs/ sources and their
 * unit tests only): the gh_rs object, its caches and the HTTP helpers.
 *
 * Locking: rs->lock guards every mutable member (the discovered endpoints, the JWKS and its
 * times, the introspection cache). rs->fetch_lock serialises fetches of the issuer metadata
 * and the JWKS so that threads that find the same unknown kid cause one fetch; it is always
 * taken before rs->lock, never while holding it. No HTTP request runs under rs->lock.
 */
#ifndef GH_RS_RS_INT_H
#define GH_RS_RS_INT_H

#include <pthread.h>
#include <stdint.h>

#include "gatehouse_rs.h"
#include "jose/jose.h"

#define GH_RS_MAX_ALGS 8
#define GH_RS_MAX_DOC (256 * 1024)     /* largest metadata, JWKS or introspection answer */
#define GH_RS_MAX_REPORT (1024 * 1024) /* largest tool-call report we send */
#define GH_RS_MAX_SCOPES 64

typedef struct gh_rs_icache_entry {
    unsigned char key[32]; /* SHA-256 of the token */
    int64_t expires;       /* 0: free slot */
    gh_rs_token tok;       /* owned copy */
} gh_rs_icache_entry;

struct gh_rs {
    char *issuer;
    char *resource;
    char *jwks_uri;               /* configured or discovered (under lock) */
    char *introspection_endpoint; /* configured or discovered (under lock) */
    char *client_id;
    char *client_secret;
    char *metadata_url;
    gh_jose_alg algs[GH_RS_MAX_ALGS + 1]; /* terminated by GH_ALG_NONE */
    char **scopes;
    size_t nscopes;
    int64_t jwks_ttl;
    int64_t jwks_min_refresh;
    int64_t introspect_ttl;
    int64_t leeway;
    long timeout_ms;
    gh_rs_transport transport;
    void *transport_arg;
    int64_t (*clock)(void *arg);
    void *clock_arg;

    pthread_mutex_t lock;
    pthread_mutex_t fetch_lock;
    bool meta_loaded;
    gh_jwks jwks;
    int64_t jwks_fetched; /* when the JWKS was last fetched; 0: never */
    gh_rs_icache_entry *icache;
    size_t icache_max;
};

/* The libcurl transport (gh_rs_transport). */
gh_rs_err gh_rs__curl(void *arg, const char *url, const char *const *headers, const char *body,
                      size_t body_len, size_t max, long *out_status, char **out_body,
                      size_t *out_len);
/* Runs one exchange through rs's transport. */
GH_RS_MUST_CHECK gh_rs_err gh_rs__http(gh_rs *rs, const char *url, const char *const *headers,
                                       const char *body, size_t body_len, size_t max,
                                       long *out_status, char **out_body, size_t *out_len);
/* GETs url and parses a JSON object of at most GH_RS_MAX_DOC bytes (new reference). */
GH_RS_MUST_CHECK gh_rs_err gh_rs__get_json(gh_rs *rs, const char *url, json_t **out);
/* Makes sure the issuer metadata was read when an endpoint is not configured. Takes
 * fetch_lock itself unless the caller holds it (have_fetch_lock). */
GH_RS_MUST_CHECK gh_rs_err gh_rs__discover(gh_rs *rs, bool have_fetch_lock);
/* A copy (heap) of the endpoint under lock, or NULL. */
char *gh_rs__endpoint(gh_rs *rs, bool jwks);
int64_t gh_rs__now(const gh_rs *rs);
char *gh_rs__strdup(const char *s);
/* Fills t from a claims object (sub, client_id, jti, scope, exp) and dumps it. */
GH_RS_MUST_CHECK gh_rs_err gh_rs__token_fill(gh_rs_token *t, const json_t *claims);
/* A deep copy of src into dst (heap). */
GH_RS_MUST_CHECK gh_rs_err gh_rs__token_copy(gh_rs_token *dst, const gh_rs_token *src);
/* Marks t inactive with a static reason. */
void gh_rs__reject(gh_rs_token *t, const char *why);
/* True if aud (a string or an array of strings) holds uri. */
bool gh_rs__aud_has(const json_t *aud, const char *uri);
/* True if token has the shape of a compact JWS (three dot-separated parts). */
bool gh_rs__is_jws(const char *token);

#endif
