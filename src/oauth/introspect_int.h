/*
 * introspect_int.h - what issuance stores so that introspection and revocation can
 * authenticate a JWT access token without verifying its signature (introspect.c's file
 * comment explains why that is as strong).
 *
 * Contract: when issue.c mints a JWT access token it sets the row's extra to
 * gh_oauth__jwt_extra(arena, jwt) (or merges the GH_OAUTH_JWT_HASH_MEMBER member with that
 * value into its own extra object). Rows without it still work: their tokens are verified
 * with the published key, at the cost of an ECDSA verification per request.
 */
#ifndef GH_OAUTH_INTROSPECT_INT_H
#define GH_OAUTH_INTROSPECT_INT_H

#include "base/arena.h"

/* The member of gh_token.extra that holds the lowercase hex SHA-256 of the compact JWT. */
#define GH_OAUTH_JWT_HASH_MEMBER "token_sha256"

/* Returns {"token_sha256":"<hex SHA-256 of jwt>"} in the arena: the extra of a JWT row. */
char *gh_oauth__jwt_extra(gh_arena *a, const char *jwt);

#endif
