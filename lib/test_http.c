/* Unit tests of hb_http: comma lists and the bearer header. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_http.h"
#include "test_check.h"

/* The elements of s joined with '|'. */
static const char *
elems(const char *s)
{
	static char out[256];
	const char *p = s, *e;
	size_t l, n = 0;

	out[0] = '\0';
	while (hb_list_next(&p, s + strlen(s), &e, &l)) {
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%.*s",
		    n > 0 ? "|" : "", (int)l, e);
		if (n >= sizeof out)
			break;
	}
	return (out);
}

static int
has(const char *list, const char *tok)
{
	return (hb_list_has(list, list + strlen(list), tok));
}

int
main(void)
{
	char *h;

	CHECK_STR(elems("PURGE,BAN"), "PURGE|BAN");
	CHECK_STR(elems(" a , b\t,,\tc ,"), "a|b|c");
	CHECK_STR(elems("a b, c"), "a b|c");
	CHECK_STR(elems(""), "");
	CHECK_STR(elems(" , ,\t"), "");
	CHECK_STR(elems("Cookie"), "Cookie");
	CHECK(has("PURGE, BAN", "BAN"));
	CHECK(has("PURGE, BAN", "PURGE"));
	CHECK(!has("PURGE, BAN", "PUR"));
	CHECK(!has("PURGE, BAN", "purge"));
	CHECK(!has("PURGE BAN", "BAN"));
	CHECK(!has("", "x"));
	/* A range, not a string: the end bounds it. */
	CHECK(hb_list_has("close, keep-alive", "close, keep-alive" + 5,
	    "close"));
	CHECK(!hb_list_has("close, keep-alive", "close, keep-alive" + 12,
	    "keep-alive"));

	h = hb_bearer_header("abc.def");
	CHECK_STR(h, "Authorization: Bearer abc.def");
	hb_bearer_free(h);
	hb_bearer_free(NULL);
	return (TEST_DONE());
}
