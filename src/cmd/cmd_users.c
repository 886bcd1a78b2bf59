/*
 * cmd_users.c - `gatehouse users create|list|get|delete|passwd`: the built-in users.
 *
 * Every change goes through the engine's user functions (gh_oauth_user_*), so the CLI
 * validates, hashes (Argon2id) and audits exactly as any other way in would; list reads the
 * store's user listing. The password comes from standard input (--password-stdin: one line,
 * its line ending removed), or else from a prompt on the terminal (/dev/tty) with echo off,
 * asked twice. Users print as JSON (id, username, name, email, email_verified, created_at,
 * updated_at): the password hash is never printed.
 *
 * Exit status: 0 success, 1 failure (a taken username, an unknown user, input the engine
 * refuses), 2 bad usage, an invalid configuration, or no terminal to prompt on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/ctx.h"
#include "base/mem.h"
#include "base/str.h"
#include "cmd/cmd.h"

/* Read at most this much of a password line; the engine allows 1024 bytes and names the
 * limit when a longer one is given. */
#define PASSWORD_READ_MAX 4096
/* Users per store read when listing. */
#define LIST_PAGE 200

static const char users_usage[] =
    "usage: gatehouse users <subcommand> [options]\n"
    "\n"
    "subcommands:\n"
    "  create NAME [--password-stdin] [--name N] [--email E] [--email-verified]\n"
    "                          create a user; prints it as JSON\n"
    "  list                    list the users (JSON array, by username)\n"
    "  get ID|NAME             print one user\n"
    "  delete ID|NAME          delete a user, revoking their tokens, consents and sessions\n"
    "  passwd ID|NAME [--password-stdin]\n"
    "                          set a new password\n"
    "\n"
    "options:\n"
    "  --password-stdin   read the password from the first line of standard input\n"
    "                     (otherwise it is asked for twice on the terminal, not echoed)\n"
    "  --name N           the full name (the OpenID Connect \"name\" claim)\n"
    "  --email E          the email address (\"email\" claim)\n"
    "  --email-verified   the email address has been verified (\"email_verified\")\n"
    "  --config FILE      the configuration file\n"
    "\n"
    "A username is 1 to 64 characters of A-Z a-z 0-9 . _ @ -; a password 8 to 1024 bytes.\n"
    "Scripts provision with: printf '%s\\n' \"$PASSWORD\" | gatehouse users create NAME "
    "--password-stdin\n"
    "Exit status: 0 success, 1 failure (e.g. the username is taken, no such user),\n"
    "2 bad usage or invalid configuration.\n";

/* ---- reading a password ---- */

/* Does nothing: its only effect is to interrupt the read of the prompt (no SA_RESTART), so
 * the terminal's echo is restored before the command stops. */
static void on_signal(int sig)
{
    (void)sig;
}

/* Reads one line from fd byte by byte (nothing after the newline is consumed) into buf
 * (cap bytes, NUL-terminated), without the newline or a "\r\n". Returns GH_CMD_OK, or
 * GH_CMD_FAIL with a message printed (read error, interrupted, too long, NUL byte, nothing
 * at all). */
static int read_line(int fd, const char *what, char *buf, size_t cap, size_t *out_len)
{
    size_t n = 0;
    bool got_any = false;

    for (;;) {
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR) {
            (void)fprintf(stderr, "\ngatehouse: interrupted\n");
            return GH_CMD_FAIL;
        }
        if (r < 0) {
            (void)fprintf(stderr, "gatehouse: cannot read %s: %s\n", what, strerror(errno));
            return GH_CMD_FAIL;
        }
        if (r == 0)
            break;
        got_any = true;
        if (c == '\n')
            break;
        if (c == '\0') {
            (void)fprintf(stderr, "gatehouse: the password on %s holds a NUL byte\n", what);
            return GH_CMD_FAIL;
        }
        if (n + 1 >= cap) {
            (void)fprintf(stderr, "gatehouse: the password on %s is too long\n", what);
            return GH_CMD_FAIL;
        }
        buf[n++] = c;
    }
    if (!got_any) {
        (void)fprintf(stderr, "gatehouse: no password on %s\n", what);
        return GH_CMD_FAIL;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    *out_len = n;
    return GH_CMD_OK;
}

