/*
 * cidr: address lists of the server mode (SERVER_ALLOWED_IPS,
 * SERVER_TRUSTED_IPS): "10.0.0.0/8, 192.0.2.7, ::1, 2001:db8::/32".  An
 * IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) matches the
 * IPv4 entries.  Pure: the tests call it without a network.
 */

#ifndef HB_CIDR_H
#define HB_CIDR_H

#include <stddef.h>

#include <sys/socket.h>

struct cidr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	unsigned	bits;
};

/* Parse a comma list (hb_list_next()'s rule) into *list (malloc'ed, *n
 * entries, maybe 0).  0, or -1 with the bad element in err. */
int cidr_parse(const char *v, struct cidr **list, size_t *n, char *err,
    size_t errlen);
/* 1 when sa is in the list. */
int cidr_match(const struct cidr *list, size_t n, const struct sockaddr *sa);
/* 1 when the list holds an entry for every address (0.0.0.0/0, ::/0). */
int cidr_everything(const struct cidr *list, size_t n);

#endif /* HB_CIDR_H */
