/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/qloop.c: query a server continuously, for reload tests.
 *
 *   qloop [-d seconds] [-r rate] [-w ms] [-e rcode] [-a] addr port name type
 *
 * Sends one UDP query at a time (a new random ID each), at most `rate` per
 * second, for `seconds` seconds, and checks every reply: same ID and
 * question, QR set, TC clear, RCODE `rcode` (default 0), and with -a at
 * least one answer RR.  Prints "sent N answered N failed N timeouts N" and
 * exits 0 if every query got a good reply, 1 otherwise.  Bad replies are
 * described on stderr (the first few).
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ldns/ldns.h>

#define MAXREPORT 5

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr, "usage: qloop [-d seconds] [-r rate] [-w ms] "
	                "[-e rcode] [-a] addr port name type\n");
	exit(1);
}

static int
open_udp(const char *addr, const char *port)
{
	struct addrinfo hints, *ai;
	int fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(addr, port, &hints, &ai) != 0)
		usage();
	fd = socket(ai->ai_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		fprintf(stderr, "qloop: connect: %s\n", strerror(errno));
		exit(1);
	}
	freeaddrinfo(ai);
	return fd;
}

int
main(int argc, char **argv)
{
	unsigned seconds = 3, rate = 2000, wait_ms = 1000, want_rcode = 0;
	unsigned long sent = 0, answered = 0, failed = 0, timeouts = 0;
	bool want_answer = false;
	uint8_t q[512], r[65536];
	size_t qlen, qsec;
	uint64_t start, end, gap;
	ldns_rdf *qname;
	ldns_rr_type qtype;
	int c, fd;

	while ((c = getopt(argc, argv, "d:r:w:e:a")) != -1) {
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
		default:
			usage();
		}
	}
	if (argc - optind != 4 || rate == 0 || seconds == 0 || seconds > 60)
		usage();
	qname = ldns_dname_new_frm_str(argv[optind + 2]);
	qtype = ldns_get_rr_type_by_name(argv[optind + 3]);
	if (qname == NULL || qtype == 0 || ldns_rdf_size(qname) > 255)
		usage();
	memset(q, 0, 12);
	q[5] = 1; /* QDCOUNT */
	memcpy(q + 12, ldns_rdf_data(qname), ldns_rdf_size(qname));
	qlen = 12 + ldns_rdf_size(qname);
	q[qlen++] = (uint8_t)(qtype >> 8);
	q[qlen++] = (uint8_t)qtype;
	q[qlen++] = 0;
	q[qlen++] = 1; /* IN */
	qsec = qlen - 12;
	ldns_rdf_deep_free(qname);

	fd = open_udp(argv[optind], argv[optind + 1]);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	gap = 1000000 / rate;
	start = now_us();
	end = start + (uint64_t)seconds * 1000000;
	while (now_us() < end) {
		uint64_t t0 = now_us(), deadline = t0 + wait_ms * 1000ull;
		unsigned id = (unsigned)random() & 0xffff;
		const char *why = NULL;
		ssize_t n = -1;

		q[0] = (uint8_t)(id >> 8);
		q[1] = (uint8_t)id;
		if (send(fd, q, qlen, 0) != (ssize_t)qlen) {
			fprintf(stderr, "qloop: send: %s\n", strerror(errno));
			return 1;
		}
		sent++;
		/* wait for the reply with our ID; drop late strays */
		for (;;) {
			struct pollfd pfd = {.fd = fd, .events = POLLIN};
			uint64_t t = now_us();
			int pr;

			if (t >= deadline)
				break;
			pr = poll(&pfd, 1, (int)((deadline - t + 999) / 1000));
			if (pr <= 0)
				continue;
			n = recv(fd, r, sizeof(r), 0);
			if (n >= 2 && (unsigned)(r[0] << 8 | r[1]) == id)
				break;
			n = -1;
		}
		if (n < 0) {
			timeouts++;
			if (timeouts <= MAXREPORT)
				fprintf(stderr, "qloop: timeout, query %lu\n",
				        sent);
			continue;
		}
		answered++;
		if (n < (ssize_t)qlen)
			why = "short reply";
		else if (!(r[2] & 0x80))
			why = "QR clear";
		else if (r[2] & 0x02)
			why = "TC set";
		else if ((r[3] & 15u) != want_rcode)
			why = "unexpected rcode";
		else if (r[4] != 0 || r[5] != 1 ||
		         memcmp(r + 12, q + 12, qsec) != 0)
			why = "question not echoed";
		else if (want_answer && r[6] == 0 && r[7] == 0)
			why = "empty answer";
		if (why != NULL) {
			failed++;
			if (failed <= MAXREPORT)
				fprintf(stderr,
				        "qloop: query %lu: %s "
				        "(rcode %u)\n",
				        sent, why, r[3] & 15u);
		}
		for (;;) {
			uint64_t t = now_us();

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
