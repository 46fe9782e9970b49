/*
 * fleet: the model of the reports' listener: the nodes heard and their
 * liveness, each event's outcomes, what a report changes in them, and
 * when the answers may be complete (Settled).  See fleet.h and
 * fleet_int.h; docs/reports.md.
 */

#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_siphash.h"

#include "fleet.h"
#include "fleet_int.h"
#include "log.h"
#include "metrics.h"
#include "reportkey.h"
#include "reportmsg.h"
#include "settings.h"

/* Gone nodes are looked for at their deadline; after a report, the live
 * and lagging gauges are counted again at most this often. */
#define SCAN_EVERY_MS		250
/* The longest liveness a listener grants, in its own idle intervals: a
 * report cannot keep a node live (and every answer 202) for a day. */
#define IDLE_TRUST		10
/* The most a node's Seq may grow beyond one report per
 * REPORT_INTERVAL_MIN_MS since the last one heard: a burst at stop is
 * REPORT_MAX_WAITING / REPORT_MAX_ENTRIES (100) reports. */
#define SEQ_SLACK		128

/* SipHash under a key of this run: names and ids come from the reports,
 * and a chain made long on purpose would slow every lookup (a seed mixed
 * into FNV-1a would not stop that: the bucket depends only on the seed's
 * low bits). */
static struct hb_siphash_key hash_key;
static int hash_keyed;

static uint32_t
hash(const char *s)
{
	return ((uint32_t)hb_siphash_str(&hash_key, s));
}

/* A report keeps its node live for twice the idle interval it carries,
 * at most twice IDLE_TRUST of ours. */
static int64_t
report_window(const struct fleet *f, int64_t idle)
{
	int64_t cap = IDLE_TRUST * f->cfg->report_idle_ms;

	return (2 * (idle < cap ? idle : cap));
}

int
fleet_node_live(const struct node *n, int64_t now)
{
	return (now <= n->until);
}

int
fleet_node_lagging(const struct node *n)
{
	return (!n->subscribed || n->lag >= FLEET_LAGGING_MS);
}

/*--------------------------------------------------------------------
 * Membership
 */

static struct node *
node_find(const struct fleet *f, const char *name)
{
	struct node *n;

	LIST_FOREACH(n, &f->nhash[hash(name) & (NODE_BUCKETS - 1)], hlist)
		if (strcmp(n->name, name) == 0)
			return (n);
	return (NULL);
}

/* A slot for a new node: a free one, else a gone node's (full table). */
static struct node *
node_add(struct fleet *f, const char *name, int64_t now)
{
	struct node *n = NULL;
	uint32_t i, idx, inc = 0;

	if (f->nnodes < FLEET_MAX_NODES) {
		n = calloc(1, sizeof *n);
		if (n == NULL)
			return (NULL);
		idx = f->nnodes++;
		f->nodes[idx] = n;
	} else {
		for (i = 0; i < f->nnodes && n == NULL; i++)
			if (!fleet_node_live(f->nodes[i], now))
				n = f->nodes[i];
		if (n == NULL)
			return (NULL);
		LIST_REMOVE(n, hlist);
		inc = n->inc + 1;
		idx = n->idx;
		log_msg(LOG_INFO, "node %s forgotten: gone, and its place is "
		    "needed for node %s", n->name, name);
		memset(n, 0, sizeof *n);
	}
	n->idx = idx;
	n->inc = inc;
	snprintf(n->name, sizeof n->name, "%s", name);
	LIST_INSERT_HEAD(&f->nhash[hash(name) & (NODE_BUCKETS - 1)], n,
	    hlist);
	return (n);
}

/* Count live and lagging nodes, say which left; when to look again. */
static void
scan(struct fleet *f, int64_t now)
{
	struct node *n;
	int64_t next = INT64_MAX, t;
	uint32_t i;
	int live = 0, lagging = 0;

	for (i = 0; i < f->nnodes; i++) {
		n = f->nodes[i];
		if (!fleet_node_live(n, now)) {
			if (n->live) {
				n->live = 0;
				f->gen++;
				log_msg(LOG_WARN, "node %s is gone: no report "
				    "for %lldms (its liveness window, "
				    "%lldms)", n->name,
				    (long long)(now - n->heard),
				    (long long)(n->until - n->heard));
			}
			continue;
		}
		n->live = 1;
		live++;
		lagging += fleet_node_lagging(n);
		t = n->until + 1;
		if (t < next)
			next = t;
	}
	f->m->fleet_nodes_live = live;
	f->m->fleet_nodes_lagging = lagging;
	f->next_gone = next;
	f->last_scan = now;
	f->scanned_gen = f->gen;
}

