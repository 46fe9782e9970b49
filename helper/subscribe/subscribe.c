/*
 * subscribe: the subscription to a hub.  See subscribe.h.
 *
 * No response timeout is set on the transfer: some hubs send their
 * headers only with the first event.  What bounds a dead connection is
 * the idle timer (no byte at all, not even a heartbeat, for idle_ms),
 * which does not run while the owner holds the transfer.
 */

#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_curl.h"
#include "hb_http.h"
#include "hb_jwt.h"

#include "clock.h"
#include "settings.h"
#include "subscribe.h"

/* A hub that does not answer the connection in this long is down. */
#define CONNECT_TIMEOUT_MS	10000L
#define RETRY_DEFAULT_MS	1000

#define CHECK_SUB(sub)	\
	assert((sub) != NULL && (sub)->magic == SUBSCRIPTION_MAGIC)

/* Where the answer goes. */
struct subscribe_io {
	curl_write_callback	on_header;
	curl_write_callback	on_body;
	void			*priv;
	char			*errbuf;	/* CURL_ERROR_SIZE bytes */
};

static struct curl_slist *
subscribe_headers(const char *token, const char *last_id)
{
	struct curl_slist *h = NULL, *n;
	char *line = NULL;
	int bad = 0;

#define ADD(str) do {							\
	if (!bad && (n = curl_slist_append(h, str)) != NULL) h = n;	\
	else bad = 1;							\
} while (0)
	ADD("Accept: text/event-stream");
	ADD("Cache-Control: no-cache");
	if (*token != '\0') {
		if ((line = hb_bearer_header(token)) == NULL)
			bad = 1;
		else
			ADD(line);
		hb_bearer_free(line);
		line = NULL;
	}
	if (last_id != NULL && *last_id != '\0') {
		if (asprintf(&line, "Last-Event-ID: %s", last_id) < 0)
			bad = 1;
		else
			ADD(line);
		free(line);
	}
#undef ADD
	if (bad) {
		hb_headers_free(h);
		return (NULL);
	}
	return (h);
}

static CURL *
subscribe_start(CURLM *multi, const char *url, struct curl_slist *hdrs,
    const struct settings *cfg, const struct subscribe_io *io,
    struct transfer_owner *owner)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		return (NULL);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, io->on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, io->priv);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, io->on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, io->priv);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, io->errbuf);
	transfer_own(e, owner);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	hb_curl_defaults(e);
	hb_curl_hub(e, &cfg->hub_tls);
	if (cfg->hub_proxy != NULL)
		curl_easy_setopt(e, CURLOPT_PROXY, cfg->hub_proxy);
	if (curl_multi_add_handle(multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		return (NULL);
	}
	return (e);
}

static enum log_level
subscribe_ended(CURLcode res, const char *problem, const char *errbuf,
    uint64_t *tls_failures, char *why, size_t len)
{
	if (*problem != '\0') {
		snprintf(why, len, "%s", problem);
		return (LOG_WARN);
	}
	if (res == CURLE_OK) {
		snprintf(why, len, "hub closed the stream");
		return (LOG_INFO);
	}
	if (hb_curl_tls_failed(res, errbuf))
		(*tls_failures)++;
	snprintf(why, len, "%s%s%s", curl_easy_strerror(res),
	    *errbuf != '\0' ? ": " : "", errbuf);
	return (LOG_WARN);
}

/*--------------------------------------------------------------------
 * Out of the parser, to the owner
 */

static void
on_event(void *priv, const char *type, const char *data, size_t len,
    const char *id)
{
	struct subscription *sub = priv;

	CHECK_SUB(sub);
	sub->cb->on_event(sub->priv, type, data, len, id, sub->parser.has_id);
}

static void
on_retry(void *priv, long ms)
{
	struct subscription *sub = priv;

	CHECK_SUB(sub);
	sub->retry_ms = ms;
	log_msg(LOG_DEBUG, "hub asks for a reconnection delay of %ldms", ms);
}

