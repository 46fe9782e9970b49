/*
 * stream: the SSE subscription.  See stream.h.
 *
 * The connection itself is the subscription object's (subscribe.c): its
 * idle timer (HUB_IDLE_TIMEOUT) does not run while we hold the transfer
 * because the replayer is behind.
 *
 * A live connection can also go deaf: a Mercure hub drops a subscriber
 * whose queue of 1000 updates overflows (a catch-up larger than that, or
 * a burst read too slowly) and older hubs then keep the response open
 * with heartbeats only.  So a connection that carried a flow of events
 * and then falls silent for much longer than its usual gap between
 * events is ended and resumed from the cursor at once: the stall check.
 * docs/architecture.md gives the reasoning and the costs.
 */

#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "hb_check.h"
#include "hb_curl.h"
#include "hb_event.h"
#include "hb_url.h"

#include "clock.h"
#include "cursor.h"
#include "eventid.h"
#include "dedup.h"
#include "log.h"
#include "metrics.h"
#include "replay.h"
#include "reports/report.h"
#include "settings.h"
#include "stream.h"
#include "subscribe/hubreply.h"
#include "subscribe/sse.h"
#include "subscribe/subscribe.h"

#define DEDUP_WINDOW		4096
/* The stall check: a connection that carried at least STALL_MIN_EVENTS
 * (or that we paused) and then had no event for STALL_GAP_FACTOR times
 * its average gap between events, within [STALL_QUIET_MIN_MS,
 * STALL_QUIET_MAX_MS], is resumed from the cursor on a new connection.
 * If that one delivers an event within STALL_CONFIRM_MS, it was a
 * stall. */
#define STALL_MIN_EVENTS	100
#define STALL_GAP_FACTOR	10
#define STALL_QUIET_MIN_MS	25
#define STALL_QUIET_MAX_MS	2000
/* The updates a Mercure hub from 0.24.2 searches for a cursor. */
#define HUB_SCAN_LIMIT		10000
#define STALL_CONFIRM_MS	1000

/* A gap on one hub is covered by another that has delivered without a
 * break since at least this long before the first lost its connection. */
#define GAP_COVER_MARGIN_MS	1000

struct stream {
	unsigned		magic;
#define STREAM_MAGIC		0x37a1e5c2U
	const struct settings	*cfg;
	const struct hub_cfg	*hub;
	struct metrics		*m;
	struct hub_metrics	*hm;		/* this hub's part of m */
	struct cursor		*cur;		/* this hub's */
	struct streams		*all;		/* every hub's, shared */
	/* Continuity, for the gap rule: since when every event published
	 * reaches us through this hub (0: since before this run; INT64_MAX:
	 * not known yet), and since when it may not (its last good
	 * connection ended; 0: before this run). */
	int64_t			cont_since;
	int64_t			lost_at;
	struct replay		*r;
	struct subscription	*sub;
	struct dedup		dedup;
	char			*resume_id;	/* next Last-Event-ID, or NULL */
	unsigned long		connections;

	/* This connection's flow of events, for the stall check. */
	uint64_t		conn_events;	/* duplicates included */
	uint64_t		conn_new;	/* new ones */
	int64_t			last_event_ms;	/* 0: none yet */
	int64_t			gap_avg_ms16;	/* average gap, x16 */
	int			was_paused;
	int			end_now;	/* reconnect without delay */
	int			warned_no_id;
	/* Set when a stall was suspected, until the next connection
	 * proves or disproves it. */
	int			checking;
	int64_t			check_until;	/* 0: not connected yet */
	uint64_t		suspect_events;	/* the silent one carried */
};

#define CHECK_STREAM(s)	\
	assert((s) != NULL && (s)->magic == STREAM_MAGIC)

/*--------------------------------------------------------------------
 * Events out of the parser
 */

/* A flow of events on this connection (for the stall check). */
static void
flow_note(struct stream *s)
{
	int64_t now = clock_ms(), gap;

	if (s->last_event_ms != 0) {
		gap = (now - s->last_event_ms) * 16;
		s->gap_avg_ms16 += (gap - s->gap_avg_ms16) / 8;
	}
	s->last_event_ms = now;
	s->conn_events++;
}

