/*
 * cmd_serve.c - `gatehouse serve` and `gatehouse migrate`.
 *
 * serve: configuration, system secret, store, migrations (unless migrate.on_start is false),
 * engine (signing keys are generated at the very first start only), then both listeners;
 * it waits for SIGINT, SIGTERM or SIGHUP with sigwait on a mask blocked before any thread
 * exists, so no signal handler ever runs and no global is touched. SIGINT and SIGTERM stop
 * the listeners (finishing requests in flight) and release everything in reverse order.
 *
 * SIGHUP reloads the scope catalog (reload below), on this thread, while the listeners keep
 * serving: the configuration file serve started with is read again (the same path and the
 * same environment overrides) and validated completely; the settings other than the catalog
 * that changed are each logged as a warning that they need a restart, and are not applied;
 * the catalog (catalog_version, scopes, resources) goes to gh_engine_catalog_reload, which
 * settles it as at start and publishes it atomically. An unreadable or invalid file, or a
 * change the engine refuses (a widening change without `gatehouse scopes accept`, a
 * catalog_version that did not rise), is logged as an error and leaves the running catalog
 * as it was; an unchanged catalog is logged and nothing else happens.
 * Start-up does no slow work past the first start, so the listeners answer within
 * milliseconds.
 *
 * While serving, a checkpoint thread looks at the newest audit event once a second and
 * appends a signed audit.checkpoint (gh_oauth_audit_checkpoint) when audit.checkpoint_interval
 * seconds have passed since the last one (or since the start) and events were added, or when
 * audit.checkpoint_every_events events were added since the last one. It waits on a condition
 * variable (monotonic clock), so stopping it is immediate; it is stopped before the listeners
 * and the engine go. A failed checkpoint is logged and tried again at the next wake-up; it
 * never stops the server.
 *
 * migrate: applies pending migrations and says how many; needs no system secret.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "cmd/cmd.h"
#include "http/http.h"
#include "jose/jose.h"

static const char serve_usage[] =
    "usage: gatehouse serve [--config FILE]\n"
    "\n"
    "Runs the public listener (OAuth and OpenID Connect endpoints) and the admin listener\n"
    "until SIGINT or SIGTERM. SIGHUP reloads the scope catalog (catalog_version, scopes,\n"
    "resources) from the configuration file; other changed settings need a restart.\n"
    "Applies pending migrations first unless migrate.on_start is false. Requires the system\n"
    "secret (secrets.system or GATEHOUSE_SECRETS_SYSTEM, at least 32 characters). At the\n"
    "first start, when no admin key is configured, one is generated and printed once on\n"
    "stderr.\n";

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

/* ---- the checkpoint thread ---- */

typedef struct ckpt_thread {
    gh_engine *engine;
    gh_store *store;
    int64_t interval;    /* seconds, 0 = off */
    int64_t every;       /* events, 0 = off */
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* on CLOCK_MONOTONIC */
    bool stop;           /* under mu */
    pthread_t tid;
    int64_t last_seq;    /* the newest seq covered by the last checkpoint (its own seq) */
    int64_t last_at;     /* monotonic seconds of the last checkpoint, or of the start */
} ckpt_thread;

static int64_t mono_now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec;
}

/* The newest seq (0 when the trail is empty) and whether that event is a checkpoint. */
static gh_err ckpt_head(ckpt_thread *t, int64_t *out_seq, bool *out_is_ckpt)
{
    gh_arena *a = gh_arena_new(0);
    gh_audit_event *head = NULL;
    gh_err err = gh_oauth_audit_head(t->store, a, &head);

    *out_seq = 0;
    *out_is_ckpt = false;
    if (err == GH_OK && head != NULL) {
        *out_seq = head->seq;
        *out_is_ckpt = head->type != NULL && strcmp(head->type, GH_AUDIT_CHECKPOINT) == 0;
    }
    gh_arena_free(a);
    return err;
}

