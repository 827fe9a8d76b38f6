/* SPDX-License-Identifier: MIT */
/* geo/memo.c: ids under fixed-size keys (memo.h). */
#include "geo/memo.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

void
memo_init(struct memo *m, size_t ksize, size_t slots)
{
	assert(ksize % 8 == 0);
	m->ksize = ksize;
	m->mask = slots - 1;
	m->count = 0;
	m->keys = xcalloc(slots, ksize);
	m->vals = xcalloc(slots, sizeof(*m->vals));
}

void
memo_free(struct memo *m)
{
	free(m->keys);
	free(m->vals);
}

/* Word by word: the record memo is probed per network, millions of times. */
static bool
memo_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
	uint64_t x, y;

	for (size_t i = 0; i < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	return true;
}

size_t
memo_slot(const struct memo *m, const void *key)
{
	const unsigned char *k = key;
	uint64_t h = 0x9E3779B97F4A7C15ull, w;

	for (size_t i = 0; i < m->ksize; i += 8) {
		memcpy(&w, k + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
	}
	size_t s = (size_t)h & m->mask;
	while (m->vals[s] != 0 &&
	       !memo_equal(m->keys + s * m->ksize, k, m->ksize))
		s = (s + 1) & m->mask;
	return s;
}

void
memo_put(struct memo *m, size_t slot, const void *key, uint32_t id)
{
	memcpy(m->keys + slot * m->ksize, key, m->ksize);
	m->vals[slot] = id + 1;
	if (++m->count * 2 <= m->mask)
		return;
	struct memo old = *m;
	memo_init(m, old.ksize, (old.mask + 1) * 2);
	for (size_t i = 0; i <= old.mask; i++)
		if (old.vals[i] != 0)
			memo_put(m, memo_slot(m, old.keys + i * old.ksize),
			         old.keys + i * old.ksize, old.vals[i] - 1);
	memo_free(&old);
}
