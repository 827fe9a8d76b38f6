/* SPDX-License-Identifier: MIT */
/*
 * dnsd/sigcache.h: RRSIGs made on the answer path (a geo answer's RRset,
 * compact denial's NSEC, a wildcard's expansion), kept so that the next
 * query for the same RRset copies them instead of signing again.  One
 * fixed table per snapshot, shared by every answering thread: a lookup
 * takes no lock and writes nothing; a store that finds its slot being
 * written by another thread gives up (the signature is still sent).  Each
 * slot carries a sequence number, odd while it is written: a reader that
 * sees it change under its copy treats the lookup as a miss (a seqlock).
 * Entries live as long as the snapshot, which the server rebuilds before
 * its signatures' refresh time.  The geo answers signed at load are
 * pinned: no later store pushes them out, so a flood of names that do not
 * exist, each with a signature of its own, cannot make the answers every
 * client gets be signed again.  Hot path except _new, _pin and _free.
 */
#ifndef DNSD_SIGCACHE_H
#define DNSD_SIGCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsd/rrsig.h"

/* Slots of a snapshot's cache (of about 200 octets each): the answers of
 * the geo names, and the names that do not exist of the moment. */
#define SIGCACHE_ENTRIES 16384

/* Signatures one RRset carries at most: the signing keys of a rollover. */
#define SIGCACHE_SIGS 2

/*
 * What an RRset is: a hash of its owner name (lower case), its type, and
 * an order-independent hash of its records; two 64-bit hashes make a
 * collision (which would send a signature that does not validate)
 * negligible.
 */
struct sigcache_key {
	uint64_t owner;
	uint64_t content;
	uint16_t type;
};

/* The RRSIG RDATA of one signature without the signer's name, which is
 * the zone's apex: the head and the signature. */
struct sigcache_sig {
	uint8_t head[RRSIG_HEAD_LEN];
	uint8_t sig[RRSIG_SIG_LEN];
};

struct sigcache;

/* A cache of at least `entries` slots (rounded up to a power of two).
 * Returns new.  Load path. */
struct sigcache *sigcache_new(size_t entries);
void sigcache_free(struct sigcache *c); /* NULL is a no-op */

/* Copy the signatures stored for `k` into out[]; returns how many (0: not
 * there). */
unsigned sigcache_get(struct sigcache *c, const struct sigcache_key *k,
                      struct sigcache_sig out[SIGCACHE_SIGS]);

/* Store the `n` (1..SIGCACHE_SIGS) signatures of `k`, replacing the
 * oldest entry of its set of slots that is not pinned. */
void sigcache_put(struct sigcache *c, const struct sigcache_key *k,
                  const struct sigcache_sig *sig, unsigned n);

/*
 * Store them pinned, for as long as the cache lives: at most half the
 * slots of a set are pinned, so the answer path always has room; past
 * that the entry is stored as sigcache_put() would.  Returns whether it
 * was pinned.  Load path: before the cache is shared.
 */
bool sigcache_pin(struct sigcache *c, const struct sigcache_key *k,
                  const struct sigcache_sig *sig, unsigned n);

#endif
