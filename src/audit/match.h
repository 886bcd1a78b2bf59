/*
 * match.h - does a tool call's arguments name a resource? (match.c)
 *
 * `gatehouse audit why RESOURCE` asks which tool.called events acted on a resource: a DNS
 * zone, a record id, a file name. The events carry the tool's arguments as the resource
 * server reported them (any JSON value); this module decides, for one event, whether those
 * arguments name the resource. It does not read the store or parse the event's data (the
 * caller does), and it knows nothing of particular tools: only exact equality of scalars.
 */
#ifndef GH_AUDIT_MATCH_H
#define GH_AUDIT_MATCH_H

#include <jansson.h>
#include <stdbool.h>

/* How deep into nested objects and arrays the search goes (the arguments value is level 1);
 * values nested deeper are not looked at. */
#define GH_AUDIT_MATCH_DEPTH 32

/* Whether args names resource. A scalar anywhere in args (the value itself, object members
 * and array items, recursively, down to GH_AUDIT_MATCH_DEPTH levels) equal to resource
 * matches: a string byte for byte, an integer in its decimal text ("1", "-7"), a real in
 * jansson's text for it ("1.5"); true, false and null never match. resource of the form
 * KEY=VALUE (KEY non-empty, without '='; split at the first '=') also matches when an
 * object member named KEY, at any depth, is a scalar equal to VALUE ("zone=example.com",
 * "id=1"). NULL args or resource, or an empty resource, match nothing. */
bool gh_audit_args_match(const json_t *args, const char *resource);

#endif
