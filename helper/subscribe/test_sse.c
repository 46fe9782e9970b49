/* Unit tests of the SSE parser: field rules and chunk independence. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"
#include "test_check.h"

/* Everything the parser reports, as one comparable string. */
struct record {
	char				buf[8192];
	size_t				len;
	const struct sse_parser		*p;	/* for has_id */
};

static void
rec_add(struct record *r, const char *kind, const char *a, const char *b,
    const char *c)
{
	int n = snprintf(r->buf + r->len, sizeof r->buf - r->len,
	    "%s[%s%s%s]", kind, a, b, c);

	if (n > 0 && (size_t)n < sizeof r->buf - r->len)
		r->len += (size_t)n;
}

static void
on_event(void *priv, const char *type, const char *data, size_t len,
    const char *id)
{
	CHECK(strlen(data) == len);
	{
		char t[512];

		/* "~": the id was inherited from an earlier event. */
		snprintf(t, sizeof t, "%s|%s%s|", type,
		    ((struct record *)priv)->p->has_id ? "" : "~", id);
		rec_add(priv, "E", t, data, "");
	}
}

static void
on_retry(void *priv, long ms)
{
	char b[32];

	snprintf(b, sizeof b, "%ld", ms);
	rec_add(priv, "R", b, "", "");
}

static void
on_oversize(void *priv, const char *id)
{
	rec_add(priv, "O", ((struct record *)priv)->p->has_id ? "" : "~", id,
	    "");
}

static const struct sse_callbacks cbs = { on_event, on_retry, on_oversize };

/* Feed s in pieces cut at the given offsets (sorted, ending with len). */
static void
run(const char *s, size_t len, const size_t *cuts, size_t ncuts, size_t max,
    struct record *r)
{
	struct sse_parser p;
	size_t i, from = 0;

	memset(r, 0, sizeof *r);
	r->p = &p;
	CHECK(sse_init(&p, max, &cbs, r) == 0);
	for (i = 0; i < ncuts; i++) {
		CHECK(sse_feed(&p, s + from, cuts[i] - from) == 0);
		from = cuts[i];
	}
	CHECK(sse_feed(&p, s + from, len - from) == 0);
	sse_fini(&p);
}

static void
expect(const char *s, size_t max, const char *want)
{
	struct record whole, split;
	size_t len = strlen(s), cuts[2], i, j;

	run(s, len, NULL, 0, max, &whole);
	CHECK_STR(whole.buf, want);
	/* Every cut in two and in three pieces must give the same result. */
	for (i = 0; i <= len; i++) {
		cuts[0] = i;
		run(s, len, cuts, 1, max, &split);
		if (strcmp(split.buf, whole.buf) != 0) {
			fprintf(stderr, "split at %zu: %s\n", i, split.buf);
			test_failures++;
		}
		for (j = i; j <= len && len < 200; j++) {
			cuts[1] = j;
			run(s, len, cuts, 2, max, &split);
			if (strcmp(split.buf, whole.buf) != 0) {
				fprintf(stderr, "split at %zu,%zu: %s\n", i, j,
				    split.buf);
				test_failures++;
			}
		}
	}
	/* And byte by byte. */
	{
		struct sse_parser p;
		struct record r;

		memset(&r, 0, sizeof r);
		r.p = &p;
		CHECK(sse_init(&p, max, &cbs, &r) == 0);
		for (i = 0; i < len; i++)
			CHECK(sse_feed(&p, s + i, 1) == 0);
		sse_fini(&p);
		CHECK_STR(r.buf, whole.buf);
	}
}

int
main(void)
{
	/* LF, CRLF and CR line ends, heartbeats, one optional space. */
	expect(":\nid: 1\ndata: a\n\n:heartbeat\r\nid:2\r\ndata:  b\r\n\r\n"
	    "id: 3\rdata: c\r\r", 1024,
	    "E[message|1|a]E[message|2| b]E[message|3|c]");
	/* Multi-line data joined with LF; event type; id persists. */
	expect("event: purge\nid: x\ndata: {\ndata: }\n\ndata: y\n\n", 1024,
	    "E[purge|x|{\n}]E[message|~x|y]");
	/* An event without an id field inherits the last id (the caller
	 * is told); an empty id field sets it to "" and is the event's own. */
	expect("id: a\ndata: x\n\ndata: y\n\nid\ndata: z\n\n", 1024,
	    "E[message|a|x]E[message|~a|y]E[message||z]");
	/* Empty data is not dispatched; a field without colon is a name. */
	expect("id: 5\ndata\n\ndata:\n\nid: 6\n\ndata: z\n\n", 1024,
	    "E[message|~6|z]");
	/* retry: digits only. */
	expect("retry: 250\nretry: 2x\nretry: -1\nretry:\ndata: r\n\n", 1024,
	    "R[250]E[message|~|r]");
	/* Unknown fields and comments are ignored; "data" needs the exact name. */
	expect("foo: bar\ndatum: no\n: data: no\ndata: ok\n\n", 1024,
	    "E[message|~|ok]");
	/* Oversize data: dropped, reported with its id, next event fine. */
	expect("id: 1\ndata: 0123456789\ndata: 0123456789\n\nid: 2\ndata: ok\n\n",
	    16, "O[1]E[message|2|ok]");
	/* An overlong line (over limit + slack) is dropped too. */
	expect("id: 7\ndata: 0123456789012345678901234567890123456789\n\n"
	    "id: 8\ndata: ok\n\n", 8, "O[7]E[message|8|ok]");
	/* A leading BOM is skipped; an incomplete last event is not sent. */
	expect("\xef\xbb\xbf" "data: bom\n\ndata: partial\n", 1024,
	    "E[message|~|bom]");
	/* An id with a NUL is ignored. */
	{
		static const char s[] = "id: a\0b\ndata: n\n\n";
		struct record r;

		run(s, sizeof s - 1, NULL, 0, 1024, &r);
		CHECK_STR(r.buf, "E[message|~|n]");
	}
	/* sse_reset() forgets a partial event but keeps the last id. */
	{
		struct sse_parser p;
		struct record r;

		memset(&r, 0, sizeof r);
		r.p = &p;
		CHECK(sse_init(&p, 1024, &cbs, &r) == 0);
		CHECK(sse_feed(&p, "id: k\n\ndata: lost\r", 18) == 0);
		sse_reset(&p);
		CHECK(sse_feed(&p, "\ndata: kept\n\n", 13) == 0);
		sse_fini(&p);
		CHECK_STR(r.buf, "E[message|~k|kept]");
	}
	return (TEST_DONE());
}
