/* Unit tests of the setting syntaxes: Go durations, sizes, the agent URL. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"
#include "test_check.h"

static int64_t
dur(const char *s)
{
	int64_t ms = -42;

	if (settings_parse_duration(s, &ms) != 0)
		return (-1);
	return (ms);
}

static long long
size(const char *s)
{
	size_t b;

	if (settings_parse_size(s, &b) != 0)
		return (-1);
	return ((long long)b);
}

int
main(void)
{
	CHECK(dur("0") == 0);
	CHECK(dur("500ms") == 500);
	CHECK(dur("60s") == 60000);
	CHECK(dur("2m") == 120000);
	CHECK(dur("1m30s") == 90000);
	CHECK(dur("1h") == 3600000);
	CHECK(dur("1.5s") == 1500);
	CHECK(dur(".5s") == 500);
	CHECK(dur("2h45m") == (2 * 60 + 45) * 60000);
	CHECK(dur("1500us") == 2);
	CHECK(dur("300000ns") == 1);	/* rounded up, never to 0 */
	CHECK(dur("+5s") == 5000);
	CHECK(dur("10") == -1);		/* a unit is required */
	CHECK(dur("") == -1);
	CHECK(dur("-1s") == -1);
	CHECK(dur("1x") == -1);
	CHECK(dur("s") == -1);
	CHECK(dur("1e3s") == -1);
	CHECK(dur("0x10s") == -1);
	CHECK(dur("1s ") == -1);

	CHECK(size("262144") == 262144);
	CHECK(size("256k") == 262144);
	CHECK(size("256K") == 262144);
	CHECK(size("1M") == 1048576);
	CHECK(size("1MB") == 1048576);
	CHECK(size("") == -1);
	CHECK(size("k") == -1);
	CHECK(size("-1") == -1);
	CHECK(size("12q") == -1);
	CHECK(size("4096M") == -1);
	return (TEST_DONE());
}
