/*
 * The helper's settings, each listed once (the tbl idiom of varnish-cache,
 * as its include/tbl/params.h): a row says everything there is to know
 * about one setting, and settings.c expands the rows into the option
 * parser, one generic loop that parses and bounds every value by its
 * type, --help, the unused-role warning, a compile-time check that each
 * row's field has its type's C type, and the settings reference of
 * docs/configuration.md (check-docs.sh fails when that file differs).
 *
 * HB_SETTING(NAME, TYPE, BOUNDS, DEFAULT, ROLES, FIELD, FLAGS, HELP)
 *	NAME	the environment variable (the original Go agent's names);
 *		S_NAME is its index; the long option is derived from it
 *		(AGENT_ENDPOINT: --agent-endpoint)
 *	TYPE	STRING, SECRET (also NAME_FILE, wiped after use), PATH, ADDR
 *		(host:port), URL, URLS (comma list of URLs), DURATION (Go's
 *		syntax, stored in ms), INT (long), COUNT (size_t), BYTES
 *		(k/M suffixes), BOOL, ENUM, CIDRS (addresses or networks),
 *		METHODS (comma list of methods)
 *	BOUNDS	NB: none; B(min, max): the allowed range (durations in ms,
 *		NOMAX: none above); E("a,b|alias"): the words of an ENUM,
 *		each one's index its value, case-insensitive, the first
 *		spelling the one shown
 *	DEFAULT	the value when unset or empty, or NULL: none (the help says
 *		what then, when it is not nothing)
 *	ROLES	which parts of the daemon read it: RL_ALL, or an OR of
 *		RL_AGENT (AGENT_ENDPOINT is set), RL_SERVER (SERVER_ADDR),
 *		RL_REPORTS (REPORT_HUB_ENDPOINT), RL_REPORTER (both of
 *		AGENT_ENDPOINT and REPORT_HUB_ENDPOINT), RL_LISTENER
 *		(REPORT_LISTEN), RL_STATUS (STATUS_ADDR).  A setting none of
 *		whose roles runs keeps its default and is named in a warning
 *		at start, worded after its first role.
 *	FIELD	FIELD(member of struct settings), or NOFIELD when the code
 *		after the generic loop derives the fields from it
 *	FLAGS	0, or F_EMPTY: an empty value is a value, not the default
 *		(STATE_FILE= keeps the cursor in memory); F_NOFILE: a SECRET
 *		without NAME_FILE (it has a _FILE setting of its own)
 *	HELP	one line of --help and of the reference
 *
 * The empty value: NAME= (as an env file or a unit's Environment= writes
 * it) is the same as no NAME at all, for every setting but F_EMPTY ones.
 *
 * No include guard: included once per expansion, with HB_SETTING defined.
 */

/* Replay to varnishd */
HB_SETTING(AGENT_ENDPOINT, URL, NB, NULL, RL_ALL, FIELD(agent_endpoint), 0,
    "local varnishd, http://host:port (required unless SERVER_ADDR is set)")
HB_SETTING(AGENT_RETRY_DELAY, DURATION, B(0, NOMAX), "60s", RL_AGENT,
    FIELD(agent_retry_delay_ms), 0,
    "how long one event is retried; 0: one attempt")
HB_SETTING(AGENT_TIMEOUT, DURATION, B(1, NOMAX), "10s", RL_AGENT,
    FIELD(agent_timeout_ms), 0, "time limit of one replay attempt")
HB_SETTING(AGENT_MAX_CONCURRENCY, INT, B(1, 1024), "16", RL_AGENT,
    FIELD(agent_max_concurrency), 0, "replays in flight at most")
HB_SETTING(AGENT_MAX_BACKLOG, INT, B(1, 10000000), "20000", RL_AGENT,
    FIELD(agent_max_backlog), 0,
    "events held for varnishd before the stream is paused "
    "(about 1 kB each plus the event)")
HB_SETTING(AGENT_ALLOWED_METHODS, METHODS, NB, "PURGE,BAN", RL_AGENT,
    FIELD(agent_allowed_methods), 0,
    "methods that are replayed (case-sensitive)")

