/*
 * mem.c - allocators that abort instead of returning NULL, and a wipe the compiler keeps.
 *
 * Every untrusted size is bounded before it reaches these functions (limits.h), so an
 * allocation failure means the machine is out of memory: we abort rather than thread an
 * error that no caller could handle. gh_wipe writes through a volatile pointer so that the
 * stores survive dead-store elimination.
 */
#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    (void)fprintf(stderr, "gatehouse: out of memory allocating %zu bytes\n", n);
    abort();
}

void *gh_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *gh_xcalloc(size_t count, size_t size)
{
    void *p;
    if (size && count > (size_t)-1 / size)
        oom((size_t)-1);
    p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *gh_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *gh_xstrdup(const char *s)
{
    if (!s)
        return NULL;
    return gh_xstrndup(s, strlen(s));
}

char *gh_xstrndup(const char *s, size_t n)
{
    char *p;
    size_t len;
    if (!s)
        return NULL;
    len = strnlen(s, n);
    p = gh_xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

void gh_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}
