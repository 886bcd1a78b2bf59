/*
 * audit.h - the audit event model and its hash chain.
 *
 * Every security-relevant action appends one event. Events are committed in the same store
 * transaction as the change they record, before the response is sent, so an acknowledged
 * action always has its event. The chain is computed in two parts:
 *
 *   body_hash(n) = SHA-256( canonical(event n) )
 *   hash(n)      = SHA-256( prev_hash || seq(n) as 8 bytes big-endian || body_hash(n) )
 *                  with prev_hash(1) = 32 zero bytes
 *
 * where canonical() is gh_audit_canonical(), every field except seq and the hashes:
 *
 *   a compact JSON object whose members are, in this order (the byte order of their names),
 *   actor, client_id, data, request_id, scope, subject, time_us, token_id, type, a member
 *   being left out when its field is NULL (time_us is always there). time_us is a decimal
 *   integer ('-' for a negative one, no '+', no leading zeros). Every other value is a JSON
 *   string holding the field's bytes exactly, data included: data is the stored text as a
 *   string, never parsed, so verification recomputes the form from the stored column alone.
 *   Strings are escaped as jansson's compact dump escapes them (gh_json_write_str): '"' and
 *   '\' backslashed, \b \f \n \r \t, other bytes below 0x20 as \u00XX (uppercase hex),
 *   every other byte as is ('/', DEL and UTF-8 sequences unescaped). A field that is not
 *   UTF-8 (Unicode table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF) is
 *   written instead as the object {"hex":"<its bytes, lowercase hex>"}.
 *
 *   e.g. {"actor":"admin","data":"{\"a\":1}","time_us":5,"type":"key.rotated"}
 *
 * The body hash (the costly part: a pass over the whole event and its hash) is computed
 * when the event enters a store transaction, on the caller's thread (gh_audit_seal, called by
 * gh_store_txn_audit and gh_store_txn_add); the store's single writer assigns seq and
 * computes only hash(n), one SHA-256 of 72 bytes (gh_audit_link). The body hash is not
 * stored: anyone holding the events recomputes it and the chain from the fields
 * (gh_audit_verify), so a removed, reordered, renumbered or altered event is detected.
 * This module does not store events; the store does.
 */
#ifndef GH_AUDIT_AUDIT_H
#define GH_AUDIT_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/err.h"

/* Event types, defined once. */
#define GH_AUDIT_CLIENT_CREATED "client.created"
#define GH_AUDIT_CLIENT_UPDATED "client.updated"
#define GH_AUDIT_CLIENT_DELETED "client.deleted"
#define GH_AUDIT_TOKEN_ISSUED "token.issued"
#define GH_AUDIT_TOKEN_REVOKED "token.revoked"
#define GH_AUDIT_KEY_CREATED "key.created"
#define GH_AUDIT_KEY_ROTATED "key.rotated"
#define GH_AUDIT_CATALOG_CHANGED "catalog.changed"
#define GH_AUDIT_CHECKPOINT "audit.checkpoint" /* data {"jws": signed seq, hash, time_us} */
#define GH_AUDIT_TOOL_CALLED "tool.called"     /* a tool call reported by an agent or API */

typedef struct gh_audit_event {
    int64_t seq;         /* assigned by the store at commit, from 1 */
    int64_t time_us;     /* when the action happened */
    const char *type;    /* one of GH_AUDIT_* */
    const char *actor;   /* who acted: "client:<id>", "admin", "cli", "user:<sub>", "system" */
    const char *client_id;  /* may be NULL */
    const char *subject;    /* may be NULL */
    const char *token_id;   /* jti, or the hash id of an opaque token; may be NULL */
    const char *scope;      /* space-separated; may be NULL */
    const char *request_id; /* may be NULL */
    const char *data;       /* a JSON object as text with further detail; may be NULL */
    unsigned char prev_hash[GH_SHA256_LEN]; /* set by the store at commit */
    unsigned char hash[GH_SHA256_LEN];      /* set by the store at commit */
    /* SHA-256 of the canonical form: set by gh_audit_seal when the event enters a store
     * transaction; not stored (reads leave it zero and sealed false). */
    unsigned char body_hash[GH_SHA256_LEN];
    bool sealed;
} gh_audit_event;

/* Returns the canonical text of the event (the rule above: every field except seq,
 * prev_hash, hash and body_hash), heap (caller frees). */
