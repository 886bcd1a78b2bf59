/*
 * client_validate.c - client metadata validation, and the preparation of a client create or
 * update: the client_id, the secret, the registration access token and the stored document.
 *
 * Metadata arrives from three places (the admin API, `gatehouse clients create --from-json`
 * and RFC 7591 registration) and goes through one validator, gh_oauth__client_validate, which
 * turns it into a normalised document with Hydra's field names. The rules (DESIGN.md
 * "Protocol details" and "Security invariants"):
 *   - Unknown fields are ignored (RFC 7591 2); known ones must have the right JSON type.
 *   - token_endpoint_auth_method: client_secret_basic (default, RFC 7591 2),
 *     client_secret_post, private_key_jwt (needs jwks or jwks_uri; jwks_uri is accepted but
 *     never fetched, so authentication needs the inline jwks), or none (a public client).
 *   - redirect_uris: the rules of client_uri.c (RFC 6749 3.1.2, RFC 8252 7.1 and 7.3).
 *   - grant_types from the set gatehouse knows; implicit and password are refused (OAuth 2.1
 *     removed them). response_types only "code". authorization_code needs response type code
 *     and a redirect URI, and code needs authorization_code. client_credentials needs a
 *     confidential client. Defaults (RFC 7591 2): grant_types ["authorization_code"] and
 *     response_types ["code"]; when only one of the two is given the other follows it.
 *   - client_uri, logo_uri, policy_uri, tos_uri (shown on the consent page): absolute https
 *     URIs, or http on a loopback host. post_logout_redirect_uris follow the redirect URI
 *     rules (OIDC RP-Initiated Logout 1.0 3.1). id_token_signed_response_alg is RS256 or
 *     ES256 (the ID token algorithms with published keys).
 *   - scope: RFC 6749 3.3 syntax, every token in the catalog. Absent, it defaults to those of
 *     "openid offline_access" that the catalog has (Hydra's default less its "offline").
 *     The registered scope is the most the client may ever get.
 *   - Every string and list is bounded (base/limits.h and client_int.h).
 * Secrets exist only for client_secret_basic and client_secret_post clients (public and
 * private_key_jwt clients have none; switching to such a method drops the secret).
 * Generated ones are GH_PREFIX_SECRET + 256 random bits, returned once and stored
 * only as HMAC-SHA256 under the engine's secret_hash_key. The admin API and CLI may supply
 * their own client_secret (Hydra does); it must then have at least 32 printable characters,
 * because a keyed fast hash is only safe for high-entropy secrets. Registration (DCR) always
 * generates (RFC 7591 3.2.1), and an update must name the client (RFC 7592 2.2).
 * Registration access tokens (RFC 7592 3) are hashed the same way. Not here: the store
 * write and its audit event, and the responses (admin_clients.c, register.c); the model built
 * from a stored row (client.c).
 */
#include <string.h>

#include "base/limits.h"
#include "base/rand.h"
#include "json/json.h"
#include "oauth/client_int.h"

/* ---- small helpers ---- */

static bool meta_fail(gh_oauth_meta_err *err, const char *code, const char *desc)
{
    err->code = code;
    err->desc = desc;
    return false;
}

static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* True for VSCHAR (RFC 6749 A.1: %x20-7E) strings. */
static bool is_vschar(const char *s, size_t n)
{
    return gh_str_printable(s, n);
}

/* ---- metadata validation ---- */

/* The grant types gatehouse knows, and the ones OAuth 2.1 removed. */
static const char *const known_grants[] = {
    GH_GRANT_AUTHORIZATION_CODE, GH_GRANT_CLIENT_CREDENTIALS, GH_GRANT_REFRESH_TOKEN,
    GH_GRANT_DEVICE_CODE,        GH_GRANT_TOKEN_EXCHANGE,     GH_GRANT_JWT_BEARER,
};
static const char *const auth_methods[] = {GH_AUTH_BASIC, GH_AUTH_POST, GH_AUTH_PRIVATE_KEY_JWT,
                                           GH_AUTH_NONE};

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

