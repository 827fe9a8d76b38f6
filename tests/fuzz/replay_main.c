/* SPDX-License-Identifier: MIT */
/* tests/fuzz/replay_main.c: replays corpus files through a fuzz target
 * without libFuzzer, so every corpus is a regression test under any CC. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feed one file to the target.  Returns 0, or -1 if it cannot be read. */
static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *nbuf = realloc(buf, cap);
			if (nbuf == NULL) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nbuf;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/*
	 * An exact-size copy, so ASan flags a target reading even one octet
	 * past the input (the slack in `buf` would hide it).
	 */
	uint8_t *exact = malloc(len ? len : 1);
	if (exact == NULL) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

/* Dot files (editor droppings, .gitkeep) are not inputs. */
static int
not_hidden(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Every regular file of `dir`, in name order.  -1 if missing or empty. */
static int
replay_dir(const char *dir, unsigned long *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, not_hidden, alphasort);
	unsigned long before = *count;
	int rc = 0;

	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) == -1)
				rc = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	if (rc == 0 && *count == before) {
		/* a missing or emptied corpus must fail, not pass quietly */
		fprintf(stderr, "%s: no inputs\n", dir);
		return -1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	const char *prog = strrchr(argv[0], '/');
	unsigned long count = 0;
	int rc = 0;

	prog = prog != NULL ? prog + 1 : argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR|FILE...\n", prog);
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) == -1)
				rc = 1;
		} else if (replay_file(argv[i]) == -1) {
			rc = 1;
		} else {
			count++;
		}
	}
	printf("%s: %lu inputs replayed\n", prog, count);
	return rc;
}
