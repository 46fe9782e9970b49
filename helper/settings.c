/*
 * settings: settings from the environment and the command line.  See settings.h.
 *
 * tbl/settings.h lists every setting once: its variable name (the long
 * option is derived from it), its default and its help line; the option
 * parser and --help are expanded from it here, and check-docs.sh holds
 * the README, docs/configuration.md and the man page to it.
 */

#include "config.h"

#include <ctype.h>
#include <pwd.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_url.h"
#include "cidr.h"
#include "log.h"
#include "reports/reportkey.h"
#include "reports/reportmsg.h"
#include "settings.h"

enum {
#define HB_SETTING(name, def, help)	S_##name,
#include "tbl/settings.h"
#undef HB_SETTING
	S_COUNT
};

static const struct setting {
	const char	*name;
	const char	*def;		/* NULL: no default */
	const char	*help;
} settings[S_COUNT] = {
#define HB_SETTING(name, def, help)	{ #name, def, help },
#include "tbl/settings.h"
#undef HB_SETTING
};

#define DEFAULT_STATE_DIR	"/var/lib/http-broadcast"
#define DEFAULT_STATE_FILE	DEFAULT_STATE_DIR "/cursor"

#define FAIL(i, ...) do {						\
	int n_ = snprintf(err, errlen, "%s: ", settings[i].name);	\
	if (n_ > 0 && (size_t)n_ < errlen)				\
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);	\
	return (2);							\
} while (0)

/*--------------------------------------------------------------------
 * Secrets
 *
 * Each secret setting may also be given as NAME_FILE (--name-file): the
 * path of a file holding it, read at start, so that it is neither in the
 * environment of the process nor on its command line.  One given as an
 * option is readable by every user of the host in /proc/PID/cmdline: it
 * is warned about, and wiped from there once read (ps may still have
 * caught it).  HUB_SUBSCRIBE_TOKEN has its own _FILE setting, re-read at
 * each connection.
 */

static const int secrets[] = {
	S_HUB_TOKEN, S_HUB_JWT_KEY, S_HUB_PUBLISH_TOKEN, S_HUB_PUBLISH_JWT_KEY,
	S_REPORT_TOKEN, S_REPORT_JWT_KEY,
};
#define NSECRETS	(sizeof secrets / sizeof secrets[0])
/* A key in PEM is a few kB; a token under 8 kB fits a header. */
#define SECRET_FILE_MAX	65536

/* What settings_load() must undo or tell, whatever its outcome. */
struct load_ctx {
	char		*from_file[NSECRETS];	/* contents read */
	char		*in_argv[NSECRETS];	/* values on the command line */
};

static int
secret_index(int s)
{
	size_t k;

	for (k = 0; k < NSECRETS; k++)
		if (secrets[k] == s)
			return ((int)k);
	return (-1);
}

/* Append name to the comma list *l (NULL: empty); -1: no memory. */
static int
list_add(char **l, const char *name)
{
	size_t o = *l != NULL ? strlen(*l) : 0, n = strlen(name);
	char *nl = realloc(*l, o + n + 3);

	if (nl == NULL)
		return (-1);
	if (o > 0) {
		nl[o++] = ',';
		nl[o++] = ' ';
	}
	memcpy(nl + o, name, n + 1);
	*l = nl;
	return (0);
}

/* The secret in file path (setting name fname), trailing newlines off. */
static char *
secret_read(const char *fname, const char *path, int *shared, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot read %.200s: %s", fname,
		    path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return (NULL);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > SECRET_FILE_MAX) {
		snprintf(err, errlen, "%s: %.200s is %s", fname, path,
		    S_ISREG(st.st_mode) ? "larger than 64 kB" :
		    "not a regular file");
		close(fd);
		return (NULL);
	}
	*shared = (st.st_mode & S_IROTH) != 0;
	buf = malloc((size_t)st.st_size + 1);
	while (buf != NULL && len < (size_t)st.st_size) {
		n = read(fd, buf + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", fname);
		return (NULL);
	}
	buf[len] = '\0';
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (len == 0 || strlen(buf) != len) {
		snprintf(err, errlen, "%s: %.200s is %s", fname, path,
		    len == 0 ? "empty" : "binary (it holds a NUL byte)");
		free(buf);
		return (NULL);
	}
	return (buf);
}

/* Each NAME_FILE into val[NAME]: 0, or 2 with err set. */
static int
secrets_from_files(struct settings *cfg, struct load_ctx *lc,
    const char **val, const char * const *fval, char *err, size_t errlen)
{
	char fname[64];
	size_t k;
	int s, shared;

	for (k = 0; k < NSECRETS; k++) {
		if (fval[k] == NULL || *fval[k] == '\0')
			continue;
		s = secrets[k];
		snprintf(fname, sizeof fname, "%s_FILE", settings[s].name);
		if (val[s] != NULL && *val[s] != '\0') {
			snprintf(err, errlen, "%s: cannot be combined with %s "
			    "(one place for a secret)", fname,
			    settings[s].name);
			return (2);
		}
		lc->from_file[k] = secret_read(fname, fval[k], &shared, err,
		    errlen);
		if (lc->from_file[k] == NULL)
			return (2);
		val[s] = lc->from_file[k];
		if (shared && list_add(&cfg->secrets_shared, fname) != 0) {
			snprintf(err, errlen, "%s: out of memory", fname);
			return (2);
		}
	}
	return (0);
}

/* A secret's copy is wiped before its memory goes back to the allocator. */
static void
secret_free(char *v)
{
	if (v != NULL)
		explicit_bzero(v, strlen(v));
	free(v);
}

/* Wipe the secrets read, and those of the command line from /proc. */
static void
secrets_wipe(struct load_ctx *lc)
{
	size_t k;

	for (k = 0; k < NSECRETS; k++) {
		secret_free(lc->from_file[k]);
		if (lc->in_argv[k] != NULL)
			explicit_bzero(lc->in_argv[k], strlen(lc->in_argv[k]));
	}
}

/*--------------------------------------------------------------------
 * Value syntax
 */

int
settings_parse_duration(const char *s, int64_t *ms)
{
	static const struct unit {
		const char	*name;
		double		ms;
	} units[] = {
		{ "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 },
		{ "\xce\xbcs", 1e-3 }, { "ms", 1 }, { "s", 1e3 },
		{ "m", 60e3 }, { "h", 3600e3 }, { NULL, 0 }
	};
	const struct unit *u;
	double total = 0, v;
	char *end;
	size_t l;

	if (*s == '+')
		s++;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return (0);
	}
	if (*s == '\0')
		return (-1);
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return (-1);
		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno != 0)
			return (-1);
		/* strtod also takes exponents and hex: Go does not. */
		for (; s < end; s++)
			if (!isdigit((unsigned char)*s) && *s != '.')
				return (-1);
		for (u = units; u->name != NULL; u++) {
			l = strlen(u->name);
			/* "m" must not eat the "m" of "ms". */
			if (strncmp(s, u->name, l) == 0 &&
			    !(l == 1 && *s == 'm' && s[1] == 's'))
				break;
		}
		if (u->name == NULL)
			return (-1);
		total += v * u->ms;
		s += strlen(u->name);
	}
	if (total > 9.2e15)
		return (-1);
	*ms = (int64_t)(total + 0.5);
	if (*ms == 0 && total > 0)
		*ms = 1;
	return (0);
}

