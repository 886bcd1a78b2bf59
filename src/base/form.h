/*
 * form.h - application/x-www-form-urlencoded parsing (HTML 5 URL-encoded form, used by
 * RFC 6749 request bodies and query strings) and percent-decoding.
 *
 * The parser keeps every pair in order, so repeated parameters are visible: RFC 6749 3.1 and
 * 3.2 say request parameters MUST NOT be included more than once, and the oauth module
 * rejects them with gh_form_get_one. Bounds come from limits.h.
 */
#ifndef GH_BASE_FORM_H
#define GH_BASE_FORM_H

#include <stddef.h>

#include "base/arena.h"
#include "base/err.h"

typedef struct gh_form_pair {
    const char *name;
    const char *value;
    size_t value_len; /* value may contain no NUL: decoding rejects %00 */
} gh_form_pair;

typedef struct gh_form {
    gh_form_pair *pairs;
    size_t n;
} gh_form;

/* Parses s[0..n) into the arena. '+' is a space. Pairs with an empty name are skipped;
 * "a" without '=' has value "". GH_EINVAL on a bad percent escape, %00 or invalid UTF-8;
 * GH_ETOOBIG past GH_LIMIT_FORM_PARAMS or the name/value limits. */
GH_MUST_CHECK gh_err gh_form_parse(gh_arena *a, const char *s, size_t n, gh_form *out);
/* Percent-decodes s[0..n) ('+' stays '+' unless plus_is_space) into the arena, NUL-terminated.
 * GH_EINVAL on a bad percent escape, %00 (or a literal NUL) or invalid UTF-8, with *out NULL.
 * No length bound of its own: the output is never longer than the input. */
GH_MUST_CHECK gh_err gh_url_decode(gh_arena *a, const char *s, size_t n, int plus_is_space,
                                   char **out, size_t *out_len);
/* Percent-encodes s for use in a query or form value: RFC 3986 unreserved characters are kept,
 * every other byte becomes %XX with uppercase hex (a space is %20, never '+'). NULL gives NULL. */
char *gh_url_encode(gh_arena *a, const char *s);

/* Returns the number of pairs named name. */
size_t gh_form_count(const gh_form *f, const char *name);
/* Looks up a parameter that may appear at most once.
 * GH_OK with *out set (NULL when absent, and an empty value counts as absent per RFC 6749
 * 3.1); GH_ECONFLICT when the name appears more than once. */
GH_MUST_CHECK gh_err gh_form_get_one(const gh_form *f, const char *name, const char **out);

#endif
