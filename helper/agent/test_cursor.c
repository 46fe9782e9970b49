/* Unit tests of the cursor ordering, the state file and the dedup window. */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cursor.h"
#include "eventid.h"
#include "dedup.h"
#include "fnv_craft.h"
#include "test_check.h"

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
	char longest[EVENTID_MAX + 2], *id = NULL;
	int fd, fd2;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/cursor", dir);

	memset(longest, 'x', EVENTID_MAX);
	longest[EVENTID_MAX] = '\0';
	CHECK(eventid_check(longest) == NULL);
	CHECK(cursor_save(path, longest, err, sizeof err) == 0);
	CHECK(cursor_load(path, &id, err, sizeof err) == 0);
	CHECK_STR(id, longest);
	free(id);
	CHECK(eventid_check("urn:uuid:\xc3\xa9t\xc3\xa9") == NULL);

	longest[EVENTID_MAX] = 'x';
	longest[EVENTID_MAX + 1] = '\0';
	CHECK(eventid_check(longest) != NULL);
	CHECK(eventid_check("") != NULL);
	CHECK(eventid_check("earliest") != NULL);
	CHECK(eventid_check("a\tb") != NULL);
	CHECK(eventid_check("a\x7f") != NULL);

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

/*
 * Ids crafted to share one bucket under FNV-1a (as the table hashed them
 * before) spread over the buckets under the table's keyed hash: 2000 of
 * them in 8192 buckets make chains of a few ids, not one of 2000.
 */
static void
test_dedup_crafted(void)
{
	static struct fnv_craft fc;
	struct dedup d;
	char id[64];
	size_t longest;
	int i;

	fnv_craft_init(&fc);
	CHECK(dedup_init(&d, 4096) == 0);
	for (i = 0; i < 2000; i++) {
		fnv_craft_next(&fc, id);
		CHECK((fnv_craft_hash(id) & FNV_CRAFT_MASK) == 0);
		CHECK(dedup_seen(&d, id) == 0);
	}
	longest = dedup_longest_chain(&d);
	if (longest >= 16)
		fprintf(stderr, "crafted ids: a chain of %zu\n", longest);
	CHECK(longest < 16);
	dedup_fini(&d);
}

/* Copies of an event from other hubs wait for the first one. */
static void
test_follow(void)
{
	struct cursor a, b, c;
	uint64_t a1, b1, c1, b0;

	cursor_init(&a);
	cursor_init(&b);
	cursor_init(&c);
	a1 = cursor_push(&a, "a1");
	b0 = cursor_push(&b, "b0");
	b1 = cursor_push(&b, "b1");		/* copy of a1 */
	c1 = cursor_push(&c, "c1");		/* another copy */
	cursor_follow(&b, b1, &a, a1);
	cursor_follow(&c, c1, &a, a1);
	cursor_done(&b, b0);
	CHECK_STR(b.value, "b0");		/* b1 waits for a1 */
	CHECK(c.value == NULL);
	cursor_done(&a, a1);
	CHECK_STR(a.value, "a1");
	CHECK_STR(b.value, "b1");
	CHECK_STR(c.value, "c1");
	/* A copy of an event already finished is finished at once. */
	b1 = cursor_push(&b, "b2");
	cursor_follow(&b, b1, &a, a1);
	CHECK_STR(b.value, "b2");
	cursor_fini(&a);
	cursor_fini(&b);
	cursor_fini(&c);
}

/* The state file of several hubs, and an old one-id file. */
static void
test_file_v2(void)
{
	const char *keys[2] = { "http://a/hub", "http://b/hub" };
	const char *two[2] = { "urn:a 1", "urn:b" };
	const char *one[2] = { NULL, "urn:b2" };
	char path[] = "/tmp/test_cursor2.XXXXXX", err[256], line[128];
	char *ids[2];
	FILE *f;
	int fd;

	fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	CHECK(cursor_save(path, "urn:old", err, sizeof err) == 0);
	CHECK(cursor_load_all(path, 2, keys, ids, NULL, NULL, err, sizeof err) == 0);
	CHECK_STR(ids[0], "urn:old");		/* format 1: the first hub */
	CHECK(ids[1] == NULL);
	free(ids[0]);
	CHECK(cursor_save_all(path, 2, keys, two, NULL, err, sizeof err) == 0);
	f = fopen(path, "r");
	CHECK(f != NULL && fgets(line, sizeof line, f) != NULL);
	CHECK_STR(line, CURSOR_FILE_V2 "\n");
	fclose(f);
	CHECK(cursor_load_all(path, 2, keys, ids, NULL, NULL, err, sizeof err) == 0);
	CHECK_STR(ids[0], "urn:a 1");
	CHECK_STR(ids[1], "urn:b");
	free(ids[0]);
	free(ids[1]);
	CHECK(cursor_save_all(path, 2, keys, one, NULL, err, sizeof err) == 0);
	/* The order of HUB_ENDPOINT does not matter. */
	keys[0] = "http://b/hub";
	keys[1] = "http://a/hub";
	CHECK(cursor_load_all(path, 2, keys, ids, NULL, NULL, err, sizeof err) == 0);
	CHECK_STR(ids[0], "urn:b2");
	CHECK(ids[1] == NULL);
	free(ids[0]);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fprintf(f, "%s\nnospace\n", CURSOR_FILE_V2);
	fclose(f);
	CHECK(cursor_load_all(path, 2, keys, ids, NULL, NULL, err, sizeof err) == -1);
	unlink(path);
}

int
main(void)
{
	test_follow();
	test_file_v2();
	test_ordering();
	test_file();
	test_id_round_trip();
	test_dedup();
	test_dedup_crafted();
	return (TEST_DONE());
}
