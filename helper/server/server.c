/*
 * server: the server mode.  See server.h.
 *
 * A request goes through these steps, each in one callback of
 * libmicrohttpd (MHD) or of the main loop:
 *
 *   uri_log()	the raw request-target, before MHD decodes or splits it:
 *		the event carries the client's exact path and query
 *   answer()	first call: who (SERVER_ALLOWED_IPS), CORS preflight,
 *		method (SERVER_ALLOWED_METHODS), announced size; then the
 *		body in pieces (SERVER_MAX_BODY_SIZE); then the request is
 *		checked as varnishd does before a VMOD sees it (folded
 *		lines, two Hosts, control bytes: hb_request_check()), the
 *		event is built and checked as the VMOD does, the publish
 *		is put on the multi handle and the connection suspended
 *   server_finished()	the hub answered or HUB_TIMEOUT passed: the
 *		outcome is stored and the connection resumed; MHD calls
 *		answer() once more, which sends it
 *   completed()	the request is over: its state is freed
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "hb_check.h"
#include "hb_curl.h"
#include "hb_event.h"
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_miniobj.h"
#include "hb_policy.h"
#include "hb_publish.h"

#include "addr.h"
#include "cidr.h"
#include "clock.h"
#include "log.h"
#include "memory.h"
#include "metrics.h"
#include "proxyproto.h"
#include "server.h"
#include "settings.h"
#include "transfer.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

/* 413: its MHD name changed between releases. */
#define HTTP_TOO_LARGE	413u
/* Connections of trusted peers whose PROXY header is still awaited.
 * When all are taken, the oldest is given up for the newest: peers that
 * never send their header cannot keep the others out. */
#define PENDING_MAX	128
/* How long a trusted peer has to send its PROXY header: a proxy sends it
 * with its first bytes. */
#define PROXY_WAIT_MS	2000
/* Descriptors the daemon needs beside its clients' and the pending
 * ones: its hubs, varnishd, the status listener, files. */
#define NOFILE_OWN	64
/* Out of descriptors or memory, accept() is not tried for this long,
 * doubled up to ACCEPT_PAUSE_MAX_MS while it keeps failing. */
#define ACCEPT_PAUSE_MS		100
#define ACCEPT_PAUSE_MAX_MS	1000
/* After a flood of at least TRIM_HIGH connections (or of bodies, a
 * quarter of BODIES_MAX), the heap is given back to the system once they
 * are down to TRIM_LOW (at most once a second): the peak would stay the
 * daemon's size otherwise. */
#define TRIM_HIGH	256
#define TRIM_LOW	16
/* Request bodies being received, all connections together, at most
 * (or 4 times SERVER_MAX_BODY_SIZE when larger); beyond, 503. */
#define BODIES_MAX	(16u << 20)
/* Connections accepted per turn of the loop, so that a flood of them
 * cannot starve the subscription and the replays. */
#define ACCEPT_BURST	64
/* Publishes in flight to the hub at most: a hub that hangs holds this
 * many connections, not one per client.  The next ones wait for a free
 * slot, within their HUB_TIMEOUT. */
#define PUBLISH_MAX	64
/*
 * Several hubs: a hub that failed BREAKER_FAILURES publishes in a row is
 * skipped for BREAKER_OPEN_S seconds, then one publish tries it (lib's
 * hb_breaker), so that a dead or hanging hub costs neither latency nor
 * connections.  The answer never waits for a skipped hub; if every hub is
 * skipped, all are tried (hb_policy_plan()); and the skipped ones are
 * tried after all when those tried fail, or have not answered by half of
 * HUB_TIMEOUT (hb_policy_rescue()): a skip saves time, it never fails a
 * publish a skipped hub could take.  Publishes already answered
 * (another hub took them) whose other POSTs still run hold no slot of
 * PUBLISH_MAX, but at most PUBLISH_MAX of them may run: beyond, the
 * oldest one's unfinished POSTs are ended, as failures of their hubs.
 */
#define BREAKER_FAILURES	3
#define BREAKER_OPEN_S		5.0
/* Easy handles kept for the next publishes (their connections live in
 * the multi handle's cache). */
#define POOL_MAX	32
/* Request headers excluded from events by default, as the VMOD's
 * exclude_headers: credentials of the client, not of the invalidation. */
static const char * const excluded[] = {
	"Authorization", "Cookie", "Proxy-Authorization", NULL
};

enum pub_state { P_NEW, P_BODY, P_HUB, P_DONE };

/* The publish of one event to one hub of HUB_ENDPOINT. */
struct leg {
	CURL			*easy;		/* while in flight */
	struct hb_publish_reply	rep;
	char			errbuf[CURL_ERROR_SIZE];
	int			skipped;	/* by its breaker, so far */
};

struct pub {
	unsigned		magic;
#define PUB_MAGIC		0x3c0e51a9
	/* In flight to the hub (newest first), or waiting for a slot
	 * (FIFO): never both. */
	TAILQ_ENTRY(pub)	list;
	struct MHD_Connection	*conn;
	enum pub_state		state;
	char			*target;	/* the raw request-target */
	char			client[64];	/* for the logs */
	const char		*cors;		/* Access-Control-Allow-Origin */
	unsigned char		*body;
	size_t			body_len;
	int			too_large;
	int			too_busy;	/* over BODIES_MAX */
	int			receiving;	/* body_len counts in
						 * bodies_held */
	struct leg		*legs;		/* one per hub */
	unsigned		nlegs;		/* in flight */
	unsigned		nok, nfail;	/* hubs that took it, not */
	int			concluded;	/* the answer is decided */
	int			orphan;		/* the client is gone: free
						 * when the last leg ends */
	int			trailing;	/* answered, legs still run */
	struct curl_slist	*hdrs;
	char			*form;
	size_t			flen;
	int64_t			t0;
	int64_t			deadline;	/* t0 + HUB_TIMEOUT */
	int64_t			rescue_at;	/* try the skipped hubs; 0:
						 * none is left */
	unsigned		code;		/* the answer, once known */
	char			msg[HB_PUBLISH_ID_MAX + 256];
	int			answered;	/* a response is queued */
};

TAILQ_HEAD(pub_list, pub);

struct pending {
	int			fd;
	struct sockaddr_storage	peer;
	socklen_t		peerlen;
	int64_t			accepted;
	int64_t			deadline;
};

/* A connection MHD has, from NOTIFY_STARTED to NOTIFY_CLOSED. */
struct conn {
	unsigned		magic;
#define CONN_MAGIC		0x6b2f0c5d
	TAILQ_ENTRY(conn)	list;		/* on reading, by deadline */
	TAILQ_ENTRY(conn)	hlist;		/* on hungup */
	struct MHD_Connection	*mc;
	int			fd;
	int			reading;	/* on the list */
	int64_t			deadline;
	int			awaiting;	/* MHD waits for request
						 * bytes */
	int			hungup;		/* the client's FIN came */
	int			watched;	/* in the epoll of hfd */
};
TAILQ_HEAD(conn_list, conn);

/* At most one line a second for a kind of drop, saying how many it
 * stands for: a flood costs a line a second, not one per connection. */
struct ratelog {
	int64_t			next;
	unsigned long		held;		/* drops not logged yet */
};

struct server {
	unsigned		magic;
#define SERVER_MAGIC		0x51e7b0a3
	const struct settings	*cfg;
	struct metrics		*m;
	CURLM			*multi;
	struct transfer_owner	owner;		/* of the publishes */
	struct MHD_Daemon	*d;
	int			lfd;		/* -1 once stopped */
	unsigned		port;
	char			*form_prefix;
	char			*auth;		/* static bearer line, or NULL */
	char			*minted;	/* minted bearer line, or NULL */
	int64_t			minted_renew;
	char			*tls_key, *tls_cert;
	struct pub_list		flying;		/* publishes in flight */
	size_t			nflying;
	size_t			ntrailing;	/* of them, answered already */
	struct hb_breaker	*breakers;	/* one per hub */
	struct pub_list		waiting;	/* FIFO, for a slot */
	size_t			nwaiting;
	CURL			*pool[POOL_MAX];
	size_t			npool;
	struct pending		pending[PENDING_MAX];
	size_t			npending;
	int			pfd;		/* epoll of the pending */
	int64_t			accepted;	/* of the one handed over */
	struct conn_list	reading;	/* requests not all read */
	int			hfd;		/* epoll: clients' FINs */
	struct conn_list	hungup;		/* whose FIN came */
	size_t			nconns;		/* MHD's connections */
	int			trim_due;	/* a flood was seen */
	int64_t			trim_next;
	size_t			bodies_held;	/* bytes, see BODIES_MAX */
	unsigned		accept_pause;	/* ms; 0: not failing */
	int64_t			accept_resume;	/* not tried before */
	unsigned long		accept_failed;	/* in this pause */
	struct ratelog		rl_allowed, rl_full, rl_proxy, rl_timeout;
};

