/*
 * hubreply: the hub's reply headers.  See hubreply.h.
 */

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_http.h"

#include "hubreply.h"

/* The trimmed value of "name: value", or NULL for another field. */
static char *
header_value(const char *line, size_t len, const char *name)
{
	size_t nl = strlen(name), b, e;
	const char *nul = memchr(line, '\0', len);

	/* The value ends at a NUL (strndup() would stop there anyway): trim
	 * what is before it, not the bytes after it. */
	if (nul != NULL)
		len = (size_t)(nul - line);

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return (NULL);
	for (b = nl + 1; b < len && (line[b] == ' ' || line[b] == '\t'); b++)
		continue;
	for (e = len; e > b && isspace((unsigned char)line[e - 1]); e--)
		continue;
	return (strndup(line + b, e - b));
}

static void
replace(char **dst, char *v)
{
	if (v == NULL)
		return;
	free(*dst);
	*dst = v;
}

void
hubreply_clear(struct hubreply *h)
{
	free(h->ctype);
	free(h->last_id);
	h->ctype = h->last_id = NULL;
}

int
hubreply_line(struct hubreply *h, const char *buf, size_t len)
{
	if (len >= 5 && strncmp(buf, "HTTP/", 5) == 0) {
		hubreply_clear(h);
	} else if (len >= 1 && len <= 2 && (buf[0] == '\r' || buf[0] == '\n')) {
		return (1);
	} else {
		replace(&h->ctype, header_value(buf, len, "Content-Type"));
		replace(&h->last_id, header_value(buf, len, "Last-Event-ID"));
		replace(&h->last_id, header_value(buf, len,
		    "Mercure-Last-Event-ID"));
	}
	return (0);
}

int
hubreply_judge(const struct hubreply *h, long status, char *problem,
    size_t plen)
{
	if (status >= 100 && status < 200)
		return (1);		/* the real one follows */
	if (status != 200) {
		snprintf(problem, plen, "hub answered status %ld%s", status,
		    hb_hub_auth_why(status));
		return (-1);
	}
	if (h->ctype == NULL ||
	    strncasecmp(h->ctype, "text/event-stream", 17) != 0) {
		snprintf(problem, plen, "hub answered with Content-Type "
		    "\"%.64s\", not an event stream",
		    h->ctype != NULL ? h->ctype : "");
		return (-1);
	}
	return (0);
}

int
hubreply_gap(const struct hubreply *h, const char *sent_id)
{
	return (sent_id != NULL && h->last_id != NULL &&
	    strcmp(sent_id, h->last_id) != 0);
}

/* Reconnection delays are at least this (unless the maximum is lower),
 * whatever retry: the hub sends: no storm of reconnections. */
#define RECONNECT_FLOOR_MS	500
#define MAX_FAILURES_SHIFT	16

int64_t
hubreply_backoff_ms(long retry_ms, unsigned failures, int64_t max)
{
	int64_t d = retry_ms;
	unsigned f = failures < MAX_FAILURES_SHIFT ? failures :
	    MAX_FAILURES_SHIFT;

	/* Delays fall in [d/2, d]: the floor applies to d/2. */
	if (d < 2 * RECONNECT_FLOOR_MS)
		d = 2 * RECONNECT_FLOOR_MS;
	d <<= f;
	if (d > max)
		d = max;
	return (d / 2 + (d > 1 ? random() % (d / 2 + 1) : 0));
}
