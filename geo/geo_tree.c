/* SPDX-License-Identifier: MIT */
/* geo/geo_tree.c: merged binary prefix tree (builder), compiled into a
 * multi-bit trie of packed 32-bit entries for lookup. */
/* HOT PATH: see STYLE.md B5 (geo_tree_lookup, after the marker) */
#include "geo/geo_tree.h"

#include <assert.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* ---- builder: a binary tree ---------------------------------------------
 *
 * A ref is one 32-bit word: a node index, or a leaf value tagged with the
 * high bit.  Nodes hold no pointers, so growing the array is a plain
 * realloc.
 */
#define LEAF_TAG 0x80000000u
#define IS_LEAF(r) (((r)&LEAF_TAG) != 0)
#define LEAF(v) ((v) | LEAF_TAG)
#define LEAF_VALUE(r) ((r) & ~LEAF_TAG)
#define NO_NODE UINT32_MAX

/* ---- the finished form: a multi-bit trie --------------------------------
 *
 * Each lookup step reads one 32-bit entry, so one cache line: a node of
 * stride s is an array of 2^s entries indexed by the next s bits of the
 * key, and an entry says everything the step needs:
 *
 *   leaf:  1 | depth (8 bits, 0..128) | value (23 bits)
 *   node:  0 | stride - 1 (4 bits)    | offset (27 bits, in entry pairs)
 *
 * A leaf carries the depth of its merged network (the ECS scope), so the
 * answer needs no second read; a node's depth is where its parent's walk
 * stopped.  Strides vary per node (1..16): a dense subtree becomes one wide
 * node, read once, where the binary tree cost a cache miss per bit; a
 * sparse one stays narrow, so memory stays close to the binary tree's.
 * Nodes sit in one array in DFS order; no alignment is needed, as a step
 * reads one entry, never a whole node.
 */
#define E_LEAF 0x80000000u
#define E_DEPTH_SHIFT 23
#define E_IS_LEAF(e) (((e)&E_LEAF) != 0)
#define E_MKLEAF(v, d) (E_LEAF | (uint32_t)(d) << E_DEPTH_SHIFT | (v))
#define E_VALUE(e) ((e)&GEO_TREE_VMAX)
#define E_DEPTH(e) ((unsigned)((e) >> E_DEPTH_SHIFT) & 0xFFu)
#define E_OFF_BITS 27
#define E_OFF_MAX ((1u << E_OFF_BITS) - 1)
#define E_MKNODE(s, off) ((uint32_t)((s)-1) << E_OFF_BITS | (off))
#define E_STRIDE(e) (((e) >> E_OFF_BITS) + 1)
#define E_BASE(e) ((size_t)((e)&E_OFF_MAX) * 2) /* first entry */

#define SMAX 16 /* widest node: 2^16 entries, 256 KiB */
/*
 * Stride choice: a node takes the widest stride whose level is at least
 * FILL_NUM/FILL_DEN full (distinct items, subtrees or leaves, at that
 * depth, over its 2^s entries).  Then a node has at most 16/9 entries per
 * item, and as items over all nodes number under twice the leaves, the
 * trie has under 3.6 entries (14 bytes) per leaf.  A chain of single
 * splits gets stride 2 (3 items in 4 entries; 3 bits would be 4 in 8):
 * 8 bytes a bit, as binary nodes took.  Measured on a 2.5 M-leaf tree
 * (1.1 M networks), cache lines read per located /24 and /56 lookup: 9/16
 * gives 17.6 MB and 2.15, 2.07 lines; 1/2 gives 20.8 MB and 2.08, 2.07
 * (and chains of 3 bits: 11 bytes a bit); 1/4 gives 31 MB and 1.97, 2.07;
 * 3/4 gives 16.9 MB and 2.46, 2.86.
 */
