/*
 * fuzz_form.c - fuzz target for application/x-www-form-urlencoded bodies and queries
 * (gh_form_parse, gh_form_get_one, gh_form_count) and for gh_url_decode/gh_url_encode.
 *
 * Beyond "no crash", it checks the parser's promises: every pair has a non-empty,
 * NUL-free, UTF-8 name and a value whose length matches value_len, at most
 * GH_LIMIT_FORM_PARAMS pairs, and get_one agrees with count. Percent-encoding a decoded
 * value and decoding it again must give the same bytes.
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/form.h"
#include "base/limits.h"
#include "base/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_roundtrip(gh_arena *a, const char *value, size_t len)
{
    char *enc = gh_url_encode(a, value);
    char *dec;
    size_t dlen;
    gh_assert(gh_url_decode(a, enc, strlen(enc), 0, &dec, &dlen) == GH_OK);
    gh_assert(dlen == len && memcmp(dec, value, len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    const char *s = (const char *)data;
    gh_form f;
    gh_err err;
    size_t i;
    char *dec;
    size_t dlen;

    err = gh_form_parse(a, s, size, &f);
    gh_assert(err == GH_OK || err == GH_EINVAL || err == GH_ETOOBIG);
    if (err == GH_OK) {
        gh_assert(f.n <= GH_LIMIT_FORM_PARAMS);
        for (i = 0; i < f.n; i++) {
            const gh_form_pair *p = &f.pairs[i];
            const char *one = NULL;
            size_t nlen = strlen(p->name);
            gh_err e1;

            gh_assert(nlen > 0 && nlen <= GH_LIMIT_PARAM_NAME);
            gh_assert(gh_str_utf8(p->name, nlen));
            gh_assert(strlen(p->value) == p->value_len);
            gh_assert(p->value_len <= GH_LIMIT_PARAM_VALUE);
            gh_assert(gh_str_utf8(p->value, p->value_len));

            e1 = gh_form_get_one(&f, p->name, &one);
            if (gh_form_count(&f, p->name) > 1) {
                gh_assert(e1 == GH_ECONFLICT && one == NULL);
            } else {
                gh_assert(e1 == GH_OK);
                gh_assert(p->value_len == 0 ? one == NULL : one == p->value);
            }
            check_roundtrip(a, p->name, nlen);
            check_roundtrip(a, p->value, p->value_len);
        }
    }

    /* The plain decoder on the same bytes, both '+' modes. */
    err = gh_url_decode(a, s, size, 0, &dec, &dlen);
    gh_assert(err == GH_OK || err == GH_EINVAL);
    if (err == GH_OK) {
        gh_assert(dlen <= size && strlen(dec) == dlen);
        check_roundtrip(a, dec, dlen);
    }
    err = gh_url_decode(a, s, size, 1, &dec, &dlen);
    gh_assert(err == GH_OK || err == GH_EINVAL);
    gh_arena_free(a);
    return 0;
}