/* One look at the trail: signs a checkpoint when one is due. */
static void ckpt_tick(ckpt_thread *t)
{
    int64_t head_seq = 0, seq = 0, signed_seq = 0, now = mono_now();
    bool is_ckpt = false, due;
    gh_arena *a;
    gh_ctx ctx;
    gh_err err;

    err = ckpt_head(t, &head_seq, &is_ckpt);
    if (err != GH_OK) {
        gh_log(GH_LOG_WARN, "audit checkpoint: cannot read the audit trail: %s",
               gh_err_str(err));
        return;
    }
    if (head_seq <= t->last_seq)
        return; /* nothing new since the last checkpoint */
    due = (t->every > 0 && head_seq - t->last_seq >= t->every) ||
          (t->interval > 0 && now - t->last_at >= t->interval);
    if (!due)
        return;
    a = gh_arena_new(0);
    gh_engine_ctx_init(t->engine, &ctx, a);
    err = gh_oauth_audit_checkpoint(t->engine, &ctx, "system", &seq, &signed_seq);
    if (err == GH_OK) {
        t->last_seq = seq;
        t->last_at = now;
        gh_log(GH_LOG_INFO, "audit checkpoint: seq %lld signs seq %lld", (long long)seq,
               (long long)signed_seq);
    } else {
        gh_log(GH_LOG_WARN, "audit checkpoint failed: %s%s%s", gh_err_str(err),
               ctx.fail[0] ? ": " : "", ctx.fail);
    }
    gh_arena_free(a);
}

static void *ckpt_main(void *arg)
{
    ckpt_thread *t = arg;
    struct timespec until;

    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        pthread_mutex_unlock(&t->mu);
        ckpt_tick(t);
        pthread_mutex_lock(&t->mu);
        if (t->stop)
            break;
        if (clock_gettime(CLOCK_MONOTONIC, &until) != 0)
            memset(&until, 0, sizeof until); /* a past deadline: an early look, no harm */
        until.tv_sec += 1;
        /* Wakes at the deadline or at once when stopped; a spurious wake-up only means an
         * early look. */
        (void)pthread_cond_timedwait(&t->cv, &t->mu, &until);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

/* Starts the thread unless both triggers are off; false (logged) if it could not start. */
static bool ckpt_start(ckpt_thread *t, gh_cmd_env *env)
{
    pthread_condattr_t attr;
    bool is_ckpt = false;
    int64_t head_seq = 0;

    memset(t, 0, sizeof *t);
    t->engine = env->engine;
    t->store = env->store;
    t->interval = env->cfg->audit_checkpoint_interval;
    t->every = env->cfg->audit_checkpoint_every_events;
    if (t->interval == 0 && t->every == 0)
        return false;
    /* Events after the newest checkpoint are not signed yet; a trail that ends with one
     * needs nothing until new events come. */
    if (ckpt_head(t, &head_seq, &is_ckpt) == GH_OK && is_ckpt)
        t->last_seq = head_seq;
    t->last_at = mono_now();
    if (pthread_condattr_init(&attr) != 0)
        goto done;
    if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&t->cv, &attr) != 0) {
        (void)pthread_condattr_destroy(&attr);
        goto done;
    }
    (void)pthread_condattr_destroy(&attr);
    if (pthread_mutex_init(&t->mu, NULL) != 0) {
        (void)pthread_cond_destroy(&t->cv);
        goto done;
    }
    if (pthread_create(&t->tid, NULL, ckpt_main, t) != 0) {
        (void)pthread_mutex_destroy(&t->mu);
        (void)pthread_cond_destroy(&t->cv);
        goto done;
    }
    return true;
done:
    gh_log(GH_LOG_WARN, "audit checkpoint: cannot start the checkpoint thread; no automatic "
                        "checkpoints");
    return false;
}

static void ckpt_stop(ckpt_thread *t)
{
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    (void)pthread_join(t->tid, NULL);
    (void)pthread_mutex_destroy(&t->mu);
    (void)pthread_cond_destroy(&t->cv);
}

/* ---- SIGHUP: the scope catalog reload ---- */

#define RELOAD_MAX_NAMED 64 /* changed settings named one by one in the log */

