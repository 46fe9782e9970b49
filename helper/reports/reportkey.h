/*
 * reportkey: the keys of the signed reports (docs/reports.md, "Signed
 * reports"): the listeners' master key (REPORT_VERIFY_KEY_FILE) and a
 * node's own key (REPORT_SIGN_KEY_FILE) read from their files, and the
 * command `http-broadcast report-key NODE`, which prints a node's key
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

#endif /* HB_REPORTKEY_H */
