/*
 * report: this node's reports.  See report.h and docs/reports.md.
 *
 * Results wait in a ring, oldest first.  A report takes up to
 * REPORT_MAX_ENTRIES of them out of the ring; they are freed when the hub
 * took it, and put back in front when it did not, so a report hub that
 * is down loses nothing until REPORT_MAX_WAITING results wait.  One
 * report is in flight at a time, on one easy handle kept for the next.
 */

#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "hb_curl.h"
#include "hb_event.h"
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_miniobj.h"
#include "hb_publish.h"
#include "hb_utf8.h"

#include "clock.h"
#include "eventid.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "reportkey.h"
#include "reportmsg.h"
#include "settings.h"
#include "transfer.h"

#define REPORT_VERSION		1
#define RING_FIRST		1024

struct result {
	char			*id;
	int64_t			time_ms;	/* wall clock */
	long			code;
	enum report_outcome	outcome;
};

struct report {
	unsigned		magic;
#define REPORT_MAGIC		0x4e9017b3
	CURLM			*multi;
	struct transfer_owner	owner;		/* of its transfer */
	const struct settings	*cfg;
	struct metrics		*m;
	struct report_replays	replays;	/* its functions NULL: none */
	char			boot[HB_EVENT_ID_LEN + 1];
	uint64_t		seq;
	char			*prefix;	/* the form's topic=...&data= */

	/* Results waiting, a ring of cap slots. */
	struct result		*ring;
	size_t			cap, head, n;
	uint64_t		dropped;	/* not logged yet */
	/* The results of the report in flight. */
	struct result		sent[REPORT_MAX_ENTRIES];
	size_t			nsent;

	/* The publish. */
	CURL			*easy;
	int			inflight;
	char			*form;
	size_t			flen;
	struct curl_slist	*hdrs;
	struct hb_publish_reply	reply;
	char			errbuf[CURL_ERROR_SIZE];
	int64_t			last_ms;	/* last report made, or -1 */
	int64_t			not_before;	/* backoff after a failure */
	unsigned		failures;	/* in a row */

	char			*auth;		/* bearer line, or NULL */
	int64_t			renew_ms;	/* of a minted one */

	int			stopping;
	int			final_failed;	/* no more tries */
};

static int64_t
wall_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*--------------------------------------------------------------------
 * The ring of results waiting
 */

/* Events the replayer holds (0 in a test without one). */
static size_t
backlog(const struct report *rep)
{
	return (rep->replays.backlog != NULL ?
	    rep->replays.backlog(rep->replays.priv) : 0);
}

static struct result *
ring_at(const struct report *rep, size_t i)
{
	return (&rep->ring[(rep->head + i) % rep->cap]);
}

static int
ring_grow(struct report *rep)
{
	struct result *r;
	size_t cap, i;

	cap = rep->cap * 2;
	if (cap > REPORT_MAX_WAITING)
		cap = REPORT_MAX_WAITING;
	r = malloc(cap * sizeof *r);
	if (r == NULL)
		return (-1);
	for (i = 0; i < rep->n; i++)
		r[i] = *ring_at(rep, i);
	free(rep->ring);
	rep->ring = r;
	rep->cap = cap;
	rep->head = 0;
	return (0);
}

static void
ring_drop_oldest(struct report *rep)
{
	free(ring_at(rep, 0)->id);
	rep->head = (rep->head + 1) % rep->cap;
	rep->n--;
	rep->dropped++;
	rep->m->report_results_dropped++;
}

/* Room for one more at the back: grown, or the oldest dropped. */
static void
ring_room(struct report *rep)
{
	if (rep->n < rep->cap)
		return;
	if (rep->cap < REPORT_MAX_WAITING && ring_grow(rep) == 0)
		return;
	ring_drop_oldest(rep);
}

void
report_result(struct report *rep, const char *id,
    enum report_outcome outcome, long code)
{
	struct result *r;
	const char *why;
	char *copy;
	size_t len;

