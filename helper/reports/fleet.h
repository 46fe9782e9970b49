/*
 * fleet: the listening side of the reports (REPORT_LISTEN=1,
 * docs/reports.md).  It subscribes to the report topic on the report hub
 * (one SSE transfer on the shared multi handle), has each report checked
 * (reportmsg.c), and keeps what they say: the membership (each node's last
 * report, live while heard within twice its idle interval, capped at
 * ten of ours; no report shortens it) and, per event id, each node's
 * last outcome.  With a master key (REPORT_VERIFY_KEY_FILE) only reports
 * signed with their node's key count.  Bounded: FLEET_MAX_NODES nodes,
 * FLEET_JOINS_MAX new ones per idle interval once Settled,
 * FLEET_MAX_EVENTS event ids and FLEET_MAX_OUTCOMES outcomes in all, the
 * oldest events evicted first.
 *
 * The status listener asks it for the answers of /events/<id> and /fleet,
 * and watches its generation (bumped by every change an answer may
 * depend on) to re-check the requests that wait.
 */

#ifndef HB_FLEET_H
#define HB_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#define FLEET_MAX_NODES		10000
#define FLEET_MAX_EVENTS	20000
#define FLEET_MAX_OUTCOMES	2000000
#define FLEET_LAGGING_MS	5000
/* New node names joining per REPORT_IDLE_INTERVAL at most, once Settled:
 * a flood of names made up with the shared report token is bounded and
 * shows in the log and the metrics. */
#define FLEET_JOINS_MAX		1000

struct settings;
struct metrics;
struct fleet;

struct fleet *fleet_new(CURLM *multi, const struct settings *cfg,
    struct metrics *m);
void fleet_free(struct fleet *f);

/* Connect when due, end an idle connection, notice nodes that left.
 * Returns the time it wants to be called again. */
int64_t fleet_tick(struct fleet *f, int64_t now);
/* Stop for good (shutdown). */
void fleet_stop(struct fleet *f);

/* The report hub accepted the subscription (the SSE code calls it when
 * the headers come; so do the unit tests): answers may be given, and the
 * listener is Settled REPORT_IDLE_INTERVAL + 1 s after, each time. */
void fleet_subscribed(struct fleet *f, int64_t now);
/* A report, as the data of an update (the SSE code calls it; so do the
 * unit tests).  0 when accepted, -1 when refused (logged, counted). */
int fleet_report(struct fleet *f, const char *data, size_t len, int64_t now);

/* Bumped by each change an answer may depend on. */
uint64_t fleet_generation(const struct fleet *f);
/* When the answers may first be 200 (INT64_MAX: not subscribed yet). */
int64_t fleet_settled_at(const struct fleet *f);

/* The answer of /events/<id> now: its HTTP code (200, 502, 202, 503), and
 * when body is not NULL the JSON body (malloc'ed, NULL when out of
 * memory).  200 and 502 are final: a waiting request gets them at once.
 * Without body, O(the event's outcomes), the live nodes counted once for
 * all the calls with the same now and generation. */
unsigned fleet_event(struct fleet *f, const char *id, int64_t now,
    char **body);
/* The JSON body of /fleet (malloc'ed, NULL when out of memory). */
char *fleet_json(const struct fleet *f, int64_t now);
/* The per-node series of /metrics (live nodes), as snprintf. */
int fleet_metrics_text(const struct fleet *f, int64_t now, char *buf,
    size_t len);

#endif /* HB_FLEET_H */
