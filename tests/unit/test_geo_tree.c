/* SPDX-License-Identifier: MIT */
/* tests/unit/test_geo_tree.c: painting, merging and looking up prefixes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "geo/geo_tree.h"

/* ---- keys ---------------------------------------------------------------- */

/* "192.0.2.0" -> ::192.0.2.0, "2001:db8::" -> itself (tree layout). */
static void
key_of(const char *text, uint8_t key[16])
{
	memset(key, 0, 16);
	if (strchr(text, ':') != NULL)
		assert_int_equal(inet_pton(AF_INET6, text, key), 1);
	else
		assert_int_equal(inet_pton(AF_INET, text, key + 12), 1);
}

static void
paint(struct geo_tree_builder *b, const char *text, unsigned plen,
      uint32_t value)
{
	uint8_t key[16];

	key_of(text, key);
	geo_tree_paint(b, key, plen, value);
}

/* `depth` in tree terms: an IPv4 /24 is 96 + 24. */
static void
expect(const struct geo_tree *t, const char *text, uint32_t value,
       unsigned depth)
{
	uint8_t key[16];
	unsigned got = 999;

	key_of(text, key);
	uint32_t v = geo_tree_lookup(t, key, &got);
	if (v != value || got != depth)
		fail_msg("%s: got value %u depth %u, want %u depth %u", text, v,
		         got, value, depth);
}

/* 128-bit keys as two words, for the reference model. */
struct k128 {
	uint64_t hi, lo;
};

static struct k128
to128(const uint8_t key[16])
{
	struct k128 k = {0, 0};

	for (int i = 0; i < 8; i++) {
		k.hi = k.hi << 8 | key[i];
		k.lo = k.lo << 8 | key[8 + i];
	}
	return k;
}

static void
from128(struct k128 k, uint8_t key[16])
{
	for (int i = 7; i >= 0; i--) {
		key[i] = (uint8_t)k.hi;
		key[8 + i] = (uint8_t)k.lo;
		k.hi >>= 8;
		k.lo >>= 8;
	}
}

/* Keep the first `plen` bits. */
static struct k128
mask128(struct k128 k, unsigned plen)
{
	if (plen == 0)
		return (struct k128){0, 0};
	if (plen <= 64)
		return (struct k128){k.hi & (~0ull << (64 - plen)), 0};
	return (struct k128){k.hi, k.lo & (~0ull << (128 - plen))};
}

static bool
eq128(struct k128 a, struct k128 b)
{
	return a.hi == b.hi && a.lo == b.lo;
}

/* ---- a model to compare with -------------------------------------------- */

static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64*: deterministic across runs and platforms */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static unsigned
rnd_below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

struct paint {
	struct k128 net;
	unsigned plen;
	uint32_t value;
};

struct model {
	struct paint *p;
	size_t n;
	uint32_t dflt;
	/* if set, what lies under the paints instead of dflt */
	uint32_t (*base)(struct k128 a);
};

/* The value of the last paint covering `a`: paints are in paint order. */
static uint32_t
model_value(const struct model *m, struct k128 a)
{
	for (size_t i = m->n; i-- > 0;)
		if (eq128(mask128(a, m->p[i].plen), m->p[i].net))
			return m->p[i].value;
	return m->base != NULL ? m->base(a) : m->dflt;
}

/* Any address inside net/plen. */
static struct k128
rnd_inside(struct k128 net, unsigned plen)
{
	struct k128 r = {rnd(), rnd()};
	struct k128 m = mask128((struct k128){~0ull, ~0ull}, plen);

	return (struct k128){net.hi | (r.hi & ~m.hi), net.lo | (r.lo & ~m.lo)};
}

/* A random network, clustered so that paints nest and overlap a lot. */
static struct paint
rnd_paint(void)
{
	static const uint8_t v4_first[] = {10, 192, 198, 203};
	static const uint64_t v6_top[] = {0x20010db8ull, 0x2a001450ull,
	                                  0x2002c000ull};
	struct paint p;
	unsigned kind = rnd_below(10);

	if (kind < 5) {
		uint32_t a = (uint32_t)v4_first[rnd_below(4)] << 24 |
		             ((uint32_t)rnd() & 0x00ffffffu);
		p.plen = 96 + 4 + rnd_below(29);
		p.net = (struct k128){0, a};
	} else if (kind < 8) {
		p.plen = 16 + rnd_below(49);
		p.net = (struct k128){v6_top[rnd_below(3)] << 32 |
		                          (rnd() & 0xffffffffull),
		                      rnd()};
	} else {
		p.plen = rnd_below(17);
		p.net = (struct k128){rnd(), rnd()};
	}
	p.net = mask128(p.net, p.plen);
	p.value = rnd_below(4);
	return p;
}

