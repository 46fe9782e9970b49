/*
 * Fuzz target: a report as a listener receives it (helper/reportmsg.c).
 * Whatever the bytes, the check accepts or refuses with a reason, and
 * what it accepts holds what the listener relies on: a valid node name,
 * at most REPORT_MAX_ENTRIES entries, each with a usable id (or none: an
 * entry to skip) and a code of three digits at most.  The signature's
 * check (a listener with REPORT_VERIFY_KEY_FILE) takes the same bytes:
 * whatever they are, it answers, and a report it signs again passes.
 */

#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../helper/eventid.h"
#include "../helper/node.h"
#include "../helper/reportkey.h"
#include "../helper/reports/reportmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_signature(const struct report_msg *r, const char *data, size_t size)
{
	unsigned char key[HB_SHA256_LEN];
	struct hb_hmac master;
	const char *bad;
	char *s;
	size_t len;

	hb_hmac_init(&master, "fuzz-master-key-0123456789abcdef", 32);
	bad = reportkey_verify(&master, r->node, data, size);
	(void)bad;
	/* A parsed report is an object: it ends with "}", and signed it
	 * verifies. */
	reportkey_derive(&master, r->node, key);
	s = reportkey_sign(key, data, size, &len);
	if (s == NULL)
		return;
	assert(reportkey_verify(&master, r->node, s, len) == NULL);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_msg r;
	struct report_entry e;
	char why[256];
	size_t i;
	int k;

	why[0] = '\0';
	if (reportmsg_parse(&r, (const char *)data, size, why,
	    sizeof why) != 0) {
		assert(why[0] != '\0');
		assert(r.node == NULL || node_name_valid(r.node));
		reportmsg_free(&r);
		return (0);
	}
	assert(node_name_valid(r.node));
	check_signature(&r, (const char *)data, size);
	assert(r.boot != NULL && r.boot[0] != '\0' &&
	    strlen(r.boot) <= REPORT_BOOT_MAX);
	assert(r.idle >= 100 && r.interval >= 1 && r.seq >= 0);
	assert(r.n[0] + r.n[1] <= REPORT_MAX_ENTRIES);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < r.n[k]; i++) {
			reportmsg_entry(&r, k, i, &e);
			assert(e.id == NULL || eventid_check(e.id) == NULL);
			assert(e.code >= 0 && e.code <= 999 && e.time >= 0);
			assert(e.why < REPORT_WHY_N);
		}
	}
	reportmsg_free(&r);
	return (0);
}
