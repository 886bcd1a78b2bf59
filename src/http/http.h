/*
 * http.h - the libmicrohttpd adapter: the public and admin listeners, the route table,
 * request parsing and limits, response headers, request ids and the access log.
 * Nothing outside this module includes microhttpd.h.
 */
#ifndef GH_HTTP_HTTP_H
#define GH_HTTP_HTTP_H

#include <stdbool.h>

#include "base/err.h"
#include "config/config.h"
#include "oauth/oauth.h"

typedef struct gh_http gh_http;

/* Starts both listeners (addresses, limits and threads from cfg). The engine is borrowed. */
GH_MUST_CHECK gh_err gh_http_start(const gh_config *cfg, gh_engine *engine, gh_http **out);
/* Returns the port a listener is bound to (useful when the configuration asked for port 0). */
unsigned gh_http_port(const gh_http *h, bool admin);
/* Stops the listeners, finishing requests in flight. NULL is OK. */
void gh_http_stop(gh_http *h);

#endif
