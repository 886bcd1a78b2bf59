/*
 * client.c - the client model: the immutable, refcounted gh_oauth_client built from a stored
 * row, the JSON view of a client that the admin API and registration show, and the keyed hash
 * under which secrets and registration access tokens are stored.
 *
 * A stored row's doc is the normalised document that client_validate.c made; loading it again
 * re-parses the lists, the scope, the inline jwks, the web URIs shown on the consent page,
 * the post-logout redirect URIs and the ID token algorithm into the struct every grant reads. A doc
 * that does not parse is a server fault, never a client's. Secrets are kept only as
 * HMAC-SHA256 under the engine's secret_hash_key, and neither a secret nor a hash ever
 * reaches the JSON view (RFC 7591 3.2.1 returns the secret once, at creation, and that is the
 * caller's business). Not here: validation (client_validate.c), URI rules (client_uri.c),
 * the cache and the cached lookup (client_cache.c), client authentication (client_auth.c).
 */
#include <string.h>

#include "base/limits.h"
#include "json/json.h"
#include "oauth/client_int.h"

/* ---- secrets ---- */

void gh_oauth__secret_hash(const gh_engine *e, const char *secret, unsigned char out[GH_SHA256_LEN])
{
    gh_hmac_sha256(e->secret_hash_key, sizeof(e->secret_hash_key), secret, strlen(secret), out);
}

/* ---- the client model ---- */

static gh_err doc_strv(const json_t *doc, const char *key, gh_arena *a, size_t max, gh_strv *out)
{
    gh_err err = gh_json_get_strv(doc, key, a, max, out);
    if (err == GH_ENOTFOUND) {
        out->v = NULL;
        out->n = 0;
        return GH_OK;
    }
    return err;
}

static gh_err doc_str(const json_t *doc, const char *key, gh_arena *a, const char *def,
                      const char **out)
{
    const char *s = NULL;
    gh_err err = gh_json_get_str(doc, key, &s);
    if (err == GH_ENOTFOUND) {
        *out = def;
        return GH_OK;
    }
    if (err != GH_OK)
        return err;
    *out = gh_arena_strdup(a, s);
    return GH_OK;
}