#define FILL_NUM 9
#define FILL_DEN 16
/*
 * The two roots (the whole space, and IPv4's ::/96, where IPv4 lookups
 * start) of a large tree are 16-bit tables whatever their fill: 256 KiB
 * each, and every lookup starts with one read there instead of several.
 * Small trees (.nets files, tests) keep the fill rule and stay small.
 */
#define ROOT_MIN_LEAVES 65536

#define V4_DEPTH 96

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
	uint32_t root; /* entry for the whole space, at depth 0 */
	uint32_t v4;   /* entry for ::/96, at depth 96 (or a leaf above) */
	uint32_t *ent; /* all nodes' entries, DFS order */
	size_t nent;
	size_t leaves;
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
	assert(b->n < LEAF_TAG);
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
 * survive (a full binary tree: leaves = nodes + 1).
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

/* ---- compiling the trie -------------------------------------------------- */

struct compile {
	const struct node *node;
	uint32_t *ent; /* grows; nodes refer to each other by index */
	size_t n, cap;
	bool force_roots;
	uint32_t *lv[2]; /* scratch: one level of a subtree, 2^SMAX refs */
};

/*
 * The widest stride allowed at depth d: 128 - d, and on the all-zero path
 * above ::/96 no further than 96.  So ::/96 is one entry of the trie, and
 * when it is a node, that node is IPv4's root: a walk from the top gets
 * there too, and an IPv4 lookup starts there directly.
 */
static unsigned
stride_cap(unsigned d, bool zero)
{
	unsigned cap = 128 - d;

	if (zero && d < V4_DEPTH && cap > V4_DEPTH - d)
		cap = V4_DEPTH - d;
	return cap < SMAX ? cap : SMAX;
}

/*
 * The stride for the internal node `ref` at depth d: walk its subtree a
 * level at a time while the level stays FILL full; stop at the first level
 * below FILL (no deeper one can be fuller: each of its items at most
 * doubles a level) or once only leaves remain (deeper would copy them).
 */
static unsigned
choose_stride(struct compile *c, uint32_t ref, unsigned d, bool zero)
{
	unsigned cap = stride_cap(d, zero);

	if (c->force_roots && (d == 0 || (zero && d == V4_DEPTH)))
		return cap;
	uint32_t *cur = c->lv[0], *next = c->lv[1];
	size_t ncur = 1, leaves = 0;
	unsigned s = 0;

	cur[0] = ref;
	while (s < cap && ncur > 0) {
		size_t nnext = 0, nleaves = leaves;
		for (size_t i = 0; i < ncur; i++) {
			const struct node *n = &c->node[cur[i]];
			for (unsigned k = 0; k < 2; k++) {
				if (IS_LEAF(n->child[k]))
					nleaves++;
				else
					next[nnext++] = n->child[k];
			}
		}
		/* items at depth s + 1 must fill FILL of 2^(s + 1) entries */
		if ((nleaves + nnext) * FILL_DEN < (size_t)FILL_NUM << (s + 1))
			break;
		s++;
		leaves = nleaves;
		ncur = nnext;
		uint32_t *t = cur;
		cur = next;
		next = t;
	}
	return s > 0 ? s : 1;
}

static uint32_t emit(struct compile *c, uint32_t ref, unsigned d, bool zero);

/*
 * Fill entries [i << left, (i + 1) << left) of the node at `at` from the
 * subtree `ref` at depth d: a leaf answers for all it covers, with its own
 * depth; a node `left` levels down becomes a child trie node.
 */
static void
fill(struct compile *c, size_t at, uint32_t ref, unsigned d, uint32_t i,
     unsigned left, bool zero)
{
	if (IS_LEAF(ref)) {
		uint32_t e = E_MKLEAF(LEAF_VALUE(ref), d);
		for (uint32_t j = i << left; j < (i + 1) << left; j++)
			c->ent[at + j] = e;
		return;
	}
	if (left == 0) {
		uint32_t e = emit(c, ref, d, zero); /* may move c->ent */
		c->ent[at + i] = e;
		return;
	}
	fill(c, at, c->node[ref].child[0], d + 1, i << 1, left - 1, zero);
	fill(c, at, c->node[ref].child[1], d + 1, i << 1 | 1, left - 1, false);
}