/* Asks for a line on the terminal with echo off. Returns like read_line, or GH_CMD_USAGE
 * when there is no terminal. */
static int prompt_line(int fd, const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    struct sigaction sa, saved[4];
    static const int sigs[4] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    size_t i, len = 0;
    int rc;

    if (tcgetattr(fd, &old) != 0) {
        (void)fprintf(stderr, "gatehouse: cannot set up the terminal: %s\n", strerror(errno));
        return GH_CMD_FAIL;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    (void)sigemptyset(&sa.sa_mask);
    for (i = 0; i < 4; i++)
        (void)sigaction(sigs[i], &sa, &saved[i]);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= (tcflag_t)ECHONL;
    rc = GH_CMD_OK;
    if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
        (void)fprintf(stderr, "gatehouse: cannot turn off the terminal's echo: %s\n",
                      strerror(errno));
        rc = GH_CMD_FAIL;
    }
    if (rc == GH_CMD_OK && write(fd, prompt, strlen(prompt)) < 0)
        rc = GH_CMD_FAIL;
    if (rc == GH_CMD_OK)
        rc = read_line(fd, "the terminal", buf, cap, &len);
    (void)tcsetattr(fd, TCSAFLUSH, &old);
    for (i = 0; i < 4; i++)
        (void)sigaction(sigs[i], &saved[i], NULL);
    return rc;
}

/* Gets a new password into buf (cap bytes): from stdin, or asked twice on the terminal. */
static int get_password(bool from_stdin, const char *username, char *buf, size_t cap)
{
    char *again = NULL;
    char prompt[128];
    size_t len = 0;
    int fd, rc;

    if (from_stdin)
        return read_line(STDIN_FILENO, "standard input", buf, cap, &len);
    fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        (void)fprintf(stderr, "gatehouse: no terminal to ask for the password on; "
                              "give it with --password-stdin\n");
        return GH_CMD_USAGE;
    }
    (void)snprintf(prompt, sizeof(prompt), "New password for %s: ", username);
    rc = prompt_line(fd, prompt, buf, cap);
    if (rc == GH_CMD_OK) {
        again = gh_xmalloc(cap);
        rc = prompt_line(fd, "Repeat the password: ", again, cap);
        if (rc == GH_CMD_OK && strcmp(buf, again) != 0) {
            (void)fprintf(stderr, "gatehouse: the passwords do not match\n");
            rc = GH_CMD_FAIL;
        }
        gh_wipe(again, cap);
        free(again);
    }
    (void)close(fd);
    return rc;
}

/* ---- output ---- */

static json_t *user_json(const gh_user *u)
{
    char created[32], updated[32];

    gh_clock_rfc3339(u->created_at, created);
    gh_clock_rfc3339(u->updated_at, updated);
    /* The hash is deliberately not among these members. */
    return json_pack("{s:s, s:s, s:s?, s:s?, s:b, s:s, s:s}", "id", u->id, "username", u->username,
                     "name", u->name, "email", u->email, "email_verified", (int)u->email_verified,
                     "created_at", created, "updated_at", updated);
}

static void print_user(const gh_user *u)
{
    json_t *j = user_json(u);

    gh_cmd_print_json(stdout, j);
    json_decref(j);
}

