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
 * families.  Values are small integers (decision ids) up to GEO_TREE_VMAX
 * (2^23 - 1: the finished tree packs a value and its depth in one 32-bit
 * word); paint asserts it, so callers check first (geo_map_build fails
 * with an error past it).
 *
 * Build (load path): start with every address mapped to a default value,
 * paint prefixes in any order (a later paint of a prefix overwrites all it
 * covers, so painting shorter prefixes first makes longest-prefix win),
 * then finish: sibling leaves with equal values merge upwards, so each leaf
 * of the result is a maximal aligned network with one value, and its depth
 * is the ECS scope of every answer it gives.
 */
#define GEO_TREE_VMAX 0x7FFFFFu

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
 * Merge, then compile into the lookup form (the builder's binary nodes are
 * freed).  Consumes the builder.  Returns new.  Load path: some 70 ms for
 * a tree of 2.5 M leaves.
 */
struct geo_tree *geo_tree_finish(struct geo_tree_builder *b);

void geo_tree_free(struct geo_tree *t); /* NULL is a no-op */

/*
 * The value for `key`, and in *depth the length of the merged network that
 * holds it (0..128).  Hot path: no allocation, one 32-bit read (one cache
 * line) per trie node.  The finished tree is a multi-bit trie: a large
 * tree starts with a 16-bit table for the whole space and one for IPv4
 * (::/96, reached directly), and below them each node indexes as many bits
 * as its subtree is dense, so a located IPv4 /24 or IPv6 /56 usually
 * costs two reads.
 */
uint32_t geo_tree_lookup(const struct geo_tree *t, const uint8_t key[16],
                         unsigned *depth);

/*
 * Start fetching what geo_tree_lookup(t, key) will read at trie level
 * `level` (0: the first entry; 1: the one below it, reading the first),
 * so that the cache misses of several lookups overlap: a batch of queries
 * prefetches level 0 for all, then level 1 for all, then looks up.  A hint
 * only: no effect on results.  Hot path.
 */
void geo_tree_prefetch(const struct geo_tree *t, const uint8_t key[16],
                       unsigned level);

/* Leaves (maximal merged networks) in the finished tree, and the bytes it
 * takes (for logs and stats). */
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
