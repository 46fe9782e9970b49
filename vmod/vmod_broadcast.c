/*
 * vmod_broadcast: publish the current client request to a Mercure hub.
 *
 * A publish runs on the worker thread that executes vcl_recv, so every
 * step is bounded: taking a pooled connection (timed wait), connecting and
 * the whole exchange (libcurl timeouts in milliseconds, no signals).  The
 * hub connections are kept in a small per-object pool of slots: a slot is
 * a libcurl multi handle with one easy handle per hub listed, so one
 * publish sends the event to every hub in parallel on the worker thread
 * (no thread per hub), and an idle slot keeps its keep-alive connections
 * (in the multi handle's cache), so a burst of publishes reuses a few TCP
 * connections to each hub instead of opening one each.  With a single hub
 * the slot's one easy handle runs the blocking curl_easy_perform(), as it
 * did before several hubs existed, and keeps its connection itself.
 */

#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <cache/cache.h>
#include <vcl.h>
#include <vsb.h>
#include <vtim.h>

#include "vcc_broadcast_if.h"
#include "VSC_broadcast.h"
#include "VSC_broadcast_hub.h"

#include "hb_check.h"
#include "hb_curl.h"
#include "hb_event.h"
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_path.h"
#include "hb_policy.h"
#include "hb_publish.h"
#include "hb_url.h"

/* The "no transaction" vxid: an integer up to Varnish 7.2, a struct from
 * 7.3, which defines this name for it. */
#ifndef NO_VXID
#define NO_VXID 0
#endif

/* How hb_tls_check() names the arguments in its messages. */
static const char * const tls_names[4] = {
	"ca_file", "ca_dir", "client_cert", "client_key"
};

#define DEFAULT_TOPIC		"http-broadcast"
/* Hubs one object publishes to: each costs a connection per slot. */
#define MAX_ENDPOINTS		16

/* One hub of the object's endpoint list. */
struct hub_ep {
	char			*url;
	char			*name;		/* scheme://host[:port], for logs */
	struct VSC_broadcast_hub *vsc;
	struct vsc_seg		*vsc_seg;
	struct hb_breaker	brk;		/* guarded by the object's mtx */
};

/* A pooled publisher: one easy handle per hub on one multi handle, whose
 * connection cache keeps the keep-alive connections. */
struct pub_slot {
	CURLM			*multi;
	CURL			**easy;		/* nep */
};

struct vmod_broadcast_hub {
	unsigned		magic;
#define BROADCAST_HUB_MAGIC	0x6b9e2a31
	VTAILQ_ENTRY(vmod_broadcast_hub) list;	/* CLI thread only */
	const struct vcl	*vcl;
	char			*vcl_name;
	struct hub_ep		*ep;
	unsigned		nep;
	struct hb_policy	policy;
	struct hb_breaker_rule	breaker;
	char			*topic;
	char			*guard;
	char			*token;		/* static bearer, or NULL */
	char			*auth;		/* its header, or NULL */
	char			*form_prefix;	/* "topic=...&data=" */
	char			*jwt_key;	/* mint our own, or NULL */
	char			*jwt_alg;
	long			jwt_ttl;	/* seconds */
	enum hb_protocol	protocol;	/* of the minted tokens */
	char			*jwt_issuer;
	char			**aud;		/* the 1.0 audience */
	unsigned		naud;
	long			timeout_ms;
	long			connect_timeout_ms;
	unsigned		private_update;
	char			**exclude;
	unsigned		nexclude;

	struct VSC_broadcast	*vsc;
	struct vsc_seg		*vsc_seg;

	struct lock		mtx;
	pthread_cond_t		cond;	/* default clock: Lck_CondWaitUntil */
	struct pub_slot		**idle;		/* pooled slots */
	unsigned		nidle;
	unsigned		nhandles;	/* idle + in use */
	unsigned		max_handles;
	unsigned		nwaiting;	/* publishes waiting for one */
	unsigned		max_waiting;
	size_t			max_event_size;
	char			*proxy;		/* or NULL: none */
	struct hb_tls		tls;		/* files owned by the hub */
	char			*minted;	/* its header; guarded by mtx */
	vtim_mono		minted_renew;	/* guarded by mtx */
	unsigned		minting;	/* guarded by mtx */
	unsigned		cold;		/* guarded by mtx */
};

/* Outcome of the task's last publish, for .id() and .error(). */
struct task_state {
	unsigned		magic;
#define TASK_STATE_MAGIC	0x2f1c77d4
	const char		*id;		/* the hub's answer */
	const char		*event_id;	/* ours: the EventID */
	const char		*error;
	unsigned		rejected;	/* cannot travel: a 400 */
};

/* CLI thread only (events, constructors, destructors). */
static unsigned loadcnt;		/* loaded VCLs importing us */
static struct VSC_lck *lck_broadcast;	/* the hubs' lock class */
static struct vsc_seg *lck_seg;
static VTAILQ_HEAD(, vmod_broadcast_hub) hubs =
    VTAILQ_HEAD_INITIALIZER(hubs);	/* every hub of every VCL */

/*
 * A cold VCL runs no task: its hub keeps no connection open to the hub
 * (the next publish, once warm again, opens one) and, as varnishd does
 * for its backends, its counters leave varnishstat until it is warm.
 */
static void
slot_free(const struct vmod_broadcast_hub *hub, struct pub_slot *sl)
{
	unsigned u;

	if (sl == NULL)
		return;
	/* Every easy handle was removed from the multi handle after its
	 * publish: the multi handle closes the cached connections. */
	if (sl->multi != NULL)
		(void)curl_multi_cleanup(sl->multi);
	if (sl->easy != NULL) {
		for (u = 0; u < hub->nep; u++)
			if (sl->easy[u] != NULL)
				curl_easy_cleanup(sl->easy[u]);
		free(sl->easy);
	}
	free(sl);
}

static struct pub_slot *
slot_new(const struct vmod_broadcast_hub *hub)
{
	struct pub_slot *sl;
	unsigned u;

	sl = calloc(1, sizeof *sl);
	if (sl == NULL)
		return (NULL);
	sl->multi = curl_multi_init();
	sl->easy = calloc(hub->nep, sizeof *sl->easy);
	if (sl->multi == NULL || sl->easy == NULL) {
		slot_free(hub, sl);
		return (NULL);
	}
	for (u = 0; u < hub->nep; u++) {
		sl->easy[u] = curl_easy_init();
		if (sl->easy[u] == NULL) {
			slot_free(hub, sl);
			return (NULL);
		}
	}
	return (sl);
}

static void
hub_cold(struct vmod_broadcast_hub *hub)
{
	struct pub_slot *sl;
	unsigned u;

	Lck_Lock(&hub->mtx);
	hub->cold = 1;
	while (hub->nidle > 0) {
		sl = hub->idle[--hub->nidle];
		hub->nhandles--;
		Lck_Unlock(&hub->mtx);
		slot_free(hub, sl);
		Lck_Lock(&hub->mtx);
	}
	Lck_Unlock(&hub->mtx);
	VRT_VSC_Hide(hub->vsc_seg);
	for (u = 0; u < hub->nep; u++)
		VRT_VSC_Hide(hub->ep[u].vsc_seg);
}

static void
hub_warm(struct vmod_broadcast_hub *hub)
{
	unsigned u;

	Lck_Lock(&hub->mtx);
	hub->cold = 0;
	Lck_Unlock(&hub->mtx);
	VRT_VSC_Reveal(hub->vsc_seg);
	for (u = 0; u < hub->nep; u++)
		VRT_VSC_Reveal(hub->ep[u].vsc_seg);
}

