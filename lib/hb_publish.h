/*
 * hb_publish: one publish to the hub, the same for both publishers of the
 * project (the VMOD inside varnishd and the helper's server mode): the
 * request-target split into the event's Path, RawPath and RawQuery, the
 * form body, the request headers, the transfer options and the reading of
 * the hub's reply (the event id).  Each caller runs the transfer its own
 * way (the VMOD blocking on a pooled handle, the helper on its multi
 * handle).
 */

#ifndef HB_PUBLISH_H
#define HB_PUBLISH_H

#include <stddef.h>

#include <curl/curl.h>

struct hb_event;

/* Longest event id kept from the hub's reply. */
#define HB_PUBLISH_ID_MAX	1024

/* The storage behind the path fields hb_publish_target() sets. */
struct hb_target {
	char		*rawpath;	/* the path as sent */
	char		*path;		/* decoded */
	char		*canon;		/* hb_path_escape(path) */
};

/*
 * Split an origin-form request-target ("/a%2Fb?x=1") into ev's path
 * (decoded), rawpath (the exact form, NULL when it is the canonical
 * escaping of path, as Go's URL.RawPath) and rawquery.  0; -1 when out of
 * memory.  Release t with hb_target_free() once ev is no longer used.
 */
int hb_publish_target(struct hb_event *ev, const char *target,
    struct hb_target *t);
void hb_target_free(struct hb_target *t);

/* "topic=<topic, form-encoded>&data=", the same for every publish to a
 * topic; malloc'ed, NULL when out of memory. */
char *hb_publish_form_prefix(const char *topic);
/* The form body: prefix, the form-encoded event, "&id=<id>" when id is
 * not NULL (the event's EventID, so that a hub that honours the field
 * gives it the same id on every hub), "&private=on" for a private update.
 * malloc'ed (its length in *flen), NULL when out of memory. */
char *hb_publish_form(const char *prefix, const char *json, size_t len,
    const char *id, int private_update, size_t *flen);
/* Content-Type of the form, the bearer line when auth is not NULL, and no
 * "Expect: 100-continue" (a round trip for nothing).  NULL when out of
 * memory. */
struct curl_slist *hb_publish_headers(const char *auth);

/* The start of the hub's reply body: the id. */
struct hb_publish_reply {
	char		buf[HB_PUBLISH_ID_MAX + 1];
	size_t		len;
};

/*
 * The POST of form to the hub url on h: the project's transfer defaults
 * (hb_curl_defaults()), the headers, the reply body into rep (zeroed
 * here).  Timeouts, proxy and error buffer are the caller's.  form, hdrs
 * and rep must live until the transfer ends.
 */
void hb_publish_setopts(CURL *h, const char *url, const char *form,
    size_t flen, struct curl_slist *hdrs, struct hb_publish_reply *rep,
    const char *user_agent);
/*
 * The event id of an accepted publish, as it may be echoed into a status
 * line, a header or a log line: the reply's first line without control
 * bytes (a hub, or whoever answers in its place, chooses these bytes).
 * NUL-terminated in rep->buf.
 */
void hb_publish_id_clean(struct hb_publish_reply *rep);

#endif /* HB_PUBLISH_H */
