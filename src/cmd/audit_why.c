/*
 * audit_why.c - `gatehouse audit why SEQ|TOKEN|RESOURCE [--json]`: why was this allowed?
 *
 * From an action (an audit event's seq, normally a tool.called, or any event naming a token)
 * or from an access token (its id as the audit events name it, or a JWT's value, whose jti is
 * the id), this walks the audit trail back: the token (its row: scope, audience, expiry) and
 * the event that issued it (code.exchanged, token.refreshed or token.issued); the grant
 * (grant_id) and how it was obtained (the code exchange, after the refresh rotations that led
 * to this token); the consent that allowed it (the latest consent.granted for that subject
 * and client before the grant was obtained: when, by whom, scopes asked and given, and the
 * scope catalog version in force); the login of that subject before it (login.succeeded or
 * login.accepted); and the client (client.created). Every step is a filtered
 * gh_store_audit_query (token, subject and client, type), never a scan of the whole trail.
 * Output is readable text, or one JSON object with --json; a missing link prints as unknown
 * (null) rather than failing, since old events may have been exported and purged.
 * It does not judge whether the chain was right (verify checks integrity), and it does not
 * look up opaque token values (their ids are hashes: give the id the events show).
 * From a resource (a value the tool calls' arguments hold, or KEY=VALUE: gh_audit_args_match)
 * it pages through the tool.called events, one page in memory at a time, lists the matches
 * (the latest WHY_SHOWN) and prints the chain above for the latest one whose outcome is "ok",
 * else the latest one. That is the one scan of every event of a type; since, until, subject
 * and client narrow it in the store query.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/b64url.h"
#include "base/clock.h"
#include "base/str.h"
#include "audit/match.h"
#include "cmd/audit_why.h"

/* Events per store read. */
#define WHY_PAGE 200

/* Keeps events whose data has member key equal to value (key NULL: every event). */
typedef struct why_match {
    const char *key;
    const char *value;
} why_match;

static bool data_matches(const gh_audit_event *e, const why_match *m)
{
    json_t *d;
    bool ok;

    if (m == NULL || m->key == NULL)
        return true;
    if (e->data == NULL)
        return false;
    d = json_loads(e->data, 0, NULL);
    ok = d != NULL && json_is_string(json_object_get(d, m->key)) &&
         strcmp(json_string_value(json_object_get(d, m->key)), m->value) == 0;
    json_decref(d);
    return ok;
}

/* What find_events found: the first and last match (NULL if none), how many, and (if all is
 * set by the caller) a summary of every match. */
typedef struct why_found {
    const gh_audit_event *first;
    const gh_audit_event *last;
    size_t count;
    json_t *all; /* if set: every match as an event_summary object */
} why_found;

static json_t *event_summary(const gh_audit_event *e);

/* Pages through the events matching f and m with seq < before (0: no bound), ascending,
 * into out (events live in a). Returns GH_OK or the store's error. */
static gh_err find_events(gh_store *s, gh_audit_filter f, const why_match *m, int64_t before,
                          gh_arena *a, why_found *out)
{
    for (;;) {
        gh_audit_event *ev = NULL;
        size_t n = 0;
        gh_err err;

        f.limit = WHY_PAGE;
        err = gh_store_audit_query(s, &f, a, &ev, &n);
        if (err != GH_OK)
            return err;
        for (size_t i = 0; i < n; i++) {
            if (before > 0 && ev[i].seq >= before)
                return GH_OK;
            if (!data_matches(&ev[i], m))
                continue;
            if (out->first == NULL)
                out->first = &ev[i];
            out->last = &ev[i];
            out->count++;
            if (out->all != NULL)
                json_array_append_new(out->all, event_summary(&ev[i]));
        }
        if (n < WHY_PAGE)
            return GH_OK;
        f.after_seq = ev[n - 1].seq;
    }
}

static void set_time(json_t *o, const char *name, int64_t seconds)
{
    char t[32];

    if (seconds <= 0) {
        json_object_set_new(o, name, json_null());
        return;
    }
    gh_clock_rfc3339(seconds, t);
    json_object_set_new(o, name, json_string(t));
}

