/* Unit tests of the event codec: encode -> decode round trips, Go
 * compatibility of the JSON, rejection of malformed events. */

#include "config.h"

#include <stdlib.h>

#include "hb_base64.h"
#include "hb_check.h"
#include "hb_event.h"
#include "hb_path.h"
#include "test_check.h"

#define HDR(n, v) { n, sizeof n - 1, v, sizeof v - 1 }

static void
test_round_trip(void)
{
	struct hb_hdr hdrs[] = {
		HDR("xkey", "k1 k2"),
		HDR("X-HttpBroadcast-Guard", "http-broadcast"),
		HDR("x-multi", "a"),
		HDR("X-MULTI", "b"),
	};
	unsigned char body[256];
	struct hb_event ev = { 0 }, out;
	char err[256], *json;
	size_t len, i;

	for (i = 0; i < sizeof body; i++)
		body[i] = (unsigned char)i;
	ev.method = "PURGE";
	ev.host = "example.com";
	ev.path = "/a b/c";
	ev.rawpath = "/a%20b/c";
	ev.rawquery = "x=1&y=%C3%A9";
	ev.hdrs = hdrs;
	ev.nhdrs = 4;
	ev.body = body;
	ev.body_len = sizeof body;
	json = hb_event_encode(&ev, &len);
	CHECK(json != NULL);
	CHECK(strncmp(json, "{\"Method\":\"PURGE\",\"Host\":\"example.com\","
	    "\"Path\":\"/a b/c\",\"RawPath\":\"/a%20b/c\","
	    "\"RawQuery\":\"x=1&y=%C3%A9\",\"Header\":{\"Xkey\":[\"k1 k2\"],"
	    "\"X-Httpbroadcast-Guard\":[\"http-broadcast\"],"
	    "\"X-Multi\":[\"a\",\"b\"]},\"Body\":\"AAECAwQF", 200) == 0);
	CHECK(hb_event_decode(json, len, &out, err, sizeof err) == 0);
	CHECK_STR(out.method, "PURGE");
	CHECK_STR(out.host, "example.com");
	CHECK_STR(out.path, "/a b/c");
	CHECK_STR(out.rawpath, "/a%20b/c");
	CHECK_STR(out.rawquery, "x=1&y=%C3%A9");
	CHECK(out.nhdrs == 4);
	CHECK_STR(out.hdrs[0].name, "Xkey");
	CHECK_STR(out.hdrs[2].name, "X-Multi");
	CHECK_STR(out.hdrs[3].value, "b");
	CHECK(out.body_len == sizeof body);
	CHECK(out.body != NULL && memcmp(out.body, body, sizeof body) == 0);
	hb_event_free(&out);
	free(json);

	/* Every body length modulo 3 survives the trip. */
	for (i = 0; i < 7; i++) {
		ev.body_len = i;
		ev.nhdrs = 0;
		json = hb_event_encode(&ev, &len);
		CHECK(json != NULL);
		CHECK(hb_event_decode(json, len, &out, err, sizeof err) == 0);
		CHECK(out.body_len == i);
		CHECK(i == 0 || memcmp(out.body, body, i) == 0);
		hb_event_free(&out);
		free(json);
	}
}

/* The publisher's id: made fresh, carried, checked, read by both
 * decoders. */
static void
test_event_id(void)
{
	struct hb_event ev = { 0 }, out, gen;
	char id[HB_EVENT_ID_LEN + 1], id2[HB_EVENT_ID_LEN + 1], err[256];
	char *json;
	size_t len;

	CHECK(hb_event_id_new(id) == 0);
	CHECK(hb_event_id_new(id2) == 0);
	CHECK(strlen(id) == HB_EVENT_ID_LEN);
	CHECK(strncmp(id, "urn:uuid:", 9) == 0);
	CHECK(id[9 + 14] == '4');		/* version 4 */
	CHECK(strchr("89ab", id[9 + 19]) != NULL);	/* variant */
	CHECK(id[9 + 8] == '-' && id[9 + 13] == '-' && id[9 + 18] == '-' &&
	    id[9 + 23] == '-');
	CHECK(strcmp(id, id2) != 0);

	ev.method = "PURGE";
	ev.host = "h";
	ev.path = "/x";
	ev.rawquery = "";
	ev.event_id = id;
	CHECK(hb_event_check(&ev, err, sizeof err) == 0);
	json = hb_event_encode(&ev, &len);
	CHECK(json != NULL && strstr(json, "\"EventID\":\"urn:uuid:") != NULL);
	CHECK(hb_event_decode(json, len, &out, err, sizeof err) == 0);
	CHECK_STR(out.event_id, id);
	CHECK(hb_event_decode_general(json, len, &gen, err, sizeof err) == 0);
	CHECK_STR(gen.event_id, id);
	hb_event_free(&out);
	hb_event_free(&gen);
	free(json);

	ev.event_id = "";
	CHECK(hb_event_check(&ev, err, sizeof err) != 0);
	CHECK(strstr(err, "EventID") != NULL);
	ev.event_id = "urn:uuid:a b";
	CHECK(hb_event_check(&ev, err, sizeof err) != 0);
	ev.event_id = NULL;
	CHECK(hb_event_check(&ev, err, sizeof err) == 0);
}

