/*
 * Unit tests of the reports' listener without a hub: reports go straight
 * to fleet_report(), with the clock given.  What the .vtc tests cannot
 * reach in reasonable time: the bounds (events evicted oldest first, the
 * table of nodes full, a gone node's place reused without its results),
 * and which of a node's outcomes counts.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "log.h"
#include "metrics.h"
#include "settings.h"
#include "../lib/test_check.h"

#define IDLE	1000

/* A report of node with n entries ids "<prefix><first + i>", applied
 * (code 200) or failed (500, dropped). */
static int
report(struct fleet *f, const char *node, const char *boot, const char *prefix,
    int first, int n, int failed, int64_t now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o;
	int i, r;

	o = open_memstream(&buf, &len);
	if (o == NULL)
		return (-2);
	fprintf(o, "{\"Version\":1,\"Node\":\"%s\",\"Boot\":\"%s\",\"Seq\":1,"
	    "\"Time\":1,\"Interval\":100,\"Idle\":%d,\"Subscribed\":true,"
	    "\"Backlog\":0,\"LagMs\":0,\"%s\":[", node, boot, IDLE,
	    failed ? "Applied\":[],\"Failed" : "Failed\":[],\"Applied");
	for (i = 0; i < n; i++)
		fprintf(o, "%s{\"ID\":\"%s%d\",\"Code\":%d,\"Time\":5%s}",
		    i > 0 ? "," : "", prefix, first + i, failed ? 500 : 200,
		    failed ? ",\"Why\":\"dropped\"" : "");
	fprintf(o, "],\"More\":false,\"Totals\":{\"Applied\":0,\"Failed\":0,"
	    "\"Dropped\":0,\"Refused\":0}}");
	fclose(o);
	r = fleet_report(f, buf, len, now);
	free(buf);
	return (r);
}

static unsigned
ask(struct fleet *f, const char *id, int64_t now, const char *want)
{
	unsigned code;
	char *body;

	code = fleet_event(f, id, now, &body);
	CHECK(body != NULL);
	if (body != NULL && want != NULL && strstr(body, want) == NULL) {
		fprintf(stderr, "answer for %s: %s\n  lacks %s\n", id, body,
		    want);
		CHECK(0);
	}
	free(body);
	return (code);
}

/* 21,000 more events: the oldest are forgotten, the rest answer. */
static void
test_events_bound(struct fleet *f, struct metrics *m, int64_t now)
{
	int i;

	for (i = 0; i < 21; i++)
		CHECK(report(f, "a", "b1", "e", i * 1000, 1000, 0, now) == 0);
	/* s1 of the settling test, then e0 ... e999. */
	CHECK(m->fleet_results_evicted == 1001);
	CHECK(ask(f, "e999", now, "{\"Node\":\"a\",\"Status\":\"pending\"}")
	    == 202);
	CHECK(ask(f, "e1000", now, "\"Status\":\"complete\"") == 200);
	CHECK(ask(f, "e20999", now, "\"Code\":200") == 200);
}

/* The last outcome of a node counts: failed after applied. */
static void
test_last_outcome(struct fleet *f, int64_t now)
{
	CHECK(report(f, "a", "b1", "x", 1, 1, 0, now) == 0);
	CHECK(ask(f, "x1", now, NULL) == 200);
	CHECK(report(f, "a", "b2", "x", 1, 1, 1, now) == 0);
	CHECK(ask(f, "x1", now, "\"Code\":500,\"Time\":5,\"Why\":\"dropped\"")
	    == 502);
}

/* A full table refuses a new node until one is gone; the new one takes
 * its place and none of the former node's results. */
static void
test_nodes_bound(struct fleet *f, struct metrics *m, int64_t now)
{
	char name[32];
	int i;

	CHECK(report(f, "n0", "b", "y", 1, 1, 0, now) == 0);
	for (i = 1; i < FLEET_MAX_NODES; i++) {
		snprintf(name, sizeof name, "n%d", i);
		CHECK(report(f, name, "b", "z", 0, 0, 0, now + 10) == 0);
	}
	CHECK(report(f, "late", "b", "y", 1, 1, 0, now + 10) == -1);
	CHECK(m->reports_refused == 1);
	/* n0 was heard first: gone first. */
	now += 2 * IDLE + 5;
	CHECK(report(f, "late", "b", "w", 1, 1, 0, now) == 0);
	CHECK(ask(f, "y1", now, "{\"Node\":\"late\",\"Status\":\"pending\"}")
	    == 202);
	CHECK(ask(f, "y1", now, "\"Live\":10000,\"Applied\":0,") == 202);
}

static void
test_invalid(struct fleet *f, struct metrics *m, int64_t now)
{
	uint64_t before = m->reports_invalid;

	CHECK(report(f, "a b", "b", "x", 1, 1, 0, now) == -1);
	CHECK(report(f, "a", "", "x", 1, 1, 0, now) == -1);
	CHECK(report(f, "a", "b", "x", 1, 1001, 0, now) == -1);
	CHECK(report(f, "a", "b", "", 1, 0, 0, now) == 0);
	CHECK(fleet_report(f, "[]", 2, now) == -1);
	CHECK(fleet_report(f, "{\"Version\":1,\"Version\":1}", 25, now) ==
	    -1);
	CHECK(m->reports_invalid == before + 5);
}

int
main(void)
{
	struct settings cfg;
	struct metrics m;
	struct fleet *f;
	int64_t t0 = 1000000;

	log_setup(LOG_TEXT, LOG_ERROR);
	memset(&cfg, 0, sizeof cfg);
	memset(&m, 0, sizeof m);
	cfg.report_idle_ms = IDLE;
	f = fleet_new(NULL, &cfg, &m);
	CHECK(f != NULL);
	if (f == NULL)
		return (1);
	/* Not subscribed: unavailable. */
	CHECK(ask(f, "e1", t0, "\"Why\":\"not subscribed to the report "
	    "hub\"") == 503);
	fleet_subscribed(f, t0);
	CHECK(ask(f, "e1", t0, "\"Why\":\"no live node\"") == 503);
	/* Not Settled before REPORT_IDLE_INTERVAL + 1 s: never 200. */
	CHECK(report(f, "a", "b1", "s", 1, 1, 0, t0) == 0);
	CHECK(ask(f, "s1", t0 + IDLE + 999, "\"Settled\":false") == 202);
	t0 += IDLE + 1000;
	CHECK(report(f, "a", "b1", "s", 1, 1, 0, t0) == 0);
	CHECK(ask(f, "s1", t0, "\"Settled\":true") == 200);

	test_events_bound(f, &m, t0);
	test_last_outcome(f, t0);
	test_invalid(f, &m, t0);
	/* Node "a" leaves before the table fills. */
	t0 += 2 * IDLE + 1;
	test_nodes_bound(f, &m, t0);
	fleet_free(f);
	return (TEST_DONE());
}