static void conn_received(struct server *s, struct MHD_Connection *mc);
static void conn_next(struct server *s, struct MHD_Connection *mc);

/*--------------------------------------------------------------------
 * Answers
 */

static void
pub_free(struct pub *p)
{
	if (p == NULL)
		return;
	CHECK_OBJ(p, PUB_MAGIC);
	free(p->legs);
	hb_headers_free(p->hdrs);
	free(p->form);
	free(p->body);
	free(p->target);
	FREE_OBJ(p);
}

static MHD_RESULT
respond(struct server *s, struct pub *p, struct MHD_Connection *conn,
    unsigned code, const char *msg)
{
	struct MHD_Response *resp;
	char line[HB_PUBLISH_ID_MAX + 258];
	MHD_RESULT ret;
	int n;

	if (p != NULL)
		p->answered = 1;
	conn_received(s, conn);
	n = snprintf(line, sizeof line, "%s\n", msg);
	if (n < 0 || (size_t)n >= sizeof line)
		n = (int)sizeof line - 1;
	resp = MHD_create_response_from_buffer((size_t)n, line,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return (MHD_NO);
	(void)MHD_add_response_header(resp, "Content-Type",
	    "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(resp, "Allow",
		    s->cfg->server_allowed_methods);
	if (p != NULL && p->cors != NULL) {
		(void)MHD_add_response_header(resp,
		    "Access-Control-Allow-Origin", p->cors);
		(void)MHD_add_response_header(resp, "Vary", "Origin");
	}
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return (ret);
}

/* A request refused before anything was published: counted, logged. */
static MHD_RESULT
refuse(struct server *s, struct pub *p, struct MHD_Connection *conn,
    const char *method, unsigned code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->m->server_refused++;
	log_msg(LOG_INFO, "server: refused %s %.200s from %s: %u %s", method,
	    p != NULL && p->target != NULL ? p->target : "?",
	    p != NULL ? p->client : "?", code, msg);
	if (p != NULL)
		p->state = P_DONE;
	return (respond(s, p, conn, code, msg));
}

/*--------------------------------------------------------------------
 * CORS (SERVER_CORS_ALLOWED_ORIGINS)
 */

/* The Access-Control-Allow-Origin for origin, or NULL when not allowed. */
static const char *
cors_allow(const struct server *s, const char *origin)
{
	const char *list = s->cfg->server_cors_origins, *p, *e;
	size_t len;

	if (list == NULL || origin == NULL)
		return (NULL);
	p = list;
	while (hb_list_next(&p, list + strlen(list), &e, &len)) {
		if (len == 1 && *e == '*')
			return ("*");
		if (len == strlen(origin) && strncasecmp(e, origin, len) == 0)
			return (origin);
	}
	return (NULL);
}

static MHD_RESULT
preflight(struct server *s, struct pub *p, struct MHD_Connection *conn,
    const char *origin)
{
	struct MHD_Response *resp;
	const char *allow, *hdrs;
	MHD_RESULT ret;

	allow = cors_allow(s, origin);
	if (allow == NULL)
		return (refuse(s, p, conn, "OPTIONS", MHD_HTTP_FORBIDDEN,
		    "origin %.128s is not in SERVER_CORS_ALLOWED_ORIGINS",
		    origin));
	p->state = P_DONE;
	p->answered = 1;
	conn_received(s, conn);
	resp = MHD_create_response_from_buffer(0, NULL,
	    MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return (MHD_NO);
	(void)MHD_add_response_header(resp, "Access-Control-Allow-Origin",
	    allow);
	(void)MHD_add_response_header(resp, "Access-Control-Allow-Methods",
	    s->cfg->server_allowed_methods);
	hdrs = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Access-Control-Request-Headers");
	if (hdrs != NULL)
		(void)MHD_add_response_header(resp,
		    "Access-Control-Allow-Headers", hdrs);
	(void)MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
	(void)MHD_add_response_header(resp, "Vary", "Origin");
	ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, resp);
	MHD_destroy_response(resp);
	return (ret);
}

/*--------------------------------------------------------------------
 * The publish
 */

/* The key publisher JWTs are minted with, or NULL. */
static const char *
mint_key(const struct settings *c)
{
	if (c->hub_publish_jwt_key != NULL)
		return (c->hub_publish_jwt_key);
	return (c->hub_publish_token == NULL ? c->hub_jwt_key : NULL);
}

/* The bearer line to present, or NULL when anonymous. */
static const char *
auth_line(struct server *s)
{
	const struct settings *c = s->cfg;
	struct hb_grant g;
	char err[256], *line;
	int64_t now;

	if (s->auth != NULL || mint_key(c) == NULL)
		return (s->auth);
	now = clock_ms();
	if (s->minted == NULL || now >= s->minted_renew) {
		/* One token for every hub (aud lists them all). */
		settings_grant(c, NULL, mint_key(c), "publish", c->hub_topic,
		    &g);
		line = hb_jwt_bearer_grant(&g, time(NULL), err, sizeof err);
		if (line != NULL) {
			hb_bearer_free(s->minted);
			s->minted = line;
			s->minted_renew = now + c->hub_jwt_ttl_ms / 2;
		} else {
			/* The previous token stays valid until its exp. */
			log_msg(LOG_ERROR, "server: cannot mint the publisher "
			    "JWT: %s", err);
		}
	}
	return (s->minted);
}

struct hdr_walk {
	struct hb_hdr	*h;		/* the event's */
	size_t		n, max;
	struct hb_hdr	*all;		/* every line, for hb_request_check() */
	size_t		nall;
	int		guard;		/* a guard header was seen */
	int		folded;		/* a line continued the previous one */
};

/*
 * Whether a header was received on a line of its own.  MHD (0.9.75 to
 * 0.9.77) parses the header lines in place, in its read buffer: name,
 * NUL where the colon was, the whitespace it skipped, value.  A line that
 * continues the previous one (obs-fold) is appended to that header's
 * *name*, which MHD moves elsewhere in its pool to grow it: "Xk: a\r\n ey"
 * comes out as "Xkey: a".  So a name and a value that are not laid out as
 * one line are a fold.  Only pointer comparisons and the bytes between
 * name and value (MHD's own buffer) are read.  A later MHD that joins a
 * fold into the value keeps them adjacent: this then sees nothing, and
 * the value carries the continuation, as RFC 9112 5.2 allows.
 */
static int
hdr_one_line(const char *name, size_t nl, const char *value)
{
	uintptr_t n = (uintptr_t)name, v = (uintptr_t)value;
	const char *p;

	/* No line is longer than MHD's memory pool of a connection (32 KiB
	 * by default, not changed here): farther is not one line. */
	if (v < n + nl + 1 || v - n > 32768)
		return (0);
	for (p = name + nl + 1; p < value; p++)
		if (*p != ' ' && *p != '\t')
			return (0);
	return (1);
}

static MHD_RESULT
hdr_collect(void *priv, enum MHD_ValueKind kind, const char *name,
    const char *value)
{
	struct hdr_walk *w = priv;
	const char * const *x;
	size_t nl = strlen(name);

	(void)kind;
	if (value != NULL && !hdr_one_line(name, nl, value))
		w->folded = 1;
	if (value == NULL)
		value = "";
	if (w->nall < w->max) {
		w->all[w->nall].name = name;
		w->all[w->nall].name_len = nl;
		w->all[w->nall].value = value;
		w->all[w->nall].value_len = strlen(value);
		w->nall++;
	}
	if (strcasecmp(name, HB_GUARD_HEADER) == 0)
		w->guard = 1;
	if (!hb_header_travels(name, nl))
		return (MHD_YES);
	for (x = excluded; *x != NULL; x++)
		if (strcasecmp(name, *x) == 0)
			return (MHD_YES);
	if (w->n >= w->max)
		return (MHD_YES);
	w->h[w->n].name = name;
	w->h[w->n].name_len = nl;
	w->h[w->n].value = value;
	w->h[w->n].value_len = strlen(value);
	w->n++;
	return (MHD_YES);
}

static CURL *
easy_get(struct server *s)
{
	CURL *h;

	if (s->npool > 0) {
		h = s->pool[--s->npool];
		curl_easy_reset(h);
		return (h);
	}
	return (curl_easy_init());
}

static void
easy_put(struct server *s, CURL *h)
{
	if (s->npool < POOL_MAX)
		s->pool[s->npool++] = h;
	else
		curl_easy_cleanup(h);
}

static void conclude(struct server *s, struct pub *p, unsigned code,
    const char *msg);

static void
publishing(struct server *s)
{
	s->m->server_publishing = (int)(s->nflying + s->nwaiting);
}

/* One hub's POST on the multi handle: 0, or -1 when it cannot start. */
static int
launch_leg(struct server *s, struct pub *p, size_t i, long left)
{
	const struct settings *c = s->cfg;
	struct leg *l = &p->legs[i];

	l->easy = easy_get(s);
	if (l->easy == NULL)
		return (-1);
	hb_publish_setopts(l->easy, c->hubs[i].url, p->form, p->flen, p->hdrs,
	    &l->rep, PACKAGE_NAME "/" PACKAGE_VERSION);
	/* The hub's TLS settings, as for the subscription. */
	hb_curl_hub(l->easy, &c->hub_tls);
	if (c->hub_proxy != NULL)
		(void)curl_easy_setopt(l->easy, CURLOPT_PROXY, c->hub_proxy);
	(void)curl_easy_setopt(l->easy, CURLOPT_TIMEOUT_MS, left);
	(void)curl_easy_setopt(l->easy, CURLOPT_CONNECTTIMEOUT_MS, left);
	(void)curl_easy_setopt(l->easy, CURLOPT_ERRORBUFFER, l->errbuf);
	transfer_own(l->easy, &s->owner);
	if (curl_multi_add_handle(s->multi, l->easy) != CURLM_OK) {
		easy_put(s, l->easy);
		l->easy = NULL;
		return (-1);
	}
	p->nlegs++;
	return (0);
}

/*
 * The hubs p's breakers skipped, tried after all when the hubs tried can
 * no longer take it or half of its HUB_TIMEOUT is gone (lib's
 * hb_policy_rescue()).  Their outcome feeds their breakers as any other:
 * a success closes one.
 */
static void
rescue(struct server *s, struct pub *p, int64_t now)
{
	struct hb_policy any = { HB_POLICY_ANY, 0 };
	unsigned char try[64];
	unsigned n = (unsigned)s->cfg->nhubs;
	long left = (long)(p->deadline - now);
	size_t i;

	if (p->rescue_at == 0)
		return;
	if (p->concluded) {
		p->rescue_at = 0;
		return;
	}
	if (n > sizeof try)
		n = sizeof try;
	for (i = 0; i < n; i++)
		try[i] = !p->legs[i].skipped;
	if (hb_policy_rescue(&any, n, try, p->nok, p->nlegs,
	    (double)(now - p->t0), (double)s->cfg->hub_timeout_ms) == 0)
		return;
	p->rescue_at = 0;
	if (left < 1)
		left = 1;
	for (i = 0; i < n; i++) {
		if (!p->legs[i].skipped)
			continue;
		p->legs[i].skipped = 0;
		log_msg(LOG_INFO, "server: %.200s from %s: trying hub %s after "
		    "all: the hubs tried have not taken the event", p->target,
		    p->client, s->cfg->hubs[i].url_shown);
		if (launch_leg(s, p, i, left) == 0)
			p->nfail--;
	}
}

/*
 * Put p's POSTs on the multi handle, one per hub, in parallel, bounded by
 * what is left of its HUB_TIMEOUT.  A slot (PUBLISH_MAX) is per event,
 * whatever the number of hubs.
 */
static void
launch(struct server *s, struct pub *p, int64_t now)
{
	static const struct hb_breaker_rule rule = {
		BREAKER_FAILURES, BREAKER_OPEN_S
	};
	struct hb_policy any = { HB_POLICY_ANY, 0 };
	unsigned char try[64];
	long left = (long)(p->deadline - now);
	unsigned n = (unsigned)s->cfg->nhubs;
	size_t i;

	if (left < 1)
		left = 1;	/* 0 would mean no limit at all */
	if (n > sizeof try)
		n = sizeof try;
	for (i = 0; i < n; i++)
		try[i] = n == 1 || hb_breaker_allow(&s->breakers[i], &rule,
		    (double)now / 1000.0);
	(void)hb_policy_plan(&any, n, try);
	for (i = 0; i < n; i++) {
		if (!try[i]) {
			p->legs[i].skipped = 1;
			p->nfail++;
			/* + 1: not before, whatever the rounding. */
			p->rescue_at = p->t0 + (int64_t)((double)
			    s->cfg->hub_timeout_ms * HB_POLICY_RESCUE_SHARE) + 1;
			log_msg(LOG_DEBUG, "server: %.200s from %s: hub %s "
			    "skipped (its breaker is open)", p->target,
			    p->client, s->cfg->hubs[i].url_shown);
			continue;
		}
		if (launch_leg(s, p, i, left) != 0)
			p->nfail++;
	}
	/* Late from the queue: half of its time may be gone already. */
	rescue(s, p, now);
	if (p->nlegs == 0) {
		s->m->server_failed++;
		conclude(s, p, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "not published: cannot start the transfer");
		return;
	}
	TAILQ_INSERT_HEAD(&s->flying, p, list);
	s->nflying++;
	publishing(s);
}

/*
 * Start the waiting publishes that have a slot now, and answer those whose
 * HUB_TIMEOUT passed while they waited.  The FIFO is in deadline order
 * (one HUB_TIMEOUT for all).
 */
static void
waiting_run(struct server *s, int64_t now)
{
	struct pub *p;
	char why[160];

	while ((p = TAILQ_FIRST(&s->waiting)) != NULL &&
	    (s->nflying - s->ntrailing < PUBLISH_MAX ||
	    now >= p->deadline)) {
		CHECK_OBJ(p, PUB_MAGIC);
		TAILQ_REMOVE(&s->waiting, p, list);
		s->nwaiting--;
		if (now < p->deadline) {
			launch(s, p, now);
			continue;
		}
		s->m->server_failed++;
		snprintf(why, sizeof why, "not published: the hub did not "
		    "answer within HUB_TIMEOUT (%lldms): %d publishes were "
		    "waiting for it", (long long)s->cfg->hub_timeout_ms,
		    PUBLISH_MAX);
		log_msg(LOG_WARN, "server: %.200s from %s answered 503: %s",
		    p->target, p->client, why);
		conclude(s, p, MHD_HTTP_SERVICE_UNAVAILABLE, why);
	}
	publishing(s);
}

/*
 * The body is complete: build the event, check it as the VMOD does, and
 * put its publish on the multi handle.  Either a response is queued now
 * (a refusal, a loop) or the connection is suspended until the hub
 * answers.
 */
static MHD_RESULT
publish_start(struct server *s, struct pub *p, struct MHD_Connection *conn,
    const char *method)
{
	const struct settings *c = s->cfg;
	struct hb_event ev;
	struct hb_target tg;
	struct hdr_walk w;
	char why[256], *json, eid[HB_EVENT_ID_LEN + 1];
	const char *host;
	size_t jlen = 0;
	int n;

	p->t0 = clock_ms();
	memset(&w, 0, sizeof w);
	n = MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL);
	w.max = n > 0 ? (size_t)n : 0;
	/* One allocation: the event's headers (and the guard), then all. */
	w.h = calloc(2 * w.max + 1, sizeof *w.h);
	if (w.h == NULL)
		return (MHD_NO);
	w.all = w.h + w.max + 1;
	(void)MHD_get_connection_values(conn, MHD_HEADER_KIND, hdr_collect,
	    &w);
	/* The contract the VMOD obeys too (varnishd enforces its part
	 * before a VMOD sees the request). */
	if (hb_request_check(w.all, w.nall, w.folded, why, sizeof why) != 0) {
		free(w.h);
		return (refuse(s, p, conn, method, MHD_HTTP_BAD_REQUEST,
		    "request cannot travel: %s", why));
	}
	/* Any guard, not only ours, as the VMOD: a replay must never go
	 * round again. */
	if (w.guard) {
		free(w.h);
		s->m->server_loops++;
		log_msg(LOG_INFO, "server: %s %.200s from %s not published: "
		    "it carries an " HB_GUARD_HEADER " header (a replay)",
		    method, p->target, p->client);
		p->state = P_DONE;
		return (respond(s, p, conn, MHD_HTTP_ACCEPTED, "not published: "
		    "the request carries an " HB_GUARD_HEADER " header"));
	}
	if (p->target == NULL || p->target[0] != '/') {
		free(w.h);
		return (refuse(s, p, conn, method, MHD_HTTP_BAD_REQUEST,
		    "request cannot travel: the request-target is not a "
		    "path (origin-form)"));
	}
	memset(&ev, 0, sizeof ev);
	if (hb_publish_target(&ev, p->target, &tg) != 0) {
		free(w.h);
		return (MHD_NO);
	}
	ev.method = method;
	host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");
	ev.host = host != NULL ? host : "";
	/* The loop guard, appended as the VMOD does. */
	w.h[w.n].name = HB_GUARD_HEADER;
	w.h[w.n].name_len = strlen(HB_GUARD_HEADER);
	w.h[w.n].value = c->hub_guard_token;
	w.h[w.n].value_len = strlen(c->hub_guard_token);
	ev.hdrs = w.h;
	ev.nhdrs = w.n + 1;
	ev.body = p->body;
	ev.body_len = p->body_len;
	/* Our own id of the event, in it and as the Mercure id: the same
	 * on every hub whatever id a hub gives it (as the VMOD does). */
	if (hb_event_id_new(eid) != 0) {
		hb_target_free(&tg);
		free(w.h);
		return (MHD_NO);
	}
	ev.event_id = eid;
	/* What a helper would refuse is refused here, as the VMOD does. */
	if (hb_event_check(&ev, why, sizeof why) != 0) {
		hb_target_free(&tg);
		free(w.h);
		return (refuse(s, p, conn, method, MHD_HTTP_BAD_REQUEST,
		    "request cannot travel: %s", why));
	}
	json = hb_event_encode(&ev, &jlen);
	hb_target_free(&tg);
	free(w.h);
	if (json == NULL)
		return (MHD_NO);
	if (jlen > c->hub_max_event_size) {
		free(json);
		return (refuse(s, p, conn, method,
		    HTTP_TOO_LARGE, "request cannot travel: its "
		    "event is %zu bytes, more than HUB_MAX_EVENT_SIZE (%zu)",
		    jlen, c->hub_max_event_size));
	}

	/* Private, as the VMOD's default: only subscribers granted the
	 * topic receive it. */
	p->form = hb_publish_form(s->form_prefix, json, jlen, eid, 1,
	    &p->flen);
	free(json);
	p->hdrs = p->form != NULL ? hb_publish_headers(auth_line(s)) : NULL;
	if (p->hdrs == NULL)
		return (MHD_NO);
	p->legs = calloc(c->nhubs, sizeof *p->legs);
	if (p->legs == NULL)
		return (MHD_NO);
	p->state = P_HUB;
	p->deadline = p->t0 + c->hub_timeout_ms;
	MHD_suspend_connection(conn);
	if (s->nflying - s->ntrailing < PUBLISH_MAX) {
		launch(s, p, p->t0);
	} else {
		TAILQ_INSERT_TAIL(&s->waiting, p, list);
		s->nwaiting++;
		publishing(s);
	}
	return (MHD_YES);
}

