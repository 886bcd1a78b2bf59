/*
 * html.c - the HTML of the built-in pages: escaping, a small template substitution, the page
 * shell with its one inline stylesheet, the form_post page, and each page's
 * Content-Security-Policy.
 *
 * Escaping is always on: a template names its variables ("{{name}}") and each variable says
 * what it is. Text is escaped for HTML text and quoted attributes (& < > " '), URLs for href
 * and src are kept only when they are http(s) (no javascript:, data: or relative URLs from a
 * client's metadata), and the only HTML emitted as is comes from this renderer itself
 * (gh_ui_html). There is no conditional or loop syntax: callers render list items one by one
 * and join them, so the templates stay plain HTML.
 *
 * Pages use no JavaScript and no meta refresh (DESIGN.md, HTML form contract); the one
 * exception is the form_post page (OAuth 2.0 Form Post Response Mode, section 2), whose one
 * auto-submit script is allowed by its hash and which also works without it (a button in
 * <noscript>). The stylesheet and the script are allowed by their SHA-256 (CSP Level 3
 * hash-source), so the policy needs no 'unsafe-inline'.
 *
 * Not here: what the pages say (login.c, consent.c, ...) or how they are sent (page.c).
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/limits.h"
#include "base/str.h"
#include "ui/ui_int.h"

/* Readable on a phone: a narrow column, the system font, large touch targets. */
static const char STYLE[] =
    ":root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--mute:#57606a;--line:#d0d7de;"
    "--accent:#0b57d0;--warn:#9a3412}"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--mute:#9da7b3;"
    "--line:#30363d;--accent:#6ea8fe;--warn:#fdba74}}"
    "*{box-sizing:border-box}"
    "body{margin:0;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "font-size:1.0625rem;line-height:1.5;color:var(--fg);background:var(--bg)}"
    "main{max-width:32rem;margin:0 auto;padding:1.5rem 1rem 3rem}"
    "h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}"
    "p{margin:.5rem 0 1rem}small,.mute{color:var(--mute)}"
    "a{color:var(--accent)}"
    "fieldset{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem;"
    "margin:0 0 1rem}"
    "legend{padding:0 .25rem;font-weight:600}"
    "label{display:block;margin:.25rem 0}"
    "input[type=text],input[type=password]{display:block;width:100%;min-height:2.75rem;"
    "padding:.5rem .75rem;margin:.25rem 0 1rem;font:inherit;color:inherit;"
    "background:transparent;border:1px solid var(--line);border-radius:.375rem}"
    ".check{display:flex;gap:.75rem;align-items:flex-start;padding:.5rem 0;min-height:2.75rem}"
    ".check input{width:1.375rem;height:1.375rem;margin:.125rem 0 0;flex:none}"
    ".check code{font-size:.875rem;color:var(--mute)}"
    ".sensitive{color:var(--warn);font-weight:600}"
    ".actions{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}"
    "button{min-height:2.75rem;min-width:7rem;padding:.5rem 1.25rem;font:inherit;"
    "font-weight:600;border-radius:.375rem;border:1px solid var(--line);cursor:pointer;"
    "color:var(--fg);background:transparent}"
    "button.primary{background:var(--accent);border-color:var(--accent);color:#fff}"
    ".error{border-left:4px solid var(--warn);padding:.5rem .75rem;margin:0 0 1rem}"
    ".app{display:flex;gap:.75rem;align-items:center;margin:0 0 1rem}"
    ".app img{width:3rem;height:3rem;object-fit:contain;border-radius:.375rem}"
    "ul.grants{list-style:none;padding:0;margin:0}"
    "ul.grants>li{border-top:1px solid var(--line);padding:1rem 0}"
    "ul.scopes{padding-left:1.25rem;margin:.25rem 0 .75rem}";

static const char SCRIPT[] = "document.forms[0].submit();";

static const char SHELL[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<meta name=\"referrer\" content=\"no-referrer\">\n"
    "<title>{{title}}</title>\n<style>{{style}}</style>\n</head>\n<body>\n<main>\n"
    "{{body}}</main>\n</body>\n</html>\n";

static const char FORM_POST[] =
    "<h1>Returning to the application</h1>\n"
    "<form method=\"post\" action=\"{{action}}\">\n{{inputs}}"
    "<noscript><p>JavaScript is off: press the button to continue.</p>\n"
    "<div class=\"actions\"><button type=\"submit\" class=\"primary\">Continue</button></div>"
    "</noscript>\n</form>\n<script>{{script}}</script>\n";

static const char HIDDEN[] = "<input type=\"hidden\" name=\"{{name}}\" value=\"{{value}}\">\n";

static const char *escape_of(char c)
{
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\'':
        return "&#39;";
    default:
        return NULL;
    }
}

