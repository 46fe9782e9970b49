/* Unit tests of JWT minting: the claims a Mercure hub checks, verified
 * with the key; bad algorithms and keys refused. */

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jwt.h>

#include "hb_base64.h"
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_sha256.h"
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

/* base64url (no padding) of len bytes at src, decoded into a new string. */
static char *
unb64url(const char *src, size_t len)
{
	char *std, *out;
	size_t i, n;

	std = calloc(1, len + 4);
	out = calloc(1, len + 4);
	if (std == NULL || out == NULL)
		abort();
	for (i = 0; i < len; i++)
		std[i] = src[i] == '-' ? '+' : src[i] == '_' ? '/' : src[i];
	while (i % 4 != 0)
		std[i++] = '=';
	n = hb_base64_decode(std, i, (unsigned char *)out);
	free(std);
	if (n == (size_t)-1) {
		free(out);
		return (NULL);
	}
	out[n] = '\0';
	return (out);
}

/*
 * The claims of an HS256 tok whose signature key verifies, else NULL; *head
 * gets its header (free both).  Checked here rather than with libjwt: the
 * libjwt of Debian 12 refuses to decode any typ but "JWT".
 */
static char *
claims_of(const char *tok, const char *key, char **head)
{
	unsigned char mac[HB_SHA256_LEN];
	const char *d1, *d2;
	char *sig, *c;

	*head = NULL;
	d1 = strchr(tok, '.');
	d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
	if (d2 == NULL)
		return (NULL);
	hb_hmac_sha256(key, strlen(key), tok, (size_t)(d2 - tok), mac);
	sig = unb64url(d2 + 1, strlen(d2 + 1));
	if (sig == NULL || strlen(d2 + 1) != 43 ||
	    !hb_equal_ct(sig, mac, sizeof mac)) {
		free(sig);
		return (NULL);
	}
	free(sig);
	*head = unb64url(tok, (size_t)(d1 - tok));
	c = unb64url(d1 + 1, (size_t)(d2 - d1 - 1));
	return (c);
}

/* Mercure 1.0 (draft-08) access tokens, and the AUTO token that carries
 * both generations' claims. */