int
settings_parse_size(const char *s, size_t *bytes)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return (-1);
	if (*end == 'k' || *end == 'K') {
		v *= 1024;
		end++;
	} else if (*end == 'M' || *end == 'm') {
		v *= 1024 * 1024;
		end++;
	}
	if ((*end == 'b' || *end == 'B') && end[-1] != 'b')
		end++;
	if (*end != '\0' || v > (1ULL << 30))
		return (-1);
	*bytes = (size_t)v;
	return (0);
}

/*--------------------------------------------------------------------
 * Setting by setting
 */

static int
get_duration(const char *v, int i, int64_t min_ms, int64_t *ms, char *err,
    size_t errlen)
{
	if (settings_parse_duration(v, ms) != 0)
		FAIL(i, "\"%.64s\" is not a duration (e.g. 500ms, 60s, 2m)", v);
	if (*ms < min_ms)
		FAIL(i, "must be at least %lldms", (long long)min_ms);
	return (0);
}

static int
get_number(const char *v, int i, long min, long max, long *n, char *err,
    size_t errlen)
{
	char *end;

	errno = 0;
	*n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || *n < min || *n > max)
		FAIL(i, "\"%.32s\" is not a number from %ld to %ld", v, min,
		    max);
	return (0);
}

/* A comma list (hb_list_next()'s rule) of at least one method. */
static int
get_methods(const char *v, char *err, size_t errlen)
{
	const char *p = v, *m;
	size_t l, n = 0;

	while (hb_list_next(&p, v + strlen(v), &m, &l)) {
		if (memchr(m, ' ', l) != NULL)
			FAIL(S_AGENT_ALLOWED_METHODS, "\"%.*s\" is not a "
			    "method: separate methods with commas", (int)l, m);
		n++;
	}
	if (n == 0)
		FAIL(S_AGENT_ALLOWED_METHODS, "lists no method");
	return (0);
}

/*
 * $XDG_STATE_HOME, else $HOME/.local/state (malloc'ed), or NULL.  Without
 * HOME (env -i, some service managers) the user's home directory comes
 * from the password database, as a login would set it.
 */
static char *
state_home(void)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	const struct passwd *pw;
	char *r;

	if (x != NULL && *x == '/')
		return (strdup(x));
	if ((h == NULL || *h != '/') && (pw = getpwuid(getuid())) != NULL)
		h = pw->pw_dir;
	if (h == NULL || *h != '/' || asprintf(&r, "%s/.local/state", h) < 0)
		return (NULL);
	return (r);
}

static int
get_agent(struct settings *cfg, const char *v, char *err, size_t errlen)
{
	char why[256];

	if (hb_agent_parse(v, &cfg->agent_endpoint, why, sizeof why) != 0)
		FAIL(S_AGENT_ENDPOINT, "%s", why);
	return (0);
}

/* One URL of HUB_ENDPOINT into h; *qtopic gets its ?topic= if any. */
static int
get_one_hub(struct hub_cfg *h, const char *endpoint, char **qtopic,
    char *err, size_t errlen)
{
	char why[256];

	if (hb_endpoint_parse(endpoint, &h->url, qtopic, why,
	    sizeof why) != 0)
		FAIL(S_HUB_ENDPOINT, "%s", why);
	h->url_shown = hb_url_redact(h->url);
	if (h->url_shown == NULL)
		FAIL(S_HUB_ENDPOINT, "out of memory");
	return (0);
}

/*
 * HUB_ENDPOINT: one hub URL, or several as a comma list (the project's
 * rule, hb_list_next(); a comma inside a URL is written %2C).  Each
 * one's ?topic= must agree with the others and with HUB_TOPIC.
 */
static int
get_hub(struct settings *cfg, const char *endpoint, const char *topic,
    char *err, size_t errlen)
{
	const char *p = endpoint, *e;
	char *one, *qtopic, *joined;
	struct hub_cfg *h;
	size_t len, i, j, n = 0;
	int r;

	while (hb_list_next(&p, endpoint + strlen(endpoint), &e, &len))
		n++;
	if (n == 0)
		FAIL(S_HUB_ENDPOINT, "is required (e.g. "
		    "https://hub.example.com/.well-known/mercure)");
	if (n > 64)
		FAIL(S_HUB_ENDPOINT, "lists %zu hubs: 64 at most", n);
	cfg->hubs = calloc(n, sizeof *cfg->hubs);
	if (cfg->hubs == NULL)
		FAIL(S_HUB_ENDPOINT, "out of memory");
	cfg->nhubs = n;
	p = endpoint;
	for (i = 0; i < n; i++) {
		(void)hb_list_next(&p, endpoint + strlen(endpoint), &e, &len);
		h = &cfg->hubs[i];
		one = strndup(e, len);
		if (one == NULL)
			FAIL(S_HUB_ENDPOINT, "out of memory");
		qtopic = NULL;
		r = get_one_hub(h, one, &qtopic, err, errlen);
		free(one);
		if (r != 0)
			return (r);
		if (qtopic != NULL && topic != NULL &&
		    strcmp(qtopic, topic) != 0) {
			free(qtopic);
			if (n == 1)
				FAIL(S_HUB_TOPIC, "differs from the ?topic= of "
				    "HUB_ENDPOINT");
			FAIL(S_HUB_TOPIC, "differs from the ?topic= of hub "
			    "%zu of HUB_ENDPOINT", i + 1);
		}
		if (qtopic != NULL && cfg->hub_topic == NULL)
			cfg->hub_topic = qtopic;
		else
			free(qtopic);
		if (qtopic != NULL)
			topic = cfg->hub_topic;
		for (j = 0; j < i; j++)
			/* The redacted URL names the hub in the state file
			 * and /metrics: it must tell hubs apart. */
			if (strcmp(cfg->hubs[j].url_shown, h->url_shown) == 0)
				FAIL(S_HUB_ENDPOINT, "lists %s twice",
				    h->url_shown);
	}
	if (cfg->hub_topic == NULL)
		cfg->hub_topic = strdup(topic != NULL ? topic :
		    settings[S_HUB_TOPIC].def);
	if (cfg->hub_topic == NULL || *cfg->hub_topic == '\0')
		FAIL(S_HUB_TOPIC, "is empty");
	for (i = 0; i < n; i++) {
		h = &cfg->hubs[i];
		h->subscribe_url = hb_url_add_query(h->url, "topic",
		    cfg->hub_topic);
		if (h->subscribe_url == NULL)
			FAIL(S_HUB_ENDPOINT, "cannot add the topic to the URL");
		/* Credentials in the URL (userinfo, ?authorization=) stay
		 * out of the logs. */
		h->subscribe_url_shown = hb_url_redact(h->subscribe_url);
		if (h->subscribe_url_shown == NULL)
			FAIL(S_HUB_ENDPOINT, "out of memory");
	}
	cfg->hub_url = strdup(cfg->hubs[0].url);
	joined = strdup(cfg->hubs[0].url_shown);
	for (i = 1; i < n && joined != NULL; i++) {
		one = joined;
		if (asprintf(&joined, "%s,%s", one, cfg->hubs[i].url_shown) < 0)
			joined = NULL;
		free(one);
	}
	cfg->hub_url_shown = joined;
	if (cfg->hub_url == NULL || cfg->hub_url_shown == NULL)
		FAIL(S_HUB_ENDPOINT, "out of memory");
	return (0);
}

