/*
 * cursor: the resume point and its state file.  See cursor.h.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_miniobj.h"

#include "cursor.h"
#include "eventid.h"
#include "log.h"

/* The largest ring kept once every event is finished (entries). */
#define RING_KEEP	1024

struct cursor_entry {
	char		*id;		/* NULL when the event had no id */
	int		done;
	struct cursor	*fcur;		/* a copy waiting on this one */
	uint64_t	fseq;
};

void
cursor_init(struct cursor *c)
{
	INIT_OBJ(c, CURSOR_MAGIC);
}

void
cursor_fini(struct cursor *c)
{
	uint64_t s;

	AN(c);
	/* Zeroed and never initialized: an early exit of main(). */
	assert(c->magic == CURSOR_MAGIC || c->magic == 0);
	for (s = c->head; s < c->next; s++)
		free(c->ring[s & (c->cap - 1)].id);
	free(c->ring);
	free(c->value);
	memset(c, 0, sizeof *c);
}

int
cursor_set(struct cursor *c, const char *id)
{
	char *n;

	CHECK_OBJ_NOTNULL(c, CURSOR_MAGIC);
	if ((n = strdup(id)) == NULL)
		return (-1);
	free(c->value);
	c->value = n;
	return (0);
}

size_t
cursor_pending(const struct cursor *c)
{
	CHECK_OBJ_NOTNULL(c, CURSOR_MAGIC);
	return ((size_t)(c->next - c->head));
}

/* Double the ring, keeping every entry at seq & (cap - 1). */
static int
cursor_grow(struct cursor *c)
{
	size_t ncap = c->cap == 0 ? 64 : c->cap * 2;
	struct cursor_entry *n;
	uint64_t s;

	n = calloc(ncap, sizeof *n);
	if (n == NULL)
		return (-1);
	for (s = c->head; s < c->next; s++)
		n[s & (ncap - 1)] = c->ring[s & (c->cap - 1)];
	free(c->ring);
	c->ring = n;
	c->cap = ncap;
	return (0);
}

uint64_t
cursor_push(struct cursor *c, const char *id)
{
	struct cursor_entry *e;

	CHECK_OBJ_NOTNULL(c, CURSOR_MAGIC);
	if (cursor_pending(c) == c->cap && cursor_grow(c) != 0)
		return (UINT64_MAX);
	e = &c->ring[c->next & (c->cap - 1)];
	e->done = 0;
	e->id = NULL;
	e->fcur = NULL;
	if (*id != '\0' && (e->id = strdup(id)) == NULL)
		return (UINT64_MAX);
	return (c->next++);
}

void
cursor_follow(struct cursor *c, uint64_t seq, struct cursor *o,
    uint64_t oseq)
{
	struct cursor_entry *e;

	CHECK_OBJ_NOTNULL(c, CURSOR_MAGIC);
	CHECK_OBJ_ORNULL(o, CURSOR_MAGIC);
	/* Down the chain of copies (one per hub at most) to its end. */
	for (;;) {
		if (o == NULL || oseq < o->head || oseq >= o->next) {
			cursor_done(c, seq);
			return;
		}
		e = &o->ring[oseq & (o->cap - 1)];
		if (e->done) {
			cursor_done(c, seq);
			return;
		}
		if (e->fcur == NULL)
			break;
		o = e->fcur;
		oseq = e->fseq;
	}
	e->fcur = c;
	e->fseq = seq;
}

void
cursor_done(struct cursor *c, uint64_t seq)
{
	struct cursor_entry *e;
	struct cursor *fc;

	CHECK_OBJ_NOTNULL(c, CURSOR_MAGIC);
	if (seq < c->head || seq >= c->next)
		return;
	e = &c->ring[seq & (c->cap - 1)];
	e->done = 1;
	fc = e->fcur;
	e->fcur = NULL;
	if (fc != NULL)
		cursor_done(fc, e->fseq);
	while (c->head < c->next) {
		e = &c->ring[c->head & (c->cap - 1)];
		if (!e->done)
			break;
		if (e->id != NULL) {
			free(c->value);
			c->value = e->id;	/* ownership moves */
			e->id = NULL;
			c->moved = 1;
		}
		c->head++;
	}
	/* Drained after a burst: the ring goes (the next push makes a
	 * small one), not to keep the burst's size for good. */
	if (c->head == c->next && c->cap > RING_KEEP) {
		free(c->ring);
		c->ring = NULL;
		c->cap = 0;
	}
}

