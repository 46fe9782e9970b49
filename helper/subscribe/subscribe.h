/*
 * subscribe: the transfer of a subscription to a hub (a Server-Sent
 * Events stream), the same for the events' streams (stream.c) and the
 * reports' listener (fleet.c): its request headers and its options.
 * What is made of the answer is theirs (hubreply.c, sse.c).
 */

#ifndef HB_SUBSCRIBE_H
#define HB_SUBSCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "log.h"

struct settings;

/* Where the answer goes. */
struct subscribe_io {
	curl_write_callback	on_header;
	curl_write_callback	on_body;
	void			*priv;
	char			*errbuf;	/* CURL_ERROR_SIZE bytes */
};

/*
 * Accept, Cache-Control, the bearer line when token is not empty, and
 * Last-Event-ID when last_id is neither NULL nor empty.  NULL when out of
 * memory.  It holds the token: release it with hb_headers_free().
 */
struct curl_slist *subscribe_headers(const char *token, const char *last_id);

/*
 * The transfer of url with hdrs, on the project's defaults and the hub's
 * TLS and proxy settings (cfg), added to multi.  The easy handle, or NULL
 * when it could not be made or added (hdrs stays the caller's).
 */
CURL *subscribe_start(CURLM *multi, const char *url, struct curl_slist *hdrs,
    const struct settings *cfg, const struct subscribe_io *io);

/*
 * Why a subscription transfer ended, into why for the log line: the
 * problem its answer's headers showed (problem not empty), the hub
 * closing the stream (normal: hubs do every few minutes), or libcurl's
 * error (res, errbuf), a TLS one counted in *tls_failures.  Returns the
 * level to log it at.
 */
enum log_level subscribe_ended(CURLcode res, const char *problem,
    const char *errbuf, uint64_t *tls_failures, char *why, size_t len);

#endif /* HB_SUBSCRIBE_H */
