/*
 * hb_event: the JSON codec of broadcast events, with jansson.  See
 * hb_event.h for the wire format; hb_event_fast.c has the decoder's fast
 * path.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <jansson.h>

#include "hb_base64.h"
#include "hb_check.h"
#include "hb_event.h"
#include "hb_event_int.h"
#include "hb_path.h"
#include "hb_utf8.h"

#define ERR(...) do { if (errlen > 0) snprintf(err, errlen, __VA_ARGS__); } while (0)

/*--------------------------------------------------------------------
 * Encoder
 *
 * JSON strings are UTF-8, a client's bytes need not be.  A field that
 * must arrive exact (RawPath, RawQuery, a header value) and is not valid
 * UTF-8 travels base64-encoded in a sibling field instead: RawPath64,
 * RawQuery64, Header64 (Header's shape).  Path, the Go agents' field, is
 * informative once RawPath is there: its invalid bytes become U+FFFD, as
 * Go's encoding/json writes them.
 */

/* Go's textproto.CanonicalMIMEHeaderKey: "x-foo-bar" -> "X-Foo-Bar". */
static void
canonical_name(const char *src, size_t len, char *dst)
{
	size_t i;
	int upper = 1;

	if (!hb_header_name_valid(src, len)) {
		memcpy(dst, src, len);
		dst[len] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		char c = src[i];

		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!upper && c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		dst[i] = c;
		upper = (c == '-');
	}
	dst[len] = '\0';
}

static json_t *
json_base64(const void *p, size_t len)
{
	char *b = malloc(hb_base64_encoded_len(len) + 1);
	json_t *j;

	if (b == NULL)
		return (NULL);
	hb_base64_encode(p, len, b);
	j = json_string(b);
	free(b);
	return (j);
}

/* root[name] = s, or root[name "64"] = base64(s) when s is not UTF-8. */
static int
set_exact(json_t *root, const char *name, const char *s)
{
	char name64[32];

	if (hb_utf8_valid(s, strlen(s)))
		return (json_object_set_new(root, name, json_string(s)));
	snprintf(name64, sizeof name64, "%s64", name);
	return (json_object_set_new(root, name64, json_base64(s, strlen(s))));
}

/* Append the header to Header (UTF-8) or Header64 (base64). */
static int
add_value(json_t *hdrs, json_t *hdrs64, const char *name,
    const struct hb_hdr *h)
{
	json_t *obj, *arr, *v;
	int binary = !hb_utf8_valid(h->value, h->value_len);

	obj = binary ? hdrs64 : hdrs;
	arr = json_object_get(obj, name);
	if (arr == NULL) {
		arr = json_array();
		if (json_object_set_new(obj, name, arr) != 0)
			return (-1);
	}
	v = binary ? json_base64(h->value, h->value_len) :
	    json_stringn(h->value, h->value_len);
	return (json_array_append_new(arr, v));
}

char *
hb_event_encode(const struct hb_event *ev, size_t *lenp)
{
	json_t *root, *hdrs, *hdrs64;
	char *name = NULL, *b = NULL, *out = NULL, *path = NULL;
	char *rawpath = NULL;
	const char *rp = ev->rawpath;
	size_t i, maxname = 0;

	root = json_object();
	hdrs = json_object();
	hdrs64 = json_object();
	if (root == NULL || hdrs == NULL || hdrs64 == NULL)
		goto fail;
	for (i = 0; i < ev->nhdrs; i++)
		if (ev->hdrs[i].name_len > maxname)
			maxname = ev->hdrs[i].name_len;
	name = malloc(maxname + 1);
	b = malloc(hb_base64_encoded_len(ev->body_len) + 1);
	path = hb_utf8_lossy(ev->path, strlen(ev->path));
	if (name == NULL || b == NULL || path == NULL)
		goto fail;
	/* A lossy Path needs the exact form beside it. */
	if (rp == NULL && strcmp(path, ev->path) != 0) {
		rawpath = hb_path_escape(ev->path, strlen(ev->path));
		if (rawpath == NULL)
			goto fail;
		rp = rawpath;
	}
	for (i = 0; i < ev->nhdrs; i++) {
		canonical_name(ev->hdrs[i].name, ev->hdrs[i].name_len, name);
		if (add_value(hdrs, hdrs64, name, &ev->hdrs[i]) != 0)
			break;
	}
	hb_base64_encode(ev->body, ev->body_len, b);
	if (i == ev->nhdrs &&
	    json_object_set_new(root, "Method", json_string(ev->method)) == 0 &&
	    json_object_set_new(root, "Host", json_string(ev->host)) == 0 &&
	    json_object_set_new(root, "Path", json_string(path)) == 0 &&
	    (rp == NULL || set_exact(root, "RawPath", rp) == 0) &&
	    set_exact(root, "RawQuery",
	    ev->rawquery != NULL ? ev->rawquery : "") == 0 &&
	    json_object_set(root, "Header", hdrs) == 0 &&
	    (json_object_size(hdrs64) == 0 ||
	    json_object_set(root, "Header64", hdrs64) == 0) &&
	    json_object_set_new(root, "Body", json_string(b)) == 0 &&
	    (ev->event_id == NULL || json_object_set_new(root, "EventID",
	    json_string(ev->event_id)) == 0))
		out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  fail:
	free(name);
	free(b);
	free(path);
	free(rawpath);
	json_decref(hdrs64);
	json_decref(hdrs);
	json_decref(root);
	if (out != NULL && lenp != NULL)
		*lenp = strlen(out);
	return (out);
}