static void set_str(json_t *o, const char *name, const char *v)
{
    json_object_set_new(o, name, v != NULL ? json_string(v) : json_null());
}

/* The event's data as JSON (an empty object if none or unreadable). */
static json_t *event_data(const gh_audit_event *e)
{
    json_t *d = e->data != NULL ? json_loads(e->data, 0, NULL) : NULL;

    if (!json_is_object(d)) {
        json_decref(d);
        d = json_object();
    }
    return d;
}

/* {seq, type, time, actor}: where an event sits in the trail. */
static json_t *event_summary(const gh_audit_event *e)
{
    json_t *o = json_object();

    json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
    set_str(o, "type", e->type);
    set_time(o, "time", e->time_us / 1000000);
    set_str(o, "actor", e->actor);
    return o;
}

/* Copies data member name of e into o (absent: null). */
static void copy_member(json_t *o, const json_t *d, const char *name)
{
    json_t *v = json_object_get(d, name);

    json_object_set_new(o, name, v != NULL ? json_deep_copy(v) : json_null());
}

/* Space-separated words as a JSON array. */
static json_t *words(const char *s)
{
    json_t *arr = json_array();
    const char *p = s != NULL ? s : "";

    while (*p != '\0') {
        size_t n;
        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n > 0)
            json_array_append_new(arr, json_stringn(p, n));
        p += n;
    }
    return arr;
}

/* The jti of a JWT value, or NULL. */
static const char *jwt_jti(gh_arena *a, const char *value)
{
    const char *dot1 = strchr(value, '.'), *dot2;
    unsigned char *raw = NULL;
    size_t n = 0;
    json_t *claims;
    const char *jti = NULL;

    if (dot1 == NULL || (dot2 = strchr(dot1 + 1, '.')) == NULL)
        return NULL;
    if (gh_b64url_decode(a, dot1 + 1, (size_t)(dot2 - dot1 - 1), &raw, &n) != GH_OK)
        return NULL;
    claims = json_loadb((const char *)raw, n, 0, NULL);
    if (json_is_string(json_object_get(claims, "jti")))
        jti = gh_arena_strdup(a, json_string_value(json_object_get(claims, "jti")));
    json_decref(claims);
    return jti;
}

typedef struct why_state {
    gh_store *s;
    gh_arena *a;
    json_t *out;
    const char *token_id;
    const char *subject;
    const char *client_id;
    const char *grant_id;
    int64_t token_catalog;
    int64_t issued_seq;   /* the event that issued the token (0: unknown) */
    int64_t obtained_seq; /* the event that obtained the grant (0: unknown) */
} why_state;

static gh_err why_fail(gh_err err)
{
    (void)fprintf(stderr, "gatehouse: cannot read the audit trail: %s\n", gh_err_str(err));
    return err;
}

/* The action: the event at seq. GH_ENOTFOUND if there is none. */
static gh_err why_action(why_state *w, int64_t seq)
{
    gh_audit_filter f;
    gh_audit_event *ev = NULL;
    size_t n = 0;
    json_t *o, *d;
    gh_err err;

    memset(&f, 0, sizeof(f));
    f.after_seq = seq - 1;
    f.limit = 1;
    err = gh_store_audit_query(w->s, &f, w->a, &ev, &n);
    if (err != GH_OK)
        return why_fail(err);
    if (n == 0 || ev[0].seq != seq) {
        (void)fprintf(stderr, "gatehouse: no audit event with seq %lld\n", (long long)seq);
        return GH_ENOTFOUND;
    }
    if (ev[0].token_id == NULL) {
        (void)fprintf(stderr, "gatehouse: event %lld (%s) names no token: nothing to trace\n",
                      (long long)seq, ev[0].type != NULL ? ev[0].type : "?");
        return GH_ENOTFOUND;
    }
    w->token_id = ev[0].token_id;
    w->subject = ev[0].subject;
    w->client_id = ev[0].client_id;
    o = event_summary(&ev[0]);
    d = event_data(&ev[0]);
    copy_member(o, d, "tool");
    copy_member(o, d, "model_id");
    copy_member(o, d, "outcome");
    copy_member(o, d, "reported_by");
    set_str(o, "scope", ev[0].scope);
    json_decref(d);
    json_object_set_new(w->out, "action", o);
    return GH_OK;
}

