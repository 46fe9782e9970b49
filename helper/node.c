/*
 * node: what a node's name may be (node.h).
 */

#include "config.h"

#include <ctype.h>
#include <string.h>

#include "node.h"

int
node_name_valid(const char *v)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (!isalnum((unsigned char)v[i]) && strchr("._:@-", v[i]) == NULL)
			return (0);
	return (i > 0 && i <= 128);
}
