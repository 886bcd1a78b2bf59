/*
 * grant_refresh_token.c - refresh tokens: issuing them (with a code exchange or a rotation)
 * and the refresh_token grant (RFC 6749 6, 10.4; OAuth 2.1 4.3, 6.1; OIDC Core 12).
 *
 * A refresh token is a split token (code.c): GH_PREFIX_REFRESH + base64url(selector) +
 * base64url(secret), row id GH_OAUTH_REFRESH_ID_PREFIX + base64url(selector), only the
 * SHA-256 of the value stored. Its row holds the grant (grant_id, client, subject, the scope
 * the user granted, the resource indicators of the authorization) and in extra what a later
 * ID token needs (auth_time, sid, acr).
 *
 * Invariants of a refresh token family (every refresh token of one grant_id):
 *   1. At most one member is live: each use consumes the presented token (TOKEN_CONSUME) and
 *      inserts its successor in the same transaction (rotation, OAuth 2.1 4.3.1).
 *   2. Every member carries the grant's original scope; a refresh request may narrow the
 *      scope of the access token it gets (RFC 6749 6: a subset of the original grant), never
 *      widen it (invalid_scope).
 *   3. It is bound to its client (invalid_grant for any other) and expires after
 *      ttl.refresh_token.
 *   4. Presenting a consumed member (reuse, or a lost race with a concurrent refresh: the
 *      consume fails with GH_ECONFLICT) revokes the whole family and every access token of the
 *      grant (GRANT_REVOKE) and audits refresh.reused (OAuth 2.1 4.3.1, RFC 6819 5.2.2.3).
 * Transitions: issued (gh_oauth__refresh_issue) -> used (gh_oauth__grant_refresh_token, which
 * issues the successor) | revoked (revoke.c, reuse, consent revocation) | expired.
 * Each refresh also touches the consent (CONSENT_TOUCH: last used, shown on the account page)
 * in the same transaction and issues an ID token when openid is in the new scope (OIDC Core
 * 12.2: same iss, sub, aud; auth_time of the original authentication; no nonce).
 */
#include <string.h>

#include "base/limits.h"
#include "json/json.h"
#include "oauth/introspect_int.h"
#include "oauth/token_int.h"

typedef struct refresh_result {
    gh_oauth_issued at;
    const char *refresh;
    const char *id_token;
    const char *old_id;
    const char *grant_id;
    const char *client_id;
    const char *subject;
} refresh_result;

void gh_oauth__consent_touch(gh_ctx *ctx, gh_store_txn *t, const char *subject,
                             const char *client_id)
{
    gh_store_op op;

    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_CONSENT_TOUCH;
    op.u.consent_ref.subject = subject;
    op.u.consent_ref.client_id = client_id;
    op.u.consent_ref.at = ctx->now;
    gh_store_txn_add(t, &op);
}

gh_err gh_oauth__refresh_issue(gh_engine *e, gh_ctx *ctx, gh_store_txn *t,
                               const gh_oauth_refresh_in *in, const char **out_value,
                               const char **out_id)
{
    gh_token *row;
    gh_store_op op;
    json_t *extra;
    char *value = NULL, *id = NULL;

    gh_oauth__split_new(ctx, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX, &value, &id);
    extra = json_object();
    json_object_set_new(extra, GH_OAUTH_TOKEN_HASH_MEMBER,
                        json_string(gh_sha256_hex(ctx->arena, value, strlen(value))));
    if (in->auth_time > 0)
        json_object_set_new(extra, "auth_time", json_integer(in->auth_time));
    gh_json_set_str(extra, "sid", in->sid);
    gh_json_set_str(extra, "acr", in->acr);
    row = GH_ARENA_NEW(ctx->arena, gh_token);
    row->id = id;
    row->kind = GH_TOKEN_REFRESH;
    row->format = GH_STRATEGY_OPAQUE;
    row->grant_id = gh_arena_strdup(ctx->arena, in->grant_id);
    row->client_id = gh_arena_strdup(ctx->arena, in->c->client_id);
    row->subject = gh_arena_strdup(ctx->arena, in->subject);
    row->scope = gh_strv_join(ctx->arena, in->scopes);
    row->audience = gh_strv_join(ctx->arena, in->audience);
    row->catalog_version = e->catalog_version;
    row->issued_at = ctx->now;
    row->expires_at = ctx->now + e->cfg->ttl_refresh_token;
    row->request_id = ctx->request_id;
    row->extra = gh_json_dump_a(ctx->arena, extra);
    json_decref(extra);
    if (row->extra == NULL) {
        gh_ctx_fail(ctx, "refresh: the token's data is not UTF-8");
        return GH_EINVAL;
    }
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_INSERT;
    op.u.token = row;
    gh_store_txn_add(t, &op);
    *out_value = value;
    if (out_id != NULL)
        *out_id = id;
    return GH_OK;
}

