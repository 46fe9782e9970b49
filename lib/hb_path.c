/*
 * hb_path: an event's path and query, from the client's request line to
 * the replay's request-target.  See hb_path.h.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hb_event.h"
#include "hb_path.h"
#include "hb_url.h"

/*
 * Go's url package escapes URL.Path (encodePath mode) so: unreserved
 * characters and "$&+,/:;=@" stay, everything else is %XX.
 */
static int
path_keeps(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("-_.~$&+,/:;=@", c) != NULL);
}

char *
hb_path_decode(const char *src, size_t len)
{
	char *dst;
	size_t i, o = 0;
	int h, l;

	dst = malloc(len + 1);
	if (dst == NULL)
		return (NULL);
	for (i = 0; i < len; i++) {
		h = l = -1;
		if (src[i] == '%' && i + 2 < len) {
			h = hb_hexval((unsigned char)src[i + 1]);
			l = hb_hexval((unsigned char)src[i + 2]);
		}
		if (h < 0 || l < 0 || (h == 0 && l == 0)) {
			dst[o++] = src[i];
			continue;
		}
		dst[o++] = (char)(h << 4 | l);
		i += 2;
	}
	dst[o] = '\0';
	return (dst);
}

char *
hb_path_escape(const char *src, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *dst;
	size_t i, o = 0;

	dst = malloc(len * 3 + 1);
	if (dst == NULL)
		return (NULL);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (path_keeps(c)) {
			dst[o++] = (char)c;
		} else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return (dst);
}

/*
 * Bytes a part of a request-target may hold: anything but controls and
 * spaces, so the request line stays "METHOD SP target SP version".
 * Non-ASCII bytes pass: varnishd takes them, and a client that sent them
 * must see them purged as sent.
 */
static int
target_byte_ok(unsigned char c)
{
	return (c > 0x20 && c != 0x7f);
}

int
hb_rawpath_valid(const char *p)
{
	if (*p != '/')
		return (0);
	for (; *p != '\0'; p++)
		if (!target_byte_ok((unsigned char)*p) || *p == '?')
			return (0);
	return (1);
}

int
hb_query_valid(const char *q)
{
	for (; *q != '\0'; q++)
		if (!target_byte_ok((unsigned char)*q))
			return (0);
	return (1);
}

char *
hb_event_wire_path(const struct hb_event *ev)
{
	/* RawPath is the client's exact path: the cache hashed that
	 * string, and a BAN's regex is that string.  Path (Go's decoded
	 * form) is only for the events that have no RawPath. */
	if (ev->rawpath != NULL && hb_rawpath_valid(ev->rawpath))
		return (strdup(ev->rawpath));
	return (hb_path_escape(ev->path, strlen(ev->path)));
}

char *
hb_event_target(const struct hb_event *ev)
{
	char *path, *t;
	size_t pl, ql;

	if (ev->path[0] != '/' || !hb_query_valid(ev->rawquery))
		return (NULL);
	path = hb_event_wire_path(ev);
	if (path == NULL || *ev->rawquery == '\0')
		return (path);
	pl = strlen(path);
	ql = strlen(ev->rawquery);
	t = malloc(pl + 1 + ql + 1);
	if (t != NULL) {
		memcpy(t, path, pl);
		t[pl] = '?';
		memcpy(t + pl + 1, ev->rawquery, ql + 1);
	}
	free(path);
	return (t);
}
