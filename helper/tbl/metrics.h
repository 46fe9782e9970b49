/*
 * The helper's metrics, each listed once (the tbl idiom of varnish-cache).
 *
 * HB_COUNTER(field, help, logged)
 *	uint64_t field of struct metrics; /metrics shows it as
 *	http_broadcast_<field>_total.  logged: the key it has in the
 *	"stopped: ..." line at exit, or NULL to leave it out.
 * HB_GAUGE(type, field, help)
 *	a field of that type (an integer); /metrics shows it as
 *	http_broadcast_<field>.
 *
 * Expanded, in this order, in ../metrics.h (the struct) and metrics.c
 * (the Prometheus text of /metrics, and the counters of main.c's stopped
 * line).  check-docs.sh (run by `make check`) fails when README.md,
 * docs/operations.md or http-broadcast.rst lacks one.
 *
 * No include guard: included once per expansion, with both macros defined.
 */

HB_COUNTER(events_received, "Events received from the hub.", "received")
HB_COUNTER(events_replayed, "Events applied by the local varnishd.",
    "replayed")
HB_COUNTER(replays_retried, "Replay attempts that failed and were retried.",
    NULL)
HB_COUNTER(events_dropped, "Events given up after AGENT_RETRY_DELAY.",
    "dropped")
HB_COUNTER(events_failed,
    "Events varnishd answered with a 4xx (not retried).", "failed")
HB_COUNTER(events_refused,
    "Events refused before replay (invalid, disallowed, oversize).",
    "refused")
HB_COUNTER(events_without_id,
    "Events replayed without a usable id (no resume point).", "without_id")
HB_COUNTER(events_duplicate, "Events skipped as already received.", NULL)
HB_COUNTER(reconnects, "Connections to the hub after the first.", NULL)
HB_COUNTER(hub_tls_failures,
    "Connections to the hub that failed in TLS (certificate refused, "
    "files unusable, handshake refused).", NULL)
HB_COUNTER(hub_auth_refused,
    "Answers 401 or 403 of a hub to the token of a subscription, a "
    "publish or a report.", NULL)
HB_COUNTER(gaps, "Resumptions where the hub did not know our cursor.",
    "gaps")
HB_COUNTER(gap_bans,
    "Bans of everything cached, asked after a gap (HUB_GAP_ACTION=ban).",
    "gap_bans")
HB_COUNTER(stall_checks,
    "Connections ended because their events stopped, to check for a stall.",
    "stall_checks")
HB_COUNTER(stalls,
    "Stall checks that found the hub had stopped sending events it had.",
    "stalls")
HB_COUNTER(cursor_save_failures, "Failed writes of STATE_FILE (retried).",
    NULL)
HB_GAUGE(int, connected, "1 while subscribed to the hub.")
HB_GAUGE(int, stalled, "1 while a stall of the stream is suspected.")
HB_GAUGE(time_t, last_event_timestamp_seconds,
    "Time the last event was received.")
HB_COUNTER(status_refused,
    "Connections to STATUS_ADDR refused unread: their address is not in "
    "STATUS_ALLOWED_IPS.", NULL)
HB_COUNTER(status_waiters_gone,
    "Requests waiting on STATUS_ADDR whose client went away (their room "
    "freed at once).", NULL)
HB_COUNTER(status_closed,
    "Connections to STATUS_ADDR closed to stay within bounds: to make room "
    "(the oldest of the address holding the most), or unfinished after "
    "15s.", NULL)
HB_COUNTER(server_published,
    "Requests published to the hub by the server mode (answered 202).",
    NULL)
HB_COUNTER(server_loops,
    "Requests not published: they carried a guard header (answered 202).",
    NULL)
HB_COUNTER(server_refused,
    "Requests refused by the server mode (400, 403, 405, 413, 503 when "
    "too many bodies are being received).", NULL)
HB_COUNTER(server_connections_refused,
    "Connections the server mode closed before reading a request: client "
    "outside SERVER_ALLOWED_IPS, over a connection limit, PROXY header "
    "bad or missing.", NULL)
HB_COUNTER(server_read_timeouts,
    "Connections closed because their request was not all read within "
    "SERVER_READ_TIMEOUT.", NULL)
HB_COUNTER(server_accept_errors,
    "Connections the server mode could not accept for lack of file "
    "descriptors or memory (accepting pauses).", NULL)
HB_COUNTER(server_failed,
    "Requests the hub did not accept within HUB_TIMEOUT (answered 503).",
    NULL)
HB_GAUGE(int, server_publishing, "Publishes waiting for the hub's answer.")
HB_COUNTER(reports_published, "Reports the report hub took.", NULL)
HB_COUNTER(reports_failed,
    "Reports the report hub did not take (unreachable, an answer other "
    "than 2xx, HUB_TIMEOUT); their results go with the next one.", NULL)
HB_COUNTER(report_results_dropped,
    "Results never reported: more than 100000 were waiting.", NULL)
HB_COUNTER(reports_received,
    "Reports accepted from the report hub (REPORT_LISTEN=1).", NULL)
HB_COUNTER(reports_invalid,
    "Reports refused as malformed (bad JSON, another Version, a bad "
    "field, too many entries, too large).", NULL)
HB_COUNTER(reports_refused,
    "Reports refused from a new node while 10000 nodes are live.", NULL)
HB_COUNTER(reports_forged,
    "Reports refused as forged: a Seq jump no node makes, or (with "
    "REPORT_VERIFY_KEY_FILE) no valid signature for their Node.", NULL)
HB_COUNTER(fleet_joins_refused,
    "Reports refused from a new node: more than 1000 new nodes joined "
    "within REPORT_IDLE_INTERVAL.", NULL)
HB_GAUGE(int, fleet_nodes_live,
    "Nodes heard within twice their idle interval (REPORT_LISTEN=1).")
HB_GAUGE(int, fleet_nodes_lagging,
    "Live nodes not subscribed, or with an event unfinished for 5s.")
HB_COUNTER(fleet_results_evicted,
    "Events whose per-node results were forgotten to stay within bounds.",
    NULL)