static void
hubs_event(const struct vcl *vcl, enum vcl_event_e e)
{
	struct vmod_broadcast_hub *hub;

	VTAILQ_FOREACH(hub, &hubs, list) {
		CHECK_OBJ_NOTNULL(hub, BROADCAST_HUB_MAGIC);
		if (hub->vcl != vcl)
			continue;
		if (e == VCL_EVENT_WARM)
			hub_warm(hub);
		else
			hub_cold(hub);
	}
}

int v_matchproto_(vmod_event_f)
vmod_event(VRT_CTX, struct vmod_priv *priv, enum vcl_event_e e)
{
	(void)priv;
	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	switch (e) {
	case VCL_EVENT_LOAD:
		if (loadcnt > 0) {
			loadcnt++;
			break;
		}
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
			VSB_cat(ctx->msg, "broadcast: curl_global_init failed");
			return (1);
		}
		AZ(lck_broadcast);
		lck_broadcast = Lck_CreateClass(&lck_seg, "broadcast.hub");
		AN(lck_broadcast);
		loadcnt++;
		break;
	case VCL_EVENT_WARM:
	case VCL_EVENT_COLD:
		hubs_event(ctx->vcl, e);
		break;
	case VCL_EVENT_DISCARD:
		AN(loadcnt);
		if (--loadcnt > 0)
			break;
		/* The hubs' destructors ran before: no lock of the class
		 * is left. */
		Lck_DestroyClass(&lck_seg);
		lck_broadcast = NULL;
		curl_global_cleanup();
		break;
	default:
		break;
	}
	return (0);
}

/*--------------------------------------------------------------------
 * Constructor and destructor
 */

static void
hub_free(struct vmod_broadcast_hub *hub)
{
	unsigned u;

	for (u = 0; u < hub->nidle; u++)
		slot_free(hub, hub->idle[u]);
	free(hub->idle);
	for (u = 0; u < hub->nep; u++) {
		if (hub->ep[u].vsc != NULL)
			VSC_broadcast_hub_Destroy(&hub->ep[u].vsc_seg);
		free(hub->ep[u].url);
		free(hub->ep[u].name);
	}
	free(hub->ep);
	for (u = 0; u < hub->nexclude; u++)
		free(hub->exclude[u]);
	free(hub->exclude);
	if (hub->vsc != NULL)
		VSC_broadcast_Destroy(&hub->vsc_seg);
	Lck_Delete(&hub->mtx);
	AZ(pthread_cond_destroy(&hub->cond));
	hb_bearer_free(hub->minted);
	free(hub->vcl_name);
	free(hub->topic);
	free(hub->guard);
	free(hub->proxy);
	free(hub->token);
	hb_bearer_free(hub->auth);
	free(hub->form_prefix);
	free(hub->jwt_key);
	free(hub->jwt_alg);
	free(hub->jwt_issuer);
	for (u = 0; u < hub->naud; u++)
		free(hub->aud[u]);
	free(hub->aud);
	hb_tls_free(&hub->tls);
	FREE_OBJ(hub);
}

/* Split "A, b ,C" into trimmed names; returns 0 or -1 (out of memory). */
static int
parse_exclude(struct vmod_broadcast_hub *hub, const char *list)
{
	const char *p = list, *end = list + strlen(list), *elem;
	char **n;
	size_t len;

	while (hb_list_next(&p, end, &elem, &len)) {
		n = realloc(hub->exclude, (hub->nexclude + 1) * sizeof *n);
		if (n == NULL)
			return (-1);
		hub->exclude = n;
		hub->exclude[hub->nexclude] = strndup(elem, len);
		if (hub->exclude[hub->nexclude] == NULL)
			return (-1);
		hub->nexclude++;
	}
	return (0);
}

/*
 * A new publisher JWT, as its bearer header line (hb_bearer_free() it), or
 * NULL with a reason in err.  The claims' exp is on the wall clock: the
 * hub reads it.
 */
static char *
mint_header(const struct vmod_broadcast_hub *hub, char *err, size_t errlen)
{
	struct hb_grant g = {
		.alg = hub->jwt_alg,
		.key = hub->jwt_key,
		.action = "publish",
		.topic = hub->topic,
		.protocol = hub->protocol,
		.issuer = hub->jwt_issuer,
		.audience = (const char * const *)hub->aud,
		.naudience = hub->naud,
		.ttl = hub->jwt_ttl,
	};

	return (hb_jwt_bearer_grant(&g, (time_t)VTIM_real(), err, errlen));
}

/*
 * The aud of the 1.0 tokens: the one given, else every hub's URL as the
 * VMOD sends to it (a 1.0 hub finds itself in the list).  0, or -1 when
 * out of memory.
 */
static int
token_audience(struct vmod_broadcast_hub *hub, const char *given)
{
	unsigned u, n;

	n = given != NULL && *given != '\0' ? 1 : hub->nep;
	hub->aud = calloc(n, sizeof *hub->aud);
	if (hub->aud == NULL)
		return (-1);
	for (u = 0; u < n; u++) {
		hub->aud[u] = n == 1 && given != NULL && *given != '\0' ?
		    strdup(given) : hb_url_audience(hub->ep[u].url);
		if (hub->aud[u] == NULL)
			return (-1);
		hub->naud++;
	}
	return (0);
}

/* In vcl_init, on the CLI's log (no vxid), as std.log() does. */
static void
short_key_warning(VRT_CTX, const char *vcl_name, size_t len)
{
	static const char fmt[] = "broadcast.hub %s: an HMAC jwt_key of %zu "
	    "bytes can be guessed from any token it signed: use %d bytes or "
	    "more";

	if (ctx->vsl != NULL)
		VSLb(ctx->vsl, SLT_VCL_Error, fmt, vcl_name, len,
		    HB_HMAC_KEY_MIN);
	else
		VSL(SLT_VCL_Error, NO_VXID, fmt, vcl_name, len,
		    HB_HMAC_KEY_MIN);
}

/* In vcl_init: protocol "auto" with a key this libjwt cannot sign a 1.0
 * token with mints the 0.x token alone, which a 1.0 hub refuses. */
static void
no_v1_warning(VRT_CTX, const char *vcl_name, const char *alg)
{
	static const char fmt[] = "broadcast.hub %s: protocol auto: this "
	    "libjwt cannot sign Mercure 1.0 tokens with %s (1.12 or later "
	    "can): the tokens are for 0.x hubs only";

	if (ctx->vsl != NULL)
		VSLb(ctx->vsl, SLT_VCL_Error, fmt, vcl_name, alg);
	else
		VSL(SLT_VCL_Error, NO_VXID, fmt, vcl_name, alg);
}

/* "scheme://host[:port]" of url, without user info, path or query: what
 * the log says of a hub (its URL could carry a credential). */
static char *
ep_name(const char *url)
{
	const char *b, *e, *at;
	char *r;

	b = strstr(url, "://");
	b = b != NULL ? b + 3 : url;
	e = b + strcspn(b, "/?#");
	at = memchr(b, '@', (size_t)(e - b));
	if (at != NULL)
		b = at + 1;
	if (asprintf(&r, "%.*s://%.*s", (int)strcspn(url, ":"), url,
	    (int)(e - b), b) < 0)
		r = NULL;
	return (r);
}

/*
 * The endpoint list: one or more hub URLs separated by commas (a comma in
 * a URL is written %2C).  Every hub is told the same topic: a ?topic= in
 * one of them must agree with the others.  0, or -1 with err.
 */
