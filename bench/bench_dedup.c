/*
 * The cost of the multi-hub EventID table (dedup) under ids crafted to
 * share one bucket of plain FNV-1a, as a hub or publisher could send them
 * (bench/dedup.sh runs it).  Three runs of N ids into a window of WINDOW:
 *   fnv	the crafted ids into a table hashed as before (plain FNV-1a,
 *		the same chained layout, kept here as the reference);
 *   crafted	the same ids into dedup (SipHash, a random key);
 *   plain	ordinary ids into dedup.
 *
 *   bench_dedup [N=50000] [WINDOW=50000]
 *
 * Prints the CPU time of each run and its longest chain.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/dedup.h"
#include "agent/fnv_craft.h"

static double
cpu_s(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* The table as it was: FNV-1a, buckets chained through a ring. */
struct old_table {
	char		**id;
	uint32_t	*hash;
	int32_t		*chain, *buckets;
	size_t		window, nbuckets, next;
};

static void
old_init(struct old_table *t, size_t window)
{
	size_t i;

	t->window = window;
	for (t->nbuckets = 1; t->nbuckets < window * 2; t->nbuckets *= 2)
		continue;
	t->id = calloc(window, sizeof *t->id);
	t->hash = calloc(window, sizeof *t->hash);
	t->chain = calloc(window, sizeof *t->chain);
	t->buckets = malloc(t->nbuckets * sizeof *t->buckets);
	if (t->id == NULL || t->hash == NULL || t->chain == NULL ||
	    t->buckets == NULL) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	for (i = 0; i < t->nbuckets; i++)
		t->buckets[i] = -1;
	t->next = 0;
}

static int
old_seen(struct old_table *t, const char *id)
{
	uint32_t h = fnv_craft_hash(id);
	int32_t s, *b = &t->buckets[h & (t->nbuckets - 1)], *pp;

	for (s = *b; s != -1; s = t->chain[s])
		if (t->hash[s] == h && strcmp(t->id[s], id) == 0)
			return (1);
	s = (int32_t)t->next;
	if (t->id[s] != NULL) {
		pp = &t->buckets[t->hash[s] & (t->nbuckets - 1)];
		while (*pp != s)
			pp = &t->chain[*pp];
		*pp = t->chain[s];
		free(t->id[s]);
	}
	t->id[s] = strdup(id);
	t->hash[s] = h;
	t->chain[s] = *b;
	*b = s;
	t->next = (t->next + 1) % t->window;
	return (0);
}

static size_t
old_longest(const struct old_table *t)
{
	size_t b, n, most = 0;
	int32_t s;

	for (b = 0; b < t->nbuckets; b++) {
		for (n = 0, s = t->buckets[b]; s != -1; s = t->chain[s])
			n++;
		if (n > most)
			most = n;
	}
	return (most);
}

int
main(int argc, char **argv)
{
	static struct fnv_craft fc;
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 50000;
	size_t window = argc > 2 ? strtoul(argv[2], NULL, 10) : 50000;
	struct old_table old;
	struct dedup d;
	char (*ids)[64];
	double t0, t_craft, t_fnv, t_sip, t_plain;
	size_t i, c_fnv, c_sip, c_plain;

	ids = calloc(n, sizeof *ids);
	if (ids == NULL || n == 0 || window == 0) {
		fprintf(stderr, "usage: bench_dedup [N] [WINDOW]\n");
		return (1);
	}
	t0 = cpu_s();
	fnv_craft_init(&fc);
	for (i = 0; i < n; i++)
		fnv_craft_next(&fc, ids[i]);
	t_craft = cpu_s() - t0;

	old_init(&old, window);
	t0 = cpu_s();
	for (i = 0; i < n; i++)
		(void)old_seen(&old, ids[i]);
	t_fnv = cpu_s() - t0;
	c_fnv = old_longest(&old);

	if (dedup_init(&d, window) != 0)
		return (1);
	t0 = cpu_s();
	for (i = 0; i < n; i++)
		(void)dedup_seen(&d, ids[i]);
	t_sip = cpu_s() - t0;
	c_sip = dedup_longest_chain(&d);
	dedup_fini(&d);

	for (i = 0; i < n; i++)
		snprintf(ids[i], sizeof ids[i], "urn:uuid:%08zx-plain", i);
	if (dedup_init(&d, window) != 0)
		return (1);
	t0 = cpu_s();
	for (i = 0; i < n; i++)
		(void)dedup_seen(&d, ids[i]);
	t_plain = cpu_s() - t0;
	c_plain = dedup_longest_chain(&d);
	dedup_fini(&d);

	printf("%zu ids, window %zu (crafting them took %.3fs of CPU)\n", n,
	    window, t_craft);
	printf("%-34s %10s %14s\n", "run", "CPU (s)", "longest chain");
	printf("%-34s %10.3f %14zu\n", "crafted ids, FNV-1a (before)", t_fnv,
	    c_fnv);
	printf("%-34s %10.3f %14zu\n", "crafted ids, SipHash (now)", t_sip,
	    c_sip);
	printf("%-34s %10.3f %14zu\n", "ordinary ids, SipHash (now)", t_plain,
	    c_plain);
	free(ids);
	return (0);
}
