/*
 * replay: turn each received event into an HTTP request to the local
 * varnishd, on the shared libcurl multi handle.  It owns the queue of
 * events waiting to be sent, the transfers in flight (bounded), and the
 * retries with their backoff; it tells the cursor when an event is
 * finished, whatever its fate.
 */

#ifndef HB_REPLAY_H
#define HB_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "hb_event.h"

struct settings;
struct metrics;
struct cursor;
struct replay;
struct report;

struct replay *replay_new(CURLM *multi, const struct settings *cfg,
    struct metrics *m);
void replay_free(struct replay *r);

/* An event decoded and checked once, on the hot path: the stream looks
 * at it (is it a copy another hub delivered?) and hands it over. */
struct replay_event {
	struct hb_event	ev;		/* owns its storage when decoded */
	int		decoded;
	int		valid;		/* the replayer would take it */
	char		why[256];	/* when not, why */
};

/* Decode an event's JSON and check it as the replayer does
 * (AGENT_ALLOWED_METHODS included).  Release re with replay_event_free()
 * unless it goes to replay_submit(). */
void replay_decode(const struct replay *r, const char *json, size_t len,
    struct replay_event *re);
void replay_event_free(struct replay_event *re);
/* Take one event for sequence seq of cursor cur (its hub's), re's storage
 * with it; an event decode or check refused is refused here (logged,
 * counted, reported).  Never sends from here (this runs inside libcurl
 * callbacks): replay_tick() does. */
void replay_submit(struct replay *r, struct cursor *cur, uint64_t seq,
    const char *id, struct replay_event *re);
/* The request that bans everything cached after a gap (see stream.c),
 * for sequence seq of the cursor. */
void replay_submit_gap(struct replay *r, struct cursor *cur, uint64_t seq);
/* Start what is due.  Returns the time of the next retry (INT64_MAX: no
 * retry is waiting). */
int64_t replay_tick(struct replay *r, int64_t now);
/* If easy is one of ours, handle its end and return 1. */
int replay_finished(struct replay *r, CURL *easy, CURLcode res);
/* Events accepted and not finished (queued, waiting, in flight). */
size_t replay_backlog(const struct replay *r);
/* When the oldest unfinished event was received (clock_ms()), 0 when
 * none is. */
int64_t replay_oldest_ms(const struct replay *r);
/* Tell rep (NULL: reports off) each event's outcome. */
void replay_set_report(struct replay *r, struct report *rep);
struct report *replay_reporter(const struct replay *r);
/* Give up on every unfinished event (shutdown deadline): they stay
 * ahead of the cursor, so the next run replays them. */
void replay_abandon(struct replay *r);

#endif /* HB_REPLAY_H */