/* The token's row and the event that issued it. GH_ENOTFOUND if neither is known. */
static gh_err why_token(why_state *w)
{
    gh_token *row = NULL;
    gh_audit_filter f;
    why_found found;
    const gh_audit_event *iss = NULL;
    json_t *o = json_object();
    gh_err err = gh_store_token_get(w->s, w->token_id, w->a, &row);

    if (err != GH_OK && err != GH_ENOTFOUND) {
        json_decref(o);
        return why_fail(err);
    }
    memset(&f, 0, sizeof(f));
    memset(&found, 0, sizeof(found));
    f.token_id = w->token_id;
    err = find_events(w->s, f, NULL, 0, w->a, &found);
    if (err != GH_OK) {
        json_decref(o);
        return why_fail(err);
    }
    if (row == NULL && found.count == 0) {
        json_decref(o);
        (void)fprintf(stderr, "gatehouse: no token %s in the store or the audit trail\n",
                      w->token_id);
        return GH_ENOTFOUND;
    }
    /* The first event naming the token that issued it. */
    if (found.count > 0) {
        gh_audit_filter g = f;
        for (const char *const *t = (const char *const[]){"code.exchanged", "token.refreshed",
                                                          GH_AUDIT_TOKEN_ISSUED, NULL};
             *t != NULL; t++) {
            why_found one;
            memset(&one, 0, sizeof(one));
            g.type = *t;
            err = find_events(w->s, g, NULL, 0, w->a, &one);
            if (err != GH_OK) {
                json_decref(o);
                return why_fail(err);
            }
            if (one.first != NULL && (iss == NULL || one.first->seq < iss->seq))
                iss = one.first;
        }
    }
    set_str(o, "id", w->token_id);
    if (row != NULL) {
        set_str(o, "format", row->format);
        json_object_set_new(o, "scope", words(row->scope));
        json_object_set_new(o, "audience", words(row->audience));
        set_time(o, "issued_at", row->issued_at);
        set_time(o, "expires_at", row->expires_at);
        set_time(o, "revoked_at", row->revoked_at);
        json_object_set_new(o, "catalog_version", json_integer((json_int_t)row->catalog_version));
        w->token_catalog = row->catalog_version;
        w->grant_id = row->grant_id;
        if (w->subject == NULL)
            w->subject = row->subject;
        if (w->client_id == NULL)
            w->client_id = row->client_id;
    } else {
        json_object_set_new(o, "scope", words(found.first->scope));
        json_object_set_new(o, "row", json_string("not in the store (expired and purged?)"));
        if (w->subject == NULL)
            w->subject = found.first->subject;
        if (w->client_id == NULL)
            w->client_id = found.first->client_id;
    }
    if (iss != NULL) {
        json_t *d = event_data(iss);
        json_t *by = event_summary(iss);
        const char *gt = json_string_value(json_object_get(d, "grant_type"));

        if (strcmp(iss->type, "code.exchanged") == 0)
            gt = "authorization_code";
        else if (strcmp(iss->type, "token.refreshed") == 0)
            gt = "refresh_token";

        json_object_set_new(o, "issued_by", by);
        set_str(o, "grant_type", gt);
        if (w->grant_id == NULL && json_is_string(json_object_get(d, "grant_id")))
            w->grant_id = gh_arena_strdup(w->a, json_string_value(json_object_get(d, "grant_id")));
        w->issued_seq = iss->seq;
        json_decref(d);
    } else {
        json_object_set_new(o, "issued_by", json_null());
        set_str(o, "grant_type", NULL);
    }
    json_object_set_new(o, "events", json_integer((json_int_t)found.count));
    json_object_set_new(w->out, "token", o);
    return GH_OK;
}

