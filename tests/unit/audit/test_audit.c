/*
 * test_audit.c - the audit event's canonical form, hash chain, verification and JSON view.
 *
 * The expected hashes were computed independently (Python hashlib over the canonical text
 * written out by hand), so a change to the canonical form, which would break every stored
 * chain, fails here.
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

static void test_canonical(void **state)
{
    (void)state;
    gh_audit_event e = ev1();
    char *c = gh_audit_canonical(&e);
    /* Sorted keys, compact, NULL members left out, data embedded as an object. */
    assert_string_equal(c, "{\"actor\":\"client:c1\",\"client_id\":\"c1\",\"data\":{\"a\":\"x\","
                           "\"b\":1},\"scope\":\"dns:read\",\"seq\":1,\"time_us\":"
                           "1700000000000000,\"type\":\"token.issued\"}");
    free(c);
    /* data that is not a JSON object is embedded as a string. */
    gh_audit_event e2 = ev2();
    c = gh_audit_canonical(&e2);
    assert_string_equal(
        c, "{\"actor\":\"admin\",\"data\":\"[1,2]\",\"seq\":2,\"time_us\":5,\"type\":\"key.rotated\"}");
    free(c);
    /* Duplicate keys make data a string too (it must not depend on which one jansson keeps). */
    e2.data = "{\"a\":1,\"a\":2}";
    c = gh_audit_canonical(&e2);
    assert_non_null(strstr(c, "\"data\":\"{\\\"a\\\":1,\\\"a\\\":2}\""));
    free(c);
    /* Hashes are not part of the canonical form. */
    memset(e.hash, 7, GH_SHA256_LEN);
    memset(e.prev_hash, 7, GH_SHA256_LEN);
    c = gh_audit_canonical(&e);
    assert_null(strstr(c, "hash"));
    free(c);
    /* Invalid UTF-8 is kept, hex-encoded, rather than dropped or crashing. */
    e.subject = "\xff\xfe";
    c = gh_audit_canonical(&e);
    assert_non_null(strstr(c, "\"subject\":{\"hex\":\"fffe\"}"));
    free(c);
}

static void test_chain_known_answer(void **state)
{
    (void)state;
    gh_audit_event e[2] = {ev1(), ev2()};
    char h[65];
    gh_audit_chain(&e[0], zero);
    gh_audit_chain(&e[1], e[0].hash);
    assert_memory_equal(e[0].prev_hash, zero, GH_SHA256_LEN);
    hex(e[0].hash, h);
    assert_string_equal(h, "1f934f91716bec036809162764b52cd2dcc81aafd674e319226834cc9d866793");
    assert_memory_equal(e[1].prev_hash, e[0].hash, GH_SHA256_LEN);
    hex(e[1].hash, h);
    assert_string_equal(h, "7a2a985015a23601b466b24d3020b6af11efe1f4310521e2cc8b18a885a97de7");
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_chain_known_answer),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_event_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
