/*
 * hb_jwt: Mercure token minting with libjwt.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

#include "hb_http.h"
#include "hb_jwt.h"

int
hb_jwt_alg_valid(const char *alg)
{
	jwt_alg_t a;

	if (alg == NULL)
		return (-1);
	a = jwt_str_alg(alg);
	if (a == JWT_ALG_NONE || a == JWT_ALG_INVAL)
		return (-1);
	return (0);
}

char *
hb_jwt_mint(const char *alg, const char *key, const char *claim,
    const char *topic, long ttl, time_t now, char *err, size_t errlen)
{
	jwt_t *jwt = NULL;
	json_t *grants = NULL;
	char *claims = NULL, *out = NULL;
	int e;

	if (hb_jwt_alg_valid(alg) != 0) {
		snprintf(err, errlen, "unknown JWT algorithm \"%.16s\"",
		    alg != NULL ? alg : "");
		return (NULL);
	}
	grants = json_pack("{s:{s:[s]}}", "mercure", claim, topic);
	if (grants != NULL)
		claims = json_dumps(grants, JSON_COMPACT);
	if (claims == NULL) {
		snprintf(err, errlen, "cannot build JWT claims");
		goto done;
	}
	e = jwt_new(&jwt);
	if (e != 0) {
		snprintf(err, errlen, "jwt_new: %s", strerror(e));
		goto done;
	}
	e = jwt_set_alg(jwt, jwt_str_alg(alg), (const unsigned char *)key,
	    (int)strlen(key));
	if (e != 0) {
		snprintf(err, errlen, "JWT key rejected for %s: %s", alg,
		    strerror(e));
		goto done;
	}
	if (jwt_add_grants_json(jwt, claims) != 0 ||
	    jwt_add_grant_int(jwt, "exp", (long)now + ttl) != 0) {
		snprintf(err, errlen, "cannot add JWT claims");
		goto done;
	}
	out = jwt_encode_str(jwt);
	if (out == NULL)
		snprintf(err, errlen, "cannot sign JWT with %s (bad key?)", alg);
  done:
	jwt_free(jwt);
	free(claims);
	json_decref(grants);
	return (out);
}

char *
hb_jwt_bearer(const char *alg, const char *key, const char *claim,
    const char *topic, long ttl, time_t now, char *err, size_t errlen)
{
	char *tok, *line;

	tok = hb_jwt_mint(alg, key, claim, topic, ttl, now, err, errlen);
	if (tok == NULL)
		return (NULL);
	line = hb_bearer_header(tok);
	if (line == NULL)
		snprintf(err, errlen, "out of memory");
	hb_bearer_free(tok);	/* a credential: wiped */
	return (line);
}
