/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/freeport.c: print free ports for a test daemon.
 *
 *   freeport [-n count]
 *
 * Each port printed (one per line) could be bound, a moment ago, for UDP
 * and TCP on both 127.0.0.1 and ::1.  Candidates are random and below the
 * kernel's ephemeral range, so clients' source ports (dig, kdig) cannot
 * take them in the meantime.  Exit 1 if none is found in a bounded number
 * of tries.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TRIES 200

static bool
can_bind(int family, int type, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;
	bool ok;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	}
	fd = socket(family, type, 0);
	if (fd < 0)
		return false;
	if (family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		                 sizeof(one));
	ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
	close(fd);
	return ok;
}

int
main(int argc, char **argv)
{
	unsigned lo = 32768, hi = 60999, first, last, count = 1, found = 0;
	unsigned ports[64];
	FILE *f;
	int c, i;

	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n')
			return 1;
		count = (unsigned)atoi(optarg);
	}
	if (count == 0 || count > 64)
		return 1;
	f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	if (f != NULL) {
		if (fscanf(f, "%u %u", &lo, &hi) != 2) {
			lo = 32768;
			hi = 60999;
		}
		fclose(f);
	}
	if (lo > 12000) {
		first = 10000;
		last = lo - 1;
	} else {
		first = hi + 1;
		last = 65535;
	}
	if (first > last)
		return 1;
	srandom((unsigned)time(NULL) ^ ((unsigned)getpid() << 8));
	for (i = 0; i < TRIES && found < count; i++) {
		unsigned port = first + (unsigned)random() % (last - first + 1);
		unsigned j;

		for (j = 0; j < found; j++)
			if (ports[j] == port)
				break;
		if (j < found)
			continue;
		if (can_bind(AF_INET, SOCK_STREAM, port) &&
		    can_bind(AF_INET, SOCK_DGRAM, port) &&
		    can_bind(AF_INET6, SOCK_STREAM, port) &&
		    can_bind(AF_INET6, SOCK_DGRAM, port))
			ports[found++] = port;
	}
	if (found < count)
		return 1;
	for (i = 0; i < (int)found; i++)
		printf("%u\n", ports[i]);
	return 0;
}
