/*
 * grant_refresh_token.c - refresh tokens: issuing them (with a code exchange or a rotation)
 * and the refresh_token grant (RFC 6749 6, 10.4; OAuth 2.1 4.3, 6.1; OIDC Core 12).
 *
 * A refresh token is a sealed token (code.c): GH_PREFIX_REFRESH + base64url(selector ||
 * AES-256-GCM(data)), row id GH_OAUTH_REFRESH_ID_PREFIX + base64url(selector), only the
 * SHA-256 of the value stored. The value carries the grant (grant_id, client, subject, the
 * scope the user granted, the resource indicators of the authorization), what a later ID
 * token needs (auth_time, sid, acr, amr), the extra claims of the login/consent app and its
 * expiry, so that a refresh reads nothing before its one transaction. The row holds the
 * grant's columns too and is the only truth about use and revocation.
 *
 * Invariants of a refresh token family (every refresh token of one grant_id):
 *   1. At most one member is live: each use consumes the presented token (TOKEN_CONSUME) and
 *      inserts its successor in the same transaction (rotation, OAuth 2.1 4.3.1).
 *   2. Every member carries the grant's original scope less the scopes removed from the
 *      catalog since (a removed scope disappears from new tokens at once, DESIGN.md scope
 *      catalog; it is dropped from the successor, the access token and the response's scope);
 *      a refresh request may narrow the scope of the access token it gets (RFC 6749 6: a
 *      subset of the original grant), never widen it (invalid_scope). A grant none of whose
 *      scopes remains in the catalog gets invalid_grant.
 *   3. It is bound to its client (invalid_grant for any other) and expires after
 *      ttl.refresh_token.
 *   4. Presenting a consumed member (reuse, or a lost race with a concurrent refresh: the
 *      consume fails with GH_ECONFLICT) revokes the whole family and every access token of the
 *      grant (GRANT_REVOKE) and audits refresh.reused (OAuth 2.1 4.3.1, RFC 6819 5.2.2.3).
 *      The consume is the check: a GH_ECONFLICT is followed by one read of the row, which
 *      tells a used member (reuse) from a revoked one (plain invalid_grant). A request refused
 *      for another reason (expired, scope, resource) reads the row the same way first, so that
 *      a reused member is treated as reuse whatever else is wrong with the request.
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
    int64_t expires_at; /* of the presented token */
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
    gh_oauth_sealed d;
    gh_token *row;
    gh_store_op op;
    char *value = NULL, *id = NULL, *extra = NULL;
    gh_err err;

    row = GH_ARENA_NEW(ctx->arena, gh_token);
    row->kind = GH_TOKEN_REFRESH;
    row->format = GH_STRATEGY_OPAQUE;
    row->grant_id = gh_arena_strdup(ctx->arena, in->grant_id);
    row->client_id = gh_arena_strdup(ctx->arena, in->c->client_id);
    row->subject = gh_arena_strdup(ctx->arena, in->subject);
    row->scope = gh_strv_join(ctx->arena, in->scopes);
    row->audience = gh_strv_join(ctx->arena, in->audience);
    row->catalog_version = gh_oauth__catalog(e, ctx)->version;
    row->issued_at = ctx->now;
    row->expires_at = ctx->now + e->cfg->ttl_refresh_token;
    row->request_id = ctx->request_id;
    memset(&d, 0, sizeof(d));
    d.expires_at = row->expires_at;
    d.auth_time = in->auth_time > 0 ? in->auth_time : 0;
    d.client_id = row->client_id;
    d.subject = row->subject;
    d.grant_id = row->grant_id;
    d.scope = row->scope;
    d.audience = row->audience;
    d.sid = in->sid;
    d.acr = in->acr;
    d.access_token_claims = in->access_token_claims;
    d.id_token_claims = in->id_token_claims;
    d.amr = in->amr;
    err = gh_oauth__sealed_new(e, ctx, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX, &d, &value,
                               &id, &extra);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "refresh: sealing the grant: %s", gh_err_str(err));
        return err;
    }
    row->id = id;
    row->extra = extra;
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

