/*
 * test_yaml.c - the YAML reader of yaml.c: the node tree with its positions, null
 * recognition, and each refusal (aliases, anchors, tags, duplicate and non-scalar keys,
 * several documents, NUL characters, and the size, depth and count bounds), with the key
 * path in the message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "config/config_int.h"

static char errbuf[512];

static gh_err parse(gh_arena *a, const char *s, size_t n, gh_config__node **out)
{
    errbuf[0] = '\0';
    return gh_config__yaml_parse(a, "t.yaml", s, n, out, errbuf, sizeof errbuf);
}

static void expect_error(const char *yaml, const char *want)
{
    gh_arena *a = gh_arena_new(0);
    gh_config__node *root = NULL;
    gh_err e = parse(a, yaml, strlen(yaml), &root);
    if (e != GH_EINVAL || strcmp(errbuf, want) != 0) {
        print_error("yaml:\n%s\nwant: %s\ngot (%d): %s\n", yaml, want, (int)e, errbuf);
    }
    assert_int_equal(e, GH_EINVAL);
    assert_null(root);
    assert_string_equal(errbuf, want);
    gh_arena_free(a);
}

static void test_tree(void **state)
{
    (void)state;
    gh_arena *a = gh_arena_new(0);
    gh_config__node *root = NULL;
    const char *y = "a: 1\n"
                    "b:\n"
                    "  - x\n"
                    "  - 'null'\n"
                    "  - ~\n"
                    "  - {k: v, e: }\n"
                    "c: !!null x\n";
    assert_int_equal(parse(a, y, strlen(y), &root), GH_OK);
    assert_non_null(root);
    assert_int_equal(root->kind, GH_CONFIG__MAP);
    assert_int_equal(root->n, 3);
    const gh_config__node *va = root->first;
    assert_string_equal(va->key->value, "a");
    assert_int_equal(va->key->line, 1);
    assert_int_equal(va->key->col, 1);
    assert_int_equal(va->kind, GH_CONFIG__SCALAR);
    assert_string_equal(va->value, "1");
    assert_int_equal(va->len, 1);
    assert_int_equal(va->col, 4);
    assert_false(va->is_null);

    const gh_config__node *vb = va->next;
    assert_string_equal(vb->key->value, "b");
    assert_int_equal(vb->kind, GH_CONFIG__SEQ);
    assert_int_equal(vb->n, 4);
    const gh_config__node *it = vb->first;
    assert_null(it->key);
    assert_string_equal(it->value, "x");
    assert_int_equal(it->line, 3);
    assert_int_equal(it->col, 5);
    it = it->next;
    assert_string_equal(it->value, "null");
    assert_false(it->is_null); /* quoted: a string */
    it = it->next;
    assert_true(it->is_null);
    it = it->next;
    assert_int_equal(it->kind, GH_CONFIG__MAP);
    assert_int_equal(it->n, 2);
    assert_string_equal(it->first->value, "v");
    assert_true(it->last->is_null); /* empty plain */
    assert_int_equal(it->line, 6);
    assert_int_equal(it->col, 5);
    assert_null(it->next);

    const gh_config__node *vc = vb->next;
    assert_true(vc->is_null); /* tagged !!null */
    assert_ptr_equal(root->last, vc);
    assert_null(vc->next);
    gh_arena_free(a);
}

static void test_empty_stream(void **state)
{
    (void)state;
    gh_arena *a = gh_arena_new(0);
    gh_config__node *root = (gh_config__node *)1;
    assert_int_equal(parse(a, "", 0, &root), GH_OK);
    assert_null(root);
    assert_int_equal(parse(a, "# nothing\n", 10, &root), GH_OK);
    assert_null(root);
    gh_arena_free(a);
}

static void test_refusals(void **state)
{
    (void)state;
    expect_error("a: &x 1\n", "t.yaml:1:4: a: anchors and aliases are not allowed");
    expect_error("a: 1\nb: *x\n", "t.yaml:2:4: b: anchors and aliases are not allowed");
    expect_error("&x a: 1\n", "t.yaml:1:1: anchors and aliases are not allowed");
    expect_error("a: &x [1]\n", "t.yaml:1:4: a: anchors and aliases are not allowed");
    expect_error("a: &x {b: 1}\n", "t.yaml:1:4: a: anchors and aliases are not allowed");
    expect_error("a:\n  - b: 1\n    b: 2\n",
                 "t.yaml:3:5: a[0].b: duplicate key \"b\" (first at line 2)");
    expect_error("a:\n  - x\n  - y: !foo 1\n",
                 "t.yaml:3:8: a[1].y: tag !foo is not allowed (only the standard tags !!str "
                 "!!int !!bool !!null !!float !!map !!seq)");
    expect_error("a: !<tag:example.com,2000:x> 1\n",
                 "t.yaml:1:4: a: tag tag:example.com,2000:x is not allowed (only the standard "
                 "tags !!str !!int !!bool !!null !!float !!map !!seq)");
    expect_error("a: !!binary aGk=\n",
                 "t.yaml:1:4: a: tag tag:yaml.org,2002:binary is not allowed (only the "
                 "standard tags !!str !!int !!bool !!null !!float !!map !!seq)");
    expect_error("? [a]\n: b\n", "t.yaml:1:3: expected a plain key, not a sequence");
    expect_error("a:\n  ? {k: v}\n  : b\n", "t.yaml:2:5: a: expected a plain key, not a mapping");
    expect_error("a: 1\n---\nb: 2\n", "t.yaml:2:1: expected a single YAML document");
    expect_error("a: \"x\\0y\"\n", "t.yaml:1:4: a: value contains a NUL character");
}

