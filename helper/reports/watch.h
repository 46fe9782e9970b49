/*
 * watch: the command `http-broadcast watch`, a client of a listener's
 * /events/<id> and /fleet (docs/reports.md) for a shell: one event's
 * outcome per node, or the fleet's table.  Blocking libcurl: it is not
 * the daemon and has no loop to share.
 */

#ifndef HB_WATCH_H
#define HB_WATCH_H

/* Exit statuses. */
#define WATCH_COMPLETE	0
#define WATCH_FAILED	1	/* a node failed the event */
#define WATCH_USAGE	2
#define WATCH_PENDING	3
#define WATCH_UNREACHABLE 4	/* no answer, or 503 */

/* argv[0] is "watch". */
int watch_main(int argc, char **argv);

#endif /* HB_WATCH_H */