/* Reloads the scope catalog from the configuration file (see the file comment). Never stops
 * the server: every outcome is a log line. */
static void reload(gh_cmd_env *env)
{
    const char *path = env->cfg->path, *changed[RELOAD_MAX_NAMED];
    int64_t before = gh_engine_catalog_version(env->engine), version = before;
    gh_config *cfg = NULL;
    bool applied = false;
    char errbuf[1024];
    size_t n, i;

    errbuf[0] = '\0';
    gh_log(GH_LOG_INFO, "SIGHUP: reloading the scope catalog from %s",
           path != NULL ? path : "the defaults and the environment (no configuration file)");
    if (gh_cmd_reload_config(env, &cfg, errbuf, sizeof(errbuf)) != GH_OK ||
        gh_config_require_secret(cfg, errbuf, sizeof(errbuf)) != GH_OK) {
        gh_log(GH_LOG_ERROR,
               "reload refused: invalid configuration: %s; the running scope catalog (version "
               "%lld) is kept",
               errbuf[0] != '\0' ? errbuf : "cannot be loaded", (long long)before);
        gh_config_free(cfg);
        return;
    }
    n = gh_config_restart_changes(env->cfg, cfg, changed, RELOAD_MAX_NAMED);
    for (i = 0; i < n && i < RELOAD_MAX_NAMED; i++)
        gh_log(GH_LOG_WARN, "reload: %s changed; it needs a restart and is not applied",
               changed[i]);
    if (n > RELOAD_MAX_NAMED)
        gh_log(GH_LOG_WARN, "reload: %zu more settings changed; they need a restart",
               n - RELOAD_MAX_NAMED);
    if (gh_engine_catalog_reload(env->engine, cfg, &applied, &version, errbuf, sizeof(errbuf)) !=
        GH_OK)
        gh_log(GH_LOG_ERROR, "reload refused: %s; the running scope catalog (version %lld) is kept",
               errbuf, (long long)before);
    else if (!applied)
        gh_log(GH_LOG_INFO, "reload: the scope catalog is unchanged (version %lld)",
               (long long)version);
    else
        gh_log(GH_LOG_INFO, "reload: scope catalog version %lld applied (was version %lld)",
               (long long)version, (long long)before);
    gh_config_free(cfg);
}

int gh_cmd_serve(gh_cmd_env *env, int argc, char **argv)
{
    ckpt_thread ckpt;
    bool ckpt_running;
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

    /* Block the stop and reload signals before any thread starts (the store's writer, the
     * listeners): threads inherit the mask, and only sigwait below ever sees the signals. */
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGHUP);
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

    /* Nonces for ES256 signatures (ID tokens, JWT access tokens), made while a CPU is idle;
     * without them signing takes the ordinary path. */
    if (gh_jose_presign_start() != GH_OK)
        gh_log(GH_LOG_WARN, "ES256 signatures are made without precomputed nonces");
    err = gh_http_start(env->cfg, env->engine, &http);
    if (err != GH_OK) {
        (void)fprintf(stderr, "gatehouse: cannot start the listeners on %s and %s: %s\n",
                      env->cfg->public_listen, env->cfg->admin_listen, gh_err_str(err));
        gh_jose_presign_stop();
        return GH_CMD_FAIL;
    }
    gh_log(GH_LOG_INFO, "listening: public %s (port %u), admin %s (port %u), issuer %s, version %s",
           env->cfg->public_listen, gh_http_port(http, false), env->cfg->admin_listen,
           gh_http_port(http, true), env->cfg->issuer, GH_VERSION);

    ckpt_running = ckpt_start(&ckpt, env);

    while (sig != SIGINT && sig != SIGTERM) {
        if (sigwait(&mask, &sig) != 0)
            sig = SIGTERM;
        else if (sig == SIGHUP)
            reload(env);
    }
    gh_log(GH_LOG_INFO, "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (ckpt_running)
        ckpt_stop(&ckpt);
    gh_http_stop(http);
    gh_jose_presign_stop();
    gh_log(GH_LOG_INFO, "stopped");
    return GH_CMD_OK;
}
