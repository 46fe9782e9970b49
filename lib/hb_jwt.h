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
 * Returns a malloc'ed compact JWS with the claims
 *   {"exp": now + ttl, "mercure": {"<claim>": ["<topic>"]}}
 * claim is "publish" or "subscribe".  key is the HMAC secret, or the PEM
 * private key for the asymmetric algorithms.  NULL and a reason in err on
 * failure (the reason never contains the key).
 */
char *hb_jwt_mint(const char *alg, const char *key, const char *claim,
    const char *topic, long ttl, time_t now, char *err, size_t errlen);

/*
 * The same token, minted fresh, as its "Authorization: Bearer ..." header
 * line (hb_bearer_header()): what every publisher and the report sender
 * present.  Release it with hb_bearer_free(); NULL and a reason in err on
 * failure.
 */
char *hb_jwt_bearer(const char *alg, const char *key, const char *claim,
    const char *topic, long ttl, time_t now, char *err, size_t errlen);

#endif /* HB_JWT_H */
