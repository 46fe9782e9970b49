/*
 * hb_sha256: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), for the
 * signed reports (docs/reports.md).  Written here rather than taken from
 * a crypto library: libjwt's and OpenSSL's interfaces differ between the
 * Debian releases we build on, and this is all the helper needs.
 */

#ifndef HB_SHA256_H
#define HB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define HB_SHA256_LEN	32
#define HB_SHA256_BLOCK	64

struct hb_sha256 {
	uint32_t	h[8];
	uint64_t	bytes;		/* hashed so far */
	unsigned char	buf[HB_SHA256_BLOCK];
	size_t		n;		/* bytes waiting in buf */
};

void hb_sha256_init(struct hb_sha256 *c);
void hb_sha256_update(struct hb_sha256 *c, const void *data, size_t len);
/* Writes the digest and clears c. */
void hb_sha256_final(struct hb_sha256 *c, unsigned char out[HB_SHA256_LEN]);

/* A keyed HMAC state: after hb_hmac_init(), a copy of it starts a new MAC
 * with the same key without hashing the key again. */
struct hb_hmac {
	struct hb_sha256	inner, outer;
};

void hb_hmac_init(struct hb_hmac *m, const void *key, size_t keylen);
void hb_hmac_update(struct hb_hmac *m, const void *data, size_t len);
/* Writes the MAC and clears m. */
void hb_hmac_final(struct hb_hmac *m, unsigned char out[HB_SHA256_LEN]);
void hb_hmac_sha256(const void *key, size_t keylen, const void *data,
    size_t len, unsigned char out[HB_SHA256_LEN]);

/* 1 when the n bytes of a and b are equal, in a time that does not
 * depend on where they differ (a MAC compared). */
int hb_equal_ct(const void *a, const void *b, size_t n);

#endif /* HB_SHA256_H */
