/*
 * test_b64url.c - base64url (RFC 4648 5) encoding and strict decoding, and strict standard
 * base64 (RFC 4648 4) decoding.
 *
 * Vectors: RFC 4648 section 10, RFC 7515 appendix C. Malformed inputs cover padding where
 * none belongs, missing padding, whitespace, the other alphabet, impossible lengths and
 * non-canonical trailing bits. A round trip runs over every length from 0 to 100.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "base/b64url.h"

struct vec {
    const char *raw;
    const char *b64;
    const char *b64url;
};

/* SPEC: RFC4648 10 - test vectors. */
static const struct vec rfc4648[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

static void test_enclen(void **state)
{
    (void)state;
    assert_int_equal(gh_b64url_enclen(0), 0);
    assert_int_equal(gh_b64url_enclen(1), 2);
    assert_int_equal(gh_b64url_enclen(2), 3);
    assert_int_equal(gh_b64url_enclen(3), 4);
    assert_int_equal(gh_b64url_enclen(4), 6);
    assert_int_equal(gh_b64url_enclen(32), 43);
}

static void test_rfc4648_vectors(void **state)
{
    gh_arena *a = gh_arena_new(0);
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
        const struct vec *v = &rfc4648[i];
        size_t n = strlen(v->raw);
        char enc[16];
        unsigned char *out;
        size_t out_len;

        gh_b64url_encode((const unsigned char *)v->raw, n, enc);
        assert_string_equal(enc, v->b64url);
        assert_string_equal(gh_b64url_encode_a(a, (const unsigned char *)v->raw, n), v->b64url);

        assert_int_equal(gh_b64url_decode(a, v->b64url, strlen(v->b64url), &out, &out_len),
                         GH_OK);
        assert_int_equal(out_len, n);
        assert_memory_equal(out, v->raw, n);
        assert_int_equal(out[n], 0);

        assert_int_equal(gh_b64_decode(a, v->b64, strlen(v->b64), &out, &out_len), GH_OK);
        assert_int_equal(out_len, n);
        assert_memory_equal(out, v->raw, n);
        assert_int_equal(out[n], 0);
    }
    gh_arena_free(a);
}

static void test_alphabet_62_63(void **state)
{
    /* SPEC: RFC7515 C - bytes [3, 236, 255, 224, 193] encode as "A-z_4ME". */
    static const unsigned char jws[] = {3, 236, 255, 224, 193};
    static const unsigned char all[] = {0xfb, 0xff, 0xbf};
    gh_arena *a = gh_arena_new(0);
    unsigned char *out;
    size_t n;
    (void)state;
    assert_string_equal(gh_b64url_encode_a(a, jws, sizeof(jws)), "A-z_4ME");
    assert_int_equal(gh_b64url_decode(a, "A-z_4ME", 7, &out, &n), GH_OK);
    assert_int_equal(n, sizeof(jws));
    assert_memory_equal(out, jws, n);
    assert_string_equal(gh_b64url_encode_a(a, all, 3), "-_-_");
    assert_int_equal(gh_b64_decode(a, "+/+/", 4, &out, &n), GH_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, all, 3);
    /* Each decoder refuses the other's alphabet. */
    assert_int_equal(gh_b64url_decode(a, "+/+/", 4, &out, &n), GH_EINVAL);
    assert_null(out);
    assert_int_equal(gh_b64_decode(a, "-_-_", 4, &out, &n), GH_EINVAL);
    assert_null(out);
    gh_arena_free(a);
}

/* Every byte value: accepted exactly when it is in the decoder's alphabet. */
static void test_every_byte(void **state)
{
    static const char url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    gh_arena *a = gh_arena_new(0);
    unsigned char *out;
    size_t n;
    (void)state;
    for (int c = 0; c < 256; c++) {
        char in[4] = {'A', 'A', (char)c, 'A'};
        bool in_url = c != 0 && memchr(url, c, 64) != NULL;
        bool in_std = c != 0 && memchr(std, c, 64) != NULL;
        assert_int_equal(gh_b64url_decode(a, in, 4, &out, &n) == GH_OK, in_url);
        assert_int_equal(gh_b64_decode(a, in, 4, &out, &n) == GH_OK, in_std);
        if (in_url) {
            int v = (int)(strchr(url, c) - url);
            assert_int_equal(gh_b64url_decode(a, in, 4, &out, &n), GH_OK);
            assert_int_equal(out[1], (v >> 2) & 15);
            assert_int_equal(out[2], ((v & 3) << 6) | 0);
        }
    }
    gh_arena_free(a);
}

static void expect_url_invalid(gh_arena *a, const char *s, size_t n)
{
    unsigned char *out = (unsigned char *)"sentinel";
    size_t len = 99;
    assert_int_equal(gh_b64url_decode(a, s, n, &out, &len), GH_EINVAL);
    assert_null(out);
    assert_int_equal(len, 0);
}

static void expect_std_invalid(gh_arena *a, const char *s)
{
    unsigned char *out = (unsigned char *)"sentinel";
    size_t len = 99;
    assert_int_equal(gh_b64_decode(a, s, strlen(s), &out, &len), GH_EINVAL);
    assert_null(out);
}

