/*
 * reportmsg: a report as a listener receives it (docs/reports.md, "The
 * report"), checked strictly before anything of it is used: every member
 * present with its type, the node's name valid, counts and times not
 * negative, at most REPORT_MAX_ENTRIES entries.  An entry whose ID is not
 * an event id does not refuse the report: that entry alone is skipped.  Pure over
 * bytes, so the unit tests (and a fuzzer) call it without a hub.
 */

#ifndef HB_REPORTMSG_H
#define HB_REPORTMSG_H

#include <stddef.h>
#include <stdint.h>

#include "hb_sha256.h"

#include "node.h"

/* The limits of one report, the same for the node that writes it
 * (report.c) and the listeners that read it. */
#define REPORT_MAX_ENTRIES	1000	/* Applied + Failed */
#define REPORT_MAX_BYTES	(1024 * 1024)
#define REPORT_BOOT_MAX		128

/* Why a Failed entry failed, as the report names it. */
enum report_why { REPORT_WHY_STATUS, REPORT_WHY_DROPPED, REPORT_WHY_REFUSED,
	REPORT_WHY_N };
extern const char * const reportmsg_why[REPORT_WHY_N];

struct report_msg {
	void		*root;		/* the parsed JSON (jansson) */
	const char	*node;		/* strings are the JSON's */
	const char	*boot;
	int64_t		seq, time, interval, idle, backlog, lag;
	int64_t		totals[4];	/* Applied Failed Dropped Refused */
	int		subscribed, more;
	void		*lists[2];	/* Applied, Failed */
	size_t		n[2];		/* their lengths */
};

struct report_entry {
	const char	*id;
	int64_t		code, time;
	enum report_why	why;		/* a Failed entry's */
};

/* 0, or -1 with the reason in why (r->node is then the name when it is a
 * valid one, else NULL: for the log line).  reportmsg_free() in both
 * cases. */
int reportmsg_parse(struct report_msg *r, const char *data, size_t len,
    char *why, size_t wlen);
/* Entry i of Applied (k 0) or Failed (k 1) of a parsed report; e->id is
 * NULL when the entry's ID is not an event id (skip that entry). */
void reportmsg_entry(const struct report_msg *r, int k, size_t i,
    struct report_entry *e);
void reportmsg_free(struct report_msg *r);

#endif /* HB_REPORTMSG_H */
