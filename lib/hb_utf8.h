/*
 * hb_utf8: UTF-8 (RFC 3629) checks.  JSON strings are UTF-8 and a
 * client's bytes need not be: the encoder uses these to choose between a
 * field and its base64 sibling, the helper's log to escape what it prints.
 */

#ifndef HB_UTF8_H
#define HB_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s, of at most len bytes; 0 when
 * it is not one. */
size_t hb_utf8_seq(const unsigned char *s, size_t len);
/* [s, s + len) is valid UTF-8. */
int hb_utf8_valid(const char *s, size_t len);
/* s with each invalid byte replaced by U+FFFD, as Go's encoding/json
 * writes it (malloc'ed; NULL when out of memory). */
char *hb_utf8_lossy(const char *s, size_t len);

#endif /* HB_UTF8_H */