/*--------------------------------------------------------------------
 * Decoder
 */

static const char *
opt_string(json_t *root, const char *key, int *bad)
{
	json_t *v = json_object_get(root, key);

	if (v == NULL || json_is_null(v))
		return (NULL);
	if (!json_is_string(v)) {
		*bad = 1;
		return (NULL);
	}
	return (json_string_value(v));
}

int
hb_event_fields_check(struct hb_event *ev, char *err, size_t errlen)
{
	if (ev->method == NULL || ev->path == NULL) {
		ERR("event has no %s", ev->method == NULL ? "Method" : "Path");
		return (-1);
	}
	if (ev->host == NULL)
		ev->host = "";
	if (ev->rawquery == NULL)
		ev->rawquery = "";
	if (ev->rawpath != NULL && *ev->rawpath == '\0')
		ev->rawpath = NULL;
	return (0);
}

int
hb_event_body_decode(struct hb_event *ev, const char *body, size_t blen,
    unsigned char *dst, char *err, size_t errlen)
{
	if (blen == 0)
		return (0);
	ev->body_len = hb_base64_decode(body, blen, dst);
	if (ev->body_len == (size_t)-1) {
		ERR("Body is not valid base64");
		return (-1);
	}
	ev->body = dst;
	return (0);
}

/* Room to decode base64 of len bytes, with a NUL after it. */
static size_t
b64_room(size_t len)
{
	return (len / 4 * 3 + 3 + 1);
}

/* Decode base64 field into *cur (NUL-terminated), advance *cur. */
static const char *
b64_field(const char *name, const char *src, size_t len, char **cur,
    size_t *outlen, int nul_ok, char *err, size_t errlen)
{
	char *d = *cur;
	size_t n;

	n = hb_base64_decode(src, len, (unsigned char *)d);
	if (n == (size_t)-1) {
		ERR("%s is not valid base64", name);
		return (NULL);
	}
	if (!nul_ok && memchr(d, '\0', n) != NULL) {
		ERR("%s holds a NUL byte", name);
		return (NULL);
	}
	d[n] = '\0';
	*cur = d + n + 1;
	if (outlen != NULL)
		*outlen = n;
	return (d);
}

/* Count the values of a Header-shaped object; -1 if it has another. */
static int
header_count(json_t *hdrs, const char *field, size_t *n, size_t *room,
    char *err, size_t errlen)
{
	const char *key;
	json_t *arr, *val;
	size_t i;

	if (hdrs == NULL || json_is_null(hdrs))
		return (0);
	if (!json_is_object(hdrs)) {
		ERR("%s is not an object", field);
		return (-1);
	}
	json_object_foreach(hdrs, key, arr) {
		if (json_is_null(arr))
			continue;
		if (!json_is_array(arr)) {
			ERR("%s \"%.64s\" is not a list of strings", field, key);
			return (-1);
		}
		json_array_foreach(arr, i, val) {
			if (!json_is_string(val)) {
				ERR("%s \"%.64s\" is not a list of strings",
				    field, key);
				return (-1);
			}
			(*n)++;
			if (room != NULL)
				*room += b64_room(json_string_length(val));
		}
	}
	return (0);
}

