/* SPDX-License-Identifier: MIT */
/* edge-health/metrics.h: the prober's Prometheus metrics over HTTP. */
#ifndef EDGE_HEALTH_METRICS_H
#define EDGE_HEALTH_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "edge-health/sched.h"

struct anycast;
struct anycast_info;
struct event_base;
struct evbuffer;
struct feed;
struct netaddr;

/* Everything one scrape shows, gathered by the caller; borrowed. */
struct eh_metrics_input {
	const struct sched_edge_info *edge; /* in conf order */
	size_t nedge;
	uint64_t feed_messages; /* snapshots sent, each to every target */
	uint64_t feed_failures; /* sends to a target that failed */
	const struct anycast_info *anycast; /* NULL: no anycast role */
};

/*
 * Append the text exposition (format 0.0.4) of `in` to `out`.  A pure
 * function: the unit test entry point.  Label values are escaped.
 */
void eh_metrics_render(struct evbuffer *out, const struct eh_metrics_input *in);

/*
 * What the endpoint reads at every scrape: pointers into the prober's
 * context (edge-health/prober.c), which must outlive the endpoint.  They
 * are followed at each scrape, so a reload that replaces the sched or the
 * feed needs no call here.
 */
struct eh_metrics_source {
	struct sched *const *sched;
	struct feed *const *feed;
	const uint64_t *feed_messages;
	const uint64_t *feed_failures_before; /* of feeds freed by reloads */
	struct anycast *const *anycast;       /* may point to NULL */
};

struct eh_metrics;

/*
 * Serve GET /metrics at `addr` on `base` (404 for other paths).  Returns
 * new, or NULL after logging why (e.g. address in use).
 */
struct eh_metrics *eh_metrics_new(struct event_base *base,
                                  const struct netaddr *addr,
                                  const struct eh_metrics_source *src);

void eh_metrics_free(struct eh_metrics *m); /* NULL is a no-op */

#endif
