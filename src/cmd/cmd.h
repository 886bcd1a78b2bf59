/*
 * cmd.h - declarations shared by the files of the gatehouse command (src/cmd/ only).
 *
 *   gatehouse.c    main: global options, the command table, configuration, store and engine
 *                  set-up shared by every command, version
 *   cmd_serve.c    serve and migrate
 *   cmd_clients.c  clients create|list|get|update|delete (through the admin client API)
 *   cmd_keys.c     keys list|rotate
 *   cmd_users.c    users create|list|get|delete|passwd (built-in users, through the engine)
 *   cmd_scopes.c   scopes check|diff|accept|purge (the versioned scope catalog)
 *   cmd_audit.c    audit verify|checkpoint|tail|export (the hash-chained audit trail)
 *
 * Exit codes (DESIGN.md): 0 success, 1 failure, 2 bad usage or invalid configuration.
 */
#ifndef GH_CMD_CMD_H
#define GH_CMD_CMD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "config/config.h"
#include "oauth/oauth.h"
#include "store/store.h"

enum { GH_CMD_OK = 0, GH_CMD_FAIL = 1, GH_CMD_USAGE = 2 };

/* What a command works with; every member is owned and released by gh_cmd_env_clear. */
typedef struct gh_cmd_env {
    const char *config_path; /* --config, or NULL */
    gh_config *cfg;
    gh_store *store;
    gh_engine *engine;
} gh_cmd_env;

/* Loads the configuration (--config, else $GATEHOUSE_CONFIG, else ./gatehouse.yaml if it
 * exists, else defaults) and sets the log level. Returns an exit code (0 or 2). */
int gh_cmd_load_config(gh_cmd_env *env);
/* Loads the configuration again, from the file env->cfg came from and the same environment
 * (serve's SIGHUP), into *out; env and the log level are left as they are. */
GH_MUST_CHECK gh_err gh_cmd_reload_config(const gh_cmd_env *env, gh_config **out, char *errbuf,
                                          size_t errlen);
/* Opens the store named by cfg->dsn (sqlite:..., mem:). Returns an exit code. */
int gh_cmd_open_store(gh_cmd_env *env);
/* Requires the system secret and creates the engine, printing a newly generated admin key
 * once to stderr. Returns an exit code. */
int gh_cmd_open_engine(gh_cmd_env *env);
/* All three above, for commands that work through the engine. */
int gh_cmd_open_all(gh_cmd_env *env);
void gh_cmd_env_clear(gh_cmd_env *env);

/* Matches argv[*i] against --name and --name=VALUE. Returns 1 when matched (then *val is the
 * value and *i points at the last argument consumed), 0 when not, -1 when the value is
 * missing (an error message has been printed). */
int gh_cmd_opt(int argc, char **argv, int *i, const char *name, const char **val);
/* True if argv[i] is --help or -h. */
bool gh_cmd_is_help(const char *arg);
/* Handles the options every command accepts (--config). Returns like gh_cmd_opt. */
int gh_cmd_common_opt(gh_cmd_env *env, int argc, char **argv, int *i);
/* Prints "gatehouse <cmd>: msg" to stderr and returns GH_CMD_USAGE. */
int gh_cmd_usage_error(const char *cmd, const char *msg, const char *arg);

/* Writes a JSON value to f, indented, with a final newline. */
void gh_cmd_print_json(FILE *f, const json_t *v);
/* Reports an engine response that is an error (status >= 400) on stderr; returns true if it
 * was one. */
bool gh_cmd_report_error(const gh_oauth_response *resp);

/* Calls an admin endpoint as the admin API would (body as JSON, may be NULL; query may be
 * NULL), reports an error response on stderr, and prints a success body to stdout if print.
 * Returns GH_CMD_OK or GH_CMD_FAIL. */
int gh_cmd_call(gh_cmd_env *env, gh_oauth_endpoint fn, const char *method, const char *path_arg,
                const gh_form *query, const char *body, bool print);

int gh_cmd_serve(gh_cmd_env *env, int argc, char **argv);
int gh_cmd_migrate(gh_cmd_env *env, int argc, char **argv);
int gh_cmd_clients(gh_cmd_env *env, int argc, char **argv);
int gh_cmd_keys(gh_cmd_env *env, int argc, char **argv);
int gh_cmd_users(gh_cmd_env *env, int argc, char **argv);
int gh_cmd_audit(gh_cmd_env *env, int argc, char **argv);
int gh_cmd_scopes(gh_cmd_env *env, int argc, char **argv);

#endif
