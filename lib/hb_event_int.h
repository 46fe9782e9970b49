/*
 * hb_event_int: what the two decoders of hb_event share (hb_event.c, the
 * jansson one, and hb_event_fast.c).  Internal to lib/.
 */

#ifndef HB_EVENT_INT_H
#define HB_EVENT_INT_H

#include <stddef.h>

struct hb_event;

/* Required fields and defaults, once the strings are known. */
int hb_event_fields_check(struct hb_event *ev, char *err, size_t errlen);
/* The base64 Body into dst (room for blen / 4 * 3 + 3 bytes). */
int hb_event_body_decode(struct hb_event *ev, const char *body, size_t blen,
    unsigned char *dst, char *err, size_t errlen);

#endif /* HB_EVENT_INT_H */
