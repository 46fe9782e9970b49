/*
 * watch: `http-broadcast watch`.  See watch.h.
 */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "hb_curl.h"
#include "hb_miniobj.h"

#include "settings.h"
#include "watch.h"

#define WAIT_DEFAULT_MS		5000
#define WAIT_MAX_MS		300000
#define BODY_MAX		(64 * 1024 * 1024)

struct body {
	unsigned	magic;
#define BODY_MAGIC	0x0b0d7e11
	char	*p;
	size_t	len;
};

static volatile sig_atomic_t interrupted;

static void
on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
usage(void)
{
	fprintf(stderr, "usage: http-broadcast watch [--status-addr HOST:PORT] "
	    "[--wait DURATION] [--interval DURATION] [ID]\n"
	    "  with ID: each live node's outcome for that event, waiting up "
	    "to --wait (default 5s)\n"
	    "  without: the fleet, once or every --interval until "
	    "interrupted\n"
	    "  the listener is --status-addr, default $STATUS_ADDR\n"
	    "  exit: 0 complete, 1 failed on a node, 3 still pending, 4 "
	    "no answer or unavailable, 2 usage\n");
}

static size_t
on_body(char *buf, size_t size, size_t n, void *priv)
{
	struct body *b;
	size_t len = size * n;
	char *p;

	CAST_OBJ_NOTNULL(b, priv, BODY_MAGIC);
	if (b->len + len > BODY_MAX)
		return (0);
	p = realloc(b->p, b->len + len + 1);
	if (p == NULL)
		return (0);
	memcpy(p + b->len, buf, len);
	b->len += len;
	p[b->len] = '\0';
	b->p = p;
	return (len);
}

/* The base URL of a listen address: "http://host:port", a wildcard host
 * asked on loopback. */
static char *
base_url(const char *addr)
{
	const char *host = addr;
	char *u = NULL;

	if (addr[0] == ':' || strncmp(addr, "0.0.0.0:", 8) == 0)
		host = "127.0.0.1";
	else if (strncmp(addr, "[::]:", 5) == 0)
		host = "[::1]";
	if (host != addr && asprintf(&u, "http://%s%s", host,
	    strrchr(addr, ':')) < 0)
		return (NULL);
	if (host == addr && asprintf(&u, "http://%s", addr) < 0)
		return (NULL);
	return (u);
}

/* GET url: the HTTP status (0: no answer, reason on stderr), the body
 * parsed in *json (NULL when it is not JSON). */
