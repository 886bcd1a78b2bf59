/*
 * fuzz_authz_header.c - fuzz target for the Authorization header parser
 * (gh_oauth__authz_parse: RFC 7617 Basic with RFC 6749 2.3.1 form-urlencoded credentials, and
 * RFC 6750 Bearer).
 *
 * Input: the header value (cut at the first NUL, as a C string header would be). Beyond "no
 * crash", it checks the promises: an error names Basic or Bearer as the scheme tried, or
 * says the header was too long; a parsed Basic gives a non-empty UTF-8 client_id and a UTF-8
 * secret without NUL, and encoding them again (form-urlencode each, base64 the pair) parses
 * back to the same two strings; a parsed Bearer token is a b64token of bounded length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/form.h"
#include "base/limits.h"
#include "base/str.h"
#include "oauth/client_int.h"
#include "support/b64std.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_basic_roundtrip(gh_arena *a, const char *user, const char *pass)
{
    const char *pair = gh_arena_printf(a, "%s:%s", gh_url_encode(a, user), gh_url_encode(a, pass));
    const char *hdr = gh_arena_printf(a, "Basic %s", gh_test_b64(a, pair, strlen(pair)));
    gh_oauth_auth_header again;
    gh_err err = gh_oauth__authz_parse(a, hdr, &again);

    /* A re-encoded header may pass the length limit only if the input nearly did. */
    if (err == GH_ETOOBIG)
        return;
    gh_assert(err == GH_OK);
    gh_assert(again.scheme == GH_AUTHZ_BASIC);
    gh_assert(strcmp(again.user, user) == 0);
    gh_assert(strcmp(again.password, pass) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    char *s = gh_arena_strndup(a, (const char *)data, size); /* stops at a NUL */
    gh_oauth_auth_header az;
    gh_err err = gh_oauth__authz_parse(a, s, &az);

    if (err == GH_ETOOBIG) {
        gh_assert(strlen(s) > GH_LIMIT_HEADER_VALUE);
    } else if (err != GH_OK) {
        gh_assert(err == GH_EINVAL);
        gh_assert(az.scheme == GH_AUTHZ_BASIC || az.scheme == GH_AUTHZ_BEARER);
    } else if (az.scheme == GH_AUTHZ_BASIC) {
        gh_assert(az.user != NULL && az.password != NULL);
        gh_assert(az.user[0] != '\0');
        gh_assert(gh_str_utf8(az.user, strlen(az.user)));
        gh_assert(gh_str_utf8(az.password, strlen(az.password)));
        check_basic_roundtrip(a, az.user, az.password);
    } else if (az.scheme == GH_AUTHZ_BEARER) {
        size_t n = strlen(az.token);
        gh_assert(n > 0 && n <= GH_LIMIT_TOKEN);
        gh_assert(az.token[0] != '=');
        for (size_t i = 0; i < n; i++)
            gh_assert(az.token[i] != ' ' && az.token[i] != '"' && az.token[i] != ',');
    } else {
        gh_assert(az.user == NULL && az.password == NULL && az.token == NULL);
    }
    gh_arena_free(a);
    return 0;
}
