/*
 * cidr: address lists.  See cidr.h.
 */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_http.h"

#include "cidr.h"

static int
cidr_one(const char *s, size_t len, struct cidr *c)
{
	char buf[64], *slash, *end;
	unsigned long bits;

	if (len == 0 || len >= sizeof buf)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(c, 0, sizeof *c);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		c->bits = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		c->bits = 128;
	} else {
		return (-1);
	}
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9')
			return (-1);
		bits = strtoul(slash, &end, 10);
		if (*end != '\0' || bits > c->bits)
			return (-1);
		c->bits = (unsigned)bits;
	}
	return (0);
}

int
cidr_parse(const char *v, struct cidr **list, size_t *n, char *err,
    size_t errlen)
{
	const char *p = v, *elem;
	struct cidr *l = NULL, *nl;
	size_t len, cnt = 0;

	while (hb_list_next(&p, v + strlen(v), &elem, &len)) {
		nl = realloc(l, (cnt + 1) * sizeof *l);
		if (nl == NULL) {
			snprintf(err, errlen, "out of memory");
			free(l);
			return (-1);
		}
		l = nl;
		if (cidr_one(elem, len, &l[cnt]) != 0) {
			snprintf(err, errlen, "\"%.*s\" is not an address or "
			    "a network (e.g. 10.0.0.0/8, 192.0.2.7, ::1)",
			    (int)(len > 64 ? 64 : len), elem);
			free(l);
			return (-1);
		}
		cnt++;
	}
	*list = l;
	*n = cnt;
	return (0);
}

static int
prefix_eq(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (unsigned char)(0xff << (8 - rest));
	return ((a[full] & mask) == (b[full] & mask));
}

int
cidr_match(const struct cidr *list, size_t n, const struct sockaddr *sa)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	const unsigned char *a4 = NULL, *a6 = NULL;
	size_t i;

	if (sa == NULL)
		return (0);
	if (sa->sa_family == AF_INET) {
		a4 = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		a6 = (const unsigned char *)
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (memcmp(a6, mapped, sizeof mapped) == 0)
			a4 = a6 + 12;
	}
	for (i = 0; i < n; i++) {
		if (list[i].family == AF_INET && a4 != NULL &&
		    prefix_eq(a4, list[i].addr, list[i].bits))
			return (1);
		if (list[i].family == AF_INET6 && a6 != NULL &&
		    prefix_eq(a6, list[i].addr, list[i].bits))
			return (1);
	}
	return (0);
}

int
cidr_everything(const struct cidr *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i].bits == 0)
			return (1);
	return (0);
}
