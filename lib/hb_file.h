/*
 * hb_file: reading a small file whole, the one way the helper reads its
 * secrets and keys (settings.c's NAME_FILE, reportkey.c's keys): bounded,
 * EINTR retried, short reads continued.  What to trim after is the
 * caller's rule (a token loses its trailing newlines; a key exactly one).
 */

#ifndef HB_FILE_H
#define HB_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Up to len bytes of fd, until its end: their count, or -1 (errno). */
ssize_t hb_read_full(int fd, void *buf, size_t len);

#endif /* HB_FILE_H */
