/* SPDX-License-Identifier: MIT */
/*
 * dnsd/dnssec_key.h: a zone's DNSSEC keys, read from the files that
 * ldns-keygen and dnssec-keygen write (BIND format: Kname.+alg+tag.key
 * holds the DNSKEY record, .private the private key).  Algorithms 13
 * (ECDSA P-256 with SHA-256) and 15 (Ed25519).  Load path, except that
 * the key is used read-only by rrsig_make() on any thread.
 */
#ifndef DNSD_DNSSEC_KEY_H
#define DNSD_DNSSEC_KEY_H

#include <stddef.h>
#include <stdint.h>

#define DNSSEC_ALG_ECDSAP256SHA256 13
#define DNSSEC_ALG_ED25519 15

/* DNSKEY flags (RFC 4034 §2.1.1): a zone key; with SEP, a key-signing key. */
#define DNSKEY_FLAG_ZONE 0x0100
#define DNSKEY_FLAG_SEP 0x0001

/* DNSKEY RDATA: flags, protocol, algorithm, a P-256 point (64 octets) or
 * an Ed25519 key (32). */
#define DNSKEY_RDATA_MAX (4 + 64)
/* DS RDATA with a SHA-256 digest (RFC 4509): tag, algorithm, type 2. */
#define DS_RDATA_LEN (4 + 32)

/* Where a key stands in a rollover (zones/README.md). */
enum dnssec_key_state {
	DNSSEC_KEY_PUBLISH, /* its DNSKEY is published; it signs nothing */
	DNSSEC_KEY_ACTIVE,  /* published and signing */
	DNSSEC_KEY_RETIRE,  /* still published; signs nothing any more */
};

struct dnssec_key {
	char *path; /* as configured, for messages and dnsdctl (owned) */
	enum dnssec_key_state state;
	uint8_t algorithm;
	uint16_t flags; /* DNSKEY_FLAG_*: 257 a KSK, 256 a ZSK */
	uint16_t tag;   /* RFC 4034 Appendix B */
	uint8_t dnskey[DNSKEY_RDATA_MAX];
	uint16_t dnskey_len;
	void *pkey; /* EVP_PKEY *, owned; read-only once loaded */
};

/*
 * Read key `path` for the zone whose canonical wire apex is apex[0..len):
 * `path` is the files' common stem ("Kexample.net.+013+12345") or either
 * file's name.  Checks that the .key holds one DNSKEY for the apex, of
 * algorithm 13 or 15, with the zone flag, and that the private key is
 * its pair.  On error writes why into why[0..whylen) ("cannot open
 * ...: No such file or directory", "algorithm 8 is not supported: use
 * 13 or 15", "the private key does not match the DNSKEY", ...) and
 * returns -1; else 0, with k->path a copy of `path` and k->state ACTIVE.
 */
int dnssec_key_load(struct dnssec_key *k, const char *path, const uint8_t *apex,
                    size_t apexlen, char *why, size_t whylen);

/* Free what k holds; k may be zeroed or half-loaded. */
void dnssec_key_clear(struct dnssec_key *k);

/*
 * The DS RDATA of `k` for `apex` with a SHA-256 digest (RFC 4509),
 * written to out[0..DS_RDATA_LEN).  Returns 0, or -1 if hashing failed.
 */
int dnssec_key_ds(const struct dnssec_key *k, const uint8_t *apex,
                  size_t apexlen, uint8_t out[DS_RDATA_LEN]);

#endif
