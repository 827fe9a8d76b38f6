/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/qblast.c: a batched UDP DNS load generator, for `make bench`.
 *
 *   qblast -s addr -p port -f file [-Q rate] [-l seconds] [-c sockets]
 *          [-q window] [-t timeout_ms] [-b addr]
 *
 * Sends the queries of `file` (dnsperf's -B format: each one a 2-octet
 * big-endian length, then that many octets of wire-format query), cycling
 * through them in order, over `sockets` (default 4) connected UDP sockets,
 * each from its own ephemeral port so a SO_REUSEPORT server spreads them
 * over its workers; with -b the sockets are bound to source address
 * `addr` first (on loopback any 127.x.y.z: a forged source, whose
 * "victim" is then these sockets, for the rate limiting tests).  With -Q the
 * offered load is a fixed `rate` queries per second (open loop: what is due is
 * sent whether or not answers come back, and -q does not apply); without it,
 * closed loop at full speed with at most `window` (default 256) queries
 * outstanding.  Sends for `seconds` (default 5, fractional allowed), then waits
 * up to `timeout_ms` (default 1000) for the last answers; a query unanswered
 * after `timeout_ms` is lost, during the run as well.  Prints one line:
 *
 *   sent=N answered=N lost=N unexpected=N noerror=N otherrcode=N
 *   seconds=F qps=F p50_ms=F p99_ms=F avg_ms=F max_ms=F
 *   bytes_sent=N bytes_received=N
 *
 * where qps is answered / seconds (the sending window), the bytes are
 * those of the DNS messages (UDP payloads) the kernel took from us and
 * of every datagram that came back (answers, late or unexpected ones
 * included, at their full length though only the header is read), and the
 * percentiles come from a histogram of 1 us buckets (the upper edge of
 * the bucket is reported).  With -Q, "qblast: behind: ..." on stderr
 * says the rate achieved was under 99% of `rate`.  Exit 1 on usage, file
 * or socket errors, else 0.
 *
 * Each query's ID is replaced by a slot number: every socket has 65536
 * slots (send time, in flight or not), used in turn.  An answer counts if
 * QR is set and its ID names a slot in flight on the socket it came back
 * on; anything else (or an answer after `timeout_ms`) is `unexpected`.
 * A slot reused while still in flight counts its old query as lost.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64             /* messages per sendmmsg / recvmmsg */
#define NSLOTS 65536         /* one per DNS ID */
#define HIST_BUCKETS 1000000 /* 1 us each, up to 1 s; one more: overflow */
#define RX_LEN 64            /* we only read the header: longer gets cut */
#define SOCKBUF (4 << 20)    /* bytes of send and receive buffer per socket */
/*
 * Batches per socket per loop iteration: sending at most one, so answers
 * are read (and timestamped) within about 64 * sockets sends, even when
 * the open loop is catching up; receiving up to 16, to drain bursts.
 */
#define SEND_ROUNDS 1
#define RECV_ROUNDS 16

struct query {
	uint8_t *wire; /* the whole message; its first two octets (ID) unused */
	uint16_t len;
};

struct qsock {
	int fd;
	uint32_t head; /* queries sent here; the next slot is head % NSLOTS */
	uint32_t tail; /* the oldest slot that may still be in flight */
	uint64_t *sent_ns;
	uint8_t *busy;
};

static uint8_t *qfile; /* the whole file, which queries[] points into */
static struct query *queries;
static size_t nqueries, qnext;
static struct qsock *socks;
static unsigned nsocks, rr;
static uint64_t timeout_ns;

static uint64_t sent, answered, lost, unexpected, noerror, otherrcode;
static uint64_t outstanding, sum_ns, max_ns;
static uint64_t *hist; /* HIST_BUCKETS + 1 */
static uint64_t send_errors;
static uint64_t bytes_sent, bytes_received;
static int send_errno;

static void
usage(void)
{
	fprintf(stderr, "usage: qblast -s addr -p port -f file [-Q rate] "
	                "[-l seconds] [-c sockets] [-q window] "
	                "[-t timeout_ms] [-b addr]\n");
	exit(1);
}