/*
 * The id this event may be resumed after, or NULL.  The standard makes an
 * event without an id field inherit the previous one: that id is already
 * the cursor of the previous event, so such an event is replayed but is
 * no resume point (nor a duplicate); the same for an id that cannot round
 * trip through the cursor file and a Last-Event-ID header.  Both are
 * logged and counted: a Mercure hub gives every event an id.
 */
static const char *
event_id(struct stream *s, const char *id, int has_id)
{
	const char *why = "no id field";

	if (has_id && (why = eventid_check(id)) == NULL)
		return (id);
	s->m->events_without_id++;
	/* Once per connection at warning level: a hub that gives no ids
	 * gives none to any event. */
	log_msg(s->warned_no_id++ ? LOG_DEBUG : LOG_WARN, "event without a "
	    "usable id (%s, %zu bytes): replayed, but it cannot be a resume "
	    "point", why,
	    has_id ? strlen(id) : (size_t)0);
	return (NULL);
}

/* A new event (not a duplicate) with this id (or none): it goes on the
 * cursor; returns its sequence number or UINT64_MAX. */
static uint64_t
event_accept(struct stream *s, const char *id)
{
	uint64_t seq;
	int64_t now;

	seq = cursor_push(s->cur, id != NULL ? id : "");
	if (seq == UINT64_MAX)
		return (seq);
	s->conn_new++;
	if (id != NULL && (s->resume_id == NULL ||
	    strcmp(s->resume_id, id) != 0)) {
		free(s->resume_id);
		s->resume_id = strdup(id);	/* NULL: resume from older */
	}
	if (s->checking && s->check_until != 0) {
		now = clock_ms();
		s->checking = 0;
		if (now <= s->check_until) {
			s->m->stalls++;
			log_msg(LOG_WARN, "stream stalled: the hub stopped "
			    "sending events on the previous connection after "
			    "%" PRIu64 " of them although it had more (its "
			    "queue for us overflowed?); resumed from the "
			    "cursor", s->suspect_events);
		}
	}
	return (seq);
}

/*
 * Several hubs: is this event (on our cursor as seq) one another hub (or
 * this one, under another SSE id) delivered first?  The publisher's
 * EventID says, with the content: a copy counts only when the replayer
 * would take it and its canonical encoding is the same.  Otherwise one
 * hub could cancel another's event by sending first, under its id,
 * something refused (a GET) or something else: a refused event claims no
 * id, and a different event under a known id is replayed as an event of
 * its own (it came from an authenticated hub), said at warning level and
 * counted as a conflict of the hub whose copy came second.  An event
 * without EventID (a Go publisher's) is never a copy.
 * A copy is not replayed: its place on our cursor is finished when the
 * first one is, so neither cursor passes an event before it is applied.
 */
static int
copy_of_known(struct stream *s, uint64_t seq, const struct replay_event *re)
{
	const char *eid = re->ev.event_id;
	char *canon;
	size_t clen;
	uint64_t digest, oseq;
	void *owner;
	int r;

	if (!re->valid || eid == NULL)
		return (0);	/* the replayer refuses it, and says why */
	canon = hb_event_encode(&re->ev, &clen);
	if (canon == NULL)
		return (0);	/* replayed without a claim: at worst twice */
	digest = dedup_digest(s->all->events, canon, clen);
	free(canon);
	r = dedup_claim(s->all->events, eid, digest, s->cur, seq, &owner,
	    &oseq);
	if (r == DEDUP_SAME) {
		s->m->events_duplicate++;
		s->hm->duplicate++;
		log_msg(LOG_DEBUG, "skipped event EventID=%s from %s: already "
		    "received", eid, s->hub->url_shown);
		cursor_follow(s->cur, seq, owner, oseq);
	} else if (r == DEDUP_CONFLICT) {
		s->hm->conflict++;
		log_msg(LOG_WARN, "event EventID=%s from %s differs from the "
		    "copy of the same id received before: replayed as an event "
		    "of its own (one of the hubs alters or invents events)",
		    eid, s->hub->url_shown);
	}
	return (r == DEDUP_SAME);
}

