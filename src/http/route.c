/*
 * route.c - the route table of both listeners and how a path finds its route.
 *
 * One static const table keyed by listener and path; a route is matched exactly or as
 * "<path>/{id}" with one non-empty segment. Methods are checked by the caller (server.c) so
 * that a known path with a wrong method gets 405 with Allow (RFC 9110 15.5.6), not 404.
 * The issuer-dependent metadata paths (RFC 8414 3.1, OpenID Connect Discovery 1.0 section 4)
 * are computed once at start and map onto the discovery routes.
 *
 * Not here: dispatch of grant types (oauth/token.c) or anything about the request body.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/str.h"
#include "http/http_int.h"
#include "ui/ui.h"

#define M_GET (GH_HTTP_M_GET | GH_HTTP_M_HEAD)
#define M_POST GH_HTTP_M_POST

#define WK_AS "/.well-known/oauth-authorization-server"
#define WK_OIDC "/.well-known/openid-configuration"

static const gh_http_route routes[] = {
    /* Public listener. */
    {GH_HTTP_PUBLIC, WK_OIDC, GH_HTTP_EXACT, M_GET, gh_oauth_discovery_oidc, GH_HTTP_ENDPOINT,
     false, "discovery_oidc"},
    {GH_HTTP_PUBLIC, WK_AS, GH_HTTP_EXACT, M_GET, gh_oauth_discovery_as, GH_HTTP_ENDPOINT, false,
     "discovery_as"},
    {GH_HTTP_PUBLIC, "/.well-known/jwks.json", GH_HTTP_EXACT, M_GET, gh_oauth_jwks,
     GH_HTTP_ENDPOINT, false, "jwks"},
    {GH_HTTP_PUBLIC, "/.well-known/gatehouse-scopes", GH_HTTP_EXACT, M_GET,
     gh_oauth_scopes_document, GH_HTTP_ENDPOINT, false, "scopes_document"},
    {GH_HTTP_PUBLIC, "/oauth2/token", GH_HTTP_EXACT, M_POST, gh_oauth_token, GH_HTTP_ENDPOINT,
     false, "token"},
    {GH_HTTP_PUBLIC, "/oauth2/introspect", GH_HTTP_EXACT, M_POST, gh_oauth_introspect,
     GH_HTTP_ENDPOINT, false, "introspect"},
    {GH_HTTP_PUBLIC, "/oauth2/audit/events", GH_HTTP_EXACT, M_POST, gh_oauth_audit_report,
     GH_HTTP_ENDPOINT, false, "audit_report"},
    {GH_HTTP_PUBLIC, "/oauth2/revoke", GH_HTTP_EXACT, M_POST, gh_oauth_revoke, GH_HTTP_ENDPOINT,
     false, "revoke"},
    {GH_HTTP_PUBLIC, "/oauth2/register", GH_HTTP_EXACT, M_POST, gh_oauth_register, GH_HTTP_ENDPOINT,
     false, "register"},
    {GH_HTTP_PUBLIC, "/oauth2/register", GH_HTTP_WITH_ID, M_GET | GH_HTTP_M_PUT | GH_HTTP_M_DELETE,
     gh_oauth_register_manage, GH_HTTP_ENDPOINT, false, "register_manage"},
    /* The authorization code flow: /oauth2/auth and the logout endpoint answer browsers, so
     * ui renders their user-facing errors and form_post pages (OpenID Connect Core 3.1.2.1:
     * GET and POST). */
    {GH_HTTP_PUBLIC, "/oauth2/auth", GH_HTTP_EXACT, M_GET | M_POST, gh_ui_authorize,
     GH_HTTP_ENDPOINT, false, "authorize"},
    {GH_HTTP_PUBLIC, "/oauth2/sessions/logout", GH_HTTP_EXACT, M_GET | M_POST, gh_ui_end_session,
     GH_HTTP_ENDPOINT, false, "end_session"},
    {GH_HTTP_PUBLIC, "/userinfo", GH_HTTP_EXACT, M_GET | M_POST, gh_oauth_userinfo,
     GH_HTTP_ENDPOINT, false, "userinfo"},
    /* The built-in login, consent, logout and account pages. */
    {GH_HTTP_PUBLIC, "/ui/login", GH_HTTP_EXACT, M_GET | M_POST, gh_ui_login, GH_HTTP_ENDPOINT,
     false, "ui_login"},
    {GH_HTTP_PUBLIC, "/ui/consent", GH_HTTP_EXACT, M_GET | M_POST, gh_ui_consent,
     GH_HTTP_ENDPOINT, false, "ui_consent"},
    {GH_HTTP_PUBLIC, "/ui/logout", GH_HTTP_EXACT, M_GET | M_POST, gh_ui_logout, GH_HTTP_ENDPOINT,
     false, "ui_logout"},
    {GH_HTTP_PUBLIC, "/ui/logged-out", GH_HTTP_EXACT, M_GET, gh_ui_logged_out, GH_HTTP_ENDPOINT,
     false, "ui_logged_out"},
    {GH_HTTP_PUBLIC, "/ui/account", GH_HTTP_EXACT, M_GET | M_POST, gh_ui_account,
     GH_HTTP_ENDPOINT, false, "ui_account"},
    {GH_HTTP_PUBLIC, "/health/alive", GH_HTTP_EXACT, M_GET, NULL, GH_HTTP_HEALTH, false,
     "health_alive"},
    {GH_HTTP_PUBLIC, "/health/ready", GH_HTTP_EXACT, M_GET, NULL, GH_HTTP_HEALTH, false,
     "health_ready"},

    /* Admin listener: everything but the health checks needs the admin key. */
    {GH_HTTP_ADMIN, "/admin/clients", GH_HTTP_EXACT, M_GET | M_POST, gh_oauth_admin_clients,
     GH_HTTP_ENDPOINT, true, "admin_clients"},
    {GH_HTTP_ADMIN, "/admin/clients", GH_HTTP_WITH_ID, M_GET | GH_HTTP_M_PUT | GH_HTTP_M_DELETE,
     gh_oauth_admin_client, GH_HTTP_ENDPOINT, true, "admin_client"},
    {GH_HTTP_ADMIN, "/admin/oauth2/introspect", GH_HTTP_EXACT, M_POST, gh_oauth_admin_introspect,
     GH_HTTP_ENDPOINT, true, "admin_introspect"},
    {GH_HTTP_ADMIN, "/admin/keys", GH_HTTP_EXACT, M_GET, gh_oauth_admin_keys, GH_HTTP_ENDPOINT,
     true, "admin_keys"},
    {GH_HTTP_ADMIN, "/admin/keys", GH_HTTP_WITH_ID, M_POST, gh_oauth_admin_keys, GH_HTTP_ENDPOINT,
     true, "admin_keys_op"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/sessions/consent", GH_HTTP_EXACT,
     M_GET | GH_HTTP_M_DELETE, gh_oauth_admin_consent_sessions, GH_HTTP_ENDPOINT, true,
     "admin_consent_sessions"},
    /* Hydra's login, consent and logout API for an operator's own login/consent app. */
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/login", GH_HTTP_EXACT, M_GET,
     gh_oauth_admin_login_request, GH_HTTP_ENDPOINT, true, "admin_login_request"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/login/accept", GH_HTTP_EXACT, GH_HTTP_M_PUT,
     gh_oauth_admin_login_accept, GH_HTTP_ENDPOINT, true, "admin_login_accept"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/login/reject", GH_HTTP_EXACT, GH_HTTP_M_PUT,
     gh_oauth_admin_login_reject, GH_HTTP_ENDPOINT, true, "admin_login_reject"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/consent", GH_HTTP_EXACT, M_GET,
     gh_oauth_admin_consent_request, GH_HTTP_ENDPOINT, true, "admin_consent_request"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/consent/accept", GH_HTTP_EXACT, GH_HTTP_M_PUT,
     gh_oauth_admin_consent_accept, GH_HTTP_ENDPOINT, true, "admin_consent_accept"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/consent/reject", GH_HTTP_EXACT, GH_HTTP_M_PUT,
     gh_oauth_admin_consent_reject, GH_HTTP_ENDPOINT, true, "admin_consent_reject"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/logout", GH_HTTP_EXACT, M_GET,
     gh_oauth_admin_logout_request, GH_HTTP_ENDPOINT, true, "admin_logout_request"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/logout/accept", GH_HTTP_EXACT, GH_HTTP_M_PUT,
     gh_oauth_admin_logout_accept, GH_HTTP_ENDPOINT, true, "admin_logout_accept"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/requests/logout/reject", GH_HTTP_EXACT, GH_HTTP_M_PUT,
     gh_oauth_admin_logout_reject, GH_HTTP_ENDPOINT, true, "admin_logout_reject"},
    {GH_HTTP_ADMIN, "/admin/oauth2/auth/sessions/login", GH_HTTP_EXACT, GH_HTTP_M_DELETE,
     gh_oauth_admin_login_sessions, GH_HTTP_ENDPOINT, true, "admin_login_sessions"},
    {GH_HTTP_ADMIN, "/admin/audit/events", GH_HTTP_EXACT, M_GET, gh_oauth_admin_audit_events,
     GH_HTTP_ENDPOINT, true, "admin_audit_events"},
    {GH_HTTP_ADMIN, "/admin/metrics/prometheus", GH_HTTP_EXACT, M_GET, NULL, GH_HTTP_METRICS, true,
     "admin_metrics"},
    {GH_HTTP_ADMIN, "/version", GH_HTTP_EXACT, M_GET, NULL, GH_HTTP_VERSION, true, "version"},
    {GH_HTTP_ADMIN, "/health/alive", GH_HTTP_EXACT, M_GET, NULL, GH_HTTP_HEALTH, false,
     "health_alive"},
    {GH_HTTP_ADMIN, "/health/ready", GH_HTTP_EXACT, M_GET, NULL, GH_HTTP_HEALTH, false,
     "health_ready"},
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

