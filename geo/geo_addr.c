/* SPDX-License-Identifier: MIT */
/* geo/geo_addr.c: client address forms -> tree key, tree depth -> scope. */
/* HOT PATH: see STYLE.md B5 */
#include "geo/geo.h"

#include <endian.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

/* Where IPv4 sits in the tree (::a.b.c.d, as MaxMind lays it out). */
#define V4_BASE 96

/*
 * IPv6 forms that carry an IPv4 address: the leading bytes that mark the
 * form, and the bit where the IPv4 address starts.  That offset is also
 * the `scope_add` of such a client: a tree depth of 96 + k means the first
 * k bits of the embedded address decided.
 */
struct v4_form {
	uint8_t mark[12];
	unsigned marklen; /* bytes of mark[] */
	unsigned at;      /* the IPv4 address starts at this bit */
	bool invert;      /* Teredo stores the client address inverted */
};

static const struct v4_form v4_forms[] = {
    /* v4-mapped ::ffff:0:0/96 (RFC 4291 §2.5.5.2) */
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 12, 96, false},
    /* NAT64 well-known prefix 64:ff9b::/96 (RFC 6052 §2.1) */
    {{0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, 12, 96, false},
    /* 6to4 2002::/16, IPv4 in bits 16..47 (RFC 3056 §2) */
    {{0x20, 0x02}, 2, 16, false},
    /* Teredo 2001::/32, client IPv4 inverted in 96..127 (RFC 4380 §4) */
    {{0x20, 0x01, 0x00, 0x00}, 4, 96, true},
};

/* The leading `bits` (0..64) of a 64-bit word. */
static inline uint64_t
top_bits(unsigned bits)
{
	return bits == 0 ? 0 : ~UINT64_C(0) << (64 - bits);
}

/* Zero every bit of `key` from `bits` on, a word at a time. */
static void
mask_from(uint8_t key[16], unsigned bits)
{
	uint64_t hi, lo;

	if (bits >= 128)
		return;
	memcpy(&hi, key, 8);
	memcpy(&lo, key + 8, 8);
	hi = htobe64(be64toh(hi) & top_bits(bits < 64 ? bits : 64));
	lo = htobe64(be64toh(lo) & top_bits(bits > 64 ? bits - 64 : 0));
	memcpy(key, &hi, 8);
	memcpy(key + 8, &lo, 8);
}

void
geo_client_make(struct geo_client *c, int family, const uint8_t *addr,
                unsigned bits)
{
	memset(c, 0, sizeof(*c));
	if (family == AF_INET) {
		if (bits > 32)
			bits = 32;
		memcpy(c->key + 12, addr, 4);
		mask_from(c->key, V4_BASE + bits);
		c->key_bits = V4_BASE + bits;
		c->scope_base = V4_BASE;
		return;
	}
	if (bits > 128)
		bits = 128;
	/* Every form's mark starts with 0x00 or 0x20: most addresses are
	 * none of them, and need not be compared with each. */
	for (size_t i = 0; (addr[0] == 0x00 || addr[0] == 0x20) &&
	                   i < sizeof(v4_forms) / sizeof(v4_forms[0]);
	     i++) {
		const struct v4_form *f = &v4_forms[i];
		/*
		 * The form counts only if the source prefix covers its whole
		 * mark: ::ffff:0:0/80 is not known to be v4-mapped, so it is
		 * located as the IPv6 network it is.
		 */
		if (bits < f->marklen * 8 ||
		    memcmp(addr, f->mark, f->marklen) != 0)
			continue;
		unsigned v4bits = bits > f->at ? bits - f->at : 0;
		if (v4bits > 32)
			v4bits = 32;
		for (unsigned k = 0; k < 4; k++) {
			uint8_t b = addr[f->at / 8 + k];
			c->key[12 + k] = f->invert ? (uint8_t)~b : b;
		}
		/* After the inversion: unknown Teredo bits would read as 1. */
		mask_from(c->key, V4_BASE + v4bits);
		c->key_bits = V4_BASE + v4bits;
		c->scope_base = V4_BASE;
		c->scope_add = f->at;
		return;
	}
	memcpy(c->key, addr, 16);
	mask_from(c->key, bits);
	c->key_bits = bits;
}

/*
 * scope = scope_add + max(0, depth - scope_base), at most the family's
 * length.  Cases worth spelling out:
 *  - native IPv6: scope_base 0, so the scope is the depth itself;
 *  - an IPv4 client (native or embedded) whose leaf is shallower than 96
 *    covers all of IPv4 at once: native IPv4 gets 0, 6to4 gets 16 (all of
 *    2002::/16), mapped and NAT64 get 96 (their whole /96).  Teredo gets
 *    96 too, its client-address offset: longer than the 32 that would
 *    suffice, but still correct (the answer is the same over it);
 *  - 6to4 never exceeds 48, where its IPv4 address ends; the others reach
 *    32 (native IPv4) or 128;
 *  - the scope may exceed the source prefix (an ECS /16 whose leaf is a
 *    /24): RFC 7871 §7.2.1 allows it, and it tells the resolver that its
 *    prefix was too short to decide.
 */
unsigned
geo_client_scope(const struct geo_client *c, unsigned depth)
{
	unsigned max = 128 - c->scope_base + c->scope_add;
	unsigned scope = c->scope_add;

	if (depth > c->scope_base)
		scope += depth - c->scope_base;
	if (max > 128)
		max = 128;
	return scope < max ? scope : max;
}
