/*
 * clock.c - the system clock behind the gh_clock interface, and RFC 3339 formatting.
 *
 * Only this file reads the wall clock; code under test receives a gh_clock and tests give it
 * a fixed one. gh_clock_mono_us is for measuring durations, never for timestamps.
 * Formatting produces RFC 3339 section 5.6 date-time in UTC with a "Z" offset; parsing
 * timestamps is not needed anywhere and is not offered.
 */
#include "base/clock.h"

#include <stdio.h>
#include <time.h>

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch. */
#define GH_RFC3339_MIN (-62167219200LL)
#define GH_RFC3339_MAX 253402300799LL

static int64_t system_now_us(void *ud)
{
    struct timespec ts;
    (void)ud;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const gh_clock gh_clock_system = {system_now_us, NULL};

int64_t gh_clock_mono_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void gh_clock_rfc3339(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    /* SPEC: RFC3339 5.6 - full-date "T" full-time, UTC as "Z". */
    /* RFC 3339 has four-digit years only: clamp anything outside 0000..9999. */
    if (t < GH_RFC3339_MIN) {
        (void)snprintf(out, 32, "%s", "0000-01-01T00:00:00Z");
        return;
    }
    if (t > GH_RFC3339_MAX || !gmtime_r(&tt, &tm) ||
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        (void)snprintf(out, 32, "%s", "9999-12-31T23:59:59Z");
}