/*--------------------------------------------------------------------
 * Results
 */

struct event *
fleet_event_find(const struct fleet *f, const char *id)
{
	struct event *e;

	LIST_FOREACH(e, &f->ehash[hash(id) & (EVENT_BUCKETS - 1)], hlist)
		if (strcmp(e->id, id) == 0)
			return (e);
	return (NULL);
}

static void
event_drop_oldest(struct fleet *f)
{
	struct event *e = TAILQ_FIRST(&f->events);

	assert(e != NULL);
	LIST_REMOVE(e, hlist);
	TAILQ_REMOVE(&f->events, e, list);
	f->nevents--;
	f->noutcomes -= e->n;
	free(e->o);
	free(e->id);
	free(e);
}

static void
event_evict_oldest(struct fleet *f)
{

	f->m->fleet_results_evicted++;
	event_drop_oldest(f);
}

static struct event *
event_get(struct fleet *f, const char *id)
{
	struct event *e = fleet_event_find(f, id);

	if (e != NULL)
		return (e);
	if (f->nevents >= FLEET_MAX_EVENTS)
		event_evict_oldest(f);
	e = calloc(1, sizeof *e);
	if (e == NULL || (e->id = strdup(id)) == NULL) {
		free(e);
		return (NULL);
	}
	LIST_INSERT_HEAD(&f->ehash[hash(id) & (EVENT_BUCKETS - 1)], e, hlist);
	TAILQ_INSERT_TAIL(&f->events, e, list);
	f->nevents++;
	return (e);
}

/* The outcome of a node's slot for an event, whichever incarnation. */
static struct outcome *
outcome_find(const struct event *e, uint32_t node)
{
	uint32_t i;

	for (i = 0; e != NULL && i < e->n; i++)
		if (e->o[i].node == node)
			return (&e->o[i]);
	return (NULL);
}

/* Keep o as its node's outcome for event id; a stale report's (late)
 * only where the node has none yet.  0, or -1 when it could not be kept
 * (out of memory, or the bound with this event the only one left). */
static int
outcome_add(struct fleet *f, const char *id, const struct outcome *o,
    int stale)
{
	struct event *e = event_get(f, id);
	struct outcome *v;
	uint32_t cap;

	if (e == NULL)
		return (-1);
	v = outcome_find(e, o->node);
	if (v != NULL) {
		if (!stale || v->inc != o->inc)
			*v = *o;
		return (0);
	}
	while (f->noutcomes >= FLEET_MAX_OUTCOMES &&
	    TAILQ_FIRST(&f->events) != e)
		event_evict_oldest(f);
	if (f->noutcomes >= FLEET_MAX_OUTCOMES)
		return (-1);
	if (e->n == e->cap) {
		cap = e->cap == 0 ? 4 : e->cap * 2;
		v = realloc(e->o, cap * sizeof *v);
		if (v == NULL)
			return (-1);
		e->o = v;
		e->cap = cap;
	}
	e->o[e->n++] = *o;
	f->noutcomes++;
	return (0);
}

/*--------------------------------------------------------------------
 * Reports
 */

/* A new name may join: always in the subscription's first idle interval
 * (the listener learns its fleet), else FLEET_JOINS_MAX per
 * REPORT_IDLE_INTERVAL.  A name refused may be a real node: the listener
 * is not Settled again until it could have been heard, so that no answer
 * says complete without it; that is no time of free joins. */
static int
join_allowed(struct fleet *f, const char *name, int64_t now)
{
	int64_t idle = f->cfg->report_idle_ms;

	if (now < f->learn_until)
		return (1);
	if (now - f->joins_from >= idle) {
		if (f->joins_refused > 0)
			log_msg(LOG_WARN, "%u new nodes refused within %lldms: "
			    "more than %d joined (names made up with the "
			    "report token?)", f->joins_refused,
			    (long long)(now - f->joins_from), FLEET_JOINS_MAX);
		f->joins_from = now;
		f->joins = f->joins_refused = 0;
	}
	if (f->joins < FLEET_JOINS_MAX) {
		f->joins++;
		return (1);
	}
	if (f->joins_refused++ == 0)
		log_msg(LOG_WARN, "report of new node %s refused: %d new nodes "
		    "joined within REPORT_IDLE_INTERVAL already; not Settled "
		    "until they may join (names made up with the report "
		    "token?)", name, FLEET_JOINS_MAX);
	f->m->fleet_joins_refused++;
	f->settled_at = now + idle + 1000;
	f->gen++;
	return (0);
}

