/*
 * user.c - built-in users: create, find, change password, delete, and the password login
 * with its throttling.
 *
 * Passwords are hashed with libsodium's crypto_pwhash_str (Argon2id, m = 19 MiB, t = 2, as
 * DESIGN.md's table says) and checked with crypto_pwhash_str_verify. The hash text carries its
 * own parameters, so raising them later needs no migration.
 *
 * Login (gh_oauth_user_login) in order:
 *   1. throttle: the failure counters "login:acct:<username, ASCII lower case>" and
 *      "login:addr:<remote address>" (fixed windows of login.throttle.window seconds, store
 *      counters). When either is at its limit the attempt is refused before the password is
 *      looked at, with the seconds until that window ends (audit login.throttled).
 *   2. the password is verified against the user's hash, or, when there is no such user,
 *      against DUMMY_HASH (same parameters), so an unknown user costs the same work as a
 *      wrong password and the answer is the same: no user enumeration by timing or message.
 *   3. one transaction records the outcome: a failure hits both counters with the
 *      login.failed event; a success resets the account counter with login.succeeded. The
 *      address counter is not reset by a success, so one valid account does not clear an
 *      address that is guessing at others.
 * Concurrent attempts may each pass step 1 before either records its failure; the limit can
 * thus be exceeded by the number of attempts in flight at once, never more.
 *
 * Not here: sessions and cookies (session code), the login page (ui/), the user's claims in
 * ID tokens and /userinfo (their endpoints read the gh_user row).
 */
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "base/mem.h"
#include "oauth/oauth_int.h"

/* DESIGN.md: Argon2id with m = 19 MiB, t = 2 (p = 1 in libsodium). */
#define PWHASH_OPSLIMIT 2ULL
#define PWHASH_MEMLIMIT ((size_t)19 * 1024 * 1024)

#define USERNAME_MAX 64
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024
#define EMAIL_MAX 254
#define NAME_MAX_BYTES 256
/* Longer remote addresses are not throttled by address (an IPv6 address is at most 45). */
#define ADDR_MAX 64

#define AUDIT_USER_CREATED "user.created"
#define AUDIT_USER_PASSWORD_CHANGED "user.password_changed"
#define AUDIT_USER_DELETED "user.deleted"
#define AUDIT_LOGIN_SUCCEEDED "login.succeeded"
#define AUDIT_LOGIN_FAILED "login.failed"
#define AUDIT_LOGIN_THROTTLED "login.throttled"

/* A hash of a password nobody knows, made once with the parameters above. Verifying against
 * it costs what verifying a real user's password costs; sodium_start checks that its
 * parameters are still those above, so changing one without the other fails at once. */
static const char DUMMY_HASH[crypto_pwhash_STRBYTES] =
    "$argon2id$v=19$m=19456,t=2,p=1$yRkrGiCXrc1ZO7pmoyLRuQ$"
    "LD/hgTIfMeL25vNcIf6RFzlX7nAgaXu70VvCR6kyg7A";

/* libsodium must be initialised once before use; pthread_once makes that safe when the first
 * logins arrive on several threads at once. */
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static void sodium_start(void)
{
    gh_assert(sodium_init() >= 0);
    gh_assert(crypto_pwhash_str_needs_rehash(DUMMY_HASH, PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) == 0);
}

static void sodium_ready(void)
{
    gh_assert(pthread_once(&sodium_once, sodium_start) == 0);
}

/* ---- validation ---- */

static bool username_ok(const char *s)
{
    size_t n;

    if (s == NULL)
        return false;
    for (n = 0; s[n] != '\0'; n++) {
        char c = s[n];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok || n >= USERNAME_MAX)
            return false;
    }
    return n > 0;
}

/* True if s has the form of a user id ("u_" + 22 base64url characters): such a name would be
 * shadowed by the id in gh_oauth_user_find, so it is not a valid username. */
