/*
 * test_digest.c - SHA-256 and HMAC-SHA256.
 *
 * Vectors: FIPS 180-2 appendix B ("abc", the 448-bit message), the empty string, RFC 4231
 * test cases 1, 2 and 6 (a key longer than the block), and RFC 7636 appendix B for the
 * PKCE S256 transform.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/digest.h"
#include "base/str.h"

static void hex(const unsigned char h[GH_SHA256_LEN], char out[2 * GH_SHA256_LEN + 1])
{
    gh_hex_encode(h, GH_SHA256_LEN, out);
}

static void test_sha256_vectors(void **state)
{
    unsigned char h[GH_SHA256_LEN];
    char x[65];
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    (void)state;
    gh_sha256("abc", 3, h);
    hex(h, x);
    assert_string_equal(x, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    gh_sha256("", 0, h);
    hex(h, x);
    assert_string_equal(x, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    gh_sha256(m448, strlen(m448), h);
    hex(h, x);
    assert_string_equal(x, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_v(void **state)
{
    unsigned char h1[GH_SHA256_LEN], h2[GH_SHA256_LEN];
    const void *parts[3] = {"a", "", "bc"};
    size_t lens[3] = {1, 0, 2};
    (void)state;
    gh_sha256_v(parts, lens, 3, h1);
    gh_sha256("abc", 3, h2);
    assert_memory_equal(h1, h2, GH_SHA256_LEN);
    gh_sha256_v(NULL, NULL, 0, h1);
    gh_sha256("", 0, h2);
    assert_memory_equal(h1, h2, GH_SHA256_LEN);
}

static void test_hmac_rfc4231(void **state)
{
    unsigned char key[131];
    unsigned char h[GH_SHA256_LEN];
    char x[65];
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    (void)state;
    /* SPEC: RFC4231 4.2 - test case 1 */
    memset(key, 0x0b, 20);
    gh_hmac_sha256(key, 20, "Hi There", 8, h);
    hex(h, x);
    assert_string_equal(x, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* SPEC: RFC4231 4.3 - test case 2 */
    gh_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, h);
    hex(h, x);
    assert_string_equal(x, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    /* SPEC: RFC4231 4.7 - test case 6, a key larger than the block size */
    memset(key, 0xaa, 131);
    gh_hmac_sha256(key, 131, m6, strlen(m6), h);
    hex(h, x);
    assert_string_equal(x, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hmac_empty(void **state)
{
    unsigned char h[GH_SHA256_LEN], h2[GH_SHA256_LEN];
    char x[65];
    (void)state;
    gh_hmac_sha256(NULL, 0, NULL, 0, h);
    hex(h, x);
    assert_string_equal(x, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    /* Calling again with an empty key gives the same answer (no key reuse across calls). */
    gh_hmac_sha256("other", 5, "m", 1, h2);
    gh_hmac_sha256(NULL, 0, NULL, 0, h2);
    assert_memory_equal(h, h2, GH_SHA256_LEN);
}

static void test_sha256_b64url_pkce(void **state)
{
    gh_arena *a = gh_arena_new(0);
    const char *verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    (void)state;
    /* SPEC: RFC7636 4.2 - code_challenge = BASE64URL(SHA256(ASCII(code_verifier))) */
    assert_string_equal(gh_sha256_b64url(a, verifier, strlen(verifier)),
                        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    assert_string_equal(gh_sha256_hex(a, "abc", 3),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    gh_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_vectors),  cmocka_unit_test(test_sha256_v),
        cmocka_unit_test(test_hmac_rfc4231),    cmocka_unit_test(test_hmac_empty),
        cmocka_unit_test(test_sha256_b64url_pkce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
