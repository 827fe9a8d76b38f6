/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/rawq.c: send a raw, hex-encoded DNS message and show replies.
 *
 *   rawq [-t] [-w ms] [-n count] [-f] addr port hex
 *	Send the message (over TCP with -t, adding the 2-byte length) and
 *	print each reply on one line: hex, or with -f decoded as
 *	"id=N rcode=N opcode=N flags=qr,aa qd=N an=N ns=N ar=N len=N".
 *	-n sends it `count` times: one after the other over UDP, all in one
 *	write (pipelined) over TCP; a missing reply prints "timeout".
 *	-S (TCP) sends the first octet alone, the rest 100 ms later.
 *	Exit 0 if every reply came, 2 if one timed out, 1 on errors.
 *   rawq -t -I [-w ms] addr port [hex]
 *	Idle: connect, send the message if given and read its reply, then
 *	wait up to -w ms for the server to close: "closed MS" (milliseconds
 *	since the last byte we sent or got) or "open".
 *   rawq -t -C conns [-w ms] [-f] addr port hex
 *	Open `conns` connections first, then send the message on each and
 *	wait for the replies: prints "answered K of N".
 *   rawq -F file [-w ms] addr port
 *	Send every line of `file` (hex, one message per line) over UDP
 *	without waiting for replies, then wait -w ms for stragglers: prints
 *	"sent N replies M".  For floods of garbage.
 *
 * The hex may contain spaces, dots or dashes as separators.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/lib/hex.h"
#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

#define MAXMSG 65535
#define MAXCONN 1024
#define HEX_SEPARATORS " .-\n"

static int timeout_ms = 2000;
static bool decode, split;

static void
usage(void)
{
	fprintf(stderr, "usage: rawq [-t] [-w ms] [-n count] [-f] [-I] "
	                "[-C conns] [-F file] [-S] addr port [hex]\n");
	exit(1);
}

/* The deadline for a reply expected from now on. */
static uint64_t
deadline(void)
{
	return sock_now_us() + (uint64_t)timeout_ms * 1000;
}

static void
print_reply(const uint8_t *p, size_t len)
{
	if (!decode) {
		hex_print(stdout, p, len);
		printf("\n");
		return;
	}
	if (len < PKT_HDR_LEN) {
		printf("short len=%zu\n", len);
		return;
	}
	printf("id=%u rcode=%u opcode=%u ", pkt_get_u16(p), p[3] & 15u,
	       (p[2] >> 3) & 15u);
	pkt_print_flags_counts(stdout, p);
	printf(" len=%zu\n", len);
}

/* Like sock_connect, but the tool cannot go on without it. */
static int
open_sock(const char *addr, const char *port, bool tcp)
{
	int fd = sock_connect("rawq", addr, port, tcp);

	if (fd < 0)
		exit(1);
	return fd;
}

