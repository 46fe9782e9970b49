/*
 * stream: the subscription to the hub.  It owns the long-lived GET on the
 * shared libcurl multi handle, feeds the body to the SSE parser, hands
 * each event to the replayer (after the duplicate check), and reconnects
 * forever: backoff with jitter, the hub's retry: hint, a fresh token and
 * the Last-Event-ID of the newest event received at each new connection.
 */

#ifndef HB_STREAM_H
#define HB_STREAM_H

#include <stdint.h>

#include <curl/curl.h>

struct settings;
struct metrics;
struct cursor;
struct replay;
struct stream;

struct dedup;

/* Every hub's stream (one per URL of HUB_ENDPOINT), and the window of
 * EventIDs they share (NULL with one hub). */
struct streams {
	struct stream		**v;
	size_t			n;
	struct dedup		*events;
};

/* The stream of cfg->hubs[hub], resuming from cur, its own cursor. */
struct stream *stream_new(CURLM *multi, const struct settings *cfg,
    size_t hub, struct metrics *m, struct cursor *cur, struct replay *r,
    struct streams *all);
void stream_free(struct stream *s);

/* Connect when due, detect idleness, resume a paused transfer when the
 * replayer caught up.  Returns the time it wants to be called again. */
int64_t stream_tick(struct stream *s, int64_t now);
/* Stop reading for good (shutdown). */
void stream_stop(struct stream *s);

#endif /* HB_STREAM_H */
