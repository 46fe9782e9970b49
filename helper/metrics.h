/*
 * metrics: the daemon's counters, owned by main, updated by the stream
 * and the replayer, read by the status listener.  One thread: no locks.
 * The list is tbl/metrics.h.
 */

#ifndef HB_METRICS_H
#define HB_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* One hub's part, shown with a label hub="<its redacted URL>". */
struct hub_metrics {
	const char	*name;
	int		connected;	/* subscribed now */
	int		stalled;	/* a stall is suspected */
	int		gap;		/* its last resumption was a gap */
	uint64_t	received;
	uint64_t	duplicate;	/* already had (this or another hub) */
	uint64_t	conflict;	/* a known EventID, another content */
	uint64_t	gaps;
	uint64_t	gaps_covered;	/* another hub had it all */
};

struct metrics {
#define HB_COUNTER(field, help, logged)	uint64_t field;
#define HB_GAUGE(type, field, help)	type field;
#include "tbl/metrics.h"
#undef HB_COUNTER
#undef HB_GAUGE
	struct hub_metrics	*hubs;	/* owned by main */
	size_t			nhubs;
};

/* Append to buf like snprintf, counting what did not fit, in a function
 * that writes metrics text: its char *buf and size_t len, the size_t used
 * so far, returning -1 on an output error. */
#define METRICS_APPEND(...) do {					\
	int n_ = snprintf(buf + (used < len ? used : len),		\
	    used < len ? len - used : 0, __VA_ARGS__);			\
	if (n_ < 0)							\
		return (-1);						\
	used += (size_t)n_;						\
} while (0)

struct hb_vsb;

/* Recompute connected and stalled from the hubs'. */
void metrics_hubs_sum(struct metrics *m);

/* The Prometheus text of /metrics, appended to v (one pass; the vsb
 * remembers a failure). */
void metrics_render(const struct metrics *m, struct hb_vsb *v);
/* The same, as snprintf: the length it needs. */
int metrics_text(const struct metrics *m, char *buf, size_t len);
/* "received=1 replayed=1 ...", the counters marked for the log line at
 * exit, as snprintf. */
int metrics_logged(const struct metrics *m, char *buf, size_t len);

#endif /* HB_METRICS_H */
