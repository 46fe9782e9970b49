/*
 * The helper's settings, each listed once (the tbl idiom of varnish-cache).
 *
 * HB_SETTING(NAME, default, help)
 *	NAME	the environment variable; S_NAME is its index, and the long
 *		option is derived from it (AGENT_ENDPOINT: --agent-endpoint)
 *	default	a string, or NULL when there is none (the help says why)
 *	help	one line of --help
 *
 * Expanded in settings.c for the index enum, the option parser and
 * --help.  The longer descriptions in README.md, docs/configuration.md and
 * http-broadcast.rst are prose and stay hand-written; check-docs.sh (run
 * by `make check`) fails when one of them lacks a setting of --help or
 * shows another default.
 *
 * No include guard: included once per expansion, with HB_SETTING defined.
 */

/* Replay to varnishd */
HB_SETTING(AGENT_ENDPOINT, NULL,
    "local varnishd, http://host:port (required)")
HB_SETTING(AGENT_RETRY_DELAY, "60s", "how long one event is retried")
HB_SETTING(AGENT_TIMEOUT, "10s", "time limit of one replay attempt")
HB_SETTING(AGENT_MAX_CONCURRENCY, "16", "replays in flight at most")
HB_SETTING(AGENT_MAX_BACKLOG, "20000",
    "events held for varnishd before the stream is paused "
    "(about 1 kB each plus the event)")
HB_SETTING(AGENT_ALLOWED_METHODS, "PURGE,BAN", "methods that are replayed")

/* Server mode: publish the requests it receives (the original's server).
 * SERVER_ADDR first, HUB_TIMEOUT last: settings.c names the block by
 * them. */
HB_SETTING(SERVER_ADDR, NULL,
    "host:port to listen on for requests to publish (server mode)")
HB_SETTING(SERVER_ALLOWED_METHODS, "PURGE,BAN", "methods that are published")
HB_SETTING(SERVER_ALLOWED_IPS, "127.0.0.0/8,::1",
    "clients that may publish, addresses or networks")
HB_SETTING(SERVER_TRUSTED_IPS, NULL,
    "peers whose PROXY protocol header gives the client address")
HB_SETTING(SERVER_INSECURE, "0", "1: trust the PROXY header of every peer")
HB_SETTING(SERVER_CORS_ALLOWED_ORIGINS, NULL,
    "origins allowed by CORS, comma separated, or *")
HB_SETTING(SERVER_MAX_BODY_SIZE, "64k", "larger request bodies get 413")
HB_SETTING(SERVER_MAX_CONNECTIONS, "4096", "client connections at most")
HB_SETTING(SERVER_MAX_CONNECTIONS_PER_IP, "64",
    "connections of one client address at most, 0: no cap")
HB_SETTING(SERVER_READ_TIMEOUT, "30s",
    "close a connection whose request is not all read this long after "
    "accept")
HB_SETTING(SERVER_WRITE_TIMEOUT, "30s",
    "close a connection idle for this long while writing")
HB_SETTING(SERVER_TLS_CERT_FILE, NULL, "PEM certificate chain: serve HTTPS")
HB_SETTING(SERVER_TLS_KEY_FILE, NULL, "PEM private key of the certificate")
HB_SETTING(HUB_PUBLISH_TOKEN, NULL,
    "publisher JWT (default HUB_TOKEN, or minted from a key)")
HB_SETTING(HUB_PUBLISH_JWT_KEY, NULL,
    "key to mint publisher JWTs with, when it is not HUB_JWT_KEY")
HB_SETTING(HUB_TIMEOUT, "5s", "time limit of one publish to the hub")

/* Subscription */
HB_SETTING(HUB_ENDPOINT, NULL,
    "Mercure hub URL, ?topic= allowed, or several as a comma list "
    "(required)")
HB_SETTING(HUB_TOPIC, "http-broadcast", "topic to subscribe to")
HB_SETTING(HUB_SUBSCRIBE_TOKEN, NULL, "subscriber JWT")
HB_SETTING(HUB_TOKEN, NULL, "JWT used when HUB_SUBSCRIBE_TOKEN is unset")
HB_SETTING(HUB_SUBSCRIBE_TOKEN_FILE, NULL,
    "file holding the subscriber JWT, re-read at each reconnect")
