/*
 * status: /healthz, /metrics, and with REPORT_LISTEN=1 /events/<id> and
 * /fleet.  See status.h.
 *
 * Who may occupy a connection is decided when it is accepted, before
 * anything is read: an address of STATUS_ALLOWED_IPS.  What an allowed
 * client may hold is bounded, so that /healthz and /metrics always find
 * room:
 * - A request for /events/<id> with a wait that cannot be answered yet is
 *   suspended (libmicrohttpd's suspend/resume): the loop goes on.  It
 *   holds one of MAX_WAITERS rooms until its answer is sent; more are
 *   answered 503.  MHD does not look at a suspended connection, so its
 *   socket is watched here for a hang-up (EPOLLRDHUP): a client that went
 *   away frees its room at once.
 * - Every other connection (reading its request, being answered, idle
 *   between requests) is loose: at most MAX_LOOSE, checked at accept;
 *   past it, the oldest of the address that holds the most is closed (a
 *   flood from one address takes its own room, not a probe's).  A loose or answering connection
 *   is closed LOOSE_MS after it began (accepted, or its last answer
 *   sent), however slowly it trickles; MHD closes one idle for 10 s.
 * The waiting requests are looked at again when the fleet changed (its
 * generation; at most every RECHECK_MS, since every report changes it)
 * and when the nearest of their deadlines (or Settled) comes.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "addr.h"
#include "cidr.h"
#include "clock.h"
#include "eventid.h"
#include "hb_miniobj.h"
#include "reports/fleet.h"
#include "hb_utf8.h"
#include "hb_vsb.h"
#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "status.h"

/* Requests waiting at once for /events/<id>; more are answered 503. */
#define MAX_WAITERS		256
/* Connections not waiting for an event, at once. */
#define MAX_LOOSE		64
/* Longest life of a loose or answering connection's current turn:
 * longer than MHD's idle timeout (CONNECTION_TIMEOUT_S), so that an idle
 * connection ends there, uncounted, and only a trickling one here. */
#define LOOSE_MS		15000
#define CONNECTION_TIMEOUT_S	10u
/* MHD's own limit, above ours: a connection closed here to make room
 * counts there until MHD has seen it end. */
#define MAX_CONNECTIONS		(MAX_WAITERS + MAX_LOOSE + 32)
#define WAIT_MAX_MS		300000
#define METRICS_BUF		65536
#define JSON_TYPE		"application/json"
/* Waiting requests are checked at most this often on the fleet's
 * changes: a flood of reports does not make each one a pass over them. */
#define RECHECK_MS		100
/* At a stop, how long the answers of the waiting requests may take to be
 * sent before the listener closes. */
#define STOP_ANSWER_MS		1000
/* Refused connections are logged at info at most this often, at debug
 * otherwise: a flood of them does not flood the log. */
#define REFUSED_LOG_MS		60000

enum sc_state {
	SC_NEW,		/* on no list yet */
	SC_LOOSE,	/* reading a request, answered at once, or idle */
	SC_WAITING,	/* suspended: its request waits for an event */
	SC_ANSWERING,	/* resumed with its answer, not yet sent */
	SC_CLOSING,	/* shut down here: MHD closes it once it sees so */
};

/* One connection of the listener (MHD's socket context). */
struct sconn {
	unsigned		magic;
#define SCONN_MAGIC		0x57a7c0e1
	struct MHD_Connection	*conn;
	int			fd;
	unsigned char		peer[16];	/* IPv4 as ::ffff:a.b.c.d */
	enum sc_state		state;
	int64_t			since;	/* when its state began */
	/* Its request for /events/<id> (WAITING, ANSWERING). */
	char			*id;
	int64_t			deadline;
	unsigned		code;
	char			*body;
	TAILQ_ENTRY(sconn)	list;	/* its state's */
};

TAILQ_HEAD(sconn_list, sconn);

#define CHECK_SCONN(sc)	CHECK_OBJ_NOTNULL((sc), SCONN_MAGIC)

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

