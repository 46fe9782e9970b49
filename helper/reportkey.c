/*
 * reportkey: the keys of the signed reports.  See reportkey.h.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb_file.h"
#include "hb_url.h"
#include "node.h"
#include "reportkey.h"

#define MASTER_MAX	4096

/* Up to len bytes of fd, a final newline (LF or CR LF) dropped: their
 * count, or -1 (errno).  One newline only: a key's bytes may end with
 * more that belong to it. */
static ssize_t
read_key(int fd, char *buf, size_t len)
{
	ssize_t n = hb_read_full(fd, buf, len);

	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	return (n);
}

int
reportkey_master(int fd, struct hb_hmac *m, char *why, size_t len)
{
	char buf[MASTER_MAX + 2];
	ssize_t n;

	n = read_key(fd, buf, sizeof buf);
	if (n < 0)
		snprintf(why, len, "cannot read the master key: %s",
		    strerror(errno));
	else if (n > MASTER_MAX)
		snprintf(why, len, "the master key is longer than %d bytes",
		    MASTER_MAX);
	else if (n < REPORT_MASTER_MIN)
		snprintf(why, len, "the master key has %zd bytes, fewer than "
		    "%d (e.g. head -c 32 /dev/urandom | base64)", n,
		    REPORT_MASTER_MIN);
	else
		hb_hmac_init(m, buf, (size_t)n);
	explicit_bzero(buf, sizeof buf);
	return (n >= REPORT_MASTER_MIN && n <= MASTER_MAX ? 0 : -1);
}

int
reportkey_node(const char *path, unsigned char key[HB_SHA256_LEN],
    char *why, size_t len)
{
	char buf[REPORT_KEY_HEX + 3];
	ssize_t n;
	int fd, ok = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot read %.200s: %s", path,
		    strerror(errno));
		return (-1);
	}
	n = read_key(fd, buf, sizeof buf);
	(void)close(fd);
	if (n != REPORT_KEY_HEX || hb_hex_decode(buf, HB_SHA256_LEN, key) != 0)
		ok = 0;
	explicit_bzero(buf, sizeof buf);
	if (!ok) {
		explicit_bzero(key, HB_SHA256_LEN);
		snprintf(why, len, "%.200s does not hold a node's key (64 hex "
		    "digits, as `http-broadcast report-key NODE` prints it)",
		    path);
		return (-1);
	}
	return (0);
}

int
reportkey_main(int argc, char **argv)
{
	unsigned char key[HB_SHA256_LEN];
	struct hb_hmac m;
	char why[256];
	int i;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: http-broadcast report-key NODE "
		    "< MASTER_KEY_FILE\n  prints the key of node NODE for "
		    "REPORT_SIGN_KEY_FILE, from the listeners' master key\n"
		    "  (REPORT_VERIFY_KEY_FILE) read on the standard input\n");
		return (2);
	}
	if (!node_name_valid(argv[1])) {
		fprintf(stderr, "http-broadcast report-key: \"%.64s\" is not a "
		    "node name (1 to 128 of A-Z a-z 0-9 . _ : @ -)\n", argv[1]);
		return (2);
	}
	if (reportkey_master(0, &m, why, sizeof why) != 0) {
		fprintf(stderr, "http-broadcast report-key: %s\n", why);
		return (2);
	}
	reportkey_derive(&m, argv[1], key);
	explicit_bzero(&m, sizeof m);
	for (i = 0; i < HB_SHA256_LEN; i++)
		printf("%02x", key[i]);
	printf("\n");
	explicit_bzero(key, sizeof key);
	return (fflush(stdout) == 0 ? 0 : 2);
}

/*--------------------------------------------------------------------
 * Signatures
 */

#define SIG_HEAD	",\"Sig\":\""
#define SIG_LEN		(sizeof SIG_HEAD - 1 + REPORT_KEY_HEX + 2)

void
reportkey_derive(const struct hb_hmac *master, const char *node,
    unsigned char key[HB_SHA256_LEN])
{
	struct hb_hmac m = *master;

	/* The label's NUL ends it: no name makes another label. */
	hb_hmac_update(&m, REPORT_KEY_LABEL, sizeof REPORT_KEY_LABEL);
	hb_hmac_update(&m, node, strlen(node));
	hb_hmac_final(&m, key);
}

/* The MAC of a report whose Sig member (or its place) starts at body:
 * the bytes before it, then "}". */
static void
sig_mac(const unsigned char key[HB_SHA256_LEN], const char *data,
    size_t body, unsigned char mac[HB_SHA256_LEN])
{
	struct hb_hmac m;

	hb_hmac_init(&m, key, HB_SHA256_LEN);
	hb_hmac_update(&m, data, body);
	hb_hmac_update(&m, "}", 1);
	hb_hmac_final(&m, mac);
}

char *
reportkey_sign(const unsigned char key[HB_SHA256_LEN], const char *json,
    size_t len, size_t *outlen)
{
	unsigned char mac[HB_SHA256_LEN];
	char *out, *p;
	size_t i;

	if (len < 2 || json[len - 1] != '}')
		return (NULL);
	out = malloc(len - 1 + SIG_LEN + 1);
	if (out == NULL)
		return (NULL);
	sig_mac(key, json, len - 1, mac);
	memcpy(out, json, len - 1);
	p = out + len - 1;
	memcpy(p, SIG_HEAD, sizeof SIG_HEAD - 1);
	p += sizeof SIG_HEAD - 1;
	for (i = 0; i < HB_SHA256_LEN; i++, p += 2)
		snprintf(p, 3, "%02x", mac[i]);
	memcpy(p, "\"}", 3);
	*outlen = len - 1 + SIG_LEN;
	return (out);
}

const char *
reportkey_verify(const struct hb_hmac *master, const char *node,
    const char *data, size_t len)
{
	unsigned char key[HB_SHA256_LEN], mac[HB_SHA256_LEN];
	unsigned char sig[HB_SHA256_LEN];
	const char *h;
	size_t body;
	int ok;

	if (len < SIG_LEN + 1)
		return ("unsigned");
	body = len - SIG_LEN;
	h = data + body + sizeof SIG_HEAD - 1;
	if (memcmp(data + body, SIG_HEAD, sizeof SIG_HEAD - 1) != 0 ||
	    memcmp(data + len - 2, "\"}", 2) != 0)
		return ("unsigned (its last member is not Sig)");
	if (hb_hex_decode(h, HB_SHA256_LEN, sig) != 0)
		return ("Sig is not 64 hex digits");
	reportkey_derive(master, node, key);
	sig_mac(key, data, body, mac);
	ok = hb_equal_ct(mac, sig, sizeof mac);
	explicit_bzero(key, sizeof key);
	return (ok ? NULL : "not signed with its node's key");
}