static int
parse_endpoints(struct vmod_broadcast_hub *hub, const char *list,
    char *err, size_t errlen)
{
	const char *p, *end, *elem;
	char *one, *url, *topic;
	size_t len;
	unsigned n = 0;

	p = list != NULL ? list : "";
	end = p + strlen(p);
	while (hb_list_next(&p, end, &elem, &len))
		n++;
	if (n == 0) {
		snprintf(err, errlen, "hub endpoint is empty");
		return (-1);
	}
	if (n > MAX_ENDPOINTS) {
		snprintf(err, errlen, "endpoint lists %u hubs, at most %d "
		    "are supported", n, MAX_ENDPOINTS);
		return (-1);
	}
	hub->ep = calloc(n, sizeof *hub->ep);
	AN(hub->ep);
	p = list;
	while (hb_list_next(&p, end, &elem, &len)) {
		one = strndup(elem, len);
		AN(one);
		url = topic = NULL;
		if (hb_endpoint_parse(one, &url, &topic, err, errlen) != 0) {
			free(one);
			return (-1);
		}
		free(one);
		hub->ep[hub->nep].url = url;
		hub->ep[hub->nep].name = ep_name(url);
		AN(hub->ep[hub->nep].name);
		hub->nep++;
		if (topic == NULL)
			continue;
		if (hub->topic != NULL && strcmp(hub->topic, topic) != 0) {
			free(topic);
			snprintf(err, errlen, "the endpoints name different "
			    "topics (?topic=)");
			return (-1);
		}
		free(hub->topic);
		hub->topic = topic;
	}
	return (0);
}

static long
duration_ms(VCL_DURATION d)
{
	return ((long)(d * 1e3 + 0.5));
}

/* A copy the hub keeps (VCL strings do not outlive vcl_init), or NULL. */
static char *
arg_dup(VCL_STRING s)
{
	char *r;

	if (s == NULL || *s == '\0')
		return (NULL);
	r = strdup(s);
	AN(r);
	return (r);
}

VCL_VOID
vmod_hub__init(VRT_CTX, struct vmod_broadcast_hub **hubp,
    const char *vcl_name, VCL_STRING endpoint, VCL_STRING topic,
    VCL_STRING token, VCL_STRING jwt_key, VCL_STRING jwt_algorithm,
    VCL_DURATION jwt_ttl, VCL_DURATION timeout,
    VCL_DURATION connect_timeout, VCL_STRING guard_token,
    VCL_BOOL private, VCL_STRING exclude_headers,
    VCL_INT max_connections, VCL_INT max_waiting,
    VCL_BYTES max_event_size, VCL_STRING proxy, VCL_STRING ca_file,
    VCL_STRING ca_dir, VCL_STRING client_cert, VCL_STRING client_key,
    VCL_STRING policy, VCL_INT breaker_failures, VCL_DURATION breaker_time,
    VCL_STRING protocol, VCL_STRING jwt_issuer, VCL_STRING jwt_audience)
{
	struct vmod_broadcast_hub *hub;
	char err[256];
	const char *problem = NULL;
	unsigned u;

	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	AN(hubp);
	AZ(*hubp);

	ALLOC_OBJ(hub, BROADCAST_HUB_MAGIC);
	AN(hub);
	AN(lck_broadcast);
	Lck_New(&hub->mtx, lck_broadcast);
	AZ(pthread_cond_init(&hub->cond, NULL));
	REPLACE(hub->vcl_name, vcl_name);
	if (parse_endpoints(hub, endpoint, err, sizeof err) != 0 ||
	    hb_policy_parse(policy, hub->nep, &hub->policy, err,
	    sizeof err) != 0) {
		VRT_fail(ctx, "broadcast.hub %s: %s", vcl_name, err);
		hub_free(hub);
		return;
	}

	if (topic != NULL && *topic != '\0') {
		if (hub->topic != NULL && strcmp(hub->topic, topic) != 0)
			problem = "topic differs from the ?topic= of endpoint";
		REPLACE(hub->topic, topic);
	} else if (hub->topic == NULL) {
		REPLACE(hub->topic, DEFAULT_TOPIC);
	}
	if (problem == NULL && *hub->topic == '\0')
		problem = "topic is empty";
	if (problem == NULL && token != NULL && *token != '\0' &&
	    jwt_key != NULL && *jwt_key != '\0')
		problem = "token and jwt_key are mutually exclusive";
	if (problem == NULL && jwt_key != NULL && *jwt_key != '\0' &&
	    hb_jwt_alg_valid(jwt_algorithm) != 0)
		problem = "unknown jwt_algorithm (use HS256, HS384, HS512, "
		    "RS256, ..., ES512, PS256, ..., EdDSA)";
	if (problem == NULL && hb_protocol_parse(protocol, &hub->protocol) != 0)
		problem = "protocol must be \"0\", \"1\" or \"auto\"";
	if (problem == NULL && hub->protocol != HB_PROTOCOL_0 &&
	    (jwt_issuer == NULL || *jwt_issuer == '\0'))
		problem = "jwt_issuer is empty (a Mercure 1.0 hub checks it)";
	if (problem == NULL && jwt_ttl < 10)
		problem = "jwt_ttl must be at least 10s";
	if (problem == NULL && timeout <= 0)
		problem = "timeout must be positive (a publish is always bounded)";
	if (problem == NULL && connect_timeout < 0)
		problem = "connect_timeout must not be negative";
	if (problem == NULL && (max_connections < 1 || max_connections > 1024))
		problem = "max_connections must be between 1 and 1024";
	if (problem == NULL && (max_waiting < 0 || max_waiting > 65536))
		problem = "max_waiting must be between 0 and 65536";
	if (problem == NULL && max_event_size < 64)
		problem = "max_event_size must be at least 64 bytes";
	if (problem == NULL && (breaker_failures < 0 ||
	    breaker_failures > 1000000))
		problem = "breaker_failures must be between 0 (never skip a "
		    "hub) and 1000000";
	if (problem == NULL && breaker_time <= 0)
		problem = "breaker_time must be positive";
	if (problem == NULL && parse_exclude(hub, exclude_headers) != 0)
		problem = "out of memory";
	if (problem != NULL) {
		VRT_fail(ctx, "broadcast.hub %s: %s", vcl_name, problem);
		hub_free(hub);
		return;
	}

	if (token != NULL && *token != '\0') {
		REPLACE(hub->token, token);
		hub->auth = hb_bearer_header(token);
		if (hub->auth == NULL) {
			VRT_fail(ctx, "broadcast.hub %s: out of memory",
			    vcl_name);
			hub_free(hub);
			return;
		}
	}
	hub->form_prefix = hb_publish_form_prefix(hub->topic);
	if (hub->form_prefix == NULL) {
		VRT_fail(ctx, "broadcast.hub %s: out of memory", vcl_name);
		hub_free(hub);
		return;
	}
	if (jwt_key != NULL && *jwt_key != '\0') {
		REPLACE(hub->jwt_key, jwt_key);
		REPLACE(hub->jwt_alg, jwt_algorithm);
		hub->jwt_ttl = (long)jwt_ttl;
		REPLACE(hub->jwt_issuer, jwt_issuer);
		if (token_audience(hub, jwt_audience) != 0) {
			VRT_fail(ctx, "broadcast.hub %s: out of memory",
			    vcl_name);
			hub_free(hub);
			return;
		}
		/* Mint once now: a key libjwt refuses fails vcl_init. */
		hub->minted = mint_header(hub, err, sizeof err);
		if (hub->minted == NULL) {
			VRT_fail(ctx, "broadcast.hub %s: %s", vcl_name, err);
			hub_free(hub);
			return;
		}
		hub->minted_renew = VTIM_mono() + (long)jwt_ttl / 2;
		if (strncmp(hub->jwt_alg, "HS", 2) == 0 &&
		    strlen(jwt_key) < HB_HMAC_KEY_MIN)
			short_key_warning(ctx, vcl_name, strlen(jwt_key));
		if (hub->protocol == HB_PROTOCOL_AUTO &&
		    !hb_jwt_v1_capable(hub->jwt_alg))
			no_v1_warning(ctx, vcl_name, hub->jwt_alg);
	}
	hub->jwt_ttl = (long)jwt_ttl;
	REPLACE(hub->guard, guard_token != NULL && *guard_token != '\0' ?
	    guard_token : hub->topic);
	hub->private_update = private ? 1 : 0;
	hub->timeout_ms = duration_ms(timeout);
	if (hub->timeout_ms < 1)
		hub->timeout_ms = 1;
	hub->connect_timeout_ms = connect_timeout > 0 ?
	    duration_ms(connect_timeout) : hub->timeout_ms;
	if (hub->connect_timeout_ms > hub->timeout_ms)
		hub->connect_timeout_ms = hub->timeout_ms;
	hub->breaker.failures = (unsigned)breaker_failures;
	hub->breaker.open_for = breaker_time;
	hub->max_handles = (unsigned)max_connections;
	hub->max_waiting = (unsigned)max_waiting;
	hub->max_event_size = (size_t)max_event_size;
	if (proxy != NULL && *proxy != '\0')
		REPLACE(hub->proxy, proxy);
	hub->tls.ca_file = arg_dup(ca_file);
	hub->tls.ca_dir = arg_dup(ca_dir);
	hub->tls.cert = arg_dup(client_cert);
	hub->tls.key = arg_dup(client_key);
	/* Checked now: a typo fails vcl.load, not every publish. */
	if (hb_tls_check(&hub->tls, tls_names, err, sizeof err) != 0) {
		VRT_fail(ctx, "broadcast.hub %s: %s", vcl_name, err);
		hub_free(hub);
		return;
	}
	hub->idle = calloc(hub->max_handles, sizeof *hub->idle);
	AN(hub->idle);
	hub->vsc = VSC_broadcast_New(NULL, &hub->vsc_seg, "%s.%s",
	    VCL_Name(ctx->vcl), vcl_name);
	AN(hub->vsc);
	for (u = 0; u < hub->nep; u++) {
		hub->ep[u].vsc = VSC_broadcast_hub_New(NULL,
		    &hub->ep[u].vsc_seg, "%s.%s.%u", VCL_Name(ctx->vcl),
		    vcl_name, u + 1);
		AN(hub->ep[u].vsc);
	}
	/* Cold until the VCL's WARM event, as varnishd's backends. */
	hub->cold = 1;
	VRT_VSC_Hide(hub->vsc_seg);
	for (u = 0; u < hub->nep; u++)
		VRT_VSC_Hide(hub->ep[u].vsc_seg);
	hub->vcl = ctx->vcl;
	VTAILQ_INSERT_TAIL(&hubs, hub, list);
	*hubp = hub;
}

