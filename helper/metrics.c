/*
 * metrics: the text forms of struct metrics.  See metrics.h and
 * tbl/metrics.h.
 */

#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

/* Append to buf like snprintf, counting what did not fit. */
#define APPEND(...) do {						\
	int n_ = snprintf(buf + (used < len ? used : len),		\
	    used < len ? len - used : 0, __VA_ARGS__);			\
	if (n_ < 0)							\
		return (-1);						\
	used += (size_t)n_;						\
} while (0)

int
metrics_text(const struct metrics *m, char *buf, size_t len)
{
	size_t used = 0;

#define HB_COUNTER(field, help, logged)					\
	APPEND("# HELP http_broadcast_" #field "_total " help "\n"	\
	    "# TYPE http_broadcast_" #field "_total counter\n"		\
	    "http_broadcast_" #field "_total %" PRIu64 "\n", m->field);
#define HB_GAUGE(type, field, help)					\
	APPEND("# HELP http_broadcast_" #field " " help "\n"		\
	    "# TYPE http_broadcast_" #field " gauge\n"			\
	    "http_broadcast_" #field " %lld\n", (long long)m->field);
#include "tbl/metrics.h"
#undef HB_COUNTER
#undef HB_GAUGE
	return ((int)used);
}

int
metrics_logged(const struct metrics *m, char *buf, size_t len)
{
	static const struct {
		const char	*key;		/* NULL: not logged */
		size_t		off;
	} counters[] = {
#define HB_COUNTER(field, help, logged)					\
		{ logged, offsetof(struct metrics, field) },
#define HB_GAUGE(type, field, help)
#include "tbl/metrics.h"
#undef HB_COUNTER
#undef HB_GAUGE
	};
	const char *sep = "";
	size_t i, used = 0;
	uint64_t v;

	if (len > 0)
		*buf = '\0';
	for (i = 0; i < sizeof counters / sizeof counters[0]; i++) {
		if (counters[i].key == NULL)
			continue;
		memcpy(&v, (const char *)m + counters[i].off, sizeof v);
		APPEND("%s%s=%" PRIu64, sep, counters[i].key, v);
		sep = " ";
	}
	return ((int)used);
}
