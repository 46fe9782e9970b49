/*
 * fleet_int: what the three parts of the reports' listener share, and no
 * other file sees: the model (fleet.c: nodes, events, reports, liveness),
 * the subscription (fleetlisten.c) and the answers (fleetrender.c).
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

#ifndef HB_FLEET_INT_H
#define HB_FLEET_INT_H

#include <assert.h>
#include <stdint.h>
#include <sys/queue.h>

#include "reportmsg.h"

#define NODE_BUCKETS		16384	/* powers of two */
#define EVENT_BUCKETS		32768

struct metrics;
struct settings;
struct subscription;

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
	LIST_ENTRY(node) hlist;		/* its bucket of the hash */
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
	LIST_ENTRY(event) hlist;	/* its bucket of the hash */
	TAILQ_ENTRY(event) list;	/* from the oldest */
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
	LIST_HEAD(node_bucket, node) nhash[NODE_BUCKETS];
	LIST_HEAD(event_bucket, event) *ehash;	/* EVENT_BUCKETS */
	TAILQ_HEAD(, event)	events;		/* from the oldest */
	size_t			nevents, noutcomes;
	uint64_t		gen, scanned_gen, stamp;
	int64_t			last_scan, next_gone;
	/* New names joined since joins_from (FLEET_JOINS_MAX). */
	int64_t			joins_from;
	unsigned		joins, joins_refused;

	/* The subscription (fleetlisten.c). */
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

/* The model (fleet.c), for the two others. */
int fleet_model_init(struct fleet *f, const struct settings *cfg,
    struct metrics *m);
void fleet_model_fini(struct fleet *f);
/* Count the live and lagging nodes when due, say which left; returns
 * when to look again. */
int64_t fleet_model_tick(struct fleet *f, int64_t now);
/* The subscription was lost: no answer until the next one. */
void fleet_unsubscribed(struct fleet *f);
int fleet_node_live(const struct node *n, int64_t now);
int fleet_node_lagging(const struct node *n);
struct event *fleet_event_find(const struct fleet *f, const char *id);

#endif /* HB_FLEET_INT_H */