static int
by_plen(const void *x, const void *y)
{
	const struct paint *a = x, *b = y;

	if (a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	/* qsort is not stable: keep generation order among equals */
	return a < b ? -1 : a > b;
}

/* ---- leaves tile the address space -------------------------------------- */

struct cover {
	const struct geo_tree *t;
	struct k128 next; /* where the next leaf must start */
	size_t leaves;
	bool wrapped; /* `next` went past the last address */
};

static void
cover_leaf(const uint8_t key[16], unsigned plen, uint32_t value, void *arg)
{
	struct cover *c = arg;
	struct k128 k = to128(key);
	unsigned depth;

	assert_false(c->wrapped);
	assert_true(plen <= 128);
	/* contiguous with the previous leaf, and a proper network address */
	assert_true(eq128(k, c->next));
	assert_true(eq128(mask128(k, plen), k));
	assert_int_equal(geo_tree_lookup(c->t, key, &depth), value);
	assert_int_equal(depth, plen);
	/* next += 2^(128 - plen), watching the carry out of bit 0 */
	unsigned size = 128 - plen;
	if (size == 128) {
		c->wrapped = true;
	} else if (size >= 64) {
		c->next.hi += 1ull << (size - 64);
	} else {
		uint64_t lo = c->next.lo + (1ull << size);
		if (lo < c->next.lo)
			c->next.hi++;
		c->next.lo = lo;
	}
	if (c->next.hi == 0 && c->next.lo == 0)
		c->wrapped = true;
	c->leaves++;
}

static void
check_cover(const struct geo_tree *t)
{
	struct cover c = {.t = t};

	geo_tree_foreach(t, cover_leaf, &c);
	assert_true(c.wrapped);
	assert_int_equal(c.leaves, geo_tree_leaves(t));
}

/* ---- tests --------------------------------------------------------------- */

static void
default_only(void **state)
{
	(void)state;
	struct geo_tree *t = geo_tree_finish(geo_tree_builder_new(7));

	expect(t, "::", 7, 0);
	expect(t, "192.0.2.1", 7, 0);
	expect(t, "255.255.255.255", 7, 0);
	expect(t, "2001:db8::1", 7, 0);
	expect(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 7, 0);
	assert_int_equal(geo_tree_leaves(t), 1);
	assert_true(geo_tree_bytes(t) > 0);
	check_cover(t);
	geo_tree_free(t);
}

static void
v4_and_v6_networks(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "192.0.2.0", 96 + 24, 1);
	paint(b, "198.51.100.0", 96 + 24, 2);
	paint(b, "2001:db8::", 32, 3);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "192.0.2.77", 1, 96 + 24);
	expect(t, "198.51.100.0", 2, 96 + 24);
	expect(t, "2001:db8:1::1", 3, 32);
	/* 192.0.3.0/24 is the sibling; 192.0.0.0/23 the rest of the /22 */
	expect(t, "192.0.3.1", 0, 96 + 24);
	expect(t, "192.0.0.1", 0, 96 + 23);
	expect(t, "2001:db9::", 0, 32);
	/* 2001:db7:: and 2001:db8:: part at bit 28 (7 = 0111, 8 = 1000) */
	expect(t, "2001:db7:ffff::", 0, 29);
	/* outside both: leaves as short as the tree allows */
	expect(t, "8000::", 0, 1);
	expect(t, "0.0.0.1", 0, 97);
	check_cover(t);
	geo_tree_free(t);
}

static void
longest_prefix_wins(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	/* shortest first, as the header says */
	paint(b, "10.0.0.0", 96 + 8, 1);
	paint(b, "10.1.0.0", 96 + 16, 2);
	paint(b, "10.1.2.0", 96 + 24, 3);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "10.0.0.1", 1, 96 + 16);
	expect(t, "10.200.0.1", 1, 96 + 9);
	expect(t, "10.1.0.1", 2, 96 + 23);
	expect(t, "10.1.2.3", 3, 96 + 24);
	expect(t, "10.1.3.3", 2, 96 + 24);
	expect(t, "11.0.0.0", 0, 96 + 8);
	check_cover(t);
	geo_tree_free(t);
}

