/*
 * http-broadcast: the daemon beside each varnishd.  It subscribes to the
 * hub topic and replays every event to the local varnishd (the agent,
 * AGENT_ENDPOINT); in server mode (SERVER_ADDR) it also publishes the
 * requests it receives, as the original broadcaster did.
 *
 * main owns the one thread and its one event loop: libcurl's multi
 * handle drives the subscription and every replay, the status listener's
 * sockets and a signalfd are polled as extra descriptors, and every timer
 * (reconnect, idle, retries, cursor saves, shutdown grace) only shortens
 * the poll timeout.  No thread per event, no thread at all besides this.
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <curl/curl.h>

#include "agent/cursor.h"
#include "agent/dedup.h"
#include "agent/replay.h"
#include "agent/stream.h"
#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "reports/fleet.h"
#include "reports/report.h"
#include "reportkey.h"
#include "reports/watch.h"
#include "server/server.h"
#include "settings.h"
#include "status.h"
#include "transfer.h"

/* How often the cursor is written at most while it moves; how soon a
 * failed write is tried again. */
#define CURSOR_SAVE_MS	200
#define CURSOR_RETRY_MS	1000
/* Upper bound of a poll, so nothing can sleep forever by mistake. */
#define POLL_MAX_MS	1000
#define MAX_STATUS_FDS	32
#define MAX_SERVER_FDS	80	/* see server_waitfds() */

struct daemon_state {
	struct settings		cfg;
	struct metrics		m;
	struct cursor		*cur;		/* one per hub */
	struct hub_metrics	*hubm;		/* one per hub */
	const char		**keys;		/* the hubs' names */
	CURLM			*multi;
	struct replay		*replay;
	struct report		*report;	/* NULL: reports off */
	struct streams		streams;	/* one per hub */
	struct dedup		events;		/* EventIDs, several hubs */
	struct status		*status;
	struct fleet		*fleet;		/* NULL: REPORT_LISTEN=0 */
	struct server		*server;	/* NULL: no server mode */
	int			sigfd;
	int			lockfd;
	int64_t			next_save_ms;
	unsigned		save_failures;	/* in a row */
};

/* Write the cursor if it moved: 0, or -1 when the write failed (the
 * cursor stays "moved", so a later call tries again). */
static int
cursors_moved(const struct daemon_state *d)
{
	size_t i;

	for (i = 0; d->cur != NULL && i < d->cfg.nhubs; i++)
		if (d->cur[i].moved)
			return (1);
	return (0);
}

static void
cursors_saved(struct daemon_state *d)
{
	size_t i;

	for (i = 0; d->cur != NULL && i < d->cfg.nhubs; i++)
		d->cur[i].moved = 0;
}

/* The cursors for the logs: the one hub's, or hub=id of each. */
static char *
cursors_shown(const struct daemon_state *d)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if (d->cfg.nhubs == 1 || d->cur == NULL ||
	    d->cfg.agent_endpoint == NULL)
		return (strdup(d->cur != NULL && d->cur[0].value != NULL ?
		    d->cur[0].value : "(none)"));
	f = open_memstream(&buf, &len);
	if (f == NULL)
		return (NULL);
	for (i = 0; i < d->cfg.nhubs; i++)
		fprintf(f, "%s%s=%s", i > 0 ? "," : "", d->keys[i],
		    d->cur[i].value != NULL ? d->cur[i].value : "(none)");
	if (fclose(f) != 0) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

static void
seen_each(void *priv, void (*fn)(void *, const char *), void *fpriv)
{

	dedup_each(priv, fn, fpriv);
}

/* An EventID applied before the last clean stop. */
static void
seen_load(void *priv, const char *id)
{

	(void)dedup_claim(priv, id, 0, NULL, 0, NULL, NULL);
}

/* Write the cursors if they moved; final (the stop, several hubs): also
 * the EventIDs of the window, and even if no cursor moved.  0, or -1 when
 * the write failed (the cursors stay "moved", so a later call tries
 * again). */
