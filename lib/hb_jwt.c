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

#include "hb_base64.h"
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_sha256.h"

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

int
hb_protocol_parse(const char *text, enum hb_protocol *out)
{

	if (text == NULL)
		return (-1);
	if (!strcmp(text, "0"))
		*out = HB_PROTOCOL_0;
	else if (!strcmp(text, "1"))
		*out = HB_PROTOCOL_1;
	else if (!strcmp(text, "auto"))
		*out = HB_PROTOCOL_AUTO;
	else
		return (-1);
	return (0);
}

const char *
hb_protocol_name(enum hb_protocol p)
{

	switch (p) {
	case HB_PROTOCOL_0:
		return ("0");
	case HB_PROTOCOL_1:
		return ("1");
	case HB_PROTOCOL_AUTO:
		return ("auto");
	}
	return ("?");
}

/* An issuer and at least one audience, none empty. */
static int
grant_addressed(const struct hb_grant *g)
{
	unsigned u;

	if (g->issuer == NULL || *g->issuer == '\0' || g->naudience == 0)
		return (0);
	for (u = 0; u < g->naudience; u++)
		if (g->audience[u] == NULL || *g->audience[u] == '\0')
			return (0);
	return (1);
}

/* The claims of g, without exp; NULL when out of memory. */
static json_t *
grant_claims(const struct hb_grant *g, time_t now)
{
	json_t *c, *detail, *aud;
	unsigned u;

	c = json_object();
	if (c == NULL)
		return (NULL);
	if (g->protocol != HB_PROTOCOL_1 && json_object_set_new(c, "mercure",
	    json_pack("{s:[s]}", g->action, g->topic)) != 0)
		goto fail;
	if (g->protocol == HB_PROTOCOL_0)
		return (c);
	/* Mercure 1.0: an access token (RFC 9068) for this hub only, with
	 * one authorization detail (RFC 9396) naming the action and the
	 * topic; a hub checks iss and aud against its own. */
	detail = json_pack("[{s:s,s:[s],s:[{s:s}]}]",
	    "type", "https://mercure.rocks/authorization-detail",
	    "actions", g->action, "topics", "match", g->topic);
	if (g->naudience == 1) {
		aud = json_string(g->audience[0]);
	} else {
		aud = json_array();
		for (u = 0; aud != NULL && u < g->naudience; u++)
			if (json_array_append_new(aud,
			    json_string(g->audience[u])) != 0)
				json_decref(aud), aud = NULL;
	}
	if (json_object_set_new(c, "authorization_details", detail) != 0 ||
	    json_object_set_new(c, "iss", json_string(g->issuer)) != 0 ||
	    json_object_set_new(c, "aud", aud) != 0 ||
	    json_object_set_new(c, "iat", json_integer(now)) != 0)
		goto fail;
	return (c);
  fail:
	json_decref(c);
	return (NULL);
}

int
hb_jwt_v1_capable(const char *alg)
{

#ifdef HAVE_JWT_OWN_TYP
	(void)alg;
	return (1);
#else
	return (alg != NULL && !strcmp(alg, "HS256"));
#endif
}

/* src as base64url without padding (RFC 7515 2) into dst, which holds
 * hb_base64_encoded_len(len) + 1 bytes. */
