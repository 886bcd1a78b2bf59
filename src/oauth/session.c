/*
 * session.c - browser login sessions: the session cookie, its row, and the account page's
 * own sign-in and sign-out.
 *
 * The cookie (gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_SESSION)) holds "<sid>.<secret>": sid
 * is base64url of 16 random bytes (22 characters) and is also the OpenID Connect "sid"; the
 * secret is base64url of 32 random bytes (43 characters). The row (store gh_session) keeps
 * only SHA-256(secret), so a copy of the store cannot impersonate a browser; a presented
 * cookie is compared in constant time. A session lives until expires_at (ttl.login_session, or
 * the login app's remember_for) unless revoked (logout, user deleted). A session that is not
 * remembered gets a browser-session cookie (no Max-Age) while the row still expires.
 *
 * Revoking every session of a subject (Hydra's DELETE /admin/oauth2/auth/sessions/login?subject=)
 * is one store operation (GH_OP_SESSION_REVOKE_SUBJECT), so the hot path reads only the
 * session row.
 *
 * Not here: when a session is created during an authorization request (authorize.c, on the
 * login verifier) and RP-initiated logout (logout.c).
 */
#include <stdint.h>
#include <string.h>

#include "base/b64url.h"
#include "json/json.h"
#include "oauth/flow_int.h"

#define SID_CHARS 22
#define SECRET_CHARS 43

/* Splits a cookie value into sid and secret (arena); false when malformed. */
static bool cookie_split(gh_ctx *ctx, const char *v, const char **sid, const char **secret)
{
    if (v == NULL || strlen(v) != SID_CHARS + 1 + SECRET_CHARS || v[SID_CHARS] != '.')
        return false;
    for (size_t i = 0; v[i] != '\0'; i++) {
        char c = v[i];

        if (i == SID_CHARS)
            continue;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    *sid = gh_arena_strndup(ctx->arena, v, SID_CHARS);
    *secret = v + SID_CHARS + 1;
    return true;
}

gh_err gh_oauth__session_find(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                              gh_session **out)
{
    const char *v, *sid, *secret;
    unsigned char h[GH_SHA256_LEN];
    gh_session *s = NULL;
    gh_err err;

    *out = NULL;
    v = gh_oauth_cookie_get(ctx, cookie_header, gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_SESSION));
    if (!cookie_split(ctx, v, &sid, &secret))
        return GH_OK;
    err = gh_store_session_get(e->store, sid, ctx->arena, &s);
    if (err == GH_ENOTFOUND)
        return GH_OK;
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "session: read: %s", gh_err_str(err));
        return err;
    }
    gh_sha256(secret, strlen(secret), h);
    if (!gh_ct_eq(h, sizeof(h), s->secret_hash, sizeof(s->secret_hash)) || s->revoked_at != 0 ||
        s->expires_at <= ctx->now)
        return GH_OK;
    *out = s;
    return GH_OK;
}

gh_session *gh_oauth__session_new(gh_engine *e, gh_ctx *ctx, gh_store_txn *t, const char *subject,
                                  int64_t auth_time, const char *acr, int64_t ttl, int64_t max_age,
                                  gh_oauth_response *resp)
{
    return gh_oauth__session_new_ex(e, ctx, t, subject, auth_time, acr, NULL, ttl, max_age, true,
                                    resp);
}

gh_session *gh_oauth__session_new_ex(gh_engine *e, gh_ctx *ctx, gh_store_txn *t,
                                     const char *subject, int64_t auth_time, const char *acr,
                                     const char *amr, int64_t ttl, int64_t max_age,
                                     bool set_cookie, gh_oauth_response *resp)
{
    unsigned char b[16 + 32];
    gh_session *s = GH_ARENA_NEW(ctx->arena, gh_session);
    char *sid, *secret;
    gh_store_op op;
    json_t *doc;

    gh_ctx_rand_bytes(ctx, b, sizeof(b));
    sid = gh_b64url_encode_a(ctx->arena, b, 16);
    secret = gh_b64url_encode_a(ctx->arena, b + 16, 32);
    memset(b, 0, sizeof(b));
    s->id = sid;
    gh_sha256(secret, strlen(secret), s->secret_hash);
    s->subject = subject;
    s->auth_time = auth_time;
    s->created_at = ctx->now;
    s->expires_at = ctx->now + ttl;
    doc = json_object();
    gh_json_set_str(doc, "acr", acr);
    gh_json_set_str(doc, "amr", amr); /* JSON text: the hot path scans it as a string */
    s->doc = gh_json_dump_a(ctx->arena, doc);
    json_decref(doc);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_SESSION_INSERT;
    op.u.session = s;
    gh_store_txn_add(t, &op);
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_SESSION_STARTED,
                    gh_arena_printf(ctx->arena, "user:%s", subject), NULL, subject, NULL, NULL,
                    NULL);
    if (set_cookie)
        gh_oauth_cookie(e, ctx, resp, gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_SESSION),
                        gh_arena_printf(ctx->arena, "%s.%s", sid, secret), max_age);
    return s;
}