static void
on_oversize(void *priv, const char *id)
{
	struct subscription *sub = priv;

	CHECK_SUB(sub);
	sub->cb->on_oversize(sub->priv, id, sub->parser.has_id);
}

static const struct sse_callbacks sse_cbs = { on_event, on_retry, on_oversize };

/*--------------------------------------------------------------------
 * libcurl callbacks
 */

/* The hub's reply is judged once its headers are complete. */
static size_t
on_header(char *buf, size_t size, size_t n, void *priv)
{
	struct subscription *sub = priv;
	size_t len = size * n;
	long status = 0;
	int r;

	CHECK_SUB(sub);
	sub->last_byte = clock_ms();
	if (hubreply_line(&sub->reply, buf, len) != 1)
		return (len);
	(void)curl_easy_getinfo(sub->easy, CURLINFO_RESPONSE_CODE, &status);
	sub->status = status;
	r = hubreply_judge(&sub->reply, status, sub->problem,
	    sizeof sub->problem);
	if (r < 0)
		return (0);	/* aborts the transfer */
	if (r == 0) {		/* 1: an interim reply */
		if (sub->cfg->hub_protocol == HB_PROTOCOL_AUTO && !sub->told) {
			sub->told = 1;
			log_msg(LOG_INFO, "%s speaks Mercure %s (HUB_PROTOCOL="
			    "auto): subscribed with ?%s=",
			    sub->conf.hub->url_shown, sub->v1 ? "1.0" : "0.x",
			    sub->v1 ? "match" : "topic");
		}
		sub->ok = 1;
		sub->cb->on_subscribed(sub->priv, sub->last_byte);
	}
	return (len);
}

static size_t
on_body(char *buf, size_t size, size_t n, void *priv)
{
	struct subscription *sub = priv;
	size_t len = size * n;

	CHECK_SUB(sub);
	if (!sub->ok)
		return (0);
	if (sub->cb->on_hold != NULL && sub->cb->on_hold(sub->priv)) {
		sub->paused = 1;
		return (CURL_WRITEFUNC_PAUSE);
	}
	sub->last_byte = clock_ms();
	sub->got_data = 1;
	if (sse_feed(&sub->parser, buf, len) != 0) {
		snprintf(sub->problem, sizeof sub->problem, "out of memory "
		    "while parsing the %s", sub->conf.words->body);
		return (0);
	}
	return (len);
}

/*--------------------------------------------------------------------
 * Connections
 */

static int64_t
backoff_ms(const struct subscription *sub)
{

	return (hubreply_backoff_ms(sub->retry_ms, sub->failures,
	    sub->cfg->hub_reconnect_max_ms));
}

static char *
read_token_file(const char *setting, const char *path)
{
	char buf[16384];
	size_t n, b = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		log_msg(LOG_ERROR, "%s: cannot read %s: %s", setting, path,
		    strerror(errno));
		return (NULL);
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		n--;
	while (b < n && isspace((unsigned char)buf[b]))
		b++;
	buf[n] = '\0';
	if (b == n || strpbrk(buf + b, "\r\n") != NULL) {
		log_msg(LOG_ERROR, "%s: %s does not hold one token", setting,
		    path);
		return (NULL);
	}
	return (strdup(buf + b));
}

/* The bearer token for a new connection: "" when anonymous, NULL when
 * there is none (logged). */
static char *
current_token(const struct subscription *sub)
{
	const struct subscription_conf *c = &sub->conf;
	struct hb_grant g;
	char why[256];
	char *t;


	if (c->jwt_key != NULL) {
		settings_grant(sub->cfg, c->hub, c->jwt_key, "subscribe",
		    c->jwt_topic, &g);
		t = hb_jwt_mint_grant(&g, time(NULL), why, sizeof why);
		if (t == NULL)
			log_msg(LOG_ERROR, "cannot mint a %s: %s",
			    c->words->jwt_what, why);
		return (t);
	}
	if (c->token_file != NULL)
		return (read_token_file(c->words->token_file, c->token_file));
	return (strdup(c->token != NULL ? c->token : ""));
}

