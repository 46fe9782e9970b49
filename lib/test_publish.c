/* Unit tests of hb_publish: the request-target split, the form, the id. */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hb_event.h"
#include "hb_publish.h"
#include "test_check.h"

static void
id(const char *reply, const char *want)
{
	struct hb_publish_reply r;

	memset(&r, 0, sizeof r);
	r.len = strlen(reply);
	memcpy(r.buf, reply, r.len);
	hb_publish_id_clean(&r);
	CHECK_STR(r.buf, want);
	CHECK(r.len == strlen(want));
}

int
main(void)
{
	struct hb_event ev;
	struct hb_target t;
	char *p, *f;
	size_t len;

	/* The canonical escaping: no RawPath. */
	memset(&ev, 0, sizeof ev);
	CHECK(hb_publish_target(&ev, "/a/b?x=1&y=2", &t) == 0);
	CHECK_STR(ev.path, "/a/b");
	CHECK(ev.rawpath == NULL);
	CHECK_STR(ev.rawquery, "x=1&y=2");
	hb_target_free(&t);
	/* Another escaping: RawPath keeps it, Path is decoded. */
	CHECK(hb_publish_target(&ev, "/a%2Fb%20c", &t) == 0);
	CHECK_STR(ev.path, "/a/b c");
	CHECK_STR(ev.rawpath, "/a%2Fb%20c");
	CHECK_STR(ev.rawquery, "");
	hb_target_free(&t);
	/* An empty query is kept as empty, the first '?' splits. */
	CHECK(hb_publish_target(&ev, "/x?a?b", &t) == 0);
	CHECK_STR(ev.path, "/x");
	CHECK_STR(ev.rawquery, "a?b");
	hb_target_free(&t);

	p = hb_publish_form_prefix("my topic/1");
	CHECK_STR(p, "topic=my%20topic%2F1&data=");
	f = hb_publish_form(p, "{\"a\":\"b&c\"}", 11, NULL, 1, &len);
	CHECK_STR(f, "topic=my%20topic%2F1&data=%7B%22a%22%3A%22b%26c%22%7D"
	    "&private=on");
	CHECK(f != NULL && len == strlen(f));
	free(f);
	f = hb_publish_form(p, "{}", 2, NULL, 0, &len);
	CHECK_STR(f, "topic=my%20topic%2F1&data=%7B%7D");
	CHECK(f != NULL && len == strlen(f));
	free(f);
	/* The EventID as the Mercure id, escaped, before private. */
	f = hb_publish_form(p, "{}", 2,
	    "urn:uuid:0d1f1c1e-0000-4000-8000-000000000001", 1, &len);
	CHECK_STR(f, "topic=my%20topic%2F1&data=%7B%7D"
	    "&id=urn%3Auuid%3A0d1f1c1e-0000-4000-8000-000000000001"
	    "&private=on");
	CHECK(f != NULL && len == strlen(f));
	free(f);
	f = hb_publish_form(p, "{}", 2, "urn:uuid:1", 0, &len);
	CHECK_STR(f, "topic=my%20topic%2F1&data=%7B%7D&id=urn%3Auuid%3A1");
	CHECK(f != NULL && len == strlen(f));
	free(f);
	free(p);

	id("urn:uuid:1", "urn:uuid:1");
	id("urn:uuid:1\r\nsecond line", "urn:uuid:1");
	id("urn:uuid:1 \n", "urn:uuid:1");
	id("urn:\x1b[31mred\x7f", "urn:[31mred");
	id("", "");
	return (TEST_DONE());
}
