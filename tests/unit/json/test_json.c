/*
 * test_json.c - bounded JSON parsing and the typed getters over jansson.
 *
 * Parsing: one object only (RFC 8259 2 allows any value at the top; we do not), duplicate
 * keys at any depth, invalid UTF-8 (RFC 8259 8.1), \u0000 in keys and values, lone
 * surrogates, the depth bound GH_LIMIT_JSON_DEPTH and the size bound. Getters: absent vs
 * null vs wrong type. Output: insertion order vs sorted canonical form, and gh_json_write
 * byte for byte against jansson's own json_dumps on fixed and pseudo-random documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "base/limits.h"
#include "json/json.h"

static gh_err parse(const char *s, json_t **out, char *err, size_t errlen)
{
    return gh_json_parse_object(s, strlen(s), 65536, out, err, errlen);
}

static void expect_invalid(const char *s, size_t n)
{
    json_t *v = (json_t *)1;
    char err[128] = "unchanged";
    if (gh_json_parse_object(s, n, 65536, &v, err, sizeof(err)) != GH_EINVAL)
        fail_msg("accepted %.*s", (int)n, s);
    assert_null(v);
    assert_true(err[0] != '\0');
    assert_string_not_equal(err, "unchanged");
}

#define INVALID(lit) expect_invalid((lit), sizeof(lit) - 1)

static void test_parse_object(void **state)
{
    json_t *v = NULL;
    char err[128];
    (void)state;
    assert_int_equal(parse(" {\"a\":1,\"b\":[true,null,\"x\"],\"c\":{}} \n", &v, err,
                           sizeof(err)),
                     GH_OK);
    assert_true(json_is_object(v));
    assert_int_equal(json_object_size(v), 3);
    assert_string_equal(err, "");
    json_decref(v);
    assert_int_equal(parse("{}", &v, NULL, 0), GH_OK);
    json_decref(v);
}

static void test_parse_only_n_bytes(void **state)
{
    json_t *v = NULL;
    const char *s = "{\"a\":1}garbage";
    (void)state;
    assert_int_equal(gh_json_parse_object(s, 7, 100, &v, NULL, 0), GH_OK);
    json_decref(v);
    expect_invalid(s, strlen(s));
}

static void test_not_an_object(void **state)
{
    (void)state;
    INVALID("[]");
    INVALID("[{}]");
    INVALID("1");
    INVALID("\"s\"");
    INVALID("null");
    INVALID("true");
    INVALID("");
    INVALID("   ");
    INVALID("{");
    INVALID("{} {}");
    INVALID("{\"a\":1,}");
    INVALID("{'a':1}");
    INVALID("{\"a\":NaN}");
    INVALID("{\"a\":01}");
}

static void test_duplicates_rejected(void **state)
{
    char err[128];
    json_t *v = NULL;
    const char *s = "{\"secret-token-value\":1,\"secret-token-value\":2}";
    (void)state;
    INVALID("{\"a\":1,\"a\":1}");
    INVALID("{\"x\":{\"a\":1,\"b\":2,\"a\":3}}");
    INVALID("{\"x\":[{\"k\":1,\"k\":1}]}");
    /* Keys differing only by escaping are the same key. */
    INVALID("{\"a\":1,\"\\u0061\":2}");
    assert_int_equal(parse(s, &v, err, sizeof(err)), GH_EINVAL);
    assert_non_null(strstr(err, "duplicate key"));
    /* The reason never quotes the input. */
    assert_null(strstr(err, "secret"));
}

static void test_bad_strings_rejected(void **state)
{
    (void)state;
    /* SPEC: RFC8259 8.1 - text must be UTF-8. */
    INVALID("{\"a\":\"\xff\"}");
    INVALID("{\"a\":\"\xc0\x80\"}");
    INVALID("{\"\xed\xa0\x80\":1}");
    /* jansson refuses \u0000 unless JSON_ALLOW_NUL, which we never pass. */
    INVALID("{\"a\":\"x\\u0000y\"}");
    INVALID("{\"a\\u0000b\":1}");
    INVALID("{\"a\":\"\\u0000\"}");
    /* Lone surrogates are not characters. */
    INVALID("{\"a\":\"\\ud800\"}");
    INVALID("{\"a\":\"\\udc00x\"}");
    /* Raw control characters inside strings. */
    INVALID("{\"a\":\"x\ny\"}");
    /* Integers outside int64. */
    INVALID("{\"a\":99999999999999999999}");
}

