/* Unit tests of the cursor ordering, the state file and the dedup window. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "dedup.h"
#include "../lib/test_check.h"

static void
test_ordering(void)
{
	struct cursor c;
	uint64_t s[200];
	char id[16];
	int i;

	cursor_init(&c);
	CHECK(c.value == NULL);
	CHECK(cursor_set(&c, "start") == 0);
	s[0] = cursor_push(&c, "a");
	s[1] = cursor_push(&c, "b");
	s[2] = cursor_push(&c, "");		/* no id */
	s[3] = cursor_push(&c, "d");
	CHECK(cursor_pending(&c) == 4);
	/* Finishing later events does not move the cursor past "a". */
	cursor_done(&c, s[1]);
	cursor_done(&c, s[3]);
	CHECK_STR(c.value, "start");
	CHECK(!c.moved);
	cursor_done(&c, s[0]);
	CHECK_STR(c.value, "b");
	CHECK(c.moved);
	CHECK(cursor_pending(&c) == 2);
	/* An event without id never becomes the cursor, but is passed. */
	cursor_done(&c, s[2]);
	CHECK_STR(c.value, "d");
	CHECK(cursor_pending(&c) == 0);
	cursor_done(&c, s[2]);			/* twice: ignored */
	CHECK_STR(c.value, "d");

	/* Growth of the ring while entries are pending, finished in
	 * reverse order: the cursor moves only at the end. */
	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof id, "e%d", i);
		s[i] = cursor_push(&c, id);
	}
	for (i = 199; i > 0; i--)
		cursor_done(&c, s[i]);
	CHECK_STR(c.value, "d");
	cursor_done(&c, s[0]);
	CHECK_STR(c.value, "e199");
	CHECK(cursor_pending(&c) == 0);
	cursor_fini(&c);
}

static void
test_file(void)
{
	char dir[] = "/tmp/test_cursor.XXXXXX", path[256], err[256];
	char *id = NULL;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/cursor", dir);
	CHECK(cursor_check_dir(path, err, sizeof err) == 0);
	CHECK(cursor_load(path, &id, err, sizeof err) == 0);
	CHECK(id == NULL);
	CHECK(cursor_save(path, "urn:uuid:1", err, sizeof err) == 0);
	CHECK(cursor_save(path, "urn:uuid:2", err, sizeof err) == 0);
	CHECK(cursor_load(path, &id, err, sizeof err) == 0);
	CHECK_STR(id, "urn:uuid:2");
	free(id);
	CHECK(cursor_check_dir("/nonexistent/dir/cursor", err, sizeof err) != 0);
	CHECK(strstr(err, "/nonexistent/dir/cursor") != NULL);
	unlink(path);
	rmdir(dir);
}

/* Write raw bytes as the state file. */
static void
put(const char *path, const char *bytes, size_t len)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (f == NULL)
		return;
	CHECK(fwrite(bytes, 1, len, f) == len);
	fclose(f);
}

/* Whatever may become the cursor round-trips through the file; what may
 * not is refused before it could. */