static void
on_event(void *priv, const char *type, const char *data, size_t len,
    const char *id, int has_id)
{
	struct stream *s = priv;
	struct replay_event re;
	const char *rid;
	uint64_t seq;

	CHECK_STREAM(s);
	(void)type;	/* Mercure types are the publisher's business */
	s->m->events_received++;
	s->m->last_event_timestamp_seconds = time(NULL);
	flow_note(s);
	s->hm->received++;
	rid = event_id(s, id, has_id);
	if (rid != NULL && dedup_seen(&s->dedup, rid) == 1) {
		s->m->events_duplicate++;
		s->hm->duplicate++;
		log_msg(LOG_DEBUG, "skipped event id=%s: duplicate", rid);
		return;
	}
	seq = event_accept(s, rid);
	if (seq == UINT64_MAX) {
		/* Not on the cursor, so not lost: the next run gets it. */
		s->m->events_refused++;
		log_msg(LOG_ERROR, "refused event id=%s: out of memory",
		    rid != NULL ? rid : "");
		return;
	}
	/* Decoded once: the copy check and the replayer share it. */
	replay_decode(s->r, data, len, &re);
	if (s->all->events != NULL && copy_of_known(s, seq, &re)) {
		replay_event_free(&re);
		return;
	}
	replay_submit(s->r, s->cur, seq, rid != NULL ? rid : "", &re);
}

static void
on_oversize(void *priv, const char *id, int has_id)
{
	struct stream *s = priv;
	const char *rid;
	uint64_t seq;

	CHECK_STREAM(s);
	s->m->events_received++;
	s->m->events_refused++;
	flow_note(s);
	rid = event_id(s, id, has_id);
	log_msg(LOG_WARN, "refused event id=%s: larger than "
	    "HUB_MAX_EVENT_SIZE (%zu bytes)", rid != NULL ? rid : "",
	    s->cfg->hub_max_event_size);
	if (rid != NULL && dedup_seen(&s->dedup, rid) == 1)
		return;
	/* Its EventID went with its data: the hub's id names it. */
	report_result(replay_reporter(s->r), rid, REPORT_REFUSED, 0);
	seq = event_accept(s, rid);
	if (seq != UINT64_MAX)
		cursor_done(s->cur, seq);
}

/*--------------------------------------------------------------------
 * The hub's answer
 */

/*
 * The rule for a gap with several hubs: another hub covers it when it is
 * subscribed now, not suspected of a stall, and has delivered without a
 * gap since before this one lost its connection (with a margin for
 * events in flight then): every event this hub missed reaches us through
 * that one.  Otherwise HUB_GAP_ACTION applies, as with one hub.
 */
static const struct stream *
gap_cover(const struct stream *s)
{
	const struct stream *o;
	size_t i;

	for (i = 0; i < s->all->n; i++) {
		o = s->all->v[i];
		if (o == s || o == NULL || !o->hm->connected || o->hm->stalled ||
		    o->cont_since == INT64_MAX)
			continue;
		if (o->cont_since == 0 ||
		    o->cont_since + GAP_COVER_MARGIN_MS <= s->lost_at)
			return (o);
	}
	return (NULL);
}

/*
 * The hub could not resume from our cursor: events were missed, and this
 * node may serve objects they invalidated.  With HUB_GAP_ACTION=ban, one
 * guarded request asks varnishd to ban everything cached so far; it takes
 * its place on the cursor before the events of this connection, so the
 * cursor cannot pass it before it is applied.
 */
static void
gap_found(struct stream *s)
{
	const struct stream *cover;
	uint64_t seq;
	int ban = s->cfg->hub_gap_action == GAP_BAN;

	s->m->gaps++;
	s->hm->gaps++;
	s->hm->gap = 1;
	s->cont_since = clock_ms();
	cover = gap_cover(s);
	if (cover != NULL) {
		s->hm->gaps_covered++;
		log_msg(LOG_WARN, "events may have been missed on %s: resumed "
		    "from %s but it answered Last-Event-ID %s; %s delivered "
		    "every event meanwhile, so nothing is missing "
		    "(HUB_GAP_ACTION not applied)", s->hub->url_shown,
		    s->sub->sent_id, s->sub->reply.last_id,
		    cover->hub->url_shown);
		return;
	}
	/* The hint: hubs from 0.24.2 search only their HUB_SCAN_LIMIT
	 * oldest updates for a cursor, so an unbounded history makes every
	 * resume a gap once it holds more (docs/mercure.md). */
	log_msg(LOG_WARN, "events may have been missed: resumed from %s but "
	    "the hub answered Last-Event-ID %s (unknown or expired in its "
	    "history; a hub from 0.24.2 looks for a cursor among its %d "
	    "oldest updates only: keep its history under %d updates, e.g. "
	    "bolt size=%d); %s", s->sub->sent_id, s->sub->reply.last_id,
	    HUB_SCAN_LIMIT, HUB_SCAN_LIMIT, HUB_SCAN_LIMIT / 2, ban ?
	    "asking varnishd to ban everything it cached (HUB_GAP_ACTION=ban)" :
	    "objects cached before may be stale (HUB_GAP_ACTION=warn)");
	if (!ban)
		return;
	seq = cursor_push(s->cur, "");
	if (seq == UINT64_MAX) {
		log_msg(LOG_ERROR, "cannot ban after the gap: out of memory");
		return;
	}
	s->m->gap_bans++;
	replay_submit_gap(s->r, s->cur, seq);
}

