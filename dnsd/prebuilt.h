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
 * The hash of a lower-case wire name and a type, fed one octet at a time
 * so that the query path can fold and hash in one pass (FNV-1a).
 */
#define PREBUILT_HASH_INIT 2166136261u
static inline uint32_t
prebuilt_hash_octet(uint32_t h, uint8_t c)
{
	return (h ^ c) * 16777619u;
}

static inline uint32_t
prebuilt_hash_end(uint32_t h, uint16_t qtype)
{
	h = prebuilt_hash_octet(h, (uint8_t)(qtype >> 8));
	h = prebuilt_hash_octet(h, (uint8_t)qtype);
	return h ^ (h >> 16);
}

/* The entry for lower-case `name` and `qtype` with `hash`, or NULL. */
const struct prebuilt_entry *prebuilt_find(const struct prebuilt *p,
                                           const uint8_t *name, size_t len,
                                           uint16_t qtype, uint32_t hash);

#endif
