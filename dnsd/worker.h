/* SPDX-License-Identifier: MIT */
/* dnsd/worker.h: a worker's sockets: a thread per UDP socket, and one
 * libevent loop for TCP. */
#ifndef DNSD_WORKER_H
#define DNSD_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/serving.h"
#include "dnsd/stats.h"

struct dnsd_stats;
struct event;
struct event_base;
struct netaddr;
struct query;
struct sample;
struct udp_sock;
struct tcp_listener;

/*
 * A worker's loop answers TCP from the serving in its slot, which only its
 * own thread reads and swaps; the main thread publishes new ones there and
 * wakes the loop through `wake` to take them.  Each UDP socket has a
 * thread, a slot and counters of its own (net_udp.c).  Counters in `stats`
 * are written by the loop's thread only.
 */
struct worker {
	unsigned id;
	pthread_t thread;
	bool running;
	struct event_base *base;
	struct serving_slot slot;
	int wake[2]; /* pipe: WORKER_WAKE_* octets */
	struct event *wake_ev;
	struct udp_sock **udp;
	size_t nudp;
	struct tcp_listener **tcp;
	size_t ntcp;
	unsigned tcp_clients;
	unsigned qlog_left; /* TCP queries until the next sampled log line */
	struct dnsd_stats stats;
	struct sample *sample;  /* the loop's geo clients, for what-if */
	struct cookie_mac *mac; /* the loop's SipHash for cookies, or NULL */
};

/*
 * Create a worker with its own UDP and TCP sockets on every address
 * (SO_REUSEPORT lets each worker bind the same ones; the kernel spreads
 * packets and connections between them), answering from `sv` (references
 * of its own).  Returns new, or NULL after logging why (e.g. address in
 * use).
 */
struct worker *worker_new(unsigned id, const struct netaddr *addrs,
                          size_t naddrs, struct serving *sv);

/* Start the worker's threads (loop and UDP).  0 or -1. */
int worker_start(struct worker *w);

/*
 * Hand the worker a new serving; it takes references now and every thread
 * switches between two batches or events, so no query sees a half-loaded
 * state and none is lost.  Threads leave the old one in its yard.  Main
 * thread only.
 */
void worker_publish(struct worker *w, struct serving *sv);

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
void worker_qlog(const struct worker *w, const struct query *q,
                 const uint8_t *resp, size_t rlen);

/* Stop the threads and wait for them; counters are final after this. */
void worker_stop(struct worker *w);

/* Add the worker's counters, its UDP threads' included, to `sum`. */
void worker_stats_add(struct dnsd_stats *sum, const struct worker *w);

/*
 * The samples of geo clients (sample.h) of the worker's threads, its
 * loop's then each UDP socket's, into rings[0..max); returns how many
 * there are (rings may be NULL to count them).  Main thread; the threads
 * keep writing them.
 */
size_t worker_samples(const struct worker *w, const struct sample **rings,
                      size_t max);

/* Stop (if running) and free.  NULL is a no-op. */
void worker_free(struct worker *w);

#endif