/* The grant: the code exchange that obtained it and the refreshes up to this token. */
static gh_err why_grant(why_state *w)
{
    gh_audit_filter f;
    why_found ex, rot;
    why_match m = {"grant_id", w->grant_id};
    json_t *o = json_object();
    gh_err err;

    set_str(o, "id", w->grant_id);
    json_object_set_new(w->out, "grant", o);
    if (w->grant_id == NULL || w->subject == NULL || w->client_id == NULL) {
        json_object_set_new(o, "obtained_by", json_null());
        json_object_set_new(o, "refreshes", json_array());
        w->obtained_seq = w->issued_seq;
        return GH_OK;
    }
    memset(&f, 0, sizeof(f));
    memset(&ex, 0, sizeof(ex));
    memset(&rot, 0, sizeof(rot));
    f.subject = w->subject;
    f.client_id = w->client_id;
    f.type = "code.exchanged";
    err = find_events(w->s, f, &m, 0, w->a, &ex);
    if (err != GH_OK)
        return why_fail(err);
    if (ex.first != NULL) {
        json_t *by = event_summary(ex.first);
        json_t *d = event_data(ex.first);
        json_object_set_new(by, "grant_type", json_string("authorization_code"));
        copy_member(by, d, "code");
        set_str(by, "token_id", ex.first->token_id);
        json_decref(d);
        json_object_set_new(o, "obtained_by", by);
        w->obtained_seq = ex.first->seq;
    } else {
        /* Not from a code (client credentials, or the exchange is no longer in the trail):
         * the token's own issuance is the earliest step known. */
        json_object_set_new(o, "obtained_by", json_null());
        w->obtained_seq = w->issued_seq;
    }
    f.type = "token.refreshed";
    rot.all = json_array();
    err = find_events(w->s, f, &m, w->issued_seq > 0 ? w->issued_seq + 1 : 0, w->a, &rot);
    json_object_set_new(o, "refreshes", rot.all);
    if (err != GH_OK)
        return why_fail(err);
    return GH_OK;
}

/* The catalog version in force just before seq: the latest catalog.changed before it. */
static gh_err catalog_before(why_state *w, int64_t seq, int64_t *out)
{
    gh_audit_filter f;
    why_found c;
    gh_err err;

    memset(&f, 0, sizeof(f));
    memset(&c, 0, sizeof(c));
    f.type = GH_AUDIT_CATALOG_CHANGED;
    err = find_events(w->s, f, NULL, seq, w->a, &c);
    if (err != GH_OK)
        return err;
    *out = w->token_catalog;
    if (c.last != NULL) {
        json_t *d = event_data(c.last);
        if (json_is_integer(json_object_get(d, "version")))
            *out = (int64_t)json_integer_value(json_object_get(d, "version"));
        json_decref(d);
    }
    return GH_OK;
}