VCL_VOID
vmod_hub__fini(struct vmod_broadcast_hub **hubp)
{
	struct vmod_broadcast_hub *hub;

	TAKE_OBJ_NOTNULL(hub, hubp, BROADCAST_HUB_MAGIC);
	VTAILQ_REMOVE(&hubs, hub, list);
	/* No task can run in a discarded VCL: every handle is idle. */
	assert(hub->nidle == hub->nhandles);
	hub_free(hub);
}

/*--------------------------------------------------------------------
 * Per-task state
 */

static struct task_state *
task_state(VRT_CTX, const struct vmod_broadcast_hub *hub)
{
	struct vmod_priv *p;
	struct task_state *ts;

	p = VRT_priv_task(ctx, hub);
	if (p == NULL) {
		VRT_fail(ctx, "broadcast: no workspace for task state");
		return (NULL);
	}
	if (p->priv == NULL) {
		ts = WS_Alloc(ctx->ws, sizeof *ts);
		if (ts == NULL) {
			VRT_fail(ctx, "broadcast: no workspace for task state");
			return (NULL);
		}
		INIT_OBJ(ts, TASK_STATE_MAGIC);
		ts->id = "";
		ts->event_id = "";
		ts->error = "";
		p->priv = ts;
	}
	CAST_OBJ_NOTNULL(ts, p->priv, TASK_STATE_MAGIC);
	return (ts);
}

/*--------------------------------------------------------------------
 * Guard token
 */

/* The request has a guard header holding guard (any value: NULL). */
static int
carries_guard(const struct http *hp, const char *guard)
{
	static const char name[] = HB_GUARD_HEADER ":";
	const txt *t;
	unsigned u;

	CHECK_OBJ_NOTNULL(hp, HTTP_MAGIC);
	for (u = HTTP_HDR_FIRST; u < hp->nhd; u++) {
		t = &hp->hd[u];
		if (t->b == NULL || (size_t)(t->e - t->b) < sizeof name - 1 ||
		    strncasecmp(t->b, name, sizeof name - 1) != 0)
			continue;
		if (guard == NULL ||
		    hb_list_has(t->b + sizeof name - 1, t->e, guard))
			return (1);
	}
	return (0);
}

VCL_BOOL
vmod_hub_is_replay(VRT_CTX, struct vmod_broadcast_hub *hub)
{
	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	CHECK_OBJ_NOTNULL(hub, BROADCAST_HUB_MAGIC);
	if (ctx->http_req == NULL) {
		VRT_fail(ctx, "broadcast: %s.is_replay() is only available "
		    "in client-side subroutines", hub->vcl_name);
		return (0);
	}
	return (carries_guard(ctx->http_req, hub->guard));
}

/*--------------------------------------------------------------------
 * Building the event
 */

static int
excluded(const struct vmod_broadcast_hub *hub, const char *name, size_t len)
{
	unsigned u;

	if (!hb_header_travels(name, len))
		return (1);
	for (u = 0; u < hub->nexclude; u++)
		if (strlen(hub->exclude[u]) == len &&
		    strncasecmp(hub->exclude[u], name, len) == 0)
			return (1);
	return (0);
}

struct body_buf {
	unsigned	magic;
#define BODY_BUF_MAGIC	0x5d0c9b17
	struct vsb	*vsb;
};

static int v_matchproto_(objiterate_f)
body_collect(void *priv, unsigned flush, const void *ptr, ssize_t len)
{
	struct body_buf *bb;

	CAST_OBJ_NOTNULL(bb, priv, BODY_BUF_MAGIC);
	(void)flush;
	if (len <= 0)
		return (0);
	return (VSB_bcat(bb->vsb, ptr, len));
}

/* The workspace is full: the VCL fails, the publish too. */
static const char *
ws_overflow(VRT_CTX, const struct vmod_broadcast_hub *hub)
{
	VRT_fail(ctx, "broadcast: %s: workspace overflow", hub->vcl_name);
	return ("workspace overflow");
}

/*
 * Encode the request as the JSON event.  Returns malloc'ed JSON, or NULL
 * with *why set (and *rejected when the request itself cannot travel).
 * The pieces of the request live on the task's workspace, the cached body
 * in a VSB.
 */