/*--------------------------------------------------------------------
 * MHD callbacks
 */

static void *
uri_log(void *priv, const char *uri, struct MHD_Connection *conn)
{
	struct pub *p;
	const union MHD_ConnectionInfo *ci;

	(void)priv;
	ALLOC_OBJ(p, PUB_MAGIC);
	if (p == NULL)
		return (NULL);
	p->target = strdup(uri != NULL ? uri : "");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	(void)addr_text(ci != NULL ? ci->client_addr : NULL, p->client,
	    sizeof p->client);
	return (p);
}

/* The bytes of bodies being received, all connections together. */
static size_t
bodies_max(const struct server *s)
{
	if (s->cfg->server_max_body > BODIES_MAX / 4)
		return (s->cfg->server_max_body * 4);
	return (BODIES_MAX);
}

static void
bodies_done(struct server *s, struct pub *p)
{
	if (!p->receiving)
		return;
	p->receiving = 0;
	s->bodies_held -= p->body_len;
}

static MHD_RESULT
answer(void *priv, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct server *s;
	struct pub *p;
	const union MHD_ConnectionInfo *ci;
	const char *origin, *cl;
	unsigned char *nb;
	size_t n;

	(void)url;
	(void)version;
	CAST_OBJ_NOTNULL(s, priv, SERVER_MAGIC);
	/* uri_log() made it: a pub, or NULL when memory was short. */
	CAST_OBJ(p, *con_cls, PUB_MAGIC);
	if (p == NULL || p->target == NULL)
		return (MHD_NO);	/* out of memory: close */
	switch (p->state) {
	case P_NEW:
		p->state = P_BODY;
		p->conn = conn;
		/* Checked at accept already (accept_some(), pending_run());
		 * checked again here, where the request is decided, so that
		 * no later way in can skip it. */
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci == NULL || !cidr_match(s->cfg->server_allowed,
		    s->cfg->server_nallowed, ci->client_addr))
			return (refuse(s, p, conn, method, MHD_HTTP_FORBIDDEN,
			    "%s may not publish (SERVER_ALLOWED_IPS)",
			    p->client));
		origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Origin");
		p->cors = cors_allow(s, origin);
		if (strcmp(method, "OPTIONS") == 0 && origin != NULL &&
		    s->cfg->server_cors_origins != NULL &&
		    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Access-Control-Request-Method") != NULL)
			return (preflight(s, p, conn, origin));
		if (!hb_list_has(s->cfg->server_allowed_methods,
		    s->cfg->server_allowed_methods +
		    strlen(s->cfg->server_allowed_methods), method))
			return (refuse(s, p, conn, method,
			    MHD_HTTP_METHOD_NOT_ALLOWED, "%.32s is not "
			    "published (SERVER_ALLOWED_METHODS=%s)", method,
			    s->cfg->server_allowed_methods));
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Content-Length");
		if (cl != NULL && strtoull(cl, NULL, 10) >
		    s->cfg->server_max_body)
			return (refuse(s, p, conn, method,
			    HTTP_TOO_LARGE, "the body is larger "
			    "than SERVER_MAX_BODY_SIZE (%zu bytes)",
			    s->cfg->server_max_body));
		return (MHD_YES);
	case P_BODY:
		if (*upload_data_size > 0) {
			n = *upload_data_size;
			*upload_data_size = 0;
			/* Chunked, or more than announced. */
			if (!p->too_busy &&
			    p->body_len + n > s->cfg->server_max_body)
				p->too_large = 1;
			if (!p->too_large && s->bodies_held + n > bodies_max(s))
				p->too_busy = 1;
			if (p->too_large || p->too_busy)
				return (MHD_YES);
			nb = realloc(p->body, p->body_len + n);
			if (nb == NULL)
				return (MHD_NO);
			memcpy(nb + p->body_len, upload_data, n);
			p->body = nb;
			p->body_len += n;
			p->receiving = 1;
			s->bodies_held += n;
			if (s->bodies_held >= BODIES_MAX / 4)
				s->trim_due = 1;
			return (MHD_YES);
		}
		bodies_done(s, p);
		if (p->too_large)
			return (refuse(s, p, conn, method,
			    HTTP_TOO_LARGE, "the body is larger "
			    "than SERVER_MAX_BODY_SIZE (%zu bytes)",
			    s->cfg->server_max_body));
		if (p->too_busy)
			return (refuse(s, p, conn, method,
			    MHD_HTTP_SERVICE_UNAVAILABLE, "too many request "
			    "bodies are being received at once: try again"));
		conn_received(s, conn);
		return (publish_start(s, p, conn, method));
	case P_HUB:
		return (MHD_YES);	/* not resumed yet */
	case P_DONE:
		if (p->answered) {
			/* Refused before the end of the body: the rest is
			 * not read (MHD closes the connection). */
			*upload_data_size = 0;
			return (MHD_YES);
		}
		return (respond(s, p, conn, p->code, p->msg));
	}
	return (MHD_NO);
}