gh_err gh_oauth__refresh_find(gh_engine *e, gh_ctx *ctx, const char *value, gh_token **out)
{
    return gh_oauth__split_find(e, ctx, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX,
                                GH_TOKEN_REFRESH, value, out);
}

static gh_err committed(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    refresh_result *r = arg;

    if (outcome == GH_ECONFLICT) {
        /* SPEC: OAuth2.1 4.3.1 - a concurrent use of the same refresh token: the loser is a
         * reuse, and the family is revoked */
        return gh_oauth__grant_replayed(e, ctx, GH_OAUTH_AUDIT_REFRESH_REUSED, r->old_id,
                                        r->grant_id, r->client_id, r->subject, resp,
                                        "the refresh token was already used");
    }
    if (outcome == GH_ENOTFOUND) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the refresh token is not valid");
        return GH_OK;
    }
    if (outcome != GH_OK) {
        gh_ctx_fail(ctx, "refresh_token: storing the tokens: %s", gh_err_str(outcome));
        return outcome;
    }
    gh_oauth__token_response_full(resp, &r->at, r->refresh, r->id_token);
    return GH_OK;
}

/* The scope of the new access token: the requested one (a subset of the grant's) or, when
 * none is requested, the grant's (RFC 6749 6). false when resp holds the error. */
static bool narrow_scope(gh_ctx *ctx, const char *requested, const gh_strv *original,
                         gh_oauth_response *resp, gh_strv *out)
{
    gh_strv req;
    size_t i;

    if (requested == NULL) {
        *out = *original;
        return true;
    }
    if (gh_strv_split_scope(ctx->arena, requested, GH_LIMIT_SCOPES, &req) != GH_OK ||
        req.n == 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_SCOPE, "scope is malformed");
        return false;
    }
    out->v = GH_ARENA_NEWN(ctx->arena, const char *, req.n);
    out->n = 0;
    for (i = 0; i < req.n; i++) {
        /* SPEC: RFC6749 6 - the requested scope MUST NOT include any scope not originally
         * granted by the resource owner */
        if (!gh_strv_has(original, req.v[i])) {
            gh_oauth_error(resp, 400, GH_E_INVALID_SCOPE,
                           "the requested scope exceeds the scope originally granted");
            return false;
        }
        if (!gh_strv_has(out, req.v[i]))
            out->v[out->n++] = req.v[i];
    }
    return true;
}