/* Server mode: publish the requests it receives (the original's server) */
HB_SETTING(SERVER_ADDR, ADDR, NB, NULL, RL_ALL, FIELD(server_addr), 0,
    "host:port to listen on for requests to publish (server mode)")
HB_SETTING(SERVER_ALLOWED_METHODS, METHODS, NB, "PURGE,BAN", RL_SERVER,
    FIELD(server_allowed_methods), 0, "methods that are published")
HB_SETTING(SERVER_ALLOWED_IPS, CIDRS, B(1, NOMAX), "127.0.0.0/8,::1",
    RL_SERVER, FIELD(server_allowed), 0,
    "clients that may publish, addresses or networks")
HB_SETTING(SERVER_TRUSTED_IPS, CIDRS, NB, NULL, RL_SERVER,
    FIELD(server_trusted), 0,
    "peers whose PROXY protocol header gives the client address")
HB_SETTING(SERVER_INSECURE, BOOL, NB, "0", RL_SERVER, FIELD(server_insecure),
    0, "trust the PROXY header of every peer")
HB_SETTING(SERVER_CORS_ALLOWED_ORIGINS, STRING, NB, NULL, RL_SERVER,
    FIELD(server_cors_origins), 0,
    "origins allowed by CORS, comma separated, or *")
HB_SETTING(SERVER_MAX_BODY_SIZE, BYTES, B(0, 1073741824), "64k", RL_SERVER,
    FIELD(server_max_body), 0, "larger request bodies get 413")
HB_SETTING(SERVER_MAX_CONNECTIONS, INT, B(1, 1000000), "4096", RL_SERVER,
    FIELD(server_max_connections), 0, "client connections at most")
HB_SETTING(SERVER_MAX_CONNECTIONS_PER_IP, INT, B(0, 1000000), "64",
    RL_SERVER, FIELD(server_max_per_ip), 0,
    "connections of one client address at most, 0: no cap")
HB_SETTING(SERVER_READ_TIMEOUT, DURATION, B(0, NOMAX), "30s", RL_SERVER,
    FIELD(server_read_timeout_ms), 0,
    "close a connection whose request is not all read this long after "
    "accept; 0: none")
HB_SETTING(SERVER_WRITE_TIMEOUT, DURATION, B(0, NOMAX), "30s", RL_SERVER,
    FIELD(server_write_timeout_ms), 0,
    "close a connection idle for this long while writing; 0: none")
HB_SETTING(SERVER_TLS_CERT_FILE, PATH, NB, NULL, RL_SERVER,
    FIELD(server_tls_cert), 0, "PEM certificate chain: serve HTTPS")
HB_SETTING(SERVER_TLS_KEY_FILE, PATH, NB, NULL, RL_SERVER,
    FIELD(server_tls_key), 0, "PEM private key of the certificate")
HB_SETTING(HUB_PUBLISH_TOKEN, SECRET, NB, NULL, RL_SERVER,
    FIELD(hub_publish_token), 0,
    "publisher JWT (default HUB_TOKEN, or minted from a key)")
HB_SETTING(HUB_PUBLISH_JWT_KEY, SECRET, NB, NULL, RL_SERVER,
    FIELD(hub_publish_jwt_key), 0,
    "key to mint publisher JWTs with, when it is not HUB_JWT_KEY")
/* 1ms at least: a publish holds its client until the hub answers. */
HB_SETTING(HUB_TIMEOUT, DURATION, B(1, NOMAX), "5s", RL_SERVER | RL_REPORTER,
    FIELD(hub_timeout_ms), 0,
    "time limit of one publish to the hub (and of one report's)")

/* Subscription */
HB_SETTING(HUB_ENDPOINT, URLS, NB, NULL, RL_ALL, NOFIELD, 0,
    "Mercure hub URL, ?topic= allowed, or several as a comma list "
    "(required)")
HB_SETTING(HUB_TOPIC, STRING, NB, "http-broadcast", RL_ALL, FIELD(hub_topic),
    0, "topic to subscribe to")
HB_SETTING(HUB_SUBSCRIBE_TOKEN, SECRET, NB, NULL, RL_AGENT, FIELD(hub_token),
    F_NOFILE, "subscriber JWT")
HB_SETTING(HUB_TOKEN, SECRET, NB, NULL, RL_ALL, NOFIELD, 0,
    "JWT used when HUB_SUBSCRIBE_TOKEN (or HUB_PUBLISH_TOKEN) is unset")