__attribute__((format(printf, 1, 2), noreturn)) static void
die(const char *fmt, ...)
{
	va_list ap;

	fputs("qblast: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double
num_arg(const char *s, char opt, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		die("-%c %s: want a number from %g to %g", opt, s, min, max);
	return v;
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

/* Read all of `path` into memory and index its length-prefixed queries. */
static void
load_queries(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t size = 0, cap = 0, off = 0, qcap = 0;

	if (!f)
		die("%s: %s", path, strerror(errno));
	for (;;) {
		size_t got;

		if (size == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			qfile = realloc(qfile, cap);
			if (!qfile)
				die("out of memory");
		}
		got = fread(qfile + size, 1, cap - size, f);
		size += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);

	while (off < size) {
		unsigned len;

		if (size - off < 2)
			die("%s: truncated length at byte %zu", path, off);
		len = (unsigned)qfile[off] << 8 | qfile[off + 1];
		if (len < 12)
			die("%s: query %zu (byte %zu) is %u bytes, shorter "
			    "than "
			    "a DNS header",
			    path, nqueries + 1, off, len);
		if (size - off - 2 < len)
			die("%s: query %zu (byte %zu) says %u bytes, %zu left "
			    "(not dnsperf -B binary format?)",
			    path, nqueries + 1, off, len, size - off - 2);
		if (nqueries == qcap) {
			qcap = qcap ? qcap * 2 : 1024;
			queries = realloc(queries, qcap * sizeof(*queries));
			if (!queries)
				die("out of memory");
		}
		queries[nqueries].wire = qfile + off + 2;
		queries[nqueries].len = (uint16_t)len;
		nqueries++;
		off += 2 + len;
	}
	if (nqueries == 0)
		die("%s: no queries", path);
}

static void
open_sockets(const char *addr, const char *port, const char *src)
{
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_DGRAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *ai, *from = NULL;
	int rc = getaddrinfo(addr, port, &hints, &ai);

	if (rc)
		die("%s port %s: %s", addr, port, gai_strerror(rc));
	if (src) {
		hints.ai_family = ai->ai_family;
		rc = getaddrinfo(src, "0", &hints, &from);
		if (rc)
			die("-b %s: %s", src, gai_strerror(rc));
	}
	socks = xcalloc(nsocks, sizeof(*socks));
	for (unsigned i = 0; i < nsocks; i++) {
		struct qsock *s = &socks[i];
		int size = SOCKBUF;

		s->fd = socket(ai->ai_family,
		               SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			die("socket: %s", strerror(errno));
		/*
		 * Bursts of answers must not overflow the receive buffer
		 * while we are busy sending.  The FORCE variants (root) go
		 * past net.core.rmem_max; a smaller buffer is no error.
		 */
		if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		               sizeof(size)) < 0)
			(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size,
			                 sizeof(size));
		if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size,
		               sizeof(size)) < 0)
			(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &size,
			                 sizeof(size));
		if (from && bind(s->fd, from->ai_addr, from->ai_addrlen) < 0)
			die("bind %s: %s", src, strerror(errno));
		/* Connecting binds each socket to its own ephemeral port. */
		if (connect(s->fd, ai->ai_addr, ai->ai_addrlen) < 0)
			die("connect %s port %s: %s", addr, port,
			    strerror(errno));
		s->sent_ns = xcalloc(NSLOTS, sizeof(*s->sent_ns));
		s->busy = xcalloc(NSLOTS, 1);
	}
	freeaddrinfo(ai);
	if (from)
		freeaddrinfo(from);
}

/* The query in `slot` of `s` is done with, unanswered. */
static void
slot_lost(struct qsock *s, uint16_t slot)
{
	s->busy[slot] = 0;
	lost++;
	outstanding--;
}

/*
 * Send up to `k` (at most BATCH) queries on `s`; return how many went.
 * Slots are taken only for those the kernel accepted: one it refused
 * (full buffer, or an ICMP error reported on this send) stays due.
 */
