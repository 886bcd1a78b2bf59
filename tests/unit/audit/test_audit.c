/*
 * test_audit.c - the audit event's canonical form, hash chain, verification and JSON view.
 *
 * The expected hashes were computed independently, with Python hashlib over the canonical
 * texts written out by hand (rule: audit.h) and struct.pack(">Q", seq) for the link, so a
 * change to the canonical form or to the chain rule, which would break every stored chain,
 * fails here. To redo them (python3):
 *
 *   import hashlib, struct
 *   c1 = rb'{"actor":"client:c1","client_id":"c1","data":"{\"b\":1,\"a\":\"x\"}",'
 *        rb'"scope":"dns:read","time_us":1700000000000000,"type":"token.issued"}'
 *   c2 = rb'{"actor":"admin","data":"[1,2]","time_us":5,"type":"key.rotated"}'
 *   c3 = (rb'{"actor":"admin","client_id":"c/\"q\"\\","data":"{\"k\":\"'
 *         + b'\xe2\x82\xac' + rb'\"}","request_id":"r\u0001\u001F\n\t\b\f\r' + b'\x7f'
 *         + rb'","scope":"' + b'\xc3\xa9 \xe2\x9c\x93' + rb'","subject":{"hex":"fffe41"},'
 *         rb'"time_us":-9223372036854775808,"token_id":{"hex":"c0af"},'
 *         rb'"type":"client.updated"}')
 *   b = [hashlib.sha256(c).digest() for c in (c1, c2, c3)]
 *   h1 = hashlib.sha256(bytes(32) + struct.pack(">Q", 1) + b[0]).digest()
 *   h2 = hashlib.sha256(h1 + struct.pack(">Q", 2) + b[1]).digest()
 *   h2x = hashlib.sha256(h1 + struct.pack(">Q", 0x0102030405060708) + b[1]).digest()
 *   print([x.hex() for x in b], h1.hex(), h2.hex(), h2x.hex())
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/str.h"

static const unsigned char zero[GH_SHA256_LEN];

static gh_audit_event ev1(void)
{
    gh_audit_event e = {.seq = 1,
                        .time_us = 1700000000000000LL,
                        .type = GH_AUDIT_TOKEN_ISSUED,
                        .actor = "client:c1",
                        .client_id = "c1",
                        .scope = "dns:read",
                        .data = "{\"b\":1,\"a\":\"x\"}"};
    return e;
}

static gh_audit_event ev2(void)
{
    gh_audit_event e = {.seq = 2, .time_us = 5, .type = GH_AUDIT_KEY_ROTATED, .actor = "admin",
                        .data = "[1,2]"};
    return e;
}

static void hex(const unsigned char *h, char out[65])
{
    gh_hex_encode(h, GH_SHA256_LEN, out);
}

/* Every member, strings needing each kind of escape, UTF-8 kept as is, two fields that are
 * not UTF-8 (bytes that are never UTF-8, an overlong form) and the most negative time. */
static gh_audit_event ev3(void)
{
    gh_audit_event e = {.seq = 3,
                        .time_us = INT64_MIN,
                        .type = GH_AUDIT_CLIENT_UPDATED,
                        .actor = "admin",
                        .client_id = "c/\"q\"\\",
                        .subject = "\xff\xfe"
                                   "A",
                        .token_id = "\xc0\xaf",
                        .scope = "\xc3\xa9 \xe2\x9c\x93",
                        .request_id = "r\x01\x1f\n\t\b\f\r\x7f",
                        .data = "{\"k\":\"\xe2\x82\xac\"}"};
    return e;
}

