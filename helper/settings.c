/*
 * settings: settings from the environment and the command line.  See
 * settings.h.
 *
 * tbl/settings.h gives each setting once, with its type, bounds, default,
 * roles and field.  Here its rows become the long options, one generic
 * loop that parses each value by its type into its field, --help, the
 * unused-role warning and the reference of docs/configuration.md.  What a
 * row cannot say (a setting that depends on another: the hub list and its
 * topic, which token wins, what a reporting node needs) is the small code
 * of the cross_*() functions after the loop.
 *
 * One rule for the empty value: NAME= is the same as no NAME (what an env
 * file or a unit's Environment= line means by it), but for the F_EMPTY
 * rows (STATE_FILE=: the cursor in memory).  One syntax for the yes/no
 * settings: settings_parse_bool(), the union of the words they took.
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
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "hb_file.h"
#include "hb_http.h"
#include "hb_jwt.h"
#include "hb_url.h"
#include "cidr.h"
#include "log.h"
#include "reportkey.h"
#include "node.h"
#include "settings.h"

enum {
#define HB_SETTING(n, t, bnds, d, r, fld, fl, h)	S_##n,
#include "tbl/settings.h"
#undef HB_SETTING
	S_COUNT
};
/* settings.h keeps per-setting bits in an uint64_t. */
_Static_assert(S_COUNT <= 64, "more settings than bits in a uint64_t");

/*
 * The parts of the daemon a setting may be read by.  RL_ALL: always; the
 * others run when the settings of roles_running() say so.  In the order
 * of the unused-role warnings.
 */
enum {
	RL_AGENT	= 1 << 0,
	RL_SERVER	= 1 << 1,
	RL_REPORTS	= 1 << 2,
	RL_REPORTER	= 1 << 3,
	RL_LISTENER	= 1 << 4,
	RL_STATUS	= 1 << 5,
	RL_ALL		= 1 << 6
};

static const struct role {
	unsigned	bit;
	const char	*name;
	const char	*off;		/* why it does not run */
} roles[] = {
	{ RL_AGENT, "agent", "AGENT_ENDPOINT is not set (server mode only: "
	    "nothing is replayed here)" },
	{ RL_SERVER, "server", "SERVER_ADDR is not set (nothing is published "
	    "from here)" },
	{ RL_REPORTS, "reports", "REPORT_HUB_ENDPOINT is not set (this node "
	    "sends no report)" },
	{ RL_REPORTER, "reporter", "this node sends no report (that needs "
	    "AGENT_ENDPOINT and REPORT_HUB_ENDPOINT)" },
	{ RL_LISTENER, "listener", "REPORT_LISTEN is off (this node does not "
	    "listen to the reports)" },
	{ RL_STATUS, "status", "STATUS_ADDR is not set (no status listener)" },
	{ RL_ALL, "all", NULL },
};
#define NROLES	(sizeof roles / sizeof roles[0])

enum type {
	T_STRING, T_SECRET, T_PATH, T_ADDR, T_URL, T_URLS, T_DURATION, T_INT,
	T_COUNT, T_BYTES, T_BOOL, T_ENUM, T_CIDRS, T_METHODS
};

/* What --help and the reference call each type, and its placeholder. */
static const struct type_name {
	const char	*name;
	const char	*meta;
} types[] = {
	[T_STRING] = { "string", "TEXT" },
	[T_SECRET] = { "secret", "SECRET" },
	[T_PATH] = { "path", "PATH" },
	[T_ADDR] = { "host:port", "HOST:PORT" },
	[T_URL] = { "URL", "URL" },
	[T_URLS] = { "URL list", "URL[,URL...]" },
	[T_DURATION] = { "duration", "DURATION" },
	[T_INT] = { "integer", "N" },
	[T_COUNT] = { "integer", "N" },
	[T_BYTES] = { "size", "SIZE" },
	[T_BOOL] = { "bool", "BOOL" },
	[T_ENUM] = { "enum", "WORD" },
	[T_CIDRS] = { "address list", "LIST" },
	[T_METHODS] = { "method list", "LIST" },
};

#define F_EMPTY		1	/* an empty value is a value */
#define F_NOFILE	2	/* a SECRET without NAME_FILE */

#define NOMAX		INT64_MAX
#define NOFIELD_OFF	SIZE_MAX

static const struct setting {
	const char	*name;
	enum type	type;
	int64_t		min;
	int64_t		max;		/* NOMAX: none */
	const char	*choices;	/* ENUM: "a,b|alias" */
	const char	*def;		/* NULL: no default */
	unsigned	roles;		/* RL_* */
	size_t		off;		/* in struct settings, or NOFIELD_OFF */
	unsigned	flags;		/* F_* */
	const char	*help;
} settings[S_COUNT] = {
#define NB		.min = 0, .max = NOMAX
#define B(lo, hi)	.min = (lo), .max = (hi)
#define E(words)	.min = 0, .max = NOMAX, .choices = (words)
#define FIELD(f)	offsetof(struct settings, f)
#define NOFIELD		NOFIELD_OFF
#define HB_SETTING(n, t, bnds, d, r, fld, fl, h)			\
	{ .name = #n, .type = T_##t, bnds, .def = d, .roles = r,	\
	    .off = fld, .flags = fl, .help = h },
#include "tbl/settings.h"
#undef HB_SETTING
#undef FIELD
#undef NOFIELD
};

/*
 * Each row's field has its type's C type, or the generic loop would write
 * past it: checked at compile time.
 */