static size_t
send_batch(struct qsock *s, size_t k)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH][2];
	static uint8_t ids[BATCH][2];
	uint64_t t;
	int m;

	for (size_t i = 0; i < k; i++) {
		const struct query *q = &queries[(qnext + i) % nqueries];
		uint16_t slot = (uint16_t)(s->head + i);

		/*
		 * The ID goes in its own iovec, so the loaded query is never
		 * written: one query may appear twice in a batch.
		 */
		ids[i][0] = (uint8_t)(slot >> 8);
		ids[i][1] = (uint8_t)slot;
		iov[i][0].iov_base = ids[i];
		iov[i][0].iov_len = 2;
		iov[i][1].iov_base = q->wire + 2;
		iov[i][1].iov_len = q->len - 2u;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = iov[i];
		msgs[i].msg_hdr.msg_iovlen = 2;
	}
	t = now_ns();
	m = sendmmsg(s->fd, msgs, (unsigned)k, 0);
	if (m < 0) {
		/*
		 * EAGAIN: the buffer is full; ECONNREFUSED: an ICMP error
		 * from an earlier query (nobody listening), reported now.
		 * Neither sent this batch; it is tried again.  Anything
		 * else is counted and reported at the end.
		 */
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNREFUSED && errno != EINTR) {
			send_errors++;
			send_errno = errno;
		}
		return 0;
	}
	for (int i = 0; i < m; i++) {
		uint16_t slot = (uint16_t)s->head;

		if (s->head - s->tail == NSLOTS) {
			/* Wrapped round onto the oldest slot. */
			if (s->busy[slot])
				slot_lost(s, slot);
			s->tail++;
		}
		s->busy[slot] = 1;
		s->sent_ns[slot] = t;
		s->head++;
		bytes_sent += msgs[i].msg_len;
	}
	qnext = (qnext + (size_t)m) % nqueries;
	sent += (uint64_t)m;
	outstanding += (uint64_t)m;
	return (size_t)m;
}

/* Send `due` queries, in batches round-robin over the sockets. */
static void
send_due(uint64_t due)
{
	unsigned batches = 0, short_batches = 0;

	while (due > 0 && batches < SEND_ROUNDS * nsocks &&
	       short_batches < nsocks) {
		struct qsock *s = &socks[rr];
		size_t k = due < BATCH ? (size_t)due : BATCH;
		size_t m = send_batch(s, k);

		rr = (rr + 1) % nsocks;
		due -= m;
		batches++;
		/* Every socket refusing some: leave the rest for later. */
		short_batches = m < k ? short_batches + 1 : 0;
	}
}

static void
answer(struct qsock *s, const uint8_t *b, size_t len, uint64_t t)
{
	uint16_t slot;
	uint64_t lat;

	if (len < 12 || !(b[2] & 0x80)) {
		unexpected++;
		return;
	}
	slot = (uint16_t)(b[0] << 8 | b[1]);
	if (!s->busy[slot]) {
		unexpected++;
		return;
	}
	if (s->sent_ns[slot] + timeout_ns <= t) {
		/* Too late: the same as if expire() had got there first. */
		slot_lost(s, slot);
		unexpected++;
		return;
	}
	s->busy[slot] = 0;
	outstanding--;
	lat = t > s->sent_ns[slot] ? t - s->sent_ns[slot] : 0;
	answered++;
	sum_ns += lat;
	if (lat > max_ns)
		max_ns = lat;
	hist[lat / 1000 < HIST_BUCKETS ? lat / 1000 : HIST_BUCKETS]++;
	if ((b[3] & 0x0f) == 0)
		noerror++;
	else
		otherrcode++;
}

static void
receive(struct qsock *s)
{
	static struct mmsghdr msgs[BATCH];
	static struct iovec iov[BATCH];
	static uint8_t bufs[BATCH][RX_LEN];

	for (int round = 0; round < RECV_ROUNDS; round++) {
		uint64_t t;
		int m;

		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = RX_LEN;
			memset(&msgs[i], 0, sizeof(msgs[i]));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		/* MSG_TRUNC: msg_len is the datagram's length, not what
		 * fitted in the buffer (the header is all we read) */
		m = recvmmsg(s->fd, msgs, BATCH, MSG_DONTWAIT | MSG_TRUNC,
		             NULL);
		if (m < 0) {
			/* An ICMP error is consumed: answers may follow. */
			if (errno == ECONNREFUSED || errno == EINTR)
				continue;
			return; /* EAGAIN: nothing more */
		}
		/* Timestamp after the call: never before the send. */
		t = now_ns();
		for (int i = 0; i < m; i++) {
			bytes_received += msgs[i].msg_len;
			answer(s, bufs[i], msgs[i].msg_len, t);
		}
		if (m < BATCH)
			return;
	}
}

/* Retire the slots of `s` older than the timeout, oldest first. */
static void
expire(struct qsock *s, uint64_t now)
{
	while (s->tail != s->head) {
		uint16_t slot = (uint16_t)s->tail;

		if (s->busy[slot]) {
			if (s->sent_ns[slot] + timeout_ns > now)
				return;
			slot_lost(s, slot);
		}
		s->tail++;
	}
}