/* A message as the original Go agent publishes it: no RawQuery, nil body. */
static void
test_go_message(void)
{
	const char *go = "{\"Method\":\"BAN\",\"Host\":\"h\",\"Path\":\"/\","
	    "\"Header\":{\"X-Httpbroadcast-Guard\":[\"t\"]},\"Body\":null,"
	    "\"Unknown\":42}";
	struct hb_event out;
	char err[256];

	CHECK(hb_event_decode(go, strlen(go), &out, err, sizeof err) == 0);
	CHECK_STR(out.method, "BAN");
	CHECK_STR(out.rawquery, "");
	CHECK(out.rawpath == NULL);
	CHECK(out.body_len == 0);
	CHECK(out.nhdrs == 1);
	hb_event_free(&out);
}

static void
test_bad_events(void)
{
	static const char * const bad[] = {
		"",
		"[]",
		"{\"Method\":\"PURGE\"}",
		"{\"Path\":\"/\"}",
		"{\"Method\":1,\"Path\":\"/\"}",
		"{\"Method\":\"PURGE\",\"Path\":\"/\",\"Header\":[]}",
		"{\"Method\":\"PURGE\",\"Path\":\"/\",\"Header\":{\"a\":\"b\"}}",
		"{\"Method\":\"PURGE\",\"Path\":\"/\",\"Header\":{\"a\":[1]}}",
		"{\"Method\":\"PURGE\",\"Path\":\"/\",\"Body\":\"abc\"}",
		"{\"Method\":\"PURGE\",\"Path\":\"/\",\"Body\":\"ab=c\"}",
		"{\"Method\":\"PURGE\",\"Path\":\"/\\u0000\"}",
		"{\"Method\":\"PURGE\",\"Path\":\"/\"",
		NULL
	};
	const char * const *p;
	struct hb_event out;
	char err[256];

	for (p = bad; *p != NULL; p++) {
		err[0] = '\0';
		CHECK(hb_event_decode(*p, strlen(*p), &out, err, sizeof err) == -1);
		CHECK(err[0] != '\0');
	}
}

static int
validate(const char *json, const char *allowed)
{
	struct hb_event ev;
	char err[256];
	int r;

	if (hb_event_decode(json, strlen(json), &ev, err, sizeof err) != 0)
		return (-2);
	r = hb_event_validate(&ev, allowed, err, sizeof err);
	hb_event_free(&ev);
	return (r);
}

static void
test_validate(void)
{
	const char *a = "PURGE,BAN";

	CHECK(validate("{\"Method\":\"PURGE\",\"Host\":\"h:80\",\"Path\":\"/x\"}", a) == 0);
	CHECK(validate("{\"Method\":\"BAN\",\"Path\":\"/\"}", a) == 0);
	CHECK(validate("{\"Method\":\"GET\",\"Path\":\"/\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PUR\",\"Path\":\"/\"}", a) == -1);
	CHECK(validate("{\"Method\":\"purge\",\"Path\":\"/\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"http://evil/\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"*\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Host\":\"evil/x\",\"Path\":\"/\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Host\":\"a b\",\"Path\":\"/\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/\",\"RawQuery\":\"a b\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/\",\"Header\":{\"X\":[\"a\\r\\nInjected: 1\"]}}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/\",\"Header\":{\"X Y\":[\"a\"]}}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/\",\"Header\":{\"X\":[\"a\\nb\"]}}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\\r\\n\",\"Path\":\"/\"}", "PURGE\r\n") == -1);
	/* The attack: a RawPath that is not origin-form. */
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/@127.0.0.1:19999/x\",\"RawPath\":\"%2F@127.0.0.1:19999/x\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/a\",\"RawPath\":\"/a b\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/a\",\"RawPath\":\"/a?b\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Host\":\"user@evil\",\"Path\":\"/\"}", a) == -1);
	CHECK(validate("{\"Method\":\"PURGE\",\"Host\":\"h\u00e9\",\"Path\":\"/\"}", a) == -1);
	/* What a client may send travels: '#' and non-ASCII in the query,
	 * reserved characters and bad escapes in the raw path. */
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/\",\"RawQuery\":\"a=#\u00e9\"}", a) == 0);
	CHECK(validate("{\"Method\":\"BAN\",\"Path\":\"/img/(a|b)\\\\.jpg\",\"RawPath\":\"/img/(a|b)\\\\.jpg\"}", a) == 0);
	CHECK(validate("{\"Method\":\"PURGE\",\"Path\":\"/a%zz\",\"RawPath\":\"/a%zz\"}", a) == 0);
}