typedef struct vstate {
    gh_arena *a;
    const json_t *in;
    gh_oauth_meta_err *err;
} vstate;

/* The index of a member that is not in an array, for str_ok. */
#define NOT_ITEM ((size_t)-1)

/* Checks a JSON string, the member key or (idx != NOT_ITEM) the item key[idx]: at most max
 * bytes, no NUL and no control character. */
static bool str_ok(vstate *v, const json_t *j, const char *key, size_t idx, size_t max)
{
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    const char *name = key;

    if (n <= max && strlen(s) == n && !has_control(s, n))
        return true;
    if (idx != NOT_ITEM)
        name = gh_arena_printf(v->a, "%s[%zu]", key, idx);
    if (n > max)
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         gh_arena_printf(v->a, "%s is longer than %zu bytes", name, max));
    return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                     gh_arena_printf(v->a, "%s contains control characters", name));
}

/* An optional string member: absent or null gives *out NULL. */
static bool opt_str(vstate *v, const char *key, size_t max, const char **out)
{
    const json_t *j = json_object_get(v->in, key);

    *out = NULL;
    if (j == NULL || json_is_null(j))
        return true;
    if (!json_is_string(j))
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         gh_arena_printf(v->a, "%s must be a string", key));
    if (!str_ok(v, j, key, NOT_ITEM, max))
        return false;
    *out = json_string_value(j);
    return true;
}

/* An optional array of strings: absent or null gives n = 0; duplicates are dropped. */
static bool opt_strv(vstate *v, const char *key, size_t max_items, size_t max_len, gh_strv *out)
{
    const json_t *j = json_object_get(v->in, key);
    size_t i;
    const json_t *item;

    out->v = NULL;
    out->n = 0;
    if (j == NULL || json_is_null(j))
        return true;
    if (!json_is_array(j))
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         gh_arena_printf(v->a, "%s must be an array of strings", key));
    if (json_array_size(j) > max_items)
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         gh_arena_printf(v->a, "%s has more than %zu items", key, max_items));
    out->v = GH_ARENA_NEWN(v->a, const char *, json_array_size(j) + 1);
    json_array_foreach(j, i, item)
    {
        const char *s;
        if (!json_is_string(item))
            return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                             gh_arena_printf(v->a, "%s must be an array of strings", key));
        if (!str_ok(v, item, key, i, max_len))
            return false;
        s = json_string_value(item);
        if (!gh_strv_has(out, s))
            out->v[out->n++] = s;
    }
    return true;
}

static bool check_redirects(vstate *v, const char *key, const gh_strv *uris, bool public_client,
                            const char *code)
{
    for (size_t i = 0; i < uris->n; i++) {
        const char *why = NULL;
        if (!gh_oauth__redirect_uri_valid(uris->v[i], public_client, &why))
            return meta_fail(v->err, code, gh_arena_printf(v->a, "%s[%zu] %s", key, i, why));
    }
    return true;
}

