/* SPDX-License-Identifier: MIT */
/*
 * tests/tools/httpget.c: GET one path over HTTP/1.0 and print the body.
 *
 *   httpget [-w ms] ADDR:PORT PATH
 *
 * ADDR is IPv4 or [IPv6].  Prints the body on stdout and the status line
 * on stderr; exits 0 for status 200, 1 for any other status, 2 when there
 * is no valid reply within the timeout (default 2000 ms).  For the
 * integration tests: curl need not be installed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define REPLY_MAX (4u << 20)

static int
parse_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[128];
	const char *colon = strrchr(text, ':');

	if (colon == NULL || (size_t)(colon - text) >= sizeof(host))
		return -1;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -1;
	memset(ss, 0, sizeof(*ss));
	size_t hl = strlen(host);
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
		return -1;
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return 0;
}

static void
usage(void)
{
	fputs("usage: httpget [-w ms] ADDR:PORT PATH\n", stderr);
	exit(2);
}

int
main(int argc, char **argv)
{
	unsigned long wait_ms = 2000;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int ch;

	while ((ch = getopt(argc, argv, "w:")) != -1) {
		if (ch == 'w')
			wait_ms = strtoul(optarg, NULL, 10);
		else
			usage();
	}
	if (argc - optind != 2 || parse_addr(argv[optind], &ss, &sslen) == -1)
		usage();
	const char *path = argv[optind + 1];

	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	struct timeval tv = {.tv_sec = (time_t)(wait_ms / 1000),
	                     .tv_usec = (suseconds_t)(wait_ms % 1000) * 1000};
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    connect(fd, (struct sockaddr *)&ss, sslen) == -1) {
		perror("httpget: connect");
		return 2;
	}
	char req[1024];
	int n =
	    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n",
	             path, argv[optind]);
	if (n < 0 || (size_t)n >= sizeof(req) ||
	    write(fd, req, (size_t)n) != n) {
		perror("httpget: write");
		return 2;
	}

	char *buf = malloc(REPLY_MAX + 1);
	size_t len = 0;
	ssize_t r;
	if (buf == NULL)
		return 2;
	while (len < REPLY_MAX &&
	       (r = read(fd, buf + len, REPLY_MAX - len)) > 0)
		len += (size_t)r;
	close(fd);
	buf[len] = '\0';

	int status;
	char *body = strstr(buf, "\r\n\r\n");
	if (body == NULL || sscanf(buf, "HTTP/1.%*d %d", &status) != 1) {
		fprintf(stderr, "httpget: no valid reply (%zu octets)\n", len);
		free(buf);
		return 2;
	}
	fprintf(stderr, "%.*s\n", (int)strcspn(buf, "\r\n"), buf);
	body += 4;
	fwrite(body, 1, len - (size_t)(body - buf), stdout);
	free(buf);
	return status == 200 ? 0 : 1;
}
