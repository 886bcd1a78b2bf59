/*
 * dns_store.h - the demo platform's data: DNS zones and records and firewall log lines in one
 * SQLite file, created and seeded with a few rows on first start.
 *
 * Every operation returns its answer as a dns_result: an HTTP status and a JSON body (the
 * record, the list, or {"error","error_description"}), so that the REST routes and the MCP
 * tools share one implementation and one set of input checks. What it is not: anything about
 * tokens or scopes (the caller checks those before calling).
 *
 * Thread safety: a dns_store may be used from any number of threads; each operation holds
 * the store's lock for its whole duration.
 */
#ifndef DNS_STORE_H
#define DNS_STORE_H

#include <jansson.h>
#include <stdint.h>

typedef struct dns_store dns_store;

typedef struct dns_result {
    int status;   /* HTTP status: 200, 201, 400, 404, 500 */
    json_t *body; /* owned by the result; never NULL after an operation */
} dns_result;

/* Opens (creating and seeding if needed) the SQLite file at path. Returns 0 or -1 with a
 * message on stderr. */
int dns_store_open(const char *path, dns_store **out);
void dns_store_close(dns_store *s); /* NULL is OK */

void dns_result_clear(dns_result *r);

/* {"zone","records":[{"id","name","type","value","ttl"}...]}; 404 for an unknown zone. */
void dns_store_list(dns_store *s, const char *zone, dns_result *out);
/* in: {"name","type","value"[,"ttl"]}; 201 with the new record. */
void dns_store_create(dns_store *s, const char *zone, const json_t *in, dns_result *out);
/* in: any of {"name","type","value","ttl"}; 200 with the updated record. */
void dns_store_update(dns_store *s, const char *zone, int64_t id, const json_t *in,
                      dns_result *out);
/* 200 with {"deleted": id}. */
void dns_store_delete(dns_store *s, const char *zone, int64_t id, dns_result *out);
/* {"logs":[{"id","ts","action","src","dst","port","proto"}...]}, newest first; limit 1..500,
 * action NULL or "allow"/"deny". */
void dns_store_logs(dns_store *s, int64_t limit, const char *action, dns_result *out);

/* A JSON error body {"error": code, "error_description": desc} with status. */
void dns_result_error(dns_result *out, int status, const char *code, const char *desc);

#endif
