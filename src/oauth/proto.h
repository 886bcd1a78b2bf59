/*
 * proto.h - OAuth and OpenID Connect parameter and value names, defined once.
 */
#ifndef GH_OAUTH_PROTO_H
#define GH_OAUTH_PROTO_H

/* Parameters (RFC 6749, 7009, 7523, 7591, 7636, 7662, 8707, 9126) */
#define GH_P_GRANT_TYPE "grant_type"
#define GH_P_CLIENT_ID "client_id"
#define GH_P_CLIENT_SECRET "client_secret"
#define GH_P_CLIENT_ASSERTION "client_assertion"
#define GH_P_CLIENT_ASSERTION_TYPE "client_assertion_type"
#define GH_P_SCOPE "scope"
#define GH_P_RESOURCE "resource"
#define GH_P_AUDIENCE "audience"
#define GH_P_TOKEN "token"
#define GH_P_TOKEN_TYPE_HINT "token_type_hint"
#define GH_P_CODE "code"
#define GH_P_REDIRECT_URI "redirect_uri"
#define GH_P_CODE_VERIFIER "code_verifier"
#define GH_P_REFRESH_TOKEN "refresh_token"
#define GH_P_ACCESS_TOKEN "access_token" /* RFC 6750 2.2 form parameter */

/* Grant types */
#define GH_GRANT_CLIENT_CREDENTIALS "client_credentials"
#define GH_GRANT_AUTHORIZATION_CODE "authorization_code"
#define GH_GRANT_REFRESH_TOKEN "refresh_token"
#define GH_GRANT_JWT_BEARER "urn:ietf:params:oauth:grant-type:jwt-bearer"
#define GH_GRANT_DEVICE_CODE "urn:ietf:params:oauth:grant-type:device_code"
#define GH_GRANT_TOKEN_EXCHANGE "urn:ietf:params:oauth:grant-type:token-exchange"

/* Client authentication methods */
#define GH_AUTH_BASIC "client_secret_basic"
#define GH_AUTH_POST "client_secret_post"
#define GH_AUTH_PRIVATE_KEY_JWT "private_key_jwt"
#define GH_AUTH_NONE "none"
#define GH_ASSERTION_TYPE_JWT_BEARER "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

/* Token types and hints */
#define GH_TOKEN_TYPE_BEARER "Bearer"
#define GH_HINT_ACCESS_TOKEN "access_token"
#define GH_HINT_REFRESH_TOKEN "refresh_token"

/* Access token strategies */
#define GH_STRATEGY_JWT "jwt"
#define GH_STRATEGY_OPAQUE "opaque"

/* Opaque token prefixes (the prefix tells what a presented value is before any lookup) */
#define GH_PREFIX_ACCESS "gh_at_"
#define GH_PREFIX_REFRESH "gh_rt_"
#define GH_PREFIX_CODE "gh_ac_"
#define GH_PREFIX_SECRET "gh_cs_"
#define GH_PREFIX_REG_TOKEN "gh_rat_"

/* Errors (RFC 6749 5.2, 7009 2.2.1, 7591 3.2.2, 8707 2) */
#define GH_E_INVALID_REQUEST "invalid_request"
#define GH_E_INVALID_CLIENT "invalid_client"
#define GH_E_INVALID_GRANT "invalid_grant"
#define GH_E_UNAUTHORIZED_CLIENT "unauthorized_client"
#define GH_E_UNSUPPORTED_GRANT_TYPE "unsupported_grant_type"
#define GH_E_INVALID_SCOPE "invalid_scope"
#define GH_E_INVALID_TARGET "invalid_target"
#define GH_E_UNSUPPORTED_TOKEN_TYPE "unsupported_token_type"
#define GH_E_INVALID_REDIRECT_URI "invalid_redirect_uri"
#define GH_E_INVALID_CLIENT_METADATA "invalid_client_metadata"
#define GH_E_INVALID_TOKEN "invalid_token"
#define GH_E_INSUFFICIENT_SCOPE "insufficient_scope" /* RFC 6750 3.1 */
#define GH_E_ACCESS_DENIED "access_denied"
#define GH_E_NOT_FOUND "not_found"
#define GH_E_METHOD_NOT_ALLOWED "method_not_allowed"
#define GH_E_SERVER_ERROR "server_error"
#define GH_E_CONFLICT "conflict"

#endif
