/*
 * json.c - typed, bounded helpers over jansson.
 *
 * Input is parsed with JSON_REJECT_DUPLICATES and without JSON_DECODE_ANY, so a document is
 * exactly one object with unique keys (RFC 8259 4 leaves duplicates to the implementation;
 * we refuse them, as RFC 7515 5.2 and RFC 7519 4 require for JOSE). jansson already rejects
 * invalid UTF-8 (RFC 8259 8.1) and, without JSON_ALLOW_NUL, any \u0000; we add a size bound
 * before parsing and a depth bound (GH_LIMIT_JSON_DEPTH) after it. Error reasons are fixed
 * strings with a position, never fragments of the input, so they are safe to return.
 * Output: gh_json_dump_a keeps insertion order; gh_json_dump_canonical sorts keys and is
 * compact, the form we hash. This file does not implement JSON canonicalization (RFC 8785).
 *
 * The writer: jansson's json_dumps goes through a callback per token and decodes every
 * string character by character (about 100 instructions per output byte), which made
 * serialising a token response cost more than building it. gh_json_write produces the same
 * bytes (JSON_COMPACT | JSON_ENCODE_ANY, plus JSON_SORT_KEYS for the canonical form: the
 * same escapes, "\u%04X" for other control characters, '/' and non-ASCII left as they are)
 * by copying runs of plain bytes at once. Reals, which nothing on a hot path writes, are
 * still formatted by jansson so that their digits stay identical.
 */
#include "json/json.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/log.h"
#include "base/mem.h"

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...) GH_PRINTF(3, 4);

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!errbuf || errlen == 0)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

static const char *reason(const json_error_t *e)
{
    switch (json_error_code(e)) {
    case json_error_out_of_memory:
        return "out of memory";
    case json_error_stack_overflow:
        return "nested too deeply";
    case json_error_cannot_open_file:
        return "cannot read input";
    case json_error_invalid_argument:
        return "invalid argument";
    case json_error_invalid_utf8:
        return "invalid UTF-8";
    case json_error_premature_end_of_input:
        return "unexpected end of input";
    case json_error_end_of_input_expected:
        return "text after the JSON value";
    case json_error_invalid_syntax:
        return "invalid syntax";
    case json_error_invalid_format:
        return "invalid format";
    case json_error_wrong_type:
        return "not a JSON object";
    case json_error_null_character:
        return "NUL character not allowed";
    case json_error_null_value:
        return "null value";
    case json_error_null_byte_in_key:
        return "NUL character in a key";
    case json_error_duplicate_key:
        return "duplicate key";
    case json_error_numeric_overflow:
        return "number out of range";
    case json_error_item_not_found:
        return "item not found";
    case json_error_index_out_of_range:
        return "index out of range";
    case json_error_unknown:
        break;
    }
    return "invalid JSON";
}

/* True if v nests no deeper than max (an object or array counts one level). */
static bool depth_ok(const json_t *v, int max)
{
    const char *key;
    json_t *child;
    size_t i;

    if (!json_is_object(v) && !json_is_array(v))
        return true;
    if (max <= 0)
        return false;
    if (json_is_object(v)) {
        /* json_object_foreach takes a non-const object but does not modify it. */
        json_object_foreach ((json_t *)v, key, child) {
            if (!depth_ok(child, max - 1))
                return false;
        }
    } else {
        json_array_foreach (v, i, child) {
            if (!depth_ok(child, max - 1))
                return false;
        }
    }
    return true;
}

gh_err gh_json_parse_object(const char *s, size_t n, size_t max, json_t **out, char *errbuf,
                            size_t errlen)
{
    json_error_t jerr;
    json_t *v = NULL;
    gh_err err = GH_OK;

    *out = NULL;
    if (errbuf && errlen)
        errbuf[0] = '\0';
    if (n > max) {
        set_err(errbuf, errlen, "document larger than %zu bytes", max);
        return GH_ETOOBIG;
    }
    if (!s) {
        set_err(errbuf, errlen, "empty document");
        return GH_EINVAL;
    }
    /* JSON_DECODE_ANY is deliberately absent: the top level must be an object or array. */
    v = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!v) {
        set_err(errbuf, errlen, "%s at line %d column %d", reason(&jerr), jerr.line,
                jerr.column);
        err = GH_EINVAL;
        goto done;
    }
    if (!json_is_object(v)) {
        set_err(errbuf, errlen, "not a JSON object");
        err = GH_EINVAL;
        goto done;
    }
    if (!depth_ok(v, GH_LIMIT_JSON_DEPTH)) {
        set_err(errbuf, errlen, "nested deeper than %d levels", GH_LIMIT_JSON_DEPTH);
        err = GH_EINVAL;
        goto done;
    }
    *out = v;
    v = NULL;
