/* SPDX-License-Identifier: MIT */
/*
 * dnsd/prebuilt.h: responses compiled once per (name, type) at load, so
 * that the common query costs a hash lookup and two copies.
 *
 * For every name of every zone and every type it holds (plus A and AAAA,
 * whose NODATA is the usual miss), the full answer path runs once at load
 * on a lower-case query without EDNS; what follows the question (answer,
 * authority and additional sections) is kept as it was written, compression
 * pointers included.  A query for the same name in any case gets the same
 * octets after its own question, since every pointer into the question
 * lands on a question of the same length; only the header and the OPT
 * record are written per query.  A geo name's A and AAAA are kept as the
 * name alone: their records are written per client.  Answers that depend
 * on the client in any other way (a CNAME to a geo name) are not kept.
 */
#ifndef DNSD_PREBUILT_H
#define DNSD_PREBUILT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct arena;
struct geo_name;
struct snapshot;

/* Entries beyond this are left to the full answer path (memory bound). */
#define PREBUILT_MAX_ENTRIES (1u << 20)

struct prebuilt_entry {
	const uint8_t *name; /* lower-case wire name; NULL: empty slot */
	uint8_t namelen;
	uint16_t qtype;
	uint32_t hash;
	uint16_t flags; /* the response's AA bit and RCODE */
	uint16_t an, ns, ar;
	const uint8_t *tail; /* the sections after the question, no OPT */
	uint16_t taillen;
	const struct geo_name *geo; /* A/AAAA of a geo name: per client */
	int geo_row; /* its index in the zonedb (geo counters' row) */
};

struct prebuilt {
	struct arena *arena; /* names and tails */
	struct prebuilt_entry *slots;
	uint32_t mask; /* open addressing, mask + 1 slots */
	size_t n;
	size_t bytes; /* of names and tails, for the log */
};

/*
 * Compile the responses of `snap` (which must be complete: zones, edges,
 * configuration).  Returns new, or NULL when there is nothing to keep.
 * Load path.
 */
struct prebuilt *prebuilt_build(const struct snapshot *snap);
void prebuilt_free(struct prebuilt *p); /* NULL is a no-op */

/*
 * A lookup key: the wire name folded to lower case and zero-padded to a
 * multiple of 8 octets, so that folding and hashing go a word at a time.
 */
#define PREBUILT_KEY_MAX 256 /* WIRE_NAME_MAX, rounded up */

/* ASCII upper case to lower in each octet of a word (SWAR). */
static inline uint64_t
prebuilt_fold_word(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t low7 = x & 0x7F * ones;
	uint64_t ge_a = low7 + (0x80 - 'A') * ones;     /* bit 7: >= 'A' */
	uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * ones; /* bit 7: > 'Z' */
	uint64_t upper = (ge_a ^ gt_z) & ~x & 0x80 * ones;

	return x | upper >> 2; /* 0x80 >> 2 = 0x20 */
}

/*
 * Fold the `len` octets of a wire name (len <= 255) into `key`, which has
 * PREBUILT_KEY_MAX octets.  Label lengths (0..63) are below 'A', so they
 * pass through the fold unchanged.  Reads no octet past name[len - 1].
 */
static inline void
prebuilt_key(uint8_t *key, const uint8_t *name, size_t len)
{
	size_t i = 0;
	uint64_t w;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, name + i, 8);
		w = prebuilt_fold_word(w);
		memcpy(key + i, &w, 8);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, name + i, len - i);
		w = prebuilt_fold_word(w);
		memcpy(key + i, &w, 8);
	}
}

/* The hash of a key of a `len`-octet name and a type, a word at a time. */
static inline uint32_t
prebuilt_hash(const uint8_t *key, size_t len, uint16_t qtype)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ qtype;
	uint64_t w;

	for (size_t i = 0; i < len; i += 8) {
		memcpy(&w, key + i, 8);
		h = (h ^ w) * 0xFF51AFD7ED558CCDull;
		h ^= h >> 32;
	}
	return (uint32_t)(h ^ h >> 29);
}

/* The entry for lower-case `name` and `qtype` with `hash`, or NULL. */
const struct prebuilt_entry *prebuilt_find(const struct prebuilt *p,
                                           const uint8_t *name, size_t len,
                                           uint16_t qtype, uint32_t hash);

#endif
