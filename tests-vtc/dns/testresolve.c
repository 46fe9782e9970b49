/*
 * testresolve: a getaddrinfo() for the tests only, preloaded
 * (LD_PRELOAD) into the helper and varnishd by e2e_dns_move.vtc.  It is
 * built for `make check` and never linked into the project's programs.
 *
 * HB_TEST_RESOLVE="NAME FILE": getaddrinfo(NAME, ...) answers the numeric
 * address written in FILE, read again at every call; every other name is
 * resolved by libc as usual.  The test moves a hub under a name by
 * rewriting FILE.
 *
 * Why this and not something else, to test that the hub's name is
 * resolved again at reconnection, on loopback and without root:
 * - /etc/hosts is not writable by the tests, and a private mount of it
 *   needs user namespaces, which CI containers often forbid;
 * - glibc's HOSTALIASES maps a name to another *name* and only for DNS
 *   queries (res_search), so it still needs a DNS server;
 * - libcurl's CURLOPT_RESOLVE or CURLOPT_CONNECT_TO would be a test hook
 *   in the production code, and would bypass the resolution under test;
 * - a preloaded getaddrinfo() sits exactly where the system's resolver
 *   answers libcurl (its threaded resolver calls getaddrinfo()), so the
 *   code under test runs unchanged, caches included.
 */

#define _GNU_SOURCE

#include <dlfcn.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

typedef int gai_f(const char *, const char *, const struct addrinfo *,
    struct addrinfo **);

/* The address FILE holds now, for NAME; 0, or -1 when node is not NAME. */
static int
test_address(const char *node, char *addr, size_t len)
{
	const char *spec = getenv("HB_TEST_RESOLVE");
	const char *sp;
	FILE *f;
	size_t n;

	if (spec == NULL || node == NULL || (sp = strchr(spec, ' ')) == NULL)
		return (-1);
	if ((size_t)(sp - spec) != strlen(node) ||
	    strncasecmp(spec, node, (size_t)(sp - spec)) != 0)
		return (-1);
	f = fopen(sp + 1, "r");
	if (f == NULL)
		return (-1);
	if (fgets(addr, (int)len, f) == NULL)
		addr[0] = '\0';
	(void)fclose(f);
	n = strcspn(addr, " \t\r\n");
	addr[n] = '\0';
	return (0);
}

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	static gai_f *real;
	struct addrinfo h;
	char addr[64];

	if (real == NULL)
		real = (gai_f *)dlsym(RTLD_NEXT, "getaddrinfo");
	if (real == NULL)
		return (EAI_SYSTEM);
	if (test_address(node, addr, sizeof addr) != 0)
		return (real(node, service, hints, res));
	if (addr[0] == '\0')
		return (EAI_NONAME);
	if (hints != NULL)
		h = *hints;
	else {
		memset(&h, 0, sizeof h);
		h.ai_family = AF_UNSPEC;
	}
	h.ai_flags |= AI_NUMERICHOST;
	h.ai_flags &= ~AI_CANONNAME;
	return (real(addr, service, &h, res));
}