gh_err gh_oauth__client_from_row(const gh_client *row, gh_oauth_client **out)
{
    gh_arena *a = NULL;
    gh_oauth_client *c = NULL;
    json_t *doc = NULL;
    const json_t *jwks;
    const char *alg = NULL, *idt_alg = NULL;
    size_t doclen;
    gh_err err;

    *out = NULL;
    if (row == NULL || row->client_id == NULL || row->doc == NULL)
        return GH_EINVAL;
    doclen = strlen(row->doc);
    err = gh_json_parse_object(row->doc, doclen, GH_OAUTH_CLIENT_DOC_MAX, &doc, NULL, 0);
    if (err != GH_OK)
        return GH_EINVAL;
    a = gh_arena_new(doclen + 1024);
    c = GH_ARENA_NEW(a, gh_oauth_client);
    atomic_init(&c->refs, 1);
    c->arena = a;
    c->client_id = gh_arena_strdup(a, row->client_id);
    c->doc = gh_arena_strndup(a, row->doc, doclen);
    if ((err = doc_str(doc, "client_name", a, "", &c->client_name)) != GH_OK ||
        (err = doc_str(doc, "scope", a, "", &c->scope)) != GH_OK ||
        (err = doc_str(doc, "token_endpoint_auth_method", a, GH_AUTH_BASIC,
                       &c->token_endpoint_auth_method)) != GH_OK ||
        (err = doc_str(doc, "jwks_uri", a, NULL, &c->jwks_uri)) != GH_OK ||
        (err = doc_str(doc, "access_token_strategy", a, GH_STRATEGY_JWT,
                       &c->access_token_strategy)) != GH_OK ||
        (err = doc_str(doc, "token_endpoint_auth_signing_alg", a, NULL, &alg)) != GH_OK ||
        (err = doc_str(doc, "id_token_signed_response_alg", a, NULL, &idt_alg)) != GH_OK ||
        (err = doc_str(doc, "client_uri", a, NULL, &c->client_uri)) != GH_OK ||
        (err = doc_str(doc, "logo_uri", a, NULL, &c->logo_uri)) != GH_OK ||
        (err = doc_str(doc, "policy_uri", a, NULL, &c->policy_uri)) != GH_OK ||
        (err = doc_str(doc, "tos_uri", a, NULL, &c->tos_uri)) != GH_OK ||
        (err = doc_strv(doc, "post_logout_redirect_uris", a, GH_OAUTH_CLIENT_LIST_MAX,
                        &c->post_logout_redirect_uris)) != GH_OK ||
        (err = doc_strv(doc, "redirect_uris", a, GH_LIMIT_REDIRECT_URIS, &c->redirect_uris)) !=
            GH_OK ||
        (err = doc_strv(doc, "grant_types", a, 16, &c->grant_types)) != GH_OK ||
        (err = doc_strv(doc, "response_types", a, 8, &c->response_types)) != GH_OK ||
        (err = doc_strv(doc, "audience", a, GH_OAUTH_CLIENT_LIST_MAX, &c->audience)) != GH_OK)
        goto done;
    err = gh_strv_split_scope(a, c->scope, GH_LIMIT_SCOPES, &c->scopes);
    if (err != GH_OK)
        goto done;
    if (alg != NULL) {
        c->token_endpoint_auth_signing_alg = gh_jose_alg_parse(alg);
        if (c->token_endpoint_auth_signing_alg == GH_ALG_NONE) {
            err = GH_EINVAL;
            goto done;
        }
    }
    /* SPEC: OIDC Registration 2 - id_token_signed_response_alg defaults to RS256; only
     * RS256 and ES256 are registrable (client_validate.c) */
    c->id_token_signed_response_alg = GH_ALG_RS256;
    if (idt_alg != NULL) {
        c->id_token_signed_response_alg = gh_jose_alg_parse(idt_alg);
        if (c->id_token_signed_response_alg != GH_ALG_RS256 &&
            c->id_token_signed_response_alg != GH_ALG_ES256) {
            err = GH_EINVAL;
            goto done;
        }
    }
    jwks = json_object_get(doc, "jwks");
    if (jwks != NULL && !json_is_null(jwks)) {
        err = gh_jwks_parse(jwks, &c->jwks);
        if (err != GH_OK)
            goto done;
    }
    if (strcmp(c->access_token_strategy, GH_STRATEGY_OPAQUE) == 0)
        c->access_token_strategy = GH_STRATEGY_OPAQUE;
    else
        c->access_token_strategy = GH_STRATEGY_JWT;
    c->has_secret = row->has_secret;
    memcpy(c->secret_hash, row->secret_hash, GH_SHA256_LEN);
    c->has_reg_token = row->has_reg_token;
    memcpy(c->reg_token_hash, row->reg_token_hash, GH_SHA256_LEN);
    c->created_at = row->created_at;
    c->updated_at = row->updated_at;
    *out = c;
    c = NULL;
    err = GH_OK;
done:
    json_decref(doc);
    if (c != NULL)
        gh_oauth__client_release(c);
    return err == GH_OK ? GH_OK : GH_EINVAL;
}

void gh_oauth__client_release(gh_oauth_client *c)
{
    gh_arena *a;

    if (c == NULL)
        return;
    if (atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) != 1)
        return;
    gh_jwks_clear(&c->jwks);
    a = c->arena; /* c itself lives in its arena */
    gh_arena_free(a);
}

bool gh_oauth__client_has_grant(const gh_oauth_client *c, const char *grant_type)
{
    return grant_type != NULL && gh_strv_has(&c->grant_types, grant_type);
}

gh_err gh_oauth__client_row_json(const gh_client *row, json_t **out)
{
    json_t *doc = NULL, *o;
    char t[32];
    gh_err err;

    *out = NULL;
    err = gh_json_parse_object(row->doc, strlen(row->doc), GH_OAUTH_CLIENT_DOC_MAX, &doc, NULL, 0);
    if (err != GH_OK)
        return GH_EINVAL;
    o = json_object();
    json_object_set_new(o, "client_id", json_string(row->client_id));
    json_object_update(o, doc);
    json_object_set_new(o, "client_id", json_string(row->client_id));
    /* Secrets and hashes never reach a response, even if a doc somehow held them. */
    json_object_del(o, "client_secret");
    json_object_del(o, "registration_access_token");
    gh_clock_rfc3339(row->created_at, t);
    json_object_set_new(o, "created_at", json_string(t));
    gh_clock_rfc3339(row->updated_at, t);
    json_object_set_new(o, "updated_at", json_string(t));
    json_decref(doc);
    *out = o;
    return GH_OK;
}
