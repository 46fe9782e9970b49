/*
 * Fuzz target: the event decoder, the replay validation, the wire path
 * and the request-target of whatever decodes (the target can never make a
 * replay leave the agent's host), then a re-encode -> decode round trip that must
 * agree with the first decode.  The decoder's fast path must agree with
 * the general (jansson) decoder on every input: same verdict, same error
 * message, same event.
 */

#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "hb_check.h"
#include "hb_event.h"
#include "hb_path.h"
#include "hb_url.h"

#define AGENT	"http://127.0.0.1:6081"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same_str(const char *a, const char *b)
{
	return ((a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0));
}

static int
url_parses(const char *url)
{
	CURLU *u = curl_url();
	int r;

	r = u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK;
	curl_url_cleanup(u);
	return (r);
}

static void
same_event(const struct hb_event *a, const struct hb_event *b)
{
	size_t i;

	assert(same_str(a->method, b->method));
	assert(same_str(a->host, b->host));
	assert(same_str(a->path, b->path));
	assert(same_str(a->rawpath, b->rawpath));
	assert(same_str(a->rawquery, b->rawquery));
	assert(a->body_len == b->body_len);
	assert(a->body_len == 0 || memcmp(a->body, b->body, a->body_len) == 0);
	assert(a->nhdrs == b->nhdrs);
	for (i = 0; i < a->nhdrs; i++) {
		assert(a->hdrs[i].name_len == b->hdrs[i].name_len);
		assert(memcmp(a->hdrs[i].name, b->hdrs[i].name,
		    a->hdrs[i].name_len) == 0);
		assert(a->hdrs[i].value_len == b->hdrs[i].value_len);
		assert(memcmp(a->hdrs[i].value, b->hdrs[i].value,
		    a->hdrs[i].value_len) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hb_event ev, again, general;
	char err[256], err2[256], *json, *json2, *path, *target, *glued;
	size_t len, len2, i;
	int r, r2, valid, checked;

	err[0] = err2[0] = '\0';
	r = hb_event_decode((const char *)data, size, &ev, err, sizeof err);
	r2 = hb_event_decode_general((const char *)data, size, &general, err2,
	    sizeof err2);
	assert(r == r2 && strcmp(err, err2) == 0);
	if (r != 0)
		return (0);
	same_event(&ev, &general);
	hb_event_free(&general);
	valid = hb_event_validate(&ev, "PURGE,BAN", err, sizeof err) == 0;
	path = hb_event_wire_path(&ev);
	if (path != NULL) {
		/* Nothing that reaches a request line may break it. */
		assert(strpbrk(path, " \r\n") == NULL);
		free(path);
	}
	target = hb_event_target(&ev);
	assert(!valid || target != NULL);
	if (target != NULL) {
		/* Origin-form, one token of the request line: even glued
		 * after the agent's URL it cannot name another host. */
		assert(target[0] == '/');
		for (i = 0; target[i] != '\0'; i++)
			assert((unsigned char)target[i] > 0x20 &&
			    target[i] != 0x7f);
		if (asprintf(&glued, "%s%s", AGENT, target) >= 0) {
			assert(!url_parses(glued) ||
			    hb_same_origin(glued, AGENT));
			free(glued);
		}
		free(target);
	}
	/* What the VMOD accepts encodes, and every helper accepts it after
	 * the trip through JSON and replays it to the same target. */
	checked = hb_event_check(&ev, err, sizeof err) == 0;
	json = hb_event_encode(&ev, &len);
	assert(!checked || json != NULL);
	if (json != NULL) {
		if (hb_event_decode(json, len, &again, err, sizeof err) == 0) {
			if (checked) {
				char *t1 = hb_event_target(&ev);
				char *t2 = hb_event_target(&again);

				assert(hb_event_check(&again, err,
				    sizeof err) == 0);
				assert(t1 == NULL || t2 == NULL ||
				    strcmp(t1, t2) == 0);
				free(t1);
				free(t2);
			}
			assert(strcmp(again.method, ev.method) == 0);
			assert(strcmp(again.path, ev.path) == 0);
			assert(strcmp(again.rawquery, ev.rawquery) == 0);
			assert(again.body_len == ev.body_len);
			assert(ev.body_len == 0 ||
			    memcmp(again.body, ev.body, ev.body_len) == 0);
			assert(again.nhdrs == ev.nhdrs);
			/* Headers are grouped by canonical name, so their
			 * order may change once; the encoding is a fixed
			 * point after that. */
			json2 = hb_event_encode(&again, &len2);
			assert(json2 != NULL && len2 == len &&
			    memcmp(json, json2, len) == 0);
			free(json2);
			hb_event_free(&again);
		}
		free(json);
	}
	hb_event_free(&ev);
	return (0);
}
