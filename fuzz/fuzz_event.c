/*
 * Fuzz target: the event decoder, the replay validation and the wire path
 * of whatever decodes, then a re-encode -> decode round trip that must
 * agree with the first decode.
 */

#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hb_event ev, again;
	char err[256], *json, *path;
	size_t len, i;

	if (hb_event_decode((const char *)data, size, &ev, err, sizeof err) != 0)
		return (0);
	(void)hb_event_validate(&ev, "PURGE,BAN", err, sizeof err);
	path = hb_event_wire_path(&ev);
	if (path != NULL) {
		/* Nothing that reaches a request line may break it. */
		assert(strpbrk(path, " \r\n") == NULL);
		free(path);
	}
	json = hb_event_encode(&ev, &len);
	if (json != NULL) {
		if (hb_event_decode(json, len, &again, err, sizeof err) == 0) {
			assert(strcmp(again.method, ev.method) == 0);
			assert(strcmp(again.path, ev.path) == 0);
			assert(strcmp(again.rawquery, ev.rawquery) == 0);
			assert(again.body_len == ev.body_len);
			assert(ev.body_len == 0 ||
			    memcmp(again.body, ev.body, ev.body_len) == 0);
			assert(again.nhdrs == ev.nhdrs);
			for (i = 0; i < ev.nhdrs; i++)
				assert(again.hdrs[i].value_len ==
				    ev.hdrs[i].value_len);
			hb_event_free(&again);
		}
		free(json);
	}
	hb_event_free(&ev);
	return (0);
}
