/*
 * hb_url: hub endpoint handling shared by the VMOD and the helper.
 */

#ifndef HB_URL_H
#define HB_URL_H

#include <stddef.h>

#include <curl/curl.h>

/*
 * Parse a hub endpoint (HUB_ENDPOINT).  It must be an absolute http or
 * https URL.  A "topic" query parameter, as the original project allowed
 * ("https://hub/.well-known/mercure?topic=t"), is removed from the URL and
 * returned in *topic (NULL when absent).  Returns 0, or -1 with a reason in
 * err.  *url and *topic are malloc'ed.
 */
int hb_endpoint_parse(const char *endpoint, char **url, char **topic,
    char *err, size_t errlen);

/*
 * Parse an agent endpoint (AGENT_ENDPOINT): "host[:port]" as the original
 * project took it, or an http or https URL without a path (other than
 * "/") or a query.  *endpoint is its canonical "scheme://host[:port]"
 * (malloc'ed), which parses back to itself.  0, or -1 with a reason.
 */
int hb_agent_parse(const char *v, char **endpoint, char *err, size_t errlen);

/* The value of hex digit c (either case), or -1. */
int hb_hexval(int c);
/* n bytes from the 2n hex digits at hex (either case): 0, or -1 when one
 * is not a hex digit (out is then partly written). */
int hb_hex_decode(const char *hex, size_t n, unsigned char *out);

/* url with "name=value" appended to its query, value URL-encoded. */
char *hb_url_add_query(const char *url, const char *name, const char *value);

/*
 * url as it may be logged: the userinfo and the values of the query
 * parameters that carry tokens (Mercure's "authorization", and
 * "access_token", "token", "jwt") replaced by "REDACTED".  malloc'ed;
 * NULL when out of memory or url is no URL (log nothing of it then).
 */
char *hb_url_redact(const char *url);

/*
 * The audience a Mercure 1.0 hub expects in a token sent to url: the URL
 * as the client sends it, without its query and fragment (the hub builds
 * it from the scheme, the Host header and its path).  malloc'ed; NULL when
 * out of memory.
 */
char *hb_url_audience(const char *url);

/*
 * The URL every replay is sent to: agent's root, built with libcurl's URL
 * API.  An event's path and query never enter it: they travel as the
 * request-target (CURLOPT_REQUEST_TARGET, hb_event_target()), so nothing
 * a publisher writes can change where a replay goes.  The built URL is
 * parsed back and must name agent's scheme, host and port.  0, or -1
 * with a reason in err; *url is malloc'ed.
 */
int hb_agent_url(const char *agent, char **url, char *err, size_t errlen);
/* 1 when url and agent name the same scheme, host and port. */
int hb_same_origin(const char *url, const char *agent);

#endif /* HB_URL_H */
