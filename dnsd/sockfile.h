/* SPDX-License-Identifier: MIT */
/*
 * dnsd/sockfile.h: a Unix socket file of our own (the control socket, the
 * health feed).  Bound only where no live server answers (a file left by
 * a dead one is replaced, anything else is left alone), and removed when
 * we close it only if it is still ours: the file is unlinked while our
 * socket still holds it, so a server that starts after us cannot have
 * bound its own there yet.
 */
#ifndef DNSD_SOCKFILE_H
#define DNSD_SOCKFILE_H

#include <sys/types.h>

struct sockfile {
	char *path; /* NULL: nothing bound */
	int fd;
	dev_t dev; /* the file we made */
	ino_t ino;
};

/*
 * Bind a non-blocking Unix socket of `type` (SOCK_STREAM: listening too,
 * with `backlog`; SOCK_DGRAM) at `path`, mode 0660 from its first moment.
 * `what` names it in the log ("control", "health: feed").  Returns the
 * descriptor (also in sf->fd), or -1 after logging why.  Changes the
 * process umask briefly: call before other threads create files.
 */
int sockfile_bind(struct sockfile *sf, const char *what, const char *path,
                  int type, int backlog);

/* Remove the file if it is still ours, then close.  Safe on a zeroed or
 * already closed one. */
void sockfile_close(struct sockfile *sf);

#endif