static void test_unicode_accepted(void **state)
{
    json_t *v = NULL;
    const char *s;
    (void)state;
    assert_int_equal(parse("{\"a\":\"caf\xc3\xa9 \\u00e9 \\ud83d\\udd12\"}", &v, NULL, 0),
                     GH_OK);
    assert_int_equal(gh_json_get_str(v, "a", &s), GH_OK);
    assert_string_equal(s, "caf\xc3\xa9 \xc3\xa9 \xf0\x9f\x94\x92");
    json_decref(v);
}

/* Builds an object nested depth levels deep: {"a":{"a":...{}...}}. */
static char *nested(int depth, int use_arrays)
{
    size_t n = (size_t)depth * 6 + 8, o = 0;
    char *s = malloc(n);
    int i;
    assert_non_null(s);
    s[o++] = '{';
    for (i = 1; i < depth; i++) {
        memcpy(s + o, use_arrays ? "\"a\":[" : "\"a\":{", 5);
        o += 5;
        if (use_arrays) {
            /* Arrays nest inside arrays from here on. */
            int k;
            for (k = i + 1; k < depth; k++)
                s[o++] = '[';
            for (k = i + 1; k < depth; k++)
                s[o++] = ']';
            s[o++] = ']';
            break;
        }
    }
    if (!use_arrays) {
        for (i = 1; i < depth; i++)
            s[o++] = '}';
    }
    s[o++] = '}';
    s[o] = '\0';
    return s;
}

static void test_depth_limit(void **state)
{
    json_t *v = NULL;
    char err[128];
    char *s;
    (void)state;
    s = nested(GH_LIMIT_JSON_DEPTH, 0);
    assert_int_equal(parse(s, &v, err, sizeof(err)), GH_OK);
    json_decref(v);
    free(s);
    s = nested(GH_LIMIT_JSON_DEPTH + 1, 0);
    assert_int_equal(parse(s, &v, err, sizeof(err)), GH_EINVAL);
    assert_null(v);
    assert_non_null(strstr(err, "nested"));
    free(s);
    /* Arrays count as levels too. */
    s = nested(GH_LIMIT_JSON_DEPTH, 1);
    assert_int_equal(parse(s, &v, err, sizeof(err)), GH_OK);
    json_decref(v);
    free(s);
    s = nested(GH_LIMIT_JSON_DEPTH + 1, 1);
    assert_int_equal(parse(s, &v, err, sizeof(err)), GH_EINVAL);
    free(s);
    /* Very deep input is refused, not a stack overflow. */
    s = nested(5000, 1);
    assert_int_equal(parse(s, &v, err, sizeof(err)), GH_EINVAL);
    free(s);
}

static void test_size_limit(void **state)
{
    json_t *v = NULL;
    char err[128];
    const char *s = "{\"abc\":1}"; /* 9 bytes */
    (void)state;
    assert_int_equal(gh_json_parse_object(s, 9, 9, &v, err, sizeof(err)), GH_OK);
    json_decref(v);
    v = (json_t *)1;
    assert_int_equal(gh_json_parse_object(s, 9, 8, &v, err, sizeof(err)), GH_ETOOBIG);
    assert_null(v);
    assert_non_null(strstr(err, "larger"));
    /* A tiny error buffer is truncated, not overrun. */
    assert_int_equal(gh_json_parse_object("[", 1, 8, &v, err, 4), GH_EINVAL);
    assert_int_equal(strlen(err), 3);
}

static json_t *doc(void)
{
    json_t *v = NULL;
    gh_err e = parse("{\"s\":\"str\",\"i\":-42,\"big\":9007199254740993,\"f\":1.5,"
                     "\"t\":true,\"fa\":false,\"n\":null,\"arr\":[\"a\",\"b\"],"
                     "\"mixed\":[\"a\",1],\"empty\":[],\"o\":{}}",
                     &v, NULL, 0);
    assert_int_equal(e, GH_OK);
    return v;
}

