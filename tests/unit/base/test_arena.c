/*
 * test_arena.c - the per-request region allocator.
 *
 * Checks alignment, zeroing, that many small and some large allocations stay intact (no
 * overlap, ASan sees no overflow), the string and printf helpers, and free(NULL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/arena.h"

static void test_alloc_aligned_and_zeroed(void **state)
{
    gh_arena *a = gh_arena_new(0);
    size_t sizes[] = {1, 3, 7, 15, 16, 17, 31, 100, 1000, 5000, 70000};
    size_t i, k;
    (void)state;
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        unsigned char *p = gh_arena_alloc(a, sizes[i]);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        for (k = 0; k < sizes[i]; k++)
            assert_int_equal(p[k], 0);
        memset(p, 0xff, sizes[i]); /* dirty it: later allocations must still be zero */
    }
    gh_arena_free(a);
}

/* Blocks come from malloc unzeroed: memory a previous arena dirtied (the allocator hands the
 * same chunks back) must still reach gh_arena_alloc's caller zeroed, padding included, in the
 * first block and in later ones, after copies have used part of a block. */
static void test_alloc_zeroed_on_reused_memory(void **state)
{
    size_t round, i, k;
    (void)state;
    for (round = 0; round < 3; round++) {
        gh_arena *a = gh_arena_new(256);
        unsigned char dirty[48];

        memset(dirty, 0xa5, sizeof(dirty));
        for (i = 0; i < 40; i++) {
            unsigned char *c = gh_arena_memdup(a, dirty, 1 + i % sizeof(dirty));
            unsigned char *p = gh_arena_alloc(a, 1 + i % 60);

            assert_int_equal(c[0], 0xa5);
            /* Zero up to the 16-byte boundary: the padding reads as a terminator. */
            for (k = 0; k < ((1 + i % 60 + 15) & ~(size_t)15); k++)
                assert_int_equal(p[k], 0);
            memset(p, 0x5a, 1 + i % 60);
        }
        gh_arena_free(a);
    }
}

static void test_alloc_zero_size(void **state)
{
    gh_arena *a = gh_arena_new(64);
    void *p, *q;
    (void)state;
    p = gh_arena_alloc(a, 0);
    q = gh_arena_alloc(a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_ptr_not_equal(p, q);
    gh_arena_free(a);
}

static void test_many_allocations_do_not_overlap(void **state)
{
    gh_arena *a = gh_arena_new(128); /* small blocks: forces many block changes */
    unsigned char *ptrs[500];
    size_t lens[500];
    size_t i, k;
    (void)state;
    for (i = 0; i < 500; i++) {
        lens[i] = (i * 37) % 200 + 1; /* mixes small and "large" (> block/4) sizes */
        ptrs[i] = gh_arena_alloc(a, lens[i]);
        memset(ptrs[i], (int)(i & 0xff), lens[i]);
    }
    for (i = 0; i < 500; i++) {
        for (k = 0; k < lens[i]; k++)
            assert_int_equal(ptrs[i][k], i & 0xff);
    }
    gh_arena_free(a);
}

static void test_large_allocation_keeps_current_block(void **state)
{
    gh_arena *a = gh_arena_new(1024);
    char *small1, *big, *small2;
    (void)state;
    small1 = gh_arena_alloc(a, 16);
    big = gh_arena_alloc(a, 1 << 20);
    small2 = gh_arena_alloc(a, 16);
    memset(big, 'x', 1 << 20);
    /* The small allocations continue in the same block, right after each other. */
    assert_ptr_equal(small2, small1 + 16);
    assert_int_equal(big[(1 << 20) - 1], 'x');
    gh_arena_free(a);
}

static void test_strdup_strndup_memdup(void **state)
{
    gh_arena *a = gh_arena_new(0);
    const unsigned char bin[4] = {0, 1, 0, 2};
    unsigned char *m;
    char *s;
    (void)state;
    assert_null(gh_arena_strdup(a, NULL));
    assert_string_equal(gh_arena_strdup(a, "hello"), "hello");
    assert_string_equal(gh_arena_strdup(a, ""), "");
    s = gh_arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    assert_string_equal(gh_arena_strndup(a, "x", 0), "");
    m = gh_arena_memdup(a, bin, sizeof(bin));
    assert_memory_equal(m, bin, sizeof(bin));
    assert_non_null(gh_arena_memdup(a, NULL, 0));
    gh_arena_free(a);
}

static void test_printf(void **state)
{
    gh_arena *a = gh_arena_new(32);
    char big[3000];
    char *s;
    (void)state;
    assert_string_equal(gh_arena_printf(a, "%s=%d", "n", 42), "n=42");
    assert_string_equal(gh_arena_printf(a, "%s", ""), "");
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    s = gh_arena_printf(a, "<%s>", big);
    assert_int_equal(strlen(s), sizeof(big) + 1);
    assert_int_equal(s[0], '<');
    assert_int_equal(s[sizeof(big)], '>');
    gh_arena_free(a);
}

static void test_new_macros_and_free_null(void **state)
{
    gh_arena *a = gh_arena_new(0);
    struct pt {
        int x, y;
    } *p;
    int64_t *v;
    (void)state;
    p = GH_ARENA_NEW(a, struct pt);
    assert_int_equal(p->x, 0);
    v = GH_ARENA_NEWN(a, int64_t, 10);
    assert_int_equal(v[9], 0);
    gh_arena_free(a);
    gh_arena_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_aligned_and_zeroed),
        cmocka_unit_test(test_alloc_zeroed_on_reused_memory),
        cmocka_unit_test(test_alloc_zero_size),
        cmocka_unit_test(test_many_allocations_do_not_overlap),
        cmocka_unit_test(test_large_allocation_keeps_current_block),
        cmocka_unit_test(test_strdup_strndup_memdup),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_new_macros_and_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
