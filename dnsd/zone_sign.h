/* SPDX-License-Identifier: MIT */
/*
 * dnsd/zone_sign.h: a zone's DNSSEC signing at load (zones/README.md,
 * "DNSSEC"): every RRset of its static data gets its RRSIGs, every name
 * the NSEC that compact denial answers NODATA with (RFC 9824), and each
 * geo name the signatures of the answers its compiled map gives with all
 * edges up.  What only a query can tell (an NXDOMAIN name, a wildcard's
 * expansion, a geo answer after a health change) is signed on the answer
 * path (answer_sign.h).  Load path.
 */
#ifndef DNSD_ZONE_SIGN_H
#define DNSD_ZONE_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "dnsd/dnssec_key.h"

struct arena;
struct errbuf;
struct sigcache;
struct zone;
struct znode;

/* Keys that sign one zone's data at once: two during a rollover. */
#define ZONE_SIGNERS 2

/* A zone's keys and how long its signatures last. */
struct zone_keys {
	struct dnssec_key *key; /* as configured, in order (owned) */
	size_t n;
	uint32_t validity; /* seconds a signature is valid from its making */
	uint32_t refresh;  /* seconds after which the server signs again */
	uint32_t dnskey_ttl;
	uint32_t inception, expiration; /* of the signatures made at load */
	/* geo answers signed at load, and how many of them the signature
	 * cache holds pinned (sigcache_pin()) */
	uint32_t presigned, pinned;
	/*
	 * Who signs: with an active key-signing key (SEP) and an active
	 * zone-signing key, the KSKs sign DNSKEY, CDS and CDNSKEY and the
	 * ZSKs the rest; otherwise every active key signs everything (a
	 * combined signing key).  Indexes into key[].
	 */
	unsigned zsk[ZONE_SIGNERS], nzsk;
	unsigned ksk[ZONE_SIGNERS], nksk;
};

/*
 * Work out who signs (nzsk, zsk[], nksk, ksk[]) from the keys' flags and
 * states.  An error, in why[0..whylen), if no key is active or more than
 * ZONE_SIGNERS would sign one RRset.  Returns 0 or -1.
 */
int zone_keys_roles(struct zone_keys *keys, char *why, size_t whylen);

/* A key's role as dnsdctl prints it: "KSK", "ZSK" or "CSK". */
const char *zone_keys_role(const struct zone_keys *keys, size_t i);

/* Does key i go into CDS/CDNSKEY (RFC 7344): it signs, or will sign, the
 * DNSKEY RRset. */
bool zone_keys_at_parent(const struct zone_keys *keys, size_t i);

void zone_keys_free(struct zone_keys *keys); /* NULL is a no-op */

/*
 * Sign zone `z` (built, checked, with the mutable view of its nodes
 * nodes[0..mask] of zone_build.c) with z->keys at time `now`: RRSIGs for
 * each RRset the zone is authoritative for, an NSEC (and its RRSIGs) for
 * each name not below a cut, in `arena`; then the answers of its geo
 * names into `cache`.  Returns 0, or -1 with the error in `err`.
 */
int zone_sign(struct zone *z, struct znode **nodes, uint32_t mask,
              struct arena *arena, struct sigcache *cache, time_t now,
              struct errbuf *err);

#endif
