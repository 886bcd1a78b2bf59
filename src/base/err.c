/*
 * err.c - names of gh_err values and the fail-closed assertion handler.
 *
 * gh_err_str gives a short, fixed description for logs; it never describes the input that
 * caused the error (that detail goes through gh_ctx_fail). gh__assert_fail aborts in every
 * build so that a broken invariant stops the server rather than letting it continue.
 */
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>

const char *gh_err_str(gh_err e)
{
    switch (e) {
    case GH_OK:
        return "ok";
    case GH_EINVAL:
        return "invalid input";
    case GH_ENOTFOUND:
        return "not found";
    case GH_ECONFLICT:
        return "conflict";
    case GH_ETOOBIG:
        return "too big";
    case GH_ESTORE:
        return "store failure";
    case GH_ECRYPTO:
        return "cryptographic failure";
    case GH_EINTERNAL:
        return "internal error";
    }
    return "unknown error";
}

void gh__assert_fail(const char *expr, const char *file, int line)
{
    /* stdio may be in any state here; one fprintf then abort is the best we can do. */
    (void)fprintf(stderr, "gatehouse: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
