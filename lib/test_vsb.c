/* Unit tests of hb_vsb: text of any length in one pass, growth, the
 * room a renderer writes into itself. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hb_vsb.h"
#include "test_check.h"

static void
test_grow(void)
{
	struct hb_vsb v;
	char *s, want[5001];
	int i;

	CHECK(hb_vsb_init(&v, 8) == 0);
	for (i = 0; i < 1000; i++)
		hb_vsb_printf(&v, "%s", "abcde");
	memset(want, 0, sizeof want);
	for (i = 0; i < 1000; i++)
		memcpy(want + 5 * i, "abcde", 5);
	CHECK(hb_vsb_finish(&v) == 0);
	CHECK(v.len == 5000);
	s = hb_vsb_take(&v);
	CHECK(s != NULL);
	if (s != NULL)
		CHECK_STR(s, want);
	free(s);
	/* Taken: empty again, and usable. */
	CHECK(hb_vsb_finish(&v) != 0);
	CHECK(hb_vsb_reserve(&v, 1) == 0);
	hb_vsb_printf(&v, "%d-%s", 42, "x");
	CHECK(hb_vsb_finish(&v) == 0);
	CHECK_STR(v.buf, "42-x");
	hb_vsb_fini(&v);
}

static void
test_room(void)
{
	struct hb_vsb v;

	CHECK(hb_vsb_init(&v, 0) == 0);
	hb_vsb_printf(&v, "a");
	CHECK(hb_vsb_reserve(&v, 1000) == 0);
	CHECK(hb_vsb_room(&v) > 1000);
	memcpy(hb_vsb_end(&v), "bcd", 3);
	hb_vsb_grew(&v, 3);
	hb_vsb_printf(&v, "e");
	CHECK(hb_vsb_finish(&v) == 0);
	CHECK_STR(v.buf, "abcde");
	hb_vsb_fini(&v);
}

int
main(void)
{
	test_grow();
	test_room();
	return (TEST_DONE());
}
