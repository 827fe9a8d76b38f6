/* SPDX-License-Identifier: MIT */
/* geo/geo_tree.c: merged binary prefix tree, builder and lookup. */
/* HOT PATH: see STYLE.md B5 (geo_tree_lookup, after the marker) */
#include "geo/geo_tree.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/*
 * A ref is one 32-bit word: a node index, or a leaf value tagged with the
 * high bit.  Values stop at GEO_TREE_VMAX so the tag never collides, and
 * node indexes stay below it too (2^31 nodes would be 16 GiB anyway).
 * Nodes hold no pointers, so growing the array is a plain realloc and the
 * finished tree is one flat block.
 */
#define LEAF_TAG 0x80000000u
#define IS_LEAF(r) (((r)&LEAF_TAG) != 0)
#define LEAF(v) ((v) | LEAF_TAG)
#define LEAF_VALUE(r) ((r) & ~LEAF_TAG)
#define NO_NODE UINT32_MAX

/*
 * IPv4 lives under ::/96, so its lookups skip the first 96 steps, and
 * then the next 16 through a table indexed by the first two octets: each
 * step of the walk is a likely cache miss in a tree of millions of nodes,
 * and a 65536-entry table (320 KiB) replaces the 16 that miss the most
 * (4M random /24s: ~470 ns a lookup without it, ~155 ns with it).
 */
#define V4_DEPTH 96
#define V4_STRIDE 16
/* The second IPv4 step: /16 to /24, one 256-entry block per /16 the
 * tree splits further (a /24 lookup costs two table reads, not eight
 * node hops: the misses of a cold walk). */
#define V4_STRIDE2 8
#define BLOCK_TAG 0x40000000u /* a v4_ref that is a block number */

struct node {
	uint32_t child[2];
};

struct geo_tree_builder {
	struct node *node;
	size_t n, cap;
	uint32_t root;
	/*
	 * Paint cursor: path[d] is the node at depth d on the way to `last`,
	 * for d < valid.  Consecutive paints (database walks go in address
	 * order; IPv4 always shares its 96 leading zero bits) resume from
	 * the common prefix instead of walking from the root again.  Every
	 * node on the path stays attached: a paint only detaches what lies
	 * below its own prefix, which is where the new cursor stops.
	 */
	uint8_t last[16];
	unsigned valid;
	uint32_t path[128];
};

struct geo_tree {
	struct node *node; /* DFS pre-order: a left child is next */
	size_t n;
	uint32_t root;
	uint32_t v4;       /* the ref reached by 96 zero bits, or the leaf */
	unsigned v4_depth; /* above it; its depth */
	/* NULL if v4 is a leaf; else, per first 16 bits of an IPv4
	 * address, the node at depth 112 or the leaf above it, and depth */
	uint32_t *v4_ref;
	uint8_t *v4_dep;
	/* The same per /24, in blocks of 256 for the /16s that v4_ref
	 * sends here (BLOCK_TAG | block); nblocks of them. */
	uint32_t *v4b_ref;
	uint8_t *v4b_dep;
	size_t nblocks;
};

static inline unsigned
key_bit(const uint8_t key[16], unsigned d)
{
	return (key[d >> 3] >> (7 - (d & 7))) & 1;
}

/* Leading bits two keys share, counting no further than `max`. */
static unsigned
common_bits(const uint8_t a[16], const uint8_t b[16], unsigned max)
{
	unsigned d = 0;

	while (d < max && d < 128) {
		uint8_t x = a[d >> 3] ^ b[d >> 3];
		if (x != 0) {
			d += (unsigned)__builtin_clz(x) - 24;
			break;
		}
		d += 8;
	}
	return d < max ? d : max;
}

struct geo_tree_builder *
geo_tree_builder_new(uint32_t dflt)
{
	struct geo_tree_builder *b = xcalloc(1, sizeof(*b));

	assert(dflt <= GEO_TREE_VMAX);
	b->root = LEAF(dflt);
	return b;
}

void
geo_tree_builder_free(struct geo_tree_builder *b)
{
	if (b == NULL)
		return;
	free(b->node);
	free(b);
}

static uint32_t
new_node(struct geo_tree_builder *b, uint32_t c0, uint32_t c1)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->node = xreallocarray(b->node, b->cap, sizeof(*b->node));
	}
	assert(b->n < GEO_TREE_VMAX);
	b->node[b->n].child[0] = c0;
	b->node[b->n].child[1] = c1;
	return (uint32_t)b->n++;
}

/* The slot holding the ref below `parent` on `side` (the root if none). */
static inline uint32_t *
slot(struct geo_tree_builder *b, uint32_t parent, unsigned side)
{
	return parent == NO_NODE ? &b->root : &b->node[parent].child[side];
}

