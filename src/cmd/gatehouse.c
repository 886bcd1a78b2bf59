/*
 * gatehouse.c - the gatehouse command: global options, the command table, and the set-up
 * every command shares (configuration, store from the DSN, engine).
 *
 *   gatehouse [--config FILE] <command> [options]
 *
 * Commands: serve, migrate, clients, keys, users, version. Each takes --help (usage on
 * stdout, exit 0). Exit 0 on success, 1 on failure, 2 on bad usage or an invalid configuration.
 * The configuration is --config FILE, else $GATEHOUSE_CONFIG, else ./gatehouse.yaml if it
 * exists, else the defaults; every key can be overridden from the environment (config.h).
 * The DSN picks the store: sqlite:///abs/path, sqlite://rel/path, sqlite::memory:, mem:
 * (in-memory, for tests). PostgreSQL is not built into this version.
 *
 * Commands that act on clients, keys or users go through the same engine functions as the
 * admin API and the login pages, so validation and audit are the same whichever way an
 * operator comes in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "store/mem/mem.h"
#include "store/sqlite/sqlite.h"

extern char **environ;

static const char usage_text[] =
    "usage: gatehouse [--config FILE] <command> [options]\n"
    "\n"
    "An OAuth 2.1 and OpenID Connect authorization server.\n"
    "\n"
    "commands:\n"
    "  serve      run the public and admin listeners\n"
    "  migrate    apply pending database migrations\n"
    "  clients    create, list, get, update and delete OAuth clients\n"
    "  keys       list and rotate signing keys\n"
    "  users      create, list, get, delete built-in users and set their passwords\n"
    "  audit      verify, checkpoint, tail and export the audit trail\n"
    "  scopes     check, diff, accept and purge the versioned scope catalog\n"
    "  version    print the version\n"
    "\n"
    "global options:\n"
    "  --config FILE  the configuration file (default: $GATEHOUSE_CONFIG, else\n"
    "                 ./gatehouse.yaml if it exists, else built-in defaults)\n"
    "  --help         this text; `gatehouse <command> --help` for a command\n"
    "\n"
    "Every configuration key can be set from the environment, e.g. GATEHOUSE_DSN,\n"
    "GATEHOUSE_ISSUER, GATEHOUSE_PUBLIC_LISTEN, GATEHOUSE_ADMIN_LISTEN,\n"
    "GATEHOUSE_SECRETS_SYSTEM, GATEHOUSE_ADMIN_KEY.\n"
    "Exit status: 0 success, 1 failure, 2 bad usage or invalid configuration.\n";

/* ---- options ---- */

bool gh_cmd_is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int gh_cmd_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *val = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        (void)fprintf(stderr, "gatehouse: %s needs a value\n", name);
        return -1;
    }
    *i += 1;
    *val = argv[*i];
    return 1;
}

int gh_cmd_common_opt(gh_cmd_env *env, int argc, char **argv, int *i)
{
    const char *v = NULL;
    int r = gh_cmd_opt(argc, argv, i, "--config", &v);

    if (r == 1)
        env->config_path = v;
    return r;
}

int gh_cmd_usage_error(const char *cmd, const char *msg, const char *arg)
{
    if (arg != NULL)
        (void)fprintf(stderr, "gatehouse %s: %s: %s (see gatehouse %s --help)\n", cmd, msg, arg,
                      cmd);
    else
        (void)fprintf(stderr, "gatehouse %s: %s (see gatehouse %s --help)\n", cmd, msg, cmd);
    return GH_CMD_USAGE;
}

/* ---- output ---- */

void gh_cmd_print_json(FILE *f, const json_t *v)
{
    if (v == NULL)
        return;
    (void)json_dumpf(v, f, JSON_INDENT(2));
    (void)fputc('\n', f);
    (void)fflush(f);
}

bool gh_cmd_report_error(const gh_oauth_response *resp)
{
    const char *code = NULL, *desc = NULL;

    if (resp->status < 400)
        return false;
    if (resp->body != NULL) {
        code = json_string_value(json_object_get(resp->body, "error"));
        desc = json_string_value(json_object_get(resp->body, "error_description"));
    }
    (void)fprintf(stderr, "gatehouse: %s%s%s (HTTP status %d)\n", code != NULL ? code : "error",
                  desc != NULL ? ": " : "", desc != NULL ? desc : "", resp->status);
    return true;
}

