/* SPDX-License-Identifier: MIT */
/* dnsd/control_client.c: the client side of the control protocol. */
#include "dnsd/control_client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/xalloc.h"

/* A connected stream socket to `path`, or -1 with the reason in `why`. */
static int
connect_to(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "cannot connect to %s: path too long",
		         path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) == -1) {
		snprintf(why, whylen, "cannot connect to %s: %s", path,
		         strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	return fd;
}

/* All of `buf`; 0, or -1 with errno set. */
static int
send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read until the server closes; new NUL-terminated text in *out, its
 * length in *len.  0, or -1 with the reason in `why`.
 */
static int
read_all(int fd, const char *path, int timeout_s, char **out, size_t *len,
         char *why, size_t whylen)
{
	size_t cap = 4096, n = 0;
	char *buf = xmalloc(cap);
	uint64_t deadline = clock_ms() + (uint64_t)timeout_s * 1000;

	for (;;) {
		uint64_t now = clock_ms();
		int left = now < deadline ? (int)(deadline - now) : 0;
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int pr = left > 0 ? poll(&pfd, 1, left) : 0;
		if (pr == -1 && errno == EINTR)
			continue;
		if (pr <= 0) {
			snprintf(why, whylen, "%s: %s", path,
			         pr == 0 ? "no response in time"
			                 : strerror(errno));
			free(buf);
			return -1;
		}
		if (cap - n < 1024) {
			if (cap >= CONTROL_RESPONSE_MAX) {
				snprintf(why, whylen, "%s: response too large",
				         path);
				free(buf);
				return -1;
			}
			cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno != ECONNRESET) {
			snprintf(why, whylen, "%s: read: %s", path,
			         strerror(errno));
			free(buf);
			return -1;
		}
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int
control_client_ask(const char *path, const char *request, int timeout_s,
                   char **out, size_t *len, char *why, size_t whylen)
{
	int fd = connect_to(path, why, whylen);

	if (fd == -1)
		return -1;
	/*
	 * A send error is not final: a busy server answers and closes
	 * before reading, and that answer is still in our receive queue.
	 */
	if (send_all(fd, request, strlen(request)) == 0)
		shutdown(fd, SHUT_WR);
	int rc = read_all(fd, path, timeout_s, out, len, why, whylen);
	close(fd);
	if (rc == -1)
		return -2;
	if (*len == 0) {
		snprintf(why, whylen, "%s: closed without a response", path);
		free(*out);
		*out = NULL;
		return -2;
	}
	return 0;
}

bool
control_client_ok(const char *text, size_t len)
{
	if (len > 0 && text[len - 1] == '\n')
		len--;
	size_t start = len;
	while (start > 0 && text[start - 1] != '\n')
		start--;
	return len - start == 2 && memcmp(text + start, "ok", 2) == 0;
}
