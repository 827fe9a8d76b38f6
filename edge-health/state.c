/* SPDX-License-Identifier: MIT */
/* edge-health/state.c: rise/fall anti-flap (gdnsd and relayd count alike). */
#include "edge-health/state.h"

#include <stdio.h>
#include <string.h>

void
state_init(struct eh_state *s, uint64_t now_ms)
{
	memset(s, 0, sizeof(*s));
	s->up = true;
	s->since_ms = now_ms;
}

enum state_change
state_update(struct eh_state *s, unsigned rise, unsigned fall, bool ok,
             const char *reason, uint64_t now_ms)
{
	s->rounds++;
	if (ok) {
		s->fails = 0;
		/* Saturate: a long healthy run must not wrap to 0. */
		if (s->oks < rise)
			s->oks++;
		if (!s->up && s->oks >= rise) {
			s->up = true;
			s->since_ms = now_ms;
			return STATE_WENT_UP;
		}
		return STATE_SAME;
	}
	s->oks = 0;
	if (s->fails < fall)
		s->fails++;
	/* Keep the newest reason: it is what an operator needs to see. */
	snprintf(s->reason, sizeof(s->reason), "%s", reason ? reason : "");
	if (s->up && s->fails >= fall) {
		s->up = false;
		s->since_ms = now_ms;
		return STATE_WENT_DOWN;
	}
	return STATE_SAME;
}
