/*
 * reportmsg: a received report, checked.  See reportmsg.h.
 */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hb_url.h"
#include "eventid.h"
#include "node.h"
#include "reportmsg.h"


const char * const reportmsg_why[REPORT_WHY_N] = { "status", "dropped",
	"refused" };

static int
text_ok(const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return (0);
	return (i > 0 && i <= max);
}

/* The members a report must have, with their JSON types. */
enum { F_NODE, F_BOOT, F_SEQ, F_TIME, F_INTERVAL, F_IDLE, F_SUBSCRIBED,
	F_BACKLOG, F_LAG, F_APPLIED, F_FAILED, F_MORE, F_TOTALS, F_N };
static const struct member {
	const char	*name;
	json_type	type;		/* JSON_TRUE: a boolean */
} report_members[F_N] = {
	{ "Node", JSON_STRING }, { "Boot", JSON_STRING },
	{ "Seq", JSON_INTEGER }, { "Time", JSON_INTEGER },
	{ "Interval", JSON_INTEGER }, { "Idle", JSON_INTEGER },
	{ "Subscribed", JSON_TRUE }, { "Backlog", JSON_INTEGER },
	{ "LagMs", JSON_INTEGER }, { "Applied", JSON_ARRAY },
	{ "Failed", JSON_ARRAY }, { "More", JSON_TRUE },
	{ "Totals", JSON_OBJECT },
}, totals_members[4] = {
	{ "Applied", JSON_INTEGER }, { "Failed", JSON_INTEGER },
	{ "Dropped", JSON_INTEGER }, { "Refused", JSON_INTEGER },
}, entry_members[4] = {
	{ "ID", JSON_STRING }, { "Code", JSON_INTEGER },
	{ "Time", JSON_INTEGER }, { "Why", JSON_STRING },
};

/* Get n members of object o into v[]: NULL, or why not (named after
 * where, e.g. "Applied[3]."). */
static const char *
members(json_t *o, const struct member *m, size_t n, json_t **v,
    const char *where, char *why, size_t len)
{
	static const char * const types[] = {
		[JSON_OBJECT] = "an object", [JSON_ARRAY] = "an array",
		[JSON_STRING] = "a string", [JSON_INTEGER] = "an integer",
		[JSON_TRUE] = "true or false",
	};
	size_t i;
	int ok;

	if (!json_is_object(o)) {
		snprintf(why, len, "%.40s is not an object", where);
		return (why);
	}
	for (i = 0; i < n; i++) {
		v[i] = json_object_get(o, m[i].name);
		ok = v[i] != NULL && (m[i].type == JSON_TRUE ?
		    json_is_boolean(v[i]) : json_typeof(v[i]) == m[i].type);
		if (ok)
			continue;
		snprintf(why, len, "%s%s %s%s", where, m[i].name,
		    v[i] == NULL ? "is missing" : "is not ",
		    v[i] == NULL ? "" : types[m[i].type]);
		return (why);
	}
	return (NULL);
}

/* One entry of Applied (k 0) or Failed (k 1): NULL, or why it is bad. */
static const char *
entry_check(json_t *e, int k, const char *where, char *why, size_t len)
{
	json_t *v[4];
	json_int_t code;
	const char *bad;
	int i;

	bad = members(e, entry_members, k == 0 ? 3 : 4, v, where, why, len);
	if (bad != NULL)
		return (bad);
	/* An ID that is not an event id costs that entry only
	 * (reportmsg_entry): the report's other results still count. */
	code = json_integer_value(v[1]);
	if (code < 0 || code > 999)
		bad = "Code is not an HTTP status or 0";
	else if (json_integer_value(v[2]) < 0)
		bad = "Time is negative";
	for (i = 0; bad == NULL && k == 1 && i < REPORT_WHY_N; i++)
		if (strcmp(json_string_value(v[3]), reportmsg_why[i]) == 0)
			break;
	if (bad == NULL && k == 1 && i == REPORT_WHY_N)
		bad = "Why is not status, dropped or refused";
	if (bad != NULL)
		snprintf(why, len, "%s%s", where, bad);
	return (bad != NULL ? why : NULL);
}

