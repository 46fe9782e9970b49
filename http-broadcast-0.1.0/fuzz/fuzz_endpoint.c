/*
 * Fuzz target: hub endpoint parsing (the ?topic= split) and query
 * building, as the VMOD and the helper do with configuration strings.
 */

#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *url, *topic, *q, err[256];

	s = malloc(size + 1);
	if (s == NULL)
		return (0);
	memcpy(s, data, size);
	s[size] = '\0';
	if (hb_endpoint_parse(s, &url, &topic, err, sizeof err) == 0) {
		assert(strncmp(url, "http", 4) == 0);
		q = hb_url_add_query(url, "topic", topic != NULL ? topic : s);
		free(q);
		free(url);
		free(topic);
	} else {
		assert(err[0] != '\0');
	}
	free(s);
	return (0);
}
