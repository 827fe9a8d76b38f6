/* SPDX-License-Identifier: MIT */
/* dnsd/serving.c: a snapshot and its edge health, published as one. */
#include "dnsd/serving.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "dnsd/snapshot.h"

struct serving *
serving_new(struct snapshot *snap, const struct steer *steer,
            struct serving_yard *yard)
{
	size_t size = steer != NULL ? steer_size(steer->n) : 0;
	struct serving *sv = xcalloc(1, sizeof(*sv) + size);

	snapshot_ref(snap);
	sv->snap = snap;
	sv->yard = yard;
	if (steer != NULL) {
		memcpy(sv->steer_buf, steer, size);
		sv->steer = (const struct steer *)(void *)sv->steer_buf;
	}
	atomic_init(&sv->refs, 1);
	return sv;
}

void
serving_ref(struct serving *sv)
{
	atomic_fetch_add_explicit(&sv->refs, 1, memory_order_relaxed);
}

static void
serving_free(struct serving *sv)
{
	snapshot_unref((struct snapshot *)(uintptr_t)sv->snap);
	free(sv);
}

/* True when this was the last reference.  acq_rel: whoever frees sees
 * every other thread's last use. */
static bool
drop(struct serving *sv)
{
	return atomic_fetch_sub_explicit(&sv->refs, 1, memory_order_acq_rel) ==
	       1;
}

void
serving_unref(struct serving *sv)
{
	if (sv != NULL && drop(sv))
		serving_free(sv);
}

void
serving_release(struct serving *sv)
{
	if (sv == NULL || !drop(sv))
		return;
	if (sv->yard == NULL) {
		serving_free(sv);
		return;
	}
	/* Push on the yard's stack; only the main thread pops, and it takes
	 * the whole stack at once, so there is no ABA to fear. */
	struct serving *head =
	    atomic_load_explicit(&sv->yard->dead, memory_order_relaxed);
	do {
		sv->next_dead = head;
	} while (!atomic_compare_exchange_weak_explicit(
	    &sv->yard->dead, &head, sv, memory_order_release,
	    memory_order_relaxed));
}

unsigned
serving_yard_empty(struct serving_yard *y)
{
	struct serving *sv =
	    atomic_exchange_explicit(&y->dead, NULL, memory_order_acquire);
	unsigned n = 0;

	while (sv != NULL) {
		struct serving *next = sv->next_dead;
		serving_free(sv);
		sv = next;
		n++;
	}
	return n;
}

void
serving_slot_init(struct serving_slot *s, struct serving *sv)
{
	atomic_init(&s->next, NULL);
	serving_ref(sv);
	s->cur = sv;
}

void
serving_slot_put(struct serving_slot *s, struct serving *sv)
{
	serving_ref(sv);
	serving_unref(
	    atomic_exchange_explicit(&s->next, sv, memory_order_acq_rel));
}

void
serving_slot_fini(struct serving_slot *s)
{
	serving_unref(atomic_exchange(&s->next, NULL));
	serving_unref(s->cur);
	s->cur = NULL;
}