static int
proxy_valid(const char *v)
{
	static const char * const schemes[] = {
		"http", "https", "socks4", "socks4a", "socks5", "socks5h", NULL
	};
	const char * const *sc;
	char *scheme = NULL, *host = NULL;
	CURLU *u = curl_url();
	int ok = 0;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, v, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    *host != '\0')
		for (sc = schemes; *sc != NULL; sc++)
			if (strcmp(scheme, *sc) == 0)
				ok = 1;
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return (ok);
}

static char *
dup_or_null(const char *v)
{
	return (v != NULL && *v != '\0' ? strdup(v) : NULL);
}

/*
 * Settings of the original that have no place here: exit 2 with how to do
 * without them, rather than run without what the operator asked for.
 */
static const struct refused {
	const char	*name;
	const char	*why;
} refused[] = {
#define ACME_WHY "ACME is not built in: get the certificate with certbot " \
	"or dehydrated (Debian packages) and set SERVER_TLS_CERT_FILE and " \
	"SERVER_TLS_KEY_FILE (or terminate TLS in front, e.g. hitch)"
	{ "SERVER_TLS_ACME_ADDR", ACME_WHY },
	{ "SERVER_TLS_ACME_CERT_DIR", ACME_WHY },
	{ "SERVER_TLS_ACME_HOSTS", ACME_WHY },
#undef ACME_WHY
	{ NULL, NULL }
};

/* Settings used by the agent (replay) role only. */
static const int agent_only[] = {
	S_AGENT_RETRY_DELAY, S_AGENT_TIMEOUT, S_AGENT_MAX_CONCURRENCY,
	S_AGENT_MAX_BACKLOG, S_AGENT_ALLOWED_METHODS, S_HUB_SUBSCRIBE_TOKEN,
	S_HUB_SUBSCRIBE_TOKEN_FILE, S_HUB_IDLE_TIMEOUT, S_HUB_RECONNECT_MAX,
	S_HUB_GAP_ACTION, S_HUB_DEDUP_WINDOW, S_STATE_FILE, -1
};

/* "A, B" of the settings given that the roles which run do not read. */
static char *
unused_list(const char * const *val, int agent, int server)
{
	char *out = NULL, *n;
	const char *sep = "";
	int i;

	for (i = 0; i < S_COUNT; i++) {
		const int *a;
		int skip = 0;

		if (val[i] == NULL || *val[i] == '\0')
			continue;
		/* The server block of tbl/settings.h; HUB_TIMEOUT bounds
		 * the reports' publishes too. */
		if (!server && i > S_SERVER_ADDR && i <= S_HUB_TIMEOUT &&
		    !(i == S_HUB_TIMEOUT && agent &&
		    val[S_REPORT_HUB_ENDPOINT] != NULL &&
		    *val[S_REPORT_HUB_ENDPOINT] != '\0'))
			skip = 1;
		for (a = agent_only; !agent && *a >= 0; a++)
			if (*a == i)
				skip = 1;
		if (!skip)
			continue;
		if (asprintf(&n, "%s%s%s", out != NULL ? out : "", sep,
		    settings[i].name) < 0)
			break;
		free(out);
		out = n;
		sep = ", ";
	}
	return (out);
}

static int
read_file_ok(const char *path)
{
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return (0);
	fclose(f);
	return (1);
}

/* The server mode's settings, when SERVER_ADDR is set. */
static int
get_server(struct settings *cfg, const char * const *val, char *err,
    size_t errlen)
{
	const char *v;
	char why[256];
	long n;
	size_t j;
	int r;

#define VAL(s)	(val[s] != NULL && *val[s] != '\0' ? val[s] : settings[s].def)
	v = VAL(S_SERVER_ALLOWED_METHODS);
	for (j = 0; v[j] != '\0'; j++)
		if (!isalpha((unsigned char)v[j]) && v[j] != ',' &&
		    v[j] != ' ' && v[j] != '-' && v[j] != '_')
			FAIL(S_SERVER_ALLOWED_METHODS,
			    "\"%.64s\" is not a list of methods", v);
	if (get_methods(v, err, errlen) != 0)
		FAIL(S_SERVER_ALLOWED_METHODS, "\"%.64s\" is not a list of "
		    "methods separated by commas", v);
	cfg->server_allowed_methods = strdup(v);
	v = val[S_SERVER_ALLOWED_IPS] != NULL ? val[S_SERVER_ALLOWED_IPS] :
	    settings[S_SERVER_ALLOWED_IPS].def;
	if (cidr_parse(v, &cfg->server_allowed, &cfg->server_nallowed, why,
	    sizeof why) != 0)
		FAIL(S_SERVER_ALLOWED_IPS, "%s", why);
	if (cfg->server_nallowed == 0)
		FAIL(S_SERVER_ALLOWED_IPS, "is empty: nobody could publish "
		    "(0.0.0.0/0,::/0 allows everyone)");
	v = val[S_SERVER_TRUSTED_IPS] != NULL ? val[S_SERVER_TRUSTED_IPS] : "";
	if (cidr_parse(v, &cfg->server_trusted, &cfg->server_ntrusted, why,
	    sizeof why) != 0)
		FAIL(S_SERVER_TRUSTED_IPS, "%s", why);
	v = VAL(S_SERVER_INSECURE);
	if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0)
		cfg->server_insecure = 1;
	else if (strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0)
		FAIL(S_SERVER_INSECURE, "\"%.32s\" is not a boolean (1 or 0)",
		    v);
	cfg->server_cors_origins = dup_or_null(val[S_SERVER_CORS_ALLOWED_ORIGINS]);
	v = VAL(S_SERVER_MAX_BODY_SIZE);
	if (settings_parse_size(v, &cfg->server_max_body) != 0)
		FAIL(S_SERVER_MAX_BODY_SIZE, "\"%.32s\" is not a size (e.g. "
		    "65536, 64k, 1M)", v);
	if ((r = get_number(VAL(S_SERVER_MAX_CONNECTIONS),
	    S_SERVER_MAX_CONNECTIONS, 1, 1000000, &n, err, errlen)) != 0)
		return (r);
	cfg->server_max_connections = n;
	if ((r = get_number(VAL(S_SERVER_MAX_CONNECTIONS_PER_IP),
	    S_SERVER_MAX_CONNECTIONS_PER_IP, 0, 1000000, &n, err, errlen)) != 0)
		return (r);
	cfg->server_max_per_ip = n;
	if ((r = get_duration(VAL(S_SERVER_READ_TIMEOUT), S_SERVER_READ_TIMEOUT,
	    0, &cfg->server_read_timeout_ms, err, errlen)) != 0 ||
	    (r = get_duration(VAL(S_SERVER_WRITE_TIMEOUT),
	    S_SERVER_WRITE_TIMEOUT, 0, &cfg->server_write_timeout_ms, err,
	    errlen)) != 0)
		return (r);
	cfg->server_tls_cert = dup_or_null(val[S_SERVER_TLS_CERT_FILE]);
	cfg->server_tls_key = dup_or_null(val[S_SERVER_TLS_KEY_FILE]);
	if ((cfg->server_tls_cert == NULL) != (cfg->server_tls_key == NULL))
		FAIL(cfg->server_tls_cert == NULL ? S_SERVER_TLS_CERT_FILE :
		    S_SERVER_TLS_KEY_FILE, "is required with %s",
		    cfg->server_tls_cert == NULL ? "SERVER_TLS_KEY_FILE" :
		    "SERVER_TLS_CERT_FILE");
	if (cfg->server_tls_cert != NULL && !read_file_ok(cfg->server_tls_cert))
		FAIL(S_SERVER_TLS_CERT_FILE, "cannot read %.200s: %s",
		    cfg->server_tls_cert, strerror(errno));
	if (cfg->server_tls_key != NULL && !read_file_ok(cfg->server_tls_key))
		FAIL(S_SERVER_TLS_KEY_FILE, "cannot read %.200s: %s",
		    cfg->server_tls_key, strerror(errno));
	/* Publisher credentials: HUB_PUBLISH_TOKEN, HUB_PUBLISH_JWT_KEY,
	 * HUB_TOKEN, then HUB_JWT_KEY (the hub may verify publishers and
	 * subscribers with one key or two). */
	cfg->hub_publish_token = dup_or_null(val[S_HUB_PUBLISH_TOKEN]);
	cfg->hub_publish_jwt_key = dup_or_null(val[S_HUB_PUBLISH_JWT_KEY]);
	if (cfg->hub_publish_token != NULL && cfg->hub_publish_jwt_key != NULL)
		FAIL(S_HUB_PUBLISH_TOKEN, "cannot be combined with "
		    "HUB_PUBLISH_JWT_KEY");
	if (cfg->hub_publish_token == NULL && cfg->hub_publish_jwt_key == NULL)
		cfg->hub_publish_token = dup_or_null(val[S_HUB_TOKEN]);
	if (cfg->server_allowed_methods == NULL)
		FAIL(S_SERVER_ALLOWED_METHODS, "out of memory");
