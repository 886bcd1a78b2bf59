/*
 * introspect.c - introspection of opaque access tokens (RFC 7662) by the resource server,
 * authenticated with its own client credentials (client_secret_basic, RFC 6749 2.3.1), and a
 * small cache of the answers.
 *
 * The cache holds at most introspect_cache_max answers, each for introspect_ttl_s at most and
 * never past the token's exp. It is keyed by the SHA-256 of the token: the token itself is
 * never kept. When it is full, the entry closest to expiry is replaced. A refusal is cached
 * too (briefly, like an acceptance), so that a flood of one bad token costs one request.
 * A revocation takes effect here at most introspect_ttl_s late: that is the price of the cache.
 *
 * gh_rs_verify_online is for the operations that change things and cannot wait that long: it
 * checks the token as gh_rs_verify does (a JWT locally, so a forged one costs the issuer
 * nothing), then always asks the issuer, never the cache, for a JWT too, so that a revoked
 * token or a revoked consent (which revokes its tokens) is refused at once. An opaque token's
 * fresh answer replaces its cache entry, so that gh_rs_introspect sees a revocation from then
 * on; a JWT's is not cached (gh_rs_verify never introspects a JWT).
 */
#include <string.h>

#include "base/digest.h"
#include "base/limits.h"
#include "base/str.h"
#include "json/json.h"
#include "rs_int.h"

static bool cache_get(gh_rs *rs, const unsigned char key[32], gh_rs_token *out)
{
    int64_t now = gh_rs__now(rs);
    bool hit = false;

    gh_assert(pthread_mutex_lock(&rs->lock) == 0);
    for (size_t i = 0; i < rs->icache_max; i++) {
        gh_rs_icache_entry *e = &rs->icache[i];
        if (e->expires > now && gh_ct_eq(e->key, 32, key, 32)) {
            hit = gh_rs__token_copy(out, &e->tok) == GH_RS_OK;
            break;
        }
    }
    gh_assert(pthread_mutex_unlock(&rs->lock) == 0);
    return hit;
}

static void cache_put(gh_rs *rs, const unsigned char key[32], const gh_rs_token *t)
{
    int64_t now = gh_rs__now(rs);
    int64_t expires = now + rs->introspect_ttl;
    gh_rs_icache_entry *slot = NULL;

    if (t->active && t->exp > 0 && t->exp < expires)
        expires = t->exp;
    if (expires <= now)
        return;
    gh_assert(pthread_mutex_lock(&rs->lock) == 0);
    for (size_t i = 0; i < rs->icache_max; i++) {
        gh_rs_icache_entry *e = &rs->icache[i];
        if (e->expires <= now || memcmp(e->key, key, 32) == 0) {
            slot = e;
            break;
        }
        if (slot == NULL || e->expires < slot->expires)
            slot = e;
    }
    gh_rs_token_clear(&slot->tok);
    memcpy(slot->key, key, 32);
    slot->expires = expires;
    if (gh_rs__token_copy(&slot->tok, t) != GH_RS_OK)
        slot->expires = 0;
    gh_assert(pthread_mutex_unlock(&rs->lock) == 0);
}

/* Appends s form-urlencoded (application/x-www-form-urlencoded, as RFC 6749 2.3.1 wants
 * inside Basic credentials). */
static gh_err form_encode(gh_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    gh_err err = GH_OK;

    for (const unsigned char *p = (const unsigned char *)s; *p && err == GH_OK; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '*') {
            err = gh_buf_add(b, p, 1);
        } else if (c == ' ') {
            err = gh_buf_adds(b, "+");
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            err = gh_buf_add(b, e, 3);
        }
    }
    return err;
}

