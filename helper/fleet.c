/*
 * fleet: the reports' listener.  See fleet.h and docs/reports.md.
 *
 * Nodes live in an array (their index names them in the outcomes) with a
 * hash by name.  A slot is reused for a new name only when the table is
 * full and the node in it is gone; its incarnation then changes, so the
 * outcomes of the former node are ignored without a scan.
 *
 * Events live in a hash by id and in a list from the oldest: eviction
 * takes the oldest.  An event keeps one outcome per node, the last one
 * (a restart may apply it again): a node's second outcome overwrites its
 * first, so no report can pile more than one outcome per node on an
 * event.
 */

#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hb_curl.h"
#include "hb_siphash.h"

#include "clock.h"
#include "cursor.h"
#include "fleet.h"
#include "hubreply.h"
#include "log.h"
#include "metrics.h"
#include "reportmsg.h"
#include "settings.h"
#include "sse.h"
#include "subscribe.h"

#define NODE_BUCKETS		16384	/* powers of two */
#define EVENT_BUCKETS		32768
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


struct node {
	char		name[129];
	char		boot[REPORT_BOOT_MAX + 1];
	uint32_t	idx;		/* its slot */
	uint32_t	inc;		/* incarnation of this slot */
	int		live;		/* as last counted (the logs) */
	int64_t		heard;		/* our clock, at its last report */
	int64_t		until;		/* live until then (our clock) */
	int64_t		seq_at;		/* our clock, when seq was taken */
	int64_t		interval, idle, seq, backlog, lag;
	int		subscribed;
	int64_t		totals[4];	/* Applied Failed Dropped Refused */
	struct node	*hnext;
	uint64_t	mark;		/* scratch of an answer */
	uint32_t	pick;
};

struct outcome {
	int64_t		time;
	uint32_t	node;
	uint32_t	inc;
	int32_t		code;
	uint8_t		failed;
	uint8_t		why;
};

struct event {
	char		*id;
	struct event	*hnext;
	struct event	*newer;		/* the list from the oldest */
	struct outcome	*o;
	uint32_t	n, cap;
};

struct fleet {
	unsigned		magic;
#define FLEET_MAGIC		0x6c0f1e57U
	const struct settings	*cfg;
	struct metrics		*m;

	struct node		**nodes;	/* FLEET_MAX_NODES slots */
	uint32_t		nnodes;
	struct node		*nhash[NODE_BUCKETS];
	struct event		**ehash;	/* EVENT_BUCKETS */
	struct event		*oldest, *newest;
	size_t			nevents, noutcomes;
	uint64_t		gen, scanned_gen, stamp;
	int64_t			last_scan, next_gone;
	/* New names joined since joins_from (FLEET_JOINS_MAX). */
	int64_t			joins_from;
	unsigned		joins, joins_refused;

	/* The subscription. */
	struct subscription	*sub;
	char			*last_id;	/* of the last report */
	int			ok;		/* subscribed: answers */
	int64_t			settled_at;
	int64_t			learn_until;	/* every name joins until
						 * then: the subscription's
						 * first idle interval */

	/* The live nodes counted once for many answers at the same time. */
	int64_t			live_at;
	uint64_t		live_gen;
	size_t			live_n;
};

#define CHECK_FLEET(f)	\
	assert((f) != NULL && (f)->magic == FLEET_MAGIC)

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

static int
node_live(const struct node *n, int64_t now)
{
	return (now <= n->until);
}

/* a + b for counts that may each be INT64_MAX: saturates. */
static int64_t
sat_add(int64_t a, int64_t b)
{
	return (a > INT64_MAX - b ? INT64_MAX : a + b);
}

static int
node_lagging(const struct node *n)
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

	for (n = f->nhash[hash(name) & (NODE_BUCKETS - 1)]; n != NULL;
	    n = n->hnext)
		if (strcmp(n->name, name) == 0)
			return (n);
	return (NULL);
}