#define HB_C_STRING	char *
#define HB_C_SECRET	char *
#define HB_C_PATH	char *
#define HB_C_ADDR	char *
#define HB_C_URL	char *
#define HB_C_URLS	char *
#define HB_C_DURATION	int64_t
#define HB_C_INT	long
#define HB_C_COUNT	size_t
#define HB_C_BYTES	size_t
#define HB_C_BOOL	int
#define HB_C_ENUM	int
#define HB_C_CIDRS	struct cidr *
#define HB_C_METHODS	char *
struct nofield { char c; };
#define FIELD(f)	((struct settings *)0)->f
#define NOFIELD		(struct nofield){ 0 }
#define HB_SETTING(n, t, bnds, d, r, fld, fl, h)			\
	_Static_assert(_Generic(fld, HB_C_##t: 1, struct nofield: 1,	\
	    default: 0), #n ": its field is not of type " #t);
#include "tbl/settings.h"
#undef HB_SETTING
#undef FIELD
#undef NOFIELD
#undef NB
#undef B
#undef E

/* A CIDRS field is followed by its count. */
#define CIDR_PAIR(list, n)						\
	_Static_assert(offsetof(struct settings, n) ==			\
	    offsetof(struct settings, list) + sizeof(struct cidr *),	\
	    #n " does not follow " #list)
CIDR_PAIR(server_allowed, server_nallowed);
CIDR_PAIR(server_trusted, server_ntrusted);
CIDR_PAIR(status_allowed, status_nallowed);
/* ENUM fields hold the index of the word in the row. */
_Static_assert(LOG_TEXT == 0 && LOG_JSON == 1 && LOG_FLUENTD == 2,
    "LOG_FORMAT's words");
_Static_assert(LOG_TRACE == 0 && LOG_WARN == 3 && LOG_FATAL == 5,
    "LOG_LEVEL's words");

#define DEFAULT_STATE_DIR	"/var/lib/http-broadcast"
#define DEFAULT_STATE_FILE	DEFAULT_STATE_DIR "/cursor"

#define FAIL(i, ...) do {						\
	int n_ = snprintf(err, errlen, "%s: ", settings[i].name);	\
	if (n_ > 0 && (size_t)n_ < errlen)				\
		snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__);	\
	return (2);							\
} while (0)

#define SETTING_BIT(i)	((uint64_t)1 << (i))

/*
 * "A, B" of the settings whose bit is in mask (and, with role, whose
 * first role is that one), each followed by suffix: malloc'ed, NULL when
 * none (or out of memory).  A memory stream grows as needed, and is
 * checked once at the end.
 */
static char *
names_of(uint64_t mask, unsigned role, const char *suffix)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int i, n = 0;

	if (mask == 0 || (f = open_memstream(&out, &len)) == NULL)
		return (NULL);
	for (i = 0; i < S_COUNT; i++) {
		if (!(mask & SETTING_BIT(i)) || (role != 0 &&
		    (settings[i].roles & -settings[i].roles) != role))
			continue;
		fprintf(f, "%s%s%s", n++ > 0 ? ", " : "", settings[i].name,
		    suffix);
	}
	if (fclose(f) != 0 || n == 0) {
		free(out);
		return (NULL);
	}
	return (out);
}

/* The long option of a setting: AGENT_ENDPOINT, agent-endpoint. */
static void
option_name(const char *name, char *buf, size_t len)
{
	size_t j;

	for (j = 0; name[j] != '\0' && j + 1 < len; j++)
		buf[j] = name[j] == '_' ? '-' :
		    (char)tolower((unsigned char)name[j]);
	buf[j] = '\0';
}

/*--------------------------------------------------------------------
 * Secrets
 *
 * Each SECRET setting but the F_NOFILE ones may also be given as
 * NAME_FILE (--name-file): the path of a file holding it, read at start,
 * so that it is neither in the environment of the process nor on its
 * command line.  One given as an option is readable by every user of the
 * host in /proc/PID/cmdline: it is warned about, and wiped from there once
 * read (ps may still have caught it).  HUB_SUBSCRIBE_TOKEN has its own
 * _FILE setting, re-read at each connection.
 */

/* A key in PEM is a few kB; a token under 8 kB fits a header. */
#define SECRET_FILE_MAX	65536

static int
has_file(int i)
{
	return (settings[i].type == T_SECRET &&
	    !(settings[i].flags & F_NOFILE));
}

/* What settings_load() must undo or tell, whatever its outcome. */
struct load_ctx {
	char		*from_file[S_COUNT];	/* contents read */
	char		*in_argv[S_COUNT];	/* secrets of the command line */
};

