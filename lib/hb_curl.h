/*
 * hb_curl: how the project's libcurl transfers are set up, in one place.
 * The VMOD's publishes, the helper's subscription and its replays all
 * start from these options; the transfers to the hub also get the hub's
 * TLS settings and name resolution rules (hb_curl_hub()).
 */

#ifndef HB_CURL_H
#define HB_CURL_H

#include <stddef.h>

#include <curl/curl.h>

/*
 * What every transfer of the project sets: no signals (timeouts in threads
 * and in one event loop), no redirects and no proxy from the environment
 * (only the configured host is ever contacted, and a stray http_proxy
 * never sees a token), http and https only.
 */
void hb_curl_defaults(CURL *e);

/* Free a header list that may hold a credential (a bearer line): every
 * header is wiped first.  NULL is a no-op. */
void hb_headers_free(struct curl_slist *h);

/*
 * How the hub's certificate is checked and how we prove who we are, for
 * the VMOD's hub(ca_file = ...) and the helper's HUB_CA_FILE...  Every
 * field is a file name or NULL, owned by whoever filled the struct (the
 * VMOD's hub object, the helper's settings).
 */
struct hb_tls {
	char		*ca_file;	/* PEM bundle; NULL: system store */
	char		*ca_dir;	/* rehashed directory, or NULL */
	char		*cert;		/* client certificate (PEM) */
	char		*key;		/* its key; NULL: in the cert file */
};
/* Free the four paths (the struct itself is the caller's). */
void hb_tls_free(struct hb_tls *t);

/*
 * Checks the settings once at start, so that a typo is a clear
 * configuration error and not a failed transfer later: each file or
 * directory given can be read, and a key comes with a certificate.
 * Returns 0, or -1 with one line in err naming what is wrong ("ca_file",
 * "client_key"... as the names[] given: ca_file, ca_dir, cert, key).
 */
int hb_tls_check(const struct hb_tls *t, const char * const names[4],
    char *err, size_t errlen);

/*
 * The options of a transfer to the hub, after hb_curl_defaults():
 * certificate and host name verification always on (there is no switch
 * to turn it off), the files of *t read again at each new connection
 * (rotation without restart), and the hub's name resolved again at each
 * new connection.  t may be NULL: the system's trust store, no client
 * certificate.
 */
void hb_curl_hub(CURL *e, const struct hb_tls *t);

/*
 * True when a transfer failed in TLS: the hub's certificate was refused
 * (unknown CA, expired, another name), our own files could not be used,
 * or the hub refused the handshake (our client certificate).  errbuf is
 * the transfer's CURLOPT_ERRORBUFFER, or NULL.
 */
int hb_curl_tls_failed(CURLcode cc, const char *errbuf);

#endif /* HB_CURL_H */
