/*
 * cmd_keys.c - `gatehouse keys list|rotate`: the signing keys, through the same engine
 * functions as /admin/keys (gh_oauth_admin_keys, gh_oauth_keys_rotate), so the listing and
 * the audit record are the same. Only public members and metadata are ever printed.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "cmd/cmd.h"

static const char keys_usage[] =
    "usage: gatehouse keys <subcommand> [--config FILE]\n"
    "\n"
    "subcommands:\n"
    "  list     print the signing keys (public parts and state) as JSON\n"
    "  rotate   activate the next key of each algorithm, retire the active one (it stays\n"
    "           published until its tokens expire) and publish a new next key\n";

/* Prints the key listing (GET /admin/keys). */
static int keys_list(gh_cmd_env *env)
{
    return gh_cmd_call(env, gh_oauth_admin_keys, "GET", NULL, NULL, NULL, true);
}

static int keys_rotate(gh_cmd_env *env)
{
    gh_arena *a = gh_arena_new(0);
    gh_ctx ctx;
    gh_err err;

    gh_engine_ctx_init(env->engine, &ctx, a);
    err = gh_oauth_keys_rotate(env->engine, &ctx, "cli");
    if (err == GH_ECONFLICT) {
        (void)fprintf(stderr, "gatehouse: a concurrent rotation is in progress; try again\n");
    } else if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: rotation failed: %s%s%s\n", gh_err_str(err),
                      ctx.fail[0] ? ": " : "", ctx.fail);
    }
    gh_arena_free(a);
    if (err != GH_OK)
        return GH_CMD_FAIL;
    (void)fprintf(stderr, "signing keys rotated\n");
    return keys_list(env);
}

int gh_cmd_keys(gh_cmd_env *env, int argc, char **argv)
{
    const char *sub;
    int i, r, rc;

    if (argc < 2) {
        (void)fputs(keys_usage, stderr);
        return GH_CMD_USAGE;
    }
    sub = argv[1];
    if (gh_cmd_is_help(sub)) {
        (void)fputs(keys_usage, stdout);
        return GH_CMD_OK;
    }
    if (strcmp(sub, "list") != 0 && strcmp(sub, "rotate") != 0)
        return gh_cmd_usage_error("keys", "unknown subcommand", sub);
    for (i = 2; i < argc; i++) {
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs(keys_usage, stdout);
            return GH_CMD_OK;
        }
        r = gh_cmd_common_opt(env, argc, argv, &i);
        if (r < 0)
            return GH_CMD_USAGE;
        if (r == 0)
            return gh_cmd_usage_error("keys", "unexpected argument", argv[i]);
    }
    rc = gh_cmd_open_all(env);
    if (rc != GH_CMD_OK)
        return rc;
    return strcmp(sub, "list") == 0 ? keys_list(env) : keys_rotate(env);
}