/* The answer for a refresh token that could not be used, from its row's state: reuse of a
 * used member revokes the family (invariant 4); a revoked or unknown one is invalid_grant.
 * For a live row, resp keeps the error it already holds (keep = true); with keep false a
 * live row (a conflict the row does not explain) is invalid_grant too. */
static gh_err settle(gh_engine *e, gh_ctx *ctx, const refresh_result *r, bool keep,
                     gh_oauth_response *resp)
{
    gh_oauth_use_state st = GH_OAUTH_USE_UNKNOWN;
    gh_err err = gh_oauth__use_state(e, ctx, r->old_id, GH_TOKEN_REFRESH, &st);

    if (err != GH_OK)
        return err;
    switch (st) {
    case GH_OAUTH_USE_USED:
        /* SPEC: OAuth2.1 4.3.1 - reuse of a rotated refresh token revokes the family */
        return gh_oauth__grant_replayed(e, ctx, GH_OAUTH_AUDIT_REFRESH_REUSED, r->old_id,
                                        r->grant_id, r->client_id, r->subject, resp,
                                        "the refresh token was already used");
    case GH_OAUTH_USE_USED_REVOKED:
    case GH_OAUTH_USE_REVOKED:
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT,
                       r->expires_at <= ctx->now ? "the refresh token has expired"
                                                 : "the refresh token was revoked");
        return GH_OK;
    case GH_OAUTH_USE_LIVE:
        if (keep)
            return GH_OK;
        break;
    case GH_OAUTH_USE_UNKNOWN:
        break;
    }
    gh_oauth_error(resp, 400, GH_E_INVALID_GRANT,
                   r->expires_at <= ctx->now ? "the refresh token has expired"
                                             : "the refresh token is not valid");
    return GH_OK;
}