	CHECK_OBJ_ORNULL(rep, REPORT_MAGIC);
	if (rep == NULL || id == NULL || *id == '\0')
		return;
	len = strlen(id);
	/* A hub's id need not be UTF-8; a JSON string must. */
	copy = hb_utf8_valid(id, len) ? strdup(id) : hb_utf8_lossy(id, len);
	if (copy == NULL) {
		rep->m->report_results_dropped++;
		rep->dropped++;
		return;
	}
	/* What a listener would refuse (three bytes of U+FFFD for each
	 * invalid one may make it too long) is not sent: it would cost the
	 * report's other results. */
	if ((why = eventid_check(copy)) != NULL) {
		log_msg(LOG_WARN, "reports: the result of event id=%s is not "
		    "reported: %s", copy, why);
		free(copy);
		rep->m->report_results_dropped++;
		return;
	}
	ring_room(rep);
	r = ring_at(rep, rep->n);
	r->id = copy;
	r->time_ms = wall_ms();
	r->code = code;
	r->outcome = outcome;
	rep->n++;
}

/* The results of a report the hub did not take go back in front, the
 * oldest of them dropped if the ring is full. */
static void
sent_put_back(struct report *rep)
{
	size_t i, keep;

	keep = REPORT_MAX_WAITING - rep->n;
	if (keep > rep->nsent)
		keep = rep->nsent;
	for (i = 0; i < rep->nsent - keep; i++) {
		free(rep->sent[i].id);
		rep->dropped++;
		rep->m->report_results_dropped++;
	}
	while (rep->n + keep > rep->cap && ring_grow(rep) == 0)
		continue;
	for (i = rep->nsent; i > rep->nsent - keep; i--) {
		if (rep->n == rep->cap) {
			/* Out of memory to grow: the oldest go. */
			free(rep->sent[i - 1].id);
			rep->dropped++;
			rep->m->report_results_dropped++;
			continue;
		}
		rep->head = (rep->head + rep->cap - 1) % rep->cap;
		*ring_at(rep, 0) = rep->sent[i - 1];
		rep->n++;
	}
	rep->nsent = 0;
}

static void
sent_free(struct report *rep)
{
	size_t i;

	for (i = 0; i < rep->nsent; i++)
		free(rep->sent[i].id);
	rep->nsent = 0;
}

/*--------------------------------------------------------------------
 * The report
 */

static json_t *
entry_json(const struct result *r)
{
	static const char * const why[] = {
		[REPORT_FAILED] = "status",
		[REPORT_DROPPED] = "dropped",
		[REPORT_REFUSED] = "refused",
	};

	if (r->outcome == REPORT_APPLIED)
		return (json_pack("{s:s, s:I, s:I}", "ID", r->id,
		    "Code", (json_int_t)r->code, "Time", (json_int_t)r->time_ms));
	return (json_pack("{s:s, s:I, s:I, s:s}", "ID", r->id,
	    "Code", (json_int_t)r->code, "Time", (json_int_t)r->time_ms,
	    "Why", why[r->outcome]));
}

/* The report's JSON, of the results in sent[]; malloc'ed or NULL. */
static char *
report_json(struct report *rep, int64_t now)
{
	const struct metrics *m = rep->m;
	json_t *root, *applied, *failed, *e;
	int64_t oldest;
	char *s, *signed_s;
	size_t i, len;
	int bad = 0;

	oldest = rep->replays.oldest_ms != NULL ?
	    rep->replays.oldest_ms(rep->replays.priv) : 0;
	applied = json_array();
	failed = json_array();
	for (i = 0; applied != NULL && failed != NULL && i < rep->nsent;
	    i++) {
		if (rep->sent[i].id == NULL)
			continue;
		e = entry_json(&rep->sent[i]);
		if (e == NULL) {
			/* Never again: it would stop every report. */
			log_msg(LOG_ERROR, "reports: a result of event id=%s "
			    "cannot be written in a report: dropped",
			    rep->sent[i].id);
			rep->m->report_results_dropped++;
			free(rep->sent[i].id);
			rep->sent[i].id = NULL;
			continue;
		}
		bad |= json_array_append_new(rep->sent[i].outcome ==
		    REPORT_APPLIED ? applied : failed, e);
	}
	root = json_pack("{s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:I, s:I, "
	    "s:o, s:o, s:b, s:{s:I, s:I, s:I, s:I}}",
	    "Version", REPORT_VERSION,
	    "Node", rep->cfg->node_name,
	    "Boot", rep->boot,
	    "Seq", (json_int_t)rep->seq,
	    "Time", (json_int_t)wall_ms(),
	    "Interval", (json_int_t)rep->cfg->report_interval_ms,
	    "Idle", (json_int_t)rep->cfg->report_idle_ms,
	    "Subscribed", m->connected && !m->stalled,
	    "Backlog", (json_int_t)backlog(rep),
	    "LagMs", (json_int_t)(oldest > 0 && oldest < now ? now - oldest :
	    0),
	    "Applied", applied,
	    "Failed", failed,
	    "More", rep->n > 0,
	    "Totals",
	    "Applied", (json_int_t)m->events_replayed,
	    "Failed", (json_int_t)m->events_failed,
	    "Dropped", (json_int_t)m->events_dropped,
	    "Refused", (json_int_t)m->events_refused);
	if (root == NULL || bad)
		s = NULL;
	else
		s = json_dumps(root, JSON_COMPACT);
	json_decref(root);	/* applied and failed are its, or NULL */
	if (s != NULL && rep->cfg->report_sign_key_file != NULL) {
		/* Its last member: the listeners check the bytes before. */
		signed_s = reportkey_sign(rep->cfg->report_sign_key, s,
		    strlen(s), &len);
		free(s);
		s = signed_s;
	}
	return (s);
}

