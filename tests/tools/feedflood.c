/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/feedflood.c: flood dnsd's health feed with what an attacker
 * (or a broken sender) would send.
 *
 *   feedflood [-d SECONDS] [-k KEY_FILE] [-p PROBER] [-b BOOT]
 *             KIND unix:PATH | udp:ADDR:PORT
 *
 * KIND is one of:
 *   garbage    random bytes, 1 to 2000 of them (a fixed seed)
 *   oversized  one datagram longer than a feed message may be (HMSG_MAX)
 *   badmac     a well-formed message whose mac is made with another key
 *   replay     a message of prober PROBER (default "p1") with boot BOOT
 *              (hex, default 1) and seq 1, every edge down, with the
 *              key's mac (-k): what a captured old message looks like
 * Sends for SECONDS (default 2) as fast as the socket takes them (a full
 * Unix socket makes it wait, a UDP one drops in the kernel), then prints
 * "sent N bytes B rate R/s" and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/hmsg.h"
#include "common/netaddr.h"

static void
usage(void)
{
	fprintf(stderr, "usage: feedflood [-d SECONDS] [-k KEY_FILE] [-p "
	                "PROBER] [-b BOOT] garbage|oversized|badmac|replay "
	                "unix:PATH | udp:ADDR:PORT\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connected datagram socket to `target`. */
static int
open_target(const char *target)
{
	int fd;

	if (strncmp(target, "unix:", 5) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", target + 5);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (fd == -1 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			perror(target);
			exit(1);
		}
		return fd;
	}
	struct netaddr a;
	if (strncmp(target, "udp:", 4) != 0 ||
	    netaddr_parse(target + 4, 0, &a) == -1)
		usage();
	fd = socket(a.ss.ss_family, SOCK_DGRAM, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&a.ss, a.len) == -1) {
		perror(target);
		exit(1);
	}
	return fd;
}

/* A message of `prober` (boot, seq 1), every edge of a small set down,
 * with a mac by `key` if keylen > 0. */
static int
build(char *out, size_t cap, const char *prober, uint64_t boot,
      const uint8_t *key, size_t keylen)
{
	static struct hmsg m;
	static const char *const names[] = {"lhr", "fra", "iad", "sjc",
	                                    "gru", "sin", "nrt", "syd",
	                                    "lon", "ams", "nyc"};

	memset(&m, 0, sizeof(m));
	snprintf(m.prober, sizeof(m.prober), "%s", prober);
	m.boot = boot;
	m.seq = 1;
	m.time = (uint64_t)time(NULL);
	m.interval_ms = 1000;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(m.edge[m.n].name, sizeof(m.edge[m.n].name), "%s",
		         names[i]);
		m.edge[m.n++].state = HMSG_DOWN;
	}
	return hmsg_encode(&m, key, keylen, out, cap);
}

int
main(int argc, char **argv)
{
	static char buf[HMSG_MAX + 4096];
	const char *key_file = NULL, *prober = "p1";
	uint64_t boot = 1;
	double seconds = 2;
	uint8_t key[HMSG_KEY_MAX];
	int keylen = 0, c, len = 0;
	unsigned long long sent = 0, bytes = 0;
	uint32_t rng = 12345;

	while ((c = getopt(argc, argv, "d:k:p:b:")) != -1) {
		switch (c) {
		case 'd':
			seconds = atof(optarg);
			break;
		case 'k':
			key_file = optarg;
			break;
		case 'p':
			prober = optarg;
			break;
		case 'b':
			boot = strtoull(optarg, NULL, 16);
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 2)
		usage();
	const char *kind = argv[optind];
	if (key_file != NULL) {
		const char *why;
		if ((keylen = hmsg_key_load(key_file, key, &why)) < 0) {
			fprintf(stderr, "%s: %s\n", key_file, why);
			return 1;
		}
	}
	if (strcmp(kind, "oversized") == 0) {
		len = HMSG_MAX + 500; /* still one UDP datagram */
		memset(buf, 'x', (size_t)len);
	} else if (strcmp(kind, "badmac") == 0) {
		static const uint8_t other[] = "not-the-feed-key-0123456789";
		len = build(buf, sizeof(buf), prober, boot, other,
		            sizeof(other) - 1);
	} else if (strcmp(kind, "replay") == 0) {
		len =
		    build(buf, sizeof(buf), prober, boot, key, (size_t)keylen);
	} else if (strcmp(kind, "garbage") != 0) {
		usage();
	}
	if (len < 0) {
		fprintf(stderr, "cannot build the message\n");
		return 1;
	}
	int fd = open_target(argv[optind + 1]);
	double t0 = now_s(), t;
	while ((t = now_s()) - t0 < seconds) {
		if (strcmp(kind, "garbage") == 0) {
			rng = rng * 1103515245u + 12345u;
			len = 1 + (int)(rng >> 16) % 2000;
			for (int i = 0; i < len; i++) {
				rng = rng * 1103515245u + 12345u;
				buf[i] = (char)(rng >> 24);
			}
		}
		ssize_t n = send(fd, buf, (size_t)len, 0);
		if (n == -1 && errno != ENOBUFS && errno != ECONNREFUSED &&
		    errno != EINTR) {
			perror("send");
			return 1;
		}
		if (n > 0) {
			sent++;
			bytes += (unsigned long long)n;
		}
	}
	printf("sent %llu bytes %llu rate %.0f/s\n", sent, bytes,
	       (double)sent / (t - t0));
	close(fd);
	return 0;
}
