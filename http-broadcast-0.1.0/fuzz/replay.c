/*
 * Corpus replay driver: runs a fuzz target over every file named on the
 * command line (or every file of the directories named), without libFuzzer.
 * `make check` uses it so that the corpus and every past crash stay
 * regression tests on any compiler.
 */

#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f;
	struct stat st;
	uint8_t *buf;
	size_t n;

	if (stat(path, &st) != 0 || (f = fopen(path, "rb")) == NULL) {
		perror(path);
		return (-1);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return (-1);
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	(void)LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return (0);
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	struct stat st;
	char path[4096];
	DIR *d;
	int i, n = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			d = opendir(argv[i]);
			if (d == NULL) {
				perror(argv[i]);
				return (1);
			}
			while ((de = readdir(d)) != NULL) {
				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof path, "%s/%s", argv[i],
				    de->d_name);
				bad |= run_file(path);
				n++;
			}
			closedir(d);
		} else {
			bad |= run_file(argv[i]);
			n++;
		}
	}
	printf("%s: %d inputs replayed\n", argv[0], n);
	return (bad != 0 || n == 0);
}
