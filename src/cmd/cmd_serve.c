/*
 * cmd_serve.c - `gatehouse serve` and `gatehouse migrate`.
 *
 * serve: configuration, system secret, store, migrations (unless migrate.on_start is false),
 * engine (signing keys are generated at the very first start only), then both listeners;
 * it waits for SIGINT or SIGTERM with sigwait on a mask blocked before any thread exists,
 * so no signal handler ever runs and no global is touched; then it stops the listeners
 * (finishing requests in flight) and releases everything in reverse order.
 * Start-up does no slow work past the first start, so the listeners answer within
 * milliseconds.
 *
 * migrate: applies pending migrations and says how many; needs no system secret.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "http/http.h"

static const char serve_usage[] =
    "usage: gatehouse serve [--config FILE]\n"
    "\n"
    "Runs the public listener (OAuth and OpenID Connect endpoints) and the admin listener\n"
    "until SIGINT or SIGTERM. Applies pending migrations first unless migrate.on_start is\n"
    "false. Requires the system secret (secrets.system or GATEHOUSE_SECRETS_SYSTEM, at least\n"
    "32 characters). At the first start, when no admin key is configured, one is generated\n"
    "and printed once on stderr.\n";

static const char migrate_usage[] =
    "usage: gatehouse migrate [--config FILE]\n"
    "\n"
    "Applies the pending database migrations of the configured DSN and prints how many\n"
    "were applied.\n";

/* Parses options that only --config and --help; returns -1 when help was printed, else an
 * exit code. */
static int simple_args(gh_cmd_env *env, int argc, char **argv, const char *name, const char *usage)
{
    int i, r;

    for (i = 1; i < argc; i++) {
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs(usage, stdout);
            return -1;
        }
        r = gh_cmd_common_opt(env, argc, argv, &i);
        if (r < 0)
            return GH_CMD_USAGE;
        if (r == 0)
            return gh_cmd_usage_error(name, "unexpected argument", argv[i]);
    }
    return GH_CMD_OK;
}

static int run_migrations(gh_cmd_env *env, bool print)
{
    int applied = 0;
    gh_err err = gh_store_migrate(env->store, &applied);

    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: migration failed: %s\n", gh_err_str(err));
        return GH_CMD_FAIL;
    }
    if (print)
        (void)printf("applied %d migration%s\n", applied, applied == 1 ? "" : "s");
    else if (applied > 0)
        gh_log(GH_LOG_INFO, "applied %d migration%s", applied, applied == 1 ? "" : "s");
    return GH_CMD_OK;
}

int gh_cmd_migrate(gh_cmd_env *env, int argc, char **argv)
{
    int rc = simple_args(env, argc, argv, "migrate", migrate_usage);

    if (rc < 0)
        return GH_CMD_OK;
    if (rc != GH_CMD_OK)
        return rc;
    rc = gh_cmd_load_config(env);
    if (rc == GH_CMD_OK)
        rc = gh_cmd_open_store(env);
    if (rc == GH_CMD_OK)
        rc = run_migrations(env, true);
    return rc;
}

int gh_cmd_serve(gh_cmd_env *env, int argc, char **argv)
{
    sigset_t mask;
    gh_http *http = NULL;
    char errbuf[512];
    int rc, sig = 0;
    gh_err err;

    rc = simple_args(env, argc, argv, "serve", serve_usage);
    if (rc < 0)
        return GH_CMD_OK;
    if (rc != GH_CMD_OK)
        return rc;

    /* Block the stop signals before any thread starts (the store's writer, the listeners):
     * threads inherit the mask, and only sigwait below ever sees the signals. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0) {
        (void)fprintf(stderr, "gatehouse: cannot block signals\n");
        return GH_CMD_FAIL;
    }
    /* A peer closing its socket must not kill the process. */
    (void)signal(SIGPIPE, SIG_IGN);

    rc = gh_cmd_load_config(env);
    if (rc != GH_CMD_OK)
        return rc;
    /* Fail on a missing secret before touching the database. */
    errbuf[0] = '\0';
    if (gh_config_require_secret(env->cfg, errbuf, sizeof(errbuf)) != GH_OK) {
        (void)fprintf(stderr, "gatehouse: invalid configuration: %s\n", errbuf);
        return GH_CMD_USAGE;
    }
    rc = gh_cmd_open_store(env);
    if (rc != GH_CMD_OK)
        return rc;
    if (env->cfg->migrate_on_start) {
        rc = run_migrations(env, false);
        if (rc != GH_CMD_OK)
            return rc;
    }
    rc = gh_cmd_open_engine(env);
    if (rc != GH_CMD_OK)
        return rc;

    err = gh_http_start(env->cfg, env->engine, &http);
    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: cannot start the listeners on %s and %s: %s\n",
                      env->cfg->public_listen, env->cfg->admin_listen, gh_err_str(err));
        return GH_CMD_FAIL;
    }
    gh_log(GH_LOG_INFO, "listening: public %s (port %u), admin %s (port %u), issuer %s, version %s",
           env->cfg->public_listen, gh_http_port(http, false), env->cfg->admin_listen,
           gh_http_port(http, true), env->cfg->issuer, GH_VERSION);

    while (sig != SIGINT && sig != SIGTERM) {
        if (sigwait(&mask, &sig) != 0)
            sig = SIGTERM;
    }
    gh_log(GH_LOG_INFO, "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    gh_http_stop(http);
    gh_log(GH_LOG_INFO, "stopped");
    return GH_CMD_OK;
}
