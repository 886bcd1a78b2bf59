/*
 * test_openapi.c - docs/openapi/admin.yaml against the route table: every admin route's path
 * ("<path>/{id}" for a WITH_ID route) and every method it allows are documented, and every
 * documented path and method is served by an admin route. HEAD is implied by GET (the table
 * allows HEAD wherever it allows GET; OpenAPI documents it with the GET operation).
 *
 * The YAML is read as text with the layout the file's header promises: under the top-level
 * "paths:" key, a path is a line "  /<path>:" and an operation a line "    <method>:".
 * Nothing else of the document is interpreted here (its schemas are checked by the black-box
 * tests that use the API). The test runs in tests/unit/http (CTest's WORKING_DIRECTORY).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

#define OPENAPI_FILE "../../../docs/openapi/admin.yaml"
#define OPENAPI_MAX (1024 * 1024)
#define DOC_PATHS_MAX 128
#define DOC_PATH_LEN 256

typedef struct doc_path {
    char path[DOC_PATH_LEN];
    unsigned methods; /* GH_HTTP_M_* bits */
    int line;
} doc_path;

typedef struct doc {
    doc_path paths[DOC_PATHS_MAX];
    size_t n;
    bool has_paths_key;
    bool openapi3;
} doc;

static const struct {
    const char *name;
    unsigned bit;
} doc_methods[] = {
    {"get", GH_HTTP_M_GET},     {"head", GH_HTTP_M_HEAD},       {"post", GH_HTTP_M_POST},
    {"put", GH_HTTP_M_PUT},     {"delete", GH_HTTP_M_DELETE},   {"patch", GH_HTTP_M_PATCH},
    {"options", GH_HTTP_M_OPTIONS},
};

/* Length of the line at s (up to '\n' or the end), without a trailing '\r' and spaces. */
static size_t line_len(const char *s, const char *end, const char **next)
{
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *e = nl != NULL ? nl : end;

    *next = nl != NULL ? nl + 1 : end;
    while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
        e--;
    return (size_t)(e - s);
}

static size_t indent_of(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && s[i] == ' ')
        i++;
    return i;
}

/* Parses the paths section of an OpenAPI text into d. Returns false (with a message printed)
 * on a layout it does not understand: a duplicate path, too many paths, an operation outside a
 * path, a path too long. */
static bool doc_parse(const char *text, size_t len, doc *d)
{
    const char *p = text, *end = text + len, *next;
    bool in_paths = false;
    int line = 0;

    memset(d, 0, sizeof(*d));
    while (p < end) {
        size_t n = line_len(p, end, &next), ind;
        const char *s = p;

        line++;
        p = next;
        if (n == 0)
            continue;
        ind = indent_of(s, n);
        if (ind == n || s[ind] == '#')
            continue;
        if (ind == 0) {
            in_paths = (n == 6 && memcmp(s, "paths:", 6) == 0);
            if (in_paths)
                d->has_paths_key = true;
            if (n >= 12 && memcmp(s, "openapi: 3.0", 12) == 0)
                d->openapi3 = true;
            continue;
        }
        if (!in_paths)
            continue;
        if (ind == 2 && s[2] == '/' && s[n - 1] == ':') {
            size_t plen = n - 3, i;

            if (plen >= DOC_PATH_LEN || d->n == DOC_PATHS_MAX) {
                print_error("%s:%d: path too long or too many paths\n", OPENAPI_FILE, line);
                return false;
            }
            for (i = 0; i < d->n; i++) {
                if (strlen(d->paths[i].path) == plen && memcmp(d->paths[i].path, s + 2, plen) == 0) {
                    print_error("%s:%d: path %.*s documented twice\n", OPENAPI_FILE, line,
                                (int)plen, s + 2);
                    return false;
                }
            }
            memcpy(d->paths[d->n].path, s + 2, plen);
            d->paths[d->n].path[plen] = '\0';
            d->paths[d->n].line = line;
            d->n++;
            continue;
        }
        if (ind == 4 && s[n - 1] == ':') {
            size_t k, mlen = n - 5;

            for (k = 0; k < sizeof(doc_methods) / sizeof(doc_methods[0]); k++) {
                if (strlen(doc_methods[k].name) == mlen &&
                    memcmp(s + 4, doc_methods[k].name, mlen) == 0)
                    break;
            }
            if (k == sizeof(doc_methods) / sizeof(doc_methods[0]))
                continue; /* parameters:, summary:, ... */
            if (d->n == 0) {
                print_error("%s:%d: an operation outside a path\n", OPENAPI_FILE, line);
                return false;
            }
            d->paths[d->n - 1].methods |= doc_methods[k].bit;
        }
    }
    return true;
}

