/*
 * subscribe: one subscription to a hub (a Server-Sent Events stream), the
 * same object for the events' streams (stream.c) and the reports'
 * listener (fleetlisten.c): it connects (a fresh token and the owner's
 * resume point each time), judges the hub's answer (hubreply.c), feeds the body
 * to the SSE parser (sse.c), ends a silent connection, and reconnects
 * with the backoff and the hub's retry: hint.  Its owner keeps only what
 * it makes of the events and of an accepted answer, through callbacks,
 * and starts and stops it.
 */

#ifndef HB_SUBSCRIBE_H
#define HB_SUBSCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "hubreply.h"
#include "log.h"
#include "sse.h"
#include "transfer.h"

struct hub_cfg;
struct settings;

/* What the owner makes of its subscription.  priv is its own. */
struct subscription_cb {
	/* A new connection was started (its state may be reset); NULL:
	 * nothing to do. */
	void	(*on_connected)(void *priv, int64_t now);
	/* The hub accepted the subscription: a 200 event stream. */
	void	(*on_subscribed)(void *priv, int64_t now);
	/* Before a chunk of the body: nonzero pauses the transfer until
	 * subscription_resume() (NULL: never). */
	int	(*on_hold)(void *priv);
	/* An event (see sse.h); has_id: it carried an id field. */
	void	(*on_event)(void *priv, const char *type, const char *data,
		    size_t len, const char *id, int has_id);
	/* An event over the size limit, dropped (see sse.h). */
	void	(*on_oversize)(void *priv, const char *id, int has_id);
	/* The connection ended (ok: it had been accepted).  Returns
	 * nonzero to reconnect at once rather than after the backoff. */
	int	(*on_ended)(void *priv, int ok);
};

/* The words of a subscription's log lines. */
struct subscription_words {
	const char	*name;		/* "<name> ended: ..." */
	const char	*purpose;	/* "connecting to <url><purpose>" */
	const char	*body;		/* "... while parsing the <body>" */
	const char	*cannot;	/* when a connection cannot start */
	const char	*idle_note;	/* after "no data for Nms" */
	const char	*jwt_what;	/* "cannot mint a <what>: ..." */
	const char	*token_file;	/* its setting's name */
};

/* Which hub, with which credentials, and how it is told in the logs.
 * The bearer token of each connection, at most one of: a JWT minted with
 * jwt_key for jwt_topic, the token in token_file (read again each time),
 * a fixed token; none: anonymous. */
struct subscription_conf {
	const struct hub_cfg		*hub;	/* its subscribe_url */
	const char			*jwt_key;
	const char			*jwt_topic;
	const char			*token_file;
	const char			*token;
	/* The owner's resume point, sent as Last-Event-ID: *resume_id,
	 * NULL or an id. */
	char * const			*resume_id;
	size_t				max_event;	/* the SSE bound */
	int64_t				idle_ms;	/* no byte: the end */
	const struct subscription_words	*words;
};

#define SUBSCRIPTION_MAGIC	0x5b5c71a3U

/* The owner reads these; only subscribe.c writes them. */
struct subscription {
	unsigned			magic;
	struct transfer_owner		owner;	/* the easy handle's PRIVATE */
	CURLM				*multi;
	const struct settings		*cfg;
	struct subscription_conf	conf;
	const struct subscription_cb	*cb;
	void				*priv;
	uint64_t			*tls_failures;	/* counted there */
	uint64_t			*auth_refused;	/* 401, 403: there */

	struct sse_parser		parser;
	CURL				*easy;		/* NULL: not connected */
	struct curl_slist		*hdrs;		/* holds the token */
	char				errbuf[CURL_ERROR_SIZE];
	char				*sent_id;	/* Last-Event-ID sent */
	struct hubreply			reply;
	char				problem[256];	/* why we aborted */
	int				ok;		/* accepted */
	int				got_data;
	int				paused;
	int				stopped;
	long				status;		/* of the answer */
	int				v1;		/* speaks Mercure 1.0
							 * (?match=) */
	int				told;		/* auto said what the
							 * hub speaks */
	int				at_once;	/* reconnect without
							 * delay */
	unsigned			failures;	/* in a row */
	long				retry_ms;	/* the hub's retry: */
	int64_t				last_byte;
	int64_t				reconnect_at;
};

/* Not connected yet: the first subscription_tick() connects.  NULL when
 * out of memory. */
struct subscription *subscription_new(CURLM *multi,
    const struct settings *cfg, const struct subscription_conf *conf,
    const struct subscription_cb *cb, void *priv, uint64_t *tls_failures,
    uint64_t *auth_refused);
void subscription_free(struct subscription *sub);

/* Connect when due, end a connection silent for idle_ms.  Returns the
 * time it wants to be called again (INT64_MAX: paused or stopped). */
int64_t subscription_tick(struct subscription *sub, int64_t now);
/* End the connection now (why, at lvl, in the log). */
void subscription_end(struct subscription *sub, enum log_level lvl,
    const char *why);
/* Go on reading after the owner's hold (at now): this may deliver the
 * held bytes, and hold again, at once. */
void subscription_resume(struct subscription *sub, int64_t now);
/* Stop for good (shutdown). */
void subscription_stop(struct subscription *sub);
/* The URL it subscribes with now (?topic= or ?match=), redacted. */
const char *subscription_url_shown(const struct subscription *sub);

#endif /* HB_SUBSCRIBE_H */
