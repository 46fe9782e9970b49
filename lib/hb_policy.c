/*
 * hb_policy: success policy and circuit breaker.  See hb_policy.h.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_policy.h"

int
hb_policy_parse(const char *s, unsigned nhubs, struct hb_policy *p,
    char *err, size_t errlen)
{
	const char *b, *e;
	char *end;
	unsigned long n;
	size_t len;

	memset(p, 0, sizeof *p);
	b = s != NULL ? s : "";
	while (*b == ' ' || *b == '\t')
		b++;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	len = (size_t)(e - b);
	if (len == 0 || (len == 3 && strncasecmp(b, "any", 3) == 0)) {
		p->kind = HB_POLICY_ANY;
		return (0);
	}
	if (len == 3 && strncasecmp(b, "all", 3) == 0) {
		p->kind = HB_POLICY_ALL;
		return (0);
	}
	if (!isdigit((unsigned char)*b)) {
		snprintf(err, errlen, "policy \"%.*s\": use any, all or a "
		    "number of hubs", (int)(len > 64 ? 64 : len), b);
		return (-1);
	}
	errno = 0;
	n = strtoul(b, &end, 10);
	if (end != e || errno != 0 || n == 0 || n > nhubs) {
		snprintf(err, errlen, "policy \"%.*s\": a quorum must be a "
		    "number from 1 to the number of hubs (%u)",
		    (int)(len > 64 ? 64 : len), b, nhubs);
		return (-1);
	}
	p->kind = HB_POLICY_QUORUM;
	p->quorum = (unsigned)n;
	return (0);
}

unsigned
hb_policy_need(const struct hb_policy *p, unsigned nhubs)
{
	switch (p->kind) {
	case HB_POLICY_ALL:
		return (nhubs);
	case HB_POLICY_QUORUM:
		return (p->quorum < nhubs ? p->quorum : nhubs);
	default:
		return (nhubs > 0 ? 1 : 0);
	}
}

int
hb_policy_met(const struct hb_policy *p, unsigned nhubs, unsigned nok)
{
	return (nhubs > 0 && nok >= hb_policy_need(p, nhubs));
}

unsigned
hb_policy_plan(const struct hb_policy *p, unsigned nhubs, unsigned char *try)
{
	unsigned u, n = 0;

	for (u = 0; u < nhubs; u++)
		if (try[u])
			n++;
	if (n >= hb_policy_need(p, nhubs))
		return (n);
	for (u = 0; u < nhubs; u++)
		try[u] = 1;
	return (nhubs);
}

unsigned
hb_policy_rescue(const struct hb_policy *p, unsigned nhubs,
    unsigned char *try, unsigned nok, unsigned nrunning, double elapsed,
    double budget)
{
	unsigned u, n = 0, need = hb_policy_need(p, nhubs);

	if (nok >= need)
		return (0);
	/* The hubs tried may still make it, and there is time to wait. */
	if (nok + nrunning >= need && elapsed < budget * HB_POLICY_RESCUE_SHARE)
		return (0);
	for (u = 0; u < nhubs; u++)
		if (!try[u]) {
			try[u] = 1;
			n++;
		}
	return (n);
}

int
hb_breaker_allow(struct hb_breaker *b, const struct hb_breaker_rule *r,
    double now)
{
	switch (b->state) {
	case HB_BREAKER_OPEN:
	case HB_BREAKER_HALF_OPEN:
		if (now < b->until)
			return (0);
		/* The trial: this publish alone, until its outcome or
		 * (lost) the end of another open_for. */
		b->state = HB_BREAKER_HALF_OPEN;
		b->until = now + r->open_for;
		return (1);
	default:
		return (1);
	}
}

int
hb_breaker_done(struct hb_breaker *b, const struct hb_breaker_rule *r,
    int ok, double now)
{
	if (ok) {
		b->state = HB_BREAKER_CLOSED;
		b->fails = 0;
		return (0);
	}
	if (b->fails < ~0U)
		b->fails++;
	if (r->failures == 0)
		return (0);
	switch (b->state) {
	case HB_BREAKER_OPEN:
		/* A publish let through before it opened: no new skip. */
		return (0);
	case HB_BREAKER_HALF_OPEN:
		break;
	default:
		if (b->fails < r->failures)
			return (0);
		break;
	}
	b->state = HB_BREAKER_OPEN;
	b->until = now + r->open_for;
	return (1);
}
