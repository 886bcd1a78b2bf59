/*
 * cmd_clients.c - `gatehouse clients create|list|get|update|delete`.
 *
 * Every subcommand builds the request the admin API would receive and calls the same engine
 * function (gh_oauth_admin_clients / gh_oauth_admin_client), so the CLI validates, stores and
 * audits exactly as /admin/clients does. create takes Hydra's client JSON (--from-json FILE,
 * '-' for stdin) and/or flags, which override the JSON's fields; it prints the client with its
 * secret, which is shown this once. An engine rejection (4xx) is printed on stderr with its
 * error code and description, and the command exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/ctx.h"
#include "base/limits.h"
#include "base/str.h"
#include "cmd/cmd.h"
#include "json/json.h"

static const char clients_usage[] =
    "usage: gatehouse clients <subcommand> [options]\n"
    "\n"
    "subcommands:\n"
    "  create [flags] [--from-json FILE|-]   register a client; prints it with its secret\n"
    "  list [--page-size N] [--page-token T] list clients (JSON array)\n"
    "  get ID                                print one client\n"
    "  update ID --from-json FILE|-          replace a client's metadata\n"
    "  delete ID                             delete a client and revoke its tokens\n"
    "\n"
    "create flags (each overrides the same field of --from-json):\n"
    "  --id ID                          client_id (default: generated)\n"
    "  --name NAME                      client_name\n"
    "  --grant-type TYPE                grant_types (repeatable)\n"
    "  --scope \"A B\"                    scope: the most the client may ever get\n"
    "  --redirect-uri URI               redirect_uris (repeatable)\n"
    "  --token-endpoint-auth-method M   client_secret_basic, client_secret_post,\n"
    "                                   private_key_jwt or none\n"
    "  --access-token-strategy S        jwt or opaque\n"
    "  --audience AUD                   audience (repeatable)\n"
    "  --from-json FILE|-               Hydra's client JSON ('-': standard input)\n"
    "\n"
    "All subcommands take --config FILE. Exit status: 0 success, 1 failure (e.g. the\n"
    "client exists or is invalid), 2 bad usage or invalid configuration.\n";

/* Reads all of path ('-': stdin) into a heap string of at most max bytes. */
static int read_input(const char *path, size_t max, char **out, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    gh_buf b;
    char chunk[4096];
    size_t n;
    int rc = GH_CMD_OK;

    *out = NULL;
    *out_len = 0;
    if (f == NULL) {
        (void)fprintf(stderr, "gatehouse: cannot read %s: %s\n", path, strerror(errno));
        return GH_CMD_FAIL;
    }
    gh_buf_init(&b, max);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (gh_buf_add(&b, chunk, n) != GH_OK) {
            (void)fprintf(stderr, "gatehouse: %s is larger than %zu bytes\n", path, max);
            rc = GH_CMD_FAIL;
            break;
        }
    }
    if (rc == GH_CMD_OK && ferror(f)) {
        (void)fprintf(stderr, "gatehouse: cannot read %s\n", path);
        rc = GH_CMD_FAIL;
    }
    if (f != stdin)
        (void)fclose(f);
    if (rc != GH_CMD_OK) {
        gh_buf_clear(&b);
        return rc;
    }
    *out_len = b.len;
    *out = gh_buf_take(&b);
    return GH_CMD_OK;
}

static size_t body_max(const gh_cmd_env *env)
{
    return env->cfg->body_limit > 0 ? env->cfg->body_limit : (size_t)GH_LIMIT_BODY_DEFAULT;
}

/* Appends s to the array member key of obj, creating the array (replacing a value that
 * came from --from-json the first time a flag names it). */
static void add_to_array(json_t *obj, const char *key, const char *s, bool *first)
{
    json_t *arr = json_object_get(obj, key);

    if (*first || !json_is_array(arr)) {
        arr = json_array();
        json_object_set_new(obj, key, arr);
        *first = false;
    }
    json_array_append_new(arr, json_string(s));
}