static char *read_file(const char *name, size_t *out_len)
{
    FILE *f = fopen(name, "rb");
    char *buf;
    size_t n;

    if (f == NULL)
        return NULL;
    buf = malloc(OPENAPI_MAX + 1);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, OPENAPI_MAX + 1, f);
    fclose(f);
    if (n > OPENAPI_MAX) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *out_len = n;
    return buf;
}

/* The documented form of a route's path: "<path>" or "<path>/{id}". */
static void route_doc_path(const gh_http_route *r, char *out, size_t outlen)
{
    int w = snprintf(out, outlen, "%s%s", r->path, r->match == GH_HTTP_WITH_ID ? "/{id}" : "");

    assert_true(w > 0 && (size_t)w < outlen);
}

static const doc_path *doc_find(const doc *d, const char *path)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        if (strcmp(d->paths[i].path, path) == 0)
            return &d->paths[i];
    }
    return NULL;
}

/* The methods a route is documented with: HEAD is implied by GET. */
static unsigned documented_bits(unsigned route_methods)
{
    unsigned bits = route_methods;

    if (bits & GH_HTTP_M_GET)
        bits &= ~(unsigned)GH_HTTP_M_HEAD;
    return bits;
}

static void load(doc *d)
{
    size_t len = 0;
    char *text = read_file(OPENAPI_FILE, &len);

    if (text == NULL)
        fail_msg("cannot read %s (run from tests/unit/http)", OPENAPI_FILE);
    assert_true(doc_parse(text, len, d));
    free(text);
    assert_true(d->openapi3);
    assert_true(d->has_paths_key);
}

static void test_parser(void **state)
{
    static const char text[] = "openapi: 3.0.3\n"
                               "info:\n"
                               "  title: x\n"
                               "  /not-a-path-outside-paths:\n"
                               "paths:\n"
                               "  # a comment\n"
                               "  /a:\n"
                               "    parameters:\n"
                               "      - name: id\n"
                               "    get:\n"
                               "      responses:\n"
                               "        get:\n"
                               "    delete:   \r\n"
                               "\n"
                               "  /a/{id}:\n"
                               "    put:\n"
                               "components:\n"
                               "  /b:\n"
                               "    post:\n";
    doc *d = malloc(sizeof(*d));
    (void)state;

    assert_non_null(d);
    assert_true(doc_parse(text, sizeof(text) - 1, d));
    assert_true(d->openapi3);
    assert_true(d->has_paths_key);
    assert_int_equal(d->n, 2);
    assert_string_equal(d->paths[0].path, "/a");
    assert_int_equal(d->paths[0].methods, GH_HTTP_M_GET | GH_HTTP_M_DELETE);
    assert_string_equal(d->paths[1].path, "/a/{id}");
    assert_int_equal(d->paths[1].methods, GH_HTTP_M_PUT);
    assert_null(doc_find(d, "/b"));

    /* a path documented twice is an error, not a merge */
    {
        static const char dup[] = "paths:\n  /a:\n    get:\n  /a:\n    put:\n";
        assert_false(doc_parse(dup, sizeof(dup) - 1, d));
    }
    free(d);
}

