/*
 * report: this node's reports (docs/reports.md).  The replayer tells it
 * each event's outcome; it batches them and publishes one report, a
 * private update on the report topic of REPORT_HUB_ENDPOINT, at most once
 * per REPORT_INTERVAL while there are results, a heartbeat every
 * REPORT_IDLE_INTERVAL otherwise, on the shared libcurl multi handle.
 */

#ifndef HB_REPORT_H
#define HB_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <curl/curl.h>

struct settings;
struct metrics;
struct report;

/* What a report says of the replays (Backlog, LagMs), read when one is
 * made: main hands over the replayer's, so that the reporter, which the
 * replayer calls, does not call it back. */
struct report_replays {
	size_t		(*backlog)(const void *priv);
	int64_t		(*oldest_ms)(const void *priv);	/* 0: none */
	const void	*priv;
};

/* Results waiting to be reported at most; past it the oldest go. */
#define REPORT_MAX_WAITING	100000

enum report_outcome {
	REPORT_APPLIED,		/* 2xx, 3xx */
	REPORT_FAILED,		/* a 4xx, not retried: Why "status" */
	REPORT_DROPPED,		/* given up after AGENT_RETRY_DELAY */
	REPORT_REFUSED		/* never replayed: Code 0 */
};

/* NULL when out of memory.  replays may be NULL (none in a test); it is
 * copied. */
struct report *report_new(CURLM *multi, const struct settings *cfg,
    struct metrics *m, const struct report_replays *replays);
/* Logs the results that could not be reported. */
void report_free(struct report *rep);

/* An event is finished.  id: its EventID, else the hub's id (an empty one
 * is not reported); code: varnishd's last status, 0 when none.  rep may
 * be NULL (reports off). */
void report_result(struct report *rep, const char *id,
    enum report_outcome outcome, long code);

/* Publish a report when one is due.  Returns when it wants to be called
 * again (INT64_MAX: when a transfer ends). */
int64_t report_tick(struct report *rep, int64_t now);
/* If easy is the report's transfer, handle its end and return 1. */
int report_finished(struct report *rep, CURL *easy, CURLcode res);
/* Shutdown: once the replays are finished, the results left go at once,
 * without waiting for REPORT_INTERVAL, in one try. */
void report_stop(struct report *rep);
/* Nothing left to do at shutdown: no publish in flight, and every result
 * reported or its last try failed.  1 for a NULL rep. */
int report_drained(const struct report *rep);

/* The report token minted from REPORT_JWT_KEY ("publish" for the report
 * topic only), as hb_jwt_mint(). */
char *report_token_mint(const struct settings *cfg, time_t now, char *err,
    size_t errlen);

#endif /* HB_REPORT_H */