void
geo_tree_paint(struct geo_tree_builder *b, const uint8_t key[16], unsigned plen,
               uint32_t value)
{
	uint32_t parent = NO_NODE;
	unsigned side = 0, d = 0;

	assert(plen <= 128 && value <= GEO_TREE_VMAX);
	/*
	 * Resume at depth s when the node at depth s - 1 is on the cursor
	 * and reached by the same s - 1 bits: s <= common + 1, s <= valid.
	 */
	unsigned s = common_bits(key, b->last, 128) + 1;
	if (s > b->valid)
		s = b->valid;
	if (s > plen)
		s = plen;
	if (s > 0) {
		d = s;
		parent = b->path[s - 1];
		side = key_bit(key, s - 1);
	}
	memcpy(b->last, key, 16);
	for (; d < plen; d++) {
		uint32_t ref = *slot(b, parent, side);
		if (IS_LEAF(ref)) {
			/* Already this value all the way down: nothing to do.
			 */
			if (LEAF_VALUE(ref) == value) {
				b->valid = d;
				return;
			}
			/* Split: both halves keep the leaf's value. */
			ref = new_node(b, ref, ref);
			*slot(b, parent, side) = ref;
		}
		b->path[d] = ref;
		parent = ref;
		side = key_bit(key, d);
	}
	/* The old subtree here, if any, is now unreachable; finish skips it. */
	*slot(b, parent, side) = LEAF(value);
	b->valid = plen;
}

/*
 * Post-order: a node whose children are equal leaves becomes that leaf.
 * Recursion is bounded by the tree depth (128).  Counts the nodes that
 * survive, so compaction can allocate exactly.
 */
static uint32_t
merge(struct node *node, uint32_t ref, size_t *count)
{
	if (IS_LEAF(ref))
		return ref;
	struct node *n = &node[ref];
	uint32_t c0 = merge(node, n->child[0], count);
	uint32_t c1 = merge(node, n->child[1], count);
	if (IS_LEAF(c0) && c0 == c1)
		return c0;
	n->child[0] = c0;
	n->child[1] = c1;
	(*count)++;
	return ref;
}

/*
 * Copy the reachable nodes in DFS pre-order: the child taken first sits
 * right after its parent, and a subtree is one contiguous run, which is
 * what a walk down the tree wants from the cache.
 */
static uint32_t
compact(const struct node *from, uint32_t ref, struct node *to, size_t *n)
{
	if (IS_LEAF(ref))
		return ref;
	uint32_t at = (uint32_t)(*n)++;
	uint32_t c0 = compact(from, from[ref].child[0], to, n);
	uint32_t c1 = compact(from, from[ref].child[1], to, n);
	to[at].child[0] = c0;
	to[at].child[1] = c1;
	return at;
}

/*
 * Fill a table of 2^(end - d0) entries (refs, deps) for the subtree `ref`
 * at depth d, whose bits below d0 are `prefix`: each entry holds the node
 * at depth `end` or the leaf above it, and that depth.
 */
static void
fill(const struct node *node, uint32_t ref, unsigned d, uint32_t prefix,
     unsigned end, uint32_t *refs, uint8_t *deps)
{
	unsigned left = end - d;

	/* A leaf above `end` answers for all the entries it covers. */
	if (IS_LEAF(ref) || left == 0) {
		for (uint32_t i = prefix << left; i < (prefix + 1) << left;
		     i++) {
			refs[i] = ref;
			deps[i] = (uint8_t)d;
		}
		return;
	}
	fill(node, node[ref].child[0], d + 1, prefix << 1, end, refs, deps);
	fill(node, node[ref].child[1], d + 1, prefix << 1 | 1, end, refs, deps);
}

/* The /16 -> /24 blocks, for the /16 entries that are still nodes. */
static void
fill_blocks(struct geo_tree *t)
{
	const unsigned end = V4_DEPTH + V4_STRIDE + V4_STRIDE2;
	size_t n = 0;

	for (uint32_t i = 0; i < 1u << V4_STRIDE; i++)
		n += !IS_LEAF(t->v4_ref[i]);
	if (n == 0)
		return;
	t->v4b_ref = xreallocarray(NULL, n << V4_STRIDE2, sizeof(uint32_t));
	t->v4b_dep = xreallocarray(NULL, n << V4_STRIDE2, 1);
	for (uint32_t i = 0; i < 1u << V4_STRIDE; i++) {
		uint32_t ref = t->v4_ref[i];
		if (IS_LEAF(ref))
			continue;
		size_t at = t->nblocks << V4_STRIDE2;
		fill(t->node, ref, t->v4_dep[i], 0, end, t->v4b_ref + at,
		     t->v4b_dep + at);
		t->v4_ref[i] = BLOCK_TAG | (uint32_t)t->nblocks++;
	}
}