gh_err gh_oauth_session_get(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                            gh_oauth_session_view *out)
{
    gh_session *s = NULL;
    gh_err err;

    memset(out, 0, sizeof(*out));
    err = gh_oauth__session_find(e, ctx, cookie_header, &s);
    if (err != GH_OK)
        return err;
    if (s == NULL)
        return GH_ENOTFOUND;
    out->sid = s->id;
    out->subject = s->subject;
    out->auth_time = s->auth_time;
    out->expires_at = s->expires_at;
    return GH_OK;
}

gh_err gh_oauth_session_start(gh_engine *e, gh_ctx *ctx, const char *subject, bool remember,
                              gh_oauth_response *resp)
{
    gh_store_txn *t;
    int64_t ttl = gh_oauth__session_ttl(e);
    gh_err err;

    if (subject == NULL || subject[0] == '\0' || strlen(subject) > GH_FLOW_SUBJECT_MAX) {
        gh_ctx_fail(ctx, "session: no valid subject");
        return GH_EINVAL;
    }
    t = gh_store_txn_new(ctx->arena);
    (void)gh_oauth__session_new(e, ctx, t, gh_arena_strdup(ctx->arena, subject), ctx->now, NULL,
                                ttl, remember ? ttl : 0, resp);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "session: commit: %s", gh_err_str(err));
        resp->n_set_cookie = 0;
    }
    return err;
}

gh_err gh_oauth_session_end(gh_engine *e, gh_ctx *ctx, const char *cookie_header,
                            const char *actor, gh_oauth_response *resp)
{
    gh_session *s = NULL;
    gh_store_txn *t;
    gh_store_op op;
    gh_err err;

    err = gh_oauth__session_find(e, ctx, cookie_header, &s);
    if (err != GH_OK)
        return err;
    if (s != NULL) {
        t = gh_store_txn_new(ctx->arena);
        memset(&op, 0, sizeof(op));
        op.kind = GH_OP_SESSION_REVOKE;
        op.u.revoke.id = s->id;
        op.u.revoke.at = ctx->now;
        gh_store_txn_add(t, &op);
        gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_SESSION_ENDED,
                        actor != NULL ? actor : gh_arena_printf(ctx->arena, "user:%s", s->subject),
                        NULL, s->subject, NULL, NULL, NULL);
        err = gh_store_commit(e->store, t);
        if (err == GH_ENOTFOUND)
            err = GH_OK; /* purged meanwhile: nothing left to end */
        if (err != GH_OK) {
            gh_ctx_fail(ctx, "session: end: %s", gh_err_str(err));
            return err;
        }
    }
    /* SPEC: RFC6265 5.3 - a cookie with Max-Age=0 is removed */
    gh_oauth_cookie(e, ctx, resp, gh_oauth_cookie_name(e, GH_OAUTH_COOKIE_SESSION), "", -1);
    return GH_OK;
}

gh_err gh_oauth_sessions_revoke_subject(gh_engine *e, gh_ctx *ctx, const char *subject,
                                        const gh_oauth_actor *by)
{
    gh_store_txn *t;
    gh_store_op op;
    json_t *data;
    gh_err err;

    if (subject == NULL || subject[0] == '\0' || strlen(subject) > GH_FLOW_SUBJECT_MAX)
        return GH_EINVAL;
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_SESSION_REVOKE_SUBJECT;
    op.u.revoke.id = subject;
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);
    data = gh_oauth__actor_data(by, subject);
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_SESSIONS_REVOKED, gh_oauth__actor_name(by), NULL,
                    subject, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK)
        gh_ctx_fail(ctx, "session: revoke subject: %s", gh_err_str(err));
    return err;
}

gh_err gh_oauth_session_revoke_sid(gh_engine *e, gh_ctx *ctx, const char *sid,
                                   const gh_oauth_actor *by)
{
    gh_session *s = NULL;
    gh_store_txn *t;
    gh_store_op op;
    json_t *data;
    gh_err err;

    if (sid == NULL || strlen(sid) != SID_CHARS)
        return GH_ENOTFOUND;
    err = gh_store_session_get(e->store, sid, ctx->arena, &s);
    if (err != GH_OK) {
        if (err != GH_ENOTFOUND)
            gh_ctx_fail(ctx, "session: read: %s", gh_err_str(err));
        return err;
    }
    if (s->revoked_at != 0 || s->expires_at <= ctx->now)
        return GH_ENOTFOUND;
    t = gh_store_txn_new(ctx->arena);
    memset(&op, 0, sizeof(op));
    op.kind = GH_OP_SESSION_REVOKE;
    op.u.revoke.id = s->id;
    op.u.revoke.at = ctx->now;
    gh_store_txn_add(t, &op);
    data = gh_oauth__actor_data(by, s->subject);
    gh_json_set_str(data, "sid", s->id);
    gh_oauth__audit(ctx, t, GH_OAUTH_AUDIT_SESSION_ENDED, gh_oauth__actor_name(by), NULL,
                    s->subject, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "session: revoke: %s", gh_err_str(err));
    return err;
}
