/* SPDX-License-Identifier: MIT */
/*
 * dnsd/health_feed.h: where the probers' reports arrive: a Unix datagram
 * socket for a local edge-health, optionally a UDP socket for remote ones
 * (every message must carry a valid mac and a fresh time), old and
 * repeated messages dropped, and a timer that declares the feed stale when
 * it falls silent.  Accepted reports and staleness go to the health state
 * (health.h).  Main thread, on its libevent loop.
 *
 * Several probers may feed one dnsd, each by name (health.h keeps a view
 * per prober and takes their vote); within one prober, a message from a
 * new boot id is taken as it restarting, and the old boot's messages are
 * dropped from then on.
 */
#ifndef DNSD_HEALTH_FEED_H
#define DNSD_HEALTH_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct event_base;
struct health;
struct netaddr;

/* Feed statistics, for status and metrics. */
struct health_feed_stats {
	uint64_t accepted;
	uint64_t dropped_old;     /* (boot, seq) not newer */
	uint64_t dropped_bad;     /* undecodable */
	uint64_t dropped_auth;    /* missing or wrong mac, or too old */
	uint64_t dropped_probers; /* from probers beyond PROBERS_MAX */
	time_t last_message;      /* 0: never */
	bool stale;               /* no prober is fresh */
};

struct health_feed;

/*
 * Listen on `base`: a Unix datagram socket at `unix_path` (mode 0660; a
 * socket file left by an earlier run is replaced), and, if `udp` is not
 * NULL, a UDP socket whose messages must carry a valid mac with `key`.
 * Reports go to `h` (kept); a feed silent for `stale_after_ms` is stale
 * until it speaks again.  Returns new, or NULL after logging why.
 */
struct health_feed *health_feed_new(struct event_base *base, struct health *h,
                                    const char *unix_path,
                                    const struct netaddr *udp,
                                    const uint8_t *key, size_t keylen,
                                    unsigned stale_after_ms);

/* Close the sockets and remove the Unix socket file.  NULL: no-op. */
void health_feed_free(struct health_feed *f);

void health_feed_stats(const struct health_feed *f,
                       struct health_feed_stats *out);

#endif
