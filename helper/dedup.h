/*
 * dedup: the window of recently received event ids.  After a reconnect a
 * hub may deliver again events we already have; an id found in the window
 * is skipped.  Fixed size (oldest id forgotten first), O(1) per event.
 */

#ifndef HB_DEDUP_H
#define HB_DEDUP_H

#include <stddef.h>
#include <stdint.h>

struct dedup_slot;

struct dedup {
	struct dedup_slot	*slots;		/* ring of ids, window long */
	int32_t			*buckets;	/* hash -> slot, chained */
	size_t			window, nbuckets, next, used;
};

int dedup_init(struct dedup *d, size_t window);
void dedup_fini(struct dedup *d);
/* 1 if id is in the window; else adds it and returns 0 (-1: no memory). */
int dedup_seen(struct dedup *d, const char *id);
/* The same, keeping (owner, seq) with an id added, and giving back those
 * of the id found (the first to claim it). */
int dedup_claim(struct dedup *d, const char *id, void *owner, uint64_t seq,
    void **found_owner, uint64_t *found_seq);

/* Each id of the window, oldest first. */
void dedup_each(const struct dedup *d, void (*fn)(void *priv, const char *id),
    void *priv);

#endif /* HB_DEDUP_H */
