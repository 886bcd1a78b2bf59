/*
 * fuzz_scope.c - fuzz target for the scope parameter (gh_strv_split_scope, RFC 6749 3.3) and
 * for scope and resource resolution (scope.c) against a static demo catalog and client.
 *
 * Input: the scope value, then optionally '\n' and an x-www-form-urlencoded body whose
 * resource parameters are resolved. Beyond "no crash", it checks the promises: a split gives
 * non-empty tokens of allowed characters; a resolved scope holds each token once, each in the
 * catalog and in the client's registered scope; a refusal is a 400 invalid_scope with nothing
 * granted; a resolved audience holds configured resources that accept every granted scope and
 * that the client's audience list allows (or, with no resource, the default audience).
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/err.h"
#include "base/form.h"
#include "base/limits.h"
#include "base/str.h"
#include "oauth/token_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const gh_config_scope scopes[] = {
    {"openid", "Sign you in", false},
    {"profile", "Read your name", false},
    {"email", "Read your email address", false},
    {"offline_access", "Keep access", false},
    {"dns:read", "Read DNS records", false},
    {"dns:write", "Change DNS records", true},
    {"logs:read", "Read firewall logs", false},
    {"settings:write", "Change zone settings", true},
};
static const char *const dns_scopes[] = {"dns:read", "dns:write"};
static const char *const logs_scopes[] = {"logs:read"};
static const gh_config_resource resources[] = {
    {"https://api.example.com/dns", "rs-dns", (const char **)dns_scopes, 2},
    {"https://api.example.com/logs", "rs-logs", (const char **)logs_scopes, 1},
};
static const char *const client_scopes[] = {"dns:read", "dns:write", "logs:read", "unknown:x"};
static const char *const client_aud[] = {"https://api.example.com/logs",
                                         "https://api.example.com/dns"};

static bool scope_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

static void check_split(const gh_strv *v)
{
    size_t i, j;

    gh_assert(v->n <= GH_LIMIT_SCOPES);
    for (i = 0; i < v->n; i++) {
        size_t n = strlen(v->v[i]);

        gh_assert(n > 0 && n <= GH_LIMIT_SCOPE_TOKEN);
        for (j = 0; j < n; j++)
            gh_assert(scope_char((unsigned char)v->v[i][j]));
    }
}

static void resolve(gh_engine *e, gh_ctx *ctx, const gh_oauth_client *c, const char *scope,
                    const gh_oauth_request *req)
{
    gh_oauth_response resp;
    gh_strv granted, aud;
    bool ok = false;
    size_t i, j;

    gh_oauth_response_init(&resp);
    gh_assert(gh_oauth__scope_resolve(e, ctx, c, scope, &resp, &granted, &ok) == GH_OK);
    if (!ok) {
        gh_assert(resp.status == 400 && strcmp(resp.error, GH_E_INVALID_SCOPE) == 0);
        gh_assert(granted.n == 0 && granted.v == NULL);
        gh_oauth_response_clear(&resp);
        return;
    }
    for (i = 0; i < granted.n; i++) {
        gh_assert(gh_config_scope_find(e->cfg, granted.v[i]) != NULL);
        gh_assert(gh_strv_has(&c->scopes, granted.v[i]));
        for (j = 0; j < i; j++)
            gh_assert(strcmp(granted.v[i], granted.v[j]) != 0);
    }
    gh_assert(gh_oauth__audience_resolve(e, ctx, req, c, &granted, &resp, &aud, &ok) == GH_OK);
    if (!ok) {
        gh_assert(resp.status == 400);
        gh_assert(strcmp(resp.error, GH_E_INVALID_TARGET) == 0 ||
                  strcmp(resp.error, GH_E_INVALID_SCOPE) == 0);
        gh_oauth_response_clear(&resp);
        return;
    }
    gh_assert(aud.n > 0);
    if (req->form == NULL || gh_form_count(req->form, GH_P_RESOURCE) == 0) {
        /* No resource: the client's audience list, else the issuer. */
        if (c->audience.n > 0)
            gh_assert(aud.n == c->audience.n && aud.v == c->audience.v);
        else
            gh_assert(aud.n == 1 && strcmp(aud.v[0], e->cfg->issuer) == 0);
        gh_oauth_response_clear(&resp);
        return;
    }
    for (i = 0; i < aud.n; i++) {
        const gh_config_resource *r = gh_config_resource_find(e->cfg, aud.v[i]);

        gh_assert(r != NULL);
        if (c->audience.n > 0)
            gh_assert(gh_strv_has(&c->audience, aud.v[i]));
        for (j = 0; j < granted.n; j++) {
            size_t k;
            bool acc = false;

            for (k = 0; k < r->n_scopes; k++)
                acc = acc || strcmp(r->scopes[k], granted.v[j]) == 0;
            gh_assert(acc);
        }
    }
    gh_oauth_response_clear(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    gh_config cfg;
    gh_oauth_catalog cat;
    gh_engine e;
    gh_oauth_client c;
    gh_oauth_request req;
    gh_form form = {NULL, 0};
    static const gh_form empty = {NULL, 0};
    gh_ctx ctx;
    const char *nl = memchr(data, '\n', size);
    size_t slen = nl != NULL ? (size_t)(nl - (const char *)data) : size;
    char *scope;
    gh_strv v;
    gh_err err;

    /* The scope value as a form would deliver it: no NUL. */
    if (memchr(data, '\0', slen) != NULL)
        goto done;
    scope = gh_arena_strndup(a, (const char *)data, slen);
    err = gh_strv_split_scope(a, scope, GH_LIMIT_SCOPES, &v);
    gh_assert(err == GH_OK || err == GH_EINVAL || err == GH_ETOOBIG);
    if (err == GH_OK)
        check_split(&v);

    memset(&cfg, 0, sizeof(cfg));
    cfg.issuer = "http://127.0.0.1:4444";
    cfg.scopes = (gh_config_scope *)scopes;
    cfg.n_scopes = sizeof(scopes) / sizeof(scopes[0]);
    cfg.resources = (gh_config_resource *)resources;
    cfg.n_resources = sizeof(resources) / sizeof(resources[0]);
    memset(&cat, 0, sizeof(cat));
    cat.cfg = cfg; /* the snapshot every scope and resource lookup reads */
    cat.version = 1;
    memset(&e, 0, sizeof(e));
    e.cfg = &cfg;
    atomic_init(&e.catalog, &cat);
    memset(&c, 0, sizeof(c));
    c.client_id = "fuzz";
    c.scopes.v = (const char **)client_scopes;
    c.scopes.n = sizeof(client_scopes) / sizeof(client_scopes[0]);
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.query = &empty;
    if (nl != NULL && gh_form_parse(a, nl + 1, size - slen - 1, &form) == GH_OK)
        req.form = &form;
    gh_ctx_init(&ctx, a, 0);

    resolve(&e, &ctx, &c, scope, &req);
    c.audience.v = (const char **)client_aud;
    c.audience.n = 1;
    resolve(&e, &ctx, &c, scope, &req);
done:
    gh_arena_free(a);
    return 0;
}