static int
save_cursor(struct daemon_state *d, int final)
{
	struct cursor_seen seen;
	char err[512];
	const char **ids;
	int64_t now = clock_ms();
	size_t i;
	int r;

	final = final && d->streams.events != NULL;
	if (!cursors_moved(d) && !final)
		return (0);
	d->next_save_ms = now + CURSOR_SAVE_MS;
	if (*d->cfg.state_file == '\0') {
		cursors_saved(d);
		return (0);
	}
	ids = calloc(d->cfg.nhubs, sizeof *ids);
	if (ids == NULL) {
		snprintf(err, sizeof err, "out of memory");
		r = -1;
	} else {
		for (i = 0; i < d->cfg.nhubs; i++)
			ids[i] = d->cur[i].value;
		seen.each = seen_each;
		seen.priv = &d->events;
		r = cursor_save_all(d->cfg.state_file, d->cfg.nhubs, d->keys,
		    ids, final ? &seen : NULL, err, sizeof err);
		free(ids);
	}
	if (r != 0) {
		d->m.cursor_save_failures++;
		d->save_failures++;
		d->next_save_ms = now + CURSOR_RETRY_MS;
		log_msg(LOG_ERROR, "STATE_FILE: %s (attempt %u, retrying in "
		    "%dms)", err, d->save_failures, CURSOR_RETRY_MS);
		return (-1);
	}
	cursors_saved(d);
	if (d->save_failures > 0)
		log_msg(LOG_INFO, "STATE_FILE: cursor saved again after %u "
		    "failed attempts", d->save_failures);
	d->save_failures = 0;
	if (log_enabled(LOG_TRACE)) {
		char *shown = cursors_shown(d);

		log_msg(LOG_TRACE, "cursor saved: %s", shown != NULL ? shown :
		    "");
		free(shown);
	}
	return (0);
}

static void
log_startup(const struct daemon_state *d)
{
	const struct settings *c = &d->cfg;
	char *cursors = cursors_shown(d);
	const char *auth = c->hub_jwt_key != NULL ? "minted JWT" :
	    c->hub_token_file != NULL ? "token file" :
	    c->hub_token != NULL ? "static token" : "anonymous";

	/* Names of secrets only, never their values. */
	log_msg(LOG_INFO, "http-broadcast %s starting: hub=%s topic=%s "
	    "auth=%s%s%s agent=%s methods=%s concurrency=%ld backlog=%ld "
	    "timeout=%lldms retry_delay=%lldms max_event_size=%zu "
	    "idle_timeout=%lldms reconnect_max=%lldms gap_action=%s "
	    "state_file=%s status=%s cursor=%s",
	    PACKAGE_VERSION, c->hub_url_shown, c->hub_topic, auth,
	    c->hub_jwt_key != NULL ? " " : "",
	    c->hub_jwt_key != NULL ? c->hub_jwt_alg : "",
	    c->agent_endpoint != NULL ? c->agent_endpoint : "(none)",
	    c->agent_allowed_methods,
	    c->agent_max_concurrency, c->agent_max_backlog,
	    (long long)c->agent_timeout_ms,
	    (long long)c->agent_retry_delay_ms, c->hub_max_event_size,
	    (long long)c->hub_idle_timeout_ms,
	    (long long)c->hub_reconnect_max_ms,
	    c->hub_gap_action == GAP_BAN ? "ban" : "warn",
	    c->agent_endpoint == NULL ? "(not used)" :
	    *c->state_file != '\0' ? c->state_file : "(memory)",
	    c->status_addr != NULL ? c->status_addr : "(none)",
	    cursors != NULL ? cursors : "(none)");
	free(cursors);
	if (c->nhubs > 1 && c->agent_endpoint != NULL)
		log_msg(LOG_INFO, "%zu hubs: each event is applied once, "
		    "whichever hub delivers it first (EventIDs remembered: "
		    "%zu)", c->nhubs, c->hub_dedup_window);
	if (d->server != NULL)
		log_msg(LOG_INFO, "server mode on port %u%s: publish_auth=%s "
		    "methods=%s hub_timeout=%lldms max_body=%zu cors=%s "
		    "proxy_protocol=%s",
		    server_port(d->server), c->server_tls_cert != NULL ?
		    " (TLS)" : "", c->hub_publish_token != NULL ?
		    "static token" : c->hub_publish_jwt_key != NULL ||
		    c->hub_jwt_key != NULL ? "minted JWT" : "anonymous",
		    c->server_allowed_methods,
		    (long long)c->hub_timeout_ms, c->server_max_body,
		    c->server_cors_origins != NULL ? c->server_cors_origins :
		    "(none)", c->server_insecure ? "every peer" :
		    c->server_ntrusted > 0 ? "SERVER_TRUSTED_IPS" : "(none)");
	if (d->report != NULL)
		log_msg(LOG_INFO, "reports go to %s topic %s as node %s: "
		    "auth=%s interval=%lldms idle_interval=%lldms "
		    "hub_timeout=%lldms%s",
		    c->report_hub.url_shown, c->report_topic, c->node_name,
		    c->report_token != NULL ? "static token" :
		    c->report_jwt_key == NULL ? "anonymous" :
		    c->hub_jwt_key != NULL &&
		    strcmp(c->report_jwt_key, c->hub_jwt_key) == 0 ?
		    "minted JWT (HUB_JWT_KEY)" :
		    "minted JWT (REPORT_JWT_KEY)",
		    (long long)c->report_interval_ms,
		    (long long)c->report_idle_ms,
		    (long long)c->hub_timeout_ms,
		    c->report_sign_key_file != NULL ? " signed" : "");
}