static void
test_mint_protocols(void)
{
	const char *key = "!ChangeThisMercureHubJWTSecretKey!";
	const char *aud[2] = { "http://hub:3000/.well-known/mercure",
	    "https://hub-b/.well-known/mercure" };
	struct hb_grant g = {
		.alg = "HS256",
		.key = key,
		.action = "subscribe",
		.topic = "http-broadcast",
		.protocol = HB_PROTOCOL_1,
		.issuer = HB_JWT_ISSUER_DEFAULT,
		.audience = aud,
		.naudience = 1,
		.ttl = 600,
	};
	char err[256], *tok, *c, *typ;
	enum hb_protocol p;

	tok = hb_jwt_mint_grant(&g, 1000, err, sizeof err);
	CHECK(tok != NULL);
	c = claims_of(tok, key, &typ);
	CHECK_STR(typ, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}");
	CHECK_STR(c, "{\"aud\":\"http://hub:3000/.well-known/mercure\","
	    "\"authorization_details\":[{\"actions\":[\"subscribe\"],"
	    "\"topics\":[{\"match\":\"http-broadcast\"}],"
	    "\"type\":\"https://mercure.rocks/authorization-detail\"}],"
	    "\"exp\":1600,\"iat\":1000,\"iss\":\"https://localhost\"}");
	free(c);
	free(typ);
	free(tok);

	g.protocol = HB_PROTOCOL_AUTO;
	g.action = "publish";
	g.naudience = 2;
	tok = hb_jwt_mint_grant(&g, 1000, err, sizeof err);
	CHECK(tok != NULL);
	c = claims_of(tok, key, &typ);
	/* A token for two hubs names both (a 1.0 hub looks for itself). */
	CHECK(c != NULL && strstr(c, "\"aud\":[\"http://hub:3000/.well-known/"
	    "mercure\",\"https://hub-b/.well-known/mercure\"]") != NULL);
	CHECK_STR(typ, "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}");
	CHECK(c != NULL && strstr(c, "\"mercure\":{\"publish\":"
	    "[\"http-broadcast\"]}") != NULL);
	CHECK(c != NULL && strstr(c, "\"actions\":[\"publish\"]") != NULL);
	CHECK(c != NULL && strstr(c, "\"iss\":\"https://localhost\"") != NULL);
	free(c);
	free(typ);
	free(tok);

	g.protocol = HB_PROTOCOL_0;
	tok = hb_jwt_mint_grant(&g, 1000, err, sizeof err);
	c = claims_of(tok, key, &typ);
	CHECK_STR(typ, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
	CHECK_STR(c, "{\"exp\":1600,\"mercure\":{\"publish\":"
	    "[\"http-broadcast\"]}}");
	free(c);
	free(typ);
	free(tok);

	/* Another algorithm: by libjwt, when it can write typ at+jwt. */
	g.alg = "HS512";
	g.protocol = HB_PROTOCOL_1;
	tok = hb_jwt_mint_grant(&g, 1000, err, sizeof err);
#ifdef HAVE_JWT_OWN_TYP
	CHECK(tok != NULL);
	c = tok != NULL ? unb64url(tok, strcspn(tok, ".")) : NULL;
	CHECK(c != NULL && strstr(c, "\"typ\":\"at+jwt\"") != NULL);
	free(c);
#else
	CHECK(tok == NULL);
	CHECK(strstr(err, "needs libjwt 1.12") != NULL);
	CHECK(!hb_jwt_v1_capable("HS512"));
	/* auto: the 0.x token alone, which the 0.x hubs take as before. */
	g.protocol = HB_PROTOCOL_AUTO;
	tok = hb_jwt_mint_grant(&g, 1000, err, sizeof err);
	CHECK(tok != NULL);
	c = tok != NULL ? unb64url(tok, strcspn(tok, ".")) : NULL;
	CHECK(c != NULL && strstr(c, "\"typ\":\"JWT\"") != NULL);
	free(c);
#endif
	CHECK(hb_jwt_v1_capable("HS256"));
	free(tok);
	g.alg = "HS256";

	/* 1.0 hubs refuse a token without iss or aud: not minted. */
	g.protocol = HB_PROTOCOL_1;
	aud[1] = "";
	CHECK(hb_jwt_mint_grant(&g, 1000, err, sizeof err) == NULL);
	CHECK(strstr(err, "audience") != NULL);

	CHECK(hb_protocol_parse("auto", &p) == 0 && p == HB_PROTOCOL_AUTO);
	CHECK(hb_protocol_parse("1", &p) == 0 && p == HB_PROTOCOL_1);
	CHECK(hb_protocol_parse("0", &p) == 0 && p == HB_PROTOCOL_0);
	CHECK(hb_protocol_parse("2", &p) != 0);
	CHECK(hb_protocol_parse("", &p) != 0);
	CHECK_STR(hb_protocol_name(HB_PROTOCOL_AUTO), "auto");
}

/* The bearer line carries the token hb_jwt_mint_grant() makes. */
static void
test_bearer(void)
{
	const char *key = "!ChangeThisMercureHubJWTSecretKey!";
	struct hb_grant g = {
		.alg = "HS256",
		.key = key,
		.action = "publish",
		.topic = "t",
		.protocol = HB_PROTOCOL_0,
		.ttl = 60,
	};
	char err[256], *tok, *line, *want;
	time_t now = time(NULL);

	tok = hb_jwt_mint_grant(&g, now, err, sizeof err);
	line = hb_jwt_bearer_grant(&g, now, err, sizeof err);
	CHECK(tok != NULL && line != NULL);
	want = tok != NULL ? hb_bearer_header(tok) : NULL;
	CHECK(want != NULL);
	if (line != NULL && want != NULL)
		CHECK_STR(line, want);
	hb_bearer_free(want);
	hb_bearer_free(line);
	hb_bearer_free(tok);
	g.alg = "XX1";
	CHECK(hb_jwt_bearer_grant(&g, 0, err, sizeof err) == NULL);
}

int
main(void)
{
	test_mint_verify();
	test_mint_protocols();
	test_errors();
	test_bearer();
	return (TEST_DONE());
}
