/* SPDX-License-Identifier: MIT */
/* dnsd/net_bind.c: listening sockets shared by the UDP and TCP sides. */
#include "dnsd/net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"
#include "dnsd/conf.h"

int
net_bind(const struct listen_addr *a, int type)
{
	int fd =
	    socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd == -1) {
		log_err_errno("listen %s: socket", a->text);
		return -1;
	}
	/* Each worker binds the same address; the kernel balances them. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    (type == SOCK_STREAM &&
	     setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1) ||
	    (a->ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) ==
	         -1)) {
		log_err_errno("listen %s: setsockopt", a->text);
		close(fd);
		return -1;
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		log_err_errno("listen %s: bind", a->text);
		close(fd);
		return -1;
	}
	return fd;
}