static gh_err add_escaped(gh_buf *b, const char *s)
{
    const char *run = s;
    gh_err err;

    if (s == NULL)
        return GH_OK;
    for (; *s != '\0'; s++) {
        const char *rep = escape_of(*s);
        if (rep == NULL)
            continue;
        err = gh_buf_add(b, run, (size_t)(s - run));
        if (err == GH_OK)
            err = gh_buf_adds(b, rep);
        if (err != GH_OK)
            return err;
        run = s + 1;
    }
    return gh_buf_add(b, run, (size_t)(s - run));
}

char *gh_ui__escape(gh_arena *a, const char *s)
{
    gh_buf b;
    char *out;

    gh_buf_init(&b, GH_UI_PAGE_MAX);
    if (add_escaped(&b, s) != GH_OK) {
        gh_buf_clear(&b);
        return gh_arena_strdup(a, "");
    }
    out = gh_arena_strdup(a, gh_buf_str(&b));
    gh_buf_clear(&b);
    return out;
}

bool gh_ui__url_ok(const char *s)
{
    const char *host;
    size_t i;

    if (s == NULL)
        return false;
    if (strncasecmp(s, "https://", 8) == 0)
        host = s + 8;
    else if (strncasecmp(s, "http://", 7) == 0)
        host = s + 7;
    else
        return false;
    if (*host == '\0' || *host == '/' || *host == '?' || *host == '#')
        return false;
    for (i = 0; s[i] != '\0'; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f)
            return false;
        if (i >= GH_LIMIT_URI)
            return false;
    }
    return true;
}

static const gh_ui_var *var_find(const gh_ui_var *vars, size_t n, const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
            return &vars[i];
    }
    return NULL;
}

static gh_err buf_to_html(gh_arena *a, gh_buf *b, gh_ui_html *out)
{
    out->len = b->len;
    out->s = gh_arena_memdup(a, gh_buf_str(b), b->len + 1);
    return GH_OK;
}

gh_err gh_ui__render(gh_arena *a, const char *tpl, const gh_ui_var *vars, size_t n_vars,
                     gh_ui_html *out)
{
    gh_buf b;
    const char *p = tpl;
    gh_err err = GH_OK;

    out->s = "";
    out->len = 0;
    gh_buf_init(&b, GH_UI_PAGE_MAX);
    for (;;) {
        const char *open = strstr(p, "{{"), *close;
        const gh_ui_var *v;

        if (open == NULL) {
            err = gh_buf_adds(&b, p);
            break;
        }
        close = strstr(open + 2, "}}");
        if (close == NULL) {
            err = GH_EINVAL;
            break;
        }
        v = var_find(vars, n_vars, open + 2, (size_t)(close - open - 2));
        if (v == NULL) {
            err = GH_EINVAL;
            break;
        }
        err = gh_buf_add(&b, p, (size_t)(open - p));
        if (err != GH_OK)
            break;
        switch (v->kind) {
        case GH_UI_V_TEXT:
            err = add_escaped(&b, v->text);
            break;
        case GH_UI_V_URL:
            /* Only http(s): a client's logo_uri or client_uri of "javascript:..." is dropped,
             * never emitted. */
            err = gh_ui__url_ok(v->text) ? add_escaped(&b, v->text) : GH_OK;
            break;
        case GH_UI_V_HTML:
            if (v->html != NULL)
                err = gh_buf_add(&b, v->html->s, v->html->len);
            break;
        default:
            err = GH_EINVAL;
            break;
        }
        if (err != GH_OK)
            break;
        p = close + 2;
    }
    if (err == GH_OK)
        err = buf_to_html(a, &b, out);
    gh_buf_clear(&b);
    return err;
}

gh_err gh_ui__join(gh_arena *a, const gh_ui_html *parts, size_t n, gh_ui_html *out)
{
    size_t i, len = 0;
    char *s;

    for (i = 0; i < n; i++) {
        if (parts[i].len > GH_UI_PAGE_MAX - len)
            return GH_ETOOBIG;
        len += parts[i].len;
    }
    s = gh_arena_alloc(a, len + 1);
    len = 0;
    for (i = 0; i < n; i++) {
        memcpy(s + len, parts[i].s, parts[i].len);
        len += parts[i].len;
    }
    s[len] = '\0';
    out->s = s;
    out->len = len;
    return GH_OK;
}

gh_err gh_ui__page(gh_arena *a, const char *title, const gh_ui_html *body, gh_ui_html *out)
{
    /* The stylesheet is ours (a constant, no "</style"): it goes in byte for byte, which is
     * what its CSP hash covers. Escaping it would change the quotes in font names. */
    const gh_ui_html style = {STYLE, sizeof(STYLE) - 1};
    const char *full = gh_arena_printf(a, "%s - gatehouse", title != NULL ? title : "gatehouse");
    const gh_ui_var vars[] = {
        GH_UI_TEXT("title", full),
        GH_UI_HTML("style", &style),
        GH_UI_HTML("body", body),
    };

    return gh_ui__render(a, SHELL, vars, sizeof(vars) / sizeof(vars[0]), out);
}

