/*
 * cmd_audit.c - `gatehouse audit verify|checkpoint|tail|export`: the audit trail.
 *
 * verify walks the hash chain (audit.h) from the store, or offline from an export file,
 * recomputing every body hash and link (gh_audit_walk), and checks every audit.checkpoint
 * event's signature against the store's keys (every key row, retired ones too) or a JWKS
 * file, and that the event it signs is in the chain with that hash
 * (gh_oauth_audit_checkpoint_check). It prints "ok: N events, last seq S hash H" and exits 0,
 * or names the first broken event and what differs and exits 1.
 * checkpoint signs the newest event now (needs the system secret: the signing key).
 * tail and export print events as JSON lines in the export form (gh_audit_event_export),
 * which verify --file reads back. verify, tail and export only read the store and need no
 * system secret. why (audit_why.c) traces an action, a token or a resource (the tool calls
 * that named it) back to the grant, the consent, the login and the client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/ctx.h"
#include "base/mem.h"
#include "base/str.h"
#include "cmd/audit_why.h"
#include "cmd/cmd.h"

/* Events per store read. */
#define PAGE 500
/* The longest export line verify --file reads, and the largest JWKS file. */
#define LINE_MAX_BYTES (1024 * 1024)
#define JWKS_MAX_BYTES (256 * 1024)

static const char audit_usage[] =
    "usage: gatehouse audit <subcommand> [options] [--config FILE]\n"
    "\n"
    "subcommands:\n"
    "  verify [--jwks FILE] [--file EXPORT.jsonl]\n"
    "        walk the hash chain (from the store, or an export file), recompute every hash\n"
    "        and check every signed checkpoint against the store's keys or the JWKS FILE;\n"
    "        prints \"ok: N events, last seq S hash H\" or names the first broken event\n"
    "  checkpoint\n"
    "        append a checkpoint signed with the active signing key over the newest event\n"
    "  tail [-n N] [--follow]\n"
    "        print the last N events (default 10) as JSON lines; --follow keeps printing\n"
    "  export [--since T] [--until T] [--subject S] [--client C] [--token T] [--type X]\n"
    "        print the matching events as JSON lines (T: RFC 3339 or seconds since the\n"
    "        epoch; since inclusive, until exclusive)\n"
    "  why SEQ|TOKEN|RESOURCE [--json]\n"
    "  why --resource VALUE [--since T] [--until T] [--subject S] [--client C] [--json]\n"
    "        trace an action (an event's seq) or a token (its id or the JWT) back to the\n"
    "        token, the grant, the consent (scopes asked and given, catalog version), the\n"
    "        login and the client. Digits are a seq, a JWT or a token id the trail knows\n"
    "        is a token, anything else a resource (--resource for one that looks like a\n"
    "        number or a token id): the tool calls whose arguments hold that value (or\n"
    "        KEY=VALUE: member KEY holds VALUE), then the chain of the latest that\n"
    "        succeeded; the filters narrow a resource's calls. Exit 1 when nothing matches\n"
    "\n"
    "Exit status: 0 success, 1 failure (verify: the chain is broken), 2 bad usage.\n";

/* Prints one event as a JSON line. */
static void print_line(const gh_audit_event *e)
{
    json_t *o = gh_audit_event_export(e);
    (void)json_dumpf(o, stdout, JSON_COMPACT);
    (void)fputc('\n', stdout);
    json_decref(o);
}

