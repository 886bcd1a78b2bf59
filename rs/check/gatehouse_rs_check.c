/*
 * gatehouse_rs_check.c - gatehouse-rs-check, a command-line client of the resource-server kit
 * (and an example of its use through the public header only): checks one access token against
 * a live issuer as the resource server would and prints the outcome as one JSON object.
 *
 *   gatehouse-rs-check --issuer URL --resource URI [--alg ALG]... [--scope SCOPE]
 *                      [--client-id ID [--online]] [--report TOOL [--model-id ID]] TOKEN|-
 *
 * The client secret for introspection comes from GATEHOUSE_RS_CLIENT_SECRET (never argv,
 * which other users of the machine can read). "-" reads the token from stdin. --online checks
 * the token as an API checks an operation that changes things (gh_rs_verify_online): after the
 * local check, the issuer's introspection decides, for a JWT too, so a revoked token or consent
 * is refused.
 * Prints {"active","error","introspected","sub","client_id","jti","scope","exp","claims",
 * "status","www_authenticate"[,"scope_ok"][,"report_status"]}. Exit 0 when the token is
 * accepted (with the scope, if one was given), 1 when it is refused, 2 on bad usage or when
 * the issuer cannot be reached.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gatehouse_rs.h"

#define MAX_ALGS 8

static int usage(void)
{
    fputs("usage: gatehouse-rs-check --issuer URL --resource URI [--alg ALG]... "
          "[--scope SCOPE] [--client-id ID [--online]] [--report TOOL [--model-id ID]] TOKEN|-\n"
          "  the introspection secret is read from GATEHOUSE_RS_CLIENT_SECRET;\n"
          "  --online asks the issuer about every token, JWTs too (needs --client-id)\n",
          stderr);
    return 2;
}

static void set_opt_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, v != NULL ? json_string(v) : json_null());
}

int main(int argc, char **argv)
{
    const char *algs[MAX_ALGS + 1] = {NULL};
    size_t nalgs = 0;
    const char *scope = NULL, *token = NULL, *report = NULL, *model = NULL;
    char line[8192];
    gh_rs_config cfg;
    gh_rs *rs = NULL;
    gh_rs_token t;
    gh_rs_err err;
    json_t *out = NULL, *claims = NULL;
    char *hdr = NULL, *text = NULL;
    int status = 200, rc = 2;
    bool ok, online = false;

    memset(&cfg, 0, sizeof(cfg));
    memset(&t, 0, sizeof(t));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0) {
            usage();
            return 0;
        }
        if (strcmp(a, "--online") == 0) {
            online = true;
            continue;
        }
        if (a[0] == '-' && a[1] == '-') {
            if (v == NULL)
                return usage();
            i++;
            if (strcmp(a, "--issuer") == 0)
                cfg.issuer = v;
            else if (strcmp(a, "--resource") == 0)
                cfg.resource = v;
            else if (strcmp(a, "--client-id") == 0)
                cfg.client_id = v;
            else if (strcmp(a, "--scope") == 0)
                scope = v;
            else if (strcmp(a, "--report") == 0)
                report = v;
            else if (strcmp(a, "--model-id") == 0)
                model = v;
            else if (strcmp(a, "--alg") == 0 && nalgs < MAX_ALGS)
                algs[nalgs++] = v;
            else
                return usage();
        } else if (token == NULL) {
            token = a;
        } else {
            return usage();
        }
    }
    if (cfg.issuer == NULL || cfg.resource == NULL || token == NULL)
        return usage();
    if (online && cfg.client_id == NULL) {
        fputs("gatehouse-rs-check: --online needs --client-id\n", stderr);
        return 2;
    }
    if (strcmp(token, "-") == 0) {
        size_t n;
        if (fgets(line, sizeof(line), stdin) == NULL)
            return usage();
        n = strcspn(line, "\r\n");
        line[n] = '\0';
        token = line;
    }
    cfg.algorithms = nalgs > 0 ? algs : NULL;
    if (cfg.client_id != NULL) {
        cfg.client_secret = getenv("GATEHOUSE_RS_CLIENT_SECRET");
        if (cfg.client_secret == NULL) {
            fputs("gatehouse-rs-check: --client-id needs GATEHOUSE_RS_CLIENT_SECRET\n", stderr);
            return 2;
        }
    }
    err = gh_rs_new(&cfg, &rs);
    if (err != GH_RS_OK) {
        fprintf(stderr, "gatehouse-rs-check: configuration: %s\n", gh_rs_err_str(err));
        return 2;
    }
    err = online ? gh_rs_verify_online(rs, token, &t) : gh_rs_verify(rs, token, &t);
    if (err != GH_RS_OK) {
        fprintf(stderr, "gatehouse-rs-check: %s (%s)\n", gh_rs_err_str(err),
                t.error != NULL ? t.error : "");
        goto done;
    }
    ok = t.active && (scope == NULL || gh_rs_require_scope(&t, scope));
    if (!ok) {
        err = gh_rs_challenge(rs, t.active ? GH_RS_INSUFFICIENT_SCOPE : GH_RS_INVALID_TOKEN,
                              t.active ? scope : NULL, NULL, &status, &hdr);
        if (err != GH_RS_OK) {
            fprintf(stderr, "gatehouse-rs-check: %s\n", gh_rs_err_str(err));
            goto done;
        }
    }
    out = json_object();
    json_object_set_new(out, "active", json_boolean(t.active));
    set_opt_str(out, "error", t.error);
    json_object_set_new(out, "introspected", json_boolean(t.introspected));
    set_opt_str(out, "sub", t.subject);
    set_opt_str(out, "client_id", t.client_id);
    set_opt_str(out, "jti", t.jti);
    set_opt_str(out, "scope", t.scope);
    json_object_set_new(out, "exp", json_integer(t.exp));
    if (t.claims_json != NULL)
        claims = json_loads(t.claims_json, 0, NULL);
    json_object_set_new(out, "claims", claims != NULL ? claims : json_null());
    json_object_set_new(out, "status", json_integer(status));
    set_opt_str(out, "www_authenticate", hdr);
    if (scope != NULL)
        json_object_set_new(out, "scope_ok", json_boolean(gh_rs_require_scope(&t, scope)));
    if (report != NULL && t.active) {
        gh_rs_call call = {model, report, "{\"via\":\"gatehouse-rs-check\"}", ok ? "ok" : "denied",
                           NULL};
        long rstatus = 0;
        err = gh_rs_report(rs, token, &call, &rstatus);
        json_object_set_new(out, "report_status", json_integer(rstatus));
        err = GH_RS_OK; /* the answer says how the report went */
    }
    text = json_dumps(out, JSON_COMPACT);
    if (text != NULL)
        puts(text);
    rc = ok ? 0 : 1;
done:
    free(text);
    json_decref(out);
    free(hdr);
    gh_rs_token_clear(&t);
    gh_rs_free(rs);
    return rc;
}