/* scope: RFC 6749 3.3 syntax, every token in the catalog; normalised without duplicates. */
static bool check_scope(vstate *v, const gh_config *cfg, const char **io)
{
    gh_strv toks, uniq = {0};
    gh_err err;

    if (*io == NULL) {
        static const char *const defaults[] = {"openid", "offline_access"};
        uniq.v = GH_ARENA_NEWN(v->a, const char *, 2);
        for (size_t i = 0; i < 2; i++) {
            if (gh_config_scope_find(cfg, defaults[i]) != NULL)
                uniq.v[uniq.n++] = defaults[i];
        }
        *io = gh_strv_join(v->a, &uniq);
        return true;
    }
    err = gh_strv_split_scope(v->a, *io, GH_LIMIT_SCOPES, &toks);
    if (err == GH_ETOOBIG)
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         gh_arena_printf(v->a,
                                         "scope has more than %d tokens or a token "
                                         "longer than %d bytes",
                                         GH_LIMIT_SCOPES, GH_LIMIT_SCOPE_TOKEN));
    if (err != GH_OK)
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         "scope must be scope tokens separated by single spaces (RFC 6749 "
                         "3.3)");
    uniq.v = GH_ARENA_NEWN(v->a, const char *, toks.n + 1);
    for (size_t i = 0; i < toks.n; i++) {
        /* SPEC: DESIGN.md a scope is granted only if it is in the catalog */
        if (gh_config_scope_find(cfg, toks.v[i]) == NULL)
            return meta_fail(
                v->err, GH_E_INVALID_CLIENT_METADATA,
                gh_arena_printf(v->a, "scope \"%s\" is not in the scope catalog", toks.v[i]));
        if (!gh_strv_has(&uniq, toks.v[i]))
            uniq.v[uniq.n++] = toks.v[i];
    }
    *io = gh_strv_join(v->a, &uniq);
    return true;
}

/* jwks: a JWK Set of public signature keys, rebuilt from the parsed keys so that private
 * members pasted by mistake are never stored or echoed. */
static bool check_jwks(vstate *v, json_t **out, gh_jwks *keys)
{
    const json_t *j = json_object_get(v->in, "jwks");
    const json_t *arr;
    json_t *set, *list;

    *out = NULL;
    if (j == NULL || json_is_null(j))
        return true;
    if (!json_is_object(j))
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA, "jwks must be a JWK Set object");
    arr = json_object_get(j, "keys");
    if (!json_is_array(arr))
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA, "jwks must have a \"keys\" array");
    if (json_array_size(arr) > GH_LIMIT_JWKS_KEYS)
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         gh_arena_printf(v->a, "jwks has more than %d keys", GH_LIMIT_JWKS_KEYS));
    if (gh_jwks_parse(j, keys) != GH_OK)
        return meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                         "jwks must hold at least one valid public signature key (EC P-256, "
                         "P-384, Ed25519 or RSA of 2048 bits or more)");
    set = json_object();
    list = json_array();
    for (size_t i = 0; i < keys->n; i++)
        json_array_append_new(list, gh_jwk_public_json(keys->keys[i]));
    json_object_set_new(set, "keys", list);
    *out = set;
    return true;
}

/* client_uri, logo_uri, policy_uri, tos_uri: absolute https URIs, or http on a loopback
 * host (local development, as for redirect URIs); NULL when valid, else why not. */
static const char *web_uri_why(gh_arena *a, const char *uri)
{
    const char *why = gh_oauth__web_uri_check(uri, false);

    if (why == NULL && (uri[0] == 'h' || uri[0] == 'H') && gh_str_caseeq(gh_arena_strndup(a, uri, 5), "http:") &&
        !gh_oauth__redirect_uri_valid(uri, false, NULL))
        why = "may use http only on a loopback address (127.0.0.1, [::1], localhost); use "
              "https";
    return why;
}

static void set_strv(json_t *doc, const char *key, const gh_strv *l)
{
    json_object_set_new(doc, key, gh_json_strv(l));
}

