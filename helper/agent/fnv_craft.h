/*
 * fnv_craft: event ids that all fall in one bucket of a table hashed by
 * plain FNV-1a, as an attacker would craft them against the dedup table
 * of before (helper/test_cursor.c and helper/bench_dedup.c use it).
 *
 * The low k bits of FNV-1a's state depend only on the low k bits of the
 * state before and of the byte (xor, then a product by an odd number), so
 * a table of 2^17 buckets or fewer (HUB_DEDUP_WINDOW's default of 50000
 * makes 2^17) can be aimed at modulo 2^17: the prime
 * is invertible, and walking a 3-byte suffix backwards from the target
 * gives the state a prefix must leave.  About one prefix in one or two
 * then completes, with no search.
 */

#ifndef HB_FNV_CRAFT_H
#define HB_FNV_CRAFT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FNV_CRAFT_BITS	17
#define FNV_CRAFT_MASK	((1u << FNV_CRAFT_BITS) - 1)
#define FNV_CRAFT_ALPHA	"0123456789abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ"

/* Plain FNV-1a, as the dedup table hashed ids before. */
static inline uint32_t
fnv_craft_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h);
}

struct fnv_craft {
	int32_t		suffix[1u << FNV_CRAFT_BITS];	/* state -> suffix number, or -1 */
	unsigned long	next;		/* next prefix to try */
};

/* Every suffix that brings a state to low bits 0. */
static inline void
fnv_craft_init(struct fnv_craft *fc)
{
	const size_t na = strlen(FNV_CRAFT_ALPHA);
	uint32_t inv = 16777619u, s;
	size_t a, b, c;
	int i;

	for (i = 0; i < 5; i++)		/* Newton: inv = 1/prime mod 2^32 */
		inv *= 2u - 16777619u * inv;
	memset(fc->suffix, 0xff, sizeof fc->suffix);
	fc->next = 0;
	for (a = 0; a < na; a++)
		for (b = 0; b < na; b++)
			for (c = 0; c < na; c++) {
				s = (0u * inv) ^ (unsigned char)FNV_CRAFT_ALPHA[c];
				s = (s * inv) ^ (unsigned char)FNV_CRAFT_ALPHA[b];
				s = (s * inv) ^ (unsigned char)FNV_CRAFT_ALPHA[a];
				s &= FNV_CRAFT_MASK;
				if (fc->suffix[s] < 0)
					fc->suffix[s] = (int32_t)((a * na + b) *
					    na + c);
			}
}

/* The next id (< 64 bytes) whose FNV-1a has its low FNV_CRAFT_BITS bits
 * at 0. */
static inline void
fnv_craft_next(struct fnv_craft *fc, char id[64])
{
	const size_t na = strlen(FNV_CRAFT_ALPHA);
	int32_t x;
	int n;

	for (;;) {
		n = snprintf(id, 64, "evil-%lu-", fc->next++);
		x = fc->suffix[fnv_craft_hash(id) & FNV_CRAFT_MASK];
		if (x < 0)
			continue;
		id[n] = FNV_CRAFT_ALPHA[(size_t)x / (na * na)];
		id[n + 1] = FNV_CRAFT_ALPHA[(size_t)x / na % na];
		id[n + 2] = FNV_CRAFT_ALPHA[(size_t)x % na];
		id[n + 3] = '\0';
		return;
	}
}

#endif /* HB_FNV_CRAFT_H */
