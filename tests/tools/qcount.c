/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/qcount.c: query a server hard and count who is answered.
 *
 *   qcount [-d seconds] [-q window] [-w ms] [-s addr/prefix] [-x addr]
 *          addr port name type
 *
 * Sends the same UDP query for `seconds` (default 3, at most 60) with up
 * to `window` (default 32, 1..1024) queries in flight, as fast as the
 * replies come back, then waits (at most `ms`) for the last ones.  With
 * -s the queries carry EDNS (payload 1232) with that Client Subnet option
 * (RFC 7871), as tests/tools/qloop -s builds it.  IDs are consecutive
 * from a random start; a reply counts for the query in flight with its
 * ID.  A query without a reply after `ms` (default 1000) is a timeout.
 * Every reply must have QR set, TC clear, RCODE 0, the question echoed,
 * at least one answer RR, a well-formed answer section and (with -s) an
 * additional record (the OPT); anything else is a failure.
 *
 * Each reply's answer section is read: every A and AAAA address in it is
 * counted (the number of replies that hold it).  With -x, a reply whose
 * answer holds `addr` (IPv4 or IPv6) is forbidden.  Prints
 *
 *   sent N answered N failed N timeouts N forbidden N
 *   answer ADDR N        (one line per address seen, first seen first)
 *
 * ("answer other N" counts the addresses past the first 16 distinct ones)
 * and exits 0 if every query got a good reply and none was forbidden, 1
 * otherwise (2 on usage errors).  The first few failures and forbidden
 * replies are described on stderr, with the time since the start.
 */
#include <arpa/inet.h>
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
#define MAXADDRS 16     /* distinct addresses counted; more are "other" */
#define WINDOW_MAX 1024 /* far below the 65536 IDs: no ID is reused early */
#define NIDS 65536

struct addr_count {
	size_t len; /* 4 or 16 */
	uint8_t a[16];
	unsigned long n;
};

struct run {
	struct addr_count addrs[MAXADDRS];
	size_t naddrs;
	unsigned long other; /* replies with addresses past MAXADDRS */
	uint8_t forbid[16];
	size_t forbid_len; /* 0: no -x */
	unsigned long sent, answered, failed, timeouts, forbidden;
	uint64_t start;
};

static void
usage(void)
{
	fprintf(stderr, "usage: qcount [-d seconds] [-q window] [-w ms] "
	                "[-s addr/prefix] [-x addr] addr port name type\n");
	exit(2);
}

static void
count_addr(struct run *run, const uint8_t *a, size_t len)
{
	for (size_t i = 0; i < run->naddrs; i++) {
		if (run->addrs[i].len == len &&
		    memcmp(run->addrs[i].a, a, len) == 0) {
			run->addrs[i].n++;
			return;
		}
	}
	if (run->naddrs == MAXADDRS) {
		run->other++;
		return;
	}
	run->addrs[run->naddrs].len = len;
	memcpy(run->addrs[run->naddrs].a, a, len);
	run->addrs[run->naddrs].n = 1;
	run->naddrs++;
}

/* The end of the name at `off` in `r` (`n` octets), or 0 if malformed. */
static size_t
skip_name(const uint8_t *r, size_t n, size_t off)
{
	while (off < n) {
		unsigned c = r[off];

		if (c == 0)
			return off + 1;
		if ((c & 0xc0) == 0xc0)
			return off + 2 <= n ? off + 2 : 0;
		if (c & 0xc0)
			return 0;
		off += 1 + c;
	}
	return 0;
}

/*
 * Count the A/AAAA addresses of the answer section, which starts at
 * `off`.  Returns what is wrong with it, or NULL; sets *bad if it holds
 * the forbidden address.
 */
static const char *
read_answers(struct run *run, const uint8_t *r, size_t n, size_t off, bool *bad)
{
	unsigned an = pkt_get_u16(r + 6);

	*bad = false;
	for (unsigned i = 0; i < an; i++) {
		unsigned type, rclass, rdlen;

		off = skip_name(r, n, off);
		if (off == 0 || off + 10 > n)
			return "malformed answer RR";
		type = pkt_get_u16(r + off);
		rclass = pkt_get_u16(r + off + 2);
		rdlen = pkt_get_u16(r + off + 8);
		off += 10;
		if (off + rdlen > n)
			return "answer RDATA past the end";
		if (rclass == LDNS_RR_CLASS_IN &&
		    ((type == LDNS_RR_TYPE_A && rdlen == 4) ||
		     (type == LDNS_RR_TYPE_AAAA && rdlen == 16))) {
			count_addr(run, r + off, rdlen);
			if (run->forbid_len == rdlen &&
			    memcmp(run->forbid, r + off, rdlen) == 0)
				*bad = true;
		}
		off += rdlen;
	}
	return NULL;
}

/*
 * Check reply `r` (`n` octets) to query `q`, whose question ends at
 * `qend` (an OPT record may follow it), and count its answers.
 */