static void
equal_neighbours_merge(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "192.0.2.0", 96 + 25, 5);
	paint(b, "192.0.2.128", 96 + 25, 5);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "192.0.2.0", 5, 96 + 24);
	expect(t, "192.0.2.255", 5, 96 + 24);
	/* one path of 120 nodes, each with one sibling leaf, plus the /24 */
	assert_int_equal(geo_tree_leaves(t), 121);
	check_cover(t);
	geo_tree_free(t);

	/* four /26 of one value merge two levels up, into a /24 */
	b = geo_tree_builder_new(0);
	paint(b, "192.0.2.192", 96 + 26, 5);
	paint(b, "192.0.2.0", 96 + 26, 5);
	paint(b, "192.0.2.128", 96 + 26, 5);
	paint(b, "192.0.2.64", 96 + 26, 5);
	t = geo_tree_finish(b);
	expect(t, "192.0.2.100", 5, 96 + 24);
	assert_int_equal(geo_tree_leaves(t), 121);
	geo_tree_free(t);
}

static void
back_to_default_merges_away(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "192.0.2.0", 96 + 25, 5);
	paint(b, "2001:db8::", 48, 6);
	paint(b, "192.0.2.0", 96 + 25, 0);
	paint(b, "2001:db8::", 48, 0);
	paint(b, "203.0.113.0", 96 + 24, 0); /* the default already */
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "192.0.2.1", 0, 0);
	expect(t, "2001:db8::1", 0, 0);
	assert_int_equal(geo_tree_leaves(t), 1);
	geo_tree_free(t);
}

static void
different_neighbours_stay(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "192.0.2.0", 96 + 25, 5);
	paint(b, "192.0.2.128", 96 + 25, 6);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "192.0.2.127", 5, 96 + 25);
	expect(t, "192.0.2.128", 6, 96 + 25);
	assert_int_equal(geo_tree_leaves(t), 122);
	check_cover(t);
	geo_tree_free(t);
}

static void
repaint_overwrites(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "10.1.2.0", 96 + 24, 1);
	paint(b, "10.0.0.0", 96 + 8, 2);
	paint(b, "10.0.0.0", 96 + 24, 3);
	paint(b, "10.0.0.0", 96 + 8, 4);
	paint(b, "10.1.3.0", 96 + 24, 4); /* inside, same value: no-op */
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "10.1.2.3", 4, 96 + 8);
	expect(t, "10.0.0.1", 4, 96 + 8);
	expect(t, "10.255.255.255", 4, 96 + 8);
	check_cover(t);
	geo_tree_free(t);

	/* plen 0 repaints everything */
	b = geo_tree_builder_new(0);
	paint(b, "10.0.0.0", 96 + 8, 1);
	paint(b, "::", 0, 9);
	t = geo_tree_finish(b);
	expect(t, "10.0.0.1", 9, 0);
	assert_int_equal(geo_tree_leaves(t), 1);
	geo_tree_free(t);
}

static void
boundaries(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "203.0.113.64", 96 + 26, 9);
	paint(b, "2001:db8::", 32, 3);
	paint(b, "192.0.2.1", 128, 4);
	paint(b, "2a00::53", 128, 8);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "203.0.113.63", 0, 96 + 26);
	expect(t, "203.0.113.64", 9, 96 + 26);
	expect(t, "203.0.113.127", 9, 96 + 26);
	expect(t, "203.0.113.128", 0, 96 + 25);
	expect(t, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 0, 29);
	expect(t, "2001:db8::", 3, 32);
	expect(t, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 3, 32);
	expect(t, "2001:db9::", 0, 32);
	/* host routes */
	expect(t, "192.0.2.0", 0, 128);
	expect(t, "192.0.2.1", 4, 128);
	expect(t, "192.0.2.2", 0, 127);
	expect(t, "2a00::52", 0, 128);
	expect(t, "2a00::53", 8, 128);
	expect(t, "2a00::54", 0, 126);
	check_cover(t);
	geo_tree_free(t);
}

