/* SPDX-License-Identifier: MIT */
/* dnsd/worker.c: a worker's sockets: a thread per UDP socket, and one
 * libevent loop for TCP. */
#include "dnsd/worker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/conf.h"
#include "dnsd/cookie.h"
#include "dnsd/net.h"
#include "dnsd/query.h"
#include "dnsd/sample.h"
#include "dnsd/wire.h"

/* What the wake pipe carries: an octet each. */
enum { WORKER_WAKE_STOP, WORKER_WAKE_SERVING };

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	uint8_t m;

	(void)what;
	while (read(fd, &m, 1) == 1) {
		/* Between two callbacks: no query is half answered. */
		if (m == WORKER_WAKE_STOP) {
			event_base_loopbreak(w->base);
			return;
		}
		serving_slot_take(&w->slot);
	}
}

void
worker_qlog(const struct worker *w, const struct query *q, const uint8_t *resp,
            size_t rlen)
{
	char client[INET6_ADDRSTRLEN], name[QUERY_NAME_TEXT];

	query_client_text(q, client, sizeof(client));
	query_name_text(q, name, sizeof(name));
	log_info("query: worker %u: %s %s %s type %u rcode %u answers %u "
	         "size %zu",
	         w->id, client, q->tcp ? "tcp" : "udp", name, q->qtype,
	         rlen >= 4 ? resp[3] & 0xF : 0,
	         rlen >= 8 ? (unsigned)(resp[6] << 8 | resp[7]) : 0, rlen);
}

struct worker *
worker_new(unsigned id, const struct netaddr *addrs, size_t naddrs,
           struct serving *sv)
{
	struct worker *w = xcalloc(1, sizeof(*w));

	w->id = id;
	w->wake[0] = w->wake[1] = -1;
	w->sample = sample_new();
	w->mac = cookie_mac_new();
	serving_slot_init(&w->slot, sv);
	w->base = event_base_new();
	if (w->base == NULL) {
		log_err("worker %u: cannot create an event loop", id);
		goto fail;
	}
	if (pipe2(w->wake, O_NONBLOCK | O_CLOEXEC) == -1) {
		log_err_errno("worker %u: pipe", id);
		goto fail;
	}
	w->wake_ev =
	    event_new(w->base, w->wake[0], EV_READ | EV_PERSIST, wake_cb, w);
	if (w->wake_ev == NULL || event_add(w->wake_ev, NULL) == -1)
		goto fail;
	w->udp = xcalloc(naddrs, sizeof(*w->udp));
	w->tcp = xcalloc(naddrs, sizeof(*w->tcp));
	for (size_t i = 0; i < naddrs; i++) {
		if ((w->udp[w->nudp] = net_udp_new(w, &addrs[i], sv)) == NULL)
			goto fail;
		w->nudp++;
		if ((w->tcp[w->ntcp] = net_tcp_new(w, &addrs[i])) == NULL)
			goto fail;
		w->ntcp++;
	}
	return w;
fail:
	worker_free(w);
	return NULL;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	event_base_dispatch(w->base);
	return NULL;
}

int
worker_start(struct worker *w)
{
	sigset_t all, old;
	int rc;

	/* Signals are the main thread's business (its libevent loop). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	if (rc == 0) {
		w->running = true;
		for (size_t i = 0; i < w->nudp; i++)
			if (net_udp_start(w->udp[i]) == -1)
				rc = -1;
	} else {
		errno = rc;
		log_err_errno("worker %u: pthread_create", w->id);
		rc = -1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

static void
wake(struct worker *w, uint8_t m)
{
	/*
	 * The pipe holds thousands of octets; a full pipe would mean the
	 * worker is stuck, and blocking here until it drains is the right
	 * thing to do then.
	 */
	for (;;) {
		ssize_t n = write(w->wake[1], &m, 1);
		if (n == 1)
			return;
		if (n == -1 && errno != EINTR && errno != EAGAIN) {
			log_err_errno("worker %u: wake", w->id);
			return;
		}
		usleep(1000);
	}
}

void
worker_publish(struct worker *w, struct serving *sv)
{
	for (size_t i = 0; i < w->nudp; i++)
		net_udp_publish(w->udp[i], sv);
	serving_slot_put(&w->slot, sv);
	if (w->running)
		wake(w, WORKER_WAKE_SERVING);
	else
		serving_slot_take(&w->slot); /* no thread yet: take it now */
}

void
worker_stop(struct worker *w)
{
	for (size_t i = 0; i < w->nudp; i++)
		net_udp_stop(w->udp[i]);
	if (!w->running)
		return;
	wake(w, WORKER_WAKE_STOP);
	pthread_join(w->thread, NULL);
	w->running = false;
}

void
worker_stats_add(struct dnsd_stats *sum, const struct worker *w)
{
	stats_add(sum, &w->stats);
	for (size_t i = 0; i < w->nudp; i++)
		stats_add(sum, net_udp_stats(w->udp[i]));
}

size_t
worker_samples(const struct worker *w, const struct sample **rings, size_t max)
{
	size_t n = 0;

	if (rings != NULL && n < max)
		rings[n] = w->sample;
	n++;
	for (size_t i = 0; i < w->nudp; i++, n++)
		if (rings != NULL && n < max)
			rings[n] = net_udp_sample(w->udp[i]);
	return n;
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	worker_stop(w);
	for (size_t i = 0; i < w->nudp; i++)
		net_udp_free(w->udp[i]);
	for (size_t i = 0; i < w->ntcp; i++)
		net_tcp_free(w->tcp[i]);
	free(w->udp);
	free(w->tcp);
	if (w->wake_ev != NULL)
		event_free(w->wake_ev);
	if (w->wake[0] != -1)
		close(w->wake[0]);
	if (w->wake[1] != -1)
		close(w->wake[1]);
	if (w->base != NULL)
		event_base_free(w->base);
	serving_slot_fini(&w->slot);
	sample_free(w->sample);
	cookie_mac_free(w->mac);
	free(w);
}
