/*
 * memory: give the heap's free memory back to the system after a burst.
 *
 * The daemon is single-threaded and its bursts (a backlog of replays, a
 * flood of connections in server mode) allocate many small blocks; once
 * they are freed, glibc keeps the pages unless told otherwise, and the
 * daemon would keep the peak's private memory for good.  The callers
 * decide when a burst is over; this module owns how memory is returned.
 */

#ifndef HB_MEMORY_H
#define HB_MEMORY_H

/* Return the free pages of the heap to the system (a no-op without glibc).
 * It walks the whole heap: call it once a burst is over, not per event. */
void memory_return(void);

#endif /* HB_MEMORY_H */