static int clients_create(gh_cmd_env *env, int argc, char **argv)
{
    json_t *obj = NULL;
    const char *from_json = NULL;
    char *text = NULL, *body = NULL;
    size_t text_len = 0;
    char why[128];
    bool first_gt = true, first_ru = true, first_aud = true;
    int i, r, rc = GH_CMD_OK;
    /* Flags are applied after the JSON is read, so they are collected first. */
    json_t *flags = json_object();

    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs(clients_usage, stdout);
            rc = -1;
            goto done;
        }
        if ((r = gh_cmd_common_opt(env, argc, argv, &i)) != 0) {
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--from-json", &v)) == 1) {
            from_json = v;
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--id", &v)) == 1) {
            json_object_set_new(flags, "client_id", json_string(v));
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--name", &v)) == 1) {
            json_object_set_new(flags, "client_name", json_string(v));
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--scope", &v)) == 1) {
            json_object_set_new(flags, "scope", json_string(v));
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--token-endpoint-auth-method", &v)) == 1) {
            json_object_set_new(flags, "token_endpoint_auth_method", json_string(v));
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--access-token-strategy", &v)) == 1) {
            json_object_set_new(flags, "access_token_strategy", json_string(v));
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--grant-type", &v)) == 1) {
            add_to_array(flags, "grant_types", v, &first_gt);
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--redirect-uri", &v)) == 1) {
            add_to_array(flags, "redirect_uris", v, &first_ru);
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--audience", &v)) == 1) {
            add_to_array(flags, "audience", v, &first_aud);
        } else if (r == 0) {
            rc = gh_cmd_usage_error("clients create", "unexpected argument", argv[i]);
            goto done;
        }
        if (r < 0) {
            rc = GH_CMD_USAGE;
            goto done;
        }
        /* json_string returns NULL for a value that is not UTF-8. */
        if (v != NULL && !gh_str_utf8(v, strlen(v))) {
            rc = gh_cmd_usage_error("clients create", "not UTF-8", argv[i]);
            goto done;
        }
    }
    rc = gh_cmd_open_all(env);
    if (rc != GH_CMD_OK)
        goto done;

    if (from_json != NULL) {
        rc = read_input(from_json, body_max(env), &text, &text_len);
        if (rc != GH_CMD_OK)
            goto done;
        why[0] = '\0';
        if (gh_json_parse_object(text, text_len, body_max(env), &obj, why, sizeof(why)) != GH_OK) {
            (void)fprintf(stderr, "gatehouse: %s: not a JSON object of client metadata%s%s\n",
                          strcmp(from_json, "-") == 0 ? "standard input" : from_json,
                          why[0] ? ": " : "", why);
            rc = GH_CMD_FAIL;
            goto done;
        }
    } else {
        obj = json_object();
    }
    (void)json_object_update(obj, flags);
    body = json_dumps(obj, JSON_COMPACT);
    if (body == NULL) {
        (void)fprintf(stderr, "gatehouse: cannot encode the client metadata\n");
        rc = GH_CMD_FAIL;
        goto done;
    }
    rc = gh_cmd_call(env, gh_oauth_admin_clients, "POST", NULL, NULL, body, true);
done:
    free(body);
    free(text);
    json_decref(obj);
    json_decref(flags);
    return rc < 0 ? GH_CMD_OK : rc;
}

