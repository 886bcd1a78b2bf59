/*
 * buf.c - growable byte buffer with a hard maximum (after curl's dynbuf).
 *
 * Invariants: len <= max; when data is not NULL, data[len] == '\0' and len < cap. A failed
 * append (GH_ETOOBIG) leaves data and len as they were. Growth doubles the capacity, capped
 * at max + 1, so a buffer never holds much more memory than its maximum allows. Allocation
 * failure aborts (mem.h), so the only error here is the bound.
 */
#include "base/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define GH_BUF_MIN_CAP 64

void gh_buf_init(gh_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void gh_buf_clear(gh_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void gh_buf_reset(gh_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL; the caller has checked the bound. */
static void grow(gh_buf *b, size_t n)
{
    size_t need = b->len + n + 1;
    size_t cap = b->cap ? b->cap : GH_BUF_MIN_CAP;
    if (need <= b->cap)
        return;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    if (cap > b->max + 1)
        cap = b->max + 1;
    if (cap < need)
        cap = need;
    b->data = gh_xrealloc(b->data, cap);
    b->cap = cap;
}

gh_err gh_buf_reserve(gh_buf *b, size_t n)
{
    if (n > b->max - b->len)
        return GH_ETOOBIG;
    grow(b, n);
    b->data[b->len] = '\0';
    return GH_OK;
}

gh_err gh_buf_add(gh_buf *b, const void *p, size_t n)
{
    if (n > b->max - b->len)
        return GH_ETOOBIG;
    grow(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return GH_OK;
}

gh_err gh_buf_adds(gh_buf *b, const char *s)
{
    return gh_buf_add(b, s, strlen(s));
}

gh_err gh_buf_addf(gh_buf *b, const char *fmt, ...)
{
    va_list ap;
    int len;
    size_t n;

    va_start(ap, fmt);
    len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return GH_EINVAL;
    n = (size_t)len;
    if (n > b->max - b->len)
        return GH_ETOOBIG;
    grow(b, n);
    va_start(ap, fmt);
    (void)vsnprintf(b->data + b->len, n + 1, fmt, ap);
    va_end(ap);
    b->len += n;
    return GH_OK;
}

char *gh_buf_take(gh_buf *b)
{
    char *p = b->data;
    if (!p)
        p = gh_xstrdup("");
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return p;
}

const char *gh_buf_str(const gh_buf *b)
{
    return b->data ? b->data : "";
}