static void test_canonical(void **state)
{
    (void)state;
    gh_audit_event e = ev1();
    char *c = gh_audit_canonical(&e);
    /* Members in sorted order, compact, NULL members left out, data as the string it is
     * stored as (not parsed, not reordered). seq is not part of it: the link hash binds it. */
    assert_string_equal(c, "{\"actor\":\"client:c1\",\"client_id\":\"c1\",\"data\":\"{\\\"b\\\":1,"
                           "\\\"a\\\":\\\"x\\\"}\",\"scope\":\"dns:read\",\"time_us\":"
                           "1700000000000000,\"type\":\"token.issued\"}");
    free(c);
    gh_audit_event e2 = ev2();
    c = gh_audit_canonical(&e2);
    assert_string_equal(
        c, "{\"actor\":\"admin\",\"data\":\"[1,2]\",\"time_us\":5,\"type\":\"key.rotated\"}");
    free(c);
    /* Duplicate keys are only bytes too. */
    e2.data = "{\"a\":1,\"a\":2}";
    c = gh_audit_canonical(&e2);
    assert_string_equal(c, "{\"actor\":\"admin\",\"data\":\"{\\\"a\\\":1,\\\"a\\\":2}\","
                           "\"time_us\":5,\"type\":\"key.rotated\"}");
    free(c);
    /* Hashes are not part of the canonical form, nor is seq. */
    memset(e.hash, 7, GH_SHA256_LEN);
    memset(e.prev_hash, 7, GH_SHA256_LEN);
    memset(e.body_hash, 7, GH_SHA256_LEN);
    e.seq = 77;
    c = gh_audit_canonical(&e);
    assert_null(strstr(c, "hash"));
    assert_null(strstr(c, "seq"));
    assert_null(strstr(c, "77"));
    free(c);
    /* Only time_us: no leading comma; time 0 and a positive one. */
    gh_audit_event bare = {.seq = 1};
    c = gh_audit_canonical(&bare);
    assert_string_equal(c, "{\"time_us\":0}");
    free(c);
    bare.time_us = INT64_MAX;
    bare.token_id = "t";
    c = gh_audit_canonical(&bare);
    assert_string_equal(c, "{\"time_us\":9223372036854775807,\"token_id\":\"t\"}");
    free(c);
    bare.time_us = -10;
    bare.token_id = NULL;
    bare.data = "";
    c = gh_audit_canonical(&bare);
    assert_string_equal(c, "{\"data\":\"\",\"time_us\":-10}");
    free(c);
}

static void test_canonical_escapes(void **state)
{
    (void)state;
    gh_audit_event e = ev3();
    unsigned char body[GH_SHA256_LEN];
    char h[65];
    char *c = gh_audit_canonical(&e);
    /* Invalid UTF-8 is kept, hex-encoded, rather than dropped or crashing; control bytes as
     * \u00XX or their short escapes; '/', DEL and UTF-8 as they are. */
    assert_string_equal(c, "{\"actor\":\"admin\",\"client_id\":\"c/\\\"q\\\"\\\\\",\"data\":\"{"
                           "\\\"k\\\":\\\"\xe2\x82\xac\\\"}\",\"request_id\":\"r\\u0001\\u001F"
                           "\\n\\t\\b\\f\\r\x7f\",\"scope\":\"\xc3\xa9 \xe2\x9c\x93\","
                           "\"subject\":{\"hex\":\"fffe41\"},\"time_us\":-9223372036854775808,"
                           "\"token_id\":{\"hex\":\"c0af\"},\"type\":\"client.updated\"}");
    free(c);
    gh_audit_body_hash(&e, body);
    gh_hex_encode(body, GH_SHA256_LEN, h);
    assert_string_equal(h, "2186667c21f38fb47f1a4cd759c180cc88d7ecab6bccf5f2837c292bbb6ddbd4");
    /* A long field that is not UTF-8 (hex written in several pieces). */
    char big[301];
    memset(big, 0xab, 300);
    big[300] = '\0';
    gh_audit_event f = {.time_us = 1, .actor = big};
    c = gh_audit_canonical(&f);
    assert_int_equal(strlen(c), strlen("{\"actor\":{\"hex\":\"\"},\"time_us\":1}") + 600);
    assert_int_equal(strncmp(c, "{\"actor\":{\"hex\":\"abab", 21), 0);
    assert_string_equal(c + 17 + 600, "\"},\"time_us\":1}");
    free(c);
    /* The worst case for escaping (every byte \u00XX) fits. */
    char ctl[201];
    memset(ctl, 0x01, 200);
    ctl[200] = '\0';
    f.actor = ctl;
    c = gh_audit_canonical(&f);
    assert_int_equal(strlen(c), strlen("{\"actor\":\"\",\"time_us\":1}") + 1200);
    free(c);
}

/* data is hashed as stored: the same object written differently is a different event. */
static void test_data_verbatim(void **state)
{
    (void)state;
    gh_audit_event a = ev1(), b = ev1();
    unsigned char ha[GH_SHA256_LEN], hb[GH_SHA256_LEN];
    b.data = "{\"b\": 1,\"a\":\"x\"}";
    gh_audit_body_hash(&a, ha);
    gh_audit_body_hash(&b, hb);
    assert_memory_not_equal(ha, hb, GH_SHA256_LEN);
    b.data = NULL;
    gh_audit_body_hash(&b, hb);
    assert_memory_not_equal(ha, hb, GH_SHA256_LEN);
}