gh_err gh_ui__form_post_page(gh_arena *a, const char *action, const json_t *params,
                             gh_ui_html *out)
{
    const gh_ui_html script = {SCRIPT, sizeof(SCRIPT) - 1};
    gh_ui_html *items, inputs, body;
    const char *key;
    json_t *val;
    size_t n = 0;
    gh_err err;

    if (!gh_ui__url_ok(action) || !json_is_object(params))
        return GH_EINVAL;
    items = GH_ARENA_NEWN(a, gh_ui_html, json_object_size(params) + 1);
    json_object_foreach((json_t *)params, key, val)
    {
        const gh_ui_var vars[] = {
            GH_UI_TEXT("name", key),
            GH_UI_TEXT("value", json_is_string(val) ? json_string_value(val) : ""),
        };
        if (!json_is_string(val))
            continue;
        err = gh_ui__render(a, HIDDEN, vars, 2, &items[n]);
        if (err != GH_OK)
            return err;
        n++;
    }
    err = gh_ui__join(a, items, n, &inputs);
    if (err != GH_OK)
        return err;
    {
        const gh_ui_var vars[] = {
            GH_UI_URL("action", action),
            GH_UI_HTML("inputs", &inputs),
            GH_UI_HTML("script", &script),
        };
        err = gh_ui__render(a, FORM_POST, vars, 3, &body);
    }
    if (err != GH_OK)
        return err;
    return gh_ui__page(a, "Returning to the application", &body, out);
}

/* Standard base64 with padding (RFC 4648 4), which CSP hash-sources use (CSP3 2.3.1). */
static char *b64_std(gh_arena *a, const unsigned char *in, size_t n)
{
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = gh_arena_alloc(a, (n + 2) / 3 * 4 + 1);
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = alpha[v >> 6 & 63];
        out[o++] = alpha[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0);
        out[o++] = alpha[v >> 18 & 63];
        out[o++] = alpha[v >> 12 & 63];
        out[o++] = i + 1 < n ? alpha[v >> 6 & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static char *hash_source(gh_arena *a, const char *s, size_t n)
{
    unsigned char h[GH_SHA256_LEN];

    gh_sha256(s, n, h);
    return gh_arena_printf(a, "'sha256-%s'", b64_std(a, h, sizeof(h)));
}

char *gh_ui__style_hash(gh_arena *a)
{
    return hash_source(a, STYLE, sizeof(STYLE) - 1);
}

char *gh_ui__script_hash(gh_arena *a)
{
    return hash_source(a, SCRIPT, sizeof(SCRIPT) - 1);
}

char *gh_ui__csp(gh_arena *a, const char *form_action, bool script)
{
    return gh_arena_printf(a,
                           "default-src 'none'; style-src %s; img-src https:; %s%s%s%s%s"
                           "frame-ancestors 'none'; base-uri 'none'",
                           gh_ui__style_hash(a), script ? "script-src " : "",
                           script ? gh_ui__script_hash(a) : "", script ? "; " : "",
                           form_action != NULL ? "form-action " : "",
                           form_action != NULL ? gh_arena_printf(a, "%s; ", form_action) : "");
}

/* Characters a CSP host-source may carry (CSP3 2.3.1: host-char, '.', ':' port, and the
 * brackets of an IPv6 literal, which browsers accept). */
static bool origin_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == ':' || c == '[' || c == ']';
}

char *gh_ui__origin(gh_arena *a, const char *url)
{
    const char *host, *end;
    size_t scheme_len;

    if (!gh_ui__url_ok(url))
        return NULL;
    scheme_len = (url[4] == 's' || url[4] == 'S') ? 5 : 4;
    host = url + scheme_len + 3;
    end = host + strcspn(host, "/?#");
    if (memchr(host, '@', (size_t)(end - host)) != NULL)
        return NULL; /* userinfo: not an origin we write into a policy */
    for (const char *p = host; p < end; p++) {
        if (!origin_char(*p))
            return NULL;
    }
    return gh_arena_printf(a, "%s://%.*s", scheme_len == 5 ? "https" : "http", (int)(end - host),
                           host);
}

char *gh_ui__time(gh_arena *a, int64_t t)
{
    static const char *const months[] = {"January", "February", "March",     "April",
                                         "May",     "June",     "July",      "August",
                                         "September", "October", "November", "December"};
    struct tm tm;
    time_t tt = (time_t)t;

    if (gmtime_r(&tt, &tm) == NULL || tm.tm_mon < 0 || tm.tm_mon > 11)
        return gh_arena_strdup(a, "unknown");
    return gh_arena_printf(a, "%d %s %d, %02d:%02d UTC", tm.tm_mday, months[tm.tm_mon],
                           tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
}