char *gh_audit_canonical(const gh_audit_event *e);
/* Computes body_hash(e) per the chain rule above into out. */
void gh_audit_body_hash(const gh_audit_event *e, unsigned char out[GH_SHA256_LEN]);
/* Sets e->body_hash and e->sealed. The fields the body hash covers must not change after it
 * (a store transaction seals each event it is given, so they must not change once added). */
void gh_audit_seal(gh_audit_event *e);
/* Sets e->prev_hash = prev and e->hash from seq and the sealed body hash (e must be sealed):
 * the cheap step, for the store's writer. */
void gh_audit_link(gh_audit_event *e, const unsigned char prev[GH_SHA256_LEN]);
/* Seals e (recomputing the body hash from its fields), then links it to prev. */
void gh_audit_chain(gh_audit_event *e, const unsigned char prev[GH_SHA256_LEN]);
/* Checks that events[0..n) form an unbroken chain starting from prev (zeros for the
 * first event): seq consecutive, each prev_hash and hash right, the body hash recomputed from
 * the fields (a stored body_hash is not trusted). GH_EINVAL at the first bad
 * event, whose index goes to *bad_index. */
GH_MUST_CHECK gh_err gh_audit_verify(const gh_audit_event *events, size_t n,
                                     const unsigned char prev[GH_SHA256_LEN],
                                     size_t *bad_index);
/* Returns the event as a new JSON object (hashes in hex), for the admin API and CLI: not the
 * canonical form. data is shown as the object it holds when its text is one JSON object
 * (duplicate keys rejected), otherwise as a string; a string field that is not UTF-8 is
 * shown as {"hex": ...}. */
json_t *gh_audit_event_json(const gh_audit_event *e);


/* ---- export and offline verification ----
 *
 * An export line is gh_audit_event_json plus "time" (RFC 3339, UTC, microseconds) and, when
 * the stored data text cannot be rebuilt from the "data" shown, "data_text" (the stored text
 * exactly, as a string or {"hex"}). The rebuild (gh_audit_event_import) is: a string is its
 * text, {"hex": H} (that one member) is the bytes H encodes, any other object is its compact
 * encoding in member order (gh_json_dump_a). So an export can be verified without the store. */

/* Returns the export form of e as a new JSON object. */
json_t *gh_audit_event_export(const gh_audit_event *e);
/* Reads an export line back into *out (strings in a, hashes from hex, body_hash zero and
 * sealed false). GH_EINVAL when a member is missing or of the wrong type, a hash is not 64
 * hex digits, or a text holds a NUL byte. */
GH_MUST_CHECK gh_err gh_audit_event_import(const json_t *o, gh_arena *a, gh_audit_event *out);

/* A walk over the chain one event at a time (gh_audit_verify for a stream, with a reason):
 * for the verify command, from the store page by page or from an export file. It keeps the
 * hashes of the last GH_AUDIT_WALK_RING events, so that a checkpoint, which signs an event
 * just before it, can be matched to the chain (about 130 KiB: allocate it). */
#define GH_AUDIT_WALK_RING 4096
typedef struct gh_audit_walk {
    int64_t n;        /* events accepted */
    int64_t last_seq; /* seq of the last accepted event, 0 before the first */
    unsigned char last_hash[GH_SHA256_LEN];
    unsigned char ring[GH_AUDIT_WALK_RING][GH_SHA256_LEN]; /* hash of seq s at s % RING */
} gh_audit_walk;

void gh_audit_walk_init(gh_audit_walk *w);
/* Accepts e as the next event: seq must be last_seq + 1 (1 for the first), prev_hash the
 * previous event's hash (zeros for seq 1), hash the link of the body hash recomputed from
 * the fields. GH_EINVAL with what differs in why (NUL-terminated, truncated to why_len)
 * otherwise; the walk is then unchanged. */
GH_MUST_CHECK gh_err gh_audit_walk_add(gh_audit_walk *w, const gh_audit_event *e, char *why,
                                       size_t why_len);
/* The hash of an accepted event still in the ring; false if seq is not (never accepted, or
 * too far back). */
bool gh_audit_walk_hash_of(const gh_audit_walk *w, int64_t seq,
                           unsigned char out[GH_SHA256_LEN]);

#endif
