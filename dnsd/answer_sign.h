/* SPDX-License-Identifier: MIT */
/*
 * dnsd/answer_sign.h: the DNSSEC records an answer needs that the load
 * could not sign: a geo answer's RRset, the NSEC of compact denial at a
 * name that does not exist (RFC 9824 §3), a wildcard's expansion signed
 * as the name asked (RFC 9824 §3.4 allows it to an online signer, and it
 * needs no wildcard proof).  Each is signed once, by the zone's signing
 * keys, and then copied from the snapshot's signature cache (sigcache.h).
 * Hot path: no allocation of ours (a signature made on a miss costs
 * OpenSSL's), no lock, no log.
 */
#ifndef DNSD_ANSWER_SIGN_H
#define DNSD_ANSWER_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/sigcache.h"

struct geo_name;
struct geo_picked;
struct response;
struct zone;

/* An RRset known only on the answer path, to sign and write the RRSIGs
 * of. */
struct online_set {
	const uint8_t *owner; /* canonical (lower-case) wire name */
	size_t ownerlen;
	uint64_t owner_hash; /* wire_name_key()'s hash of the owner */
	uint16_t type;
	uint32_t ttl;
	uint16_t count;
	const uint8_t *rdata; /* count x (u16 rdlength, rdata) */
	size_t rdata_len;
	uint64_t content; /* answer_sign_content() of the records */
};

/* An order-independent hash of one record's RDATA; an RRset's content
 * hash is the sum over its records, so the order they are written in
 * (a geo answer ranks its edges per client) does not change it. */
uint64_t answer_sign_rr_hash(const uint8_t *rdata, size_t len);

/* The content hash of `count` records laid out as (u16 rdlength, rdata). */
uint64_t answer_sign_content(const uint8_t *rdata, size_t len, uint16_t count);

/*
 * Sign `s` with the zone's signing keys (zone_sign.h) at `now`, into
 * out[]; returns how many signatures (0: a key failed).  Not cached.
 */
unsigned answer_sign_make(const struct zone *z, const struct online_set *s,
                          uint32_t now, struct sigcache_sig out[SIGCACHE_SIGS]);

/*
 * Append the RRSIG records of `s` to the section `count` counts, with
 * `s->owner` as their owner: from `cache`, or signed now and stored.
 * Returns false if they did not fit (the response is then full) or
 * signing failed.
 */
bool answer_sign_put(struct response *r, const struct zone *z,
                     struct sigcache *cache, const struct online_set *s,
                     uint32_t now, uint16_t *count);

/*
 * RFC 9824 compact denial at `name` (canonical wire name, `hash` its
 * wire_name_key() hash): an NSEC whose next name is \000.<name> and whose
 * bit map holds types[0..ntypes) and RRSIG and NSEC, then its RRSIGs, in
 * the section `count` counts (authority, or the answer to a question for
 * NSEC).  Returns false as answer_sign_put().
 */
bool answer_sign_denial(struct response *r, const struct zone *z,
                        struct sigcache *cache, const uint8_t *name,
                        size_t namelen, uint64_t hash, const uint16_t *types,
                        unsigned ntypes, uint32_t now, uint16_t *count);

/* The content hash of the geo answer `p` for `family` (its records as
 * geo_answer_put() writes them). */
uint64_t answer_sign_geo_content(const struct geo_name *g,
                                 const struct geo_picked *p, int family);

/*
 * The geo answer `p` for `family` as an RRset to sign: its RDATA laid out
 * in buf[0..cap), owned by `owner` (canonical).  Returns false if it does
 * not fit.
 */
bool answer_sign_geo_set(const struct geo_name *g, const struct geo_picked *p,
                         int family, const uint8_t *owner, size_t ownerlen,
                         uint64_t owner_hash, uint8_t *buf, size_t cap,
                         struct online_set *out);

#endif
