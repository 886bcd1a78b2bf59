/*
 * discovery.c - authorization server metadata (RFC 8414 2) and OpenID Provider metadata
 * (OpenID Connect Discovery 1.0 3), prebuilt: they depend only on the configuration and the
 * grant table, so a request costs a copy, not a JSON encoding. They list the scope catalog
 * (scopes_supported), so they are part of the catalog snapshot (catalog.c) and built again
 * with it when a reload changes the catalog.
 *
 * Advertised in both documents: the endpoints that exist (authorization, token, userinfo,
 * end_session, jwks, registration when enabled, introspection, revocation), the catalog's
 * scopes, exactly the grant types that have a handler in token.c, the client authentication
 * methods client_auth.c implements (none included: public clients use the code and refresh
 * grants and revocation), response type code with response modes query and form_post, PKCE
 * S256 only, the RFC 9207 iss parameter, the ID token algorithms (RS256 and ES256), public
 * subjects, the claims gatehouse can return, and the prompt values /oauth2/auth honours.
 * Never advertised: what OAuth 2.1 removed (implicit, the password grant, PKCE plain), the
 * request and claims parameters (not supported), and front- or back-channel logout (not
 * implemented).
 *
 * Where an issuer has a path, http serves these documents at the RFC 8414 3.1 location; the
 * URLs here are built from cfg->issuer alone.
 */
#include <string.h>

#include "base/mem.h"
#include "json/json.h"
#include "oauth/token_int.h"

static json_t *url(const gh_config *cfg, const char *path)
{
    size_t n = strlen(cfg->issuer);
    char *s;
    json_t *j;

    /* The issuer has no trailing slash (config.h); tolerate one anyway. */
    while (n > 0 && cfg->issuer[n - 1] == '/')
        n--;
    s = gh_xmalloc(n + strlen(path) + 1);
    memcpy(s, cfg->issuer, n);
    memcpy(s + n, path, strlen(path) + 1);
    j = json_string(s);
    free(s);
    return j;
}

