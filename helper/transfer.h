/*
 * transfer: who owns a transfer on the shared libcurl multi handle.
 * Each easy handle's CURLOPT_PRIVATE points to its owner's header, so
 * that the event loop hands a finished transfer to its owner at once
 * rather than asking every module whether it is theirs.
 */

#ifndef HB_TRANSFER_H
#define HB_TRANSFER_H

#include <assert.h>

#include <curl/curl.h>

#define TRANSFER_OWNER_MAGIC	0x7a4e0f19U

struct transfer_owner {
	unsigned	magic;
	/* The transfer easy ended with res; it is still on the multi
	 * handle: done removes it. */
	void		(*done)(void *priv, CURL *easy, CURLcode res);
	void		*priv;
};

static inline void
transfer_owner_init(struct transfer_owner *o,
    void (*done)(void *, CURL *, CURLcode), void *priv)
{
	o->magic = TRANSFER_OWNER_MAGIC;
	o->done = done;
	o->priv = priv;
}

/* Before the transfer is added to the multi handle. */
static inline void
transfer_own(CURL *easy, struct transfer_owner *o)
{
	assert(o != NULL && o->magic == TRANSFER_OWNER_MAGIC);
	(void)curl_easy_setopt(easy, CURLOPT_PRIVATE, o);
}

/* The event loop's: a transfer ended (CURLMSG_DONE). */
static inline void
transfer_done(CURL *easy, CURLcode res)
{
	struct transfer_owner *o = NULL;

	(void)curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&o);
	assert(o != NULL && o->magic == TRANSFER_OWNER_MAGIC);
	o->done(o->priv, easy, res);
}

#endif /* HB_TRANSFER_H */