static void
ipv4_above_96(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	/* the IPv4 walk meets a leaf before depth 96: it is the answer */
	paint(b, "::", 64, 5);
	paint(b, "8000::", 1, 2);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "192.0.2.1", 5, 64);
	expect(t, "::ffff:192.0.2.1", 5, 64);
	expect(t, "0:0:0:1::", 0, 64);
	expect(t, "8000::", 2, 1);
	check_cover(t);
	geo_tree_free(t);

	/* and exactly at 96 */
	b = geo_tree_builder_new(0);
	paint(b, "::", 96, 5);
	t = geo_tree_finish(b);
	expect(t, "192.0.2.1", 5, 96);
	expect(t, "::1:0:0", 0, 96);
	geo_tree_free(t);
}

static void
free_null_and_unfinished(void **state)
{
	(void)state;
	geo_tree_free(NULL);
	geo_tree_builder_free(NULL);

	struct geo_tree_builder *b = geo_tree_builder_new(1);
	paint(b, "10.0.0.0", 96 + 8, 2);
	paint(b, "2001:db8::", 32, 3);
	geo_tree_builder_free(b); /* no leak without finish (ASan checks) */
}

static void
foreach_in_address_order(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "2001:db8::", 32, 3);
	paint(b, "10.0.0.0", 96 + 8, 1);
	paint(b, "10.128.0.0", 96 + 9, 2);
	struct geo_tree *t = geo_tree_finish(b);

	check_cover(t);
	/*
	 * Internal nodes: depths 0..104 towards 10.0.0.0/9 and 10.128.0.0/9,
	 * depths 0..31 towards 2001:db8::/32, sharing depths 0..2.
	 */
	assert_int_equal(geo_tree_leaves(t), 105 + 32 - 3 + 1);
	geo_tree_free(t);
}

/*
 * Random prefixes with few values, painted shortest first (so the model's
 * "last covering paint" is the longest prefix) or in random order (so it
 * is plain overwrite): every lookup must match the model, the whole leaf
 * must hold that value, and the leaf must be maximal.
 */
static void paint_base(struct geo_tree_builder *b);
static uint32_t base_value(struct k128 a);

static void
random_against_model(bool sorted, bool big, uint64_t seed)
{
	enum { NPAINT = 3000, NPROBE = 4000 };
	struct model m = {.dflt = 1, .base = big ? base_value : NULL};
	struct geo_tree_builder *b = geo_tree_builder_new(m.dflt);
	uint8_t key[16];

	rng_state = seed;
	m.p = calloc(NPAINT, sizeof(*m.p));
	assert_non_null(m.p);
	for (m.n = 0; m.n < NPAINT; m.n++) {
		/* a big tree stays big: no paint covers 11/8 (no IPv4 one
		 * shorter than /8, no other one shorter than /17) */
		struct paint *p = &m.p[m.n];
		do
			*p = rnd_paint();
		while (big &&
		       (p->plen < 17 || (p->net.hi == 0 && p->plen < 96 + 8)));
	}
	if (sorted)
		qsort(m.p, m.n, sizeof(*m.p), by_plen);
	if (big)
		paint_base(b);
	for (size_t i = 0; i < m.n; i++) {
		from128(m.p[i].net, key);
		geo_tree_paint(b, key, m.p[i].plen, m.p[i].value);
	}
	struct geo_tree *t = geo_tree_finish(b);
	if (big)
		assert_true(geo_tree_leaves(t) > 65536);

	for (int i = 0; i < NPROBE; i++) {
		struct k128 a;
		unsigned kind = rnd_below(4), depth, d2;
		if (kind < 2) {
			const struct paint *p = &m.p[rnd_below(NPAINT)];
			a = rnd_inside(p->net, p->plen);
		} else if (kind == 2) {
			a = (struct k128){0, rnd() & 0xffffffffull};
		} else {
			a = (struct k128){rnd(), rnd()};
		}
		from128(a, key);
		uint32_t v = geo_tree_lookup(t, key, &depth);
		assert_int_equal(v, model_value(&m, a));

		/* anywhere in the leaf: same value, same leaf */
		struct k128 net = mask128(a, depth);
		for (int j = 0; j < 3; j++) {
			struct k128 in = rnd_inside(net, depth);
			assert_int_equal(model_value(&m, in), v);
			from128(in, key);
			assert_int_equal(geo_tree_lookup(t, key, &d2), v);
			assert_int_equal(d2, depth);
		}

		/* maximal: a sibling that is one leaf has another value */
		if (depth == 0)
			continue;
		struct k128 sib = net;
		if (depth <= 64)
			sib.hi ^= 1ull << (64 - depth);
		else
			sib.lo ^= 1ull << (128 - depth);
		from128(sib, key);
		uint32_t sv = geo_tree_lookup(t, key, &d2);
		assert_true(d2 >= depth);
		if (d2 == depth)
			assert_int_not_equal(sv, v);
	}
	check_cover(t);
	geo_tree_free(t);
	free(m.p);
}

