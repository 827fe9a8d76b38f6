/* SPDX-License-Identifier: MIT */
/* dnsd/sockfile.c: a Unix socket file of our own. */
#include "dnsd/sockfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"

/*
 * Is a server using the socket file at `sa`?  Only a refused connection
 * proves the file stale; any other failure (EACCES, a full backlog) means
 * we must not remove it.  0: stale, -1: leave it (logged).
 */
static int
check_stale(const char *what, const char *path, const struct sockaddr_un *sa,
            int type)
{
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1) {
		log_err_errno("%s: %s: socket", what, path);
		return -1;
	}
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	close(fd);
	if (rc == 0 || e == EAGAIN) {
		log_err("%s: %s: another server is listening on it", what,
		        path);
		return -1;
	}
	if (e == ECONNREFUSED || e == ENOENT)
		return 0;
	log_err("%s: %s: cannot tell whether it is stale: %s", what, path,
	        strerror(e));
	return -1;
}

int
sockfile_bind(struct sockfile *sf, const char *what, const char *path, int type,
              int backlog)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;

	sf->path = NULL;
	sf->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("%s: %s: path too long for a Unix socket (at most %zu "
		        "octets)",
		        what, path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("%s: %s: exists and is not a socket; not "
			        "removing it",
			        what, path);
			return -1;
		}
		if (check_stale(what, path, &sa, type) == -1)
			return -1;
		if (unlink(path) == -1 && errno != ENOENT) {
			log_err_errno("%s: %s: remove stale socket", what,
			              path);
			return -1;
		}
	} else if (errno != ENOENT) {
		log_err_errno("%s: %s", what, path);
		return -1;
	}
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_err_errno("%s: %s: socket", what, path);
		return -1;
	}
	/*
	 * The umask makes the file 0660 from the moment it exists; a chmod
	 * after bind alone would leave a window with the default mode.
	 * chmod as well, in case the old umask was stricter.
	 */
	mode_t old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	int rc = bind(fd, (const struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc == -1) {
		log_err_errno("%s: %s: bind", what, path);
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) == -1 || lstat(path, &st) == -1 ||
	    (type == SOCK_STREAM && listen(fd, backlog) == -1)) {
		log_err_errno("%s: %s: chmod or listen", what, path);
		unlink(path);
		close(fd);
		return -1;
	}
	sf->path = xstrdup(path);
	sf->fd = fd;
	sf->dev = st.st_dev;
	sf->ino = st.st_ino;
	return fd;
}

void
sockfile_close(struct sockfile *sf)
{
	struct stat st;

	if (sf->path == NULL)
		return;
	/*
	 * Unlink first, while our socket still holds the file: until we
	 * close it no other server can bind there (it would find us alive),
	 * and the inode cannot be reused, so dev and ino still tell our file
	 * from a newer server's that replaced it.
	 */
	if (lstat(sf->path, &st) == 0 && st.st_dev == sf->dev &&
	    st.st_ino == sf->ino)
		unlink(sf->path);
	close(sf->fd);
	free(sf->path);
	sf->path = NULL;
	sf->fd = -1;
}
