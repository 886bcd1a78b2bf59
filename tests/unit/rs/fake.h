/*
 * fake.h - an in-memory issuer for the resource-server kit's unit tests: a gh_rs_transport
 * that serves the RFC 8414 metadata, a JWKS the test can change, an introspection endpoint
 * and the audit endpoint, counts the requests and keeps the last one; and a settable clock.
 */
#ifndef GH_TESTS_UNIT_RS_FAKE_H
#define GH_TESTS_UNIT_RS_FAKE_H

#include <stdlib.h>
#include <string.h>

#include "gatehouse_rs.h"

#define FAKE_ISSUER "https://as.example.test"
#define FAKE_RESOURCE "https://api.example.test"

typedef struct fake {
    const char *jwks;       /* served at /jwks.json */
    const char *introspect; /* served at /oauth2/introspect */
    long introspect_status;
    long audit_status;
    int meta_calls, jwks_calls, introspect_calls, audit_calls;
    char last_url[512];
    char last_headers[4][1024];
    char last_body[8192];
    int64_t now;
} fake;

static inline int64_t fake_clock(void *arg)
{
    return ((fake *)arg)->now;
}

static inline gh_rs_err fake_reply(const char *s, long status, long *out_status, char **out_body,
                                   size_t *out_len)
{
    size_t n = strlen(s);
    *out_status = status;
    *out_body = malloc(n + 1);
    memcpy(*out_body, s, n + 1);
    *out_len = n;
    return GH_RS_OK;
}

static inline gh_rs_err fake_transport(void *arg, const char *url, const char *const *headers,
                                       const char *body, size_t body_len, size_t max,
                                       long *out_status, char **out_body, size_t *out_len)
{
    fake *f = arg;
    (void)max;
    snprintf(f->last_url, sizeof(f->last_url), "%s", url);
    memset(f->last_headers, 0, sizeof(f->last_headers));
    for (int i = 0; headers != NULL && headers[i] != NULL && i < 4; i++)
        snprintf(f->last_headers[i], sizeof(f->last_headers[i]), "%s", headers[i]);
    snprintf(f->last_body, sizeof(f->last_body), "%.*s", (int)body_len, body ? body : "");
    if (strcmp(url, FAKE_ISSUER "/.well-known/oauth-authorization-server") == 0) {
        f->meta_calls++;
        return fake_reply("{\"issuer\":\"" FAKE_ISSUER "\",\"jwks_uri\":\"" FAKE_ISSUER
                          "/jwks.json\",\"introspection_endpoint\":\"" FAKE_ISSUER
                          "/oauth2/introspect\"}",
                          200, out_status, out_body, out_len);
    }
    if (strcmp(url, FAKE_ISSUER "/jwks.json") == 0) {
        f->jwks_calls++;
        return fake_reply(f->jwks, 200, out_status, out_body, out_len);
    }
    if (strcmp(url, FAKE_ISSUER "/oauth2/introspect") == 0 && body != NULL) {
        f->introspect_calls++;
        return fake_reply(f->introspect, f->introspect_status ? f->introspect_status : 200,
                          out_status, out_body, out_len);
    }
    if (strcmp(url, FAKE_ISSUER "/oauth2/audit/events") == 0 && body != NULL) {
        f->audit_calls++;
        return fake_reply("{}", f->audit_status ? f->audit_status : 201, out_status, out_body,
                          out_len);
    }
    return fake_reply("not found", 404, out_status, out_body, out_len);
}

static inline void fake_config(fake *f, gh_rs_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->issuer = FAKE_ISSUER;
    cfg->resource = FAKE_RESOURCE;
    cfg->transport = fake_transport;
    cfg->transport_arg = f;
    cfg->clock = fake_clock;
    cfg->clock_arg = f;
}

#endif