static void test_get_str(void **state)
{
    json_t *v = doc();
    const char *s = "sentinel";
    (void)state;
    assert_int_equal(gh_json_get_str(v, "s", &s), GH_OK);
    assert_string_equal(s, "str");
    assert_int_equal(gh_json_get_str(v, "missing", &s), GH_ENOTFOUND);
    assert_null(s);
    assert_int_equal(gh_json_get_str(v, "n", &s), GH_ENOTFOUND); /* null counts as absent */
    assert_int_equal(gh_json_get_str(v, "i", &s), GH_EINVAL);
    assert_int_equal(gh_json_get_str(v, "arr", &s), GH_EINVAL);
    assert_int_equal(gh_json_get_str(v, "o", &s), GH_EINVAL);
    json_decref(v);
}

static void test_get_str_rejects_embedded_nul(void **state)
{
    json_t *v = json_object();
    const char *s;
    (void)state;
    json_object_set_new(v, "k", json_stringn("a\0b", 3));
    assert_int_equal(gh_json_get_str(v, "k", &s), GH_EINVAL);
    json_decref(v);
}

static void test_get_int_bool(void **state)
{
    json_t *v = doc();
    int64_t i = 7;
    bool b = true;
    (void)state;
    assert_int_equal(gh_json_get_int(v, "i", &i), GH_OK);
    assert_true(i == -42);
    assert_int_equal(gh_json_get_int(v, "big", &i), GH_OK);
    assert_true(i == 9007199254740993LL); /* exact, not rounded through a double */
    assert_int_equal(gh_json_get_int(v, "f", &i), GH_EINVAL);
    assert_int_equal(gh_json_get_int(v, "s", &i), GH_EINVAL);
    assert_int_equal(gh_json_get_int(v, "t", &i), GH_EINVAL);
    assert_int_equal(gh_json_get_int(v, "missing", &i), GH_ENOTFOUND);
    assert_int_equal(gh_json_get_int(v, "n", &i), GH_ENOTFOUND);
    assert_int_equal(gh_json_get_bool(v, "t", &b), GH_OK);
    assert_true(b);
    assert_int_equal(gh_json_get_bool(v, "fa", &b), GH_OK);
    assert_false(b);
    assert_int_equal(gh_json_get_bool(v, "i", &b), GH_EINVAL);
    assert_int_equal(gh_json_get_bool(v, "s", &b), GH_EINVAL);
    assert_int_equal(gh_json_get_bool(v, "missing", &b), GH_ENOTFOUND);
    assert_int_equal(gh_json_get_bool(v, "n", &b), GH_ENOTFOUND);
    json_decref(v);
}

static void test_get_on_non_object(void **state)
{
    json_t *arr = json_array();
    const char *s;
    int64_t i;
    (void)state;
    assert_int_equal(gh_json_get_str(arr, "a", &s), GH_ENOTFOUND);
    assert_int_equal(gh_json_get_int(NULL, "a", &i), GH_ENOTFOUND);
    json_decref(arr);
}

static void test_get_strv(void **state)
{
    json_t *v = doc();
    gh_arena *a = gh_arena_new(0);
    gh_strv l;
    (void)state;
    assert_int_equal(gh_json_get_strv(v, "arr", a, 10, &l), GH_OK);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0], "a");
    assert_string_equal(l.v[1], "b");
    assert_int_equal(gh_json_get_strv(v, "arr", a, 2, &l), GH_OK);
    assert_int_equal(gh_json_get_strv(v, "arr", a, 1, &l), GH_ETOOBIG);
    assert_int_equal(l.n, 0);
    assert_int_equal(gh_json_get_strv(v, "mixed", a, 10, &l), GH_EINVAL);
    assert_int_equal(gh_json_get_strv(v, "s", a, 10, &l), GH_EINVAL);
    assert_int_equal(gh_json_get_strv(v, "missing", a, 10, &l), GH_ENOTFOUND);
    assert_int_equal(gh_json_get_strv(v, "n", a, 10, &l), GH_ENOTFOUND);
    assert_int_equal(gh_json_get_strv(v, "empty", a, 10, &l), GH_OK);
    assert_int_equal(l.n, 0);
    json_decref(v);
    /* The copies live in the arena, independent of the JSON value. */
    gh_arena_free(a);
}

