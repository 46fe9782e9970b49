/*
 * hb_check: what may travel in an event.  The VMOD (publisher) and the
 * helper (replayer) both call these, so a request the VMOD accepts is one
 * every helper replays, and an event a helper refuses was never published
 * by a VMOD.
 */

#ifndef HB_CHECK_H
#define HB_CHECK_H

#include <stddef.h>

struct hb_event;
struct hb_hdr;

/*
 * RFC 9110 token; a header value without control characters (HTAB
 * aside, it is whitespace): varnishd answers 400 to a request with one
 * ("Header has ctrl char"), so an event carrying one fails on every node.
 */
int hb_header_name_valid(const char *name, size_t len);
int hb_header_value_valid(const char *value, size_t len);

/*
 * How many headers that travel (hb_header_travels()) an event may carry.
 * varnishd keeps a request's header lines in http_max_hdr slots (64 by
 * default), 5 of which hold the request and status line fields
 * (HTTP_HDR_FIRST): 59 lines, one more is "Too many headers", 400.  It
 * then adds headers of its own, and without room for them the request
 * fails: X-Forwarded-For (7.1; LostHeader, 503), and Via too (varnishd
 * 7.7, Vinyl Cache 9.0: 500), so 57 lines may come in.  A replay sends
 * Host, the event's headers, its own guard and Content-Length: 57 - 3 =
 * 54, the bound of a fleet of any of them.  (Measured with varnishd 7.1,
 * 7.7 and vinyld 9.0.1, default parameters: 55 fail on 7.7 and 9.0.)
 */
#define HB_EVENT_HEADERS_MAX	54

/*
 * The request headers an event carries, on both sides: not the
 * connection-scoped (hop-by-hop) ones, not Host (the event's own field),
 * Content-Length (the body's) or Expect (a transfer detail of the
 * client's connection), and not the guard header, which whoever sends
 * adds itself: the VMOD its own value, the helper its own, so that an
 * event never carries another fleet's guard.  Nor the gap header: it
 * marks the helper's own ban-everything request after missed events, and
 * a client's copy of it would turn one BAN into that on every node.
 */
int hb_header_travels(const char *name, size_t len);

/*
 * The request a publisher makes an event of, as it arrived: every header
 * line of it (Host, and those that will not travel, included), and
 * whether a line continued the previous one (obs-fold, RFC 9112 5.2),
 * which the VMOD cannot see (varnishd joins the lines) but the server
 * mode can.  Refused: a fold (the server mode's HTTP library would glue
 * it to the header's name: another header than sent), more than one
 * Host (which one would a node use?  varnishd answers 400), a header
 * name that is not a token or a value with a control character (varnishd
 * answers 400).  0, or -1 with a reason in err.  The event built from it
 * passes hb_event_check() too.
 */
int hb_request_check(const struct hb_hdr *hdrs, size_t n, int folded,
    char *err, size_t errlen);

/*
 * Method an HTTP token, origin-form Path and RawPath, a host of URI
 * characters only, a query without spaces or controls, an EventID (if
 * any) of 1 to HB_EVENT_ID_MAX visible ASCII bytes, header names tokens
 * and values without control characters, at most HB_EVENT_HEADERS_MAX
 * headers that travel.  0, or -1 with a reason in err.
 */
int hb_event_check(const struct hb_event *ev, char *err, size_t errlen);
/* The EventID part of hb_event_check(): 1 to HB_EVENT_ID_MAX visible
 * ASCII bytes. */
int hb_event_id_valid(const char *id);
/* hb_event_check() and the method in the comma separated allow-list
 * (case-sensitive, as HTTP methods are): what a helper replays. */
int hb_event_validate(const struct hb_event *ev, const char *allowed_methods,
    char *err, size_t errlen);

#endif /* HB_CHECK_H */