static int
subscription_connect(struct subscription *sub, int64_t now)
{
	const struct subscribe_io io = { on_header, on_body, sub,
	    sub->errbuf };
	const char *id = *sub->conf.resume_id;
	struct curl_slist *h;
	char *token;
	CURL *e;

	if (id == NULL)
		id = "";
	token = current_token(sub);
	if (token == NULL)
		return (-1);
	free(sub->sent_id);
	sub->sent_id = *id != '\0' ? strdup(id) : NULL;
	h = *id == '\0' || sub->sent_id != NULL ?
	    subscribe_headers(token, id) : NULL;
	hb_bearer_free(token);
	if (h == NULL) {
		log_msg(LOG_ERROR, "%s: out of memory", sub->conf.words->cannot);
		return (-1);
	}
	e = subscribe_start(sub->multi, sub->v1 ? sub->conf.hub->match_url :
	    sub->conf.hub->subscribe_url, h, sub->cfg, &io, &sub->owner);
	if (e == NULL) {
		hb_headers_free(h);
		log_msg(LOG_ERROR, "%s", sub->conf.words->cannot);
		return (-1);
	}
	sub->easy = e;
	sub->hdrs = h;
	sub->errbuf[0] = '\0';
	sub->problem[0] = '\0';
	sub->ok = sub->got_data = sub->paused = 0;
	sub->status = 0;
	sub->last_byte = now;
	sse_reset(&sub->parser);
	if (sub->cb->on_connected != NULL)
		sub->cb->on_connected(sub->priv, now);
	log_msg(LOG_DEBUG, "connecting to %s%s%s%s",
	    subscription_url_shown(sub), sub->conf.words->purpose,
	    sub->sent_id != NULL ? " with Last-Event-ID " : "",
	    sub->sent_id != NULL ? sub->sent_id : "");
	return (0);
}

void
subscription_end(struct subscription *sub, enum log_level lvl,
    const char *why)
{
	int64_t delay;
	int ok, at_once;

	CHECK_SUB(sub);
	assert(sub->easy != NULL);
	curl_multi_remove_handle(sub->multi, sub->easy);
	curl_easy_cleanup(sub->easy);
	sub->easy = NULL;
	/* The list holds the bearer token. */
	hb_headers_free(sub->hdrs);
	sub->hdrs = NULL;
	ok = sub->ok;
	sub->ok = sub->paused = 0;
	at_once = sub->cb->on_ended(sub->priv, ok) || sub->at_once;
	if ((ok && sub->got_data) || sub->at_once)
		sub->failures = 0;
	else
		sub->failures++;
	sub->at_once = 0;
	delay = at_once ? 0 : backoff_ms(sub);
	sub->reconnect_at = clock_ms() + delay;
	if (!sub->stopped)
		log_msg(lvl, "%s ended: %s; reconnecting in %lldms",
		    sub->conf.words->name, why, (long long)delay);
}

/* Its transfer ended (res, libcurl's word): log why and plan the next
 * connection.  Its owner (main.c dispatches to it). */
