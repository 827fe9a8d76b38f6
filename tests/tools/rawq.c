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
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXMSG 65535
#define MAXCONN 1024

static int timeout_ms = 2000;
static bool decode, split;

static void
usage(void)
{
	fprintf(stderr, "usage: rawq [-t] [-w ms] [-n count] [-f] [-I] "
	                "[-C conns] [-F file] [-S] addr port [hex]\n");
	exit(1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
parse_hex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	int hi = -1;

	*len = 0;
	for (; *s != '\0'; s++) {
		int v;

		if (*s == ' ' || *s == '.' || *s == '-' || *s == '\n')
			continue;
		v = hexval(*s);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (*len == max)
			return -1;
		out[(*len)++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi < 0 ? 0 : -1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
print_reply(const uint8_t *p, size_t len)
{
	size_t i;

	if (!decode) {
		for (i = 0; i < len; i++)
			printf("%02x", p[i]);
		printf("\n");
		return;
	}
	if (len < 12) {
		printf("short len=%zu\n", len);
		return;
	}
	{
		static const struct {
			int byte, bit;
			const char *name;
		} fl[] = {{2, 0x80, "qr"}, {2, 0x04, "aa"}, {2, 0x02, "tc"},
		          {2, 0x01, "rd"}, {3, 0x80, "ra"}, {3, 0x40, "z"},
		          {3, 0x20, "ad"}, {3, 0x10, "cd"}};
		const char *sep = "";

		printf("id=%u rcode=%u opcode=%u flags=",
		       (unsigned)(p[0] << 8 | p[1]), p[3] & 15u,
		       (p[2] >> 3) & 15u);
		for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
			if (p[fl[i].byte] & fl[i].bit) {
				printf("%s%s", sep, fl[i].name);
				sep = ",";
			}
		}
		if (*sep == '\0')
			printf("-");
	}
	printf(" qd=%u an=%u ns=%u ar=%u len=%zu\n",
	       (unsigned)(p[4] << 8 | p[5]), (unsigned)(p[6] << 8 | p[7]),
	       (unsigned)(p[8] << 8 | p[9]), (unsigned)(p[10] << 8 | p[11]),
	       len);
}

static int
open_sock(const char *addr, const char *port, bool tcp)
{
	struct addrinfo hints, *ai;
	int fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(addr, port, &hints, &ai) != 0) {
		fprintf(stderr, "rawq: bad address %s port %s\n", addr, port);
		exit(1);
	}
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "rawq: connect: %s\n", strerror(errno));
		exit(1);
	}
	freeaddrinfo(ai);
	return fd;
}

/* Wait for input until `deadline` (ms): 1 ready, 0 timeout. */
static int
wait_in(int fd, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		uint64_t t = now_ms();
		int r;

		if (t >= deadline)
			return 0;
		r = poll(&pfd, 1, (int)(deadline - t));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
	}
}

/*
 * Read one framed TCP message before `deadline`: its length, 0 on EOF,
 * -1 on error, -2 on timeout.
 */
static long
tcp_read_msg(int fd, uint8_t *buf, uint64_t deadline)
{
	uint8_t lenb[2];
	size_t want = 2, got = 0;
	uint8_t *dst = lenb;
	bool have_len = false;

	for (;;) {
		ssize_t n;

		if (got == want) {
			if (have_len)
				return (long)want;
			have_len = true;
			want = (size_t)(lenb[0] << 8 | lenb[1]);
			got = 0;
			dst = buf;
			if (want == 0)
				return 0;
			continue;
		}
		if (!wait_in(fd, deadline))
			return -2;
		n = recv(fd, dst + got, want - got, 0);
		if (n == 0)
			return 0;
		if (n < 0)
			return errno == ECONNRESET ? 0 : -1;
		got += (size_t)n;
	}
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

		if (send(fd, msg, len, 0) != (ssize_t)len) {
			fprintf(stderr, "rawq: send: %s\n", strerror(errno));
			return 1;
		}
		if (!wait_in(fd, now_ms() + (uint64_t)timeout_ms)) {
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
	for (i = 0; i < count; i++) {
		framed[off] = (uint8_t)(len >> 8);
		framed[off + 1] = (uint8_t)len;
		memcpy(framed + off + 2, msg, len);
		off += len + 2;
	}
	off = 0;
	if (split) {
		if (send(fd, framed, 1, MSG_NOSIGNAL) != 1) {
			fprintf(stderr, "rawq: send: %s\n", strerror(errno));
			return 1;
		}
		usleep(100 * 1000);
		off = 1;
	}
	if (send(fd, framed + off, flen - off, MSG_NOSIGNAL) !=
	    (ssize_t)(flen - off)) {
		fprintf(stderr, "rawq: send: %s\n", strerror(errno));
		return 1;
	}
	free(framed);
	for (i = 0; i < count; i++) {
		long n = tcp_read_msg(fd, buf, now_ms() + (uint64_t)timeout_ms);

		if (n == -2) {
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
	uint64_t deadline;

	if (f == NULL) {
		fprintf(stderr, "rawq: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len;

		if (parse_hex(line, msg, sizeof(msg), &len) < 0) {
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
	deadline = now_ms() + (uint64_t)timeout_ms;
	while (wait_in(fd, deadline))
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
	uint64_t last = now_ms(), deadline;
	char c;

	if (len > 0) {
		uint8_t framed[MAXMSG + 2];
		long n;

		framed[0] = (uint8_t)(len >> 8);
		framed[1] = (uint8_t)len;
		memcpy(framed + 2, msg, len);
		if (send(fd, framed, len + 2, MSG_NOSIGNAL) !=
		    (ssize_t)(len + 2)) {
			fprintf(stderr, "rawq: send: %s\n", strerror(errno));
			return 1;
		}
		n = tcp_read_msg(fd, buf, now_ms() + (uint64_t)timeout_ms);
		if (n <= 0) {
			printf(n == -2 ? "timeout\n" : "closed 0\n");
			return 2;
		}
		last = now_ms();
	}
	deadline = last + (uint64_t)timeout_ms;
	if (!wait_in(fd, deadline)) {
		printf("open\n");
		return 0;
	}
	if (recv(fd, &c, 1, 0) > 0) {
		printf("unexpected data\n");
		return 1;
	}
	printf("closed %llu\n", (unsigned long long)(now_ms() - last));
	return 0;
}

static int
run_conns(const char *addr, const char *port, const uint8_t *msg, size_t len,
          unsigned conns)
{
	static uint8_t buf[MAXMSG];
	static int fds[MAXCONN];
	uint8_t framed[MAXMSG + 2];
	unsigned i, answered = 0;
	uint64_t deadline;

	for (i = 0; i < conns; i++)
		fds[i] = open_sock(addr, port, true);
	framed[0] = (uint8_t)(len >> 8);
	framed[1] = (uint8_t)len;
	memcpy(framed + 2, msg, len);
	for (i = 0; i < conns; i++)
		(void)send(fds[i], framed, len + 2, MSG_NOSIGNAL);
	deadline = now_ms() + (uint64_t)timeout_ms;
	for (i = 0; i < conns; i++) {
		long n = tcp_read_msg(fds[i], buf, deadline);

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
	if (argc - optind == 3 &&
	    parse_hex(argv[optind + 2], msg, sizeof(msg), &len) < 0) {
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
