/* Unit tests of the publishing contract (hb_check): what a request and
 * its event must be for the VMOD or the server mode to publish it, and
 * for a helper to replay it. */

#include "config.h"

#include <stdio.h>

#include "hb_check.h"
#include "hb_event.h"
#include "test_check.h"

#define HDR(n, v) { n, sizeof n - 1, v, sizeof v - 1 }

static void
test_values(void)
{
	CHECK(hb_header_value_valid("a\tb", 3));
	CHECK(hb_header_value_valid("", 0));
	CHECK(hb_header_value_valid("caf\xc3\xa9", 5));	/* obs-text */
	CHECK(hb_header_value_valid("\x80\xff", 2));
	CHECK(!hb_header_value_valid("a\x01" "b", 3));
	CHECK(!hb_header_value_valid("a\x1f" "b", 3));
	CHECK(!hb_header_value_valid("a\x7f" "b", 3));
	CHECK(!hb_header_value_valid("a\rb", 3));
	CHECK(!hb_header_value_valid("a\nb", 3));
	CHECK(!hb_header_value_valid("a\0b", 3));
}

static void
event_init(struct hb_event *ev, struct hb_hdr *h, size_t n)
{
	memset(ev, 0, sizeof *ev);
	ev->method = "PURGE";
	ev->host = "example.com";
	ev->path = "/";
	ev->rawquery = "";
	ev->hdrs = h;
	ev->nhdrs = n;
}

static void
test_event(void)
{
	static char names[HB_EVENT_HEADERS_MAX + 1][16];
	struct hb_hdr h[HB_EVENT_HEADERS_MAX + 3];
	struct hb_event ev;
	char err[256];
	size_t i;

	for (i = 0; i <= HB_EVENT_HEADERS_MAX; i++) {
		snprintf(names[i], sizeof names[i], "X-H%zu", i);
		h[i].name = names[i];
		h[i].name_len = strlen(names[i]);
		h[i].value = "v";
		h[i].value_len = 1;
	}
	/* The bound, plus the guard and a header that does not travel
	 * (neither is in the replay's count). */
	h[HB_EVENT_HEADERS_MAX] = (struct hb_hdr)HDR(HB_GUARD_HEADER, "g");
	h[HB_EVENT_HEADERS_MAX + 1] = (struct hb_hdr)HDR("Connection", "x");
	event_init(&ev, h, HB_EVENT_HEADERS_MAX + 2);
	CHECK(hb_event_check(&ev, err, sizeof err) == 0);
	/* One more that travels is too many. */
	h[HB_EVENT_HEADERS_MAX + 2] = (struct hb_hdr)HDR("X-More", "v");
	event_init(&ev, h, HB_EVENT_HEADERS_MAX + 3);
	CHECK(hb_event_check(&ev, err, sizeof err) != 0);
	CHECK_STR(err, "more than 54 headers");
	/* A control byte in a value, HTAB aside. */
	h[0] = (struct hb_hdr)HDR("X-A", "a\tb");
	event_init(&ev, h, 1);
	CHECK(hb_event_check(&ev, err, sizeof err) == 0);
	h[0] = (struct hb_hdr)HDR("X-A", "a\x7f" "b");
	CHECK(hb_event_check(&ev, err, sizeof err) != 0);
	CHECK_STR(err, "header X-A has a control character in its value");
}

static void
test_request(void)
{
	struct hb_hdr good[] = {
		HDR("Host", "example.com"), HDR("Xkey", "a\tb"),
		HDR("Cookie", "c=1"),
	};
	struct hb_hdr two_hosts[] = {
		HDR("Host", "a"), HDR("X-A", "1"), HDR("host", "b"),
	};
	struct hb_hdr ctl[] = { HDR("Host", "a"), HDR("Cookie", "a\x01") };
	struct hb_hdr name[] = { HDR("Host", "a"), HDR("X A", "1") };
	char err[256];

	CHECK(hb_request_check(good, 3, 0, err, sizeof err) == 0);
	CHECK(hb_request_check(good, 0, 0, err, sizeof err) == 0);
	CHECK(hb_request_check(good, 3, 1, err, sizeof err) != 0);
	CHECK_STR(err, "a header line continues the previous one (obs-fold)");
	CHECK(hb_request_check(two_hosts, 3, 0, err, sizeof err) != 0);
	CHECK_STR(err, "more than one Host header");
	/* Even in a header that will not travel: varnishd would refuse
	 * the request, so a VMOD never sees it. */
	CHECK(hb_request_check(ctl, 2, 0, err, sizeof err) != 0);
	CHECK_STR(err, "header Cookie has a control character in its value");
	CHECK(hb_request_check(name, 2, 0, err, sizeof err) != 0);
	CHECK_STR(err, "header name is not an HTTP token");
}

int
main(void)
{
	test_values();
	test_event();
	test_request();
	return (TEST_DONE());
}
