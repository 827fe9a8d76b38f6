/* SPDX-License-Identifier: MIT */
/* edge-health/sched.h: per-edge probe rounds on the event loop, jitter. */
#ifndef EDGE_HEALTH_SCHED_H
#define EDGE_HEALTH_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edge-health/state.h"

struct edge_report;
struct event_base;
struct eh_conf;
struct eh_edge;
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

/*
 * Fill m->edge and m->n with every probed edge's name and state, and what
 * it reported about itself in its last round (has 0 if nothing): the
 * report of the first of its http/https checks, in config order, whose
 * body was one.  A round without a report clears it.
 */
void sched_snapshot(const struct sched *s, struct hmsg *m);

/*
 * Upper bounds, in microseconds, of the probe latency histogram's buckets
 * (edge-health/metrics.c prints them in seconds); one more bucket counts
 * what is slower than the last bound.
 */
#define SCHED_LATENCY_BUCKETS 10
extern const uint64_t sched_latency_us[SCHED_LATENCY_BUCKETS];

/* Results of one check, counted once per probe. */
struct sched_check_stats {
	uint64_t ok;
	uint64_t fail; /* failed, timed out, or could not start */
};

/*
 * The counters of one edge, for metrics.  A reload carries them over for
 * an edge of the same name (and a check of the same type and address), so
 * Prometheus sees no reset.
 */
struct sched_edge_stats {
	uint64_t went_up;
	uint64_t went_down;
	/* Probes by latency (not cumulative); [SCHED_LATENCY_BUCKETS]: over
	 * the last bound.  Their sum is the number of probes. */
	uint64_t latency[SCHED_LATENCY_BUCKETS + 1];
	uint64_t latency_sum_us;
	struct sched_check_stats *check; /* one per check of the edge */
};

/* What metrics read of one edge; every pointer is the sched's. */
struct sched_edge_info {
	const struct eh_edge *e; /* name and checks */
	bool up;
	const struct edge_report *report; /* the latest; has 0: none */
	const struct sched_edge_stats *stats;
};

/* Number of probed edges. */
size_t sched_count(const struct sched *s);

/* Edge `i` (< sched_count) into `out`; valid until the sched is freed. */
void sched_edge_info(const struct sched *s, size_t i,
                     struct sched_edge_info *out);

/* Count one probe of `check` that took `us` microseconds (pure). */
void sched_stats_probe(struct sched_edge_stats *st, size_t check, bool ok,
                       uint64_t us);

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