/* The metrics table has a slot per route; the table must fit. */
_Static_assert(sizeof(routes) / sizeof(routes[0]) <= GH_HTTP_MAX_ROUTES, "too many routes");

/* Indexes of the discovery routes, for the issuer-dependent paths: they open the table. */
enum { ROUTE_DISCOVERY_OIDC = 0, ROUTE_DISCOVERY_AS = 1 };

const gh_http_route *gh_http__routes(size_t *out_n)
{
    *out_n = N_ROUTES;
    return routes;
}

static const struct {
    const char *name;
    unsigned bit;
} methods[] = {
    {"GET", GH_HTTP_M_GET},         {"HEAD", GH_HTTP_M_HEAD},     {"POST", GH_HTTP_M_POST},
    {"PUT", GH_HTTP_M_PUT},         {"DELETE", GH_HTTP_M_DELETE}, {"PATCH", GH_HTTP_M_PATCH},
    {"OPTIONS", GH_HTTP_M_OPTIONS},
};

unsigned gh_http__method_bit(const char *method)
{
    size_t i;

    if (method == NULL)
        return 0;
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(method, methods[i].name) == 0)
            return methods[i].bit;
    }
    return 0;
}

void gh_http__allow_header(unsigned bits, char *out, size_t outlen)
{
    size_t i, o = 0;

    if (outlen == 0)
        return;
    out[0] = '\0';
    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        size_t n = strlen(methods[i].name);
        if ((bits & methods[i].bit) == 0)
            continue;
        if (o + n + (o ? 2 : 0) + 1 > outlen)
            break;
        if (o) {
            memcpy(out + o, ", ", 2);
            o += 2;
        }
        memcpy(out + o, methods[i].name, n);
        o += n;
        out[o] = '\0';
    }
}

