/*
 * scope.c - what a token request may get: its scope (RFC 6749 3.3) against the client's
 * registered scope and the catalog, and its audience from resource indicators (RFC 8707).
 *
 * Rules:
 *  - The requested scope is parsed strictly (single spaces, RFC 6749 3.3 characters);
 *    malformed -> invalid_scope. Duplicates collapse to their first occurrence.
 *  - Every requested token must be in the catalog and in the client's registered scope
 *    (DESIGN.md: the registered scope is the most a client may ever get); otherwise
 *    invalid_scope, with a description that names no scope (it would tell a client which
 *    scopes exist).
 *  - No scope: the client's registered scopes that are in the catalog.
 *  - resource may repeat (RFC 8707 2); each must be an absolute URI without a fragment and a
 *    configured resource server, else invalid_target. A resource that does not accept every
 *    granted scope is refused with invalid_scope rather than silently narrowing the grant:
 *    the client asked for something this audience cannot receive.
 *  - The client's `audience` list, when not empty, must allow every resource (invalid_target).
 *  - Audience: the resources; with none requested, the client's `audience` list, else the
 *    issuer (RFC 9068 2.2 requires aud). issue.c and introspect.c use exactly this value.
 *
 * Not here: consent (users narrowing scopes), which the authorization flow adds.
 */
#include <string.h>

#include "base/limits.h"
#include "oauth/token_int.h"

gh_err gh_oauth__scope_resolve(gh_engine *e, gh_ctx *ctx, const gh_oauth_client *c,
                               const char *requested, gh_oauth_response *resp, gh_strv *out,
                               bool *ok)
{
    gh_strv req;
    const char **v;
    size_t i, n = 0;
    gh_err err;

    out->v = NULL;
    out->n = 0;
    *ok = false;
    if (requested == NULL || requested[0] == '\0') {
        v = GH_ARENA_NEWN(ctx->arena, const char *, c->scopes.n > 0 ? c->scopes.n : 1);
        for (i = 0; i < c->scopes.n; i++) {
            gh_strv sofar = {v, n};

            if (gh_config_scope_find(gh_oauth__catalog_cfg(e, ctx), c->scopes.v[i]) != NULL &&
                !gh_strv_has(&sofar, c->scopes.v[i]))
                v[n++] = c->scopes.v[i];
        }
        out->v = v;
        out->n = n;
        *ok = true;
        return GH_OK;
    }
    err = gh_strv_split_scope(ctx->arena, requested, GH_LIMIT_SCOPES, &req);
    if (err != GH_OK) {
        /* SPEC: RFC6749 5.2 invalid_scope - the requested scope is invalid or malformed */
        gh_oauth_error(resp, 400, GH_E_INVALID_SCOPE, "the scope parameter is malformed");
        return GH_OK;
    }
    v = GH_ARENA_NEWN(ctx->arena, const char *, req.n > 0 ? req.n : 1);
    for (i = 0; i < req.n; i++) {
        gh_strv sofar = {v, n};

        if (gh_strv_has(&sofar, req.v[i]))
            continue;
        /* SPEC: RFC6749 3.3 - the server may refuse scopes the client may not have */
        if (gh_config_scope_find(gh_oauth__catalog_cfg(e, ctx), req.v[i]) == NULL ||
            !gh_strv_has(&c->scopes, req.v[i])) {
            gh_oauth_error(resp, 400, GH_E_INVALID_SCOPE,
                           "a requested scope is unknown or not allowed for this client");
            return GH_OK;
        }
        v[n++] = req.v[i];
    }
    out->v = v;
    out->n = n;
    *ok = true;
    return GH_OK;
}

