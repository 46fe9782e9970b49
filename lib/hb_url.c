/*
 * hb_url: endpoint parsing with libcurl's URL API.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "hb_url.h"

int
hb_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* application/x-www-form-urlencoded value decoding ('+' is a space). */
static char *
form_unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t i, o = 0;

	if (out == NULL)
		return (NULL);
	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < len &&
		    hb_hexval(s[i + 1]) >= 0 && hb_hexval(s[i + 2]) >= 0 &&
		    (hb_hexval(s[i + 1]) | hb_hexval(s[i + 2])) != 0) {
			out[o++] = (char)(hb_hexval(s[i + 1]) << 4 | hb_hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return (out);
}

/*
 * Split query q into the value of the first "topic" parameter and the
 * remaining parameters (in order).
 */
static int
split_topic(const char *q, char **topic, char **rest)
{
	size_t qlen = strlen(q), o = 0, l;
	const char *p = q, *e;

	*topic = NULL;
	*rest = malloc(qlen + 1);
	if (*rest == NULL)
		return (-1);
	while (*p != '\0') {
		e = strchr(p, '&');
		l = e != NULL ? (size_t)(e - p) : strlen(p);
		if (l >= 6 && strncmp(p, "topic=", 6) == 0) {
			if (*topic == NULL) {
				*topic = form_unescape(p + 6, l - 6);
				if (*topic == NULL)
					return (-1);
			}
		} else if (l > 0) {
			if (o > 0)
				(*rest)[o++] = '&';
			memcpy(*rest + o, p, l);
			o += l;
		}
		p += l;
		if (*p == '&')
			p++;
	}
	(*rest)[o] = '\0';
	return (0);
}

int
hb_endpoint_parse(const char *endpoint, char **url, char **topic,
    char *err, size_t errlen)
{
	CURLU *u;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL, *query = NULL, *rest = NULL;
	char *full = NULL;
	int r = -1;

	*url = NULL;
	*topic = NULL;
	if (endpoint == NULL || *endpoint == '\0') {
		snprintf(err, errlen, "hub endpoint is empty");
		return (-1);
	}
	u = curl_url();
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	uc = curl_url_set(u, CURLUPART_URL, endpoint, 0);
	if (uc != CURLUE_OK) {
		snprintf(err, errlen, "hub endpoint is not a valid URL: %s",
		    curl_url_strerror(uc));
		goto done;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(err, errlen, "hub endpoint must be an http:// or "
		    "https:// URL");
		goto done;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0') {
		snprintf(err, errlen, "hub endpoint has no host");
		goto done;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		if (split_topic(query, topic, &rest) != 0) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		if (curl_url_set(u, CURLUPART_QUERY,
		    *rest != '\0' ? rest : NULL, 0) != CURLUE_OK) {
			snprintf(err, errlen, "cannot rebuild hub endpoint");
			goto done;
		}
	}
	(void)curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK ||
	    (*url = strdup(full)) == NULL) {
		snprintf(err, errlen, "cannot rebuild hub endpoint");
		goto done;
	}
	r = 0;
  done:
	if (r != 0) {
		free(*topic);
		*topic = NULL;
	}
	free(rest);
	curl_free(full);
	curl_free(query);
	curl_free(host);
	curl_free(scheme);
	curl_url_cleanup(u);
	return (r);
}

char *
hb_url_add_query(const char *url, const char *name, const char *value)
{
	CURLU *u;
	char *part, *full = NULL, *out = NULL;
	size_t l = strlen(name) + strlen(value) + 2;

	u = curl_url();
	part = malloc(l);
	if (u == NULL || part == NULL)
		goto done;
	snprintf(part, l, "%s=%s", name, value);
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_QUERY, part,
	    CURLU_APPENDQUERY | CURLU_URLENCODE) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
		out = strdup(full);
  done:
	curl_free(full);
	free(part);
	curl_url_cleanup(u);
	return (out);
}

