/*
 * match.c - does a tool call's arguments name a resource? Exact equality of scalars,
 * anywhere in the arguments or under a named member (KEY=VALUE), to a bounded depth.
 * Rules: match.h. No store, no event parsing, no knowledge of particular tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/match.h"

/* Whether the scalar v equals text (n bytes). Objects, arrays, booleans and null never do. */
static bool scalar_is(const json_t *v, const char *text, size_t n)
{
    char num[64];
    int len;

    if (json_is_string(v))
        return json_string_length(v) == n && memcmp(json_string_value(v), text, n) == 0;
    if (json_is_integer(v)) {
        len = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return len > 0 && (size_t)len == n && memcmp(num, text, n) == 0;
    }
    if (json_is_real(v)) {
        char *s = json_dumps(v, JSON_ENCODE_ANY);
        bool eq = s != NULL && strlen(s) == n && memcmp(s, text, n) == 0;
        free(s);
        return eq;
    }
    return false;
}

/* Searches v (at depth) for a scalar equal to value; with key set, only the values of
 * object members named key (klen bytes) count, but the search goes through every level. */
static bool search(const json_t *v, int depth, const char *key, size_t klen, const char *value,
                   size_t vlen)
{
    const char *name;
    json_t *m;
    size_t i;

    if (v == NULL || depth > GH_AUDIT_MATCH_DEPTH)
        return false;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, name, m)
        {
            if (key != NULL && strlen(name) == klen && memcmp(name, key, klen) == 0 &&
                scalar_is(m, value, vlen))
                return true;
            if (search(m, depth + 1, key, klen, value, vlen))
                return true;
        }
        return false;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, m)
        {
            if (search(m, depth + 1, key, klen, value, vlen))
                return true;
        }
        return false;
    }
    return key == NULL && scalar_is(v, value, vlen);
}

bool gh_audit_args_match(const json_t *args, const char *resource)
{
    const char *eq;

    if (args == NULL || resource == NULL || resource[0] == '\0')
        return false;
    if (search(args, 1, NULL, 0, resource, strlen(resource)))
        return true;
    eq = strchr(resource, '=');
    if (eq == NULL || eq == resource)
        return false;
    return search(args, 1, resource, (size_t)(eq - resource), eq + 1, strlen(eq + 1));
}