/* The hub accepted the subscription (a 200 event stream). */
static void
on_subscribed(void *priv, int64_t now)
{
	struct stream *s = priv;
	const char *sent_id;

	CHECK_STREAM(s);
	(void)now;
	sent_id = s->sub->sent_id;
	s->hm->connected = 1;
	s->hm->stalled = 0;
	metrics_hubs_sum(s->m);
	if (s->checking)
		s->check_until = clock_ms() + STALL_CONFIRM_MS;
	log_msg(s->checking ? LOG_DEBUG : LOG_INFO, "subscribed to %s%s%s",
	    subscription_url_shown(s->sub),
	    sent_id != NULL ? " from Last-Event-ID " : "",
	    sent_id != NULL ? sent_id : "");
	if (hubreply_gap(&s->sub->reply, sent_id)) {
		gap_found(s);
	} else {
		s->hm->gap = 0;
		if (s->cont_since == INT64_MAX)
			s->cont_since = clock_ms();
	}
}

/* Backpressure, but only at the memory bound (AGENT_MAX_BACKLOG):
 * reading on while varnishd is slow keeps the hub's queue of updates for
 * us from overflowing. */
static int
on_hold(void *priv)
{
	struct stream *s = priv;

	CHECK_STREAM(s);
	if (replay_backlog(s->r) < (size_t)s->cfg->agent_max_backlog)
		return (0);
	s->was_paused = 1;
	log_msg(LOG_DEBUG, "stream paused: %zu events waiting for varnishd",
	    replay_backlog(s->r));
	return (1);
}

/*--------------------------------------------------------------------
 * Connections
 */

/* A new connection: its flow of events starts from nothing. */
static void
on_connected(void *priv, int64_t now)
{
	struct stream *s = priv;

	CHECK_STREAM(s);
	(void)now;
	s->conn_events = s->conn_new = 0;
	s->last_event_ms = s->gap_avg_ms16 = 0;
	s->was_paused = s->end_now = s->warned_no_id = 0;
	if (s->connections++ > 0)
		s->m->reconnects++;
}

/* A connection that brought new events (a hub ends streams after each
 * page of a catch-up) or went deaf: resume at once. */
static int
on_ended(void *priv, int ok)
{
	struct stream *s = priv;

	CHECK_STREAM(s);
	if (ok)
		s->lost_at = clock_ms();
	s->hm->connected = 0;
	metrics_hubs_sum(s->m);
	return (s->conn_new > 0 || s->end_now);
}

static const struct subscription_words sub_words = {
	"stream", "", "stream", "cannot start a subscription",
	" (HUB_IDLE_TIMEOUT)", "subscriber JWT", "HUB_SUBSCRIBE_TOKEN_FILE"
};

static const struct subscription_cb sub_cbs = {
	.on_connected = on_connected,
	.on_subscribed = on_subscribed,
	.on_hold = on_hold,
	.on_event = on_event,
	.on_oversize = on_oversize,
	.on_ended = on_ended,
};

/*--------------------------------------------------------------------
 * Public interface
 */

struct stream *
stream_new(CURLM *multi, const struct settings *cfg, size_t hub,
    struct metrics *m, struct cursor *cur, struct replay *r,
    struct streams *all)
{
	struct subscription_conf conf = { &cfg->hubs[hub], cfg->hub_jwt_key,
	    cfg->hub_topic, cfg->hub_token_file, cfg->hub_token,
	    NULL, cfg->hub_max_event_size, cfg->hub_idle_timeout_ms,
	    &sub_words };
	struct stream *s = calloc(1, sizeof *s);

