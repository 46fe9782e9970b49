/*
 * hb_http: pieces of HTTP syntax the VMOD and the helper both write or
 * read, each in one place.
 */

#ifndef HB_HTTP_H
#define HB_HTTP_H

#include <stddef.h>

/*
 * Comma lists, the one rule of the project (RFC 9110 5.6.1): elements are
 * separated by ',', spaces and tabs around an element are not part of it,
 * empty elements are skipped.  "a, b ,,c" is a, b, c; "a b" is one
 * element.  Case is kept: callers compare as they need.
 *
 * hb_list_next() scans [*p, end): 1 with the next element in [*elem,
 * *elem + *len) and *p moved past it, or 0 when none is left.
 */
int hb_list_next(const char **p, const char *end, const char **elem,
    size_t *len);
/* [b, e) lists tok exactly (case-sensitive). */
int hb_list_has(const char *b, const char *e, const char *tok);

/*
 * "Authorization: Bearer <token>", malloc'ed, as curl_slist_append()
 * takes it; NULL when out of memory.  It holds a credential: release it
 * with hb_bearer_free(), which wipes it first (a bare token too).
 */
char *hb_bearer_header(const char *token);
void hb_bearer_free(char *line);

/*
 * What a hub's 401 or 403 means, for a log line ("" for another status):
 * Mercure answers 401 to a token it refuses (bad signature, expired, or
 * for 1.0 another issuer or audience) and 1.0 answers 403 to a valid
 * token without the grant (0.x hubs answer 401 to that too).
 */
const char *hb_hub_auth_why(long status);

#endif /* HB_HTTP_H */