/* Reads a whole file of at most max bytes (heap, NUL-terminated), or NULL with a message. */
static char *read_file(const char *path, size_t max)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL) {
        (void)fprintf(stderr, "gatehouse: cannot open %s\n", path);
        return NULL;
    }
    buf = gh_xmalloc(max + 1);
    n = fread(buf, 1, max + 1, f);
    (void)fclose(f);
    if (n > max) {
        (void)fprintf(stderr, "gatehouse: %s is larger than %zu bytes\n", path, max);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- verify ---- */

typedef struct verify_state {
    gh_audit_walk *walk;
    const char *jwks; /* NULL: checkpoints cannot be checked */
    size_t checkpoints;
    size_t unchecked;
} verify_state;

/* Accepts the next event; prints the reason and returns false when the chain breaks. */
static bool verify_one(verify_state *v, gh_arena *a, const gh_audit_event *e)
{
    char why[512];
    int64_t signed_seq = 0;
    unsigned char signed_hash[GH_SHA256_LEN], have[GH_SHA256_LEN];
    const char *cwhy = NULL;

    if (gh_audit_walk_add(v->walk, e, why, sizeof(why)) != GH_OK) {
        (void)printf("broken: event seq %lld (after %lld good events): %s\n", (long long)e->seq,
                     (long long)v->walk->n, why);
        return false;
    }
    if (e->type == NULL || strcmp(e->type, GH_AUDIT_CHECKPOINT) != 0)
        return true;
    if (v->jwks == NULL) {
        v->unchecked++;
        return true;
    }
    if (gh_oauth_audit_checkpoint_check(a, v->jwks, e->data, &signed_seq, signed_hash, &cwhy) !=
        GH_OK) {
        (void)printf("broken: checkpoint seq %lld: %s\n", (long long)e->seq, cwhy);
        return false;
    }
    if (!gh_audit_walk_hash_of(v->walk, signed_seq, have) || signed_seq >= e->seq) {
        (void)printf("broken: checkpoint seq %lld signs seq %lld, which is not an earlier "
                     "event within reach\n",
                     (long long)e->seq, (long long)signed_seq);
        return false;
    }
    if (memcmp(have, signed_hash, GH_SHA256_LEN) != 0) {
        (void)printf("broken: checkpoint seq %lld signed a different hash for seq %lld than "
                     "the chain holds: events up to %lld were changed after it was signed\n",
                     (long long)e->seq, (long long)signed_seq, (long long)signed_seq);
        return false;
    }
    v->checkpoints++;
    return true;
}

static int verify_report(const verify_state *v)
{
    char hex[2 * GH_SHA256_LEN + 1];

    gh_hex_encode(v->walk->last_hash, GH_SHA256_LEN, hex);
    (void)printf("ok: %lld events, last seq %lld hash %s\n", (long long)v->walk->n,
                 (long long)v->walk->last_seq, hex);
    (void)printf("checkpoints: %zu verified", v->checkpoints);
    if (v->unchecked > 0)
        (void)printf(", %zu not checked (no keys: give --jwks FILE)", v->unchecked);
    (void)printf("\n");
    return GH_CMD_OK;
}

static int verify_store(gh_cmd_env *env, verify_state *v)
{
    int64_t after = 0;

    for (;;) {
        gh_arena *a = gh_arena_new(0);
        gh_audit_event *ev = NULL;
        size_t n = 0;
        gh_err err = gh_store_audit_list(env->store, after, PAGE, a, &ev, &n);
        if (err != GH_OK) {
            (void)fprintf(stderr, "gatehouse: cannot read the audit trail: %s\n",
                          gh_err_str(err));
            gh_arena_free(a);
            return GH_CMD_FAIL;
        }
        for (size_t i = 0; i < n; i++) {
            if (!verify_one(v, a, &ev[i])) {
                gh_arena_free(a);
                return GH_CMD_FAIL;
            }
        }
        if (n > 0)
            after = ev[n - 1].seq;
        gh_arena_free(a);
        if (n < PAGE)
            break;
    }
    return verify_report(v);
}

static int verify_file(const char *path, verify_state *v)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *line;
    size_t lineno = 0;
    int rc = GH_CMD_OK;

    if (f == NULL) {
        (void)fprintf(stderr, "gatehouse: cannot open %s\n", path);
        return GH_CMD_FAIL;
    }
    line = gh_xmalloc(LINE_MAX_BYTES + 2);
    while (rc == GH_CMD_OK && fgets(line, LINE_MAX_BYTES + 2, f) != NULL) {
        size_t len = strlen(line);
        gh_arena *a;
        json_t *o;
        gh_audit_event e;

        lineno++;
        if (len > LINE_MAX_BYTES) {
            (void)printf("broken: line %zu is longer than %d bytes\n", lineno, LINE_MAX_BYTES);
            rc = GH_CMD_FAIL;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0)
            continue;
        a = gh_arena_new(0);
        o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
        if (o == NULL || gh_audit_event_import(o, a, &e) != GH_OK) {
            (void)printf("broken: line %zu is not an exported audit event\n", lineno);
            rc = GH_CMD_FAIL;
        } else if (!verify_one(v, a, &e)) {
            rc = GH_CMD_FAIL;
        }
        json_decref(o);
        gh_arena_free(a);
    }
    free(line);
    if (f != stdin)
        (void)fclose(f);
    return rc == GH_CMD_OK ? verify_report(v) : rc;
}