/* The secret in file path (setting name fname), trailing newlines off. */
static char *
secret_read(const char *fname, const char *path, int *shared, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t len;
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
	n = buf != NULL ? hb_read_full(fd, buf, (size_t)st.st_size) : 0;
	close(fd);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory", fname);
		return (NULL);
	}
	len = n > 0 ? (size_t)n : 0;
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
	int i, shared;

	for (i = 0; i < S_COUNT; i++) {
		if (fval[i] == NULL || *fval[i] == '\0')
			continue;
		snprintf(fname, sizeof fname, "%s_FILE", settings[i].name);
		if (val[i] != NULL && *val[i] != '\0') {
			snprintf(err, errlen, "%s: cannot be combined with %s "
			    "(one place for a secret)", fname,
			    settings[i].name);
			return (2);
		}
		lc->from_file[i] = secret_read(fname, fval[i], &shared, err,
		    errlen);
		if (lc->from_file[i] == NULL)
			return (2);
		val[i] = lc->from_file[i];
		if (shared)
			cfg->secrets_shared |= SETTING_BIT(i);
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
	int i;

	for (i = 0; i < S_COUNT; i++) {
		secret_free(lc->from_file[i]);
		if (lc->in_argv[i] != NULL)
			explicit_bzero(lc->in_argv[i], strlen(lc->in_argv[i]));
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

int
settings_parse_bool(const char *s)
{
	static const char * const yes[] = { "1", "true", "yes", "on" };
	static const char * const no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return (1);
		if (strcasecmp(s, no[i]) == 0)
			return (0);
	}
	return (-1);
}

/* The index of word v among the choices of an ENUM, or -1. */
static int
enum_index(const char *choices, const char *v)
{
	const char *p = choices;
	size_t l, vl = strlen(v);
	int i = 0;

	while (*p != '\0') {
		l = strcspn(p, ",|");
		if (l == vl && strncasecmp(p, v, l) == 0)
			return (i);
		p += l;
		if (*p == ',')
			i++;
		if (*p != '\0')
			p++;
	}
	return (-1);
}

/* "a, b or c" (sep NULL; each quoted with quote), or "a|b|c" (sep "|"):
 * the first spelling of each word of an ENUM. */
static void
enum_list(const char *choices, const char *quote, const char *sep, char *buf,
    size_t len)
{
	const char *p = choices, *next;
	size_t l, o = 0;
	int n;

	*buf = '\0';
	while (*p != '\0' && o < len) {
		l = strcspn(p, ",|");
		next = strchr(p, ',');
		n = snprintf(buf + o, len - o, "%s%s%.*s%s", o == 0 ? "" :
		    sep != NULL ? sep : next == NULL ? " or " : ", ", quote,
		    (int)l, p, quote);
		if (n < 0)
			break;
		o += (size_t)n;
		if (next == NULL)
			break;
		p = next + 1;
	}
}

/* A duration in ms, as the table's defaults write them. */
static void
duration_text(int64_t ms, char *buf, size_t len)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else if (ms != 0 && ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

/* A bound of s as the value would be written. */
static void
bound_text(const struct setting *s, int64_t v, char *buf, size_t len)
{
	if (s->type == T_DURATION)
		duration_text(v, buf, len);
	else if (s->type == T_BYTES && v != 0 && v % (1024 * 1024) == 0)
		snprintf(buf, len, "%lldM", (long long)(v / (1024 * 1024)));
	else if (s->type == T_BYTES && v != 0 && v % 1024 == 0)
		snprintf(buf, len, "%lldk", (long long)(v / 1024));
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* "from 1 to 1024", "at least 1ms", "at most 24h", or "" (no bound). */
static void
range_text(const struct setting *s, char *buf, size_t len)
{
	char lo[32], hi[32];

	*buf = '\0';
	if (s->type == T_ENUM) {
		enum_list(s->choices, "", NULL, buf, len);
		return;
	}
	if (s->type == T_CIDRS) {
		if (s->min > 0)
			snprintf(buf, len, "not empty");
		return;
	}
	if (s->type != T_DURATION && s->type != T_INT &&
	    s->type != T_COUNT && s->type != T_BYTES)
		return;
	bound_text(s, s->min, lo, sizeof lo);
	bound_text(s, s->max, hi, sizeof hi);
	if (s->max != NOMAX && (s->min != 0 || s->type != T_DURATION))
		snprintf(buf, len, "from %s to %s", lo, hi);
	else if (s->max != NOMAX)
		snprintf(buf, len, "at most %s", hi);
	else if (s->min != 0)
		snprintf(buf, len, "at least %s", lo);
}

/* A comma list (hb_list_next()'s rule) of at least one method. */
static int
check_methods(const char *v, char *why, size_t len)
{
	const char *p = v, *m;
	size_t l, j, n = 0;

	for (j = 0; v[j] != '\0'; j++)
		if (!isalpha((unsigned char)v[j]) && v[j] != ',' &&
		    v[j] != ' ' && v[j] != '-' && v[j] != '_') {
			snprintf(why, len, "\"%.64s\" is not a list of methods",
			    v);
			return (-1);
		}
	while (hb_list_next(&p, v + strlen(v), &m, &l)) {
		if (memchr(m, ' ', l) != NULL) {
			snprintf(why, len, "\"%.*s\" is not a method: separate "
			    "methods with commas", (int)l, m);
			return (-1);
		}
		n++;
	}
	if (n == 0) {
		snprintf(why, len, "lists no method");
		return (-1);
	}
	return (0);
}

/*
 * The generic parser: value v of setting s (never empty unless F_EMPTY)
 * into its field p, checked against the row's bounds: 0, or -1 with why
 * (the problem, to follow the setting's name).
 */
static int
parse_value(const struct setting *s, const char *v, void *p, char *why,
    size_t len)
{
	char range[128];
	int64_t ms;
	size_t sz;
	long n;
	char *end;
	int b;

	range_text(s, range, sizeof range);
	switch (s->type) {
	case T_DURATION:
		if (settings_parse_duration(v, &ms) != 0) {
			snprintf(why, len, "\"%.64s\" is not a duration (e.g. "
			    "500ms, 60s, 2m)", v);
			return (-1);
		}
		if (ms < s->min || ms > s->max) {
			snprintf(why, len, "must be %s, not \"%.64s\"", range,
			    v);
			return (-1);
		}
		*(int64_t *)p = ms;
		return (0);
	case T_INT:
	case T_COUNT:
		errno = 0;
		n = strtol(v, &end, 10);
		if (*end != '\0' || errno != 0 || n < s->min || n > s->max) {
			snprintf(why, len, "\"%.32s\" is not a number %s", v,
			    range);
			return (-1);
		}
		if (s->type == T_INT)
			*(long *)p = n;
		else
			*(size_t *)p = (size_t)n;
		return (0);
	case T_BYTES:
		if (settings_parse_size(v, &sz) != 0 ||
		    (int64_t)sz < s->min || (int64_t)sz > s->max) {
			snprintf(why, len, "\"%.32s\" is not a size %s (e.g. "
			    "65536, 64k, 1M)", v, range);
			return (-1);
		}
		*(size_t *)p = sz;
		return (0);
	case T_BOOL:
		if ((b = settings_parse_bool(v)) < 0) {
			snprintf(why, len, "\"%.32s\" is not a boolean (1, "
			    "true, yes, on or 0, false, no, off)", v);
			return (-1);
		}
		*(int *)p = b;
		return (0);
	case T_ENUM:
		if ((b = enum_index(s->choices, v)) < 0) {
			snprintf(why, len, "\"%.32s\" is not %s", v, range);
			return (-1);
		}
		*(int *)p = b;
		return (0);
	case T_CIDRS:
		if (cidr_parse(v, (struct cidr **)p,
		    (size_t *)((char *)p + sizeof(struct cidr *)), why,
		    len) != 0)
			return (-1);
		if (*(size_t *)((char *)p + sizeof(struct cidr *)) <
		    (size_t)s->min) {
			snprintf(why, len, "is empty: it lists no address or "
			    "network (0.0.0.0/0,::/0 allows everyone)");
			return (-1);
		}
		return (0);
	case T_METHODS:
		if (check_methods(v, why, len) != 0)
			return (-1);
		break;
	case T_STRING:
	case T_SECRET:
	case T_PATH:
	case T_ADDR:
	case T_URL:
	case T_URLS:
		/* Checked after the loop when they need more than a
		 * string: a URL's kind depends on the setting. */
		break;
	}
	if ((*(char **)p = strdup(v)) == NULL) {
		snprintf(why, len, "out of memory");
		return (-1);
	}
	return (0);
}

/* The roles that run, from the settings that turn them on. */
static unsigned
roles_running(const char * const *val)
{
	unsigned r = RL_ALL;

#define GIVEN(i)	(val[i] != NULL && *val[i] != '\0')
	if (GIVEN(S_AGENT_ENDPOINT))
		r |= RL_AGENT;
	if (GIVEN(S_SERVER_ADDR))
		r |= RL_SERVER;
	if (GIVEN(S_REPORT_HUB_ENDPOINT))
		r |= RL_REPORTS;
	if ((r & RL_AGENT) && (r & RL_REPORTS))
		r |= RL_REPORTER;
	if (GIVEN(S_REPORT_LISTEN) &&
	    settings_parse_bool(val[S_REPORT_LISTEN]) == 1)
		r |= RL_LISTENER;
	if (GIVEN(S_STATUS_ADDR))
		r |= RL_STATUS;
#undef GIVEN
	return (r);
}

/*
 * Every row through the generic parser: the empty value is no value; a
 * value of a role that does not run is left unread (and warned about);
 * no value is the default.  val[] is left with the values read, for the
 * cross-checks.
 */
static int
parse_all(struct settings *cfg, const char **val, char *err, size_t errlen)
{
	const struct setting *s;
	unsigned running = roles_running(val);
	const char *v;
	char why[256];
	int64_t ms;
	int i;

	for (i = 0; i < S_COUNT; i++) {
		s = &settings[i];
		if (val[i] != NULL && *val[i] == '\0' && !(s->flags & F_EMPTY))
			val[i] = NULL;
		if (val[i] != NULL && !(s->roles & running)) {
			cfg->unused |= SETTING_BIT(i);
			val[i] = NULL;
		}
	}
	/* Why 0 is refused rather than the bare bound. */
	if (val[S_HUB_TIMEOUT] != NULL &&
	    settings_parse_duration(val[S_HUB_TIMEOUT], &ms) == 0 && ms == 0)
		FAIL(S_HUB_TIMEOUT, "0s (no limit) is not allowed: a publish "
		    "holds its client until the hub answers, so it must end");
	for (i = 0; i < S_COUNT; i++) {
		s = &settings[i];
		v = val[i] != NULL ? val[i] : s->def;
		if (v == NULL || s->off == NOFIELD_OFF)
			continue;
		if (parse_value(s, v, (char *)cfg + s->off, why,
		    sizeof why) != 0)
			FAIL(i, "%s", why);
	}
	return (0);
}

/*--------------------------------------------------------------------
 * What a row cannot say: settings that depend on others
 */

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

/* "a,b,c" of the hubs' redacted URLs, in one pass (malloc'ed, or NULL). */
static char *
hubs_shown(const struct settings *cfg)
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);

	if (f == NULL)
		return (NULL);
	for (i = 0; i < cfg->nhubs; i++)
		fprintf(f, "%s%s", i > 0 ? "," : "", cfg->hubs[i].url_shown);
	if (fclose(f) != 0) {
		free(out);
		return (NULL);
	}
	return (out);
}

/* The subscription URLs of h (its url set) for topic, 0.x's and 1.0's,
 * the redacted copies (credentials in the URL, userinfo or
 * ?authorization=, stay out of the logs) and the aud of its 1.0 tokens:
 * 0, or -1 when out of memory. */
static int
hub_urls(struct hub_cfg *h, const char *topic)
{

	h->subscribe_url = hb_url_add_query(h->url, "topic", topic);
	h->match_url = hb_url_add_query(h->url, "match", topic);
	h->audience = hb_url_audience(h->url);
	if (h->subscribe_url == NULL || h->match_url == NULL ||
	    h->audience == NULL)
		return (-1);
	h->subscribe_url_shown = hb_url_redact(h->subscribe_url);
	h->match_url_shown = hb_url_redact(h->match_url);
	return (h->subscribe_url_shown == NULL || h->match_url_shown == NULL ?
	    -1 : 0);
}

static void
hub_urls_free(struct hub_cfg *h)
{

	free(h->subscribe_url);
	free(h->match_url);
	free(h->audience);
	free(h->subscribe_url_shown);
	free(h->match_url_shown);
}

/*
 * HUB_ENDPOINT: one hub URL, or several as a comma list (the project's
 * rule, hb_list_next(); a comma inside a URL is written %2C).  Each
 * one's ?topic= must agree with the others and with HUB_TOPIC (topic: as
 * given, or NULL).
 */
static int
cross_hub(struct settings *cfg, const char *endpoint, const char *topic,
    char *err, size_t errlen)
{
	const char *p = endpoint, *e;
	char *one, *qtopic;
	struct hub_cfg *h;
	size_t len, i, j, n = 0;
	int r;

	if (endpoint == NULL)
		FAIL(S_HUB_ENDPOINT, "is required (e.g. "
		    "https://hub.example.com/.well-known/mercure)");
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
		if (qtopic != NULL && topic == NULL) {
			/* The first ?topic= replaces the default. */
			free(cfg->hub_topic);
			cfg->hub_topic = qtopic;
			topic = cfg->hub_topic;
		} else {
			free(qtopic);
		}
		for (j = 0; j < i; j++)
			/* The redacted URL names the hub in the state file
			 * and /metrics: it must tell hubs apart. */
			if (strcmp(cfg->hubs[j].url_shown, h->url_shown) == 0)
				FAIL(S_HUB_ENDPOINT, "lists %s twice",
				    h->url_shown);
	}
	if (cfg->hub_topic == NULL || *cfg->hub_topic == '\0')
		FAIL(S_HUB_TOPIC, "is empty");
	for (i = 0; i < n; i++)
		if (hub_urls(&cfg->hubs[i], cfg->hub_topic) != 0)
			FAIL(S_HUB_ENDPOINT, "cannot add the topic to the URL");
	cfg->hub_url = strdup(cfg->hubs[0].url);
	cfg->hub_url_shown = hubs_shown(cfg);
	if (cfg->hub_url == NULL || cfg->hub_url_shown == NULL)
		FAIL(S_HUB_ENDPOINT, "out of memory");
	return (0);
}