static void test_strv_to_json(void **state)
{
    const char *items[] = {"openid", "dns:read"};
    gh_strv l = {items, 2};
    gh_strv none = {NULL, 0};
    gh_arena *a = gh_arena_new(0);
    json_t *arr;
    (void)state;
    arr = gh_json_strv(&l);
    assert_string_equal(gh_json_dump_a(a, arr), "[\"openid\",\"dns:read\"]");
    json_decref(arr);
    arr = gh_json_strv(&none);
    assert_string_equal(gh_json_dump_a(a, arr), "[]");
    json_decref(arr);
    arr = gh_json_strv(NULL);
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    gh_arena_free(a);
}

static void test_dump(void **state)
{
    gh_arena *a = gh_arena_new(0);
    json_t *o = json_object();
    char *canon;
    (void)state;
    json_object_set_new(o, "zeta", json_integer(1));
    json_object_set_new(o, "alpha", json_string("x\"y"));
    json_object_set_new(o, "mid", json_pack("{s:b,s:n}", "b", 1, "a"));
    /* Insertion order, compact. */
    assert_string_equal(gh_json_dump_a(a, o),
                        "{\"zeta\":1,\"alpha\":\"x\\\"y\",\"mid\":{\"b\":true,\"a\":null}}");
    /* Sorted keys at every level, compact: the form that is hashed. */
    canon = gh_json_dump_canonical(o);
    assert_string_equal(canon,
                        "{\"alpha\":\"x\\\"y\",\"mid\":{\"a\":null,\"b\":true},\"zeta\":1}");
    free(canon);
    /* Scalars can be dumped too. */
    assert_string_equal(gh_json_dump_a(a, json_object_get(o, "zeta")), "1");
    json_decref(o);
    gh_arena_free(a);
}

static void test_set_str(void **state)
{
    json_t *o = json_object();
    const char *s;
    (void)state;
    gh_json_set_str(o, "a", "value");
    assert_int_equal(gh_json_get_str(o, "a", &s), GH_OK);
    assert_string_equal(s, "value");
    gh_json_set_str(o, "b", NULL);
    assert_null(json_object_get(o, "b"));
    gh_json_set_str(o, "a", "replaced");
    assert_int_equal(gh_json_get_str(o, "a", &s), GH_OK);
    assert_string_equal(s, "replaced");
    /* Invalid UTF-8 is left out (and logged), never emitted as broken JSON. */
    gh_json_set_str(o, "bad", "\xff");
    assert_null(json_object_get(o, "bad"));
    json_decref(o);
}

/* gh_json_write must write exactly what json_dumps writes, sorted or not. */
static void same_as_jansson(const json_t *v)
{
    gh_buf b;
    int sort;

    for (sort = 0; sort < 2; sort++) {
        char *want = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sort ? JSON_SORT_KEYS : 0));
        gh_buf_init(&b, 1 << 20);
        assert_non_null(want);
        assert_int_equal(gh_json_write(&b, v, sort != 0), GH_OK);
        assert_string_equal(gh_buf_str(&b), want);
        assert_int_equal(b.len, strlen(want));
        gh_buf_clear(&b);
        free(want);
    }
}

static void test_write_fixed(void **state)
{
    json_t *v;
    (void)state;
    v = json_pack("{s:s, s:i, s:I, s:I, s:b, s:b, s:n, s:[], s:{}, s:[s,i,{s:s}], s:f, s:f}",
                  "iss", "https://as.example/path?q=1&x=\"y\"", "neg", -42, "max",
                  (json_int_t)INT64_MAX, "min", (json_int_t)INT64_MIN, "t", 1, "f", 0, "n",
                  "ea", "eo", "arr", "a/b", 0, "k", "\u00e9t\u00e9 \u2028 \U0001F600", "r",
                  0.1, "big", 1e300);
    assert_non_null(v);
    same_as_jansson(v);
    json_decref(v);
    /* Control characters, quotes, backslashes, DEL, and a NUL inside a string, also next to
     * multi-byte characters. */
    v = json_object();
    json_object_set_new(v, "ctl\x01\x1f\b\f\n\r\t\"\\\x7f", json_stringn("a\0b\x1b", 4));
    json_object_set_new(v, "zz", json_string(""));
    json_object_set_new(v, "nul-utf8", json_stringn("\xc3\xa9\0\xe2\x82\xac\0x\xf0\x9f\x98\x80", 12));
    json_object_set_new(v, "a", json_integer(0));
    json_object_set_new(v, "aa", json_integer(7));
    same_as_jansson(v);
    json_decref(v);
    /* Top-level scalars (JSON_ENCODE_ANY). */
    v = json_string("x");
    same_as_jansson(v);
    json_decref(v);
    v = json_integer(-1);
    same_as_jansson(v);
    json_decref(v);
}