static char *
event_from_req(VRT_CTX, const struct vmod_broadcast_hub *hub,
    const char *eid, size_t *lenp, const char **why, unsigned *rejected)
{
	const struct http *hp = ctx->http_req;
	struct hb_event ev;
	struct hb_hdr *hdrs;
	struct body_buf bb;
	struct hb_target tg;
	const char *url, *host, *colon;
	char *json = NULL, check[256];
	const txt *t;
	unsigned u;

	CHECK_OBJ_NOTNULL(hp, HTTP_MAGIC);
	INIT_OBJ(&bb, BODY_BUF_MAGIC);
	memset(&ev, 0, sizeof ev);
	memset(&tg, 0, sizeof tg);
	url = hp->hd[HTTP_HDR_URL].b;
	if (url == NULL || *url != '/') {
		*why = "request URL is not in origin-form";
		return (NULL);
	}
	hdrs = WS_Alloc(ctx->ws, (hp->nhd + 1) * sizeof *hdrs);
	if (hdrs == NULL) {
		*why = ws_overflow(ctx, hub);
		return (NULL);
	}
	if (hb_publish_target(&ev, url, &tg) != 0) {
		*why = "out of memory";
		goto done;
	}
	ev.method = hp->hd[HTTP_HDR_METHOD].b;
	ev.host = http_GetHdr(hp, H_Host, &host) ? host : "";
	ev.event_id = eid;
	ev.hdrs = hdrs;
	for (u = HTTP_HDR_FIRST; u < hp->nhd; u++) {
		t = &hp->hd[u];
		if (t->b == NULL)
			continue;
		colon = memchr(t->b, ':', (size_t)(t->e - t->b));
		if (colon == NULL ||
		    excluded(hub, t->b, (size_t)(colon - t->b)))
			continue;
		hdrs[ev.nhdrs].name = t->b;
		hdrs[ev.nhdrs].name_len = (size_t)(colon - t->b);
		for (colon++; colon < t->e && (*colon == ' ' || *colon == '\t');)
			colon++;
		hdrs[ev.nhdrs].value = colon;
		hdrs[ev.nhdrs].value_len = (size_t)(t->e - colon);
		ev.nhdrs++;
	}
	/* The loop guard, appended as the original agents did. */
	hdrs[ev.nhdrs].name = HB_GUARD_HEADER;
	hdrs[ev.nhdrs].name_len = strlen(HB_GUARD_HEADER);
	hdrs[ev.nhdrs].value = hub->guard;
	hdrs[ev.nhdrs].value_len = strlen(hub->guard);
	ev.nhdrs++;
	/* What a helper would refuse is refused here, before the client
	 * hears that the fleet was told. */
	if (hb_event_check(&ev, check, sizeof check) != 0) {
		*rejected = 1;
		*why = WS_Printf(ctx->ws, "request cannot travel: %s", check);
		if (*why == NULL)
			*why = "request cannot travel";
		goto done;
	}

	if (ctx->req != NULL && ctx->req->req_body_status == BS_CACHED) {
		bb.vsb = VSB_new_auto();
		if (bb.vsb == NULL) {
			*why = "out of memory";
			goto done;
		}
		if (VRB_Iterate(ctx->req->wrk, ctx->vsl, ctx->req,
		    body_collect, &bb) < 0) {
			*why = VSB_error(bb.vsb) ? "out of memory" :
			    "cannot read the cached request body";
			goto done;
		}
		if (VSB_finish(bb.vsb) != 0) {
			*why = "out of memory";
			goto done;
		}
		ev.body = (const unsigned char *)VSB_data(bb.vsb);
		ev.body_len = (size_t)VSB_len(bb.vsb);
	}
	json = hb_event_encode(&ev, lenp);
	if (json == NULL) {
		*why = "out of memory";
	} else if (*lenp > hub->max_event_size) {
		*rejected = 1;
		*why = WS_Printf(ctx->ws, "request cannot travel: its event is "
		    "%zu bytes, more than max_event_size (%zu), and the helpers "
		    "would refuse it", *lenp, hub->max_event_size);
		if (*why == NULL)
			*why = "request cannot travel: event too large";
		free(json);
		json = NULL;
	}
  done:
	if (bb.vsb != NULL)
		VSB_destroy(&bb.vsb);
	hb_target_free(&tg);
	return (json);
}

/*--------------------------------------------------------------------
 * The connection pool
 */

/*
 * A handle by the deadline, or NULL with *why.  While the hub hangs, every
 * publish holds a worker thread until its deadline: past max_waiting
 * waiters the next publish fails at once, so a hanging hub cannot take
 * all of varnishd's workers.
 */
static struct pub_slot *
handle_get(struct vmod_broadcast_hub *hub, vtim_mono deadline,
    const char **why)
{
	struct pub_slot *h = NULL;
	vtim_mono now;

	*why = "timeout waiting for a free hub connection (raise "
	    "max_connections)";
	Lck_Lock(&hub->mtx);
	if (hub->nidle == 0 && hub->nhandles == hub->max_handles &&
	    hub->nwaiting >= hub->max_waiting) {
		Lck_Unlock(&hub->mtx);
		*why = "every hub connection is busy and max_waiting "
		    "publishes already wait for one (is the hub hanging?)";
		return (NULL);
	}
	hub->nwaiting++;
	for (;;) {
		if (hub->nidle > 0) {
			h = hub->idle[--hub->nidle];
			break;
		}
		if (hub->nhandles < hub->max_handles) {
			hub->nhandles++;
			hub->nwaiting--;
			Lck_Unlock(&hub->mtx);
			h = slot_new(hub);
			if (h == NULL) {
				*why = "out of memory";
				Lck_Lock(&hub->mtx);
				hub->nhandles--;
				AZ(pthread_cond_signal(&hub->cond));
				Lck_Unlock(&hub->mtx);
			}
			return (h);
		}
		now = VTIM_mono();
		if (now >= deadline)
			break;
		/* The bound is monotonic; Lck_CondWaitUntil() wants a
		 * wall-clock instant (7.1): convert what is left at each
		 * turn.  A step of the wall clock during one wait moves its
		 * end by as much, as for Varnish's own timed waits; every
		 * wake-up (a connection given back) re-checks the bound. */
		(void)Lck_CondWaitUntil(&hub->cond, &hub->mtx,
		    VTIM_real() + (deadline - now));
	}
	hub->nwaiting--;
	Lck_Unlock(&hub->mtx);
	return (h);
}

static void
handle_put(struct vmod_broadcast_hub *hub, struct pub_slot *h, int reusable)
{
	Lck_Lock(&hub->mtx);
	if (hub->cold)
		reusable = 0;	/* not kept open by a cold VCL */
	if (reusable) {
		assert(hub->nidle < hub->max_handles);
		hub->idle[hub->nidle++] = h;
	} else {
		hub->nhandles--;
	}
	AZ(pthread_cond_signal(&hub->cond));
	Lck_Unlock(&hub->mtx);
	if (!reusable)
		slot_free(hub, h);
}

/*
 * The "Authorization: Bearer ..." header, or NULL when anonymous; "" when
 * the workspace is full (the VCL then fails).  A minted JWT due for renewal
 * is signed by one publish, outside the pool lock (an RSA signature takes
 * a millisecond or more): the others go on with the current token, valid
 * until its exp.  Only the copy onto the workspace is done under the lock.
 */
static const char *
auth_header(VRT_CTX, struct vmod_broadcast_hub *hub, const char **warn)
{
	char err[256], *tok = NULL, *old = NULL;
	const char *out;
	vtim_mono now;
	unsigned mint = 0;

	if (hub->auth != NULL)
		return (hub->auth);
	if (hub->jwt_key == NULL)
		return (NULL);
	now = VTIM_mono();
	Lck_Lock(&hub->mtx);
	if (now >= hub->minted_renew && !hub->minting) {
		hub->minting = 1;
		mint = 1;
	}
	Lck_Unlock(&hub->mtx);
	if (mint)
		tok = mint_header(hub, err, sizeof err);
	Lck_Lock(&hub->mtx);
	if (mint) {
		hub->minting = 0;
		if (tok != NULL) {
			old = hub->minted;
			hub->minted = tok;
			hub->minted_renew = now + hub->jwt_ttl / 2;
		} else {
			/* The old token stays valid until its exp. */
			*warn = "cannot renew the publisher JWT";
		}
	}
	AN(hub->minted);
	out = WS_Copy(ctx->ws, hub->minted, -1);
	Lck_Unlock(&hub->mtx);
	hb_bearer_free(old);
	if (out == NULL) {
		(void)ws_overflow(ctx, hub);
		return ("");
	}
	return (out);
}

/*--------------------------------------------------------------------
 * .publish()
 */

