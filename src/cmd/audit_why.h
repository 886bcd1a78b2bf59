/*
 * audit_why.h - `gatehouse audit why SEQ|TOKEN|RESOURCE [--json]`: the chain from an action
 * back to the token, the grant, the consent, the login and the client, and for a resource
 * the tool calls that named it (audit_why.c). Called by cmd_audit.c; nothing else uses it.
 */
#ifndef GH_CMD_AUDIT_WHY_H
#define GH_CMD_AUDIT_WHY_H

#include <stdbool.h>

#include "cmd/cmd.h"

/* What `audit why` was asked. */
typedef struct gh_cmd_why_opts {
    const char *start;    /* the positional argument, or NULL */
    const char *resource; /* --resource VALUE, or NULL (then start is required) */
    bool as_json;
    /* For a resource only: since_us, until_us, subject and client_id narrow the tool calls
     * searched (the other members are ignored). */
    gh_audit_filter filter;
} gh_cmd_why_opts;

/* Loads the configuration, opens the store and prints the chain. start is resolved in this
 * order: all digits (at most 18) is an event seq; a JWT (its jti) or a token id the store or
 * the trail knows is a token; anything else is a resource, as is --resource's value. A
 * resource lists the tool.called events whose arguments name it (gh_audit_args_match) and
 * prints the chain of the latest one whose outcome is "ok" (else the latest one). Returns an
 * exit code: GH_CMD_FAIL with a message when nothing matches, GH_CMD_USAGE when filters are
 * given for a seq or a token. */
int gh_cmd_audit_why(gh_cmd_env *env, const gh_cmd_why_opts *o);

#endif
