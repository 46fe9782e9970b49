/*
 * stream: the SSE subscription.  See stream.h.
 *
 * No response timeout is set on the transfer: some hubs send their
 * headers only with the first event.  What bounds a dead connection is
 * the idle timer (no byte at all, not even a heartbeat, for
 * HUB_IDLE_TIMEOUT), which does not run while we paused the transfer
 * ourselves because the replayer is behind.
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

#include <ctype.h>
#include <errno.h>
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
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_url.h"

#include "clock.h"
#include "cursor.h"
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
#define RETRY_DEFAULT_MS	1000
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
#define STALL_CONFIRM_MS	1000

/* A gap on one hub is covered by another that has delivered without a
 * break since at least this long before the first lost its connection. */
#define GAP_COVER_MARGIN_MS	1000

struct stream {
	CURLM			*multi;
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
	struct sse_parser	parser;
	struct dedup		dedup;
	char			*resume_id;	/* next Last-Event-ID, or NULL */

	CURL			*easy;		/* current transfer or NULL */
	struct curl_slist	*hdrs;
	char			errbuf[CURL_ERROR_SIZE];
	char			*sent_id;	/* Last-Event-ID we sent */
	struct hubreply		reply;		/* its status and headers */
	char			problem[256];	/* why we aborted the reply */
	int			ok;		/* 200 text/event-stream */
	int			got_data;	/* some body arrived */
	int			paused;
	int64_t			last_byte_ms;
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

