/*
 * metrics: the text forms of struct metrics.  See metrics.h and
 * tbl/metrics.h.
 */

#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hb_vsb.h"

#include "metrics.h"

/* A label value as Prometheus takes it: \\, \" and \\n escaped. */
static void
label(char *out, size_t len, const char *v)
{
	size_t o = 0;

	for (; *v != '\0' && o + 3 < len; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n')
			out[o++] = '\\';
		out[o++] = *v == '\n' ? 'n' : *v;
	}
	out[o] = '\0';
}

/* The per-hub series, one line per hub each. */
static void
hubs_text(const struct metrics *m, struct hb_vsb *v)
{
	static const struct {
		const char	*name, *type, *help;
	} series[] = {
		{ "hub_connected", "gauge", "1 while subscribed to this hub." },
		{ "hub_stalled", "gauge",
		    "1 while a stall of this hub's stream is suspected." },
		{ "hub_gap", "gauge", "1 when this hub's last resumption "
		    "did not know our cursor." },
		{ "hub_events_received_total", "counter",
		    "Events received from this hub." },
		{ "hub_events_duplicate_total", "counter", "Events from this "
		    "hub skipped as already received (from it or another)." },
		{ "hub_events_conflict_total", "counter", "Events from this "
		    "hub under an EventID received before with another "
		    "content: replayed (a hub alters or invents events)." },
		{ "hub_gaps_total", "counter",
		    "Resumptions where this hub did not know our cursor." },
		{ "hub_gaps_covered_total", "counter", "Gaps of this hub not "
		    "acted on: another hub delivered everything meanwhile." },
	};
	const struct hub_metrics *h;
	size_t i, k;
	char name[512];
	uint64_t n;

	for (k = 0; m->nhubs > 0 && k < sizeof series / sizeof series[0];
	    k++) {
		hb_vsb_printf(v, "# HELP http_broadcast_%s %s\n# TYPE "
		    "http_broadcast_%s %s\n", series[k].name, series[k].help,
		    series[k].name, series[k].type);
		for (i = 0; i < m->nhubs; i++) {
			h = &m->hubs[i];
			switch (k) {
			case 0: n = (uint64_t)h->connected; break;
			case 1: n = (uint64_t)h->stalled; break;
			case 2: n = (uint64_t)h->gap; break;
			case 3: n = h->received; break;
			case 4: n = h->duplicate; break;
			case 5: n = h->conflict; break;
			case 6: n = h->gaps; break;
			default: n = h->gaps_covered; break;
			}
			label(name, sizeof name, h->name);
			hb_vsb_printf(v, "http_broadcast_%s{hub=\"%s\"} %"
			    PRIu64 "\n", series[k].name, name, n);
		}
	}
}

void
metrics_render(const struct metrics *m, struct hb_vsb *v)
{
#define HB_COUNTER(field, help, logged)					\
	hb_vsb_printf(v, "# HELP http_broadcast_" #field "_total " help	\
	    "\n# TYPE http_broadcast_" #field "_total counter\n"		\
	    "http_broadcast_" #field "_total %" PRIu64 "\n", m->field);
#define HB_GAUGE(type, field, help)					\
	hb_vsb_printf(v, "# HELP http_broadcast_" #field " " help "\n"	\
	    "# TYPE http_broadcast_" #field " gauge\n"			\
	    "http_broadcast_" #field " %lld\n", (long long)m->field);
#include "tbl/metrics.h"
#undef HB_COUNTER
#undef HB_GAUGE
	hubs_text(m, v);
}

int
metrics_text(const struct metrics *m, char *buf, size_t len)
{
	struct hb_vsb v;
	size_t n;

	if (hb_vsb_init(&v, len) == 0)
		metrics_render(m, &v);
	if (hb_vsb_finish(&v) != 0 || v.len > INT32_MAX) {
		hb_vsb_fini(&v);
		return (-1);
	}
	n = v.len < len ? v.len : len - 1;
	if (len > 0) {
		memcpy(buf, v.buf, n);
		buf[n] = '\0';
	}
	n = v.len;
	hb_vsb_fini(&v);
	return ((int)n);
}

void
metrics_hubs_sum(struct metrics *m)
{
	size_t i;

	m->connected = m->stalled = 0;
	for (i = 0; i < m->nhubs; i++) {
		m->connected |= m->hubs[i].connected;
		m->stalled |= m->hubs[i].stalled;
	}
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

#define APPEND	METRICS_APPEND
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
