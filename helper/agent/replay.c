/*
 * replay: events to requests to AGENT_ENDPOINT.  See replay.h.
 *
 * A job lives from replay_submit() until it is finished.  It waits in one
 * FIFO list (new events and retries alike, each with the time it may
 * start), and holds an easy handle only while in flight; the TCP
 * connections to varnishd live on in the multi handle's connection cache
 * and are reused by the next transfers.  Finished easy handles are kept in
 * a small pool (at most one per concurrent replay) and reset for the next
 * job, since creating and destroying one per event cost about an eighth
 * of the instructions of a replay; the pool is emptied whenever the
 * backlog drains, so an idle daemon holds none.
 *
 * Where a replay goes never depends on the event: every transfer's URL
 * is AGENT_ENDPOINT's root, built once and checked by hb_agent_url(), and
 * the event's exact path and query travel as the request-target.  Every
 * replay carries our guard header, whatever the event said, so that the
 * VCL applies it and the VMOD never publishes it again.
 */

#include "config.h"

#include <sys/queue.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_curl.h"
#include "hb_check.h"
#include "hb_event.h"
#include "hb_miniobj.h"
#include "hb_path.h"
#include "hb_url.h"

#include "clock.h"
#include "cursor.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "replay.h"
#include "reports/report.h"
#include "settings.h"
#include "transfer.h"

#define RETRY_FIRST_MS	100
#define RETRY_MAX_MS	5000
/* After this many events, the next time the backlog drains the heap's
 * free pages go back to the system (memory_return()): once after a
 * burst, whose backlog may drain several times on the way, and at most
 * once per this many events of a steady trickle that drains after each. */
#define TRIM_EVENTS	1024

struct job {
	unsigned		magic;
#define JOB_MAGIC		0x7e5b1a02
	TAILQ_ENTRY(job)	list;		/* in the waiting list */
	struct cursor		*cur;		/* its hub's */
	uint64_t		seq;
	char			*id;
	struct hb_event		ev;
	char			*target;	/* path?query, exact */
	struct curl_slist	*hdrs;
	CURL			*easy;		/* while in flight */
	int64_t			recv_ms;	/* received */
	int64_t			first_ms;	/* first attempt */
	int64_t			start_ms;	/* may start from then */
	int64_t			backoff_ms;
	unsigned		attempts;
	long			last_status;	/* 0: none came back */
	int			own;		/* ours, not an event */
	int			eid_ok;		/* ev.event_id is valid */
	struct transfer_owner	owner;		/* its easy's PRIVATE */
};

TAILQ_HEAD(jobq, job);

struct replay {
	unsigned		magic;
#define REPLAY_MAGIC		0x2f4c9d17
	CURLM			*multi;
	const struct settings	*cfg;
	struct metrics		*m;
	char			*url;		/* AGENT_ENDPOINT's root */
	char			*guard;		/* "X-HttpBroadcast-Guard: ..." */
	struct jobq		waiting_q;	/* FIFO */
	size_t			waiting, inflight;
	size_t			since_trim;	/* events submitted */
	struct job		**flying;	/* max_concurrency slots */
	CURL			**pool;		/* idle easy handles */
	size_t			npool;
	struct report		*rep;		/* NULL: reports off */
};

struct replay *
replay_new(CURLM *multi, const struct settings *cfg, struct metrics *m)
{
	struct replay *r;
	char why[256];

	ALLOC_OBJ(r, REPLAY_MAGIC);
	if (r == NULL)
		return (NULL);
	r->flying = calloc((size_t)cfg->agent_max_concurrency,
	    sizeof *r->flying);
	r->pool = calloc((size_t)cfg->agent_max_concurrency, sizeof *r->pool);
	if (hb_agent_url(cfg->agent_endpoint, &r->url, why, sizeof why) != 0)
		log_msg(LOG_ERROR, "replays: %s", why);
	if (asprintf(&r->guard, "%s: %s", HB_GUARD_HEADER,
	    cfg->hub_guard_token) < 0)
		r->guard = NULL;
	if (r->flying == NULL || r->pool == NULL || r->url == NULL ||
	    r->guard == NULL) {
		free(r->flying);
		free(r->pool);
		free(r->url);
		free(r->guard);
		FREE_OBJ(r);
		return (NULL);
	}
	r->multi = multi;
	r->cfg = cfg;
	r->m = m;
	TAILQ_INIT(&r->waiting_q);
	return (r);
}

