/*
 * Unit tests of the settings: the syntaxes (Go durations, sizes), and the
 * generic parser of tbl/settings.h through settings_load(), type by type:
 * a good value, the empty value (the default), a value out of bounds, bad
 * syntax; the one yes/no syntax of every BOOL.
 */

#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "settings.h"
#include "test_check.h"

static struct settings cfg;
static char err[512];

/*
 * settings_load() on the command line of a minimal agent plus the
 * options given (NULL-terminated): its result, with cfg and err set.
 */
static int
load(const char *opt, ...)
{
	char *argv[16];
	va_list ap;
	int argc = 0, r;

	argv[argc++] = (char *)(uintptr_t)"http-broadcast";
	argv[argc++] = (char *)(uintptr_t)
	    "--hub-endpoint=http://127.0.0.1:9/.well-known/mercure";
	argv[argc++] = (char *)(uintptr_t)"--agent-endpoint=http://127.0.0.1:9";
	argv[argc++] = (char *)(uintptr_t)"--state-file=";
	va_start(ap, opt);
	for (; opt != NULL && argc < 15; opt = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)opt;
	va_end(ap);
	argv[argc] = NULL;
	settings_free(&cfg);
	err[0] = '\0';
	r = settings_load(&cfg, argc, argv, err, sizeof err);
	if (r != 0)
		fprintf(stderr, "(load: %d %s)\n", r, err);
	return (r);
}

/* The load failed with a message holding want. */
#define FAILS(want, ...) do {						\
	CHECK(load(__VA_ARGS__, NULL) == 2);				\
	if (strstr(err, want) == NULL) {				\
		fprintf(stderr, "%s:%d: \"%s\" lacks \"%s\"\n",	\
		    __FILE__, __LINE__, err, want);			\
		test_failures++;					\
	}								\
} while (0)

static int64_t
dur(const char *s)
{
	int64_t ms = -42;

	if (settings_parse_duration(s, &ms) != 0)
		return (-1);
	return (ms);
}

static long long
size(const char *s)
{
	size_t b;

	if (settings_parse_size(s, &b) != 0)
		return (-1);
	return ((long long)b);
}