static void test_chain_known_answer(void **state)
{
    (void)state;
    gh_audit_event e[2] = {ev1(), ev2()};
    char h[65];
    /* body_hash = SHA-256(canonical), the canonical texts of test_canonical. */
    gh_audit_seal(&e[0]);
    gh_audit_seal(&e[1]);
    assert_true(e[0].sealed && e[1].sealed);
    hex(e[0].body_hash, h);
    assert_string_equal(h, "08c08b08cfaf43a813993f6a0c1ffd6d959974cc87d319fc369606f3a3a01d3f");
    hex(e[1].body_hash, h);
    assert_string_equal(h, "31b210bad81510ed54738219416e06e3bdd0ffe6cf3cda0fbdb806167cb4562f");
    /* hash = SHA-256(prev || seq big-endian 64 || body_hash). */
    gh_audit_link(&e[0], zero);
    gh_audit_link(&e[1], e[0].hash);
    assert_memory_equal(e[0].prev_hash, zero, GH_SHA256_LEN);
    hex(e[0].hash, h);
    assert_string_equal(h, "604f1959bfc2fac3f2a0f4cf12d1381a6457c089dadd883bb0cd60338a5d3c6a");
    assert_memory_equal(e[1].prev_hash, e[0].hash, GH_SHA256_LEN);
    hex(e[1].hash, h);
    assert_string_equal(h, "dc524b5238dc2512edd9cf2ce653a7390e9f02f4c6ba280af65ee092672d735e");

    /* gh_audit_chain (seal, then link) gives the same hashes. */
    gh_audit_event c[2] = {ev1(), ev2()};
    gh_audit_chain(&c[0], zero);
    gh_audit_chain(&c[1], c[0].hash);
    assert_memory_equal(c[0].hash, e[0].hash, GH_SHA256_LEN);
    assert_memory_equal(c[1].hash, e[1].hash, GH_SHA256_LEN);
    assert_memory_equal(c[1].body_hash, e[1].body_hash, GH_SHA256_LEN);

    /* The seq bytes are big-endian: a seq with eight distinct bytes. */
    e[1].seq = 0x0102030405060708LL;
    gh_audit_link(&e[1], e[0].hash);
    hex(e[1].hash, h);
    assert_string_equal(h, "bdc654a6fc7c3938b527fed3a7d19853f36c4d545d178a3946d8750793576b64");
}

/* The body hash is computed once, when sealed: linking does not look at the fields again,
 * and verification does not trust a body_hash it is given. */