static void
completed(void *priv, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct server *s;
	struct pub *p;

	CAST_OBJ_NOTNULL(s, priv, SERVER_MAGIC);
	CAST_OBJ(p, *con_cls, PUB_MAGIC);
	/* The next request of the connection has its own deadline. */
	conn_next(s, conn);
	if (p == NULL)
		return;
	/* Ended with an error before answer() saw it: libmicrohttpd 1.0
	 * answers 400 itself to what it cannot parse (a header name that is
	 * no token, two Host headers).  Refused all the same, and counted. */
	if (p->state == P_NEW && toe == MHD_REQUEST_TERMINATED_WITH_ERROR) {
		s->m->server_refused++;
		log_msg(LOG_INFO, "server: refused %.200s from %s: 400 "
		    "(libmicrohttpd could not parse the request)", p->target,
		    p->client);
	}
	bodies_done(s, p);
	/* Never while in flight: a suspended connection is not closed. */
	if (p->state == P_HUB)
		return;
	*con_cls = NULL;
	/* Answered while the other hubs' publishes go on: the last one to
	 * end frees it. */
	if (p->nlegs > 0) {
		p->orphan = 1;
		return;
	}
	pub_free(p);
}

static void
mhd_log(void *priv, const char *fmt, va_list ap)
{
	char line[512];
	size_t l;

	(void)priv;
	(void)vsnprintf(line, sizeof line, fmt, ap);
	l = strlen(line);
	while (l > 0 && line[l - 1] == '\n')
		line[--l] = '\0';
	log_msg(LOG_DEBUG, "server: %s", line);
}

/*--------------------------------------------------------------------
 * The hub's answer
 */

static void
unfly(struct server *s, struct pub *p)
{
	CHECK_OBJ_NOTNULL(p, PUB_MAGIC);
	TAILQ_REMOVE(&s->flying, p, list);
	s->nflying--;
	if (p->trailing) {
		p->trailing = 0;
		s->ntrailing--;
	}
	publishing(s);
}

/* Store the outcome and wake the connection up: answer() sends it. */
static void
conclude(struct server *s, struct pub *p, unsigned code, const char *msg)
{
	(void)s;
	if (p->concluded)
		return;
	p->concluded = 1;
	snprintf(p->msg, sizeof p->msg, "%s", msg);
	p->code = code;
	p->state = P_DONE;
	MHD_resume_connection(p->conn);
}