/* Strings of plain bytes with one byte of each kind that must stop a plain run at every
 * position, across the 8-byte words write_string scans at once; also all-plain lengths. */
static void test_write_special_at_every_position(void **state)
{
    static const char *const specials[] = {"\x01", "\x1f", "\"",  "\\", "\n", "\xc3\xa9",
                                           "\x7f", " ",    "~",   "\x1b", "\xe2\x82\xac"};
    char str[48];
    size_t len, pos, k;
    (void)state;
    for (len = 0; len <= 33; len++) {
        json_t *v;

        for (k = 0; k < len; k++)
            str[k] = (char)('A' + k % 26);
        v = json_stringn(str, len);
        same_as_jansson(v);
        json_decref(v);
    }
    for (k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
        size_t sl = strlen(specials[k]);
        for (pos = 0; pos + sl <= 40; pos++) {
            json_t *v;

            memset(str, 'x', 40);
            memcpy(str + pos, specials[k], sl);
            v = json_stringn(str, 40);
            assert_non_null(v);
            same_as_jansson(v);
            json_decref(v);
        }
    }
    /* A NUL inside a plain word. */
    {
        json_t *v = json_stringn("abcdefg\0hijklmnopq", 17);
        same_as_jansson(v);
        json_decref(v);
    }
}

static void test_write_random(void **state)
{
    uint32_t seed = 12345;
    (void)state;
    for (int doc = 0; doc < 300; doc++) {
        json_t *o = json_object();
        for (int m = 0; m < 12; m++) {
            char key[16], val[40];
            size_t klen = 0, vlen = 0;
            for (int i = 0; i < 6; i++) {
                seed = seed * 1103515245u + 12345u;
                key[klen++] = (char)(1 + (seed >> 16) % 127);
            }
            key[klen] = '\0';
            for (int i = 0; i < 30; i++) {
                seed = seed * 1103515245u + 12345u;
                val[vlen++] = (char)(1 + (seed >> 16) % 127);
            }
            val[vlen] = '\0';
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 3 == 0)
                json_object_set_new(o, key, json_integer((json_int_t)seed - 0x7fffffff));
            else if ((seed >> 16) % 3 == 1)
                json_object_set_new(o, key, json_string(val));
            else
                json_object_set_new(o, key, json_pack("[s,{s:b}]", val, key, 1));
        }
        same_as_jansson(o);
        json_decref(o);
    }
}

static void test_write_refuses(void **state)
{
    gh_buf b;
    json_t *v = json_object();
    char *a;
    (void)state;
    gh_buf_init(&b, 8);
    assert_int_equal(gh_buf_add(&b, "ab", 2), GH_OK);
    json_object_set_new(v, "key", json_string("a long enough value"));
    assert_int_equal(gh_json_write(&b, v, false), GH_ETOOBIG);
    assert_string_equal(gh_buf_str(&b), "ab"); /* as it was */
    json_object_set_new(v, "key", json_string_nocheck("\xff"));
    gh_buf_clear(&b);
    gh_buf_init(&b, 1024);
    assert_int_equal(gh_json_write(&b, v, false), GH_EINVAL);
    assert_int_equal(b.len, 0);
    gh_buf_clear(&b);
    {
        gh_arena *ar = gh_arena_new(0);
        a = gh_json_dump_a(ar, v);
        assert_null(a);
        gh_arena_free(ar);
    }
    json_decref(v);
}

static void test_write_str(void **state)
{
    gh_buf b;
    json_t *v = json_stringn("q\"\\\n\x01/\xc3\xa9\0z", 10);
    char *want = json_dumps(v, JSON_ENCODE_ANY);
    (void)state;
    gh_buf_init(&b, 64);
    assert_int_equal(gh_buf_add(&b, "{\"k\":", 5), GH_OK);
    assert_int_equal(gh_json_write_str(&b, json_string_value(v), json_string_length(v)), GH_OK);
    assert_string_equal(gh_buf_str(&b) + 5, want);
    assert_int_equal(gh_json_write_str(&b, "\xff", 1), GH_EINVAL);
    assert_int_equal(b.len, 5 + strlen(want)); /* as it was */
    gh_buf_clear(&b);
    free(want);
    json_decref(v);
}

