/*
 * metrics.c - in-process request counters and their Prometheus text exposition (format
 * 0.0.4): requests by listener, route and status; response bytes and time spent by route.
 *
 * Counters are relaxed atomics in the gh_http object (no globals, no locks on the hot path);
 * a scrape reads them without stopping the world, so the numbers of one scrape may be a few
 * requests apart from each other, as with any Prometheus client. Counters live as long as
 * the process and are not persisted: a restart starts from zero, which Prometheus expects.
 * Not here: histograms, per-client labels (unbounded cardinality), the store's own numbers.
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "http/http_int.h"

/* The statuses counted individually; anything else is counted as "other". */
static const int statuses[] = {200, 201, 204, 301, 302, 303, 304, 400, 401,
                               403, 404, 405, 409, 413, 415, 429, 500, 503};
#define N_KNOWN (sizeof(statuses) / sizeof(statuses[0]))
_Static_assert(N_KNOWN + 1 <= GH_HTTP_N_STATUS, "status table too small");

static const char *const listener_names[GH_HTTP_N_LISTENERS] = {"public", "admin"};

void gh_http__metrics_init(gh_http_metrics *m)
{
    size_t i, j;

    for (i = 0; i < GH_HTTP_MAX_ROUTES + GH_HTTP_N_LISTENERS; i++) {
        for (j = 0; j < GH_HTTP_N_STATUS; j++)
            atomic_init(&m->count[i][j], 0);
        atomic_init(&m->duration_us[i], 0);
        atomic_init(&m->bytes[i], 0);
    }
}

static size_t status_slot(int status)
{
    size_t i;

    for (i = 0; i < N_KNOWN; i++) {
        if (statuses[i] == status)
            return i;
    }
    return N_KNOWN;
}

static size_t route_slot(gh_http_listener l, const gh_http_match_result *match)
{
    if (match != NULL && match->route != NULL && match->index < GH_HTTP_MAX_ROUTES)
        return match->index;
    return GH_HTTP_MAX_ROUTES + (size_t)l;
}

void gh_http__metrics_count(gh_http_metrics *m, gh_http_listener l,
                            const gh_http_match_result *match, int status, uint64_t bytes,
                            uint64_t duration_us)
{
    size_t r = route_slot(l, match);

    atomic_fetch_add_explicit(&m->count[r][status_slot(status)], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->duration_us[r], duration_us, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->bytes[r], bytes, memory_order_relaxed);
}

/* Writes the label set of slot r into lbl (listener, route). */
static void slot_labels(size_t r, char *lbl, size_t lbllen)
{
    size_t n;
    const gh_http_route *routes = gh_http__routes(&n);

    if (r < n) {
        (void)snprintf(lbl, lbllen, "listener=\"%s\",route=\"%s%s\"",
                       listener_names[routes[r].listener], routes[r].path,
                       routes[r].match == GH_HTTP_WITH_ID ? "/{id}" : "");
    } else {
        size_t l = r - GH_HTTP_MAX_ROUTES;
        (void)snprintf(lbl, lbllen, "listener=\"%s\",route=\"unmatched\"",
                       l < GH_HTTP_N_LISTENERS ? listener_names[l] : "unknown");
    }
}

static bool slot_used(size_t r, size_t nroutes)
{
    return r < nroutes || r >= GH_HTTP_MAX_ROUTES;
}

char *gh_http__metrics_render(gh_http_metrics *m, gh_arena *a, size_t *out_len)
{
    gh_buf b;
    char lbl[160];
    size_t nroutes, r, s;
    char *out;
    gh_err err = GH_OK;

    (void)gh_http__routes(&nroutes);
    /* Every line is under 200 bytes and there are at most (routes + 2) * (statuses + 2)
     * lines, so this bound is never reached; past it the exposition would just be cut. */
    gh_buf_init(&b, (size_t)1024 * 1024);

    err = gh_buf_adds(&b, "# HELP gatehouse_http_requests_total HTTP requests answered.\n"
                          "# TYPE gatehouse_http_requests_total counter\n");
    for (r = 0; err == GH_OK && r < GH_HTTP_MAX_ROUTES + GH_HTTP_N_LISTENERS; r++) {
        if (!slot_used(r, nroutes))
            continue;
        slot_labels(r, lbl, sizeof(lbl));
        for (s = 0; err == GH_OK && s <= N_KNOWN; s++) {
            uint64_t v = atomic_load_explicit(&m->count[r][s], memory_order_relaxed);
            if (v == 0)
                continue;
            if (s < N_KNOWN)
                err = gh_buf_addf(&b, "gatehouse_http_requests_total{%s,status=\"%d\"} %llu\n", lbl,
                                  statuses[s], (unsigned long long)v);
            else
                err = gh_buf_addf(&b, "gatehouse_http_requests_total{%s,status=\"other\"} %llu\n",
                                  lbl, (unsigned long long)v);
        }
    }
    if (err == GH_OK)
        err = gh_buf_adds(&b, "# HELP gatehouse_http_request_duration_seconds_total Time spent "
                              "answering requests.\n"
                              "# TYPE gatehouse_http_request_duration_seconds_total counter\n");
    for (r = 0; err == GH_OK && r < GH_HTTP_MAX_ROUTES + GH_HTTP_N_LISTENERS; r++) {
        uint64_t us = atomic_load_explicit(&m->duration_us[r], memory_order_relaxed);
        if (!slot_used(r, nroutes) || us == 0)
            continue;
        slot_labels(r, lbl, sizeof(lbl));
        err =
            gh_buf_addf(&b, "gatehouse_http_request_duration_seconds_total{%s} %llu.%06llu\n", lbl,
                        (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000));
    }
    if (err == GH_OK)
        err = gh_buf_adds(&b, "# HELP gatehouse_http_response_bytes_total Response body bytes.\n"
                              "# TYPE gatehouse_http_response_bytes_total counter\n");
    for (r = 0; err == GH_OK && r < GH_HTTP_MAX_ROUTES + GH_HTTP_N_LISTENERS; r++) {
        uint64_t v = atomic_load_explicit(&m->bytes[r], memory_order_relaxed);
        if (!slot_used(r, nroutes) || v == 0)
            continue;
        slot_labels(r, lbl, sizeof(lbl));
        err = gh_buf_addf(&b, "gatehouse_http_response_bytes_total{%s} %llu\n", lbl,
                          (unsigned long long)v);
    }
    *out_len = b.len;
    out = gh_arena_memdup(a, gh_buf_str(&b), b.len + 1);
    gh_buf_clear(&b);
    return out;
}
