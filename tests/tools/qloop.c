/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/qloop.c: query a server continuously, for reload tests.
 *
 *   qloop [-d seconds] [-r rate] [-w ms] [-e rcode] [-a] [-s addr/prefix]
 *         addr port name type
 *
 * Sends one UDP query at a time (a new random ID each), at most `rate` per
 * second, for `seconds` seconds, and checks every reply: same ID and
 * question, QR set, TC clear, RCODE `rcode` (default 0), and with -a at
 * least one answer RR.  With -s the queries carry EDNS (payload 1232) with
 * that Client Subnet option (RFC 7871), as tests/tools/dnsq -s builds it,
 * and every reply must have an additional record (the OPT); without -s
 * they carry no EDNS at all.  Prints "sent N answered N failed N timeouts
 * N" and exits 0 if every query got a good reply, 1 otherwise.  Bad replies are
 * described on stderr (the first few).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "tests/lib/pkt.h"
#include "tests/lib/sock.h"

#define MAXREPORT 5

static void
usage(void)
{
	fprintf(stderr, "usage: qloop [-d seconds] [-r rate] [-w ms] "
	                "[-e rcode] [-a] [-s addr/prefix] addr port name "
	                "type\n");
	exit(1);
}

/*
 * What is wrong with reply `r` to query `q`, whose question ends at `qend`
 * (an OPT record may follow it), or NULL if nothing.
 */
static const char *
check_reply(const struct pkt *q, size_t qend, const uint8_t *r, size_t n,
            unsigned want_rcode, bool want_answer)
{
	if (n < qend)
		return "short reply";
	if (!(r[2] & 0x80))
		return "QR clear";
	if (r[2] & 0x02)
		return "TC set";
	if ((r[3] & 15u) != want_rcode)
		return "unexpected rcode";
	if (pkt_get_u16(r + 4) != 1 ||
	    memcmp(r + PKT_HDR_LEN, q->b + PKT_HDR_LEN, qend - PKT_HDR_LEN))
		return "question not echoed";
	if (want_answer && pkt_get_u16(r + 6) == 0)
		return "empty answer";
	if (qend < q->len && pkt_get_u16(r + 10) == 0)
		return "no OPT in the reply to an EDNS query";
	return NULL;
}

int
main(int argc, char **argv)
{
	unsigned seconds = 3, rate = 2000, wait_ms = 1000, want_rcode = 0;
	unsigned long sent = 0, answered = 0, failed = 0, timeouts = 0;
	bool want_answer = false;
	struct pkt q, opts;
	bool edns = false;
	size_t qend;
	uint8_t r[65536];
	uint64_t start, end, gap;
	ldns_rr_type qtype;
	int c, fd;

	pkt_init(&opts);
	while ((c = getopt(argc, argv, "d:r:w:e:as:")) != -1) {
		switch (c) {
		case 'd':
			seconds = (unsigned)atoi(optarg);
			break;
		case 'r':
			rate = (unsigned)atoi(optarg);
			break;
		case 'w':
			wait_ms = (unsigned)atoi(optarg);
			break;
		case 'e':
			want_rcode = (unsigned)atoi(optarg);
			break;
		case 'a':
			want_answer = true;
			break;
		case 's':
			if (edns || pkt_ecs(&opts, optarg))
				usage();
			edns = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4 || rate == 0 || seconds == 0 || seconds > 60)
		usage();
	qtype = ldns_get_rr_type_by_name(argv[optind + 3]);
	if (qtype == 0 || pkt_query_edns(&q, argv[optind + 2], qtype,
	                                 edns ? &opts : NULL, &qend) == -1)
		usage();

	fd = sock_connect("qloop", argv[optind], argv[optind + 1], false);
	if (fd < 0)
		exit(1);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	gap = 1000000 / rate;
	start = sock_now_us();
	end = start + (uint64_t)seconds * 1000000;
	while (sock_now_us() < end) {
		uint64_t t0 = sock_now_us(), deadline = t0 + wait_ms * 1000ull;
		unsigned id = (unsigned)random() & 0xffff;
		const char *why;
		ssize_t n;

		pkt_set_u16(&q, 0, id);
		if (send(fd, q.b, q.len, 0) != (ssize_t)q.len) {
			fprintf(stderr, "qloop: send: %s\n", strerror(errno));
			return 1;
		}
		sent++;
		/* an error (say ICMP unreachable during a restart) is not the
		 * end: the reply may still come before the deadline */
		do
			n = sock_recv_id(fd, r, sizeof(r), id, deadline);
		while (n == SOCK_ERROR && sock_now_us() < deadline);
		if (n < 0) {
			timeouts++;
			if (timeouts <= MAXREPORT)
				fprintf(stderr, "qloop: timeout, query %lu\n",
				        sent);
			continue;
		}
		answered++;
		why = check_reply(&q, qend, r, (size_t)n, want_rcode,
		                  want_answer);
		if (why != NULL) {
			failed++;
			if (failed <= MAXREPORT)
				fprintf(stderr,
				        "qloop: query %lu: %s "
				        "(rcode %u)\n",
				        sent, why, r[3] & 15u);
		}
		for (;;) {
			uint64_t t = sock_now_us();

			if (t >= t0 + gap)
				break;
			usleep((useconds_t)(t0 + gap - t));
		}
	}
	close(fd);
	printf("sent %lu answered %lu failed %lu timeouts %lu\n", sent,
	       answered, failed, timeouts);
	return failed == 0 && timeouts == 0 && sent > 0 ? 0 : 1;
}