/*
 * With several hubs the answer is decided by the policy "any" (lib's
 * hb_policy): 202 as soon as one hub took the event, with that hub's id;
 * 503 once every hub failed.  The publishes to the other hubs go on
 * after the answer, to their end, and each failure is logged.
 */
/* A hub's publish ended: its breaker learns the outcome (several hubs). */
static void
breaker_note(struct server *s, size_t i, int ok)
{
	static const struct hb_breaker_rule rule = {
		BREAKER_FAILURES, BREAKER_OPEN_S
	};

	if (s->cfg->nhubs < 2)
		return;
	if (hb_breaker_done(&s->breakers[i], &rule, ok,
	    (double)clock_ms() / 1000.0))
		log_msg(LOG_WARN, "server: hub %s failed %u publishes in a "
		    "row: skipped for %.0fs, then tried by one publish",
		    s->cfg->hubs[i].url_shown, BREAKER_FAILURES,
		    BREAKER_OPEN_S);
}

static void
leg_outcome(struct server *s, struct pub *p, struct leg *l, CURLcode res,
    long status, int64_t took)
{
	struct hb_policy any = { HB_POLICY_ANY, 0 };
	const char *hub = "";
	char why[CURL_ERROR_SIZE + 256];
	unsigned n = (unsigned)s->cfg->nhubs;

	if (n > 1)
		hub = s->cfg->hubs[l - p->legs].url_shown;
	if (res == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, sizeof why, "not published: the hub%s%s did not "
		    "answer within HUB_TIMEOUT (%lldms)", n > 1 ? " " : "",
		    hub, (long long)s->cfg->hub_timeout_ms);
	} else if (res != CURLE_OK) {
		if (hb_curl_tls_failed(res, l->errbuf))
			s->m->hub_tls_failures++;
		snprintf(why, sizeof why, "not published: hub%s%s unreachable: "
		    "%s", n > 1 ? " " : "", hub, l->errbuf[0] != '\0' ?
		    l->errbuf : curl_easy_strerror(res));
	} else if (status < 200 || status > 299) {
		if (status == 401 || status == 403)
			s->m->hub_auth_refused++;
		snprintf(why, sizeof why, "not published: the hub%s%s answered "
		    "HTTP %ld%s", n > 1 ? " " : "", hub, status,
		    hb_hub_auth_why(status));
	} else {
		hb_publish_id_clean(&l->rep);
		breaker_note(s, (size_t)(l - p->legs), 1);
		p->nok++;
		log_msg(LOG_DEBUG, "server: published %.200s from %s: %s%sid=%s "
		    "status=%ld bytes=%zu time=%lldms", p->target, p->client,
		    hub, n > 1 ? " " : "", l->rep.buf, status, p->flen,
		    (long long)took);
		if (!p->concluded && hb_policy_met(&any, n, p->nok)) {
			s->m->server_published++;
			conclude(s, p, MHD_HTTP_ACCEPTED, l->rep.buf);
		}
		return;
	}
	breaker_note(s, (size_t)(l - p->legs), 0);
	p->nfail++;
	rescue(s, p, clock_ms());
	if (p->concluded || p->nfail < n) {
		/* Another hub took it, or may still. */
		log_msg(LOG_WARN, "server: %.200s from %s: %s (after %lldms)",
		    p->target, p->client, why, (long long)took);
		return;
	}
	s->m->server_failed++;
	log_msg(LOG_WARN, "server: %.200s from %s answered 503: %s "
	    "(after %lldms)", p->target, p->client, why, (long long)took);
	conclude(s, p, MHD_HTTP_SERVICE_UNAVAILABLE, why);
}

/*
 * More than PUBLISH_MAX answered publishes still wait for other hubs: end
 * the oldest one's POSTs (the list is newest first), as failures of their
 * hubs, which opens their breakers.
 */
static void
trim_trailing(struct server *s)
{
	struct pub *old;
	struct leg *l;
	size_t i;

	if (s->ntrailing <= PUBLISH_MAX)
		return;
	TAILQ_FOREACH_REVERSE(old, &s->flying, pub_list, list)
		if (old->trailing)
			break;
	if (old == NULL)
		return;
	for (i = 0; i < s->cfg->nhubs; i++) {
		l = &old->legs[i];
		if (l->easy == NULL)
			continue;
		(void)curl_multi_remove_handle(s->multi, l->easy);
		curl_easy_cleanup(l->easy);
		l->easy = NULL;
		old->nlegs--;
		breaker_note(s, i, 0);
		log_msg(LOG_WARN, "server: %.200s from %s: publish to hub %s "
		    "given up: %d answered publishes were waiting for other "
		    "hubs", old->target, old->client, s->cfg->hubs[i].url_shown,
		    PUBLISH_MAX);
	}
	unfly(s, old);
	if (old->orphan)
		pub_free(old);
}

int
server_finished(struct server *s, CURL *easy, CURLcode res)
{
	struct pub *p;
	struct leg *l = NULL;
	long status = 0;
	size_t i;

	if (s == NULL)
		return (0);
	CHECK_OBJ(s, SERVER_MAGIC);
	TAILQ_FOREACH(p, &s->flying, list) {
		CHECK_OBJ(p, PUB_MAGIC);
		for (i = 0; i < s->cfg->nhubs && p->legs[i].easy != easy; i++)
			continue;
		if (i < s->cfg->nhubs) {
			l = &p->legs[i];
			break;
		}
	}
	if (p == NULL || easy == NULL)
		return (0);
	(void)curl_multi_remove_handle(s->multi, easy);
	if (res == CURLE_OK)
		(void)curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	(void)curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, NULL);
	(void)curl_easy_setopt(easy, CURLOPT_HTTPHEADER, NULL);
	easy_put(s, easy);
	l->easy = NULL;
	p->nlegs--;
	leg_outcome(s, p, l, res, status, clock_ms() - p->t0);
	if (p->nlegs > 0) {
		if (p->concluded && !p->trailing) {
			p->trailing = 1;
			s->ntrailing++;
			trim_trailing(s);
		}
		return (1);
	}
	unfly(s, p);
	if (p->orphan)
		pub_free(p);
	return (1);
}

/*--------------------------------------------------------------------
 * Connections: accept, PROXY header, hand over to MHD
 *
 * Who may occupy a connection is decided before anything of it is read:
 * a client outside SERVER_ALLOWED_IPS is closed at accept (a trusted
 * peer's client as soon as its PROXY header is read), without an answer.
 * MHD's timeouts count idle time, so that a client sending a byte now and
 * then would keep its connection forever: the request must be all read
 * SERVER_READ_TIMEOUT after accept (after the previous request, on a
 * kept-alive connection), or its socket is shut down, and MHD closes it.
 */

/* The client address of a connection from a trusted peer. */
static int
trusted(const struct server *s, const struct sockaddr *peer)
{
	return (s->cfg->server_insecure ||
	    cidr_match(s->cfg->server_trusted, s->cfg->server_ntrusted, peer));
}

static int
ratelog_take(struct ratelog *rl, int64_t now, unsigned long *held)
{
	if (now < rl->next) {
		rl->held++;
		return (0);
	}
	*held = rl->held;
	rl->held = 0;
	rl->next = now + 1000;
	return (1);
}

/* A connection closed before MHD has it (fd closed when not -1): counted,
 * logged at a bounded rate. */
static void
conn_drop(struct server *s, struct ratelog *rl, int fd,
    const struct sockaddr *sa, const char *why)
{
	char host[64], more[64];
	unsigned long held;

	if (fd >= 0)
		close(fd);
	s->m->server_connections_refused++;
	if (!ratelog_take(rl, clock_ms(), &held))
		return;
	(void)addr_text(sa, host, sizeof host);
	more[0] = '\0';
	if (held > 0)
		snprintf(more, sizeof more, " (and %lu more like it since the "
		    "last line)", held);
	log_msg(LOG_INFO, "server: connection from %s closed at accept: %s%s",
	    host, why, more);
}

static void
hand_over(struct server *s, int fd, const struct sockaddr *sa,
    socklen_t len, int64_t accepted)
{
	char why[160];

	if (!cidr_match(s->cfg->server_allowed, s->cfg->server_nallowed, sa)) {
		conn_drop(s, &s->rl_allowed, fd, sa,
		    "not in SERVER_ALLOWED_IPS");
		return;
	}
	/* MHD closes fd itself when it cannot take it; over either of its
	 * limits, it says ENFILE. */
	s->accepted = accepted;
	if (MHD_add_connection(s->d, fd, sa, len) != MHD_YES) {
		if (errno == ENFILE)
			snprintf(why, sizeof why, "over SERVER_MAX_CONNECTIONS "
			    "(%ld) or SERVER_MAX_CONNECTIONS_PER_IP (%ld)",
			    s->cfg->server_max_connections,
			    s->cfg->server_max_per_ip);
		else
			snprintf(why, sizeof why, "%s", strerror(errno));
		conn_drop(s, &s->rl_full, -1, sa, why);
	}
	s->accepted = 0;
}

