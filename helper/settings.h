/*
 * settings: the daemon's settings, from environment variables (the original
 * Go agent's names) or the equivalent long options, checked once at
 * start.  A bad or missing setting is reported as one line naming it.
 * Each is a row of tbl/settings.h, which names its field here: a static
 * assertion in settings.c holds each field to its row's type.
 */

#ifndef HB_SETTINGS_H
#define HB_SETTINGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hb_curl.h"
#include "hb_sha256.h"

/* What to do when the hub cannot resume from our cursor: the index of
 * the word in HUB_GAP_ACTION's row. */
#define GAP_BAN		0
#define GAP_WARN	1

struct cidr;
struct hb_grant;

/* One hub of HUB_ENDPOINT. */
struct hub_cfg {
	char		*url;			/* without ?topic= */
	char		*subscribe_url;		/* url + ?topic= (0.x) */
	char		*match_url;		/* url + ?match= (1.0) */
	char		*audience;		/* a 1.0 token's aud: url
						 * without its query */
	char		*url_shown;		/* the three, for the logs, */
	char		*subscribe_url_shown;	/* the state file and
						 * /metrics: secrets redacted */
	char		*match_url_shown;
};

struct settings {
	char		*agent_endpoint;	/* "http://host:port", no '/';
						 * NULL: server mode only */
	int64_t		agent_retry_delay_ms;
	int64_t		agent_timeout_ms;
	long		agent_max_concurrency;
	long		agent_max_backlog;	/* events before a pause */
	char		*agent_allowed_methods;

	/* Server mode; server_addr NULL: off. */
	char		*server_addr;
	char		*server_allowed_methods;
	struct cidr	*server_allowed;	/* SERVER_ALLOWED_IPS */
	size_t		server_nallowed;
	struct cidr	*server_trusted;	/* SERVER_TRUSTED_IPS */
	size_t		server_ntrusted;
	int		server_insecure;
	char		*server_cors_origins;	/* or NULL */
	size_t		server_max_body;
	long		server_max_connections;
	long		server_max_per_ip;	/* 0: no cap */
	int64_t		server_read_timeout_ms;	/* 0: none */
	int64_t		server_write_timeout_ms;
	char		*server_tls_cert;	/* file names, or NULL */
	char		*server_tls_key;
	char		*hub_publish_token;	/* static, or NULL */
	char		*hub_publish_jwt_key;	/* or NULL: hub_jwt_key */
	int64_t		hub_timeout_ms;
	uint64_t	unused;			/* bit S_NAME: given, but none
						 * of its roles runs (warned) */

	struct hub_cfg	*hubs;			/* HUB_ENDPOINT, in order */
	size_t		nhubs;			/* at least 1 */
	char		*hub_url;		/* hubs[0]'s (server mode) */
	char		*hub_topic;
	char		*hub_url_shown;		/* every hub's, comma list */
	size_t		hub_dedup_window;	/* EventIDs kept (>1 hub) */
	char		*hub_token;		/* static token, or NULL */
	char		*hub_token_file;	/* or NULL */
	char		*hub_jwt_key;		/* or NULL */
	char		*hub_jwt_alg;
	int64_t		hub_jwt_ttl_ms;
	int		hub_protocol;		/* enum hb_protocol */
	char		*hub_jwt_issuer;	/* a 1.0 token's iss */
	char		*hub_jwt_audience;	/* its aud; NULL: the hub's */
	const char	**hub_audiences;	/* every hub's aud (or the one
						 * of HUB_JWT_AUDIENCE) */
	unsigned	hub_naudiences;
	int64_t		hub_idle_timeout_ms;
	size_t		hub_max_event_size;
	int64_t		hub_reconnect_max_ms;
	char		*hub_guard_token;	/* X-HttpBroadcast-Guard */
	struct hb_tls	hub_tls;		/* HUB_CA_FILE... */
	char		*hub_proxy;		/* NULL: none, whatever the
						 * environment says */
	int		hub_gap_action;		/* GAP_* */

	/* Reports (docs/reports.md); report_hub.url NULL: none. */
	char		*node_name;
	struct hub_cfg	report_hub;		/* REPORT_HUB_ENDPOINT */
	char		*report_topic;
	int64_t		report_interval_ms;	/* while events flow */
	int64_t		report_idle_ms;		/* heartbeat */
	char		*report_token;		/* static, or NULL: minted
						 * from report_jwt_key */
	char		*report_jwt_key;	/* REPORT_JWT_KEY, else
						 * HUB_JWT_KEY unless the report
						 * hub is an event hub, or
						 * NULL */
	int		report_publish;		/* this node reports (the
						 * agent role runs) */
	int		report_listen;		/* REPORT_LISTEN */
	char		*report_sign_key_file;	/* or NULL: unsigned */
	unsigned char	report_sign_key[HB_SHA256_LEN];
	char		*report_verify_key_file; /* or NULL: shared mode */
	struct hb_hmac	report_verify;		/* keyed with the master */

	char		*state_file;		/* "" = memory only */
	int		state_file_home;	/* the per-user fallback:
						 * make its directory */
	int		state_file_given;	/* STATE_FILE is set */
	char		*status_addr;		/* NULL = no listener */
	struct cidr	*status_allowed;	/* STATUS_ALLOWED_IPS */
	size_t		status_nallowed;
	int64_t		shutdown_timeout_ms;
	int		log_format;
	int		log_level;
	int		debug;			/* DEBUG: log_level lowered */
	uint64_t	secrets_argv;		/* bit S_NAME: a secret given
						 * as an option (warned) */
	uint64_t	secrets_shared;		/* bit S_NAME: its NAME_FILE is
						 * readable by all (warned) */
};

/*
 * Returns 0 when the daemon should run, 1 when --help or --version was
 * answered (exit 0), 2 on a bad setting (err holds one line: the variable
 * name then the problem).
 */
int settings_load(struct settings *cfg, int argc, char * const *argv,
    char *err, size_t errlen);
void settings_free(struct settings *cfg);
/* Log what is allowed but unwise (a short HMAC key, a token file other
 * users may read); once the log is set up. */
void settings_warn(const struct settings *cfg);

/* Go's time.ParseDuration forms ("1h2m3.5s", "500ms", "0"), rounded to
 * milliseconds.  0 or -1 on syntax error or a negative value. */
int settings_parse_duration(const char *s, int64_t *ms);
/* Bytes with an optional k/K or M suffix (powers of 1024). */
int settings_parse_size(const char *s, size_t *bytes);
/* 1 or 0 for the words of a BOOL setting (1, true, yes, on; 0, false,
 * no, off; any case), -1 for another. */
int settings_parse_bool(const char *s);

/*
 * The grant of a token the daemon mints with key for action on topic, as
 * HUB_PROTOCOL wants it (auto: one token both generations of hubs take),
 * addressed to hub, or to every hub of HUB_ENDPOINT when hub is NULL
 * (HUB_JWT_AUDIENCE, when set, instead).  g points into cfg.
 */
void settings_grant(const struct settings *cfg, const struct hub_cfg *hub,
    const char *key, const char *action, const char *topic,
    struct hb_grant *g);

/* The settings reference of docs/configuration.md, a Markdown table
 * expanded from tbl/settings.h (tools/settings-docs.sh writes it there,
 * check-docs.sh compares). */
void settings_reference(FILE *f);

#endif /* HB_SETTINGS_H */