void
settings_grant(const struct settings *cfg, const struct hub_cfg *hub,
    const char *key, const char *action, const char *topic,
    struct hb_grant *g)
{

	memset(g, 0, sizeof *g);
	g->alg = cfg->hub_jwt_alg;
	g->key = key;
	g->action = action;
	g->topic = topic;
	g->protocol = (enum hb_protocol)cfg->hub_protocol;
	g->issuer = cfg->hub_jwt_issuer;
	g->ttl = (long)(cfg->hub_jwt_ttl_ms / 1000);
	if (hub == NULL) {
		g->audience = cfg->hub_audiences;
		g->naudience = cfg->hub_naudiences;
	} else {
		g->audience = cfg->hub_jwt_audience != NULL ?
		    (const char * const *)&cfg->hub_jwt_audience :
		    (const char * const *)&hub->audience;
		g->naudience = 1;
	}
}

/* A JWT minted now from key: a bad key is a bad setting, not a runtime
 * surprise at the first connection. */
static int
mint_check(const struct settings *cfg, int i, const char *key,
    const char *grant, const char *topic, char *err, size_t errlen)
{
	struct hb_grant g;
	char why[256], *tok;

	settings_grant(cfg, NULL, key, grant, topic, &g);
	g.ttl = 60;
	tok = hb_jwt_mint_grant(&g, 0, why, sizeof why);
	if (tok == NULL)
		FAIL(i, "%s", why);
	hb_bearer_free(tok);
	return (0);
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

/* The server mode's, when SERVER_ADDR is set. */
static int
cross_server(struct settings *cfg, const char * const *val, char *err,
    size_t errlen)
{
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
	if (cfg->hub_publish_token != NULL && cfg->hub_publish_jwt_key != NULL)
		FAIL(S_HUB_PUBLISH_TOKEN, "cannot be combined with "
		    "HUB_PUBLISH_JWT_KEY");
	if (cfg->hub_publish_token == NULL && cfg->hub_publish_jwt_key == NULL &&
	    val[S_HUB_TOKEN] != NULL &&
	    (cfg->hub_publish_token = strdup(val[S_HUB_TOKEN])) == NULL)
		FAIL(S_HUB_TOKEN, "out of memory");
	return (0);
}

/* The subscription's tokens and keys, the guard token. */
static int
cross_auth(struct settings *cfg, const char * const *val, char *err,
    size_t errlen)
{
	size_t j;
	int r;

	if (cfg->hub_token == NULL && val[S_HUB_TOKEN] != NULL &&
	    (cfg->hub_token = strdup(val[S_HUB_TOKEN])) == NULL)
		FAIL(S_HUB_TOKEN, "out of memory");
	if (cfg->hub_jwt_key != NULL &&
	    (cfg->hub_token != NULL || cfg->hub_token_file != NULL))
		FAIL(S_HUB_JWT_KEY, "cannot be combined with a static token "
		    "(HUB_SUBSCRIBE_TOKEN, HUB_TOKEN or HUB_SUBSCRIBE_TOKEN_FILE)");
	if (cfg->hub_token_file != NULL && cfg->hub_token != NULL)
		FAIL(S_HUB_SUBSCRIBE_TOKEN_FILE, "cannot be combined with "
		    "HUB_SUBSCRIBE_TOKEN or HUB_TOKEN");
	if (hb_jwt_alg_valid(cfg->hub_jwt_alg) != 0)
		FAIL(S_HUB_JWT_ALGORITHM, "\"%.32s\" is not a JWS algorithm",
		    cfg->hub_jwt_alg);
	if (cfg->hub_protocol == HB_PROTOCOL_1 &&
	    !hb_jwt_v1_capable(cfg->hub_jwt_alg))
		FAIL(S_HUB_PROTOCOL, "1: Mercure 1.0 tokens (typ at+jwt) need "
		    "HUB_JWT_ALGORITHM=HS256 with this libjwt");
	/* The aud of the 1.0 tokens: each hub's URL as it is sent to. */
	cfg->hub_naudiences = cfg->hub_jwt_audience != NULL ? 1 :
	    (unsigned)cfg->nhubs;
	cfg->hub_audiences = calloc(cfg->hub_naudiences,
	    sizeof *cfg->hub_audiences);
	if (cfg->hub_audiences == NULL)
		FAIL(S_HUB_ENDPOINT, "out of memory");
	for (j = 0; j < cfg->hub_naudiences; j++)
		cfg->hub_audiences[j] = cfg->hub_jwt_audience != NULL ?
		    cfg->hub_jwt_audience : cfg->hubs[j].audience;
	if (cfg->hub_jwt_key != NULL && (r = mint_check(cfg, S_HUB_JWT_KEY,
	    cfg->hub_jwt_key, "subscribe", cfg->hub_topic, err, errlen)) != 0)
		return (r);
	if (cfg->hub_publish_jwt_key != NULL && (r = mint_check(cfg,
	    S_HUB_PUBLISH_JWT_KEY, cfg->hub_publish_jwt_key, "publish",
	    cfg->hub_topic, err, errlen)) != 0)
		return (r);
	if (cfg->hub_guard_token == NULL &&
	    (cfg->hub_guard_token = strdup(cfg->hub_topic)) == NULL)
		FAIL(S_HUB_GUARD_TOKEN, "out of memory");
	for (j = 0; cfg->hub_guard_token[j] != '\0'; j++)
		if ((unsigned char)cfg->hub_guard_token[j] < 0x20 ||
		    cfg->hub_guard_token[j] == 0x7f)
			FAIL(S_HUB_GUARD_TOKEN, "has a control character");
	return (0);
}

/* STATE_FILE's default, which depends on where the daemon runs. */
static int
cross_state(struct settings *cfg, char *err, size_t errlen)
{
	const char *sd;
	char *home;

	if (cfg->state_file != NULL) {
		cfg->state_file_given = 1;
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
	return (0);
}

/* How hb_tls_check() names the TLS settings in its messages. */
static const char * const tls_names[4] = {
	"HUB_CA_FILE", "HUB_CA_DIR", "HUB_CLIENT_CERT", "HUB_CLIENT_KEY"
};

/* The keys of the signed reports: this node's, to sign; the master, to
 * refuse every report not signed with its node's key. */
static int
cross_report_keys(struct settings *cfg, char *err, size_t errlen)
{
	const char *v;
	char why[256];
	int fd, r;

	if ((v = cfg->report_sign_key_file) != NULL) {
		if (!cfg->report_publish)
			FAIL(S_REPORT_SIGN_KEY_FILE, "is for a node that "
			    "reports (AGENT_ENDPOINT is not set)");
		if (reportkey_node(v, cfg->report_sign_key, why,
		    sizeof why) != 0)
			FAIL(S_REPORT_SIGN_KEY_FILE, "%s", why);
	}
	if ((v = cfg->report_verify_key_file) == NULL)
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
	return (0);
}

/*
 * The reports' (docs/reports.md).  Off without REPORT_HUB_ENDPOINT:
 * reports need a hub of their own, or they would eat the history that
 * catch-up depends on.
 */
static int
cross_reports(struct settings *cfg, const char * const *val, char *err,
    size_t errlen)
{
	char host[256], why[256], *url, *qtopic = NULL;
	size_t i;
	int r;

	if (cfg->node_name == NULL) {
		if (gethostname(host, sizeof host) != 0)
			FAIL(S_NODE_NAME, "is not set and the host name is "
			    "unknown: %s", strerror(errno));
		host[sizeof host - 1] = '\0';
		if ((cfg->node_name = strdup(host)) == NULL)
			FAIL(S_NODE_NAME, "out of memory");
	}
	if (!node_name_valid(cfg->node_name))
		FAIL(S_NODE_NAME, "\"%.64s\" is not a node name (1 to 128 of "
		    "A-Z a-z 0-9 . _ : @ -)", cfg->node_name);
	if (cfg->report_idle_ms < cfg->report_interval_ms)
		FAIL(S_REPORT_IDLE_INTERVAL, "is shorter than REPORT_INTERVAL");
	if (cfg->report_hub.url == NULL) {
		if (cfg->report_listen)
			FAIL(S_REPORT_LISTEN, "needs REPORT_HUB_ENDPOINT");
		return (0);
	}
	/* The URL as given becomes the URL without its ?topic=. */
	url = cfg->report_hub.url;
	cfg->report_hub.url = NULL;
	r = hb_endpoint_parse(url, &cfg->report_hub.url, &qtopic, why,
	    sizeof why);
	free(url);
	if (r != 0)
		FAIL(S_REPORT_HUB_ENDPOINT, "%s", why);
	if (cfg->report_topic != NULL && qtopic != NULL &&
	    strcmp(cfg->report_topic, qtopic) != 0) {
		free(qtopic);
		FAIL(S_REPORT_TOPIC, "differs from the ?topic= of "
		    "REPORT_HUB_ENDPOINT");
	}
	if (cfg->report_topic != NULL)
		free(qtopic);
	else if (qtopic != NULL)
		cfg->report_topic = qtopic;
	else if (asprintf(&cfg->report_topic, "%s/nodes", cfg->hub_topic) < 0)
		cfg->report_topic = NULL;
	if (cfg->report_topic == NULL)
		FAIL(S_REPORT_TOPIC, "out of memory");
	if (strcmp(cfg->report_topic, cfg->hub_topic) == 0)
		FAIL(S_REPORT_TOPIC, "is HUB_TOPIC: every node would replay "
		    "the reports");
	cfg->report_hub.url_shown = hb_url_redact(cfg->report_hub.url);
	if (cfg->report_hub.url_shown == NULL ||
	    hub_urls(&cfg->report_hub, cfg->report_topic) != 0)
		FAIL(S_REPORT_HUB_ENDPOINT, "out of memory");
	cfg->report_publish = cfg->agent_endpoint != NULL;
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
	if (cfg->report_token == NULL && cfg->report_jwt_key == NULL &&
	    cfg->hub_jwt_key != NULL &&
	    (cfg->report_jwt_key = strdup(cfg->hub_jwt_key)) == NULL)
		FAIL(S_REPORT_JWT_KEY, "out of memory");
	/* The minted tokens grant the report topic only. */
	if (cfg->report_jwt_key != NULL && (r = mint_check(cfg,
	    val[S_REPORT_JWT_KEY] != NULL ? S_REPORT_JWT_KEY : S_HUB_JWT_KEY,
	    cfg->report_jwt_key, "publish", cfg->report_topic, err,
	    errlen)) != 0)
		return (r);
	if (cfg->report_listen && cfg->status_addr == NULL)
		FAIL(S_REPORT_LISTEN, "needs STATUS_ADDR: the answers are "
		    "served there");
	return (cross_report_keys(cfg, err, errlen));
}

/* Every setting that depends on another, after the generic loop. */
static int
cross_checks(struct settings *cfg, const char * const *val, char *err,
    size_t errlen)
{
	char why[256], *v;
	int r;

	if (cfg->debug && cfg->log_level > LOG_DEBUG)
		cfg->log_level = LOG_DEBUG;
	if (cfg->agent_endpoint == NULL && cfg->server_addr == NULL)
		FAIL(S_AGENT_ENDPOINT, "is required (e.g. http://127.0.0.1:6081) "
		    "unless SERVER_ADDR is set");
	if ((v = cfg->agent_endpoint) != NULL) {
		/* As given, it becomes http://host:port. */
		cfg->agent_endpoint = NULL;
		r = hb_agent_parse(v, &cfg->agent_endpoint, why, sizeof why);
		free(v);
		if (r != 0)
			FAIL(S_AGENT_ENDPOINT, "%s", why);
	}
	if (cfg->server_addr != NULL &&
	    (r = cross_server(cfg, val, err, errlen)) != 0)
		return (r);
	if ((r = cross_hub(cfg, val[S_HUB_ENDPOINT], val[S_HUB_TOPIC], err,
	    errlen)) != 0 || (r = cross_auth(cfg, val, err, errlen)) != 0 ||
	    (r = cross_state(cfg, err, errlen)) != 0)
		return (r);
	if (hb_tls_check(&cfg->hub_tls, tls_names, err, errlen) != 0)
		return (2);
	if (cfg->hub_proxy != NULL && !proxy_valid(cfg->hub_proxy))
		FAIL(S_HUB_PROXY, "must be a URL such as http://proxy:3128 "
		    "(http, https, socks4, socks4a, socks5 or socks5h)");
	return (cross_reports(cfg, val, err, errlen));
}

/*--------------------------------------------------------------------
 * --help and the reference of docs/configuration.md
 */

/* "(from 1 to 1024; default 16)", "(default 60s)", "" */
static void
help_note(const struct setting *s, char *buf, size_t len)
{
	char range[128];

	range_text(s, range, sizeof range);
	if (s->type == T_ENUM)		/* the help says the words */
		*range = '\0';
	snprintf(buf, len, "%s%s%s%s%s%s", *range != '\0' ||
	    s->def != NULL ? " (" : "", range, *range != '\0' &&
	    s->def != NULL ? "; " : "", s->def != NULL ? "default " : "",
	    s->def != NULL ? s->def : "", *range != '\0' || s->def != NULL ?
	    ")" : "");
}

static void
usage(void)
{
	char opt[64], note[200], meta[128];
	int i, n = 0;

	printf("Usage: http-broadcast [--option=value ...]\n"
	    "Subscribe to a Mercure hub and replay each broadcast request to "
	    "the local varnishd (AGENT_ENDPOINT); publish each request received "
	    "(SERVER_ADDR); or both.\n\nEach setting is an environment variable "
	    "or the long option named after it; an empty value is the "
	    "default (but STATE_FILE's); a BOOL is 1, true, yes or on, or 0, "
	    "false, no or off:\n");
	for (i = 0; i < S_COUNT; i++) {
		option_name(settings[i].name, opt, sizeof opt);
		help_note(&settings[i], note, sizeof note);
		/* An ENUM's placeholder is its words: "ban|warn". */
		if (settings[i].type == T_ENUM)
			enum_list(settings[i].choices, "", "|", meta, sizeof meta);
		printf("  %-26s --%s=%s\n      %s%s\n", settings[i].name, opt,
		    settings[i].type == T_ENUM ? meta :
		    types[settings[i].type].meta, settings[i].help, note);
	}
	printf("  NAME_FILE, --name-file for each of");
	for (i = 0; i < S_COUNT; i++)
		if (has_file(i))
			printf("%s %s", n++ > 0 ? "," : "", settings[i].name);
	printf("\n      a file holding the secret, read at start (not on the "
	    "command line:\n      every user of the host can read it there)\n");
	printf("  --help, --version\n");
}

void
settings_reference(FILE *f)
{
	const struct setting *s;
	const char *h;
	char range[128];
	size_t k;
	int i, n;

	fprintf(f, "| variable | type | default | roles | meaning |\n"
	    "|---|---|---|---|---|\n");
	for (i = 0; i < S_COUNT; i++) {
		s = &settings[i];
		range_text(s, range, sizeof range);
		if (s->type == T_ENUM)
			enum_list(s->choices, "`", NULL, range, sizeof range);
		fprintf(f, "| `%s` | %s%s%s%s | %s%s%s | ", s->name,
		    types[s->type].name, has_file(i) ? " (or `_FILE`)" : "",
		    *range != '\0' ? s->type == T_ENUM ? ": " : ", " : "",
		    range, s->def != NULL ? "`" : "", s->def != NULL ? s->def :
		    "", s->def != NULL ? "`" : "");
		for (k = n = 0; k < NROLES; k++)
			if (s->roles & roles[k].bit)
				fprintf(f, "%s%s", n++ > 0 ? ", " : "",
				    roles[k].name);
		fprintf(f, " | ");
		/* Markdown would take <id> for HTML, * for emphasis. */
		for (h = s->help; *h != '\0'; h++)
			fprintf(f, "%s%c", strchr("<>*|", *h) != NULL ? "\\" :
			    "", *h);
		fprintf(f, " |\n");
	}
}

/*--------------------------------------------------------------------
 * Loading
 */

#define FILE_OPT	256	/* above every short option */

static int
load(struct settings *cfg, struct load_ctx *lc, int argc, char * const *argv,
    char *err, size_t errlen)
{
	static char optnames[2 * S_COUNT][48];
	struct option opts[2 * S_COUNT + 3];
	const char *val[S_COUNT], *fval[S_COUNT], *v;
	char fname[64];
	int i, c, idx, nopt = 0, r;

	memset(cfg, 0, sizeof *cfg);
	memset(fval, 0, sizeof fval);
	/* One option per setting (its index in opts is S_NAME), then one
	 * per NAME_FILE (getopt_long() returns FILE_OPT + S_NAME). */
	for (i = 0; i < S_COUNT; i++) {
		option_name(settings[i].name, optnames[i], sizeof optnames[i]);
		opts[nopt++] = (struct option){ optnames[i],
		    required_argument, NULL, 0 };
		val[i] = getenv(settings[i].name);
	}
	for (i = 0; i < S_COUNT; i++) {
		if (!has_file(i))
			continue;
		snprintf(optnames[S_COUNT + i], sizeof optnames[0], "%s-file",
		    optnames[i]);
		opts[nopt++] = (struct option){ optnames[S_COUNT + i],
		    required_argument, NULL, FILE_OPT + i };
		snprintf(fname, sizeof fname, "%s_FILE", settings[i].name);
		fval[i] = getenv(fname);
	}
	opts[nopt++] = (struct option){ "help", no_argument, NULL, 'h' };
	opts[nopt++] = (struct option){ "version", no_argument, NULL, 'V' };
	opts[nopt] = (struct option){ NULL, 0, NULL, 0 };

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
		if (c >= FILE_OPT && c < FILE_OPT + S_COUNT) {
			fval[c - FILE_OPT] = optarg;
			continue;
		}
		if (c == 0 && idx < S_COUNT) {
			val[idx] = optarg;
			if (settings[idx].type == T_SECRET) {
				lc->in_argv[idx] = optarg;
				if (*optarg != '\0')
					cfg->secrets_argv |= SETTING_BIT(idx);
			}
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
	if ((r = secrets_from_files(cfg, lc, val, fval, err, errlen)) != 0 ||
	    (r = parse_all(cfg, val, err, errlen)) != 0)
		return (r);
	return (cross_checks(cfg, val, err, errlen));
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
	char *l;
	size_t i;

	for (i = 0; i < NROLES; i++)
		if ((l = names_of(cfg->unused, roles[i].bit, "")) != NULL) {
			log_msg(LOG_WARN, "%s: not used, %s", l, roles[i].off);
			free(l);
		}
	if (cfg->hub_protocol == HB_PROTOCOL_AUTO &&
	    (cfg->hub_jwt_key != NULL || cfg->hub_publish_jwt_key != NULL ||
	    cfg->report_jwt_key != NULL) && !hb_jwt_v1_capable(cfg->hub_jwt_alg))
		log_msg(LOG_WARN, "HUB_PROTOCOL=auto: the %s tokens minted "
		    "with this libjwt are for 0.x hubs only (Mercure 1.0 "
		    "needs typ at+jwt: use HS256)", cfg->hub_jwt_alg);
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
	if ((l = names_of(cfg->secrets_shared, 0, "_FILE")) != NULL) {
		log_msg(LOG_WARN, "%s: the file is readable by every user of "
		    "this host (chmod o-r)", l);
		free(l);
	}
	if ((l = names_of(cfg->secrets_argv, 0, "")) != NULL) {
		log_msg(LOG_WARN, "%s: given on the command line, where every "
		    "user of this host may read it while the daemon starts: "
		    "use the environment or NAME_FILE", l);
		free(l);
	}
}

void
settings_free(struct settings *cfg)
{
	const struct setting *s;
	void *p;
	size_t i;
	int k;

	/* The rows' fields, a new row's too: the types that allocate. */
	for (k = 0; k < S_COUNT; k++) {
		s = &settings[k];
		if (s->off == NOFIELD_OFF)
			continue;
		p = (char *)cfg + s->off;
		if (s->type == T_CIDRS)
			free(*(struct cidr **)p);
		else if (s->type == T_SECRET)
			secret_free(*(char **)p);
		else if (s->type != T_DURATION && s->type != T_INT &&
		    s->type != T_COUNT && s->type != T_BYTES &&
		    s->type != T_BOOL && s->type != T_ENUM)
			free(*(char **)p);
	}
	/* What the cross-checks derived. */
	for (i = 0; i < cfg->nhubs; i++) {
		free(cfg->hubs[i].url);
		free(cfg->hubs[i].url_shown);
		hub_urls_free(&cfg->hubs[i]);
	}
	free(cfg->hubs);
	free(cfg->hub_audiences);
	free(cfg->hub_url);
	free(cfg->hub_url_shown);
	free(cfg->report_hub.url_shown);
	hub_urls_free(&cfg->report_hub);
	explicit_bzero(cfg->report_sign_key, sizeof cfg->report_sign_key);
	explicit_bzero(&cfg->report_verify, sizeof cfg->report_verify);
	memset(cfg, 0, sizeof *cfg);
}
