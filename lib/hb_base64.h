/*
 * hb_base64: base64 with the standard alphabet and padding (RFC 4648), as
 * Go's encoding/json writes a []byte: the event's Body and the *64 fields.
 */

#ifndef HB_BASE64_H
#define HB_BASE64_H

#include <stddef.h>

size_t hb_base64_encoded_len(size_t len);
/* dst must hold hb_base64_encoded_len(len) + 1 bytes; it is NUL-ended. */
void hb_base64_encode(const unsigned char *src, size_t len, char *dst);
/* Returns the decoded length or (size_t)-1 on malformed input. dst must
 * hold at least len / 4 * 3 + 3 bytes. */
size_t hb_base64_decode(const char *src, size_t len, unsigned char *dst);

#endif /* HB_BASE64_H */
