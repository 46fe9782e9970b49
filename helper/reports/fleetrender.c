/*
 * fleetrender: the answers of the reports' listener (/events/<id>,
 * /fleet, the per-node series of /metrics), built from the model.  See
 * fleet.h.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fleet.h"
#include "fleet_int.h"
#include "metrics.h"
#include "reportmsg.h"

/* a + b for counts that may each be INT64_MAX: saturates. */
static int64_t
sat_add(int64_t a, int64_t b)
{
	return (a > INT64_MAX - b ? INT64_MAX : a + b);
}

static int
by_name(const void *a, const void *b)
{
	const struct node * const *x = a, * const *y = b;

	return (strcmp((*x)->name, (*y)->name));
}

/* The live nodes, sorted by name (malloc'ed; NULL when none or out of
 * memory: *n tells). */
static struct node **
live_nodes(const struct fleet *f, int64_t now, size_t *n)
{
	struct node **v;
	uint32_t i;

	*n = 0;
	v = malloc((f->nnodes + 1) * sizeof *v);
	if (v == NULL)
		return (NULL);
	for (i = 0; i < f->nnodes; i++)
		if (fleet_node_live(f->nodes[i], now))
			v[(*n)++] = f->nodes[i];
	qsort(v, *n, sizeof *v, by_name);
	return (v);
}

static char *
dump(json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return (s);
}

static unsigned
unavailable(const char *id, const char *why, char **body)
{
	if (body != NULL)
		*body = dump(json_pack("{s:s?, s:s, s:s}", "ID", id, "Status",
		    "unavailable", "Why", why));
	return (503);
}

/* The live nodes, counted once per time and generation. */
static size_t
live_count(struct fleet *f, int64_t now)
{
	uint32_t i;

	if (f->live_at == now && f->live_gen == f->gen)
		return (f->live_n);
	f->live_n = 0;
	for (i = 0; i < f->nnodes; i++)
		f->live_n += fleet_node_live(f->nodes[i], now);
	f->live_at = now;
	f->live_gen = f->gen;
	return (f->live_n);
}

/* The code alone (a waiting request's check): no list, no sort; one pass
 * over the event's outcomes, one per node at most. */
static unsigned
event_code(struct fleet *f, const char *id, int64_t now)
{
	const struct event *e;
	const struct outcome *o;
	const struct node *n;
	size_t nv, i, applied = 0, failed = 0;

	if (!f->ok)
		return (503);
	nv = live_count(f, now);
	if (nv == 0)
		return (503);
	e = fleet_event_find(f, id);
	for (i = 0; e != NULL && i < e->n; i++) {
		o = &e->o[i];
		n = f->nodes[o->node];
		if (n->inc != o->inc || !fleet_node_live(n, now))
			continue;
		if (o->failed)
			failed++;
		else
			applied++;
	}
	if (applied + failed < nv || now < f->settled_at)
		return (202);
	return (failed > 0 ? 502 : 200);
}

unsigned
fleet_event(struct fleet *f, const char *id, int64_t now, char **body)
{
	const struct event *e;
	const struct outcome *o;
	struct node **v, *n;
	json_t *nodes = NULL, *x;
	size_t nv, i, applied = 0, failed = 0, pending = 0;
	unsigned code;
	int settled;

	CHECK_FLEET(f);
	if (body == NULL)
		return (event_code(f, id, now));
	*body = NULL;
	if (!f->ok)
		return (unavailable(id, "not subscribed to the report hub",
		    body));
	v = live_nodes(f, now, &nv);
	if (nv == 0) {
		free(v);
		return (unavailable(id, v == NULL ? "out of memory" :
		    "no live node", body));
	}
	/* Each node's outcome for the event: one pass. */
	f->stamp++;
	e = fleet_event_find(f, id);
	for (i = 0; e != NULL && i < e->n; i++) {
		n = f->nodes[e->o[i].node];
		if (n->inc != e->o[i].inc)
			continue;	/* a former node of that slot */
		n->mark = f->stamp;
		n->pick = (uint32_t)i;
	}
	nodes = json_array();
	for (i = 0; i < nv; i++) {
		n = v[i];
		o = n->mark == f->stamp ? &e->o[n->pick] : NULL;
		if (o == NULL)
			pending++;
		else if (o->failed)
			failed++;
		else
			applied++;
		if (nodes == NULL)
			continue;
		if (o == NULL)
			x = json_pack("{s:s, s:s}", "Node", n->name, "Status",
			    "pending");
		else if (o->failed)
			x = json_pack("{s:s, s:s, s:i, s:I, s:s}", "Node",
			    n->name, "Status", "failed", "Code", (int)o->code,
			    "Time", (json_int_t)o->time, "Why",
			    reportmsg_why[o->why]);
		else
			x = json_pack("{s:s, s:s, s:i, s:I}", "Node", n->name,
			    "Status", "applied", "Code", (int)o->code, "Time",
			    (json_int_t)o->time);
		(void)json_array_append_new(nodes, x);
	}
	free(v);
	settled = now >= f->settled_at;
	code = pending > 0 || !settled ? 202 : failed > 0 ? 502 : 200;
	*body = dump(json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:o}",
	    "ID", id, "Status", code == 200 ? "complete" : code == 502 ?
	    "failed" : "pending", "Live", (json_int_t)nv, "Applied",
	    (json_int_t)applied, "Failed", (json_int_t)failed, "Pending",
	    (json_int_t)pending, "Settled", settled, "Nodes", nodes));
	return (code);
}