/* The validation proper; fills doc (a new object the caller owns). */
static bool validate(vstate *v, const gh_config *cfg, gh_oauth_client_src src, json_t *doc)
{
    const char *method, *scope, *name, *strategy, *sig_alg_s, *idt_alg, *jwks_uri, *owner;
    const char *uris[4];
    static const char *const uri_keys[4] = {"client_uri", "logo_uri", "policy_uri", "tos_uri"};
    gh_strv redirects, post_logout, grants, rtypes, audience, contacts;
    gh_jwks keys = {0};
    json_t *jwks = NULL;
    const json_t *j;
    gh_jose_alg sig_alg = GH_ALG_NONE;
    bool public_client, skip_consent = false, ok = false;

    /* token_endpoint_auth_method first: it decides what redirect URIs may be. */
    if (!opt_str(v, "token_endpoint_auth_method", 64, &method))
        goto done;
    if (method == NULL)
        method = GH_AUTH_BASIC; /* SPEC: RFC7591 2 default client_secret_basic */
    if (!in_list(method, auth_methods, sizeof(auth_methods) / sizeof(auth_methods[0]))) {
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "token_endpoint_auth_method must be client_secret_basic, client_secret_post, "
                  "private_key_jwt or none");
        goto done;
    }
    public_client = strcmp(method, GH_AUTH_NONE) == 0;

    if (!opt_strv(v, "redirect_uris", GH_LIMIT_REDIRECT_URIS, GH_LIMIT_URI, &redirects) ||
        !check_redirects(v, "redirect_uris", &redirects, public_client, GH_E_INVALID_REDIRECT_URI))
        goto done;
    if (!opt_strv(v, "post_logout_redirect_uris", GH_OAUTH_CLIENT_LIST_MAX, GH_LIMIT_URI,
                  &post_logout) ||
        !check_redirects(v, "post_logout_redirect_uris", &post_logout, public_client,
                         GH_E_INVALID_CLIENT_METADATA))
        goto done;

    /* grant_types and response_types, with RFC 7591 2's defaults and consistency rules. */
    if (!opt_strv(v, "grant_types", 16, GH_LIMIT_CLIENT_STRING, &grants) ||
        !opt_strv(v, "response_types", 8, GH_LIMIT_CLIENT_STRING, &rtypes))
        goto done;
    for (size_t i = 0; i < grants.n; i++) {
        if (strcmp(grants.v[i], "implicit") == 0 || strcmp(grants.v[i], "password") == 0) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      gh_arena_printf(v->a,
                                      "grant type \"%s\" is not supported (OAuth 2.1 "
                                      "removed it)",
                                      grants.v[i]));
            goto done;
        }
        if (!in_list(grants.v[i], known_grants, sizeof(known_grants) / sizeof(known_grants[0]))) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      gh_arena_printf(v->a, "grant type \"%s\" is not supported", grants.v[i]));
            goto done;
        }
    }
    for (size_t i = 0; i < rtypes.n; i++) {
        if (strcmp(rtypes.v[i], "code") != 0) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      gh_arena_printf(v->a,
                                      "response type \"%s\" is not supported (only "
                                      "\"code\")",
                                      rtypes.v[i]));
            goto done;
        }
    }
    if (json_object_get(v->in, "grant_types") == NULL ||
        json_is_null(json_object_get(v->in, "grant_types"))) {
        /* SPEC: RFC7591 2 grant_types default ["authorization_code"] */
        static const char *const def_code[] = {GH_GRANT_AUTHORIZATION_CODE};
        bool rt_given = json_object_get(v->in, "response_types") != NULL &&
                        !json_is_null(json_object_get(v->in, "response_types"));
        if (!rt_given || rtypes.n > 0) {
            grants.v = (const char **)def_code;
            grants.n = 1;
        }
    }
    if (json_object_get(v->in, "response_types") == NULL ||
        json_is_null(json_object_get(v->in, "response_types"))) {
        /* SPEC: RFC7591 2 response_types default ["code"], unless the grants need none */
        static const char *const def_rt[] = {"code"};
        if (gh_strv_has(&grants, GH_GRANT_AUTHORIZATION_CODE)) {
            rtypes.v = (const char **)def_rt;
            rtypes.n = 1;
        }
    }
    /* SPEC: RFC7591 2.1 grant_types and response_types must be consistent */
    if (gh_strv_has(&grants, GH_GRANT_AUTHORIZATION_CODE) && !gh_strv_has(&rtypes, "code")) {
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "grant type authorization_code needs response type \"code\"");
        goto done;
    }
    if (gh_strv_has(&rtypes, "code") && !gh_strv_has(&grants, GH_GRANT_AUTHORIZATION_CODE)) {
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "response type \"code\" needs grant type authorization_code");
        goto done;
    }
    if (gh_strv_has(&grants, GH_GRANT_AUTHORIZATION_CODE) && redirects.n == 0) {
        meta_fail(v->err, GH_E_INVALID_REDIRECT_URI,
                  "grant type authorization_code needs at least one redirect_uris entry");
        goto done;
    }
    if (public_client && gh_strv_has(&grants, GH_GRANT_CLIENT_CREDENTIALS)) {
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "grant type client_credentials needs a confidential client "
                  "(token_endpoint_auth_method other than none)");
        goto done;
    }

    if (!opt_str(v, "scope", GH_LIMIT_PARAM_VALUE, &scope) || !check_scope(v, cfg, &scope))
        goto done;
    if (!opt_strv(v, "audience", GH_OAUTH_CLIENT_LIST_MAX, GH_LIMIT_URI, &audience))
        goto done;

    /* Keys for private_key_jwt (RFC 7523 2.2, RFC 7591 2). */
    if (!check_jwks(v, &jwks, &keys) || !opt_str(v, "jwks_uri", GH_LIMIT_URI, &jwks_uri))
        goto done;
    if (jwks != NULL && jwks_uri != NULL) {
        /* SPEC: RFC7591 2 jwks_uri and jwks MUST NOT both be present */
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "jwks and jwks_uri must not both be present");
        goto done;
    }
    if (jwks_uri != NULL) {
        const char *why = gh_oauth__web_uri_check(jwks_uri, true);
        if (why != NULL) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      gh_arena_printf(v->a, "jwks_uri %s", why));
            goto done;
        }
    }
    if (strcmp(method, GH_AUTH_PRIVATE_KEY_JWT) == 0 && jwks == NULL && jwks_uri == NULL) {
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "token_endpoint_auth_method private_key_jwt needs jwks (jwks_uri is "
                  "accepted but not fetched, so authentication needs jwks)");
        goto done;
    }
    if (!opt_str(v, "token_endpoint_auth_signing_alg", 16, &sig_alg_s))
        goto done;
    if (sig_alg_s != NULL) {
        bool found = jwks == NULL;
        /* SPEC: RFC7591 2 token_endpoint_auth_signing_alg: "none" MUST NOT be used */
        sig_alg = gh_jose_alg_parse(sig_alg_s);
        if (sig_alg == GH_ALG_NONE) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      "token_endpoint_auth_signing_alg must be one of ES256, ES384, RS256, "
                      "PS256, EdDSA");
            goto done;
        }
        for (size_t i = 0; i < keys.n && !found; i++)
            found = gh_jwk_alg(keys.keys[i]) == sig_alg;
        if (!found) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      "token_endpoint_auth_signing_alg matches no key of jwks");
            goto done;
        }
    }
    if (!opt_str(v, "id_token_signed_response_alg", 16, &idt_alg))
        goto done;
    if (idt_alg != NULL && strcmp(idt_alg, "ES256") != 0 && strcmp(idt_alg, "RS256") != 0) {
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "id_token_signed_response_alg must be ES256 or RS256");
        goto done;
    }

    if (!opt_str(v, "access_token_strategy", 16, &strategy))
        goto done;
    if (strategy == NULL)
        strategy =
            cfg->access_token_strategy != NULL ? cfg->access_token_strategy : GH_STRATEGY_JWT;
    if (strcmp(strategy, GH_STRATEGY_JWT) != 0 && strcmp(strategy, GH_STRATEGY_OPAQUE) != 0) {
        meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                  "access_token_strategy must be jwt or opaque");
        goto done;
    }

    /* Descriptive metadata. */
    if (!opt_str(v, "client_name", GH_LIMIT_CLIENT_STRING, &name) ||
        !opt_str(v, "owner", GH_LIMIT_CLIENT_STRING, &owner) ||
        !opt_strv(v, "contacts", GH_OAUTH_CLIENT_LIST_MAX, GH_LIMIT_CLIENT_STRING, &contacts))
        goto done;
    for (size_t i = 0; i < 4; i++) {
        const char *why;
        if (!opt_str(v, uri_keys[i], GH_LIMIT_URI, &uris[i]))
            goto done;
        if (uris[i] != NULL && (why = web_uri_why(v->a, uris[i])) != NULL) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      gh_arena_printf(v->a, "%s %s", uri_keys[i], why));
            goto done;
        }
    }
    j = json_object_get(v->in, "metadata");
    if (j != NULL && !json_is_null(j)) {
        char *text;
        if (!json_is_object(j)) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA, "metadata must be a JSON object");
            goto done;
        }
        text = gh_json_dump_a(v->a, j);
        if (text == NULL || strlen(text) > GH_OAUTH_CLIENT_METADATA_MAX) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA,
                      gh_arena_printf(v->a, "metadata is larger than %d bytes",
                                      GH_OAUTH_CLIENT_METADATA_MAX));
            goto done;
        }
    }
    if (json_object_get(v->in, "skip_consent") != NULL &&
        !json_is_null(json_object_get(v->in, "skip_consent"))) {
        const json_t *sc = json_object_get(v->in, "skip_consent");
        if (!json_is_boolean(sc)) {
            meta_fail(v->err, GH_E_INVALID_CLIENT_METADATA, "skip_consent must be a boolean");
            goto done;
        }
        /* A self-registered client never decides that users need not consent (RFC 7591
         * 3.2.1 lets the server replace requested values). */
        skip_consent = src == GH_OAUTH_SRC_ADMIN && json_is_true(sc);
    }

    /* The normalised document, in a fixed order. */
    json_object_set_new(doc, "client_name", json_string(name != NULL ? name : ""));
    set_strv(doc, "redirect_uris", &redirects);
    set_strv(doc, "grant_types", &grants);
    set_strv(doc, "response_types", &rtypes);
    json_object_set_new(doc, "scope", json_string(scope));
    set_strv(doc, "audience", &audience);
    json_object_set_new(doc, "token_endpoint_auth_method", json_string(method));
    if (sig_alg != GH_ALG_NONE)
        json_object_set_new(doc, "token_endpoint_auth_signing_alg",
                            json_string(gh_jose_alg_name(sig_alg)));
    if (jwks != NULL) {
        json_object_set_new(doc, "jwks", jwks);
        jwks = NULL;
    }
    gh_json_set_str(doc, "jwks_uri", jwks_uri);
    json_object_set_new(doc, "access_token_strategy", json_string(strategy));
    gh_json_set_str(doc, "id_token_signed_response_alg", idt_alg);
    for (size_t i = 0; i < 4; i++)
        gh_json_set_str(doc, uri_keys[i], uris[i]);
    set_strv(doc, "contacts", &contacts);
    json_object_set_new(doc, "owner", json_string(owner != NULL ? owner : ""));
    set_strv(doc, "post_logout_redirect_uris", &post_logout);
    j = json_object_get(v->in, "metadata");
    json_object_set_new(doc, "metadata", json_is_object(j) ? json_deep_copy(j) : json_object());
    json_object_set_new(doc, "skip_consent", json_boolean(skip_consent));
    ok = true;