static void
job_free(struct job *j)
{
	CHECK_OBJ_NOTNULL(j, JOB_MAGIC);
	if (j->easy != NULL)
		curl_easy_cleanup(j->easy);
	curl_slist_free_all(j->hdrs);
	hb_event_free(&j->ev);
	free(j->target);
	free(j->id);
	FREE_OBJ(j);
}

void
replay_set_report(struct replay *r, struct report *rep)
{
	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	r->rep = rep;
}

struct report *
replay_reporter(const struct replay *r)
{
	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	return (r->rep);
}

/* The event's outcome for the reports: by its EventID when it has a
 * valid one, else by the hub's id.  Our own gap ban is no event. */
static void
job_report(struct replay *r, const struct job *j,
    enum report_outcome outcome, long code)
{
	if (j->own)
		return;
	report_result(r->rep, j->eid_ok ? j->ev.event_id : j->id, outcome,
	    code);
}

/* The event's fate is sealed: let the cursor move over it. */
static void
job_finish(struct replay *r, struct job *j)
{
	cursor_done(j->cur, j->seq);
	job_free(j);
}

size_t
replay_backlog(const struct replay *r)
{
	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	return (r->waiting + r->inflight);
}

/* Retries go back to the end of the list: any job may be the oldest. */
int64_t
replay_oldest_ms(const struct replay *r)
{
	const struct job *j;
	int64_t oldest = 0;
	size_t slot;

	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	TAILQ_FOREACH(j, &r->waiting_q, list)
		if (oldest == 0 || j->recv_ms < oldest)
			oldest = j->recv_ms;
	for (slot = 0; slot < (size_t)r->cfg->agent_max_concurrency; slot++) {
		j = r->flying[slot];
		if (j != NULL && (oldest == 0 || j->recv_ms < oldest))
			oldest = j->recv_ms;
	}
	return (oldest);
}

static void
enqueue(struct replay *r, struct job *j)
{
	CHECK_OBJ_NOTNULL(j, JOB_MAGIC);
	TAILQ_INSERT_TAIL(&r->waiting_q, j, list);
	r->waiting++;
}

static int
add_raw(struct curl_slist **l, const char *line)
{
	struct curl_slist *n = curl_slist_append(*l, line);

	if (n == NULL)
		return (-1);
	*l = n;
	return (0);
}

/* Append "name: value" to the request headers (curl's syntax for an
 * empty value is "name;").  Name and value were validated: no NUL.
 * curl copies the line, so a short one is built on the stack. */
static int
add_header(struct curl_slist **l, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	char small[256], *h = small;
	size_t need = nlen + 2 + vlen + 1;
	int r;

	if (need > sizeof small && (h = malloc(need)) == NULL)
		return (-1);
	memcpy(h, name, nlen);
	if (vlen == 0) {
		memcpy(h + nlen, ";", 2);
	} else {
		memcpy(h + nlen, ": ", 2);
		memcpy(h + nlen + 2, value, vlen);
		h[nlen + 2 + vlen] = '\0';
	}
	r = add_raw(l, h);
	if (h != small)
		free(h);
	return (r);
}

static int
is_header(const struct hb_hdr *h, const char *name)
{
	return (h->name_len == strlen(name) &&
	    strncasecmp(h->name, name, h->name_len) == 0);
}

static int
has_header(const struct hb_event *ev, const char *name)
{
	size_t i;

	for (i = 0; i < ev->nhdrs; i++)
		if (is_header(&ev->hdrs[i], name))
			return (1);
	return (0);
}

