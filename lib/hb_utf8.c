/*
 * hb_utf8: see hb_utf8.h.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hb_utf8.h"

size_t
hb_utf8_seq(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned min, cp;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2; cp = s[0] & 0x1fu; min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3; cp = s[0] & 0x0fu; min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4; cp = s[0] & 0x07u; min = 0x10000;
	} else {
		return (0);
	}
	if (len < n)
		return (0);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (n);
}

int
hb_utf8_valid(const char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n)
		if ((n = hb_utf8_seq((const unsigned char *)s + i, len - i)) == 0)
			return (0);
	return (1);
}

char *
hb_utf8_lossy(const char *s, size_t len)
{
	char *d = malloc(len * 3 + 1);
	size_t i, n, o = 0;

	if (d == NULL)
		return (NULL);
	for (i = 0; i < len; i += n) {
		n = hb_utf8_seq((const unsigned char *)s + i, len - i);
		if (n == 0) {
			memcpy(d + o, "\xef\xbf\xbd", 3);
			o += 3;
			n = 1;
		} else {
			memcpy(d + o, s + i, n);
			o += n;
		}
	}
	d[o] = '\0';
	return (d);
}