/* The replayer's state, as the reports carry it (see report.h). */
static size_t
replays_backlog(const void *priv)
{
	return (replay_backlog(priv));
}

static int64_t
replays_oldest_ms(const void *priv)
{
	return (replay_oldest_ms(priv));
}

/* setup() after --help or --version: nothing more to do, exit status 0. */
#define SETUP_DONE	(-1)

/*
 * Set up everything that can fail: 0 to run, SETUP_DONE, 2 for a bad
 * setting, 1 for any other failure (the exit statuses).
 */
/* After a cursor path the daemon chose and cannot use: what to set. */
#define STATE_HINT(cfg)	((cfg)->state_file_given ? "" : " (STATE_FILE is " \
	"not set: set it to a file this user may write, or to empty to " \
	"keep the cursor in memory only)")

static int
setup(struct daemon_state *d, int argc, char **argv)
{
	char err[512];
	char **ids;
	sigset_t set;
	size_t i;
	int r;

	r = settings_load(&d->cfg, argc, argv, err, sizeof err);
	if (r != 0) {
		if (r == 2)
			fprintf(stderr, "http-broadcast: %s\n", err);
		return (r == 1 ? SETUP_DONE : r);
	}
	log_setup(d->cfg.log_format, d->cfg.log_level);
	settings_warn(&d->cfg);
	d->cur = calloc(d->cfg.nhubs, sizeof *d->cur);
	d->hubm = calloc(d->cfg.nhubs, sizeof *d->hubm);
	d->keys = calloc(d->cfg.nhubs, sizeof *d->keys);
	ids = calloc(d->cfg.nhubs, sizeof *ids);
	d->streams.v = calloc(d->cfg.nhubs, sizeof *d->streams.v);
	if (d->cur == NULL || d->hubm == NULL || d->keys == NULL ||
	    ids == NULL || d->streams.v == NULL) {
		free(ids);
		fprintf(stderr, "http-broadcast: out of memory\n");
		return (1);
	}
	for (i = 0; i < d->cfg.nhubs; i++) {
		cursor_init(&d->cur[i]);
		d->keys[i] = d->cfg.hubs[i].url_shown;
		d->hubm[i].name = d->keys[i];
	}
	d->m.hubs = d->hubm;
	d->m.nhubs = d->cfg.nhubs;
	if (d->cfg.nhubs > 1 && d->cfg.agent_endpoint != NULL &&
	    dedup_init(&d->events, d->cfg.hub_dedup_window) != 0) {
		free(ids);
		fprintf(stderr, "http-broadcast: cannot create the table of "
		    "EventIDs: out of memory, or getrandom() failed\n");
		return (1);
	}
	if (d->cfg.agent_endpoint == NULL) {
		/* Server mode only: no cursor to keep. */
	} else if (*d->cfg.state_file == '\0') {
		log_msg(LOG_WARN, "STATE_FILE is empty: the cursor is kept in "
		    "memory only, events published while this daemon is down "
		    "are not replayed");
	} else {
		if (d->cfg.state_file_home) {
			log_msg(LOG_WARN, "STATE_FILE is not set and "
			    "/var/lib/http-broadcast does not exist: the cursor "
			    "is kept in %s", d->cfg.state_file);
			if (cursor_make_dir(d->cfg.state_file, err,
			    sizeof err) != 0) {
				free(ids);
				fprintf(stderr, "http-broadcast: STATE_FILE: "
				    "%s%s\n", err, STATE_HINT(&d->cfg));
				return (2);
			}
		}
		if (cursor_check_dir(d->cfg.state_file, err, sizeof err) != 0 ||
		    (d->lockfd = cursor_lock(d->cfg.state_file, err,
		    sizeof err)) < 0 ||
		    (r = cursor_load_all(d->cfg.state_file, d->cfg.nhubs,
		    d->keys, ids, d->cfg.nhubs > 1 ? seen_load : NULL,
		    &d->events, err, sizeof err)) < 0) {
			free(ids);
			fprintf(stderr, "http-broadcast: STATE_FILE: %s%s\n", err,
			    STATE_HINT(&d->cfg));
			return (2);
		}
		if (r == CURSOR_FILE_EMPTY)
			log_msg(LOG_WARN, "STATE_FILE %s is empty: starting from "
			    "the hub's next event; events published before "
			    "are not replayed", d->cfg.state_file);
		for (i = 0, r = 0; i < d->cfg.nhubs; i++) {
			if (ids[i] != NULL && cursor_set(&d->cur[i], ids[i]) != 0)
				r = 1;
			free(ids[i]);
		}
		if (r != 0) {
			free(ids);
			fprintf(stderr, "http-broadcast: out of memory\n");
			return (1);
		}
	}
	free(ids);
	if (d->cfg.status_addr != NULL) {
		d->status = status_start(&d->cfg, &d->m, err, sizeof err);
		if (d->status == NULL) {
			fprintf(stderr, "http-broadcast: %s\n", err);
			return (2);
		}
	}

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
	    (d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		fprintf(stderr, "http-broadcast: signalfd: %s\n",
		    strerror(errno));
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);

	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK ||
	    (d->multi = curl_multi_init()) == NULL) {
		fprintf(stderr, "http-broadcast: cannot initialise libcurl\n");
		return (1);
	}
	/* Keep a warm connection per concurrent replay, plus the stream,
	 * and in server mode some to the hub for the publishes. */
	curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS,
	    d->cfg.agent_max_concurrency + 1 + (long)d->cfg.nhubs +
	    (d->cfg.server_addr != NULL ? 32 : 0) +
	    (d->cfg.report_publish ? 1 : 0));
	if (d->cfg.agent_endpoint != NULL) {
		d->replay = replay_new(d->multi, &d->cfg, &d->m);
		if (d->replay == NULL) {
			fprintf(stderr, "http-broadcast: out of memory\n");
			return (1);
		}
		if (d->cfg.report_publish) {
			d->report = report_new(d->multi, &d->cfg, &d->m,
			    &(const struct report_replays){ replays_backlog,
			    replays_oldest_ms, d->replay });
			if (d->report == NULL) {
				fprintf(stderr, "http-broadcast: out of "
				    "memory\n");
				return (1);
			}
			replay_set_report(d->replay, d->report);
		}
		if (d->cfg.nhubs > 1)
			d->streams.events = &d->events;
		for (i = 0; i < d->cfg.nhubs; i++) {
			d->streams.v[i] = stream_new(d->multi, &d->cfg, i,
			    &d->m, &d->cur[i], d->replay, &d->streams);
			if (d->streams.v[i] == NULL) {
				fprintf(stderr, "http-broadcast: out of "
				    "memory\n");
				return (1);
			}
			d->streams.n = i + 1;
		}
	}
	if (d->cfg.report_listen) {
		d->fleet = fleet_new(d->multi, &d->cfg, &d->m);
		if (d->fleet == NULL) {
			fprintf(stderr, "http-broadcast: out of memory\n");
			return (1);
		}
		status_fleet(d->status, d->fleet);
	}
	if (d->cfg.server_addr != NULL) {
		d->server = server_start(d->multi, &d->cfg, &d->m, err,
		    sizeof err);
		if (d->server == NULL) {
			fprintf(stderr, "http-broadcast: %s\n", err);
			return (2);
		}
	}
	return (0);
}

