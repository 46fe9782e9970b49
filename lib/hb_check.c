/*
 * hb_check: the contract of what may travel in an event, and how.  The
 * VMOD publishes only what passes it, the helper replays only what passes
 * it: one function for both sides, so they cannot drift.  See hb_check.h.
 */

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hb_check.h"
#include "hb_event.h"
#include "hb_http.h"
#include "hb_path.h"

#define ERR(...) do { if (errlen > 0) snprintf(err, errlen, __VA_ARGS__); } while (0)

static int
is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int
hb_header_name_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return (0);
	return (1);
}

int
hb_header_value_valid(const char *value, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (0);
	}
	return (1);
}

/* Connection-scoped headers (RFC 9110 7.6.1). */
static int
hop_by_hop(const char *name, size_t len)
{
	static const char * const hop[] = {
		"Connection", "Keep-Alive", "Proxy-Authenticate",
		"Proxy-Authorization", "Proxy-Connection", "TE", "Trailer",
		"Transfer-Encoding", "Upgrade", NULL
	};
	const char * const *p;

	for (p = hop; *p != NULL; p++)
		if (strlen(*p) == len && strncasecmp(*p, name, len) == 0)
			return (1);
	return (0);
}

static int
named(const char *name, size_t len, const char *what)
{
	return (strlen(what) == len && strncasecmp(what, name, len) == 0);
}

/* The checks of one header line, shared by the request and the event. */
static int
header_check(const struct hb_hdr *h, char *err, size_t errlen)
{
	if (!hb_header_name_valid(h->name, h->name_len)) {
		ERR("header name is not an HTTP token");
		return (-1);
	}
	if (!hb_header_value_valid(h->value, h->value_len)) {
		ERR("header %.*s has a control character in its value",
		    (int)(h->name_len > 64 ? 64 : h->name_len), h->name);
		return (-1);
	}
	return (0);
}

int
hb_header_travels(const char *name, size_t len)
{
	return (!hop_by_hop(name, len) && !named(name, len, "Host") &&
	    !named(name, len, "Content-Length") &&
	    !named(name, len, "Expect") &&
	    !named(name, len, HB_GUARD_HEADER) &&
	    !named(name, len, HB_GAP_HEADER));
}

static int
method_allowed(const char *method, const char *allowed)
{
	return (hb_list_has(allowed, allowed + strlen(allowed), method));
}

static int
host_valid(const char *h)
{
	for (; *h != '\0'; h++) {
		unsigned char c = (unsigned char)*h;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ||
		    strchr("-._~!$&'()*+,;=:[]%", c) != NULL))
			return (0);
	}
	return (1);
}

/* A helper keeps EventIDs in its dedup window: short and plain. */
int
hb_event_id_valid(const char *id)
{
	size_t n;

	for (n = 0; id[n] != '\0'; n++)
		if (n == HB_EVENT_ID_MAX || id[n] < 0x21 || id[n] > 0x7e)
			return (0);
	return (n > 0);
}

int
hb_event_check(const struct hb_event *ev, char *err, size_t errlen)
{
	size_t i, ntravel = 0;

	if (!hb_header_name_valid(ev->method, strlen(ev->method))) {
		ERR("method is not an HTTP token");
		return (-1);
	}
	if (ev->path[0] != '/') {
		ERR("path is not in origin-form (must start with /)");
		return (-1);
	}
	if (ev->rawpath != NULL && !hb_rawpath_valid(ev->rawpath)) {
		ERR("raw path is not in origin-form or has a space, a control "
		    "character or a ?");
		return (-1);
	}
	if (!host_valid(ev->host)) {
		ERR("host contains forbidden characters (a space, /, @, "
		    "non-ASCII...)");
		return (-1);
	}
	if (!hb_query_valid(ev->rawquery)) {
		ERR("query contains a space or a control character");
		return (-1);
	}
	if (ev->event_id != NULL && !hb_event_id_valid(ev->event_id)) {
		ERR("EventID is empty, longer than %d bytes, or not visible "
		    "ASCII", HB_EVENT_ID_MAX);
		return (-1);
	}
	for (i = 0; i < ev->nhdrs; i++) {
		if (header_check(&ev->hdrs[i], err, errlen) != 0)
			return (-1);
		if (hb_header_travels(ev->hdrs[i].name, ev->hdrs[i].name_len) &&
		    ++ntravel > HB_EVENT_HEADERS_MAX) {
			ERR("more than %d headers", HB_EVENT_HEADERS_MAX);
			return (-1);
		}
	}
	return (0);
}

int
hb_request_check(const struct hb_hdr *hdrs, size_t n, int folded,
    char *err, size_t errlen)
{
	size_t i, nhost = 0;

	if (folded) {
		ERR("a header line continues the previous one (obs-fold)");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (header_check(&hdrs[i], err, errlen) != 0)
			return (-1);
		if (named(hdrs[i].name, hdrs[i].name_len, "Host") &&
		    ++nhost > 1) {
			ERR("more than one Host header");
			return (-1);
		}
	}
	return (0);
}

int
hb_event_validate(const struct hb_event *ev, const char *allowed_methods,
    char *err, size_t errlen)
{
	if (hb_event_check(ev, err, errlen) != 0)
		return (-1);
	if (!method_allowed(ev->method, allowed_methods)) {
		ERR("method %.32s is not allowed", ev->method);
		return (-1);
	}
	return (0);
}