static void
node_unhash(struct fleet *f, struct node *n)
{
	struct node **p;

	for (p = &f->nhash[hash(n->name) & (NODE_BUCKETS - 1)]; *p != NULL;
	    p = &(*p)->hnext) {
		if (*p == n) {
			*p = n->hnext;
			return;
		}
	}
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
			if (!node_live(f->nodes[i], now))
				n = f->nodes[i];
		if (n == NULL)
			return (NULL);
		node_unhash(f, n);
		inc = n->inc + 1;
		idx = n->idx;
		log_msg(LOG_INFO, "node %s forgotten: gone, and its place is "
		    "needed for node %s", n->name, name);
		memset(n, 0, sizeof *n);
	}
	n->idx = idx;
	n->inc = inc;
	snprintf(n->name, sizeof n->name, "%s", name);
	n->hnext = f->nhash[hash(name) & (NODE_BUCKETS - 1)];
	f->nhash[hash(name) & (NODE_BUCKETS - 1)] = n;
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
		if (!node_live(n, now)) {
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
		lagging += node_lagging(n);
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

static struct event *
event_find(const struct fleet *f, const char *id)
{
	struct event *e;

	for (e = f->ehash[hash(id) & (EVENT_BUCKETS - 1)]; e != NULL;
	    e = e->hnext)
		if (strcmp(e->id, id) == 0)
			return (e);
	return (NULL);
}

static void
event_drop_oldest(struct fleet *f)
{
	struct event *e = f->oldest, **p;

	for (p = &f->ehash[hash(e->id) & (EVENT_BUCKETS - 1)]; *p != e;
	    p = &(*p)->hnext)
		continue;
	*p = e->hnext;
	f->oldest = e->newer;
	if (f->oldest == NULL)
		f->newest = NULL;
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
	struct event *e = event_find(f, id);
	uint32_t b;

	if (e != NULL)
		return (e);
	if (f->nevents >= FLEET_MAX_EVENTS)
		event_evict_oldest(f);
	e = calloc(1, sizeof *e);
	if (e == NULL || (e->id = strdup(id)) == NULL) {
		free(e);
		return (NULL);
	}
	b = hash(id) & (EVENT_BUCKETS - 1);
	e->hnext = f->ehash[b];
	f->ehash[b] = e;
	if (f->newest != NULL)
		f->newest->newer = e;
	else
		f->oldest = e;
	f->newest = e;
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
	while (f->noutcomes >= FLEET_MAX_OUTCOMES && f->oldest != e)
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
		back = !node_live(n, now);
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
	    (bad = reportmsg_verify(&f->cfg->report_verify, r.node, data,
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

/*--------------------------------------------------------------------
 * Answers
 */

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
		if (node_live(f->nodes[i], now))
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

/* The live nodes, counted once per time and generation. */
static size_t
live_count(struct fleet *f, int64_t now)
{
	uint32_t i;

	if (f->live_at == now && f->live_gen == f->gen)
		return (f->live_n);
	f->live_n = 0;
	for (i = 0; i < f->nnodes; i++)
		f->live_n += node_live(f->nodes[i], now);
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
	e = event_find(f, id);
	for (i = 0; e != NULL && i < e->n; i++) {
		o = &e->o[i];
		n = f->nodes[o->node];
		if (n->inc != o->inc || !node_live(n, now))
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
	e = event_find(f, id);
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

	v = live_nodes(f, now, &nv);
	if (v == NULL)
		return (NULL);
	nodes = json_array();
	for (i = 0; i < nv; i++) {
		n = v[i];
		lagging += node_lagging(n);
		(void)json_array_append_new(nodes, json_pack("{s:s, s:s, s:I, "
		    "s:I, s:I, s:I, s:b, s:I, s:I, s:b, s:{s:I, s:I, s:I, "
		    "s:I}}", "Node", n->name, "Boot", n->boot, "Seq",
		    (json_int_t)n->seq, "AgeMs", (json_int_t)(now - n->heard),
		    "Interval", (json_int_t)n->interval, "Idle",
		    (json_int_t)n->idle, "Subscribed", n->subscribed,
		    "Backlog", (json_int_t)n->backlog, "LagMs",
		    (json_int_t)n->lag, "Lagging", node_lagging(n), "Totals",
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

	/* Names are node names: nothing to escape in a label. */
	for (k = 0; k < sizeof series / sizeof series[0]; k++) {
		APPEND("# HELP http_broadcast_%s %s\n# TYPE http_broadcast_%s "
		    "%s\n", series[k].name, series[k].help, series[k].name,
		    series[k].type);
		for (i = 0; i < f->nnodes; i++) {
			n = f->nodes[i];
			if (!node_live(n, now))
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

/*--------------------------------------------------------------------
 * The subscription
 */

static void
on_event(void *priv, const char *type, const char *data, size_t len,
    const char *id, int has_id)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	(void)type;
	(void)fleet_report(f, data, len, clock_ms());
	if (has_id && cursor_id_check(id) == NULL &&
	    (f->last_id == NULL || strcmp(f->last_id, id) != 0)) {
		free(f->last_id);
		f->last_id = strdup(id);
	}
}

static void
on_oversize(void *priv, const char *id, int has_id)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	(void)id;
	(void)has_id;
	f->m->reports_invalid++;
	log_msg(LOG_WARN, "report refused: larger than %d bytes",
	    REPORT_MAX_BYTES);
}

void
fleet_subscribed(struct fleet *f, int64_t now)
{
	f->ok = 1;
	f->gen++;
	/* Every node reports within its idle interval: until then, some
	 * may not have been heard yet.  After a lost connection too: the
	 * reports of the outage are missed, and nodes may have expired. */
	f->settled_at = now + f->cfg->report_idle_ms + 1000;
	f->learn_until = f->settled_at;
	log_msg(LOG_INFO, "subscribed to the reports at %s",
	    f->cfg->report_hub.subscribe_url_shown != NULL ?
	    f->cfg->report_hub.subscribe_url_shown : "");
}

static void
on_subscribed(void *priv, int64_t now)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	fleet_subscribed(f, now);
}

static int
on_ended(void *priv, int ok)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	(void)ok;
	if (f->ok)
		f->gen++;
	f->ok = 0;
	return (0);
}

static const struct subscription_words sub_words = {
	"report stream", " for the reports", "reports",
	"cannot subscribe to the reports", "", "JWT for the reports", NULL
};

static const struct subscription_cb sub_cbs = {
	NULL, on_subscribed, NULL, on_event, on_oversize, on_ended
};

/* No byte for this long ends the connection: at least twice the idle
 * interval, since reports may be all that comes. */
static int64_t
idle_timeout(const struct settings *cfg)
{
	int64_t t = 2 * cfg->report_idle_ms + 1000;

	return (t > cfg->hub_idle_timeout_ms ? t : cfg->hub_idle_timeout_ms);
}

int64_t
fleet_tick(struct fleet *f, int64_t now)
{
	int64_t next = INT64_MAX, t;

	if (f == NULL)
		return (INT64_MAX);
	CHECK_FLEET(f);
	if (now >= f->next_gone || (f->gen != f->scanned_gen &&
	    now - f->last_scan >= SCAN_EVERY_MS))
		scan(f, now);
	next = f->next_gone;
	if (f->gen != f->scanned_gen && f->last_scan + SCAN_EVERY_MS < next)
		next = f->last_scan + SCAN_EVERY_MS;
	t = subscription_tick(f->sub, now);
	return (t < next ? t : next);
}

int
fleet_finished(struct fleet *f, CURL *easy, CURLcode res)
{

	if (f == NULL || easy == NULL)
		return (0);
	CHECK_FLEET(f);
	if (easy != f->sub->easy)
		return (0);
	subscription_done(f->sub, res);
	return (1);
}

void
fleet_stop(struct fleet *f)
{
	if (f == NULL)
		return;
	CHECK_FLEET(f);
	subscription_stop(f->sub);
}

struct fleet *
fleet_new(CURLM *multi, const struct settings *cfg, struct metrics *m)
{
	/* The report topic only: this token reads no event. */
	struct subscription_conf conf = { &cfg->report_hub,
	    cfg->report_jwt_key, cfg->report_topic, NULL, cfg->report_token,
	    NULL, REPORT_MAX_BYTES, idle_timeout(cfg), &sub_words };
	struct fleet *f = calloc(1, sizeof *f);

	if (f == NULL)
		return (NULL);
	f->magic = FLEET_MAGIC;
	/* A hub with history fills the hole since the last report. */
	conf.resume_id = &f->last_id;
	f->nodes = calloc(FLEET_MAX_NODES, sizeof *f->nodes);
	f->ehash = calloc(EVENT_BUCKETS, sizeof *f->ehash);
	f->sub = subscription_new(multi, cfg, &conf, &sub_cbs, f,
	    &m->hub_tls_failures);
	if (f->nodes == NULL || f->ehash == NULL || f->sub == NULL) {
		subscription_free(f->sub);
		free(f->nodes);
		free(f->ehash);
		free(f);
		return (NULL);
	}
	if (!hash_keyed && hb_siphash_key_new(&hash_key) != 0) {
		log_msg(LOG_ERROR, "reports: no randomness for the hash key "
		    "(getrandom failed)");
		subscription_free(f->sub);
		free(f->nodes);
		free(f->ehash);
		free(f);
		return (NULL);
	}
	hash_keyed = 1;
	f->cfg = cfg;
	f->m = m;
	f->settled_at = INT64_MAX;
	f->learn_until = INT64_MAX;
	if (cfg->report_token == NULL && cfg->report_jwt_key == NULL)
		log_msg(LOG_WARN, "REPORT_LISTEN=1 without REPORT_TOKEN, "
		    "REPORT_JWT_KEY or HUB_JWT_KEY: subscribing to the reports "
		    "anonymously, but "
		    "reports are private updates: this listener will hear "
		    "none");
	if (cfg->report_verify_key_file != NULL)
		log_msg(LOG_INFO, "reports are checked: only those signed with "
		    "the key of the node they name count "
		    "(REPORT_VERIFY_KEY_FILE)");
	f->next_gone = INT64_MAX;
	return (f);
}

void
fleet_free(struct fleet *f)
{
	uint32_t i;

	if (f == NULL)
		return;
	CHECK_FLEET(f);
	subscription_free(f->sub);
	while (f->oldest != NULL)
		event_drop_oldest(f);
	for (i = 0; i < f->nnodes; i++)
		free(f->nodes[i]);
	free(f->nodes);
	free(f->ehash);
	free(f->last_id);
	f->magic = 0;
	free(f);
}