gh_err gh_http__issuer_paths(const char *issuer, gh_http_issuer_paths *out)
{
    const char *p, *path;
    size_t plen;

    out->as = NULL;
    out->oidc = NULL;
    if (issuer == NULL)
        return GH_EINVAL;
    if (gh_str_startswith(issuer, "https://"))
        p = issuer + 8;
    else if (gh_str_startswith(issuer, "http://"))
        p = issuer + 7;
    else
        return GH_EINVAL;
    if (strpbrk(issuer, "?#") != NULL)
        return GH_EINVAL;
    path = strchr(p, '/');
    if (path == p)
        return GH_EINVAL; /* no authority */
    if (path == NULL)
        return GH_OK;
    plen = strlen(path);
    while (plen > 0 && path[plen - 1] == '/')
        plen--;
    if (plen == 0)
        return GH_OK;
    /* SPEC: RFC8414 3.1 the well-known string goes between the host and the path. */
    out->as = gh_xmalloc(sizeof(WK_AS) + plen);
    memcpy(out->as, WK_AS, sizeof(WK_AS) - 1);
    memcpy(out->as + sizeof(WK_AS) - 1, path, plen);
    out->as[sizeof(WK_AS) - 1 + plen] = '\0';
    /* OpenID Connect Discovery 4: the issuer followed by /.well-known/openid-configuration. */
    out->oidc = gh_xmalloc(plen + sizeof(WK_OIDC));
    memcpy(out->oidc, path, plen);
    memcpy(out->oidc + plen, WK_OIDC, sizeof(WK_OIDC));
    return GH_OK;
}