struct status {
	unsigned		magic;
#define STATUS_MAGIC		0x5747a7c5
	struct MHD_Daemon	*d;
	struct metrics		*m;
	int			agent;	/* the agent role runs */
	const struct cidr	*allowed;	/* STATUS_ALLOWED_IPS */
	size_t			nallowed;
	struct fleet		*fleet;	/* NULL: REPORT_LISTEN=0 */
	int			gonefd;	/* epoll: the waiting sockets */
	/* loose and answering: oldest first */
	struct sconn_list	loose, waiting, answering;
	unsigned		nloose, nwaiting, nanswering;
	uint64_t		gen_seen;
	int64_t			next_check, last_check;
	int64_t			refused_logged;
};

/* Take sc off its state's list. */
static void
sc_leave(struct status *st, struct sconn *sc)
{
	switch (sc->state) {
	case SC_LOOSE:
		TAILQ_REMOVE(&st->loose, sc, list);
		st->nloose--;
		break;
	case SC_WAITING:
		/* Resumed, MHD reads it again: no longer watched here. */
		(void)epoll_ctl(st->gonefd, EPOLL_CTL_DEL, sc->fd, NULL);
		TAILQ_REMOVE(&st->waiting, sc, list);
		st->nwaiting--;
		break;
	case SC_ANSWERING:
		TAILQ_REMOVE(&st->answering, sc, list);
		st->nanswering--;
		break;
	case SC_NEW:
	case SC_CLOSING:
		break;
	}
	sc->state = SC_CLOSING;
}

static void
sc_enter(struct status *st, struct sconn *sc, enum sc_state state,
    int64_t now)
{
	sc_leave(st, sc);
	sc->state = state;
	sc->since = now;
	switch (state) {
	case SC_LOOSE:
		TAILQ_INSERT_TAIL(&st->loose, sc, list);
		st->nloose++;
		break;
	case SC_WAITING:
		TAILQ_INSERT_TAIL(&st->waiting, sc, list);
		st->nwaiting++;
		break;
	case SC_ANSWERING:
		TAILQ_INSERT_TAIL(&st->answering, sc, list);
		st->nanswering++;
		break;
	case SC_NEW:
	case SC_CLOSING:
		break;
	}
}

/* End a connection from here: MHD sees its socket end and closes it (a
 * suspended one once resumed). */
static void
sc_shut(struct status *st, struct sconn *sc)
{
	sc_leave(st, sc);
	(void)shutdown(sc->fd, SHUT_RDWR);
}

/* The peer's address as 16 bytes, an IPv4 one mapped: the same client
 * whichever socket family saw it. */
static void
peer_key(const struct sockaddr *sa, unsigned char key[16])
{
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;

	memset(key, 0, 16);
	if (sa->sa_family == AF_INET) {
		memcpy(&in4, sa, sizeof in4);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &in4.sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		memcpy(&in6, sa, sizeof in6);
		memcpy(key, &in6.sin6_addr, 16);
	}
}

static const char *
key_text(const unsigned char key[16], char *buf, size_t len)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const char *r;

	if (memcmp(key, mapped, sizeof mapped) == 0)
		r = inet_ntop(AF_INET, key + 12, buf, (socklen_t)len);
	else
		r = inet_ntop(AF_INET6, key, buf, (socklen_t)len);
	return (r != NULL ? r : "?");
}

/* MHD's accept policy: called before anything is read. */
static MHD_RESULT
accept_policy(void *priv, const struct sockaddr *sa, socklen_t len)
{
	struct status *st;
	char ip[64];	/* an IPv6 one with its scope */
	enum log_level level = LOG_DEBUG;
	int64_t now;

	CAST_OBJ_NOTNULL(st, priv, STATUS_MAGIC);
	(void)len;
	if (cidr_match(st->allowed, st->nallowed, sa))
		return (MHD_YES);
	st->m->status_refused++;
	now = clock_ms();
	if (now - st->refused_logged >= REFUSED_LOG_MS) {
		level = LOG_INFO;
		st->refused_logged = now;
	}
	log_msg(level, "status: refused a connection from %s (not in "
	    "STATUS_ALLOWED_IPS), %ju in all", addr_text(sa, ip, sizeof ip),
	    (uintmax_t)st->m->status_refused);
	return (MHD_NO);
}

