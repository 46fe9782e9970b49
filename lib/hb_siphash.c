/*
 * hb_siphash: SipHash-2-4, written from the paper ("SipHash: a fast
 * short-input PRF", section 2).  See hb_siphash.h.
 *
 * The state is four 64-bit words started from the key and four constants
 * (the ASCII of "somepseudorandomlygeneratedbytes").  Each 8-byte word of
 * the message, read little-endian, is mixed in by two rounds (c = 2); the
 * last word holds the remaining bytes and the message length mod 256 in
 * its top byte; four more rounds (d = 4) finish.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "hb_siphash.h"

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

struct sip {
	uint64_t	v0, v1, v2, v3;
};

static void
sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = ROTL(s->v2, 32);
}

static void
sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* Little-endian, whatever the host's order. */
static uint64_t
le64(const unsigned char *p, size_t n)
{
	uint64_t w = 0;

	while (n-- > 0)
		w = (w << 8) | p[n];
	return (w);
}

void
hb_siphash_key_bytes(struct hb_siphash_key *k, const unsigned char b[16])
{
	k->k0 = le64(b, 8);
	k->k1 = le64(b + 8, 8);
}

int
hb_siphash_key_new(struct hb_siphash_key *k)
{
	unsigned char b[16];
	size_t got = 0;
	ssize_t r;

	while (got < sizeof b) {
		r = getrandom(b + got, sizeof b - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return (-1);
		got += (size_t)r;
	}
	hb_siphash_key_bytes(k, b);
	return (0);
}

uint64_t
hb_siphash(const struct hb_siphash_key *k, const void *data, size_t len)
{
	const unsigned char *p = data;
	struct sip s;
	size_t left;

	s.v0 = k->k0 ^ 0x736f6d6570736575ULL;
	s.v1 = k->k1 ^ 0x646f72616e646f6dULL;
	s.v2 = k->k0 ^ 0x6c7967656e657261ULL;
	s.v3 = k->k1 ^ 0x7465646279746573ULL;
	for (left = len; left >= 8; left -= 8, p += 8)
		sip_word(&s, le64(p, 8));
	sip_word(&s, le64(p, left) | ((uint64_t)(len & 0xff) << 56));
	s.v2 ^= 0xff;
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	sip_round(&s);
	return (s.v0 ^ s.v1 ^ s.v2 ^ s.v3);
}

uint64_t
hb_siphash_str(const struct hb_siphash_key *k, const char *s)
{
	return (hb_siphash(k, s, strlen(s)));
}