static int
secret_param(const char *p, size_t len)
{
	static const char * const names[] = {
		"authorization", "access_token", "token", "jwt", NULL
	};
	const char * const *n;

	for (n = names; *n != NULL; n++)
		if (strlen(*n) == len && strncasecmp(*n, p, len) == 0)
			return (1);
	return (0);
}

/* query with the values of secret parameters replaced (malloc'ed). */
static char *
redact_query(const char *q)
{
	static const char red[] = "REDACTED";
	char *out = malloc(strlen(q) * (sizeof red) + 1);
	size_t o = 0, l, nl;
	const char *p = q, *e, *eq;

	if (out == NULL)
		return (NULL);
	while (*p != '\0') {
		e = strchr(p, '&');
		l = e != NULL ? (size_t)(e - p) : strlen(p);
		eq = memchr(p, '=', l);
		nl = eq != NULL ? (size_t)(eq - p) : l;
		if (eq != NULL && secret_param(p, nl)) {
			memcpy(out + o, p, nl + 1);
			o += nl + 1;
			memcpy(out + o, red, sizeof red - 1);
			o += sizeof red - 1;
		} else {
			memcpy(out + o, p, l);
			o += l;
		}
		p += l;
		if (*p == '&')
			out[o++] = *p++;
	}
	out[o] = '\0';
	return (out);
}

char *
hb_url_redact(const char *url)
{
	CURLU *u;
	char *q = NULL, *rq = NULL, *user = NULL, *full = NULL, *out = NULL;

	u = curl_url();
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK &&
	    (curl_url_set(u, CURLUPART_USER, "REDACTED", 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK))
		goto done;
	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) == CURLUE_OK &&
	    ((rq = redact_query(q)) == NULL ||
	    curl_url_set(u, CURLUPART_QUERY, rq, 0) != CURLUE_OK))
		goto done;
	if (curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
		out = strdup(full);
  done:
	curl_free(full);
	curl_free(user);
	curl_free(q);
	free(rq);
	curl_url_cleanup(u);
	return (out);
}

/* scheme, host and port of url (port: the scheme's default if none). */
static int
origin_of(const char *url, char **scheme, char **host, char **port)
{
	CURLU *u = curl_url();
	int r = -1;

	*scheme = *host = *port = NULL;
	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) ==
	    CURLUE_OK)
		r = 0;
	curl_url_cleanup(u);
	return (r);
}

int
hb_same_origin(const char *url, const char *agent)
{
	char *s1, *h1, *p1, *s2, *h2, *p2;
	int same;

	same = origin_of(url, &s1, &h1, &p1) == 0 &&
	    origin_of(agent, &s2, &h2, &p2) == 0 &&
	    strcmp(s1, s2) == 0 && strcasecmp(h1, h2) == 0 &&
	    strcmp(p1, p2) == 0;
	curl_free(s1);
	curl_free(h1);
	curl_free(p1);
	curl_free(s2);
	curl_free(h2);
	curl_free(p2);
	return (same);
}

int
hb_agent_url(const char *agent, char **url, char *err, size_t errlen)
{
	CURLU *u;
	char *full = NULL;

	*url = NULL;
	u = curl_url();
	if (u == NULL || curl_url_set(u, CURLUPART_URL, agent, 0) !=
	    CURLUE_OK || curl_url_set(u, CURLUPART_PATH, "/", 0) !=
	    CURLUE_OK || curl_url_get(u, CURLUPART_URL, &full, 0) !=
	    CURLUE_OK) {
		snprintf(err, errlen, "cannot build a URL from the agent "
		    "endpoint");
	} else if (!hb_same_origin(full, agent)) {
		snprintf(err, errlen, "the replay URL does not name the "
		    "agent endpoint's host and port");
	} else if ((*url = strdup(full)) == NULL) {
		snprintf(err, errlen, "out of memory");
	}
	curl_free(full);
	curl_url_cleanup(u);
	return (*url != NULL ? 0 : -1);
}