/* Past MAX_LOOSE: close the oldest loose connection of the address that
 * holds the most.  Never the newest (another of its address is older, or
 * every address holds one). */
static void
make_room(struct status *st)
{
	struct sconn *sc, *o, *pick = NULL;
	unsigned n, most = 0;
	char ip[INET6_ADDRSTRLEN];

	TAILQ_FOREACH(sc, &st->loose, list) {
		n = 0;
		TAILQ_FOREACH(o, &st->loose, list)
			n += memcmp(o->peer, sc->peer, sizeof sc->peer) == 0;
		if (n > most) {
			most = n;
			pick = sc;
		}
	}
	if (pick == NULL)
		return;
	st->m->status_closed++;
	log_msg(LOG_DEBUG, "status: closed a connection from %s to make room "
	    "(%u connections not waiting, %u from it)",
	    key_text(pick->peer, ip, sizeof ip), st->nloose, most);
	sc_shut(st, pick);
}

/* MHD_OPTION_NOTIFY_CONNECTION: a connection accepted, or closed. */
static void
connection_notified(void *priv, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	struct status *st;
	const union MHD_ConnectionInfo *fi, *ai;
	struct sconn *sc;
	int fd;

	CAST_OBJ_NOTNULL(st, priv, STATUS_MAGIC);
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (*socket_context == NULL)
			return;
		sc = *socket_context;
		CHECK_SCONN(sc);
		sc_leave(st, sc);
		free(sc->id);
		free(sc->body);
		FREE_OBJ(sc);
		*socket_context = NULL;
		return;
	}
	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	/* Each answer is read before the next question: libmicrohttpd 1.0
	 * answers every one in the same place, the previous answer is
	 * overwritten. */
	fi = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	fd = fi != NULL ? fi->connect_fd : -1;
	ALLOC_OBJ(sc, SCONN_MAGIC);
	ai = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (sc == NULL || fd < 0 || ai == NULL || ai->client_addr == NULL) {
		/* Not accounted for, so not bounded: it goes. */
		log_msg(LOG_ERROR, "status: %s: a connection is closed",
		    sc == NULL ? "out of memory" : "no socket information");
		st->m->status_closed++;
		free(sc);
		if (fd >= 0)
			(void)shutdown(fd, SHUT_RDWR);
		return;
	}
	sc->conn = conn;
	sc->fd = fd;
	peer_key(ai->client_addr, sc->peer);
	sc->state = SC_NEW;
	*socket_context = sc;
	sc_enter(st, sc, SC_LOOSE, clock_ms());
	/* More than one over when answered waits stayed open (see
	 * completed()). */
	while (st->nloose > MAX_LOOSE)
		make_room(st);
}

static struct sconn *
conn_sconn(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;
	struct sconn *sc;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || ci->socket_context == NULL)
		return (NULL);
	sc = ci->socket_context;
	CHECK_SCONN(sc);
	return (sc);
}

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
 * of a large fleet do not fit a fixed one), rendered once.  malloc'ed, or
 * NULL. */
