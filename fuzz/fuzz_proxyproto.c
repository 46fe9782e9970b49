/*
 * Fuzz target: the PROXY protocol header reader of the server mode, fed
 * the first bytes a trusted peer sends.
 */

#include "config.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include <sys/socket.h>

#include "../helper/server/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage src;
	socklen_t len = 0;
	int r;

	memset(&src, 0, sizeof src);
	r = proxyproto_parse(data, size, &src, &len);
	/* Never more than was read, never more than the bound. */
	assert(r >= -2);
	assert(r <= 0 || ((size_t)r <= size && r <= PROXY_MAX));
	assert(len == 0 || len <= sizeof src);
	return (0);
}
