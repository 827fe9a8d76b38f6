/* SPDX-License-Identifier: MIT */
/* edge-health/statefile.c: the state file, in the hmsg text format. */
#include "edge-health/statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hmsg.h"
#include "common/xalloc.h"

int
statefile_save(const char *path, const struct hmsg *m)
{
	char *buf = xmalloc(HMSG_MAX);
	char *tmp = xasprintf("%s.tmp", path);
	int len = hmsg_encode(m, NULL, 0, buf, HMSG_MAX);
	int fd = -1, rc = -1;

	if (len < 0) {
		errno = EMSGSIZE;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		goto out;
	if (write(fd, buf, (size_t)len) != len) {
		if (errno == 0)
			errno = EIO;
		goto out;
	}
	/* No fsync: losing the newest state in a crash only costs what not
	 * having the file costs (edges start up). */
	if (close(fd) == -1) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto out;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc == -1) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	free(buf);
	return rc;
}

int
statefile_load(const char *path, struct hmsg *m, const char **why)
{
	char *buf = xmalloc(HMSG_MAX + 1);
	FILE *f = fopen(path, "r");
	int rc = -1;

	if (f == NULL) {
		*why = errno == ENOENT ? "no such file" : "cannot open";
		free(buf);
		return -1;
	}
	size_t n = fread(buf, 1, HMSG_MAX + 1, f);
	if (ferror(f))
		*why = "read error";
	else if (n > HMSG_MAX)
		*why = "too large";
	else
		rc = hmsg_decode(buf, n, NULL, 0, m, why);
	fclose(f);
	free(buf);
	return rc;
}