static long
get(const char *url, int64_t wait_ms, json_t **json)
{
	struct body b = { BODY_MAGIC, NULL, 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cc;
	CURL *e;

	*json = NULL;
	e = curl_easy_init();
	if (e == NULL) {
		fprintf(stderr, "http-broadcast watch: out of memory\n");
		return (0);
	}
	hb_curl_defaults(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(wait_ms + 10000));
	cc = curl_easy_perform(e);
	if (cc == CURLE_OK)
		(void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	else
		fprintf(stderr, "http-broadcast watch: %s: %s\n", url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
	curl_easy_cleanup(e);
	if (b.p != NULL)
		*json = json_loadb(b.p, b.len, 0, NULL);
	free(b.p);
	return (status);
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return (s != NULL ? s : "");
}

static long long
num(const json_t *o, const char *key)
{
	return ((long long)json_integer_value(json_object_get(o, key)));
}

/* Failed + Dropped + Refused of a node's Totals: each taken as 0 to
 * LLONG_MAX, the sum saturated (a listener's answer is not trusted to
 * keep them small). */
static long long
failed_total(const json_t *t)
{
	static const char * const keys[] = { "Failed", "Dropped", "Refused" };
	long long sum = 0, v;
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = num(t, keys[i]);
		if (v < 0)
			v = 0;
		sum = sum > LLONG_MAX - v ? LLONG_MAX : sum + v;
	}
	return (sum);
}

/* A time of a report (ms since the epoch) as UTC ISO 8601. */
static void
iso(long long ms, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)(ms / 1000);

	if (ms <= 0 || gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms % 1000);
}

/* The error answers (400, 503): their reason. */
static int
refused(long status, const json_t *j, int code)
{
	fprintf(stderr, "http-broadcast watch: %ld %s\n", status,
	    j != NULL && *str(j, "Why") != '\0' ? str(j, "Why") :
	    "(no reason given)");
	return (code);
}

static int
watch_event(const char *base, const char *id, int64_t wait_ms)
{
	char *url = NULL, *eid, when[64], code[24];
	const json_t *n;
	json_t *j;
	size_t i;
	long status;
	int r;

	eid = curl_easy_escape(NULL, id, 0);
	if (eid == NULL || asprintf(&url, "%s/events/%s?wait=%lldms", base,
	    eid, (long long)wait_ms) < 0) {
		curl_free(eid);
		return (WATCH_UNREACHABLE);
	}
	curl_free(eid);
	status = get(url, wait_ms, &j);
	free(url);
	if (status == 0)
		return (WATCH_UNREACHABLE);
	if (status == 400)
		return (refused(status, j, WATCH_USAGE));
	if ((status != 200 && status != 202 && status != 502) || j == NULL) {
		r = refused(status, j, WATCH_UNREACHABLE);
		json_decref(j);
		return (r);
	}
	json_array_foreach(json_object_get(j, "Nodes"), i, n) {
		iso(num(n, "Time"), when, sizeof when);
		if (json_object_get(n, "Code") != NULL)
			snprintf(code, sizeof code, "%lld", num(n, "Code"));
		else
			snprintf(code, sizeof code, "-");
		printf("%-24s %-8s %-4s %s%s%s\n", str(n, "Node"),
		    str(n, "Status"), code, when, *str(n, "Why") != '\0' ?
		    " " : "", str(n, "Why"));
	}
	printf("%s: %lld live, %lld applied, %lld failed, %lld pending%s\n",
	    str(j, "Status"), num(j, "Live"), num(j, "Applied"),
	    num(j, "Failed"), num(j, "Pending"),
	    json_is_false(json_object_get(j, "Settled")) ?
	    " (not settled: the listener may not have heard every node yet)" :
	    "");
	json_decref(j);
	return (status == 200 ? WATCH_COMPLETE : status == 502 ? WATCH_FAILED :
	    WATCH_PENDING);
}

static int
watch_fleet_once(const char *base)
{
	char *url = NULL;
	const json_t *n;
	json_t *j;
	size_t i;
	long status;
	int r;

	if (asprintf(&url, "%s/fleet", base) < 0)
		return (WATCH_UNREACHABLE);
	status = get(url, 0, &j);
	free(url);
	if (status == 0)
		return (WATCH_UNREACHABLE);
	if (status != 200 || j == NULL) {
		r = refused(status, j, WATCH_UNREACHABLE);
		json_decref(j);
		return (r);
	}
	printf("%-24s %8s %8s %8s %-10s %10s %8s %s\n", "NODE", "AGE",
	    "BACKLOG", "LAG", "SUBSCRIBED", "APPLIED", "FAILED", "STATE");
	json_array_foreach(json_object_get(j, "Nodes"), i, n) {
		const json_t *t = json_object_get(n, "Totals");

		printf("%-24s %7.1fs %8lld %7.1fs %-10s %10lld %8lld %s\n",
		    str(n, "Node"), (double)num(n, "AgeMs") / 1000.0,
		    num(n, "Backlog"), (double)num(n, "LagMs") / 1000.0,
		    json_is_true(json_object_get(n, "Subscribed")) ? "yes" :
		    "no", num(t, "Applied"), failed_total(t),
		    json_is_true(json_object_get(n, "Lagging")) ? "lagging" :
		    "ok");
	}
	printf("%lld live, %lld lagging%s%s\n", num(j, "Live"),
	    num(j, "Lagging"), json_is_false(json_object_get(j,
	    "Subscribed")) ? ", listener not subscribed" : "",
	    json_is_false(json_object_get(j, "Settled")) ? ", not settled" :
	    "");
	fflush(stdout);
	json_decref(j);
	return (WATCH_COMPLETE);
}

static int
watch_fleet(const char *base, int64_t interval_ms)
{
	struct timespec ts;
	int r;

	signal(SIGINT, on_sigint);
	for (;;) {
		r = watch_fleet_once(base);
		if (interval_ms == 0 || interrupted)
			return (r);
		ts.tv_sec = (time_t)(interval_ms / 1000);
		ts.tv_nsec = (long)(interval_ms % 1000) * 1000000;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR &&
		    !interrupted)
			continue;
		if (interrupted)
			return (r);
		printf("\n");
	}
}

/* "--name value" or "--name=value": the value, advancing *i. */
static const char *
option(int argc, char **argv, int *i, const char *name)
{
	size_t l = strlen(name);

	if (strncmp(argv[*i], name, l) != 0)
		return (NULL);
	if (argv[*i][l] == '=')
		return (argv[*i] + l + 1);
	if (argv[*i][l] != '\0' || *i + 1 >= argc)
		return (NULL);
	return (argv[++*i]);
}

int
watch_main(int argc, char **argv)
{
	const char *addr = getenv("STATUS_ADDR"), *id = NULL, *v;
	int64_t wait_ms = WAIT_DEFAULT_MS, interval_ms = 0;
	char *base;
	int i, r;

	for (i = 1; i < argc; i++) {
		if ((v = option(argc, argv, &i, "--status-addr")) != NULL) {
			addr = v;
		} else if ((v = option(argc, argv, &i, "--wait")) != NULL) {
			if (settings_parse_duration(v, &wait_ms) != 0 ||
			    wait_ms > WAIT_MAX_MS) {
				fprintf(stderr, "http-broadcast watch: --wait: "
				    "\"%s\" is not a duration of at most 5m\n",
				    v);
				return (WATCH_USAGE);
			}
		} else if ((v = option(argc, argv, &i, "--interval")) !=
		    NULL) {
			if (settings_parse_duration(v, &interval_ms) != 0) {
				fprintf(stderr, "http-broadcast watch: "
				    "--interval: \"%s\" is not a duration\n", v);
				return (WATCH_USAGE);
			}
		} else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage();
			return (0);
		} else if (argv[i][0] == '-' || id != NULL) {
			usage();
			return (WATCH_USAGE);
		} else {
			id = argv[i];
		}
	}
	if (addr == NULL || *addr == '\0') {
		fprintf(stderr, "http-broadcast watch: no listener: give "
		    "--status-addr or set STATUS_ADDR\n");
		return (WATCH_USAGE);
	}
	if (id != NULL && *id == '\0') {
		usage();
		return (WATCH_USAGE);
	}
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK ||
	    (base = base_url(addr)) == NULL) {
		fprintf(stderr, "http-broadcast watch: cannot initialise\n");
		return (WATCH_UNREACHABLE);
	}
	r = id != NULL ? watch_event(base, id, wait_ms) :
	    watch_fleet(base, interval_ms);
	free(base);
	curl_global_cleanup();
	return (r);
}
