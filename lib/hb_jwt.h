/*
 * hb_jwt: mint the short-lived Mercure tokens the VMOD (publisher) and the
 * helper (subscriber) present to the hub, so that no long-lived token has
 * to be handed out: each holds only the key and grants itself exactly one
 * topic for a short time.
 */

#ifndef HB_JWT_H
#define HB_JWT_H

#include <stddef.h>
#include <time.h>

/* Shortest HMAC key not warned about: RFC 7518 3.2 wants a key at least
 * as long as the hash (32 bytes for HS256); a shorter one can be guessed
 * offline from any token it signed. */
#define HB_HMAC_KEY_MIN		32

/* 0 when alg is a JWS algorithm libjwt signs with (HS256 ... EdDSA). */
int hb_jwt_alg_valid(const char *alg);

/*
 * The Mercure protocols a token can be minted for.  0: the 0.x hubs
 * (draft-07 and before: the "mercure" claim); 1: Mercure 1.0 (draft-08:
 * an RFC 9068 access token, "typ": "at+jwt", with iss, aud, exp and
 * authorization_details); AUTO: both claim sets in one at+jwt token.
 * Measured on the 0.14.10, 0.24.2 and 1.0.0-alpha.3 hubs: each takes the
 * AUTO token and checks only its own claims, so one request serves a hub
 * of either generation and nothing is sent twice while finding out.
 */
enum hb_protocol {
	HB_PROTOCOL_0 = 0,
	HB_PROTOCOL_1 = 1,
	HB_PROTOCOL_AUTO = 2,
};

/* "0", "1" or "auto" (the setting's text); -1 for anything else. */
int hb_protocol_parse(const char *text, enum hb_protocol *out);
const char *hb_protocol_name(enum hb_protocol);

/* Mercure 1.0's ISSUER when the hub sets none: what a token's iss must
 * say to a hub left at its defaults. */
#define HB_JWT_ISSUER_DEFAULT	"https://localhost"

/* What a token grants, and to whom it is addressed. */
struct hb_grant {
	const char		*alg;
	const char		*key;
	const char		*action;	/* "publish" or "subscribe" */
	const char		*topic;
	enum hb_protocol	protocol;
	const char		*issuer;	/* 1, AUTO: the iss claim */
	/* 1, AUTO: the aud claim, each hub's URL: one string, or an
	 * array when the token serves several hubs. */
	const char * const	*audience;
	unsigned		naudience;
	long			ttl;
};

/*
 * 1 when tokens for Mercure 1.0 can be signed with alg: always for HS256,
 * else only with libjwt 1.12 or later (before, it writes typ JWT).  AUTO
 * then mints the 0.x token alone, as before 1.0 existed; 1 fails.
 */
int hb_jwt_v1_capable(const char *alg);

/*
 * A malloc'ed compact JWS granting g->action on g->topic until now +
 * g->ttl, for g->protocol.  NULL and a reason in err on failure (never
 * the key).  Protocol 1 and AUTO need an issuer and an audience.
 */
char *hb_jwt_mint_grant(const struct hb_grant *g, time_t now, char *err,
    size_t errlen);

/*
 * Returns a malloc'ed compact JWS with the claims
 *   {"exp": now + ttl, "mercure": {"<claim>": ["<topic>"]}}
 * claim is "publish" or "subscribe".  key is the HMAC secret, or the PEM
 * private key for the asymmetric algorithms.  NULL and a reason in err on
 * failure (the reason never contains the key).  The 0.x token of
 * hb_jwt_mint_grant().
 */
char *hb_jwt_mint(const char *alg, const char *key, const char *claim,
    const char *topic, long ttl, time_t now, char *err, size_t errlen);

/*
 * The token of g, minted fresh, as its "Authorization: Bearer ..." header
 * line (hb_bearer_header()): what every publisher and the report sender
 * present.  Release it with hb_bearer_free(); NULL and a reason in err on
 * failure.
 */
char *hb_jwt_bearer_grant(const struct hb_grant *g, time_t now, char *err,
    size_t errlen);

#endif /* HB_JWT_H */
