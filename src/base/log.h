/*
 * log.h - structured logging: one JSON object per line on stderr.
 * The level is fixed at start-up by gh_log_init; logging is thread-safe (one write(2) per
 * line). Never log tokens, codes, secrets or passwords.
 */
#ifndef GH_BASE_LOG_H
#define GH_BASE_LOG_H

#include "base/err.h"

typedef enum gh_log_level { GH_LOG_DEBUG, GH_LOG_INFO, GH_LOG_WARN, GH_LOG_ERROR } gh_log_level;

/* Sets the lowest level written. Call once before threads start. */
void gh_log_init(gh_log_level min);
/* Returns 0 and sets out for "debug", "info", "warn", "error"; -1 otherwise. */
int gh_log_level_parse(const char *s, gh_log_level *out);
/* Writes {"time":..,"level":..,"msg":<fmt...>} */
void gh_log(gh_log_level lvl, const char *fmt, ...) GH_PRINTF(2, 3);
/* Writes a line that is already a complete JSON object (access log), adding a newline. */
void gh_log_json_line(const char *json, size_t len);

#endif
