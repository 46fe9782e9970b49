/*
 * Unit tests of the reports' listener without a hub: reports go straight
 * to fleet_report(), with the clock given.  What the .vtc tests cannot
 * reach in reasonable time: the bounds (events evicted oldest first, the
 * table of nodes full, a gone node's place reused without its results,
 * one outcome per node and event), which of a node's outcomes counts, late
 * reports, the liveness a listener grants, Settled again after a lost
 * subscription, and hostile totals.
 */

#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "log.h"
#include "metrics.h"
#include "reportkey.h"
#include "reportmsg.h"
#include "settings.h"
#include "test_check.h"

#define IDLE	1000

/* Each report of report() has the next Seq: none is late. */
static long long seq = 1;

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
	fprintf(o, "{\"Version\":1,\"Node\":\"%s\",\"Boot\":\"%s\",\"Seq\":%lld,"
	    "\"Time\":1,\"Interval\":100,\"Idle\":%d,\"Subscribed\":true,"
	    "\"Backlog\":0,\"LagMs\":0,\"%s\":[", node, boot, seq++, IDLE,
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

/* A report made of printf's arguments, with the common members around
 * them: fmt gives Node, Boot, Seq, Idle, Applied, Failed and Totals. */
static int
report_fmt(struct fleet *f, int64_t now, const char *fmt, ...)
{
	char *part, *buf;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vasprintf(&part, fmt, ap);
	va_end(ap);
	if (n < 0)
		return (-2);
	n = asprintf(&buf, "{\"Version\":1,\"Time\":1,\"Interval\":100,"
	    "\"Subscribed\":true,\"Backlog\":0,\"LagMs\":0,\"More\":false,"
	    "%s}", part);
	free(part);
	if (n < 0)
		return (-2);
	r = fleet_report(f, buf, (size_t)n, now);
	free(buf);
	return (r);
}

#define NOTOTALS "\"Totals\":{\"Applied\":0,\"Failed\":0,\"Dropped\":0," \
	"\"Refused\":0}"

static unsigned
ask(struct fleet *f, const char *id, int64_t now, const char *want)
{
	unsigned code;
	char *body;

	code = fleet_event(f, id, now, &body);
	/* The code alone (a waiting request's check) is the same. */
	CHECK(fleet_event(f, id, now, NULL) == code);
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

	/* Subscribed again: while not Settled, any number of nodes join. */
	fleet_subscribed(f, now);
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

/* A report naming one event 1,000 times, and 2,000 of them: one outcome
 * per node and event, nothing else evicted. */
static void
test_one_outcome(struct fleet *f, struct metrics *m, int64_t now)
{
	char *buf = NULL;
	size_t len = 0;
	uint64_t evicted = m->fleet_results_evicted;
	FILE *o;
	int i, k;

	CHECK(report(f, "d", "b", "keep", 1, 1, 0, now) == 0);
	for (k = 0; k < 2000; k++) {
		o = open_memstream(&buf, &len);
		CHECK(o != NULL);
		if (o == NULL)
			return;
		fprintf(o, "\"Node\":\"d\",\"Boot\":\"b\",\"Seq\":%lld,"
		    "\"Idle\":%d,\"Failed\":[],\"Applied\":[", seq++, IDLE);
		for (i = 0; i < 1000; i++)
			fprintf(o, "%s{\"ID\":\"dup\",\"Code\":%d,\"Time\":%d}",
			    i > 0 ? "," : "", 200 + i % 2, k);
		fprintf(o, "]," NOTOTALS);
		fclose(o);
		CHECK(report_fmt(f, now, "%s", buf) == 0);
		free(buf);
		buf = NULL;
	}
	CHECK(m->fleet_results_evicted == evicted);
	CHECK(ask(f, "keep1", now, "{\"Node\":\"d\",\"Status\":\"applied\"")
	    == 200);
	/* The last one counts. */
	CHECK(ask(f, "dup", now, "{\"Node\":\"d\",\"Status\":\"applied\","
	    "\"Code\":201,\"Time\":1999}") == 200);
}

/* A late report (same Boot, Seq not above the last) changes no member of
 * its node and no outcome it has; its new results count. */
static void
test_late(struct fleet *f, int64_t now)
{
	char *j;

	CHECK(report_fmt(f, now, "\"Node\":\"l\",\"Boot\":\"b\",\"Seq\":5,"
	    "\"Idle\":%d,\"Applied\":[{\"ID\":\"l1\",\"Code\":200,"
	    "\"Time\":1}],\"Failed\":[]," NOTOTALS, IDLE) == 0);
	CHECK(report_fmt(f, now + 10, "\"Node\":\"l\",\"Boot\":\"b\","
	    "\"Seq\":4,\"Idle\":%d,\"Applied\":[],\"Failed\":[{\"ID\":"
	    "\"l1\",\"Code\":500,\"Time\":2,\"Why\":\"status\"},{\"ID\":"
	    "\"l2\",\"Code\":500,\"Time\":2,\"Why\":\"status\"}],"
	    "\"Totals\":{\"Applied\":7,\"Failed\":0,\"Dropped\":0,"
	    "\"Refused\":0}", 2 * IDLE) == 0);
	CHECK(ask(f, "l1", now + 10, "{\"Node\":\"l\",\"Status\":\"applied\","
	    "\"Code\":200") == 200);
	CHECK(ask(f, "l2", now + 10, "{\"Node\":\"l\",\"Status\":\"failed\","
	    "\"Code\":500") == 502);
	j = fleet_json(f, now + 10);
	CHECK(j != NULL && strstr(j, "{\"Node\":\"l\",\"Boot\":\"b\","
	    "\"Seq\":5,\"AgeMs\":0,\"Interval\":100,\"Idle\":1000,") != NULL);
	CHECK(j != NULL && strstr(j, "\"Applied\":7") == NULL);
	free(j);
	/* A late report keeps its node live (a forged Seq cannot silence
	 * the real reports that follow it), for twice its own Idle. */
	CHECK(ask(f, "l1", now + 10 + 4 * IDLE, "\"Live\":1,") == 200);
	CHECK(ask(f, "l1", now + 10 + 4 * IDLE + 1, "\"Why\":\"no live "
	    "node\"") == 503);
}

/* Idle of a day: live for 2 x 10 of the listener's idle interval. */
static void
test_trust_cap(struct fleet *f, int64_t now)
{
	CHECK(report_fmt(f, now, "\"Node\":\"t\",\"Boot\":\"b\",\"Seq\":1,"
	    "\"Idle\":86400000,\"Applied\":[{\"ID\":\"t1\",\"Code\":200,"
	    "\"Time\":1}],\"Failed\":[]," NOTOTALS) == 0);
	CHECK(ask(f, "t1", now + 20 * IDLE, "\"Live\":1,") == 200);
	CHECK(ask(f, "t1", now + 20 * IDLE + 1, "\"Why\":\"no live node\"") ==
	    503);
}

/* An entry with a bad ID costs that entry only. */
static void
test_bad_id(struct fleet *f, int64_t now)
{
	CHECK(report_fmt(f, now, "\"Node\":\"i\",\"Boot\":\"b\",\"Seq\":1,"
	    "\"Idle\":%d,\"Applied\":[{\"ID\":\"\",\"Code\":200,\"Time\":1},"
	    "{\"ID\":\"a\\u0001b\",\"Code\":200,\"Time\":1},{\"ID\":\"i1\","
	    "\"Code\":200,\"Time\":1}],\"Failed\":[]," NOTOTALS, IDLE) == 0);
	CHECK(ask(f, "i1", now, "{\"Node\":\"i\",\"Status\":\"applied\"") ==
	    200);
}

/* Totals of INT64_MAX: the failed series saturates (no overflow). */
static void
test_totals(struct fleet *f, int64_t now)
{
	char buf[65536];
	int n;

	CHECK(report_fmt(f, now, "\"Node\":\"big\",\"Boot\":\"b\",\"Seq\":1,"
	    "\"Idle\":%d,\"Applied\":[],\"Failed\":[],\"Totals\":{\"Applied\":"
	    "%" PRId64 ",\"Failed\":%" PRId64 ",\"Dropped\":%" PRId64 ","
	    "\"Refused\":%" PRId64 "}", IDLE, INT64_MAX, INT64_MAX, INT64_MAX,
	    INT64_MAX) == 0);
	n = fleet_metrics_text(f, now, buf, sizeof buf);
	CHECK(n > 0 && (size_t)n < sizeof buf);
	CHECK(strstr(buf, "http_broadcast_fleet_node_failed_total{node=\"big\"} "
	    "9223372036854775807\n") != NULL);
}

/* One forged report (the shared token, the node's Boot read from /fleet)
 * cannot make a live node leave: a Seq no node can reach is refused, a
 * short Idle or a new Boot does not shorten its liveness, and its real
 * reports, late after a plausible jump, still keep it live. */
static void
test_forged(struct fleet *f, struct metrics *m, int64_t now)
{
	uint64_t forged = m->reports_forged;

	CHECK(report_fmt(f, now, "\"Node\":\"g1\",\"Boot\":\"b\",\"Seq\":1,"
	    "\"Idle\":%d,\"Applied\":[{\"ID\":\"g\",\"Code\":200,\"Time\":1}],"
	    "\"Failed\":[]," NOTOTALS, IDLE) == 0);
	CHECK(report_fmt(f, now, "\"Node\":\"g2\",\"Boot\":\"b\",\"Seq\":5,"
	    "\"Idle\":%d,\"Applied\":[],\"Failed\":[]," NOTOTALS, IDLE) == 0);
	CHECK(ask(f, "g", now, "{\"Node\":\"g2\",\"Status\":\"pending\"}") ==
	    202);
	/* Seq 2^63 - 1 and Idle 100: refused, counted. */
	CHECK(report_fmt(f, now + 1, "\"Node\":\"g2\",\"Boot\":\"b\","
	    "\"Seq\":9223372036854775807,\"Idle\":100,\"Applied\":[],"
	    "\"Failed\":[]," NOTOTALS) == -1);
	CHECK(m->reports_forged == forged + 1);
	CHECK(report_fmt(f, now + 2, "\"Node\":\"g2\",\"Boot\":\"b\","
	    "\"Seq\":6,\"Idle\":%d,\"Applied\":[],\"Failed\":[]," NOTOTALS,
	    IDLE) == 0);
	CHECK(ask(f, "g", now + 300, "{\"Node\":\"g2\",\"Status\":\"pending\"}")
	    == 202);
	/* The largest jump taken (128 at once) with Idle 100: the real
	 * reports that follow are late, and keep the node live. */
	CHECK(report_fmt(f, now + 300, "\"Node\":\"g2\",\"Boot\":\"b\","
	    "\"Seq\":134,\"Idle\":100,\"Applied\":[],\"Failed\":[]," NOTOTALS)
	    == 0);
	CHECK(ask(f, "g", now + 600, "{\"Node\":\"g2\",\"Status\":\"pending\"}")
	    == 202);
	CHECK(report_fmt(f, now + 900, "\"Node\":\"g2\",\"Boot\":\"b\","
	    "\"Seq\":7,\"Idle\":%d,\"Applied\":[],\"Failed\":[]," NOTOTALS,
	    IDLE) == 0);
	CHECK(ask(f, "g", now + 900 + 2 * IDLE - 1, "{\"Node\":\"g2\","
	    "\"Status\":\"pending\"}") == 202);
	/* A new Boot with Idle 100: the node stays live for the window
	 * its real reports gave it. */
	CHECK(report_fmt(f, now + 1000, "\"Node\":\"g2\",\"Boot\":\"evil\","
	    "\"Seq\":1,\"Idle\":100,\"Applied\":[],\"Failed\":[]," NOTOTALS)
	    == 0);
	CHECK(ask(f, "g", now + 900 + 2 * IDLE - 1, "{\"Node\":\"g2\","
	    "\"Status\":\"pending\"}") == 202);
	CHECK(m->reports_forged == forged + 1);
}

/* Past the first Settled, at most FLEET_JOINS_MAX new names join per
 * idle interval: more are refused, counted, and the listener is not
 * Settled again (a node refused may be real), so never 200 meanwhile. */
static void
test_joins(struct fleet *f, struct metrics *m, int64_t now)
{
	char name[32];
	int i;

	CHECK(report(f, "j", "b", "jv", 1, 1, 0, now) == 0);
	CHECK(ask(f, "jv1", now, "\"Settled\":true") == 200);
	for (i = 1; i < FLEET_JOINS_MAX; i++) {
		snprintf(name, sizeof name, "j%d", i);
		CHECK(report(f, name, "b", "jv", 1, 1, 0, now) == 0);
	}
	CHECK(report(f, "jx", "b", "jv", 1, 1, 0, now + 1) == -1);
	CHECK(m->fleet_joins_refused == 1);
	CHECK(ask(f, "jv1", now + 1, "\"Settled\":false") == 202);
	/* Not Settled after a refusal is no open door: more new names in
	 * the same interval are refused too. */
	CHECK(report(f, "jy", "b", "jv", 1, 1, 0, now + 2) == -1);
	CHECK(report(f, "jz", "b", "jv", 1, 1, 0, now + 3) == -1);
	CHECK(m->fleet_joins_refused == 3);
	/* The next interval, it joins; Settled once an interval and 1 s
	 * passed since the last refusal. */
	CHECK(report(f, "jx", "b", "jv", 1, 1, 0, now + IDLE) == 0);
	CHECK(ask(f, "jv1", now + IDLE, "\"Settled\":false") == 202);
	CHECK(ask(f, "jv1", now + 3 + IDLE + 1000, "\"Settled\":true") == 200);
}

/* A subscription lost and made again: not Settled again for
 * REPORT_IDLE_INTERVAL + 1 s, whatever the live nodes applied. */
static void
test_resubscribed(struct fleet *f, int64_t now)
{
	char *j;

	CHECK(report(f, "r", "b", "r", 1, 1, 0, now) == 0);
	CHECK(ask(f, "r1", now, "\"Settled\":true") == 200);
	fleet_subscribed(f, now);
	CHECK(ask(f, "r1", now + IDLE + 999, "\"Settled\":false") == 202);
	j = fleet_json(f, now);
	CHECK(j != NULL && strstr(j, "\"Settled\":false") != NULL);
	free(j);
	CHECK(report(f, "r", "b", "r", 1, 1, 0, now + IDLE + 1000) == 0);
	CHECK(ask(f, "r1", now + IDLE + 1000, "\"Settled\":true") == 200);
}

/* A report of node, signed with the key of key_node (NULL: unsigned),
 * its last byte of Boot changed after signing when tamper is set. */
static int
signed_report(struct fleet *f, const struct hb_hmac *master, const char *node,
    const char *key_node, int tamper, int64_t now)
{
	unsigned char key[HB_SHA256_LEN];
	char *json, *out;
	size_t len;
	int n, r;

	n = asprintf(&json, "{\"Version\":1,\"Node\":\"%s\",\"Boot\":\"bb\","
	    "\"Seq\":%lld,\"Time\":1,\"Interval\":100,\"Idle\":%d,"
	    "\"Subscribed\":true,\"Backlog\":0,\"LagMs\":0,\"Applied\":[{"
	    "\"ID\":\"s1\",\"Code\":200,\"Time\":1}],\"Failed\":[],"
	    "\"More\":false," NOTOTALS "}", node, seq++, IDLE);
	if (n < 0)
		return (-2);
	if (key_node == NULL) {
		r = fleet_report(f, json, (size_t)n, now);
		free(json);
		return (r);
	}
	reportkey_derive(master, key_node, key);
	out = reportkey_sign(key, json, (size_t)n, &len);
	free(json);
	if (out == NULL)
		return (-2);
	if (tamper)
		strstr(out, "\"bb\"")[1] = 'c';
	r = fleet_report(f, out, len, now);
	free(out);
	return (r);
}

/* The format of a node's key and of a signature, pinned (the values are
 * Python's hmac's): a node's key is HMAC-SHA256(master, "http-broadcast
 * report v1", NUL, name); the Sig of {"a":1} is the MAC of those bytes. */
static void
test_sign_format(void)
{
	static const char master[] = "0123456789abcdef0123456789abcdef";
	unsigned char key[HB_SHA256_LEN];
	struct hb_hmac m;
	char hex[2 * HB_SHA256_LEN + 1], *out;
	size_t len;
	int i;

	hb_hmac_init(&m, master, 32);
	reportkey_derive(&m, "web-1", key);
	for (i = 0; i < HB_SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	CHECK_STR(hex, "0e7c6a4db0bef461c3d7dfb6f27430292f4a33ac3ab68e2471333"
	    "7c4071d68bc");
	out = reportkey_sign(key, "{\"a\":1}", 7, &len);
	CHECK_STR(out, "{\"a\":1,\"Sig\":\"17de33ecdcedc8bc888d31454733ebd9f71"
	    "c72f577065a1751a818ea6765b26f\"}");
	CHECK(out != NULL && len == strlen(out));
	CHECK(out != NULL && reportkey_verify(&m, "web-1", out, len) == NULL);
	CHECK(out != NULL && reportkey_verify(&m, "web-2", out, len) != NULL);
	free(out);
	CHECK(reportkey_sign(key, "[1]", 3, &len) == NULL);
}

/* With a master key (REPORT_VERIFY_KEY_FILE): a report counts only when
 * signed with the key of the node it names. */
static void
test_signed(const struct settings *base, struct metrics *m, int64_t now)
{
	struct settings cfg = *base;
	struct fleet *f;
	uint64_t forged = m->reports_forged;
	char path[] = "master";

	cfg.report_verify_key_file = path;
	hb_hmac_init(&cfg.report_verify, "0123456789abcdef0123456789abcdef",
	    32);
	f = fleet_new(NULL, &cfg, m);
	CHECK(f != NULL);
	if (f == NULL)
		return;
	fleet_subscribed(f, now);
	now += IDLE + 1000;
	CHECK(signed_report(f, &cfg.report_verify, "n1", "n1", 0, now) == 0);
	/* Unsigned, signed with n1's key, altered after signing. */
	CHECK(signed_report(f, &cfg.report_verify, "n2", NULL, 0, now) == -1);
	CHECK(signed_report(f, &cfg.report_verify, "n2", "n1", 0, now) == -1);
	CHECK(signed_report(f, &cfg.report_verify, "n1", "n1", 1, now) == -1);
	CHECK(m->reports_forged == forged + 3);
	CHECK(ask(f, "s1", now, "\"Live\":1,\"Applied\":1,") == 200);
	CHECK(signed_report(f, &cfg.report_verify, "n2", "n2", 0, now) == 0);
	CHECK(ask(f, "s1", now, "\"Live\":2,\"Applied\":2,") == 200);
	fleet_free(f);
}

/* The tests above, each on a fleet of its own (the nodes of one leave
 * before the next), Settled. */
static void
test_more(const struct settings *cfg, struct metrics *m, int64_t now)
{
	struct fleet *f = fleet_new(NULL, cfg, m);

	CHECK(f != NULL);
	if (f == NULL)
		return;
	fleet_subscribed(f, now);
	now += IDLE + 1000;
	test_totals(f, now);
	now += 2 * IDLE + 1;
	test_bad_id(f, now);
	now += 2 * IDLE + 1;
	test_one_outcome(f, m, now);
	now += 2 * IDLE + 1;
	test_late(f, now);
	now += 4 * IDLE + 11;
	test_trust_cap(f, now);
	now += 20 * IDLE + 1;
	test_resubscribed(f, now);
	now += 2 * IDLE + 1;
	test_forged(f, m, now);
	now += 3000 + 2 * IDLE;
	test_joins(f, m, now);
	fleet_free(f);
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
	test_more(&cfg, &m, t0);
	test_sign_format();
	test_signed(&cfg, &m, t0);
	return (TEST_DONE());
}
