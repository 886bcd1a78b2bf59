/*
 * test_user.c - built-in users: Argon2id hashing round trip, validation, find/passwd/delete,
 * and the password login: one generic failure for a wrong password and an unknown user,
 * throttling per account and per remote address on the fake clock, the account counter reset
 * by a success, and the audit trail (never holding a password).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/gh_test.h"

#define PW "correct horse battery staple"
#define WINDOW 60

static int setup(void **state)
{
    gh_config *cfg = gh_test_config_new();

    cfg->throttle_account_failures = 3;
    cfg->throttle_address_failures = 5;
    cfg->throttle_window = WINDOW;
    *state = gh_test_env_new_with(cfg, NULL);
    return 0;
}

static int teardown(void **state)
{
    gh_test_env_free(*state);
    return 0;
}

static gh_user *create(gh_test_env *env, const char *username, const char *password)
{
    gh_oauth_user_in in = {.username = username, .password = password};
    gh_user *u = NULL;
    const char *msg = NULL;

    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &in, "test", &u, &msg), GH_OK);
    assert_non_null(u);
    return u;
}

/* One login; returns the result, with the user and retry_after through the pointers. */
static gh_oauth_login_result login(gh_test_env *env, const char *username, const char *password,
                                   const char *addr, gh_user **out_user, int64_t *out_retry)
{
    gh_oauth_login_result r = GH_LOGIN_OK;
    gh_user *u = NULL;
    int64_t retry = -1;

    assert_int_equal(gh_oauth_user_login(env->e, gh_test_ctx(env), username, password, addr,
                                         "some-client", &r, &u, &retry),
                     GH_OK);
    if (r == GH_LOGIN_OK)
        assert_non_null(u);
    else
        assert_null(u);
    if (r != GH_LOGIN_THROTTLED)
        assert_int_equal(retry, 0);
    if (out_user != NULL)
        *out_user = u;
    if (out_retry != NULL)
        *out_retry = retry;
    return r;
}

/* How many audit events of type there are, and whether any holds needle. */
static size_t count_events(gh_test_env *env, const char *type, const char *needle, bool *out_found)
{
    gh_audit_event *ev = NULL;
    size_t n = 0, i, c = 0;

    assert_int_equal(gh_store_audit_list(env->store, 0, 5000, env->arena, &ev, &n), GH_OK);
    if (out_found != NULL)
        *out_found = false;
    for (i = 0; i < n; i++) {
        if (type != NULL && strcmp(ev[i].type, type) == 0)
            c++;
        if (needle != NULL && out_found != NULL && ev[i].data != NULL &&
            strstr(ev[i].data, needle) != NULL)
            *out_found = true;
    }
    return c;
}

