/*
 * test_csrf.c - CSRF tokens: the cookie's shape, the token as HMAC-SHA256 over
 * cookie|purpose|challenge (checked against OpenSSL's HMAC directly), and that a token is
 * accepted only for its own cookie, purpose and challenge.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/b64url.h"
#include "ui/ui_int.h"

#define COOKIE "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define COOKIE2 "HxAREhMUFRYXGBkaGxwdHh8AAECAwQFBgcICQoLDA0O"

static const unsigned char KEY[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                      17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                      31, 32};

static int setup(void **state)
{
    *state = gh_arena_new(0);
    return 0;
}

static int teardown(void **state)
{
    gh_arena_free(*state);
    return 0;
}

static void test_cookie_shape(void **state)
{
    (void)state;
    assert_int_equal(strlen(COOKIE), GH_UI_CSRF_LEN);
    assert_true(gh_ui__csrf_cookie_ok(COOKIE));
    assert_true(gh_ui__csrf_cookie_ok(COOKIE2));
    assert_false(gh_ui__csrf_cookie_ok(NULL));
    assert_false(gh_ui__csrf_cookie_ok(""));
    assert_false(gh_ui__csrf_cookie_ok("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh"));
    assert_false(gh_ui__csrf_cookie_ok(COOKIE "A"));
    assert_false(gh_ui__csrf_cookie_ok("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh+"));
    assert_false(gh_ui__csrf_cookie_ok("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh="));
}

static void test_token_is_hmac(void **state)
{
    gh_arena *a = *state;
    const char *msg = COOKIE "|login|chal123";
    unsigned char h[32];
    unsigned int hl = sizeof(h);
    char want[44];

    assert_non_null(HMAC(EVP_sha256(), KEY, 32, (const unsigned char *)msg, strlen(msg), h, &hl));
    gh_b64url_encode(h, 32, want);
    assert_string_equal(gh_ui__csrf_token(a, KEY, COOKIE, "login", "chal123"), want);
    assert_int_equal(strlen(want), GH_UI_CSRF_LEN);

    msg = COOKIE "|account|";
    assert_non_null(HMAC(EVP_sha256(), KEY, 32, (const unsigned char *)msg, strlen(msg), h, &hl));
    gh_b64url_encode(h, 32, want);
    assert_string_equal(gh_ui__csrf_token(a, KEY, COOKIE, "account", NULL), want);
}

static void test_check(void **state)
{
    gh_arena *a = *state;
    unsigned char key2[32];
    const char *t = gh_ui__csrf_token(a, KEY, COOKIE, "consent", "c1");
    char *bad = gh_arena_strdup(a, t);

    assert_true(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c1", t));
    /* Another cookie (another browser), purpose, challenge or key: refused. */
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE2, "consent", "c1", t));
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "login", "c1", t));
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c2", t));
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", NULL, t));
    memcpy(key2, KEY, 32);
    key2[31] ^= 1;
    assert_false(gh_ui__csrf_check(a, key2, COOKIE, "consent", "c1", t));
    /* Missing, empty, truncated, altered token; missing or malformed cookie. */
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c1", NULL));
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c1", ""));
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c1",
                                   gh_arena_strndup(a, t, strlen(t) - 1)));
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c1", bad));
    assert_false(gh_ui__csrf_check(a, KEY, NULL, "consent", "c1", t));
    assert_false(gh_ui__csrf_check(a, KEY, "short", "consent", "c1",
                                   gh_ui__csrf_token(a, KEY, "short", "consent", "c1")));
    /* A challenge that merely starts with the right one is another challenge. */
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c1|", t));
    assert_false(gh_ui__csrf_check(a, KEY, COOKIE, "consent", "c", t));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cookie_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_is_hmac, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