static void test_bounds(void **state)
{
    (void)state;
    gh_arena *a = gh_arena_new(0);
    gh_config__node *root = NULL;
    gh_buf b;

    /* Depth: 16 nested sequences pass, 17 do not. */
    gh_buf_init(&b, 1 << 20);
    for (int i = 0; i < GH_CONFIG_MAX_DEPTH; i++) {
        assert_int_equal(gh_buf_adds(&b, "["), GH_OK);
    }
    for (int i = 0; i < GH_CONFIG_MAX_DEPTH; i++) {
        assert_int_equal(gh_buf_adds(&b, "]"), GH_OK);
    }
    assert_int_equal(parse(a, b.data, b.len, &root), GH_OK);
    gh_buf_reset(&b);
    for (int i = 0; i <= GH_CONFIG_MAX_DEPTH; i++) {
        assert_int_equal(gh_buf_adds(&b, "["), GH_OK);
    }
    assert_int_equal(parse(a, b.data, b.len, &root), GH_EINVAL);
    assert_string_equal(errbuf, "t.yaml:1:17: [0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: "
                                "nested deeper than 16 levels");

    /* Keys in one mapping. */
    gh_buf_reset(&b);
    for (int i = 0; i <= GH_CONFIG_MAX_MAP_KEYS; i++) {
        assert_int_equal(gh_buf_addf(&b, "k%d: 1\n", i), GH_OK);
    }
    assert_int_equal(parse(a, b.data, b.len, &root), GH_EINVAL);
    assert_string_equal(errbuf, "t.yaml:257:1: more than 256 keys in one mapping");

    /* Items in one sequence. */
    gh_buf_reset(&b);
    assert_int_equal(gh_buf_adds(&b, "s:\n"), GH_OK);
    for (int i = 0; i <= GH_CONFIG_MAX_SEQ_ITEMS; i++) {
        assert_int_equal(gh_buf_adds(&b, "- 1\n"), GH_OK);
    }
    assert_int_equal(parse(a, b.data, b.len, &root), GH_EINVAL);
    assert_string_equal(errbuf, "t.yaml:4098:3: s[4096]: more than 4096 items in one sequence");

    /* One scalar. */
    gh_buf_reset(&b);
    assert_int_equal(gh_buf_adds(&b, "s: "), GH_OK);
    for (int i = 0; i <= GH_CONFIG_MAX_SCALAR; i++) {
        assert_int_equal(gh_buf_adds(&b, "x"), GH_OK);
    }
    assert_int_equal(parse(a, b.data, b.len, &root), GH_EINVAL);
    assert_string_equal(errbuf, "t.yaml:1:4: s: value longer than 4096 bytes");

    /* The whole input. */
    assert_int_equal(parse(a, b.data, GH_CONFIG_MAX_FILE + 1, &root), GH_EINVAL);
    assert_string_equal(errbuf, "t.yaml:1:1: larger than 1048576 bytes");
    gh_buf_clear(&b);
    gh_arena_free(a);
}

static void test_billion_laughs_is_cheap(void **state)
{
    (void)state;
    /* SPEC: billion laughs - refused at the first anchor; nothing is expanded. */
    const char *y =
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n";
    expect_error(y, "t.yaml:1:4: a: anchors and aliases are not allowed");
}

static void test_syntax_error_position(void **state)
{
    (void)state;
    expect_error("a: 'unterminated\n",
                 "t.yaml:2:1: a: invalid YAML: found unexpected end of stream (while scanning "
                 "a quoted scalar)");
    expect_error("a: b: c\n",
                 "t.yaml:1:5: invalid YAML: mapping values are not allowed in this context");
    expect_error("\t- a\n", "t.yaml:1:1: invalid YAML: found character that cannot start any token "
                            "(while scanning for the next token)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_empty_stream),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_billion_laughs_is_cheap),
        cmocka_unit_test(test_syntax_error_position),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