static char *
metrics_body(const struct status *st)
{
	struct hb_vsb v;
	int64_t now = clock_ms();
	int k;

	(void)hb_vsb_init(&v, METRICS_BUF);
	metrics_render(st->m, &v);
	/* fleet_metrics_text() writes as snprintf: given room enough for
	 * what it said it needs, the second call is its last. */
	while (st->fleet != NULL && hb_vsb_finish(&v) == 0) {
		k = fleet_metrics_text(st->fleet, now, hb_vsb_end(&v),
		    hb_vsb_room(&v));
		if (k < 0) {
			hb_vsb_fini(&v);
			return (NULL);
		}
		if ((size_t)k < hb_vsb_room(&v)) {
			hb_vsb_grew(&v, (size_t)k);
			break;
		}
		(void)hb_vsb_reserve(&v, (size_t)k);
	}
	return (hb_vsb_take(&v));
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
answer_event(struct status *st, struct MHD_Connection *conn,
    struct sconn *sc, const char *id, void **con_cls)
{
	struct epoll_event ev;
	const char *v;
	int64_t wait = 0, settled, now;
	unsigned code;

	if (st->fleet == NULL)
		return (reply_why(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", "this node does not listen to the reports "
		    "(REPORT_LISTEN=0)"));
	/* Not UTF-8: no JSON answer could name it. */
	if (eventid_check(id) != NULL || !hb_utf8_valid(id, strlen(id)))
		return (reply_why(conn, MHD_HTTP_BAD_REQUEST, "bad request",
		    "not an event id"));
	v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "wait");
	if (v != NULL && (settings_parse_duration(v, &wait) != 0 ||
	    wait > WAIT_MAX_MS))
		return (reply_why(conn, MHD_HTTP_BAD_REQUEST, "bad request",
		    "wait is not a duration of at most 5m (e.g. 5s, 500ms)"));
	now = clock_ms();
	code = fleet_event(st->fleet, id, now, NULL);
	if (wait == 0 || code == MHD_HTTP_OK || code == MHD_HTTP_BAD_GATEWAY)
		return (answer_now(st, conn, id));
	/* A room is held until the answer is sent, not only while waiting. */
	if (st->nwaiting + st->nanswering >= MAX_WAITERS)
		return (reply_why(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "unavailable", "too many requests waiting (256): ask "
		    "again, or without wait"));
	free(sc->id);
	free(sc->body);
	sc->body = NULL;
	if ((sc->id = strdup(id)) == NULL)
		return (MHD_NO);
	sc->deadline = now + wait;
	sc_enter(st, sc, SC_WAITING, now);
	/* MHD does not read a suspended connection: its hang-up (or reset)
	 * is noticed here.  Not EPOLLIN: bytes it sends are left unread. */
	memset(&ev, 0, sizeof ev);
	ev.events = EPOLLRDHUP;
	ev.data.ptr = sc;
	if (epoll_ctl(st->gonefd, EPOLL_CTL_ADD, sc->fd, &ev) != 0)
		log_msg(LOG_WARN, "status: a waiting client cannot be watched "
		    "(%s): if it goes away, its room is freed when its wait "
		    "ends", strerror(errno));
	settled = fleet_settled_at(st->fleet);
	if (sc->deadline < st->next_check)
		st->next_check = sc->deadline;
	/* Settled may turn a 202 into a 200 with no report coming. */
	if (settled > now && settled < st->next_check)
		st->next_check = settled;
	*con_cls = sc;
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
	struct status *st;
	struct sconn *sc;
	char buf[4096], *mbody;
	const char *body, *ctype = "text/plain; charset=utf-8";
	unsigned code = MHD_HTTP_OK;
	MHD_RESULT ret;

	CAST_OBJ_NOTNULL(st, priv, STATUS_MAGIC);
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	sc = conn_sconn(conn);
	if (sc == NULL)
		return (MHD_NO);
	if (*con_cls != NULL) {
		/* Resumed: its answer is decided, unless its client went
		 * away (nothing to send). */
		if (sc->state != SC_ANSWERING)
			return (MHD_NO);
		return (reply(conn, sc->code, JSON_TYPE, sc->body));
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
		return (answer_event(st, conn, sc, url + 8, con_cls));
	} else if (strcmp(url, "/fleet") == 0) {
		return (answer_fleet(st, conn));
	} else {
		body = "not found\n";
		code = MHD_HTTP_NOT_FOUND;
	}
	return (reply(conn, code, ctype, body));
}

/* A request is done (answered, or its connection ended): its connection,
 * if it stays, is loose again, for a new turn. */