static void test_seal_then_link(void **state)
{
    (void)state;
    gh_audit_event e = ev1(), f = ev1();
    size_t bad = 99;
    gh_audit_seal(&e);
    e.actor = "client:other"; /* changed after sealing: the link still uses the sealed body */
    gh_audit_link(&e, zero);
    gh_audit_chain(&f, zero);
    assert_memory_equal(e.hash, f.hash, GH_SHA256_LEN);
    /* ... which verification, recomputing from the fields, catches. */
    assert_int_equal(gh_audit_verify(&e, 1, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 0);
    /* A wrong body_hash on an intact event does not matter to verification. */
    memset(f.body_hash, 0xab, GH_SHA256_LEN);
    assert_int_equal(gh_audit_verify(&f, 1, zero, &bad), GH_OK);
    f.sealed = false;
    assert_int_equal(gh_audit_verify(&f, 1, zero, &bad), GH_OK);
}

static void build(gh_audit_event *e, size_t n)
{
    const unsigned char *prev = zero;
    for (size_t i = 0; i < n; i++) {
        e[i] = i % 2 ? ev2() : ev1();
        e[i].seq = (int64_t)i + 1;
        gh_audit_chain(&e[i], prev);
        prev = e[i].hash;
    }
}

static void test_verify(void **state)
{
    (void)state;
    gh_audit_event e[6], t[6];
    size_t bad = 99;
    build(e, 6);
    assert_int_equal(gh_audit_verify(e, 6, zero, &bad), GH_OK);
    assert_int_equal(gh_audit_verify(e, 0, zero, &bad), GH_OK);
    /* A suffix verifies from its predecessor's hash, not from zeros. */
    assert_int_equal(gh_audit_verify(e + 2, 4, e[1].hash, &bad), GH_OK);
    assert_int_equal(gh_audit_verify(e + 2, 4, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 0);

    /* An altered field. */
    memcpy(t, e, sizeof(e));
    t[3].actor = "client:evil";
    assert_int_equal(gh_audit_verify(t, 6, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 3);
    /* An altered time. */
    memcpy(t, e, sizeof(e));
    t[5].time_us++;
    assert_int_equal(gh_audit_verify(t, 6, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 5);
    /* A removed event. */
    memcpy(t, e, sizeof(e));
    memmove(&t[2], &t[3], 3 * sizeof(t[0]));
    assert_int_equal(gh_audit_verify(t, 5, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 2);
    /* Two events swapped. */
    memcpy(t, e, sizeof(e));
    t[1] = e[2];
    t[2] = e[1];
    assert_int_equal(gh_audit_verify(t, 6, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 1);
    /* A recomputed hash over altered content, keeping the next event's prev_hash. */
    memcpy(t, e, sizeof(e));
    t[1].scope = "dns:write";
    gh_audit_chain(&t[1], t[0].hash);
    assert_int_equal(gh_audit_verify(t, 6, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 2);
    /* A renumbered event. */
    memcpy(t, e, sizeof(e));
    t[4].seq = 9;
    assert_int_equal(gh_audit_verify(t, 6, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 4);
    /* A suffix renumbered consistently (seqs still consecutive): the link hash binds seq. */
    memcpy(t, e, sizeof(e));
    for (int i = 1; i < 6; i++)
        t[i].seq += 10;
    assert_int_equal(gh_audit_verify(t + 1, 5, e[0].hash, &bad), GH_EINVAL);
    assert_int_equal(bad, 0);
    assert_int_equal(gh_audit_verify(e + 1, 5, e[0].hash, &bad), GH_OK);
    /* The chain must begin at seq 1 when it begins from zeros. */
    memcpy(t, e, sizeof(e));
    t[0].seq = 2;
    gh_audit_chain(&t[0], zero);
    assert_int_equal(gh_audit_verify(t, 1, zero, &bad), GH_EINVAL);
    assert_int_equal(bad, 0);
}

static void test_event_json(void **state)
{
    (void)state;
    gh_audit_event e = ev1();
    char h[65];
    gh_audit_chain(&e, zero);
    json_t *j = gh_audit_event_json(&e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 1);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "token.issued");
    assert_string_equal(json_string_value(json_object_get(j, "client_id")), "c1");
    assert_null(json_object_get(j, "subject"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "data"), "a")),
                        "x");
    hex(e.hash, h);
    assert_string_equal(json_string_value(json_object_get(j, "hash")), h);
    assert_string_equal(json_string_value(json_object_get(j, "prev_hash")),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    json_decref(j);
    /* data that is not one JSON object is shown as the string it is. */
    gh_audit_event e2 = ev2();
    j = gh_audit_event_json(&e2);
    assert_string_equal(json_string_value(json_object_get(j, "data")), "[1,2]");
    json_decref(j);
    e2.data = "{\"a\":1,\"a\":2}";
    j = gh_audit_event_json(&e2);
    assert_string_equal(json_string_value(json_object_get(j, "data")), "{\"a\":1,\"a\":2}");
    json_decref(j);
    /* A field that is not UTF-8 is shown in hex, as in the canonical form. */
    gh_audit_event e3 = ev3();
    j = gh_audit_event_json(&e3);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "subject"), "hex")),
                        "fffe41");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "data"), "k")),
                        "\xe2\x82\xac");
    json_decref(j);
}

/* Builds a chain of n events into ev (seq 1..n) with varied data forms. */
static void build_chain(gh_audit_event *ev, size_t n)
{
    static const char *const datas[] = {
        "{\"a\":1,\"b\":[true,null]}", /* an object: rebuilt from "data" */
        "{ \"spaced\" : 1 }",          /* an object whose text is not compact: data_text */
        "not json",                    /* a string */
        "{\"hex\":\"41\"}",            /* looks like a hex form: data_text */
        "caf\xc3\xa9 \xff",            /* not UTF-8: {"hex"} */
        NULL,
    };
    unsigned char prev[GH_SHA256_LEN] = {0};
    for (size_t i = 0; i < n; i++) {
        memset(&ev[i], 0, sizeof(ev[i]));
        ev[i].seq = (int64_t)i + 1;
        ev[i].time_us = 1700000000123456LL + (int64_t)i;
        ev[i].type = i % 2 ? GH_AUDIT_TOKEN_ISSUED : GH_AUDIT_TOOL_CALLED;
        ev[i].actor = "client:c1";
        ev[i].client_id = "c1";
        ev[i].subject = i == 2 ? "\x80odd" : "alice";
        ev[i].token_id = "jti-1";
        ev[i].data = datas[i % 6];
        gh_audit_chain(&ev[i], prev);
        memcpy(prev, ev[i].hash, GH_SHA256_LEN);
    }
}

