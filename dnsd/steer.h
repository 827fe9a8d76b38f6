/* SPDX-License-Identifier: MIT */
/*
 * dnsd/steer.h: what answers may do with each edge, as the main thread
 * last decided it (health.h): the edge's share of the clients that would
 * otherwise get it, and its weight in its tier.  Published with the
 * snapshot in a serving (serving.h); read by geo_answer.c per query.
 */
#ifndef DNSD_STEER_H
#define DNSD_STEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A share is a fraction of STEER_SHARE_ALL: a client is in an edge's share
 * when its 16-bit place among that edge's clients is below it. */
#define STEER_SHARE_ALL 65536u

struct steer_edge {
	uint32_t share;  /* 0: not usable (down, drained); ALL: every client */
	uint32_t weight; /* 0..255, reported by the edge or configured */
};

struct steer {
	bool partial; /* some share is strictly between 0 and ALL */
	size_t n;     /* edges, in inventory order */
	struct steer_edge edge[];
};

/* Bytes of a steer of n edges (to copy one). */
static inline size_t
steer_size(size_t n)
{
	return sizeof(struct steer) + n * sizeof(struct steer_edge);
}

/* Set st->partial from the shares, after changing them. */
static inline void
steer_mark_partial(struct steer *st)
{
	st->partial = false;
	for (size_t i = 0; i < st->n; i++)
		if (st->edge[i].share > 0 &&
		    st->edge[i].share < STEER_SHARE_ALL)
			st->partial = true;
}

/* A share in [0, 1] as a steer share: 0 only for 0 (an edge with any part
 * of its share left stays usable). */
static inline uint32_t
steer_share(double f)
{
	if (!(f > 0))
		return 0;
	if (f >= 1)
		return STEER_SHARE_ALL;
	uint32_t s = (uint32_t)(f * STEER_SHARE_ALL);
	return s > 0 ? s : 1;
}

#endif