static json_t *strings(const char *const *v, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static json_t *common(const gh_config *cfg)
{
    static const char *const auth_methods[] = {GH_AUTH_BASIC, GH_AUTH_POST,
                                               GH_AUTH_PRIVATE_KEY_JWT, GH_AUTH_NONE};
    static const char *const code[] = {"code"};
    static const char *const modes[] = {"query", "form_post"};
    static const char *const s256[] = {"S256"};
    static const char *const id_algs[] = {"RS256", "ES256"};
    static const char *const prompts[] = {"none", "login", "consent"};
    static const char *const auth_algs[] = {"ES256", "ES384", "RS256", "PS256", "EdDSA"};
    json_t *m = json_object(), *scopes = json_array(), *grants = json_array();
    size_t i;

    /* SPEC: RFC8414 2 - issuer is REQUIRED and identical to the configured issuer */
    json_object_set_new(m, "issuer", json_string(cfg->issuer));
    json_object_set_new(m, "authorization_endpoint", url(cfg, "/oauth2/auth"));
    json_object_set_new(m, "token_endpoint", url(cfg, "/oauth2/token"));
    json_object_set_new(m, "userinfo_endpoint", url(cfg, "/userinfo"));
    /* SPEC: OIDC RP-Initiated Logout 1.0 2.1 end_session_endpoint */
    json_object_set_new(m, "end_session_endpoint", url(cfg, "/oauth2/sessions/logout"));
    json_object_set_new(m, "jwks_uri", url(cfg, "/.well-known/jwks.json"));
    if (cfg->registration_enabled)
        json_object_set_new(m, "registration_endpoint", url(cfg, "/oauth2/register"));
    json_object_set_new(m, "introspection_endpoint", url(cfg, "/oauth2/introspect"));
    json_object_set_new(m, "revocation_endpoint", url(cfg, "/oauth2/revoke"));
    for (i = 0; i < cfg->n_scopes; i++)
        json_array_append_new(scopes, json_string(cfg->scopes[i].name));
    json_object_set_new(m, "scopes_supported", scopes);
    /* SPEC: OAuth 2.1 - never implicit or password: the table holds neither */
    for (i = 0; i < gh_oauth__n_grants; i++)
        json_array_append_new(grants, json_string(gh_oauth__grants[i].grant_type));
    json_object_set_new(m, "grant_types_supported", grants);
    /* SPEC: RFC8414 2 - response_types_supported is REQUIRED; code only (OAuth 2.1) */
    json_object_set_new(m, "response_types_supported", strings(code, 1));
    json_object_set_new(m, "response_modes_supported", strings(modes, 2));
    /* SPEC: RFC8414 2 / RFC7636 - S256 only: plain is never offered (OAuth 2.1) */
    json_object_set_new(m, "code_challenge_methods_supported", strings(s256, 1));
    /* SPEC: RFC9207 3 - authorization responses carry iss */
    json_object_set_new(m, "authorization_response_iss_parameter_supported", json_true());
    json_object_set_new(m, "id_token_signing_alg_values_supported", strings(id_algs, 2));
    json_object_set_new(m, "prompt_values_supported", strings(prompts, 3));
    json_object_set_new(m, "token_endpoint_auth_methods_supported", strings(auth_methods, 4));
    json_object_set_new(m, "token_endpoint_auth_signing_alg_values_supported",
                        strings(auth_algs, 5));
    json_object_set_new(m, "introspection_endpoint_auth_methods_supported",
                        strings(auth_methods, 3));
    json_object_set_new(m, "introspection_endpoint_auth_signing_alg_values_supported",
                        strings(auth_algs, 5));
    /* SPEC: RFC7009 2.1 - public clients revoke with their client_id */
    json_object_set_new(m, "revocation_endpoint_auth_methods_supported", strings(auth_methods, 4));
    json_object_set_new(m, "revocation_endpoint_auth_signing_alg_values_supported",
                        strings(auth_algs, 5));
    return m;
}

gh_err gh_oauth__discovery_build(const gh_config *cfg, char **out_as, char **out_oidc)
{
    static const char *const pub[] = {"public"};
    static const char *const claims[] = {"iss",   "sub",   "aud",   "exp",           "iat",
                                         "auth_time", "nonce", "at_hash", "sid", "acr",
                                         "name",  "email", "email_verified"};
    json_t *as = common(cfg), *oidc = common(cfg);

    /* SPEC: OIDC Discovery 1.0 3 - subject_types_supported and
     * id_token_signing_alg_values_supported (RS256 MUST be included) are REQUIRED */
    json_object_set_new(oidc, "subject_types_supported", strings(pub, 1));
    json_object_set_new(oidc, "claims_supported", strings(claims, 13));
    json_object_set_new(oidc, "claims_parameter_supported", json_false());
    json_object_set_new(oidc, "request_parameter_supported", json_false());
    json_object_set_new(oidc, "request_uri_parameter_supported", json_false());
    *out_as = json_dumps(as, JSON_COMPACT);
    *out_oidc = json_dumps(oidc, JSON_COMPACT);
    json_decref(as);
    json_decref(oidc);
    return *out_as != NULL && *out_oidc != NULL ? GH_OK : GH_EINTERNAL;
}

static gh_err serve(const char *doc, const gh_oauth_request *req, gh_oauth_response *resp)
{
    if (req->method == NULL ||
        (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)) {
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "method not allowed");
        return GH_OK;
    }
    /* The document lives as long as the engine (superseded snapshots are kept): no copy
     * needed. */
    resp->status = 200;
    resp->text = doc;
    resp->text_len = strlen(doc);
    resp->content_type = "application/json";
    return GH_OK;
}

gh_err gh_oauth_discovery_as(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                             gh_oauth_response *resp)
{
    return serve(gh_oauth__catalog(e, ctx)->discovery_as, req, resp);
}

gh_err gh_oauth_discovery_oidc(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                               gh_oauth_response *resp)
{
    return serve(gh_oauth__catalog(e, ctx)->discovery_oidc, req, resp);
}
