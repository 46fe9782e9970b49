/*
 * proxyproto: the PROXY protocol header (HAProxy's, versions 1 and 2) that
 * a trusted proxy sends before the request, naming the client it relays.
 * Pure over bytes: the tests call it without a network.
 */

#ifndef HB_PROXYPROTO_H
#define HB_PROXYPROTO_H

#include <stddef.h>

#include <sys/socket.h>

/* A v1 line is at most 107 bytes; v2 headers with TLVs may be longer: up
 * to this much is taken. */
#define PROXY_MAX	536

/*
 * Read a PROXY header at the start of buf: its length, with the source
 * address in *src, 0 when buf holds no header (the connection speaks HTTP
 * or TLS at once), -1 when more bytes are needed, -2 for a malformed
 * header.  A LOCAL (v2) or UNKNOWN (v1) header keeps *src as it was (the
 * peer's address).
 */
int proxyproto_parse(const unsigned char *buf, size_t len,
    struct sockaddr_storage *src, socklen_t *srclen);

#endif /* HB_PROXYPROTO_H */
