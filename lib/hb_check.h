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

/* RFC 9110 token; a header value without CR, LF or NUL. */
int hb_header_name_valid(const char *name, size_t len);
int hb_header_value_valid(const char *value, size_t len);

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
 * Method an HTTP token, origin-form Path and RawPath, a host of URI
 * characters only, a query without spaces or controls, an EventID (if
 * any) of 1 to HB_EVENT_ID_MAX visible ASCII bytes, header names tokens
 * and values without CR/LF/NUL.  0, or -1 with a reason in err.
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
