/* SPDX-License-Identifier: MIT */
/* dnsd/worker.h: one thread, one libevent loop, its own sockets. */
#ifndef DNSD_WORKER_H
#define DNSD_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/stats.h"

struct event;
struct sockaddr;
struct event_base;
struct health_view;
struct listen_addr;
struct snapshot;
struct udp_sock;
struct tcp_listener;

/*
 * A worker answers from `snap`, which only its own thread reads and
 * swaps; the main thread hands it new snapshots through `wake`.  Counters
 * in `stats` are written by the worker only.
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
	unsigned qlog_left; /* queries until the next sampled log line */
	struct dnsd_stats stats;
};

/*
 * Create a worker with its own UDP and TCP sockets on every address
 * (SO_REUSEPORT lets each worker bind the same ones; the kernel spreads
 * packets and connections between them).  Takes a reference on `snap`.
 * Returns new, or NULL after logging why (e.g. address in use).
 */
struct worker *worker_new(unsigned id, const struct listen_addr *addrs,
                          size_t naddrs, struct snapshot *snap);

/* Start the worker's thread.  0 or -1. */
int worker_start(struct worker *w);

/*
 * Hand the worker a new snapshot; it takes a reference now and switches
 * between two events, so no query sees a half-loaded state and none is
 * lost.  The old snapshot is released by the worker.  Main thread only.
 */
void worker_publish(struct worker *w, struct snapshot *snap);

/* The same for a new edge health view (NULL-free; main thread only). */
void worker_publish_view(struct worker *w, struct health_view *view);

/*
 * The sampled query log (server.query_log: one query in N, off when 0).
 * The query path only counts down; formatting happens here, once per N.
 */
static inline bool
worker_qlog_due(struct worker *w, unsigned every)
{
	if (every == 0)
		return false;
	if (w->qlog_left > 1) {
		w->qlog_left--;
		return false;
	}
	w->qlog_left = every; /* the first query is logged, then every Nth */
	return true;
}
void worker_qlog(const struct worker *w, const struct sockaddr *from, bool tcp,
                 const uint8_t *query, size_t qlen, const uint8_t *resp,
                 size_t rlen);

/* Stop the thread and wait for it; its counters are final after this. */
void worker_stop(struct worker *w);

/* Stop (if running) and free.  NULL is a no-op. */
void worker_free(struct worker *w);

/* The snapshot this worker answers from (its thread, or after stop). */
static inline const struct snapshot *
worker_snapshot(const struct worker *w)
{
	return w->snap;
}

#endif
