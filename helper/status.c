/*
 * status: /healthz, /metrics, and with REPORT_LISTEN=1 /events/<id> and
 * /fleet.  See status.h.
 *
 * A request for /events/<id> with a wait that cannot be answered yet is
 * suspended (libmicrohttpd's suspend/resume): the loop goes on, and the
 * waiting requests are looked at again when the fleet changed (its
 * generation; at most every RECHECK_MS, since every report changes it)
 * and when the nearest of their deadlines (or Settled) comes.
 */

#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "addr.h"
#include "clock.h"
#include "cursor.h"
#include "fleet.h"
#include "hb_utf8.h"
#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "status.h"

/* Requests waiting at once for /events/<id>; more are answered 503. */
#define MAX_WAITERS		256
#define MAX_CONNECTIONS		16
#define WAIT_MAX_MS		300000
#define METRICS_BUF		65536
#define JSON_TYPE		"application/json"
/* Waiting requests are checked at most this often on the fleet's
 * changes: a flood of reports does not make each one a pass over them. */
#define RECHECK_MS		100
/* At a stop, how long the answers of the waiting requests may take to be
 * sent before the listener closes. */
#define STOP_ANSWER_MS		1000

/* A request for /events/<id> that waits; its answer once decided. */
struct waiter {
	struct MHD_Connection	*conn;
	char			*id;
	int64_t			deadline;
	int			done;
	unsigned		code;
	char			*body;
	struct waiter		*prev, *next;	/* while suspended */
};

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

struct status {
	struct MHD_Daemon	*d;
	const struct metrics	*m;
	int			agent;	/* the agent role runs */
	struct fleet		*fleet;	/* NULL: REPORT_LISTEN=0 */
	struct waiter		*waiters;
	unsigned		nwaiters;
	unsigned		nanswering;	/* resumed, not yet sent */
	uint64_t		gen_seen;
	int64_t			next_check, last_check;
};

/*
 * Several hubs: healthy (200) while at least one delivers (subscribed,
 * not stalled).  The first line is "ok" when all do, "degraded" when only
 * some do, else "not subscribed"; then one line per hub.
 */
static const char *
health_hubs(const struct metrics *m, char *buf, size_t len, unsigned *code)
{
	size_t i, good = 0, used = 0;
	const struct hub_metrics *h;
	int n;

	for (i = 0; i < m->nhubs; i++)
		good += m->hubs[i].connected && !m->hubs[i].stalled;
	n = snprintf(buf, len, "%s\n", good == m->nhubs ? "ok" : good > 0 ?
	    "degraded" : "not subscribed");
	for (i = 0; n > 0 && i < m->nhubs; i++) {
		used += (size_t)n;
		if (used >= len)
			break;
		h = &m->hubs[i];
		n = snprintf(buf + used, len - used, "hub %s %s\n", h->name,
		    h->stalled ? "stalled" : h->connected ? "ok" :
		    "not subscribed");
	}
	*code = good > 0 ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE;
	return (buf);
}