/* The latency, in ms, that a fraction `p` of the answers came within. */
static double
percentile_ms(double p)
{
	uint64_t rank, cum = 0;

	if (answered == 0)
		return 0;
	rank = (uint64_t)(p * (double)answered);
	if ((double)rank < p * (double)answered || rank == 0)
		rank++;
	for (uint64_t i = 0; i < HIST_BUCKETS; i++) {
		cum += hist[i];
		if (cum >= rank) {
			uint64_t ns = (i + 1) * 1000;

			return (double)(ns < max_ns ? ns : max_ns) / 1e6;
		}
	}
	return (double)max_ns / 1e6;
}

int
main(int argc, char **argv)
{
	const char *addr = NULL, *port = NULL, *file = NULL, *src = NULL;
	double rate = 0, seconds = 5, window = 256;
	uint64_t start, end_send, stop = 0;
	bool sending = true;
	int opt;

	nsocks = 4;
	timeout_ns = 1000 * 1000000ull;
	while ((opt = getopt(argc, argv, "s:p:f:Q:l:c:q:t:b:")) != -1) {
		switch (opt) {
		case 's':
			addr = optarg;
			break;
		case 'p':
			port = optarg;
			if (num_arg(port, 'p', 1, 65535) != atoi(port))
				die("-p %s: want a port number", port);
			break;
		case 'f':
			file = optarg;
			break;
		case 'Q':
			rate = num_arg(optarg, 'Q', 1, 1e9);
			break;
		case 'l':
			seconds = num_arg(optarg, 'l', 0.001, 86400);
			break;
		case 'c':
			nsocks = (unsigned)num_arg(optarg, 'c', 1, 1024);
			break;
		case 'q':
			window = num_arg(optarg, 'q', 1, 1e9);
			break;
		case 't':
			timeout_ns =
			    (uint64_t)(num_arg(optarg, 't', 1, 3600e3) * 1e6);
			break;
		case 'b':
			src = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || !addr || !port || !file)
		usage();

	load_queries(file);
	open_sockets(addr, port, src);
	hist = xcalloc(HIST_BUCKETS + 1, sizeof(*hist));

	start = now_ns();
	end_send = start + (uint64_t)(seconds * 1e9);
	for (;;) {
		uint64_t now = now_ns();

		if (sending && now >= end_send) {
			sending = false;
			stop = now;
		}
		if (sending) {
			uint64_t want;

			/*
			 * Open loop: what the rate makes due by now, less what
			 * went; a backlog (refused sends, a stall) goes out
			 * as fast as send_due() allows, never ahead of the
			 * rate.  Closed loop: refill the window.
			 */
			if (rate > 0)
				want = (uint64_t)((double)(now - start) * rate /
				                  1e9);
			else
				want = (uint64_t)window;
			if (rate > 0 && want > sent)
				send_due(want - sent);
			else if (rate == 0 && want > outstanding)
				send_due(want - outstanding);
		}
		for (unsigned i = 0; i < nsocks; i++)
			receive(&socks[i]);
		now = now_ns();
		for (unsigned i = 0; i < nsocks; i++)
			expire(&socks[i], now);
		if (!sending && (outstanding == 0 || now >= stop + timeout_ns))
			break;
	}
	for (unsigned i = 0; i < nsocks; i++) {
		struct qsock *s = &socks[i];

		for (; s->tail != s->head; s->tail++)
			if (s->busy[(uint16_t)s->tail])
				slot_lost(s, (uint16_t)s->tail);
	}

	seconds = (double)(stop - start) / 1e9;
	printf("sent=%" PRIu64 " answered=%" PRIu64 " lost=%" PRIu64
	       " unexpected=%" PRIu64 " noerror=%" PRIu64 " otherrcode=%" PRIu64
	       " seconds=%.3f qps=%.1f p50_ms=%.3f"
	       " p99_ms=%.3f avg_ms=%.3f max_ms=%.3f"
	       " bytes_sent=%" PRIu64 " bytes_received=%" PRIu64 "\n",
	       sent, answered, lost, unexpected, noerror, otherrcode, seconds,
	       (double)answered / seconds, percentile_ms(0.50),
	       percentile_ms(0.99),
	       answered ? (double)sum_ns / (double)answered / 1e6 : 0.0,
	       (double)max_ns / 1e6, bytes_sent, bytes_received);
	if (rate > 0 && (double)sent < 0.99 * rate * seconds)
		fprintf(stderr,
		        "qblast: behind: sent %.0f q/s of the %.0f asked\n",
		        (double)sent / seconds, rate);
	if (send_errors)
		fprintf(stderr, "qblast: %" PRIu64 " sends failed (last: %s)\n",
		        send_errors, strerror(send_errno));
	return 0;
}
