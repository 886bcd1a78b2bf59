/*
 * fuzz_config.c - fuzz target for the configuration loader (gh_config__load_mem: libyaml
 * events, the node tree, the schema walk, the scope catalog and resources, environment
 * overrides).
 *
 * The input is a YAML file, optionally followed by a line "#%env" and then environment
 * entries, one "K=V" a line (at most 16), so that overrides are fuzzed too. Beyond "no
 * crash", it checks the loader's promises: an error leaves no configuration and a message
 * that names the file or a GATEHOUSE_ variable; a success has every required field set,
 * only valid scope-tokens, unique scope names, and resource scopes that are catalog entries.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/mem.h"
#include "config/config.h"
#include "config/config_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENV 16

static void check_config(const gh_config *c)
{
    gh_assert(c->issuer != NULL && c->dsn != NULL && c->log_level != NULL);
    gh_assert(c->public_listen != NULL && c->admin_listen != NULL);
    gh_assert(c->access_token_strategy != NULL && c->signing_alg != NULL);
    gh_assert(c->ttl_authorization_code >= 1 && c->ttl_authorization_code <= 60);
    gh_assert(c->key_retire_after > 0);
    gh_assert(c->secrets_system == NULL || strlen(c->secrets_system) >= GH_CONFIG_MIN_SECRET);
    for (size_t i = 0; i < c->n_scopes; i++) {
        gh_assert(gh_config__valid_scope_token(c->scopes[i].name));
        gh_assert(gh_config_scope_find(c, c->scopes[i].name) == &c->scopes[i]);
    }
    for (size_t i = 0; i < c->n_resources; i++) {
        const gh_config_resource *r = &c->resources[i];
        gh_assert(gh_config__valid_abs_uri(r->uri));
        gh_assert(gh_config_resource_find(c, r->uri) == r);
        for (size_t j = 0; j < r->n_scopes; j++) {
            gh_assert(gh_config_scope_find(c, r->scopes[j]) != NULL);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char marker[] = "\n#%env\n";
    char *copy = gh_xmalloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';

    size_t yaml_len = size;
    char *envp[MAX_ENV + 1] = {NULL};
    char *m = strstr(copy, marker); /* stops at an embedded NUL: then no environment */
    if (m != NULL) {
        yaml_len = (size_t)(m - copy) + 1;
        char *line = m + sizeof marker - 1;
        size_t n = 0;
        while (n < MAX_ENV && *line != '\0') {
            char *nl = strchr(line, '\n');
            if (nl != NULL) {
                *nl = '\0';
            }
            envp[n++] = line;
            if (nl == NULL) {
                break;
            }
            line = nl + 1;
        }
    }

    char errbuf[512];
    gh_config *c = (gh_config *)&errbuf; /* must be reset to NULL on failure */
    gh_err e = gh_config__load_mem("fuzz.yaml", copy, yaml_len, envp, &c, errbuf, sizeof errbuf);
    if (e == GH_OK) {
        gh_assert(c != NULL);
        check_config(c);
        gh_config_free(c);
    } else {
        gh_assert(e == GH_EINVAL && c == NULL);
        gh_assert(strncmp(errbuf, "fuzz.yaml:", 10) == 0 || strncmp(errbuf, "GATEHOUSE_", 10) == 0);
    }
    free(copy);
    return 0;
}
