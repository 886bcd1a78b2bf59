/*
 * yaml.c - reads one YAML document with libyaml's event parser into a tree of
 * gh_config__node that remember their line and column.
 *
 * It refuses what a configuration file never needs and an attacker could use: aliases and
 * anchors (the "billion laughs" expansion), application tags (only the YAML core schema's
 * !!str !!int !!bool !!null !!float !!map !!seq pass), duplicate keys, keys that are not
 * scalars, a second document, NUL characters in scalars, and anything past the bounds in
 * config_int.h. It does not know the schema: types and key names are checked by config.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "base/buf.h"
#include "config/config_int.h"

typedef struct frame {
    gh_config__node *node;     /* a mapping or a sequence under construction */
    gh_config__node *pend_key; /* mapping: the key waiting for its value */
} frame;

typedef struct parser {
    gh_arena *a;
    const char *name;
    char *errbuf;
    size_t errlen;
    frame stack[GH_CONFIG_MAX_DEPTH];
    size_t depth;
    gh_config__node *root;
    unsigned docs;
} parser;

static const char *const std_tags[] = {
    "tag:yaml.org,2002:str",   "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:bool",  "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:float", "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",   NULL,
};

/* Writes the key path of the node being added at the top of the stack ("serve.public",
 * "scopes[2].name") to b; an empty path for the document root. Frames below the top hold
 * their current child as their last one; the top frame's child is not attached yet. */
static void stack_path(const parser *p, gh_buf *b)
{
    for (size_t i = 0; i < p->depth; i++) {
        const gh_config__node *n = p->stack[i].node;
        bool top = i + 1 == p->depth;
        gh_err e = GH_OK;
        if (n->kind == GH_CONFIG__MAP) {
            const gh_config__node *k =
                top ? p->stack[i].pend_key : (n->last != NULL ? n->last->key : NULL);
            if (k == NULL) {
                break;
            }
            e = gh_buf_addf(b, "%s%s", b->len ? "." : "", k->value);
        } else {
            e = gh_buf_addf(b, "[%zu]", top ? n->n : n->n - 1);
        }
        if (e != GH_OK) {
            break; /* the path only decorates the message; a very long one is cut */
        }
    }
}

static gh_err fail(parser *p, size_t line0, size_t col0, const char *fmt, ...) GH_PRINTF(4, 5);

/* Formats "NAME:LINE:COL: [path: ]message" into the error buffer; returns GH_EINVAL. */
static gh_err fail(parser *p, size_t line0, size_t col0, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->errbuf == NULL || p->errlen == 0) {
        return GH_EINVAL;
    }
    gh_buf path;
    gh_buf_init(&path, 512);
    stack_path(p, &path);
    (void)snprintf(p->errbuf, p->errlen, "%s:%zu:%zu: %s%s%s", p->name, line0 + 1, col0 + 1,
                   gh_buf_str(&path), path.len ? ": " : "", msg);
    gh_buf_clear(&path);
    return GH_EINVAL;
}