static int clients_list(gh_cmd_env *env, int argc, char **argv)
{
    gh_form_pair pairs[2];
    gh_form q = {pairs, 0};
    bool seen_size = false, seen_token = false;
    int i, r, rc;

    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs(clients_usage, stdout);
            return GH_CMD_OK;
        }
        if ((r = gh_cmd_common_opt(env, argc, argv, &i)) != 0) {
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--page-size", &v)) == 1) {
            if (seen_size)
                return gh_cmd_usage_error("clients list", "repeated option", "--page-size");
            seen_size = true;
            pairs[q.n].name = "page_size";
            pairs[q.n].value = v;
            pairs[q.n].value_len = strlen(v);
            q.n++;
        } else if ((r = gh_cmd_opt(argc, argv, &i, "--page-token", &v)) == 1) {
            if (seen_token)
                return gh_cmd_usage_error("clients list", "repeated option", "--page-token");
            seen_token = true;
            pairs[q.n].name = "page_token";
            pairs[q.n].value = v;
            pairs[q.n].value_len = strlen(v);
            q.n++;
        } else if (r == 0) {
            return gh_cmd_usage_error("clients list", "unexpected argument", argv[i]);
        }
        if (r < 0)
            return GH_CMD_USAGE;
    }
    rc = gh_cmd_open_all(env);
    if (rc != GH_CMD_OK)
        return rc;
    return gh_cmd_call(env, gh_oauth_admin_clients, "GET", NULL, &q, NULL, true);
}

/* get, update and delete: one ID, and --from-json for update. */
static int clients_one(gh_cmd_env *env, int argc, char **argv, const char *sub)
{
    const char *id = NULL, *from_json = NULL;
    char *text = NULL;
    size_t text_len = 0;
    bool update = strcmp(sub, "update") == 0;
    char name[32];
    int i, r, rc;

    (void)snprintf(name, sizeof(name), "clients %s", sub);
    for (i = 1; i < argc; i++) {
        const char *v = NULL;
        if (gh_cmd_is_help(argv[i])) {
            (void)fputs(clients_usage, stdout);
            return GH_CMD_OK;
        }
        if ((r = gh_cmd_common_opt(env, argc, argv, &i)) != 0) {
        } else if (update && (r = gh_cmd_opt(argc, argv, &i, "--from-json", &v)) == 1) {
            from_json = v;
        } else if (argv[i][0] != '-' && id == NULL) {
            id = argv[i];
        } else {
            return gh_cmd_usage_error(name, "unexpected argument", argv[i]);
        }
        if (r < 0)
            return GH_CMD_USAGE;
    }
    if (id == NULL)
        return gh_cmd_usage_error(name, "missing the client ID", NULL);
    if (update && from_json == NULL)
        return gh_cmd_usage_error(name, "missing --from-json FILE|-", NULL);
    rc = gh_cmd_open_all(env);
    if (rc != GH_CMD_OK)
        return rc;
    if (strcmp(sub, "get") == 0)
        return gh_cmd_call(env, gh_oauth_admin_client, "GET", id, NULL, NULL, true);
    if (strcmp(sub, "delete") == 0) {
        rc = gh_cmd_call(env, gh_oauth_admin_client, "DELETE", id, NULL, NULL, false);
        if (rc == GH_CMD_OK)
            (void)fprintf(stderr, "deleted client %s\n", id);
        return rc;
    }
    if (from_json == NULL)
        return GH_CMD_USAGE; /* checked above for update, the only way here */
    rc = read_input(from_json, body_max(env), &text, &text_len);
    if (rc != GH_CMD_OK)
        return rc;
    if (text_len != strlen(text)) {
        (void)fprintf(stderr, "gatehouse: %s holds a NUL byte\n", from_json);
        free(text);
        return GH_CMD_FAIL;
    }
    rc = gh_cmd_call(env, gh_oauth_admin_client, "PUT", id, NULL, text, true);
    free(text);
    return rc;
}

int gh_cmd_clients(gh_cmd_env *env, int argc, char **argv)
{
    if (argc < 2) {
        (void)fputs(clients_usage, stderr);
        return GH_CMD_USAGE;
    }
    if (gh_cmd_is_help(argv[1])) {
        (void)fputs(clients_usage, stdout);
        return GH_CMD_OK;
    }
    if (strcmp(argv[1], "create") == 0)
        return clients_create(env, argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0)
        return clients_list(env, argc - 1, argv + 1);
    if (strcmp(argv[1], "get") == 0 || strcmp(argv[1], "update") == 0 ||
        strcmp(argv[1], "delete") == 0)
        return clients_one(env, argc - 1, argv + 1, argv[1]);
    return gh_cmd_usage_error("clients", "unknown subcommand", argv[1]);
}
