/*
 * Fuzz target: the helper's SSE parser.  The input is fed twice, once cut
 * at a point derived from the data and once byte by byte; both runs must
 * report exactly the same events, retries and oversize drops, since
 * nothing may depend on how the network cut the stream.  The size limit
 * is derived from the first byte so that the oversize paths are reached.
 */

#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helper/subscribe/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Everything the parser reported, in order, as one byte string. */
struct record {
	char	*buf;
	size_t	len, cap;
};

static void
rec_add(struct record *r, char kind, const char *a, size_t alen,
    const char *b, size_t blen)
{
	size_t need = r->len + alen + blen + 3 + 2 * sizeof(size_t);
	char *n;

	if (need > r->cap) {
		n = realloc(r->buf, need * 2);
		assert(n != NULL);
		r->buf = n;
		r->cap = need * 2;
	}
	/* Lengths first, so that no two records can read the same. */
	r->buf[r->len++] = kind;
	memcpy(r->buf + r->len, &alen, sizeof alen);
	r->len += sizeof alen;
	memcpy(r->buf + r->len, a, alen);
	r->len += alen;
	memcpy(r->buf + r->len, &blen, sizeof blen);
	r->len += sizeof blen;
	memcpy(r->buf + r->len, b, blen);
	r->len += blen;
}

static void
on_event(void *priv, const char *type, const char *data, size_t len,
    const char *id)
{
	struct record *r = priv;

	assert(len > 0 && data[len] == '\0');
	rec_add(r, 'T', type, strlen(type), id, strlen(id));
	rec_add(r, 'E', data, len, "", 0);
}

static void
on_retry(void *priv, long ms)
{
	char b[32];

	assert(ms >= 0 && ms <= 999999999);
	snprintf(b, sizeof b, "%ld", ms);
	rec_add(priv, 'R', b, strlen(b), "", 0);
}

static void
on_oversize(void *priv, const char *id)
{
	rec_add(priv, 'O', id, strlen(id), "", 0);
}

static const struct sse_callbacks cbs = { on_event, on_retry, on_oversize };

static void
run(const uint8_t *data, size_t size, size_t max, size_t cut, int bytewise,
    struct record *r)
{
	struct sse_parser p;
	size_t i;

	assert(sse_init(&p, max, &cbs, r) == 0);
	if (bytewise) {
		for (i = 0; i < size; i++)
			assert(sse_feed(&p, (const char *)data + i, 1) == 0);
	} else {
		assert(sse_feed(&p, (const char *)data, cut) == 0);
		assert(sse_feed(&p, (const char *)data + cut, size - cut) == 0);
	}
	/* The end of the input: a reconnect forgets the partial event. */
	sse_reset(&p);
	rec_add(r, 'I', p.id, strlen(p.id), "", 0);
	sse_fini(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	size_t max, cut;

	if (size < 2)
		return (0);
	max = 8 + (size_t)data[0] * 4;
	cut = data[1];
	data += 2;
	size -= 2;
	cut %= size + 1;
	run(data, size, max, cut, 0, &a);
	run(data, size, max, 0, 1, &b);
	assert(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
	free(a.buf);
	free(b.buf);
	return (0);
}
