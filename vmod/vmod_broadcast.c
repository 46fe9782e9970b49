/*
 * vmod_broadcast: publish the current client request to a Mercure hub.
 *
 * A publish runs on the worker thread that executes vcl_recv, so every
 * step is bounded: taking a pooled connection (timed wait), connecting and
 * the whole exchange (libcurl timeouts in milliseconds, no signals).  The
 * hub connections are libcurl easy handles kept in a small per-object
 * pool: an idle handle keeps its keep-alive connection, so a burst of
 * publishes reuses a few TCP connections instead of opening one each.
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

#include "hb_check.h"
#include "hb_curl.h"
#include "hb_event.h"
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_path.h"
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

struct vmod_broadcast_hub {
	unsigned		magic;
#define BROADCAST_HUB_MAGIC	0x6b9e2a31
	VTAILQ_ENTRY(vmod_broadcast_hub) list;	/* CLI thread only */
	const struct vcl	*vcl;
	char			*vcl_name;
	char			*url;
	char			*topic;
	char			*guard;
	char			*token;		/* static bearer, or NULL */
	char			*auth;		/* its header, or NULL */
	char			*form_prefix;	/* "topic=...&data=" */
	char			*jwt_key;	/* mint our own, or NULL */
	char			*jwt_alg;
	long			jwt_ttl;	/* seconds */
	long			timeout_ms;
	long			connect_timeout_ms;
	unsigned		private_update;
	char			**exclude;
	unsigned		nexclude;

	struct VSC_broadcast	*vsc;
	struct vsc_seg		*vsc_seg;

	struct lock		mtx;
	pthread_cond_t		cond;	/* default clock: Lck_CondWaitUntil */
	CURL			**idle;		/* pooled handles */
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
hub_cold(struct vmod_broadcast_hub *hub)
{
	CURL *h;

	Lck_Lock(&hub->mtx);
	hub->cold = 1;
	while (hub->nidle > 0) {
		h = hub->idle[--hub->nidle];
		hub->nhandles--;
		Lck_Unlock(&hub->mtx);
		curl_easy_cleanup(h);
		Lck_Lock(&hub->mtx);
	}
	Lck_Unlock(&hub->mtx);
	VRT_VSC_Hide(hub->vsc_seg);
}

