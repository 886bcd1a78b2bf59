/*
 * form.c - application/x-www-form-urlencoded parsing (WHATWG URL standard, section 5.1
 * "application/x-www-form-urlencoded parsing") and percent-encoding (RFC 3986 2.1, 2.3).
 *
 * The parser follows WHATWG: the input is split on '&', empty sequences are skipped, each
 * sequence splits at its first '=', '+' becomes a space and the rest is percent-decoded.
 * Where WHATWG is lenient we are strict, because OAuth parameters are compared byte for
 * byte and ambiguity helps attackers: a '%' not followed by two hex digits, %00 and
 * decoded bytes that are not UTF-8 are rejected with GH_EINVAL instead of being passed
 * through or replaced. Bounds come from limits.h and give GH_ETOOBIG.
 * Pairs keep their order and repeats (RFC 6749 3.1: parameters MUST NOT be included more
 * than once, which gh_form_get_one enforces). Charsets other than UTF-8 are not supported.
 */
#include "base/form.h"

#include <string.h>

#include "base/limits.h"
#include "base/str.h"

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into a new arena string; GH_ETOOBIG if the result passes max bytes. */
static gh_err decode(gh_arena *a, const char *s, size_t n, int plus_is_space, size_t max,
                     char **out, size_t *out_len)
{
    char *buf;
    size_t i = 0, o = 0;

    *out = NULL;
    *out_len = 0;
    /* Decoding never lengthens, so n + 1 bytes is enough. */
    buf = gh_arena_alloc(a, n + 1);
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t run = i;

        /* A run of bytes that stand for themselves is copied at once. */
        while (run < n && s[run] != '%' && s[run] != '+' && s[run] != '\0')
            run++;
        if (run > i) {
            if (run - i > max - o)
                return GH_ETOOBIG;
            memcpy(buf + o, s + i, run - i);
            o += run - i;
            i = run;
            continue;
        }
        if (o >= max)
            return GH_ETOOBIG;
        if (c == '%') {
            int hi, lo;
            if (n - i < 3)
                return GH_EINVAL;
            hi = hexval((unsigned char)s[i + 1]);
            lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0)
                return GH_EINVAL;
            c = (unsigned char)(hi * 16 + lo);
            i += 3;
        } else {
            if (c == '+' && plus_is_space)
                c = ' ';
            i++;
        }
        /* A NUL byte, literal or escaped, would truncate the value for C callers. */
        if (c == 0)
            return GH_EINVAL;
        buf[o++] = (char)c;
    }
    buf[o] = '\0';
    if (!gh_str_utf8(buf, o))
        return GH_EINVAL;
    *out = buf;
    *out_len = o;
    return GH_OK;
}

gh_err gh_url_decode(gh_arena *a, const char *s, size_t n, int plus_is_space, char **out,
                     size_t *out_len)
{
    return decode(a, s, n, plus_is_space, (size_t)-1, out, out_len);
}

gh_err gh_form_parse(gh_arena *a, const char *s, size_t n, gh_form *out)
{
    gh_form_pair *pairs;
    size_t count = 0, cap = 0, i, start;
    gh_err err;

    out->pairs = NULL;
    out->n = 0;
    /* Upper bound on pairs: one more than the number of '&', and never past the limit. */
    for (i = 0; i < n; i++) {
        if (s[i] == '&')
            cap++;
    }
    cap++;
    if (cap > GH_LIMIT_FORM_PARAMS)
        cap = GH_LIMIT_FORM_PARAMS;
    pairs = GH_ARENA_NEWN(a, gh_form_pair, cap);

    start = 0;
    while (start < n) {
        const char *seq = s + start;
        const char *amp = memchr(seq, '&', n - start);
        size_t seqlen = amp ? (size_t)(amp - seq) : n - start;
        const char *eq = memchr(seq, '=', seqlen);
        size_t namelen = eq ? (size_t)(eq - seq) : seqlen;
        char *name, *value;
        size_t name_len, value_len;

        start += seqlen + 1;
        if (seqlen == 0)
            continue; /* WHATWG: empty sequences ("a=1&&b=2") are skipped */
        err = decode(a, seq, namelen, 1, GH_LIMIT_PARAM_NAME, &name, &name_len);
        if (err != GH_OK)
            return err;
        if (eq) {
            err = decode(a, eq + 1, seqlen - namelen - 1, 1, GH_LIMIT_PARAM_VALUE, &value,
                         &value_len);
            if (err != GH_OK)
                return err;
        } else {
            value = gh_arena_strdup(a, "");
            value_len = 0;
        }
        if (name_len == 0)
            continue;
        if (count >= GH_LIMIT_FORM_PARAMS)
            return GH_ETOOBIG;
        pairs[count].name = name;
        pairs[count].value = value;
        pairs[count].value_len = value_len;
        count++;
    }
    out->pairs = pairs;
    out->n = count;
    return GH_OK;
}

static bool unreserved(unsigned char c)
{
    /* SPEC: RFC3986 2.3 - unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

char *gh_url_encode(gh_arena *a, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n, i, o = 0;
    char *out;

    if (!s)
        return NULL;
    n = strlen(s);
    out = gh_arena_alloc(a, 3 * n + 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            out[o++] = (char)c;
        } else {
            /* SPEC: RFC3986 2.1 - producers should use uppercase hex digits. */
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return out;
}

size_t gh_form_count(const gh_form *f, const char *name)
{
    size_t i, k = 0;
    if (!f || !name)
        return 0;
    for (i = 0; i < f->n; i++) {
        if (strcmp(f->pairs[i].name, name) == 0)
            k++;
    }
    return k;
}

gh_err gh_form_get_one(const gh_form *f, const char *name, const char **out)
{
    const char *found = NULL;
    size_t i, seen = 0;

    *out = NULL;
    if (!f || !name)
        return GH_OK;
    for (i = 0; i < f->n; i++) {
        if (strcmp(f->pairs[i].name, name) != 0)
            continue;
        seen++;
        if (f->pairs[i].value_len > 0 && !found)
            found = f->pairs[i].value;
    }
    /* SPEC: RFC6749 3.1 - request and response parameters MUST NOT be included more than
     * once. A repeat is a conflict even when one of the copies is empty: the sender meant
     * something ambiguous, and we refuse to guess. */
    if (seen > 1)
        return GH_ECONFLICT;
    /* SPEC: RFC6749 3.1 - parameters sent without a value MUST be treated as if they were
     * omitted from the request. */
    *out = found;
    return GH_OK;
}
