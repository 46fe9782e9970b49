/*
 * hb_siphash: SipHash-2-4 (Aumasson and Bernstein, 2012), a keyed hash
 * for hash tables whose keys come from outside (event ids from a hub,
 * node names from reports).  With a key drawn at random for each process,
 * an attacker cannot compute which strings share a bucket, so cannot make
 * a chain long on purpose; and a 64-bit value of it can stand for a
 * string's content where only a process-local comparison is needed.
 * Pure except hb_siphash_key_new(), which reads getrandom().
 */

#ifndef HB_SIPHASH_H
#define HB_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct hb_siphash_key {
	uint64_t	k0, k1;		/* the 128-bit key, little-endian */
};

/* Key from 16 bytes (the paper's byte order). */
void hb_siphash_key_bytes(struct hb_siphash_key *k, const unsigned char b[16]);
/* A random key from getrandom(): 0, or -1 (errno set). */
int hb_siphash_key_new(struct hb_siphash_key *k);
/* SipHash-2-4 of len bytes at data. */
uint64_t hb_siphash(const struct hb_siphash_key *k, const void *data,
    size_t len);
/* The same for a NUL-terminated string. */
uint64_t hb_siphash_str(const struct hb_siphash_key *k, const char *s);

#endif /* HB_SIPHASH_H */
