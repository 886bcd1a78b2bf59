/*
 * json.h - typed, bounded helpers over jansson. json_t is gatehouse's JSON value.
 *
 * Input documents are always parsed with JSON_REJECT_DUPLICATES, a size bound and a depth
 * bound. Getters distinguish "absent" (GH_ENOTFOUND) from "present with the wrong type"
 * (GH_EINVAL) so that callers can give precise errors. Strings returned are borrowed from
 * the json_t and live as long as it does.
 */
#ifndef GH_JSON_JSON_H
#define GH_JSON_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/str.h"

/* Parses an object from s[0..n). Returns a new reference in *out.
 * GH_EINVAL (with a short reason in errbuf, if given) when the text is not one JSON object,
 * has duplicate keys, invalid UTF-8, \u0000, or nests deeper than GH_LIMIT_JSON_DEPTH;
 * GH_ETOOBIG when n > max. */
GH_MUST_CHECK gh_err gh_json_parse_object(const char *s, size_t n, size_t max, json_t **out,
                                          char *errbuf, size_t errlen);

/* Typed getters on an object. GH_ENOTFOUND when key is absent or null (or obj is not an
 * object); GH_EINVAL when the type is wrong, or for a string holding a NUL byte. */
GH_MUST_CHECK gh_err gh_json_get_str(const json_t *obj, const char *key, const char **out);
GH_MUST_CHECK gh_err gh_json_get_int(const json_t *obj, const char *key, int64_t *out);
GH_MUST_CHECK gh_err gh_json_get_bool(const json_t *obj, const char *key, bool *out);
/* An array of strings, copied into the arena; GH_EINVAL if any element is not a string,
 * GH_ETOOBIG past max elements. */
GH_MUST_CHECK gh_err gh_json_get_strv(const json_t *obj, const char *key, gh_arena *a,
                                      size_t max, gh_strv *out);

/* Returns a new JSON array of the strings (new reference). */
json_t *gh_json_strv(const gh_strv *list);
/* Finds the top-level member key of the JSON object text s[0..n) and, if its value is a
 * string, puts a copy (arena) in *out, without building the document: for hot paths that
 * need one member of a document whose authenticity is established otherwise (a JWT payload
 * before its hash or signature is checked, a stored row). It is not a validator: members
 * it skips are only checked for balanced structure. Keys are compared as written (an
 * escaped key does not match); the first occurrence wins. GH_ENOTFOUND if there is no such
 * member; GH_EINVAL if the text is not an object, the value is not a string, or the text
 * breaks before the member is found. */
GH_MUST_CHECK gh_err gh_json_scan_str(const char *s, size_t n, const char *key, gh_arena *a,
                                      const char **out);
/* Appends the compact encoding of v to b: byte for byte what jansson's
 * json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) writes (with JSON_SORT_KEYS when sort_keys),
 * several times faster. GH_EINVAL for a string that is not UTF-8, nesting past 256 or a
 * real jansson cannot format; GH_ETOOBIG past b's maximum. On error b is as it was. */
GH_MUST_CHECK gh_err gh_json_write(gh_buf *b, const json_t *v, bool sort_keys);
/* Appends s[0..n) as a JSON string (quotes and escapes as gh_json_write writes them), for
 * hot paths that write a fixed-shape document directly (JWT claims for gh_jws_sign_payload,
 * a token response). GH_EINVAL if s is not UTF-8; on error b is as it was. */
GH_MUST_CHECK gh_err gh_json_write_str(gh_buf *b, const char *s, size_t n);
/* Compact encoding with keys in insertion order, in the arena (NULL on the errors of
 * gh_json_write). */
char *gh_json_dump_a(gh_arena *a, const json_t *v);
/* Compact encoding with sorted keys (canonical form for hashing), heap (caller frees with
 * free()). Not RFC 8785: numbers and strings are written as jansson writes them. */
char *gh_json_dump_canonical(const json_t *v);
/* Sets key to a string if s is not NULL (no-op for NULL). A value that is not valid UTF-8
 * is left out and logged at error level: inputs are validated on arrival, so that is a bug. */
void gh_json_set_str(json_t *obj, const char *key, const char *s);

#endif
