/* SPDX-License-Identifier: MIT */
/* dnsd/sigcache.c: the answer path's signature cache (a seqlock per slot). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/sigcache.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* Slots probed per key: a set of 4, so that a hot entry is rarely pushed
 * out by one that hashes beside it. */
#define SIGCACHE_WAYS 4

/* Slots of a set that may be pinned: the rest stay for the answer path. */
#define SIGCACHE_PINNED_MAX (SIGCACHE_WAYS / 2)

struct slot {
	atomic_uint seq; /* odd while written; 0: never used */
	uint8_t n;       /* signatures held */
	bool pinned;     /* by sigcache_pin(): never replaced */
	uint16_t type;
	uint32_t stamp; /* when stored (the cache's clock): the oldest goes */
	uint64_t owner, content;
	struct sigcache_sig sig[SIGCACHE_SIGS];
};

struct sigcache {
	struct slot *slot;
	size_t mask; /* of the sets: slot count / SIGCACHE_WAYS - 1 */
	atomic_uint clock;
};

/* ---- load path ----------------------------------------------------------- */

struct sigcache *
sigcache_new(size_t entries)
{
	struct sigcache *c = xcalloc(1, sizeof(*c));
	size_t sets = 1;

	while (sets * SIGCACHE_WAYS < entries)
		sets *= 2;
	c->slot = xcalloc(sets * SIGCACHE_WAYS, sizeof(*c->slot));
	c->mask = sets - 1;
	return c;
}

void
sigcache_free(struct sigcache *c)
{
	if (c == NULL)
		return;
	free(c->slot);
	free(c);
}

/* ---- lookup (hot path: no allocation, no locks) --------------------------
 */

static struct slot *
set_of(struct sigcache *c, const struct sigcache_key *k)
{
	uint64_t h = (k->owner ^ k->content * 0x9E3779B97F4A7C15ull ^ k->type) *
	             0xFF51AFD7ED558CCDull;

	return &c->slot[((h ^ h >> 32) & c->mask) * SIGCACHE_WAYS];
}

static inline bool
slot_is(const struct slot *s, const struct sigcache_key *k)
{
	return s->owner == k->owner && s->content == k->content &&
	       s->type == k->type && s->n > 0 && s->n <= SIGCACHE_SIGS;
}

unsigned
sigcache_get(struct sigcache *c, const struct sigcache_key *k,
             struct sigcache_sig out[SIGCACHE_SIGS])
{
	struct slot *set = set_of(c, k);

	for (unsigned w = 0; w < SIGCACHE_WAYS; w++) {
		struct slot *s = &set[w];
		unsigned s1 =
		    atomic_load_explicit(&s->seq, memory_order_acquire);
		if (s1 == 0 || (s1 & 1) || !slot_is(s, k))
			continue;
		/*
		 * The seqlock's read: the fields may be rewritten under the
		 * copy; the second look at seq tells, and then the copy is
		 * thrown away.
		 */
		unsigned n = s->n;
		memcpy(out, s->sig, n * sizeof(out[0]));
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&s->seq, memory_order_relaxed) != s1 ||
		    !slot_is(s, k))
			return 0;
		return n;
	}
	return 0;
}

/* Store k's signatures in the oldest slot of its set that is not pinned
 * (pinning it if `pin`); false if it was there already or could not be
 * stored. */
static bool
store(struct sigcache *c, const struct sigcache_key *k,
      const struct sigcache_sig *sig, unsigned n, bool pin)
{
	struct slot *set = set_of(c, k);
	struct slot *victim = NULL;

	if (n == 0 || n > SIGCACHE_SIGS)
		return false;
	for (unsigned w = 0; w < SIGCACHE_WAYS; w++)
		if (slot_is(&set[w], k))
			return false; /* another thread that missed stored it */
	for (unsigned w = 0; w < SIGCACHE_WAYS; w++) {
		if (set[w].pinned)
			continue;
		if (atomic_load_explicit(&set[w].seq, memory_order_relaxed) ==
		    0) {
			victim = &set[w];
			break;
		}
		if (victim == NULL || set[w].stamp < victim->stamp)
			victim = &set[w];
	}
	if (victim == NULL)
		return false; /* cannot happen: at most half are pinned */
	/* Another thread writing the slot: leave it to that one. */
	unsigned s0 = atomic_load_explicit(&victim->seq, memory_order_relaxed);
	if ((s0 & 1) || !atomic_compare_exchange_strong_explicit(
	                    &victim->seq, &s0, s0 + 1, memory_order_acq_rel,
	                    memory_order_relaxed))
		return false;
	victim->n = (uint8_t)n;
	if (pin)
		victim->pinned =
		    true; /* only at load: before threads share it */
	victim->type = k->type;
	victim->owner = k->owner;
	victim->content = k->content;
	victim->stamp =
	    atomic_fetch_add_explicit(&c->clock, 1, memory_order_relaxed);
	memcpy(victim->sig, sig, n * sizeof(*sig));
	atomic_store_explicit(&victim->seq, s0 + 2, memory_order_release);
	return true;
}

void
sigcache_put(struct sigcache *c, const struct sigcache_key *k,
             const struct sigcache_sig *sig, unsigned n)
{
	(void)store(c, k, sig, n, false);
}

/* ---- load path ----------------------------------------------------------- */

bool
sigcache_pin(struct sigcache *c, const struct sigcache_key *k,
             const struct sigcache_sig *sig, unsigned n)
{
	const struct slot *set = set_of(c, k);
	unsigned pinned = 0;

	for (unsigned w = 0; w < SIGCACHE_WAYS; w++)
		pinned += set[w].pinned;
	bool pin = pinned < SIGCACHE_PINNED_MAX;
	return store(c, k, sig, n, pin) && pin;
}