static VCL_BOOL
publish_failed(VRT_CTX, struct vmod_broadcast_hub *hub,
    struct task_state *ts, const char *why, vtim_mono t0)
{
	ts->error = WS_Copy(ctx->ws, why, -1);
	if (ts->error == NULL) {
		ts->error = "publish failed (workspace overflow)";
		(void)ws_overflow(ctx, hub);
	}
	ts->id = "";
	__atomic_add_fetch(&hub->vsc->failed, 1, __ATOMIC_RELAXED);
	if (t0 > 0)
		__atomic_add_fetch(&hub->vsc->publish_usec,
		    (uint64_t)((VTIM_mono() - t0) * 1e6), __ATOMIC_RELAXED);
	VSLb(ctx->vsl, SLT_VCL_Error, "broadcast: %s: publish failed: %s",
	    hub->vcl_name, why);
	return (0);
}

/* One hub's part of a publish. */
struct ep_run {
	unsigned		tried;
	unsigned		late;		/* tried after all */
	unsigned		done;
	unsigned		resent;		/* stale_connection() */
	CURLcode		cc;
	long			status;
	vtim_mono		t1;
	char			errbuf[CURL_ERROR_SIZE];
	char			why[CURL_ERROR_SIZE + 64];
	struct hb_publish_reply	rep;
};

/*
 * Which hubs this publish tries: those their breaker lets through, or all
 * when that leaves fewer than the policy needs (hb_policy_plan()).
 */
static void
plan_hubs(VRT_CTX, struct vmod_broadcast_hub *hub, struct ep_run *run,
    vtim_mono now)
{
	unsigned char try[MAX_ENDPOINTS];
	unsigned u;

	Lck_Lock(&hub->mtx);
	for (u = 0; u < hub->nep; u++)
		try[u] = (unsigned char)hb_breaker_allow(&hub->ep[u].brk,
		    &hub->breaker, now);
	Lck_Unlock(&hub->mtx);
	(void)hb_policy_plan(&hub->policy, hub->nep, try);
	for (u = 0; u < hub->nep; u++) {
		run[u].tried = try[u];
		if (try[u])
			continue;
		__atomic_add_fetch(&hub->ep[u].vsc->skipped, 1,
		    __ATOMIC_RELAXED);
		snprintf(run[u].why, sizeof run[u].why, "skipped: its "
		    "circuit breaker is open");
		VSLb(ctx->vsl, SLT_VCL_Log, "broadcast: %s: hub %u (%s) "
		    "skipped: circuit breaker open", hub->vcl_name, u + 1,
		    hub->ep[u].name);
	}
}

/*
 * The transfer failed on a pooled connection before any byte of an answer
 * came back: the hub's side (a proxy's idle timeout) closed it and libcurl
 * took it anyway (curl 8.22 over HTTP/2 does, where 8.14 saw it closed).
 * The hub has not taken the event: it may go once more, on a new
 * connection (with its id, so a helper would drop a copy).  Returns 1
 * when r's transfer is set up to go again, within the deadline.
 */
static int
resend_stale(CURL *h, struct ep_run *r, vtim_mono deadline)
{
	long nconn = -1, hdr = -1, left_ms;

	if (r->resent || (r->cc != CURLE_SEND_ERROR &&
	    r->cc != CURLE_RECV_ERROR && r->cc != CURLE_GOT_NOTHING))
		return (0);
	if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &nconn) != CURLE_OK ||
	    nconn != 0 ||
	    curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &hdr) != CURLE_OK ||
	    hdr != 0)
		return (0);
	left_ms = (long)((deadline - VTIM_mono()) * 1e3);
	if (left_ms < 1)
		return (0);
	r->resent = 1;
	r->errbuf[0] = '\0';
	(void)curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	(void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
	return (1);
}

/*
 * Start hub u's transfer: on the slot's multi handle (returns 1), or, with
 * one hub, the blocking call, done on return (returns 0).  libcurl's own
 * timeouts end it by the deadline.
 */
static int
start_transfer(struct vmod_broadcast_hub *hub, struct pub_slot *sl,
    struct ep_run *run, unsigned u, const char *form, size_t flen,
    struct curl_slist *hdrs, vtim_mono deadline)
{
	CURL *h = sl->easy[u];
	long left_ms;

	curl_easy_reset(h);
	hb_publish_setopts(h, hub->ep[u].url, form, flen, hdrs, &run[u].rep,
	    "vmod-broadcast/" PACKAGE_VERSION);
	hb_curl_hub(h, &hub->tls);
	if (hub->proxy != NULL)
		(void)curl_easy_setopt(h, CURLOPT_PROXY, hub->proxy);
	left_ms = (long)((deadline - VTIM_mono()) * 1e3);
	if (left_ms < 1)
		left_ms = 1;	/* 0 would mean no timeout at all */
	(void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left_ms);
	(void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    hub->connect_timeout_ms < left_ms ? hub->connect_timeout_ms :
	    left_ms);
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, run[u].errbuf);
	(void)curl_easy_setopt(h, CURLOPT_PRIVATE, &run[u]);
	run[u].cc = CURLE_OPERATION_TIMEDOUT;
	run[u].resent = 0;
	if (hub->nep == 1) {
		/* One hub: the blocking call, measurably cheaper per
		 * publish than driving the multi handle
		 * (docs/benchmarks.md), on the handle's own connection
		 * cache. */
		run[u].cc = curl_easy_perform(h);
		if (resend_stale(h, &run[u], deadline))
			run[u].cc = curl_easy_perform(h);
		if (run[u].cc == CURLE_OK)
			(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE,
			    &run[u].status);
		run[u].done = 1;
		run[u].t1 = VTIM_mono();
		return (0);
	}
	if (curl_multi_add_handle(sl->multi, h) != CURLM_OK) {
		run[u].cc = CURLE_OUT_OF_MEMORY;
		run[u].done = 1;
		run[u].t1 = VTIM_mono();
		return (0);
	}
	return (1);
}

/* How many hubs answered 2xx so far: what the policy counts while the
 * transfers run (hub_outcome() judges the replies at the end). */
static unsigned
hubs_taken(const struct vmod_broadcast_hub *hub, const struct ep_run *run)
{
	unsigned u, nok = 0;

	for (u = 0; u < hub->nep; u++)
		if (run[u].done && run[u].cc == CURLE_OK &&
		    run[u].status >= 200 && run[u].status <= 299)
			nok++;
	return (nok);
}

/*
 * The hubs the breakers skipped, started after all when those tried can
 * no longer meet the policy or half of the publish's time is gone (lib's
 * hb_policy_rescue()): a skip saves time, it never fails a publish that
 * a skipped hub could take.  Returns how many transfers it added.
 */
static unsigned
rescue_skipped(VRT_CTX, struct vmod_broadcast_hub *hub, struct pub_slot *sl,
    struct ep_run *run, const char *form, size_t flen,
    struct curl_slist *hdrs, vtim_mono t0, vtim_mono deadline,
    unsigned pending)
{
	unsigned char try[MAX_ENDPOINTS];
	unsigned u, added = 0;

	for (u = 0; u < hub->nep; u++)
		try[u] = run[u].tried;
	if (hb_policy_rescue(&hub->policy, hub->nep, try,
	    hubs_taken(hub, run), pending,
	    VTIM_mono() - t0, deadline - t0) == 0)
		return (0);
	for (u = 0; u < hub->nep; u++) {
		if (run[u].tried || !try[u])
			continue;
		run[u].tried = 1;
		run[u].late = 1;
		run[u].why[0] = '\0';
		VSLb(ctx->vsl, SLT_VCL_Log, "broadcast: %s: hub %u (%s) tried "
		    "after all: the hubs tried have not taken the event",
		    hub->vcl_name, u + 1, hub->ep[u].name);
		added += (unsigned)start_transfer(hub, sl, run, u, form, flen,
		    hdrs, deadline);
	}
	return (added);
}