static gh_err committed(gh_engine *e, gh_ctx *ctx, gh_oauth_response *resp, void *arg,
                        gh_err outcome)
{
    refresh_result *r = arg;

    if (outcome == GH_ECONFLICT) {
        /* SPEC: OAuth2.1 4.3.1 - used before (reuse, or a concurrent use of the same token:
         * the loser is a reuse, and the family is revoked) or revoked */
        return settle(e, ctx, r, false, resp);
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
/* The scopes of list still in the engine's catalog, in their order (from ctx's arena). */
static gh_strv in_catalog(const gh_engine *e, gh_ctx *ctx, const gh_strv *list)
{
    gh_strv out;
    size_t i;

    out.v = GH_ARENA_NEWN(ctx->arena, const char *, list->n > 0 ? list->n : 1);
    out.n = 0;
    for (i = 0; i < list->n; i++) {
        if (gh_config_scope_find(gh_oauth__catalog_cfg(e, ctx), list->v[i]) != NULL)
            out.v[out.n++] = list->v[i];
    }
    return out;
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
    const char *value = NULL, *scope = NULL, *old_id = NULL;
    gh_oauth_sealed d;
    gh_strv original, granted, resources_allowed, resources, aud;
    gh_oauth_issue in;
    gh_oauth_refresh_in rin;
    refresh_result *r;
    gh_store_txn *t;
    gh_store_op op;
    json_t *data;
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
    /* The value carries the grant (code.c): no read before the transaction. */
    err = gh_oauth__sealed_open(e, ctx, GH_PREFIX_REFRESH, GH_OAUTH_REFRESH_ID_PREFIX, value, &d,
                                &old_id, &ok);
    if (err != GH_OK)
        return err;
    /* SPEC: RFC6749 6 - the refresh token was issued to the authenticated client */
    if (!ok || strcmp(d.client_id, c->client_id) != 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the refresh token is not valid");
        return GH_OK;
    }
    r = GH_ARENA_NEW(ctx->arena, refresh_result);
    r->old_id = old_id;
    r->grant_id = d.grant_id;
    r->client_id = d.client_id;
    r->subject = d.subject;
    r->expires_at = d.expires_at;
    if (d.expires_at <= ctx->now) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT, "the refresh token has expired");
        return settle(e, ctx, r, true, resp);
    }
    original = gh_oauth__split_list(ctx, d.scope);
    /* SPEC: DESIGN.md scope catalog - a removed scope disappears from new tokens at once */
    original = in_catalog(e, ctx, &original);
    if (original.n == 0) {
        gh_oauth_error(resp, 400, GH_E_INVALID_GRANT,
                       "no scope of the grant is in the scope catalog any longer");
        return settle(e, ctx, r, true, resp);
    }
    if (!narrow_scope(ctx, scope, &original, resp, &granted))
        return settle(e, ctx, r, true, resp);
    resources_allowed = gh_oauth__split_list(ctx, d.audience);
    err = gh_oauth__resource_narrow(req, ctx, &resources_allowed, resp, &resources, &ok);
    if (err != GH_OK)
        return err;
    if (!ok)
        return settle(e, ctx, r, true, resp);
    if (resources.n > 0) {
        aud = resources;
    } else {
        err = gh_oauth__audience_resolve(e, ctx, req, c, &granted, resp, &aud, &ok);
        if (err != GH_OK)
            return err;
        if (!ok)
            return settle(e, ctx, r, true, resp);
    }

    t = gh_store_txn_new(ctx->arena);
    /* SPEC: OAuth2.1 4.3.1 - rotation: the presented token is used up in the transaction
     * that inserts its successor; GH_ECONFLICT when it was used or revoked before */
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_TOKEN_CONSUME;
    op.u.revoke.id = old_id;
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);
    memset(&in, 0, sizeof(in));
    in.c = c;
    in.grant_type = GH_GRANT_REFRESH_TOKEN;
    in.grant_id = d.grant_id;
    in.subject = d.subject;
    in.scopes = &granted;
    in.audience = &aud;
    in.ext_claims = d.access_token_claims;
    in.audited_by_caller = true; /* token.refreshed below records the access token */
    err = gh_oauth__issue_access(e, ctx, t, &in, &r->at);
    if (err != GH_OK)
        return err;
    memset(&rin, 0, sizeof(rin));
    rin.c = c;
    rin.grant_id = d.grant_id;
    rin.subject = d.subject;
    rin.scopes = &original; /* the family keeps the grant's scope (invariant 2) */
    rin.audience = &resources_allowed;
    rin.auth_time = d.auth_time;
    rin.sid = d.sid;
    rin.acr = d.acr;
    rin.access_token_claims = d.access_token_claims;
    rin.id_token_claims = d.id_token_claims;
    rin.amr = d.amr;
    err = gh_oauth__refresh_issue(e, ctx, t, &rin, &r->refresh, NULL);
    if (err != GH_OK)
        return err;
    /* SPEC: OIDC Core 12.2 - an ID token on refresh only when openid is in the scope */
    if (gh_strv_has(&granted, "openid")) {
        gh_oauth_idtoken_in id;
        char *idt = NULL;

        memset(&id, 0, sizeof(id));
        id.c = c;
        id.subject = d.subject;
        id.access_token = r->at.value;
        id.auth_time = d.auth_time;
        id.sid = d.sid;
        id.acr = d.acr;
        id.scopes = &granted;
        id.ext_claims = d.id_token_claims;
        id.amr = d.amr;
        err = gh_oauth__id_token(e, ctx, &id, &idt);
        if (err != GH_OK)
            return err;
        r->id_token = idt;
    }
    gh_oauth__consent_touch(ctx, t, d.subject, d.client_id);
    data = json_object();
    json_object_set_new(data, "grant_id", json_string(d.grant_id));
    json_object_set_new(data, "rotated", json_string(old_id));
    json_object_set_new(data, "format", json_string(c->access_token_strategy));
    json_object_set_new(data, "aud", gh_json_strv(in.audience));
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_TOKEN_REFRESHED,
                    gh_arena_printf(ctx->arena, "client:%s", d.client_id), d.client_id, d.subject,
                    r->at.id, r->at.scope, data);
    json_decref(data);
    return gh_oauth__commit(e, ctx, resp, t, committed, r);
}