/* The consent before the grant was obtained, and the login before that. */
static gh_err why_consent_login(why_state *w)
{
    gh_audit_filter f;
    why_found cg, lg;
    int64_t bound = w->obtained_seq > 0 ? w->obtained_seq : 0, login_bound, version = 0;
    const gh_audit_event *login = NULL;
    gh_err err;

    memset(&f, 0, sizeof(f));
    memset(&cg, 0, sizeof(cg));
    if (w->subject == NULL || w->client_id == NULL) {
        json_object_set_new(w->out, "consent", json_null());
        json_object_set_new(w->out, "login", json_null());
        return GH_OK;
    }
    f.subject = w->subject;
    f.client_id = w->client_id;
    f.type = "consent.granted";
    err = find_events(w->s, f, NULL, bound, w->a, &cg);
    if (err != GH_OK)
        return why_fail(err);
    if (cg.last != NULL) {
        json_t *o = event_summary(cg.last);
        json_t *d = event_data(cg.last);
        copy_member(o, d, "requested");
        copy_member(o, d, "granted");
        copy_member(o, d, "remembered");
        copy_member(o, d, "audience");
        err = catalog_before(w, cg.last->seq, &version);
        if (err != GH_OK) {
            json_decref(d);
            json_decref(o);
            return why_fail(err);
        }
        json_object_set_new(o, "catalog_version", json_integer((json_int_t)version));
        json_decref(d);
        json_object_set_new(w->out, "consent", o);
        login_bound = cg.last->seq;
    } else {
        json_object_set_new(w->out, "consent", json_null());
        login_bound = bound;
    }
    /* The user's latest login before it: the password check, or a login accepted through
     * the login API, whichever came last. */
    for (const char *const *t = (const char *const[]){"login.succeeded", "login.accepted", NULL};
         *t != NULL; t++) {
        memset(&lg, 0, sizeof(lg));
        f.client_id = NULL;
        f.type = *t;
        err = find_events(w->s, f, NULL, login_bound, w->a, &lg);
        if (err != GH_OK)
            return why_fail(err);
        if (lg.last != NULL && (login == NULL || lg.last->seq > login->seq))
            login = lg.last;
    }
    if (login != NULL) {
        json_t *o = event_summary(login);
        set_str(o, "client_id", login->client_id);
        json_object_set_new(w->out, "login", o);
    } else {
        json_object_set_new(w->out, "login", json_null());
    }
    return GH_OK;
}

static gh_err why_client(why_state *w)
{
    gh_audit_filter f;
    why_found cc;
    gh_client *c = NULL;
    json_t *o = json_object();
    gh_err err;

    set_str(o, "client_id", w->client_id);
    json_object_set_new(w->out, "client", o);
    if (w->client_id == NULL) {
        json_object_set_new(o, "created", json_null());
        return GH_OK;
    }
    err = gh_store_client_get(w->s, w->client_id, w->a, &c);
    if (err == GH_OK && c != NULL && c->doc != NULL) {
        json_t *doc = json_loads(c->doc, 0, NULL);
        copy_member(o, doc, "client_name");
        json_decref(doc);
    } else {
        json_object_set_new(o, "client_name", json_null());
    }
    memset(&f, 0, sizeof(f));
    memset(&cc, 0, sizeof(cc));
    f.client_id = w->client_id;
    f.type = GH_AUDIT_CLIENT_CREATED;
    err = find_events(w->s, f, NULL, 0, w->a, &cc);
    if (err != GH_OK)
        return why_fail(err);
    json_object_set_new(o, "created", cc.first != NULL ? event_summary(cc.first) : json_null());
    return GH_OK;
}

/* ---- text ---- */

static const char *jstr(const json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    return s != NULL ? s : "-";
}

static void print_words(const json_t *arr)
{
    size_t i;
    json_t *v;

    if (!json_is_array(arr) || json_array_size(arr) == 0) {
        (void)printf("(none)");
        return;
    }
    json_array_foreach(arr, i, v)
    {
        (void)printf("%s%s", i > 0 ? " " : "", json_string_value(v));
    }
}

static void print_at(const json_t *ev)
{
    (void)printf("event %lld %s at %s by %s",
                 (long long)json_integer_value(json_object_get(ev, "seq")), jstr(ev, "type"),
                 jstr(ev, "time"), jstr(ev, "actor"));
}