static void
check_reply(struct run *run, const struct pkt *q, size_t qend, const uint8_t *r,
            size_t n)
{
	const char *why = NULL;
	bool bad = false;

	run->answered++;
	if (n < qend)
		why = "short reply";
	else if (!(r[2] & 0x80))
		why = "QR clear";
	else if (r[2] & 0x02)
		why = "TC set";
	else if ((r[3] & 15u) != 0)
		why = "rcode not NOERROR";
	else if (pkt_get_u16(r + 4) != 1 ||
	         memcmp(r + PKT_HDR_LEN, q->b + PKT_HDR_LEN,
	                qend - PKT_HDR_LEN) != 0)
		why = "question not echoed";
	else if (pkt_get_u16(r + 6) == 0)
		why = "empty answer";
	else if (qend < q->len && pkt_get_u16(r + 10) == 0)
		why = "no OPT in the reply to an EDNS query";
	else
		why = read_answers(run, r, n, qend, &bad);
	if (why != NULL) {
		run->failed++;
		if (run->failed <= MAXREPORT)
			fprintf(
			    stderr, "qcount: +%llu ms: reply %lu: %s\n",
			    (unsigned long long)(sock_now_us() - run->start) /
			        1000,
			    run->answered, why);
		return;
	}
	if (bad) {
		char text[INET6_ADDRSTRLEN];

		run->forbidden++;
		if (run->forbidden <= MAXREPORT)
			fprintf(
			    stderr,
			    "qcount: +%llu ms: reply %lu names %s "
			    "(forbidden)\n",
			    (unsigned long long)(sock_now_us() - run->start) /
			        1000,
			    run->answered,
			    inet_ntop(run->forbid_len == 4 ? AF_INET : AF_INET6,
			              run->forbid, text, sizeof(text)));
	}
}

int
main(int argc, char **argv)
{
	unsigned seconds = 3, window = 32, wait_ms = 1000;
	static uint64_t sent_us[NIDS];
	static bool busy[NIDS];
	struct run run;
	struct pkt q, opts;
	bool edns = false;
	size_t qend;
	uint8_t r[65536];
	uint64_t end, wait_us;
	uint32_t head, tail;
	unsigned inflight = 0;
	ldns_rr_type qtype;
	int c, fd;

	memset(&run, 0, sizeof(run));
	pkt_init(&opts);
	while ((c = getopt(argc, argv, "d:q:w:s:x:")) != -1) {
		switch (c) {
		case 'd':
			seconds = (unsigned)atoi(optarg);
			break;
		case 'q':
			window = (unsigned)atoi(optarg);
			break;
		case 'w':
			wait_ms = (unsigned)atoi(optarg);
			break;
		case 's':
			if (edns || pkt_ecs(&opts, optarg))
				usage();
			edns = true;
			break;
		case 'x':
			if (inet_pton(AF_INET, optarg, run.forbid) == 1)
				run.forbid_len = 4;
			else if (inet_pton(AF_INET6, optarg, run.forbid) == 1)
				run.forbid_len = 16;
			else
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 4 || seconds == 0 || seconds > 60 || window == 0 ||
	    window > WINDOW_MAX || wait_ms == 0)
		usage();
	qtype = ldns_get_rr_type_by_name(argv[optind + 3]);
	if (qtype == 0 || pkt_query_edns(&q, argv[optind + 2], qtype,
	                                 edns ? &opts : NULL, &qend) == -1)
		usage();

	fd = sock_connect("qcount", argv[optind], argv[optind + 1], false);
	if (fd < 0)
		exit(1);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	head = tail = (uint32_t)random();
	wait_us = wait_ms * 1000ull;
	run.start = sock_now_us();
	end = run.start + (uint64_t)seconds * 1000000;
	for (;;) {
		uint64_t now = sock_now_us();
		bool sending = now < end;
		ssize_t n;

		/* the oldest queries: answered, or timed out by now */
		while (tail != head &&
		       (!busy[tail % NIDS] ||
		        sent_us[tail % NIDS] + wait_us <= now)) {
			if (busy[tail % NIDS]) {
				busy[tail % NIDS] = false;
				inflight--;
				run.timeouts++;
				if (run.timeouts <= MAXREPORT)
					fprintf(
					    stderr,
					    "qcount: +%llu ms: timeout\n",
					    (unsigned long long)(now -
					                         run.start) /
					        1000);
			}
			tail++;
		}
		if (!sending && inflight == 0)
			break;
		while (sending && inflight < window && head - tail < NIDS / 2) {
			unsigned id = head % NIDS;

			pkt_set_u16(&q, 0, id);
			/* a refused send (ICMP from an earlier query) loses
			 * this query: it times out */
			if (send(fd, q.b, q.len, 0) != (ssize_t)q.len &&
			    errno != ECONNREFUSED) {
				fprintf(stderr, "qcount: send: %s\n",
				        strerror(errno));
				return 1;
			}
			busy[id] = true;
			sent_us[id] = now;
			inflight++;
			head++;
			run.sent++;
		}
		if (sock_wait(fd, sent_us[tail % NIDS] + wait_us) <= 0)
			continue;
		while ((n = recv(fd, r, sizeof(r), MSG_DONTWAIT)) >= 0) {
			unsigned id;

			if (n < PKT_HDR_LEN)
				continue;
			id = pkt_get_u16(r);
			/* a late reply (after its timeout) is not counted */
			if (!busy[id])
				continue;
			busy[id] = false;
			inflight--;
			check_reply(&run, &q, qend, r, (size_t)n);
		}
	}
	close(fd);
	printf("sent %lu answered %lu failed %lu timeouts %lu forbidden %lu\n",
	       run.sent, run.answered, run.failed, run.timeouts, run.forbidden);
	for (size_t i = 0; i < run.naddrs; i++) {
		char text[INET6_ADDRSTRLEN];

		printf("answer %s %lu\n",
		       inet_ntop(run.addrs[i].len == 4 ? AF_INET : AF_INET6,
		                 run.addrs[i].a, text, sizeof(text)),
		       run.addrs[i].n);
	}
	if (run.other > 0)
		printf("answer other %lu\n", run.other);
	return run.failed == 0 && run.timeouts == 0 && run.forbidden == 0 &&
	               run.answered > 0
	           ? 0
	           : 1;
}