/* Send all of `len` octets, or say why not. */
static int
send_all(int fd, const uint8_t *p, size_t len)
{
	if (send(fd, p, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "rawq: send: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int
run_udp(const char *addr, const char *port, const uint8_t *msg, size_t len,
        unsigned count)
{
	static uint8_t buf[MAXMSG];
	int fd = open_sock(addr, port, false), ret = 0;
	unsigned i;

	for (i = 0; i < count; i++) {
		ssize_t n;

		if (send_all(fd, msg, len) < 0)
			return 1;
		if (sock_wait(fd, deadline()) <= 0) {
			printf("timeout\n");
			ret = 2;
			continue;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			printf("error %s\n", strerror(errno));
			ret = 1;
			continue;
		}
		print_reply(buf, (size_t)n);
	}
	close(fd);
	return ret;
}

static int
run_tcp(const char *addr, const char *port, const uint8_t *msg, size_t len,
        unsigned count)
{
	static uint8_t buf[MAXMSG];
	size_t flen = (len + 2) * count, off = 0;
	uint8_t *framed = malloc(flen);
	int fd = open_sock(addr, port, true);
	unsigned i;

	if (framed == NULL)
		return 1;
	for (i = 0; i < count; i++)
		off += pkt_frame(framed + off, msg, len);
	off = 0;
	if (split) {
		if (send_all(fd, framed, 1) < 0)
			return 1;
		usleep(100 * 1000);
		off = 1;
	}
	if (send_all(fd, framed + off, flen - off) < 0)
		return 1;
	free(framed);
	for (i = 0; i < count; i++) {
		ssize_t n = sock_read_framed(fd, buf, deadline());

		if (n == SOCK_TIMEOUT) {
			printf("timeout\n");
			return 2;
		}
		if (n <= 0) {
			printf("closed\n");
			return 2;
		}
		print_reply(buf, (size_t)n);
	}
	close(fd);
	return 0;
}

static int
run_file(const char *addr, const char *port, const char *path)
{
	static uint8_t buf[MAXMSG], msg[MAXMSG];
	static char line[2 * MAXMSG + 2];
	unsigned long sent = 0, replies = 0;
	int fd = open_sock(addr, port, false);
	FILE *f = fopen(path, "r");
	uint64_t end;

	if (f == NULL) {
		fprintf(stderr, "rawq: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len;

		if (hex_decode(line, HEX_SEPARATORS, msg, sizeof(msg), &len) <
		    0) {
			fprintf(stderr, "rawq: bad hex in %s\n", path);
			return 1;
		}
		if (send(fd, msg, len, 0) == (ssize_t)len)
			sent++;
		/* drain what came back meanwhile */
		while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			replies++;
	}
	fclose(f);
	end = deadline();
	while (sock_wait(fd, end) > 0)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
			replies++;
	close(fd);
	printf("sent %lu replies %lu\n", sent, replies);
	return 0;
}

static int
run_idle(const char *addr, const char *port, const uint8_t *msg, size_t len)
{
	static uint8_t buf[MAXMSG];
	int fd = open_sock(addr, port, true);
	uint64_t last = sock_now_us();
	char c;

	if (len > 0) {
		uint8_t framed[MAXMSG + 2];
		ssize_t n;

		if (send_all(fd, framed, pkt_frame(framed, msg, len)) < 0)
			return 1;
		n = sock_read_framed(fd, buf, deadline());
		if (n <= 0) {
			printf(n == SOCK_TIMEOUT ? "timeout\n" : "closed 0\n");
			return 2;
		}
		last = sock_now_us();
	}
	if (sock_wait(fd, last + (uint64_t)timeout_ms * 1000) <= 0) {
		printf("open\n");
		return 0;
	}
	if (recv(fd, &c, 1, 0) > 0) {
		printf("unexpected data\n");
		return 1;
	}
	printf("closed %llu\n",
	       (unsigned long long)((sock_now_us() - last) / 1000));
	return 0;
}

static int
run_conns(const char *addr, const char *port, const uint8_t *msg, size_t len,
          unsigned conns)
{
	static uint8_t buf[MAXMSG];
	static int fds[MAXCONN];
	uint8_t framed[MAXMSG + 2];
	size_t flen = pkt_frame(framed, msg, len);
	unsigned i, answered = 0;
	uint64_t end;

	for (i = 0; i < conns; i++)
		fds[i] = open_sock(addr, port, true);
	for (i = 0; i < conns; i++)
		(void)send(fds[i], framed, flen, MSG_NOSIGNAL);
	end = deadline();
	for (i = 0; i < conns; i++) {
		ssize_t n = sock_read_framed(fds[i], buf, end);

		if (n > 0) {
			answered++;
			if (decode)
				print_reply(buf, (size_t)n);
		}
	}
	for (i = 0; i < conns; i++)
		close(fds[i]);
	printf("answered %u of %u\n", answered, conns);
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t msg[MAXMSG];
	bool tcp = false, idle = false;
	const char *file = NULL;
	unsigned count = 1, conns = 0;
	size_t len = 0;
	int c;

	while ((c = getopt(argc, argv, "tw:n:fIC:F:S")) != -1) {
		switch (c) {
		case 't':
			tcp = true;
			break;
		case 'w':
			timeout_ms = atoi(optarg);
			break;
		case 'n':
			count = (unsigned)atoi(optarg);
			break;
		case 'f':
			decode = true;
			break;
		case 'I':
			idle = true;
			break;
		case 'C':
			conns = (unsigned)atoi(optarg);
			break;
		case 'F':
			file = optarg;
			break;
		case 'S':
			split = true;
			break;
		default:
			usage();
		}
	}
	if (file != NULL && argc - optind == 2 && !tcp)
		return run_file(argv[optind], argv[optind + 1], file);
	if (argc - optind < 2 || argc - optind > 3 || count == 0 ||
	    conns > MAXCONN || timeout_ms <= 0)
		usage();
	if (argc - optind == 3 && hex_decode(argv[optind + 2], HEX_SEPARATORS,
	                                     msg, sizeof(msg), &len) < 0) {
		fprintf(stderr, "rawq: bad hex\n");
		return 1;
	}
	if (idle || conns > 0) {
		if (!tcp || (conns > 0 && len == 0))
			usage();
		return idle ? run_idle(argv[optind], argv[optind + 1], msg, len)
		            : run_conns(argv[optind], argv[optind + 1], msg,
		                        len, conns);
	}
	if (argc - optind != 3)
		usage();
	return tcp ? run_tcp(argv[optind], argv[optind + 1], msg, len, count)
	           : run_udp(argv[optind], argv[optind + 1], msg, len, count);
}
