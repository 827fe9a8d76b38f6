/* SPDX-License-Identifier: MIT */
/* dnsd/health_feed.c: where the probers' reports arrive. */
#include "dnsd/health_feed.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/clock.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/conf.h"
#include "dnsd/health.h"
#include "dnsd/sockfile.h"

#define FEED_RECV_BURST 64 /* datagrams per wakeup */

struct health_feed {
	struct health *h;
	unsigned stale_after_ms;
	struct sockfile unix_sock;
	int ufd;
	struct event *unix_ev, *udp_ev, *timer;
	uint8_t key[HMSG_KEY_MAX];
	size_t keylen;
	char *buf;           /* HMSG_MAX + 1 */
	struct hmsg *msg;    /* too big for the stack */
	uint64_t last_rx_ms; /* monotonic, of any prober */
	struct health_feed_stats stats;
};

/* Take a decoded message that passed every check: health dedupes it
 * by prober and votes. */
static void
accept_message(struct health_feed *f, const struct hmsg *m)
{
	static struct log_rl rl_old;

	switch (health_report(f->h, m)) {
	case HEALTH_OLD:
		f->stats.dropped_old++;
		log_ratelimit(&rl_old, LOG_INFO,
		              "health: feed: dropped old message from prober "
		              "%s (seq %llu)",
		              m->prober, (unsigned long long)m->seq);
		return;
	case HEALTH_TOO_MANY:
		f->stats.dropped_probers++;
		return;
	case HEALTH_TAKEN:
		break;
	}
	f->last_rx_ms = clock_ms();
	f->stats.accepted++;
	f->stats.last_message = time(NULL);
	if (f->stats.stale) {
		f->stats.stale = false;
		log_notice("health: feed recovered");
	}
}

/* One datagram from either transport; `udp` needs the key and a fresh
 * time, since anyone on the network can reach that socket. */
static void
feed_message(struct health_feed *f, size_t len, bool udp)
{
	static struct log_rl rl_bad, rl_auth;
	struct hmsg *m = f->msg;
	const char *why = NULL;

	if (len > HMSG_MAX ||
	    hmsg_decode(f->buf, len, NULL, 0, m, &why) == -1) {
		f->stats.dropped_bad++;
		log_ratelimit(&rl_bad, LOG_WARNING,
		              "health: feed: dropped message: %s",
		              why ? why : "too long");
		return;
	}
	if (udp) {
		uint64_t now = (uint64_t)time(NULL);
		uint64_t win = (f->stale_after_ms + 999) / 1000;
		uint64_t skew = m->time > now ? m->time - now : now - m->time;

		if (hmsg_decode(f->buf, len, f->key, f->keylen, m, &why) ==
		    -1) {
			f->stats.dropped_auth++;
			log_ratelimit(&rl_auth, LOG_WARNING,
			              "health: feed: dropped udp message: %s",
			              why);
			return;
		}
		if (skew > win) {
			f->stats.dropped_auth++;
			log_ratelimit(&rl_auth, LOG_WARNING,
			              "health: feed: dropped udp message: time "
			              "off by %llus",
			              (unsigned long long)skew);
			return;
		}
	}
	accept_message(f, m);
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	static struct log_rl rl;
	struct health_feed *f = arg;

	(void)what;
	for (int i = 0; i < FEED_RECV_BURST; i++) {
		ssize_t n = recv(fd, f->buf, HMSG_MAX + 1, MSG_TRUNC);
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				log_ratelimit(&rl, LOG_WARNING,
				              "health: feed: recv: %s",
				              strerror(errno));
			return;
		}
		feed_message(f, (size_t)n, fd == f->ufd);
	}
}

static void
stale_cb(evutil_socket_t fd, short what, void *arg)
{
	struct health_feed *f = arg;
	uint64_t idle = clock_ms() - f->last_rx_ms;

	(void)fd;
	(void)what;
	/* Each prober stops voting once silent for stale_after; the feed
	 * is stale when they all are (or none ever spoke). */
	health_expire(f->h, f->stale_after_ms);
	if (f->stats.stale || idle < f->stale_after_ms)
		return;
	f->stats.stale = true;
	log_warn("health: feed stale for %.1fs, %s", (double)idle / 1000,
	         health_stale_policy(f->h));
}

static int
listen_udp(struct health_feed *f, const struct netaddr *a)
{
	int fd = socket(a->ss.ss_family,
	                SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd == -1 ||
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1) {
		log_err_errno("health: udp %s: bind", a->text);
		if (fd != -1)
			close(fd);
		return -1;
	}
	f->ufd = fd;
	return 0;
}

static struct event *
watch(struct event_base *base, int fd, struct health_feed *f)
{
	struct event *ev =
	    event_new(base, fd, EV_READ | EV_PERSIST, read_cb, f);

	if (ev != NULL && event_add(ev, NULL) == -1) {
		event_free(ev);
		ev = NULL;
	}
	return ev;
}

struct health_feed *
health_feed_new(struct event_base *base, struct health *h,
                const char *unix_path, const struct netaddr *udp,
                const uint8_t *key, size_t keylen, unsigned stale_after_ms)
{
	struct health_feed *f = xcalloc(1, sizeof(*f));
	struct timeval tv;
	unsigned tick;

	f->h = h;
	f->stale_after_ms = stale_after_ms ? stale_after_ms : 1;
	f->ufd = -1;
	f->buf = xmalloc(HMSG_MAX + 1);
	f->msg = xmalloc(sizeof(*f->msg));
	if (udp != NULL &&
	    (key == NULL || keylen == 0 || keylen > HMSG_KEY_MAX)) {
		log_err("health: udp %s: a key is required", udp->text);
		goto fail;
	}
	if (sockfile_bind(&f->unix_sock, "health: socket", unix_path,
	                  SOCK_DGRAM, 0) == -1)
		goto fail;
	if (udp != NULL) {
		if (listen_udp(f, udp) == -1)
			goto fail;
		memcpy(f->key, key, keylen);
		f->keylen = keylen;
	}
	f->last_rx_ms = clock_ms(); /* a silent feed goes stale from now */
	if ((f->unix_ev = watch(base, f->unix_sock.fd, f)) == NULL ||
	    (f->ufd != -1 && (f->udp_ev = watch(base, f->ufd, f)) == NULL))
		goto fail_ev;
	/* Check often enough that staleness shows within a quarter of
	 * stale_after, and at least every second. */
	tick = f->stale_after_ms / 4;
	tick = tick < 10 ? 10 : tick > 1000 ? 1000 : tick;
	tv.tv_sec = tick / 1000;
	tv.tv_usec = (suseconds_t)(tick % 1000) * 1000;
	f->timer = event_new(base, -1, EV_PERSIST, stale_cb, f);
	if (f->timer == NULL || event_add(f->timer, &tv) == -1)
		goto fail_ev;
	return f;
fail_ev:
	log_err("health: feed: cannot add events");
fail:
	health_feed_free(f);
	return NULL;
}

void
health_feed_free(struct health_feed *f)
{
	if (f == NULL)
		return;
	if (f->unix_ev != NULL)
		event_free(f->unix_ev);
	if (f->udp_ev != NULL)
		event_free(f->udp_ev);
	if (f->timer != NULL)
		event_free(f->timer);
	if (f->ufd != -1)
		close(f->ufd);
	sockfile_close(&f->unix_sock);
	free(f->msg);
	free(f->buf);
	free(f);
}

void
health_feed_stats(const struct health_feed *f, struct health_feed_stats *out)
{
	*out = f->stats;
}
