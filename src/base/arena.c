/*
 * arena.c - per-request region allocator: a list of blocks, freed all at once.
 *
 * Invariants:
 *  1. a->head is the block small allocations are carved from; other blocks are full or
 *     belong to one large allocation.
 *  2. Blocks are not zeroed when allocated: gh_arena_alloc zeroes the bytes it hands out,
 *     and the copying functions (memdup, strndup, printf), which overwrite every byte they
 *     return, skip that. A request that uses 1 KiB of a 4 KiB block clears 1 KiB, not 4.
 *  3. Every returned pointer is aligned to GH_ARENA_ALIGN (16), enough for any C type here.
 * An allocation larger than a quarter of the block size gets a block of its own, linked
 * behind the head, so that one big value does not waste the rest of the current block.
 * The arena and its first block are one heap allocation (one malloc and one free per
 * request in the usual case); a->first marks that block, which gh_arena_free skips.
 * There is no per-allocation free and no thread safety: an arena belongs to one request.
 */
#include "base/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

#define GH_ARENA_ALIGN 16
#define GH_ARENA_DEFAULT_BLOCK 4096

typedef struct gh_arena_block {
    struct gh_arena_block *next;
    size_t size; /* usable bytes in data */
    size_t used;
    alignas(GH_ARENA_ALIGN) unsigned char data[];
} gh_arena_block;

struct gh_arena {
    gh_arena_block *head;
    gh_arena_block *first; /* allocated with the arena itself (invariant 2's note) */
    size_t block_size;
};

static size_t align_up(size_t n)
{
    if (n > SIZE_MAX - (GH_ARENA_ALIGN - 1))
        gh__assert_fail("arena allocation size overflow", __FILE__, __LINE__);
    return (n + GH_ARENA_ALIGN - 1) & ~(size_t)(GH_ARENA_ALIGN - 1);
}

/* A block of size usable bytes, not zeroed (invariant 2). */
static gh_arena_block *block_new(size_t size)
{
    gh_arena_block *b;
    if (size > SIZE_MAX - sizeof(gh_arena_block))
        gh__assert_fail("arena block size overflow", __FILE__, __LINE__);
    b = gh_xmalloc(sizeof(gh_arena_block) + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

gh_arena *gh_arena_new(size_t first_block)
{
    /* The arena, then its first block at an aligned offset, in one allocation. */
    size_t off = align_up(sizeof(gh_arena));
    size_t size = align_up(first_block ? first_block : GH_ARENA_DEFAULT_BLOCK);
    unsigned char *p;
    gh_arena *a;

    if (size > SIZE_MAX - sizeof(gh_arena_block) - off)
        gh__assert_fail("arena block size overflow", __FILE__, __LINE__);
    p = gh_xmalloc(off + sizeof(gh_arena_block) + size);
    a = (gh_arena *)(void *)p;
    a->block_size = size;
    a->first = (gh_arena_block *)(void *)(p + off);
    a->first->next = NULL;
    a->first->size = size;
    a->first->used = 0;
    a->head = a->first;
    return a;
}

void gh_arena_free(gh_arena *a)
{
    gh_arena_block *b, *next;
    if (!a)
        return;
    for (b = a->head; b; b = next) {
        next = b->next;
        if (b != a->first)
            free(b);
    }
    free(a);
}

/* n bytes (n > 0 after rounding), aligned, not zeroed. */
static void *carve(gh_arena *a, size_t n)
{
    gh_arena_block *b;
    size_t need = align_up(n ? n : 1);
    void *p;

    if (need > a->block_size / 4) {
        /* Large: its own block, behind the head so the head keeps serving small ones. */
        b = block_new(need);
        b->used = need;
        b->next = a->head->next;
        a->head->next = b;
        return b->data;
    }
    if (a->head->size - a->head->used < need) {
        b = block_new(a->block_size);
        b->next = a->head;
        a->head = b;
    }
    p = a->head->data + a->head->used;
    a->head->used += need;
    return p;
}

void *gh_arena_alloc(gh_arena *a, size_t n)
{
    void *p = carve(a, n);

    /* The alignment padding too, as when whole blocks were zeroed: a caller that copies n
     * bytes and reads one more still finds a NUL there. */
    memset(p, 0, align_up(n ? n : 1));
    return p;
}

void *gh_arena_memdup(gh_arena *a, const void *p, size_t n)
{
    void *q = carve(a, n);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *gh_arena_strndup(gh_arena *a, const char *s, size_t n)
{
    char *q;
    if (n == SIZE_MAX)
        gh__assert_fail("arena strndup size overflow", __FILE__, __LINE__);
    q = carve(a, n + 1);
    if (n)
        memcpy(q, s, n);
    q[n] = '\0';
    return q;
}

char *gh_arena_strdup(gh_arena *a, const char *s)
{
    if (!s)
        return NULL;
    return gh_arena_strndup(a, s, strlen(s));
}

char *gh_arena_vprintf(gh_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    int len;
    char *q;

    va_copy(ap2, ap);
    len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (len < 0)
        gh__assert_fail("arena printf: bad format", __FILE__, __LINE__);
    q = carve(a, (size_t)len + 1);
    (void)vsnprintf(q, (size_t)len + 1, fmt, ap);
    return q;
}

char *gh_arena_printf(gh_arena *a, const char *fmt, ...)
{
    va_list ap;
    char *q;
    va_start(ap, fmt);
    q = gh_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return q;
}