static void
random_longest_prefix(void **state)
{
	(void)state;
	random_against_model(true, false, 0x9e3779b97f4a7c15ull);
	random_against_model(true, false, 42);
}

static void
random_overwrite_order(void **state)
{
	(void)state;
	random_against_model(false, false, 0xdeadbeefcafef00dull);
	random_against_model(false, false, 7);
}

/*
 * A tree past 65536 leaves, whose two roots are 16-bit tables: a /24 per
 * 10.x.y.0 and 11.x.y.0 (random paints often split 10/8, never 11/8) and
 * a /48 per 2001:db8:0-fff::, values such that no two neighbours merge
 * (period 5, step 2; period 3, step 1).
 */
static uint32_t
base_value(struct k128 a)
{
	if (a.hi == 0 && (a.lo >> 25) == 0x0a >> 1)
		return 2 + (uint32_t)((a.lo >> 8 & 0x1ffff) * 7 % 5);
	if ((a.hi >> 32) == 0x20010db8u && (a.hi >> 16 & 0xffff) < 0x1000)
		return 2 + (uint32_t)((a.hi >> 16 & 0xffff) % 3);
	return 1;
}

static void
paint_base(struct geo_tree_builder *b)
{
	uint8_t key[16];

	for (uint32_t i = 0; i < 0x20000; i++) {
		struct k128 k = {0, 0x0a000000ull | (uint64_t)i << 8};
		from128(k, key);
		geo_tree_paint(b, key, 96 + 24, base_value(k));
	}
	for (uint32_t i = 0; i < 0x1000; i++) {
		struct k128 k = {0x20010db8ull << 32 | (uint64_t)i << 16, 0};
		from128(k, key);
		geo_tree_paint(b, key, 48, base_value(k));
	}
}

static void
random_big_tree(void **state)
{
	(void)state;
	random_against_model(true, true, 0x51ed27);
	random_against_model(false, true, 0xfeedface);
}

static void
big_tree_roots(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(1);

	paint_base(b);
	struct geo_tree *t = geo_tree_finish(b);
	/*
	 * The base, and a leaf beside each step of the paths to 10.0.0.0/7
	 * (depths 4..103) and 2001:db8::/36 (4..36), which part at depth 3,
	 * plus 8000::/1 and 4000::/2.
	 */
	assert_int_equal(geo_tree_leaves(t), 0x20000 + 0x1000 + 100 + 33 + 2);
	expect(t, "10.0.0.0", 2, 96 + 24);
	expect(t, "10.0.1.255", 4, 96 + 24);
	expect(t, "10.255.255.1", 2 + 0xffff * 7 % 5, 96 + 24);
	expect(t, "11.0.0.0", 2 + 0x10000 * 7 % 5, 96 + 24);
	expect(t, "11.255.255.255", 2 + 0x1ffff * 7 % 5, 96 + 24);
	expect(t, "9.255.255.255", 1, 96 + 7);
	expect(t, "12.0.0.0", 1, 96 + 6);
	expect(t, "0.0.0.0", 1, 96 + 5);
	expect(t, "255.255.255.255", 1, 97);
	expect(t, "2001:db8::", 2, 48);
	expect(t, "2001:db8:fff:ffff::1", 2 + 0xfff % 3, 48);
	expect(t, "2001:db8:1000::", 1, 36);
	expect(t, "2001:db7::", 1, 29);
	expect(t, "::1:0:0", 1, 96);
	expect(t, "::ffff:10.0.0.1", 1, 81);
	expect(t, "8000::", 1, 1);
	check_cover(t);
	geo_tree_free(t);
}

