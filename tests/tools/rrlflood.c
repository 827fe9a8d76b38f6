/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/rrlflood.c: flood a server at a fixed rate from a chosen
 * source address and sort what comes back, for the rate limiting tests.
 *
 *   rrlflood [-b addr] [-r rate] [-d seconds] [-w ms] [-N] [-c hex] [-R]
 *            [-T] addr port name type [name type]...
 *
 * Sends queries for `name` and `type` (several pairs: taken in turn) at
 * `rate` a second (default 500, open loop: one is due every 1/rate s,
 * whether or not replies come) for `seconds` (default 1, fractional
 * allowed, at most 60), from a socket bound to `addr` of -b (any port;
 * on loopback every 127.x.y.z and ::1 can be bound), then waits `ms`
 * (default 500) for the last replies.  Each query has its own ID (at
 * most 65536 queries).  The queries carry EDNS (payload 1232), with -c
 * the COOKIE option whose data is `hex` (RFC 7873: a client cookie of 8
 * octets, then a server cookie); -N sends them without EDNS.  -R puts a
 * random label in front of every name (random names under one zone).
 * -T sends them over one TCP connection instead, each waiting for its
 * reply (up to `ms`); the rate is then at most what that allows.
 *
 * A reply counts for the query with its ID (a second one is `other`); it
 * is:
 *   full       QR, TC clear, rcode NOERROR or NXDOMAIN, records in the
 *              answer or authority section (an answer, a NODATA or
 *              NXDOMAIN with its SOA, a referral)
 *   error      TC clear, any other rcode (REFUSED, FORMERR...), no records
 *   tc         TC set, no records in answer and authority (a slip)
 *   badcookie  rcode BADCOOKIE (23, with the OPT's extended bits), no
 *              records; badcookie_fresh counts those that carry a COOKIE
 *              option echoing our client cookie, with a server cookie of
 *              8 to 32 octets other than the one we sent
 *   other      anything else (described on stderr, the first few)
 * and `none` counts the queries without a reply.  Prints one line:
 *
 *   sent=N full=N error=N tc=N badcookie=N badcookie_fresh=N other=N none=N
 *   seconds=F qps=F bytes_sent=N bytes_received=N
 *
 * where seconds is the time from the first send to the last, qps the
 * rate achieved (sent / seconds) and the bytes count DNS messages (UDP
 * payloads, or TCP messages without their length).  Exit 0 (whatever came
 * back), 1 on usage or socket errors.
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

#include <ldns/ldns.h>

#include "tests/lib/hex.h"
#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

#define MAXREPORT 5
#define MAXQ 65536 /* one per ID */
#define MAXPAIRS 64
#define OPT_COOKIE 10
#define RC_NXDOMAIN 3
#define RC_BADCOOKIE 23

struct pair {
	const char *name;
	unsigned type;
};

static struct pair pairs[MAXPAIRS];
static unsigned npairs;
static bool tcp, no_edns, random_label;
static uint8_t cookie[40];
static size_t cookie_len;

static unsigned long sent, full, error, tc, badcookie, badcookie_fresh, other;
static unsigned long long bytes_sent, bytes_received;
static uint8_t state[MAXQ]; /* 0: not sent, 1: in flight, 2: replied */

static void
usage(void)
{
	fprintf(stderr, "usage: rrlflood [-b addr] [-r rate] [-d seconds] "
	                "[-w ms] [-N] [-c hex] [-R] [-T] addr port name type "
	                "[name type]...\n");
	exit(1);
}

static double
num_arg(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		usage();
	return v;
}

/* A socket bound to `src` (if not NULL) and connected to addr port. */
static int
open_socket(const char *src, const char *addr, const char *port)
{
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *dst, *from = NULL;
	int fd, rc = getaddrinfo(addr, port, &hints, &dst);

	if (rc != 0) {
		fprintf(stderr, "rrlflood: %s port %s: %s\n", addr, port,
		        gai_strerror(rc));
		return -1;
	}
	if (src != NULL) {
		hints.ai_family = dst->ai_family;
		rc = getaddrinfo(src, "0", &hints, &from);
		if (rc != 0) {
			fprintf(stderr, "rrlflood: -b %s: %s\n", src,
			        gai_strerror(rc));
			freeaddrinfo(dst);
			return -1;
		}
	}
	fd = socket(dst->ai_family, dst->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    (from != NULL && bind(fd, from->ai_addr, from->ai_addrlen) < 0) ||
	    connect(fd, dst->ai_addr, dst->ai_addrlen) < 0) {
		fprintf(stderr, "rrlflood: %s%s to %s port %s: %s\n",
		        src != NULL ? "from " : "", src != NULL ? src : "",
		        addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (from != NULL)
		freeaddrinfo(from);
	freeaddrinfo(dst);
	return fd;
}

/* Query number `n` (its ID) in `q`. */
static void
make_query(struct pkt *q, unsigned n)
{
	const struct pair *p = &pairs[n % npairs];
	char name[300];
	struct pkt opts;
	size_t qend;

	pkt_init(&opts);
	if (cookie_len > 0)
		pkt_option(&opts, OPT_COOKIE, cookie, cookie_len);
	if (random_label)
		snprintf(name, sizeof(name), "r%08lx%04x.%s",
		         (unsigned long)random(), n, p->name);
	else
		snprintf(name, sizeof(name), "%s", p->name);
	if (pkt_query_edns(q, name, p->type, no_edns ? NULL : &opts, &qend) ==
	    -1) {
		fprintf(stderr, "rrlflood: cannot make a query for %s\n", name);
		exit(1);
	}
	pkt_set_u16(q, 0, n);
}

/* The end of the name at r[off..n), or 0 if it runs out. */
static size_t
skip_name(const uint8_t *r, size_t n, size_t off)
{
	while (off < n) {
		unsigned l = r[off];
		if ((l & 0xC0) == 0xC0)
			return off + 2 <= n ? off + 2 : 0;
		if (l & 0xC0)
			return 0;
		off += 1 + l;
		if (l == 0)
			return off <= n ? off : 0;
	}
	return 0;
}

/*
 * Find the OPT record of reply r[0..n): its extended rcode bits and the
 * COOKIE option (NULL if none).  False if the reply does not parse.
 */
static bool
find_opt(const uint8_t *r, size_t n, bool *have_opt, unsigned *ext,
         const uint8_t **ck, size_t *cklen)
{
	size_t off = PKT_HDR_LEN;
	unsigned qd = pkt_get_u16(r + 4);
	unsigned rrs =
	    pkt_get_u16(r + 6) + pkt_get_u16(r + 8) + pkt_get_u16(r + 10);

	*have_opt = false;
	*ext = 0;
	*ck = NULL;
	*cklen = 0;
	for (unsigned i = 0; i < qd; i++) {
		off = skip_name(r, n, off);
		if (off == 0 || off + 4 > n)
			return false;
		off += 4;
	}
	for (unsigned i = 0; i < rrs; i++) {
		off = skip_name(r, n, off);
		if (off == 0 || off + 10 > n)
			return false;
		unsigned type = pkt_get_u16(r + off);
		size_t rdlen = pkt_get_u16(r + off + 8);
		if (off + 10 + rdlen > n)
			return false;
		if (type == PKT_T_OPT) {
			*have_opt = true;
			*ext = r[off + 4];
			for (size_t o = off + 10; o + 4 <= off + 10 + rdlen;) {
				unsigned code = pkt_get_u16(r + o);
				size_t len = pkt_get_u16(r + o + 2);
				if (o + 4 + len > off + 10 + rdlen)
					return false;
				if (code == OPT_COOKIE) {
					*ck = r + o + 4;
					*cklen = len;
				}
				o += 4 + len;
			}
		}
		off += 10 + rdlen;
	}
	return true;
}

static void
report(const char *why, const uint8_t *r, size_t n)
{
	if (++other > MAXREPORT)
		return;
	fprintf(stderr, "rrlflood: reply %u: %s (", n >= 2 ? pkt_get_u16(r) : 0,
	        why);
	if (n >= PKT_HDR_LEN) {
		fprintf(stderr, "rcode %u ", r[3] & 15u);
		pkt_print_flags_counts(stderr, r);
	}
	fprintf(stderr, ", %zu octets)\n", n);
}

/* Sort the reply r[0..n). */
static void
judge(const uint8_t *r, size_t n)
{
	bool have_opt;
	unsigned ext, id, rcode, records;
	const uint8_t *ck;
	size_t cklen;

	bytes_received += n;
	if (n < PKT_HDR_LEN || !(r[2] & 0x80)) {
		report("not a reply", r, n);
		return;
	}
	id = pkt_get_u16(r);
	if (state[id] != 1) {
		report(state[id] == 2 ? "a second reply" : "unknown ID", r, n);
		return;
	}
	state[id] = 2;
	if (!find_opt(r, n, &have_opt, &ext, &ck, &cklen)) {
		report("malformed", r, n);
		return;
	}
	rcode = (r[3] & 15u) | ext << 4;
	records = pkt_get_u16(r + 6) + pkt_get_u16(r + 8);
	if (rcode == RC_BADCOOKIE && records == 0 && !(r[2] & 0x02)) {
		badcookie++;
		/* our client cookie, and a server cookie we did not send */
		if (ck != NULL && cklen >= 16 && cklen <= 40 &&
		    cookie_len >= 8 && memcmp(ck, cookie, 8) == 0 &&
		    (cklen != cookie_len || memcmp(ck, cookie, cklen) != 0))
			badcookie_fresh++;
		return;
	}
	if (r[2] & 0x02) {
		if (records == 0)
			tc++;
		else
			report("TC with records", r, n);
		return;
	}
	if ((rcode == 0 || rcode == RC_NXDOMAIN) && records > 0)
		full++;
	else if (rcode != 0 && rcode != RC_NXDOMAIN && records == 0)
		error++;
	else
		report("neither an answer nor a slip", r, n);
}

/* Read what UDP replies are there, waiting until `deadline` at most. */
static void
udp_receive(int fd, uint64_t deadline)
{
	static uint8_t r[65536];

	for (;;) {
		uint64_t now = sock_now_us();
		int ms =
		    now >= deadline ? 0 : (int)((deadline - now + 999) / 1000);
		struct pollfd p = {.fd = fd, .events = POLLIN};

		if (poll(&p, 1, ms) <= 0)
			return;
		ssize_t n = recv(fd, r, sizeof(r), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			/* ECONNREFUSED (ICMP) and the like: keep going */
			continue;
		}
		judge(r, (size_t)n);
	}
}

/* One query over TCP and its reply (bounded by `wait_ms`). */
static int
tcp_one(int fd, const struct pkt *q, unsigned wait_ms)
{
	static uint8_t buf[65536 + 2];
	size_t len = pkt_frame(buf, q->b, q->len);
	ssize_t n;

	if (write(fd, buf, len) != (ssize_t)len) {
		fprintf(stderr, "rrlflood: tcp write: %s\n", strerror(errno));
		return -1;
	}
	bytes_sent += q->len;
	n = sock_read_framed(fd, buf, sock_now_us() + wait_ms * 1000ull);
	if (n == SOCK_TIMEOUT)
		return 0;
	if (n < 0) {
		fprintf(stderr, "rrlflood: tcp read: %s\n",
		        n == SOCK_EOF ? "closed" : strerror(errno));
		return -1;
	}
	judge(buf, (size_t)n);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *src = NULL;
	double rate = 500, seconds = 1;
	unsigned wait_ms = 500;
	uint64_t start, first = 0, last = 0;
	unsigned long want;
	struct pkt q;
	int c, fd;

	while ((c = getopt(argc, argv, "b:r:d:w:Nc:RT")) != -1) {
		switch (c) {
		case 'b':
			src = optarg;
			break;
		case 'r':
			rate = num_arg(optarg, 0.1, 1e6);
			break;
		case 'd':
			seconds = num_arg(optarg, 0.001, 60);
			break;
		case 'w':
			wait_ms = (unsigned)num_arg(optarg, 1, 60000);
			break;
		case 'N':
			no_edns = true;
			break;
		case 'c':
			if (hex_decode(optarg, NULL, cookie, sizeof(cookie),
			               &cookie_len) == -1 ||
			    cookie_len < 8)
				usage();
			break;
		case 'R':
			random_label = true;
			break;
		case 'T':
			tcp = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 4 || (argc - optind) % 2 != 0 ||
	    (no_edns && cookie_len > 0))
		usage();
	for (int i = optind + 2; i < argc; i += 2) {
		if (npairs == MAXPAIRS)
			usage();
		pairs[npairs].name = argv[i];
		pairs[npairs].type = ldns_get_rr_type_by_name(argv[i + 1]);
		if (pairs[npairs].type == 0)
			usage();
		npairs++;
	}
	want = (unsigned long)(rate * seconds + 0.5);
	if (want == 0)
		want = 1;
	if (want > MAXQ) {
		fprintf(stderr, "rrlflood: %lu queries: at most %u\n", want,
		        MAXQ);
		return 1;
	}
	fd = open_socket(src, argv[optind], argv[optind + 1]);
	if (fd < 0)
		return 1;
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	start = sock_now_us();
	while (sent < want) {
		uint64_t due = start + (uint64_t)((double)sent * 1e6 / rate);
		uint64_t now = sock_now_us();

		if (now < due) {
			if (tcp)
				usleep((useconds_t)(due - now));
			else
				udp_receive(fd, due);
			continue;
		}
		make_query(&q, (unsigned)sent);
		if (sent == 0)
			first = sock_now_us();
		last = sock_now_us();
		state[sent] = 1;
		sent++;
		if (tcp) {
			if (tcp_one(fd, &q, wait_ms) == -1)
				return 1;
			continue;
		}
		if (send(fd, q.b, q.len, 0) == (ssize_t)q.len)
			bytes_sent += q.len;
		else if (errno != ECONNREFUSED)
			fprintf(stderr, "rrlflood: send: %s\n",
			        strerror(errno));
	}
	if (!tcp)
		udp_receive(fd, sock_now_us() + wait_ms * 1000ull);
	close(fd);

	unsigned long replied = 0;
	for (unsigned long i = 0; i < sent; i++)
		replied += state[i] == 2;
	double secs = (double)(last - first) / 1e6;
	printf("sent=%lu full=%lu error=%lu tc=%lu badcookie=%lu "
	       "badcookie_fresh=%lu "
	       "other=%lu none=%lu seconds=%.3f qps=%.1f bytes_sent=%llu "
	       "bytes_received=%llu\n",
	       sent, full, error, tc, badcookie, badcookie_fresh, other,
	       sent - replied, secs, secs > 0 ? (double)sent / secs : 0.0,
	       bytes_sent, bytes_received);
	return 0;
}