/* Bytes that are not UTF-8 travel base64-encoded and come back exact. */
/* One rule for both sides: what the VMOD leaves out, the helper drops. */
static void
test_travels(void)
{
	static const char * const stay[] = {
		"Host", "host", "Content-Length", "EXPECT", "Connection",
		"Keep-Alive", "TE", "Transfer-Encoding", "Upgrade",
		"Proxy-Authorization", "X-HttpBroadcast-Guard",
		"x-httpbroadcast-guard", "X-HttpBroadcast-Gap", NULL
	};
	static const char * const go[] = {
		"Xkey", "X-Purge-Regex", "Authorization", "Cookie", "Accept",
		"Content-Type", "Hosts", "Expected",
		NULL
	};
	const char * const *p;

	for (p = stay; *p != NULL; p++)
		CHECK(!hb_header_travels(*p, strlen(*p)));
	for (p = go; *p != NULL; p++)
		CHECK(hb_header_travels(*p, strlen(*p)));
	/* A prefix is not the header. */
	CHECK(hb_header_travels("Hos", 3));
}

static void
test_binary(void)
{
	struct hb_hdr hdrs[2] = {
		{ "User-Agent", 10, "\xe9t\xe9", 3 },
		{ "X-Ok", 4, "caf\xc3\xa9", 5 },
	};
	static const char nul[] =
	    "{\"Method\":\"PURGE\",\"Path\":\"/\",\"RawPath64\":\"LwA=\"}";
	struct hb_event ev = { 0 }, out;
	char err[256], *json;
	size_t len;

	ev.method = "PURGE";
	ev.host = "h";
	ev.path = "/caf\xe9";
	ev.rawpath = NULL;
	ev.rawquery = "q=\xe9";
	ev.hdrs = hdrs;
	ev.nhdrs = 2;
	json = hb_event_encode(&ev, &len);
	CHECK(json != NULL);
	if (json == NULL)
		return;
	/* Go agents get Path as their encoding/json writes it. */
	CHECK(strstr(json, "\"Path\":\"/caf\xef\xbf\xbd\"") != NULL);
	CHECK(strstr(json, "\"RawPath\":\"/caf%E9\"") != NULL);
	CHECK(strstr(json, "\"RawQuery64\":\"cT3p\"") != NULL);
	CHECK(strstr(json, "\"Header64\":{\"User-Agent\":[\"6XTp\"]}") != NULL);
	CHECK(hb_event_decode(json, len, &out, err, sizeof err) == 0);
	CHECK_STR(out.rawpath, "/caf%E9");
	CHECK_STR(out.rawquery, "q=\xe9");
	CHECK(out.nhdrs == 2);
	if (out.nhdrs == 2) {
		CHECK(out.hdrs[0].value_len == 5 &&
		    memcmp(out.hdrs[0].value, "caf\xc3\xa9", 5) == 0);
		CHECK(out.hdrs[1].name_len == 10 &&
		    memcmp(out.hdrs[1].name, "User-Agent", 10) == 0);
		CHECK(out.hdrs[1].value_len == 3 &&
		    memcmp(out.hdrs[1].value, "\xe9t\xe9", 3) == 0);
	}
	CHECK(hb_event_validate(&out, "PURGE", err, sizeof err) == 0);
	hb_event_free(&out);
	free(json);

	/* An exact path that is not UTF-8 itself. */
	ev.path = "/a";
	ev.rawpath = "/\xff";
	ev.nhdrs = 0;
	json = hb_event_encode(&ev, &len);
	CHECK(json != NULL && strstr(json, "\"RawPath64\":\"L/8=\"") != NULL);
	if (json != NULL &&
	    hb_event_decode(json, len, &out, err, sizeof err) == 0) {
		CHECK_STR(out.rawpath, "/\xff");
		hb_event_free(&out);
	}
	free(json);
	CHECK(hb_event_decode(nul, strlen(nul), &out, err, sizeof err) == -1);
	CHECK(strstr(err, "RawPath64 holds a NUL byte") != NULL);
}

