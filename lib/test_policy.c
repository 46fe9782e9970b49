/* Unit tests of hb_policy: the success policy and the circuit breaker. */

#include "config.h"

#include <string.h>

#include "hb_policy.h"
#include "test_check.h"

static void
test_parse(void)
{
	struct hb_policy p;
	char err[128];

	CHECK(hb_policy_parse("any", 2, &p, err, sizeof err) == 0);
	CHECK(p.kind == HB_POLICY_ANY);
	CHECK(hb_policy_parse("", 2, &p, err, sizeof err) == 0);
	CHECK(p.kind == HB_POLICY_ANY);
	CHECK(hb_policy_parse(" ALL ", 3, &p, err, sizeof err) == 0);
	CHECK(p.kind == HB_POLICY_ALL);
	CHECK(hb_policy_parse("2", 3, &p, err, sizeof err) == 0);
	CHECK(p.kind == HB_POLICY_QUORUM && p.quorum == 2);
	CHECK(hb_policy_parse("3", 3, &p, err, sizeof err) == 0);
	CHECK(hb_policy_parse("4", 3, &p, err, sizeof err) == -1);
	CHECK(strstr(err, "from 1 to the number of hubs (3)") != NULL);
	CHECK(hb_policy_parse("0", 3, &p, err, sizeof err) == -1);
	CHECK(hb_policy_parse("2x", 3, &p, err, sizeof err) == -1);
	CHECK(hb_policy_parse("-1", 3, &p, err, sizeof err) == -1);
	CHECK(hb_policy_parse("most", 3, &p, err, sizeof err) == -1);
	CHECK(strstr(err, "use any, all or a number") != NULL);
	CHECK(hb_policy_parse("99999999999999999999", 3, &p, err,
	    sizeof err) == -1);
}

static void
test_met(void)
{
	struct hb_policy p;
	char err[128];

	CHECK(hb_policy_parse("any", 3, &p, err, sizeof err) == 0);
	CHECK(hb_policy_need(&p, 3) == 1);
	CHECK(!hb_policy_met(&p, 3, 0));
	CHECK(hb_policy_met(&p, 3, 1));
	CHECK(hb_policy_parse("all", 3, &p, err, sizeof err) == 0);
	CHECK(hb_policy_need(&p, 3) == 3);
	CHECK(!hb_policy_met(&p, 3, 2));
	CHECK(hb_policy_met(&p, 3, 3));
	CHECK(hb_policy_parse("2", 3, &p, err, sizeof err) == 0);
	CHECK(!hb_policy_met(&p, 3, 1));
	CHECK(hb_policy_met(&p, 3, 2));
	/* No hub: nothing succeeds. */
	CHECK(!hb_policy_met(&p, 0, 0));
}

static void
test_plan(void)
{
	struct hb_policy p;
	unsigned char t[3];
	char err[128];

	CHECK(hb_policy_parse("any", 3, &p, err, sizeof err) == 0);
	/* One skipped, any: the two others are enough. */
	memcpy(t, "\1\0\1", 3);
	CHECK(hb_policy_plan(&p, 3, t) == 2);
	CHECK(t[1] == 0);
	/* Every hub skipped: all are tried. */
	memset(t, 0, sizeof t);
	CHECK(hb_policy_plan(&p, 3, t) == 3);
	CHECK(t[0] && t[1] && t[2]);
	/* all with one skipped: the publish would fail for sure. */
	CHECK(hb_policy_parse("all", 3, &p, err, sizeof err) == 0);
	memcpy(t, "\1\0\1", 3);
	CHECK(hb_policy_plan(&p, 3, t) == 3);
	CHECK(t[1] == 1);
	/* A quorum of 2 with one skipped: enough left. */
	CHECK(hb_policy_parse("2", 3, &p, err, sizeof err) == 0);
	memcpy(t, "\0\1\1", 3);
	CHECK(hb_policy_plan(&p, 3, t) == 2);
	CHECK(t[0] == 0);
	memcpy(t, "\0\0\1", 3);
	CHECK(hb_policy_plan(&p, 3, t) == 3);
}

/*
 * The breaker never leaves a publish failing while a skipped hub could
 * take it: the skipped hubs are tried once those tried cannot meet the
 * policy any more, or once half of the publish's time is gone.
 */
