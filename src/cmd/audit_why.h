/*
 * audit_why.h - `gatehouse audit why SEQ|TOKEN [--json]`: the chain from an action back to the
 * token, the grant, the consent, the login and the client (audit_why.c). Called by
 * cmd_audit.c; nothing else uses it.
 */
#ifndef GH_CMD_AUDIT_WHY_H
#define GH_CMD_AUDIT_WHY_H

#include <stdbool.h>

#include "cmd/cmd.h"

/* Loads the configuration, opens the store and prints the chain for start (an event seq, a
 * token id as the audit events name it, or a JWT access token's value). Returns an exit code:
 * GH_CMD_FAIL with a message when start names nothing known. */
int gh_cmd_audit_why(gh_cmd_env *env, const char *start, bool as_json);

#endif
