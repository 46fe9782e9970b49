/*
 * metrics: the daemon's counters, owned by main, updated by the stream
 * and the replayer, read by the status listener.  One thread: no locks.
 */

#ifndef HB_METRICS_H
#define HB_METRICS_H

#include <stdint.h>
#include <time.h>

struct metrics {
	uint64_t	events_received;
	uint64_t	events_replayed;
	uint64_t	replays_retried;
	uint64_t	events_dropped;		/* retried until the delay */
	uint64_t	events_failed;		/* 4xx, never retried */
	uint64_t	events_refused;		/* never sent */
	uint64_t	events_duplicate;
	uint64_t	reconnects;
	uint64_t	gaps;
	uint64_t	gap_bans;		/* HUB_GAP_ACTION=ban requests */
	uint64_t	stall_checks;		/* reconnections to check */
	uint64_t	stalls;			/* ... that found a stall */
	uint64_t	events_without_id;	/* replayed, not a cursor */
	uint64_t	cursor_save_failures;
	int		connected;
	int		stalled;		/* a stall is suspected */
	time_t		last_event_time;	/* 0: none yet */
};

#endif /* HB_METRICS_H */
