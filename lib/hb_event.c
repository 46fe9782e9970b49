/*
 * hb_event: JSON codec, validation and path escaping of broadcast events.
 * See hb_event.h for the wire format.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hb_event.h"
#include "hb_http.h"
#include "hb_url.h"

#define ERR(...) do { if (errlen > 0) snprintf(err, errlen, __VA_ARGS__); } while (0)

/*--------------------------------------------------------------------
 * Character classes
 */

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

	for (i = 0; i < len; i++)
		if (value[i] == '\r' || value[i] == '\n' || value[i] == '\0')
			return (0);
	return (1);
}

int
hb_header_is_hop_by_hop(const char *name, size_t len)
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

/*--------------------------------------------------------------------
 * Base64, standard alphabet with padding (Go's encoding of []byte)
 */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
hb_base64_encoded_len(size_t len)
{
	return ((len + 2) / 3 * 4);
}

void
hb_base64_encode(const unsigned char *src, size_t len, char *dst)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		*dst++ = b64[v >> 18];
		*dst++ = b64[(v >> 12) & 63];
		*dst++ = b64[(v >> 6) & 63];
		*dst++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)src[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)src[i + 1] << 8;
		*dst++ = b64[v >> 18];
		*dst++ = b64[(v >> 12) & 63];
		*dst++ = (i + 1 < len) ? b64[(v >> 6) & 63] : '=';
		*dst++ = '=';
	}
	*dst = '\0';
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

size_t
hb_base64_decode(const char *src, size_t len, unsigned char *dst)
{
	size_t i, o = 0, pad = 0;
	int v, n;
	uint32_t acc;

	if (len % 4 != 0)
		return ((size_t)-1);
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (n = 0; n < 4; n++) {
			unsigned char c = (unsigned char)src[i + n];

			if (c == '=' && i + 4 == len && n >= 2) {
				/* "xx==" or "xxx=": nothing but '=' may follow */
				if (n == 2 && src[i + 3] != '=')
					return ((size_t)-1);
				pad = 4 - (size_t)n;
				acc <<= 6 * (4 - n);
				break;
			}
			v = b64_value(c);
			if (v < 0)
				return ((size_t)-1);
			acc = acc << 6 | (uint32_t)v;
		}
		dst[o++] = (unsigned char)(acc >> 16);
		if (pad < 2)
			dst[o++] = (unsigned char)(acc >> 8);
		if (pad < 1)
			dst[o++] = (unsigned char)acc;
	}
	return (o);
}

/*--------------------------------------------------------------------
 * Path escaping, as Go's url package does for URL.Path (encodePath mode):
 * unreserved characters and "$&+,/:;=@" stay, everything else is %XX.
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

/* A RawPath that may go on the wire as it is: origin-form, no query. */
static int
rawpath_valid(const char *p)
{
	if (*p != '/')
		return (0);
	for (; *p != '\0'; p++)
		if (!target_byte_ok((unsigned char)*p) || *p == '?')
			return (0);
	return (1);
}

static int
query_valid(const char *q)
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
	if (ev->rawpath != NULL && rawpath_valid(ev->rawpath))
		return (strdup(ev->rawpath));
	return (hb_path_escape(ev->path, strlen(ev->path)));
}

char *
hb_event_target(const struct hb_event *ev)
{
	char *path, *t;
	size_t pl, ql;

	if (ev->path[0] != '/' || !query_valid(ev->rawquery))
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

size_t
hb_utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned min, cp;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2; cp = s[0] & 0x1fu; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3; cp = s[0] & 0x0fu; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4; cp = s[0] & 0x07u; min = 0x10000;
	} else {
		return (0);
	}
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

static int
utf8_valid(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n)
		if ((n = hb_utf8_seq((const unsigned char *)s + i, len - i)) == 0)
			return (0);
	return (1);
}

/* s with each invalid byte replaced by U+FFFD (malloc'ed). */
static char *
utf8_lossy(const char *s, size_t len)
{
	char *d = malloc(len * 3 + 1);
	size_t i, n, o = 0;

	if (d == NULL)
		return (NULL);
	for (i = 0; i < len; i += n) {
		n = hb_utf8_seq((const unsigned char *)s + i, len - i);
		if (n == 0) {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		} else {
			memcpy(d + o, s + i, n);
			o += n;
		}
	}
	d[o] = '\0';
	return (d);
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

	if (utf8_valid(s, strlen(s)))
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
	int binary = !utf8_valid(h->value, h->value_len);

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
	path = utf8_lossy(ev->path, strlen(ev->path));
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
	    json_object_set_new(root, "Body", json_string(b)) == 0)
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

/* Required fields and defaults, once the strings are known. */
static int
fields_check(struct hb_event *ev, char *err, size_t errlen)
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

