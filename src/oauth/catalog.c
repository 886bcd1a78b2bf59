/*
 * catalog.c - the catalog snapshot (oauth_int.h: gh_oauth_catalog) and the published scope
 * catalog, GET /.well-known/gatehouse-scopes.
 *
 * A snapshot is everything derived from one version of the scope catalog: the running
 * configuration with that catalog's scopes and resources (every scope and resource lookup of
 * the engine reads these), the catalog document consent.c compares stored versions against,
 * the scopes document, and the discovery documents (discovery.c), whose scopes_supported
 * lists the catalog. It is built at engine start and on each applied reload (engine.c), and
 * never changes once published.
 *
 * The scopes document is the catalog the engine serves (config/catalog.c: each scope with its
 * description, sensitive flag, the resource servers that accept it and its definition hash),
 * with the version it is stored under (engine.c) and the SHA-256 of the whole stored document,
 * so that a client or a resource server can detect that a scope it relies on changed.
 *
 * Not here: settling the version and publishing (engine.c), re-consent (consent.c), diffs and
 * hashes (config/catalog.c).
 */
#include <string.h>

#include "base/digest.h"
#include "base/mem.h"
#include "json/json.h"
#include "oauth/token_int.h"

gh_err gh_oauth__catalog_new(const gh_config *running, const gh_config *catalog, int64_t version,
                             gh_ctx *ctx, gh_oauth_catalog **out)
{
    gh_oauth_catalog *c = gh_xcalloc(1, sizeof(*c));
    json_t *doc = NULL;
    char *canonical = NULL;
    gh_err err = GH_EINTERNAL;

    *out = NULL;
    c->arena = gh_arena_new(0);
    c->cfg = *running;
    gh_config_catalog_copy(&c->cfg, catalog, c->arena);
    c->version = version;
    c->doc = gh_config_catalog_doc(&c->cfg);
    if (c->doc == NULL)
        goto done;
    /* The hash of the document as stored for this version (engine.c hashes the same text). */
    canonical = gh_json_dump_canonical(c->doc);
    if (canonical == NULL)
        goto done;
    doc = json_deep_copy(c->doc);
    json_object_set_new(doc, "hash",
                        json_string(gh_sha256_hex(ctx->arena, canonical, strlen(canonical))));
    json_object_set_new(doc, "version", json_integer((json_int_t)version));
    json_object_set_new(doc, "issuer", json_string(running->issuer));
    c->scopes_document = json_dumps(doc, JSON_COMPACT);
    if (c->scopes_document == NULL)
        goto done;
    err = gh_oauth__discovery_build(&c->cfg, &c->discovery_as, &c->discovery_oidc);
done:
    json_decref(doc);
    free(canonical);
    if (err != GH_OK) {
        gh_oauth__catalog_free(c);
        return err;
    }
    *out = c;
    return GH_OK;
}

void gh_oauth__catalog_free(gh_oauth_catalog *c)
{
    while (c != NULL) {
        gh_oauth_catalog *older = c->older;

        json_decref(c->doc);
        free(c->scopes_document);
        free(c->discovery_as);
        free(c->discovery_oidc);
        gh_arena_free(c->arena);
        free(c);
        c = older;
    }
}

gh_err gh_oauth_scopes_document(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                gh_oauth_response *resp)
{
    const char *text;

    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "method not allowed");
        return GH_OK;
    }
    /* Lives as long as the engine (superseded snapshots are kept): no copy needed. */
    text = gh_oauth__catalog(e, ctx)->scopes_document;
    resp->status = 200;
    resp->text = text;
    resp->text_len = strlen(text);
    resp->content_type = "application/json";
    return GH_OK;
}