/* Check everything before anything is used: NULL, or why it is bad. */
static const char *
check(struct report_msg *r, const char *data, size_t len, char *why,
    size_t wlen)
{
	static const char * const lists[2] = { "Applied", "Failed" };
	json_error_t je;
	json_t *root, *v[F_N], *t[4], *e;
	const char *bad;
	char where[32];
	size_t i, n;
	int k;

	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	r->root = root;
	if (root == NULL) {
		snprintf(why, wlen, "not JSON: %s (column %d)", je.text,
		    je.column);
		return (why);
	}
	/* For the log line, whatever else is wrong. */
	r->node = json_string_value(json_object_get(root, "Node"));
	e = json_object_get(root, "Version");
	if (!json_is_integer(e) || json_integer_value(e) != 1)
		return ("Version is not 1");
	if ((bad = members(root, report_members, F_N, v, "", why,
	    wlen)) != NULL ||
	    (bad = members(v[F_TOTALS], totals_members, 4, t, "Totals.", why,
	    wlen)) != NULL)
		return (bad);
	r->node = json_string_value(v[F_NODE]);
	r->boot = json_string_value(v[F_BOOT]);
	r->seq = json_integer_value(v[F_SEQ]);
	r->time = json_integer_value(v[F_TIME]);
	r->interval = json_integer_value(v[F_INTERVAL]);
	r->idle = json_integer_value(v[F_IDLE]);
	r->subscribed = json_is_true(v[F_SUBSCRIBED]);
	r->backlog = json_integer_value(v[F_BACKLOG]);
	r->lag = json_integer_value(v[F_LAG]);
	r->more = json_is_true(v[F_MORE]);
	r->lists[0] = v[F_APPLIED];
	r->lists[1] = v[F_FAILED];
	r->n[0] = json_array_size(v[F_APPLIED]);
	r->n[1] = json_array_size(v[F_FAILED]);
	for (k = 0; k < 4; k++)
		r->totals[k] = json_integer_value(t[k]);
	if (!node_name_valid(r->node))
		return ("Node is not a node name (1 to 128 of A-Z a-z 0-9 "
		    ". _ : @ -)");
	if (!text_ok(r->boot, REPORT_BOOT_MAX))
		return ("Boot is empty, longer than 128 bytes or has a "
		    "control byte");
	if (r->seq < 0 || r->time < 0 || r->backlog < 0 || r->lag < 0 ||
	    r->totals[0] < 0 || r->totals[1] < 0 || r->totals[2] < 0 ||
	    r->totals[3] < 0)
		return ("a count or time is negative");
	if (r->interval < 1 || r->idle < REPORT_IDLE_MIN_MS ||
	    r->idle > REPORT_IDLE_MAX_MS)
		return ("Interval or Idle out of bounds (Idle from 100ms to "
		    "1 day)");
	n = r->n[0] + r->n[1];
	if (n > REPORT_MAX_ENTRIES) {
		snprintf(why, wlen, "%zu entries in Applied and Failed, more "
		    "than %d", n, REPORT_MAX_ENTRIES);
		return (why);
	}
	for (k = 0; k < 2; k++) {
		json_array_foreach(v[F_APPLIED + k], i, e) {
			snprintf(where, sizeof where, "%s[%zu].", lists[k], i);
			bad = entry_check(e, k, where, why, wlen);
			if (bad != NULL)
				return (bad);
		}
	}
	return (NULL);
}

int
reportmsg_parse(struct report_msg *r, const char *data, size_t len,
    char *why, size_t wlen)
{
	const char *bad;

	memset(r, 0, sizeof *r);
	bad = check(r, data, len, why, wlen);
	if (bad == NULL)
		return (0);
	if (bad != why)
		snprintf(why, wlen, "%s", bad);
	/* The name only when it is one: a log line is no place for what a
	 * report says otherwise. */
	if (r->node != NULL && !node_name_valid(r->node))
		r->node = NULL;
	return (-1);
}

void
reportmsg_entry(const struct report_msg *r, int k, size_t i,
    struct report_entry *e)
{
	json_t *v = json_array_get(r->lists[k], i);
	const char *w;
	int j;

	memset(e, 0, sizeof *e);
	e->id = json_string_value(json_object_get(v, "ID"));
	if (e->id != NULL && eventid_check(e->id) != NULL)
		e->id = NULL;
	e->code = json_integer_value(json_object_get(v, "Code"));
	e->time = json_integer_value(json_object_get(v, "Time"));
	w = json_string_value(json_object_get(v, "Why"));
	for (j = 0; k == 1 && w != NULL && j < REPORT_WHY_N; j++)
		if (strcmp(w, reportmsg_why[j]) == 0)
			e->why = (enum report_why)j;
}

void
reportmsg_free(struct report_msg *r)
{
	json_decref(r->root);
	r->root = NULL;
}
