/*
 * dedup: the window of recently received event ids.  After a reconnect a
 * hub may deliver again events we already have; an id found in the window
 * is skipped.  Fixed size (oldest id forgotten first), O(1) per event.
 *
 * The ids come from hubs, so the table is hashed with SipHash under a key
 * drawn for each table: nobody can craft ids that share a bucket.  With
 * several hubs an id is kept with a digest of the event's content (under
 * a second key of the table), so that a copy counts as the same event only
 * when its content is the same: a hub cannot cancel another's event by
 * sending something else under its id first.
 */

#ifndef HB_DEDUP_H
#define HB_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "hb_siphash.h"

struct dedup_slot;

struct dedup {
	unsigned		magic;
#define DEDUP_MAGIC		0x2dd0b5e7
	struct dedup_slot	*slots;		/* ring of ids, window long */
	int32_t			*buckets;	/* hash -> slot, chained */
	size_t			window, nbuckets, next, used;
	struct hb_siphash_key	key;		/* of the buckets */
	struct hb_siphash_key	ckey;		/* of the contents */
};

/* 0, or -1 (no memory, or no randomness for the keys). */
int dedup_init(struct dedup *d, size_t window);
void dedup_fini(struct dedup *d);
/* 1 if id is in the window; else adds it and returns 0 (-1: no memory). */
int dedup_seen(struct dedup *d, const char *id);

/* The digest of an event's content, for dedup_claim(); never 0. */
uint64_t dedup_digest(const struct dedup *d, const void *data, size_t len);

#define DEDUP_NEW	0	/* added */
#define DEDUP_SAME	1	/* a copy of one in the window */
#define DEDUP_CONFLICT	2	/* same id, other content: added too */
/*
 * Claim id for an event of this digest (0: content unknown, which
 * matches any), keeping (owner, seq) with it.  DEDUP_SAME gives back the
 * (owner, seq) of the entry it matched (the first to claim it); -1: no
 * memory.
 */
int dedup_claim(struct dedup *d, const char *id, uint64_t digest,
    void *owner, uint64_t seq, void **found_owner, uint64_t *found_seq);

/* The longest chain of one bucket (for tests and benches). */
size_t dedup_longest_chain(const struct dedup *d);

/* Each id of the window, oldest first. */
void dedup_each(const struct dedup *d, void (*fn)(void *priv, const char *id),
    void *priv);

#endif /* HB_DEDUP_H */
