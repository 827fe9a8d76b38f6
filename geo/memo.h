/* SPDX-License-Identifier: MIT */
/*
 * geo/memo.h: a memo of 32-bit ids under fixed-size keys compared as
 * octets (a multiple of 8 of them), in an open-addressing table that
 * doubles at half full.  What the database readers use to do per record
 * or per location what millions of networks would otherwise repeat.
 * Load path and tools only.
 */
#ifndef GEO_MEMO_H
#define GEO_MEMO_H

#include <stddef.h>
#include <stdint.h>

struct memo {
	size_t ksize;
	unsigned char *keys; /* (mask + 1) keys of ksize octets */
	uint32_t *vals;      /* id + 1, 0 = empty */
	size_t mask, count;
};

/* An empty memo of `slots` (a power of two) keys of `ksize` octets. */
void memo_init(struct memo *m, size_t ksize, size_t slots);
void memo_free(struct memo *m);

/* The slot of `key`: its own (vals[slot] != 0, the id + 1), or the empty
 * one it would take. */
size_t memo_slot(const struct memo *m, const void *key);

/* Store `id` under `key` in `slot`, the empty slot memo_slot() gave. */
void memo_put(struct memo *m, size_t slot, const void *key, uint32_t id);

#endif