#undef VAL
	return (0);
}

/* How hb_tls_check() names the TLS settings in its messages. */
static const char * const tls_names[4] = {
	"HUB_CA_FILE", "HUB_CA_DIR", "HUB_CLIENT_CERT", "HUB_CLIENT_KEY"
};

/* "A, B" of the report settings given, or NULL. */
static char *
report_unused(const char * const *val)
{
	static const int report_only[] = {
		S_NODE_NAME, S_REPORT_TOPIC, S_REPORT_INTERVAL,
		S_REPORT_IDLE_INTERVAL, S_REPORT_TOKEN, S_REPORT_JWT_KEY,
		S_REPORT_SIGN_KEY_FILE, S_REPORT_VERIFY_KEY_FILE, -1
	};
	char *out = NULL, *n;
	const int *i;

	for (i = report_only; *i >= 0; i++) {
		if (val[*i] == NULL || *val[*i] == '\0')
			continue;
		if (asprintf(&n, "%s%s%s", out != NULL ? out : "",
		    out != NULL ? ", " : "", settings[*i].name) < 0)
			break;
		free(out);
		out = n;
	}
	return (out);
}

/* The keys of the signed reports: this node's, to sign; the master, to
 * refuse every report not signed with its node's key. */
static int
get_report_keys(struct settings *cfg, const char * const *val, char *err,
    size_t errlen)
{
	const char *v;
	char why[256];
	int fd, r;

	v = val[S_REPORT_SIGN_KEY_FILE];
	if (v != NULL && *v != '\0') {
		if (!cfg->report_publish)
			FAIL(S_REPORT_SIGN_KEY_FILE, "is for a node that "
			    "reports (AGENT_ENDPOINT is not set)");
		if (reportkey_node(v, cfg->report_sign_key, why,
		    sizeof why) != 0)
			FAIL(S_REPORT_SIGN_KEY_FILE, "%s", why);
		if ((cfg->report_sign_key_file = strdup(v)) == NULL)
			FAIL(S_REPORT_SIGN_KEY_FILE, "out of memory");
	}
	v = val[S_REPORT_VERIFY_KEY_FILE];
	if (v == NULL || *v == '\0')
		return (0);
	if (!cfg->report_listen)
		FAIL(S_REPORT_VERIFY_KEY_FILE, "is for a listener: "
		    "REPORT_LISTEN=1 is not set");
	fd = open(v, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		FAIL(S_REPORT_VERIFY_KEY_FILE, "cannot read %.200s: %s", v,
		    strerror(errno));
	r = reportkey_master(fd, &cfg->report_verify, why, sizeof why);
	(void)close(fd);
	if (r != 0)
		FAIL(S_REPORT_VERIFY_KEY_FILE, "%.200s: %s", v, why);
	if ((cfg->report_verify_key_file = strdup(v)) == NULL)
		FAIL(S_REPORT_VERIFY_KEY_FILE, "out of memory");
	return (0);
}

/*
 * The reports' settings (docs/reports.md).  Off without
 * REPORT_HUB_ENDPOINT: reports need a hub of their own, or they would eat
 * the history that catch-up depends on.
 */
static int
get_reports(struct settings *cfg, const char * const *val, char *err,
    size_t errlen)
{
	const char *v;
	char host[256], why[256], *qtopic = NULL, *tok;
	size_t i;
	int r;

	v = val[S_NODE_NAME];
	if (v != NULL && *v != '\0') {
		cfg->node_name = strdup(v);
	} else {
		if (gethostname(host, sizeof host) != 0)
			FAIL(S_NODE_NAME, "is not set and the host name is "
			    "unknown: %s", strerror(errno));
		host[sizeof host - 1] = '\0';
		cfg->node_name = strdup(host);
	}
	if (cfg->node_name == NULL)
		FAIL(S_NODE_NAME, "out of memory");
	if (!reportmsg_node_name_valid(cfg->node_name))
		FAIL(S_NODE_NAME, "\"%.64s\" is not a node name (1 to 128 of "
		    "A-Z a-z 0-9 . _ : @ -)", cfg->node_name);
	if ((r = get_duration(val[S_REPORT_INTERVAL] != NULL ?
	    val[S_REPORT_INTERVAL] : settings[S_REPORT_INTERVAL].def,
	    S_REPORT_INTERVAL, REPORT_INTERVAL_MIN_MS, &cfg->report_interval_ms, err,
	    errlen)) != 0)
		return (r);
	if ((r = get_duration(val[S_REPORT_IDLE_INTERVAL] != NULL ?
	    val[S_REPORT_IDLE_INTERVAL] : settings[S_REPORT_IDLE_INTERVAL].def,
	    S_REPORT_IDLE_INTERVAL, REPORT_IDLE_MIN_MS, &cfg->report_idle_ms,
	    err, errlen)) != 0)
		return (r);
	if (cfg->report_idle_ms > REPORT_IDLE_MAX_MS)
		FAIL(S_REPORT_IDLE_INTERVAL, "must be at most 24h: listeners "
		    "refuse reports announcing more");
	if (cfg->report_idle_ms < cfg->report_interval_ms)
		FAIL(S_REPORT_IDLE_INTERVAL, "is shorter than REPORT_INTERVAL");
	v = val[S_REPORT_LISTEN] != NULL && *val[S_REPORT_LISTEN] != '\0' ?
	    val[S_REPORT_LISTEN] : settings[S_REPORT_LISTEN].def;
	if (strcmp(v, "1") == 0)
		cfg->report_listen = 1;
	else if (strcmp(v, "0") != 0)
		FAIL(S_REPORT_LISTEN, "\"%.32s\" is not 0 or 1", v);

	v = val[S_REPORT_HUB_ENDPOINT];
	if (v == NULL || *v == '\0') {
		if (cfg->report_listen)
			FAIL(S_REPORT_LISTEN, "needs REPORT_HUB_ENDPOINT");
		cfg->report_unused = report_unused(val);
		return (0);
	}
	if (hb_endpoint_parse(v, &cfg->report_hub.url, &qtopic, why,
	    sizeof why) != 0)
		FAIL(S_REPORT_HUB_ENDPOINT, "%s", why);
	v = val[S_REPORT_TOPIC];
	if (v != NULL && *v != '\0' && qtopic != NULL && strcmp(v, qtopic) != 0) {
		free(qtopic);
		FAIL(S_REPORT_TOPIC, "differs from the ?topic= of "
		    "REPORT_HUB_ENDPOINT");
	}
	if (v != NULL && *v != '\0') {
		cfg->report_topic = strdup(v);
		free(qtopic);
	} else if (qtopic != NULL) {
		cfg->report_topic = qtopic;
	} else if (asprintf(&cfg->report_topic, "%s/nodes",
	    cfg->hub_topic) < 0) {
		cfg->report_topic = NULL;
	}
	if (cfg->report_topic == NULL)
		FAIL(S_REPORT_TOPIC, "out of memory");
	if (strcmp(cfg->report_topic, cfg->hub_topic) == 0)
		FAIL(S_REPORT_TOPIC, "is HUB_TOPIC: every node would replay "
		    "the reports");
	cfg->report_hub.url_shown = hb_url_redact(cfg->report_hub.url);
	cfg->report_hub.subscribe_url = hb_url_add_query(cfg->report_hub.url,
	    "topic", cfg->report_topic);
	if (cfg->report_hub.url_shown == NULL ||
	    cfg->report_hub.subscribe_url == NULL ||
	    (cfg->report_hub.subscribe_url_shown =
	    hb_url_redact(cfg->report_hub.subscribe_url)) == NULL)
		FAIL(S_REPORT_HUB_ENDPOINT, "out of memory");
	cfg->report_publish = cfg->agent_endpoint != NULL;
	cfg->report_token = dup_or_null(val[S_REPORT_TOKEN]);
	cfg->report_jwt_key = dup_or_null(val[S_REPORT_JWT_KEY]);
	if (cfg->report_token != NULL && cfg->report_jwt_key != NULL)
		FAIL(S_REPORT_JWT_KEY, "cannot be combined with REPORT_TOKEN");
	for (i = 0; i < cfg->nhubs; i++)
		if (strcmp(cfg->report_hub.url, cfg->hubs[i].url) == 0)
			break;
	/* A report token minted from HUB_JWT_KEY needs a report hub that
	 * takes that key for publishers: on an event hub, every helper's key
	 * would then publish events too. */
	if (i < cfg->nhubs && cfg->report_publish &&
	    cfg->report_token == NULL && cfg->report_jwt_key == NULL)
		FAIL(S_REPORT_HUB_ENDPOINT, "is a hub of HUB_ENDPOINT: set "
		    "REPORT_TOKEN or REPORT_JWT_KEY (a key that hub takes for "
		    "the report topic only), or give the reports a hub of "
		    "their own: a report token minted from HUB_JWT_KEY would "
		    "make that hub take the helpers' key for publishing "
		    "events");
	if (cfg->report_token == NULL && cfg->report_jwt_key == NULL)
		cfg->report_jwt_key = dup_or_null(cfg->hub_jwt_key);
	if (cfg->report_jwt_key != NULL) {
		/* The minted tokens grant the report topic only. */
		tok = hb_jwt_mint(cfg->hub_jwt_alg, cfg->report_jwt_key,
		    "publish", cfg->report_topic, 60, 0, why, sizeof why);
		if (tok == NULL)
			FAIL(val[S_REPORT_JWT_KEY] != NULL ? S_REPORT_JWT_KEY :
			    S_HUB_JWT_KEY, "%s", why);
		hb_bearer_free(tok);
	}
	if (cfg->report_listen && cfg->status_addr == NULL)
		FAIL(S_REPORT_LISTEN, "needs STATUS_ADDR: the answers are "
		    "served there");
	return (get_report_keys(cfg, val, err, errlen));
}

static void
usage(void)
{
	size_t k;
	int i;

	printf("Usage: http-broadcast [--option=value ...]\n"
	    "Subscribe to a Mercure hub and replay each broadcast request to "
	    "the local varnishd (AGENT_ENDPOINT); publish each request received "
	    "(SERVER_ADDR); or both.\n\nEach setting is an environment variable "
	    "or the long option named after it:\n");
	for (i = 0; i < S_COUNT; i++) {
		char opt[64];
		size_t j;

		for (j = 0; settings[i].name[j] != '\0' && j + 1 < sizeof opt;
		    j++)
			opt[j] = settings[i].name[j] == '_' ? '-' :
			    (char)tolower((unsigned char)settings[i].name[j]);
		opt[j] = '\0';
		printf("  %-26s --%s\n      %s%s%s%s\n", settings[i].name, opt,
		    settings[i].help, settings[i].def != NULL ?
		    " (default " : "", settings[i].def != NULL ?
		    settings[i].def : "", settings[i].def != NULL ? ")" : "");
	}
	printf("  NAME_FILE, --name-file for each of");
	for (k = 0; k < NSECRETS; k++)
		printf("%s %s", k > 0 ? "," : "", settings[secrets[k]].name);
	printf("\n      a file holding the secret, read at start (not on the "
	    "command line:\n      every user of the host can read it there)\n");
	printf("  --help, --version\n");
}

static int
load(struct settings *cfg, struct load_ctx *lc, int argc, char * const *argv,
    char *err, size_t errlen)
{
	static char optnames[S_COUNT + NSECRETS][48];
	struct option opts[S_COUNT + NSECRETS + 3];
	const char *val[S_COUNT], *fval[NSECRETS];
	char fname[64];
	size_t k;
	const char *v, *sd;
	char *home;
	char why[256];
	size_t j;
	int i, c, idx, r;

	memset(cfg, 0, sizeof *cfg);
	for (i = 0; i < S_COUNT; i++) {
		for (j = 0; settings[i].name[j] != '\0'; j++)
			optnames[i][j] = settings[i].name[j] == '_' ? '-' :
			    (char)tolower((unsigned char)settings[i].name[j]);
		optnames[i][j] = '\0';
		opts[i].name = optnames[i];
		opts[i].has_arg = required_argument;
		opts[i].flag = NULL;
		opts[i].val = 0;
		val[i] = getenv(settings[i].name);
	}
	for (k = 0; k < NSECRETS; k++) {
		i = S_COUNT + (int)k;
		snprintf(optnames[i], sizeof optnames[i], "%s-file",
		    optnames[secrets[k]]);
		opts[i] = (struct option){ optnames[i], required_argument,
		    NULL, 0 };
		snprintf(fname, sizeof fname, "%s_FILE",
		    settings[secrets[k]].name);
		fval[k] = getenv(fname);
	}
	i = S_COUNT + (int)NSECRETS;
	opts[i] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[i + 1] = (struct option){ "version", no_argument, NULL, 'V' };
	opts[i + 2] = (struct option){ NULL, 0, NULL, 0 };

	for (i = 0; refused[i].name != NULL; i++)
		if ((v = getenv(refused[i].name)) != NULL && *v != '\0') {
			snprintf(err, errlen, "%s: %s", refused[i].name,
			    refused[i].why);
			return (2);
		}

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":", opts, &idx)) != -1) {
		if (c == 'h') {
			usage();
			return (1);
		}
		if (c == 'V') {
			printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return (1);
		}
		if (c == 0 && idx >= S_COUNT) {
			fval[idx - S_COUNT] = optarg;
			continue;
		}
		if (c == 0) {
			val[idx] = optarg;
			if ((i = secret_index(idx)) >= 0)
				lc->in_argv[i] = optarg;
			continue;
		}
		snprintf(err, errlen, "%s: %s", argv[optind - 1] != NULL ?
		    argv[optind - 1] : "option", c == ':' ?
		    "needs a value" : "unknown option (see --help)");
		return (2);
	}
	if (optind < argc) {
		snprintf(err, errlen, "%s: unexpected argument (see --help)",
		    argv[optind]);
		return (2);
	}
	for (k = 0; k < NSECRETS; k++)
		if (lc->in_argv[k] != NULL && *lc->in_argv[k] != '\0' &&
		    list_add(&cfg->secrets_argv, settings[secrets[k]].name) != 0)
			FAIL(secrets[k], "out of memory");
	if ((r = secrets_from_files(cfg, lc, val, fval, err, errlen)) != 0)
		return (r);

	/* Logging first: the other checks may want to log. */
	v = val[S_LOG_FORMAT] != NULL ? val[S_LOG_FORMAT] :
	    settings[S_LOG_FORMAT].def;
	if ((cfg->log_format = log_format_parse(v)) < 0)
		FAIL(S_LOG_FORMAT, "\"%.32s\" is not text, json or fluentd", v);
	v = val[S_LOG_LEVEL] != NULL && *val[S_LOG_LEVEL] != '\0' ?
	    val[S_LOG_LEVEL] : settings[S_LOG_LEVEL].def;
	if ((cfg->log_level = log_level_parse(v)) < 0)
		FAIL(S_LOG_LEVEL, "\"%.32s\" is not trace, debug, info, warn, "
		    "error or fatal", v);
	v = val[S_DEBUG];
	if (v != NULL && *v != '\0') {
		if (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0 ||
		    strcasecmp(v, "yes") == 0) {
			if (cfg->log_level > LOG_DEBUG)
				cfg->log_level = LOG_DEBUG;
		} else if (strcmp(v, "0") != 0 && strcasecmp(v, "false") != 0 &&
		    strcasecmp(v, "no") != 0) {
			FAIL(S_DEBUG, "\"%.32s\" is not a boolean (1 or 0)", v);
		}
	}

	cfg->server_addr = dup_or_null(val[S_SERVER_ADDR]);
	v = val[S_AGENT_ENDPOINT];
	if ((v == NULL || *v == '\0') && cfg->server_addr == NULL)
		FAIL(S_AGENT_ENDPOINT, "is required (e.g. http://127.0.0.1:6081) "
		    "unless SERVER_ADDR is set");
	if (v != NULL && *v != '\0' && (r = get_agent(cfg, v, err, errlen)) != 0)
		return (r);
	if (cfg->server_addr != NULL &&
	    (r = get_server(cfg, val, err, errlen)) != 0)
		return (r);
	/* The server mode's publishes and the reports. */
	if ((r = get_duration(val[S_HUB_TIMEOUT] != NULL &&
	    *val[S_HUB_TIMEOUT] != '\0' ? val[S_HUB_TIMEOUT] :
	    settings[S_HUB_TIMEOUT].def, S_HUB_TIMEOUT, 0,
	    &cfg->hub_timeout_ms, err, errlen)) != 0)
		return (r);
	if (cfg->hub_timeout_ms == 0)
		FAIL(S_HUB_TIMEOUT, "0s (no limit) is not allowed: a publish "
		    "holds its client until the hub answers, so it must end");
	cfg->unused = unused_list(val, cfg->agent_endpoint != NULL,
	    cfg->server_addr != NULL);

