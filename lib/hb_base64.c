/*
 * hb_base64: see hb_base64.h.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "hb_base64.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t
hb_base64_encoded_len(size_t len)
{
	return ((len + 2) / 3 * 4);
}

void
hb_base64_encode(const unsigned char *src, size_t len, char *dst)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
		*dst++ = b64[v >> 18];
		*dst++ = b64[(v >> 12) & 63];
		*dst++ = b64[(v >> 6) & 63];
		*dst++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)src[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)src[i + 1] << 8;
		*dst++ = b64[v >> 18];
		*dst++ = b64[(v >> 12) & 63];
		*dst++ = (i + 1 < len) ? b64[(v >> 6) & 63] : '=';
		*dst++ = '=';
	}
	*dst = '\0';
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

size_t
hb_base64_decode(const char *src, size_t len, unsigned char *dst)
{
	size_t i, o = 0, pad = 0;
	int v, n;
	uint32_t acc;

	if (len % 4 != 0)
		return ((size_t)-1);
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (n = 0; n < 4; n++) {
			unsigned char c = (unsigned char)src[i + n];

			if (c == '=' && i + 4 == len && n >= 2) {
				/* "xx==" or "xxx=": nothing but '=' may follow */
				if (n == 2 && src[i + 3] != '=')
					return ((size_t)-1);
				pad = 4 - (size_t)n;
				acc <<= 6 * (4 - n);
				break;
			}
			v = b64_value(c);
			if (v < 0)
				return ((size_t)-1);
			acc = acc << 6 | (uint32_t)v;
		}
		dst[o++] = (unsigned char)(acc >> 16);
		if (pad < 2)
			dst[o++] = (unsigned char)(acc >> 8);
		if (pad < 1)
			dst[o++] = (unsigned char)acc;
	}
	return (o);
}
