/*
 * answer.c - what a resource server says back: the 401/403 answer with its RFC 6750 3
 * WWW-Authenticate value (and the RFC 9728 5.1 resource_metadata parameter that lets a client
 * find the authorization server), the RFC 9728 2 protected-resource metadata document, and
 * the report of a tool call to gatehouse's audit trail (POST <issuer>/oauth2/audit/events,
 * authenticated by the access token itself).
 */
#include <string.h>

#include "base/buf.h"
#include "base/limits.h"
#include "base/str.h"
#include "json/json.h"
#include "rs_int.h"

/* SPEC: RFC6749 3.3 - scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), space-separated */
static bool scope_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > GH_LIMIT_PARAM_VALUE || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' ? s[i + 1] == ' ' : (c < 0x21 || c > 0x7e || c == '"' || c == '\\'))
            return false;
    }
    return true;
}

static bool description_ok(const char *s)
{
    /* SPEC: RFC6750 3 - error_description is %x20-21 / %x23-5B / %x5D-7E */
    if (strlen(s) > 512 || !gh_str_printable(s, strlen(s)))
        return false;
    return strchr(s, '"') == NULL && strchr(s, '\\') == NULL;
}

gh_rs_err gh_rs_challenge(const gh_rs *rs, gh_rs_refusal kind, const char *scope,
                          const char *description, int *out_status, char **out_header)
{
    gh_buf b;
    gh_err e = GH_OK;

    *out_status = 0;
    *out_header = NULL;
    if ((kind == GH_RS_INSUFFICIENT_SCOPE && !scope_ok(scope)) ||
        (kind != GH_RS_INSUFFICIENT_SCOPE && scope != NULL && !scope_ok(scope)) ||
        (description != NULL && !description_ok(description)))
        return GH_RS_EINVAL;
    gh_buf_init(&b, 4 * GH_LIMIT_URI + GH_LIMIT_PARAM_VALUE);
    e = gh_buf_adds(&b, "Bearer ");
    switch (kind) {
    case GH_RS_NO_TOKEN:
        /* SPEC: RFC6750 3.1 - no error code when the request had no authentication */
        *out_status = 401;
        break;
    case GH_RS_INVALID_TOKEN:
        /* SPEC: RFC6750 3.1 - invalid_token: 401 */
        *out_status = 401;
        if (e == GH_OK)
            e = gh_buf_adds(&b, "error=\"invalid_token\", ");
        break;
    case GH_RS_INSUFFICIENT_SCOPE:
        /* SPEC: RFC6750 3.1 - insufficient_scope: 403, with the scope the request needs */
        *out_status = 403;
        if (e == GH_OK)
            e = gh_buf_adds(&b, "error=\"insufficient_scope\", ");
        break;
    default:
        gh_buf_clear(&b);
        return GH_RS_EINVAL;
    }
    if (e == GH_OK && description != NULL && kind != GH_RS_NO_TOKEN)
        e = gh_buf_addf(&b, "error_description=\"%s\", ", description);
    if (e == GH_OK && scope != NULL)
        e = gh_buf_addf(&b, "scope=\"%s\", ", scope);
    /* SPEC: RFC9728 5.1 - resource_metadata: the URL of the protected resource metadata */
    if (e == GH_OK)
        e = gh_buf_addf(&b, "resource_metadata=\"%s\"", rs->metadata_url);
    if (e != GH_OK) {
        gh_buf_clear(&b);
        *out_status = 0;
        return GH_RS_ETOOBIG;
    }
    *out_header = gh_buf_take(&b);
    return GH_RS_OK;
}

gh_rs_err gh_rs_metadata(const gh_rs *rs, char **out_json)
{
    json_t *doc = json_object(), *servers = json_array(), *bearer = json_array();
    json_t *algs = json_array();

    *out_json = NULL;
    gh_assert(doc != NULL && servers != NULL && bearer != NULL && algs != NULL);
    /* SPEC: RFC9728 2 - resource is REQUIRED; the others are OPTIONAL */
    json_object_set_new(doc, "resource", json_string(rs->resource));
    json_array_append_new(servers, json_string(rs->issuer));
    json_object_set_new(doc, "authorization_servers", servers);
    if (rs->nscopes > 0) {
        json_t *sc = json_array();
        gh_assert(sc != NULL);
        for (size_t i = 0; i < rs->nscopes; i++)
            json_array_append_new(sc, json_string(rs->scopes[i]));
        json_object_set_new(doc, "scopes_supported", sc);
    }
    /* Tokens are accepted in the Authorization header only (RFC 6750 2.1). */
    json_array_append_new(bearer, json_string("header"));
    json_object_set_new(doc, "bearer_methods_supported", bearer);
    for (size_t i = 0; rs->algs[i] != GH_ALG_NONE; i++)
        json_array_append_new(algs, json_string(gh_jose_alg_name(rs->algs[i])));
    json_object_set_new(doc, "resource_signing_alg_values_supported", algs);
    *out_json = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return *out_json != NULL ? GH_RS_OK : GH_RS_EINTERNAL;
}