/*
 * 1 when TERM or INT asks the daemon to stop.  HUP and USR1/USR2 are
 * caught only so that a stray "reload" (logrotate, kill -HUP by habit)
 * does not end the daemon without its cursor saved: there is nothing to
 * reload, the files that change while it runs (HUB_SUBSCRIBE_TOKEN_FILE,
 * HUB_CA_FILE, HUB_CLIENT_CERT) are read again at each connection.
 */
static int
signalled(struct daemon_state *d, const struct curl_waitfd *fd)
{
	struct signalfd_siginfo si;

	if (!(fd->revents & CURL_WAIT_POLLIN))
		return (0);
	while (read(d->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_msg(LOG_INFO, "received %s: stopping the "
			    "subscription, finishing replays",
			    strsignal((int)si.ssi_signo));
			return (1);
		}
		log_msg(LOG_INFO, "received %s from pid %u: ignored (nothing "
		    "to reload: the token, CA and certificate files are read "
		    "again at each connection; restart for other changes)",
		    strsignal((int)si.ssi_signo), (unsigned)si.ssi_pid);
	}
	return (0);
}

/* The earlier of two times (each module's tick says when it is due). */
static int64_t
sooner(int64_t a, int64_t b)
{
	return (b < a ? b : a);
}

/* The event loop, until a signal and the drain: 0, or 1 on failure. */
static int
run(struct daemon_state *d)
{
	struct curl_waitfd fds[MAX_STATUS_FDS + MAX_SERVER_FDS + 1];
	int64_t now, timeout, deadline = INT64_MAX;
	unsigned nfds;
	CURLMsg *msg;
	size_t i;
	int running, left, stopping = 0, r = 0;

	for (;;) {
		(void)curl_multi_perform(d->multi, &running);
		while ((msg = curl_multi_info_read(d->multi, &left)) != NULL) {
			/* Each transfer names its owner (transfer.h). */
			if (msg->msg == CURLMSG_DONE)
				transfer_done(msg->easy_handle,
				    msg->data.result);
		}
		status_run(d->status);
		server_run(d->server);

		now = clock_ms();
		timeout = now + POLL_MAX_MS;
		if (stopping) {
			/* The last report goes once the replays are done. */
			if ((d->replay == NULL ||
			    replay_backlog(d->replay) == 0) &&
			    server_inflight(d->server) == 0 &&
			    report_drained(d->report))
				break;
			if (now >= deadline) {
				log_msg(LOG_WARN, "SHUTDOWN_TIMEOUT passed with "
				    "%zu replays and %zu publishes unfinished%s",
				    d->replay != NULL ?
				    replay_backlog(d->replay) : 0,
				    server_inflight(d->server),
				    report_drained(d->report) ? "" :
				    ", and the last report");
				if (d->replay != NULL)
					replay_abandon(d->replay);
				break;
			}
			if (deadline < timeout)
				timeout = deadline;
		} else {
			for (i = 0; i < d->streams.n; i++)
				timeout = sooner(timeout,
				    stream_tick(d->streams.v[i], now));
		}
		if (d->replay != NULL)
			timeout = sooner(timeout, replay_tick(d->replay, now));
		timeout = sooner(timeout, report_tick(d->report, now));
		/* The fleet first: the waiting requests see its changes. */
		timeout = sooner(timeout, fleet_tick(d->fleet, now));
		timeout = sooner(timeout, status_tick(d->status, now));
		if (cursors_moved(d)) {
			/* Batched: one write for many events. */
			if (now >= d->next_save_ms)
				(void)save_cursor(d, 0);
			if (cursors_moved(d) && d->next_save_ms < timeout)
				timeout = d->next_save_ms;
		}

		timeout -= now;
		nfds = status_waitfds(d->status, fds, MAX_STATUS_FDS, &timeout);
		nfds += server_waitfds(d->server, fds + nfds, MAX_SERVER_FDS,
		    &timeout);
		fds[nfds].fd = d->sigfd;
		fds[nfds].events = CURL_WAIT_POLLIN;
		fds[nfds].revents = 0;
		if (timeout < 0)
			timeout = 0;
		if (curl_multi_poll(d->multi, fds, nfds + 1, (int)timeout,
		    NULL) != CURLM_OK) {
			log_msg(LOG_FATAL, "curl_multi_poll failed");
			r = 1;
			break;
		}
		if (!stopping && signalled(d, &fds[nfds])) {
			stopping = 1;
			for (i = 0; i < d->streams.n; i++)
				stream_stop(d->streams.v[i]);
			server_stop_accepting(d->server);
			report_stop(d->report);
			fleet_stop(d->fleet);
			deadline = clock_ms() + d->cfg.shutdown_timeout_ms;
		}
	}
	if (save_cursor(d, 1) != 0) {
		log_msg(LOG_ERROR, "STATE_FILE: the cursor could not be saved "
		    "at shutdown: the next start resumes from an older one "
		    "(events replayed twice, none lost)");
		r = 1;
	}
	return (r);
}

