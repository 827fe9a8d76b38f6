/* SPDX-License-Identifier: MIT */
/* tests/lib/sock.h: client sockets with deadlines, for the test tools. */
#ifndef TESTS_LIB_SOCK_H
#define TESTS_LIB_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* What the reads return instead of a length. */
enum sock_status {
	SOCK_ERROR = -1, /* errno says why */
	SOCK_TIMEOUT = -2,
	SOCK_EOF = -3, /* the peer closed before a whole message */
};

/* The monotonic clock in microseconds: deadlines below are on it. */
uint64_t sock_now_us(void);

/*
 * `ip` (IPv4 or IPv6, no port) as a socket address in `out`, port 0.
 * Returns 0, or -1 if it is neither.
 */
int sock_addr(const char *ip, struct sockaddr_storage *out);

/*
 * A UDP (or TCP) socket connected to a numeric address and port.  On
 * failure prints "prog: bad address ..." or "prog: connect: ..." on
 * stderr and returns -1.
 */
int sock_connect(const char *prog, const char *addr, const char *port,
                 bool tcp);

/* Wait for `fd` to be readable: 1 when it is, 0 at `deadline`, SOCK_ERROR. */
int sock_wait(int fd, uint64_t deadline);

/*
 * The first datagram (into `buf`, at most `cap` octets) whose ID is `id`,
 * dropping strays: its length, SOCK_TIMEOUT or SOCK_ERROR.
 */
ssize_t sock_recv_id(int fd, uint8_t *buf, size_t cap, unsigned id,
                     uint64_t deadline);

/*
 * One TCP message (2-octet length, RFC 1035 §4.2.2) into `buf`, which
 * must hold 65535 octets: its length (0 is possible), SOCK_TIMEOUT,
 * SOCK_EOF or SOCK_ERROR.
 */
ssize_t sock_read_framed(int fd, uint8_t *buf, uint64_t deadline);

#endif