/*
 * The policy is met and only hubs tried after all are still running: they
 * were skipped to save time, so the publish does not wait for them.
 */
static int
only_late_left(const struct vmod_broadcast_hub *hub, const struct ep_run *run)
{
	unsigned u;

	for (u = 0; u < hub->nep; u++)
		if (run[u].tried && !run[u].done && !run[u].late)
			return (0);
	return (hb_policy_met(&hub->policy, hub->nep, hubs_taken(hub, run)));
}

/*
 * Send form to every hub tried, in parallel on the slot's multi handle,
 * until each has answered or failed; libcurl's own timeouts end each
 * transfer by the deadline.  The hubs skipped may join on the way
 * (rescue_skipped()).
 */
static void
run_transfers(VRT_CTX, struct vmod_broadcast_hub *hub, struct pub_slot *sl,
    struct ep_run *run, const char *form, size_t flen,
    struct curl_slist *hdrs, vtim_mono t0, vtim_mono deadline)
{
	struct CURLMsg *msg;
	CURLMcode mc = CURLM_OK;
	CURL *h;
	long left_ms;
	int running = 0, q, skipped = 0, met = 0, resent;
	unsigned u, pending = 0, added;
	vtim_mono rescue_at = t0 + (deadline - t0) * HB_POLICY_RESCUE_SHARE;