done:
    json_decref(v);
    return err;
}

/* Returns the member key of obj, or NULL when obj is not an object, key is absent or null. */
static json_t *member(const json_t *obj, const char *key)
{
    json_t *v;
    if (!json_is_object(obj) || !key)
        return NULL;
    v = json_object_get(obj, key);
    if (json_is_null(v))
        return NULL;
    return v;
}

gh_err gh_json_get_str(const json_t *obj, const char *key, const char **out)
{
    json_t *v = member(obj, key);
    *out = NULL;
    if (!v)
        return GH_ENOTFOUND;
    if (!json_is_string(v))
        return GH_EINVAL;
    /* A string built with json_stringn could hold a NUL that C callers would not see. */
    if (strlen(json_string_value(v)) != json_string_length(v))
        return GH_EINVAL;
    *out = json_string_value(v);
    return GH_OK;
}

gh_err gh_json_get_int(const json_t *obj, const char *key, int64_t *out)
{
    json_t *v = member(obj, key);
    *out = 0;
    if (!v)
        return GH_ENOTFOUND;
    if (!json_is_integer(v))
        return GH_EINVAL;
    *out = (int64_t)json_integer_value(v);
    return GH_OK;
}

gh_err gh_json_get_bool(const json_t *obj, const char *key, bool *out)
{
    json_t *v = member(obj, key);
    *out = false;
    if (!v)
        return GH_ENOTFOUND;
    if (!json_is_boolean(v))
        return GH_EINVAL;
    *out = json_is_true(v);
    return GH_OK;
}

gh_err gh_json_get_strv(const json_t *obj, const char *key, gh_arena *a, size_t max,
                        gh_strv *out)
{
    json_t *v = member(obj, key);
    json_t *el;
    const char **list;
    size_t i, n;

    out->v = NULL;
    out->n = 0;
    if (!v)
        return GH_ENOTFOUND;
    if (!json_is_array(v))
        return GH_EINVAL;
    n = json_array_size(v);
    json_array_foreach (v, i, el) {
        if (!json_is_string(el) || strlen(json_string_value(el)) != json_string_length(el))
            return GH_EINVAL;
    }
    if (n > max)
        return GH_ETOOBIG;
    list = GH_ARENA_NEWN(a, const char *, n);
    json_array_foreach (v, i, el) {
        list[i] = gh_arena_strndup(a, json_string_value(el), json_string_length(el));
    }
    out->v = list;
    out->n = n;
    return GH_OK;
}

json_t *gh_json_strv(const gh_strv *list)
{
    json_t *arr = json_array();
    size_t i;

    gh_assert(arr != NULL);
    if (!list)
        return arr;
    for (i = 0; i < list->n; i++) {
        json_t *s = json_string(list->v[i]);
        if (!s) {
            gh_log(GH_LOG_ERROR, "json: dropped a list element that is not UTF-8");
            continue;
        }
        gh_assert(json_array_append_new(arr, s) == 0);
    }
    return arr;
}

/* ---- the member scanner ---- */

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* Skips a string starting at s[i] == '"'; returns the index after its closing quote, or n + 1
 * if it does not close. *plain is set when it holds no backslash. */
static size_t skip_string(const char *s, size_t n, size_t i, bool *plain)
{
    *plain = true;
    for (i++; i < n; i++) {
        if (s[i] == '\\') {
            *plain = false;
            i++;
        } else if (s[i] == '"') {
            return i + 1;
        } else if ((unsigned char)s[i] < 0x20) {
            return n + 1;
        }
    }
    return n + 1;
}