done:
    json_decref(jwks);
    gh_jwks_clear(&keys);
    return ok;
}

gh_err gh_oauth__client_validate(const gh_config *cfg, gh_arena *a, const json_t *in,
                                 gh_oauth_client_src src, json_t **out_doc,
                                 gh_oauth_meta_err *out_err)
{
    vstate v = {.a = a, .in = in, .err = out_err};
    json_t *doc;

    *out_doc = NULL;
    out_err->code = NULL;
    out_err->desc = NULL;
    if (!json_is_object(in)) {
        meta_fail(out_err, GH_E_INVALID_CLIENT_METADATA,
                  "the client metadata must be a JSON object");
        return GH_OK;
    }
    doc = json_object();
    if (!validate(&v, cfg, src, doc)) {
        json_decref(doc);
        return GH_OK;
    }
    *out_doc = doc;
    return GH_OK;
}

/* ---- create and update ---- */

/* A client_secret the admin supplies: kept only if it is long enough to be high-entropy. */
static bool admin_secret_ok(const char *s, gh_oauth_meta_err *err)
{
    size_t n = strlen(s);

    if (n < GH_OAUTH_CLIENT_SECRET_MIN || n > GH_LIMIT_CLIENT_STRING || !is_vschar(s, n))
        return meta_fail(err, GH_E_INVALID_CLIENT_METADATA,
                         "client_secret must have at least 32 printable ASCII characters (or "
                         "be omitted, and one is generated)");
    return true;
}