	int			stopped;
	unsigned		failures;	/* consecutive bad connections */
	long			retry_ms;	/* the hub's retry: */
	int64_t			reconnect_at;
};

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
event_id(struct stream *s, const char *id)
{
	const char *why = "no id field";

	if (s->parser.has_id && (why = cursor_id_check(id)) == NULL)
		return (id);
	s->m->events_without_id++;
	/* Once per connection at warning level: a hub that gives no ids
	 * gives none to any event. */
	log_msg(s->warned_no_id++ ? LOG_DEBUG : LOG_WARN, "event without a "
	    "usable id (%s, %zu bytes): replayed, but it cannot be a resume "
	    "point", why,
	    s->parser.has_id ? strlen(id) : (size_t)0);
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
copy_of_known(struct stream *s, uint64_t seq, const char *data, size_t len)
{
	struct hb_event ev;
	char why[128], *canon;
	size_t clen;
	uint64_t digest, oseq;
	void *owner;
	int r;

	if (hb_event_decode(data, len, &ev, why, sizeof why) != 0)
		return (0);	/* the replayer refuses it, and says why */
	if (ev.event_id == NULL || hb_event_validate(&ev,
	    s->cfg->agent_allowed_methods, why, sizeof why) != 0) {
		hb_event_free(&ev);
		return (0);	/* the same */
	}
	canon = hb_event_encode(&ev, &clen);
	if (canon == NULL) {
		/* Replayed without a claim: at worst applied twice. */
		hb_event_free(&ev);
		return (0);
	}
	digest = dedup_digest(s->all->events, canon, clen);
	free(canon);
	r = dedup_claim(s->all->events, ev.event_id, digest, s->cur, seq,
	    &owner, &oseq);
	if (r == DEDUP_SAME) {
		s->m->events_duplicate++;
		s->hm->duplicate++;
		log_msg(LOG_DEBUG, "skipped event EventID=%s from %s: already "
		    "received", ev.event_id, s->hub->url_shown);
		cursor_follow(s->cur, seq, owner, oseq);
	} else if (r == DEDUP_CONFLICT) {
		s->hm->conflict++;
		log_msg(LOG_WARN, "event EventID=%s from %s differs from the "
		    "copy of the same id received before: replayed as an event "
		    "of its own (one of the hubs alters or invents events)",
		    ev.event_id, s->hub->url_shown);
	}
	hb_event_free(&ev);
	return (r == DEDUP_SAME);
}

static void
on_event(void *priv, const char *type, const char *data, size_t len,
    const char *id)
{
	struct stream *s = priv;
	const char *rid;
	uint64_t seq;

	(void)type;	/* Mercure types are the publisher's business */
	s->m->events_received++;
	s->m->last_event_timestamp_seconds = time(NULL);
	flow_note(s);
	s->hm->received++;
	rid = event_id(s, id);
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
	if (s->all->events != NULL && copy_of_known(s, seq, data, len))
		return;
	replay_submit(s->r, s->cur, seq, rid != NULL ? rid : "", data, len);
}

static void
on_retry(void *priv, long ms)
{
	struct stream *s = priv;

	s->retry_ms = ms;
	log_msg(LOG_DEBUG, "hub asks for a reconnection delay of %ldms", ms);
}

static void
on_oversize(void *priv, const char *id)
{
	struct stream *s = priv;
	const char *rid;
	uint64_t seq;

	s->m->events_received++;
	s->m->events_refused++;
	flow_note(s);
	rid = event_id(s, id);
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

static const struct sse_callbacks sse_cbs = { on_event, on_retry, on_oversize };

/*--------------------------------------------------------------------
 * libcurl callbacks
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
		    s->sent_id, s->reply.last_id, cover->hub->url_shown);
		return;
	}
	log_msg(LOG_WARN, "events may have been missed: resumed from %s but "
	    "the hub answered Last-Event-ID %s (unknown or expired in its "
	    "history); %s", s->sent_id, s->reply.last_id, ban ?
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

/* The hub's reply is judged once its headers are complete. */
static int
headers_done(struct stream *s)
{
	long status = 0;
	int r;

	(void)curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
	r = hubreply_judge(&s->reply, status, s->problem, sizeof s->problem);
	if (r != 0)
		return (r < 0 ? -1 : 0);	/* 1: an interim reply */
	s->ok = 1;
	s->hm->connected = 1;
	s->hm->stalled = 0;
	metrics_hubs_sum(s->m);
	if (s->checking)
		s->check_until = clock_ms() + STALL_CONFIRM_MS;
	log_msg(s->checking ? LOG_DEBUG : LOG_INFO, "subscribed to %s%s%s",
	    s->hub->subscribe_url_shown,
	    s->sent_id != NULL ? " from Last-Event-ID " : "",
	    s->sent_id != NULL ? s->sent_id : "");
	if (hubreply_gap(&s->reply, s->sent_id)) {
		gap_found(s);
	} else {
		s->hm->gap = 0;
		if (s->cont_since == INT64_MAX)
			s->cont_since = clock_ms();
	}
	return (0);
}

static size_t
on_header(char *buf, size_t size, size_t n, void *priv)
{
	struct stream *s = priv;
	size_t len = size * n;

	s->last_byte_ms = clock_ms();
	if (hubreply_line(&s->reply, buf, len) == 1 && headers_done(s) != 0)
		return (0);	/* aborts the transfer */
	return (len);
}

static size_t
on_body(char *buf, size_t size, size_t n, void *priv)
{
	struct stream *s = priv;
	size_t len = size * n;

	if (!s->ok)
		return (0);
	/* Backpressure, but only at the memory bound (AGENT_MAX_BACKLOG):
	 * reading on while varnishd is slow keeps the hub's queue of
	 * updates for us from overflowing. */
	if (replay_backlog(s->r) >= (size_t)s->cfg->agent_max_backlog) {
		s->paused = 1;
		s->was_paused = 1;
		log_msg(LOG_DEBUG, "stream paused: %zu events waiting for "
		    "varnishd", replay_backlog(s->r));
		return (CURL_WRITEFUNC_PAUSE);
	}
	s->last_byte_ms = clock_ms();
	s->got_data = 1;
	if (sse_feed(&s->parser, buf, len) != 0) {
		snprintf(s->problem, sizeof s->problem, "out of memory "
		    "while parsing the stream");
		return (0);
	}
	return (len);
}

/*--------------------------------------------------------------------
 * Connections
 */

static char *
read_token_file(const char *path)
{
	char buf[16384];
	size_t n, b = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		log_msg(LOG_ERROR, "HUB_SUBSCRIBE_TOKEN_FILE: cannot read %s: "
		    "%s", path, strerror(errno));
		return (NULL);
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	while (b < n && isspace((unsigned char)buf[b]))
		b++;
	buf[n] = '\0';
	if (b == n || strpbrk(buf + b, "\r\n") != NULL) {
		log_msg(LOG_ERROR, "HUB_SUBSCRIBE_TOKEN_FILE: %s does not hold "
		    "one token", path);
		return (NULL);
	}
	return (strdup(buf + b));
}

/* The bearer token for a new connection: "" when anonymous. */
static char *
current_token(struct stream *s)
{
	const struct settings *cfg = s->cfg;
	char why[256];
	char *t;

	if (cfg->hub_jwt_key != NULL) {
		t = hb_jwt_mint(cfg->hub_jwt_alg, cfg->hub_jwt_key, "subscribe",
		    cfg->hub_topic, (long)(cfg->hub_jwt_ttl_ms / 1000),
		    time(NULL), why, sizeof why);
		if (t == NULL)
			log_msg(LOG_ERROR, "cannot mint a subscriber JWT: %s",
			    why);
		return (t);
	}
	if (cfg->hub_token_file != NULL)
		return (read_token_file(cfg->hub_token_file));
	return (strdup(cfg->hub_token != NULL ? cfg->hub_token : ""));
}

static int64_t
backoff_ms(struct stream *s)
{

	return (hubreply_backoff_ms(s->retry_ms, s->failures,
	    s->cfg->hub_reconnect_max_ms));
}

static void
stream_end(struct stream *s, enum log_level lvl, const char *why)
{
	int64_t delay;

	curl_multi_remove_handle(s->multi, s->easy);
	curl_easy_cleanup(s->easy);
	s->easy = NULL;
	/* The list holds the bearer token. */
	hb_headers_free(s->hdrs);
	s->hdrs = NULL;
	if (s->ok)
		s->lost_at = clock_ms();
	s->hm->connected = 0;
	metrics_hubs_sum(s->m);
	if (s->ok && s->got_data)
		s->failures = 0;
	else
		s->failures++;
	/* A connection that brought new events (a hub ends streams after
	 * each page of a catch-up) or went deaf: resume at once. */
	if (s->conn_new > 0 || s->end_now)
		delay = 0;
	else
		delay = backoff_ms(s);
	s->reconnect_at = clock_ms() + delay;
	if (!s->stopped)
		log_msg(lvl, "stream ended: %s; reconnecting in %lldms", why,
		    (long long)delay);
}

static int
stream_connect(struct stream *s, int64_t now)
{
	const struct subscribe_io io = { on_header, on_body, s, s->errbuf };
	const char *id = s->resume_id != NULL ? s->resume_id : "";
	struct curl_slist *h;
	char *token;
	CURL *e;

	token = current_token(s);
	if (token == NULL)
		return (-1);
	free(s->sent_id);
	s->sent_id = *id != '\0' ? strdup(id) : NULL;
	h = *id == '\0' || s->sent_id != NULL ?
	    subscribe_headers(token, id) : NULL;
	hb_bearer_free(token);
	if (h == NULL) {
		log_msg(LOG_ERROR, "cannot start a subscription: out of memory");
		return (-1);
	}
	e = subscribe_start(s->multi, s->hub->subscribe_url, h, s->cfg, &io);
	if (e == NULL) {
		hb_headers_free(h);
		log_msg(LOG_ERROR, "cannot start a subscription");
		return (-1);
	}
	s->easy = e;
	s->hdrs = h;
	s->errbuf[0] = '\0';
	s->problem[0] = '\0';
	s->ok = s->got_data = s->paused = 0;
	s->last_byte_ms = now;
	s->conn_events = s->conn_new = 0;
	s->last_event_ms = s->gap_avg_ms16 = 0;
	s->was_paused = s->end_now = s->warned_no_id = 0;
	sse_reset(&s->parser);
	if (s->connections++ > 0)
		s->m->reconnects++;
	log_msg(LOG_DEBUG, "connecting to %s%s%s",
	    s->hub->subscribe_url_shown,
	    s->sent_id != NULL ? " with Last-Event-ID " : "",
	    s->sent_id != NULL ? s->sent_id : "");
	return (0);
}

/*--------------------------------------------------------------------
 * Public interface
 */

struct stream *
stream_new(CURLM *multi, const struct settings *cfg, size_t hub,
    struct metrics *m, struct cursor *cur, struct replay *r,
    struct streams *all)
{
	struct stream *s = calloc(1, sizeof *s);

	if (s == NULL)
		return (NULL);
	if (sse_init(&s->parser, cfg->hub_max_event_size, &sse_cbs, s) != 0 ||
	    dedup_init(&s->dedup, DEDUP_WINDOW) != 0 ||
	    (cur->value != NULL &&
	    (s->resume_id = strdup(cur->value)) == NULL)) {
		sse_fini(&s->parser);
		dedup_fini(&s->dedup);
		free(s);
		return (NULL);
	}
	s->multi = multi;
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
	s->retry_ms = RETRY_DEFAULT_MS;
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

	if (!s->ok || s->paused || s->last_event_ms == 0 ||
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
	stream_end(s, LOG_DEBUG, why);
	return (s->reconnect_at);
}

int64_t
stream_tick(struct stream *s, int64_t now)
{
	int64_t next, t;

	if (s->stopped)
		return (INT64_MAX);
	if (s->easy == NULL) {
		if (now < s->reconnect_at)
			return (s->reconnect_at);
		if (stream_connect(s, now) != 0) {
			s->failures++;
			s->reconnect_at = now + backoff_ms(s);
			return (s->reconnect_at);
		}
	}
	if (s->paused) {
		if (replay_backlog(s->r) > (size_t)s->cfg->agent_max_backlog / 2)
			return (INT64_MAX);	/* a finished replay wakes us */
		s->paused = 0;
		s->last_byte_ms = now;
		s->last_event_ms = now;
		log_msg(LOG_DEBUG, "stream resumed: %zu events waiting",
		    replay_backlog(s->r));
		/* This may deliver the held bytes (and pause again) at once. */
		curl_easy_pause(s->easy, CURLPAUSE_CONT);
		if (s->paused)
			return (INT64_MAX);
	}
	if (now - s->last_byte_ms >= s->cfg->hub_idle_timeout_ms) {
		char why[96];

		snprintf(why, sizeof why, "no data for %lldms (HUB_IDLE_TIMEOUT)",
		    (long long)(now - s->last_byte_ms));
		stream_end(s, LOG_WARN, why);
		return (s->reconnect_at);
	}
	next = s->last_byte_ms + s->cfg->hub_idle_timeout_ms;
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

int
stream_finished(struct stream *s, CURL *easy, CURLcode res)
{
	char why[CURL_ERROR_SIZE + 64];
	enum log_level lvl;

	if (easy == NULL || easy != s->easy)
		return (0);
	lvl = subscribe_ended(res, s->problem, s->errbuf,
	    &s->m->hub_tls_failures, why, sizeof why);
	stream_end(s, lvl, why);
	return (1);
}

void
stream_stop(struct stream *s)
{
	s->stopped = 1;
	if (s->easy != NULL)
		stream_end(s, LOG_INFO, "stopping");
}

void
stream_free(struct stream *s)
{
	if (s == NULL)
		return;
	stream_stop(s);
	sse_fini(&s->parser);
	dedup_fini(&s->dedup);
	free(s->sent_id);
	free(s->resume_id);
	hubreply_clear(&s->reply);
	free(s);
}
