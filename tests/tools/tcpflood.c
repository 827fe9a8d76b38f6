/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/tcpflood.c: hold many TCP connections to a server, idle or
 * as slow readers, for the flood tests (41_tcp_floods).
 *
 *   tcpflood [-n conns] [-d seconds] [-o open_ms] [-j inflight]
 *            [-b source] [-r rcvbuf] [-q count] [-a ms] addr port
 *            [name type]
 *
 * Opens `conns` (default 1000) non-blocking connections to addr:port, at
 * most `inflight` (default 128) handshakes pending at a time, from
 * `source` if -b is given (an address; the port is the kernel's), with a
 * receive buffer of `rcvbuf` octets if -r is given (set before connect,
 * so the window offered stays that small).  Stops opening after `open_ms`
 * (default 5000); then prints, and flushes, one line
 *
 *   ready connected=C failed=F pending=P open_ms=MS
 *
 * Without `name type` the connections stay idle: nothing is sent.  With
 * them, each connection writes `count` (default 1000) pipelined queries
 * for name and type (2-octet framing, IDs 0, 1, ...) as fast as the
 * socket takes them and never reads a single answer: a slow reader.
 *
 * Watches every connection until `seconds` (default 5, fractional
 * allowed) after the start, or until the server has closed them all,
 * noting when the server closes one (EOF, reset or FIN seen), then closes
 * the rest with a reset (SO_LINGER 0, so no TIME_WAIT is left behind) and
 * prints one line
 *
 *   opened=N connected=C failed=F closed=K at_once=A later=L
 *   later_min_ms=X later_max_ms=Y stall_max_ms=S open_at_end=E
 *   queries_written=Q
 *
 * where a close counts `at_once` if it came within `ms` (-a, default 250)
 * of the connection's handshake, `later` otherwise, with its delay after
 * the handshake (later_min_ms..later_max_ms); stall_max_ms is the longest
 * a slow reader's writes had made no progress when the server closed it
 * (0 when idle); queries_written counts the queries written whole.
 * Exit 0, or 1 on usage and socket errors (which stop the run).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum cstate { C_NEW, C_PENDING, C_OPEN, C_CLOSED, C_FAILED };

struct conn {
	int fd;
	enum cstate st;
	uint64_t t_open;     /* handshake done (us) */
	uint64_t t_progress; /* last write that moved (us) */
	size_t off;          /* octets of the query stream written */
};

static void
usage(void)
{
	fprintf(stderr, "usage: tcpflood [-n conns] [-d seconds] [-o open_ms] "
	                "[-j inflight] [-b source] [-r rcvbuf] [-q count] "
	                "[-a ms] addr port [name type]\n");
	exit(1);
}

static struct addrinfo *
resolve(const char *addr, const char *port)
{
	struct addrinfo hints, *ai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(addr, port, &hints, &ai) != 0) {
		fprintf(stderr, "tcpflood: bad address %s port %s\n", addr,
		        port);
		exit(1);
	}
	return ai;
}

/* Start a non-blocking connect; the connection becomes C_PENDING, C_OPEN
 * or C_FAILED.  Socket errors other than the connect's own stop the run. */
static void
start(struct conn *c, const struct addrinfo *dst, const struct addrinfo *src,
      int rcvbuf)
{
	int on = 1;
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	c->fd = socket(dst->ai_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd == -1) {
		perror("tcpflood: socket");
		exit(1);
	}
	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (rcvbuf > 0 && setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	                             sizeof(rcvbuf)) == -1) {
		perror("tcpflood: SO_RCVBUF");
		exit(1);
	}
	if (src != NULL) {
		(void)setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT,
		                 &on, sizeof(on));
		if (bind(c->fd, src->ai_addr, src->ai_addrlen) == -1) {
			perror("tcpflood: bind");
			exit(1);
		}
	}
	if (connect(c->fd, dst->ai_addr, dst->ai_addrlen) == 0) {
		c->st = C_OPEN;
		c->t_open = c->t_progress = sock_now_us();
	} else if (errno == EINPROGRESS) {
		c->st = C_PENDING;
	} else {
		close(c->fd);
		c->fd = -1;
		c->st = C_FAILED;
	}
}

