/*
 * fuzz_register.c - fuzz target for client metadata validation (gh_oauth__client_validate,
 * the heart of RFC 7591 registration and the admin client API) against a static demo
 * configuration, and for the client model built from its output.
 *
 * Input: a request body, parsed as the endpoint parses it (gh_json_parse_object). Beyond "no
 * crash", it checks the promises, for both sources (admin and DCR): exactly one of document
 * and error; an error is invalid_redirect_uri or invalid_client_metadata with a description;
 * a document holds only allowed grant and response types, valid redirect URIs and catalog
 * scopes, never skip_consent for DCR, is a fixed point (validating it again gives the same
 * document), and loads as a client (gh_oauth__client_from_row).
 */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/limits.h"
#include "base/str.h"
#include "json/json.h"
#include "oauth/client_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const gh_config_scope scopes[] = {
    {"openid", "Sign you in", false},
    {"profile", "Read your name", false},
    {"email", "Read your email address", false},
    {"offline_access", "Keep access", false},
    {"dns:read", "Read DNS records", false},
    {"dns:write", "Change DNS records", true},
    {"logs:read", "Read firewall logs", false},
    {"settings:write", "Change zone settings", true},
};

static void check_doc(const gh_config *cfg, gh_arena *a, const json_t *doc, gh_oauth_client_src src)
{
    const char *method = json_string_value(json_object_get(doc, "token_endpoint_auth_method"));
    const char *scope = json_string_value(json_object_get(doc, "scope"));
    bool pub;
    size_t i;
    json_t *v, *again = NULL, *full;
    gh_oauth_meta_err err;
    gh_strv toks;
    gh_client row;
    gh_oauth_client *c = NULL;

    gh_assert(method != NULL && scope != NULL);
    pub = strcmp(method, GH_AUTH_NONE) == 0;
    json_array_foreach(json_object_get(doc, "grant_types"), i, v)
    {
        const char *g = json_string_value(v);
        gh_assert(g != NULL && strcmp(g, "implicit") != 0 && strcmp(g, "password") != 0);
        gh_assert(!(pub && strcmp(g, GH_GRANT_CLIENT_CREDENTIALS) == 0));
    }
    json_array_foreach(json_object_get(doc, "response_types"), i, v)
        gh_assert(strcmp(json_string_value(v), "code") == 0);
    json_array_foreach(json_object_get(doc, "redirect_uris"), i, v)
        gh_assert(gh_oauth__redirect_uri_valid(json_string_value(v), pub, NULL));
    gh_assert(gh_strv_split_scope(a, scope, GH_LIMIT_SCOPES, &toks) == GH_OK);
    for (i = 0; i < toks.n; i++)
        gh_assert(gh_config_scope_find(cfg, toks.v[i]) != NULL);
    if (src == GH_OAUTH_SRC_DCR)
        gh_assert(json_is_false(json_object_get(doc, "skip_consent")));
    gh_assert(json_object_get(doc, "client_id") == NULL);

    /* A fixed point. */
    gh_assert(gh_oauth__client_validate(cfg, a, doc, src, &again, &err) == GH_OK);
    gh_assert(again != NULL && err.code == NULL);
    gh_assert(json_equal(again, doc));
    json_decref(again);

    /* Loads as a client. */
    full = json_deep_copy(doc);
    memset(&row, 0, sizeof(row));
    row.client_id = "fuzz";
    row.doc = gh_json_dump_a(a, full);
    gh_assert(gh_oauth__client_from_row(&row, &c) == GH_OK);
    gh_assert(strcmp(c->token_endpoint_auth_method, method) == 0);
    gh_assert(c->scopes.n == toks.n);
    gh_oauth__client_release(c);
    json_decref(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gh_oauth_client_src srcs[] = {GH_OAUTH_SRC_ADMIN, GH_OAUTH_SRC_DCR};
    gh_config cfg;
    gh_arena *a;
    json_t *in = NULL;

    memset(&cfg, 0, sizeof(cfg));
    cfg.issuer = "http://127.0.0.1:4444";
    cfg.access_token_strategy = "jwt";
    cfg.registration_enabled = true;
    cfg.scopes = (gh_config_scope *)scopes;
    cfg.n_scopes = sizeof(scopes) / sizeof(scopes[0]);
    if (gh_json_parse_object((const char *)data, size, GH_LIMIT_BODY_DEFAULT, &in, NULL, 0) !=
        GH_OK)
        return 0;
    a = gh_arena_new(0);
    for (size_t k = 0; k < 2; k++) {
        json_t *doc = NULL;
        gh_oauth_meta_err err;

        gh_assert(gh_oauth__client_validate(&cfg, a, in, srcs[k], &doc, &err) == GH_OK);
        if (doc == NULL) {
            gh_assert(err.code != NULL && err.desc != NULL);
            gh_assert(strcmp(err.code, GH_E_INVALID_REDIRECT_URI) == 0 ||
                      strcmp(err.code, GH_E_INVALID_CLIENT_METADATA) == 0);
            continue;
        }
        gh_assert(err.code == NULL);
        check_doc(&cfg, a, doc, srcs[k]);
        json_decref(doc);
    }
    json_decref(in);
    gh_arena_free(a);
    return 0;
}
