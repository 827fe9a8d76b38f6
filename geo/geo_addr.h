/* SPDX-License-Identifier: MIT */
/* geo/geo_addr.h: client addresses, as the geo tree and ECS see them. */
#ifndef GEO_GEO_ADDR_H
#define GEO_GEO_ADDR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A client to locate: the 128-bit tree key and how many of its leading
 * bits the client actually told us (ECS source prefix, or 32/128 for a
 * packet's source address), plus what is needed to express the answer's
 * scope back in the client's own family and form.
 */
struct geo_client {
	uint8_t key[16];     /* tree key: IPv4 as ::a.b.c.d */
	unsigned key_bits;   /* meaningful bits of key (0..128) */
	unsigned scope_base; /* tree depth that maps to scope 0 of the client */
	unsigned scope_add;  /* bits of the client's own form before that */
};

/*
 * Make the tree key for an address of `family` (AF_INET: 4 bytes, AF_INET6:
 * 16 bytes) of which `bits` leading bits are known (the rest must be zero).
 * IPv6 forms that embed an IPv4 address are located as that IPv4 address:
 * v4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16 (bits 16..47)
 * and Teredo 2001::/32 (bits 96..127, inverted).  For those, the known IPv4
 * bits are what `bits` covers of the embedded address.  Load and hot path:
 * no allocation.
 */
void geo_client_make(struct geo_client *c, int family, const uint8_t *addr,
                     unsigned bits);

/*
 * The ECS scope to answer with when the tree leaf that decided is `depth`
 * deep: the prefix length, in the client's own family and form, over which
 * the answer is the same (RFC 7871 §7.2.1).  It may be longer than the
 * source prefix: that tells the resolver the prefix it sent was too short
 * to choose well.
 */
unsigned geo_client_scope(const struct geo_client *c, unsigned depth);

#endif