static void
test_rescue(void)
{
	struct hb_policy p;
	unsigned char t[3];
	char err[128];

	CHECK(hb_policy_parse("any", 2, &p, err, sizeof err) == 0);
	/* Hub 2 skipped, hub 1 still running early on: wait for it. */
	memcpy(t, "\1\0", 2);
	CHECK(hb_policy_rescue(&p, 2, t, 0, 1, 0.1, 4.0) == 0);
	CHECK(t[1] == 0);
	/* Hub 1 hangs: at half of the time, hub 2 is tried. */
	CHECK(hb_policy_rescue(&p, 2, t, 0, 1, 2.0, 4.0) == 1);
	CHECK(t[0] == 1 && t[1] == 1);
	/* Nothing skipped is left: no second rescue. */
	CHECK(hb_policy_rescue(&p, 2, t, 0, 1, 3.0, 4.0) == 0);
	/* Hub 1 failed at once: hub 2 at once. */
	memcpy(t, "\1\0", 2);
	CHECK(hb_policy_rescue(&p, 2, t, 0, 0, 0.1, 4.0) == 1);
	CHECK(t[1] == 1);
	/* Hub 1 took it: the breaker's skip holds. */
	memcpy(t, "\1\0", 2);
	CHECK(hb_policy_rescue(&p, 2, t, 1, 0, 3.9, 4.0) == 0);
	CHECK(t[1] == 0);

	/* A quorum of 2 of 3, hub 3 skipped. */
	CHECK(hb_policy_parse("2", 3, &p, err, sizeof err) == 0);
	memcpy(t, "\1\1\0", 3);
	/* One took it, one still runs: it may make the quorum. */
	CHECK(hb_policy_rescue(&p, 3, t, 1, 1, 0.1, 4.0) == 0);
	/* One took it, one failed: hub 3 may still make it. */
	CHECK(hb_policy_rescue(&p, 3, t, 1, 0, 0.1, 4.0) == 1);
	CHECK(t[2] == 1);
	/* Every hub tried already: nothing to add. */
	memcpy(t, "\1\1\1", 3);
	CHECK(hb_policy_rescue(&p, 3, t, 0, 0, 0.1, 4.0) == 0);
}

static void
test_breaker(void)
{
	const struct hb_breaker_rule r = { 3, 5.0 };
	const struct hb_breaker_rule never = { 0, 5.0 };
	struct hb_breaker b;

	memset(&b, 0, sizeof b);
	/* Two failures, a success: the count starts again. */
	CHECK(hb_breaker_allow(&b, &r, 100.0));
	CHECK(hb_breaker_done(&b, &r, 0, 100.0) == 0);
	CHECK(hb_breaker_done(&b, &r, 0, 100.1) == 0);
	CHECK(hb_breaker_done(&b, &r, 1, 100.2) == 0);
	CHECK(b.fails == 0 && b.state == HB_BREAKER_CLOSED);
	/* Three consecutive: open, skipped for 5 s. */
	CHECK(hb_breaker_done(&b, &r, 0, 101.0) == 0);
	CHECK(hb_breaker_done(&b, &r, 0, 101.1) == 0);
	CHECK(hb_breaker_done(&b, &r, 0, 101.2) == 1);
	CHECK(b.state == HB_BREAKER_OPEN);
	CHECK(!hb_breaker_allow(&b, &r, 101.3));
	CHECK(!hb_breaker_allow(&b, &r, 106.1));
	/* A late failure of a publish let through before: no new skip. */
	CHECK(hb_breaker_done(&b, &r, 0, 103.0) == 0);
	CHECK(b.until > 106.19 && b.until < 106.21);
	/* The time is over: one trial, the others still skip. */
	CHECK(hb_breaker_allow(&b, &r, 106.3));
	CHECK(b.state == HB_BREAKER_HALF_OPEN);
	CHECK(!hb_breaker_allow(&b, &r, 106.4));
	/* The trial fails: open again for 5 s from now. */
	CHECK(hb_breaker_done(&b, &r, 0, 106.5) == 1);
	CHECK(b.state == HB_BREAKER_OPEN);
	CHECK(!hb_breaker_allow(&b, &r, 111.4));
	CHECK(hb_breaker_allow(&b, &r, 111.6));
	/* A trial whose outcome never comes: another one after 5 s. */
	CHECK(!hb_breaker_allow(&b, &r, 116.5));
	CHECK(hb_breaker_allow(&b, &r, 116.7));
	/* The trial succeeds: closed, every publish goes through. */
	CHECK(hb_breaker_done(&b, &r, 1, 116.8) == 0);
	CHECK(b.state == HB_BREAKER_CLOSED && b.fails == 0);
	CHECK(hb_breaker_allow(&b, &r, 116.9));
	CHECK(hb_breaker_allow(&b, &r, 116.9));

	/* failures = 0: never opens. */
	memset(&b, 0, sizeof b);
	CHECK(hb_breaker_done(&b, &never, 0, 1.0) == 0);
	CHECK(hb_breaker_done(&b, &never, 0, 1.0) == 0);
	CHECK(hb_breaker_done(&b, &never, 0, 1.0) == 0);
	CHECK(hb_breaker_done(&b, &never, 0, 1.0) == 0);
	CHECK(hb_breaker_allow(&b, &never, 1.0));
}

int
main(void)
{
	test_parse();
	test_met();
	test_plan();
	test_rescue();
	test_breaker();
	return (TEST_DONE());
}
