/*
 * node: a node of the fleet as its reports show it, the rules its own
 * settings and every listener share: what its name may be (NODE_NAME
 * names it in its reports, a listener keys its table by that name, and
 * `http-broadcast report-key NODE` derives its key from it), and how
 * often it may report (docs/reports.md).
 */

#ifndef HB_NODE_H
#define HB_NODE_H

/* 1 when v is a node name: 1 to 128 of A-Z a-z 0-9 . _ : @ -.  A name
 * goes into JSON, /metrics labels and log lines as it is. */
int node_name_valid(const char *v);

/* The Idle a report may announce (REPORT_IDLE_INTERVAL's bounds): a node
 * with a longer one would stay live for as long after it stopped. */
#define REPORT_IDLE_MIN_MS	100
#define REPORT_IDLE_MAX_MS	(24 * 3600 * 1000)
/* REPORT_INTERVAL's least: no node reports more often (a listener bounds
 * the Seq jumps it believes with it). */
#define REPORT_INTERVAL_MIN_MS	10

#endif /* HB_NODE_H */