/* Request-target and headers of the request; -1 with a reason. */
static int
job_build(struct replay *r, struct job *j, char *why, size_t whylen)
{
	const struct hb_event *ev = &j->ev;
	size_t i;
	int bad = 0;

	j->target = hb_event_target(ev);
	if (j->target == NULL) {
		snprintf(why, whylen, "out of memory");
		return (-1);
	}
	/* An empty Host keeps the endpoint's, which curl sends itself. */
	if (*ev->host != '\0')
		bad |= add_header(&j->hdrs, "Host", 4, ev->host,
		    strlen(ev->host));
	for (i = 0; i < ev->nhdrs; i++) {
		const struct hb_hdr *h = &ev->hdrs[i];

		/* The publisher's rule, applied again: a Go agent or an
		 * older VMOD may have sent more.  The guard is ours to
		 * give (the event's may be missing or another fleet's). */
		if (!hb_header_travels(h->name, h->name_len))
			continue;
		bad |= add_header(&j->hdrs, h->name, h->name_len, h->value,
		    h->value_len);
	}
	bad |= add_raw(&j->hdrs, r->guard);
	/* Our own request after a gap is the only one with this header:
	 * no event may carry it (hb_header_travels()). */
	if (j->own)
		bad |= add_raw(&j->hdrs, HB_GAP_HEADER ": 1");
	/* Remove what curl would add on its own: the replay carries the
	 * event's headers, not ours. */
	if (!has_header(ev, "Accept"))
		bad |= add_raw(&j->hdrs, "Accept:");
	if (ev->body_len > 0 && !has_header(ev, "Content-Type"))
		bad |= add_raw(&j->hdrs, "Content-Type:");
	bad |= add_raw(&j->hdrs, "Expect:");
	if (bad) {
		snprintf(why, whylen, "out of memory");
		return (-1);
	}
	return (0);
}

static void
refuse(struct replay *r, struct job *j, const char *why)
{
	log_msg(LOG_WARN, "refused event id=%s: %s", j->id, why);
	r->m->events_refused++;
	job_report(r, j, REPORT_REFUSED, 0);
	job_finish(r, j);
}

static void
decode(const char *json, size_t len, const char *methods,
    struct replay_event *re)
{
	re->decoded = re->valid = 0;
	re->why[0] = '\0';
	if (hb_event_decode(json, len, &re->ev, re->why,
	    sizeof re->why) != 0) {
		memset(&re->ev, 0, sizeof re->ev);
		return;
	}
	re->decoded = 1;
	re->valid = hb_event_validate(&re->ev, methods, re->why,
	    sizeof re->why) == 0;
}

void
replay_decode(const struct replay *r, const char *json, size_t len,
    struct replay_event *re)
{
	decode(json, len, r->cfg->agent_allowed_methods, re);
}

void
replay_event_free(struct replay_event *re)
{
	if (re->decoded)
		hb_event_free(&re->ev);
	re->decoded = re->valid = 0;
}

static void
submit(struct replay *r, struct cursor *cur, uint64_t seq, const char *id,
    struct replay_event *re, int own)
{
	char why[256];
	struct job *j;

	ALLOC_OBJ(j, JOB_MAGIC);
	if (j == NULL || (j->id = strdup(id)) == NULL) {
		free(j);
		replay_event_free(re);
		/* Better a loud refusal than a silent stall of the cursor. */
		log_msg(LOG_ERROR, "refused event id=%s: out of memory", id);
		r->m->events_refused++;
		if (!own)
			report_result(r->rep, id, REPORT_REFUSED, 0);
		cursor_done(cur, seq);
		return;
	}
	j->cur = cur;
	j->seq = seq;
	j->own = own;
	j->recv_ms = clock_ms();
	if (!re->decoded) {
		memset(&j->ev, 0, sizeof j->ev);
		refuse(r, j, re->why);
		return;
	}
	/* Its storage moves to the job. */
	j->ev = re->ev;
	re->decoded = 0;
	if (!re->valid || job_build(r, j, why, sizeof why) != 0) {
		/* Its EventID names it in the report if that is valid. */
		j->eid_ok = j->ev.event_id != NULL &&
		    hb_event_id_valid(j->ev.event_id);
		refuse(r, j, re->valid ? why : re->why);
		return;
	}
	j->eid_ok = j->ev.event_id != NULL;
	log_msg(LOG_TRACE, "received event id=%s: %s %s", id, j->ev.method,
	    j->target);
	j->backoff_ms = RETRY_FIRST_MS;
	r->since_trim++;
	enqueue(r, j);
}

void
replay_submit(struct replay *r, struct cursor *cur, uint64_t seq,
    const char *id, struct replay_event *re)
{
	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	submit(r, cur, seq, id, re, 0);
}

static size_t
discard(char *ptr, size_t size, size_t nmemb, void *priv)
{
	(void)ptr;
	(void)priv;
	return (size * nmemb);
}

