/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/udpecho.c: the bench's floor, a UDP echo that does no DNS.
 *
 *   udpecho [-t threads] addr port
 *
 * Every datagram goes back to its sender with the QR bit set and nothing
 * else changed: the cost of the kernel's socket path and nothing more, so
 * that a DNS server's figures can be read against it.  Each thread owns a
 * SO_REUSEPORT socket and loops on a blocking recvmmsg (MSG_WAITFORONE,
 * batches of 32, as dnsd) and one sendmmsg.  Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 32
#define DGRAM 4096
#define MAXTHREADS 64

static struct sockaddr_storage bind_ss;
static socklen_t bind_len;

static void
usage(void)
{
	fprintf(stderr, "usage: udpecho [-t threads] addr port\n");
	exit(1);
}

static int
open_socket(void)
{
	int fd = socket(bind_ss.ss_family, SOCK_DGRAM, 0);
	int on = 1;
	int buf = 4 << 20;

	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    bind(fd, (struct sockaddr *)&bind_ss, bind_len) == -1) {
		perror("udpecho: socket");
		exit(1);
	}
	/* The buffers dnsd asks for (dnsd/net_bind.c). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	return fd;
}

static void *
echo_loop(void *arg)
{
	int fd = (int)(intptr_t)arg;
	static __thread struct mmsghdr msgs[BATCH];
	static __thread struct iovec iov[BATCH];
	static __thread struct sockaddr_storage from[BATCH];
	static __thread uint8_t buf[BATCH][DGRAM];

	for (;;) {
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = DGRAM;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
		if (n <= 0) {
			if (n == -1 && errno != EINTR)
				perror("udpecho: recvmmsg");
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (msgs[i].msg_len >= 3)
				buf[i][2] |= 0x80; /* QR */
			iov[i].iov_len = msgs[i].msg_len;
		}
		for (int sent = 0; sent < n;) {
			int r =
			    sendmmsg(fd, msgs + sent, (unsigned)(n - sent), 0);
			sent += r > 0 ? r : 1; /* drop what fails */
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	int nthreads = 1;
	int c;

	while ((c = getopt(argc, argv, "t:")) != -1) {
		if (c != 't')
			usage();
		nthreads = atoi(optarg);
		if (nthreads < 1 || nthreads > MAXTHREADS)
			usage();
	}
	if (argc - optind != 2)
		usage();
	int port = atoi(argv[optind + 1]);
	if (port < 1 || port > 65535)
		usage();
	struct sockaddr_in *s4 = (struct sockaddr_in *)&bind_ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&bind_ss;
	if (inet_pton(AF_INET, argv[optind], &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		bind_len = sizeof(*s4);
	} else if (inet_pton(AF_INET6, argv[optind], &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		bind_len = sizeof(*s6);
	} else {
		usage();
	}
	pthread_t tids[MAXTHREADS];
	for (int i = 0; i < nthreads; i++) {
		int fd = open_socket();
		if (pthread_create(&tids[i], NULL, echo_loop,
		                   (void *)(intptr_t)fd) != 0) {
			fprintf(stderr, "udpecho: cannot start a thread\n");
			return 1;
		}
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}
