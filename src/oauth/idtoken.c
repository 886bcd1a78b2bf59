/*
 * idtoken.c - OpenID Connect ID tokens (OIDC Core 1.0 2, 3.1.3.6, 3.1.3.7, 12.2), the claims
 * of built-in users shared with /userinfo (OIDC Core 5.1, 5.4), and the verification of an
 * id_token_hint (OIDC RP-Initiated Logout 1.0 2).
 *
 * An ID token is a JWS signed with the ACTIVE key of the client's
 * id_token_signed_response_alg: RS256 unless the client registered ES256 (OIDC Registration
 * 2: the default is RS256). Claims: iss, sub, aud (the client_id), exp (now + ttl.id_token),
 * iat, auth_time, nonce (when the authorization request had one), at_hash (the left half of
 * the SHA-256 of the access token, base64url: the hash of both algorithms is SHA-256), sid
 * (the login session), acr when known, and for built-in users the claims their granted
 * scopes allow: name (profile), email and email_verified (email), and amr (OIDC Core 2) when the
 * login app gave it. The consent app's session.id_token claims are added last, except any
 * claim gatehouse sets (gh_oauth__id_claim_reserved, or already present): those are dropped
 * here (the consent accept refuses them first), so the app can never overwrite ours.
 *
 * An id_token_hint is accepted when it is a JWS of ours: signed by a published key (the alg
 * comes from the key, never from the token), iss is the issuer, and it has sub and aud. Its
 * expiry may be past (a hint names a session; OIDC RP-Initiated Logout 1.0 2 lets the OP
 * accept expired ones). An access token (typ at+jwt) is never a hint.
 *
 * Not here: when an ID token is issued (grant_authorization_code.c, grant_refresh_token.c)
 * and the logout itself (logout.c).
 */
#include <string.h>

#include "base/b64url.h"
#include "base/digest.h"
#include "json/json.h"
#include "oauth/flow_int.h"
#include "oauth/token_int.h"

gh_err gh_oauth__user_claims(gh_engine *e, gh_ctx *ctx, const char *subject,
                             const gh_strv *scopes, json_t *claims)
{
    gh_user *u = NULL;
    bool profile = gh_strv_has(scopes, "profile"), email = gh_strv_has(scopes, "email");
    gh_err err;

    if ((!profile && !email) || e->store->users == NULL || subject == NULL)
        return GH_OK;
    err = gh_store_user_get(e->store, subject, ctx->arena, &u);
    if (err == GH_ENOTFOUND)
        return GH_OK; /* not a built-in user: the subject's claims are not ours */
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "claims: reading user %s: %s", subject, gh_err_str(err));
        return err;
    }
    /* SPEC: OIDC Core 5.4 - profile: name (and the other profile claims we do not hold) */
    if (profile && u->name != NULL && u->name[0] != '\0')
        gh_json_set_str(claims, "name", u->name);
    /* SPEC: OIDC Core 5.4 - email: email, email_verified */
    if (email && u->email != NULL && u->email[0] != '\0') {
        gh_json_set_str(claims, "email", u->email);
        json_object_set_new(claims, "email_verified", json_boolean(u->email_verified));
    }
    return GH_OK;
}

char *gh_oauth__at_hash(gh_arena *a, const char *access_token)
{
    unsigned char h[GH_SHA256_LEN];

    /* SPEC: OIDC Core 3.1.3.6 - base64url of the left-most half of the hash of the octets of
     * the ASCII access_token, with the hash of the JWS alg (SHA-256 for RS256 and ES256) */
    gh_sha256(access_token, strlen(access_token), h);
    return gh_b64url_encode_a(a, h, GH_SHA256_LEN / 2);
}

gh_jose_alg gh_oauth__id_token_alg(const gh_oauth_client *c)
{
    /* SPEC: OIDC Registration 2 - id_token_signed_response_alg defaults to RS256 */
    return c->id_token_signed_response_alg == GH_ALG_ES256 ? GH_ALG_ES256 : GH_ALG_RS256;
}

