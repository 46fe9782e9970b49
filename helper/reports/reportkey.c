/*
 * reportkey: the keys of the signed reports.  See reportkey.h.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hb_file.h"
#include "hb_url.h"
#include "reportkey.h"
#include "reportmsg.h"

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
	if (!reportmsg_node_name_valid(argv[1])) {
		fprintf(stderr, "http-broadcast report-key: \"%.64s\" is not a "
		    "node name (1 to 128 of A-Z a-z 0-9 . _ : @ -)\n", argv[1]);
		return (2);
	}
	if (reportkey_master(0, &m, why, sizeof why) != 0) {
		fprintf(stderr, "http-broadcast report-key: %s\n", why);
		return (2);
	}
	reportmsg_node_key(&m, argv[1], key);
	explicit_bzero(&m, sizeof m);
	for (i = 0; i < HB_SHA256_LEN; i++)
		printf("%02x", key[i]);
	printf("\n");
	explicit_bzero(key, sizeof key);
	return (fflush(stdout) == 0 ? 0 : 2);
}