static struct conn *
conn_of(struct MHD_Connection *mc)
{
	const union MHD_ConnectionInfo *ci;
	struct conn *c;

	ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || ci->socket_context == NULL)
		return (NULL);
	/* notified() set it: a conn, or NULL when memory was short. */
	CAST_OBJ_NOTNULL(c, ci->socket_context, CONN_MAGIC);
	return (c);
}

static void
reading_del(struct server *s, struct conn *c)
{
	if (!c->reading)
		return;
	TAILQ_REMOVE(&s->reading, c, list);
	c->reading = 0;
}

/* Read until deadline: on the list, which is kept in deadline order
 * (nearly always by appending). */
static void
reading_add(struct server *s, struct conn *c, int64_t deadline)
{
	struct conn *o;

	reading_del(s, c);
	if (s->cfg->server_read_timeout_ms == 0)
		return;
	c->deadline = deadline;
	TAILQ_FOREACH_REVERSE(o, &s->reading, conn_list, list)
		if (o->deadline <= deadline)
			break;
	if (o == NULL)
		TAILQ_INSERT_HEAD(&s->reading, c, list);
	else
		TAILQ_INSERT_AFTER(&s->reading, o, c, list);
	c->reading = 1;
}

/* The request of mc is all read (or answered): no deadline while the hub
 * is asked and the answer is written. */
static void
conn_received(struct server *s, struct MHD_Connection *mc)
{
	struct conn *c = conn_of(mc);

	if (c != NULL) {
		reading_del(s, c);
		c->awaiting = 0;
	}
}

/* A request of mc is over: the next one must be read in time. */
static void
conn_next(struct server *s, struct MHD_Connection *mc)
{
	struct conn *c = conn_of(mc);

	if (c != NULL) {
		reading_add(s, c, clock_ms() + s->cfg->server_read_timeout_ms);
		c->awaiting = 1;
	}
}

static void
notified(void *priv, struct MHD_Connection *mc, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct server *s;
	const union MHD_ConnectionInfo *ci;
	struct epoll_event ev;
	struct conn *c;
	int64_t t0;

	CAST_OBJ_NOTNULL(s, priv, SERVER_MAGIC);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		s->nconns++;
		if (s->nconns >= TRIM_HIGH)
			s->trim_due = 1;
		ci = MHD_get_connection_info(mc,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		ALLOC_OBJ(c, CONN_MAGIC);
		if (c == NULL || ci == NULL) {
			/* MHD's idle timeout still applies. */
			log_msg(LOG_WARN, "server: out of memory: a connection "
			    "has no SERVER_READ_TIMEOUT deadline");
			free(c);
			return;
		}
		c->mc = mc;
		c->fd = ci->connect_fd;
		t0 = s->accepted != 0 ? s->accepted : clock_ms();
		reading_add(s, c, t0 + s->cfg->server_read_timeout_ms);
		c->awaiting = 1;
		/* A FIN already there is reported at once. */
		memset(&ev, 0, sizeof ev);
		ev.events = EPOLLRDHUP | EPOLLET;
		ev.data.ptr = c;
		if (epoll_ctl(s->hfd, EPOLL_CTL_ADD, c->fd, &ev) == 0)
			c->watched = 1;
		else
			log_msg(LOG_WARN, "server: epoll: %s: a client that "
			    "hangs up may be noticed by the timeouts only",
			    strerror(errno));
		*ctx = c;
		return;
	}
	s->nconns--;
	CAST_OBJ(c, *ctx, CONN_MAGIC);
	*ctx = NULL;
	if (c == NULL)
		return;
	reading_del(s, c);
	/* MHD closes the socket after this call: the watch goes first, so
	 * that no event of hfd names c once freed. */
	if (c->watched)
		(void)epoll_ctl(s->hfd, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->hungup)
		TAILQ_REMOVE(&s->hungup, c, hlist);
	FREE_OBJ(c);
}

/*
 * Clients that hang up half-way through a request.  MHD watches its
 * sockets edge-triggered, and a read shorter than its buffer tells it
 * the socket is drained: when the last request bytes and the client's
 * FIN come in one event, it reads the bytes, never the end that follows
 * them, and no second event comes (EPOLLRDHUP is not looked at: MHD's
 * MHD_epoll() in daemon.c and recv_param_adapter() in connection.c, from
 * 0.9.75 to 1.0.10 at least).  The connection then waits forever for a
 * request that cannot come unless a timeout ends it, and with
 * SERVER_READ_TIMEOUT=0 and SERVER_WRITE_TIMEOUT=0 none does: each such
 * client holds a descriptor for good (after a shortage of descriptors,
 * the clients that left meanwhile, all at once).
 *
 * So each socket is also in hfd, for EPOLLRDHUP alone.  A client whose
 * FIN came is closed when MHD waits for its request bytes (not while its
 * request is answered: a client may end its sending side after a whole
 * request) and has nothing left to read: MHD is idle (MHD_get_timeout()
 * is not 0, else data is pending in its buffers) and the socket has
 * nothing but the end (recv() with MSG_PEEK gives 0).  It is shut down,
 * as reading_expire() does, and MHD sees the end and closes it.
 */
static void
hungup_note(struct server *s)
{
	struct epoll_event ev[32];
	struct conn *c;
	int i, n;

	while ((n = epoll_wait(s->hfd, ev, 32, 0)) > 0) {
		for (i = 0; i < n; i++) {
			c = ev[i].data.ptr;
			assert(c != NULL && c->magic == CONN_MAGIC);
			if (c->hungup)
				continue;
			c->hungup = 1;
			TAILQ_INSERT_TAIL(&s->hungup, c, hlist);
		}
		if (n < 32)
			break;
	}
}

static void
hungup_close(struct server *s)
{
	MHD_UNSIGNED_LONG_LONG t;
	struct conn *c, *next;
	char b;

	if (TAILQ_EMPTY(&s->hungup) ||
	    (MHD_get_timeout(s->d, &t) == MHD_YES && t == 0))
		return;
	for (c = TAILQ_FIRST(&s->hungup); c != NULL; c = next) {
		next = TAILQ_NEXT(c, hlist);
		if (!c->awaiting ||
		    recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) != 0)
			continue;
		/* Off the list and out of hfd for good: MHD closes it
		 * (NOTIFY_CLOSED must not take it off the list again). */
		TAILQ_REMOVE(&s->hungup, c, hlist);
		c->hungup = 0;
		(void)epoll_ctl(s->hfd, EPOLL_CTL_DEL, c->fd, NULL);
		c->watched = 0;
		reading_del(s, c);
		(void)shutdown(c->fd, SHUT_RDWR);
	}
}

/* Requests not all read by their deadline: MHD has no call to close a
 * connection, so its socket is shut down; MHD sees the end and closes it
 * (NOTIFY_CLOSED frees c). */
