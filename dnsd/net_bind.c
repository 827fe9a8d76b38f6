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

/*
 * UDP socket buffers: a burst of queries (or a worker busy for a moment,
 * e.g. on a reload) must wait in the socket, not be dropped; the kernel's
 * default (~200 KiB, about 300 small datagrams) is gone in 2 ms at 150 k
 * queries/s.  Started as root, dnsd can exceed net.core.rmem_max
 * (SO_RCVBUFFORCE); otherwise it gets what rmem_max allows.
 */
#define UDP_SOCKBUF (4 << 20)

static void
size_buffers(int fd)
{
	int size = UDP_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) ==
	    -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
		                 sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) ==
	    -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size,
		                 sizeof(size));
}

int
net_bind(const struct netaddr *a, int type)
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
	if (type == SOCK_DGRAM)
		size_buffers(fd);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		log_err_errno("listen %s: bind", a->text);
		close(fd);
		return -1;
	}
	return fd;
}
