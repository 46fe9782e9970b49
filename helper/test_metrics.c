/*
 * Unit tests of the metrics' text forms (tbl/metrics.h expanded).
 * "test_metrics print" prints /metrics for zero counters instead: the
 * list check-docs.sh holds the docs to.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "test_check.h"

int
main(int argc, char **argv)
{
	struct metrics m;
	char buf[16384], small[16];
	int n;

	memset(&m, 0, sizeof m);
	if (argc == 2 && strcmp(argv[1], "print") == 0) {
		n = metrics_text(&m, buf, sizeof buf);
		if (n < 0 || (size_t)n >= sizeof buf)
			return (1);
		fputs(buf, stdout);
		return (0);
	}

	m.events_received = 3;
	m.events_without_id = 2;
	m.connected = 1;
	m.last_event_timestamp_seconds = 1700000000;
	n = metrics_text(&m, buf, sizeof buf);
	/* The whole text fits (the status listener grows its buffer). */
	CHECK(n > 0 && (size_t)n < sizeof buf);
	CHECK(strstr(buf, "# HELP http_broadcast_events_received_total Events "
	    "received from the hub.\n# TYPE http_broadcast_events_received_total "
	    "counter\nhttp_broadcast_events_received_total 3\n") == buf);
	CHECK(strstr(buf, "\nhttp_broadcast_events_without_id_total 2\n") != NULL);
	CHECK(strstr(buf, "\n# TYPE http_broadcast_connected gauge\n"
	    "http_broadcast_connected 1\n") != NULL);
	CHECK(strstr(buf, "\nhttp_broadcast_last_event_timestamp_seconds "
	    "1700000000\n") != NULL);
	CHECK(buf[n - 1] == '\n');
	/* Too small a buffer: truncated, the length needed returned. */
	CHECK(metrics_text(&m, small, sizeof small) == n);
	CHECK(strlen(small) == sizeof small - 1);

	/* The log line at exit: its keys, in this order (tests and log
	 * readers match it). */
	n = metrics_logged(&m, buf, sizeof buf);
	CHECK_STR(buf, "received=3 replayed=0 dropped=0 failed=0 refused=0 "
	    "without_id=2 gaps=0 gap_bans=0 stall_checks=0 stalls=0");
	CHECK(n == (int)strlen(buf));
	return (TEST_DONE());
}