bool gh_oauth__abs_uri_nofrag(const char *s)
{
    size_t i;

    if (s == NULL || s[0] == '\0' || strlen(s) > GH_LIMIT_URI)
        return false;
    /* SPEC: RFC3986 3.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    for (i = 1; s[i] != ':'; i++) {
        char ch = s[i];

        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '+' || ch == '-' || ch == '.'))
            return false;
    }
    if (s[i + 1] == '\0')
        return false;
    /* SPEC: RFC8707 2 - the resource MUST NOT include a fragment component */
    if (strchr(s, '#') != NULL)
        return false;
    return gh_str_printable(s, strlen(s)) && strchr(s, ' ') == NULL;
}

/* True if resource r accepts scope s. */
static bool resource_accepts(const gh_config_resource *r, const char *s)
{
    size_t i;

    for (i = 0; i < r->n_scopes; i++)
        if (strcmp(r->scopes[i], s) == 0)
            return true;
    return false;
}

gh_err gh_oauth__resource_resolve(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                  const gh_strv *granted, gh_oauth_response *resp,
                                  gh_strv *out_audience, bool *ok)
{
    size_t i, j, n = 0, count;
    const char **v;

    out_audience->v = NULL;
    out_audience->n = 0;
    *ok = false;
    count = req->form != NULL ? gh_form_count(req->form, GH_P_RESOURCE) : 0;
    v = GH_ARENA_NEWN(ctx->arena, const char *, count > 0 ? count : 1);
    for (i = 0; req->form != NULL && i < req->form->n; i++) {
        const gh_form_pair *p = &req->form->pairs[i];
        const gh_config_resource *r;
        gh_strv sofar = {v, n};

        if (strcmp(p->name, GH_P_RESOURCE) != 0)
            continue;
        /* SPEC: RFC8707 2 - an absolute URI without fragment, else invalid_target */
        if (!gh_oauth__abs_uri_nofrag(p->value)) {
            gh_oauth_error(resp, 400, GH_E_INVALID_TARGET,
                           "resource must be an absolute URI without a fragment");
            return GH_OK;
        }
        /* SPEC: RFC8707 2 - an unknown resource is refused with invalid_target */
        r = gh_config_resource_find(gh_oauth__catalog_cfg(e, ctx), p->value);
        if (r == NULL) {
            gh_oauth_error(resp, 400, GH_E_INVALID_TARGET, "unknown resource");
            return GH_OK;
        }
        for (j = 0; j < granted->n; j++) {
            if (!resource_accepts(r, granted->v[j])) {
                gh_oauth_error(resp, 400, GH_E_INVALID_SCOPE,
                               "a requested scope is not accepted by the requested resource");
                return GH_OK;
            }
        }
        if (!gh_strv_has(&sofar, r->uri))
            v[n++] = r->uri;
    }
    out_audience->v = n > 0 ? v : NULL;
    out_audience->n = n;
    *ok = true;
    return GH_OK;
}

gh_err gh_oauth__audience_resolve(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                  const gh_oauth_client *c, const gh_strv *granted,
                                  gh_oauth_response *resp, gh_strv *out_audience, bool *ok)
{
    gh_err err;
    size_t i;

    err = gh_oauth__resource_resolve(e, ctx, req, granted, resp, out_audience, ok);
    if (err != GH_OK || !*ok)
        return err;
    if (out_audience->n > 0) {
        for (i = 0; c->audience.n > 0 && i < out_audience->n; i++) {
            if (!gh_strv_has(&c->audience, out_audience->v[i])) {
                *ok = false;
                out_audience->v = NULL;
                out_audience->n = 0;
                gh_oauth_error(resp, 400, GH_E_INVALID_TARGET,
                               "the resource is not allowed for this client");
                return GH_OK;
            }
        }
        return GH_OK;
    }
    /* SPEC: RFC9068 2.2 - aud is required: the client's audiences, else the issuer. */
    if (c->audience.n > 0) {
        *out_audience = c->audience;
    } else {
        const char **v = GH_ARENA_NEWN(ctx->arena, const char *, 1);

        v[0] = e->cfg->issuer;
        out_audience->v = v;
        out_audience->n = 1;
    }
    return GH_OK;
}
