/*
 * clock: the monotonic milliseconds all timers of the event loop use, so
 * that a wall clock step never fires or stalls a retry or a reconnect.
 */

#ifndef HB_CLOCK_H
#define HB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
clock_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

#endif /* HB_CLOCK_H */
