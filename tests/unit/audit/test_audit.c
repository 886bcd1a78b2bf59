/*
 * test_audit.c - the audit event's canonical form, hash chain, verification and JSON view.
 *
 * The expected hashes were computed independently (Python hashlib over the canonical text
 * written out by hand, and struct.pack(">Q", seq) for the link), so a change to the canonical
 * form or to the chain rule, which would break every stored chain, fails here.
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
    /* seq is not part of it: the link hash binds seq. */
    assert_string_equal(c, "{\"actor\":\"client:c1\",\"client_id\":\"c1\",\"data\":{\"a\":\"x\","
                           "\"b\":1},\"scope\":\"dns:read\",\"time_us\":"
                           "1700000000000000,\"type\":\"token.issued\"}");
    free(c);
    /* data that is not a JSON object is embedded as a string. */
    gh_audit_event e2 = ev2();
    c = gh_audit_canonical(&e2);
    assert_string_equal(
        c, "{\"actor\":\"admin\",\"data\":\"[1,2]\",\"time_us\":5,\"type\":\"key.rotated\"}");
    free(c);
    /* Duplicate keys make data a string too (it must not depend on which one jansson keeps). */
    e2.data = "{\"a\":1,\"a\":2}";
    c = gh_audit_canonical(&e2);
    assert_non_null(strstr(c, "\"data\":\"{\\\"a\\\":1,\\\"a\\\":2}\""));
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
    /* body_hash = SHA-256(canonical), the canonical texts of test_canonical. */
    gh_audit_seal(&e[0]);
    gh_audit_seal(&e[1]);
    assert_true(e[0].sealed && e[1].sealed);
    hex(e[0].body_hash, h);
    assert_string_equal(h, "4ccea3a6a7b1c109f41465b93bc977ae7c6c8ed3356d8eccd3efd9c8a25c8018");
    hex(e[1].body_hash, h);
    assert_string_equal(h, "31b210bad81510ed54738219416e06e3bdd0ffe6cf3cda0fbdb806167cb4562f");
    /* hash = SHA-256(prev || seq big-endian 64 || body_hash). */
    gh_audit_link(&e[0], zero);
    gh_audit_link(&e[1], e[0].hash);
    assert_memory_equal(e[0].prev_hash, zero, GH_SHA256_LEN);
    hex(e[0].hash, h);
    assert_string_equal(h, "fe7323e43ffe414aa589e56ac16b0217252c66296bc307f4e2b787ec8de41909");
    assert_memory_equal(e[1].prev_hash, e[0].hash, GH_SHA256_LEN);
    hex(e[1].hash, h);
    assert_string_equal(h, "8c8158fa18b99c4dea92851408eec6a30bd7b0d056f303bb91d364fe545136bd");

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
    assert_string_equal(h, "af7b333ee84823d020a6a87591a375c36c4cff2758263f5be11ae0fdbfa6448e");
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
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_chain_known_answer),
        cmocka_unit_test(test_seal_then_link),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_event_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
