/* SPDX-License-Identifier: MIT */
/* edge-health/state.h: rise/fall anti-flap per edge (pure; clock passed in). */
#ifndef EDGE_HEALTH_STATE_H
#define EDGE_HEALTH_STATE_H

#include <stdbool.h>
#include <stdint.h>

#define STATE_REASON_MAX 256

/*
 * One edge's health.  An edge starts up (never "everything down at
 * start-up"): it goes down after `fall` consecutive failed rounds and
 * comes back after `rise` consecutive good ones.  A result of the other
 * kind resets the run.  No allocation, no I/O, no clock: `now_ms` is any
 * monotonic millisecond count chosen by the caller.
 */
struct eh_state {
	bool up;
	unsigned fails;    /* consecutive failed rounds */
	unsigned oks;      /* consecutive good rounds */
	uint64_t rounds;   /* results seen */
	uint64_t since_ms; /* time of the last transition (or init) */
	char reason[STATE_REASON_MAX]; /* last failure, "" if none yet */
};

enum state_change {
	STATE_SAME = 0,
	STATE_WENT_DOWN,
	STATE_WENT_UP,
};

/* Start as up, at `now_ms`. */
void state_init(struct eh_state *s, uint64_t now_ms);

/*
 * Record one round: `ok`, or a failure with `reason` (copied, truncated;
 * NULL is taken as "").  Returns the transition it caused, reported once:
 * the following rounds in the same direction return STATE_SAME.
 */
enum state_change state_update(struct eh_state *s, unsigned rise, unsigned fall,
                               bool ok, const char *reason, uint64_t now_ms);

#endif