static bool looks_like_id(const char *s)
{
    size_t n = strlen(s), i;

    if (n != 24 || s[0] != 'u' || s[1] != '_')
        return false;
    for (i = 2; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static const char *password_problem(const char *pw)
{
    size_t n;

    if (pw == NULL)
        return "a password is required";
    n = strlen(pw);
    if (n < PASSWORD_MIN)
        return "the password must be at least 8 bytes long";
    if (n > PASSWORD_MAX)
        return "the password must be at most 1024 bytes long";
    return NULL;
}

/* Loose on purpose: one '@' with something on each side, no whitespace or control bytes,
 * UTF-8, at most 254 bytes (RFC 5321 4.5.3.1.3 path limit less the brackets). */
static bool email_ok(const char *s)
{
    size_t n = strlen(s), i, ats = 0, at = 0;

    if (n == 0 || n > EMAIL_MAX || !gh_str_utf8(s, n))
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
        if (c == '@') {
            ats++;
            at = i;
        }
    }
    return ats == 1 && at > 0 && at + 1 < n;
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s), i;

    if (n == 0 || n > NAME_MAX_BYTES || !gh_str_utf8(s, n))
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

/* Empty optional strings mean "not given". */
static const char *opt(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

static const char *user_in_problem(const gh_oauth_user_in *in)
{
    const char *name = opt(in->name), *email = opt(in->email);

    if (!username_ok(in->username))
        return "the username must be 1 to 64 characters of A-Z a-z 0-9 . _ @ -";
    if (looks_like_id(in->username))
        return "the username must not have the form of a user id (u_ and 22 characters)";
    if (name != NULL && !name_ok(name))
        return "the name must be 1 to 256 bytes of UTF-8 text without control characters";
    if (email != NULL && !email_ok(email))
        return "the email address is not valid";
    if (in->email_verified && email == NULL)
        return "email_verified needs an email address";
    return password_problem(in->password);
}

/* ---- hashing ---- */

/* Hashes password into the arena. GH_ECRYPTO if libsodium fails (out of memory). */
static gh_err hash_password(gh_ctx *ctx, const char *password, const char **out)
{
    char buf[crypto_pwhash_STRBYTES];

    sodium_ready();
    if (crypto_pwhash_str(buf, password, strlen(password), PWHASH_OPSLIMIT, PWHASH_MEMLIMIT) != 0) {
        gh_ctx_fail(ctx, "users: password hashing failed (out of memory?)");
        return GH_ECRYPTO;
    }
    *out = gh_arena_strdup(ctx->arena, buf);
    return GH_OK;
}

/* True if password matches hash. The work is that of one Argon2id verification with the
 * hash's parameters. libsodium takes the hash as a crypto_pwhash_STRBYTES array, so it is
 * copied into one first. */
static bool verify_password(const char *hash, const char *password)
{
    char str[crypto_pwhash_STRBYTES];
    size_t n = strlen(password);
    /* A hash this code did not write, or an over-long password (checked at the longest
     * length allowed): the same work, then a failure. */
    bool usable = strlen(hash) < sizeof(str) && n <= PASSWORD_MAX;
    const char *h = usable ? hash : DUMMY_HASH;
    bool ok;

    sodium_ready();
    memset(str, 0, sizeof(str));
    memcpy(str, h, strlen(h));
    ok = crypto_pwhash_str_verify(str, password, n > PASSWORD_MAX ? PASSWORD_MAX : n) == 0;
    gh_wipe(str, sizeof(str));
    return ok && usable;
}

/* ---- create, find, passwd, delete ---- */

static json_t *user_audit_data(const gh_user *u)
{
    return json_pack("{ss}", "username", u->username);
}

gh_err gh_oauth_user_create(gh_engine *e, gh_ctx *ctx, const gh_oauth_user_in *in,
                            const char *actor, gh_user **out, const char **out_msg)
{
    gh_user *u = NULL;
    gh_store_txn *t = NULL;
    json_t *data = NULL;
    const char *problem;
    gh_err err;

    *out = NULL;
    *out_msg = NULL;
    problem = user_in_problem(in);
    if (problem != NULL) {
        *out_msg = problem;
        return GH_EINVAL;
    }
    u = GH_ARENA_NEW(ctx->arena, gh_user);
    u->id = gh_ctx_rand_token(ctx, "u_", 16);
    u->username = gh_arena_strdup(ctx->arena, in->username);
    u->name = opt(in->name) != NULL ? gh_arena_strdup(ctx->arena, in->name) : NULL;
    u->email = opt(in->email) != NULL ? gh_arena_strdup(ctx->arena, in->email) : NULL;
    u->email_verified = in->email_verified;
    u->created_at = ctx->now;
    u->updated_at = ctx->now;
    err = hash_password(ctx, in->password, &u->password_hash);
    if (err != GH_OK)
        return err;

    t = gh_store_txn_new(ctx->arena);
    gh_store_txn_add(t, &(gh_store_op){.kind = GH_OP_USER_INSERT, .u.user = u});
    data = user_audit_data(u);
    gh_oauth__audit(ctx, t, AUDIT_USER_CREATED, actor, NULL, u->id, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err == GH_ECONFLICT) {
        *out_msg = "the username is taken";
        return err;
    }
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "users: storing a new user: %s", gh_err_str(err));
        return err;
    }
    *out = u;
    return GH_OK;
}

