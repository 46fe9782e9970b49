/*
 * status: the optional HTTP listener (STATUS_ADDR) for /healthz,
 * /metrics, and the fleet's answers /events/<id> and /fleet
 * (docs/reports.md), served by libmicrohttpd in external epoll mode: it has no
 * thread of its own, the main loop polls its epoll descriptor next to
 * libcurl's sockets.
 */

#ifndef HB_STATUS_H
#define HB_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

struct fleet;
struct metrics;
struct status;

struct settings;

/* The listener of cfg's STATUS_ADDR, open to STATUS_ALLOWED_IPS (cfg must
 * outlive it); NULL with a reason in err when the address is bad or
 * cannot be listened on.  /healthz reports the subscription when the
 * agent role runs.  m: read for /metrics, and the listener's counters. */
struct status *status_start(const struct settings *cfg, struct metrics *m,
    char *err, size_t errlen);
void status_stop(struct status *st);
/* The port listened on (useful with port 0: the kernel picks one). */
unsigned status_port(const struct status *st);
/* Fill up to max wait descriptors (2; none when max is smaller);
 * *timeout_ms is lowered to MHD's own. */
unsigned status_waitfds(struct status *st, struct curl_waitfd *fds,
    unsigned max, int64_t *timeout_ms);
/* Serve whatever is ready. */
void status_run(struct status *st);
/* The fleet that answers /events and /fleet (REPORT_LISTEN=1). */
void status_fleet(struct status *st, struct fleet *f);
/* Answer the waiting requests whose answer is decided (the fleet changed,
 * or their wait ended).  Returns when it wants to be called again. */
int64_t status_tick(struct status *st, int64_t now);

#endif /* HB_STATUS_H */