gh_err gh_oauth__grant_refresh_token(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                     const gh_oauth_client *c, gh_oauth_response *resp)
{
    const char *value = NULL, *scope = NULL, *sid = NULL, *acr = NULL;
    gh_token *row = NULL;
    gh_strv original, granted, resources_allowed, resources, aud;
    gh_oauth_issue in;
    gh_oauth_refresh_in rin;
    refresh_result *r;
    gh_store_txn *t;
    gh_store_op op;
    json_t *x = NULL, *data;
    int64_t auth_time = 0;
    bool ok = false;
    gh_err err;

    /* SPEC: RFC6749 3.2 - parameters MUST NOT be included more than once */
    if (gh_form_get_one(req->form, GH_P_REFRESH_TOKEN, &value) != GH_OK ||
        gh_form_get_one(req->form, GH_P_SCOPE, &scope) != GH_OK) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "a parameter is repeated");
        return GH_OK;
    }
    /* SPEC: RFC6749 6 - refresh_token is REQUIRED */
    if (value == NULL) {
        gh_oauth_error(resp, 400, GH_E_INVALID_REQUEST, "refresh_token is missing");
        return GH_OK;
    }
    err = gh_oauth__refresh_find(e, ctx, value, &row);
    if (err != GH_OK)
        return err;
    /* SPEC: RFC6749 6 - the refresh token was issued to the authenticated client */
    if (row == NULL || strcmp(row->client_id, c->client_id) != 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the refresh token is not valid");
        return GH_OK;
    }
    if (row->used_at != 0 && row->revoked_at == 0) {
        /* SPEC: OAuth2.1 4.3.1 - reuse of a rotated refresh token revokes the family */
        return gh_oauth__grant_replayed(e, ctx, GH_OAUTH_AUDIT_REFRESH_REUSED, row->id,
                                        row->grant_id, row->client_id, row->subject, resp,
                                        "the refresh token was already used");
    }
    if (row->used_at != 0 || row->revoked_at != 0 || row->expires_at <= ctx->now) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT,
                       row->expires_at <= ctx->now ? "the refresh token has expired"
                                                   : "the refresh token was revoked");
        return GH_OK;
    }
    original = gh_oauth__split_list(ctx, row->scope);
    if (!narrow_scope(ctx, scope, &original, resp, &granted))
        return GH_OK;
    resources_allowed = gh_oauth__split_list(ctx, row->audience);
    err = gh_oauth__resource_narrow(req, ctx, &resources_allowed, resp, &resources, &ok);
    if (err != GH_OK || !ok)
        return err;
    if (resources.n > 0) {
        aud = resources;
    } else {
        err = gh_oauth__audience_resolve(e, ctx, req, c, &granted, resp, &aud, &ok);
        if (err != GH_OK || !ok)
            return err;
    }
    if (row->extra != NULL &&
        gh_json_parse_object(row->extra, strlen(row->extra), GH_OAUTH_TOKEN_EXTRA_MAX, &x, NULL,
                             0) == GH_OK) {
        const char *s = NULL;
        if (gh_json_get_int(x, "auth_time", &auth_time) != GH_OK)
            auth_time = 0;
        if (gh_json_get_str(x, "sid", &s) == GH_OK)
            sid = gh_arena_strdup(ctx->arena, s);
        if (gh_json_get_str(x, "acr", &s) == GH_OK)
            acr = gh_arena_strdup(ctx->arena, s);
        json_decref(x);
    }

    r = GH_ARENA_NEW(ctx->arena, refresh_result);
    r->old_id = row->id;
    r->grant_id = row->grant_id;
    r->client_id = row->client_id;
    r->subject = row->subject;
    t = gh_store_txn_new(ctx->arena);
    /* SPEC: OAuth2.1 4.3.1 - rotation: the presented token is used up in the transaction
     * that inserts its successor */
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_CONSUME;
    op.u.revoke.id = row->id;
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);
    memset(&in, 0, sizeof(in));
    in.c = c;
    in.grant_type = GH_GRANT_REFRESH_TOKEN;
    in.grant_id = row->grant_id;
    in.subject = row->subject;
    in.scopes = &granted;
    in.audience = &aud;
    err = gh_oauth__issue_access(e, ctx, t, &in, &r->at);
    if (err != GH_OK)
        return err;
    memset(&rin, 0, sizeof(rin));
    rin.c = c;
    rin.grant_id = row->grant_id;
    rin.subject = row->subject;
    rin.scopes = &original; /* the family keeps the grant's scope (invariant 2) */
    rin.audience = &resources_allowed;
    rin.auth_time = auth_time;
    rin.sid = sid;
    rin.acr = acr;
    err = gh_oauth__refresh_issue(e, ctx, t, &rin, &r->refresh, NULL);
    if (err != GH_OK)
        return err;
    /* SPEC: OIDC Core 12.2 - an ID token on refresh only when openid is in the scope */
    if (gh_strv_has(&granted, "openid")) {
        gh_oauth_idtoken_in id;
        char *idt = NULL;

        memset(&id, 0, sizeof(id));
        id.c = c;
        id.subject = row->subject;
        id.access_token = r->at.value;
        id.auth_time = auth_time;
        id.sid = sid;
        id.acr = acr;
        id.scopes = &granted;
        err = gh_oauth__id_token(e, ctx, &id, &idt);
        if (err != GH_OK)
            return err;
        r->id_token = idt;
    }
    gh_oauth__consent_touch(ctx, t, row->subject, row->client_id);
    data = json_object();
    json_object_set_new(data, "grant_id", json_string(row->grant_id));
    json_object_set_new(data, "rotated", json_string(row->id));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_TOKEN_REFRESHED,
                    gh_arena_printf(ctx->arena, "client:%s", row->client_id), row->client_id,
                    row->subject, r->at.id, r->at.scope, data);
    json_decref(data);
    return gh_oauth__commit(e, ctx, resp, t, committed, r);
}
