/* Unit tests of JWT minting: the claims a Mercure hub checks, verified
 * with the key; bad algorithms and keys refused. */

#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <jwt.h>

#include "hb_http.h"
#include "hb_jwt.h"
#include "test_check.h"

static void
test_mint_verify(void)
{
	const char *key = "!ChangeThisMercureHubJWTSecretKey!";
	char err[256], *tok, *grants;
	jwt_t *jwt = NULL;
	time_t now = time(NULL);

	tok = hb_jwt_mint("HS256", key, "publish", "http-broadcast", 600, now,
	    err, sizeof err);
	CHECK(tok != NULL);
	CHECK(jwt_decode(&jwt, tok, (const unsigned char *)key,
	    (int)strlen(key)) == 0);
	CHECK(jwt != NULL);
	if (jwt != NULL) {
		CHECK(jwt_get_alg(jwt) == JWT_ALG_HS256);
		CHECK(jwt_get_grant_int(jwt, "exp") == (long)now + 600);
		grants = jwt_get_grants_json(jwt, "mercure");
		CHECK_STR(grants, "{\"publish\":[\"http-broadcast\"]}");
		free(grants);
		jwt_free(jwt);
	}
	jwt = NULL;
	CHECK(jwt_decode(&jwt, tok, (const unsigned char *)"wrong", 5) != 0);
	jwt_free(jwt);
	free(tok);

	tok = hb_jwt_mint("HS512", key, "subscribe", "t/{id}", 60, now,
	    err, sizeof err);
	CHECK(tok != NULL);
	jwt = NULL;
	CHECK(jwt_decode(&jwt, tok, (const unsigned char *)key,
	    (int)strlen(key)) == 0);
	if (jwt != NULL) {
		grants = jwt_get_grants_json(jwt, "mercure");
		CHECK_STR(grants, "{\"subscribe\":[\"t/{id}\"]}");
		free(grants);
		jwt_free(jwt);
	}
	free(tok);
}

static void
test_errors(void)
{
	char err[256];

	CHECK(hb_jwt_alg_valid("HS256") == 0);
	CHECK(hb_jwt_alg_valid("RS256") == 0);
	CHECK(hb_jwt_alg_valid("none") != 0);
	CHECK(hb_jwt_alg_valid("HS999") != 0);
	CHECK(hb_jwt_mint("XX1", "k", "publish", "t", 60, 0, err,
	    sizeof err) == NULL);
	CHECK(strstr(err, "unknown JWT algorithm") != NULL);
	/* An RSA algorithm with a key that is not a PEM key. */
	CHECK(hb_jwt_mint("RS256", "not-a-pem-secret", "publish", "t", 60, 0,
	    err, sizeof err) == NULL);
	CHECK(strstr(err, "not-a-pem-secret") == NULL);
}

/* The bearer line carries the token hb_jwt_mint() makes. */
static void
test_bearer(void)
{
	const char *key = "!ChangeThisMercureHubJWTSecretKey!";
	char err[256], *tok, *line, *want;
	time_t now = time(NULL);

	tok = hb_jwt_mint("HS256", key, "publish", "t", 60, now, err,
	    sizeof err);
	line = hb_jwt_bearer("HS256", key, "publish", "t", 60, now, err,
	    sizeof err);
	CHECK(tok != NULL && line != NULL);
	want = tok != NULL ? hb_bearer_header(tok) : NULL;
	CHECK(want != NULL);
	if (line != NULL && want != NULL)
		CHECK_STR(line, want);
	hb_bearer_free(want);
	hb_bearer_free(line);
	hb_bearer_free(tok);
	CHECK(hb_jwt_bearer("XX1", "k", "publish", "t", 60, 0, err,
	    sizeof err) == NULL);
}

int
main(void)
{
	test_mint_verify();
	test_errors();
	test_bearer();
	return (TEST_DONE());
}