static void print_text(const json_t *w)
{
    const json_t *act = json_object_get(w, "action"), *tok = json_object_get(w, "token");
    const json_t *gr = json_object_get(w, "grant"), *con = json_object_get(w, "consent");
    const json_t *lg = json_object_get(w, "login"), *cl = json_object_get(w, "client");
    const json_t *v;
    size_t i;

    if (json_is_object(act)) {
        (void)printf("action:  ");
        print_at(act);
        (void)printf("\n         tool %s, model %s, outcome %s\n", jstr(act, "tool"),
                     jstr(act, "model_id"), jstr(act, "outcome"));
    }
    (void)printf("token:   %s (%s)\n         scope ", jstr(tok, "id"), jstr(tok, "format"));
    print_words(json_object_get(tok, "scope"));
    (void)printf("\n         audience ");
    print_words(json_object_get(tok, "audience"));
    (void)printf("\n         issued %s, expires %s", jstr(tok, "issued_at"),
                 jstr(tok, "expires_at"));
    if (json_is_string(json_object_get(tok, "revoked_at")))
        (void)printf(", revoked %s", jstr(tok, "revoked_at"));
    (void)printf("\n         grant type %s", jstr(tok, "grant_type"));
    if (json_is_object(json_object_get(tok, "issued_by"))) {
        (void)printf(", issued by ");
        print_at(json_object_get(tok, "issued_by"));
    }
    (void)printf("\ngrant:   %s\n", jstr(gr, "id"));
    if (json_is_object(json_object_get(gr, "obtained_by"))) {
        (void)printf("         obtained by ");
        print_at(json_object_get(gr, "obtained_by"));
        (void)printf("\n");
    } else {
        (void)printf("         obtained by: unknown (no code exchange in the trail)\n");
    }
    json_array_foreach(json_object_get(gr, "refreshes"), i, v)
    {
        (void)printf("         refreshed: ");
        print_at(v);
        (void)printf("\n");
    }
    if (json_is_object(con)) {
        (void)printf("consent: ");
        print_at(con);
        (void)printf("\n         asked ");
        print_words(json_object_get(con, "requested"));
        (void)printf("\n         given ");
        print_words(json_object_get(con, "granted"));
        (void)printf("\n         scope catalog version %lld\n",
                     (long long)json_integer_value(json_object_get(con, "catalog_version")));
    } else {
        (void)printf("consent: none in the trail before the grant\n");
    }
    (void)printf("user:    %s\n", jstr(w, "subject"));
    if (json_is_object(lg)) {
        (void)printf("login:   ");
        print_at(lg);
        (void)printf("\n");
    } else {
        (void)printf("login:   none in the trail before the consent\n");
    }
    (void)printf("client:  %s (%s)", jstr(cl, "client_id"), jstr(cl, "client_name"));
    if (json_is_object(json_object_get(cl, "created"))) {
        (void)printf(", created by ");
        print_at(json_object_get(cl, "created"));
    }
    (void)printf("\n");
}

/* Builds the chain into out: from the action at seq (> 0), else from token_id. start is what
 * the chain says it started from. */
static gh_err why_chain(gh_store *s, gh_arena *a, const char *start, int64_t seq,
                        const char *token_id, json_t *out)
{
    why_state w;
    gh_err err = GH_OK;

    memset(&w, 0, sizeof(w));
    w.s = s;
    w.a = a;
    w.out = out;
    json_object_set_new(w.out, "start", json_string(start));
    if (seq > 0) {
        err = why_action(&w, seq);
    } else {
        json_object_set_new(w.out, "action", json_null());
        w.token_id = token_id;
    }
    if (err == GH_OK)
        err = why_token(&w);
    if (err == GH_OK) {
        set_str(w.out, "subject", w.subject);
        err = why_grant(&w);
    }
    if (err == GH_OK)
        err = why_consent_login(&w);
    if (err == GH_OK)
        err = why_client(&w);
    return err;
}

/* ---- a resource ---- */

/* The matching tool calls listed, at most (the latest ones). */
#define WHY_SHOWN 20

/* What find_resource found. */
typedef struct why_hits {
    json_t *shown; /* the latest WHY_SHOWN matches, oldest first */
    size_t total;
    int64_t last_seq;    /* the latest match (0: none) */
    int64_t last_ok_seq; /* the latest match whose outcome is "ok" (0: none) */
} why_hits;