char *
report_token_mint(const struct settings *cfg, time_t now, char *err,
    size_t errlen)
{
	struct hb_grant g;

	settings_grant(cfg, &cfg->report_hub, cfg->report_jwt_key, "publish",
	    cfg->report_topic, &g);
	return (hb_jwt_mint_grant(&g, now, err, errlen));
}

/* The bearer line: REPORT_TOKEN's, one minted from REPORT_JWT_KEY (or
 * HUB_JWT_KEY where settings.c allows it; renewed
 * at half its life), or NULL. */
static const char *
auth_line(struct report *rep, int64_t now)
{
	const struct settings *c = rep->cfg;
	char err[256], *tok, *line;

	if (c->report_token != NULL || c->report_jwt_key == NULL ||
	    (rep->auth != NULL && now < rep->renew_ms))
		return (rep->auth);
	tok = report_token_mint(c, time(NULL), err, sizeof err);
	line = tok != NULL ? hb_bearer_header(tok) : NULL;
	hb_bearer_free(tok);
	if (line == NULL) {
		/* The previous token stays valid until its exp. */
		log_msg(LOG_ERROR, "reports: cannot mint the report JWT: %s",
		    tok == NULL ? err : "out of memory");
		return (rep->auth);
	}
	hb_bearer_free(rep->auth);
	rep->auth = line;
	rep->renew_ms = now + c->hub_jwt_ttl_ms / 2;
	return (rep->auth);
}

static void
log_dropped(struct report *rep)
{
	if (rep->dropped == 0)
		return;
	log_msg(LOG_ERROR, "reports: %" PRIu64 " results dropped, not "
	    "reported: more than %d were waiting (is the report hub down?) "
	    "or out of memory",
	    rep->dropped, REPORT_MAX_WAITING);
	rep->dropped = 0;
}

/* Take the oldest results into sent[] and make the form: 0, or -1. */
static int
report_build(struct report *rep, int64_t now)
{
	size_t bytes = 0, one;
	char *json;

	/* Half of REPORT_MAX_BYTES at most: an entry takes its id (escaped:
	 * twice its length at worst) and less than 100 bytes more. */
	while (rep->nsent < REPORT_MAX_ENTRIES && rep->n > 0) {
		one = 100 + 2 * strlen(ring_at(rep, 0)->id);
		if (rep->nsent > 0 && bytes + one > REPORT_MAX_BYTES / 2)
			break;
		bytes += one;
		rep->sent[rep->nsent++] = *ring_at(rep, 0);
		rep->head = (rep->head + 1) % rep->cap;
		rep->n--;
	}
	rep->seq++;
	json = report_json(rep, now);
	if (json == NULL)
		return (-1);
	rep->form = hb_publish_form(rep->prefix, json, strlen(json), NULL, 1,
	    &rep->flen);
	free(json);
	if (rep->form == NULL)
		return (-1);
	rep->hdrs = hb_publish_headers(auth_line(rep, now));
	return (rep->hdrs == NULL ? -1 : 0);
}