int gh_cmd_call(gh_cmd_env *env, gh_oauth_endpoint fn, const char *method, const char *path_arg,
                const gh_form *query, const char *body, bool print)
{
    gh_arena *a = gh_arena_new(0);
    gh_ctx ctx;
    gh_form empty = {NULL, 0};
    gh_oauth_request req;
    gh_oauth_response resp;
    int rc = GH_CMD_OK;
    gh_err err;

    gh_engine_ctx_init(env->engine, &ctx, a);
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.path_arg = path_arg;
    req.query = query != NULL ? query : &empty;
    if (body != NULL) {
        req.content_type = "application/json";
        req.body = body;
        req.body_len = strlen(body);
    }
    gh_oauth_response_init(&resp);
    err = fn(env->engine, &ctx, &req, &resp);
    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: internal error: %s%s%s\n", gh_err_str(err),
                      ctx.fail[0] ? ": " : "", ctx.fail);
        rc = GH_CMD_FAIL;
    } else if (gh_cmd_report_error(&resp)) {
        rc = GH_CMD_FAIL;
    } else {
        if (print)
            gh_cmd_print_json(stdout, resp.body);
        if (resp.link != NULL)
            (void)fprintf(stderr, "next page: %s\n", resp.link);
    }
    gh_oauth_response_clear(&resp);
    gh_arena_free(a);
    return rc;
}

/* ---- configuration, store, engine ---- */

int gh_cmd_load_config(gh_cmd_env *env)
{
    char errbuf[1024];
    const char *path = env->config_path;
    const char *envpath = getenv("GATEHOUSE_CONFIG");
    gh_log_level lvl;

    if (path == NULL && (envpath == NULL || envpath[0] == '\0') &&
        access("gatehouse.yaml", F_OK) == 0)
        path = "gatehouse.yaml";
    errbuf[0] = '\0';
    if (gh_config_load(path, environ, &env->cfg, errbuf, sizeof(errbuf)) != GH_OK) {
        (void)fprintf(stderr, "gatehouse: invalid configuration: %s\n",
                      errbuf[0] != '\0' ? errbuf : "cannot be loaded");
        env->cfg = NULL;
        return GH_CMD_USAGE;
    }
    if (env->cfg->log_level != NULL && gh_log_level_parse(env->cfg->log_level, &lvl) == 0)
        gh_log_init(lvl);
    return GH_CMD_OK;
}

gh_err gh_cmd_reload_config(const gh_cmd_env *env, gh_config **out, char *errbuf, size_t errlen)
{
    /* cfg->path is the file gh_cmd_load_config resolved (NULL: none was found, and
     * $GATEHOUSE_CONFIG was unset then as now). */
    return gh_config_load(env->cfg->path, environ, out, errbuf, errlen);
}

/* Creates every missing directory above the file at path (mkdir -p of its dirname). */
static int make_parent_dirs(const char *path)
{
    char *dir = gh_xstrdup(path);
    char *slash = strrchr(dir, '/');
    char *p;
    int rc = 0;

    if (slash == NULL || slash == dir) {
        free(dir);
        return 0;
    }
    *slash = '\0';
    for (p = dir + 1; rc == 0; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(dir, 0750) != 0 && errno != EEXIST)
                rc = -1;
            *p = saved;
            if (saved == '\0')
                break;
        }
    }
    if (rc != 0)
        (void)fprintf(stderr, "gatehouse: cannot create the directory %s: %s\n", dir,
                      strerror(errno));
    free(dir);
    return rc;
}

int gh_cmd_open_store(gh_cmd_env *env)
{
    const char *dsn = env->cfg->dsn;
    const char *path;
    gh_err err;

    if (dsn == NULL || dsn[0] == '\0') {
        (void)fprintf(stderr, "gatehouse: invalid configuration: dsn: expected a database URL\n");
        return GH_CMD_USAGE;
    }
    if (strcmp(dsn, "mem:") == 0) {
        err = gh_store_mem_open(&env->store);
    } else if (gh_str_startswith(dsn, "postgres://") || gh_str_startswith(dsn, "postgresql://")) {
        (void)fprintf(stderr, "gatehouse: dsn: PostgreSQL support is not built into this version; "
                              "use sqlite:///path/gatehouse.db\n");
        return GH_CMD_USAGE;
    } else if (gh_str_startswith(dsn, "sqlite:")) {
        if (strcmp(dsn, "sqlite::memory:") == 0) {
            path = ":memory:";
        } else if (gh_str_startswith(dsn, "sqlite://") && dsn[9] != '\0') {
            /* sqlite:///abs/path keeps its leading slash; sqlite://rel/path is relative. */
            path = dsn + 9;
            if (make_parent_dirs(path) != 0)
                return GH_CMD_FAIL;
        } else {
            (void)fprintf(stderr, "gatehouse: invalid configuration: dsn: expected "
                                  "sqlite:///absolute/path, sqlite://relative/path or "
                                  "sqlite::memory:\n");
            return GH_CMD_USAGE;
        }
        err = gh_store_sqlite_open(path, &env->store);
    } else {
        (void)fprintf(stderr, "gatehouse: invalid configuration: dsn: expected sqlite://... or "
                              "postgres://...\n");
        return GH_CMD_USAGE;
    }
    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: cannot open the database: %s\n", gh_err_str(err));
        env->store = NULL;
        return GH_CMD_FAIL;
    }
    return GH_CMD_OK;
}

