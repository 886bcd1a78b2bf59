/*
 * fuzz_json.c - fuzz target for json/'s fast paths against jansson: gh_json_scan_str (one
 * member of an object text, read without building the document; it reads untrusted JWT
 * payloads) and gh_json_write (the serialiser that replaces json_dumps).
 *
 * Properties checked: neither crashes nor reads past the input; the scanner returns only
 * GH_OK, GH_ENOTFOUND or GH_EINVAL; on every input jansson accepts as an object with unique
 * keys, the scanner agrees with jansson about the members "jti" and "a" (a string value is
 * found with the same bytes, any other value is refused, an absent one is not found, as
 * long as no key is written with escapes); and gh_json_write writes exactly what json_dumps
 * writes, with and without sorted keys.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_member(gh_arena *a, const char *s, size_t n, const json_t *doc, const char *key)
{
    const char *v = NULL;
    gh_err err = gh_json_scan_str(s, n, key, a, &v);
    const json_t *want;

    if (err != GH_OK && err != GH_ENOTFOUND && err != GH_EINVAL)
        abort();
    if (doc == NULL)
        return;
    /* An escaped key ("\u006a...") names the member for jansson but not for the scanner. */
    if (memchr(s, '\\', n) != NULL && err == GH_ENOTFOUND)
        return;
    want = json_object_get(doc, key);
    if (json_is_string(want) && strlen(json_string_value(want)) == json_string_length(want)) {
        if (err != GH_OK || strcmp(v, json_string_value(want)) != 0)
            abort();
    } else if (want == NULL) {
        if (err != GH_ENOTFOUND)
            abort();
    } else if (err == GH_OK) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gh_arena *a = gh_arena_new(0);
    char *s = malloc(size + 1); /* exactly size bytes readable, plus a NUL nobody may need */
    json_t *doc = NULL;

    if (s == NULL)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    if (gh_json_parse_object(s, size, 1 << 20, &doc, NULL, 0) != GH_OK)
        doc = NULL;
    check_member(a, s, size, doc, "jti");
    check_member(a, s, size, doc, "a");
    if (doc != NULL) {
        for (int sort = 0; sort < 2; sort++) {
            char *want = json_dumps(doc, JSON_COMPACT | (sort ? JSON_SORT_KEYS : 0));
            gh_buf b;

            gh_buf_init(&b, 1 << 22);
            if (want == NULL || gh_json_write(&b, doc, sort != 0) != GH_OK ||
                strcmp(gh_buf_str(&b), want) != 0)
                abort();
            gh_buf_clear(&b);
            free(want);
        }
    }
    json_decref(doc);
    free(s);
    gh_arena_free(a);
    return 0;
}