/* The slow readers' query stream: `count` framed queries, IDs 0, 1, ... */
static uint8_t *
build_stream(const char *name, const char *type, unsigned count, size_t *len)
{
	struct pkt q;
	ldns_rr_type qtype = ldns_get_rr_type_by_name(type);

	if (qtype == 0 || pkt_query(&q, 0, 0, name, qtype, 1, 0) == -1) {
		fprintf(stderr, "tcpflood: bad name or type: %s %s\n", name,
		        type);
		exit(1);
	}
	uint8_t *s = malloc((size_t)count * (q.len + 2));
	if (s == NULL) {
		perror("tcpflood: malloc");
		exit(1);
	}
	*len = 0;
	for (unsigned i = 0; i < count; i++) {
		pkt_set_u16(&q, 0, i & 0xffff);
		*len += pkt_frame(s + *len, q.b, q.len);
	}
	return s;
}

int
main(int argc, char **argv)
{
	unsigned n = 1000, inflight = 128, count = 1000;
	double seconds = 5;
	int open_ms = 5000, rcvbuf = 0, at_once_ms = 250, ch;
	const char *source = NULL;

	while ((ch = getopt(argc, argv, "n:d:o:j:b:r:q:a:")) != -1) {
		switch (ch) {
		case 'n':
			n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			seconds = atof(optarg);
			break;
		case 'o':
			open_ms = atoi(optarg);
			break;
		case 'j':
			inflight = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			source = optarg;
			break;
		case 'r':
			rcvbuf = atoi(optarg);
			break;
		case 'q':
			count = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'a':
			at_once_ms = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if ((argc - optind != 2 && argc - optind != 4) || n == 0 || n > 60000 ||
	    inflight == 0 || count == 0 || count > 65536 || seconds <= 0 ||
	    seconds > 600)
		usage();
	struct addrinfo *dst = resolve(argv[optind], argv[optind + 1]);
	struct addrinfo *src = source ? resolve(source, "0") : NULL;
	bool slow = argc - optind == 4;
	size_t slen = 0;
	uint8_t *stream = slow ? build_stream(argv[optind + 2],
	                                      argv[optind + 3], count, &slen)
	                       : NULL;

	/* one descriptor a connection, and a few to spare */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < n + 64) {
		rl.rlim_cur = n + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			perror("tcpflood: RLIMIT_NOFILE");
			return 1;
		}
	}

	struct conn *cs = calloc(n, sizeof(*cs));
	struct pollfd *pf = calloc(n, sizeof(*pf));
	unsigned *idx = calloc(n, sizeof(*idx));
	if (cs == NULL || pf == NULL || idx == NULL) {
		perror("tcpflood: calloc");
		return 1;
	}
	for (unsigned i = 0; i < n; i++)
		cs[i].fd = -1;

	uint64_t t0 = sock_now_us();
	uint64_t open_end = t0 + (uint64_t)open_ms * 1000;
	uint64_t end = t0 + (uint64_t)(seconds * 1e6);
	unsigned next = 0, pending = 0, connected = 0, failed = 0;
	unsigned closed = 0, at_once = 0, later = 0;
	uint64_t later_min = 0, later_max = 0, stall_max = 0;
	unsigned long long written = 0;
	bool ready = false;

	for (;;) {
		uint64_t now = sock_now_us();
		if (now >= end)
			break;
		/* open more, keeping at most `inflight` handshakes pending */
		while (next < n && pending < inflight && now < open_end) {
			start(&cs[next], dst, src, rcvbuf);
			if (cs[next].st == C_PENDING)
				pending++;
			else if (cs[next].st == C_OPEN)
				connected++;
			else
				failed++;
			next++;
		}
		bool opened = next == n && pending == 0;
		if (ready && opened && connected == closed)
			break; /* the server closed them all */
		if (!ready && (opened || now >= open_end)) {
			printf("ready connected=%u failed=%u pending=%u "
			       "open_ms=%llu\n",
			       connected, failed, pending,
			       (unsigned long long)(now - t0) / 1000);
			fflush(stdout);
			ready = true;
		}

		nfds_t np = 0;
		for (unsigned i = 0; i < next; i++) {
			struct conn *c = &cs[i];
			short ev = 0;
			if (c->st == C_PENDING)
				ev = POLLOUT;
			else if (c->st == C_OPEN && slow)
				ev = POLLRDHUP | (c->off < slen ? POLLOUT : 0);
			else if (c->st == C_OPEN)
				ev = POLLIN | POLLRDHUP;
			else
				continue;
			pf[np] = (struct pollfd){.fd = c->fd, .events = ev};
			idx[np++] = i;
		}
		uint64_t until = ready ? end : open_end < end ? open_end : end;
		int wait_ms = (int)((until - now + 999) / 1000);
		if (wait_ms > 50)
			wait_ms = 50; /* keep opening, and look at the clock */
		int r = poll(pf, np, wait_ms);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			perror("tcpflood: poll");
			return 1;
		}
		now = sock_now_us();
		for (nfds_t k = 0; k < np && r > 0; k++) {
			struct conn *c = &cs[idx[k]];
			short re = pf[k].revents;
			if (re == 0)
				continue;
			if (c->st == C_PENDING) {
				int err = 0;
				socklen_t el = sizeof(err);
				pending--;
				if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR,
				               &err, &el) == 0 &&
				    err == 0) {
					c->st = C_OPEN;
					c->t_open = c->t_progress = now;
					connected++;
				} else {
					close(c->fd);
					c->fd = -1;
					c->st = C_FAILED;
					failed++;
				}
				continue;
			}
			bool gone = (re & (POLLHUP | POLLERR | POLLRDHUP)) != 0;
			if (!slow && (re & POLLIN)) {
				char buf[4096];
				ssize_t got = read(c->fd, buf, sizeof(buf));
				if (got == 0 || (got == -1 && errno != EAGAIN &&
				                 errno != EINTR))
					gone = true;
			}
			if (!gone && slow && (re & POLLOUT)) {
				ssize_t w = write(c->fd, stream + c->off,
				                  slen - c->off);
				if (w > 0) {
					size_t q0 = c->off, q1;
					c->off += (size_t)w;
					q1 = c->off;
					/* queries whole: each is slen/count */
					written += q1 / (slen / count) -
					           q0 / (slen / count);
					c->t_progress = now;
				} else if (w == -1 && errno != EAGAIN &&
				           errno != EINTR) {
					gone = true;
				}
			}
			if (!gone)
				continue;
			uint64_t after = (now - c->t_open) / 1000;
			closed++;
			if (after < (uint64_t)at_once_ms) {
				at_once++;
			} else {
				if (later == 0 || after < later_min)
					later_min = after;
				if (after > later_max)
					later_max = after;
				later++;
			}
			if (slow && (now - c->t_progress) / 1000 > stall_max)
				stall_max = (now - c->t_progress) / 1000;
			close(c->fd);
			c->fd = -1;
			c->st = C_CLOSED;
		}
	}
	if (!ready) {
		printf("ready connected=%u failed=%u pending=%u open_ms=%llu\n",
		       connected, failed, pending,
		       (unsigned long long)(sock_now_us() - t0) / 1000);
	}
	unsigned open_at_end = 0;
	for (unsigned i = 0; i < next; i++) {
		if (cs[i].st == C_OPEN)
			open_at_end++;
		if (cs[i].fd != -1)
			close(cs[i].fd); /* SO_LINGER 0: a reset */
	}
	printf("opened=%u connected=%u failed=%u closed=%u at_once=%u "
	       "later=%u later_min_ms=%llu later_max_ms=%llu "
	       "stall_max_ms=%llu open_at_end=%u queries_written=%llu\n",
	       next, connected, failed, closed, at_once, later,
	       (unsigned long long)later_min, (unsigned long long)later_max,
	       (unsigned long long)stall_max, open_at_end, written);
	free(stream);
	free(cs);
	free(pf);
	free(idx);
	freeaddrinfo(dst);
	if (src != NULL)
		freeaddrinfo(src);
	return 0;
}
