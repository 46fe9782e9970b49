/*
 * hb_policy: publishing one event to several hubs.  Pure: no I/O, no
 * clock of its own (the caller passes "now", in seconds on a monotonic
 * clock), no locking (the caller serialises calls on one breaker).
 *
 * The success policy says how many hubs must accept an event for the
 * publish to succeed:
 *   any	at least one (default): the event is somewhere, and every
 *		helper subscribed to that hub gets it;
 *   all	every hub listed;
 *   N		at least N of them (1 <= N <= the number of hubs).
 *
 * The circuit breaker keeps a hub that keeps failing from costing every
 * publish its timeout.  The rule, per hub:
 *   closed	publishes go to the hub.  After `failures` consecutive
 *		failed publishes it opens.
 *   open	publishes skip the hub for `open_for` seconds.
 *   half-open	once that time is over, the next publish alone tries it
 *		(the trial); the others still skip it until the trial ends
 *		or, should its result never come, for another `open_for`.
 *		A success closes the breaker; a failure opens it again for
 *		`open_for`.
 * A success always resets the count of consecutive failures.  Skipped
 * hubs count as failed for the policy; when fewer hubs are allowed than
 * the policy needs, the skipped ones are tried anyway (hb_policy_plan()):
 * a publish that certainly fails is worse than one that waits.  And a
 * skip saves time, it never fails a publish: while one runs, the hubs it
 * skipped are tried after all as soon as those tried can no longer meet
 * the policy, or once half of its time is gone without the policy met
 * (hb_policy_rescue()): a skipped hub may be back, and a hub that hangs
 * would hold the answer to the end.  Such a late publish to a skipped
 * hub acts as its trial: a success closes its breaker.
 */

#ifndef HB_POLICY_H
#define HB_POLICY_H

#include <stddef.h>

enum hb_policy_kind {
	HB_POLICY_ANY = 0,
	HB_POLICY_ALL,
	HB_POLICY_QUORUM
};

struct hb_policy {
	enum hb_policy_kind	kind;
	unsigned		quorum;		/* HB_POLICY_QUORUM only */
};

/*
 * Parse "any", "all" or a number N (surrounding blanks allowed, case
 * ignored for the words) for nhubs hubs.  0, or -1 with a reason in err
 * (an unknown word, N = 0, N greater than nhubs).
 */
int hb_policy_parse(const char *s, unsigned nhubs, struct hb_policy *p,
    char *err, size_t errlen);
/* How many hubs must accept an event, out of nhubs. */
unsigned hb_policy_need(const struct hb_policy *p, unsigned nhubs);
/* The publish succeeded: nok of nhubs accepted it. */
int hb_policy_met(const struct hb_policy *p, unsigned nhubs, unsigned nok);
/*
 * try[i] is 1 for each hub its breaker lets through, 0 for one it skips.
 * When fewer hubs are let through than the policy needs, every skipped
 * one is set to 1 too.  Returns how many hubs are to be tried.
 */
unsigned hb_policy_plan(const struct hb_policy *p, unsigned nhubs,
    unsigned char *try);

/*
 * A publish under way, planned by hb_policy_plan(): try[i] says which hubs
 * it went to, nok of them accepted, nrunning have not answered yet, and
 * elapsed of its budget seconds are gone.  When the skipped hubs must be
 * tried now (see above), sets their try[i] to 1 and returns how many;
 * else 0.  Call it again whenever a hub answers, and at
 * HB_POLICY_RESCUE_SHARE of the budget.
 */
#define HB_POLICY_RESCUE_SHARE	0.5
unsigned hb_policy_rescue(const struct hb_policy *p, unsigned nhubs,
    unsigned char *try, unsigned nok, unsigned nrunning, double elapsed,
    double budget);

struct hb_breaker_rule {
	unsigned		failures;	/* K; 0: never opens */
	double			open_for;	/* T, seconds */
};

enum hb_breaker_state {
	HB_BREAKER_CLOSED = 0,
	HB_BREAKER_OPEN,
	HB_BREAKER_HALF_OPEN
};

struct hb_breaker {
	enum hb_breaker_state	state;
	unsigned		fails;		/* consecutive */
	double			until;		/* open: end of the skip;
						 * half-open: end of the trial */
};

/* 1: publish to this hub now (in half-open, this call takes the trial);
 * 0: skip it. */
int hb_breaker_allow(struct hb_breaker *b, const struct hb_breaker_rule *r,
    double now);
/* The outcome of a publish to the hub.  Returns 1 when this outcome
 * opened the breaker (a closed or half-open one), for the caller's log. */
int hb_breaker_done(struct hb_breaker *b, const struct hb_breaker_rule *r,
    int ok, double now);

#endif /* HB_POLICY_H */
