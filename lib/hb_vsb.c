/*
 * hb_vsb: a growable string.  See hb_vsb.h.
 */

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_miniobj.h"
#include "hb_vsb.h"

#define HINT_DEFAULT	256

int
hb_vsb_init(struct hb_vsb *v, size_t hint)
{
	INIT_OBJ(v, HB_VSB_MAGIC);
	return (hb_vsb_reserve(v, hint != 0 ? hint : HINT_DEFAULT));
}

int
hb_vsb_reserve(struct hb_vsb *v, size_t n)
{
	size_t ncap;
	char *nb;

	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	if (v->error)
		return (-1);
	if (n < v->cap - v->len && v->buf != NULL)
		return (0);
	/* Doubling: appending is amortized O(1). */
	ncap = v->cap != 0 ? v->cap : HINT_DEFAULT;
	while (ncap - v->len <= n) {
		if (ncap > ((size_t)-1) / 2) {
			v->error = 1;
			return (-1);
		}
		ncap *= 2;
	}
	nb = realloc(v->buf, ncap);
	if (nb == NULL) {
		v->error = 1;
		return (-1);
	}
	v->buf = nb;
	v->cap = ncap;
	v->buf[v->len] = '\0';
	return (0);
}

char *
hb_vsb_end(const struct hb_vsb *v)
{
	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	return (v->buf != NULL ? v->buf + v->len : NULL);
}

size_t
hb_vsb_room(const struct hb_vsb *v)
{
	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	return (v->buf != NULL && !v->error ? v->cap - v->len : 0);
}

void
hb_vsb_grew(struct hb_vsb *v, size_t n)
{
	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	assert(n < hb_vsb_room(v));
	v->len += n;
	v->buf[v->len] = '\0';
}

void
hb_vsb_printf(struct hb_vsb *v, const char *fmt, ...)
{
	va_list ap;
	int n;

	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	if (v->error)
		return;
	va_start(ap, fmt);
	n = vsnprintf(hb_vsb_end(v), hb_vsb_room(v), fmt, ap);
	va_end(ap);
	if (n < 0) {
		v->error = 1;
		return;
	}
	if ((size_t)n >= hb_vsb_room(v)) {
		/* Only this piece is formatted again, into room enough. */
		if (hb_vsb_reserve(v, (size_t)n) != 0)
			return;
		va_start(ap, fmt);
		(void)vsnprintf(hb_vsb_end(v), hb_vsb_room(v), fmt, ap);
		va_end(ap);
	}
	v->len += (size_t)n;
}

int
hb_vsb_finish(const struct hb_vsb *v)
{
	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	return (v->error || v->buf == NULL ? -1 : 0);
}

char *
hb_vsb_take(struct hb_vsb *v)
{
	char *s = NULL;

	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	if (hb_vsb_finish(v) == 0) {
		s = v->buf;
		v->buf = NULL;
	}
	hb_vsb_fini(v);
	INIT_OBJ(v, HB_VSB_MAGIC);
	return (s);
}

void
hb_vsb_fini(struct hb_vsb *v)
{
	CHECK_OBJ_NOTNULL(v, HB_VSB_MAGIC);
	free(v->buf);
	v->buf = NULL;
	v->len = v->cap = 0;
}
