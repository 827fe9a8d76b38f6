/* SPDX-License-Identifier: MIT */
/* geo/geo_tree.h: a binary prefix tree over the 128-bit address space that
 * maps every address to a value, with adjacent equal networks merged. */
#ifndef GEO_GEO_TREE_H
#define GEO_GEO_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Keys are 128-bit, most significant bit first.  IPv4 lives at ::/96 as
 * ::a.b.c.d, the layout MaxMind databases use, so one tree serves both
 * families.  Values are small integers (decision ids) below GEO_TREE_VMAX.
 *
 * Build (load path): start with every address mapped to a default value,
 * paint prefixes in any order (a later paint of a prefix overwrites all it
 * covers, so painting shorter prefixes first makes longest-prefix win),
 * then finish: sibling leaves with equal values merge upwards, so each leaf
 * of the result is a maximal aligned network with one value, and its depth
 * is the ECS scope of every answer it gives.
 */
#define GEO_TREE_VMAX 0x7FFFFFFFu

struct geo_tree_builder;
struct geo_tree; /* immutable once finished */

/* returns new; every address has value `dflt` */
struct geo_tree_builder *geo_tree_builder_new(uint32_t dflt);
void geo_tree_builder_free(struct geo_tree_builder *b); /* NULL: no-op */

/*
 * Map every address under key/plen (plen 0..128; bits past plen ignored)
 * to `value`.  Cannot fail (exits on out-of-memory, like xmalloc).
 */
void geo_tree_paint(struct geo_tree_builder *b, const uint8_t key[16],
                    unsigned plen, uint32_t value);

/*
 * Merge and compact into the lookup form.  Consumes the builder.  Returns
 * new.
 */
struct geo_tree *geo_tree_finish(struct geo_tree_builder *b);

void geo_tree_free(struct geo_tree *t); /* NULL is a no-op */

/*
 * The value for `key`, and in *depth the length of the merged network that
 * holds it (0..128).  Hot path: no allocation, at most 128 steps; an IPv4
 * walk starts from tables indexed by its first 16 bits, then by the next
 * 8 (where the tree splits below /16), so a /24 costs two reads.
 */
uint32_t geo_tree_lookup(const struct geo_tree *t, const uint8_t key[16],
                         unsigned *depth);

/* Leaves in the finished tree, and bytes it takes (for logs and stats). */
size_t geo_tree_leaves(const struct geo_tree *t);
size_t geo_tree_bytes(const struct geo_tree *t);

/*
 * Walk every leaf in address order: fn(key, plen, value, arg).  Load path
 * and tools (geoq, tests).
 */
void geo_tree_foreach(const struct geo_tree *t,
                      void (*fn)(const uint8_t key[16], unsigned plen,
                                 uint32_t value, void *arg),
                      void *arg);

#endif