gh_err gh_oauth__id_token(gh_engine *e, gh_ctx *ctx, const gh_oauth_idtoken_in *in, char **out)
{
    gh_oauth_keysnap *s = NULL;
    const gh_jwk *k;
    json_t *claims = NULL;
    gh_jose_alg alg = gh_oauth__id_token_alg(in->c);
    gh_err err;

    *out = NULL;
    err = gh_oauth__keys_acquire(e, ctx, &s);
    if (err != GH_OK)
        return err;
    k = gh_oauth__keysnap_signer(s, alg);
    if (k == NULL) {
        gh_ctx_fail(ctx, "id token: no active %s key", gh_jose_alg_name(alg));
        err = GH_EINTERNAL;
        goto done;
    }
    claims = json_object();
    /* SPEC: OIDC Core 2 - iss, sub, aud, exp, iat are REQUIRED; auth_time when requested
     * (always given here), nonce when the request had one */
    json_object_set_new(claims, "iss", json_string(e->cfg->issuer));
    json_object_set_new(claims, "sub", json_string(in->subject));
    json_object_set_new(claims, "aud", json_string(in->c->client_id));
    json_object_set_new(claims, "exp", json_integer(ctx->now + e->cfg->ttl_id_token));
    json_object_set_new(claims, "iat", json_integer(ctx->now));
    if (in->auth_time > 0)
        json_object_set_new(claims, "auth_time", json_integer(in->auth_time));
    gh_json_set_str(claims, "nonce", in->nonce);
    gh_json_set_str(claims, "acr", in->acr);
    if (in->access_token != NULL)
        json_object_set_new(claims, "at_hash",
                            json_string(gh_oauth__at_hash(ctx->arena, in->access_token)));
    /* SPEC: OIDC Front-Channel Logout 1.0 3 / RP-Initiated Logout - sid of the session */
    gh_json_set_str(claims, "sid", in->sid);
    if (in->amr != NULL) {
        json_t *amr = json_loads(in->amr, JSON_REJECT_DUPLICATES, NULL);

        /* SPEC: OIDC Core 2 - amr is a JSON array of strings */
        if (json_is_array(amr) && json_array_size(amr) > 0)
            json_object_set(claims, "amr", amr);
        json_decref(amr);
    }
    err = gh_oauth__user_claims(e, ctx, in->subject, in->scopes, claims);
    if (err != GH_OK)
        goto done;
    if (in->ext_claims != NULL) {
        json_t *ext = json_loads(in->ext_claims, JSON_REJECT_DUPLICATES, NULL);
        const char *name;
        json_t *v;

        json_object_foreach(ext, name, v) {
            /* SPEC: issue 4 - the app's claims never override gatehouse's */
            if (!gh_oauth__id_claim_reserved(name) && json_object_get(claims, name) == NULL)
                json_object_set(claims, name, v);
        }
        json_decref(ext);
    }
    err = gh_jws_sign(ctx->arena, k, "JWT", NULL, claims, out);
    if (err != GH_OK)
        gh_ctx_fail(ctx, "id token: signing: %s", gh_err_str(err));
done:
    json_decref(claims);
    gh_oauth__keys_release(s);
    return err;
}

gh_err gh_oauth__id_token_hint_verify(gh_engine *e, gh_ctx *ctx, const char *jwt,
                                      const char **out_client_id, const char **out_subject,
                                      const char **out_sid)
{
    static const gh_jose_alg allowed[] = {GH_ALG_RS256, GH_ALG_ES256, GH_ALG_NONE};
    gh_oauth_keysnap *s = NULL;
    const gh_jwk *k;
    const json_t *aud;
    const char *typ = NULL, *iss = NULL, *sub = NULL, *sid = NULL, *client = NULL, *azp = NULL;
    gh_jws jws;
    gh_err err = GH_EINVAL;

    *out_client_id = NULL;
    *out_subject = NULL;
    *out_sid = NULL;
    memset(&jws, 0, sizeof(jws));
    if (jwt == NULL || gh_jws_parse(ctx->arena, jwt, &jws) != GH_OK)
        return GH_EINVAL;
    /* An access token is not an ID token (RFC 9068 2.1 typ at+jwt). */
    if (gh_json_get_str(jws.header, "typ", &typ) == GH_OK && gh_str_caseeq(typ, "at+jwt"))
        goto done;
    if (jws.kid == NULL)
        goto done;
    if (gh_oauth__keys_acquire(e, ctx, &s) != GH_OK) {
        err = GH_EINVAL;
        goto done;
    }
    k = gh_oauth__keysnap_find(s, jws.kid);
    /* SPEC: OIDC RP-Initiated Logout 1.0 2 - the OP verifies it issued the hint */
    if (k == NULL || gh_jws_verify(ctx->arena, jwt, k, allowed) != GH_OK)
        goto done;
    if (gh_json_get_str(jws.payload, "iss", &iss) != GH_OK || strcmp(iss, e->cfg->issuer) != 0)
        goto done;
    if (gh_json_get_str(jws.payload, "sub", &sub) != GH_OK || sub[0] == '\0')
        goto done;
    aud = json_object_get(jws.payload, "aud");
    if (json_is_string(aud)) {
        client = json_string_value(aud);
    } else if (json_is_array(aud) && json_array_size(aud) == 1 &&
               json_is_string(json_array_get(aud, 0))) {
        client = json_string_value(json_array_get(aud, 0));
    } else if (json_is_array(aud) && gh_json_get_str(jws.payload, "azp", &azp) == GH_OK) {
        /* SPEC: OIDC Core 2 - azp names the party the token was issued to */
        size_t i;
        for (i = 0; i < json_array_size(aud); i++)
            if (json_is_string(json_array_get(aud, i)) &&
                strcmp(json_string_value(json_array_get(aud, i)), azp) == 0)
                client = azp;
    }
    if (client == NULL || client[0] == '\0')
        goto done;
    if (gh_json_get_str(jws.payload, "sid", &sid) != GH_OK)
        sid = NULL;
    *out_client_id = gh_arena_strdup(ctx->arena, client);
    *out_subject = gh_arena_strdup(ctx->arena, sub);
    *out_sid = sid != NULL ? gh_arena_strdup(ctx->arena, sid) : NULL;
    err = GH_OK;
done:
    gh_oauth__keys_release(s);
    gh_jws_clear(&jws);
    return err;
}
