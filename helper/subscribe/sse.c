/*
 * sse: Server-Sent Events parser.  See sse.h.
 *
 * Buffers grow on demand (a quiet stream costs almost no memory) and never
 * beyond the configured limit: a line longer than the limit is skipped to
 * its end, an event whose data would exceed it is reported once, at its
 * blank line, and then forgotten, so the stream goes on with the next one.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sse.h"

/* Room for the field name ("data: ") on top of a maximal value. */
#define LINE_SLACK	16

static int
grow(char **buf, size_t *cap, size_t need)
{
	size_t ncap = *cap == 0 ? 256 : *cap;
	char *n;

	if (need <= *cap)
		return (0);
	while (ncap < need)
		ncap *= 2;
	n = realloc(*buf, ncap);
	if (n == NULL)
		return (-1);
	*buf = n;
	*cap = ncap;
	return (0);
}

int
sse_init(struct sse_parser *p, size_t max, const struct sse_callbacks *cb,
    void *priv)
{
	memset(p, 0, sizeof *p);
	p->cb = cb;
	p->priv = priv;
	p->max = max;
	p->id = strdup("");
	return (p->id == NULL ? -1 : 0);
}

void
sse_reset(struct sse_parser *p)
{
	p->line_len = 0;
	p->data_len = 0;
	free(p->type);
	p->type = NULL;
	p->after_cr = 0;
	p->line_over = 0;
	p->event_over = 0;
	p->has_id = 0;
	p->bom_seen = 0;
	p->started = 0;
}

/* Replace the string *dst owns with a copy of [src, src + len). */
static int
replace(char **dst, const char *src, size_t len)
{
	char *n = strndup(src, len);

	if (n == NULL)
		return (-1);
	free(*dst);
	*dst = n;
	return (0);
}

void
sse_fini(struct sse_parser *p)
{
	free(p->line);
	free(p->data);
	free(p->type);
	free(p->id);
	memset(p, 0, sizeof *p);
}

static void
dispatch(struct sse_parser *p)
{
	if (p->event_over) {
		if (p->cb->on_oversize != NULL)
			p->cb->on_oversize(p->priv, p->id);
	} else if (p->data_len > 0) {
		/* Remove the LF that followed the last data line. */
		p->data[--p->data_len] = '\0';
		/* The standard would dispatch an empty "data" here; an
		 * empty event carries no request, so it is not reported. */
		if (p->data_len > 0 && p->cb->on_event != NULL)
			p->cb->on_event(p->priv, p->type != NULL ? p->type :
			    "message", p->data, p->data_len, p->id);
	}
	p->data_len = 0;
	p->event_over = 0;
	p->has_id = 0;
	free(p->type);
	p->type = NULL;
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	return (1);
}

/* One complete line (without its terminator) in p->line. */
static int
process_line(struct sse_parser *p)
{
	const char *line = p->line, *colon, *value;
	size_t len = p->line_len, flen, vlen;

	if (len == 0) {
		dispatch(p);
		return (0);
	}
	if (line[0] == ':')
		return (0);			/* comment, e.g. a heartbeat */
	colon = memchr(line, ':', len);
	if (colon != NULL) {
		flen = (size_t)(colon - line);
		value = colon + 1;
		vlen = len - flen - 1;
		if (vlen > 0 && *value == ' ') {
			value++;
			vlen--;
		}
	} else {
		flen = len;
		value = line + len;
		vlen = 0;
	}

	if (flen == 4 && memcmp(line, "data", 4) == 0) {
		if (p->event_over)
			return (0);
		if (p->data_len + vlen + 1 > p->max) {
			p->event_over = 1;
			p->data_len = 0;
			return (0);
		}
		/* +1 for the LF, +1 for the NUL dispatch() leaves. */
		if (grow(&p->data, &p->data_cap, p->data_len + vlen + 2) != 0)
			return (-1);
		memcpy(p->data + p->data_len, value, vlen);
		p->data_len += vlen;
		p->data[p->data_len++] = '\n';
	} else if (flen == 5 && memcmp(line, "event", 5) == 0) {
		return (replace(&p->type, value, vlen));
	} else if (flen == 2 && memcmp(line, "id", 2) == 0) {
		if (memchr(value, '\0', vlen) != NULL)
			return (0);		/* ignored, as the standard says */
		p->has_id = 1;
		return (replace(&p->id, value, vlen));
	} else if (flen == 5 && memcmp(line, "retry", 5) == 0) {
		/* The line is not NUL-terminated: no strtol() here. */
		if (all_digits(value, vlen) && vlen <= 9 &&
		    p->cb->on_retry != NULL) {
			long ms = 0;
			size_t i;

			for (i = 0; i < vlen; i++)
				ms = ms * 10 + (value[i] - '0');
			p->cb->on_retry(p->priv, ms);
		}
	}
	/* Any other field is ignored. */
	return (0);
}

static int
end_of_line(struct sse_parser *p)
{
	int r = 0;

	if (p->line_over) {
		/* The overlong line is lost; so is the event it was part of. */
		p->line_over = 0;
		p->event_over = 1;
	} else {
		r = process_line(p);
	}
	p->line_len = 0;
	return (r);
}

int
sse_feed(struct sse_parser *p, const char *buf, size_t len)
{
	static const unsigned char bom[3] = { 0xef, 0xbb, 0xbf };
	const char *end = buf + len, *eol;
	size_t n;
	int r = 0;

	while (buf < end) {
		if (!p->started) {
			/* A UTF-8 BOM may open the stream; it is not data. */
			if ((unsigned char)*buf == bom[p->bom_seen]) {
				buf++;
				if (++p->bom_seen == sizeof bom)
					p->started = 1;
				continue;
			}
			p->started = 1;
			if (p->bom_seen > 0) {
				/* A partial BOM was data after all. */
				if (grow(&p->line, &p->line_cap,
				    p->bom_seen) != 0)
					return (-1);
				memcpy(p->line, bom, p->bom_seen);
				p->line_len = p->bom_seen;
			}
		}
		if (p->after_cr) {
			p->after_cr = 0;
			if (*buf == '\n') {
				buf++;
				continue;
			}
		}
		for (eol = buf; eol < end && *eol != '\r' && *eol != '\n'; eol++)
			continue;
		n = (size_t)(eol - buf);
		if (!p->line_over && p->line_len + n > p->max + LINE_SLACK) {
			p->line_over = 1;
			p->line_len = 0;
		}
		if (!p->line_over && n > 0) {
			if (grow(&p->line, &p->line_cap, p->line_len + n) != 0)
				return (-1);
			memcpy(p->line + p->line_len, buf, n);
			p->line_len += n;
		}
		buf = eol;
		if (buf == end)
			break;
		p->after_cr = (*buf == '\r');
		buf++;
		if (end_of_line(p) != 0)
			r = -1;
	}
	return (r);
}