static int
report_launch(struct report *rep)
{
	const struct settings *c = rep->cfg;
	long limit = (long)c->hub_timeout_ms;

	if (rep->easy == NULL && (rep->easy = curl_easy_init()) == NULL)
		return (-1);
	curl_easy_reset(rep->easy);
	hb_publish_setopts(rep->easy, c->report_hub.url, rep->form,
	    rep->flen, rep->hdrs, &rep->reply,
	    PACKAGE_NAME "/" PACKAGE_VERSION);
	/* The hub's TLS and proxy settings, as for the subscription. */
	hb_curl_hub(rep->easy, &c->hub_tls);
	if (c->hub_proxy != NULL)
		(void)curl_easy_setopt(rep->easy, CURLOPT_PROXY, c->hub_proxy);
	(void)curl_easy_setopt(rep->easy, CURLOPT_TIMEOUT_MS, limit);
	(void)curl_easy_setopt(rep->easy, CURLOPT_CONNECTTIMEOUT_MS, limit);
	rep->errbuf[0] = '\0';
	(void)curl_easy_setopt(rep->easy, CURLOPT_ERRORBUFFER, rep->errbuf);
	transfer_own(rep->easy, &rep->owner);
	if (curl_multi_add_handle(rep->multi, rep->easy) != CURLM_OK)
		return (-1);
	rep->inflight = 1;
	return (0);
}

static void
publish_done(struct report *rep)
{
	free(rep->form);
	rep->form = NULL;
	hb_headers_free(rep->hdrs);
	rep->hdrs = NULL;
}

/* The hub did not take the report: count, log, keep its results. */
static void
publish_failed(struct report *rep, const char *why)
{
	int64_t now = clock_ms(), wait;
	unsigned shift;
	char kept[64] = "";

	rep->m->reports_failed++;
	rep->failures++;
	shift = rep->failures < 16 ? rep->failures - 1 : 15;
	wait = rep->cfg->report_interval_ms << shift;
	if (wait > rep->cfg->report_idle_ms)
		wait = rep->cfg->report_idle_ms;
	rep->not_before = now + wait;
	if (rep->nsent > 0)
		snprintf(kept, sizeof kept, "; its %zu results go with the "
		    "next one", rep->nsent);
	log_msg(LOG_WARN, "reports: report %" PRIu64 " not published to %s: "
	    "%s (%u in a row%s)", rep->seq, rep->cfg->report_hub.url_shown,
	    why, rep->failures, kept);
	sent_put_back(rep);
	if (rep->stopping)
		rep->final_failed = 1;
	publish_done(rep);
}

static void
report_send(struct report *rep, int64_t now)
{
	rep->last_ms = now;
	log_dropped(rep);
	if (report_build(rep, now) != 0) {
		publish_failed(rep, "out of memory");
		return;
	}
	if (report_launch(rep) != 0)
		publish_failed(rep, "cannot start the transfer");
}

/* When the next report is due. */
static int64_t
report_due(const struct report *rep)
{
	int64_t due;

	if (rep->last_ms < 0)
		return (0);		/* the first, at start */
	if (rep->stopping && rep->n > 0 && !rep->final_failed &&
	    backlog(rep) == 0)
		return (0);		/* the last, at stop */
	due = rep->last_ms + (rep->n > 0 ? rep->cfg->report_interval_ms :
	    rep->cfg->report_idle_ms);
	return (due > rep->not_before ? due : rep->not_before);
}

int64_t
report_tick(struct report *rep, int64_t now)
{
	int64_t due;

	CHECK_OBJ_ORNULL(rep, REPORT_MAGIC);
	if (rep == NULL || rep->inflight)
		return (INT64_MAX);
	due = report_due(rep);
	if (due > now)
		return (due);
	report_send(rep, now);
	return (rep->inflight ? INT64_MAX : report_due(rep));
}

