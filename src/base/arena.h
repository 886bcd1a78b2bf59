/*
 * arena.h - per-request region allocator.
 *
 * A request's data comes from one arena created on its first callback and freed on
 * completion; nothing allocated from it outlives it. Allocation never fails (aborts on OOM).
 * Not thread-safe: an arena belongs to one request, served by one thread at a time.
 */
#ifndef GH_BASE_ARENA_H
#define GH_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "base/err.h"

typedef struct gh_arena gh_arena;

/* Returns a new arena whose first block holds about first_block bytes (0: a default). */
gh_arena *gh_arena_new(size_t first_block);
/* Frees the arena and everything allocated from it. NULL is OK. */
void gh_arena_free(gh_arena *a);
/* Returns n bytes aligned for any type, zeroed. */
void *gh_arena_alloc(gh_arena *a, size_t n);
/* Returns a copy of s in the arena (NULL gives NULL). */
char *gh_arena_strdup(gh_arena *a, const char *s);
/* Returns a NUL-terminated copy of the first n bytes of s. */
char *gh_arena_strndup(gh_arena *a, const char *s, size_t n);
/* Returns a copy of n bytes of p. */
void *gh_arena_memdup(gh_arena *a, const void *p, size_t n);
/* Returns a formatted string in the arena. */
char *gh_arena_printf(gh_arena *a, const char *fmt, ...) GH_PRINTF(2, 3);
char *gh_arena_vprintf(gh_arena *a, const char *fmt, va_list ap) GH_PRINTF(2, 0);

#define GH_ARENA_NEW(a, type) ((type *)gh_arena_alloc((a), sizeof(type)))
#define GH_ARENA_NEWN(a, type, n) ((type *)gh_arena_alloc((a), sizeof(type) * (n)))

#endif