/* {seq, time, tool, outcome, model_id, client_id, subject, token_id} of a tool call. */
static json_t *call_summary(const gh_audit_event *e, const json_t *d)
{
    json_t *o = json_object();

    json_object_set_new(o, "seq", json_integer((json_int_t)e->seq));
    set_time(o, "time", e->time_us / 1000000);
    copy_member(o, d, "tool");
    copy_member(o, d, "outcome");
    copy_member(o, d, "model_id");
    set_str(o, "client_id", e->client_id);
    set_str(o, "subject", e->subject);
    set_str(o, "token_id", e->token_id);
    return o;
}

/* Pages through the tool.called events that f's since, until, subject and client allow, one
 * page in memory at a time, and collects those whose arguments name resource into h. */
static gh_err find_resource(gh_store *s, const gh_audit_filter *filter, const char *resource,
                            why_hits *h)
{
    gh_audit_filter f;

    memset(&f, 0, sizeof(f));
    f.type = GH_AUDIT_TOOL_CALLED;
    f.since_us = filter->since_us;
    f.until_us = filter->until_us;
    f.subject = filter->subject;
    f.client_id = filter->client_id;
    for (;;) {
        gh_arena *a = gh_arena_new(0);
        gh_audit_event *ev = NULL;
        size_t n = 0;
        gh_err err;

        f.limit = WHY_PAGE;
        err = gh_store_audit_query(s, &f, a, &ev, &n);
        if (err != GH_OK) {
            gh_arena_free(a);
            return err;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *d = event_data(&ev[i]);
            if (gh_audit_args_match(json_object_get(d, "arguments"), resource)) {
                const char *outcome = json_string_value(json_object_get(d, "outcome"));
                h->total++;
                h->last_seq = ev[i].seq;
                if (outcome != NULL && strcmp(outcome, "ok") == 0)
                    h->last_ok_seq = ev[i].seq;
                if (json_array_size(h->shown) == WHY_SHOWN)
                    (void)json_array_remove(h->shown, 0);
                json_array_append_new(h->shown, call_summary(&ev[i], d));
            }
            json_decref(d);
        }
        if (n > 0)
            f.after_seq = ev[n - 1].seq;
        gh_arena_free(a);
        if (n < WHY_PAGE)
            return GH_OK;
    }
}

static void print_calls(const char *resource, const why_hits *h, int64_t chain_seq)
{
    size_t i;
    json_t *v;

    (void)printf("resource %s: %zu tool call%s\n", resource, h->total, h->total == 1 ? "" : "s");
    if (h->total > json_array_size(h->shown))
        (void)printf("  (%zu earlier not shown)\n", h->total - json_array_size(h->shown));
    json_array_foreach(h->shown, i, v)
    {
        (void)printf("  event %lld at %s: %s, outcome %s, model %s, client %s, user %s\n",
                     (long long)json_integer_value(json_object_get(v, "seq")), jstr(v, "time"),
                     jstr(v, "tool"), jstr(v, "outcome"), jstr(v, "model_id"),
                     jstr(v, "client_id"), jstr(v, "subject"));
    }
    if (h->last_ok_seq > 0)
        (void)printf("\nwhy event %lld, the latest that succeeded:\n", (long long)chain_seq);
    else
        (void)printf("\nnone succeeded; why event %lld, the latest attempt:\n",
                     (long long)chain_seq);
}

/* Whether the store or the trail knows a token with this id. */
static gh_err token_known(gh_store *s, gh_arena *a, const char *id, bool *out)
{
    gh_token *row = NULL;
    gh_audit_filter f;
    gh_audit_event *ev = NULL;
    size_t n = 0;
    gh_err err = gh_store_token_get(s, id, a, &row);

    *out = err == GH_OK;
    if (err == GH_OK)
        return GH_OK;
    if (err != GH_ENOTFOUND)
        return err;
    memset(&f, 0, sizeof(f));
    f.token_id = id;
    f.limit = 1;
    err = gh_store_audit_query(s, &f, a, &ev, &n);
    *out = err == GH_OK && n > 0;
    return err;
}

/* Whether f narrows a resource's calls (since, until, subject or client set). */
static bool narrowed(const gh_audit_filter *f)
{
    return f->since_us != 0 || f->until_us != 0 || f->subject != NULL || f->client_id != NULL;
}

