/*
 * hb_curl: the transfer options every libcurl handle of the project gets.
 */

#include "config.h"

#include <curl/curl.h>

#include "hb_curl.h"

void
hb_curl_defaults(CURL *e)
{
	/* An empty proxy overrides http_proxy, ALL_PROXY and the like. */
	(void)curl_easy_setopt(e, CURLOPT_PROXY, "");
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	(void)curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	(void)curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
}