static void
hub_warm(struct vmod_broadcast_hub *hub)
{
	Lck_Lock(&hub->mtx);
	hub->cold = 0;
	Lck_Unlock(&hub->mtx);
	VRT_VSC_Reveal(hub->vsc_seg);
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
		curl_easy_cleanup(hub->idle[u]);
	free(hub->idle);
	for (u = 0; u < hub->nexclude; u++)
		free(hub->exclude[u]);
	free(hub->exclude);
	if (hub->vsc != NULL)
		VSC_broadcast_Destroy(&hub->vsc_seg);
	Lck_Delete(&hub->mtx);
	AZ(pthread_cond_destroy(&hub->cond));
	hb_bearer_free(hub->minted);
	free(hub->vcl_name);
	free(hub->url);
	free(hub->topic);
	free(hub->guard);
	free(hub->proxy);
	free(hub->token);
	hb_bearer_free(hub->auth);
	free(hub->form_prefix);
	free(hub->jwt_key);
	free(hub->jwt_alg);
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
	char *tok, *line;

	tok = hb_jwt_mint(hub->jwt_alg, hub->jwt_key, "publish", hub->topic,
	    hub->jwt_ttl, (time_t)VTIM_real(), err, errlen);
	if (tok == NULL)
		return (NULL);
	line = hb_bearer_header(tok);
	if (line == NULL)
		snprintf(err, errlen, "out of memory");
	hb_bearer_free(tok);
	return (line);
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
    VCL_STRING ca_dir, VCL_STRING client_cert, VCL_STRING client_key)
{
	struct vmod_broadcast_hub *hub;
	char err[256];
	const char *problem = NULL;

	CHECK_OBJ_NOTNULL(ctx, VRT_CTX_MAGIC);
	AN(hubp);
	AZ(*hubp);

	ALLOC_OBJ(hub, BROADCAST_HUB_MAGIC);
	AN(hub);
	AN(lck_broadcast);
	Lck_New(&hub->mtx, lck_broadcast);
	AZ(pthread_cond_init(&hub->cond, NULL));
	REPLACE(hub->vcl_name, vcl_name);
	if (hb_endpoint_parse(endpoint, &hub->url, &hub->topic, err,
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
	/* Cold until the VCL's WARM event, as varnishd's backends. */
	hub->cold = 1;
	VRT_VSC_Hide(hub->vsc_seg);
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
static CURL *
handle_get(struct vmod_broadcast_hub *hub, vtim_mono deadline,
    const char **why)
{
	CURL *h = NULL;
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
			h = curl_easy_init();
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
handle_put(struct vmod_broadcast_hub *hub, CURL *h, int reusable)
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
		curl_easy_cleanup(h);
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

VCL_BOOL
vmod_hub_publish(VRT_CTX, struct vmod_broadcast_hub *hub)
{
	struct task_state *ts;
	struct curl_slist *hdrs;
	struct hb_publish_reply rep;
	char errbuf[CURL_ERROR_SIZE], why[CURL_ERROR_SIZE + 64];
	char *json, *form, eid[HB_EVENT_ID_LEN + 1];
	const char *cause = NULL, *renew_warning = NULL, *auth;
	size_t jlen = 0, flen;
	long status = 0, left_ms;
	CURLcode cc;
	CURL *h;
	vtim_mono t0, deadline;
	vtim_dur took;
	VCL_BOOL ok = 0;

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

	/* The form, built before a connection is taken. */
	form = hb_publish_form(hub->form_prefix, json, jlen, eid,
	    hub->private_update, &flen);
	free(json);
	hdrs = form != NULL ? hb_publish_headers(auth) : NULL;
	if (hdrs == NULL) {
		free(form);
		return (publish_failed(ctx, hub, ts, "out of memory", t0));
	}

	h = handle_get(hub, deadline, &cause);
	if (h == NULL) {
		curl_slist_free_all(hdrs);
		free(form);
		return (publish_failed(ctx, hub, ts, cause, t0));
	}
	curl_easy_reset(h);

	errbuf[0] = '\0';
	hb_publish_setopts(h, hub->url, form, flen, hdrs, &rep,
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
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);

	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	/* The easy handle must not keep pointers to our buffers. */
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	handle_put(hub, h, 1);
	curl_slist_free_all(hdrs);
	free(form);

	if (cc != CURLE_OK) {
		if (hb_curl_tls_failed(cc, errbuf))
			__atomic_add_fetch(&hub->vsc->tls_failed, 1,
			    __ATOMIC_RELAXED);
		snprintf(why, sizeof why, "hub unreachable: %s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		return (publish_failed(ctx, hub, ts, why, t0));
	}
	__atomic_add_fetch(&hub->vsc->bytes, flen, __ATOMIC_RELAXED);
	if (status < 200 || status > 299) {
		snprintf(why, sizeof why, "hub answered HTTP %ld", status);
		return (publish_failed(ctx, hub, ts, why, t0));
	}
	hb_publish_id_clean(&rep);
	ts->id = WS_Copy(ctx->ws, rep.buf, (int)rep.len + 1);
	if (ts->id == NULL) {
		ts->id = "";
		(void)ws_overflow(ctx, hub);
	}
	ts->error = "";
	ok = 1;
	took = VTIM_mono() - t0;
	__atomic_add_fetch(&hub->vsc->published, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&hub->vsc->publish_usec, (uint64_t)(took * 1e6),
	    __ATOMIC_RELAXED);
	VSLb(ctx->vsl, SLT_VCL_Log, "broadcast: %s: published id=%s "
	    "status=%ld bytes=%zu time=%.3fms", hub->vcl_name, ts->id,
	    status, flen, took * 1e3);
	return (ok);
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
