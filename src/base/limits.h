/*
 * limits.h - every bound on untrusted input, in one place.
 */
#ifndef GH_BASE_LIMITS_H
#define GH_BASE_LIMITS_H

#define GH_LIMIT_BODY_DEFAULT (64 * 1024)  /* request body, overridable in configuration */
#define GH_LIMIT_FORM_PARAMS 64            /* name=value pairs in a form or query */
#define GH_LIMIT_PARAM_NAME 128            /* bytes in one decoded parameter name */
#define GH_LIMIT_PARAM_VALUE (16 * 1024)   /* bytes in one decoded parameter value */
#define GH_LIMIT_HEADER_VALUE (8 * 1024)   /* bytes in one header value we read */
#define GH_LIMIT_JSON_DEPTH 16             /* nesting of an input JSON document */
#define GH_LIMIT_SCOPES 64                 /* scope tokens in one request */
#define GH_LIMIT_SCOPE_TOKEN 128           /* bytes in one scope token */
#define GH_LIMIT_REDIRECT_URIS 32          /* redirect URIs of one client */
#define GH_LIMIT_URI 2048                  /* bytes in one URI */
#define GH_LIMIT_CLIENT_STRING 1024        /* bytes in other client metadata strings */
#define GH_LIMIT_JWS 16384                 /* bytes in a JWS we verify */
#define GH_LIMIT_JWKS_KEYS 16              /* keys in a client's JWKS */
#define GH_LIMIT_TOKEN 4096                /* bytes in a token presented to us */
#define GH_LIMIT_APP_CLAIMS 4096           /* bytes of JSON in a login/consent app's claims
                                              for one token (session.access_token, ...) */
#define GH_LIMIT_LIST_PAGE 500             /* most items in one admin list page */
#define GH_LIMIT_CONNECTIONS_DEFAULT 1024  /* concurrent connections per listener */
#define GH_LIMIT_IDLE_SECONDS_DEFAULT 30   /* idle connection timeout */

#endif