/* Skips one value starting at s[i]; returns the index after it, or n + 1 if malformed. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    size_t depth = 0;
    bool plain;

    do {
        i = skip_ws(s, n, i);
        if (i >= n)
            return n + 1;
        if (s[i] == '"') {
            i = skip_string(s, n, i, &plain);
            if (i > n)
                return n + 1;
        } else if (s[i] == '{' || s[i] == '[') {
            if (++depth > GH_LIMIT_JSON_DEPTH)
                return n + 1;
            i++;
        } else if (s[i] == '}' || s[i] == ']') {
            if (depth == 0)
                return n + 1;
            depth--;
            i++;
        } else if (s[i] == ',' || s[i] == ':') {
            if (depth == 0)
                return n + 1;
            i++;
        } else {
            /* A number or a literal: up to the next delimiter. */
            size_t j = i;
            while (j < n && s[j] != ',' && s[j] != '}' && s[j] != ']' && s[j] != ' ' &&
                   s[j] != '\t' && s[j] != '\n' && s[j] != '\r' && s[j] != ':' && s[j] != '"' &&
                   s[j] != '{' && s[j] != '[')
                j++;
            if (j == i)
                return n + 1;
            i = j;
        }
    } while (depth > 0);
    return i;
}

gh_err gh_json_scan_str(const char *s, size_t n, const char *key, gh_arena *a, const char **out)
{
    size_t klen = strlen(key), i, k0, v0;
    bool plain;

    *out = NULL;
    i = skip_ws(s, n, 0);
    if (i >= n || s[i] != '{')
        return GH_EINVAL;
    i = skip_ws(s, n, i + 1);
    if (i < n && s[i] == '}')
        return GH_ENOTFOUND;
    for (;;) {
        if (i >= n || s[i] != '"')
            return GH_EINVAL;
        k0 = i + 1;
        i = skip_string(s, n, i, &plain);
        if (i > n)
            return GH_EINVAL;
        bool match = plain && i - 1 - k0 == klen && memcmp(s + k0, key, klen) == 0;
        i = skip_ws(s, n, i);
        if (i >= n || s[i] != ':')
            return GH_EINVAL;
        v0 = skip_ws(s, n, i + 1);
        if (match) {
            json_t *whole = NULL;
            gh_err err;

            if (v0 >= n || s[v0] != '"')
                return GH_EINVAL;
            i = skip_string(s, n, v0, &plain);
            if (i > n)
                return GH_EINVAL;
            if (plain) {
                if (!gh_str_utf8(s + v0 + 1, i - v0 - 2))
                    return GH_EINVAL;
                *out = gh_arena_strndup(a, s + v0 + 1, i - v0 - 2);
                return GH_OK;
            }
            /* Escapes: let jansson decode the whole document. */
            err = gh_json_parse_object(s, n, n, &whole, NULL, 0);
            if (err != GH_OK)
                return GH_EINVAL;
            err = gh_json_get_str(whole, key, out);
            if (err == GH_OK)
                *out = gh_arena_strdup(a, *out);
            json_decref(whole);
            return err;
        }
        i = skip_value(s, n, v0);
        if (i > n)
            return GH_EINVAL;
        i = skip_ws(s, n, i);
        if (i < n && s[i] == '}')
            return GH_ENOTFOUND;
        if (i >= n || s[i] != ',')
            return GH_EINVAL;
        i = skip_ws(s, n, i + 1);
    }
}

/* ---- the writer ---- */

/* Nesting the writer follows before it gives up (a cycle, or a runaway document). */
#define GH_JSON_WRITE_DEPTH 256

