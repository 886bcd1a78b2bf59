/*
 * cookie.c - the cookies the engine sets (login session, flow binding) and reads back.
 *
 * Set-Cookie values (RFC 6265 4.1): name=value; Path=/; HttpOnly; SameSite=Lax, with Secure
 * when the issuer is https, and Max-Age when the cookie should outlive the browser session
 * (a negative max_age deletes the cookie: Max-Age=0). With an https issuer the names carry the
 * "__Host-" prefix (RFC 6265bis 4.1.3.2: Secure, Path=/ and no Domain, which we always meet),
 * so that no subdomain can plant or overwrite them. SameSite=Lax keeps the cookies on the
 * top-level GET navigations that bring the browser back to /oauth2/auth.
 *
 * Reading (RFC 6265 5.4, 4.2.1): the Cookie header is "name=value" pairs separated by ";"
 * (http joins several headers with "; "); spaces around pairs and around "=" are tolerated, a
 * value in double quotes is unquoted, and the first pair of a name wins (RFC 6265 5.4 puts
 * the most specific path first). Not here: what the values mean (session.c, authorize.c).
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "oauth/flow_int.h"

static bool issuer_https(const gh_engine *e)
{
    return e->cfg->issuer != NULL && strncmp(e->cfg->issuer, "https://", 8) == 0;
}

void gh_oauth_cookie(const gh_engine *e, gh_ctx *ctx, gh_oauth_response *r, const char *name,
                     const char *value, int64_t max_age)
{
    char age[40] = "";

    if (r->n_set_cookie >= GH_OAUTH_MAX_COOKIES) {
        gh_log(GH_LOG_ERROR, "cookie %s dropped: more than %d Set-Cookie headers", name,
               GH_OAUTH_MAX_COOKIES);
        return;
    }
    if (max_age < 0)
        (void)snprintf(age, sizeof(age), "; Max-Age=0");
    else if (max_age > 0)
        (void)snprintf(age, sizeof(age), "; Max-Age=%lld", (long long)max_age);
    /* SPEC: RFC6265 4.1.2.5/4.1.2.6 Secure and HttpOnly; RFC6265bis 4.1.2.7 SameSite */
    r->set_cookie[r->n_set_cookie++] =
        gh_arena_printf(ctx->arena, "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", name,
                        value != NULL ? value : "", issuer_https(e) ? "; Secure" : "", age);
}

const char *gh_oauth_cookie_name(const gh_engine *e, const char *base)
{
    bool h = issuer_https(e);

    /* SPEC: RFC6265bis 4.1.3.2 the __Host- prefix needs Secure, Path=/ and no Domain */
    if (strcmp(base, GH_OAUTH_COOKIE_SESSION) == 0)
        return h ? "__Host-" GH_OAUTH_COOKIE_SESSION : GH_OAUTH_COOKIE_SESSION;
    if (strcmp(base, GH_OAUTH_COOKIE_FLOW) == 0)
        return h ? "__Host-" GH_OAUTH_COOKIE_FLOW : GH_OAUTH_COOKIE_FLOW;
    if (strcmp(base, GH_OAUTH_COOKIE_CSRF) == 0)
        return h ? "__Host-" GH_OAUTH_COOKIE_CSRF : GH_OAUTH_COOKIE_CSRF;
    return base;
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

const char *gh_oauth_cookie_get(gh_ctx *ctx, const char *cookie_header, const char *name)
{
    const char *p = cookie_header;
    size_t nlen;

    if (p == NULL || name == NULL)
        return NULL;
    nlen = strlen(name);
    while (*p != '\0') {
        const char *pair_end, *eq, *ne, *vs, *ve;

        while (is_ws(*p) || *p == ';')
            p++;
        if (*p == '\0')
            break;
        pair_end = strchr(p, ';');
        if (pair_end == NULL)
            pair_end = p + strlen(p);
        eq = memchr(p, '=', (size_t)(pair_end - p));
        if (eq != NULL) {
            /* SPEC: RFC6265 5.2 - trim whitespace around the name and the value */
            ne = eq;
            while (ne > p && is_ws(ne[-1]))
                ne--;
            vs = eq + 1;
            while (vs < pair_end && is_ws(*vs))
                vs++;
            ve = pair_end;
            while (ve > vs && is_ws(ve[-1]))
                ve--;
            /* SPEC: RFC6265 4.1.1 cookie-value may be wrapped in double quotes */
            if (ve - vs >= 2 && vs[0] == '"' && ve[-1] == '"') {
                vs++;
                ve--;
            }
            if ((size_t)(ne - p) == nlen && memcmp(p, name, nlen) == 0)
                return gh_arena_strndup(ctx->arena, vs, (size_t)(ve - vs));
        }
        p = pair_end;
    }
    return NULL;
}
