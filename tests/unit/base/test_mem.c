/*
 * test_mem.c - the never-NULL allocators and gh_wipe.
 *
 * Out-of-memory abort paths are not exercised (they would need an allocator hook); the
 * tests check copies, zeroing, zero-size requests and that gh_wipe really clears memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static void test_xmalloc_and_realloc(void **state)
{
    char *p;
    (void)state;
    p = gh_xmalloc(8);
    assert_non_null(p);
    memcpy(p, "abcdefg", 8);
    p = gh_xrealloc(p, 4096);
    assert_string_equal(p, "abcdefg");
    free(p);
    p = gh_xmalloc(0); /* zero size still gives a pointer we may free */
    assert_non_null(p);
    free(p);
}

static void test_xcalloc_zeroed(void **state)
{
    unsigned char *p;
    size_t i;
    (void)state;
    p = gh_xcalloc(100, 3);
    for (i = 0; i < 300; i++)
        assert_int_equal(p[i], 0);
    free(p);
    p = gh_xcalloc(0, 0);
    assert_non_null(p);
    free(p);
}

static void test_xstrdup(void **state)
{
    char *p;
    (void)state;
    assert_null(gh_xstrdup(NULL));
    p = gh_xstrdup("gatehouse");
    assert_string_equal(p, "gatehouse");
    free(p);
    p = gh_xstrdup("");
    assert_string_equal(p, "");
    free(p);
}

static void test_xstrndup(void **state)
{
    char *p;
    (void)state;
    assert_null(gh_xstrndup(NULL, 3));
    p = gh_xstrndup("abcdef", 3);
    assert_string_equal(p, "abc");
    free(p);
    p = gh_xstrndup("ab", 10); /* stops at the NUL */
    assert_string_equal(p, "ab");
    free(p);
    p = gh_xstrndup("abc", 0);
    assert_string_equal(p, "");
    free(p);
}

static void test_wipe(void **state)
{
    unsigned char buf[64];
    size_t i;
    (void)state;
    memset(buf, 0xa5, sizeof(buf));
    gh_wipe(buf + 8, 32);
    for (i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], (i >= 8 && i < 40) ? 0 : 0xa5);
    gh_wipe(buf, 0);
    assert_int_equal(buf[0], 0xa5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xmalloc_and_realloc), cmocka_unit_test(test_xcalloc_zeroed),
        cmocka_unit_test(test_xstrdup),            cmocka_unit_test(test_xstrndup),
        cmocka_unit_test(test_wipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
