/* SPDX-License-Identifier: MIT */
/* dnsd/arena.h: bump allocator owning a snapshot's load-time data. */
#ifndef DNSD_ARENA_H
#define DNSD_ARENA_H

#include <stddef.h>

/*
 * Everything a compiled zone points to lives in one arena, so freeing a
 * snapshot is one call and nothing inside it can leak (NSD's regions).
 * Load path only; allocation cannot fail (xmalloc exits on exhaustion).
 * Memory is returned zeroed and aligned for any object.
 */
struct arena;

struct arena *arena_new(void);    /* returns new */
void arena_free(struct arena *a); /* NULL is a no-op */
void *arena_alloc(struct arena *a, size_t size);
void *arena_memdup(struct arena *a, const void *p, size_t size);
size_t arena_size(const struct arena *a); /* bytes handed out, for stats */

#endif