static void
b64url(const void *src, size_t len, char *dst)
{
	char *p;

	hb_base64_encode(src, len, dst);
	for (p = dst; *p != '\0' && *p != '='; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	*p = '\0';
}

/*
 * The compact JWS of claims with the header {"alg":"HS256","typ":typ},
 * signed by lib/hb_sha256.c: the libjwt of Debian 12 (1.10) replaces any
 * typ with "JWT", and a Mercure 1.0 hub refuses an access token that does
 * not say "at+jwt".  HS256 is what a hub's JWT_KEY means; the other
 * algorithms go through libjwt, from 1.12 on.
 */
static char *
jws_hs256(const char *typ, const char *claims, const char *key)
{
	unsigned char mac[HB_SHA256_LEN];
	char *head, *out;
	size_t hlen, clen, len;
	int n;

	n = asprintf(&head, "{\"alg\":\"HS256\",\"typ\":\"%s\"}", typ);
	if (n < 0)
		return (NULL);
	hlen = hb_base64_encoded_len((size_t)n);
	clen = hb_base64_encoded_len(strlen(claims));
	len = hlen + 1 + clen + 1 + hb_base64_encoded_len(sizeof mac) + 1;
	out = malloc(len);
	if (out == NULL) {
		free(head);
		return (NULL);
	}
	b64url(head, (size_t)n, out);
	free(head);
	len = strlen(out);
	out[len++] = '.';
	b64url(claims, strlen(claims), out + len);
	len += strlen(out + len);
	hb_hmac_sha256(key, strlen(key), out, len, mac);
	out[len++] = '.';
	b64url(mac, sizeof mac, out + len);
	return (out);
}

char *
hb_jwt_mint_grant(const struct hb_grant *g, time_t now, char *err,
    size_t errlen)
{
	struct hb_grant g0;
	jwt_t *jwt = NULL;
	json_t *grants = NULL;
	char *claims = NULL, *out = NULL;
	int e;

	if (hb_jwt_alg_valid(g->alg) != 0) {
		snprintf(err, errlen, "unknown JWT algorithm \"%.16s\"",
		    g->alg != NULL ? g->alg : "");
		return (NULL);
	}
	if (g->protocol != HB_PROTOCOL_0 && !grant_addressed(g)) {
		snprintf(err, errlen, "a Mercure 1.0 token needs an issuer "
		    "and an audience");
		return (NULL);
	}
	if (g->protocol == HB_PROTOCOL_AUTO && !hb_jwt_v1_capable(g->alg)) {
		/* As before 1.0 existed: what a 0.x hub takes. */
		g0 = *g;
		g0.protocol = HB_PROTOCOL_0;
		g = &g0;
	}
	grants = grant_claims(g, now);
	if (grants != NULL && json_object_set_new(grants, "exp",
	    json_integer((json_int_t)now + g->ttl)) == 0)
		claims = json_dumps(grants, JSON_COMPACT | JSON_SORT_KEYS);
	if (claims == NULL) {
		snprintf(err, errlen, "cannot build JWT claims");
		goto done;
	}
	if (g->protocol != HB_PROTOCOL_0 && !strcmp(g->alg, "HS256")) {
		out = jws_hs256("at+jwt", claims, g->key);
		if (out == NULL)
			snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (g->protocol == HB_PROTOCOL_1 && !hb_jwt_v1_capable(g->alg)) {
		snprintf(err, errlen, "a Mercure 1.0 token signed with %s "
		    "needs libjwt 1.12 or later (this one cannot write "
		    "typ at+jwt): use HS256 or a static token", g->alg);
		goto done;
	}
	e = jwt_new(&jwt);
	if (e != 0) {
		snprintf(err, errlen, "jwt_new: %s", strerror(e));
		goto done;
	}
	e = jwt_set_alg(jwt, jwt_str_alg(g->alg),
	    (const unsigned char *)g->key, (int)strlen(g->key));
	if (e != 0) {
		snprintf(err, errlen, "JWT key rejected for %s: %s", g->alg,
		    strerror(e));
		goto done;
	}
	/* libjwt writes "typ": "JWT" unless the header already has one. */
	if ((g->protocol != HB_PROTOCOL_0 &&
	    jwt_add_header(jwt, "typ", "at+jwt") != 0) ||
	    jwt_add_grants_json(jwt, claims) != 0) {
		snprintf(err, errlen, "cannot add JWT claims");
		goto done;
	}
	out = jwt_encode_str(jwt);
	if (out == NULL)
		snprintf(err, errlen, "cannot sign JWT with %s (bad key?)",
		    g->alg);
  done:
	jwt_free(jwt);
	free(claims);
	json_decref(grants);
	return (out);
}

char *
hb_jwt_mint(const char *alg, const char *key, const char *claim,
    const char *topic, long ttl, time_t now, char *err, size_t errlen)
{
	struct hb_grant g = {
		.alg = alg,
		.key = key,
		.action = claim,
		.topic = topic,
		.protocol = HB_PROTOCOL_0,
		.ttl = ttl,
	};

	return (hb_jwt_mint_grant(&g, now, err, errlen));
}

char *
hb_jwt_bearer_grant(const struct hb_grant *g, time_t now, char *err,
    size_t errlen)
{
	char *tok, *line;

	tok = hb_jwt_mint_grant(g, now, err, errlen);
	if (tok == NULL)
		return (NULL);
	line = hb_bearer_header(tok);
	if (line == NULL)
		snprintf(err, errlen, "out of memory");
	hb_bearer_free(tok);	/* a credential: wiped */
	return (line);
}
