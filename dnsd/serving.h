/* SPDX-License-Identifier: MIT */
/*
 * dnsd/serving.h: what the answering threads answer from: one snapshot and
 * the edge health computed for that snapshot's edges, immutable and
 * published as one, so that no answer is ever computed with a health view
 * that belongs to another load.
 *
 * The main thread builds a serving after every load and every health
 * change and puts it in each answering thread's slot; a thread takes the
 * newest between two batches (no atomics per query).  A serving a thread
 * lets go of is not freed there: freeing a retired snapshot (tens of MB of
 * zones and prefix trees) would stall that thread's queries, so it goes to
 * a yard that the main thread empties.
 */
#ifndef DNSD_SERVING_H
#define DNSD_SERVING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/steer.h"

struct snapshot;
struct serving_yard;

struct serving {
	const struct snapshot *snap; /* holds a reference */
	atomic_uint refs;
	struct serving_yard *yard; /* where threads leave it; NULL: none */
	struct serving *next_dead; /* in the yard */
	/*
	 * Per edge of snap's inventory: its share and weight (steer.h).
	 * NULL: every edge usable with all of its share and the weight
	 * configured.
	 */
	const struct steer *steer;
	_Alignas(struct steer) unsigned char steer_buf[];
};

/*
 * A serving for `snap` (takes a reference of its own) with `steer` (copied;
 * NULL: every edge usable), left in `yard` when a thread lets go of the
 * last reference (NULL: freed there).  Returns new with one reference.
 * Main thread (or tests).
 */
struct serving *serving_new(struct snapshot *snap, const struct steer *steer,
                            struct serving_yard *yard);

void serving_ref(struct serving *sv);

/* Drop a reference; the last frees it.  Main thread.  NULL: no-op. */
void serving_unref(struct serving *sv);

/* Drop a reference from an answering thread: the last one leaves it in
 * its yard (or frees it, without one).  NULL: no-op. */
void serving_release(struct serving *sv);

/* ---- the yard ------------------------------------------------------------ */

struct serving_yard {
	_Atomic(struct serving *) dead; /* a stack, pushed by threads */
};

/* Free everything in the yard.  Main thread; returns how many. */
unsigned serving_yard_empty(struct serving_yard *y);

/* ---- a thread's slot ----------------------------------------------------- */

/*
 * One per answering thread.  `next` is written by the main thread,
 * `cur` belongs to the thread.
 */
struct serving_slot {
	_Atomic(struct serving *) next; /* published, not yet taken */
	struct serving *cur;
};

/* Start with `sv` (a reference of the slot's own).  Before the thread. */
void serving_slot_init(struct serving_slot *s, struct serving *sv);

/*
 * Publish `sv` to the slot's thread (takes a reference); one published
 * earlier and not yet taken is superseded.  Main thread.
 */
void serving_slot_put(struct serving_slot *s, struct serving *sv);

/*
 * The thread's serving, after taking the newest published one if there
 * is one.  The thread's own, between two batches or events.
 */
static inline const struct serving *
serving_slot_take(struct serving_slot *s)
{
	if (atomic_load_explicit(&s->next, memory_order_relaxed) != NULL) {
		struct serving *n = atomic_exchange_explicit(
		    &s->next, NULL, memory_order_acquire);
		if (n != NULL) {
			serving_release(s->cur);
			s->cur = n;
		}
	}
	return s->cur;
}

/* Drop what the slot holds, once its thread has stopped.  Main thread. */
void serving_slot_fini(struct serving_slot *s);

#endif
