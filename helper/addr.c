/*
 * addr: listen addresses.  See addr.h.
 */

#include "config.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

int
addr_parse(const char *setting, const char *addr, struct sockaddr_storage *ss,
    int *any, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *colon, *h = addr;
	size_t hl;
	int r;

	colon = strrchr(addr, ':');
	if (colon == NULL || colon[1] == '\0') {
		snprintf(err, errlen, "%s: \"%.64s\" is not host:port",
		    setting, addr);
		return (-1);
	}
	hl = (size_t)(colon - addr);
	if (hl >= 2 && addr[0] == '[' && addr[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl >= sizeof host) {
		snprintf(err, errlen, "%s: host too long", setting);
		return (-1);
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	r = getaddrinfo(hl > 0 ? host : NULL, colon + 1, &hints, &res);
	if (r != 0 || res == NULL) {
		snprintf(err, errlen, "%s: \"%.64s\": %s", setting, addr,
		    gai_strerror(r));
		return (-1);
	}
	memset(ss, 0, sizeof *ss);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (any != NULL)
		*any = hl == 0;
	return (0);
}

const char *
addr_text(const struct sockaddr *sa, char *buf, size_t len)
{
	if (sa == NULL || (sa->sa_family != AF_INET &&
	    sa->sa_family != AF_INET6) || getnameinfo(sa,
	    sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6), buf, (socklen_t)len, NULL, 0,
	    NI_NUMERICHOST) != 0)
		snprintf(buf, len, "?");
	return (buf);
}
