/* SPDX-License-Identifier: MIT */
/*
 * edge-health/round.h: one target's checks run together as a round on the
 * event loop, bounded by a timeout; sched runs one per edge, anycast one
 * for the local dnsd.  When the next round starts and what a result means
 * (rise/fall) stay with the caller.
 */
#ifndef EDGE_HEALTH_ROUND_H
#define EDGE_HEALTH_ROUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct edge_report;
struct eh_check;
struct probe_env;
struct round;

/*
 * One check of the current round ended: `check` is its index, `ok` its
 * result (false too for a probe that could not start or that the timeout
 * stopped), `report` what a passing http/https check's body said about the
 * edge (or NULL; valid during the call), `elapsed_us` the time since the
 * round started.  Must not free the round.
 */
typedef void round_check_fn(void *arg, size_t check, bool ok,
                            const struct edge_report *report,
                            uint64_t elapsed_us);

/*
 * The round ended, after the round_check_fn of each of its checks: `ok` if
 * every check passed, else `reason` is the first failure's, e.g.
 * "192.0.2.1:443: http: status 503" or "192.0.2.1:443: timeout after 2000
 * ms" ("" if ok; valid during the call).  Called once per round, from the
 * loop.  May call round_next; must not free the round.
 */
typedef void round_done_fn(void *arg, bool ok, const char *reason);

/* What a round probes. */
struct round_target {
	const char *name; /* the target, for the probes' logs: "lhr" */
	/* Reasons start "lhr (192.0.2.1:443): " rather than "192.0.2.1:443: "
	 * (a caller whose logs already say which target leaves it out). */
	bool name_in_reason;
	const struct eh_check *check; /* ncheck of them */
	size_t ncheck;
	unsigned timeout_ms; /* the probes still running then are stopped */
};

/*
 * Probes for `t`'s checks on env->base (`env`, t->name and t->check are
 * kept: they must outlive the round).  No round runs until round_next.
 * `check_done` may be NULL.  Returns new, or NULL if the loop cannot take
 * its timers.
 */
struct round *round_new(const struct probe_env *env,
                        const struct round_target *t,
                        round_check_fn *check_done, round_done_fn *done,
                        void *arg);

/*
 * Start the next round `delay_ms` after the start of the last one (of
 * round_new if none ran yet), or at once if that time is past: timed from
 * the start, a slow target does not drift.  Always from the loop, never
 * within this call.  Once after round_new, then once per round, after it
 * ended.
 */
void round_next(struct round *r, unsigned delay_ms);

/* Stop the running probes and the timers, and free; no callback runs.
 * NULL is a no-op.  Not from within the round's callbacks. */
void round_free(struct round *r);

#endif