int
main(int argc, char **argv)
{
	/* tools/settings-docs.sh: the reference of docs/configuration.md. */
	if (argc == 2 && strcmp(argv[1], "reference") == 0) {
		settings_reference(stdout);
		return (fflush(stdout) == 0 ? 0 : 1);
	}
	CHECK(dur("0") == 0);
	CHECK(dur("500ms") == 500);
	CHECK(dur("60s") == 60000);
	CHECK(dur("2m") == 120000);
	CHECK(dur("1m30s") == 90000);
	CHECK(dur("1h") == 3600000);
	CHECK(dur("1.5s") == 1500);
	CHECK(dur(".5s") == 500);
	CHECK(dur("2h45m") == (2 * 60 + 45) * 60000);
	CHECK(dur("1500us") == 2);
	CHECK(dur("300000ns") == 1);	/* rounded up, never to 0 */
	CHECK(dur("+5s") == 5000);
	CHECK(dur("10") == -1);		/* a unit is required */
	CHECK(dur("") == -1);
	CHECK(dur("-1s") == -1);
	CHECK(dur("1x") == -1);
	CHECK(dur("s") == -1);
	CHECK(dur("1e3s") == -1);
	CHECK(dur("0x10s") == -1);
	CHECK(dur("1s ") == -1);

	CHECK(size("262144") == 262144);
	CHECK(size("256k") == 262144);
	CHECK(size("256K") == 262144);
	CHECK(size("1M") == 1048576);
	CHECK(size("1MB") == 1048576);
	CHECK(size("") == -1);
	CHECK(size("k") == -1);
	CHECK(size("-1") == -1);
	CHECK(size("12q") == -1);
	CHECK(size("4096M") == -1);

	/* Nothing of the environment of the test. */
	clearenv();
	CHECK(load(NULL) == 0);

	/* The empty value is the default, for every setting (but
	 * STATE_FILE): HUB_TIMEOUT= and AGENT_TIMEOUT= alike. */
	CHECK(load("--agent-timeout=", NULL) == 0);
	CHECK(cfg.agent_timeout_ms == 10000);
	CHECK(load("--server-addr=127.0.0.1:0", "--hub-timeout=", NULL) == 0);
	CHECK(cfg.hub_timeout_ms == 5000);
	CHECK(load("--log-format=", "--log-level=", "--debug=", NULL) == 0);
	CHECK(cfg.log_format == LOG_TEXT && cfg.log_level == LOG_INFO);
	CHECK(load("--state-file=", NULL) == 0);
	CHECK_STR(cfg.state_file, "");		/* F_EMPTY: memory only */

	/* DURATION */
	CHECK(load("--agent-timeout=2s", NULL) == 0);
	CHECK(cfg.agent_timeout_ms == 2000);
	FAILS("AGENT_TIMEOUT: \"10x\" is not a duration", "--agent-timeout=10x");
	FAILS("AGENT_TIMEOUT: must be at least 1ms, not \"0s\"",
	    "--agent-timeout=0s");
	FAILS("HUB_TIMEOUT: 0s (no limit) is not allowed",
	    "--server-addr=127.0.0.1:0", "--hub-timeout=0s");
	FAILS("REPORT_IDLE_INTERVAL: must be from 100ms to 24h, not \"25h\"",
	    "--report-hub-endpoint=http://127.0.0.1:9/r",
	    "--report-idle-interval=25h");

	/* INT, COUNT */
	CHECK(load("--agent-max-concurrency=8", NULL) == 0);
	CHECK(cfg.agent_max_concurrency == 8);
	CHECK(load("--agent-max-concurrency=", NULL) == 0);
	CHECK(cfg.agent_max_concurrency == 16);
	FAILS("AGENT_MAX_CONCURRENCY: \"0\" is not a number from 1 to 1024",
	    "--agent-max-concurrency=0");
	FAILS("AGENT_MAX_CONCURRENCY: \"8x\" is not a number from 1 to 1024",
	    "--agent-max-concurrency=8x");
	CHECK(load("--hub-dedup-window=2000", NULL) == 0);
	CHECK(cfg.hub_dedup_window == 2000);
	FAILS("HUB_DEDUP_WINDOW: \"999\" is not a number from 1000 to 10000000",
	    "--hub-dedup-window=999");

	/* BYTES */
	CHECK(load("--hub-max-event-size=1M", NULL) == 0);
	CHECK(cfg.hub_max_event_size == 1048576);
	CHECK(load("--hub-max-event-size=", NULL) == 0);
	CHECK(cfg.hub_max_event_size == 262144);
	FAILS("HUB_MAX_EVENT_SIZE: \"32\" is not a size from 64 to 64M",
	    "--hub-max-event-size=32");
	FAILS("HUB_MAX_EVENT_SIZE: \"12q\" is not a size", "--hub-max-event-size=12q");

	/* BOOL: one syntax for all, every word of before accepted. */
	{
		static const char * const yes[] = { "1", "true", "TRUE",
		    "yes", "Yes", "on", "ON", NULL };
		static const char * const no[] = { "0", "false", "False",
		    "no", "NO", "off", "Off", "", NULL };
		char o[64];
		int i;

		for (i = 0; yes[i] != NULL; i++) {
			snprintf(o, sizeof o, "--server-insecure=%s", yes[i]);
			CHECK(load("--server-addr=127.0.0.1:0", o, NULL) == 0);
			CHECK(cfg.server_insecure == 1);
			snprintf(o, sizeof o, "--debug=%s", yes[i]);
			CHECK(load(o, NULL) == 0);
			CHECK(cfg.log_level == LOG_DEBUG);
		}
		for (i = 0; no[i] != NULL; i++) {
			snprintf(o, sizeof o, "--server-insecure=%s", no[i]);
			CHECK(load("--server-addr=127.0.0.1:0", o, NULL) == 0);
			CHECK(cfg.server_insecure == 0);
			snprintf(o, sizeof o, "--report-listen=%s", no[i]);
			CHECK(load(o, NULL) == 0);
			CHECK(cfg.report_listen == 0);
		}
	}
	CHECK(load("--report-hub-endpoint=http://127.0.0.1:9/r",
	    "--status-addr=127.0.0.1:0", "--report-listen=yes", NULL) == 0);
	CHECK(cfg.report_listen == 1);
	FAILS("SERVER_INSECURE: \"maybe\" is not a boolean",
	    "--server-addr=127.0.0.1:0", "--server-insecure=maybe");
	FAILS("REPORT_LISTEN: \"2\" is not a boolean", "--report-listen=2");

	/* ENUM */
	CHECK(load("--hub-gap-action=WARN", NULL) == 0);
	CHECK(cfg.hub_gap_action == GAP_WARN);
	CHECK(load("--hub-gap-action=", NULL) == 0);
	CHECK(cfg.hub_gap_action == GAP_BAN);
	FAILS("HUB_GAP_ACTION: \"panic\" is not ban or warn",
	    "--hub-gap-action=panic");
	CHECK(load("--log-level=warning", NULL) == 0);
	CHECK(cfg.log_level == LOG_WARN);
	FAILS("LOG_LEVEL: \"loud\" is not trace, debug, info, warn, error or "
	    "fatal", "--log-level=loud");
	CHECK(load("--log-format=json", NULL) == 0);
	CHECK(cfg.log_format == LOG_JSON);

	/* CIDRS */
	CHECK(load("--status-addr=127.0.0.1:0",
	    "--status-allowed-ips=10.0.0.0/8", NULL) == 0);
	CHECK(cfg.status_nallowed == 1);
	CHECK(load("--status-addr=127.0.0.1:0", "--status-allowed-ips=", NULL)
	    == 0);
	CHECK(cfg.status_nallowed == 2);
	FAILS("STATUS_ALLOWED_IPS: is empty", "--status-addr=127.0.0.1:0",
	    "--status-allowed-ips= , ");
	FAILS("STATUS_ALLOWED_IPS: \"10.0.0.0/33\" is not an address",
	    "--status-addr=127.0.0.1:0", "--status-allowed-ips=10.0.0.0/33");

	/* METHODS */
	CHECK(load("--agent-allowed-methods=PURGE", NULL) == 0);
	CHECK_STR(cfg.agent_allowed_methods, "PURGE");
	CHECK(load("--agent-allowed-methods=", NULL) == 0);
	CHECK_STR(cfg.agent_allowed_methods, "PURGE,BAN");
	FAILS("AGENT_ALLOWED_METHODS: \"PURGE BAN\" is not a method: separate "
	    "methods with commas", "--agent-allowed-methods=PURGE BAN");
	FAILS("AGENT_ALLOWED_METHODS: lists no method",
	    "--agent-allowed-methods= , ");

	/* STRING, SECRET, URL */
	CHECK(load("--hub-topic=t", NULL) == 0);
	CHECK_STR(cfg.hub_topic, "t");
	CHECK(load("--hub-topic=", NULL) == 0);
	CHECK_STR(cfg.hub_topic, "http-broadcast");
	CHECK(load("--hub-jwt-key=", NULL) == 0);
	CHECK(cfg.hub_jwt_key == NULL);
	CHECK(load("--hub-proxy=", NULL) == 0);
	CHECK(cfg.hub_proxy == NULL);
	FAILS("HUB_PROXY: must be a URL", "--hub-proxy=nope");

	/* A setting of a role that does not run keeps its default. */
	CHECK(load("--server-max-connections=7", NULL) == 0);
	CHECK(cfg.server_max_connections == 4096);
	settings_free(&cfg);
	return (TEST_DONE());
}