gh_err gh_oauth_user_find(gh_engine *e, gh_ctx *ctx, const char *id_or_name, gh_user **out)
{
    gh_err err;

    *out = NULL;
    if (id_or_name == NULL || id_or_name[0] == '\0')
        return GH_ENOTFOUND;
    err = gh_store_user_get(e->store, id_or_name, ctx->arena, out);
    if (err == GH_ENOTFOUND)
        err = gh_store_user_get_by_username(e->store, id_or_name, ctx->arena, out);
    if (err != GH_OK && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "users: reading a user: %s", gh_err_str(err));
    if (err != GH_OK)
        *out = NULL;
    return err;
}

gh_err gh_oauth_user_passwd(gh_engine *e, gh_ctx *ctx, const char *id_or_name, const char *password,
                            const char *actor, const char **out_msg)
{
    gh_user *u = NULL;
    gh_store_txn *t;
    json_t *data;
    const char *problem;
    gh_err err;

    *out_msg = NULL;
    problem = password_problem(password);
    if (problem != NULL) {
        *out_msg = problem;
        return GH_EINVAL;
    }
    err = gh_oauth_user_find(e, ctx, id_or_name, &u);
    if (err != GH_OK)
        return err;
    err = hash_password(ctx, password, &u->password_hash);
    if (err != GH_OK)
        return err;
    u->updated_at = ctx->now;

    t = gh_store_txn_new(ctx->arena);
    gh_store_txn_add(t, &(gh_store_op){.kind = GH_OP_USER_UPDATE, .u.user = u});
    data = user_audit_data(u);
    gh_oauth__audit(ctx, t, AUDIT_USER_PASSWORD_CHANGED, actor, NULL, u->id, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "users: storing a new password: %s", gh_err_str(err));
    return err;
}

gh_err gh_oauth_user_delete(gh_engine *e, gh_ctx *ctx, const char *id_or_name, const char *actor)
{
    gh_user *u = NULL;
    gh_store_txn *t;
    json_t *data;
    gh_err err;

    err = gh_oauth_user_find(e, ctx, id_or_name, &u);
    if (err != GH_OK)
        return err;
    t = gh_store_txn_new(ctx->arena);
    gh_store_txn_add(
        t, &(gh_store_op){.kind = GH_OP_USER_DELETE, .u.revoke = {.id = u->id, .at = ctx->now}});
    data = user_audit_data(u);
    gh_oauth__audit(ctx, t, AUDIT_USER_DELETED, actor, NULL, u->id, NULL, NULL, data);
    json_decref(data);
    err = gh_store_commit(e->store, t);
    if (err != GH_OK && err != GH_ENOTFOUND)
        gh_ctx_fail(ctx, "users: deleting a user: %s", gh_err_str(err));
    return err;
}

/* ---- login ---- */

/* The account counter's key: the username in ASCII lower case, so that "Alice" and "alice"
 * share one budget whatever the store's collation. NULL for a name that cannot exist. */
static const char *account_key(gh_ctx *ctx, const char *username)
{
    char *k;
    size_t p, i;

    if (!username_ok(username))
        return NULL;
    k = gh_arena_printf(ctx->arena, "login:acct:%s", username);
    p = strlen("login:acct:");
    for (i = p; k[i] != '\0'; i++) {
        if (k[i] >= 'A' && k[i] <= 'Z')
            k[i] = (char)(k[i] - 'A' + 'a');
    }
    return k;
}

static const char *address_key(gh_ctx *ctx, const char *addr)
{
    size_t n;

    if (addr == NULL)
        return NULL;
    n = strlen(addr);
    if (n == 0 || n > ADDR_MAX || !gh_str_printable(addr, n))
        return NULL;
    return gh_arena_printf(ctx->arena, "login:addr:%s", addr);
}

/* If the counter key is at limit within its window, the seconds until the window ends
 * (>= 1); else 0. limit <= 0 disables the check. */
static gh_err counter_wait(gh_engine *e, gh_ctx *ctx, const char *key, int64_t limit,
                           int64_t *out_wait)
{
    gh_counter *c = NULL;
    int64_t window = e->cfg->throttle_window, end;
    gh_err err;

    *out_wait = 0;
    if (key == NULL || limit <= 0 || window <= 0)
        return GH_OK;
    err = gh_store_counter_get(e->store, key, ctx->arena, &c);
    if (err == GH_ENOTFOUND)
        return GH_OK;
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "users: reading a login counter: %s", gh_err_str(err));
        return err;
    }
    end = c->window_start + window;
    if (end <= ctx->now || c->count < limit)
        return GH_OK;
    *out_wait = end - ctx->now;
    return GH_OK;
}