static void test_every_admin_route_is_documented(void **state)
{
    doc *d = malloc(sizeof(*d));
    const gh_http_route *routes;
    size_t n, i, admin = 0;
    char path[DOC_PATH_LEN + 8];
    (void)state;

    assert_non_null(d);
    load(d);
    routes = gh_http__routes(&n);
    for (i = 0; i < n; i++) {
        const gh_http_route *r = &routes[i];
        const doc_path *p;
        unsigned want, missing;

        if (r->listener != GH_HTTP_ADMIN)
            continue;
        admin++;
        route_doc_path(r, path, sizeof(path));
        p = doc_find(d, path);
        if (p == NULL)
            fail_msg("admin route %s (%s) is not in %s", path, r->name, OPENAPI_FILE);
        want = documented_bits(r->methods);
        missing = want & ~p->methods;
        if (missing != 0) {
            char allow[64];
            gh_http__allow_header(missing, allow, sizeof(allow));
            fail_msg("admin route %s allows %s, which %s:%d does not document", path, allow,
                     OPENAPI_FILE, p->line);
        }
    }
    assert_true(admin >= 10);
    free(d);
}

static void test_every_documented_path_is_served(void **state)
{
    doc *d = malloc(sizeof(*d));
    const gh_http_route *routes;
    size_t n, i, j;
    char path[DOC_PATH_LEN + 8];
    (void)state;

    assert_non_null(d);
    load(d);
    assert_true(d->n >= 10);
    routes = gh_http__routes(&n);
    for (j = 0; j < d->n; j++) {
        const doc_path *p = &d->paths[j];
        const gh_http_route *found = NULL;
        unsigned extra;

        for (i = 0; i < n && found == NULL; i++) {
            if (routes[i].listener != GH_HTTP_ADMIN)
                continue;
            route_doc_path(&routes[i], path, sizeof(path));
            if (strcmp(path, p->path) == 0)
                found = &routes[i];
        }
        if (found == NULL)
            fail_msg("%s:%d documents %s, which the admin listener does not serve", OPENAPI_FILE,
                     p->line, p->path);
        if (p->methods == 0)
            fail_msg("%s:%d: %s documents no operation", OPENAPI_FILE, p->line, p->path);
        extra = p->methods & ~found->methods;
        if (extra != 0) {
            char allow[64];
            gh_http__allow_header(extra, allow, sizeof(allow));
            fail_msg("%s:%d documents %s %s, which the route %s does not allow", OPENAPI_FILE,
                     p->line, allow, p->path, found->name);
        }
    }
    free(d);
}

/* The table matches a path the way server.c does: a documented "{id}" path is reachable. */
static void test_documented_paths_match(void **state)
{
    doc *d = malloc(sizeof(*d));
    size_t j;
    (void)state;

    assert_non_null(d);
    load(d);
    for (j = 0; j < d->n; j++) {
        char concrete[DOC_PATH_LEN + 8];
        const char *p = d->paths[j].path;
        const char *brace = strstr(p, "{id}");
        gh_http_match_result m;

        if (brace != NULL) {
            int w = snprintf(concrete, sizeof(concrete), "%.*srotate%s", (int)(brace - p), p,
                             brace + 4);
            assert_true(w > 0 && (size_t)w < sizeof(concrete));
        } else {
            int w = snprintf(concrete, sizeof(concrete), "%s", p);
            assert_true(w > 0 && (size_t)w < sizeof(concrete));
        }
        gh_http__route_find(GH_HTTP_ADMIN, NULL, concrete, strlen(concrete), &m);
        if (m.route == NULL)
            fail_msg("%s (documented at line %d) finds no admin route", concrete,
                     d->paths[j].line);
        if (brace != NULL) {
            assert_int_equal(m.arg_len, 6);
            assert_memory_equal(m.arg, "rotate", 6);
        }
    }
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parser),
        cmocka_unit_test(test_every_admin_route_is_documented),
        cmocka_unit_test(test_every_documented_path_is_served),
        cmocka_unit_test(test_documented_paths_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
