/*
 * jwt.c - verification of JWT access tokens (RFC 9068 4) against the issuer's JWKS, which is
 * cached for jwks_ttl_s and fetched again at most every jwks_min_refresh_s when a token names
 * a key id the cache does not hold (the issuer rotated its keys).
 *
 * The order of checks: shape and header (jose's gh_jws_parse refuses "none", HS* and crit),
 * typ, the algorithm against the allowed list, the key, the signature, then the claims. A key
 * is used only for the algorithm it was published for, so a public key never serves as an
 * HMAC secret. A token without kid is accepted only if the JWKS holds exactly one key for its
 * algorithm.
 */
#include <string.h>

#include "base/limits.h"
#include "base/str.h"
#include "json/json.h"
#include "rs_int.h"

/* Fetches the JWKS and replaces the cached one. The caller holds fetch_lock. */
static gh_rs_err jwks_fetch(gh_rs *rs)
{
    json_t *doc = NULL;
    gh_jwks set = {NULL, 0};
    char *uri = NULL;
    gh_rs_err err;

    err = gh_rs__discover(rs, true);
    if (err != GH_RS_OK)
        return err;
    uri = gh_rs__endpoint(rs, true);
    if (uri == NULL)
        return GH_RS_EFETCH;
    err = gh_rs__get_json(rs, uri, &doc);
    free(uri);
    if (err != GH_RS_OK)
        return err;
    if (gh_jwks_parse(doc, &set) != GH_OK) {
        json_decref(doc);
        return GH_RS_EFETCH;
    }
    json_decref(doc);
    gh_assert(pthread_mutex_lock(&rs->lock) == 0);
    gh_jwks_clear(&rs->jwks);
    rs->jwks = set;
    rs->jwks_fetched = gh_rs__now(rs);
    gh_assert(pthread_mutex_unlock(&rs->lock) == 0);
    return GH_RS_OK;
}

typedef struct lookup {
    gh_jwk *key;      /* a new reference, or NULL */
    bool stale;       /* the cache is older than its TTL (or empty) */
    bool may_refresh; /* the last fetch is older than the least refresh interval */
} lookup;

/* Looks kid (may be NULL) up in the cached JWKS for alg. */
static lookup find_key(gh_rs *rs, const char *kid, gh_jose_alg alg)
{
    lookup r = {NULL, false, false};
    int64_t now = gh_rs__now(rs);
    size_t matches = 0;

    gh_assert(pthread_mutex_lock(&rs->lock) == 0);
    r.stale = rs->jwks_fetched == 0 || now - rs->jwks_fetched >= rs->jwks_ttl;
    r.may_refresh = rs->jwks_fetched == 0 || now - rs->jwks_fetched >= rs->jwks_min_refresh;
    for (size_t i = 0; i < rs->jwks.n; i++) {
        gh_jwk *k = rs->jwks.keys[i];
        const char *kk = gh_jwk_kid(k);
        if (gh_jwk_alg(k) != alg)
            continue;
        if (kid != NULL) {
            if (kk != NULL && strcmp(kk, kid) == 0) {
                r.key = gh_jwk_ref(k);
                break;
            }
        } else if (++matches == 1) {
            r.key = k;
        }
    }
    if (kid == NULL)
        r.key = matches == 1 ? gh_jwk_ref(r.key) : NULL;
    gh_assert(pthread_mutex_unlock(&rs->lock) == 0);
    return r;
}

/* Finds the key for a token, fetching the JWKS when the cache is stale or (rate-limited) when
 * the kid is unknown. *out_key is a new reference or NULL (an unknown key). */
static gh_rs_err key_for(gh_rs *rs, const char *kid, gh_jose_alg alg, gh_jwk **out_key)
{
    lookup l = find_key(rs, kid, alg);
    gh_rs_err err = GH_RS_OK;

    *out_key = NULL;
    if (l.key != NULL && !l.stale) {
        *out_key = l.key;
        return GH_RS_OK;
    }
    gh_jwk_free(l.key);
    /* One fetch for all the threads that got here: the others find its result. */
    gh_assert(pthread_mutex_lock(&rs->fetch_lock) == 0);
    l = find_key(rs, kid, alg);
    if (l.stale || (l.key == NULL && l.may_refresh)) {
        gh_jwk_free(l.key);
        err = jwks_fetch(rs);
        l = find_key(rs, kid, alg);
        /* A stale key stays usable while the issuer cannot be reached. */
        if (err != GH_RS_OK && l.key != NULL)
            err = GH_RS_OK;
    }
    gh_assert(pthread_mutex_unlock(&rs->fetch_lock) == 0);
    if (err != GH_RS_OK) {
        gh_jwk_free(l.key);
        return err;
    }
    *out_key = l.key;
    return GH_RS_OK;
}

