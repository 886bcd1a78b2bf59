/*
 * catalog.c - the published scope catalog: GET /.well-known/gatehouse-scopes.
 *
 * The document is the catalog the engine serves (config/catalog.c: each scope with its
 * description, sensitive flag, the resource servers that accept it and its definition hash),
 * with the version it is stored under (engine.c) and the SHA-256 of the whole stored document,
 * so that a client or a resource server can detect that a scope it relies on changed. It is
 * built once at engine start from the immutable configuration (gh_oauth__catalog_build), as
 * is e->catalog, the document consent.c compares stored versions against.
 *
 * Not here: settling the version (engine.c), re-consent (consent.c), diffs and hashes
 * (config/catalog.c).
 */
#include <string.h>

#include "base/digest.h"
#include "json/json.h"
#include "oauth/token_int.h"

gh_err gh_oauth__catalog_build(gh_engine *e, gh_ctx *ctx)
{
    json_t *doc;
    char *canonical;

    e->catalog = gh_config_catalog_doc(e->cfg);
    doc = json_deep_copy(e->catalog);
    /* The hash of the document as stored for this version (engine.c hashes the same text). */
    canonical = gh_json_dump_canonical(e->catalog);
    json_object_set_new(doc, "hash",
                        json_string(gh_sha256_hex(ctx->arena, canonical, strlen(canonical))));
    free(canonical);
    json_object_set_new(doc, "version", json_integer((json_int_t)e->catalog_version));
    json_object_set_new(doc, "issuer", json_string(e->cfg->issuer));
    e->scopes_document = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return e->catalog != NULL && e->scopes_document != NULL ? GH_OK : GH_EINTERNAL;
}

gh_err gh_oauth_scopes_document(gh_engine *e, gh_ctx *ctx, const gh_oauth_request *req,
                                gh_oauth_response *resp)
{
    (void)ctx;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        gh_oauth_error(resp, 405, GH_E_INVALID_REQUEST, "method not allowed");
        return GH_OK;
    }
    resp->text = e->scopes_document;
    resp->text_len = strlen(e->scopes_document);
    resp->content_type = "application/json";
    return GH_OK;
}
