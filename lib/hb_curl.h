/*
 * hb_curl: how the project's libcurl transfers are set up, in one place.
 * The VMOD's publishes, the helper's subscription and its replays all
 * start from these options.
 */

#ifndef HB_CURL_H
#define HB_CURL_H

#include <curl/curl.h>

/*
 * What every transfer of the project sets: no signals (timeouts in threads
 * and in one event loop), no redirects and no proxy from the environment
 * (only the configured host is ever contacted, and a stray http_proxy
 * never sees a token), http and https only.
 */
void hb_curl_defaults(CURL *e);

#endif /* HB_CURL_H */