/* Leaves at every depth inside wide and narrow nodes, not on any grid. */
static void
odd_depths(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "198.51.100.0", 96 + 24, 1);
	paint(b, "198.51.100.128", 96 + 25, 2);
	paint(b, "198.51.100.64", 96 + 27, 3);
	paint(b, "198.51.100.96", 96 + 29, 4);
	paint(b, "198.51.100.250", 96 + 31, 5);
	paint(b, "198.51.100.253", 128, 6);
	paint(b, "2001:db8:8000::", 33, 7);
	paint(b, "2001:db8:2000::", 35, 8);
	paint(b, "2001:db8:2000::", 37, 9);
	paint(b, "2001:db8:2000:2::", 63, 10);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "198.51.100.0", 1, 96 + 26);
	expect(t, "198.51.100.63", 1, 96 + 26);
	expect(t, "198.51.100.64", 3, 96 + 27);
	expect(t, "198.51.100.95", 3, 96 + 27);
	expect(t, "198.51.100.96", 4, 96 + 29);
	expect(t, "198.51.100.104", 1, 96 + 29);
	expect(t, "198.51.100.112", 1, 96 + 28);
	expect(t, "198.51.100.128", 2, 96 + 26);
	expect(t, "198.51.100.240", 2, 96 + 29);
	expect(t, "198.51.100.248", 2, 96 + 31);
	expect(t, "198.51.100.251", 5, 96 + 31);
	expect(t, "198.51.100.252", 2, 128);
	expect(t, "198.51.100.253", 6, 128);
	expect(t, "198.51.100.254", 2, 127);
	expect(t, "198.51.101.0", 0, 96 + 24);
	expect(t, "2001:db8:8000::", 7, 33);
	expect(t, "2001:db8::", 0, 35);
	expect(t, "2001:db8:2000::", 9, 63);
	expect(t, "2001:db8:2000:1:ffff::", 9, 63);
	expect(t, "2001:db8:2000:2::", 10, 63);
	expect(t, "2001:db8:2000:3:ffff::", 10, 63);
	expect(t, "2001:db8:2000:4::", 9, 62);
	expect(t, "2001:db8:2001::", 9, 48);
	expect(t, "2001:db8:2800::", 8, 37);
	expect(t, "2001:db8:3000::", 8, 36);
	expect(t, "2001:db8:4000::", 0, 34);
	check_cover(t);
	geo_tree_free(t);
}

/* IPv6 down to single hosts, siblings differing in the last bit only. */
static void
v6_host_routes(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "2001:db8::", 100, 1);
	paint(b, "2001:db8::1", 128, 2);
	paint(b, "2001:db8::2", 127, 3);
	paint(b, "2001:db8::fff:fffe", 128, 4);
	paint(b, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, 5);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "2001:db8::", 1, 128);
	expect(t, "2001:db8::1", 2, 128);
	expect(t, "2001:db8::2", 3, 127);
	expect(t, "2001:db8::3", 3, 127);
	expect(t, "2001:db8::4", 1, 126);
	expect(t, "2001:db8::400:0", 1, 102);
	expect(t, "2001:db8::800:0", 1, 102);
	expect(t, "2001:db8::fff:fffd", 1, 127);
	expect(t, "2001:db8::fff:fffe", 4, 128);
	expect(t, "2001:db8::fff:ffff", 1, 128);
	expect(t, "2001:db8::1000:0", 0, 100);
	expect(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 0, 128);
	expect(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 5, 128);
	check_cover(t);
	geo_tree_free(t);
}

