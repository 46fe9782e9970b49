/*
 * Fuzz target: the hub's reply headers as the helper reads them.  The
 * input is cut into lines at each LF (kept, as libcurl hands them over);
 * at the blank line the reply is judged with a status derived from the
 * first two bytes.
 */

#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../helper/subscribe/hubreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_value(const char *v)
{
	size_t l;

	if (v == NULL)
		return;
	l = strlen(v);
	/* Trimmed: what the gap check compares is the value alone. */
	assert(l == 0 || (v[0] != ' ' && v[0] != '\t' &&
	    v[l - 1] != '\r' && v[l - 1] != '\n' && v[l - 1] != ' '));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hubreply h = { NULL, NULL };
	const char *p, *end, *eol;
	char problem[256];
	long status;
	int r;

	if (size < 2)
		return (0);
	status = 100 + (data[0] << 8 | data[1]) % 500;
	p = (const char *)data + 2;
	end = (const char *)data + size;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		eol = eol != NULL ? eol + 1 : end;
		if (hubreply_line(&h, p, (size_t)(eol - p)) == 1) {
			problem[0] = '\0';
			r = hubreply_judge(&h, status, problem, sizeof problem);
			assert(r >= -1 && r <= 1);
			assert((r == 1) == (status < 200));
			assert(r != 0 || (status == 200 && h.ctype != NULL &&
			    strncasecmp(h.ctype, "text/event-stream", 17) == 0));
			assert(r != -1 || problem[0] != '\0');
			assert(!hubreply_gap(&h, NULL));
			if (h.last_id != NULL)
				assert(!hubreply_gap(&h, h.last_id));
		}
		check_value(h.ctype);
		check_value(h.last_id);
		p = eol;
	}
	hubreply_clear(&h);
	return (0);
}