/* Whether a Seq is one this node may have reached since the last one
 * taken: at most one report per REPORT_INTERVAL_MIN_MS, and SEQ_SLACK.
 * A jump beyond (to 2^63 - 1, say) would make every real report after it
 * late. */
static int
seq_plausible(const struct node *n, int64_t seq, int64_t now)
{
	int64_t room = SEQ_SLACK;

	if (now > n->seq_at)
		room += (now - n->seq_at) / REPORT_INTERVAL_MIN_MS;
	return (seq - n->seq <= room);
}

/* What a report says of its node (and logs of its comings and goings).
 * A stale report (the same Boot, a Seq not above the last one: a late
 * one) says nothing of it but that it is alive: *stale is set, and the
 * node is left as is.  NULL when refused (logged, counted): a Seq no
 * node makes, too many new nodes, or no room.
 *
 * No report shortens a node's liveness: "until" only grows, so a report
 * with a short Idle, or another Boot, cannot make a live node leave
 * before its real reports' window ends. */
static struct node *
report_node(struct fleet *f, const struct report_msg *r, int64_t now,
    int *stale)
{
	struct node *n = node_find(f, r->node);
	int64_t until = now + report_window(f, r->idle);
	int back, restarted;

	*stale = 0;
	if (n == NULL) {
		if (!join_allowed(f, r->node, now))
			return (NULL);
		n = node_add(f, r->node, now);
		if (n == NULL) {
			f->m->reports_refused++;
			log_msg(LOG_WARN, "report of node %s refused: %s",
			    r->node, f->nnodes < FLEET_MAX_NODES ? "out of "
			    "memory" : "the table of nodes is full, and none "
			    "of them is gone");
			return (NULL);
		}
		log_msg(LOG_INFO, "node %s joined the fleet", r->node);
	} else if (strcmp(n->boot, r->boot) == 0 && r->seq <= n->seq) {
		*stale = 1;
		log_msg(LOG_DEBUG, "report of node %s is late (seq %lld, "
		    "%lld seen): only its new results count", n->name,
		    (long long)r->seq, (long long)n->seq);
		/* A late report is still a sign of life: after a forged
		 * jump of Seq, the real reports are all late. */
		n->heard = now;
		if (until > n->until)
			n->until = until;
		return (n);
	} else if (strcmp(n->boot, r->boot) == 0 &&
	    !seq_plausible(n, r->seq, now)) {
		f->m->reports_forged++;
		log_msg(LOG_WARN, "report of node %s refused as forged: its "
		    "Seq jumps from %lld to %lld in %lldms", n->name,
		    (long long)n->seq, (long long)r->seq,
		    (long long)(now - n->seq_at));
		return (NULL);
	} else {
		back = !fleet_node_live(n, now);
		restarted = strcmp(n->boot, r->boot) != 0;
		if (back || restarted)
			log_msg(LOG_INFO, "node %s %s%s", n->name, back ?
			    "is back" : "restarted", back && restarted ?
			    " (restarted)" : "");
	}
	snprintf(n->boot, sizeof n->boot, "%s", r->boot);
	n->heard = now;
	if (until > n->until)
		n->until = until;
	n->live = 1;
	n->seq = r->seq;
	n->seq_at = now;
	n->interval = r->interval;
	n->idle = r->idle;
	n->subscribed = r->subscribed;
	n->backlog = r->backlog;
	n->lag = r->lag;
	memcpy(n->totals, r->totals, sizeof n->totals);
	return (n);
}

static void
report_results(struct fleet *f, const struct report_msg *r, uint32_t node,
    uint32_t inc, int stale)
{
	struct report_entry e;
	struct outcome o;
	size_t i, lost = 0, bad = 0;
	int k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < r->n[k]; i++) {
			reportmsg_entry(r, k, i, &e);
			if (e.id == NULL) {
				bad++;
				continue;
			}
			memset(&o, 0, sizeof o);
			o.node = node;
			o.inc = inc;
			o.failed = (uint8_t)k;
			o.code = (int32_t)e.code;
			o.time = e.time;
			o.why = (uint8_t)e.why;
			if (outcome_add(f, e.id, &o, stale) != 0)
				lost++;
		}
	}
	if (bad > 0)
		log_msg(LOG_WARN, "%zu results of node %s's report ignored: "
		    "their ID is not an event id", bad, r->node);
	if (lost > 0) {
		f->m->fleet_results_evicted += lost;
		log_msg(LOG_WARN, "%zu results of node %s's report not kept "
		    "(out of memory)", lost, r->node);
	}
}

