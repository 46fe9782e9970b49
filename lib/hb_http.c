/*
 * hb_http: comma lists and the bearer header.  See hb_http.h.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_http.h"

#define OWS(c)	((c) == ' ' || (c) == '\t')

int
hb_list_next(const char **p, const char *end, const char **elem, size_t *len)
{
	const char *b = *p, *e;

	while (b < end && (OWS(*b) || *b == ','))
		b++;
	if (b >= end) {
		*p = end;
		return (0);
	}
	e = b;
	while (e < end && *e != ',')
		e++;
	*p = e;
	while (e > b && OWS(e[-1]))
		e--;
	*elem = b;
	*len = (size_t)(e - b);
	return (1);
}

int
hb_list_has(const char *b, const char *e, const char *tok)
{
	const char *elem;
	size_t l = strlen(tok), len;

	while (hb_list_next(&b, e, &elem, &len))
		if (len == l && memcmp(elem, tok, l) == 0)
			return (1);
	return (0);
}

char *
hb_bearer_header(const char *token)
{
	char *line;

	if (asprintf(&line, "Authorization: Bearer %s", token) < 0)
		return (NULL);
	return (line);
}

void
hb_bearer_free(char *line)
{
	if (line == NULL)
		return;
	explicit_bzero(line, strlen(line));
	free(line);
}

const char *
hb_hub_auth_why(long status)
{

	if (status == 401)
		return (" (the token was refused: a wrong key, expired, or not "
		    "addressed to this hub: see HUB_JWT_ISSUER, "
		    "HUB_JWT_AUDIENCE)");
	if (status == 403)
		return (" (the token does not grant this topic or action)");
	return ("");
}
