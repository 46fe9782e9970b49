/*
 * status: /healthz and /metrics.  See status.h.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "addr.h"
#include "metrics.h"
#include "status.h"

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

struct status {
	struct MHD_Daemon	*d;
	const struct metrics	*m;
	int			agent;	/* the agent role runs */
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
answer(void *priv, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct status *st = priv;
	struct MHD_Response *resp;
	char buf[65536];
	const char *body, *ctype = "text/plain; charset=utf-8";
	unsigned code = MHD_HTTP_OK;
	MHD_RESULT ret;
	int n;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)con_cls;
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
		n = metrics_text(st->m, buf, sizeof buf);
		body = (n > 0 && (size_t)n < sizeof buf) ? buf : "";
		ctype = "text/plain; version=0.0.4; charset=utf-8";
	} else {
		body = "not found\n";
		code = MHD_HTTP_NOT_FOUND;
	}
	resp = MHD_create_response_from_buffer(strlen(body), (void *)(uintptr_t)body,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return (MHD_NO);
	(void)MHD_add_response_header(resp, "Content-Type", ctype);
	ret = MHD_queue_response(conn, code, resp);
	MHD_destroy_response(resp);
	return (ret);
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
	st->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, st,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_LIMIT, 16u,
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
	if (st == NULL)
		return;
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
