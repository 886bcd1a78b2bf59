/*
 * audit.h - the audit event model and its hash chain.
 *
 * Every security-relevant action appends one event. Events are committed in the same store
 * transaction as the change they record, before the response is sent, so an acknowledged
 * action always has its event. The store assigns seq and computes the chain when it commits:
 *
 *   hash(n) = SHA-256( prev_hash || canonical(event n) )   with prev_hash(1) = 32 zero bytes
 *
 * where canonical() is gh_audit_canonical(). Anyone holding the events can recompute the
 * chain (gh_audit_verify), so a removed, reordered or altered event is detected.
 * This module does not store events; the store does.
 */
#ifndef GH_AUDIT_AUDIT_H
#define GH_AUDIT_AUDIT_H

#include <jansson.h>
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
} gh_audit_event;

/* Returns the canonical JSON text of the event's fields except prev_hash and hash
 * (sorted keys, compact, seq and time included), heap (caller frees). */
char *gh_audit_canonical(const gh_audit_event *e);
/* Sets e->prev_hash = prev and e->hash per the chain rule above. */
void gh_audit_chain(gh_audit_event *e, const unsigned char prev[GH_SHA256_LEN]);
/* Checks that events[0..n) form an unbroken chain starting from prev (zeros for the
 * first event): seq consecutive, each prev_hash and hash right. GH_EINVAL at the first bad
 * event, whose index goes to *bad_index. */
GH_MUST_CHECK gh_err gh_audit_verify(const gh_audit_event *events, size_t n,
                                     const unsigned char prev[GH_SHA256_LEN],
                                     size_t *bad_index);
/* Returns the event as a new JSON object (hashes in hex), for the admin API and CLI. */
json_t *gh_audit_event_json(const gh_audit_event *e);

#endif