static void test_b64url_rejects_malformed(void **state)
{
    gh_arena *a = gh_arena_new(0);
    (void)state;
    /* SPEC: RFC7515 2 - base64url without padding; RFC4648 3.3 - reject non-alphabet. */
    expect_url_invalid(a, "Zg==", 4);
    expect_url_invalid(a, "Zg=", 3);
    expect_url_invalid(a, "Zm8=", 4);
    expect_url_invalid(a, "Z", 1);         /* length 1 mod 4 is impossible */
    expect_url_invalid(a, "Zm9vY", 5);
    expect_url_invalid(a, "Zm9v Yg", 7);   /* whitespace */
    expect_url_invalid(a, "Zm9vYg\n", 7);
    expect_url_invalid(a, " Zm9v", 5);
    expect_url_invalid(a, "Zm9\0", 4);     /* embedded NUL */
    expect_url_invalid(a, "Zm9v!A", 6);
    expect_url_invalid(a, "Zm9v\xc3\xa9", 6);
    /* SPEC: RFC4648 3.5 - non-canonical trailing bits are rejected. */
    expect_url_invalid(a, "Zh", 2);        /* 'h' leaves low bits set */
    expect_url_invalid(a, "Zm9", 3);       /* '9' leaves low bits set */
    expect_url_invalid(a, "Zm-", 3);
    gh_arena_free(a);
}

static void test_b64url_canonical_tail(void **state)
{
    gh_arena *a = gh_arena_new(0);
    unsigned char *out;
    size_t n;
    (void)state;
    /* "ZA" is the only 2-char encoding of 'd' (0x64); "ZB".."ZP" would alias it. */
    assert_int_equal(gh_b64url_decode(a, "ZA", 2, &out, &n), GH_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'd');
    expect_url_invalid(a, "ZB", 2);
    expect_url_invalid(a, "ZP", 2);
    assert_int_equal(gh_b64url_decode(a, "ZQ", 2, &out, &n), GH_OK);
    assert_int_equal(out[0], 'e');
    /* Empty input decodes to zero bytes (NUL-terminated). */
    assert_int_equal(gh_b64url_decode(a, "", 0, &out, &n), GH_OK);
    assert_int_equal(n, 0);
    assert_non_null(out);
    assert_int_equal(out[0], 0);
    gh_arena_free(a);
}

static void test_b64_rejects_malformed(void **state)
{
    gh_arena *a = gh_arena_new(0);
    (void)state;
    /* SPEC: RFC4648 4 - padding is required. */
    expect_std_invalid(a, "Zg");
    expect_std_invalid(a, "Zg=");
    expect_std_invalid(a, "Zm8");
    expect_std_invalid(a, "Zm9vYg");
    expect_std_invalid(a, "Zg===");
    expect_std_invalid(a, "Zm9v====");
    expect_std_invalid(a, "====");
    expect_std_invalid(a, "Z===");
    expect_std_invalid(a, "=Zg=");
    expect_std_invalid(a, "Zg==Zg==");  /* padding in the middle */
    expect_std_invalid(a, "Z=g=");
    expect_std_invalid(a, "Zm9v Zg==");
    expect_std_invalid(a, "Zm9v\r\nYg==");
    expect_std_invalid(a, "Zh==");      /* non-canonical trailing bits */
    expect_std_invalid(a, "Zm9=");
    expect_std_invalid(a, "Zm-=");
    gh_arena_free(a);
}

static void test_b64_http_basic(void **state)
{
    /* The RFC 7617 2 example credentials "Aladdin:open sesame". */
    gh_arena *a = gh_arena_new(0);
    const char *in = "QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    unsigned char *out;
    size_t n;
    (void)state;
    assert_int_equal(gh_b64_decode(a, in, strlen(in), &out, &n), GH_OK);
    assert_int_equal(n, strlen("Aladdin:open sesame"));
    assert_string_equal((char *)out, "Aladdin:open sesame");
    assert_int_equal(gh_b64_decode(a, "", 0, &out, &n), GH_OK);
    assert_int_equal(n, 0);
    gh_arena_free(a);
}

static void test_round_trip_all_lengths(void **state)
{
    gh_arena *a = gh_arena_new(0);
    unsigned char raw[100];
    size_t len, i;
    (void)state;
    for (i = 0; i < sizeof(raw); i++)
        raw[i] = (unsigned char)(i * 97 + 13);
    for (len = 0; len <= sizeof(raw); len++) {
        char *enc = gh_b64url_encode_a(a, raw, len);
        unsigned char *out;
        size_t n;
        assert_int_equal(strlen(enc), gh_b64url_enclen(len));
        assert_null(strchr(enc, '='));
        assert_int_equal(gh_b64url_decode(a, enc, strlen(enc), &out, &n), GH_OK);
        assert_int_equal(n, len);
        if (len)
            assert_memory_equal(out, raw, len);
    }
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enclen),
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_alphabet_62_63),
        cmocka_unit_test(test_every_byte),
        cmocka_unit_test(test_b64url_rejects_malformed),
        cmocka_unit_test(test_b64url_canonical_tail),
        cmocka_unit_test(test_b64_rejects_malformed),
        cmocka_unit_test(test_b64_http_basic),
        cmocka_unit_test(test_round_trip_all_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