static void test_create_and_login(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_user_in in = {.username = "alice",
                           .password = PW,
                           .name = "Alice Example",
                           .email = "alice@example.com",
                           .email_verified = true};
    gh_user *u = NULL, *found = NULL, *who = NULL;
    const char *msg = NULL;
    bool leaked = true;

    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &in, "test", &u, &msg), GH_OK);
    /* "u_" + base64url of 16 bytes */
    assert_true(strncmp(u->id, "u_", 2) == 0);
    assert_int_equal(strlen(u->id), 2 + 22);
    assert_string_equal(u->username, "alice");
    assert_string_equal(u->name, "Alice Example");
    assert_string_equal(u->email, "alice@example.com");
    assert_true(u->email_verified);
    assert_int_equal(u->created_at, GH_TEST_T0);
    assert_int_equal(u->updated_at, GH_TEST_T0);
    /* DESIGN.md: Argon2id, m = 19 MiB, t = 2 */
    assert_true(strncmp(u->password_hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    assert_null(strstr(u->password_hash, PW));

    /* by id and by username, as stored */
    assert_int_equal(gh_oauth_user_find(env->e, gh_test_ctx(env), u->id, &found), GH_OK);
    assert_string_equal(found->username, "alice");
    assert_string_equal(found->password_hash, u->password_hash);
    assert_int_equal(gh_oauth_user_find(env->e, gh_test_ctx(env), "alice", &found), GH_OK);
    assert_string_equal(found->id, u->id);
    assert_int_equal(gh_oauth_user_find(env->e, gh_test_ctx(env), "bob", &found), GH_ENOTFOUND);
    assert_null(found);

    assert_int_equal(login(env, "alice", PW, "192.0.2.1", &who, NULL), GH_LOGIN_OK);
    assert_string_equal(who->id, u->id);
    assert_int_equal(count_events(env, "user.created", NULL, NULL), 1);
    assert_int_equal(count_events(env, "login.succeeded", PW, &leaked), 1);
    assert_false(leaked);
}

static void test_wrong_password_and_unknown_user_alike(void **state)
{
    gh_test_env *env = *state;
    bool leaked = true;

    create(env, "alice", PW);
    assert_int_equal(login(env, "alice", "not the password", "192.0.2.1", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "nobody", PW, "192.0.2.1", NULL, NULL), GH_LOGIN_BAD_CREDENTIALS);
    /* a name that cannot exist, an empty and an absurdly long password */
    assert_int_equal(login(env, "no spaces allowed", PW, "192.0.2.1", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "alice", "", "192.0.2.1", NULL, NULL), GH_LOGIN_BAD_CREDENTIALS);
    {
        char *big = malloc(5000);
        memset(big, 'x', 4999);
        big[4999] = '\0';
        assert_int_equal(login(env, "alice", big, "192.0.2.2", NULL, NULL),
                         GH_LOGIN_BAD_CREDENTIALS);
        free(big);
    }
    /* a prefix of the right password is not the password (in a new window: alice has had
     * three failures, her limit) */
    gh_test_env_advance(env, WINDOW);
    assert_int_equal(login(env, "alice", "correct horse", "192.0.2.3", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(count_events(env, "login.failed", "not the password", &leaked), 6);
    assert_false(leaked);
    count_events(env, NULL, PW, &leaked);
    assert_false(leaked);
}

static void test_throttle_per_account(void **state)
{
    gh_test_env *env = *state;
    gh_counter *c = NULL;
    int64_t retry = 0;

    create(env, "alice", PW);
    /* three failures from three addresses: only the account counter reaches its limit;
     * "ALICE" counts for "alice" */
    assert_int_equal(login(env, "alice", "wrong-1!", "192.0.2.1", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "ALICE", "wrong-2!", "192.0.2.2", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    gh_test_env_advance(env, 10);
    assert_int_equal(login(env, "alice", "wrong-3!", "192.0.2.3", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(gh_store_counter_get(env->store, "login:acct:alice", env->arena, &c), GH_OK);
    assert_int_equal(c->count, 3);
    assert_int_equal(c->window_start, GH_TEST_T0);

    /* now even the right password from a fresh address is refused, until the window ends */
    gh_test_env_advance(env, 5);
    assert_int_equal(login(env, "alice", PW, "198.51.100.7", NULL, &retry), GH_LOGIN_THROTTLED);
    assert_int_equal(retry, WINDOW - 15);
    /* another account is not affected */
    create(env, "bob", PW);
    assert_int_equal(login(env, "bob", PW, "198.51.100.7", NULL, NULL), GH_LOGIN_OK);
    assert_int_equal(count_events(env, "login.throttled", NULL, NULL), 1);

    gh_test_env_advance(env, WINDOW - 16);
    assert_int_equal(login(env, "alice", PW, "198.51.100.7", NULL, &retry), GH_LOGIN_THROTTLED);
    assert_int_equal(retry, 1);
    gh_test_env_advance(env, 1);
    assert_int_equal(login(env, "alice", PW, "198.51.100.7", NULL, NULL), GH_LOGIN_OK);
}

static void test_throttle_per_address(void **state)
{
    gh_test_env *env = *state;
    const char *names[5] = {"u1", "u2", "u3", "u4", "u5"};
    int64_t retry = 0;
    size_t i;

    create(env, "alice", PW);
    /* five failures from one address, each on another account (none reaches its own limit) */
    for (i = 0; i < 5; i++)
        assert_int_equal(login(env, names[i], "wrong-pw", "203.0.113.9", NULL, NULL),
                         GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "alice", PW, "203.0.113.9", NULL, &retry), GH_LOGIN_THROTTLED);
    assert_int_equal(retry, WINDOW);
    /* the same account from elsewhere is fine, and does not clear the address */
    assert_int_equal(login(env, "alice", PW, "203.0.113.10", NULL, NULL), GH_LOGIN_OK);
    assert_int_equal(login(env, "alice", PW, "203.0.113.9", NULL, NULL), GH_LOGIN_THROTTLED);
    gh_test_env_advance(env, WINDOW);
    assert_int_equal(login(env, "alice", PW, "203.0.113.9", NULL, NULL), GH_LOGIN_OK);
}

static void test_address_from_ctx(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_login_result r = GH_LOGIN_OK;
    gh_user *u = NULL;
    gh_counter *c = NULL;
    int64_t retry = 0;
    gh_ctx *ctx;

    /* remote_addr NULL: the context's address is used */
    ctx = gh_test_ctx(env);
    ctx->remote_addr = "2001:db8::1";
    assert_int_equal(
        gh_oauth_user_login(env->e, ctx, "nobody", "wrong-pw", NULL, NULL, &r, &u, &retry), GH_OK);
    assert_int_equal(r, GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(gh_store_counter_get(env->store, "login:addr:2001:db8::1", env->arena, &c),
                     GH_OK);
    assert_int_equal(c->count, 1);
}

static void test_success_resets_account_counter(void **state)
{
    gh_test_env *env = *state;
    gh_counter *c = NULL;

    create(env, "alice", PW);
    assert_int_equal(login(env, "alice", "wrong-pw", "192.0.2.1", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "alice", "wrong-pw", "192.0.2.2", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "alice", PW, "192.0.2.3", NULL, NULL), GH_LOGIN_OK);
    assert_int_equal(gh_store_counter_get(env->store, "login:acct:alice", env->arena, &c),
                     GH_ENOTFOUND);
    /* the address counters are kept */
    assert_int_equal(gh_store_counter_get(env->store, "login:addr:192.0.2.1", env->arena, &c),
                     GH_OK);
    assert_int_equal(c->count, 1);
    /* two more failures: without the reset this would be four, over the limit of three */
    assert_int_equal(login(env, "alice", "wrong-pw", "192.0.2.4", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "alice", "wrong-pw", "192.0.2.5", NULL, NULL),
                     GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "alice", PW, "192.0.2.6", NULL, NULL), GH_LOGIN_OK);
}

static void test_validation(void **state)
{
    gh_test_env *env = *state;
    char long_name[66], long_pw[1026], long_email[300];
    const struct {
        gh_oauth_user_in in;
    } bad[] = {
        {{.username = "", .password = PW}},
        {{.username = NULL, .password = PW}},
        {{.username = "has space", .password = PW}},
        {{.username = "bang!", .password = PW}},
        {{.username = "ünï", .password = PW}},
        {{.username = long_name, .password = PW}},
        {{.username = "u_T-w6gi6K0Jd1DS8_9FzHcQ", .password = PW}},
        {{.username = "carol", .password = "seven77"}},
        {{.username = "carol", .password = NULL}},
        {{.username = "carol", .password = long_pw}},
        {{.username = "carol", .password = PW, .email = "two@@example.com"}},
        {{.username = "carol", .password = PW, .email = "a@b@example.com"}},
        {{.username = "carol", .password = PW, .email = "sp ace@example.com"}},
        {{.username = "carol", .password = PW, .email = "@example.com"}},
        {{.username = "carol", .password = PW, .email = "carol@"}},
        {{.username = "carol", .password = PW, .email = "no-at-sign"}},
        {{.username = "carol", .password = PW, .email = long_email}},
        {{.username = "carol", .password = PW, .email_verified = true}},
        {{.username = "carol", .password = PW, .name = "tab\there"}},
    };
    gh_oauth_user_in ok64 = {.username = NULL, .password = NULL};
    gh_user *u = NULL;
    const char *msg = NULL;
    size_t i;

    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    memset(long_pw, 'p', 1025);
    long_pw[1025] = '\0';
    memset(long_email, 'e', sizeof(long_email) - 1);
    long_email[sizeof(long_email) - 1] = '\0';
    long_email[10] = '@';
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        u = NULL;
        msg = NULL;
        assert_int_equal(
            gh_oauth_user_create(env->e, gh_test_ctx(env), &bad[i].in, "test", &u, &msg),
            GH_EINVAL);
        assert_null(u);
        assert_non_null(msg);
    }
    assert_int_equal(count_events(env, "user.created", NULL, NULL), 0);

    /* the limits themselves are fine: 64 characters of every allowed kind, 8 and 1024 bytes */
    long_name[64] = '\0';
    memcpy(long_name, "A.z_0@9-", 8);
    ok64.username = long_name;
    ok64.password = "12345678";
    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &ok64, "test", &u, &msg),
                     GH_OK);
    long_pw[1024] = '\0';
    ok64.username = "dave";
    ok64.password = long_pw;
    ok64.email = "dave+tag@sub.example.org";
    ok64.name = "Dave Ünïcode";
    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &ok64, "test", &u, &msg),
                     GH_OK);
    assert_int_equal(login(env, "dave", long_pw, "192.0.2.1", NULL, NULL), GH_LOGIN_OK);
    /* one character off the id form is an ordinary name */
    ok64.username = "u_T-w6gi6K0Jd1DS8_9FzHcQx";
    ok64.password = PW;
    ok64.email = NULL;
    ok64.name = NULL;
    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &ok64, "test", &u, &msg),
                     GH_OK);
    /* empty optional strings are "not given" */
    ok64.username = "erin";
    ok64.password = PW;
    ok64.email = "";
    ok64.name = "";
    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &ok64, "test", &u, &msg),
                     GH_OK);
    assert_null(u->email);
    assert_null(u->name);
}

