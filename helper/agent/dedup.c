/*
 * dedup: recent ids in a ring, indexed by a chained hash table.
 * See dedup.h.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hb_miniobj.h"
#include "hb_siphash.h"

#include "dedup.h"

/*
 * Ids up to ID_INLINE - 1 bytes (a Mercure urn:uuid: id is 45) are kept in
 * the slot itself, in the table's one allocation: a window of ids strdup'ed
 * one by one during a burst would sit among the burst's freed memory, each
 * pinning its page of the heap, so that the daemon could not give the
 * burst's memory back.  Longer ids are strdup'ed.
 */
#define ID_INLINE	64

struct dedup_slot {
	char		*id;		/* inl, or malloc'ed */
	uint64_t	hash;
	uint64_t	digest;		/* of the content; 0: unknown */
	int32_t		chain;		/* next slot in the bucket, or -1 */
	void		*owner;		/* dedup_claim()'s */
	uint64_t	seq;
	char		inl[ID_INLINE];
};

static void
slot_id_free(struct dedup_slot *sl)
{
	if (sl->id != sl->inl)
		free(sl->id);
	sl->id = NULL;
}

int
dedup_init(struct dedup *d, size_t window)
{
	size_t i;

	INIT_OBJ(d, DEDUP_MAGIC);
	/* A key per table: what one process's table shows (its timing)
	 * tells nothing about another's. */
	if (hb_siphash_key_new(&d->key) != 0 ||
	    hb_siphash_key_new(&d->ckey) != 0)
		return (-1);
	d->window = window;
	d->nbuckets = 1;
	while (d->nbuckets < window * 2)
		d->nbuckets *= 2;
	d->slots = calloc(window, sizeof *d->slots);
	d->buckets = malloc(d->nbuckets * sizeof *d->buckets);
	if (d->slots == NULL || d->buckets == NULL) {
		dedup_fini(d);
		return (-1);
	}
	for (i = 0; i < d->nbuckets; i++)
		d->buckets[i] = -1;
	return (0);
}

void
dedup_fini(struct dedup *d)
{
	size_t i;

	if (d->slots != NULL)
		for (i = 0; i < d->used; i++)
			slot_id_free(&d->slots[i]);
	free(d->slots);
	free(d->buckets);
	memset(d, 0, sizeof *d);
}

static void
unlink_slot(struct dedup *d, int32_t s)
{
	int32_t *pp = &d->buckets[d->slots[s].hash & (d->nbuckets - 1)];

	while (*pp != -1 && *pp != s)
		pp = &d->slots[*pp].chain;
	if (*pp == s)
		*pp = d->slots[s].chain;
	slot_id_free(&d->slots[s]);
}

int
dedup_seen(struct dedup *d, const char *id)
{

	CHECK_OBJ_NOTNULL(d, DEDUP_MAGIC);
	return (dedup_claim(d, id, 0, NULL, 0, NULL, NULL));
}

uint64_t
dedup_digest(const struct dedup *d, const void *data, size_t len)
{
	uint64_t h;

	CHECK_OBJ_NOTNULL(d, DEDUP_MAGIC);
	h = hb_siphash(&d->ckey, data, len);
	return (h != 0 ? h : 1);	/* 0 means unknown */
}

int
dedup_claim(struct dedup *d, const char *id, uint64_t digest, void *owner,
    uint64_t seq, void **found_owner, uint64_t *found_seq)
{
	uint64_t h;
	int32_t s, *bucket;
	int conflict = 0;
	size_t len;
	char *copy;

	CHECK_OBJ_NOTNULL(d, DEDUP_MAGIC);
	h = hb_siphash_str(&d->key, id);
	bucket = &d->buckets[h & (d->nbuckets - 1)];
	for (s = *bucket; s != -1; s = d->slots[s].chain) {
		if (d->slots[s].hash != h || strcmp(d->slots[s].id, id) != 0)
			continue;
		if (digest != 0 && d->slots[s].digest != 0 &&
		    d->slots[s].digest != digest) {
			conflict = 1;	/* another event: look further */
			continue;
		}
		if (found_owner != NULL)
			*found_owner = d->slots[s].owner;
		if (found_seq != NULL)
			*found_seq = d->slots[s].seq;
		return (DEDUP_SAME);
	}
	s = (int32_t)d->next;
	len = strlen(id);
	copy = d->slots[s].inl;
	if (len >= sizeof d->slots[s].inl && (copy = strdup(id)) == NULL)
		return (-1);
	if (d->slots[s].id != NULL)
		unlink_slot(d, s);	/* the oldest id leaves the window */
	if (copy == d->slots[s].inl)
		memcpy(copy, id, len + 1);
	d->slots[s].id = copy;
	d->slots[s].hash = h;
	d->slots[s].digest = digest;
	d->slots[s].owner = owner;
	d->slots[s].seq = seq;
	d->slots[s].chain = *bucket;
	*bucket = s;
	d->next = (d->next + 1) % d->window;
	if (d->used < d->window)
		d->used++;
	return (conflict ? DEDUP_CONFLICT : DEDUP_NEW);
}

size_t
dedup_longest_chain(const struct dedup *d)
{
	size_t b, n, most = 0;
	int32_t s;

	CHECK_OBJ_NOTNULL(d, DEDUP_MAGIC);
	for (b = 0; b < d->nbuckets; b++) {
		n = 0;
		for (s = d->buckets[b]; s != -1; s = d->slots[s].chain)
			n++;
		if (n > most)
			most = n;
	}
	return (most);
}

void
dedup_each(const struct dedup *d, void (*fn)(void *priv, const char *id),
    void *priv)
{
	size_t i, s;

	CHECK_OBJ_NOTNULL(d, DEDUP_MAGIC);
	/* Full: the oldest is at next; else the ring starts at 0. */
	for (i = 0; i < d->used; i++) {
		s = d->used < d->window ? i : (d->next + i) % d->window;
		if (d->slots[s].id != NULL)
			fn(priv, d->slots[s].id);
	}
}