/* Reports an engine error for the user named who; returns the exit code. */
static int report(gh_err err, const gh_ctx *ctx, const char *who, const char *msg)
{
    if (err == GH_OK)
        return GH_CMD_OK;
    if (err == GH_ENOTFOUND)
        (void)fprintf(stderr, "gatehouse: no such user: %s\n", who);
    else if (err == GH_ECONFLICT)
        (void)fprintf(stderr, "gatehouse: the username is taken: %s\n", who);
    else if (err == GH_EINVAL)
        (void)fprintf(stderr, "gatehouse: %s\n", msg != NULL ? msg : "invalid input");
    else
        (void)fprintf(stderr, "gatehouse: internal error: %s%s%s\n", gh_err_str(err),
                      ctx->fail[0] ? ": " : "", ctx->fail);
    return GH_CMD_FAIL;
}

/* ---- subcommands ---- */

typedef struct users_args {
    const char *target; /* NAME, ID|NAME */
    bool password_stdin;
    const char *name;
    const char *email;
    bool email_verified;
} users_args;

/* Parses the arguments of subcommand sub; which options it accepts depends on sub.
 * Returns GH_CMD_OK, GH_CMD_USAGE (message printed), or -1 after printing --help. */
static int parse_args(gh_cmd_env *env, int argc, char **argv, const char *sub, users_args *a)
{
    bool create = strcmp(sub, "create") == 0;
    bool passwd = strcmp(sub, "passwd") == 0;
    bool takes_target = strcmp(sub, "list") != 0;
    char cmd[32];
    int i, r;

    (void)snprintf(cmd, sizeof(cmd), "users %s", sub);
    memset(a, 0, sizeof(*a));
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs(users_usage, stdout);
            return -1;
        }
        if ((r = gh_cmd_common_opt(env, argc, argv, &i)) != 0) {
        } else if ((create || passwd) && strcmp(argv[i], "--password-stdin") == 0) {
            a->password_stdin = true;
        } else if (create && strcmp(argv[i], "--email-verified") == 0) {
            a->email_verified = true;
        } else if (create && (r = gh_cmd_opt(argc, argv, &i, "--name", &v)) == 1) {
            a->name = v;
        } else if (create && (r = gh_cmd_opt(argc, argv, &i, "--email", &v)) == 1) {
            a->email = v;
        } else if (r == 0 && takes_target && argv[i][0] != '-' && a->target == NULL) {
            a->target = argv[i];
        } else if (r == 0) {
            return gh_cmd_usage_error(cmd, "unexpected argument", argv[i]);
        }
        if (r < 0)
            return GH_CMD_USAGE;
    }
    if (takes_target && a->target == NULL)
        return gh_cmd_usage_error(
            cmd, create ? "missing the username" : "missing the user's ID or NAME", NULL);
    return GH_CMD_OK;
}

static int users_create(gh_cmd_env *env, const users_args *a, gh_ctx *ctx)
{
    char *pw = gh_xmalloc(PASSWORD_READ_MAX);
    gh_oauth_user_in in;
    gh_user *u = NULL;
    const char *msg = NULL;
    gh_err err;
    int rc;

    rc = get_password(a->password_stdin, a->target, pw, PASSWORD_READ_MAX);
    if (rc == GH_CMD_OK) {
        memset(&in, 0, sizeof(in));
        in.username = a->target;
        in.password = pw;
        in.name = a->name;
        in.email = a->email;
        in.email_verified = a->email_verified;
        err = gh_oauth_user_create(env->engine, ctx, &in, "cli", &u, &msg);
        rc = report(err, ctx, a->target, msg);
    }
    gh_wipe(pw, PASSWORD_READ_MAX);
    free(pw);
    if (rc == GH_CMD_OK)
        print_user(u);
    return rc;
}

