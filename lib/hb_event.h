/*
 * hb_event: the broadcast event, the JSON message that travels through the
 * hub from the VMOD (or the original Go agent) to every helper.
 *
 *   {"Method":"PURGE","Host":"example.com","Path":"/a","RawQuery":"x=1",
 *    "Header":{"Xkey":["k1 k2"]},"Body":"<base64>"}
 *
 * The field names and the Header shape (canonical name -> list of values)
 * are those of Go's net/http, so that a fleet mixing this project and the
 * original Go agents understands each other.  RawQuery is our addition:
 * Go's encoding/json ignores unknown fields.
 *
 * The codec is pure: no I/O, no global state, so tests and fuzzers call it
 * directly.
 */

#ifndef HB_EVENT_H
#define HB_EVENT_H

#include <stddef.h>

#define HB_GUARD_HEADER		"X-HttpBroadcast-Guard"
/* On the helper's own request after missed events (HUB_GAP_ACTION=ban). */
#define HB_GAP_HEADER		"X-HttpBroadcast-Gap"

struct hb_hdr {
	const char	*name;
	size_t		name_len;
	const char	*value;
	size_t		value_len;
};

struct hb_event {
	const char		*method;
	const char		*host;
	const char		*path;		/* decoded, as Go's URL.Path */
	const char		*rawpath;	/* escaped form, NULL when it is
						 * hb_path_escape(path) */
	const char		*rawquery;	/* without '?', "" if none */
	struct hb_hdr		*hdrs;
	size_t			nhdrs;
	const unsigned char	*body;
	size_t			body_len;

	/* Owned storage of a decoded event; NULL for one built by a caller. */
	void			*priv_json;
	void			*priv_mem;
};

/*
 * Encode to compact JSON with a stable field order.  Header names are
 * written in Go's canonical form and values of the same name are grouped
 * in order.  Returns a malloc'ed NUL-terminated string, or NULL on
 * allocation failure.
 */
char *hb_event_encode(const struct hb_event *ev, size_t *lenp);

/*
 * Decode a JSON event.  On success returns 0 and ev owns its storage
 * (release it with hb_event_free()).  On failure returns -1, writes a
 * one-line reason to err and leaves nothing to free.  Unknown fields are
 * ignored; Header and Body may be null; Method and Path are required.
 */
int hb_event_decode(const char *json, size_t len, struct hb_event *ev,
    char *err, size_t errlen);
/* The same with jansson alone; hb_event_decode() reads the common shape
 * itself and hands anything else to this.  For the fuzzer's comparison. */
int hb_event_decode_general(const char *json, size_t len,
    struct hb_event *ev, char *err, size_t errlen);

void hb_event_free(struct hb_event *ev);

/*
 * Checks a replay must pass before anything is sent (see
 * hb_event_validate()): RFC 9110 token, no CR/LF/NUL in values.
 */
int hb_header_name_valid(const char *name, size_t len);
int hb_header_value_valid(const char *value, size_t len);
/* Connection-scoped headers that never travel in an event. */
int hb_header_is_hop_by_hop(const char *name, size_t len);

/*
 * The contract of what may travel, one function for both sides: the VMOD
 * refuses to publish what this refuses, the helper refuses to replay it.
 * Method an HTTP token, origin-form Path and RawPath, a host of URI
 * characters only, a query without spaces or controls, header names
 * tokens and values without CR/LF/NUL.  0, or -1 with a reason in err.
 */
int hb_event_check(const struct hb_event *ev, char *err, size_t errlen);
/* hb_event_check() and the method in the comma separated allow-list
 * (case-sensitive, as HTTP methods are): what a helper replays. */
int hb_event_validate(const struct hb_event *ev, const char *allowed_methods,
    char *err, size_t errlen);

/*
 * Paths travel decoded (Go's URL.Path); the exact form travels in RawPath
 * when it differs from the canonical escaping, as Go's URL.RawPath does.
 * hb_path_escape() is Go's escaping of a decoded path; hb_path_decode()
 * decodes any path a client sent: a bad or %00 escape stays as written
 * instead of failing (RawPath keeps the exact form).  Both return
 * malloc'ed strings, NULL when out of memory.
 */
char *hb_path_escape(const char *src, size_t len);
char *hb_path_decode(const char *src, size_t len);
/* The path to put on the wire for a decoded event (malloc'ed): RawPath,
 * the client's exact bytes, when the event has a usable one. */
char *hb_event_wire_path(const struct hb_event *ev);
/* The request-target of a replay, path and "?query" (malloc'ed): never a
 * space or a control byte.  NULL for an event hb_event_check() refuses
 * (or out of memory). */
char *hb_event_target(const struct hb_event *ev);

/* Length of the valid UTF-8 sequence (RFC 3629) at s, of at most len
 * bytes; 0 when it is not one. */
size_t hb_utf8_seq(const unsigned char *s, size_t len);

/* Base64 (RFC 4648 standard alphabet, padded), as Go encodes []byte. */
size_t hb_base64_encoded_len(size_t len);
void hb_base64_encode(const unsigned char *src, size_t len, char *dst);
/* Returns the decoded length or (size_t)-1 on malformed input. dst must
 * hold at least len / 4 * 3 + 3 bytes. */
size_t hb_base64_decode(const char *src, size_t len, unsigned char *dst);

#endif /* HB_EVENT_H */
