/* SPDX-License-Identifier: MIT */
/* dnsd/metrics.h: Prometheus metrics over HTTP (text format 0.0.4). */
#ifndef DNSD_METRICS_H
#define DNSD_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dnsd/stats.h"

struct event_base;
struct evbuffer;
struct health_edge_info;
struct prober_info;
struct health_feed_stats;
struct netaddr;
struct server;

/*
 * Everything one scrape shows, gathered by the caller; borrowed.  Geo
 * counters are indexed as in `stats` (geo_names[] in the snapshot's
 * zonedb->geo[] order, edge_names[] in inventory order); rows and columns
 * beyond ngeo / nedges are not shown.
 */
struct metrics_input {
	const struct dnsd_stats *stats; /* summed over workers */
	const char *const *geo_names;
	size_t ngeo;
	const char *const *edge_names;
	size_t nedges;
	const struct health_edge_info *health; /* NULL when nhealth is 0 */
	size_t nhealth;
	const struct prober_info *probers; /* NULL when nprobers is 0 */
	size_t nprobers;
	/* views[k * nhealth + i]: what prober k says of edge i (HMSG_UP,
	 * HMSG_DOWN, 0: it does not probe it); NULL when nprobers is 0 */
	const uint8_t *views;
	const struct health_feed_stats *feed; /* NULL: no feed metrics */
	time_t now;                           /* for the feed's age */
	uint64_t reloads;                     /* successful reloads */
	uint64_t reload_failures;
	unsigned generation;
};

/*
 * Append the text exposition of `in` to `out`.  A pure function: the unit
 * test entry point.  Label values are escaped (\\, \", \n).
 */
void metrics_render(struct evbuffer *out, const struct metrics_input *in);

struct metrics;

/*
 * Serve GET /metrics at `addr` on `base` (daemon/metrics_http.h), each
 * scrape gathered from `server` (kept): its workers' counters, summed
 * without locks (a torn read of an aligned uint64_t cannot happen on
 * x86-64 and aarch64, and a counter one increment behind is fine for
 * statistics), what it serves, its health and its feed.  Returns new, or
 * NULL after logging why (e.g. address in use).
 */
struct metrics *metrics_new(struct event_base *base, const struct netaddr *addr,
                            const struct server *server);

/*
 * A new snapshot was published: its geo names may be others, in another
 * order, so the per-geo counters restart from zero (the scrape subtracts
 * what was counted until now; Prometheus sees a counter reset).  Answers
 * a worker gives from the old snapshot until it switches are counted
 * under the new names' rows: at most a few packets.  NULL is a no-op.
 */
void metrics_reset_geo(struct metrics *m);

void metrics_free(struct metrics *m); /* NULL is a no-op */

#endif