static void add_counter(gh_store_txn *t, gh_store_op_kind kind, const char *key, int64_t at,
                        int64_t window)
{
    if (key == NULL)
        return;
    gh_store_txn_add(
        t, &(gh_store_op){.kind = kind, .u.counter = {.key = key, .at = at, .window = window}});
}

gh_err gh_oauth_user_login(gh_engine *e, gh_ctx *ctx, const char *username, const char *password,
                           const char *remote_addr, const char *client_id,
                           gh_oauth_login_result *out, gh_user **out_user, int64_t *out_retry_after)
{
    const char *addr = remote_addr != NULL ? remote_addr : ctx->remote_addr;
    const char *acct_key = account_key(ctx, username);
    const char *addr_key = address_key(ctx, addr);
    int64_t wait_acct = 0, wait_addr = 0, window = e->cfg->throttle_window;
    gh_user *u = NULL;
    gh_store_txn *t;
    json_t *data = NULL;
    bool ok;
    gh_err err;

    *out = GH_LOGIN_BAD_CREDENTIALS;
    *out_user = NULL;
    *out_retry_after = 0;

    err = counter_wait(e, ctx, acct_key, e->cfg->throttle_account_failures, &wait_acct);
    if (err == GH_OK)
        err = counter_wait(e, ctx, addr_key, e->cfg->throttle_address_failures, &wait_addr);
    if (err != GH_OK)
        return err;
    data = json_object();
    if (acct_key != NULL)
        json_object_set_new(data, "username", json_string(username));
    if (addr_key != NULL)
        json_object_set_new(data, "remote_addr", json_string(addr));

    if (wait_acct > 0 || wait_addr > 0) {
        /* Refused before the password is looked at: no hashing work for a guesser. */
        *out_retry_after = wait_acct > wait_addr ? wait_acct : wait_addr;
        json_object_set_new(data, "by",
                            json_string(wait_acct > 0 && wait_addr > 0 ? "both"
                                        : wait_acct > 0                ? "account"
                                                                       : "address"));
        json_object_set_new(data, "retry_after", json_integer(*out_retry_after));
        t = gh_store_txn_new(ctx->arena);
        gh_oauth__audit(ctx, t, AUDIT_LOGIN_THROTTLED, NULL, client_id, NULL, NULL, NULL, data);
        err = gh_store_commit(e->store, t);
        if (err != GH_OK) {
            gh_ctx_fail(ctx, "users: recording a throttled login: %s", gh_err_str(err));
            goto done;
        }
        *out = GH_LOGIN_THROTTLED;
        goto done;
    }

    if (acct_key != NULL) {
        err = gh_store_user_get_by_username(e->store, username, ctx->arena, &u);
        if (err == GH_ENOTFOUND) {
            u = NULL;
        } else if (err != GH_OK) {
            gh_ctx_fail(ctx, "users: reading a user: %s", gh_err_str(err));
            goto done;
        }
    }
    /* The same work whether or not the user exists: one Argon2id verification. */
    ok = verify_password(u != NULL ? u->password_hash : DUMMY_HASH,
                         password != NULL ? password : "");
    ok = ok && u != NULL;

    t = gh_store_txn_new(ctx->arena);
    if (ok) {
        add_counter(t, GH_OP_COUNTER_RESET, acct_key, ctx->now, window);
        gh_oauth__audit(ctx, t, AUDIT_LOGIN_SUCCEEDED,
                        gh_arena_printf(ctx->arena, "user:%s", u->id), client_id, u->id, NULL, NULL,
                        data);
    } else {
        add_counter(t, GH_OP_COUNTER_HIT, acct_key, ctx->now, window);
        add_counter(t, GH_OP_COUNTER_HIT, addr_key, ctx->now, window);
        json_object_set_new(data, "reason",
                            json_string(u != NULL ? "wrong_password" : "unknown_user"));
        gh_oauth__audit(ctx, t, AUDIT_LOGIN_FAILED, NULL, client_id, u != NULL ? u->id : NULL, NULL,
                        NULL, data);
    }
    err = gh_store_commit(e->store, t);
    if (err != GH_OK) {
        gh_ctx_fail(ctx, "users: recording a login: %s", gh_err_str(err));
        goto done;
    }
    if (ok) {
        *out = GH_LOGIN_OK;
        *out_user = u;
    }
done:
    json_decref(data);
    return err;
}