#define DUR(s, field, min) do {						\
	v = val[s] != NULL ? val[s] : settings[s].def;			\
	if ((r = get_duration(v, s, min, &cfg->field, err, errlen)) != 0) \
		return (r);						\
} while (0)
	DUR(S_AGENT_RETRY_DELAY, agent_retry_delay_ms, 0);
	DUR(S_AGENT_TIMEOUT, agent_timeout_ms, 1);
	DUR(S_HUB_JWT_TTL, hub_jwt_ttl_ms, 1000);
	DUR(S_HUB_IDLE_TIMEOUT, hub_idle_timeout_ms, 1);
	DUR(S_HUB_RECONNECT_MAX, hub_reconnect_max_ms, 1);
	DUR(S_SHUTDOWN_TIMEOUT, shutdown_timeout_ms, 0);
#undef DUR

#define NUM(s, field, min, max) do {					\
	v = val[s] != NULL ? val[s] : settings[s].def;			\
	if ((r = get_number(v, s, min, max, &cfg->field, err,		\
	    errlen)) != 0)						\
		return (r);						\
} while (0)
	NUM(S_AGENT_MAX_CONCURRENCY, agent_max_concurrency, 1, 1024);
	NUM(S_AGENT_MAX_BACKLOG, agent_max_backlog, 1, 10000000);
	{
		long w;

		v = val[S_HUB_DEDUP_WINDOW] != NULL ? val[S_HUB_DEDUP_WINDOW] :
		    settings[S_HUB_DEDUP_WINDOW].def;
		if ((r = get_number(v, S_HUB_DEDUP_WINDOW, 1000, 10000000, &w,
		    err, errlen)) != 0)
			return (r);
		cfg->hub_dedup_window = (size_t)w;
	}
