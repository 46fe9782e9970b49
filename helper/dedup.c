/*
 * dedup: recent ids in a ring, indexed by a chained hash table.
 * See dedup.h.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "dedup.h"

struct dedup_slot {
	char		*id;
	uint32_t	hash;
	int32_t		chain;		/* next slot in the bucket, or -1 */
	void		*owner;		/* dedup_claim()'s */
	uint64_t	seq;
};

static uint32_t
hash_id(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return (h);
}

int
dedup_init(struct dedup *d, size_t window)
{
	size_t i;

	memset(d, 0, sizeof *d);
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
			free(d->slots[i].id);
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
	free(d->slots[s].id);
	d->slots[s].id = NULL;
}

int
dedup_seen(struct dedup *d, const char *id)
{

	return (dedup_claim(d, id, NULL, 0, NULL, NULL));
}

int
dedup_claim(struct dedup *d, const char *id, void *owner, uint64_t seq,
    void **found_owner, uint64_t *found_seq)
{
	uint32_t h = hash_id(id);
	int32_t s, *bucket = &d->buckets[h & (d->nbuckets - 1)];
	char *copy;

	for (s = *bucket; s != -1; s = d->slots[s].chain)
		if (d->slots[s].hash == h && strcmp(d->slots[s].id, id) == 0) {
			if (found_owner != NULL)
				*found_owner = d->slots[s].owner;
			if (found_seq != NULL)
				*found_seq = d->slots[s].seq;
			return (1);
		}
	copy = strdup(id);
	if (copy == NULL)
		return (-1);
	s = (int32_t)d->next;
	if (d->slots[s].id != NULL)
		unlink_slot(d, s);	/* the oldest id leaves the window */
	d->slots[s].id = copy;
	d->slots[s].hash = h;
	d->slots[s].owner = owner;
	d->slots[s].seq = seq;
	d->slots[s].chain = *bucket;
	*bucket = s;
	d->next = (d->next + 1) % d->window;
	if (d->used < d->window)
		d->used++;
	return (0);
}

void
dedup_each(const struct dedup *d, void (*fn)(void *priv, const char *id),
    void *priv)
{
	size_t i, s;

	/* Full: the oldest is at next; else the ring starts at 0. */
	for (i = 0; i < d->used; i++) {
		s = d->used < d->window ? i : (d->next + i) % d->window;
		if (d->slots[s].id != NULL)
			fn(priv, d->slots[s].id);
	}
}