/* A string member that the validator ignores (client_id, client_secret): NULL when absent,
 * null or "". Sets *bad when present with another type. */
static const char *opt_id_member(const json_t *in, const char *key, bool *bad)
{
    const json_t *j = json_object_get(in, key);

    *bad = false;
    if (j == NULL || json_is_null(j))
        return NULL;
    if (!json_is_string(j) || strlen(json_string_value(j)) != json_string_length(j)) {
        *bad = true;
        return NULL;
    }
    return json_string_length(j) > 0 ? json_string_value(j) : NULL;
}

gh_err gh_oauth__client_prepare(gh_engine *e, gh_ctx *ctx, const json_t *in,
                                gh_oauth_client_src src, const gh_client *existing,
                                gh_oauth_client_write *out, gh_oauth_meta_err *out_err)
{
    json_t *doc = NULL, *full = NULL;
    const char *in_id, *in_secret, *method;
    bool bad_id, bad_secret, uses_secret;
    gh_client *row = &out->row;
    gh_err err;

    memset(out, 0, sizeof(*out));
    err = gh_oauth__client_validate(gh_oauth__catalog_cfg(e, ctx), ctx->arena, in, src, &doc,
                                    out_err);
    if (err != GH_OK || out_err->code != NULL)
        return err;
    in_id = opt_id_member(in, "client_id", &bad_id);
    in_secret = opt_id_member(in, "client_secret", &bad_secret);
    if (bad_id || bad_secret) {
        meta_fail(out_err, GH_E_INVALID_CLIENT_METADATA,
                  bad_id ? "client_id must be a string" : "client_secret must be a string");
        goto done;
    }
    method = json_string_value(json_object_get(doc, "token_endpoint_auth_method"));
    /* Only the client_secret_* methods have a secret: public clients have none, and a
     * private_key_jwt client authenticates with its keys alone. */
    uses_secret = strcmp(method, GH_AUTH_BASIC) == 0 || strcmp(method, GH_AUTH_POST) == 0;
    if (!uses_secret && in_secret != NULL && src == GH_OAUTH_SRC_ADMIN) {
        meta_fail(out_err, GH_E_INVALID_CLIENT_METADATA,
                  gh_arena_printf(ctx->arena,
                                  "a client with token_endpoint_auth_method %s has no "
                                  "client_secret",
                                  method));
        goto done;
    }

    if (existing == NULL) {
        if (src == GH_OAUTH_SRC_ADMIN && in_id != NULL) {
            size_t n = strlen(in_id);
            /* SPEC: RFC6749 A.1 client-id = *VSCHAR */
            if (n > GH_OAUTH_CLIENT_ID_MAX || !is_vschar(in_id, n)) {
                meta_fail(out_err, GH_E_INVALID_CLIENT_METADATA,
                          "client_id must have 1 to 255 printable ASCII characters");
                goto done;
            }
            row->client_id = gh_arena_strdup(ctx->arena, in_id);
        } else {
            /* SPEC: RFC7591 3.2.1 the server issues the client identifier */
            char uuid[37];
            gh_rand_uuid(uuid);
            row->client_id = gh_arena_strdup(ctx->arena, uuid);
        }
        row->created_at = ctx->now;
        row->updated_at = ctx->now;
        if (uses_secret) {
            if (src == GH_OAUTH_SRC_ADMIN && in_secret != NULL) {
                if (!admin_secret_ok(in_secret, out_err))
                    goto done;
                out->secret = gh_arena_strdup(ctx->arena, in_secret);
            } else {
                out->secret =
                    gh_rand_token(ctx->arena, GH_PREFIX_SECRET, GH_OAUTH_CLIENT_SECRET_BYTES);
            }
        }
        if (src == GH_OAUTH_SRC_DCR) {
            /* SPEC: RFC7592 3 the registration access token */
            out->reg_token =
                gh_rand_token(ctx->arena, GH_PREFIX_REG_TOKEN, GH_OAUTH_REG_TOKEN_BYTES);
            row->has_reg_token = true;
            gh_oauth__secret_hash(e, out->reg_token, row->reg_token_hash);
        }
    } else {
        row->client_id = gh_arena_strdup(ctx->arena, existing->client_id);
        if (in_id == NULL && src == GH_OAUTH_SRC_DCR) {
            /* SPEC: RFC7592 2.2 the client MUST include its client_id */
            meta_fail(out_err, GH_E_INVALID_CLIENT_METADATA,
                      "client_id is required and must be the client's identifier");
            goto done;
        }
        if (in_id != NULL && strcmp(in_id, existing->client_id) != 0) {
            meta_fail(out_err, GH_E_INVALID_CLIENT_METADATA,
                      "client_id does not match the client being updated");
            goto done;
        }
        row->created_at = existing->created_at;
        row->updated_at = ctx->now > existing->created_at ? ctx->now : existing->created_at;
        row->has_reg_token = existing->has_reg_token;
        memcpy(row->reg_token_hash, existing->reg_token_hash, GH_SHA256_LEN);
        if (uses_secret) {
            if (src == GH_OAUTH_SRC_ADMIN && in_secret != NULL) {
                /* Hydra: a client_secret given to PUT replaces the secret. */
                if (!admin_secret_ok(in_secret, out_err))
                    goto done;
                out->secret = gh_arena_strdup(ctx->arena, in_secret);
            } else if (src == GH_OAUTH_SRC_DCR && in_secret != NULL) {
                unsigned char h[GH_SHA256_LEN];
                gh_oauth__secret_hash(e, in_secret, h);
                /* SPEC: RFC7592 2.2 a client_secret in the request MUST match the current */
                if (!existing->has_secret ||
                    !gh_ct_eq(h, sizeof(h), existing->secret_hash, GH_SHA256_LEN)) {
                    meta_fail(out_err, GH_E_INVALID_CLIENT_METADATA,
                              "client_secret does not match the current secret");
                    goto done;
                }
            }
            if (out->secret == NULL) {
                if (existing->has_secret) {
                    row->has_secret = true;
                    memcpy(row->secret_hash, existing->secret_hash, GH_SHA256_LEN);
                } else {
                    out->secret =
                        gh_rand_token(ctx->arena, GH_PREFIX_SECRET, GH_OAUTH_CLIENT_SECRET_BYTES);
                }
            }
        }
    }
    if (out->secret != NULL) {
        row->has_secret = true;
        gh_oauth__secret_hash(e, out->secret, row->secret_hash);
    }

    full = json_object();
    json_object_set_new(full, "client_id", json_string(row->client_id));
    json_object_update(full, doc);
    row->doc = gh_json_dump_a(ctx->arena, full);
    out->scope = gh_arena_strdup(ctx->arena, json_string_value(json_object_get(doc, "scope")));
    if (row->doc == NULL) {
        gh_ctx_fail(ctx, "client %s: could not serialise the metadata", row->client_id);
        err = GH_EINTERNAL;
    }
done:
    json_decref(full);
    json_decref(doc);
    return err;
}