/* Export then import gives back events whose chain verifies, whatever data holds. */
static void test_export_import(void **state)
{
    gh_audit_event ev[6], back[6];
    gh_arena *a = gh_arena_new(0);
    (void)state;

    build_chain(ev, 6);
    for (size_t i = 0; i < 6; i++) {
        json_t *o = gh_audit_event_export(&ev[i]);
        char *line = json_dumps(o, JSON_COMPACT);
        json_t *parsed = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
        assert_non_null(parsed);
        if (i == 0)
            assert_string_equal(json_string_value(json_object_get(o, "time")),
                                "2023-11-14T22:13:20.123456Z");
        assert_int_equal(gh_audit_event_import(parsed, a, &back[i]), GH_OK);
        if (ev[i].data)
            assert_string_equal(back[i].data, ev[i].data);
        else
            assert_null(back[i].data);
        assert_string_equal(back[i].subject, ev[i].subject);
        assert_memory_equal(back[i].hash, ev[i].hash, GH_SHA256_LEN);
        /* data_text only where the shown data does not rebuild the text. */
        assert_int_equal(json_object_get(o, "data_text") != NULL, i == 1 || i == 3);
        free(line);
        json_decref(parsed);
        json_decref(o);
    }
    size_t bad = 99;
    assert_int_equal(gh_audit_verify(back, 6, zero, &bad), GH_OK);

    /* Malformed lines are refused. */
    json_t *o = gh_audit_event_export(&ev[0]);
    json_object_set_new(o, "hash", json_string("abcd"));
    assert_int_equal(gh_audit_event_import(o, a, &back[0]), GH_EINVAL);
    json_object_del(o, "hash");
    assert_int_equal(gh_audit_event_import(o, a, &back[0]), GH_EINVAL);
    json_decref(o);
    o = gh_audit_event_export(&ev[0]);
    json_object_set_new(o, "seq", json_string("1"));
    assert_int_equal(gh_audit_event_import(o, a, &back[0]), GH_EINVAL);
    json_decref(o);
    gh_arena_free(a);
}

/* The walk accepts an intact chain and names the first broken event and what differs. */
static void test_walk(void **state)
{
    gh_audit_event ev[6];
    gh_audit_walk *w = calloc(1, sizeof(*w));
    char why[256];
    unsigned char h[GH_SHA256_LEN];
    (void)state;

    build_chain(ev, 6);
    gh_audit_walk_init(w);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(gh_audit_walk_add(w, &ev[i], why, sizeof(why)), GH_OK);
    assert_int_equal(w->n, 6);
    assert_int_equal(w->last_seq, 6);
    assert_memory_equal(w->last_hash, ev[5].hash, GH_SHA256_LEN);
    assert_true(gh_audit_walk_hash_of(w, 3, h));
    assert_memory_equal(h, ev[2].hash, GH_SHA256_LEN);
    assert_false(gh_audit_walk_hash_of(w, 7, h));
    assert_false(gh_audit_walk_hash_of(w, 0, h));

    /* An altered field: the event's own hash no longer matches. */
    gh_audit_walk_init(w);
    ev[3].scope = "dns:write";
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(gh_audit_walk_add(w, &ev[i], why, sizeof(why)), GH_OK);
    assert_int_equal(gh_audit_walk_add(w, &ev[3], why, sizeof(why)), GH_EINVAL);
    assert_non_null(strstr(why, "altered"));
    assert_int_equal(w->last_seq, 3); /* unchanged by the refused event */
    ev[3].scope = NULL;

    /* A removed event: the next seq is not the expected one. */
    build_chain(ev, 6);
    gh_audit_walk_init(w);
    assert_int_equal(gh_audit_walk_add(w, &ev[0], why, sizeof(why)), GH_OK);
    assert_int_equal(gh_audit_walk_add(w, &ev[2], why, sizeof(why)), GH_EINVAL);
    assert_non_null(strstr(why, "seq is 3 where 2 was expected"));

    /* A renumbered event (seq fixed up, chain not): prev_hash is wrong. */
    ev[2].seq = 2;
    assert_int_equal(gh_audit_walk_add(w, &ev[2], why, sizeof(why)), GH_EINVAL);
    assert_non_null(strstr(why, "prev_hash"));
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_canonical_escapes),
        cmocka_unit_test(test_data_verbatim),
        cmocka_unit_test(test_chain_known_answer),
        cmocka_unit_test(test_seal_then_link),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_event_json),
        cmocka_unit_test(test_export_import),
        cmocka_unit_test(test_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
