/*
 * hb_vsb: a growable string, after varnish-cache's vsb.  Text is appended
 * with hb_vsb_printf(); the buffer grows as needed and remembers its
 * first failure (out of memory), so that a caller renders everything and
 * checks once, at hb_vsb_finish(), instead of rendering again into a
 * larger buffer until the text fits.  For the helper (the VMOD has
 * Varnish's own vsb).
 */

#ifndef HB_VSB_H
#define HB_VSB_H

#include <stddef.h>

struct hb_vsb {
	unsigned	magic;
#define HB_VSB_MAGIC	0x5b1e7a2c
	char		*buf;		/* NUL-terminated while no error */
	size_t		len, cap;
	int		error;		/* a step failed: the text is not whole */
};

/* Empty, with room for hint bytes (0: a default). -1 when out of memory
 * (the vsb is still safe to finish and free). */
int hb_vsb_init(struct hb_vsb *v, size_t hint);
void hb_vsb_printf(struct hb_vsb *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Make room for n more bytes and a NUL at hb_vsb_end(): for a renderer
 * that writes into a buffer itself.  -1 when out of memory. */
int hb_vsb_reserve(struct hb_vsb *v, size_t n);
char *hb_vsb_end(const struct hb_vsb *v);
size_t hb_vsb_room(const struct hb_vsb *v);
/* n bytes were written at hb_vsb_end() (n < hb_vsb_room()). */
void hb_vsb_grew(struct hb_vsb *v, size_t n);
/* 0 when every step succeeded, else -1. */
int hb_vsb_finish(const struct hb_vsb *v);
/* The text (malloc'ed, the caller frees it), or NULL after a failure;
 * either way the vsb is empty afterwards. */
char *hb_vsb_take(struct hb_vsb *v);
void hb_vsb_fini(struct hb_vsb *v);

#endif /* HB_VSB_H */
