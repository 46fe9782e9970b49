/*
 * fleetlisten: the subscription of the reports' listener to the report
 * topic (subscribe.c), each report handed to the model (fleet.c).  See
 * fleet.h.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "eventid.h"
#include "fleet.h"
#include "fleet_int.h"
#include "log.h"
#include "metrics.h"
#include "reportmsg.h"
#include "settings.h"
#include "subscribe/subscribe.h"

static void
on_event(void *priv, const char *type, const char *data, size_t len,
    const char *id, int has_id)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	(void)type;
	(void)fleet_report(f, data, len, clock_ms());
	if (has_id && eventid_check(id) == NULL &&
	    (f->last_id == NULL || strcmp(f->last_id, id) != 0)) {
		free(f->last_id);
		f->last_id = strdup(id);
	}
}

static void
on_oversize(void *priv, const char *id, int has_id)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	(void)id;
	(void)has_id;
	f->m->reports_invalid++;
	log_msg(LOG_WARN, "report refused: larger than %d bytes",
	    REPORT_MAX_BYTES);
}

static void
on_subscribed(void *priv, int64_t now)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	fleet_subscribed(f, now);
	log_msg(LOG_INFO, "subscribed to the reports at %s",
	    subscription_url_shown(f->sub));
}

static int
on_ended(void *priv, int ok)
{
	struct fleet *f = priv;

	CHECK_FLEET(f);
	(void)ok;
	fleet_unsubscribed(f);
	return (0);
}

static const struct subscription_words sub_words = {
	"report stream", " for the reports", "reports",
	"cannot subscribe to the reports", "", "JWT for the reports", NULL
};

static const struct subscription_cb sub_cbs = {
	.on_subscribed = on_subscribed,
	.on_event = on_event,
	.on_oversize = on_oversize,
	.on_ended = on_ended,
};

/* No byte for this long ends the connection: at least twice the idle
 * interval, since reports may be all that comes. */
static int64_t
idle_timeout(const struct settings *cfg)
{
	int64_t t = 2 * cfg->report_idle_ms + 1000;

	return (t > cfg->hub_idle_timeout_ms ? t : cfg->hub_idle_timeout_ms);
}

int64_t
fleet_tick(struct fleet *f, int64_t now)
{
	int64_t next = INT64_MAX, t;

	if (f == NULL)
		return (INT64_MAX);
	CHECK_FLEET(f);
	next = fleet_model_tick(f, now);
	t = subscription_tick(f->sub, now);
	return (t < next ? t : next);
}

void
fleet_stop(struct fleet *f)
{
	if (f == NULL)
		return;
	CHECK_FLEET(f);
	subscription_stop(f->sub);
}

struct fleet *
fleet_new(CURLM *multi, const struct settings *cfg, struct metrics *m)
{
	/* The report topic only: this token reads no event. */
	struct subscription_conf conf = { &cfg->report_hub,
	    cfg->report_jwt_key, cfg->report_topic, NULL, cfg->report_token,
	    NULL, REPORT_MAX_BYTES, idle_timeout(cfg), &sub_words };
	struct fleet *f = calloc(1, sizeof *f);

	if (f == NULL)
		return (NULL);
	f->magic = FLEET_MAGIC;
	if (fleet_model_init(f, cfg, m) != 0) {
		free(f);
		return (NULL);
	}
	/* A hub with history fills the hole since the last report. */
	conf.resume_id = &f->last_id;
	f->sub = subscription_new(multi, cfg, &conf, &sub_cbs, f,
	    &m->hub_tls_failures, &m->hub_auth_refused);
	if (f->sub == NULL) {
		fleet_model_fini(f);
		free(f);
		return (NULL);
	}
	if (cfg->report_token == NULL && cfg->report_jwt_key == NULL)
		log_msg(LOG_WARN, "REPORT_LISTEN=1 without REPORT_TOKEN, "
		    "REPORT_JWT_KEY or HUB_JWT_KEY: subscribing to the reports "
		    "anonymously, but "
		    "reports are private updates: this listener will hear "
		    "none");
	if (cfg->report_verify_key_file != NULL)
		log_msg(LOG_INFO, "reports are checked: only those signed with "
		    "the key of the node they name count "
		    "(REPORT_VERIFY_KEY_FILE)");
	return (f);
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	CHECK_FLEET(f);
	subscription_free(f->sub);
	fleet_model_fini(f);
	free(f->last_id);
	f->magic = 0;
	free(f);
}
