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

/*
 * EventID: the id the publisher (VMOD, server mode) gives the event, a
 * "urn:uuid:" and a random UUID, in the JSON (Go agents ignore the field)
 * and as the Mercure id of the publish.  The same event published to two
 * hubs has the same EventID whatever id each hub gives it, so a helper
 * subscribed to both applies it once.
 */
#define HB_EVENT_ID_LEN		45	/* "urn:uuid:" + 36 */
#define HB_EVENT_ID_MAX		256	/* what hb_event_check() takes */
/* A new EventID into buf (HB_EVENT_ID_LEN + 1 bytes).  0, or -1 when the
 * system has no randomness to give. */
int hb_event_id_new(char *buf);

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
	const char		*event_id;	/* the publisher's id of the
						 * event, NULL if none */
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
 * itself (hb_event_fast.c) and hands anything else to this. */
int hb_event_decode_general(const char *json, size_t len,
    struct hb_event *ev, char *err, size_t errlen);
void hb_event_free(struct hb_event *ev);

#endif /* HB_EVENT_H */