/* Appends n bytes: a memcpy when the buffer has room, gh_buf_add (which grows it) when not. */
static inline gh_err put(gh_buf *b, const void *p, size_t n)
{
    if (b->data == NULL || n >= b->cap - b->len || n > b->max - b->len)
        return gh_buf_add(b, p, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return GH_OK;
}

/* 1 for the bytes a JSON string holds as they are: not '"', '\\', a control character, or
 * (checked separately, as UTF-8) a byte >= 0x80. */
/* clang-format off */
static const unsigned char json_plain[256] = {
    /* 0x00..0x1f control characters */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20..0x7f: all but '"' (0x22) and '\\' (0x5c) */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x80..0xff: 0 here, so that runs of them go through gh_str_utf8 */
};
/* clang-format on */

/* The end of the run of json_plain bytes that starts at u[i]. Eight bytes at a time while
 * none of them is a control character, '"', '\\' or >= 0x80 (each test is the exact "has a
 * byte below / equal to" bit trick, so a word passes only when all eight bytes are plain),
 * then byte by byte. Tokens, URIs and ids are long plain runs. */
static size_t plain_end(const unsigned char *u, size_t i, size_t n)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);

    while (n - i >= 8) {
        uint64_t w, q, bs;

        memcpy(&w, u + i, 8);
        q = w ^ (ones * '"');
        bs = w ^ (ones * '\\');
        w = w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((bs - ones) & ~bs);
        if ((w & highs) != 0)
            break;
        i += 8;
    }
    while (i < n && json_plain[u[i]])
        i++;
    return i;
}

static gh_err write_string(gh_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, run;
    gh_err err;

    /* Room for the common case (nothing to escape) at once. */
    if ((err = gh_buf_reserve(b, n + 2)) != GH_OK)
        return err;
    if ((err = put(b, "\"", 1)) != GH_OK)
        return err;
    while (i < n) {
        run = plain_end(u, i, n);
        if (run > i && (err = put(b, s + i, run - i)) != GH_OK)
            return err;
        if (run == n)
            break;
        if (u[run] >= 0x80) {
            /* jansson refuses to write a string that is not UTF-8; so do we. A multi-byte
             * sequence is all bytes >= 0x80, so each maximal run of them must be whole
             * sequences (checked per run: the string may also hold a NUL, which jansson
             * writes as \u0000 and gh_str_utf8 would refuse). */
            for (i = run; i < n && u[i] >= 0x80; i++)
                ;
            if (!gh_str_utf8(s + run, i - run))
                return GH_EINVAL;
            if ((err = put(b, s + run, i - run)) != GH_OK)
                return err;
            continue;
        }
        {
            unsigned char c = u[run];
            char esc[6] = {'\\', 0, 0, 0, 0, 0};
            size_t elen = 2;

            switch (c) {
            case '"':
                esc[1] = '"';
                break;
            case '\\':
                esc[1] = '\\';
                break;
            case '\b':
                esc[1] = 'b';
                break;
            case '\f':
                esc[1] = 'f';
                break;
            case '\n':
                esc[1] = 'n';
                break;
            case '\r':
                esc[1] = 'r';
                break;
            case '\t':
                esc[1] = 't';
                break;
            default:
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[c >> 4];
                esc[5] = hex[c & 15];
                elen = 6;
                break;
            }
            if ((err = put(b, esc, elen)) != GH_OK)
                return err;
        }
        i = run + 1;
    }
    return put(b, "\"", 1);
}

static gh_err write_integer(gh_buf *b, json_int_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0)
        tmp[--i] = '-';
    return put(b, tmp + i, sizeof(tmp) - i);
}

static gh_err write_real(gh_buf *b, const json_t *v)
{
    char tmp[64];
    size_t n = json_dumpb(v, tmp, sizeof(tmp), JSON_ENCODE_ANY | JSON_COMPACT);

    if (n == 0 || n > sizeof(tmp))
        return GH_EINVAL;
    return put(b, tmp, n);
}

typedef struct key_ref {
    const char *key;
    size_t len;
    json_t *value;
} key_ref;

/* jansson's JSON_SORT_KEYS order: bytewise, a prefix first. */
static int key_cmp(const void *x, const void *y)
{
    const key_ref *a = x, *b = y;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->key, b->key, n);

    if (c != 0)
        return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

static gh_err write_value(gh_buf *b, const json_t *v, bool sort, int depth);

