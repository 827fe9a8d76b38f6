/* SPDX-License-Identifier: MIT */
/*
 * dnsd/prebuilt.h: responses compiled once per (name, type) at load, so
 * that the common query costs a hash lookup and two copies.
 *
 * For every name of every zone and every type it holds (plus A and AAAA,
 * whose NODATA is the usual miss), the zone walk runs once at load on a
 * lower-case query without EDNS; what follows the question (answer,
 * authority and additional sections) is kept as it was written, compression
 * pointers included.  A query for the same name in any case gets the same
 * octets after its own question, since every pointer into the question
 * lands on a question of the same length; only the header and the OPT
 * record are written per query.  A geo name's A and AAAA are kept as the
 * name alone: their records are written per client.  Answers that depend
 * on the client in any other way (a CNAME to a geo name) are not kept.
 * In a signed zone each entry also keeps the answer to a query with DO,
 * RRSIGs and NSEC included; a geo name's signature is found per client
 * in the signature cache (answer_sign.h).
 */
#ifndef DNSD_PREBUILT_H
#define DNSD_PREBUILT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct arena;
struct geo_name;
struct snapshot;

/* Entries beyond this are left to the full answer path (memory bound). */
#define PREBUILT_MAX_ENTRIES (1u << 20)

struct prebuilt_entry {
	const uint8_t *name; /* its key (wire_name_key()); NULL: empty slot */
	uint8_t namelen;
	uint16_t qtype;
	uint32_t hash;
	uint16_t flags; /* the response's AA bit and RCODE */
	uint16_t an, ns, ar;
	const uint8_t *tail; /* the sections after the question, no OPT */
	uint16_t taillen;
	const struct geo_name *geo; /* A/AAAA of a geo name: per client */
	/*
	 * A signed zone's entry (NULL: unsigned), and what a query with DO
	 * gets: the sections with their RRSIGs and NSEC (tail_do; NULL:
	 * the full path answers) or, for a geo name, its records for the
	 * client and their RRSIGs from the zone's signature cache.
	 */
	const struct zone *signer;
	const uint8_t *tail_do;
	uint16_t taillen_do;
	uint16_t an_do, ns_do, ar_do;
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

/* The hash of a name's key (its wire_name_key() hash) and a type.  Hot
 * path. */
static inline uint32_t
prebuilt_hash(uint64_t keyhash, uint16_t qtype)
{
	uint64_t h = (keyhash ^ qtype) * 0xFF51AFD7ED558CCDull;

	h ^= h >> 32;
	return (uint32_t)(h ^ h >> 29);
}

/* The entry for `key` (a name's wire_name_key(), `len` octets of name)
 * and `qtype` with `hash`, or NULL.  Hot path. */
const struct prebuilt_entry *prebuilt_find(const struct prebuilt *p,
                                           const uint8_t *key, size_t len,
                                           uint16_t qtype, uint32_t hash);

#endif