static int audit_verify(gh_cmd_env *env, const char *jwks_path, const char *file)
{
    verify_state v;
    char *jwks_file = NULL;
    gh_arena *a = gh_arena_new(0);
    int rc = GH_CMD_OK;

    memset(&v, 0, sizeof(v));
    v.walk = gh_xmalloc(sizeof(*v.walk));
    gh_audit_walk_init(v.walk);
    if (jwks_path != NULL) {
        jwks_file = read_file(jwks_path, JWKS_MAX_BYTES);
        if (jwks_file == NULL)
            rc = GH_CMD_FAIL;
        v.jwks = jwks_file;
    }
    if (rc == GH_CMD_OK && file == NULL) {
        rc = gh_cmd_load_config(env);
        if (rc == GH_CMD_OK)
            rc = gh_cmd_open_store(env);
        if (rc == GH_CMD_OK && v.jwks == NULL)
            v.jwks = gh_oauth_audit_store_jwks(env->store, a);
        if (rc == GH_CMD_OK)
            rc = verify_store(env, &v);
    } else if (rc == GH_CMD_OK) {
        rc = verify_file(file, &v);
    }
    free(jwks_file);
    free(v.walk);
    gh_arena_free(a);
    return rc;
}

/* ---- checkpoint ---- */

static int audit_checkpoint(gh_cmd_env *env)
{
    gh_arena *a = gh_arena_new(0);
    gh_ctx ctx;
    int64_t seq = 0, signed_seq = 0;
    int rc = gh_cmd_open_all(env);
    gh_err err;

    if (rc != GH_CMD_OK) {
        gh_arena_free(a);
        return rc;
    }
    gh_engine_ctx_init(env->engine, &ctx, a);
    err = gh_oauth_audit_checkpoint(env->engine, &ctx, "cli", &seq, &signed_seq);
    if (err == GH_ENOTFOUND) {
        (void)fprintf(stderr, "gatehouse: the audit trail is empty: nothing to sign\n");
        rc = GH_CMD_FAIL;
    } else if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: checkpoint failed: %s%s%s\n", gh_err_str(err),
                      ctx.fail[0] ? ": " : "", ctx.fail);
        rc = GH_CMD_FAIL;
    } else {
        (void)printf("checkpoint: seq %lld signs seq %lld\n", (long long)seq,
                     (long long)signed_seq);
    }
    gh_arena_free(a);
    return rc;
}

/* ---- tail and export ---- */

/* Prints the events matching f from f->after_seq on, page by page; *last gets the last seq
 * printed (unchanged if none). */
static int print_query(gh_cmd_env *env, gh_audit_filter *f, int64_t *last)
{
    for (;;) {
        gh_arena *a = gh_arena_new(0);
        gh_audit_event *ev = NULL;
        size_t n = 0;
        gh_err err;

        f->limit = PAGE;
        err = gh_store_audit_query(env->store, f, a, &ev, &n);
        if (err != GH_OK) {
            (void)fprintf(stderr, "gatehouse: cannot read the audit trail: %s\n",
                          gh_err_str(err));
            gh_arena_free(a);
            return GH_CMD_FAIL;
        }
        for (size_t i = 0; i < n; i++)
            print_line(&ev[i]);
        if (n > 0) {
            f->after_seq = ev[n - 1].seq;
            *last = f->after_seq;
        }
        gh_arena_free(a);
        (void)fflush(stdout);
        if (n < PAGE)
            return GH_CMD_OK;
    }
}

static int audit_tail(gh_cmd_env *env, int64_t count, bool follow)
{
    gh_arena *a = gh_arena_new(0);
    gh_audit_event *head = NULL;
    gh_audit_filter f;
    int64_t last = 0;
    int rc = gh_cmd_load_config(env);

    memset(&f, 0, sizeof(f));
    if (rc == GH_CMD_OK)
        rc = gh_cmd_open_store(env);
    if (rc == GH_CMD_OK && gh_oauth_audit_head(env->store, a, &head) != GH_OK) {
        (void)fprintf(stderr, "gatehouse: cannot read the audit trail\n");
        rc = GH_CMD_FAIL;
    }
    if (rc == GH_CMD_OK && head != NULL)
        f.after_seq = head->seq > count ? head->seq - count : 0;
    gh_arena_free(a);
    if (rc == GH_CMD_OK)
        rc = print_query(env, &f, &last);
    while (rc == GH_CMD_OK && follow) {
        struct timespec ts = {0, 500 * 1000 * 1000};
        (void)nanosleep(&ts, NULL);
        rc = print_query(env, &f, &last);
    }
    return rc;
}

static int audit_export(gh_cmd_env *env, gh_audit_filter *f)
{
    int64_t last = 0;
    int rc = gh_cmd_load_config(env);

    if (rc == GH_CMD_OK)
        rc = gh_cmd_open_store(env);
    if (rc == GH_CMD_OK)
        rc = print_query(env, f, &last);
    return rc;
}

