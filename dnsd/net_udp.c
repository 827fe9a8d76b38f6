/* SPDX-License-Identifier: MIT */
/* dnsd/net_udp.c: a thread per UDP socket, answering in batches
 * (recvmmsg/sendmmsg). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/compiler.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/answer.h"
#include "dnsd/conf.h"
#include "dnsd/cookie.h"
#include "dnsd/rrl.h"
#include "dnsd/sample.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/worker.h"

/* Datagrams per system call; more per wake-up rarely pays off. */
#define UDP_BATCH ANSWER_BATCH_MAX
/* Room for IP_PKTINFO / IPV6_PKTINFO. */
#define UDP_CTRL 64
/*
 * An idle thread wakes this often: to release a snapshot replaced while
 * no query came, and to notice a stop that shutdown() did not wake it for.
 */
#define UDP_IDLE_MS 500

/*
 * Why a thread that blocks in recvmmsg and not the worker's event loop:
 * at 100 k queries/s a wake-up brings a few datagrams, and the loop's
 * epoll_wait before each recvmmsg cost ~0.5 us a query (make bench), a
 * tenth of the whole kernel path.  Blocking with MSG_WAITFORONE takes
 * one system call per batch, as the floor (tests/tools/udpecho) does.
 *
 * The thread owns its slot's current serving, stats and qlog_left.  The
 * main thread publishes new servings (a snapshot with its edge health) in
 * the slot; the thread takes the newest between batches, so the per-query
 * path has no atomics and no locks.
 */
struct udp_sock {
	struct worker *w;
	int fd;
	bool wildcard; /* bound to 0.0.0.0 or ::: reply from the dst address */
	bool running;
	pthread_t thread;
	atomic_bool stop;
	struct serving_slot slot;
	unsigned qlog_left;
	struct dnsd_stats stats;
	struct sample *sample;  /* geo clients, for what-if */
	struct cookie_mac *mac; /* SipHash for cookies, or NULL */
	/*
	 * Rate limiting's table (rrl.h), or NULL.  A reload that turns RRL
	 * on or resizes it leaves a new one in rrl_next (made by the main
	 * thread, which remembers its size in rrl_size), taken between two
	 * batches.
	 */
	struct rrl *rrl;
	_Atomic(struct rrl *) rrl_next;
	unsigned rrl_size;
	/* Buffers live with the socket: nothing is allocated per packet. */
	struct answer_io io[UDP_BATCH];
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

static struct log_rl udp_send_rl, udp_recv_rl;

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
udp_round(struct udp_sock *u, const struct serving *sv, int n)
{
	struct answer_io *io = u->io;
	int nout = 0;

	const struct dnsd_conf *conf = sv->snap->conf;
	struct answer_env env = {&u->stats, u->sample, u->mac,
	                         (uint32_t)time(NULL)};

	for (int i = 0; i < n; i++)
		io[i].len = u->in[i].msg_len;
	answer_batch(sv, io, (unsigned)n, &env);
	if (conf->rrl.enabled && u->rrl != NULL) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t now =
		    (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		for (int i = 0; i < n; i++)
			if (io[i].rlen > 0)
				io[i].rlen = rrl_apply(
				    u->rrl, &conf->rrl, &io[i].q, io[i].resp,
				    io[i].rlen, now,
				    (uint16_t)conf->udp_payload, &u->stats);
	}
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &u->in[i].msg_hdr;
		size_t len = io[i].rlen;
		if (unlikely(worker_qlog_due(&u->qlog_left,
		                             sv->snap->conf->query_log)))
			worker_qlog(u->w, &io[i].q, io[i].resp, len);
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
		u->stats.send_errors++;
		log_ratelimit(&udp_send_rl, LOG_WARNING, "udp: sendmmsg: %s",
		              strerror(errno));
		sent++;
	}
}

/* The kernel rewrote the lengths of the first n headers: reset them. */
static void
udp_reset(struct udp_sock *u, int n)
{
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &u->in[i].msg_hdr;
		h->msg_namelen = sizeof(u->from[i]);
		h->msg_controllen = u->wildcard ? UDP_CTRL : 0;
	}
}

/*
 * Switch to the table a reload made.  The old one is freed here, off the
 * query path but on this thread: a few MB, once per such reload.
 */
static void
take_rrl(struct udp_sock *u)
{
	struct rrl *t =
	    atomic_exchange_explicit(&u->rrl_next, NULL, memory_order_acquire);

	if (t != NULL) {
		rrl_free(u->rrl);
		u->rrl = t;
	}
}

