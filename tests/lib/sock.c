/* SPDX-License-Identifier: MIT */
/* tests/lib/sock.c: client sockets with deadlines, for the test tools. */
#include "tests/lib/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

uint64_t
sock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int
sock_connect(const char *prog, const char *addr, const char *port, bool tcp)
{
	struct addrinfo hints, *ai;
	int fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(addr, port, &hints, &ai) != 0) {
		fprintf(stderr, "%s: bad address %s port %s\n", prog, addr,
		        port);
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "%s: connect: %s\n", prog, strerror(errno));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
sock_wait(int fd, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		uint64_t t = sock_now_us();
		int r;

		if (t >= deadline)
			return 0;
		/* round up: a poll that ends early would spin */
		r = poll(&pfd, 1, (int)((deadline - t + 999) / 1000));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return SOCK_ERROR;
	}
}

ssize_t
sock_recv_id(int fd, uint8_t *buf, size_t cap, unsigned id, uint64_t deadline)
{
	for (;;) {
		int r = sock_wait(fd, deadline);
		ssize_t n;

		if (r <= 0)
			return r == 0 ? SOCK_TIMEOUT : SOCK_ERROR;
		n = recv(fd, buf, cap, 0);
		if (n < 0)
			return SOCK_ERROR;
		/* a late reply to an earlier query is not ours */
		if (n >= 2 && (unsigned)(buf[0] << 8 | buf[1]) == id)
			return n;
	}
}

ssize_t
sock_read_framed(int fd, uint8_t *buf, uint64_t deadline)
{
	uint8_t lenb[2];
	uint8_t *dst = lenb;
	size_t want = 2, got = 0;
	bool have_len = false;

	for (;;) {
		ssize_t n;
		int r;

		if (got == want) {
			if (have_len)
				return (ssize_t)want;
			have_len = true;
			want = (size_t)(lenb[0] << 8 | lenb[1]);
			got = 0;
			dst = buf;
			continue;
		}
		r = sock_wait(fd, deadline);
		if (r <= 0)
			return r == 0 ? SOCK_TIMEOUT : SOCK_ERROR;
		n = recv(fd, dst + got, want - got, 0);
		if (n == 0)
			return SOCK_EOF;
		if (n < 0)
			return SOCK_ERROR;
		got += (size_t)n;
	}
}

int
sock_addr(const char *ip, struct sockaddr_storage *out)
{
	struct sockaddr_in *s = (struct sockaddr_in *)out;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)out;

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, ip, &s->sin_addr) == 1) {
		s->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}
