/* SPDX-License-Identifier: MIT */
/*
 * dnsd/rrsig.h: RRSIG records made for an RRset (RFC 4034 §3, §6): the
 * RRset put in canonical form and order, and signed by OpenSSL.  Used at
 * load for static data and on the answer path for the RRsets only known
 * then (a geo answer after a health change, compact denial): no allocation
 * of ours (OpenSSL's signing contexts allocate), no lock, no log.
 */
#ifndef DNSD_RRSIG_H
#define DNSD_RRSIG_H

#include <stddef.h>
#include <stdint.h>

struct dnssec_key;

/* The fixed fields of RRSIG RDATA before the signer's name (§3.1). */
#define RRSIG_HEAD_LEN 18
/* Both algorithms' signatures (ECDSA P-256 r|s, Ed25519) take 64 octets. */
#define RRSIG_SIG_LEN 64
/* The most RRSIG RDATA can take: head, a signer name, a signature. */
#define RRSIG_RDATA_MAX (RRSIG_HEAD_LEN + 255 + RRSIG_SIG_LEN)
/* The largest canonical RRset (with the RRSIG head) rrsig_make() signs. */
#define RRSIG_DATA_MAX 65536

/*
 * An RRset as the zonedb keeps it: `count` records laid out as (u16
 * rdlength, rdata), in any order and case.  `owner` is a wire name in
 * canonical (lower-case) form.
 */
struct rrsig_set {
	const uint8_t *owner;
	size_t ownerlen;
	uint16_t type;
	uint32_t ttl;
	uint16_t count;
	const uint8_t *rdata;
	size_t rdata_len;
};

/*
 * Sign `set` with `k` for the zone with canonical wire apex `signer`,
 * valid from `inception` to `expiration` (seconds since the epoch, RFC
 * 4034 §3.1.5): the records are put in canonical form (§6.2: names in the
 * RDATA of the types listed there lower-cased, as amended by RFC 6840
 * §5.1), sorted in canonical order (§6.3, duplicates removed) and signed
 * with the RRSIG's own fields first (§3.1.8.1).  The label count leaves
 * out a leading "*" (§3.1.3).  Writes the RRSIG RDATA to out[0..cap) and
 * returns its length, or 0 when the RRset is larger than RRSIG_DATA_MAX in
 * canonical form, `cap` is too small or OpenSSL failed.  Thread-safe.
 */
size_t rrsig_make(const struct dnssec_key *k, const struct rrsig_set *set,
                  const uint8_t *signer, size_t signerlen, uint32_t inception,
                  uint32_t expiration, uint8_t *out, size_t cap);

/*
 * The type bit maps of an NSEC record (RFC 4034 §4.1.2) for the `n` types
 * of `types` (any order; duplicates allowed), written to out[0..cap).
 * Returns the length, or 0 if it does not fit (34 octets per window
 * at most).
 */
size_t nsec_bitmap(const uint16_t *types, size_t n, uint8_t *out, size_t cap);

#endif
