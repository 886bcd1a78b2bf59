/*
 * dns_store.c - the demo platform's SQLite store of DNS zones, records and firewall log lines
 * (see dns_store.h). The schema is created with CREATE TABLE IF NOT EXISTS and seeded once,
 * when the zones table is empty. Input checks: zone and record names are DNS-ish labels
 * ([A-Za-z0-9._*@-], at most 253 characters), types are A, AAAA, CNAME, MX, NS or TXT, values
 * are 1..1024 printable characters, TTLs 60..86400. All SQL uses bound parameters.
 */
#include "dns_store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dns_store {
    sqlite3 *db;
    pthread_mutex_t lock;
};

#define NAME_MAX_LEN 253
#define VALUE_MAX_LEN 1024
#define TTL_MIN 60
#define TTL_MAX 86400
#define TTL_DEFAULT 3600

static const char SCHEMA[] =
    "PRAGMA foreign_keys = ON;"
    "CREATE TABLE IF NOT EXISTS zones (name TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS records ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " zone TEXT NOT NULL REFERENCES zones(name) ON DELETE CASCADE,"
    " name TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL, ttl INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS firewall_logs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, ts TEXT NOT NULL, action TEXT NOT NULL,"
    " src TEXT NOT NULL, dst TEXT NOT NULL, port INTEGER NOT NULL, proto TEXT NOT NULL);";

static const char SEED[] =
    "INSERT INTO zones(name) VALUES ('example.com'), ('example.org');"
    "INSERT INTO records(zone, name, type, value, ttl) VALUES"
    " ('example.com', '@', 'A', '192.0.2.10', 3600),"
    " ('example.com', 'www', 'CNAME', 'example.com.', 3600),"
    " ('example.com', '@', 'MX', '10 mail.example.com.', 3600),"
    " ('example.com', 'mail', 'A', '192.0.2.25', 3600),"
    " ('example.org', '@', 'A', '198.51.100.7', 300),"
    " ('example.org', '@', 'TXT', 'v=spf1 -all', 3600);"
    "INSERT INTO firewall_logs(ts, action, src, dst, port, proto) VALUES"
    " ('2026-01-05T09:12:01Z', 'allow', '203.0.113.5', '192.0.2.10', 443, 'tcp'),"
    " ('2026-01-05T09:12:07Z', 'deny', '198.51.100.66', '192.0.2.10', 22, 'tcp'),"
    " ('2026-01-05T09:13:44Z', 'allow', '203.0.113.9', '192.0.2.25', 25, 'tcp'),"
    " ('2026-01-05T09:15:02Z', 'deny', '198.51.100.66', '192.0.2.10', 3389, 'tcp'),"
    " ('2026-01-05T09:16:30Z', 'allow', '192.0.2.99', '192.0.2.10', 53, 'udp');";

void dns_result_clear(dns_result *r)
{
    if (r == NULL)
        return;
    json_decref(r->body);
    r->body = NULL;
    r->status = 0;
}

void dns_result_error(dns_result *out, int status, const char *code, const char *desc)
{
    out->status = status;
    out->body = json_pack("{s:s, s:s}", "error", code, "error_description", desc);
}

static void db_error(dns_result *out)
{
    dns_result_error(out, 500, "server_error", "the store failed");
}

