/*
 * cursor: where to resume after a restart.  Events get a sequence number
 * in arrival order; the cursor is the id of the newest event such that it
 * and every earlier event are finished (applied, refused or dropped).
 * An event still in flight holds the cursor back, so a crash replays it
 * again rather than losing it.  The state file keeps the cursor between
 * runs, written atomically (temporary file, fsync, rename).
 */

#ifndef HB_CURSOR_H
#define HB_CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct cursor_entry;

struct cursor {
	unsigned		magic;
#define CURSOR_MAGIC		0x6c0a5e21
	struct cursor_entry	*ring;
	size_t			cap;		/* power of two */
	uint64_t		head;		/* oldest unfinished seq */
	uint64_t		next;		/* seq of the next event */
	char			*value;		/* the cursor, or NULL */
	int			moved;		/* changed since last save */
};

void cursor_init(struct cursor *c);
void cursor_fini(struct cursor *c);
/* Start with a known cursor (read from the state file). */
int cursor_set(struct cursor *c, const char *id);
/* A new event: returns its sequence number, or UINT64_MAX (no memory).
 * id "" means the event had none: it never becomes the cursor. */
uint64_t cursor_push(struct cursor *c, const char *id);
/* The event is finished; the cursor moves over every finished prefix. */
void cursor_done(struct cursor *c, uint64_t seq);
/*
 * The event seq of c is the copy, delivered by another hub, of the event
 * oseq of cursor o: it is finished when that one is (at once if it
 * already is), so this hub's cursor never passes an event before some
 * hub's copy of it is applied.
 */
void cursor_follow(struct cursor *c, uint64_t seq, struct cursor *o,
    uint64_t oseq);
/* Events pushed and not finished. */
size_t cursor_pending(const struct cursor *c);

/* Read the state file: 0 with *id malloc'ed (NULL: no file yet),
 * CURSOR_FILE_EMPTY for an empty file (*id NULL), or -1 with a reason. */
#define CURSOR_FILE_EMPTY	1
int cursor_load(const char *path, char **id, char *err, size_t errlen);
/* Write atomically (a new temporary file beside it, fsync, rename).  0, or
 * -1 with a reason. */
int cursor_save(const char *path, const char *id, char *err, size_t errlen);
/*
 * The cursors of n hubs, named by keys (their redacted URLs).  The file
 * of one hub is format 1, the bare id (as before several hubs were
 * possible: an older release reads it); of several, format 2: the line
 * CURSOR_FILE_V2 then "<key> <id>" lines.  Loading a format 1 file
 * gives its id to the first hub.  ids[i] malloc'ed or NULL.
 */
#define CURSOR_FILE_V2	"http-broadcast-cursor 2"
/*
 * Format 2 may also hold "seen <EventID>" lines: the EventIDs applied
 * lately, written at a clean stop (seen_fn not NULL) so that the next
 * run does not apply again what a lagging hub delivers a second time.
 * Loading hands each one to seen_fn (may be NULL).
 */
struct cursor_seen {
	void	(*each)(void *priv, void (*fn)(void *, const char *), void *);
	void	*priv;
};
int cursor_load_all(const char *path, size_t n, const char * const *keys,
    char **ids, void (*seen_fn)(void *priv, const char *id), void *priv,
    char *err, size_t errlen);
int cursor_save_all(const char *path, size_t n, const char * const *keys,
    const char * const *ids, const struct cursor_seen *seen, char *err,
    size_t errlen);
/* Can files be created beside path?  0, or -1 with a reason. */
int cursor_check_dir(const char *path, char *err, size_t errlen);
/* Make the missing directories above path (mode 0700).  0, or -1 with
 * a reason. */
int cursor_make_dir(const char *path, char *err, size_t errlen);
/* Take the lock that keeps a second daemon off the same state file: an
 * open descriptor to keep for the life of the process, or -1 with a
 * reason. */
int cursor_lock(const char *path, char *err, size_t errlen);

#endif /* HB_CURSOR_H */