HB_SETTING(HUB_SUBSCRIBE_TOKEN_FILE, PATH, NB, NULL, RL_AGENT,
    FIELD(hub_token_file), 0,
    "file holding the subscriber JWT, re-read at each reconnect")
HB_SETTING(HUB_JWT_KEY, SECRET, NB, NULL, RL_ALL, FIELD(hub_jwt_key), 0,
    "key to mint our own subscriber JWT at each reconnect")
HB_SETTING(HUB_JWT_ALGORITHM, STRING, NB, "HS256", RL_ALL, FIELD(hub_jwt_alg),
    0, "algorithm of HUB_JWT_KEY")
HB_SETTING(HUB_JWT_TTL, DURATION, B(1000, NOMAX), "1h", RL_ALL,
    FIELD(hub_jwt_ttl_ms), 0, "lifetime of a minted JWT")
HB_SETTING(HUB_PROTOCOL, ENUM, E("0,1,auto"), "auto", RL_ALL,
    FIELD(hub_protocol), 0,
    "Mercure protocol: 0 (hubs up to 0.x), 1 (Mercure 1.0), auto (finds out)")
HB_SETTING(HUB_JWT_ISSUER, STRING, NB, "https://localhost", RL_ALL,
    FIELD(hub_jwt_issuer), 0, "iss of a minted Mercure 1.0 token (the hub's ISSUER)")
HB_SETTING(HUB_JWT_AUDIENCE, STRING, NB, NULL, RL_ALL, FIELD(hub_jwt_audience),
    0, "aud of a minted Mercure 1.0 token (default each hub's URL)")
HB_SETTING(HUB_IDLE_TIMEOUT, DURATION, B(1, NOMAX), "120s",
    RL_AGENT | RL_LISTENER, FIELD(hub_idle_timeout_ms), 0,
    "reconnect when the hub sent nothing for this long")
HB_SETTING(HUB_MAX_EVENT_SIZE, BYTES, B(64, 67108864), "256k", RL_ALL,
    FIELD(hub_max_event_size), 0, "larger events are refused")
HB_SETTING(HUB_RECONNECT_MAX, DURATION, B(1, NOMAX), "60s",
    RL_AGENT | RL_LISTENER, FIELD(hub_reconnect_max_ms), 0,
    "cap of the reconnection backoff")
HB_SETTING(HUB_GUARD_TOKEN, STRING, NB, NULL, RL_ALL, FIELD(hub_guard_token),
    0, "loop guard sent with requests of our own (default the topic, "
    "as the VMOD's guard_token)")
HB_SETTING(HUB_GAP_ACTION, ENUM, E("ban,warn"), "ban", RL_AGENT,
    FIELD(hub_gap_action), 0,
    "when events were missed: ban (everything cached) or warn")
HB_SETTING(HUB_DEDUP_WINDOW, COUNT, B(1000, 10000000), "50000", RL_AGENT,
    FIELD(hub_dedup_window), 0,
    "with several hubs, EventIDs remembered to apply each event once "
    "(about 100 bytes each)")
HB_SETTING(HUB_CA_FILE, PATH, NB, NULL, RL_ALL, FIELD(hub_tls.ca_file), 0,
    "PEM file of the CAs the hub's certificate must chain to "
    "(default the system's), re-read at each reconnect")
HB_SETTING(HUB_CA_DIR, PATH, NB, NULL, RL_ALL, FIELD(hub_tls.ca_dir), 0,
    "directory of CA certificates (openssl rehash) for the hub")
HB_SETTING(HUB_CLIENT_CERT, PATH, NB, NULL, RL_ALL, FIELD(hub_tls.cert), 0,
    "client certificate (PEM) shown to the hub, re-read at each reconnect")
HB_SETTING(HUB_CLIENT_KEY, PATH, NB, NULL, RL_ALL, FIELD(hub_tls.key), 0,
    "key of HUB_CLIENT_CERT (default: in the same file)")
HB_SETTING(HUB_PROXY, URL, NB, NULL, RL_ALL, FIELD(hub_proxy), 0,
    "proxy URL for the hub connection (replays never use one; proxy "
    "variables of the environment are ignored)")

