/*
 * err.h - the one error convention of gatehouse.
 *
 * A fallible function returns gh_err and puts its results in out-parameters placed last.
 * GH_OK is 0. An OAuth rejection is not an error: the oauth module returns GH_OK with an
 * error set in its response. Any other value means the server itself failed.
 * gh_assert() aborts in every build so that the server fails closed.
 */
#ifndef GH_BASE_ERR_H
#define GH_BASE_ERR_H

#include <stdio.h>
#include <stdlib.h>

typedef enum gh_err {
    GH_OK = 0,
    GH_EINVAL,    /* invalid input (caller's data) */
    GH_ENOTFOUND, /* no such object */
    GH_ECONFLICT, /* uniqueness or state conflict (already exists, already used) */
    GH_ETOOBIG,   /* a bound was exceeded */
    GH_ESTORE,    /* the database failed */
    GH_ECRYPTO,   /* a cryptographic operation failed */
    GH_EINTERNAL  /* anything else that is our fault */
} gh_err;

#if defined(__GNUC__)
#define GH_MUST_CHECK __attribute__((warn_unused_result))
#define GH_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define GH_NORETURN __attribute__((noreturn))
#else
#define GH_MUST_CHECK
#define GH_PRINTF(f, a)
#define GH_NORETURN
#endif

/* Returns a static, human-readable name for e ("invalid input", ...). Never NULL. */
const char *gh_err_str(gh_err e);

/* Prints file, line and expression to stderr and aborts. Used by gh_assert. */
GH_NORETURN void gh__assert_fail(const char *expr, const char *file, int line);

#define gh_assert(e) ((e) ? (void)0 : gh__assert_fail(#e, __FILE__, __LINE__))

#endif