/* IPv4 starts at its own root; the /96s beside ::/96 must not leak in. */
static void
v4_root_neighbours(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "::ffff:0:0", 96, 1); /* IPv4-mapped */
	paint(b, "::1:0:0", 96, 2);    /* right after ::/96 */
	paint(b, "::", 95, 3);         /* ::/96 and ::1:0:0/96 */
	paint(b, "0.0.0.0", 96 + 1, 4);
	paint(b, "255.255.255.255", 128, 5);
	paint(b, "::ffff:192.0.2.0", 96 + 24, 6);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "0.0.0.0", 4, 97);
	expect(t, "127.255.255.255", 4, 97);
	expect(t, "128.0.0.0", 3, 98);
	expect(t, "255.255.255.254", 3, 128);
	expect(t, "255.255.255.255", 5, 128);
	expect(t, "::1:0:0", 3, 96);
	expect(t, "::1:ffff:ffff", 3, 96);
	expect(t, "::2:0:0", 0, 95);
	expect(t, "::fffe:ffff:ffff", 0, 96);
	expect(t, "::ffff:0:0", 1, 97);
	expect(t, "::ffff:192.0.2.1", 6, 96 + 24);
	expect(t, "::ffff:192.0.3.1", 1, 96 + 24);
	expect(t, "0:0:0:0:1::", 0, 80);
	check_cover(t);
	geo_tree_free(t);

	/* ::/96 one leaf inside a split /95: IPv4 answers from above */
	b = geo_tree_builder_new(0);
	paint(b, "::", 96, 7);
	paint(b, "::1:0:0", 96, 8);
	t = geo_tree_finish(b);
	expect(t, "0.0.0.0", 7, 96);
	expect(t, "255.255.255.255", 7, 96);
	expect(t, "::1:0:0", 8, 96);
	expect(t, "::2:0:0", 0, 95);
	check_cover(t);
	geo_tree_free(t);
}

/* Largest value at largest depth: the packed entry's fields are full. */
static void
value_limit(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(GEO_TREE_VMAX);

	paint(b, "192.0.2.1", 128, GEO_TREE_VMAX - 1);
	paint(b, "2001:db8::", 127, GEO_TREE_VMAX - 2);
	paint(b, "2001:db8::1", 128, 0);
	struct geo_tree *t = geo_tree_finish(b);

	expect(t, "192.0.2.0", GEO_TREE_VMAX, 128);
	expect(t, "192.0.2.1", GEO_TREE_VMAX - 1, 128);
	expect(t, "2001:db8::", GEO_TREE_VMAX - 2, 128);
	expect(t, "2001:db8::1", 0, 128);
	expect(t, "::", GEO_TREE_VMAX, 97);
	expect(t, "8000::", GEO_TREE_VMAX, 1);
	check_cover(t);
	geo_tree_free(t);

	/* a single leaf, at the limit: no nodes at all */
	b = geo_tree_builder_new(0);
	paint(b, "::", 0, GEO_TREE_VMAX);
	t = geo_tree_finish(b);
	expect(t, "10.0.0.1", GEO_TREE_VMAX, 0);
	expect(t, "2001:db8::1", GEO_TREE_VMAX, 0);
	assert_int_equal(geo_tree_leaves(t), 1);
	assert_true(geo_tree_bytes(t) < 256);
	check_cover(t);
	geo_tree_free(t);
}

/* The exact leaves, in order, of a tree that crosses the IPv4 root. */
struct list {
	struct k128 key[128];
	unsigned plen[128];
	uint32_t value[128];
	size_t n;
};

static void
list_leaf(const uint8_t key[16], unsigned plen, uint32_t value, void *arg)
{
	struct list *l = arg;

	assert_true(l->n < 128);
	l->key[l->n] = to128(key);
	l->plen[l->n] = plen;
	l->value[l->n] = value;
	l->n++;
}

static void
foreach_exact(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);
	struct list l = {.n = 0};

	paint(b, "8000::", 1, 1);
	paint(b, "4000::", 2, 2);
	paint(b, "::", 96, 3);
	paint(b, "0.0.0.0", 96 + 1, 4);
	struct geo_tree *t = geo_tree_finish(b);
	geo_tree_foreach(t, list_leaf, &l);

	/* ::/97, ::128.0.0.0/97, then the zero path's siblings up from
	 * ::1:0:0/96 to 2000::/3, then 4000::/2 and 8000::/1 */
	assert_int_equal(l.n, 2 + 94 + 2);
	assert_int_equal(geo_tree_leaves(t), l.n);
	assert_true(eq128(l.key[0], (struct k128){0, 0}));
	assert_int_equal(l.plen[0], 97);
	assert_int_equal(l.value[0], 4);
	assert_true(eq128(l.key[1], (struct k128){0, 0x80000000ull}));
	assert_int_equal(l.plen[1], 97);
	assert_int_equal(l.value[1], 3);
	for (unsigned i = 0; i < 94; i++) {
		unsigned plen = 96 - i; /* the leaf is [2^(128-p), 2^(129-p)) */
		struct k128 k = {0, 0};
		if (plen > 64)
			k.lo = 1ull << (128 - plen);
		else
			k.hi = 1ull << (64 - plen);
		assert_true(eq128(l.key[2 + i], k));
		assert_int_equal(l.plen[2 + i], plen);
		assert_int_equal(l.value[2 + i], 0);
	}
	assert_true(eq128(l.key[96], (struct k128){1ull << 62, 0}));
	assert_int_equal(l.plen[96], 2);
	assert_int_equal(l.value[96], 2);
	assert_true(eq128(l.key[97], (struct k128){1ull << 63, 0}));
	assert_int_equal(l.plen[97], 1);
	assert_int_equal(l.value[97], 1);
	geo_tree_free(t);
}

