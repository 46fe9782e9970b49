/*
 * hb_curl: the transfer options every libcurl handle of the project gets,
 * and those of the transfers to the hub (TLS, name resolution).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int
check_path(const char *path, int want_dir, const char *name, char *err,
    size_t errlen)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: cannot read %s: %s", name, path,
		    strerror(errno));
		return (-1);
	}
	if (want_dir && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is not a directory", name, path);
		return (-1);
	}
	if (!want_dir && S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s is a directory, not a file",
		    name, path);
		return (-1);
	}
	if (access(path, want_dir ? R_OK | X_OK : R_OK) != 0) {
		snprintf(err, errlen, "%s: cannot read %s: %s", name, path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

int
hb_tls_check(const struct hb_tls *t, const char * const names[4], char *err,
    size_t errlen)
{
	if (t->ca_file != NULL &&
	    check_path(t->ca_file, 0, names[0], err, errlen) != 0)
		return (-1);
	if (t->ca_dir != NULL &&
	    check_path(t->ca_dir, 1, names[1], err, errlen) != 0)
		return (-1);
	if (t->cert != NULL &&
	    check_path(t->cert, 0, names[2], err, errlen) != 0)
		return (-1);
	if (t->key != NULL && t->cert == NULL) {
		snprintf(err, errlen, "%s: needs %s (the certificate it "
		    "belongs to)", names[3], names[2]);
		return (-1);
	}
	if (t->key != NULL &&
	    check_path(t->key, 0, names[3], err, errlen) != 0)
		return (-1);
	return (0);
}

void
hb_curl_hub(CURL *e, const struct hb_tls *t)
{
	/* libcurl's defaults, set again so that no code path of ours can
	 * lose them: the hub's certificate chain and its name are checked. */
	(void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	(void)curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	/*
	 * Re-resolve the hub's name for each new connection: a hub that
	 * moved (a new address under its name) is found at the next
	 * reconnection, not after libcurl's 60 s cache.  Connections are
	 * long-lived (the stream) or pooled (the VMOD), so a lookup per
	 * new connection costs little.
	 */
	(void)curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
#if LIBCURL_VERSION_NUM >= 0x075700
	/*
	 * From 7.87 libcurl may keep a parsed CA store for 24 hours in the
	 * multi handle, keyed by the file's name: a CA bundle rewritten in
	 * place would be ignored for a day by the helper's multi or a
	 * pooled VMOD handle.  Parse it at each new connection instead.
	 * (Debian 12's 7.88 did not reuse it in our tests even without
	 * this; the setting makes sure no version does.)
	 */
	(void)curl_easy_setopt(e, CURLOPT_CA_CACHE_TIMEOUT, 0L);
#endif
	if (t == NULL)
		return;
	if (t->ca_file != NULL)
		(void)curl_easy_setopt(e, CURLOPT_CAINFO, t->ca_file);
	if (t->ca_dir != NULL)
		(void)curl_easy_setopt(e, CURLOPT_CAPATH, t->ca_dir);
	if (t->cert != NULL) {
		(void)curl_easy_setopt(e, CURLOPT_SSLCERT, t->cert);
		(void)curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
		if (t->key != NULL)
			(void)curl_easy_setopt(e, CURLOPT_SSLKEY, t->key);
		/*
		 * A resumed TLS session skips the client certificate: the
		 * hub would go on seeing the one of the first handshake
		 * (maybe revoked or expired since).  With a client
		 * certificate, every new connection presents the current
		 * file: a full handshake, on connections that are rare.
		 */
		(void)curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
	}
}

int
hb_curl_tls_failed(CURLcode cc, const char *errbuf)
{
	switch (cc) {
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/*
		 * In TLS 1.3 the client's side of the handshake ends before
		 * the server has checked our certificate: its refusal is an
		 * alert read with the response ("OpenSSL SSL_read: ...
		 * tlsv13 alert certificate required").
		 */
		return (errbuf != NULL && strstr(errbuf, "SSL") != NULL &&
		    strstr(errbuf, " alert ") != NULL);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return (1);
	default:
		return (0);
	}
}

void
hb_tls_free(struct hb_tls *t)
{
	free(t->ca_file);
	free(t->ca_dir);
	free(t->cert);
	free(t->key);
	t->ca_file = t->ca_dir = t->cert = t->key = NULL;
}

void
hb_headers_free(struct curl_slist *h)
{
	struct curl_slist *l;

	for (l = h; l != NULL; l = l->next)
		explicit_bzero(l->data, strlen(l->data));
	curl_slist_free_all(h);
}