/* The resource form: the matching calls, then the chain of the one that explains it. */
static gh_err why_resource(gh_store *s, gh_arena *a, const gh_cmd_why_opts *o,
                           const char *resource, bool explicit)
{
    why_hits h;
    json_t *chain = json_object();
    char start[24];
    int64_t seq;
    gh_err err;

    memset(&h, 0, sizeof(h));
    h.shown = json_array();
    err = find_resource(s, &o->filter, resource, &h);
    if (err != GH_OK) {
        (void)why_fail(err);
        goto done;
    }
    if (h.total == 0) {
        const char *within = narrowed(&o->filter) ? " (within the filters given)" : "";
        if (explicit)
            (void)fprintf(stderr, "gatehouse: no tool call names the resource %s%s\n", resource,
                          within);
        else
            (void)fprintf(stderr,
                          "gatehouse: no token %s in the store or the audit trail, and no tool "
                          "call names it as a resource%s\n",
                          resource, within);
        err = GH_ENOTFOUND;
        goto done;
    }
    seq = h.last_ok_seq > 0 ? h.last_ok_seq : h.last_seq;
    (void)snprintf(start, sizeof(start), "%lld", (long long)seq);
    err = why_chain(s, a, start, seq, NULL, chain);
    if (err != GH_OK)
        goto done;
    if (o->as_json) {
        json_t *out = json_object();
        json_object_set_new(out, "resource", json_string(resource));
        json_object_set(out, "matches", h.shown);
        json_object_set_new(out, "total", json_integer((json_int_t)h.total));
        json_object_set(out, "chain", chain);
        gh_cmd_print_json(stdout, out);
        json_decref(out);
    } else {
        print_calls(resource, &h, seq);
        print_text(chain);
    }
done:
    json_decref(h.shown);
    json_decref(chain);
    return err;
}

int gh_cmd_audit_why(gh_cmd_env *env, const gh_cmd_why_opts *o)
{
    const char *start = o->start;
    size_t len = start != NULL ? strlen(start) : 0;
    gh_arena *a;
    json_t *out = NULL;
    int64_t seq = 0;
    const char *token_id = NULL;
    bool known = false;
    gh_err err = GH_OK;
    int rc;

    if ((start == NULL) == (o->resource == NULL))
        return gh_cmd_usage_error("audit", "why needs one of an event seq, a token, a resource "
                                           "or --resource VALUE",
                                  NULL);
    rc = gh_cmd_load_config(env);
    if (rc == GH_CMD_OK)
        rc = gh_cmd_open_store(env);
    if (rc != GH_CMD_OK)
        return rc;
    a = gh_arena_new(0);
    if (o->resource != NULL) {
        err = why_resource(env->store, a, o, o->resource, true);
        goto done;
    }
    if (len > 0 && len <= 18 && strspn(start, "0123456789") == len) {
        for (const char *p = start; *p; p++)
            seq = seq * 10 + (*p - '0');
    } else {
        token_id = jwt_jti(a, start);
        if (token_id == NULL) {
            err = token_known(env->store, a, start, &known);
            if (err != GH_OK) {
                (void)why_fail(err);
                goto done;
            }
            if (!known) {
                err = why_resource(env->store, a, o, start, false);
                goto done;
            }
            token_id = start;
        }
    }
    if (narrowed(&o->filter)) {
        rc = gh_cmd_usage_error("audit", "--since, --until, --subject and --client apply to a "
                                         "resource, not to an event seq or a token",
                                start);
        goto done;
    }
    out = json_object();
    err = why_chain(env->store, a, start, seq, token_id, out);
    if (err == GH_OK) {
        if (o->as_json)
            gh_cmd_print_json(stdout, out);
        else
            print_text(out);
    }
done:
    json_decref(out);
    gh_arena_free(a);
    if (rc != GH_CMD_OK)
        return rc;
    return err == GH_OK ? GH_CMD_OK : GH_CMD_FAIL;
}
