/* SPDX-License-Identifier: MIT */
/*
 * dnsd/rrsig.c: RRSIG RDATA for an RRset (RFC 4034 §3.1.8.1, §6) and
 * NSEC type bit maps (§4.1.2).  The signed data is built in one stack
 * buffer and handed to OpenSSL whole: Ed25519 signs only in one shot.
 */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/rrsig.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include "dnsd/dnssec_key.h"

/* The most records of one RRset rrsig_make() sorts; it refuses more. */
#define RRSIG_RRS_MAX 1024
#define CLASS_IN 1

/*
 * One record of the set: its RDATA, and the octets [lo, hi) of it that
 * hold names canonical form lower-cases.  Where a type has two names they
 * are adjacent, so one range covers both.
 */
struct rec {
	const uint8_t *rd;
	uint16_t len;
	uint16_t lo, hi;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The length of the uncompressed wire name at p[off..len), or 0 if it
 * runs past the end or holds a compression pointer. */
static size_t
name_len(const uint8_t *p, size_t len, size_t off)
{
	size_t i = off;

	while (i < len && i - off < 255) {
		if (p[i] == 0)
			return i + 1 - off;
		if (p[i] > 63)
			return 0;
		i += 1u + p[i];
	}
	return 0;
}

static bool
is_name(const uint8_t *p, size_t len)
{
	return len > 0 && name_len(p, len, 0) == len;
}

/*
 * Where the names of a `type` RDATA start, and how many adjacent names
 * there are: the types of RFC 4034 §6.2 item 3 that hold names, less NSEC
 * (RFC 6840 §5.1; HINFO holds none).  Returns the count, 0 for none.
 */
static int
names_at(uint16_t type, const uint8_t *rd, size_t len, size_t *at)
{
	size_t o;

	switch (type) {
	case 2:  /* NS */
	case 3:  /* MD */
	case 4:  /* MF */
	case 5:  /* CNAME */
	case 7:  /* MB */
	case 8:  /* MG */
	case 9:  /* MR */
	case 12: /* PTR */
	case 30: /* NXT: then a bit map */
	case 39: /* DNAME */
		*at = 0;
		return 1;
	case 6:  /* SOA: then five counters */
	case 14: /* MINFO */
	case 17: /* RP */
		*at = 0;
		return 2;
	case 15: /* MX */
	case 18: /* AFSDB */
	case 21: /* RT */
	case 36: /* KX */
		*at = 2;
		return 1;
	case 26: /* PX */
		*at = 2;
		return 2;
	case 33: /* SRV */
		*at = 6;
		return 1;
	case 24: /* SIG */
	case 46: /* RRSIG: the signer's name */
		*at = 18;
		return 1;
	case 35: /* NAPTR: order, preference, three strings, replacement */
		o = 4;
		for (int i = 0; i < 3 && o < len; i++)
			o += 1u + rd[o];
		*at = o;
		return 1;
	case 38: /* A6 (RFC 2874 §3.1.1): a prefix name if the prefix is */
		if (len < 1 || rd[0] == 0 || rd[0] > 128)
			return 0;
		*at = 1u + (128u - rd[0] + 7u) / 8u;
		return 1;
	default:
		return 0;
	}
}

/* Fill r for the RDATA rd[0..len); false if its names are malformed. */
static bool
rec_init(struct rec *r, uint16_t type, const uint8_t *rd, uint16_t len)
{
	size_t at = 0, end;
	int n = names_at(type, rd, len, &at);

	r->rd = rd;
	r->len = len;
	r->lo = r->hi = 0;
	end = at;
	for (int i = 0; i < n; i++) {
		size_t l = name_len(rd, len, end);

		if (l == 0)
			return false;
		end += l;
	}
	if (n > 0) {
		r->lo = (uint16_t)at;
		r->hi = (uint16_t)end;
	}
	return true;
}

static uint8_t
canon_at(const struct rec *r, size_t i)
{
	uint8_t c = r->rd[i];

	if (i >= r->lo && i < r->hi && c >= 'A' && c <= 'Z')
		c += 'a' - 'A';
	return c;
}

/* RFC 4034 §6.3: canonical RDATA as left-justified octet strings. */
static int
rec_cmp(const struct rec *a, const struct rec *b)
{
	size_t n = a->len < b->len ? a->len : b->len;

	for (size_t i = 0; i < n; i++) {
		uint8_t x = canon_at(a, i), y = canon_at(b, i);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return a->len == b->len ? 0 : a->len < b->len ? -1 : 1;
}

/*
 * Parse the set's records into recs[] in canonical order without
 * duplicates (insertion sort: sets are small, and usually come sorted).
 * Returns how many, or 0 if the blob is malformed or holds too many.
 */
static size_t
sort_records(const struct rrsig_set *set, struct rec *recs)
{
	const uint8_t *p = set->rdata, *end = set->rdata + set->rdata_len;
	size_t n = 0;

	if (set->count == 0 || set->count > RRSIG_RRS_MAX)
		return 0;
	for (unsigned m = 0; m < set->count; m++) {
		struct rec r;
		size_t j;
		int c = 1;

		if (end - p < 2 || end - p - 2 < ((p[0] << 8) | p[1]))
			return 0;
		if (!rec_init(&r, set->type, p + 2,
		              (uint16_t)((p[0] << 8) | p[1])))
			return 0;
		p += 2u + r.len;
		for (j = n; j > 0 && (c = rec_cmp(&recs[j - 1], &r)) > 0; j--)
			;
		if (j > 0 && c == 0)
			continue; /* a duplicate: an RRset is a set */
		memmove(&recs[j + 1], &recs[j], (n - j) * sizeof(recs[0]));
		recs[j] = r;
		n++;
	}
	return p == end ? n : 0;
}

/* Labels in the owner name for the RRSIG (RFC 4034 §3.1.3): the root
 * and a leading wildcard label do not count. */
static uint8_t
count_labels(const uint8_t *name)
{
	unsigned n = 0;

	for (size_t i = 0; name[i] != 0; i += 1u + name[i])
		n++;
	if (name[0] == 1 && name[1] == '*')
		n--;
	return (uint8_t)n;
}

/* Sign data[0..len) with k into sig[RRSIG_SIG_LEN] (RFC 6605 §4: ECDSA
 * as r | s, 32 octets each; RFC 8080 §4: Ed25519 as is). */
static int
sign(const struct dnssec_key *k, const uint8_t *data, size_t len, uint8_t *sig)
{
	bool ec = k->algorithm == DNSSEC_ALG_ECDSAP256SHA256;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t der[80]; /* a DER ECDSA-Sig-Value of P-256 takes 72 at most */
	size_t derlen = sizeof(der);
	bool ok;

	ok = ctx != NULL &&
	     EVP_DigestSignInit(ctx, NULL, ec ? EVP_sha256() : NULL, NULL,
	                        k->pkey) == 1 &&
	     EVP_DigestSign(ctx, der, &derlen, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	if (!ec) {
		if (derlen != RRSIG_SIG_LEN)
			return -1;
		memcpy(sig, der, RRSIG_SIG_LEN);
		return 0;
	}
	const uint8_t *q = der;
	ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)derlen);
	const BIGNUM *r, *s;

	if (es == NULL)
		return -1;
	ECDSA_SIG_get0(es, &r, &s);
	ok = BN_bn2binpad(r, sig, 32) == 32 &&
	     BN_bn2binpad(s, sig + 32, 32) == 32;
	ECDSA_SIG_free(es);
	return ok ? 0 : -1;
}

size_t
rrsig_make(const struct dnssec_key *k, const struct rrsig_set *set,
           const uint8_t *signer, size_t signerlen, uint32_t inception,
           uint32_t expiration, uint8_t *out, size_t cap)
{
	uint8_t data[RRSIG_DATA_MAX];
	struct rec recs[RRSIG_RRS_MAX];
	size_t n, len, head = RRSIG_HEAD_LEN + signerlen;

	if (k->pkey == NULL ||
	    (k->algorithm != DNSSEC_ALG_ECDSAP256SHA256 &&
	     k->algorithm != DNSSEC_ALG_ED25519) ||
	    cap < head + RRSIG_SIG_LEN || !is_name(set->owner, set->ownerlen) ||
	    !is_name(signer, signerlen))
		return 0;
	n = sort_records(set, recs);
	if (n == 0)
		return 0;

	/* RFC 4034 §3.1.8.1: RRSIG_RDATA (less the signature), then each
	 * RR as owner | type | class | TTL | RDATA length | RDATA. */
	put16(data, set->type);
	data[2] = k->algorithm;
	data[3] = count_labels(set->owner);
	put32(data + 4, set->ttl);
	put32(data + 8, expiration);
	put32(data + 12, inception);
	put16(data + 16, k->tag);
	memcpy(data + RRSIG_HEAD_LEN, signer, signerlen);
	len = head;
	for (size_t i = 0; i < n; i++) {
		const struct rec *r = &recs[i];
		uint8_t *p = data + len;

		if (sizeof(data) - len < set->ownerlen + 10u + r->len)
			return 0;
		memcpy(p, set->owner, set->ownerlen);
		p += set->ownerlen;
		put16(p, set->type);
		put16(p + 2, CLASS_IN);
		put32(p + 4, set->ttl);
		put16(p + 8, r->len);
		p += 10;
		for (size_t j = 0; j < r->len; j++)
			p[j] = canon_at(r, j);
		len += set->ownerlen + 10u + r->len;
	}
	if (sign(k, data, len, out + head) != 0)
		return 0;
	memcpy(out, data, head);
	return head + RRSIG_SIG_LEN;
}

size_t
nsec_bitmap(const uint16_t *types, size_t n, uint8_t *out, size_t cap)
{
	size_t len = 0;
	unsigned next = 0; /* the lowest window not yet written */

	/* Windows in increasing order, each found by a pass over `types`:
	 * the lists are short, and this needs no sorting and no 8 KiB map. */
	for (;;) {
		uint8_t bits[32] = {0};
		unsigned win = 256, used = 0;

		for (size_t i = 0; i < n; i++) {
			unsigned w = types[i] >> 8;

			if (w >= next && w < win)
				win = w;
		}
		if (win == 256)
			return len;
		for (size_t i = 0; i < n; i++) {
			unsigned lo = types[i] & 0xffu;

			if ((unsigned)(types[i] >> 8) != win)
				continue;
			bits[lo / 8] |= (uint8_t)(0x80u >> (lo % 8));
			if (lo / 8 + 1 > used)
				used = lo / 8 + 1;
		}
		if (cap - len < 2u + used)
			return 0;
		out[len++] = (uint8_t)win;
		out[len++] = (uint8_t)used;
		memcpy(out + len, bits, used);
		len += used;
		next = win + 1;
	}
}
