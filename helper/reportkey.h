/*
 * reportkey: the keys of the signed reports (docs/reports.md, "Signed
 * reports"): the listeners' master key (REPORT_VERIFY_KEY_FILE) and a
 * node's own key (REPORT_SIGN_KEY_FILE) read from their files, a report
 * signed and a signature checked with them, and the command `http-broadcast report-key NODE`, which prints a node's key
 * from the master key on its standard input (never on the command line:
 * every user of the host can read that).
 */

#ifndef HB_REPORTKEY_H
#define HB_REPORTKEY_H

#include <stddef.h>

#include "hb_sha256.h"

/* The master key read from fd (its bytes, a final newline aside; at
 * least REPORT_MASTER_MIN), as a keyed HMAC state: 0, or -1 with why. */
int reportkey_master(int fd, struct hb_hmac *m, char *why, size_t len);
/* A node's key from the file at path (64 hex digits, as report-key prints
 * them): 0, or -1 with why. */
int reportkey_node(const char *path, unsigned char key[HB_SHA256_LEN],
    char *why, size_t len);
/* argv[0] is "report-key".  Exit status: 0, or 2 (usage, a bad key). */
int reportkey_main(int argc, char **argv);

/*
 * Signed reports (docs/reports.md, "Signed reports").  A node's key is
 * HMAC-SHA256(master, REPORT_KEY_LABEL, its NUL, the node's name); its
 * report ends with the member ,"Sig":"<64 lowercase hex>"} where the hex
 * is HMAC-SHA256(node key, the report without that member: the bytes
 * before it followed by "}").
 */
#define REPORT_KEY_LABEL	"http-broadcast report v1"
#define REPORT_KEY_HEX		(2 * HB_SHA256_LEN)
#define REPORT_MASTER_MIN	32	/* bytes of a master key at least */

/* The key of node from the master's keyed state. */
void reportkey_derive(const struct hb_hmac *master, const char *node,
    unsigned char key[HB_SHA256_LEN]);
/* json signed: a malloc'ed copy with the Sig member added (*outlen its
 * length), or NULL (out of memory, or json does not end with "}"). */
char *reportkey_sign(const unsigned char key[HB_SHA256_LEN],
    const char *json, size_t len, size_t *outlen);
/* NULL when data is a report signed with node's key, else why not. */
const char *reportkey_verify(const struct hb_hmac *master, const char *node,
    const char *data, size_t len);

#endif /* HB_REPORTKEY_H */
