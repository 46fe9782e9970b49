/*
 * Unit tests of the reports: the minted token's claims (the report topic
 * only), and the bound on results waiting while the report hub is down
 * (the oldest dropped and counted, a failed report's results kept).
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "hb_base64.h"

#include "clock.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "settings.h"
#include "test_check.h"

/* The claims of a compact JWS, parsed; NULL when it is not one. */
static json_t *
claims_of(const char *jwt)
{
	const char *b = strchr(jwt, '.'), *e;
	unsigned char raw[1024];
	char std[1024];
	size_t i, n;

	if (b == NULL || (e = strchr(++b, '.')) == NULL ||
	    (size_t)(e - b) + 4 > sizeof std)
		return (NULL);
	for (i = 0; b + i < e; i++)
		std[i] = b[i] == '-' ? '+' : b[i] == '_' ? '/' : b[i];
	while (i % 4 != 0)
		std[i++] = '=';
	n = hb_base64_decode(std, i, raw);
	if (n == (size_t)-1)
		return (NULL);
	return (json_loadb((const char *)raw, n, 0, NULL));
}

static void
test_token(struct settings *cfg)
{
	json_t *c, *merc, *pub;
	char err[256], *tok;
	time_t now = 1800000000;

	tok = report_token_mint(cfg, now, err, sizeof err);
	CHECK(tok != NULL);
	if (tok == NULL)
		return;
	c = claims_of(tok);
	CHECK(c != NULL && json_object_size(c) == 2);
	CHECK(json_integer_value(json_object_get(c, "exp")) == now + 3600);
	merc = json_object_get(c, "mercure");
	CHECK(merc != NULL && json_object_size(merc) == 1);
	pub = json_object_get(merc, "publish");
	CHECK(json_array_size(pub) == 1);
	CHECK_STR(json_string_value(json_array_get(pub, 0)), "web/nodes");
	json_decref(c);
	free(tok);
}

/* Run the multi handle until the report's transfer ended. */
static void
run_until_done(CURLM *multi, struct report *rep)
{
	CURLMsg *msg;
	int running, left, done = 0;
	int64_t until = clock_ms() + 10000;

	while (!done && clock_ms() < until) {
		(void)curl_multi_perform(multi, &running);
		while ((msg = curl_multi_info_read(multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE &&
			    report_finished(rep, msg->easy_handle,
			    msg->data.result))
				done = 1;
		if (!done)
			(void)curl_multi_poll(multi, NULL, 0, 100, NULL);
	}
	CHECK(done);
}

static void
test_bounds(struct settings *cfg)
{
	struct metrics m;
	struct report *rep;
	CURLM *multi = curl_multi_init();
	char id[32];
	int i;

	memset(&m, 0, sizeof m);
	rep = report_new(multi, cfg, &m, NULL);
	CHECK(rep != NULL);
	if (rep == NULL)
		return;
	/* Not reported: no id. */
	report_result(rep, "", REPORT_APPLIED, 200);
	report_result(rep, NULL, REPORT_APPLIED, 200);
	for (i = 0; i < REPORT_MAX_WAITING + 500; i++) {
		snprintf(id, sizeof id, "urn:%d", i);
		report_result(rep, id, i % 2 ? REPORT_APPLIED : REPORT_FAILED,
		    i % 2 ? 200 : 404);
	}
	CHECK(m.report_results_dropped == 500);

	/* The report at start takes 1000; the hub is unreachable: they are
	 * put back, nothing more is dropped. */
	CHECK(report_tick(rep, clock_ms()) == INT64_MAX);
	CHECK(!report_drained(rep));
	run_until_done(multi, rep);
	CHECK(m.reports_failed == 1 && m.reports_published == 0);
	CHECK(m.report_results_dropped == 500);
	/* Full again: one more drops the oldest. */
	report_result(rep, "urn:new", REPORT_APPLIED, 200);
	CHECK(m.report_results_dropped == 501);
	/* The next try waits for REPORT_INTERVAL. */
	CHECK(report_tick(rep, clock_ms()) > clock_ms());

	/* At stop, the results left go at once, in one try. */
	report_stop(rep);
	CHECK(report_tick(rep, clock_ms()) == INT64_MAX);
	run_until_done(multi, rep);
	CHECK(m.reports_failed == 2);
	CHECK(report_drained(rep));
	report_free(rep);
	curl_multi_cleanup(multi);
}

/* An id a listener would refuse is not reported: 400 bytes that are not
 * UTF-8 become 1,200 (U+FFFD each), past the 1,024 of an event id. */
static void
test_unusable_id(struct settings *cfg)
{
	struct metrics m;
	struct report *rep;
	CURLM *multi = curl_multi_init();
	char id[401];

	memset(&m, 0, sizeof m);
	memset(id, 0xff, 400);
	id[400] = '\0';
	rep = report_new(multi, cfg, &m, NULL);
	CHECK(rep != NULL);
	if (rep == NULL)
		return;
	report_result(rep, id, REPORT_APPLIED, 200);
	CHECK(m.report_results_dropped == 1);
	CHECK(report_drained(rep));
	report_result(rep, "urn:fine", REPORT_APPLIED, 200);
	CHECK(m.report_results_dropped == 1);
	CHECK(!report_drained(rep));
	report_free(rep);
	curl_multi_cleanup(multi);
}

int
main(void)
{
	struct settings cfg;
	char name[] = "web-1", topic[] = "web/nodes", alg[] = "HS256";
	char key[] = "unit-test-key-0123456789abcdef0123456789";
	char url[] = "http://127.0.0.1:1/hub";

	log_setup(LOG_TEXT, LOG_FATAL);
	memset(&cfg, 0, sizeof cfg);
	cfg.node_name = name;
	cfg.report_topic = topic;
	cfg.hub_jwt_alg = alg;
	cfg.report_jwt_key = key;
	cfg.hub_jwt_ttl_ms = 3600 * 1000;
	cfg.report_interval_ms = 1000;
	cfg.report_idle_ms = 30000;
	cfg.hub_timeout_ms = 5000;
	/* Nothing listens there: every publish fails at once. */
	cfg.report_hub.url = url;
	cfg.report_hub.url_shown = cfg.report_hub.url;

	curl_global_init(CURL_GLOBAL_ALL);
	test_token(&cfg);
	test_bounds(&cfg);
	test_unusable_id(&cfg);
	curl_global_cleanup();
	return (TEST_DONE());
}