/*
 * Make the trie node for the internal node `ref` at depth d (on the
 * all-zero path if `zero`), children after it (DFS order); returns its
 * entry.
 */
static uint32_t
emit(struct compile *c, uint32_t ref, unsigned d, bool zero)
{
	unsigned s = choose_stride(c, ref, d, zero);
	size_t at = c->n, size = (size_t)1 << s;

	if (c->cap - c->n < size) {
		c->cap = c->cap * 2 > c->n + size ? c->cap * 2 : c->n + size;
		c->ent = xreallocarray(c->ent, c->cap, sizeof(*c->ent));
	}
	c->n += size;
	assert(at / 2 <= E_OFF_MAX); /* nodes are pairs or more: at is even */
	fill(c, at, c->node[ref].child[0], d + 1, 0, s - 1, zero);
	fill(c, at, c->node[ref].child[1], d + 1, 1, s - 1, false);
	return E_MKNODE(s, (uint32_t)(at / 2));
}

struct geo_tree *
geo_tree_finish(struct geo_tree_builder *b)
{
	struct geo_tree *t = xcalloc(1, sizeof(*t));
	size_t count = 0;

	uint32_t root = merge(b->node, b->root, &count);
	t->leaves = count + 1;
	if (IS_LEAF(root)) {
		t->root = t->v4 = E_MKLEAF(LEAF_VALUE(root), 0);
		geo_tree_builder_free(b);
		return t;
	}

	/*
	 * Items (leaves and child nodes) sum to under twice the leaves over
	 * all trie nodes, and a node has at most FILL_DEN/FILL_NUM entries
	 * per item (the two roots aside): reserve that (address space only;
	 * pages are touched as filled), grow if ever short, trim at the end.
	 */
	struct compile c = {.node = b->node};
	c.cap = 2 * t->leaves * FILL_DEN / FILL_NUM + ((size_t)2 << SMAX);
	c.ent = xreallocarray(NULL, c.cap, sizeof(*c.ent));
	c.force_roots = t->leaves >= ROOT_MIN_LEAVES;
	c.lv[0] = xreallocarray(NULL, (size_t)2 << SMAX, sizeof(uint32_t));
	c.lv[1] = c.lv[0] + ((size_t)1 << SMAX);
	t->root = emit(&c, root, 0, true);
	free(c.lv[0]);
	geo_tree_builder_free(b);
	t->ent = xreallocarray(c.ent, c.n, sizeof(*c.ent));
	t->nent = c.n;

	/* Where IPv4 starts: strides on the zero path stop at 96 exactly. */
	uint32_t e = t->root;
	unsigned d = 0;
	while (d < V4_DEPTH && !E_IS_LEAF(e)) {
		d += E_STRIDE(e);
		e = t->ent[E_BASE(e)];
	}
	assert(E_IS_LEAF(e) || d == V4_DEPTH);
	t->v4 = e;
	return t;
}

void
geo_tree_free(struct geo_tree *t)
{
	if (t == NULL)
		return;
	free(t->ent);
	free(t);
}

size_t
geo_tree_leaves(const struct geo_tree *t)
{
	return t->leaves;
}

size_t
geo_tree_bytes(const struct geo_tree *t)
{
	return sizeof(*t) + t->nent * sizeof(*t->ent);
}

/* Set `s` bits (v) at depth d of the key hi:lo. */
static void
put_bits(uint64_t *hi, uint64_t *lo, unsigned d, unsigned s, uint64_t v)
{
	unsigned end = d + s;

	if (end <= 64) {
		*hi |= v << (64 - end);
	} else if (d >= 64) {
		*lo |= v << (128 - end);
	} else {
		*hi |= v >> (end - 64);
		*lo |= v << (128 - end);
	}
}

typedef void leaf_fn(const uint8_t key[16], unsigned plen, uint32_t value,
                     void *arg);

