/* Unit tests of hb_siphash: the paper's reference vectors, and keys. */

#include "config.h"

#include <stdint.h>
#include <stdio.h>

#include "hb_siphash.h"
#include "test_check.h"

/*
 * The reference vectors of SipHash-2-4: key 00 01 .. 0f, message of n
 * bytes 00 01 .. n-1.  Lengths 0 to 16 cover every tail length, an exact
 * block and a block plus a tail; 63 several blocks.
 */
static const struct {
	size_t		n;
	uint64_t	h;
} vectors[] = {
	{ 0, 0x726fdb47dd0e0e31ULL }, { 1, 0x74f839c593dc67fdULL },
	{ 2, 0x0d6c8009d9a94f5aULL }, { 3, 0x85676696d7fb7e2dULL },
	{ 4, 0xcf2794e0277187b7ULL }, { 5, 0x18765564cd99a68dULL },
	{ 6, 0xcbc9466e58fee3ceULL }, { 7, 0xab0200f58b01d137ULL },
	{ 8, 0x93f5f5799a932462ULL }, { 9, 0x9e0082df0ba9e4b0ULL },
	{ 10, 0x7a5dbbc594ddb9f3ULL }, { 11, 0xf4b32f46226bada7ULL },
	{ 12, 0x751e8fbc860ee5fbULL }, { 13, 0x14ea5627c0843d90ULL },
	{ 14, 0xf723ca908e7af2eeULL }, { 15, 0xa129ca6149be45e5ULL },
	{ 16, 0x3f2acc7f57c29bdbULL }, { 63, 0x958a324ceb064572ULL },
};

static void
test_vectors(void)
{
	unsigned char kb[16], msg[64];
	struct hb_siphash_key k;
	size_t i;

	for (i = 0; i < sizeof kb; i++)
		kb[i] = (unsigned char)i;
	for (i = 0; i < sizeof msg; i++)
		msg[i] = (unsigned char)i;
	hb_siphash_key_bytes(&k, kb);
	for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
		if (hb_siphash(&k, msg, vectors[i].n) != vectors[i].h) {
			fprintf(stderr, "length %zu: %016llx\n", vectors[i].n,
			    (unsigned long long)hb_siphash(&k, msg,
			    vectors[i].n));
			CHECK(0);
		}
	}
	CHECK(hb_siphash_str(&k, "") == 0x726fdb47dd0e0e31ULL);
}

/* The same ids under two random keys: unrelated values. */
static void
test_keys(void)
{
	static const char * const ids[] = {
		"urn:uuid:1", "urn:uuid:2", "0123456789abcdef", "x", ""
	};
	struct hb_siphash_key a, b;
	size_t i, same = 0;

	CHECK(hb_siphash_key_new(&a) == 0);
	CHECK(hb_siphash_key_new(&b) == 0);
	CHECK(a.k0 != b.k0 || a.k1 != b.k1);
	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		CHECK(hb_siphash_str(&a, ids[i]) == hb_siphash_str(&a, ids[i]));
		if (hb_siphash_str(&a, ids[i]) == hb_siphash_str(&b, ids[i]))
			same++;
	}
	CHECK(same == 0);
	/* One bit of the key changes the value. */
	b = a;
	b.k1 ^= 1;
	CHECK(hb_siphash_str(&a, "urn:uuid:1") !=
	    hb_siphash_str(&b, "urn:uuid:1"));
}

int
main(void)
{
	test_vectors();
	test_keys();
	return (TEST_DONE());
}
