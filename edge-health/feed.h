/* SPDX-License-Identifier: MIT */
/* edge-health/feed.h: sends hmsg snapshots to dnsd (unix and udp targets). */
#ifndef EDGE_HEALTH_FEED_H
#define EDGE_HEALTH_FEED_H

#include <stdint.h>

struct eh_conf;
struct hmsg;
struct feed;

/*
 * Open one non-blocking datagram socket per target of `conf` (borrowed
 * only during the call: addresses and keys are copied).  A target whose
 * socket cannot be created is logged and skipped.  Returns new.
 */
struct feed *feed_new(const struct eh_conf *conf);

void feed_free(struct feed *f); /* NULL is a no-op */

/*
 * Encode `m` (with each target's key, if any) and send it to every
 * target.  Never blocks: a send that fails (dnsd down, buffer full) is
 * counted and logged rate-limited, and the next snapshot makes up for it.
 * A snapshot too large for one datagram with what the edges reported
 * about themselves (thousand edges or so, all reporting) is sent without
 * it, logged rate-limited.  Returns the number of targets it failed to
 * reach (0: all sent).
 */
unsigned feed_send(struct feed *f, const struct hmsg *m);

/* Sends that failed since feed_new. */
uint64_t feed_failures(const struct feed *f);

#endif