int gh_cmd_open_engine(gh_cmd_env *env)
{
    char errbuf[512];
    char *new_key = NULL;
    gh_err err;

    errbuf[0] = '\0';
    if (gh_config_require_secret(env->cfg, errbuf, sizeof(errbuf)) != GH_OK) {
        (void)fprintf(stderr, "gatehouse: invalid configuration: %s\n", errbuf);
        return GH_CMD_USAGE;
    }
    err = gh_engine_new(env->cfg, env->store, &gh_clock_system, &env->engine, &new_key);
    if (err != GH_OK) {
        (void)fprintf(stderr,
                      "gatehouse: cannot start the engine: %s (is the database migrated, "
                      "and the system secret the one it was created with?)\n",
                      gh_err_str(err));
        env->engine = NULL;
        /* GH_EINVAL: the configuration refused at start (a scope catalog change that widens
         * consents without `gatehouse scopes accept`, a catalog_version that did not rise). */
        return err == GH_EINVAL ? GH_CMD_USAGE : GH_CMD_FAIL;
    }
    if (new_key != NULL) {
        /* Shown once: only its hash is stored. */
        (void)fprintf(stderr, "admin key (shown once): %s\n", new_key);
        gh_wipe(new_key, strlen(new_key));
        free(new_key);
    }
    return GH_CMD_OK;
}

int gh_cmd_open_all(gh_cmd_env *env)
{
    int rc = gh_cmd_load_config(env);

    if (rc == GH_CMD_OK)
        rc = gh_cmd_open_store(env);
    if (rc == GH_CMD_OK)
        rc = gh_cmd_open_engine(env);
    return rc;
}

void gh_cmd_env_clear(gh_cmd_env *env)
{
    gh_engine_free(env->engine);
    env->engine = NULL;
    gh_store_free(env->store);
    env->store = NULL;
    gh_config_free(env->cfg);
    env->cfg = NULL;
}

/* ---- version and the command table ---- */

static int cmd_version(gh_cmd_env *env, int argc, char **argv)
{
    int i;

    (void)env;
    for (i = 1; i < argc; i++) {
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs("usage: gatehouse version\n\nPrints the version of gatehouse.\n", stdout);
            return GH_CMD_OK;
        }
        return gh_cmd_usage_error("version", "unexpected argument", argv[i]);
    }
    (void)printf("gatehouse %s\n", GH_VERSION);
    return GH_CMD_OK;
}

typedef int (*command_fn)(gh_cmd_env *env, int argc, char **argv);

static const struct {
    const char *name;
    command_fn fn;
} commands[] = {
    {"serve", gh_cmd_serve}, {"migrate", gh_cmd_migrate}, {"clients", gh_cmd_clients},
    {"keys", gh_cmd_keys},   {"users", gh_cmd_users},     {"version", cmd_version},
    {"audit", gh_cmd_audit},   {"scopes", gh_cmd_scopes},
};

int main(int argc, char **argv)
{
    gh_cmd_env env;
    int i, rc;
    size_t c;

    memset(&env, 0, sizeof(env));
    for (i = 1; i < argc; i++) {
        int r;
        if (gh_cmd_is_help(argv[i]) || strcmp(argv[i], "help") == 0) {
            (void)fputs(usage_text, stdout);
            return GH_CMD_OK;
        }
        if (strcmp(argv[i], "--version") == 0)
            return cmd_version(&env, 1, argv);
        r = gh_cmd_common_opt(&env, argc, argv, &i);
        if (r < 0)
            return GH_CMD_USAGE;
        if (r == 0)
            break;
    }
    if (i >= argc) {
        (void)fputs(usage_text, stderr);
        return GH_CMD_USAGE;
    }
    for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
        if (strcmp(argv[i], commands[c].name) == 0) {
            rc = commands[c].fn(&env, argc - i, argv + i);
            gh_cmd_env_clear(&env);
            return rc;
        }
    }
    (void)fprintf(stderr, "gatehouse: unknown command '%s' (see gatehouse --help)\n", argv[i]);
    return GH_CMD_USAGE;
}
