/*
 * eventid: the rule for an event's id (the SSE id a hub gives it), the
 * one thing the cursor, the streams, the reports, the listener and the
 * status listener must agree on: an id that passes is one that can be
 * resumed from, saved, reported and asked about.
 */

#ifndef HB_EVENTID_H
#define HB_EVENTID_H

/* The longest id that may become the cursor (and the state file holds). */
#define EVENTID_MAX	1024

/*
 * Can id be a resume point?  NULL if so, else why not.  Every id that
 * becomes the cursor passes this, so whatever is saved is read back and
 * sent as a Last-Event-ID unchanged: not empty, at most EVENTID_MAX
 * bytes, no control byte (a header line and the one-line file hold it),
 * and not "earliest", which asks a hub for its whole history.
 */
const char *eventid_check(const char *id);

#endif /* HB_EVENTID_H */