/* An easy handle with no option set: a reset one from the pool, or new. */
static CURL *
easy_get(struct replay *r)
{
	CURL *e;

	if (r->npool == 0)
		return (curl_easy_init());
	e = r->pool[--r->npool];
	curl_easy_reset(e);
	return (e);
}

static void
easy_put(struct replay *r, CURL *e)
{
	if (r->npool < (size_t)r->cfg->agent_max_concurrency)
		r->pool[r->npool++] = e;
	else
		curl_easy_cleanup(e);
}

static void
pool_drain(struct replay *r)
{
	while (r->npool > 0)
		curl_easy_cleanup(r->pool[--r->npool]);
}

/* The owner of a replay's transfer (main.c dispatches to it). */
static void
replay_done(void *priv, CURL *easy, CURLcode res)
{

	(void)replay_finished(priv, easy, res);
}

static int
job_start(struct replay *r, struct job *j, int64_t now)
{
	CURL *e;
	size_t slot;

	e = easy_get(r);
	if (e == NULL)
		return (-1);
	if (j->attempts == 0)
		j->first_ms = now;
	j->attempts++;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_REQUEST_TARGET, j->target);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, j->ev.method);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->hdrs);
	if (j->ev.body_len > 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)j->ev.body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->ev.body);
	}
	hb_curl_defaults(e);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)r->cfg->agent_timeout_ms);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
	transfer_owner_init(&j->owner, replay_done, r);
	transfer_own(e, &j->owner);
	if (curl_multi_add_handle(r->multi, e) != CURLM_OK) {
		easy_put(r, e);
		return (-1);
	}
	j->easy = e;
	for (slot = 0; r->flying[slot] != NULL; slot++)
		continue;
	r->flying[slot] = j;
	r->inflight++;
	return (0);
}

int64_t
replay_tick(struct replay *r, int64_t now)
{
	struct job *j, *j2;
	int64_t next = INT64_MAX;

	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	/* glibc's queue.h has no TAILQ_FOREACH_SAFE: j may leave. */
	for (j = TAILQ_FIRST(&r->waiting_q); j != NULL; j = j2) {
		CHECK_OBJ(j, JOB_MAGIC);
		j2 = TAILQ_NEXT(j, list);
		if (j->start_ms > now) {
			if (j->start_ms < next)
				next = j->start_ms;
			continue;
		}
		if (r->inflight >= (size_t)r->cfg->agent_max_concurrency)
			break;
		TAILQ_REMOVE(&r->waiting_q, j, list);
		r->waiting--;
		if (job_start(r, j, now) != 0) {
			/* Out of handles or memory: try again shortly. */
			j->start_ms = now + RETRY_FIRST_MS;
			enqueue(r, j);
			if (j->start_ms < next)
				next = j->start_ms;
			break;
		}
	}
	return (next);
}

static void
unfly(struct replay *r, struct job *j)
{
	size_t slot;

	for (slot = 0; slot < (size_t)r->cfg->agent_max_concurrency; slot++)
		if (r->flying[slot] == j) {
			r->flying[slot] = NULL;
			break;
		}
	r->inflight--;
	curl_multi_remove_handle(r->multi, j->easy);
	easy_put(r, j->easy);
	j->easy = NULL;
}

/* The fate of j after this attempt: replayed, failed, dropped, or to be
 * retried (back on the list). */
