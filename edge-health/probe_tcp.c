/* SPDX-License-Identifier: MIT */
/* edge-health/probe_tcp.c: the tcp check: a connection is accepted. */
#include "edge-health/probe.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/event.h>

static void
probe_tcp_stop(struct probe *p)
{
	if (p->impl != NULL)
		bufferevent_free(p->impl);
	p->impl = NULL;
}

/* "Connection refused" -> "connection refused": log-message grammar. */
static void
lower_first(char *s)
{
	if (s[0] != '\0')
		s[0] = (char)tolower((unsigned char)s[0]);
}

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct probe *p = arg;
	char why[PROBE_REASON_MAX];

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		probe_tcp_stop(p);
		p->done(p, true, "", NULL);
		return;
	}
	int e = EVUTIL_SOCKET_ERROR();
	snprintf(why, sizeof(why), "tcp: %s",
	         e != 0 ? evutil_socket_error_to_string(e) : "connect failed");
	lower_first(why + 5);
	probe_tcp_stop(p);
	p->done(p, false, why, NULL);
}

static int
probe_tcp_start(struct probe *p, char *why, size_t whylen)
{
	int fd = probe_socket(p->check, SOCK_STREAM, why, whylen);
	if (fd == -1)
		return -1;
	/* Deferred callbacks: a connect that fails at once must not call
	 * p->done from within start. */
	struct bufferevent *bev = bufferevent_socket_new(
	    p->env->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (bev == NULL) {
		close(fd);
		snprintf(why, whylen, "tcp: cannot create a socket");
		return -1;
	}
	bufferevent_setcb(bev, NULL, NULL, event_cb, p);
	p->impl = bev;
	if (bufferevent_socket_connect(
	        bev, (const struct sockaddr *)&p->check->addr.ss,
	        (int)p->check->addr.len) == -1) {
		int e = EVUTIL_SOCKET_ERROR();
		snprintf(why, whylen, "tcp: %s",
		         evutil_socket_error_to_string(e));
		lower_first(why + 5);
		probe_tcp_stop(p);
		return -1;
	}
	return 0;
}

const struct probe_ops probe_tcp_ops = {
    .name = "tcp",
    .start = probe_tcp_start,
    .stop = probe_tcp_stop,
};

const struct probe_ops *
probe_ops_for(enum eh_check_type type)
{
	switch (type) {
	case EH_CHECK_TCP:
		return &probe_tcp_ops;
	case EH_CHECK_DNS:
		return &probe_dns_ops;
	case EH_CHECK_HTTP:
	case EH_CHECK_HTTPS:
		break;
	}
	return &probe_http_ops;
}

int
probe_socket(const struct eh_check *c, int socktype, char *why, size_t whylen)
{
	const char *kind = eh_conf_check_name(c->type);
	int fd = socket(c->addr.ss.ss_family,
	                socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1) {
		snprintf(why, whylen, "%s: socket: %s", kind, strerror(errno));
		return -1;
	}
	if (!c->has_source)
		return fd;
	/* A TCP socket picks its port at connect, not at bind: a port
	 * chosen by bind is not shared with other destinations, and many
	 * probes from one source would run out of them. */
	if (socktype == SOCK_STREAM) {
		int one = 1;
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		                 sizeof(one));
	}
	if (bind(fd, (const struct sockaddr *)&c->source.ss, c->source.len) ==
	    -1) {
		snprintf(why, whylen, "%s: bind source %s: %s", kind,
		         c->source.host, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