int
hb_event_decode_general(const char *json, size_t len, struct hb_event *ev,
    char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root, *hdrs, *hdrs64, *arr, *val;
	const char *key, *body, *rp64, *rq64;
	size_t n = 0, n64 = 0, i, blen, room = 0, vlen;
	char *cur;
	int bad = 0;

	memset(ev, 0, sizeof *ev);
	root = json_loadb(json, len, 0, &jerr);
	if (root == NULL) {
		ERR("invalid JSON at line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		return (-1);
	}
	if (!json_is_object(root)) {
		ERR("event is not a JSON object");
		goto fail;
	}
	ev->method = opt_string(root, "Method", &bad);
	ev->host = opt_string(root, "Host", &bad);
	ev->path = opt_string(root, "Path", &bad);
	ev->rawpath = opt_string(root, "RawPath", &bad);
	ev->rawquery = opt_string(root, "RawQuery", &bad);
	body = opt_string(root, "Body", &bad);
	rp64 = opt_string(root, "RawPath64", &bad);
	rq64 = opt_string(root, "RawQuery64", &bad);
	ev->event_id = opt_string(root, "EventID", &bad);
	if (bad) {
		ERR("Method, Host, Path, RawPath, RawQuery, Body, RawPath64, "
		    "RawQuery64 and EventID must be strings");
		goto fail;
	}
	if (hb_event_fields_check(ev, err, errlen) != 0)
		goto fail;

	hdrs = json_object_get(root, "Header");
	hdrs64 = json_object_get(root, "Header64");
	if (header_count(hdrs, "Header", &n, NULL, err, errlen) != 0 ||
	    header_count(hdrs64, "Header64", &n64, &room, err, errlen) != 0)
		goto fail;
	blen = body != NULL ? strlen(body) : 0;
	if (rp64 != NULL)
		room += b64_room(strlen(rp64));
	if (rq64 != NULL)
		room += b64_room(strlen(rq64));
	/* One block: header array, the decoded body, then the decoded
	 * base64 fields. */
	ev->priv_mem = malloc((n + n64) * sizeof *ev->hdrs + blen / 4 * 3 + 3 +
	    room);
	if (ev->priv_mem == NULL) {
		ERR("out of memory");
		goto fail;
	}
	ev->hdrs = ev->priv_mem;
	if (n > 0) {
		json_object_foreach(hdrs, key, arr) {
			json_array_foreach(arr, i, val) {
				struct hb_hdr *h = &ev->hdrs[ev->nhdrs++];

				h->name = key;
				h->name_len = strlen(key);
				h->value = json_string_value(val);
				h->value_len = json_string_length(val);
			}
		}
	}
	if (hb_event_body_decode(ev, body, blen, (unsigned char *)(ev->hdrs + n + n64),
	    err, errlen) != 0)
		goto fail_mem;
	cur = (char *)(ev->hdrs + n + n64) + blen / 4 * 3 + 3;
	if (rp64 != NULL && (ev->rawpath = b64_field("RawPath64", rp64,
	    strlen(rp64), &cur, NULL, 0, err, errlen)) == NULL)
		goto fail_mem;
	if (rq64 != NULL && (ev->rawquery = b64_field("RawQuery64", rq64,
	    strlen(rq64), &cur, NULL, 0, err, errlen)) == NULL)
		goto fail_mem;
	if (n64 > 0) {
		json_object_foreach(hdrs64, key, arr) {
			json_array_foreach(arr, i, val) {
				struct hb_hdr *h = &ev->hdrs[ev->nhdrs++];

				h->name = key;
				h->name_len = strlen(key);
				h->value = b64_field("Header64",
				    json_string_value(val),
				    json_string_length(val), &cur, &vlen, 1,
				    err, errlen);
				if (h->value == NULL)
					goto fail_mem;
				h->value_len = vlen;
			}
		}
	}
	ev->priv_json = root;
	return (0);

  fail_mem:
	free(ev->priv_mem);
  fail:
	json_decref(root);
	memset(ev, 0, sizeof *ev);
	return (-1);
}

void
hb_event_free(struct hb_event *ev)
{
	if (ev->priv_json != NULL)
		json_decref(ev->priv_json);
	free(ev->priv_mem);
	memset(ev, 0, sizeof *ev);
}

int
hb_event_id_new(char *buf)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char r[16];
	size_t i, o;

	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return (-1);
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);	/* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);	/* RFC 9562 variant */
	memcpy(buf, "urn:uuid:", 9);
	for (i = 0, o = 9; i < sizeof r; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		buf[o++] = hex[r[i] >> 4];
		buf[o++] = hex[r[i] & 15];
	}
	buf[o] = '\0';
	return (0);
}