static gh_err write_object(gh_buf *b, const json_t *v, bool sort, int depth)
{
    const char *key;
    size_t klen, i = 0, n = json_object_size(v);
    json_t *val;
    key_ref *keys = NULL;
    gh_err err = GH_OK;

    if ((err = put(b, "{", 1)) != GH_OK)
        return err;
    if (sort && n > 1) {
        keys = gh_xcalloc(n, sizeof(*keys));
        json_object_keylen_foreach((json_t *)v, key, klen, val)
        {
            keys[i].key = key;
            keys[i].len = klen;
            keys[i].value = val;
            i++;
        }
        qsort(keys, n, sizeof(*keys), key_cmp);
        for (i = 0; i < n && err == GH_OK; i++) {
            if (i > 0)
                err = put(b, ",", 1);
            if (err == GH_OK)
                err = write_string(b, keys[i].key, keys[i].len);
            if (err == GH_OK)
                err = put(b, ":", 1);
            if (err == GH_OK)
                err = write_value(b, keys[i].value, sort, depth + 1);
        }
        free(keys);
    } else {
        json_object_keylen_foreach((json_t *)v, key, klen, val)
        {
            if (i++ > 0 && (err = put(b, ",", 1)) != GH_OK)
                return err;
            if ((err = write_string(b, key, klen)) != GH_OK || (err = put(b, ":", 1)) != GH_OK ||
                (err = write_value(b, val, sort, depth + 1)) != GH_OK)
                return err;
        }
    }
    if (err != GH_OK)
        return err;
    return put(b, "}", 1);
}

static gh_err write_value(gh_buf *b, const json_t *v, bool sort, int depth)
{
    gh_err err;
    size_t i, n;

    if (v == NULL || depth > GH_JSON_WRITE_DEPTH)
        return GH_EINVAL;
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return write_object(b, v, sort, depth);
    case JSON_ARRAY:
        if ((err = put(b, "[", 1)) != GH_OK)
            return err;
        n = json_array_size(v);
        for (i = 0; i < n; i++) {
            if (i > 0 && (err = put(b, ",", 1)) != GH_OK)
                return err;
            if ((err = write_value(b, json_array_get(v, i), sort, depth + 1)) != GH_OK)
                return err;
        }
        return put(b, "]", 1);
    case JSON_STRING:
        return write_string(b, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return write_integer(b, json_integer_value(v));
    case JSON_REAL:
        return write_real(b, v);
    case JSON_TRUE:
        return put(b, "true", 4);
    case JSON_FALSE:
        return put(b, "false", 5);
    case JSON_NULL:
        return put(b, "null", 4);
    }
    return GH_EINVAL;
}

gh_err gh_json_write_str(gh_buf *b, const char *s, size_t n)
{
    size_t len = b->len;
    gh_err err = write_string(b, s, n);

    if (err != GH_OK) {
        b->len = len;
        if (b->data != NULL)
            b->data[len] = '\0';
    }
    return err;
}

gh_err gh_json_write(gh_buf *b, const json_t *v, bool sort_keys)
{
    size_t len = b->len;
    gh_err err = b->data == NULL ? gh_buf_reserve(b, b->max < 512 ? b->max : 512) : GH_OK;

    if (err == GH_OK)
        err = write_value(b, v, sort_keys, 0);

    if (err != GH_OK) {
        /* Leave the buffer as it was. */
        b->len = len;
        if (b->data != NULL)
            b->data[len] = '\0';
    }
    return err;
}

char *gh_json_dump_a(gh_arena *a, const json_t *v)
{
    gh_buf b;
    char *out = NULL;

    gh_buf_init(&b, SIZE_MAX - 1);
    if (gh_json_write(&b, v, false) == GH_OK)
        out = gh_arena_memdup(a, gh_buf_str(&b), b.len + 1);
    gh_buf_clear(&b);
    return out;
}

char *gh_json_dump_canonical(const json_t *v)
{
    gh_buf b;

    gh_buf_init(&b, SIZE_MAX - 1);
    if (gh_json_write(&b, v, true) != GH_OK) {
        gh_buf_clear(&b);
        return NULL;
    }
    return gh_buf_take(&b);
}

void gh_json_set_str(json_t *obj, const char *key, const char *s)
{
    json_t *v;
    if (!s)
        return;
    v = json_string(s);
    if (!v) {
        /* Inputs are validated as UTF-8 when they arrive; reaching this is our bug. Leave
         * the member out rather than emit invalid JSON or abort on a request. */
        gh_log(GH_LOG_ERROR, "json: dropped member \"%s\": value is not UTF-8", key);
        return;
    }
    gh_assert(json_object_set_new(obj, key, v) == 0);
}
