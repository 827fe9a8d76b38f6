/* SPDX-License-Identifier: MIT */
/*
 * common/hash.h: the 64-bit hashes that must give the same value on every
 * machine of a fleet (edge and name seeds, a client's place among an
 * edge's clients): plain arithmetic, no per-process random key.  Not for
 * tables an attacker fills: those need a keyed hash.
 */
#ifndef COMMON_HASH_H
#define COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

/* MurmurHash3's finaliser: every input bit moves every output bit. */
static inline uint64_t
hash_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xFF51AFD7ED558CCDull;
	x ^= x >> 33;
	x *= 0xC4CEB9FE1A85EC53ull;
	x ^= x >> 33;
	return x;
}

/* A string's seed: FNV-1a, then mixed. */
static inline uint64_t
hash_str64(const char *s)
{
	uint64_t h = 0xCBF29CE484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001B3ull;
	return hash_mix64(h);
}

#endif