static void test_duplicate_username(void **state)
{
    gh_test_env *env = *state;
    gh_oauth_user_in in = {.username = "alice", .password = "another password"};
    gh_user *u = NULL, *found = NULL;
    const char *msg = NULL;
    gh_user *first = create(env, "alice", PW);

    assert_int_equal(gh_oauth_user_create(env->e, gh_test_ctx(env), &in, "test", &u, &msg),
                     GH_ECONFLICT);
    assert_null(u);
    assert_non_null(msg);
    /* the first user is untouched */
    assert_int_equal(gh_oauth_user_find(env->e, gh_test_ctx(env), "alice", &found), GH_OK);
    assert_string_equal(found->id, first->id);
    assert_int_equal(login(env, "alice", PW, "192.0.2.1", NULL, NULL), GH_LOGIN_OK);
    assert_int_equal(count_events(env, "user.created", NULL, NULL), 1);
}

static void test_passwd(void **state)
{
    gh_test_env *env = *state;
    gh_user *u = create(env, "alice", PW), *found = NULL;
    const char *msg = NULL;
    bool leaked = true;

    assert_int_equal(gh_oauth_user_passwd(env->e, gh_test_ctx(env), "alice", "short", "test", &msg),
                     GH_EINVAL);
    assert_non_null(msg);
    assert_int_equal(
        gh_oauth_user_passwd(env->e, gh_test_ctx(env), "nobody", "a new password", "test", &msg),
        GH_ENOTFOUND);
    gh_test_env_advance(env, 100);
    assert_int_equal(
        gh_oauth_user_passwd(env->e, gh_test_ctx(env), u->id, "a new password", "test", &msg),
        GH_OK);
    assert_int_equal(gh_oauth_user_find(env->e, gh_test_ctx(env), "alice", &found), GH_OK);
    assert_string_not_equal(found->password_hash, u->password_hash);
    assert_int_equal(found->updated_at, GH_TEST_T0 + 100);
    assert_int_equal(found->created_at, GH_TEST_T0);
    assert_int_equal(login(env, "alice", PW, "192.0.2.1", NULL, NULL), GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(login(env, "alice", "a new password", "192.0.2.1", NULL, NULL), GH_LOGIN_OK);
    assert_int_equal(count_events(env, "user.password_changed", "a new password", &leaked), 1);
    assert_false(leaked);
}

static void test_delete(void **state)
{
    gh_test_env *env = *state;
    gh_user *u = create(env, "alice", PW), *found = NULL;

    assert_int_equal(gh_oauth_user_delete(env->e, gh_test_ctx(env), "nobody", "test"),
                     GH_ENOTFOUND);
    assert_int_equal(gh_oauth_user_delete(env->e, gh_test_ctx(env), "alice", "test"), GH_OK);
    assert_int_equal(gh_oauth_user_find(env->e, gh_test_ctx(env), u->id, &found), GH_ENOTFOUND);
    assert_int_equal(gh_oauth_user_find(env->e, gh_test_ctx(env), "alice", &found), GH_ENOTFOUND);
    assert_int_equal(login(env, "alice", PW, "192.0.2.1", NULL, NULL), GH_LOGIN_BAD_CREDENTIALS);
    assert_int_equal(gh_oauth_user_delete(env->e, gh_test_ctx(env), u->id, "test"), GH_ENOTFOUND);
    assert_int_equal(count_events(env, "user.deleted", NULL, NULL), 1);
    /* the name may be taken again, by a new subject */
    assert_string_not_equal(create(env, "alice", PW)->id, u->id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_and_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_password_and_unknown_user_alike, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_throttle_per_account, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle_per_address, setup, teardown),
        cmocka_unit_test_setup_teardown(test_address_from_ctx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_success_resets_account_counter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_username, setup, teardown),
        cmocka_unit_test_setup_teardown(test_passwd, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