/* A lone deep network (a chain of single splits) costs about what the
 * binary tree did: 128 nodes of 8 bytes for a /128, not a wide node per
 * level. */
static void
sparse_chain_memory(void **state)
{
	(void)state;
	struct geo_tree_builder *b = geo_tree_builder_new(0);

	paint(b, "2a00::53", 128, 1);
	struct geo_tree *t = geo_tree_finish(b);
	expect(t, "2a00::53", 1, 128);
	expect(t, "2a00::52", 0, 128);
	assert_int_equal(geo_tree_leaves(t), 129);
	assert_true(geo_tree_bytes(t) < 128 * 8 + 128);
	geo_tree_free(t);

	b = geo_tree_builder_new(0);
	paint(b, "192.0.2.1", 128, 1);
	t = geo_tree_finish(b);
	expect(t, "192.0.2.1", 1, 128);
	assert_true(geo_tree_bytes(t) < 128 * 8 + 128);
	geo_tree_free(t);
}

/*
 * Prefetching is a hint: at any level, for keys that end at the root, in
 * a stride node or below the deepest leaf, it reads only inside the tree
 * (ASan runs this) and changes no answer.
 */
static void
prefetch_any_level(void **state)
{
	(void)state;
	const char *keys[] = {
	    "192.0.2.1", "10.1.3.7", "198.51.100.253", "2001:db8::1",
	    "2a00::53",  "::",       "ffff::1",        "::ffff:192.0.2.1"};
	struct geo_tree_builder *b = geo_tree_builder_new(0);
	paint(b, "192.0.2.1", 128, 4);
	paint(b, "10.1.0.0", 96 + 18, 2);
	paint(b, "2001:db8::", 100, 1);
	paint(b, "2a00::53", 128, 8);
	struct geo_tree *t = geo_tree_finish(b);
	struct geo_tree *leaf = geo_tree_finish(geo_tree_builder_new(3));

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		uint8_t key[16];
		unsigned d1, d2;
		key_of(keys[k], key);
		uint32_t v = geo_tree_lookup(t, key, &d1);
		for (unsigned level = 0; level < 40; level++) {
			geo_tree_prefetch(t, key, level);
			geo_tree_prefetch(leaf, key, level);
		}
		assert_int_equal(geo_tree_lookup(t, key, &d2), v);
		assert_int_equal(d2, d1);
		assert_int_equal(geo_tree_lookup(leaf, key, &d2), 3);
	}
	geo_tree_free(t);
	geo_tree_free(leaf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(default_only),
	    cmocka_unit_test(v4_and_v6_networks),
	    cmocka_unit_test(longest_prefix_wins),
	    cmocka_unit_test(equal_neighbours_merge),
	    cmocka_unit_test(back_to_default_merges_away),
	    cmocka_unit_test(different_neighbours_stay),
	    cmocka_unit_test(repaint_overwrites),
	    cmocka_unit_test(boundaries),
	    cmocka_unit_test(ipv4_above_96),
	    cmocka_unit_test(prefetch_any_level),
	    cmocka_unit_test(free_null_and_unfinished),
	    cmocka_unit_test(foreach_in_address_order),
	    cmocka_unit_test(random_longest_prefix),
	    cmocka_unit_test(random_overwrite_order),
	    cmocka_unit_test(random_big_tree),
	    cmocka_unit_test(big_tree_roots),
	    cmocka_unit_test(odd_depths),
	    cmocka_unit_test(v6_host_routes),
	    cmocka_unit_test(v4_root_neighbours),
	    cmocka_unit_test(value_limit),
	    cmocka_unit_test(foreach_exact),
	    cmocka_unit_test(sparse_chain_memory),
	};
	return cmocka_run_group_tests_name("geo_tree", tests, NULL, NULL);
}