static void
subscription_done(void *priv, CURL *easy, CURLcode res)
{
	struct subscription *sub = priv;
	char why[CURL_ERROR_SIZE + 64];
	enum log_level lvl;

	CHECK_SUB(sub);
	assert(easy == sub->easy);
	if (sub->status == 400 && !sub->v1 &&
	    sub->cfg->hub_protocol == HB_PROTOCOL_AUTO) {
		/* A 1.0 hub refuses ?topic= with 400 (0.x hubs take it):
		 * nothing came on this connection, the cursor is where it
		 * was, so ?match= is tried at once and nothing is lost. */
		sub->v1 = 1;
		sub->at_once = 1;
		subscription_end(sub, LOG_INFO, "the hub refused ?topic= "
		    "(400): it may speak Mercure 1.0, trying ?match= "
		    "(HUB_PROTOCOL=auto)");
		return;
	}
	if (sub->status == 401 || sub->status == 403)
		(*sub->auth_refused)++;
	lvl = subscribe_ended(res, sub->problem, sub->errbuf,
	    sub->tls_failures, why, sizeof why);
	subscription_end(sub, lvl, why);
}

/*--------------------------------------------------------------------
 * Public interface
 */

struct subscription *
subscription_new(CURLM *multi, const struct settings *cfg,
    const struct subscription_conf *conf, const struct subscription_cb *cb,
    void *priv, uint64_t *tls_failures, uint64_t *auth_refused)
{
	struct subscription *sub;

	assert(conf->resume_id != NULL);
	assert(cb != NULL && cb->on_subscribed != NULL &&
	    cb->on_event != NULL && cb->on_oversize != NULL && cb->on_ended != NULL);
	sub = calloc(1, sizeof *sub);
	if (sub == NULL)
		return (NULL);
	if (sse_init(&sub->parser, conf->max_event, &sse_cbs, sub) != 0) {
		free(sub);
		return (NULL);
	}
	sub->magic = SUBSCRIPTION_MAGIC;
	transfer_owner_init(&sub->owner, subscription_done, sub);
	sub->multi = multi;
	sub->cfg = cfg;
	sub->conf = *conf;
	sub->cb = cb;
	sub->priv = priv;
	sub->tls_failures = tls_failures;
	sub->auth_refused = auth_refused;
	sub->retry_ms = RETRY_DEFAULT_MS;
	sub->v1 = cfg->hub_protocol == HB_PROTOCOL_1;
	return (sub);
}

int64_t
subscription_tick(struct subscription *sub, int64_t now)
{
	char why[96];

	CHECK_SUB(sub);
	if (sub->stopped)
		return (INT64_MAX);
	if (sub->easy == NULL) {
		if (now < sub->reconnect_at)
			return (sub->reconnect_at);
		if (subscription_connect(sub, now) != 0) {
			sub->failures++;
			sub->reconnect_at = now + backoff_ms(sub);
			return (sub->reconnect_at);
		}
	}
	if (sub->paused)
		return (INT64_MAX);	/* the owner resumes it */
	if (now - sub->last_byte >= sub->conf.idle_ms) {
		snprintf(why, sizeof why, "no data for %lldms%s",
		    (long long)(now - sub->last_byte),
		    sub->conf.words->idle_note);
		subscription_end(sub, LOG_WARN, why);
		return (sub->reconnect_at);
	}
	return (sub->last_byte + sub->conf.idle_ms);
}

void
subscription_resume(struct subscription *sub, int64_t now)
{

	CHECK_SUB(sub);
	assert(sub->easy != NULL);
	sub->paused = 0;
	sub->last_byte = now;
	curl_easy_pause(sub->easy, CURLPAUSE_CONT);
}

void
subscription_stop(struct subscription *sub)
{

	CHECK_SUB(sub);
	sub->stopped = 1;
	if (sub->easy != NULL)
		subscription_end(sub, LOG_INFO, "stopping");
}

void
subscription_free(struct subscription *sub)
{

	if (sub == NULL)
		return;
	subscription_stop(sub);
	sse_fini(&sub->parser);
	free(sub->sent_id);
	hubreply_clear(&sub->reply);
	sub->magic = 0;
	free(sub);
}

const char *
subscription_url_shown(const struct subscription *sub)
{

	CHECK_SUB(sub);
	return (sub->v1 ? sub->conf.hub->match_url_shown :
	    sub->conf.hub->subscribe_url_shown);
}