static void
test_id_round_trip(void)
{
	char dir[] = "/tmp/test_cursor.XXXXXX", path[256], err[256];
	char longest[CURSOR_ID_MAX + 2], *id = NULL;
	int fd, fd2;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/cursor", dir);

	memset(longest, 'x', CURSOR_ID_MAX);
	longest[CURSOR_ID_MAX] = '\0';
	CHECK(cursor_id_check(longest) == NULL);
	CHECK(cursor_save(path, longest, err, sizeof err) == 0);
	CHECK(cursor_load(path, &id, err, sizeof err) == 0);
	CHECK_STR(id, longest);
	free(id);
	CHECK(cursor_id_check("urn:uuid:\xc3\xa9t\xc3\xa9") == NULL);

	longest[CURSOR_ID_MAX] = 'x';
	longest[CURSOR_ID_MAX + 1] = '\0';
	CHECK(cursor_id_check(longest) != NULL);
	CHECK(cursor_id_check("") != NULL);
	CHECK(cursor_id_check("earliest") != NULL);
	CHECK(cursor_id_check("a\tb") != NULL);
	CHECK(cursor_id_check("a\x7f") != NULL);

	/* A file too long, with a NUL, or with two lines is refused with a
	 * reason; an empty one is reported as such. */
	put(path, longest, strlen(longest));
	CHECK(cursor_load(path, &id, err, sizeof err) == -1);
	CHECK(strstr(err, "1024") != NULL);
	put(path, "a\0b\n", 4);
	CHECK(cursor_load(path, &id, err, sizeof err) == -1);
	put(path, "a\nb\n", 4);
	CHECK(cursor_load(path, &id, err, sizeof err) == -1);
	put(path, "earliest\n", 9);
	CHECK(cursor_load(path, &id, err, sizeof err) == -1);
	CHECK(strstr(err, "earliest") != NULL);
	put(path, "", 0);
	CHECK(cursor_load(path, &id, err, sizeof err) == CURSOR_FILE_EMPTY);
	CHECK(id == NULL);
	put(path, "\n", 1);
	CHECK(cursor_load(path, &id, err, sizeof err) == CURSOR_FILE_EMPTY);
	put(path, "urn:1", 5);
	CHECK(cursor_load(path, &id, err, sizeof err) == 0);
	CHECK_STR(id, "urn:1");
	free(id);
	put(path, "urn:2\r\n", 7);
	CHECK(cursor_load(path, &id, err, sizeof err) == 0);
	CHECK_STR(id, "urn:2");
	free(id);

	/* One daemon per state file. */
	fd = cursor_lock(path, err, sizeof err);
	CHECK(fd >= 0);
	fd2 = cursor_lock(path, err, sizeof err);
	CHECK(fd2 == -1);
	CHECK(strstr(err, "in use by another") != NULL);
	close(fd);
	fd2 = cursor_lock(path, err, sizeof err);
	CHECK(fd2 >= 0);
	close(fd2);

	CHECK(strlen(path) + 6 <= sizeof err);
	memcpy(err, path, strlen(path));
	memcpy(err + strlen(path), ".lock", 6);
	unlink(err);
	unlink(path);
	CHECK(rmdir(dir) == 0);		/* no temporary file left behind */
}

static void
test_dedup(void)
{
	struct dedup d;
	char id[16];
	int i;

	CHECK(dedup_init(&d, 4) == 0);
	CHECK(dedup_seen(&d, "a") == 0);
	CHECK(dedup_seen(&d, "b") == 0);
	CHECK(dedup_seen(&d, "a") == 1);
	CHECK(dedup_seen(&d, "c") == 0);
	CHECK(dedup_seen(&d, "d") == 0);
	CHECK(dedup_seen(&d, "e") == 0);	/* "a" leaves the window */
	CHECK(dedup_seen(&d, "a") == 0);
	CHECK(dedup_seen(&d, "b") == 0);	/* so did "b" */
	CHECK(dedup_seen(&d, "e") == 1);
	dedup_fini(&d);

	CHECK(dedup_init(&d, 4096) == 0);
	for (i = 0; i < 10000; i++) {
		snprintf(id, sizeof id, "id%d", i);
		CHECK(dedup_seen(&d, id) == 0);
	}
	for (i = 10000 - 4096; i < 10000; i++) {
		snprintf(id, sizeof id, "id%d", i);
		CHECK(dedup_seen(&d, id) == 1);
	}
	snprintf(id, sizeof id, "id%d", 10000 - 4097);
	CHECK(dedup_seen(&d, id) == 0);
	dedup_fini(&d);
}

int
main(void)
{
	test_ordering();
	test_file();
	test_id_round_trip();
	test_dedup();
	return (TEST_DONE());
}
