/*
 * addr: the listen addresses of the settings (STATUS_ADDR, SERVER_ADDR):
 * "host:port", "[v6]:port" or ":port" (every address), as Go's net.Listen
 * takes them.
 */

#ifndef HB_ADDR_H
#define HB_ADDR_H

#include <stddef.h>

#include <sys/socket.h>

/* 0, or -1 with a reason naming the setting in err.  *any is set when no
 * host was given (listen on every address). */
int addr_parse(const char *setting, const char *addr,
    struct sockaddr_storage *ss, int *any, char *err, size_t errlen);

#endif /* HB_ADDR_H */