	if (s == NULL)
		return (NULL);
	s->magic = STREAM_MAGIC;
	conf.resume_id = &s->resume_id;
	s->sub = subscription_new(multi, cfg, &conf, &sub_cbs, s,
	    &m->hub_tls_failures, &m->hub_auth_refused);
	if (s->sub == NULL || dedup_init(&s->dedup, DEDUP_WINDOW) != 0 ||
	    (cur->value != NULL &&
	    (s->resume_id = strdup(cur->value)) == NULL)) {
		subscription_free(s->sub);
		dedup_fini(&s->dedup);
		free(s);
		return (NULL);
	}
	s->cfg = cfg;
	s->hub = &cfg->hubs[hub];
	s->m = m;
	s->hm = &m->hubs[hub];
	s->hm->name = s->hub->url_shown;
	s->all = all;
	/* A cursor kept from before: delivering since then, unless its
	 * first resumption says otherwise. */
	s->cont_since = cur->value != NULL ? 0 : INT64_MAX;
	s->lost_at = 0;
	s->cur = cur;
	s->r = r;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	return (s);
}

/* The silence after which this connection is suspected of a stall. */
static int64_t
stall_quiet_ms(const struct stream *s)
{
	int64_t q = s->gap_avg_ms16 * STALL_GAP_FACTOR / 16;

	if (q < STALL_QUIET_MIN_MS)
		q = STALL_QUIET_MIN_MS;
	if (q > STALL_QUIET_MAX_MS)
		q = STALL_QUIET_MAX_MS;
	return (q);
}

/* End a connection suspected of a stall; returns when to look again. */
static int64_t
stall_check(struct stream *s, int64_t now)
{
	char why[160];
	int64_t quiet;

	if (!s->sub->ok || s->sub->paused || s->last_event_ms == 0 ||
	    (s->conn_events < STALL_MIN_EVENTS && !s->was_paused))
		return (INT64_MAX);
	quiet = stall_quiet_ms(s);
	if (now - s->last_event_ms < quiet)
		return (s->last_event_ms + quiet);
	s->m->stall_checks++;
	s->hm->stalled = 1;
	metrics_hubs_sum(s->m);
	s->checking = 1;
	s->check_until = 0;
	s->suspect_events = s->conn_events;
	s->end_now = 1;
	snprintf(why, sizeof why, "no event for %lldms after %" PRIu64
	    " events on this connection: checking for a stall",
	    (long long)(now - s->last_event_ms), s->conn_events);
	subscription_end(s->sub, LOG_DEBUG, why);
	return (s->sub->reconnect_at);
}

int64_t
stream_tick(struct stream *s, int64_t now)
{
	struct subscription *sub = s->sub;
	int64_t next, t;

	CHECK_STREAM(s);
	if (sub->stopped)
		return (INT64_MAX);
	if (sub->paused) {
		if (replay_backlog(s->r) > (size_t)s->cfg->agent_max_backlog / 2)
			return (INT64_MAX);	/* a finished replay wakes us */
		s->last_event_ms = now;
		log_msg(LOG_DEBUG, "stream resumed: %zu events waiting",
		    replay_backlog(s->r));
		/* This may deliver the held bytes (and pause again) at once. */
		subscription_resume(sub, now);
		if (sub->paused)
			return (INT64_MAX);
	}
	next = subscription_tick(sub, now);
	if (sub->easy == NULL)
		return (next);	/* not due, could not connect, or ended */
	if (s->checking && s->check_until != 0) {
		if (now > s->check_until) {
			s->checking = 0;
			log_msg(LOG_DEBUG, "stream check: no event was missed");
		} else if (s->check_until + 1 < next) {
			next = s->check_until + 1;
		}
	}
	t = stall_check(s, now);
	return (t < next ? t : next);
}

void
stream_stop(struct stream *s)
{

	CHECK_STREAM(s);
	subscription_stop(s->sub);
}

void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	CHECK_STREAM(s);
	subscription_free(s->sub);
	dedup_fini(&s->dedup);
	free(s->resume_id);
	s->magic = 0;
	free(s);
}