#undef NUM
	v = val[S_AGENT_ALLOWED_METHODS] != NULL ?
	    val[S_AGENT_ALLOWED_METHODS] : settings[S_AGENT_ALLOWED_METHODS].def;
	for (j = 0; v[j] != '\0'; j++)
		if (!isalpha((unsigned char)v[j]) && v[j] != ',' &&
		    v[j] != ' ' && v[j] != '-' && v[j] != '_')
			FAIL(S_AGENT_ALLOWED_METHODS,
			    "\"%.64s\" is not a list of methods", v);
	if ((r = get_methods(v, err, errlen)) != 0)
		return (r);
	cfg->agent_allowed_methods = strdup(v);

	v = val[S_HUB_MAX_EVENT_SIZE] != NULL ? val[S_HUB_MAX_EVENT_SIZE] :
	    settings[S_HUB_MAX_EVENT_SIZE].def;
	if (settings_parse_size(v, &cfg->hub_max_event_size) != 0 ||
	    cfg->hub_max_event_size < 64 ||
	    cfg->hub_max_event_size > 64 * 1024 * 1024)
		FAIL(S_HUB_MAX_EVENT_SIZE, "\"%.32s\" is not a size from 64 to "
		    "64M (e.g. 262144, 256k, 1M)", v);

	v = val[S_HUB_ENDPOINT];
	if (v == NULL || *v == '\0')
		FAIL(S_HUB_ENDPOINT, "is required (e.g. "
		    "https://hub.example.com/.well-known/mercure)");
	if ((r = get_hub(cfg, v, val[S_HUB_TOPIC] != NULL &&
	    *val[S_HUB_TOPIC] != '\0' ? val[S_HUB_TOPIC] : NULL, err,
	    errlen)) != 0)
		return (r);

	cfg->hub_token = dup_or_null(val[S_HUB_SUBSCRIBE_TOKEN]);
	if (cfg->hub_token == NULL)
		cfg->hub_token = dup_or_null(val[S_HUB_TOKEN]);
	cfg->hub_token_file = dup_or_null(val[S_HUB_SUBSCRIBE_TOKEN_FILE]);
	cfg->hub_jwt_key = dup_or_null(val[S_HUB_JWT_KEY]);
	cfg->hub_jwt_alg = strdup(val[S_HUB_JWT_ALGORITHM] != NULL &&
	    *val[S_HUB_JWT_ALGORITHM] != '\0' ? val[S_HUB_JWT_ALGORITHM] :
	    settings[S_HUB_JWT_ALGORITHM].def);
	if (cfg->hub_jwt_key != NULL &&
	    (cfg->hub_token != NULL || cfg->hub_token_file != NULL))
		FAIL(S_HUB_JWT_KEY, "cannot be combined with a static token "
		    "(HUB_SUBSCRIBE_TOKEN, HUB_TOKEN or HUB_SUBSCRIBE_TOKEN_FILE)");
	if (cfg->hub_token_file != NULL && cfg->hub_token != NULL)
		FAIL(S_HUB_SUBSCRIBE_TOKEN_FILE, "cannot be combined with "
		    "HUB_SUBSCRIBE_TOKEN or HUB_TOKEN");
	if (cfg->hub_jwt_alg == NULL || hb_jwt_alg_valid(cfg->hub_jwt_alg) != 0)
		FAIL(S_HUB_JWT_ALGORITHM, "\"%.32s\" is not a JWS algorithm",
		    val[S_HUB_JWT_ALGORITHM]);
	if (cfg->hub_jwt_key != NULL) {
		/* Mint one now: a bad key is a bad setting, not a runtime
		 * surprise at the first connection. */
		char *tok = hb_jwt_mint(cfg->hub_jwt_alg, cfg->hub_jwt_key,
		    "subscribe", cfg->hub_topic, 60, 0, why, sizeof why);

		if (tok == NULL)
			FAIL(S_HUB_JWT_KEY, "%s", why);
		hb_bearer_free(tok);
	}
	if (cfg->hub_publish_jwt_key != NULL) {
		char *tok = hb_jwt_mint(cfg->hub_jwt_alg,
		    cfg->hub_publish_jwt_key, "publish", cfg->hub_topic, 60, 0,
		    why, sizeof why);

		if (tok == NULL)
			FAIL(S_HUB_PUBLISH_JWT_KEY, "%s", why);
		hb_bearer_free(tok);
	}

	cfg->hub_guard_token = strdup(val[S_HUB_GUARD_TOKEN] != NULL &&
	    *val[S_HUB_GUARD_TOKEN] != '\0' ? val[S_HUB_GUARD_TOKEN] :
	    cfg->hub_topic);
	if (cfg->hub_guard_token == NULL)
		FAIL(S_HUB_GUARD_TOKEN, "out of memory");
	for (j = 0; cfg->hub_guard_token[j] != '\0'; j++)
		if ((unsigned char)cfg->hub_guard_token[j] < 0x20 ||
		    cfg->hub_guard_token[j] == 0x7f)
			FAIL(S_HUB_GUARD_TOKEN, "has a control character");
	v = val[S_HUB_GAP_ACTION] != NULL && *val[S_HUB_GAP_ACTION] != '\0' ?
	    val[S_HUB_GAP_ACTION] : settings[S_HUB_GAP_ACTION].def;
	if (strcmp(v, "ban") == 0)
		cfg->hub_gap_action = GAP_BAN;
	else if (strcmp(v, "warn") == 0)
		cfg->hub_gap_action = GAP_WARN;
	else
		FAIL(S_HUB_GAP_ACTION, "\"%.32s\" is not ban or warn", v);

	v = val[S_STATE_FILE];
	if (v != NULL) {
		cfg->state_file_given = 1;
		cfg->state_file = strdup(v);
	} else if ((sd = getenv("STATE_DIRECTORY")) != NULL && *sd != '\0') {
		/* systemd may list several directories: use the first. */
		if (asprintf(&cfg->state_file, "%.*s/cursor",
		    (int)strcspn(sd, ":"), sd) < 0)
			cfg->state_file = NULL;
	} else if (access(DEFAULT_STATE_DIR, F_OK) != 0 &&
	    (home = state_home()) != NULL) {
		/* No package made DEFAULT_STATE_DIR: the binary was put in
		 * place by hand, maybe for the original's with the same
		 * environment.  A per-user directory keeps the cursor
		 * across restarts there too (main.c makes it). */
		if (asprintf(&cfg->state_file, "%s/http-broadcast/cursor",
		    home) < 0)
			cfg->state_file = NULL;
		free(home);
		cfg->state_file_home = 1;
	} else {
		cfg->state_file = strdup(DEFAULT_STATE_FILE);
	}
	if (cfg->state_file == NULL)
		FAIL(S_STATE_FILE, "out of memory");

	cfg->status_addr = dup_or_null(val[S_STATUS_ADDR]);
	v = val[S_STATUS_ALLOWED_IPS] != NULL ? val[S_STATUS_ALLOWED_IPS] :
	    settings[S_STATUS_ALLOWED_IPS].def;
	if (cfg->status_addr != NULL && cidr_parse(v, &cfg->status_allowed,
	    &cfg->status_nallowed, why, sizeof why) != 0)
		FAIL(S_STATUS_ALLOWED_IPS, "%s", why);
	if (cfg->status_addr != NULL && cfg->status_nallowed == 0)
		FAIL(S_STATUS_ALLOWED_IPS, "is empty: nobody could connect "
		    "(0.0.0.0/0,::/0 allows everyone)");
	cfg->hub_tls.ca_file = dup_or_null(val[S_HUB_CA_FILE]);
	cfg->hub_tls.ca_dir = dup_or_null(val[S_HUB_CA_DIR]);
	cfg->hub_tls.cert = dup_or_null(val[S_HUB_CLIENT_CERT]);
	cfg->hub_tls.key = dup_or_null(val[S_HUB_CLIENT_KEY]);
	if (hb_tls_check(&cfg->hub_tls, tls_names, err, errlen) != 0)
		return (2);
	cfg->hub_proxy = dup_or_null(val[S_HUB_PROXY]);
	if (cfg->hub_proxy != NULL && !proxy_valid(cfg->hub_proxy))
		FAIL(S_HUB_PROXY, "must be a URL such as http://proxy:3128 "
		    "(http, https, socks4, socks4a, socks5 or socks5h)");
	if ((r = get_reports(cfg, val, err, errlen)) != 0)
		return (r);
	if (cfg->agent_allowed_methods == NULL)
		FAIL(S_AGENT_ENDPOINT, "out of memory");
	return (0);
}