/*--------------------------------------------------------------------
 * The state file: one line, the id.
 */

int
cursor_load(const char *path, char **id, char *err, size_t errlen)
{
	char buf[EVENTID_MAX + 3];	/* id, newline, one more, NUL */
	const char *why;
	size_t n, l;
	FILE *f;

	*id = NULL;
	f = fopen(path, "r");
	if (f == NULL) {
		if (errno == ENOENT)
			return (0);
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
		    strerror(errno));
		fclose(f);
		return (-1);
	}
	fclose(f);
	buf[n] = '\0';
	if (n == 0)
		return (CURSOR_FILE_EMPTY);
	l = strcspn(buf, "\r\n");
	/* "id", "id\n" or "id\r\n"; a longer id fails the check below. */
	if (memchr(buf, '\0', n) != NULL || (l != n &&
	    l + 1 + (buf[l] == '\r' && buf[l + 1] == '\n') != n)) {
		snprintf(err, errlen, "%s is not a cursor file (one line "
		    "expected, the id of at most %d bytes)", path,
		    EVENTID_MAX);
		return (-1);
	}
	buf[l] = '\0';
	if (l == 0)
		return (CURSOR_FILE_EMPTY);
	if ((why = eventid_check(buf)) != NULL) {
		snprintf(err, errlen, "%s does not hold a usable cursor: %s",
		    path, why);
		return (-1);
	}
	*id = strdup(buf);
	if (*id == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	return (0);
}

static char *
dir_of(const char *path)
{
	char *copy = strdup(path), *d;

	if (copy == NULL)
		return (NULL);
	d = strdup(dirname(copy));
	free(copy);
	return (d);
}

/* A new file beside path, created exclusively (mkstemp: O_EXCL, so a
 * planted file or symbolic link is never written through). */
static int
temp_beside(const char *path, char **tmp, char *err, size_t errlen)
{
	int fd;

	if (asprintf(tmp, "%s.XXXXXX", path) < 0) {
		*tmp = NULL;
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create files beside %s: %s",
		    path, strerror(errno));
		free(*tmp);
		*tmp = NULL;
		return (-1);
	}
	/* mkstemp makes it 0600: the cursor is no secret, keep 0644. */
	(void)fchmod(fd, 0644);
	return (fd);
}

static int
save_text(const char *path, const char *text, char *err, size_t errlen)
{
	char *tmp, *dir;
	size_t len = strlen(text);
	int fd, dfd;

	fd = temp_beside(path, &tmp, err, errlen);
	if (fd < 0)
		return (-1);
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		close(fd);
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot replace %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	/* The rename itself must reach the disk before we rely on it. */
	dir = dir_of(path);
	if (dir != NULL) {
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(dir);
	}
	return (0);
}

