/*
 * Unit tests of hb_sha256: the test vectors of FIPS 180-4's examples
 * (NIST) for SHA-256 and of RFC 4231 for HMAC-SHA256, one-shot and fed
 * in pieces across block bounds.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_sha256.h"
#include "test_check.h"

static void
hex(const unsigned char *d, char *out)
{
	int i;

	for (i = 0; i < HB_SHA256_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
check_sha(const void *data, size_t len, const char *want)
{
	struct hb_sha256 c;
	unsigned char d[HB_SHA256_LEN];
	char h[2 * HB_SHA256_LEN + 1];
	size_t i;

	hb_sha256_init(&c);
	hb_sha256_update(&c, data, len);
	hb_sha256_final(&c, d);
	hex(d, h);
	CHECK_STR(h, want);
	/* A byte at a time: the same. */
	hb_sha256_init(&c);
	for (i = 0; i < len; i++)
		hb_sha256_update(&c, (const char *)data + i, 1);
	hb_sha256_final(&c, d);
	hex(d, h);
	CHECK_STR(h, want);
}

static void
check_hmac(const void *key, size_t klen, const void *data, size_t len,
    const char *want)
{
	struct hb_hmac keyed, m;
	unsigned char d[HB_SHA256_LEN];
	char h[2 * HB_SHA256_LEN + 1];

	hb_hmac_sha256(key, klen, data, len, d);
	hex(d, h);
	CHECK_STR(h, want);
	/* A copy of a keyed state, fed in two parts. */
	hb_hmac_init(&keyed, key, klen);
	m = keyed;
	hb_hmac_update(&m, data, len / 3);
	hb_hmac_update(&m, (const char *)data + len / 3, len - len / 3);
	hb_hmac_final(&m, d);
	hex(d, h);
	CHECK_STR(h, want);
}

int
main(void)
{
	unsigned char k[131], v[50];
	char *a;

	check_sha("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca"
	    "495991b7852b855");
	check_sha("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9"
	    "cb410ff61f20015ad");
	check_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419"
	    "db06c1");
	check_sha("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
	    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9"
	    "d1");
	a = malloc(1000000);
	CHECK(a != NULL);
	if (a != NULL) {
		memset(a, 'a', 1000000);
		check_sha(a, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a"
		    "48a497200e046d39ccc7112cd0");
		free(a);
	}

	/* RFC 4231, test cases 1, 2, 3, 4, 6 and 7. */
	memset(k, 0x0b, 20);
	check_hmac(k, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b88"
	    "1dc200c9833da726e9376c2e32cff7");
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec38"
	    "43");
	memset(k, 0xaa, 20);
	memset(v, 0xdd, 50);
	check_hmac(k, 20, v, 50, "773ea91e36800e46854db8ebd09181a72959098b3e"
	    "f8c122d9635514ced565fe");
	for (int i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(v, 0xcd, 50);
	check_hmac(k, 25, v, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e5"
	    "78f8077a2e3ff46729665b");
	memset(k, 0xaa, 131);
	check_hmac(k, 131, "Test Using Larger Than Block-Size Key - Hash Key "
	    "First", 54, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c51405"
	    "46040f0ee37f54");
	check_hmac(k, 131, "This is a test using a larger than block-size key "
	    "and a larger than block-size data. The key needs to be hashed "
	    "before being used by the HMAC algorithm.", 152,
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35"
	    "e2");

	CHECK(hb_equal_ct("abc", "abc", 3));
	CHECK(!hb_equal_ct("abc", "abd", 3));
	return (TEST_DONE());
}