void gh_http__issuer_paths_clear(gh_http_issuer_paths *p)
{
    free(p->as);
    free(p->oidc);
    p->as = NULL;
    p->oidc = NULL;
}

static bool path_is(const char *path, size_t len, const char *s)
{
    return s != NULL && strlen(s) == len && memcmp(path, s, len) == 0;
}

void gh_http__route_find(gh_http_listener l, const gh_http_issuer_paths *ip, const char *path,
                         size_t path_len, gh_http_match_result *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < N_ROUTES; i++) {
        const gh_http_route *r = &routes[i];
        size_t rlen;
        if (r->listener != l)
            continue;
        rlen = strlen(r->path);
        if (r->match == GH_HTTP_EXACT) {
            if (rlen == path_len && memcmp(r->path, path, rlen) == 0) {
                out->route = r;
                out->index = i;
                return;
            }
        } else if (path_len > rlen + 1 && memcmp(r->path, path, rlen) == 0 && path[rlen] == '/' &&
                   memchr(path + rlen + 1, '/', path_len - rlen - 1) == NULL) {
            out->route = r;
            out->index = i;
            out->arg = path + rlen + 1;
            out->arg_len = path_len - rlen - 1;
            return;
        }
    }
    if (l == GH_HTTP_PUBLIC && ip != NULL) {
        if (path_is(path, path_len, ip->as)) {
            out->route = &routes[ROUTE_DISCOVERY_AS];
            out->index = ROUTE_DISCOVERY_AS;
        } else if (path_is(path, path_len, ip->oidc)) {
            out->route = &routes[ROUTE_DISCOVERY_OIDC];
            out->index = ROUTE_DISCOVERY_OIDC;
        }
    }
}

gh_err gh_http__parse_request_target(gh_arena *a, gh_http_listener l,
                                     const gh_http_issuer_paths *ip, const char *raw, size_t n,
                                     gh_http_target *out_target, gh_http_match_result *out_match,
                                     char **out_arg, gh_form *out_query)
{
    gh_http_target *t = out_target;
    gh_err err;

    memset(out_match, 0, sizeof(*out_match));
    *out_arg = NULL;
    out_query->pairs = NULL;
    out_query->n = 0;
    err = gh_http__split_target(a, raw, n, t);
    if (err != GH_OK)
        return err;
    gh_http__route_find(l, ip, t->path, t->path_len, out_match);
    if (out_match->arg != NULL) {
        err = gh_http__path_arg(a, out_match->arg, out_match->arg_len, out_arg);
        if (err != GH_OK)
            return err;
    }
    return gh_form_parse(a, t->query, t->query_len, out_query);
}
