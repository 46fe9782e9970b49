/*
 * eventid: what may be an event's id.  See eventid.h.
 */

#include "config.h"

#include <string.h>

#include "eventid.h"

const char *
eventid_check(const char *id)
{
	size_t i;

	if (*id == '\0')
		return ("empty id");
	if (strcmp(id, "earliest") == 0)
		return ("the id \"earliest\" asks a hub for its whole history");
	for (i = 0; id[i] != '\0'; i++) {
		if (i == EVENTID_MAX)
			return ("id longer than 1024 bytes");
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			return ("control character in the id");
	}
	return (NULL);
}
