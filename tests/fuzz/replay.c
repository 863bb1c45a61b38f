/* SPDX-License-Identifier: BSD-3-Clause
 *
 * Corpus replay for fuzz targets in the regular test suites (any compiler):
 * runs LLVMFuzzerTestOneInput on every file of the directories given, plus
 * a seeded batch of random inputs (20000, or N with --random=N first: a
 * target that runs a whole TCP exchange per input takes fewer). Prints
 * TAP-style lines.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static size_t
read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static unsigned int
replay_dir(const char *dir, uint8_t *buf, size_t cap)
{
	struct dirent *d;
	unsigned int n = 0;
	char path[4096];
	DIR *dp = opendir(dir);

	if (dp == NULL) {
		printf("not ok - corpus %s: cannot open\n", dir);
		exit(1);
	}
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		LLVMFuzzerTestOneInput(buf, read_file(path, buf, cap));
		n++;
	}
	closedir(dp);
	return n;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[65536];
	unsigned int n = 0, k, i, first = 1, n_random = 20000;
	uint32_t x = 0x7e57;

	if (argc > 1 && strncmp(argv[1], "--random=", 9) == 0) {
		n_random = (unsigned int)strtoul(argv[1] + 9, NULL, 10);
		first = 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (k = first; k < (unsigned int)argc; k++)
		n += replay_dir(argv[k], buf, sizeof(buf));
	printf("ok - replayed %u corpus inputs\n", n);
	for (k = 0; k < n_random; k++) {
		size_t len = k % 1600;

		for (i = 0; i < len; i++) {
			x = x * 1664525u + 1013904223u;
			buf[i] = (uint8_t)(x >> 24);
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("ok - %u random inputs\n", n_random);
	return 0;
}