int
cursor_save(const char *path, const char *id, char *err, size_t errlen)
{
	char *text;
	int r;

	if (asprintf(&text, "%s\n", id) < 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	r = save_text(path, text, err, errlen);
	free(text);
	return (r);
}

/*--------------------------------------------------------------------
 * Format 2, several hubs: the header line, then one line per hub that
 * has a cursor, "<hub URL> <id>" (the URL redacted as in the logs: it
 * holds no space, the id may).
 */

static void
seen_line(void *priv, const char *id)
{

	fprintf(priv, "seen %s\n", id);
}

int
cursor_save_all(const char *path, size_t n, const char * const *keys,
    const char * const *ids, const struct cursor_seen *seen, char *err,
    size_t errlen)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;
	int r;

	if (n == 1)
		return (ids[0] == NULL ? 0 : cursor_save(path, ids[0], err,
		    errlen));
	f = open_memstream(&text, &len);
	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	fprintf(f, "%s\n", CURSOR_FILE_V2);
	for (i = 0; i < n; i++)
		if (ids[i] != NULL)
			fprintf(f, "%s %s\n", keys[i], ids[i]);
	if (seen != NULL)
		seen->each(seen->priv, seen_line, f);
	if (fclose(f) != 0 || text == NULL) {
		free(text);
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	r = save_text(path, text, err, errlen);
	free(text);
	return (r);
}

static int
load_v2(const char *path, FILE *f, size_t n, const char * const *keys,
    char **ids, void (*seen_fn)(void *priv, const char *id), void *priv,
    char *err, size_t errlen)
{
	char *line = NULL, *sp;
	size_t cap = 0, i, lineno = 1;
	const char *why;
	ssize_t l;
	int r = 0;

	while (r == 0 && (l = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (l == 0)
			continue;
		sp = strchr(line, ' ');
		if (sp == NULL || memchr(line, '\0', (size_t)l) != NULL) {
			snprintf(err, errlen, "%s line %zu: \"<hub URL> <id>\" "
			    "expected", path, lineno);
			r = -1;
			break;
		}
		*sp++ = '\0';
		if (strcmp(line, "seen") == 0) {
			/* A hub key is an http(s) URL: never "seen". */
			if (seen_fn != NULL && *sp != '\0')
				seen_fn(priv, sp);
			continue;
		}
		if ((why = eventid_check(sp)) != NULL) {
			snprintf(err, errlen, "%s line %zu does not hold a "
			    "usable cursor: %s", path, lineno, why);
			r = -1;
			break;
		}
		for (i = 0; i < n; i++)
			if (strcmp(keys[i], line) == 0)
				break;
		if (i == n) {
			/* A hub no longer in HUB_ENDPOINT: said, then
			 * forgotten at the next save. */
			log_msg(LOG_WARN, "STATE_FILE %s: cursor of %s "
			    "ignored: not in HUB_ENDPOINT", path, line);
			continue;
		}
		free(ids[i]);
		if ((ids[i] = strdup(sp)) == NULL) {
			snprintf(err, errlen, "out of memory");
			r = -1;
		}
	}
	free(line);
	if (r != 0)
		for (i = 0; i < n; i++) {
			free(ids[i]);
			ids[i] = NULL;
		}
	return (r);
}

int
cursor_load_all(const char *path, size_t n, const char * const *keys,
    char **ids, void (*seen_fn)(void *priv, const char *id), void *priv,
    char *err, size_t errlen)
{
	char head[sizeof CURSOR_FILE_V2 + 2];
	size_t i;
	FILE *f;
	int r;

	for (i = 0; i < n; i++)
		ids[i] = NULL;
	f = fopen(path, "r");
	if (f != NULL && fgets(head, sizeof head, f) != NULL &&
	    strncmp(head, CURSOR_FILE_V2, strlen(CURSOR_FILE_V2)) == 0 &&
	    strchr("\r\n", head[strlen(CURSOR_FILE_V2)]) != NULL &&
	    head[strlen(CURSOR_FILE_V2)] != '\0') {
		r = load_v2(path, f, n, keys, ids, seen_fn, priv, err, errlen);
		fclose(f);
		return (r);
	}
	if (f != NULL)
		fclose(f);
	/* Format 1, one id: the cursor of the first hub (the only one
	 * before several were possible). */
	return (cursor_load(path, &ids[0], err, errlen));
}

int
cursor_check_dir(const char *path, char *err, size_t errlen)
{
	char *probe;
	int fd;

	fd = temp_beside(path, &probe, err, errlen);
	if (fd < 0)
		return (-1);
	close(fd);
	unlink(probe);
	free(probe);
	return (0);
}

int
cursor_make_dir(const char *path, char *err, size_t errlen)
{
	char *dir, *p;
	int r = 0;

	if ((dir = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	/* Each parent of the file in turn, from the top; mode 0700: the
	 * cursor is this user's. */
	for (p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot make %s: %s", dir,
			    strerror(errno));
			r = -1;
			break;
		}
		*p = '/';
	}
	free(dir);
	return (r);
}

int
cursor_lock(const char *path, char *err, size_t errlen)
{
	char *name;
	int fd;

	/* Not the state file itself: each save replaces it (a new inode). */
	if (asprintf(&name, "%s.lock", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", name,
		    strerror(errno));
		free(name);
		return (-1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			snprintf(err, errlen, "%s is in use by another "
			    "http-broadcast (it holds %s): give each daemon "
			    "its own STATE_FILE", path, name);
		else
			snprintf(err, errlen, "cannot lock %s: %s", name,
			    strerror(errno));
		close(fd);
		free(name);
		return (-1);
	}
	free(name);
	return (fd);
}