static bool tag_allowed(const yaml_char_t *tag)
{
    if (tag == NULL) {
        return true;
    }
    for (size_t i = 0; std_tags[i] != NULL; i++) {
        if (strcmp((const char *)tag, std_tags[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool plain_null(const char *s)
{
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

/* Checks the properties every node event carries: no anchor, a standard tag. */
static gh_err check_props(parser *p, const yaml_event_t *ev, const yaml_char_t *anchor,
                          const yaml_char_t *tag)
{
    if (anchor != NULL) {
        return fail(p, ev->start_mark.line, ev->start_mark.column,
                    "anchors and aliases are not allowed");
    }
    if (!tag_allowed(tag)) {
        return fail(p, ev->start_mark.line, ev->start_mark.column,
                    "tag %.64s is not allowed (only the standard tags !!str !!int !!bool "
                    "!!null !!float !!map !!seq)",
                    (const char *)tag);
    }
    return GH_OK;
}

/* Attaches a finished node to the container at the top of the stack, or makes it the root. */
static gh_err attach(parser *p, gh_config__node *n)
{
    if (p->depth == 0) {
        p->root = n;
        return GH_OK;
    }
    frame *f = &p->stack[p->depth - 1];
    gh_config__node *parent = f->node;
    if (parent->kind == GH_CONFIG__MAP && f->pend_key == NULL) {
        if (n->kind != GH_CONFIG__SCALAR) {
            return fail(p, n->line - 1, n->col - 1, "expected a plain key, not a %s",
                        n->kind == GH_CONFIG__MAP ? "mapping" : "sequence");
        }
        if (parent->n >= GH_CONFIG_MAX_MAP_KEYS) {
            return fail(p, n->line - 1, n->col - 1, "more than %d keys in one mapping",
                        GH_CONFIG_MAX_MAP_KEYS);
        }
        for (const gh_config__node *v = parent->first; v != NULL; v = v->next) {
            if (strcmp(v->key->value, n->value) == 0) {
                f->pend_key = n; /* so that the message names the duplicate's path */
                return fail(p, n->line - 1, n->col - 1,
                            "duplicate key \"%.64s\" (first at line %u)", n->value, v->key->line);
            }
        }
        f->pend_key = n;
        return GH_OK;
    }
    if (parent->kind == GH_CONFIG__SEQ && parent->n >= GH_CONFIG_MAX_SEQ_ITEMS) {
        return fail(p, n->line - 1, n->col - 1, "more than %d items in one sequence",
                    GH_CONFIG_MAX_SEQ_ITEMS);
    }
    if (parent->kind == GH_CONFIG__MAP) {
        n->key = f->pend_key;
        f->pend_key = NULL;
    }
    if (parent->last != NULL) {
        parent->last->next = n;
    } else {
        parent->first = n;
    }
    parent->last = n;
    parent->n++;
    return GH_OK;
}

static gh_config__node *node_new(parser *p, gh_config__kind kind, const yaml_event_t *ev)
{
    gh_config__node *n = GH_ARENA_NEW(p->a, gh_config__node);
    n->kind = kind;
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    n->value = "";
    return n;
}

static gh_err on_scalar(parser *p, const yaml_event_t *ev)
{
    gh_err e = check_props(p, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
    if (e != GH_OK) {
        return e;
    }
    const char *v = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    if (len > GH_CONFIG_MAX_SCALAR) {
        return fail(p, ev->start_mark.line, ev->start_mark.column, "value longer than %d bytes",
                    GH_CONFIG_MAX_SCALAR);
    }
    if (memchr(v, '\0', len) != NULL) {
        return fail(p, ev->start_mark.line, ev->start_mark.column,
                    "value contains a NUL character");
    }
    gh_config__node *n = node_new(p, GH_CONFIG__SCALAR, ev);
    n->value = gh_arena_strndup(p->a, v, len);
    n->len = len;
    const char *tag = (const char *)ev->data.scalar.tag;
    if (tag != NULL) {
        n->is_null = strcmp(tag, "tag:yaml.org,2002:null") == 0;
    } else {
        n->is_null = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && plain_null(n->value);
    }
    return attach(p, n);
}

static gh_err on_start(parser *p, const yaml_event_t *ev, gh_config__kind kind)
{
    const yaml_char_t *anchor =
        kind == GH_CONFIG__MAP ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
    const yaml_char_t *tag =
        kind == GH_CONFIG__MAP ? ev->data.mapping_start.tag : ev->data.sequence_start.tag;
    gh_err e = check_props(p, ev, anchor, tag);
    if (e != GH_OK) {
        return e;
    }
    if (p->depth >= GH_CONFIG_MAX_DEPTH) {
        return fail(p, ev->start_mark.line, ev->start_mark.column, "nested deeper than %d levels",
                    GH_CONFIG_MAX_DEPTH);
    }
    gh_config__node *n = node_new(p, kind, ev);
    e = attach(p, n);
    if (e != GH_OK) {
        return e;
    }
    p->stack[p->depth].node = n;
    p->stack[p->depth].pend_key = NULL;
    p->depth++;
    return GH_OK;
}

static gh_err on_event(parser *p, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++p->docs > 1) {
            return fail(p, ev->start_mark.line, ev->start_mark.column,
                        "expected a single YAML document");
        }
        return GH_OK;
    case YAML_ALIAS_EVENT:
        return fail(p, ev->start_mark.line, ev->start_mark.column,
                    "anchors and aliases are not allowed");
    case YAML_SCALAR_EVENT:
        return on_scalar(p, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(p, ev, GH_CONFIG__SEQ);
    case YAML_MAPPING_START_EVENT:
        return on_start(p, ev, GH_CONFIG__MAP);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        gh_assert(p->depth > 0);
        p->depth--;
        return GH_OK;
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return GH_OK;
    }
    return GH_OK;
}

gh_err gh_config__yaml_parse(gh_arena *a, const char *name, const char *data, size_t len,
                             gh_config__node **out, char *errbuf, size_t errlen)
{
    *out = NULL;
    parser p = {.a = a, .name = name, .errbuf = errbuf, .errlen = errlen};
    if (len > GH_CONFIG_MAX_FILE) {
        return fail(&p, 0, 0, "larger than %d bytes", GH_CONFIG_MAX_FILE);
    }
    yaml_parser_t yp;
    if (!yaml_parser_initialize(&yp)) {
        return GH_EINTERNAL;
    }
    yaml_parser_set_input_string(&yp, (const unsigned char *)data, len);
    gh_err e = GH_OK;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&yp, &ev)) {
            if (yp.error == YAML_MEMORY_ERROR) {
                e = GH_EINTERNAL;
            } else {
                e = fail(&p, yp.problem_mark.line, yp.problem_mark.column, "invalid YAML: %s%s%s%s",
                         yp.problem ? yp.problem : "syntax error", yp.context ? " (" : "",
                         yp.context ? yp.context : "", yp.context ? ")" : "");
            }
            goto done;
        }
        e = on_event(&p, &ev);
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (e != GH_OK) {
            goto done;
        }
        if (type == YAML_STREAM_END_EVENT) {
            break;
        }
    }
    *out = p.root;
done:
    yaml_parser_delete(&yp);
    return e;
}
