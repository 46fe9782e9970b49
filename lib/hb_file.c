/*
 * hb_file: reading a small file whole.  See hb_file.h.
 */

#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "hb_file.h"

ssize_t
hb_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t n = 0;
	ssize_t r;

	while (n < len) {
		r = read(fd, p + n, len - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return (-1);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return ((ssize_t)n);
}