/* ---- arguments ---- */

static int parse_time_opt(const char *name, const char *v, int64_t *out)
{
    if (gh_oauth_audit_parse_time(v, out) != GH_OK)
        return gh_cmd_usage_error("audit", "expected an RFC 3339 time or seconds since the "
                                           "epoch for",
                                  name);
    return GH_CMD_OK;
}

int gh_cmd_audit(gh_cmd_env *env, int argc, char **argv)
{
    const char *sub, *v = NULL, *jwks = NULL, *file = NULL;
    gh_audit_filter f;
    gh_cmd_why_opts why;
    int64_t count = 10;
    bool follow = false;
    int i, r;

    memset(&f, 0, sizeof(f));
    memset(&why, 0, sizeof(why));
    if (argc < 2) {
        (void)fputs(audit_usage, stderr);
        return GH_CMD_USAGE;
    }
    sub = argv[1];
    if (gh_cmd_is_help(sub)) {
        (void)fputs(audit_usage, stdout);
        return GH_CMD_OK;
    }
    if (strcmp(sub, "verify") != 0 && strcmp(sub, "checkpoint") != 0 &&
        strcmp(sub, "tail") != 0 && strcmp(sub, "export") != 0 && strcmp(sub, "why") != 0)
        return gh_cmd_usage_error("audit", "unknown subcommand", sub);
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool is_verify = strcmp(sub, "verify") == 0, is_tail = strcmp(sub, "tail") == 0;
        bool is_export = strcmp(sub, "export") == 0, is_why = strcmp(sub, "why") == 0;
        if (gh_cmd_is_help(a)) {
            (void)fputs(audit_usage, stdout);
            return GH_CMD_OK;
        }
        r = gh_cmd_common_opt(env, argc, argv, &i);
        if (r < 0)
            return GH_CMD_USAGE;
        if (r == 1)
            continue;
        if (is_verify && (r = gh_cmd_opt(argc, argv, &i, "--jwks", &jwks)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
        } else if (is_verify && (r = gh_cmd_opt(argc, argv, &i, "--file", &file)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
        } else if (is_tail && strcmp(a, "--follow") == 0) {
            follow = true;
        } else if (is_tail && (r = gh_cmd_opt(argc, argv, &i, "-n", &v)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
            if (v[0] == '\0' || strlen(v) > 9 || strspn(v, "0123456789") != strlen(v))
                return gh_cmd_usage_error("audit", "-n expects a number", v);
            count = 0;
            for (const char *p = v; *p; p++)
                count = count * 10 + (*p - '0');
        } else if ((is_export || is_why) && (r = gh_cmd_opt(argc, argv, &i, "--since", &v)) != 0) {
            if (r < 0 || parse_time_opt("--since", v, &f.since_us) != GH_CMD_OK)
                return GH_CMD_USAGE;
        } else if ((is_export || is_why) && (r = gh_cmd_opt(argc, argv, &i, "--until", &v)) != 0) {
            if (r < 0 || parse_time_opt("--until", v, &f.until_us) != GH_CMD_OK)
                return GH_CMD_USAGE;
        } else if ((is_export || is_why) &&
                   (r = gh_cmd_opt(argc, argv, &i, "--subject", &f.subject)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
        } else if ((is_export || is_why) &&
                   (r = gh_cmd_opt(argc, argv, &i, "--client", &f.client_id)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
        } else if (is_export && (r = gh_cmd_opt(argc, argv, &i, "--token", &f.token_id)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
        } else if (is_export && (r = gh_cmd_opt(argc, argv, &i, "--type", &f.type)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
        } else if (is_why && strcmp(a, "--json") == 0) {
            why.as_json = true;
        } else if (is_why && (r = gh_cmd_opt(argc, argv, &i, "--resource", &why.resource)) != 0) {
            if (r < 0)
                return GH_CMD_USAGE;
        } else if (is_why && why.start == NULL && a[0] != '-' && a[0] != '\0') {
            why.start = a;
        } else {
            return gh_cmd_usage_error("audit", "unexpected argument", a);
        }
    }
    if (strcmp(sub, "verify") == 0)
        return audit_verify(env, jwks, file);
    if (strcmp(sub, "checkpoint") == 0)
        return audit_checkpoint(env);
    if (strcmp(sub, "why") == 0) {
        why.filter = f;
        return gh_cmd_audit_why(env, &why);
    }
    if (strcmp(sub, "tail") == 0)
        return audit_tail(env, count, follow);
    return audit_export(env, &f);
}
