/*
 * addr: the listen addresses of the settings (STATUS_ADDR, SERVER_ADDR):
 * "host:port", "[v6]:port" or ":port" (every address), as Go's net.Listen
 * takes them; and the clients' addresses as the listeners log them.
 */

#ifndef HB_ADDR_H
#define HB_ADDR_H

#include <stddef.h>

#include <sys/socket.h>

/* 0, or -1 with a reason naming the setting in err.  *any is set when no
 * host was given (listen on every address). */
int addr_parse(const char *setting, const char *addr,
    struct sockaddr_storage *ss, int *any, char *err, size_t errlen);

/* The host of a client's socket address as text, for the logs; "?" when
 * sa is NULL or of no family we know. */
const char *addr_text(const struct sockaddr *sa, char *buf, size_t len);

#endif /* HB_ADDR_H */
