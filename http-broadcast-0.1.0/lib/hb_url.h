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

/* url with "name=value" appended to its query, value URL-encoded. */
char *hb_url_add_query(const char *url, const char *name, const char *value);

/*
 * What every transfer of the project sets: no signals (timeouts in threads
 * and in one event loop), no redirects (only the configured host is ever
 * contacted), http and https only.
 */
void hb_curl_defaults(CURL *e);

#endif /* HB_URL_H */