static MHD_RESULT
reply(struct MHD_Connection *conn, unsigned code, const char *ctype,
    const char *body)
{
	struct MHD_Response *resp;
	MHD_RESULT ret;

	if (body == NULL) {
		body = "out of memory\n";
		code = MHD_HTTP_INTERNAL_SERVER_ERROR;
		ctype = "text/plain; charset=utf-8";
	}
	resp = MHD_create_response_from_buffer(strlen(body),
	    (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return (MHD_NO);
	(void)MHD_add_response_header(resp, "Content-Type", ctype);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return (ret);
}

/* A JSON answer made here (errors): {"Status": ..., "Why": ...}. */
static MHD_RESULT
reply_why(struct MHD_Connection *conn, unsigned code, const char *status,
    const char *why)
{
	char body[512];
	const char *q;
	size_t o;

	/* The reasons are ours: only a quote would need escaping. */
	o = (size_t)snprintf(body, sizeof body, "{\"Status\":\"%s\",\"Why\":\"",
	    status);
	for (q = why; *q != '\0' && o + 8 < sizeof body; q++)
		body[o++] = *q == '"' ? '\'' : *q;
	snprintf(body + o, sizeof body - o, "\"}");
	return (reply(conn, code, JSON_TYPE, body));
}

/* The Prometheus text, in a buffer as large as it needs (per-node series
 * of a large fleet do not fit a fixed one).  malloc'ed, or NULL. */
static char *
metrics_body(const struct status *st)
{
	size_t cap = METRICS_BUF, used;
	char *buf = NULL, *nb;
	int n, k;

	for (;;) {
		nb = realloc(buf, cap);
		if (nb == NULL) {
			free(buf);
			return (NULL);
		}
		buf = nb;
		n = metrics_text(st->m, buf, cap);
		if (n < 0)
			break;
		used = (size_t)n;
		k = 0;
		if (used < cap && st->fleet != NULL)
			k = fleet_metrics_text(st->fleet, clock_ms(),
			    buf + used, cap - used);
		if (k < 0)
			break;
		used += (size_t)k;
		if (used < cap)
			return (buf);
		cap = used + 1;
	}
	free(buf);
	return (NULL);
}

static MHD_RESULT
answer_fleet(struct status *st, struct MHD_Connection *conn)
{
	MHD_RESULT r;
	char *body;

	if (st->fleet == NULL)
		return (reply_why(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", "this node does not listen to the reports "
		    "(REPORT_LISTEN=0)"));
	body = fleet_json(st->fleet, clock_ms());
	r = reply(conn, MHD_HTTP_OK, JSON_TYPE, body);
	free(body);
	return (r);
}

static MHD_RESULT
answer_now(struct status *st, struct MHD_Connection *conn, const char *id)
{
	MHD_RESULT r;
	unsigned code;
	char *body;

	code = fleet_event(st->fleet, id, clock_ms(), &body);
	r = reply(conn, code, JSON_TYPE, body);
	free(body);
	return (r);
}

/* GET /events/<id>?wait=<duration> */
static MHD_RESULT
answer_event(struct status *st, struct MHD_Connection *conn, const char *id,
    void **con_cls)
{
	struct waiter *w;
	const char *v;
	int64_t wait = 0, settled;
	unsigned code;

	if (st->fleet == NULL)
		return (reply_why(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", "this node does not listen to the reports "
		    "(REPORT_LISTEN=0)"));
	/* Not UTF-8: no JSON answer could name it. */
	if (cursor_id_check(id) != NULL || !hb_utf8_valid(id, strlen(id)))
		return (reply_why(conn, MHD_HTTP_BAD_REQUEST, "bad request",
		    "not an event id"));
	v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "wait");
	if (v != NULL && (settings_parse_duration(v, &wait) != 0 ||
	    wait > WAIT_MAX_MS))
		return (reply_why(conn, MHD_HTTP_BAD_REQUEST, "bad request",
		    "wait is not a duration of at most 5m (e.g. 5s, 500ms)"));
	code = fleet_event(st->fleet, id, clock_ms(), NULL);
	if (wait == 0 || code == MHD_HTTP_OK || code == MHD_HTTP_BAD_GATEWAY)
		return (answer_now(st, conn, id));
	if (st->nwaiters >= MAX_WAITERS)
		return (reply_why(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", "too many requests waiting (256): ask "
		    "again, or without wait"));
	w = calloc(1, sizeof *w);
	if (w == NULL || (w->id = strdup(id)) == NULL) {
		free(w);
		return (MHD_NO);
	}
	w->conn = conn;
	w->deadline = clock_ms() + wait;
	w->next = st->waiters;
	if (w->next != NULL)
		w->next->prev = w;
	st->waiters = w;
	st->nwaiters++;
	settled = fleet_settled_at(st->fleet);
	if (w->deadline < st->next_check)
		st->next_check = w->deadline;
	/* Settled may turn a 202 into a 200 with no report coming. */
	if (settled > clock_ms() && settled < st->next_check)
		st->next_check = settled;
	*con_cls = w;
	log_msg(LOG_DEBUG, "/events/%s waits up to %lldms", id,
	    (long long)wait);
	MHD_suspend_connection(conn);
	return (MHD_YES);
}

static MHD_RESULT
answer(void *priv, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct status *st = priv;
	struct waiter *w = *con_cls;
	char buf[4096], *mbody;
	const char *body, *ctype = "text/plain; charset=utf-8";
	unsigned code = MHD_HTTP_OK;
	MHD_RESULT ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	if (w != NULL) {
		/* Resumed: its answer is decided. */
		return (reply(conn, w->code, JSON_TYPE, w->body));
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		body = "method not allowed\n";
		code = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/healthz") == 0 && !st->agent) {
		/* Server mode only: answering is being healthy. */
		body = "ok\n";
	} else if (strcmp(url, "/healthz") == 0 && st->m->nhubs > 1) {
		body = health_hubs(st->m, buf, sizeof buf, &code);
	} else if (strcmp(url, "/healthz") == 0) {
		body = st->m->stalled ? "stalled\n" : st->m->connected ?
		    "ok\n" : "not subscribed\n";
		code = st->m->connected && !st->m->stalled ? MHD_HTTP_OK :
		    MHD_HTTP_SERVICE_UNAVAILABLE;
	} else if (strcmp(url, "/metrics") == 0) {
		mbody = metrics_body(st);
		ret = reply(conn, code,
		    "text/plain; version=0.0.4; charset=utf-8", mbody);
		free(mbody);
		return (ret);
	} else if (strncmp(url, "/events/", 8) == 0) {
		return (answer_event(st, conn, url + 8, con_cls));
	} else if (strcmp(url, "/fleet") == 0) {
		return (answer_fleet(st, conn));
	} else {
		body = "not found\n";
		code = MHD_HTTP_NOT_FOUND;
	}
	return (reply(conn, code, ctype, body));
}

static void
unlink_waiter(struct status *st, struct waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		st->waiters = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
	st->nwaiters--;
}

static void
completed(void *priv, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct status *st = priv;
	struct waiter *w = *con_cls;

	(void)conn;
	(void)toe;
	if (w == NULL)
		return;
	/* Ended before its answer (a timeout, an error, MHD quiescing): no
	 * later check may resume its freed connection. */
	if (!w->done)
		unlink_waiter(st, w);
	else
		st->nanswering--;
	*con_cls = NULL;
	free(w->body);
	free(w->id);
	free(w);
}

/* Decide a waiter's answer and wake its connection up. */
static void
conclude(struct status *st, struct waiter *w, unsigned code, char *body)
{
	unlink_waiter(st, w);
	w->done = 1;
	w->code = code;
	w->body = body;
	st->nanswering++;
	MHD_resume_connection(w->conn);
}

int64_t
status_tick(struct status *st, int64_t now)
{
	struct waiter *w, *next;
	int64_t settled, t;
	uint64_t gen;
	unsigned code;
	char *body;
	int woke = 0;

	if (st == NULL || st->waiters == NULL)
		return (INT64_MAX);
	gen = fleet_generation(st->fleet);
	if (now < st->next_check && gen == st->gen_seen)
		return (st->next_check);
	if (now < st->next_check && now - st->last_check < RECHECK_MS)
		return (st->last_check + RECHECK_MS < st->next_check ?
		    st->last_check + RECHECK_MS : st->next_check);
	st->gen_seen = gen;
	st->last_check = now;
	st->next_check = INT64_MAX;
	settled = fleet_settled_at(st->fleet);
	for (w = st->waiters; w != NULL; w = next) {
		next = w->next;
		code = fleet_event(st->fleet, w->id, now, NULL);
		if (code == MHD_HTTP_OK || code == MHD_HTTP_BAD_GATEWAY ||
		    now >= w->deadline) {
			code = fleet_event(st->fleet, w->id, now, &body);
			conclude(st, w, code, body);
			woke = 1;
			continue;
		}
		t = settled > now && settled < w->deadline ? settled :
		    w->deadline;
		if (t < st->next_check)
			st->next_check = t;
	}
	/* A resumed connection is served by the next MHD_run(): now. */
	return (woke ? now : st->next_check);
}

void
status_fleet(struct status *st, struct fleet *f)
{
	if (st != NULL)
		st->fleet = f;
}

struct status *
status_start(const char *addr, const struct metrics *m, int agent,
    char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct status *st;
	unsigned flags = MHD_NO_FLAG;

	memset(&ss, 0, sizeof ss);
	if (addr_parse("STATUS_ADDR", addr, &ss, NULL, err, errlen) != 0)
		return (NULL);
	st = calloc(1, sizeof *st);
	if (st == NULL) {
		snprintf(err, errlen, "STATUS_ADDR: out of memory");
		return (NULL);
	}
	st->m = m;
	st->agent = agent;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* No thread flag: driven by the main loop.  Epoll, not select: in
	 * server mode the daemon may hold more descriptors than an fd_set
	 * can name, and this listener's would be among them. */
	flags |= MHD_USE_EPOLL;
	/* Suspended: the requests that wait for an event's outcome. */
	flags |= MHD_ALLOW_SUSPEND_RESUME;
	st->next_check = INT64_MAX;
	st->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, st,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(MAX_CONNECTIONS + MAX_WAITERS),
	    MHD_OPTION_NOTIFY_COMPLETED, completed, st,
	    MHD_OPTION_CONNECTION_TIMEOUT, 10u,
	    MHD_OPTION_END);
	if (st->d == NULL) {
		snprintf(err, errlen, "STATUS_ADDR: cannot listen on %.64s",
		    addr);
		free(st);
		return (NULL);
	}
	return (st);
}

