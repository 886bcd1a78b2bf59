/*
 * test_err.c - gh_err names and the fail-closed gh_assert.
 *
 * Checks that every error has a distinct, stable name and that an unknown value still gets
 * a string. gh_assert's abort is checked in a child process, since it must end the process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/err.h"

static void test_err_str_names(void **state)
{
    (void)state;
    assert_string_equal(gh_err_str(GH_OK), "ok");
    assert_string_equal(gh_err_str(GH_EINVAL), "invalid input");
    assert_string_equal(gh_err_str(GH_ENOTFOUND), "not found");
    assert_string_equal(gh_err_str(GH_ECONFLICT), "conflict");
    assert_string_equal(gh_err_str(GH_ETOOBIG), "too big");
    assert_string_equal(gh_err_str(GH_ESTORE), "store failure");
    assert_string_equal(gh_err_str(GH_ECRYPTO), "cryptographic failure");
    assert_string_equal(gh_err_str(GH_EINTERNAL), "internal error");
}

static void test_err_str_distinct_and_unknown(void **state)
{
    int i, j;
    (void)state;
    for (i = GH_OK; i <= GH_EINTERNAL; i++) {
        for (j = i + 1; j <= GH_EINTERNAL; j++)
            assert_string_not_equal(gh_err_str((gh_err)i), gh_err_str((gh_err)j));
    }
    assert_non_null(gh_err_str((gh_err)99));
    assert_string_equal(gh_err_str((gh_err)99), "unknown error");
}

static void test_assert_passes_when_true(void **state)
{
    int x = 1;
    (void)state;
    gh_assert(x == 1);
    assert_int_equal(x, 1);
}

static void test_assert_aborts_when_false(void **state)
{
    pid_t pid;
    int status = 0;
    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int zero = 0;
        /* Silence the message in the child; only the abort matters here. */
        (void)freopen("/dev/null", "w", stderr);
        gh_assert(zero == 1);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_str_names),
        cmocka_unit_test(test_err_str_distinct_and_unknown),
        cmocka_unit_test(test_assert_passes_when_true),
        cmocka_unit_test(test_assert_aborts_when_false),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
