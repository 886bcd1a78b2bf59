/*
 * mem.h - allocation that never returns NULL.
 *
 * Out-of-memory aborts the process: every untrusted size is bounded (limits.h) before it
 * reaches an allocator, so running out of memory is an operator problem, not an input one.
 */
#ifndef GH_BASE_MEM_H
#define GH_BASE_MEM_H

#include <stddef.h>

void *gh_xmalloc(size_t n);
void *gh_xcalloc(size_t count, size_t size);
void *gh_xrealloc(void *p, size_t n);
/* Returns a new heap copy of s (NULL gives NULL). */
char *gh_xstrdup(const char *s);
/* Returns a new NUL-terminated heap copy of the first n bytes of s. */
char *gh_xstrndup(const char *s, size_t n);

/* Overwrites n bytes at p with zeros in a way the compiler may not elide. */
void gh_wipe(void *p, size_t n);

#endif