/*
 * A table for `sv`'s rrl settings if the thread's is missing or of
 * another size.  Main thread.
 */
static void
make_rrl(struct udp_sock *u, const struct serving *sv)
{
	const struct rrl_conf *c = &sv->snap->conf->rrl;

	if (!c->enabled || c->table_size == u->rrl_size)
		return;
	rrl_free(atomic_exchange(&u->rrl_next, rrl_new(c->table_size)));
	u->rrl_size = c->table_size;
}

static void *
udp_main(void *arg)
{
	struct udp_sock *u = arg;
	int n = UDP_BATCH;

	for (;;) {
		udp_reset(u, n);
		/* Blocks for the first datagram, then takes what is queued. */
		n = recvmmsg(u->fd, u->in, UDP_BATCH, MSG_WAITFORONE, NULL);
		/* Shut down to stop, it returns an empty "datagram". */
		if (atomic_load_explicit(&u->stop, memory_order_relaxed))
			break;
		const struct serving *sv = serving_slot_take(&u->slot);
		if (atomic_load_explicit(&u->rrl_next, memory_order_relaxed) !=
		    NULL)
			take_rrl(u);
		if (n > 0) {
			udp_round(u, sv, n);
			continue;
		}
		int e = errno;
		n = 1; /* nothing received; reset the first header anyway */
		if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR)
			continue; /* idle */
		/* Unexpected (ENOMEM...): say so, and do not spin on it. */
		log_ratelimit(&udp_recv_rl, LOG_WARNING, "udp: recvmmsg: %s",
		              strerror(e));
		nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
	}
	return NULL;
}

static bool
is_wildcard(const struct netaddr *a)
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
net_udp_new(struct worker *w, const struct netaddr *a, struct serving *sv)
{
	int fd = net_bind(a, SOCK_DGRAM);
	int on = 1;
	struct timeval idle = {.tv_usec = UDP_IDLE_MS * 1000};

	if (fd == -1)
		return NULL;
	struct udp_sock *u = xcalloc(1, sizeof(*u));
	u->w = w;
	u->fd = fd;
	u->wildcard = is_wildcard(a);
	u->sample = sample_new();
	u->mac = cookie_mac_new();
	make_rrl(u, sv);
	take_rrl(u);
	serving_slot_init(&u->slot, sv);
	/* The thread blocks in recvmmsg, waking at least every UDP_IDLE_MS. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)) ==
	        -1) {
		log_err_errno("listen %s: blocking socket", a->text);
		net_udp_free(u);
		return NULL;
	}
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
		u->in[i].msg_hdr.msg_name = &u->from[i];
		u->io[i].pkt = u->query[i];
		u->io[i].from = (const struct sockaddr *)&u->from[i];
		u->io[i].resp = u->resp[i];
	}
	return u;
}

int
net_udp_start(struct udp_sock *u)
{
	int rc = pthread_create(&u->thread, NULL, udp_main, u);

	if (rc != 0) {
		errno = rc;
		log_err_errno("worker %u: udp: pthread_create", u->w->id);
		return -1;
	}
	u->running = true;
	return 0;
}

void
net_udp_stop(struct udp_sock *u)
{
	if (!u->running)
		return;
	atomic_store(&u->stop, true);
	/*
	 * Wakes a thread blocked in recvmmsg at once (Linux; an unconnected
	 * socket also reports ENOTCONN here, harmlessly).  Were it not so,
	 * the receive timeout would, within UDP_IDLE_MS.
	 */
	(void)shutdown(u->fd, SHUT_RD);
	pthread_join(u->thread, NULL);
	u->running = false;
}

void
net_udp_publish(struct udp_sock *u, struct serving *sv)
{
	make_rrl(u, sv);
	serving_slot_put(&u->slot, sv);
}

const struct dnsd_stats *
net_udp_stats(const struct udp_sock *u)
{
	return &u->stats;
}

const struct sample *
net_udp_sample(const struct udp_sock *u)
{
	return u->sample;
}

void
net_udp_free(struct udp_sock *u)
{
	if (u == NULL)
		return;
	net_udp_stop(u);
	close(u->fd);
	serving_slot_fini(&u->slot);
	sample_free(u->sample);
	cookie_mac_free(u->mac);
	rrl_free(u->rrl);
	rrl_free(atomic_load(&u->rrl_next));
	free(u);
}