/* True if token is an RFC 6750 2.1 b64token (so it cannot break the header it goes in). */
static bool b64token(const char *t)
{
    size_t n = strlen(t);
    char hdr[16 + GH_LIMIT_TOKEN];

    if (n == 0 || n > GH_LIMIT_TOKEN)
        return false;
    memcpy(hdr, "Bearer ", 7);
    memcpy(hdr + 7, t, n + 1);
    return gh_rs_bearer(hdr) != NULL;
}

gh_rs_err gh_rs_report(gh_rs *rs, const char *token, const gh_rs_call *call, long *out_status)
{
    json_t *doc = NULL, *args = NULL;
    gh_buf auth;
    char *body = NULL, *answer = NULL, *url = NULL;
    const char *hdrs[4] = {"Content-Type: application/json", "Accept: application/json", NULL,
                           NULL};
    size_t alen = 0, n;
    long status = 0;
    gh_rs_err err = GH_RS_OK;

    if (out_status != NULL)
        *out_status = 0;
    if (token == NULL || !b64token(token) || call == NULL || call->tool == NULL ||
        call->outcome == NULL)
        return GH_RS_EINVAL;
    if (call->arguments_json != NULL) {
        json_error_t je;
        args = json_loadb(call->arguments_json, strlen(call->arguments_json),
                          JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
        if (args == NULL)
            return GH_RS_EINVAL;
    }
    doc = json_object();
    gh_assert(doc != NULL);
    if (call->model_id != NULL)
        json_object_set_new(doc, "model_id", json_string(call->model_id));
    json_object_set_new(doc, "tool", json_string(call->tool));
    json_object_set_new(doc, "arguments", args != NULL ? args : json_null());
    json_object_set_new(doc, "outcome", json_string(call->outcome));
    if (call->response != NULL)
        json_object_set_new(doc, "response", json_string(call->response));
    /* json_string gives NULL for a string that is not UTF-8: then the member is missing. */
    if (json_object_get(doc, "tool") == NULL || json_object_get(doc, "outcome") == NULL ||
        (call->model_id != NULL && json_object_get(doc, "model_id") == NULL) ||
        (call->response != NULL && json_object_get(doc, "response") == NULL)) {
        json_decref(doc);
        return GH_RS_EINVAL;
    }
    body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (body == NULL)
        return GH_RS_EINTERNAL;
    if (strlen(body) > GH_RS_MAX_REPORT) {
        free(body);
        return GH_RS_ETOOBIG;
    }
    n = strlen(rs->issuer);
    url = malloc(n + sizeof("/oauth2/audit/events"));
    gh_assert(url != NULL);
    memcpy(url, rs->issuer, n);
    /* An issuer with a path keeps it: its endpoints live under that path. */
    if (n > 0 && url[n - 1] == '/')
        n--;
    memcpy(url + n, "/oauth2/audit/events", sizeof("/oauth2/audit/events"));
    gh_buf_init(&auth, GH_LIMIT_TOKEN + 64);
    if (gh_buf_addf(&auth, "Authorization: Bearer %s", token) != GH_OK) {
        err = GH_RS_ETOOBIG;
        goto done;
    }
    hdrs[2] = gh_buf_str(&auth);
    err = gh_rs__http(rs, url, hdrs, body, strlen(body), GH_RS_MAX_DOC, &status, &answer, &alen);
    if (out_status != NULL)
        *out_status = status;
    if (err == GH_RS_OK && (status < 200 || status > 299))
        err = GH_RS_EFETCH;
done:
    gh_buf_clear(&auth);
    free(answer);
    free(url);
    free(body);
    return err;
}
