/*
 * hb_path: paths and queries of events.
 *
 * Paths travel decoded (Go's URL.Path); the exact form travels in RawPath
 * when it differs from the canonical escaping, as Go's URL.RawPath does.
 * A replay puts the client's exact bytes back on the wire.
 */

#ifndef HB_PATH_H
#define HB_PATH_H

#include <stddef.h>

struct hb_event;

/*
 * hb_path_escape() is Go's escaping of a decoded path; hb_path_decode()
 * decodes any path a client sent: a bad or %00 escape stays as written
 * instead of failing (RawPath keeps the exact form).  Both return
 * malloc'ed strings, NULL when out of memory.
 */
char *hb_path_escape(const char *src, size_t len);
char *hb_path_decode(const char *src, size_t len);

/* A RawPath that may go on the wire as it is: origin-form, no '?', no
 * space or control byte. */
int hb_rawpath_valid(const char *p);
/* A query that may go on the wire as it is: no space or control byte. */
int hb_query_valid(const char *q);

/* The path to put on the wire for a decoded event (malloc'ed): RawPath,
 * the client's exact bytes, when the event has a usable one. */
char *hb_event_wire_path(const struct hb_event *ev);
/* The request-target of a replay, path and "?query" (malloc'ed): never a
 * space or a control byte.  NULL for an event hb_event_check() refuses
 * (or out of memory). */
char *hb_event_target(const struct hb_event *ev);

#endif /* HB_PATH_H */
