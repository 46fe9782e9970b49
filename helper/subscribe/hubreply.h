/*
 * hubreply: what the helper makes of the hub's answer to a subscription:
 * the header lines libcurl hands over one by one (status line, fields,
 * the blank line that ends them), the Content-Type and the Last-Event-ID
 * the hub echoes, and the verdict once they are complete.  Pure over
 * bytes, so the fuzzer and the tests call it without a network.
 */

#ifndef HB_HUBREPLY_H
#define HB_HUBREPLY_H

#include <stddef.h>
#include <stdint.h>

struct hubreply {
	char	*ctype;		/* Content-Type, or NULL */
	char	*last_id;	/* [Mercure-]Last-Event-ID, or NULL */
};

/* One header line (with its line end, as libcurl gives it).  A status
 * line starts a new reply (an interim 1xx may come first).  Returns 1
 * for the blank line that ends the headers, else 0.  A value that cannot
 * be stored (out of memory) leaves the previous one. */
int hubreply_line(struct hubreply *h, const char *buf, size_t len);
/* Judge complete headers: 1 for an interim (1xx) reply, 0 for an event
 * stream (200, text/event-stream), -1 otherwise with the reason in
 * problem. */
int hubreply_judge(const struct hubreply *h, long status, char *problem,
    size_t plen);
/* 1 when we resumed from sent_id and the hub answered another
 * Last-Event-ID: events may have been missed. */
int hubreply_gap(const struct hubreply *h, const char *sent_id);
void hubreply_clear(struct hubreply *h);

/* The delay before a new connection to a hub after failures bad ones in a
 * row: retry_ms (the hub's retry:, at least 1 s) doubled per failure, at
 * most max, with jitter in [d/2, d] so that a fleet that lost its hub does
 * not come back at once. */
int64_t hubreply_backoff_ms(long retry_ms, unsigned failures, int64_t max);

#endif /* HB_HUBREPLY_H */