	for (u = 0; u < hub->nep; u++) {
		if (!run[u].tried) {
			skipped = 1;
			continue;
		}
		pending += (unsigned)start_transfer(hub, sl, run, u, form,
		    flen, hdrs, deadline);
	}
	for (;;) {
		if (pending > 0) {
			mc = curl_multi_perform(sl->multi, &running);
			if (mc != CURLM_OK)
				break;
		}
		resent = 0;
		while (pending > 0 &&
		    (msg = curl_multi_info_read(sl->multi, &q)) != NULL) {
			struct ep_run *r = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			h = msg->easy_handle;
			(void)curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&r);
			AN(r);
			r->cc = msg->data.result;
			/* Only removed, a handle can start again. */
			if (resend_stale(h, r, deadline) &&
			    curl_multi_remove_handle(sl->multi, h) == CURLM_OK &&
			    curl_multi_add_handle(sl->multi, h) == CURLM_OK) {
				resent = 1;
				continue;
			}
			if (r->cc == CURLE_OK)
				(void)curl_easy_getinfo(h,
				    CURLINFO_RESPONSE_CODE, &r->status);
			r->done = 1;
			r->t1 = VTIM_mono();
			pending--;
		}
		if (skipped && VTIM_mono() < deadline) {
			added = rescue_skipped(ctx, hub, sl, run, form, flen,
			    hdrs, t0, deadline, pending);
			skipped = 0;
			for (u = 0; u < hub->nep; u++)
				skipped |= !run[u].tried;
			if (added > 0) {
				pending += added;
				continue;	/* perform them at once */
			}
		}
		if (resent)
			continue;	/* perform them at once */
		if (pending == 0 || (running == 0 && !skipped))
			break;
		if (only_late_left(hub, run)) {
			met = 1;
			break;
		}
		/* libcurl ends each transfer by its CURLOPT_TIMEOUT_MS;
		 * this bound only guards against a transfer it forgot. */
		left_ms = (long)((deadline - VTIM_mono()) * 1e3) + 100;
		if (left_ms <= 0)
			break;
		if (skipped && rescue_at > VTIM_mono() &&
		    (long)((rescue_at - VTIM_mono()) * 1e3) + 1 < left_ms)
			left_ms = (long)((rescue_at - VTIM_mono()) * 1e3) + 1;
		(void)curl_multi_poll(sl->multi, NULL, 0,
		    (int)(left_ms < 1000 ? left_ms : 1000), NULL);
	}
	for (u = 0; u < hub->nep; u++) {
		if (!run[u].tried)
			continue;
		h = sl->easy[u];
		if (hub->nep > 1)
			(void)curl_multi_remove_handle(sl->multi, h);
		/* The easy handle must not keep pointers to our buffers. */
		(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
		(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
		(void)curl_easy_setopt(h, CURLOPT_PRIVATE, NULL);
		if (!run[u].done && met) {
			/* Not an outcome: its breaker learns nothing. */
			run[u].tried = 0;
			snprintf(run[u].why, sizeof run[u].why, "tried after "
			    "all, given up: the policy was met without it");
		} else if (!run[u].done) {
			run[u].t1 = VTIM_mono();
			snprintf(run[u].errbuf, sizeof run[u].errbuf,
			    "no answer within timeout%s",
			    mc != CURLM_OK ? " (transfer error)" : "");
		}
	}
}

/*
 * Count one hub's outcome, log it when there are several hubs, feed its
 * breaker.  Returns 1 when the hub accepted the event.
 */
static int
hub_outcome(VRT_CTX, struct vmod_broadcast_hub *hub, unsigned u,
    struct ep_run *r, size_t flen, vtim_mono t0)
{
	struct hub_ep *ep = &hub->ep[u];
	int ok = 0, opened;

	if (r->cc != CURLE_OK) {
		if (hb_curl_tls_failed(r->cc, r->errbuf)) {
			__atomic_add_fetch(&hub->vsc->tls_failed, 1,
			    __ATOMIC_RELAXED);
			__atomic_add_fetch(&ep->vsc->tls_failed, 1,
			    __ATOMIC_RELAXED);
		}
		snprintf(r->why, sizeof r->why, "hub unreachable: %s",
		    r->errbuf[0] != '\0' ? r->errbuf :
		    curl_easy_strerror(r->cc));
	} else {
		__atomic_add_fetch(&hub->vsc->bytes, flen, __ATOMIC_RELAXED);
		if (r->status < 200 || r->status > 299)
			snprintf(r->why, sizeof r->why,
			    "hub answered HTTP %ld", r->status);
		else
			ok = 1;
	}
	__atomic_add_fetch(ok ? &ep->vsc->published : &ep->vsc->failed, 1,
	    __ATOMIC_RELAXED);
	__atomic_add_fetch(&ep->vsc->publish_usec,
	    (uint64_t)((r->t1 - t0) * 1e6), __ATOMIC_RELAXED);
	if (ok)
		hb_publish_id_clean(&r->rep);
	Lck_Lock(&hub->mtx);
	opened = hb_breaker_done(&ep->brk, &hub->breaker, ok, VTIM_mono());
	Lck_Unlock(&hub->mtx);
	if (opened)
		__atomic_add_fetch(&ep->vsc->opened, 1, __ATOMIC_RELAXED);
	if (hub->nep > 1 && ok)
		VSLb(ctx->vsl, SLT_VCL_Log, "broadcast: %s: hub %u (%s) "
		    "accepted id=%s status=%ld time=%.3fms", hub->vcl_name,
		    u + 1, ep->name, r->rep.buf, r->status, (r->t1 - t0) * 1e3);
	else if (hub->nep > 1)
		VSLb(ctx->vsl, SLT_VCL_Error, "broadcast: %s: hub %u (%s) "
		    "failed: %s", hub->vcl_name, u + 1, ep->name, r->why);
	if (opened)
		VSLb(ctx->vsl, SLT_VCL_Error, "broadcast: %s: hub %u (%s) "
		    "skipped for %.3fs: circuit breaker open after %u "
		    "consecutive failures", hub->vcl_name, u + 1, ep->name,
		    hub->breaker.open_for, ep->brk.fails);
	return (ok);
}

VCL_BOOL
vmod_hub_publish(VRT_CTX, struct vmod_broadcast_hub *hub)
{
	struct task_state *ts;
	struct curl_slist *hdrs;
	struct ep_run *run;
	struct vsb *vsb;
	char *json, *form, eid[HB_EVENT_ID_LEN + 1];
	const char *cause = NULL, *renew_warning = NULL, *auth;
	const char *id = NULL;
	size_t jlen = 0, flen;
	long status = 0;
	struct pub_slot *sl;
	vtim_mono t0, deadline;
	vtim_dur took;
	unsigned u, nok = 0;

	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	CHECK_OBJ_NOTNULL(hub, BROADCAST_HUB_MAGIC);
	if (ctx->req == NULL || ctx->http_req == NULL) {
		VRT_fail(ctx, "broadcast: %s.publish() is only available in "
		    "client-side subroutines", hub->vcl_name);
		return (0);
	}
	ts = task_state(ctx, hub);
	if (ts == NULL)
		return (0);
	ts->rejected = 0;
	ts->event_id = "";
	/* Any guard, not only ours: a replay from a helper whose
	 * HUB_GUARD_TOKEN differs from our guard_token, or one that the
	 * VCL's ACLs let through to here, must not go round again. */
	if (carries_guard(ctx->http_req, NULL)) {
		__atomic_add_fetch(&hub->vsc->loops, 1, __ATOMIC_RELAXED);
		ts->id = "";
		ts->error = "loop: the request carries an " HB_GUARD_HEADER
		    " header, it is a replay and is not published again";
		VSLb(ctx->vsl, SLT_VCL_Error, "broadcast: %s: %s", hub->vcl_name,
		    ts->error);
		return (0);
	}

	/* Durations on the monotonic clock: a step of the wall clock
	 * neither stretches the bound nor corrupts publish_usec. */
	t0 = VTIM_mono();
	/* One bound for all of it: the wait for a connection included. */
	deadline = t0 + hub->timeout_ms * 1e-3;
	/* Our id of the event, in it and as the Mercure id: the same on
	 * every hub, whatever id a hub answers. */
	if (hb_event_id_new(eid) != 0)
		return (publish_failed(ctx, hub, ts, "no randomness for the "
		    "event id (getrandom failed)", t0));
	ts->event_id = WS_Copy(ctx->ws, eid, -1);
	if (ts->event_id == NULL) {
		ts->event_id = "";
		return (publish_failed(ctx, hub, ts, ws_overflow(ctx, hub),
		    t0));
	}
	json = event_from_req(ctx, hub, eid, &jlen, &cause, &ts->rejected);
	if (json == NULL)
		return (publish_failed(ctx, hub, ts, cause, t0));

	auth = auth_header(ctx, hub, &renew_warning);
	if (renew_warning != NULL)
		VSLb(ctx->vsl, SLT_VCL_Error, "broadcast: %s: %s", hub->vcl_name,
		    renew_warning);
	if (auth != NULL && *auth == '\0') {
		free(json);
		return (publish_failed(ctx, hub, ts, "workspace overflow", t0));
	}

	/* The form, built before a connection is taken: the same bytes,
	 * EventID included, go to every hub. */
	form = hb_publish_form(hub->form_prefix, json, jlen, eid,
	    hub->private_update, &flen);
	free(json);
	hdrs = form != NULL ? hb_publish_headers(auth) : NULL;
	run = hdrs != NULL ? calloc(hub->nep, sizeof *run) : NULL;
	if (run == NULL) {
		hb_headers_free(hdrs);
		free(form);
		return (publish_failed(ctx, hub, ts, "out of memory", t0));
	}

	sl = handle_get(hub, deadline, &cause);
	if (sl == NULL) {
		free(run);
		hb_headers_free(hdrs);
		free(form);
		return (publish_failed(ctx, hub, ts, cause, t0));
	}
	plan_hubs(ctx, hub, run, VTIM_mono());
	run_transfers(ctx, hub, sl, run, form, flen, hdrs, t0, deadline);
	handle_put(hub, sl, 1);
	hb_headers_free(hdrs);
	free(form);

	for (u = 0; u < hub->nep; u++) {
		if (!run[u].tried || !hub_outcome(ctx, hub, u, &run[u], flen,
		    t0))
			continue;
		if (nok++ == 0) {
			id = run[u].rep.buf;
			status = run[u].status;
		}
	}

	if (!hb_policy_met(&hub->policy, hub->nep, nok)) {
		if (hub->nep == 1) {
			cause = run[0].why;
		} else {
			/* Which hubs failed, and why, in the one line. */
			vsb = VSB_new_auto();
			AN(vsb);
			VSB_printf(vsb, "%u of %u hubs accepted the event, "
			    "policy %s needs %u", nok, hub->nep,
			    hub->policy.kind == HB_POLICY_ANY ? "any" :
			    hub->policy.kind == HB_POLICY_ALL ? "all" :
			    "quorum", hb_policy_need(&hub->policy, hub->nep));
			for (u = 0; u < hub->nep; u++)
				if (run[u].why[0] != '\0')
					VSB_printf(vsb, "; hub %u (%s): %s",
					    u + 1, hub->ep[u].name,
					    run[u].why);
			AZ(VSB_finish(vsb));
			cause = WS_Copy(ctx->ws, VSB_data(vsb), -1);
			VSB_destroy(&vsb);
			if (cause == NULL)
				cause = "publish failed (policy not met)";
		}
		(void)publish_failed(ctx, hub, ts, cause, t0);
		free(run);
		return (0);
	}
	AN(id);
	ts->id = WS_Copy(ctx->ws, id, -1);
	if (ts->id == NULL) {
		ts->id = "";
		(void)ws_overflow(ctx, hub);
	}
	ts->error = "";
	took = VTIM_mono() - t0;
	__atomic_add_fetch(&hub->vsc->published, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hub->vsc->publish_usec, (uint64_t)(took * 1e6),
	    __ATOMIC_RELAXED);
	if (hub->nep == 1)
		VSLb(ctx->vsl, SLT_VCL_Log, "broadcast: %s: published id=%s "
		    "status=%ld bytes=%zu time=%.3fms event=%s",
		    hub->vcl_name, ts->id, status, flen, took * 1e3, eid);
	else
		VSLb(ctx->vsl, SLT_VCL_Log, "broadcast: %s: published id=%s "
		    "status=%ld bytes=%zu time=%.3fms event=%s hubs=%u/%u",
		    hub->vcl_name, ts->id, status, flen, took * 1e3, eid, nok,
		    hub->nep);
	free(run);
	return (1);
}

VCL_STRING
vmod_hub_id(VRT_CTX, struct vmod_broadcast_hub *hub)
{
	struct task_state *ts;

	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	CHECK_OBJ_NOTNULL(hub, BROADCAST_HUB_MAGIC);
	ts = task_state(ctx, hub);
	return (ts != NULL ? ts->id : "");
}

VCL_BOOL
vmod_hub_rejected(VRT_CTX, struct vmod_broadcast_hub *hub)
{
	struct task_state *ts;

	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	CHECK_OBJ_NOTNULL(hub, BROADCAST_HUB_MAGIC);
	ts = task_state(ctx, hub);
	return (ts != NULL && ts->rejected);
}

VCL_STRING
vmod_hub_error(VRT_CTX, struct vmod_broadcast_hub *hub)
{
	struct task_state *ts;

	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	CHECK_OBJ_NOTNULL(hub, BROADCAST_HUB_MAGIC);
	ts = task_state(ctx, hub);
	return (ts != NULL ? ts->error : "");
}

VCL_STRING
vmod_hub_event_id(VRT_CTX, struct vmod_broadcast_hub *hub)
{
	struct task_state *ts;

	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	CHECK_OBJ_NOTNULL(hub, BROADCAST_HUB_MAGIC);
	ts = task_state(ctx, hub);
	return (ts != NULL ? ts->event_id : "");
}
