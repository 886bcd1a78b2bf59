/*
 * fuzz_redirect_uri.c - fuzz target for the redirect URI rules and matching
 * (gh_oauth__redirect_uri_valid, gh_oauth__redirect_uri_match; DESIGN.md, RFC 6749 3.1.2,
 * RFC 8252 7.1 and 7.3).
 *
 * Input: a registered URI, optionally followed by '\n' and a presented URI (cut at a NUL).
 * Beyond "no crash", it checks the promises: whatever is valid for a confidential client is
 * valid for a public one; a valid URI is bounded, printable, without fragment or wildcard,
 * and matches itself; matching one URI against another is symmetric, and a match between
 * different strings happens only between http loopback URIs (the port is ignored).
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/limits.h"
#include "oauth/client_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_http(const char *s)
{
    static const char h[] = "http://";
    for (size_t i = 0; i < 7; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != h[i])
            return false;
    }
    return true;
}

static void check_one(const char *uri)
{
    const char *why = NULL;
    bool conf = gh_oauth__redirect_uri_valid(uri, false, &why);
    bool pub = gh_oauth__redirect_uri_valid(uri, true, NULL);

    gh_assert(conf == (why == NULL));
    gh_assert(!conf || pub);
    if (pub) {
        const char *reg[1] = {uri};
        gh_strv r = {reg, 1};
        size_t n = strlen(uri);

        gh_assert(n > 0 && n <= GH_LIMIT_URI);
        gh_assert(strchr(uri, '#') == NULL && strchr(uri, '*') == NULL);
        for (size_t i = 0; i < n; i++)
            gh_assert((unsigned char)uri[i] > 0x20 && (unsigned char)uri[i] < 0x7f);
        gh_assert(gh_oauth__redirect_uri_match(&r, uri));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    char *s = gh_arena_strndup(a, (const char *)data, size);
    char *nl = strchr(s, '\n');
    const char *reg[1];
    gh_strv r = {reg, 1};

    if (nl != NULL) {
        const char *p;
        bool m1, m2;

        *nl = '\0';
        p = nl + 1;
        check_one(s);
        check_one(p);
        reg[0] = s;
        m1 = gh_oauth__redirect_uri_match(&r, p);
        reg[0] = p;
        m2 = gh_oauth__redirect_uri_match(&r, s);
        gh_assert(m1 == m2);
        if (m1 && strcmp(s, p) != 0)
            gh_assert(is_http(s) && is_http(p));
    } else {
        check_one(s);
    }
    gh_arena_free(a);
    return 0;
}
