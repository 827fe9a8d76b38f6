/* SPDX-License-Identifier: MIT */
/* edge-health/sched.h: per-edge probe rounds on the event loop, jitter. */
#ifndef EDGE_HEALTH_SCHED_H
#define EDGE_HEALTH_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "edge-health/state.h"

struct event_base;
struct eh_conf;
struct hmsg;
struct sched;

/*
 * Called after every round of an edge that changed its state (`edge` is
 * its index in conf->edge).  Transitions are logged by sched, once.
 */
typedef void sched_change_fn(void *arg, size_t edge, enum state_change ch);

/*
 * Probe every edge of `conf` (borrowed: it must outlive the sched) on
 * `base`.  Each edge's first round starts at once; then rounds follow
 * every interval with jitter (sched_delay_ms), each bounded by the edge's
 * timeout; a round passes only if all of the edge's checks pass.  States
 * start up, or, for an edge of the same name in `old` (a reload; may be
 * NULL), as they were there.  `seed` feeds the jitter.  Returns new, or
 * NULL after logging why.
 */
struct sched *sched_new(struct event_base *base, const struct eh_conf *conf,
                        const struct sched *old, uint64_t seed,
                        sched_change_fn *fn, void *arg);

/* Stop every probe and timer and free.  NULL is a no-op. */
void sched_free(struct sched *s);

/*
 * Start the edges that `m` (a saved snapshot) lists as down as down, with
 * `fall` failures counted: they need `rise` good rounds to come back.
 * Only for a fresh sched, before its first round ends.  Returns how many
 * edges it set down.
 */
size_t sched_restore(struct sched *s, const struct hmsg *m);

/* Fill m->edge and m->n with every probed edge's name and state. */
void sched_snapshot(const struct sched *s, struct hmsg *m);

/* ---- pure, for tests ------------------------------------------------- */

/* Next value of a splitmix64 generator whose state is *rng. */
uint64_t sched_rand(uint64_t *rng);

/*
 * Delay in ms before round `round` (0-based) of an edge, counted from the
 * start of the previous round:
 *   round 0: 0 (the first round starts at once);
 *   round 1: interval/2 + a random [0, interval): this spreads the edges'
 *            phases over a whole interval, so they are not synchronised;
 *   later:   interval +- jitter_pct % (uniform).
 * The mean period is the interval.  Deterministic for a given *rng.
 */
unsigned sched_delay_ms(unsigned interval_ms, unsigned jitter_pct,
                        uint64_t round, uint64_t *rng);

#endif