static void test_scan_str(void **state)
{
    gh_arena *a = gh_arena_new(0);
    const char *v = NULL;
    const char *doc = " { \"n\" : -1.5e3, \"o\":{\"jti\":\"inner\",\"x\":[1,{\"y\":\"}\"}]},"
                      "\"e\\u0069\":\"esc-key\", \"t\":true,\"jti\" :\"abc\",\"jti2\":\"no\","
                      "\"u\":\"caf\\u00e9\"}";
    (void)state;
    assert_int_equal(gh_json_scan_str(doc, strlen(doc), "jti", a, &v), GH_OK);
    assert_string_equal(v, "abc"); /* the top-level one, not o.jti */
    assert_int_equal(gh_json_scan_str(doc, strlen(doc), "u", a, &v), GH_OK);
    assert_string_equal(v, "caf\xc3\xa9"); /* escapes decoded */
    assert_int_equal(gh_json_scan_str(doc, strlen(doc), "ei", a, &v), GH_ENOTFOUND);
    assert_int_equal(gh_json_scan_str(doc, strlen(doc), "missing", a, &v), GH_ENOTFOUND);
    assert_null(v);
    assert_int_equal(gh_json_scan_str(doc, strlen(doc), "t", a, &v), GH_EINVAL);
    assert_int_equal(gh_json_scan_str(doc, strlen(doc), "o", a, &v), GH_EINVAL);
    assert_int_equal(gh_json_scan_str("{}", 2, "a", a, &v), GH_ENOTFOUND);
    /* Only n bytes are read: the member past n is not seen. */
    assert_int_equal(gh_json_scan_str("{\"a\":\"1\"}{\"b\":\"2\"}", 9, "a", a, &v), GH_OK);
    assert_string_equal(v, "1");
    assert_int_equal(gh_json_scan_str("{\"a\":\"12\"}", 8, "a", a, &v), GH_EINVAL);
    /* Not objects, broken text. */
    static const char *const bad[] = {"", "[]", "\"a\"", "{", "{\"a\"", "{\"a\":", "{\"a\":\"x",
                                      "{\"b\":1 \"a\":\"x\"}", "{\"b\":[1,2}", "{\"b\":}",
                                      "{\"b\":\"\n\",\"a\":\"x\"}", "{a:\"x\"}",
                                      "{\"a\":\"\xff\"}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(gh_json_scan_str(bad[i], strlen(bad[i]), "a", a, &v), GH_EINVAL);
    /* Deep nesting in a skipped member is bounded. */
    char deep[200];
    size_t o = 0;
    o += (size_t)snprintf(deep, sizeof(deep), "{\"b\":");
    for (int i = 0; i < 40; i++)
        deep[o++] = '[';
    for (int i = 0; i < 40; i++)
        deep[o++] = ']';
    o += (size_t)snprintf(deep + o, sizeof(deep) - o, ",\"a\":\"x\"}");
    assert_int_equal(gh_json_scan_str(deep, o, "a", a, &v), GH_EINVAL);
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_object),
        cmocka_unit_test(test_parse_only_n_bytes),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_duplicates_rejected),
        cmocka_unit_test(test_bad_strings_rejected),
        cmocka_unit_test(test_unicode_accepted),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_get_str),
        cmocka_unit_test(test_get_str_rejects_embedded_nul),
        cmocka_unit_test(test_get_int_bool),
        cmocka_unit_test(test_get_on_non_object),
        cmocka_unit_test(test_get_strv),
        cmocka_unit_test(test_strv_to_json),
        cmocka_unit_test(test_dump),
        cmocka_unit_test(test_set_str),
        cmocka_unit_test(test_write_fixed),
        cmocka_unit_test(test_write_special_at_every_position),
        cmocka_unit_test(test_write_random),
        cmocka_unit_test(test_write_refuses),
        cmocka_unit_test(test_write_str),
        cmocka_unit_test(test_scan_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