static void
emit_leaf(uint32_t e, uint64_t hi, uint64_t lo, leaf_fn *fn, void *arg)
{
	uint8_t key[16];

	hi = htobe64(hi);
	lo = htobe64(lo);
	memcpy(key, &hi, 8);
	memcpy(key + 8, &lo, 8);
	fn(key, E_DEPTH(e), E_VALUE(e), arg);
}

/* A leaf fills the aligned run of entries it covers: report it once. */
static void
walk(const struct geo_tree *t, uint32_t e, unsigned d, uint64_t hi, uint64_t lo,
     leaf_fn *fn, void *arg)
{
	unsigned s = E_STRIDE(e);
	const uint32_t *base = t->ent + E_BASE(e);

	for (uint32_t i = 0; i < 1u << s;) {
		uint64_t h = hi, l = lo;
		uint32_t c = base[i];
		put_bits(&h, &l, d, s, i);
		if (E_IS_LEAF(c)) {
			emit_leaf(c, h, l, fn, arg);
			i += 1u << (d + s - E_DEPTH(c));
		} else {
			walk(t, c, d + s, h, l, fn, arg);
			i++;
		}
	}
}

void
geo_tree_foreach(const struct geo_tree *t, leaf_fn *fn, void *arg)
{
	if (E_IS_LEAF(t->root))
		emit_leaf(t->root, 0, 0, fn, arg);
	else
		walk(t, t->root, 0, 0, 0, fn, arg);
}

/* ---- lookup ------------------------------------------------------------ */

/* The key as two host-order words, most significant first.  memcpy: the
 * key may be unaligned; compilers turn it into loads. */
static inline void
key_words(const uint8_t key[16], uint64_t *hi, uint64_t *lo)
{
	memcpy(hi, key, 8);
	memcpy(lo, key + 8, 8);
	*hi = be64toh(*hi);
	*lo = be64toh(*lo);
}

uint32_t
geo_tree_lookup(const struct geo_tree *t, const uint8_t key[16],
                unsigned *depth)
{
	uint64_t hi, lo;
	uint32_t e;

	key_words(key, &hi, &lo);
	/*
	 * Each step takes the next s bits from the top of the key and shifts
	 * them out: no depth to track (a leaf has its own), and few enough
	 * instructions that back-to-back lookups overlap their misses.  IPv4
	 * (::/96) starts from its own root with the 32 bits in one word.
	 */
	if (hi == 0 && lo >> 32 == 0) {
		uint64_t w = lo << 32;
		e = t->v4;
		while (!E_IS_LEAF(e)) {
			unsigned s = E_STRIDE(e);
			e = t->ent[E_BASE(e) + (w >> (64 - s))];
			w <<= s;
		}
	} else {
		e = t->root;
		while (!E_IS_LEAF(e)) {
			unsigned s = E_STRIDE(e);
			e = t->ent[E_BASE(e) + (hi >> (64 - s))];
			hi = hi << s | lo >> (64 - s);
			lo <<= s;
		}
	}
	*depth = E_DEPTH(e);
	return E_VALUE(e);
}

void
geo_tree_prefetch(const struct geo_tree *t, const uint8_t key[16],
                  unsigned level)
{
	uint64_t hi, lo;
	uint32_t e;

	key_words(key, &hi, &lo);
	/* The walk of geo_tree_lookup, stopped `level` entries down. */
	if (hi == 0 && lo >> 32 == 0) {
		e = t->v4;
		hi = lo << 32;
		lo = 0;
	} else {
		e = t->root;
	}
	for (;;) {
		if (E_IS_LEAF(e))
			return;
		unsigned s = E_STRIDE(e);
		const uint32_t *next = &t->ent[E_BASE(e) + (hi >> (64 - s))];
		if (level-- == 0) {
			__builtin_prefetch(next);
			return;
		}
		e = *next;
		hi = hi << s | lo >> (64 - s);
		lo <<= s;
	}
}