static int users_passwd(gh_cmd_env *env, const users_args *a, gh_ctx *ctx)
{
    char *pw = NULL;
    gh_user *u = NULL;
    const char *msg = NULL;
    int rc;

    /* Look the user up first: no password is asked for a user who does not exist. */
    rc = report(gh_oauth_user_find(env->engine, ctx, a->target, &u), ctx, a->target, NULL);
    if (rc != GH_CMD_OK)
        return rc;
    pw = gh_xmalloc(PASSWORD_READ_MAX);
    rc = get_password(a->password_stdin, u->username, pw, PASSWORD_READ_MAX);
    if (rc == GH_CMD_OK) {
        /* msg is set by the call, so the call comes first. */
        gh_err err = gh_oauth_user_passwd(env->engine, ctx, u->id, pw, "cli", &msg);
        rc = report(err, ctx, a->target, msg);
    }
    gh_wipe(pw, PASSWORD_READ_MAX);
    free(pw);
    if (rc == GH_CMD_OK)
        (void)fprintf(stderr, "password changed for %s (%s)\n", u->username, u->id);
    return rc;
}

static int users_list(gh_cmd_env *env, gh_ctx *ctx)
{
    json_t *arr = json_array();
    const char *after = NULL;
    int rc = GH_CMD_OK;

    for (;;) {
        gh_user *page = NULL;
        size_t n = 0, i;
        gh_err err = gh_store_user_list(env->store, after, LIST_PAGE, ctx->arena, &page, &n);
        if (err != GH_OK) {
            rc = report(err == GH_ENOTFOUND ? GH_ESTORE : err, ctx, "", NULL);
            break;
        }
        for (i = 0; i < n; i++)
            json_array_append_new(arr, user_json(&page[i]));
        if (n < LIST_PAGE)
            break;
        after = page[n - 1].username;
    }
    if (rc == GH_CMD_OK)
        gh_cmd_print_json(stdout, arr);
    json_decref(arr);
    return rc;
}

int gh_cmd_users(gh_cmd_env *env, int argc, char **argv)
{
    static const char *const subs[] = {"create", "list", "get", "delete", "passwd"};
    const char *sub;
    users_args a;
    gh_arena *arena = NULL;
    gh_ctx ctx;
    gh_user *u = NULL;
    bool known = false;
    size_t s;
    int rc;

    if (argc < 2) {
        (void)fputs(users_usage, stderr);
        return GH_CMD_USAGE;
    }
    sub = argv[1];
    if (gh_cmd_is_help(sub)) {
        (void)fputs(users_usage, stdout);
        return GH_CMD_OK;
    }
    for (s = 0; s < sizeof(subs) / sizeof(subs[0]); s++)
        known = known || strcmp(sub, subs[s]) == 0;
    if (!known)
        return gh_cmd_usage_error("users", "unknown subcommand", sub);
    rc = parse_args(env, argc - 1, argv + 1, sub, &a);
    if (rc != GH_CMD_OK)
        return rc < 0 ? GH_CMD_OK : rc;
    rc = gh_cmd_open_all(env);
    if (rc != GH_CMD_OK)
        return rc;

    arena = gh_arena_new(0);
    gh_engine_ctx_init(env->engine, &ctx, arena);
    if (strcmp(sub, "create") == 0) {
        rc = users_create(env, &a, &ctx);
    } else if (strcmp(sub, "passwd") == 0) {
        rc = users_passwd(env, &a, &ctx);
    } else if (strcmp(sub, "list") == 0) {
        rc = users_list(env, &ctx);
    } else if (strcmp(sub, "get") == 0) {
        rc = report(gh_oauth_user_find(env->engine, &ctx, a.target, &u), &ctx, a.target, NULL);
        if (rc == GH_CMD_OK)
            print_user(u);
    } else {
        rc = report(gh_oauth_user_find(env->engine, &ctx, a.target, &u), &ctx, a.target, NULL);
        if (rc == GH_CMD_OK)
            rc =
                report(gh_oauth_user_delete(env->engine, &ctx, u->id, "cli"), &ctx, a.target, NULL);
        if (rc == GH_CMD_OK)
            (void)fprintf(stderr, "deleted user %s (%s)\n", u->username, u->id);
    }
    gh_arena_free(arena);
    return rc;
}
