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

int
hb_hex_decode(const char *hex, size_t n, unsigned char *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = hb_hexval(hex[2 * i]);
		lo = hb_hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return (-1);
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (0);
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

/*
 * The checks every endpoint of the project passes: an absolute http or
 * https URL with a host.  0 with *up to release with curl_url_cleanup(),
 * or -1 with a reason that names what the URL is for.
 */
static int
url_open(const char *s, const char *what, CURLU **up, char *err,
    size_t errlen)
{
	CURLU *u;
	CURLUcode uc;
	char *scheme = NULL, *host = NULL;
	int r = -1;

	*up = NULL;
	u = curl_url();
	if (u == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	uc = curl_url_set(u, CURLUPART_URL, s, 0);
	if (uc != CURLUE_OK)
		snprintf(err, errlen, "%s is not a valid URL: %s", what,
		    curl_url_strerror(uc));
	else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		snprintf(err, errlen, "%s must be an http:// or https:// URL",
		    what);
	else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    *host == '\0')
		snprintf(err, errlen, "%s has no host", what);
	else
		r = 0;
	curl_free(scheme);
	curl_free(host);
	if (r == 0)
		*up = u;
	else
		curl_url_cleanup(u);
	return (r);
}

int
hb_endpoint_parse(const char *endpoint, char **url, char **topic,
    char *err, size_t errlen)
{
	CURLU *u;
	char *query = NULL, *rest = NULL, *full = NULL;
	int r = -1;

	*url = NULL;
	*topic = NULL;
	if (endpoint == NULL || *endpoint == '\0') {
		snprintf(err, errlen, "hub endpoint is empty");
		return (-1);
	}
	if (url_open(endpoint, "hub endpoint", &u, err, errlen) != 0)
		return (-1);
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
	curl_url_cleanup(u);
	return (r);
}

/* "scheme://host[:port]" of v, as libcurl reads it. */
static int
agent_canonical(const char *v, char **endpoint, char *err, size_t errlen)
{
	CURLU *u;
	char *full = NULL, *scheme = NULL, *host = NULL, *port = NULL,
	    *path = NULL, *query = NULL;
	int r = -1;

	*endpoint = NULL;
	/* The original project took "localhost:6081". */
	if (strstr(v, "://") == NULL) {
		if (asprintf(&full, "http://%s", v) < 0)
			full = NULL;
	} else {
		full = strdup(v);
	}
	if (full == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (url_open(full, "agent endpoint", &u, err, errlen) != 0) {
		free(full);
		return (-1);
	}
	if ((curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK &&
	    strcmp(path, "/") != 0) ||
	    curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		snprintf(err, errlen, "must be http://host[:port] without a "
		    "path or query");
	} else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "out of memory");
	} else {
		(void)curl_url_get(u, CURLUPART_PORT, &port, 0);
		if (asprintf(endpoint, "%s://%s%s%s", scheme, host,
		    port != NULL ? ":" : "", port != NULL ? port : "") < 0) {
			*endpoint = NULL;
			snprintf(err, errlen, "out of memory");
		} else {
			r = 0;
		}
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	free(full);
	return (r);
}

int
hb_agent_parse(const char *v, char **endpoint, char *err, size_t errlen)
{
	char *again;
	int r;

	if (agent_canonical(v, endpoint, err, errlen) != 0)
		return (-1);
	/* What we log and hand to curl must mean what it says: curl
	 * decodes a %-encoded host after its IPv4 check, so "%357" gives
	 * "http://57", which curl would then read as 0.0.0.57. */
	r = agent_canonical(*endpoint, &again, err, errlen);
	if (r == 0 && strcmp(again, *endpoint) != 0) {
		snprintf(err, errlen, "\"%.128s\" does not name one host "
		    "plainly (a %%-encoded host name?)", v);
		r = -1;
	}
	free(again);
	if (r == 0)
		return (0);
	free(*endpoint);
	*endpoint = NULL;
	return (-1);
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

/*
 * Is the query parameter named p (len bytes, still encoded) a credential?
 * The name is compared decoded, as the hub decodes it before it looks the
 * parameter up: "%61uthorization" is Go's "authorization".  A name that
 * does not decode is not one the hub would read.
 */
static int
secret_param(const char *p, size_t len)
{
	static const char * const names[] = {
		"authorization", "access_token", "token", "jwt", NULL
	};
	const char * const *n;
	char name[16];
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (o == sizeof name)
			return (0);	/* longer than every secret name */
		if (p[i] == '+') {
			name[o++] = ' ';
		} else if (p[i] != '%') {
			name[o++] = p[i];
		} else {
			if (len - i < 3 || (hi = hb_hexval(p[i + 1])) < 0 ||
			    (lo = hb_hexval(p[i + 2])) < 0)
				return (0);
			name[o++] = (char)(hi << 4 | lo);
			i += 2;
		}
	}
	for (n = names; *n != NULL; n++)
		if (strlen(*n) == o && strncasecmp(*n, name, o) == 0)
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

char *
hb_url_audience(const char *url)
{

	return (strndup(url, strcspn(url, "?#")));
}
