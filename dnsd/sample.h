/* SPDX-License-Identifier: MIT */
/*
 * dnsd/sample.h: a small, bounded sample of the clients an answering
 * thread gave geo answers to: 1 geo answer in N (server.sample) leaves its
 * geo name and client in a fixed ring, overwriting the oldest.  What-if
 * (whatif.h) replays them to say where an edge's clients would go.
 *
 * One ring per answering thread (a worker's loop, each UDP socket's
 * thread), allocated with it.  The thread writes without locks; the main
 * thread copies entries out at any time.  Each entry has a sequence
 * number (a seqlock): odd while it is being written, so a reader keeps a
 * copy only if the number was even and unchanged around it, and skips torn
 * entries.  Entries carry the generation of the snapshot they were taken
 * under: geo name rows mean nothing in another one.
 */
#ifndef DNSD_SAMPLE_H
#define DNSD_SAMPLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "geo/geo.h"

/* Entries per ring (a power of two): 48 octets each, 192 KiB a thread. */
#define SAMPLE_RING 4096

/* A client as stored: word 0 the generation, the row and whether the
 * answer was tailored; then the struct geo_client's octets. */
#define SAMPLE_CLIENT_WORDS                                                    \
	((sizeof(struct geo_client) + sizeof(uint64_t) - 1) / sizeof(uint64_t))
#define SAMPLE_WORDS (1 + SAMPLE_CLIENT_WORDS)

struct sample_slot {
	_Atomic uint32_t seq; /* 0: never written; odd: being written */
	_Atomic uint64_t w[SAMPLE_WORDS];
};

/* One thread's ring.  `left` and `next` are the writer's own. */
struct sample {
	unsigned left; /* geo answers until the next sample is taken */
	uint32_t next; /* the slot written next (modulo SAMPLE_RING) */
	struct sample_slot slot[SAMPLE_RING];
};

/* A sampled client as the main thread reads it. */
struct sample_entry {
	unsigned generation;      /* of the snapshot that answered */
	int row;                  /* the geo name: its index in zonedb geo[] */
	bool tailored;            /* false: untailored (no client, ECS /0) */
	struct geo_client client; /* zeroed when not tailored */
};

/* An empty ring.  Returns new; when the thread is created. */
struct sample *sample_new(void);

void sample_free(struct sample *s); /* NULL is a no-op */

/*
 * The countdown: true for 1 geo answer in `every` (0: never), the first
 * one included.  Hot path: a decrement.
 */
static inline bool
sample_due(struct sample *s, unsigned every)
{
	if (every == 0)
		return false;
	if (s->left > 1) {
		s->left--;
		return false;
	}
	s->left = every;
	return true;
}

/*
 * Record that the geo name `row` of snapshot `generation` answered client
 * `c` (NULL: untailored).  The ring's thread only.  Hot path: no
 * allocation, no lock; a handful of stores.
 */
static inline void
sample_put(struct sample *s, unsigned generation, int row,
           const struct geo_client *c)
{
	struct sample_slot *e = &s->slot[s->next++ & (SAMPLE_RING - 1)];
	uint64_t w[SAMPLE_WORDS] = {0};
	uint32_t seq = atomic_load_explicit(&e->seq, memory_order_relaxed);

	w[0] = (uint64_t)generation << 32 |
	       (uint64_t)((uint32_t)row & 0x7FFFFFFFu) << 1 | (c != NULL);
	if (c != NULL)
		memcpy(&w[1], c, sizeof(*c));
	/* A seqlock's writer (Boehm, "Can seqlocks get along with
	 * programming language memory models?"): odd, the words, even. */
	atomic_store_explicit(&e->seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	for (unsigned i = 0; i < SAMPLE_WORDS; i++)
		atomic_store_explicit(&e->w[i], w[i], memory_order_relaxed);
	atomic_store_explicit(&e->seq, seq + 2, memory_order_release);
}

/*
 * Copy the entries of `s` taken under snapshot `generation` into
 * out[0..SAMPLE_RING); returns how many.  Entries of other generations,
 * never written, or torn (being written meanwhile) are left out.  Any
 * thread, while the ring's thread writes.
 */
size_t sample_read(const struct sample *s, unsigned generation,
                   struct sample_entry *out);

#endif
