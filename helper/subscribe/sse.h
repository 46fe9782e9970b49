/*
 * sse: a Server-Sent Events parser (HTML Living Standard, "Interpreting an
 * event stream") over raw bytes.  It owns no socket and no clock: the
 * stream code feeds it what libcurl hands over, the unit tests feed it
 * any split of a byte string.  Nothing it does depends on how the input
 * was cut into chunks.
 */

#ifndef HB_SSE_H
#define HB_SSE_H

#include <stddef.h>

struct sse_callbacks {
	/* A complete event with non-empty data.  data is NUL-terminated
	 * (data_len excludes the NUL); id is the last event ID buffer,
	 * which the standard keeps from earlier events: during the call,
	 * the parser's has_id tells whether this event had an id field. */
	void	(*on_event)(void *priv, const char *type, const char *data,
		    size_t data_len, const char *id);
	/* A valid "retry:" field, in milliseconds. */
	void	(*on_retry)(void *priv, long ms);
	/* An event (or a line of it) went over the size limit and was
	 * dropped; id is the last event ID buffer when it ended. */
	void	(*on_oversize)(void *priv, const char *id);
};

struct sse_parser {
	const struct sse_callbacks	*cb;
	void				*priv;
	size_t				max;		/* event/line limit */

	char				*line;
	size_t				line_len, line_cap;
	char				*data;
	size_t				data_len, data_cap;
	char				*type;		/* malloc'ed or NULL */
	char				*id;		/* last event ID */
	int				has_id;		/* this event set it */
	int				after_cr;	/* skip one LF */
	int				line_over;	/* skip to end of line */
	int				event_over;	/* drop at dispatch */
	unsigned			bom_seen;	/* bytes of a BOM matched */
	int				started;	/* past any leading BOM */
};

/* max: the largest event (sum of data) and line accepted, in bytes. */
int sse_init(struct sse_parser *p, size_t max, const struct sse_callbacks *cb,
    void *priv);
/* Forget a partial line and event (a new connection); keep the last ID. */
void sse_reset(struct sse_parser *p);
/* Returns 0, or -1 when out of memory (the parser stays usable). */
int sse_feed(struct sse_parser *p, const char *buf, size_t len);
void sse_fini(struct sse_parser *p);

#endif /* HB_SSE_H */
