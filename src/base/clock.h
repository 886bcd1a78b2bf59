/*
 * clock.h - time. Code under test never calls the system clock directly: the engine holds a
 * gh_clock and tests give it a fixed one.
 */
#ifndef GH_BASE_CLOCK_H
#define GH_BASE_CLOCK_H

#include <stdint.h>

typedef struct gh_clock {
    /* Returns the current time in microseconds since the epoch. */
    int64_t (*now_us)(void *ud);
    void *ud;
} gh_clock;

/* The system clock (CLOCK_REALTIME). */
extern const gh_clock gh_clock_system;

static inline int64_t gh_clock_now_us(const gh_clock *c)
{
    return c->now_us(c->ud);
}
static inline int64_t gh_clock_now(const gh_clock *c)
{
    return c->now_us(c->ud) / 1000000;
}
/* Monotonic microseconds, for measuring durations only. */
int64_t gh_clock_mono_us(void);
/* Writes t (seconds since the epoch) as RFC 3339 UTC ("2026-01-02T03:04:05Z") to out.
 * Times outside the years 0000..9999 are clamped to the nearest end of that range. */
void gh_clock_rfc3339(int64_t t, char out[32]);

#endif