static void
completed(void *priv, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct status *st;
	struct sconn *sc;

	CAST_OBJ_NOTNULL(st, priv, STATUS_MAGIC);
	(void)toe;
	*con_cls = NULL;
	sc = conn_sconn(conn);
	if (sc == NULL)
		return;
	free(sc->id);
	free(sc->body);
	sc->id = sc->body = NULL;
	/* Not held to MAX_LOOSE here: most of the answered waits' connections
	 * close in this same turn (Connection: close), and closing them to
	 * make room would count them for nothing.  The next connection
	 * accepted brings the loose ones back within it. */
	if (sc->state != SC_CLOSING)
		sc_enter(st, sc, SC_LOOSE, clock_ms());
}

/* Decide a waiting request's answer and wake its connection up. */
static void
conclude(struct status *st, struct sconn *sc, unsigned code, char *body)
{
	sc->code = code;
	sc->body = body;
	sc_enter(st, sc, SC_ANSWERING, clock_ms());
	MHD_resume_connection(sc->conn);
}

/* The waiting clients that hung up (or reset): their rooms are freed now,
 * their connections resumed to be closed. */
static void
waiters_gone(struct status *st)
{
	struct epoll_event ev[64];
	struct sconn *sc;
	int i, n;

	do {
		n = epoll_wait(st->gonefd, ev, 64, 0);
		for (i = 0; i < n; i++) {
			sc = ev[i].data.ptr;
			CHECK_SCONN(sc);
			if (sc->state != SC_WAITING)
				continue;
			st->m->status_waiters_gone++;
			log_msg(LOG_DEBUG, "/events/%s: the client went away",
			    sc->id);
			sc_shut(st, sc);
			MHD_resume_connection(sc->conn);
		}
	} while (n == 64);
}

/* Close the loose and answering connections whose turn is over. */
static int64_t
close_overdue(struct status *st, struct sconn_list *l, int64_t now)
{
	struct sconn *sc;
	char ip[INET6_ADDRSTRLEN];

	while ((sc = TAILQ_FIRST(l)) != NULL && now - sc->since >= LOOSE_MS) {
		st->m->status_closed++;
		log_msg(LOG_DEBUG, "status: closed a connection from %s: not "
		    "done %dms after it began%s", key_text(sc->peer, ip,
		    sizeof ip), LOOSE_MS, sc->state == SC_ANSWERING ?
		    " sending a waiting request's answer" : "");
		sc_shut(st, sc);
	}
	return (sc != NULL ? sc->since + LOOSE_MS : INT64_MAX);
}

/* Answer the waiting requests whose answer is decided. */
static int64_t
check_waiters(struct status *st, int64_t now)
{
	struct sconn *sc, *next;
	int64_t settled, t;
	uint64_t gen;
	unsigned code;
	char *body;
	int woke = 0;

	if (TAILQ_EMPTY(&st->waiting))
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
	for (sc = TAILQ_FIRST(&st->waiting); sc != NULL; sc = next) {
		next = TAILQ_NEXT(sc, list);
		code = fleet_event(st->fleet, sc->id, now, NULL);
		if (code == MHD_HTTP_OK || code == MHD_HTTP_BAD_GATEWAY ||
		    now >= sc->deadline) {
			code = fleet_event(st->fleet, sc->id, now, &body);
			conclude(st, sc, code, body);
			woke = 1;
			continue;
		}
		t = settled > now && settled < sc->deadline ? settled :
		    sc->deadline;
		if (t < st->next_check)
			st->next_check = t;
	}
	/* A resumed connection is served by the next MHD_run(): now. */
	return (woke ? now : st->next_check);
}

int64_t
status_tick(struct status *st, int64_t now)
{
	int64_t t, next;

	if (st == NULL)
		return (INT64_MAX);
	CHECK_OBJ(st, STATUS_MAGIC);
	next = close_overdue(st, &st->loose, now);
	t = close_overdue(st, &st->answering, now);
	if (t < next)
		next = t;
	t = check_waiters(st, now);
	return (t < next ? t : next);
}

void
status_fleet(struct status *st, struct fleet *f)
{
	CHECK_OBJ_ORNULL(st, STATUS_MAGIC);
	if (st != NULL)
		st->fleet = f;
}

