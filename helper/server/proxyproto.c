/*
 * proxyproto: the PROXY protocol header.  See proxyproto.h.
 */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "proxyproto.h"

static const unsigned char v2sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

int
proxyproto_parse(const unsigned char *buf, size_t len,
    struct sockaddr_storage *src, socklen_t *srclen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)src;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)src;
	char line[108], proto[8], a[64], b[64];
	unsigned sp, dp;
	size_t hl, i;
	const unsigned char *eol;

	if (len == 0)
		return (-1);
	if (memcmp(buf, v2sig, len < 12 ? len : 12) == 0) {
		if (len < 16)
			return (-1);
		hl = 16 + ((size_t)buf[14] << 8 | buf[15]);
		if ((buf[12] & 0xf0) != 0x20 || hl > PROXY_MAX)
			return (-2);
		if (len < hl)
			return (-1);
		if ((buf[12] & 0x0f) == 0x00)
			return ((int)hl);		/* LOCAL */
		if ((buf[12] & 0x0f) != 0x01)
			return (-2);
		if (buf[13] == 0x11 && hl >= 16 + 12) {
			memset(src, 0, sizeof *src);
			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, buf + 16, 4);
			memcpy(&s4->sin_port, buf + 24, 2);
			*srclen = sizeof *s4;
		} else if (buf[13] == 0x21 && hl >= 16 + 36) {
			memset(src, 0, sizeof *src);
			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, buf + 16, 16);
			memcpy(&s6->sin6_port, buf + 48, 2);
			*srclen = sizeof *s6;
		} else if ((buf[13] & 0xf0) != 0x00) {
			return (-2);	/* UNIX or unknown family */
		}
		return ((int)hl);
	}
	if (memcmp(buf, "PROXY ", len < 6 ? len : 6) != 0)
		return (0);
	eol = memchr(buf, '\n', len);
	if (eol == NULL)
		return (len >= 107 ? -2 : -1);
	hl = (size_t)(eol - buf) + 1;
	if (hl < 8 || buf[hl - 2] != '\r' || hl - 2 >= sizeof line)
		return (-2);
	memcpy(line, buf, hl - 2);
	line[hl - 2] = '\0';
	for (i = 0; i < hl - 2; i++)
		if (line[i] < 0x20 || line[i] > 0x7e)
			return (-2);
	if (strncmp(line, "PROXY UNKNOWN", 13) == 0)
		return ((int)hl);
	if (sscanf(line, "PROXY %7s %63s %63s %u %u", proto, a, b, &sp,
	    &dp) != 5 || sp > 65535 || dp > 65535)
		return (-2);
	memset(src, 0, sizeof *src);
	if (strcmp(proto, "TCP4") == 0 &&
	    inet_pton(AF_INET, a, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)sp);
		*srclen = sizeof *s4;
	} else if (strcmp(proto, "TCP6") == 0 &&
	    inet_pton(AF_INET6, a, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)sp);
		*srclen = sizeof *s6;
	} else {
		return (-2);
	}
	return ((int)hl);
}