int
main(int argc, char **argv)
{
	struct daemon_state d;
	char counts[512];
	char *cursors;
	size_t i;
	int r;

	/* A command of its own, not the daemon. */
	if (argc > 1 && strcmp(argv[1], "watch") == 0)
		return (watch_main(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "report-key") == 0)
		return (reportkey_main(argc - 1, argv + 1));
	memset(&d, 0, sizeof d);
	d.sigfd = -1;
	d.lockfd = -1;
	r = setup(&d, argc, argv);
	if (r == 0) {
		log_startup(&d);
		if (d.status != NULL)
			log_msg(LOG_INFO, "status listener on port %u "
			    "(/healthz, /metrics%s)", status_port(d.status),
			    d.fleet != NULL ? ", /events, /fleet" : "");
		if (d.cfg.agent_endpoint == NULL)
			log_msg(LOG_INFO, "server mode only: nothing is "
			    "replayed here (AGENT_ENDPOINT is not set)");
		r = run(&d);
		(void)metrics_logged(&d.m, counts, sizeof counts);
		cursors = cursors_shown(&d);
		log_msg(r == 0 ? LOG_INFO : LOG_ERROR, "stopped: %s cursor=%s",
		    counts, cursors != NULL ? cursors : "(none)");
		free(cursors);
	}
	server_free(d.server);
	/* The listener first (it answers its waiting requests, and may
	 * ask the fleet), the fleet before the multi handle goes. */
	status_stop(d.status);
	fleet_free(d.fleet);
	for (i = 0; i < d.streams.n; i++)
		stream_free(d.streams.v[i]);
	free(d.streams.v);
	report_free(d.report);
	replay_free(d.replay);
	if (d.events.slots != NULL)
		dedup_fini(&d.events);
	if (d.multi != NULL) {
		curl_multi_cleanup(d.multi);
		curl_global_cleanup();
	}
	for (i = 0; d.cur != NULL && i < d.cfg.nhubs; i++)
		cursor_fini(&d.cur[i]);
	free(d.cur);
	free(d.hubm);
	free(d.keys);
	settings_free(&d.cfg);
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.lockfd >= 0)
		close(d.lockfd);
	return (r == SETUP_DONE ? 0 : r);
}