char *
fleet_json(const struct fleet *f, int64_t now)
{
	struct node **v, *n;
	json_t *nodes;
	size_t nv, i, lagging = 0;

	CHECK_FLEET(f);
	v = live_nodes(f, now, &nv);
	if (v == NULL)
		return (NULL);
	nodes = json_array();
	for (i = 0; i < nv; i++) {
		n = v[i];
		lagging += fleet_node_lagging(n);
		(void)json_array_append_new(nodes, json_pack("{s:s, s:s, s:I, "
		    "s:I, s:I, s:I, s:b, s:I, s:I, s:b, s:{s:I, s:I, s:I, "
		    "s:I}}", "Node", n->name, "Boot", n->boot, "Seq",
		    (json_int_t)n->seq, "AgeMs", (json_int_t)(now - n->heard),
		    "Interval", (json_int_t)n->interval, "Idle",
		    (json_int_t)n->idle, "Subscribed", n->subscribed,
		    "Backlog", (json_int_t)n->backlog, "LagMs",
		    (json_int_t)n->lag, "Lagging", fleet_node_lagging(n), "Totals",
		    "Applied", (json_int_t)n->totals[0], "Failed",
		    (json_int_t)n->totals[1], "Dropped",
		    (json_int_t)n->totals[2], "Refused",
		    (json_int_t)n->totals[3]));
	}
	free(v);
	return (dump(json_pack("{s:b, s:b, s:I, s:I, s:o}", "Subscribed",
	    f->ok, "Settled", now >= f->settled_at, "Live", (json_int_t)nv,
	    "Lagging", (json_int_t)lagging, "Nodes", nodes)));
}

#define APPEND	METRICS_APPEND

int
fleet_metrics_text(const struct fleet *f, int64_t now, char *buf,
    size_t len)
{
	static const struct {
		const char	*name, *type, *help;
	} series[] = {
		{ "fleet_node_last_report_seconds", "gauge",
		    "Age of this live node's last report." },
		{ "fleet_node_lag_seconds", "gauge", "Age of this node's "
		    "oldest unfinished event, as it reported." },
		{ "fleet_node_backlog", "gauge",
		    "Events this node received and did not finish." },
		{ "fleet_node_applied_total", "counter",
		    "Events this node applied since its start." },
		{ "fleet_node_failed_total", "counter", "Events this node "
		    "failed, dropped or refused since its start." },
	};
	const struct node *n;
	size_t used = 0, k;
	uint32_t i;

	CHECK_FLEET(f);
	/* Names are node names: nothing to escape in a label. */
	for (k = 0; k < sizeof series / sizeof series[0]; k++) {
		APPEND("# HELP http_broadcast_%s %s\n# TYPE http_broadcast_%s "
		    "%s\n", series[k].name, series[k].help, series[k].name,
		    series[k].type);
		for (i = 0; i < f->nnodes; i++) {
			n = f->nodes[i];
			if (!fleet_node_live(n, now))
				continue;
			APPEND("http_broadcast_%s{node=\"%s\"} ",
			    series[k].name, n->name);
			switch (k) {
			case 0:
				APPEND("%.3f\n", (double)(now - n->heard) /
				    1000.0);
				break;
			case 1:
				APPEND("%.3f\n", (double)n->lag / 1000.0);
				break;
			case 2:
				APPEND("%lld\n", (long long)n->backlog);
				break;
			case 3:
				APPEND("%lld\n", (long long)n->totals[0]);
				break;
			default:
				APPEND("%lld\n", (long long)sat_add(n->totals[1],
				    sat_add(n->totals[2], n->totals[3])));
				break;
			}
		}
	}
	return ((int)used);
}