int dns_store_open(const char *path, dns_store **out)
{
    dns_store *s = calloc(1, sizeof(*s));
    sqlite3_stmt *st = NULL;
    char *msg = NULL;
    int rc = -1;
    bool seed;

    *out = NULL;
    if (s == NULL)
        return -1;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return -1;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                          SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        fprintf(stderr, "dns-api: cannot open %s: %s\n", path,
                s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
        goto done;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (sqlite3_exec(s->db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK)
        goto done;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM zones", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW)
        goto done;
    seed = sqlite3_column_int64(st, 0) == 0;
    sqlite3_finalize(st);
    st = NULL;
    if (seed) {
        if (sqlite3_exec(s->db, "BEGIN", NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, SEED, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(s->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK)
            goto done;
    }
    rc = 0;
done:
    sqlite3_finalize(st);
    if (rc != 0) {
        if (s->db != NULL)
            fprintf(stderr, "dns-api: store %s: %s\n", path,
                    msg != NULL ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        dns_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void dns_store_close(dns_store *s)
{
    if (s == NULL)
        return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static bool valid_name(const char *n)
{
    size_t len = n != NULL ? strlen(n) : 0;
    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == '_' || c == '*' || c == '@';
        if (!ok)
            return false;
    }
    return true;
}

static bool valid_type(const char *t)
{
    static const char *const types[] = {"A", "AAAA", "CNAME", "MX", "NS", "TXT"};
    if (t == NULL)
        return false;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(t, types[i]) == 0)
            return true;
    return false;
}

static bool valid_value(const char *v)
{
    size_t len = v != NULL ? strlen(v) : 0;
    if (len == 0 || len > VALUE_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
            return false;
    return true;
}

/* Reads an optional field: returns false (and fills out) when it is present but invalid. */
static bool field_str(const json_t *in, const char *key, bool (*check)(const char *),
                      const char **val, dns_result *out)
{
    const json_t *j = json_object_get(in, key);
    char desc[96];
    *val = NULL;
    if (j == NULL)
        return true;
    if (!json_is_string(j) || !check(json_string_value(j))) {
        snprintf(desc, sizeof(desc), "\"%s\" is missing or invalid", key);
        dns_result_error(out, 400, "invalid_request", desc);
        return false;
    }
    *val = json_string_value(j);
    return true;
}

static bool field_ttl(const json_t *in, int64_t *ttl, bool *present, dns_result *out)
{
    const json_t *j = json_object_get(in, "ttl");
    *present = j != NULL;
    if (j == NULL)
        return true;
    if (!json_is_integer(j) || json_integer_value(j) < TTL_MIN ||
        json_integer_value(j) > TTL_MAX) {
        dns_result_error(out, 400, "invalid_request", "\"ttl\" must be an integer 60..86400");
        return false;
    }
    *ttl = json_integer_value(j);
    return true;
}

static json_t *record_row(sqlite3_stmt *st)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:I}", "id", (json_int_t)sqlite3_column_int64(st, 0),
                     "name", (const char *)sqlite3_column_text(st, 1), "type",
                     (const char *)sqlite3_column_text(st, 2), "value",
                     (const char *)sqlite3_column_text(st, 3), "ttl",
                     (json_int_t)sqlite3_column_int64(st, 4));
}

/* 1 if the zone exists, 0 if not, -1 on a store error. Lock held. */
static int zone_exists(dns_store *s, const char *zone)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM zones WHERE name = ?", -1, &st, NULL) !=
        SQLITE_OK)
        goto done;
    sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = 1;
    else if (step == SQLITE_DONE)
        rc = 0;
done:
    sqlite3_finalize(st);
    return rc;
}

/* Checks the zone name and its existence; false (with out filled) when the call must stop. */
static bool zone_ok(dns_store *s, const char *zone, dns_result *out)
{
    int e;
    if (!valid_name(zone)) {
        dns_result_error(out, 400, "invalid_request", "invalid zone name");
        return false;
    }
    e = zone_exists(s, zone);
    if (e < 0) {
        db_error(out);
        return false;
    }
    if (e == 0) {
        dns_result_error(out, 404, "not_found", "no such zone");
        return false;
    }
    return true;
}

/* The record id in zone as JSON, 404 if there is none. Lock held. */
static void get_record(dns_store *s, const char *zone, int64_t id, int status, dns_result *out)
{
    sqlite3_stmt *st = NULL;
    int step;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, name, type, value, ttl FROM records"
                           " WHERE zone = ? AND id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        db_error(out);
        goto done;
    }
    sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->status = status;
        out->body = record_row(st);
        if (out->body == NULL)
            db_error(out);
    } else if (step == SQLITE_DONE) {
        dns_result_error(out, 404, "not_found", "no such record in this zone");
    } else {
        db_error(out);
    }
done:
    sqlite3_finalize(st);
}

void dns_store_list(dns_store *s, const char *zone, dns_result *out)
{
    sqlite3_stmt *st = NULL;
    json_t *list = NULL;
    int step;

    pthread_mutex_lock(&s->lock);
    if (!zone_ok(s, zone, out))
        goto done;
    list = json_array();
    if (list == NULL || sqlite3_prepare_v2(s->db,
                                           "SELECT id, name, type, value, ttl FROM records"
                                           " WHERE zone = ? ORDER BY id",
                                           -1, &st, NULL) != SQLITE_OK) {
        db_error(out);
        goto done;
    }
    sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(list, record_row(st));
    if (step != SQLITE_DONE) {
        db_error(out);
        goto done;
    }
    out->status = 200;
    out->body = json_pack("{s:s, s:O}", "zone", zone, "records", list);
    if (out->body == NULL)
        db_error(out);
done:
    json_decref(list);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
}

/* The fields of a record body (create and update): each one absent (NULL, *has_ttl false) or
 * valid; false with out set for a body that is not an object or a field that is invalid. */
