/*
 * subscribe: the subscription transfer.  See subscribe.h.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "hb_curl.h"
#include "hb_http.h"

#include "settings.h"
#include "subscribe.h"

/* A hub that does not answer the connection in this long is down. */
#define CONNECT_TIMEOUT_MS	10000L

struct curl_slist *
subscribe_headers(const char *token, const char *last_id)
{
	struct curl_slist *h = NULL, *n;
	char *line = NULL;
	int bad = 0;

#define ADD(str) do {							\
	if (!bad && (n = curl_slist_append(h, str)) != NULL) h = n;	\
	else bad = 1;							\
} while (0)
	ADD("Accept: text/event-stream");
	ADD("Cache-Control: no-cache");
	if (*token != '\0') {
		if ((line = hb_bearer_header(token)) == NULL)
			bad = 1;
		else
			ADD(line);
		hb_bearer_free(line);
		line = NULL;
	}
	if (last_id != NULL && *last_id != '\0') {
		if (asprintf(&line, "Last-Event-ID: %s", last_id) < 0)
			bad = 1;
		else
			ADD(line);
		free(line);
	}
#undef ADD
	if (bad) {
		hb_headers_free(h);
		return (NULL);
	}
	return (h);
}

CURL *
subscribe_start(CURLM *multi, const char *url, struct curl_slist *hdrs,
    const struct settings *cfg, const struct subscribe_io *io)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return (NULL);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, io->on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, io->priv);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, io->on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, io->priv);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, io->errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	hb_curl_defaults(e);
	hb_curl_hub(e, &cfg->hub_tls);
	if (cfg->hub_proxy != NULL)
		curl_easy_setopt(e, CURLOPT_PROXY, cfg->hub_proxy);
	if (curl_multi_add_handle(multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return (NULL);
	}
	return (e);
}

enum log_level
subscribe_ended(CURLcode res, const char *problem, const char *errbuf,
    uint64_t *tls_failures, char *why, size_t len)
{
	if (*problem != '\0') {
		snprintf(why, len, "%s", problem);
		return (LOG_WARN);
	}
	if (res == CURLE_OK) {
		snprintf(why, len, "hub closed the stream");
		return (LOG_INFO);
	}
	if (hb_curl_tls_failed(res, errbuf))
		(*tls_failures)++;
	snprintf(why, len, "%s%s%s", curl_easy_strerror(res),
	    *errbuf != '\0' ? ": " : "", errbuf);
	return (LOG_WARN);
}
