/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/hmsg_listen.c: watch the health feed without dnsd.
 *
 *   hmsg_listen [-k KEY_FILE] [-b] [-r] unix:PATH | udp:ADDR:PORT
 *
 * Binds a datagram socket (a unix path is replaced if it exists) and
 * prints each decoded message as one line, flushed at once:
 *     seq 3 lhr up load=0.95 weight=20 fra down
 * (with -b the boot id first: "boot 3f2a... seq 3 ...", with -r the round
 * after the seq: "seq 3 round 2 lhr up ...").  What an edge reported is
 * printed after its state, as the feed carries it.  A message that does
 * not decode (bad mac, junk) prints "bad: REASON".  Runs until killed.
 * With -k the mac is required, as dnsd does for udp feeds.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/hmsg.h"

static void
usage(void)
{
	fprintf(stderr, "usage: hmsg_listen [-k KEY_FILE] [-b] [-r] "
	                "unix:PATH | udp:ADDR:PORT\n");
	exit(2);
}

static int
open_unix(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (fd == -1 || strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return -1;
	return fd;
}

static int
open_udp(const char *text)
{
	char host[64];
	struct sockaddr_storage ss = {0};
	socklen_t len;
	const char *port;

	if (text[0] == '[') {
		const char *c = strchr(text, ']');
		if (c == NULL || c[1] != ':')
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(c - text - 1),
		         text + 1);
		port = c + 2;
	} else {
		const char *c = strrchr(text, ':');
		if (c == NULL)
			return -1;
		snprintf(host, sizeof(host), "%.*s", (int)(c - text), text);
		port = c + 1;
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)atoi(port));
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)atoi(port));
		len = sizeof(*sin6);
	} else {
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd == -1 || bind(fd, (struct sockaddr *)&ss, len) == -1)
		return -1;
	return fd;
}

int
main(int argc, char **argv)
{
	uint8_t key[HMSG_KEY_MAX];
	size_t keylen = 0;
	bool boot = false, round = false;
	int ch, fd = -1;

	while ((ch = getopt(argc, argv, "k:br")) != -1) {
		switch (ch) {
		case 'k': {
			const char *why = "";
			int n = hmsg_key_load(optarg, key, &why);
			if (n < 0) {
				fprintf(stderr, "hmsg_listen: %s: %s\n", optarg,
				        why);
				return 1;
			}
			keylen = (size_t)n;
			break;
		}
		case 'b':
			boot = true;
			break;
		case 'r':
			round = true;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	if (strncmp(argv[optind], "unix:", 5) == 0)
		fd = open_unix(argv[optind] + 5);
	else if (strncmp(argv[optind], "udp:", 4) == 0)
		fd = open_udp(argv[optind] + 4);
	else
		usage();
	if (fd == -1) {
		perror(argv[optind]);
		return 1;
	}

	static char buf[HMSG_MAX + 1];
	static struct hmsg m;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			continue;
		const char *why = "";
		if (hmsg_decode(buf, (size_t)n, keylen ? key : NULL, keylen, &m,
		                &why) == -1) {
			printf("bad: %s\n", why);
			fflush(stdout);
			continue;
		}
		if (boot)
			printf("boot %016llx ", (unsigned long long)m.boot);
		printf("seq %llu", (unsigned long long)m.seq);
		if (round)
			printf(" round %llu", (unsigned long long)m.round);
		for (size_t i = 0; i < m.n; i++) {
			const struct hmsg_edge *e = &m.edge[i];
			printf(" %s %s", e->name,
			       e->state == HMSG_UP ? "up" : "down");
			/* Four decimals at most: %.10g prints them exactly. */
			if (e->has & HMSG_HAS_LOAD)
				printf(" load=%.10g", e->load);
			if (e->has & HMSG_HAS_WEIGHT)
				printf(" weight=%u", (unsigned)e->weight);
			if (e->has & HMSG_HAS_DRAIN)
				printf(" drain=%d", e->drain ? 1 : 0);
		}
		printf("\n");
		fflush(stdout);
	}
}
