/* SPDX-License-Identifier: MIT */
/* dnsd/sample.c: a thread's ring of sampled geo clients, read from
 * another thread (the writer is inline in sample.h). */
#include "dnsd/sample.h"

#include <stdlib.h>

#include "common/xalloc.h"

struct sample *
sample_new(void)
{
	/* Zeroed: every sequence number 0, "never written". */
	return xcalloc(1, sizeof(struct sample));
}

void
sample_free(struct sample *s)
{
	free(s);
}

size_t
sample_read(const struct sample *s, unsigned generation,
            struct sample_entry *out)
{
	size_t n = 0;

	for (size_t i = 0; i < SAMPLE_RING; i++) {
		const struct sample_slot *e = &s->slot[i];
		uint64_t w[SAMPLE_WORDS];

		/* The seqlock's reader: even before, the words, the same
		 * number after (the acquire fence orders the word loads
		 * before the second load of the number). */
		uint32_t seq =
		    atomic_load_explicit(&e->seq, memory_order_acquire);
		if (seq == 0 || (seq & 1) != 0)
			continue;
		for (unsigned k = 0; k < SAMPLE_WORDS; k++)
			w[k] = atomic_load_explicit(&e->w[k],
			                            memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		if (atomic_load_explicit(&e->seq, memory_order_relaxed) != seq)
			continue; /* torn: rewritten while we copied it */
		if ((unsigned)(w[0] >> 32) != generation)
			continue; /* rows of another snapshot */
		struct sample_entry *o = &out[n++];
		memset(o, 0, sizeof(*o));
		o->generation = generation;
		o->row = (int)(w[0] >> 1 & 0x7FFFFFFFu);
		o->tailored = (w[0] & 1) != 0;
		if (o->tailored)
			memcpy(&o->client, &w[1], sizeof(o->client));
	}
	return n;
}
