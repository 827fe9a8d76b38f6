/* SPDX-License-Identifier: MIT */
/* tests/lib/keydir.c: DNSSEC keys for the tests, by ldns-keygen. */
#include "tests/lib/keydir.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"

char *
keydir_new(const char *prefix)
{
	char *dir = xasprintf("/tmp/%s.XXXXXX", prefix);

	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	return dir;
}

char *
keydir_keygen(const char *dir, const char *args)
{
	char *cmd = xasprintf("cd '%s' && ldns-keygen %s", dir, args);
	char line[256];
	FILE *p = popen(cmd, "r");
	bool got;

	free(cmd);
	if (p == NULL)
		return NULL;
	got = fgets(line, sizeof(line), p) != NULL;
	if (pclose(p) != 0 || !got)
		return NULL;
	line[strcspn(line, "\n")] = '\0';
	return xasprintf("%s/%s", dir, line);
}

void
keydir_free(char *dir)
{
	DIR *d;
	struct dirent *e;

	if (dir == NULL)
		return;
	d = opendir(dir);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		unlink(p);
		free(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
	free(dir);
}