struct geo_tree *
geo_tree_finish(struct geo_tree_builder *b)
{
	struct geo_tree *t = xcalloc(1, sizeof(*t));
	size_t count = 0;

	uint32_t root = merge(b->node, b->root, &count);
	struct node *node = NULL;
	if (count > 0)
		node = xreallocarray(NULL, count, sizeof(*node));
	t->root = compact(b->node, root, node, &t->n);
	assert(t->n == count);
	assert(count < BLOCK_TAG); /* node refs never look like blocks */
	t->node = node;
	geo_tree_builder_free(b);

	/* Cache where the IPv4 walk (96 zero bits) ends or leaves the tree. */
	uint32_t ref = t->root;
	unsigned d = 0;
	while (d < V4_DEPTH && !IS_LEAF(ref)) {
		ref = t->node[ref].child[0];
		d++;
	}
	t->v4 = ref;
	t->v4_depth = d;
	if (!IS_LEAF(ref)) {
		t->v4_ref =
		    xreallocarray(NULL, 1u << V4_STRIDE, sizeof(*t->v4_ref));
		t->v4_dep =
		    xreallocarray(NULL, 1u << V4_STRIDE, sizeof(*t->v4_dep));
		fill(t->node, ref, d, 0, V4_DEPTH + V4_STRIDE, t->v4_ref,
		     t->v4_dep);
		fill_blocks(t);
	}
	return t;
}

void
geo_tree_free(struct geo_tree *t)
{
	if (t == NULL)
		return;
	free(t->node);
	free(t->v4_ref);
	free(t->v4_dep);
	free(t->v4b_ref);
	free(t->v4b_dep);
	free(t);
}

/* ---- lookup ------------------------------------------------------------ */

uint32_t
geo_tree_lookup(const struct geo_tree *t, const uint8_t key[16],
                unsigned *depth)
{
	uint32_t ref = t->root;
	unsigned d = 0;
	uint64_t hi;
	uint32_t mid;

	/* memcpy: the key may be unaligned; compilers turn it into loads. */
	memcpy(&hi, key, 8);
	memcpy(&mid, key + 8, 4);
	if (hi == 0 && mid == 0) {
		if (t->v4_ref != NULL) {
			unsigned i = (unsigned)key[12] << 8 | key[13];
			ref = t->v4_ref[i];
			d = t->v4_dep[i];
			if (!IS_LEAF(ref) && (ref & BLOCK_TAG)) {
				size_t j = (size_t)(ref & ~BLOCK_TAG)
				               << V4_STRIDE2 |
				           key[14];
				ref = t->v4b_ref[j];
				d = t->v4b_dep[j];
			}
		} else {
			ref = t->v4;
			d = t->v4_depth;
		}
	}
	while (!IS_LEAF(ref)) {
		ref = t->node[ref].child[key_bit(key, d)];
		d++;
	}
	*depth = d;
	return LEAF_VALUE(ref);
}

size_t
geo_tree_leaves(const struct geo_tree *t)
{
	/* Every internal node has two children: leaves = nodes + 1. */
	return t->n + 1;
}

size_t
geo_tree_bytes(const struct geo_tree *t)
{
	size_t bytes = sizeof(*t) + t->n * sizeof(struct node);

	if (t->v4_ref != NULL)
		bytes +=
		    (((size_t)1 << V4_STRIDE) + (t->nblocks << V4_STRIDE2)) *
		    (sizeof(*t->v4_ref) + sizeof(*t->v4_dep));
	return bytes;
}

static void
walk(const struct geo_tree *t, uint32_t ref, uint8_t key[16], unsigned d,
     void (*fn)(const uint8_t key[16], unsigned plen, uint32_t value,
                void *arg),
     void *arg)
{
	if (IS_LEAF(ref)) {
		fn(key, d, LEAF_VALUE(ref), arg);
		return;
	}
	uint8_t bit = (uint8_t)(0x80 >> (d & 7));
	walk(t, t->node[ref].child[0], key, d + 1, fn, arg);
	key[d >> 3] |= bit;
	walk(t, t->node[ref].child[1], key, d + 1, fn, arg);
	key[d >> 3] &= (uint8_t)~bit;
}

void
geo_tree_foreach(const struct geo_tree *t,
                 void (*fn)(const uint8_t key[16], unsigned plen,
                            uint32_t value, void *arg),
                 void *arg)
{
	uint8_t key[16] = {0};

	walk(t, t->root, key, 0, fn, arg);
}
