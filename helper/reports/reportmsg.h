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

/* The limits of one report, the same for the node that writes it
 * (report.c) and the listeners that read it. */
#define REPORT_MAX_ENTRIES	1000	/* Applied + Failed */
#define REPORT_MAX_BYTES	(1024 * 1024)
/* The Idle a report may announce (REPORT_IDLE_INTERVAL's bounds): a node
 * with a longer one would stay live for as long after it stopped. */
#define REPORT_IDLE_MIN_MS	100
#define REPORT_IDLE_MAX_MS	(24 * 3600 * 1000)
#define REPORT_BOOT_MAX		128
/* REPORT_INTERVAL's least: no node reports more often (a listener bounds
 * the Seq jumps it believes with it). */
#define REPORT_INTERVAL_MIN_MS	10

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

/* 1 when v is a node name (NODE_NAME, and the Node of a report): 1 to
 * 128 of A-Z a-z 0-9 . _ : @ -.  A name goes into JSON, /metrics labels
 * and log lines as it is. */
int reportmsg_node_name_valid(const char *v);
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
void reportmsg_node_key(const struct hb_hmac *master, const char *node,
    unsigned char key[HB_SHA256_LEN]);
/* json signed: a malloc'ed copy with the Sig member added (*outlen its
 * length), or NULL (out of memory, or json does not end with "}"). */
char *reportmsg_sign(const unsigned char key[HB_SHA256_LEN],
    const char *json, size_t len, size_t *outlen);
/* NULL when data is a report signed with node's key, else why not. */
const char *reportmsg_verify(const struct hb_hmac *master, const char *node,
    const char *data, size_t len);

#endif /* HB_REPORTMSG_H */