int
settings_load(struct settings *cfg, int argc, char * const *argv, char *err,
    size_t errlen)
{
	struct load_ctx lc;
	int r;

	memset(&lc, 0, sizeof lc);
	r = load(cfg, &lc, argc, argv, err, errlen);
	secrets_wipe(&lc);
	return (r);
}

void
settings_warn(const struct settings *cfg)
{
	struct stat st;
	size_t i;

	if (cfg->unused != NULL)
		log_msg(LOG_WARN, "%s: not used, %s", cfg->unused,
		    cfg->agent_endpoint == NULL ? "AGENT_ENDPOINT is not set "
		    "(server mode only: nothing is replayed here)" :
		    "SERVER_ADDR is not set (nothing is published from here)");
	if (cfg->server_addr != NULL &&
	    cidr_everything(cfg->server_allowed, cfg->server_nallowed))
		log_msg(LOG_WARN, "SERVER_ALLOWED_IPS allows every address: "
		    "anyone who reaches %s can invalidate the whole fleet",
		    cfg->server_addr);
	if (cfg->status_addr != NULL &&
	    cidr_everything(cfg->status_allowed, cfg->status_nallowed))
		log_msg(LOG_WARN, "STATUS_ALLOWED_IPS allows every address: "
		    "anyone who reaches %s can read /metrics%s",
		    cfg->status_addr, cfg->report_listen ? " and /fleet" : "");
	if (cfg->hub_publish_jwt_key != NULL &&
	    strncmp(cfg->hub_jwt_alg, "HS", 2) == 0 &&
	    strlen(cfg->hub_publish_jwt_key) < HB_HMAC_KEY_MIN)
		log_msg(LOG_WARN, "HUB_PUBLISH_JWT_KEY: an HMAC key of %zu bytes "
		    "can be guessed from any token it signed: use %d bytes or "
		    "more", strlen(cfg->hub_publish_jwt_key), HB_HMAC_KEY_MIN);
	if (cfg->hub_jwt_key != NULL &&
	    strncmp(cfg->hub_jwt_alg, "HS", 2) == 0 &&
	    strlen(cfg->hub_jwt_key) < HB_HMAC_KEY_MIN)
		log_msg(LOG_WARN, "HUB_JWT_KEY: an HMAC key of %zu bytes can be "
		    "guessed from any token it signed: use %d bytes or more",
		    strlen(cfg->hub_jwt_key), HB_HMAC_KEY_MIN);
	if (cfg->report_unused != NULL)
		log_msg(LOG_WARN, "%s: not used, REPORT_HUB_ENDPOINT is not set "
		    "(this node sends no report)", cfg->report_unused);
	for (i = 0; cfg->report_hub.url != NULL && i < cfg->nhubs; i++)
		if (strcmp(cfg->report_hub.url, cfg->hubs[i].url) == 0)
			log_msg(LOG_WARN, "REPORT_HUB_ENDPOINT is a hub of "
			    "HUB_ENDPOINT: reports take room in the history "
			    "that catch-up depends on (docs/reports.md)");
	if (cfg->report_hub.url != NULL && !cfg->report_publish &&
	    !cfg->report_listen)
		log_msg(LOG_WARN, "REPORT_HUB_ENDPOINT: not used, this node "
		    "neither reports (AGENT_ENDPOINT is not set) nor listens "
		    "(REPORT_LISTEN=0)");
	if (cfg->report_hub.url != NULL && cfg->report_token == NULL &&
	    cfg->report_jwt_key == NULL && cfg->report_publish)
		log_msg(LOG_WARN, "REPORT_TOKEN, REPORT_JWT_KEY and HUB_JWT_KEY "
		    "are not set: reports are published without a token, most "
		    "hubs will refuse them");
	if (cfg->report_jwt_key != NULL && (cfg->hub_jwt_key == NULL ||
	    strcmp(cfg->report_jwt_key, cfg->hub_jwt_key) != 0) &&
	    strncmp(cfg->hub_jwt_alg, "HS", 2) == 0 &&
	    strlen(cfg->report_jwt_key) < HB_HMAC_KEY_MIN)
		log_msg(LOG_WARN, "REPORT_JWT_KEY: an HMAC key of %zu bytes "
		    "can be guessed from any token it signed: use %d bytes or "
		    "more", strlen(cfg->report_jwt_key), HB_HMAC_KEY_MIN);
	if (cfg->report_sign_key_file != NULL &&
	    stat(cfg->report_sign_key_file, &st) == 0 &&
	    (st.st_mode & S_IROTH))
		log_msg(LOG_WARN, "REPORT_SIGN_KEY_FILE: %s is readable by "
		    "every user of this host (chmod o-r)",
		    cfg->report_sign_key_file);
	if (cfg->report_verify_key_file != NULL &&
	    stat(cfg->report_verify_key_file, &st) == 0 &&
	    (st.st_mode & S_IROTH))
		log_msg(LOG_WARN, "REPORT_VERIFY_KEY_FILE: %s is readable by "
		    "every user of this host (chmod o-r)",
		    cfg->report_verify_key_file);
	if (cfg->hub_token_file != NULL &&
	    stat(cfg->hub_token_file, &st) == 0 && (st.st_mode & S_IROTH))
		log_msg(LOG_WARN, "HUB_SUBSCRIBE_TOKEN_FILE: %s is readable by "
		    "every user of this host (chmod o-r)", cfg->hub_token_file);
	if (cfg->secrets_shared != NULL)
		log_msg(LOG_WARN, "%s: the file is readable by every user of "
		    "this host (chmod o-r)", cfg->secrets_shared);
	if (cfg->secrets_argv != NULL)
		log_msg(LOG_WARN, "%s: given on the command line, where every "
		    "user of this host may read it while the daemon starts: "
		    "use the environment or NAME_FILE", cfg->secrets_argv);
}

