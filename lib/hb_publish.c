/*
 * hb_publish: the publish request and the hub's reply.  See hb_publish.h.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "hb_curl.h"
#include "hb_event.h"
#include "hb_http.h"
#include "hb_path.h"
#include "hb_publish.h"

int
hb_publish_target(struct hb_event *ev, const char *target,
    struct hb_target *t)
{
	const char *q;

	memset(t, 0, sizeof *t);
	q = strchr(target, '?');
	t->rawpath = q != NULL ? strndup(target, (size_t)(q - target)) :
	    strdup(target);
	if (t->rawpath != NULL)
		t->path = hb_path_decode(t->rawpath, strlen(t->rawpath));
	if (t->path != NULL)
		t->canon = hb_path_escape(t->path, strlen(t->path));
	if (t->canon == NULL) {
		hb_target_free(t);
		return (-1);
	}
	ev->path = t->path;
	ev->rawpath = strcmp(t->canon, t->rawpath) != 0 ? t->rawpath : NULL;
	ev->rawquery = q != NULL ? q + 1 : "";
	return (0);
}

void
hb_target_free(struct hb_target *t)
{
	free(t->rawpath);
	free(t->path);
	free(t->canon);
	memset(t, 0, sizeof *t);
}

char *
hb_publish_form_prefix(const char *topic)
{
	char *e, *r;

	e = curl_easy_escape(NULL, topic, 0);
	if (e == NULL)
		return (NULL);
	if (asprintf(&r, "topic=%s&data=", e) < 0)
		r = NULL;
	curl_free(e);
	return (r);
}

char *
hb_publish_form(const char *prefix, const char *json, size_t len,
    const char *id, int private_update, size_t *flen)
{
	static const char priv[] = "&private=on";
	static const char idf[] = "&id=";
	size_t pl, el, il = 0;
	char *e, *ie = NULL, *r;

	e = curl_easy_escape(NULL, json, (int)len);
	if (e == NULL)
		return (NULL);
	/* An EventID is "urn:uuid:..." (hb_event_check() bounds what a
	 * caller may give): escaped all the same, the colons included. */
	if (id != NULL) {
		ie = curl_easy_escape(NULL, id, 0);
		if (ie == NULL) {
			curl_free(e);
			return (NULL);
		}
		il = strlen(ie);
	}
	pl = strlen(prefix);
	el = strlen(e);
	r = malloc(pl + el + (sizeof idf - 1) + il + sizeof priv);
	if (r != NULL) {
		memcpy(r, prefix, pl);
		memcpy(r + pl, e, el);
		*flen = pl + el;
		if (ie != NULL) {
			memcpy(r + *flen, idf, sizeof idf - 1);
			*flen += sizeof idf - 1;
			memcpy(r + *flen, ie, il);
			*flen += il;
		}
		if (private_update) {
			memcpy(r + *flen, priv, sizeof priv - 1);
			*flen += sizeof priv - 1;
		}
		r[*flen] = '\0';
	}
	curl_free(e);
	if (ie != NULL)
		curl_free(ie);
	return (r);
}

struct curl_slist *
hb_publish_headers(const char *auth)
{
	struct curl_slist *hdrs, *hl;

	hdrs = curl_slist_append(NULL,
	    "Content-Type: application/x-www-form-urlencoded");
	hl = hdrs;
	if (hl != NULL && auth != NULL)
		hl = curl_slist_append(hdrs, auth);
	if (hl != NULL)
		hl = curl_slist_append(hdrs, "Expect:");
	if (hl == NULL) {
		hb_headers_free(hdrs);
		return (NULL);
	}
	return (hdrs);
}

static size_t
reply_collect(char *ptr, size_t size, size_t nmemb, void *priv)
{
	struct hb_publish_reply *r = priv;
	size_t n = size * nmemb, room;

	room = HB_PUBLISH_ID_MAX - r->len;
	/* Keep the start (the id); the rest of a long body is discarded. */
	if (n < room)
		room = n;
	memcpy(r->buf + r->len, ptr, room);
	r->len += room;
	return (n);
}

void
hb_publish_setopts(CURL *h, const char *url, const char *form, size_t flen,
    struct curl_slist *hdrs, struct hb_publish_reply *rep,
    const char *user_agent)
{
	memset(rep, 0, sizeof *rep);
	(void)curl_easy_setopt(h, CURLOPT_URL, url);
	hb_curl_defaults(h);
	(void)curl_easy_setopt(h, CURLOPT_POST, 1L);
	(void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	(void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)flen);
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	(void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_collect);
	(void)curl_easy_setopt(h, CURLOPT_WRITEDATA, rep);
	(void)curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent);
}

void
hb_publish_id_clean(struct hb_publish_reply *rep)
{
	size_t i, o = 0;

	rep->buf[rep->len] = '\0';
	rep->len = strcspn(rep->buf, "\r\n");
	while (rep->len > 0 && rep->buf[rep->len - 1] == ' ')
		rep->len--;
	for (i = 0; i < rep->len; i++)
		if ((unsigned char)rep->buf[i] >= 0x20 && rep->buf[i] != 0x7f)
			rep->buf[o++] = rep->buf[i];
	rep->len = o;
	rep->buf[o] = '\0';
}