unsigned
status_port(const struct status *st)
{
	const union MHD_DaemonInfo *i;

	i = MHD_get_daemon_info(st->d, MHD_DAEMON_INFO_BIND_PORT);
	return (i != NULL ? i->port : 0);
}

void
status_stop(struct status *st)
{
	const union MHD_DaemonInfo *di;
	struct pollfd pfd;
	int64_t end;

	if (st == NULL)
		return;
	/* MHD must not be stopped with suspended connections. */
	while (st->waiters != NULL)
		conclude(st, st->waiters, MHD_HTTP_SERVICE_UNAVAILABLE,
		    strdup("{\"Status\":\"unavailable\",\"Why\":\"the "
		    "daemon is stopping\"}"));
	/* Their answers go out (a bounded while) before the listener
	 * closes: a waiting client learns why, its connection is not cut. */
	di = MHD_get_daemon_info(st->d, MHD_DAEMON_INFO_EPOLL_FD);
	end = clock_ms() + STOP_ANSWER_MS;
	for (;;) {
		(void)MHD_run(st->d);
		if (st->nanswering == 0 || di == NULL || clock_ms() >= end)
			break;
		pfd.fd = di->epoll_fd;
		pfd.events = POLLIN;
		(void)poll(&pfd, 1, 10);
	}
	MHD_stop_daemon(st->d);
	free(st);
}

unsigned
status_waitfds(struct status *st, struct curl_waitfd *fds, unsigned max,
    int64_t *timeout_ms)
{
	const union MHD_DaemonInfo *di;
	MHD_UNSIGNED_LONG_LONG t;

	if (st == NULL || max == 0)
		return (0);
	/* One descriptor for every socket of the listener. */
	di = MHD_get_daemon_info(st->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL)
		return (0);
	fds[0].fd = di->epoll_fd;
	fds[0].events = CURL_WAIT_POLLIN;
	fds[0].revents = 0;
	if (MHD_get_timeout(st->d, &t) == MHD_YES && (int64_t)t < *timeout_ms)
		*timeout_ms = (int64_t)t;
	return (1);
}

void
status_run(struct status *st)
{
	if (st != NULL)
		(void)MHD_run(st->d);
}
