/*
 * server: the server mode (SERVER_ADDR), the original project's
 * broadcaster.  Every request received is published to the hub, with the
 * same lib/ code as the VMOD, and answered 202 with the event id once the
 * hub accepted it, 503 when it did not within HUB_TIMEOUT.
 *
 * It lives in the main loop, like the status listener: libmicrohttpd in
 * external epoll mode (one descriptor for every connection), our own
 * listening socket (so that a trusted peer's PROXY protocol header can be
 * read before the connection is handed over), and each publish an easy
 * handle on the shared multi handle while its connection is suspended.
 * No thread, and nothing a client does can stall the subscription or the
 * replays.
 */

#ifndef HB_SERVER_H
#define HB_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct settings;
struct metrics;
struct server;

/* NULL with one line in err (the exit status 2 then). */
struct server *server_start(CURLM *multi, const struct settings *cfg,
    struct metrics *m, char *err, size_t errlen);
/* Answer what is still waiting (503), close every connection, free. */
void server_free(struct server *s);
unsigned server_port(const struct server *s);
/* Stop accepting connections (shutdown); publishes in flight go on. */
void server_stop_accepting(struct server *s);
/* Publishes waiting for the hub. */
size_t server_inflight(const struct server *s);
/* Fill up to max wait descriptors; *timeout_ms is lowered to what the
 * server needs. */
unsigned server_waitfds(struct server *s, struct curl_waitfd *fds,
    unsigned max, int64_t *timeout_ms);
/* Accept, read PROXY headers, serve whatever is ready. */
void server_run(struct server *s);
/* If easy is one of our publishes, answer its client and return 1. */
int server_finished(struct server *s, CURL *easy, CURLcode res);

#endif /* HB_SERVER_H */