static void
test_target(void)
{
	struct hb_event ev = { 0 };
	char *s;

	ev.method = "PURGE";
	ev.host = "";
	ev.path = "/h7\xc3\xa9";
	ev.rawpath = "/h7\xc3\xa9";
	ev.rawquery = "a=1#b";
	s = hb_event_target(&ev);
	CHECK_STR(s, "/h7\xc3\xa9?a=1#b");
	free(s);
	ev.rawpath = NULL;
	ev.rawquery = "";
	s = hb_event_target(&ev);
	CHECK_STR(s, "/h7%C3%A9");
	free(s);
	ev.rawquery = "a b";		/* would split the request line */
	CHECK(hb_event_target(&ev) == NULL);
	ev.rawquery = "";
	ev.path = "@evil/x";
	CHECK(hb_event_target(&ev) == NULL);
}

static void
test_paths(void)
{
	struct hb_event ev = { 0 };
	char *s;

	s = hb_path_escape("/a b/é?#%", strlen("/a b/é?#%"));
	CHECK_STR(s, "/a%20b/%C3%A9%3F%23%25");
	free(s);
	s = hb_path_escape("/$&+,/:;=@-_.~", 14);
	CHECK_STR(s, "/$&+,/:;=@-_.~");
	free(s);
	s = hb_path_decode("/a%zz%00%2", 10);
	CHECK_STR(s, "/a%zz%00%2");
	free(s);
	s = hb_path_decode("/a%20b%c3%A9%", 13);
	CHECK_STR(s, "/a b\xc3\xa9%");
	free(s);

	ev.path = "/a b";
	ev.rawpath = NULL;
	s = hb_event_wire_path(&ev);
	CHECK_STR(s, "/a%20b");
	free(s);
	ev.rawpath = "/a%20%62";	/* agrees with path: used verbatim */
	s = hb_event_wire_path(&ev);
	CHECK_STR(s, "/a%20%62");
	free(s);
	ev.path = "/a b";
	ev.rawpath = "/a%20b";
	s = hb_event_wire_path(&ev);
	CHECK_STR(s, "/a%20b");
	free(s);
	ev.path = "/x(y)";
	ev.rawpath = "/x(y)";		/* kept as the client sent it */
	s = hb_event_wire_path(&ev);
	CHECK_STR(s, "/x(y)");
	free(s);
	ev.rawpath = "/other";		/* the exact form wins */
	s = hb_event_wire_path(&ev);
	CHECK_STR(s, "/other");
	free(s);
	ev.path = "/a";
	ev.rawpath = "/a\r\nX: y";	/* never put on the wire */
	s = hb_event_wire_path(&ev);
	CHECK_STR(s, "/a");
	free(s);
}

static void
test_base64(void)
{
	unsigned char out[16];
	char enc[16];

	hb_base64_encode((const unsigned char *)"foob", 4, enc);
	CHECK_STR(enc, "Zm9vYg==");
	CHECK(hb_base64_decode("Zm9vYg==", 8, out) == 4);
	CHECK(memcmp(out, "foob", 4) == 0);
	CHECK(hb_base64_decode("Zm9vYmE=", 8, out) == 5);
	CHECK(hb_base64_decode("Zm9=Yg==", 8, out) == (size_t)-1);
	CHECK(hb_base64_decode("Zm=v", 4, out) == (size_t)-1);
	CHECK(hb_base64_decode("Zm9v!g==", 8, out) == (size_t)-1);
}

int
main(void)
{
	test_round_trip();
	test_event_id();
	test_go_message();
	test_bad_events();
	test_validate();
	test_paths();
	test_target();
	test_binary();
	test_travels();
	test_base64();
	return (TEST_DONE());
}