struct status *
status_start(const struct settings *cfg, struct metrics *m, char *err,
    size_t errlen)
{
	struct sockaddr_storage ss;
	struct status *st;
	unsigned flags = MHD_NO_FLAG;

	memset(&ss, 0, sizeof ss);
	if (addr_parse("STATUS_ADDR", cfg->status_addr, &ss, NULL, err,
	    errlen) != 0)
		return (NULL);
	ALLOC_OBJ(st, STATUS_MAGIC);
	if (st == NULL) {
		snprintf(err, errlen, "STATUS_ADDR: out of memory");
		return (NULL);
	}
	st->m = m;
	st->agent = cfg->agent_endpoint != NULL;
	st->allowed = cfg->status_allowed;
	st->nallowed = cfg->status_nallowed;
	TAILQ_INIT(&st->loose);
	TAILQ_INIT(&st->waiting);
	TAILQ_INIT(&st->answering);
	st->refused_logged = clock_ms() - REFUSED_LOG_MS;
	st->gonefd = epoll_create1(EPOLL_CLOEXEC);
	if (st->gonefd < 0) {
		snprintf(err, errlen, "STATUS_ADDR: epoll_create1: %s",
		    strerror(errno));
		FREE_OBJ(st);
		return (NULL);
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* No thread flag: driven by the main loop.  Epoll, not select: in
	 * server mode the daemon may hold more descriptors than an fd_set
	 * can name, and this listener's would be among them. */
	flags |= MHD_USE_EPOLL;
	/* Suspended: the requests that wait for an event's outcome. */
	flags |= MHD_ALLOW_SUSPEND_RESUME;
	st->next_check = INT64_MAX;
	st->d = MHD_start_daemon(flags, 0, accept_policy, st, answer, st,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
	    MHD_OPTION_NOTIFY_CONNECTION, connection_notified, st,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, st,
	    MHD_OPTION_CONNECTION_TIMEOUT, CONNECTION_TIMEOUT_S,
	    MHD_OPTION_END);
	if (st->d == NULL) {
		snprintf(err, errlen, "STATUS_ADDR: cannot listen on %.64s",
		    cfg->status_addr);
		(void)close(st->gonefd);
		FREE_OBJ(st);
		return (NULL);
	}
	return (st);
}

unsigned
status_port(const struct status *st)
{
	const union MHD_DaemonInfo *i;

	CHECK_OBJ_NOTNULL(st, STATUS_MAGIC);
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
	CHECK_OBJ(st, STATUS_MAGIC);
	/* MHD must not be stopped with suspended connections. */
	while (!TAILQ_EMPTY(&st->waiting))
		conclude(st, TAILQ_FIRST(&st->waiting),
		    MHD_HTTP_SERVICE_UNAVAILABLE,
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
	(void)close(st->gonefd);
	FREE_OBJ(st);
}

unsigned
status_waitfds(struct status *st, struct curl_waitfd *fds, unsigned max,
    int64_t *timeout_ms)
{
	const union MHD_DaemonInfo *di;
	MHD_UNSIGNED_LONG_LONG t;

	if (st == NULL || max < 2)
		return (0);
	CHECK_OBJ(st, STATUS_MAGIC);
	/* One descriptor for every socket of the listener. */
	di = MHD_get_daemon_info(st->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (di == NULL)
		return (0);
	fds[0].fd = di->epoll_fd;
	fds[0].events = CURL_WAIT_POLLIN;
	fds[0].revents = 0;
	/* And one for the hang-ups of the waiting clients. */
	fds[1].fd = st->gonefd;
	fds[1].events = CURL_WAIT_POLLIN;
	fds[1].revents = 0;
	if (MHD_get_timeout(st->d, &t) == MHD_YES && (int64_t)t < *timeout_ms)
		*timeout_ms = (int64_t)t;
	return (2);
}

void
status_run(struct status *st)
{
	if (st == NULL)
		return;
	CHECK_OBJ(st, STATUS_MAGIC);
	if (st->nwaiting > 0)
		waiters_gone(st);
	(void)MHD_run(st->d);
}
