/* SPDX-License-Identifier: MIT */
/* dnsd/net_udp.c: UDP queries in batches (recvmmsg/sendmmsg). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/net.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/answer.h"
#include "dnsd/conf.h"
#include "dnsd/snapshot.h"
#include "dnsd/worker.h"

/* Datagrams per system call; more per wake-up rarely pays off. */
#define UDP_BATCH 32
/* Batches per readiness event before yielding to the other sockets. */
#define UDP_ROUNDS 4
/* Room for IP_PKTINFO / IPV6_PKTINFO. */
#define UDP_CTRL 64

struct udp_sock {
	struct worker *w;
	int fd;
	bool wildcard; /* bound to 0.0.0.0 or ::: reply from the dst address */
	struct event *ev;
	/* Buffers live with the socket: nothing is allocated per packet. */
	struct mmsghdr in[UDP_BATCH];
	struct mmsghdr out[UDP_BATCH];
	struct iovec in_iov[UDP_BATCH];
	struct iovec out_iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	uint8_t ctrl[UDP_BATCH][UDP_CTRL];
	uint8_t out_ctrl[UDP_BATCH][UDP_CTRL];
	uint8_t query[UDP_BATCH][ANSWER_UDP_MAX];
	uint8_t resp[UDP_BATCH][ANSWER_UDP_MAX];
};

static struct log_rl udp_send_rl;

/*
 * On a wildcard socket the reply must leave from the address the query
 * was sent to, or the client drops it: turn the received destination into
 * the source of the reply (RFC 1122 §4.1.3.5 multihoming).
 */
static size_t
reply_ctrl(struct msghdr *in, uint8_t *out)
{
	memset(out, 0, UDP_CTRL);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(in); c != NULL;
	     c = CMSG_NXTHDR(in, c)) {
		struct cmsghdr *o = (struct cmsghdr *)out;
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			pi.ipi_spec_dst = pi.ipi_addr;
			pi.ipi_ifindex = 0;
			o->cmsg_level = IPPROTO_IP;
			o->cmsg_type = IP_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(o), &pi, sizeof(pi));
			return CMSG_SPACE(sizeof(pi));
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			o->cmsg_level = IPPROTO_IPV6;
			o->cmsg_type = IPV6_PKTINFO;
			o->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
			memcpy(CMSG_DATA(o), CMSG_DATA(c),
			       sizeof(struct in6_pktinfo));
			return CMSG_SPACE(sizeof(struct in6_pktinfo));
		}
	}
	return 0;
}

static void
udp_round(struct udp_sock *u, int n)
{
	struct worker *w = u->w;
	int nout = 0;

	for (int i = 0; i < n; i++) {
		struct msghdr *h = &u->in[i].msg_hdr;
		size_t len = answer_query_from(
		    w->snap, w->view, u->query[i], u->in[i].msg_len, false,
		    (const struct sockaddr *)&u->from[i], u->resp[i],
		    ANSWER_UDP_MAX, &w->stats);
		if (unlikely(worker_qlog_due(w, w->snap->conf->query_log)))
			worker_qlog(w, (const struct sockaddr *)&u->from[i],
			            false, u->query[i], u->in[i].msg_len,
			            u->resp[i], len);
		if (len == 0)
			continue;
		struct msghdr *o = &u->out[nout].msg_hdr;
		u->out_iov[nout].iov_base = u->resp[i];
		u->out_iov[nout].iov_len = len;
		o->msg_name = &u->from[i];
		o->msg_namelen = h->msg_namelen;
		o->msg_iov = &u->out_iov[nout];
		o->msg_iovlen = 1;
		o->msg_control = NULL;
		o->msg_controllen = 0;
		o->msg_flags = 0;
		if (u->wildcard) {
			size_t cl = reply_ctrl(h, u->out_ctrl[nout]);
			if (cl > 0) {
				o->msg_control = u->out_ctrl[nout];
				o->msg_controllen = cl;
			}
		}
		nout++;
	}
	for (int sent = 0; sent < nout;) {
		int r =
		    sendmmsg(u->fd, u->out + sent, (unsigned)(nout - sent), 0);
		if (r > 0) {
			sent += r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		/* Drop the datagram that failed and carry on with the rest. */
		w->stats.send_errors++;
		log_ratelimit(&udp_send_rl, LOG_WARNING, "udp: sendmmsg: %s",
		              strerror(errno));
		sent++;
	}
}

static void
udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *u = arg;

	(void)what;
	for (int round = 0; round < UDP_ROUNDS; round++) {
		for (int i = 0; i < UDP_BATCH; i++) {
			struct msghdr *h = &u->in[i].msg_hdr;
			h->msg_name = &u->from[i];
			h->msg_namelen = sizeof(u->from[i]);
			h->msg_controllen = u->wildcard ? UDP_CTRL : 0;
		}
		int n = recvmmsg(fd, u->in, UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return; /* EAGAIN: drained */
		udp_round(u, n);
		if (n < UDP_BATCH)
			return;
	}
}

static bool
is_wildcard(const struct listen_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s =
		    (const struct sockaddr_in *)&a->ss;
		return s->sin_addr.s_addr == htonl(INADDR_ANY);
	}
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&a->ss;
	return memcmp(&s6->sin6_addr, &in6addr_any, sizeof(in6addr_any)) == 0;
}

struct udp_sock *
net_udp_new(struct worker *w, const struct listen_addr *a)
{
	int fd = net_bind(a, SOCK_DGRAM);
	int on = 1;

	if (fd == -1)
		return NULL;
	struct udp_sock *u = xcalloc(1, sizeof(*u));
	u->w = w;
	u->fd = fd;
	u->wildcard = is_wildcard(a);
	if (u->wildcard &&
	    (a->ss.ss_family == AF_INET
	         ? setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on))
	         : setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	                      sizeof(on))) == -1) {
		log_err_errno("listen %s: pktinfo", a->text);
		net_udp_free(u);
		return NULL;
	}
	for (int i = 0; i < UDP_BATCH; i++) {
		u->in_iov[i].iov_base = u->query[i];
		u->in_iov[i].iov_len = sizeof(u->query[i]);
		u->in[i].msg_hdr.msg_iov = &u->in_iov[i];
		u->in[i].msg_hdr.msg_iovlen = 1;
		u->in[i].msg_hdr.msg_control = u->ctrl[i];
	}
	u->ev = event_new(w->base, fd, EV_READ | EV_PERSIST, udp_cb, u);
	if (u->ev == NULL || event_add(u->ev, NULL) == -1) {
		log_err("listen %s: cannot add the socket to the event loop",
		        a->text);
		net_udp_free(u);
		return NULL;
	}
	return u;
}

void
net_udp_free(struct udp_sock *u)
{
	if (u == NULL)
		return;
	if (u->ev != NULL)
		event_free(u->ev);
	close(u->fd);
	free(u);
}