static gh_err base64(gh_buf *b, const unsigned char *in, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    gh_err err = GH_OK;

    for (size_t i = 0; i < n && err == GH_OK; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        char o[4];
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        o[0] = tab[(v >> 18) & 63];
        o[1] = tab[(v >> 12) & 63];
        o[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        o[3] = i + 2 < n ? tab[v & 63] : '=';
        err = gh_buf_add(b, o, 4);
    }
    return err;
}

/* "Authorization: Basic base64(urlenc(id) ":" urlenc(secret))" into out. */
static gh_err basic_header(const gh_rs *rs, gh_buf *out)
{
    gh_buf creds;
    gh_err err;

    gh_buf_init(&creds, 4096);
    err = form_encode(&creds, rs->client_id);
    if (err == GH_OK)
        err = gh_buf_adds(&creds, ":");
    if (err == GH_OK)
        err = form_encode(&creds, rs->client_secret);
    if (err == GH_OK)
        err = gh_buf_adds(out, "Authorization: Basic ");
    if (err == GH_OK)
        err = base64(out, (const unsigned char *)gh_buf_str(&creds), creds.len);
    if (creds.data != NULL)
        explicit_bzero(creds.data, creds.len);
    gh_buf_clear(&creds);
    return err;
}

/* Checks an introspection answer (RFC 7662 2.2). Returns the reason for a refusal or NULL. */
static const char *check_answer(const gh_rs *rs, const json_t *r)
{
    bool active = false;
    const char *iss = NULL;
    int64_t exp = 0;
    gh_err e;

    if (gh_json_get_bool(r, "active", &active) != GH_OK || !active)
        return "inactive token";
    e = gh_json_get_str(r, "iss", &iss);
    if (e == GH_EINVAL || (e == GH_OK && strcmp(iss, rs->issuer) != 0))
        return "wrong issuer";
    /* SPEC: RFC7662 4 - the resource server checks the token is meant for it */
    if (!gh_rs__aud_has(json_object_get(r, "aud"), rs->resource))
        return "wrong audience";
    e = gh_json_get_int(r, "exp", &exp);
    if (e == GH_EINVAL || (e == GH_OK && gh_rs__now(rs) > exp + rs->leeway))
        return "expired";
    return NULL;
}

static gh_rs_err introspect_remote(gh_rs *rs, const char *token, gh_rs_token *out)
{
    const char *hdrs[4] = {"Content-Type: application/x-www-form-urlencoded",
                           "Accept: application/json", NULL, NULL};
    gh_buf auth, form;
    char *endpoint = NULL, *body = NULL;
    size_t len = 0;
    long status = 0;
    json_t *r = NULL;
    const char *why = NULL;
    gh_rs_err err;

    gh_buf_init(&auth, 8192);
    gh_buf_init(&form, 3 * GH_LIMIT_TOKEN + 64);
    err = gh_rs__discover(rs, false);
    if (err != GH_RS_OK)
        goto done;
    endpoint = gh_rs__endpoint(rs, false);
    if (endpoint == NULL) {
        err = GH_RS_EFETCH;
        goto done;
    }
    if (basic_header(rs, &auth) != GH_OK || gh_buf_adds(&form, "token=") != GH_OK ||
        form_encode(&form, token) != GH_OK ||
        gh_buf_adds(&form, "&token_type_hint=access_token") != GH_OK) {
        err = GH_RS_ETOOBIG;
        goto done;
    }
    hdrs[2] = gh_buf_str(&auth);
    err = gh_rs__http(rs, endpoint, hdrs, gh_buf_str(&form), form.len, GH_RS_MAX_DOC, &status,
                      &body, &len);
    if (err != GH_RS_OK)
        goto done;
    if (status != 200 || gh_json_parse_object(body, len, GH_RS_MAX_DOC, &r, NULL, 0) != GH_OK) {
        err = GH_RS_EFETCH;
        goto done;
    }
    why = check_answer(rs, r);
    if (why != NULL) {
        gh_rs__reject(out, why);
    } else {
        out->active = true;
        err = gh_rs__token_fill(out, r);
    }
    out->introspected = true;
done:
    if (err != GH_RS_OK)
        gh_rs__reject(out, "introspection failed");
    json_decref(r);
    free(body);
    free(endpoint);
    if (auth.data != NULL)
        explicit_bzero(auth.data, auth.len);
    gh_buf_clear(&auth);
    gh_buf_clear(&form);
    return err;
}

/* The checks before any introspection: false (with out refused) for a token that cannot be
 * introspected. */
static bool introspectable(const gh_rs *rs, const char *token, gh_rs_token *out)
{
    if (token == NULL || token[0] == '\0' || strlen(token) > GH_LIMIT_TOKEN) {
        gh_rs__reject(out, "malformed token");
        return false;
    }
    if (rs->client_id == NULL) {
        gh_rs__reject(out, "opaque tokens need introspection credentials");
        return false;
    }
    return true;
}

gh_rs_err gh_rs_introspect(gh_rs *rs, const char *token, gh_rs_token *out)
{
    unsigned char key[GH_SHA256_LEN];
    gh_rs_err err;

    memset(out, 0, sizeof(*out));
    if (!introspectable(rs, token, out))
        return GH_RS_OK;
    gh_sha256(token, strlen(token), key);
    if (cache_get(rs, key, out))
        return GH_RS_OK;
    err = introspect_remote(rs, token, out);
    if (err == GH_RS_OK)
        cache_put(rs, key, out);
    return err;
}

gh_rs_err gh_rs_verify_online(gh_rs *rs, const char *token, gh_rs_token *out)
{
    unsigned char key[GH_SHA256_LEN];
    bool jws;
    gh_rs_err err;

    memset(out, 0, sizeof(*out));
    if (token == NULL) {
        gh_rs__reject(out, "malformed token");
        return GH_RS_OK;
    }
    jws = gh_rs__is_jws(token);
    if (jws) {
        /* the local check first: a forged or foreign JWT never reaches the issuer */
        err = gh_rs_verify_jwt(rs, token, out);
        if (err != GH_RS_OK || !out->active)
            return err;
        gh_rs_token_clear(out);
    }
    if (!introspectable(rs, token, out)) {
        if (rs->client_id == NULL)
            out->error = "online checks need introspection credentials";
        return GH_RS_OK;
    }
    err = introspect_remote(rs, token, out);
    if (err == GH_RS_OK && !jws) {
        gh_sha256(token, strlen(token), key);
        cache_put(rs, key, out);
    }
    return err;
}