static void
job_judge(struct replay *r, struct job *j, CURLcode res, long status,
    int64_t now)
{
	char why[CURL_ERROR_SIZE + 32];

	if (res == CURLE_OK && status < 400) {
		/* The event counters count events, not our own requests. */
		r->m->events_replayed += !j->own;
		log_msg(LOG_DEBUG, "replayed event id=%s: %s %s status=%ld "
		    "attempts=%u", j->id, j->ev.method,
		    j->target, status,
		    j->attempts);
		job_report(r, j, REPORT_APPLIED, status);
		job_finish(r, j);
		return;
	}
	if (res != CURLE_OK)
		snprintf(why, sizeof why, "%s", curl_easy_strerror(res));
	else
		snprintf(why, sizeof why, "status %ld", status);
	if (res == CURLE_OK && status < 500 && status != 429) {
		r->m->events_failed += !j->own;
		log_msg(LOG_ERROR, "failed event id=%s: %s %s: %s (not "
		    "retried)", j->id, j->ev.method,
		    j->target, why);
		job_report(r, j, REPORT_FAILED, status);
		job_finish(r, j);
		return;
	}
	if (now - j->first_ms >= r->cfg->agent_retry_delay_ms) {
		r->m->events_dropped += !j->own;
		log_msg(LOG_ERROR, "dropped event id=%s: %s %s: %s after %u "
		    "attempts in %lldms", j->id, j->ev.method,
		    j->target, why, j->attempts,
		    (long long)(now - j->first_ms));
		job_report(r, j, REPORT_DROPPED, j->last_status);
		job_finish(r, j);
		return;
	}
	/* Retry, but make the last attempt right at the deadline. */
	j->start_ms = now + j->backoff_ms;
	if (j->start_ms > j->first_ms + r->cfg->agent_retry_delay_ms)
		j->start_ms = j->first_ms + r->cfg->agent_retry_delay_ms;
	log_msg(LOG_WARN, "replay of event id=%s failed: %s, retrying in "
	    "%lldms", j->id, why, (long long)(j->start_ms - now));
	j->backoff_ms *= 2;
	if (j->backoff_ms > RETRY_MAX_MS)
		j->backoff_ms = RETRY_MAX_MS;
	r->m->replays_retried++;
	enqueue(r, j);
}

int
replay_finished(struct replay *r, CURL *easy, CURLcode res)
{
	struct transfer_owner *o = NULL;
	struct job *j;
	long status = 0;

	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&o) !=
	    CURLE_OK || o == NULL)
		return (0);
	/* The owner is the job's own header (job_start). */
	j = (struct job *)(void *)((char *)o - offsetof(struct job, owner));
	CHECK_OBJ(j, JOB_MAGIC);
	if (j->easy != easy)
		return (0);
	if (res == CURLE_OK) {
		(void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		j->last_status = status;
	}
	unfly(r, j);
	job_judge(r, j, res, status, clock_ms());
	if (r->inflight > 0 || r->waiting > 0)
		return (1);
	/* Nothing else to send: give the pooled handles back, and after a
	 * burst the memory its events held. */
	pool_drain(r);
	if (r->since_trim >= TRIM_EVENTS) {
		r->since_trim = 0;
		memory_return();
	}
	return (1);
}

void
replay_abandon(struct replay *r)
{
	struct job *j;
	size_t slot;

	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	for (slot = 0; slot < (size_t)r->cfg->agent_max_concurrency; slot++) {
		j = r->flying[slot];
		if (j == NULL)
			continue;
		log_msg(LOG_WARN, "abandoned event id=%s in flight: it will be "
		    "replayed at the next start", j->id);
		unfly(r, j);
		job_free(j);
	}
	while ((j = TAILQ_FIRST(&r->waiting_q)) != NULL) {
		TAILQ_REMOVE(&r->waiting_q, j, list);
		log_msg(LOG_WARN, "abandoned event id=%s: it will be replayed "
		    "at the next start", j->id);
		job_free(j);
	}
	r->waiting = 0;
	pool_drain(r);
}

void
replay_free(struct replay *r)
{
	if (r == NULL)
		return;
	CHECK_OBJ(r, REPLAY_MAGIC);
	replay_abandon(r);
	free(r->url);
	free(r->guard);
	free(r->flying);
	free(r->pool);
	FREE_OBJ(r);
}

/*
 * Our own request after a gap: "BAN /" with the guard and the
 * X-HttpBroadcast-Gap header, which the VCL examples turn into a ban of
 * every object.  It is not an event, so AGENT_ALLOWED_METHODS does not
 * apply; it goes through the same checks, queue and retries as one.
 * job_build() adds both headers.
 */
void
replay_submit_gap(struct replay *r, struct cursor *cur, uint64_t seq)
{
	struct replay_event re;
	struct hb_event ev;
	size_t len;
	char *json;

	CHECK_OBJ_NOTNULL(r, REPLAY_MAGIC);
	memset(&ev, 0, sizeof ev);
	ev.method = "BAN";
	ev.host = "";
	ev.path = "/";
	ev.rawquery = "";
	json = hb_event_encode(&ev, &len);
	if (json == NULL) {
		log_msg(LOG_ERROR, "cannot ban after the gap: out of memory");
		r->m->events_refused++;
		cursor_done(cur, seq);
		return;
	}
	decode(json, len, "BAN", &re);
	free(json);
	submit(r, cur, seq, "gap-ban", &re, 1);
}