int
fleet_report(struct fleet *f, const char *data, size_t len, int64_t now)
{
	struct report_msg r;
	struct node *n;
	const char *bad;
	char why[256];
	int stale;

	CHECK_FLEET(f);
	if (reportmsg_parse(&r, data, len, why, sizeof why) != 0) {
		f->m->reports_invalid++;
		log_msg(LOG_WARN, "report refused (%zu bytes%s%s): %s", len,
		    r.node != NULL ? ", Node " : "",
		    r.node != NULL ? r.node : "", why);
		reportmsg_free(&r);
		return (-1);
	}
	/* Signed mode: the name a report gives is believed only when it
	 * is signed with that node's key. */
	if (f->cfg->report_verify_key_file != NULL &&
	    (bad = reportkey_verify(&f->cfg->report_verify, r.node, data,
	    len)) != NULL) {
		f->m->reports_forged++;
		log_msg(LOG_WARN, "report of node %s refused as forged: %s "
		    "(REPORT_VERIFY_KEY_FILE is set)", r.node, bad);
		reportmsg_free(&r);
		return (-1);
	}
	n = report_node(f, &r, now, &stale);
	if (n == NULL) {
		reportmsg_free(&r);
		return (-1);
	}
	report_results(f, &r, n->idx, n->inc, stale);
	f->m->reports_received++;
	f->gen++;
	log_msg(LOG_DEBUG, "report of node %s: seq %lld, %zu applied, %zu "
	    "failed", n->name, (long long)r.seq, r.n[0], r.n[1]);
	reportmsg_free(&r);
	return (0);
}


void
fleet_subscribed(struct fleet *f, int64_t now)
{

	CHECK_FLEET(f);
	f->ok = 1;
	f->gen++;
	/* Every node reports within its idle interval: until then, some
	 * may not have been heard yet.  After a lost connection too: the
	 * reports of the outage are missed, and nodes may have expired. */
	f->settled_at = now + f->cfg->report_idle_ms + 1000;
	f->learn_until = f->settled_at;
}

int64_t
fleet_settled_at(const struct fleet *f)
{
	return (f != NULL ? f->settled_at : INT64_MAX);
}

uint64_t
fleet_generation(const struct fleet *f)
{
	return (f != NULL ? f->gen : 0);
}

int64_t
fleet_model_tick(struct fleet *f, int64_t now)
{
	int64_t next;

	CHECK_FLEET(f);
	if (now >= f->next_gone || (f->gen != f->scanned_gen &&
	    now - f->last_scan >= SCAN_EVERY_MS))
		scan(f, now);
	next = f->next_gone;
	if (f->gen != f->scanned_gen && f->last_scan + SCAN_EVERY_MS < next)
		next = f->last_scan + SCAN_EVERY_MS;
	return (next);
}

void
fleet_unsubscribed(struct fleet *f)
{

	CHECK_FLEET(f);
	if (f->ok)
		f->gen++;
	f->ok = 0;
}

int
fleet_model_init(struct fleet *f, const struct settings *cfg,
    struct metrics *m)
{
	size_t i;

	CHECK_FLEET(f);
	if (!hash_keyed && hb_siphash_key_new(&hash_key) != 0) {
		log_msg(LOG_ERROR, "reports: no randomness for the hash key "
		    "(getrandom failed)");
		return (-1);
	}
	hash_keyed = 1;
	f->nodes = calloc(FLEET_MAX_NODES, sizeof *f->nodes);
	f->ehash = calloc(EVENT_BUCKETS, sizeof *f->ehash);
	if (f->nodes == NULL || f->ehash == NULL) {
		free(f->nodes);
		free(f->ehash);
		return (-1);
	}
	for (i = 0; i < NODE_BUCKETS; i++)
		LIST_INIT(&f->nhash[i]);
	for (i = 0; i < EVENT_BUCKETS; i++)
		LIST_INIT(&f->ehash[i]);
	TAILQ_INIT(&f->events);
	f->cfg = cfg;
	f->m = m;
	f->settled_at = INT64_MAX;
	f->learn_until = INT64_MAX;
	f->next_gone = INT64_MAX;
	return (0);
}

void
fleet_model_fini(struct fleet *f)
{
	uint32_t i;

	CHECK_FLEET(f);
	while (!TAILQ_EMPTY(&f->events))
		event_drop_oldest(f);
	for (i = 0; i < f->nnodes; i++)
		free(f->nodes[i]);
	free(f->nodes);
	free(f->ehash);
	f->nodes = NULL;
	f->ehash = NULL;
}
