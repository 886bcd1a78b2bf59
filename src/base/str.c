/*
 * str.c - string helpers: constant-time comparison, strict integer parsing, hex, UTF-8
 * validation and the RFC 6749 3.3 scope list syntax.
 *
 * gh_ct_eq is written without OpenSSL: it accumulates differences through a volatile
 * variable over the whole of the shorter-or-equal length, so its running time depends only
 * on the lengths, never on where the strings differ. gh_str_to_i64 replaces atoi/strtol
 * with a parser that accepts exactly an optional '-' and decimal digits. gh_str_utf8
 * implements the well-formed byte sequences of Unicode 15 table 3-7 (RFC 3629 section 4):
 * no overlong forms, no surrogates, nothing above U+10FFFF, and additionally no NUL.
 * Locale-dependent functions (isalpha, strcasecmp) are avoided on purpose.
 */
#include "base/str.h"

#include <stdint.h>
#include <string.h>

#include "base/limits.h"

bool gh_ct_eq(const void *a, size_t alen, const void *b, size_t blen)
{
    const volatile unsigned char *x = a;
    const volatile unsigned char *y = b;
    volatile unsigned char acc = 0;
    size_t i;

    /* Different lengths are unequal, but we still walk the bytes so that the time does
     * not reveal how far a prefix matched. Compare a against itself in that case. */
    if (alen != blen) {
        y = x;
        acc = 1;
    }
    for (i = 0; i < alen; i++)
        acc |= (unsigned char)(x[i] ^ y[i]);
    return acc == 0;
}

bool gh_ct_streq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    return gh_ct_eq(a, strlen(a), b, strlen(b));
}

bool gh_str_startswith(const char *s, const char *prefix)
{
    size_t n;
    if (!s || !prefix)
        return false;
    n = strlen(prefix);
    return strncmp(s, prefix, n) == 0;
}

static unsigned char ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool gh_str_caseeq(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;
    if (!a || !b)
        return false;
    while (*x && *y) {
        if (ascii_lower(*x) != ascii_lower(*y))
            return false;
        x++;
        y++;
    }
    return *x == *y;
}

gh_err gh_str_to_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    bool neg = false;
    uint64_t acc = 0, limit;
    int64_t v;

    if (!s)
        return GH_EINVAL;
    if (*s == '-') {
        neg = true;
        s++;
    }
    if (*s < '0' || *s > '9')
        return GH_EINVAL;
    /* The magnitude may reach 2^63 for INT64_MIN. */
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; *s; s++) {
        unsigned d;
        if (*s < '0' || *s > '9')
            return GH_EINVAL;
        d = (unsigned)(*s - '0');
        if (acc > (limit - d) / 10)
            return GH_EINVAL;
        acc = acc * 10 + d;
    }
    if (neg)
        v = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else
        v = (int64_t)acc;
    if (v < min || v > max)
        return GH_EINVAL;
    *out = v;
    return GH_OK;
}

void gh_hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

bool gh_str_printable(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e)
            return false;
    }
    return true;
}

bool gh_str_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned char c;
        unsigned char lo = 0x80, hi = 0xbf;
        size_t len, k;

        /* ASCII without NUL, eight bytes at a time: no byte has its high bit set and no
         * byte is zero (the classic "has zero byte" test). */
        while (n - i >= 8) {
            uint64_t w;

            memcpy(&w, u + i, 8);
            if (((w | ((w - 0x0101010101010101ULL) & ~w)) & 0x8080808080808080ULL) != 0)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        c = u[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        /* Unicode table 3-7: the second byte's range depends on the first. */
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
        } else if (c == 0xe0) {
            len = 3;
            lo = 0xa0; /* no overlong 3-byte forms */
        } else if (c == 0xed) {
            len = 3;
            hi = 0x9f; /* no surrogates U+D800..U+DFFF */
        } else if (c >= 0xe1 && c <= 0xef) {
            len = 3;
        } else if (c == 0xf0) {
            len = 4;
            lo = 0x90; /* no overlong 4-byte forms */
        } else if (c >= 0xf1 && c <= 0xf3) {
            len = 4;
        } else if (c == 0xf4) {
            len = 4;
            hi = 0x8f; /* nothing above U+10FFFF */
        } else {
            return false; /* 0x80..0xc1 (continuation or overlong lead), 0xf5..0xff */
        }
        if (n - i < len)
            return false;
        if (u[i + 1] < lo || u[i + 1] > hi)
            return false;
        for (k = 2; k < len; k++) {
            if (u[i + k] < 0x80 || u[i + k] > 0xbf)
                return false;
        }
        i += len;
    }
    return true;
}

bool gh_strv_has(const gh_strv *list, const char *s)
{
    size_t i;
    if (!list || !s)
        return false;
    for (i = 0; i < list->n; i++) {
        if (list->v[i] && strcmp(list->v[i], s) == 0)
            return true;
    }
    return false;
}

/* SPEC: RFC6749 3.3 - scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static bool scope_char(unsigned char c)
{
    return c == 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e);
}

gh_err gh_strv_split_scope(gh_arena *a, const char *s, size_t max, gh_strv *out)
{
    size_t len, i, start, count = 0, k = 0;
    const char **v;

    out->v = NULL;
    out->n = 0;
    if (!s || !*s)
        return GH_OK;
    len = strlen(s);
    /* First pass: validate and count, so the array is allocated once. */
    start = 0;
    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == ' ') {
            /* SPEC: RFC6749 3.3 - tokens are delimited by single spaces; none is empty. */
            if (i == start)
                return GH_EINVAL;
            if (i - start > GH_LIMIT_SCOPE_TOKEN)
                return GH_ETOOBIG;
            count++;
            if (count > max)
                return GH_ETOOBIG;
            start = i + 1;
        } else if (!scope_char((unsigned char)s[i])) {
            return GH_EINVAL;
        }
    }
    v = GH_ARENA_NEWN(a, const char *, count);
    start = 0;
    for (i = 0; i <= len; i++) {
        if (i == len || s[i] == ' ') {
            v[k++] = gh_arena_strndup(a, s + start, i - start);
            start = i + 1;
        }
    }
    out->v = v;
    out->n = count;
    return GH_OK;
}

char *gh_strv_join(gh_arena *a, const gh_strv *list)
{
    size_t total = 0, i, o = 0, l;
    char *out;

    if (!list)
        return gh_arena_strdup(a, "");
    for (i = 0; i < list->n; i++)
        total += strlen(list->v[i]) + 1;
    out = gh_arena_alloc(a, total + 1);
    for (i = 0; i < list->n; i++) {
        if (i > 0)
            out[o++] = ' ';
        l = strlen(list->v[i]);
        memcpy(out + o, list->v[i], l);
        o += l;
    }
    out[o] = '\0';
    return out;
}