/* Reports: per-node confirmation (docs/reports.md) */
HB_SETTING(NODE_NAME, STRING, NB, NULL, RL_REPORTS, FIELD(node_name), 0,
    "this node's name in reports (default the host name)")
HB_SETTING(REPORT_HUB_ENDPOINT, URL, NB, NULL, RL_ALL,
    FIELD(report_hub.url), 0,
    "hub URL that reports go to, best one without history "
    "(unset: no reports)")
HB_SETTING(REPORT_TOPIC, STRING, NB, NULL, RL_REPORTS, FIELD(report_topic), 0,
    "topic of the reports (default HUB_TOPIC followed by /nodes)")
HB_SETTING(REPORT_INTERVAL, DURATION, B(REPORT_INTERVAL_MIN_MS, NOMAX), "1s",
    RL_REPORTS, FIELD(report_interval_ms), 0,
    "one report per this at most while events are applied")
/* At most 24h: listeners refuse reports announcing more. */
HB_SETTING(REPORT_IDLE_INTERVAL, DURATION,
    B(REPORT_IDLE_MIN_MS, REPORT_IDLE_MAX_MS), "30s", RL_REPORTS,
    FIELD(report_idle_ms), 0,
    "report this often when idle; a node not heard for twice this is "
    "gone")
HB_SETTING(REPORT_TOKEN, SECRET, NB, NULL, RL_REPORTS, FIELD(report_token), 0,
    "JWT for the report hub (default: minted from REPORT_JWT_KEY, else "
    "HUB_JWT_KEY, for the report topic only)")
HB_SETTING(REPORT_JWT_KEY, SECRET, NB, NULL, RL_REPORTS,
    FIELD(report_jwt_key), 0,
    "key to mint the report hub's JWTs with (required, or REPORT_TOKEN, "
    "when the report hub is an event hub)")
HB_SETTING(REPORT_SIGN_KEY_FILE, PATH, NB, NULL, RL_REPORTS,
    FIELD(report_sign_key_file), 0,
    "file of this node's report signing key (http-broadcast report-key "
    "NODE prints it)")
HB_SETTING(REPORT_VERIFY_KEY_FILE, PATH, NB, NULL, RL_REPORTS,
    FIELD(report_verify_key_file), 0,
    "file of the master key: a listener takes only reports signed with "
    "their node's key")
HB_SETTING(REPORT_LISTEN, BOOL, NB, "0", RL_ALL, FIELD(report_listen), 0,
    "subscribe to the reports and answer /events/<id> and /fleet on "
    "STATUS_ADDR")

/* State, status, shutdown, logs */
HB_SETTING(STATE_FILE, PATH, NB, NULL, RL_AGENT, FIELD(state_file), F_EMPTY,
    "cursor file (default $STATE_DIRECTORY/cursor, else "
    "/var/lib/http-broadcast/cursor, else ~/.local/state/http-broadcast/"
    "cursor; empty: memory only)")
HB_SETTING(STATUS_ADDR, ADDR, NB, NULL, RL_ALL, FIELD(status_addr), 0,
    "host:port of /healthz, /metrics (and /events, /fleet with "
    "REPORT_LISTEN)")
HB_SETTING(STATUS_ALLOWED_IPS, CIDRS, B(1, NOMAX), "127.0.0.0/8,::1",
    RL_STATUS, FIELD(status_allowed), 0,
    "clients that may connect to STATUS_ADDR, addresses or networks")
HB_SETTING(SHUTDOWN_TIMEOUT, DURATION, B(0, NOMAX), "10s", RL_ALL,
    FIELD(shutdown_timeout_ms), 0, "on SIGTERM, time left to finish replays")
HB_SETTING(LOG_FORMAT, ENUM, E("text,json,fluentd"), "text", RL_ALL,
    FIELD(log_format), 0, "format of the log lines on stderr")
HB_SETTING(LOG_LEVEL, ENUM, E("trace,debug,info,warn|warning,error,fatal"),
    "info", RL_ALL, FIELD(log_level), 0, "the least severe level logged")
HB_SETTING(DEBUG, BOOL, NB, "0", RL_ALL, FIELD(debug), 0,
    "lower LOG_LEVEL to debug")