static bool record_fields(const json_t *in, const char **name, const char **type,
                          const char **value, int64_t *ttl, bool *has_ttl, dns_result *out)
{
    if (!json_is_object(in)) {
        dns_result_error(out, 400, "invalid_request", "the body must be a JSON object");
        return false;
    }
    return field_str(in, "name", valid_name, name, out) &&
           field_str(in, "type", valid_type, type, out) &&
           field_str(in, "value", valid_value, value, out) && field_ttl(in, ttl, has_ttl, out);
}

void dns_store_create(dns_store *s, const char *zone, const json_t *in, dns_result *out)
{
    sqlite3_stmt *st = NULL;
    const char *name, *type, *value;
    int64_t ttl = TTL_DEFAULT;
    bool has_ttl;

    pthread_mutex_lock(&s->lock);
    if (!record_fields(in, &name, &type, &value, &ttl, &has_ttl, out))
        goto done;
    if (name == NULL || type == NULL || value == NULL) {
        dns_result_error(out, 400, "invalid_request", "\"name\", \"type\" and \"value\" are required");
        goto done;
    }
    if (!zone_ok(s, zone, out))
        goto done;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO records(zone, name, type, value, ttl)"
                           " VALUES (?, ?, ?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK) {
        db_error(out);
        goto done;
    }
    sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, ttl);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_error(out);
        goto done;
    }
    get_record(s, zone, sqlite3_last_insert_rowid(s->db), 201, out);
done:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
}

void dns_store_update(dns_store *s, const char *zone, int64_t id, const json_t *in,
                      dns_result *out)
{
    sqlite3_stmt *st = NULL;
    const char *name, *type, *value;
    int64_t ttl = 0;
    bool has_ttl;

    pthread_mutex_lock(&s->lock);
    if (!record_fields(in, &name, &type, &value, &ttl, &has_ttl, out))
        goto done;
    if (!zone_ok(s, zone, out))
        goto done;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE records SET name = coalesce(?, name),"
                           " type = coalesce(?, type), value = coalesce(?, value),"
                           " ttl = coalesce(?, ttl) WHERE zone = ? AND id = ?",
                           -1, &st, NULL) != SQLITE_OK) {
        db_error(out);
        goto done;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC); /* NULL binds SQL NULL */
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    if (has_ttl)
        sqlite3_bind_int64(st, 4, ttl);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_text(st, 5, zone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_error(out);
        goto done;
    }
    get_record(s, zone, id, 200, out);
done:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
}

void dns_store_delete(dns_store *s, const char *zone, int64_t id, dns_result *out)
{
    sqlite3_stmt *st = NULL;

    pthread_mutex_lock(&s->lock);
    if (!zone_ok(s, zone, out))
        goto done;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM records WHERE zone = ? AND id = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        db_error(out);
        goto done;
    }
    sqlite3_bind_text(st, 1, zone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        db_error(out);
        goto done;
    }
    if (sqlite3_changes(s->db) == 0) {
        dns_result_error(out, 404, "not_found", "no such record in this zone");
        goto done;
    }
    out->status = 200;
    out->body = json_pack("{s:I}", "deleted", (json_int_t)id);
done:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
}

void dns_store_logs(dns_store *s, int64_t limit, const char *action, dns_result *out)
{
    sqlite3_stmt *st = NULL;
    json_t *list = NULL;
    int step;

    if (limit < 1 || limit > 500) {
        dns_result_error(out, 400, "invalid_request", "\"limit\" must be 1..500");
        return;
    }
    if (action != NULL && strcmp(action, "allow") != 0 && strcmp(action, "deny") != 0) {
        dns_result_error(out, 400, "invalid_request", "\"action\" must be allow or deny");
        return;
    }
    pthread_mutex_lock(&s->lock);
    list = json_array();
    if (list == NULL ||
        sqlite3_prepare_v2(s->db,
                           "SELECT id, ts, action, src, dst, port, proto FROM firewall_logs"
                           " WHERE ?1 IS NULL OR action = ?1 ORDER BY id DESC LIMIT ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        db_error(out);
        goto done;
    }
    sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, limit);
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:s}", "id",
                            (json_int_t)sqlite3_column_int64(st, 0), "ts",
                            (const char *)sqlite3_column_text(st, 1), "action",
                            (const char *)sqlite3_column_text(st, 2), "src",
                            (const char *)sqlite3_column_text(st, 3), "dst",
                            (const char *)sqlite3_column_text(st, 4), "port",
                            (json_int_t)sqlite3_column_int64(st, 5), "proto",
                            (const char *)sqlite3_column_text(st, 6)));
    if (step != SQLITE_DONE) {
        db_error(out);
        goto done;
    }
    out->status = 200;
    out->body = json_pack("{s:O}", "logs", list);
    if (out->body == NULL)
        db_error(out);
done:
    json_decref(list);
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
}