HB_SETTING(HUB_JWT_KEY, NULL,
    "key to mint our own subscriber JWT at each reconnect")
HB_SETTING(HUB_JWT_ALGORITHM, "HS256", "algorithm of HUB_JWT_KEY")
HB_SETTING(HUB_JWT_TTL, "1h", "lifetime of a minted JWT")
HB_SETTING(HUB_IDLE_TIMEOUT, "120s",
    "reconnect when the hub sent nothing for this long")
HB_SETTING(HUB_MAX_EVENT_SIZE, "256k", "larger events are refused")
HB_SETTING(HUB_RECONNECT_MAX, "60s", "cap of the reconnection backoff")
HB_SETTING(HUB_GUARD_TOKEN, NULL,
    "loop guard sent with requests of our own (default the topic, "
    "as the VMOD's guard_token)")
HB_SETTING(HUB_GAP_ACTION, "ban",
    "when events were missed: ban (everything cached) or warn")
HB_SETTING(HUB_DEDUP_WINDOW, "50000",
    "with several hubs, EventIDs remembered to apply each event once "
    "(about 100 bytes each)")
HB_SETTING(HUB_CA_FILE, NULL,
    "PEM file of the CAs the hub's certificate must chain to "
    "(default the system's), re-read at each reconnect")
HB_SETTING(HUB_CA_DIR, NULL,
    "directory of CA certificates (openssl rehash) for the hub")
HB_SETTING(HUB_CLIENT_CERT, NULL,
    "client certificate (PEM) shown to the hub, re-read at each reconnect")
HB_SETTING(HUB_CLIENT_KEY, NULL,
    "key of HUB_CLIENT_CERT (default: in the same file)")
HB_SETTING(HUB_PROXY, NULL,
    "proxy URL for the hub connection (replays never use one; proxy "
    "variables of the environment are ignored)")

/* Reports: per-node confirmation (docs/reports.md) */
HB_SETTING(NODE_NAME, NULL,
    "this node's name in reports (default the host name)")
HB_SETTING(REPORT_HUB_ENDPOINT, NULL,
    "hub URL that reports go to, best one without history "
    "(unset: no reports)")
HB_SETTING(REPORT_TOPIC, NULL,
    "topic of the reports (default HUB_TOPIC followed by /nodes)")
HB_SETTING(REPORT_INTERVAL, "1s",
    "one report per this at most while events are applied")
HB_SETTING(REPORT_IDLE_INTERVAL, "30s",
    "report this often when idle; a node not heard for twice this is "
    "gone")
HB_SETTING(REPORT_TOKEN, NULL,
    "JWT for the report hub (default: minted from REPORT_JWT_KEY, else "
    "HUB_JWT_KEY, for the report topic only)")
HB_SETTING(REPORT_JWT_KEY, NULL,
    "key to mint the report hub's JWTs with (required, or REPORT_TOKEN, "
    "when the report hub is an event hub)")
HB_SETTING(REPORT_SIGN_KEY_FILE, NULL,
    "file of this node's report signing key (http-broadcast report-key "
    "NODE prints it)")
HB_SETTING(REPORT_VERIFY_KEY_FILE, NULL,
    "file of the master key: a listener takes only reports signed with "
    "their node's key")
HB_SETTING(REPORT_LISTEN, "0",
    "1: subscribe to the reports and answer /events/<id> and /fleet on "
    "STATUS_ADDR")

/* State, status, shutdown, logs */
HB_SETTING(STATE_FILE, NULL,
    "cursor file (default $STATE_DIRECTORY/cursor, else "
    "/var/lib/http-broadcast/cursor, else ~/.local/state/http-broadcast/"
    "cursor; empty: memory only)")
HB_SETTING(STATUS_ADDR, NULL, "host:port of /healthz, /metrics (and /events, /fleet with "
    "REPORT_LISTEN)")
HB_SETTING(STATUS_ALLOWED_IPS, "127.0.0.0/8,::1",
    "clients that may connect to STATUS_ADDR, addresses or networks")
HB_SETTING(SHUTDOWN_TIMEOUT, "10s", "on SIGTERM, time left to finish replays")
HB_SETTING(LOG_FORMAT, "text", "text, json or fluentd")
HB_SETTING(LOG_LEVEL, "info", "trace, debug, info, warn, error or fatal")
HB_SETTING(DEBUG, "0", "1: log level debug")
