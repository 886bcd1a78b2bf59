/*
 * buf.h - growable byte buffer with a hard maximum (after curl's dynbuf).
 *
 * Every gh_buf is created with a maximum; an append that would pass it fails with
 * GH_ETOOBIG and leaves the buffer as it was. The content is always NUL-terminated.
 */
#ifndef GH_BASE_BUF_H
#define GH_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"

typedef struct gh_buf {
    char *data; /* NUL-terminated; NULL while empty */
    size_t len;
    size_t cap;
    size_t max; /* the most len may ever be */
} gh_buf;

void gh_buf_init(gh_buf *b, size_t max);
/* Frees the content; the buffer may be used again. */
void gh_buf_clear(gh_buf *b);
/* Empties the buffer, keeping its memory. */
void gh_buf_reset(gh_buf *b);
GH_MUST_CHECK gh_err gh_buf_add(gh_buf *b, const void *p, size_t n);
/* Makes room for n more bytes (cap >= len + n + 1) without changing the content, so that a
 * writer that knows its size grows the buffer once. GH_ETOOBIG past the maximum. */
GH_MUST_CHECK gh_err gh_buf_reserve(gh_buf *b, size_t n);
GH_MUST_CHECK gh_err gh_buf_adds(gh_buf *b, const char *s);
GH_MUST_CHECK gh_err gh_buf_addf(gh_buf *b, const char *fmt, ...) GH_PRINTF(2, 3);
/* Returns the content (heap, caller frees; "" when empty) and empties the buffer. */
char *gh_buf_take(gh_buf *b);
/* Returns the content, "" when empty: a borrowed pointer, valid until the next change. */
const char *gh_buf_str(const gh_buf *b);

#endif