/* The base64 Body into dst (room for blen / 4 * 3 + 3 bytes). */
static int
body_decode(struct hb_event *ev, const char *body, size_t blen,
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
	if (bad) {
		ERR("Method, Host, Path, RawPath, RawQuery, Body, RawPath64 "
		    "and RawQuery64 must be strings");
		goto fail;
	}
	if (fields_check(ev, err, errlen) != 0)
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
	if (body_decode(ev, body, blen, (unsigned char *)(ev->hdrs + n + n64),
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

/*--------------------------------------------------------------------
 * Fast path of the decoder
 *
 * The events the VMOD and the Go agents publish have one shape: an object
 * of the known fields, string or null values without escapes, and Header
 * an object of string lists.  jansson spends about 30k instructions on
 * one (an allocation per value and a hash table per object), a quarter
 * of the helper's whole cost per replayed event.  This reads exactly that
 * shape in place and gives up on anything else (an escape, a byte outside
 * printable ASCII, an unknown or repeated field, a number, too many
 * header values...), which the general decoder above then handles, so
 * the result and every error message are the general decoder's.  The
 * event fuzzer checks that both agree on every input the fast path takes.
 */

#define FAST_MAX_HDRS	32

enum { F_METHOD, F_HOST, F_PATH, F_RAWPATH, F_RAWQUERY, F_BODY, F_HEADER,
    F_COUNT };
static const char * const fast_fields[F_COUNT] = {
	"Method", "Host", "Path", "RawPath", "RawQuery", "Body", "Header"
};

struct span {
	const char	*s;		/* NULL: absent or null */
	size_t		len;
};

struct fast {
	const char	*p, *end;
	struct span	field[F_COUNT];
	struct span	name[FAST_MAX_HDRS], value[FAST_MAX_HDRS];
	size_t		n;
	struct span	key[FAST_MAX_HDRS];	/* Header names seen */
	size_t		nkeys;
};

static void
fast_ws(struct fast *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' ||
	    *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

static int
fast_char(struct fast *f, char c)
{
	fast_ws(f);
	if (f->p >= f->end || *f->p != c)
		return (-1);
	f->p++;
	return (0);
}

/* A string of printable ASCII without escapes. */
static int
fast_string(struct fast *f, struct span *sp)
{
	const char *q;

	if (fast_char(f, '"') != 0)
		return (-1);
	for (q = f->p; q < f->end && *q != '"'; q++)
		if (*q < 0x20 || *q > 0x7e || *q == '\\')
			return (-1);
	if (q >= f->end)
		return (-1);
	sp->s = f->p;
	sp->len = (size_t)(q - f->p);
	f->p = q + 1;
	return (0);
}

static int
fast_null(struct fast *f)
{
	fast_ws(f);
	if (f->end - f->p < 4 || memcmp(f->p, "null", 4) != 0)
		return (-1);
	f->p += 4;
	return (0);
}

/* '{' or '[' opening a list of items: 1 when the list is empty. */
static int
fast_open(struct fast *f, char open, char close)
{
	if (fast_char(f, open) != 0)
		return (-1);
	fast_ws(f);
	if (f->p < f->end && *f->p == close) {
		f->p++;
		return (1);
	}
	return (0);
}

/* After an item: 0 for ',' (another follows), 1 for the close. */
static int
fast_next(struct fast *f, char close)
{
	fast_ws(f);
	if (f->p < f->end && *f->p == ',') {
		f->p++;
		return (0);
	}
	if (f->p < f->end && *f->p == close) {
		f->p++;
		return (1);
	}
	return (-1);
}

static int
fast_header(struct fast *f)
{
	struct span name, v;
	size_t i;
	int r;

	if (fast_null(f) == 0)
		return (0);
	if ((r = fast_open(f, '{', '}')) != 0)
		return (r < 0 ? -1 : 0);
	do {
		if (fast_string(f, &name) != 0 || fast_char(f, ':') != 0)
			return (-1);
		/* A repeated name: jansson keeps the last value at the first
		 * one's place, not ours to mimic. */
		for (i = 0; i < f->nkeys; i++)
			if (f->key[i].len == name.len &&
			    memcmp(f->key[i].s, name.s, name.len) == 0)
				return (-1);
		if (f->nkeys == FAST_MAX_HDRS)
			return (-1);
		f->key[f->nkeys++] = name;
		if (fast_null(f) == 0)
			continue;
		if ((r = fast_open(f, '[', ']')) < 0)
			return (-1);
		if (r == 1)
			continue;
		do {
			if (f->n == FAST_MAX_HDRS || fast_string(f, &v) != 0)
				return (-1);
			f->name[f->n] = name;
			f->value[f->n++] = v;
		} while ((r = fast_next(f, ']')) == 0);
		if (r < 0)
			return (-1);
	} while ((r = fast_next(f, '}')) == 0);
	return (r < 0 ? -1 : 0);
}

/* 0 when json has the common shape, its spans in f; -1 otherwise. */
static int
fast_parse(struct fast *f, const char *json, size_t len)
{
	struct span key;
	unsigned seen = 0;
	int i, r;

	memset(f->field, 0, sizeof f->field);
	f->n = f->nkeys = 0;
	f->p = json;
	f->end = json + len;
	if ((r = fast_open(f, '{', '}')) < 0)
		return (-1);
	if (r == 0) {
		do {
			if (fast_string(f, &key) != 0 || fast_char(f, ':') != 0)
				return (-1);
			for (i = 0; i < F_COUNT; i++)
				if (strlen(fast_fields[i]) == key.len &&
				    memcmp(fast_fields[i], key.s, key.len) == 0)
					break;
			if (i == F_COUNT || (seen & (1u << i)))
				return (-1);
			seen |= 1u << i;
			if (i == F_HEADER)
				r = fast_header(f);
			else if ((r = fast_null(f)) != 0)
				r = fast_string(f, &f->field[i]);
			if (r != 0)
				return (-1);
		} while ((r = fast_next(f, '}')) == 0);
		if (r < 0)
			return (-1);
	}
	fast_ws(f);
	return (f->p == f->end ? 0 : -1);
}

/* The span's copy in the block, NUL-terminated where its quote was. */
static const char *
fast_copy(const struct span *sp, const char *json, char *copy)
{
	char *d;

	if (sp->s == NULL)
		return (NULL);
	d = copy + (sp->s - json);
	d[sp->len] = '\0';
	return (d);
}

int
hb_event_decode(const char *json, size_t len, struct hb_event *ev,
    char *err, size_t errlen)
{
	struct fast f;
	const struct span *body = &f.field[F_BODY];
	size_t i, room;
	char *copy;

	if (fast_parse(&f, json, len) != 0)
		return (hb_event_decode_general(json, len, ev, err, errlen));
	memset(ev, 0, sizeof *ev);
	/* One block: header array, decoded body, then the JSON text whose
	 * strings the event points into. */
	room = body->s != NULL ? body->len / 4 * 3 + 3 : 3;
	ev->priv_mem = malloc(f.n * sizeof *ev->hdrs + room + len + 1);
	if (ev->priv_mem == NULL) {
		ERR("out of memory");
		return (-1);
	}
	ev->hdrs = ev->priv_mem;
	copy = (char *)(ev->hdrs + f.n) + room;
	memcpy(copy, json, len);
	ev->method = fast_copy(&f.field[F_METHOD], json, copy);
	ev->host = fast_copy(&f.field[F_HOST], json, copy);
	ev->path = fast_copy(&f.field[F_PATH], json, copy);
	ev->rawpath = fast_copy(&f.field[F_RAWPATH], json, copy);
	ev->rawquery = fast_copy(&f.field[F_RAWQUERY], json, copy);
	for (i = 0; i < f.n; i++) {
		struct hb_hdr *h = &ev->hdrs[i];

		h->name = fast_copy(&f.name[i], json, copy);
		h->name_len = f.name[i].len;
		h->value = fast_copy(&f.value[i], json, copy);
		h->value_len = f.value[i].len;
	}
	ev->nhdrs = f.n;
	if (fields_check(ev, err, errlen) != 0 ||
	    body_decode(ev, fast_copy(body, json, copy),
	    body->s != NULL ? body->len : 0,
	    (unsigned char *)(ev->hdrs + f.n), err, errlen) != 0) {
		free(ev->priv_mem);
		memset(ev, 0, sizeof *ev);
		return (-1);
	}
	return (0);
}

void
hb_event_free(struct hb_event *ev)
{
	if (ev->priv_json != NULL)
		json_decref(ev->priv_json);
	free(ev->priv_mem);
	memset(ev, 0, sizeof *ev);
}

/*--------------------------------------------------------------------
 * Validation for replay
 */

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

int
hb_event_check(const struct hb_event *ev, char *err, size_t errlen)
{
	size_t i;

	if (!hb_header_name_valid(ev->method, strlen(ev->method))) {
		ERR("method is not an HTTP token");
		return (-1);
	}
	if (ev->path[0] != '/') {
		ERR("path is not in origin-form (must start with /)");
		return (-1);
	}
	if (ev->rawpath != NULL && !rawpath_valid(ev->rawpath)) {
		ERR("raw path is not in origin-form or has a space, a control "
		    "character or a ?");
		return (-1);
	}
	if (!host_valid(ev->host)) {
		ERR("host contains forbidden characters (a space, /, @, "
		    "non-ASCII...)");
		return (-1);
	}
	if (!query_valid(ev->rawquery)) {
		ERR("query contains a space or a control character");
		return (-1);
	}
	for (i = 0; i < ev->nhdrs; i++) {
		const struct hb_hdr *h = &ev->hdrs[i];

		if (!hb_header_name_valid(h->name, h->name_len)) {
			ERR("header name is not an HTTP token");
			return (-1);
		}
		if (!hb_header_value_valid(h->value, h->value_len)) {
			ERR("header %.64s has CR, LF or NUL in its value",
			    h->name);
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