static void
reading_expire(struct server *s, int64_t now)
{
	const union MHD_ConnectionInfo *ci;
	struct conn *c;
	unsigned long held;
	char host[64], more[64];

	while ((c = TAILQ_FIRST(&s->reading)) != NULL && c->deadline <= now) {
		reading_del(s, c);
		(void)shutdown(c->fd, SHUT_RDWR);
		s->m->server_read_timeouts++;
		if (!ratelog_take(&s->rl_timeout, now, &held))
			continue;
		ci = MHD_get_connection_info(c->mc,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		(void)addr_text(ci != NULL ? ci->client_addr : NULL, host,
		    sizeof host);
		more[0] = '\0';
		if (held > 0)
			snprintf(more, sizeof more, " (and %lu more since the "
			    "last line)", held);
		log_msg(LOG_INFO, "server: connection from %s closed: no "
		    "complete request within SERVER_READ_TIMEOUT (%lldms)%s",
		    host, (long long)s->cfg->server_read_timeout_ms, more);
	}
}

static void
pending_del(struct server *s, size_t i)
{
	s->pending[i] = s->pending[--s->npending];
}

/* Try the PROXY header of a pending connection: 1 when it is done with
 * (handed over or closed, out of the epoll set of the pending). */
static int
pending_try(struct server *s, struct pending *pd, int64_t now)
{
	unsigned char buf[PROXY_MAX];
	ssize_t n;
	int r;

	n = recv(pd->fd, buf, sizeof buf, MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		r = -1;
	else if (n <= 0)
		r = -3;				/* closed, or an error */
	else
		r = proxyproto_parse(buf, (size_t)n, &pd->peer, &pd->peerlen);
	if (r == -1 && now < pd->deadline)
		return (0);
	(void)epoll_ctl(s->pfd, EPOLL_CTL_DEL, pd->fd, NULL);
	if (r >= 0) {
		/* Take the header off; the rest is HTTP (or TLS). */
		if (r > 0 && recv(pd->fd, buf, (size_t)r, 0) != r) {
			close(pd->fd);
			return (1);
		}
		hand_over(s, pd->fd, (struct sockaddr *)&pd->peer, pd->peerlen,
		    pd->accepted);
		return (1);
	}
	if (r == -3) {
		close(pd->fd);
		return (1);
	}
	conn_drop(s, &s->rl_proxy, pd->fd, (struct sockaddr *)&pd->peer,
	    r == -1 ? "no complete PROXY header within 2s" :
	    "malformed PROXY protocol header");
	return (1);
}

/* The pending connections whose header came, and those out of time. */
static void
pending_run(struct server *s, int64_t now)
{
	struct epoll_event ev[32];
	size_t i;
	int j, n;

	/* Edge-triggered: each pending is looked at when bytes come, not at
	 * every turn while its header is incomplete. */
	while ((n = epoll_wait(s->pfd, ev, 32, 0)) > 0) {
		for (j = 0; j < n; j++)
			for (i = 0; i < s->npending; i++)
				if (s->pending[i].fd == ev[j].data.fd) {
					if (pending_try(s, &s->pending[i],
					    now))
						pending_del(s, i);
					break;
				}
		if (n < 32)
			break;
	}
	for (i = 0; i < s->npending;) {
		if (s->pending[i].deadline <= now &&
		    pending_try(s, &s->pending[i], now))
			pending_del(s, i);
		else
			i++;
	}
}

static void
pending_add(struct server *s, int fd, const struct sockaddr_storage *ss,
    socklen_t len, int64_t now)
{
	struct epoll_event ev;
	struct pending *pd;
	size_t i, old;

	if (s->npending >= PENDING_MAX) {
		/* Full of peers that send nothing: the oldest goes. */
		for (old = 0, i = 1; i < s->npending; i++)
			if (s->pending[i].deadline < s->pending[old].deadline)
				old = i;
		(void)epoll_ctl(s->pfd, EPOLL_CTL_DEL, s->pending[old].fd,
		    NULL);
		conn_drop(s, &s->rl_proxy, s->pending[old].fd,
		    (struct sockaddr *)&s->pending[old].peer,
		    "no PROXY header yet, and its place was needed");
		s->pending[old] = s->pending[--s->npending];
	}
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.fd = fd;
	if (epoll_ctl(s->pfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		conn_drop(s, &s->rl_proxy, fd, (const struct sockaddr *)ss,
		    strerror(errno));
		return;
	}
	pd = &s->pending[s->npending++];
	pd->fd = fd;
	pd->peer = *ss;
	pd->peerlen = len;
	pd->accepted = now;
	pd->deadline = now + PROXY_WAIT_MS;
	/* Its header may be there already. */
	if (pending_try(s, pd, now))
		pending_del(s, (size_t)(pd - s->pending));
}

/* accept() failed for lack of descriptors or memory: the listening
 * socket would stay readable, and each turn of the loop would fail
 * again.  The clients wait in the listen queue meanwhile. */
static void
accept_pause(struct server *s, int err, int64_t now)
{
	struct rlimit rl;

	s->m->server_accept_errors++;
	s->accept_failed++;
	if (s->accept_pause == 0) {
		if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
			rl.rlim_cur = 0;
		log_msg(LOG_WARN, "server: accept: %s: accepting paused "
		    "(SERVER_MAX_CONNECTIONS=%ld, %zu connections, open files "
		    "limit %llu)", strerror(err),
		    s->cfg->server_max_connections, s->nconns + s->npending,
		    (unsigned long long)rl.rlim_cur);
		s->accept_pause = ACCEPT_PAUSE_MS;
	} else if (s->accept_pause < ACCEPT_PAUSE_MAX_MS) {
		s->accept_pause *= 2;
		if (s->accept_pause > ACCEPT_PAUSE_MAX_MS)
			s->accept_pause = ACCEPT_PAUSE_MAX_MS;
	}
	s->accept_resume = now + s->accept_pause;
}

static void
accept_some(struct server *s, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t len;
	unsigned i;
	int fd;

	if (now < s->accept_resume)
		return;
	for (i = 0; i < ACCEPT_BURST && s->lfd >= 0; i++) {
		len = sizeof ss;
		fd = accept4(s->lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE ||
		    errno == ENOBUFS || errno == ENOMEM)) {
			accept_pause(s, errno, now);
			return;
		}
		/* The episode ends with a connection accepted (an empty
		 * queue says nothing of the descriptors). */
		if (fd >= 0 && s->accept_pause != 0) {
			log_msg(LOG_INFO, "server: accepting again, after %lu "
			    "failures", s->accept_failed);
			s->accept_pause = 0;
			s->accept_failed = 0;
		}
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_msg(LOG_WARN, "server: accept: %s",
				    strerror(errno));
			break;
		}
		if (trusted(s, (struct sockaddr *)&ss))
			pending_add(s, fd, &ss, len, now);
		else
			hand_over(s, fd, (struct sockaddr *)&ss, len, now);
	}
}

void
server_run(struct server *s)
{
	struct pub *p;
	int64_t now;

	if (s == NULL)
		return;
	CHECK_OBJ(s, SERVER_MAGIC);
	now = clock_ms();
	accept_some(s, now);
	waiting_run(s, now);
	TAILQ_FOREACH(p, &s->flying, list)
		if (p->rescue_at != 0 && now >= p->rescue_at)
			rescue(s, p, now);
	pending_run(s, now);
	reading_expire(s, now);
	hungup_note(s);
	(void)MHD_run(s->d);
	hungup_close(s);
	if (s->trim_due && s->nconns + s->npending <= TRIM_LOW &&
	    now >= s->trim_next) {
		s->trim_due = 0;
		s->trim_next = now + 1000;
		memory_return();
	}
}

unsigned
server_waitfds(struct server *s, struct curl_waitfd *fds, unsigned max,
    int64_t *timeout_ms)
{
	const union MHD_DaemonInfo *di;
	const struct pub *p;
	MHD_UNSIGNED_LONG_LONG t;
	unsigned n = 0;
	size_t i;
	int64_t now;

	if (s == NULL)
		return (0);
	CHECK_OBJ(s, SERVER_MAGIC);
	now = clock_ms();
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (di != NULL && n < max) {
		fds[n].fd = di->epoll_fd;
		fds[n].events = CURL_WAIT_POLLIN;
		fds[n].revents = 0;
		n++;
	}
	if (s->lfd >= 0 && now < s->accept_resume) {
		if (s->accept_resume - now < *timeout_ms)
			*timeout_ms = s->accept_resume - now;
	} else if (s->lfd >= 0 && n < max) {
		fds[n].fd = s->lfd;
		fds[n].events = CURL_WAIT_POLLIN;
		fds[n].revents = 0;
		n++;
	}
	if (n < max) {
		fds[n].fd = s->hfd;
		fds[n].events = CURL_WAIT_POLLIN;
		fds[n].revents = 0;
		n++;
	}
	if (s->npending > 0 && n < max) {
		fds[n].fd = s->pfd;
		fds[n].events = CURL_WAIT_POLLIN;
		fds[n].revents = 0;
		n++;
	}
	for (i = 0; i < s->npending; i++)
		if (s->pending[i].deadline - now < *timeout_ms)
			*timeout_ms = s->pending[i].deadline - now;
	if (!TAILQ_EMPTY(&s->reading) &&
	    TAILQ_FIRST(&s->reading)->deadline - now < *timeout_ms)
		*timeout_ms = TAILQ_FIRST(&s->reading)->deadline - now;
	p = TAILQ_FIRST(&s->waiting);
	if (p != NULL && p->deadline - now < *timeout_ms)
		*timeout_ms = p->deadline - now;
	TAILQ_FOREACH(p, &s->flying, list)
		if (p->rescue_at != 0 && !p->concluded &&
		    p->rescue_at - now < *timeout_ms)
			*timeout_ms = p->rescue_at > now ? p->rescue_at - now : 0;
	if (MHD_get_timeout(s->d, &t) == MHD_YES && (int64_t)t < *timeout_ms)
		*timeout_ms = (int64_t)t;
	return (n);
}

/*--------------------------------------------------------------------
 * Start and stop
 */

static char *
slurp(const char *path, char *err, size_t errlen, const char *setting)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0;
	long sz;

	f = fopen(path, "r");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 ||
	    sz > 1024 * 1024 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)sz + 1)) == NULL ||
	    (len = fread(buf, 1, (size_t)sz, f)) != (size_t)sz) {
		snprintf(err, errlen, "%s: cannot read %.200s: %s", setting,
		    path, errno != 0 ? strerror(errno) : "too large");
		free(buf);
		if (f != NULL)
			fclose(f);
		return (NULL);
	}
	fclose(f);
	buf[len] = '\0';
	return (buf);
}

/*
 * Each client takes a descriptor: the soft limit is raised to the hard
 * one, and a hard limit that cannot hold SERVER_MAX_CONNECTIONS refuses
 * the start (at run time, accept() would fail and pause).
 */