static bool alg_allowed(const gh_rs *rs, gh_jose_alg alg)
{
    for (size_t i = 0; rs->algs[i] != GH_ALG_NONE; i++) {
        if (rs->algs[i] == alg)
            return true;
    }
    return false;
}

/* Checks the claims of a token whose signature verified (RFC 9068 4 steps 3-7). Returns the
 * reason for a refusal, or NULL. */
static const char *check_claims(const gh_rs *rs, const json_t *c)
{
    const char *iss = NULL, *s = NULL;
    int64_t exp = 0, nbf = 0, now = gh_rs__now(rs);
    gh_err e;

    /* SPEC: RFC9068 4 - iss MUST exactly match the issuer of the authorization server */
    if (gh_json_get_str(c, "iss", &iss) != GH_OK || strcmp(iss, rs->issuer) != 0)
        return "wrong issuer";
    /* SPEC: RFC9068 4 - aud MUST contain the resource indicator of this resource server */
    if (!gh_rs__aud_has(json_object_get(c, "aud"), rs->resource))
        return "wrong audience";
    /* SPEC: RFC9068 4 - exp MUST be checked; RFC7519 4.1.4/4.1.5 with a small leeway */
    if (gh_json_get_int(c, "exp", &exp) != GH_OK)
        return "missing required claims";
    if (now > exp + rs->leeway)
        return "expired";
    e = gh_json_get_int(c, "nbf", &nbf);
    if (e == GH_EINVAL)
        return "malformed token";
    if (e == GH_OK && now + rs->leeway < nbf)
        return "not yet valid";
    /* SPEC: RFC9068 2.2 - sub, client_id, iat and jti are required */
    if (gh_json_get_str(c, "sub", &s) != GH_OK || gh_json_get_str(c, "client_id", &s) != GH_OK ||
        gh_json_get_str(c, "jti", &s) != GH_OK)
        return "missing required claims";
    e = gh_json_get_str(c, "scope", &s);
    if (e == GH_EINVAL)
        return "malformed token";
    return NULL;
}

gh_rs_err gh_rs_verify_jwt(gh_rs *rs, const char *token, gh_rs_token *out)
{
    gh_arena *a = NULL;
    gh_jws jws = {NULL, NULL, GH_ALG_NONE, NULL};
    gh_jwk *key = NULL;
    const char *typ = NULL, *why = NULL;
    gh_rs_err err = GH_RS_OK;
    gh_err e;

    memset(out, 0, sizeof(*out));
    if (token == NULL || strlen(token) > GH_LIMIT_JWS) {
        gh_rs__reject(out, "malformed token");
        return GH_RS_OK;
    }
    a = gh_arena_new(0);
    if (gh_jws_parse(a, token, &jws) != GH_OK) {
        why = "malformed token or algorithm not allowed";
        goto done;
    }
    /* SPEC: RFC9068 4 - typ MUST be "at+jwt" or "application/at+jwt" (case-insensitive) */
    if (gh_json_get_str(jws.header, "typ", &typ) != GH_OK ||
        (!gh_str_caseeq(typ, "at+jwt") && !gh_str_caseeq(typ, "application/at+jwt"))) {
        why = "wrong token type";
        goto done;
    }
    /* SPEC: RFC9068 4 - the alg MUST be one the resource server allows (never none) */
    if (!alg_allowed(rs, jws.alg)) {
        why = "algorithm not allowed";
        goto done;
    }
    err = key_for(rs, jws.kid, jws.alg, &key);
    if (err != GH_RS_OK) {
        why = "signing keys unavailable";
        goto done;
    }
    if (key == NULL) {
        why = "unknown signing key";
        goto done;
    }
    /* SPEC: RFC9068 4 - validate the signature with the issuer's published keys */
    e = gh_jws_verify(a, token, key, rs->algs);
    if (e != GH_OK) {
        why = e == GH_ECRYPTO ? "bad signature" : "algorithm not allowed";
        goto done;
    }
    why = check_claims(rs, jws.payload);
    if (why != NULL)
        goto done;
    out->active = true;
    err = gh_rs__token_fill(out, jws.payload);
done:
    if (why != NULL || err != GH_RS_OK)
        gh_rs__reject(out, why != NULL ? why : "internal error");
    gh_jwk_free(key);
    gh_jws_clear(&jws);
    gh_arena_free(a);
    return err;
}

bool gh_rs__is_jws(const char *token)
{
    const char *dot = strchr(token, '.');

    return dot != NULL && strchr(dot + 1, '.') != NULL;
}

gh_rs_err gh_rs_verify(gh_rs *rs, const char *token, gh_rs_token *out)
{
    memset(out, 0, sizeof(*out));
    if (token == NULL) {
        gh_rs__reject(out, "malformed token");
        return GH_RS_OK;
    }
    if (gh_rs__is_jws(token))
        return gh_rs_verify_jwt(rs, token, out);
    return gh_rs_introspect(rs, token, out);
}
