/* SPDX-License-Identifier: MIT */
/* dnsd/worker.h: a worker's sockets: a thread per UDP socket, and one
 * libevent loop for TCP. */
#ifndef DNSD_WORKER_H
#define DNSD_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/stats.h"

struct dnsd_stats;
struct event;
struct sockaddr;
struct event_base;
struct health_view;
struct netaddr;
struct snapshot;
struct udp_sock;
struct tcp_listener;

/*
 * A worker's loop answers TCP from `snap`, which only its own thread reads
 * and swaps; the main thread hands it new snapshots through `wake`.  Each
 * UDP socket has a thread, a snapshot and counters of its own (net_udp.c).
 * Counters in `stats` are written by the loop's thread only.
 */
struct worker {
	unsigned id;
	pthread_t thread;
	bool running;
	struct event_base *base;
	struct snapshot *snap;    /* holds one reference */
	struct health_view *view; /* edge health, or NULL: all usable */
	int wake[2];              /* pipe: snapshot pointers, NULL = stop */
	struct event *wake_ev;
	struct udp_sock **udp;
	size_t nudp;
	struct tcp_listener **tcp;
	size_t ntcp;
	unsigned tcp_clients;
	unsigned qlog_left; /* TCP queries until the next sampled log line */
	struct dnsd_stats stats;
};

/*
 * Create a worker with its own UDP and TCP sockets on every address
 * (SO_REUSEPORT lets each worker bind the same ones; the kernel spreads
 * packets and connections between them).  Takes references on `snap`.
 * Returns new, or NULL after logging why (e.g. address in use).
 */
struct worker *worker_new(unsigned id, const struct netaddr *addrs,
                          size_t naddrs, struct snapshot *snap);

/* Start the worker's threads (loop and UDP).  0 or -1. */
int worker_start(struct worker *w);

/*
 * Hand the worker a new snapshot; it takes references now and every
 * thread switches between two batches or events, so no query sees a
 * half-loaded state and none is lost.  The old snapshot is released by
 * the worker's threads.  Main thread only.
 */
void worker_publish(struct worker *w, struct snapshot *snap);

/* The same for a new edge health view (NULL-free; main thread only). */
void worker_publish_view(struct worker *w, struct health_view *view);

/*
 * The sampled query log (server.query_log: one query in N, off when 0).
 * The query path only counts down `left` (one per thread); formatting
 * happens in worker_qlog, once per N.
 */
static inline bool
worker_qlog_due(unsigned *left, unsigned every)
{
	if (every == 0)
		return false;
	if (*left > 1) {
		(*left)--;
		return false;
	}
	*left = every; /* the first query is logged, then every Nth */
	return true;
}
void worker_qlog(const struct worker *w, const struct sockaddr *from, bool tcp,
                 const uint8_t *query, size_t qlen, const uint8_t *resp,
                 size_t rlen);

/* Stop the threads and wait for them; counters are final after this. */
void worker_stop(struct worker *w);

/* Add the worker's counters, its UDP threads' included, to `sum`. */
void worker_stats_add(struct dnsd_stats *sum, const struct worker *w);

/* Stop (if running) and free.  NULL is a no-op. */
void worker_free(struct worker *w);

/* The snapshot this worker answers from (its thread, or after stop). */
static inline const struct snapshot *
worker_snapshot(const struct worker *w)
{
	return w->snap;
}

#endif
