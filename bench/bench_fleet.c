/*
 * The CPU a reports' listener spends on a fleet under a sustained flow
 * (bench/listener.sh runs it): RATE events published per second, NODES
 * nodes each sending one report per INTERVAL seconds (REPORT_INTERVAL)
 * that holds the results of the RATE x INTERVAL events of that interval.
 * The reports go straight to fleet_report(), as in test_fleet, with the
 * clock given: what is timed is the listener's own work (parsing the
 * JSON, membership, storing each result), not a hub's.
 *
 *   bench_fleet [NODES=2000] [RATE=50] [SECONDS=10] [INTERVAL=1]
 *
 * Prints the CPU time per simulated second, and per result.
 */

#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "metrics.h"
#include "reports/fleet.h"
#include "settings.h"

static double
cpu_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Node n's report number sec, of the events sec * rate .. + rate - 1. */
static char *
report(unsigned n, unsigned sec, unsigned rate, size_t *len)
{
	char *buf = NULL;
	FILE *o;
	unsigned i;

	o = open_memstream(&buf, len);
	if (o == NULL)
		return (NULL);
	fprintf(o, "{\"Version\":1,\"Node\":\"node-%u\",\"Boot\":\"b%u\","
	    "\"Seq\":%u,\"Time\":1,\"Interval\":1000,\"Idle\":30000,"
	    "\"Subscribed\":true,\"Backlog\":0,\"LagMs\":3,\"Failed\":[],"
	    "\"Applied\":[", n, n, sec + 1);
	for (i = 0; i < rate; i++)
		fprintf(o, "%s{\"ID\":\"urn:uuid:%08u-0000-4000-8000-%012u\","
		    "\"Code\":200,\"Time\":5}", i > 0 ? "," : "", sec,
		    sec * rate + i);
	fprintf(o, "],\"More\":false,\"Totals\":{\"Applied\":%u,\"Failed\":0,"
	    "\"Dropped\":0,\"Refused\":0}}", (sec + 1) * rate);
	if (fclose(o) != 0) {
		free(buf);
		return (NULL);
	}
	return (buf);
}

/* Argument i as a count from 1 to 100,000, def when absent; 0 if bad. */
static unsigned
count(int argc, char **argv, int i, unsigned def)
{
	unsigned long v;
	char *end;

	if (argc <= i)
		return (def);
	v = strtoul(argv[i], &end, 10);
	if (end == argv[i] || *end != '\0' || argv[i][0] == '-' ||
	    v > 100000)
		return (0);
	return ((unsigned)v);
}

int
main(int argc, char **argv)
{
	unsigned nodes = count(argc, argv, 1, 2000);
	unsigned rate = count(argc, argv, 2, 50);
	unsigned secs = count(argc, argv, 3, 10);
	unsigned ival = count(argc, argv, 4, 1);
	unsigned per;
	struct settings cfg;
	struct metrics m;
	struct fleet *f;
	char **r;
	size_t *len, bytes = 0;
	double spent = 0, t;
	int64_t now = 1000000;
	unsigned s, n, refused = 0;

	if (nodes == 0 || rate == 0 || ival == 0 || secs < ival) {
		fprintf(stderr, "usage: bench_fleet [NODES] [RATE] [SECONDS] "
		    "[INTERVAL <= SECONDS], each from 1 to 100000\n");
		return (2);
	}
	per = rate * ival;	/* results in one report */
	secs -= secs % ival;
	log_setup(LOG_TEXT, LOG_ERROR);
	memset(&cfg, 0, sizeof cfg);
	memset(&m, 0, sizeof m);
	cfg.report_idle_ms = 30000;
	f = fleet_new(NULL, &cfg, &m);
	r = calloc(nodes, sizeof *r);
	len = calloc(nodes, sizeof *len);
	if (f == NULL || r == NULL || len == NULL) {
		fprintf(stderr, "bench_fleet: out of memory\n");
		return (1);
	}
	fleet_subscribed(f, now);
	for (s = 0; s < secs / ival; s++) {
		/* Made outside the timed part: a hub hands them over. */
		for (n = 0; n < nodes; n++) {
			r[n] = report(n, s, per, &len[n]);
			if (r[n] == NULL) {
				fprintf(stderr, "bench_fleet: out of memory\n");
				return (1);
			}
			bytes += len[n];
		}
		t = cpu_s();
		for (n = 0; n < nodes; n++)
			if (fleet_report(f, r[n], len[n], now + n) != 0)
				refused++;
		spent += cpu_s() - t;
		for (n = 0; n < nodes; n++)
			free(r[n]);
		now += 1000 * (int64_t)ival;
	}
	printf("nodes=%u rate=%u seconds=%u interval=%u reports=%u bytes=%zu "
	    "refused=%u\n", nodes, rate, secs, ival, nodes * (secs / ival),
	    bytes, refused);
	printf("cpu_ms_per_second=%.1f ns_per_result=%.0f\n",
	    spent * 1000 / secs, spent * 1e9 / ((double)nodes * rate * secs));
	fleet_free(f);
	free(r);
	free(len);
	return (refused != 0);
}
