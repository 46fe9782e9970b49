/* Unit tests of the PROXY protocol header reader and the address lists. */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "proxyproto.h"
#include "test_check.h"

static struct sockaddr_storage src;
static socklen_t srclen;

static int
parse(const char *buf, size_t len)
{
	memset(&src, 0, sizeof src);
	srclen = 0;
	return (proxyproto_parse((const unsigned char *)buf, len, &src,
	    &srclen));
}

static const char *
src_text(void)
{
	static char out[64];
	const void *a;

	if (src.ss_family == AF_INET)
		a = &((struct sockaddr_in *)(void *)&src)->sin_addr;
	else if (src.ss_family == AF_INET6)
		a = &((struct sockaddr_in6 *)(void *)&src)->sin6_addr;
	else
		return ("none");
	return (inet_ntop(src.ss_family, a, out, sizeof out));
}

static int
match(const char *list, const char *addr)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	struct cidr *l;
	char err[256];
	size_t n;
	int r;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	if (cidr_parse(list, &l, &n, err, sizeof err) != 0)
		return (-1);
	r = cidr_match(l, n, (struct sockaddr *)&ss);
	free(l);
	return (r);
}

int
main(void)
{
	static const char v2[] = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c"
	    "\x0a\x09\x08\x07\x7f\x00\x00\x01\x9c\x40\x1a\x91GET";
	static const char v2local[] = "\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00";
	struct cidr *l;
	char err[256];
	size_t n;

	/* v1 */
	CHECK(parse("PROXY TCP4 10.1.2.3 127.0.0.1 40000 6801\r\nGET", 45) ==
	    42);
	CHECK_STR(src_text(), "10.1.2.3");
	CHECK(ntohs(((struct sockaddr_in *)(void *)&src)->sin_port) == 40000);
	CHECK(parse("PROXY TCP6 2001:db8::1 ::1 1 2\r\n", 32) == 32);
	CHECK_STR(src_text(), "2001:db8::1");
	CHECK(parse("PROXY UNKNOWN\r\n", 15) == 15);
	CHECK_STR(src_text(), "none");
	CHECK(parse("PROXY TCP4 10.1.2.3 127.0.0.1 40000", 35) == -1);
	CHECK(parse("PRO", 3) == -1);
	CHECK(parse("PROXY TCP4 nonsense\r\n", 21) == -2);
	CHECK(parse("PROXY TCP4 10.1.2.3 127.0.0.1 40000 6801\n", 41) == -2);
	CHECK(parse("PROXY TCP4 10.1.2.3 127.0.0.1 70000 6801\r\n", 42) ==
	    -2);
	CHECK(parse("PROXY TCP5 10.1.2.3 127.0.0.1 1 2\r\n", 35) == -2);
	/* no header: HTTP or TLS from the first byte */
	CHECK(parse("PURGE / HTTP/1.1\r\n", 18) == 0);
	CHECK(parse("\x16\x03\x01", 3) == 0);
	/* v2 */
	CHECK(parse(v2, sizeof v2 - 1) == 28);
	CHECK_STR(src_text(), "10.9.8.7");
	CHECK(ntohs(((struct sockaddr_in *)(void *)&src)->sin_port) == 40000);
	CHECK(parse(v2, 20) == -1);
	CHECK(parse(v2, 10) == -1);
	CHECK(parse(v2local, sizeof v2local - 1) == 16);
	CHECK_STR(src_text(), "none");

	/* address lists */
	CHECK(match("127.0.0.0/8,::1", "127.0.0.1") == 1);
	CHECK(match("127.0.0.0/8,::1", "::1") == 1);
	CHECK(match("127.0.0.0/8,::1", "::ffff:127.0.0.9") == 1);
	CHECK(match("127.0.0.0/8,::1", "10.0.0.1") == 0);
	CHECK(match("10.0.0.0/9", "10.127.255.255") == 1);
	CHECK(match("10.0.0.0/9", "10.128.0.0") == 0);
	CHECK(match("192.0.2.7", "192.0.2.7") == 1);
	CHECK(match("192.0.2.7", "192.0.2.8") == 0);
	CHECK(match("2001:db8::/32", "2001:db8:1::1") == 1);
	CHECK(match("2001:db8::/32", "2001:db9::1") == 0);
	CHECK(match("0.0.0.0/0", "203.0.113.1") == 1);
	CHECK(match("0.0.0.0/0", "2001:db8::1") == 0);
	CHECK(match("10.0.0.0/33", "10.0.0.1") == -1);
	CHECK(match("10.0.0.0/", "10.0.0.1") == -1);
	CHECK(match("example.com", "10.0.0.1") == -1);
	CHECK(cidr_parse(" , ", &l, &n, err, sizeof err) == 0 && n == 0);
	free(l);
	CHECK(cidr_parse("::/0", &l, &n, err, sizeof err) == 0 &&
	    cidr_everything(l, n));
	free(l);
	CHECK(cidr_parse("10.0.0.0/8", &l, &n, err, sizeof err) == 0 &&
	    !cidr_everything(l, n));
	free(l);
	return (TEST_DONE());
}
