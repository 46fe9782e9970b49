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
#include <unistd.h>

#include "cursor.h"

struct cursor_entry {
	char	*id;		/* NULL when the event had no id */
	int	done;
};

void
cursor_init(struct cursor *c)
{
	memset(c, 0, sizeof *c);
}

void
cursor_fini(struct cursor *c)
{
	uint64_t s;

	for (s = c->head; s < c->next; s++)
		free(c->ring[s & (c->cap - 1)].id);
	free(c->ring);
	free(c->value);
	memset(c, 0, sizeof *c);
}

int
cursor_set(struct cursor *c, const char *id)
{
	char *n = strdup(id);

	if (n == NULL)
		return (-1);
	free(c->value);
	c->value = n;
	return (0);
}

size_t
cursor_pending(const struct cursor *c)
{
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

	if (cursor_pending(c) == c->cap && cursor_grow(c) != 0)
		return (UINT64_MAX);
	e = &c->ring[c->next & (c->cap - 1)];
	e->done = 0;
	e->id = NULL;
	if (*id != '\0' && (e->id = strdup(id)) == NULL)
		return (UINT64_MAX);
	return (c->next++);
}

void
cursor_done(struct cursor *c, uint64_t seq)
{
	struct cursor_entry *e;

	if (seq < c->head || seq >= c->next)
		return;
	c->ring[seq & (c->cap - 1)].done = 1;
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
}

/*--------------------------------------------------------------------
 * The state file: one line, the id.
 */

int
cursor_load(const char *path, char **id, char *err, size_t errlen)
{
	char buf[4096];
	size_t n;
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
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (strlen(buf) != n || n == sizeof buf - 1) {
		snprintf(err, errlen, "%s is not a cursor file", path);
		return (-1);
	}
	if (n == 0)
		return (0);
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

int
cursor_save(const char *path, const char *id, char *err, size_t errlen)
{
	char *tmp = NULL, *dir;
	size_t len = strlen(id);
	int fd, dfd;

	if (asprintf(&tmp, "%s.tmp", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 ||
	    write(fd, id, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp,
		    strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
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
cursor_check_dir(const char *path, char *err, size_t errlen)
{
	char *probe = NULL;
	int fd;

	if (asprintf(&probe, "%s.tmp", path) < 0) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	fd = open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create files beside %s: %s",
		    path, strerror(errno));
		free(probe);
		return (-1);
	}
	close(fd);
	unlink(probe);
	free(probe);
	return (0);
}
