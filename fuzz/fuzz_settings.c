/*
 * Fuzz target: the helper's setting syntax (durations, sizes, the agent
 * endpoint URL).  The first byte picks the parser; what parses must come
 * back the same when its canonical form is parsed again.
 */

#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helper/settings.h"
#include "hb_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *ep, *again, buf[64], err[256];
	int64_t ms, ms2;
	size_t bytes, bytes2;

	if (size < 1)
		return (0);
	s = malloc(size);
	assert(s != NULL);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		if (settings_parse_duration(s, &ms) == 0) {
			assert(ms >= 0 && ms <= (int64_t)9.2e15);
			/* Exact in a double below 2^53. */
			snprintf(buf, sizeof buf, "%" PRId64 "ms", ms);
			assert(settings_parse_duration(buf, &ms2) == 0);
			assert(ms2 == ms);
		}
		break;
	case 1:
		if (settings_parse_size(s, &bytes) == 0) {
			assert(bytes <= (size_t)1 << 30);
			snprintf(buf, sizeof buf, "%zu", bytes);
			assert(settings_parse_size(buf, &bytes2) == 0);
			assert(bytes2 == bytes);
		}
		break;
	default:
		if (hb_agent_parse(s, &ep, err, sizeof err) == 0) {
			assert(strncmp(ep, "http://", 7) == 0 ||
			    strncmp(ep, "https://", 8) == 0);
			assert(strchr(strstr(ep, "://") + 3, '/') == NULL);
			assert(strpbrk(ep, " \r\n?#") == NULL);
			assert(hb_agent_parse(ep, &again, err,
			    sizeof err) == 0);
			assert(strcmp(again, ep) == 0);
			free(again);
			free(ep);
		}
		break;
	}
	free(s);
	return (0);
}