int
report_finished(struct report *rep, CURL *easy, CURLcode res)
{
	char why[CURL_ERROR_SIZE + 64];
	long status = 0;

	CHECK_OBJ_ORNULL(rep, REPORT_MAGIC);
	if (rep == NULL || !rep->inflight || easy != rep->easy)
		return (0);
	(void)curl_multi_remove_handle(rep->multi, easy);
	rep->inflight = 0;
	if (res == CURLE_OK)
		(void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (res == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, sizeof why, "no answer within HUB_TIMEOUT");
	} else if (res != CURLE_OK) {
		if (hb_curl_tls_failed(res, rep->errbuf))
			rep->m->hub_tls_failures++;
		snprintf(why, sizeof why, "hub unreachable: %s",
		    rep->errbuf[0] != '\0' ? rep->errbuf :
		    curl_easy_strerror(res));
	} else if (status < 200 || status > 299) {
		if (status == 401 || status == 403)
			rep->m->hub_auth_refused++;
		snprintf(why, sizeof why, "the hub answered HTTP %ld%s", status,
		    hb_hub_auth_why(status));
	} else {
		rep->m->reports_published++;
		if (rep->failures > 0)
			log_msg(LOG_INFO, "reports: published to %s again "
			    "after %u failures", rep->cfg->report_hub.url_shown,
			    rep->failures);
		log_msg(LOG_DEBUG, "reports: report %" PRIu64 " published "
		    "(%zu results, %zu waiting)", rep->seq, rep->nsent,
		    rep->n);
		rep->failures = 0;
		rep->not_before = 0;
		sent_free(rep);
		publish_done(rep);
		return (1);
	}
	publish_failed(rep, why);
	return (1);
}

void
report_stop(struct report *rep)
{
	CHECK_OBJ_ORNULL(rep, REPORT_MAGIC);
	if (rep != NULL)
		rep->stopping = 1;
}

int
report_drained(const struct report *rep)
{
	CHECK_OBJ_ORNULL(rep, REPORT_MAGIC);
	return (rep == NULL ||
	    (!rep->inflight && (rep->n == 0 || rep->final_failed)));
}

/* The owner of the report's transfer (main.c dispatches to it). */
static void
report_done(void *priv, CURL *easy, CURLcode res)
{

	(void)report_finished(priv, easy, res);
}

struct report *
report_new(CURLM *multi, const struct settings *cfg, struct metrics *m,
    const struct report_replays *replays)
{
	struct report *rep;

	ALLOC_OBJ(rep, REPORT_MAGIC);
	if (rep == NULL)
		return (NULL);
	transfer_owner_init(&rep->owner, report_done, rep);
	rep->ring = malloc(RING_FIRST * sizeof *rep->ring);
	rep->prefix = hb_publish_form_prefix(cfg->report_topic);
	if (cfg->report_token != NULL)
		rep->auth = hb_bearer_header(cfg->report_token);
	if (rep->ring == NULL || rep->prefix == NULL ||
	    (cfg->report_token != NULL && rep->auth == NULL) ||
	    hb_event_id_new(rep->boot) != 0) {
		free(rep->ring);
		free(rep->prefix);
		hb_bearer_free(rep->auth);
		FREE_OBJ(rep);
		return (NULL);
	}
	rep->cap = RING_FIRST;
	rep->multi = multi;
	rep->cfg = cfg;
	rep->m = m;
	if (replays != NULL)
		rep->replays = *replays;
	rep->last_ms = -1;
	return (rep);
}

void
report_free(struct report *rep)
{
	size_t left;

	if (rep == NULL)
		return;
	CHECK_OBJ(rep, REPORT_MAGIC);
	if (rep->inflight) {
		(void)curl_multi_remove_handle(rep->multi, rep->easy);
		sent_put_back(rep);
	}
	left = rep->n + rep->nsent;
	log_dropped(rep);
	if (left > 0)
		log_msg(LOG_WARN, "reports: %zu results were not reported "
		    "(stopped before the report hub took them)", left);
	sent_free(rep);
	while (rep->n > 0) {
		free(ring_at(rep, 0)->id);
		rep->head = (rep->head + 1) % rep->cap;
		rep->n--;
	}
	if (rep->easy != NULL)
		curl_easy_cleanup(rep->easy);
	publish_done(rep);
	free(rep->ring);
	free(rep->prefix);
	hb_bearer_free(rep->auth);
	FREE_OBJ(rep);
}
