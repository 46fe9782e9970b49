/*
 * hb_event_fast: hb_event_decode(), the decoder the helper runs for every
 * event, with a fast path for the one shape publishers send.
 *
 * Contract:
 * - The result of hb_event_decode() on any input (success or failure, the
 *   event, the error message) is that of hb_event_decode_general(), the
 *   jansson decoder in hb_event.c.  The fast path below only ever answers
 *   for inputs it reads completely; on anything else it gives up and
 *   hands the input to the general decoder.
 * - The shape it reads: a JSON object of the known fields (Method, Host,
 *   Path, RawPath, RawQuery, Body, Header, EventID), each at most once,
 *   whose values are null or strings of printable ASCII without escapes,
 *   Header an object of lists of such strings, at most FAST_MAX_HDRS
 *   values in all.  An escape, another byte, an unknown or repeated field, a
 *   number, a *64 field... all go to the general decoder.
 * - The event fuzzer (fuzz/fuzz_event.c) decodes every input both ways
 *   and asserts the same verdict, message and event.
 *
 * Why it exists (docs/benchmarks.md, "The event decoder", measured in the
 * same run with and without it): jansson allocates every value and a
 * hash table per object, and the decoded tree lives as long as the event
 * waits in the backlog.  Without this path the helper spent a third more
 * CPU per replayed event, and its peak memory during a 20,000-event burst
 * doubled.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_event.h"
#include "hb_event_int.h"

#define ERR(...) do { if (errlen > 0) snprintf(err, errlen, __VA_ARGS__); } while (0)

#define FAST_MAX_HDRS	32

enum { F_METHOD, F_HOST, F_PATH, F_RAWPATH, F_RAWQUERY, F_BODY, F_HEADER,
    F_EVENTID, F_COUNT };
static const char * const fast_fields[F_COUNT] = {
	"Method", "Host", "Path", "RawPath", "RawQuery", "Body", "Header",
	"EventID"
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
	ev->event_id = fast_copy(&f.field[F_EVENTID], json, copy);
	for (i = 0; i < f.n; i++) {
		struct hb_hdr *h = &ev->hdrs[i];

		h->name = fast_copy(&f.name[i], json, copy);
		h->name_len = f.name[i].len;
		h->value = fast_copy(&f.value[i], json, copy);
		h->value_len = f.value[i].len;
	}
	ev->nhdrs = f.n;
	if (hb_event_fields_check(ev, err, errlen) != 0 ||
	    hb_event_body_decode(ev, fast_copy(body, json, copy),
	    body->s != NULL ? body->len : 0,
	    (unsigned char *)(ev->hdrs + f.n), err, errlen) != 0) {
		free(ev->priv_mem);
		memset(ev, 0, sizeof *ev);
		return (-1);
	}
	return (0);
}