static int
raise_nofile(long want, char *err, size_t errlen)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)want + PENDING_MAX + NOFILE_OWN;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return (0);
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0 &&
		    getrlimit(RLIMIT_NOFILE, &rl) != 0)
			return (0);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		snprintf(err, errlen, "SERVER_MAX_CONNECTIONS: %ld connections "
		    "need %llu open files (%d for PROXY headers pending, %d "
		    "of the daemon's own), the limit is %llu: lower "
		    "SERVER_MAX_CONNECTIONS or raise the limit (LimitNOFILE= "
		    "of systemd, ulimit -n)", want, (unsigned long long)need,
		    PENDING_MAX, NOFILE_OWN, (unsigned long long)rl.rlim_cur);
		return (-1);
	}
	return (0);
}

static int
listen_on(struct server *s, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int any = 0, one = 1, zero = 0;

	if (addr_parse("SERVER_ADDR", addr, &ss, &any, err, errlen) != 0)
		return (-1);
	/* ":port" is every address, IPv6 and IPv4 alike, as Go's listener
	 * takes it: "::" with IPV6_V6ONLY off, where the host has IPv6. */
	if (any && ss.ss_family == AF_INET) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
		in_port_t port = ((struct sockaddr_in *)(void *)&ss)->sin_port;

		s->lfd = socket(AF_INET6, SOCK_STREAM, 0);
		if (s->lfd >= 0) {
			close(s->lfd);
			memset(&ss, 0, sizeof ss);
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = in6addr_any;
			s6->sin6_port = port;
		}
	}
	len = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	s->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (s->lfd < 0 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
	    (ss.ss_family == AF_INET6 && any && setsockopt(s->lfd,
	    IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero)) ||
	    bind(s->lfd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(s->lfd, 1024) != 0 ||
	    getsockname(s->lfd, (struct sockaddr *)&ss, &len) != 0) {
		snprintf(err, errlen, "SERVER_ADDR: cannot listen on %.64s: %s",
		    addr, strerror(errno));
		return (-1);
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)(void *)&ss)->sin6_port :
	    ((struct sockaddr_in *)(void *)&ss)->sin_port);
	return (0);
}

/* The owner of the publishes' transfers (main.c dispatches to it). */
static void
server_done(void *priv, CURL *easy, CURLcode res)
{

	(void)server_finished(priv, easy, res);
}

struct server *
server_start(CURLM *multi, const struct settings *cfg, struct metrics *m,
    char *err, size_t errlen)
{
	struct server *s;
	unsigned flags, timeout_s;
	int64_t t;

	ALLOC_OBJ(s, SERVER_MAGIC);
	if (s == NULL) {
		snprintf(err, errlen, "SERVER_ADDR: out of memory");
		return (NULL);
	}
	s->lfd = -1;
	transfer_owner_init(&s->owner, server_done, s);
	TAILQ_INIT(&s->flying);
	TAILQ_INIT(&s->waiting);
	TAILQ_INIT(&s->reading);
	TAILQ_INIT(&s->hungup);
	s->pfd = epoll_create1(EPOLL_CLOEXEC);
	s->hfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->pfd < 0 || s->hfd < 0) {
		snprintf(err, errlen, "SERVER_ADDR: epoll: %s", strerror(errno));
		if (s->pfd >= 0)
			close(s->pfd);
		if (s->hfd >= 0)
			close(s->hfd);
		FREE_OBJ(s);
		return (NULL);
	}
	s->breakers = calloc(cfg->nhubs, sizeof *s->breakers);
	if (s->breakers == NULL) {
		close(s->pfd);
		close(s->hfd);
		FREE_OBJ(s);
		snprintf(err, errlen, "SERVER_ADDR: out of memory");
		return (NULL);
	}
	s->cfg = cfg;
	s->m = m;
	s->multi = multi;
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
	    MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG;
	if (cfg->server_tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "SERVER_TLS_CERT_FILE: this "
			    "libmicrohttpd has no TLS support: terminate TLS in "
			    "front (hitch or haproxy, sending PROXY to "
			    "SERVER_ADDR on loopback with SERVER_TRUSTED_IPS)");
			goto fail;
		}
		s->tls_cert = slurp(cfg->server_tls_cert, err, errlen,
		    "SERVER_TLS_CERT_FILE");
		if (s->tls_cert == NULL)
			goto fail;
		s->tls_key = slurp(cfg->server_tls_key, err, errlen,
		    "SERVER_TLS_KEY_FILE");
		if (s->tls_key == NULL)
			goto fail;
		flags |= MHD_USE_TLS;
	}
	s->form_prefix = hb_publish_form_prefix(cfg->hub_topic);
	if (cfg->hub_publish_token != NULL)
		s->auth = hb_bearer_header(cfg->hub_publish_token);
	if (s->form_prefix == NULL ||
	    (cfg->hub_publish_token != NULL && s->auth == NULL)) {
		snprintf(err, errlen, "SERVER_ADDR: out of memory");
		goto fail;
	}
	if (raise_nofile(cfg->server_max_connections, err, errlen) != 0 ||
	    listen_on(s, cfg->server_addr, err, errlen) != 0)
		goto fail;
	/* MHD has one idle timeout per connection, in seconds: the smaller
	 * of the two, rounded up.  SERVER_READ_TIMEOUT is also a deadline
	 * from accept (reading_expire()). */
	t = cfg->server_read_timeout_ms;
	if (t == 0 || (cfg->server_write_timeout_ms != 0 &&
	    cfg->server_write_timeout_ms < t))
		t = cfg->server_write_timeout_ms;
	timeout_s = (unsigned)((t + 999) / 1000);
	/* Without TLS, the option list ends before the certificate. */
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->server_max_connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)cfg->server_max_per_ip,
	    MHD_OPTION_NOTIFY_CONNECTION, notified, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, timeout_s,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    s->tls_cert != NULL ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END,
	    s->tls_cert,
	    MHD_OPTION_HTTPS_MEM_KEY, s->tls_key,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, errlen, "SERVER_ADDR: cannot start the HTTP "
		    "server%s", s->tls_cert != NULL ? " (is the TLS "
		    "certificate or key invalid?)" : "");
		goto fail;
	}
	return (s);
  fail:
	server_free(s);
	return (NULL);
}

unsigned
server_port(const struct server *s)
{
	CHECK_OBJ_NOTNULL(s, SERVER_MAGIC);
	return (s->port);
}

size_t
server_inflight(const struct server *s)
{
	CHECK_OBJ_ORNULL(s, SERVER_MAGIC);
	return (s != NULL ? s->nflying + s->nwaiting : 0);
}

void
server_stop_accepting(struct server *s)
{
	int fd;

	if (s == NULL)
		return;
	CHECK_OBJ(s, SERVER_MAGIC);
	if (s->lfd >= 0)
		close(s->lfd);
	s->lfd = -1;
	while (s->npending > 0) {
		fd = s->pending[s->npending - 1].fd;
		pending_del(s, s->npending - 1);
		close(fd);
	}
}

void
server_free(struct server *s)
{
	struct pub *p;
	size_t i;

	if (s == NULL)
		return;
	server_stop_accepting(s);
	/* MHD must not be stopped with suspended connections: answer them
	 * first. */
	while ((p = TAILQ_FIRST(&s->flying)) != NULL) {
		unfly(s, p);
		for (i = 0; i < s->cfg->nhubs; i++) {
			if (p->legs[i].easy == NULL)
				continue;
			(void)curl_multi_remove_handle(s->multi,
			    p->legs[i].easy);
			curl_easy_cleanup(p->legs[i].easy);
			p->legs[i].easy = NULL;
		}
		p->nlegs = 0;
		if (p->orphan) {
			pub_free(p);
			continue;
		}
		if (!p->concluded)
			s->m->server_failed++;
		conclude(s, p, MHD_HTTP_SERVICE_UNAVAILABLE, "not published: "
		    "the daemon is stopping");
	}
	while ((p = TAILQ_FIRST(&s->waiting)) != NULL) {
		TAILQ_REMOVE(&s->waiting, p, list);
		s->nwaiting--;
		s->m->server_failed++;
		conclude(s, p, MHD_HTTP_SERVICE_UNAVAILABLE, "not published: "
		    "the daemon is stopping");
	}
	if (s->d != NULL) {
		(void)MHD_run(s->d);
		MHD_stop_daemon(s->d);
	}
	while (s->npool > 0)
		curl_easy_cleanup(s->pool[--s->npool]);
	free(s->form_prefix);
	hb_bearer_free(s->auth);
	hb_bearer_free(s->minted);
	if (s->tls_key != NULL)
		explicit_bzero(s->tls_key, strlen(s->tls_key));
	free(s->tls_key);
	free(s->tls_cert);
	free(s->breakers);
	if (s->pfd >= 0)
		close(s->pfd);
	if (s->hfd >= 0)
		close(s->hfd);
	FREE_OBJ(s);
}