void
settings_free(struct settings *cfg)
{
	size_t i;

	free(cfg->agent_endpoint);
	free(cfg->agent_allowed_methods);
	for (i = 0; i < cfg->nhubs; i++) {
		free(cfg->hubs[i].url);
		free(cfg->hubs[i].subscribe_url);
		free(cfg->hubs[i].url_shown);
		free(cfg->hubs[i].subscribe_url_shown);
	}
	free(cfg->hubs);
	free(cfg->hub_url);
	free(cfg->hub_topic);
	free(cfg->hub_url_shown);
	secret_free(cfg->hub_token);
	free(cfg->hub_token_file);
	secret_free(cfg->hub_jwt_key);
	free(cfg->hub_jwt_alg);
	free(cfg->hub_guard_token);
	free(cfg->state_file);
	free(cfg->status_addr);
	free(cfg->status_allowed);
	free(cfg->hub_proxy);
	free(cfg->server_addr);
	free(cfg->server_allowed_methods);
	free(cfg->server_allowed);
	free(cfg->server_trusted);
	free(cfg->server_cors_origins);
	free(cfg->server_tls_cert);
	free(cfg->server_tls_key);
	secret_free(cfg->hub_publish_token);
	secret_free(cfg->hub_publish_jwt_key);
	free(cfg->unused);
	free(cfg->node_name);
	free(cfg->report_unused);
	free(cfg->report_hub.url);
	free(cfg->report_hub.subscribe_url);
	free(cfg->report_hub.url_shown);
	free(cfg->report_hub.subscribe_url_shown);
	free(cfg->report_topic);
	secret_free(cfg->report_token);
	free(cfg->secrets_argv);
	free(cfg->secrets_shared);
	secret_free(cfg->report_jwt_key);
	free(cfg->report_sign_key_file);
	free(cfg->report_verify_key_file);
	explicit_bzero(cfg->report_sign_key, sizeof cfg->report_sign_key);
	explicit_bzero(&cfg->report_verify, sizeof cfg->report_verify);
	hb_tls_free(&cfg->hub_tls);
	memset(cfg, 0, sizeof *cfg);
}
