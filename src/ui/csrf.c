/*
 * csrf.c - CSRF tokens of the built-in pages' forms.
 *
 * A browser holds a random secret in the gh_csrf cookie (32 bytes, base64url, set on the first
 * page it sees). Every form carries
 *     token = base64url(HMAC-SHA256(key, cookie "|" purpose "|" challenge))
 * where key is derived from the system secret ("gatehouse/ui-csrf"), purpose names the form
 * ("login", "consent", ...) and challenge binds it to one flow (or one session). A cross-site
 * attacker can neither read the cookie nor compute the HMAC, and a token made for one form or
 * one flow is worthless for another. The check is constant-time (gh_ct_eq).
 *
 * This is the "signed double-submit cookie" of the OWASP CSRF cheat sheet; SameSite=Lax on the
 * cookie is a second line, not the defence. Not here: reading and setting the cookie (page.c).
 */
#include <string.h>

#include "base/b64url.h"
#include "base/digest.h"
#include "base/str.h"
#include "ui/ui_int.h"

bool gh_ui__csrf_cookie_ok(const char *v)
{
    size_t i;

    if (v == NULL || strlen(v) != GH_UI_CSRF_LEN)
        return false;
    for (i = 0; i < GH_UI_CSRF_LEN; i++) {
        char c = v[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* The message is unambiguous: the cookie is base64url and the purpose one of our constants,
 * neither holding '|', so only the last field (the challenge) may. */
static void mac(gh_arena *a, const unsigned char key[32], const char *cookie,
                const char *purpose, const char *challenge, unsigned char out[GH_SHA256_LEN])
{
    size_t lc = strlen(cookie), lp = strlen(purpose), lh = challenge ? strlen(challenge) : 0;
    size_t n = lc + 1 + lp + 1 + lh;
    unsigned char *msg;

    gh_assert(strchr(purpose, '|') == NULL);
    msg = gh_arena_alloc(a, n);

    memcpy(msg, cookie, lc);
    msg[lc] = '|';
    memcpy(msg + lc + 1, purpose, lp);
    msg[lc + 1 + lp] = '|';
    if (lh > 0)
        memcpy(msg + lc + 2 + lp, challenge, lh);
    gh_hmac_sha256(key, 32, msg, n, out);
}

char *gh_ui__csrf_token(gh_arena *a, const unsigned char key[32], const char *cookie,
                        const char *purpose, const char *challenge)
{
    unsigned char h[GH_SHA256_LEN];

    mac(a, key, cookie != NULL ? cookie : "", purpose, challenge, h);
    return gh_b64url_encode_a(a, h, sizeof(h));
}

bool gh_ui__csrf_check(gh_arena *a, const unsigned char key[32], const char *cookie,
                       const char *purpose, const char *challenge, const char *presented)
{
    const char *want;

    if (!gh_ui__csrf_cookie_ok(cookie) || presented == NULL)
        return false;
    want = gh_ui__csrf_token(a, key, cookie, purpose, challenge);
    return gh_ct_eq(want, strlen(want), presented, strlen(presented));
}
