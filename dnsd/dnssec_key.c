/* SPDX-License-Identifier: MIT */
/*
 * dnsd/dnssec_key.c: a DNSSEC key pair read from BIND-format files with
 * ldns, checked against the zone, and kept as an OpenSSL key for signing.
 */
#include "dnsd/dnssec_key.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/compiler.h"
#include "common/xalloc.h"

#define DNSKEY_PROTOCOL 3 /* RFC 4034 §2.1.2: anything else is invalid */
#define DS_DIGEST_SHA256 2

static void ATTR_PRINTF(3, 4)
    say(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* The public key's length in a DNSKEY of `alg` (RFC 6605 §4, RFC 8080
 * §3), or 0 for an algorithm we do not sign with. */
static size_t
pubkey_len(unsigned alg)
{
	switch (alg) {
	case DNSSEC_ALG_ECDSAP256SHA256:
		return 64;
	case DNSSEC_ALG_ED25519:
		return 32;
	default:
		return 0;
	}
}

static bool
name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return false;
	/* Length octets are below 64, so folding them is harmless. */
	for (size_t i = 0; i < alen; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return false;
	}
	return true;
}

/*
 * Take the DNSKEY `rr` into k (algorithm, flags, RDATA, tag) after
 * checking it belongs to the zone and is one we can sign with.
 */
static int
take_dnskey(struct dnssec_key *k, const char *file, const ldns_rr *rr,
            const uint8_t *apex, size_t apexlen, char *why, size_t whylen)
{
	const ldns_rdf *owner = ldns_rr_owner(rr);

	if (!name_eq(ldns_rdf_data(owner), ldns_rdf_size(owner), apex,
	             apexlen)) {
		ldns_rdf *a =
		    ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, apexlen, apex);
		char *o = ldns_rdf2str(owner), *t = ldns_rdf2str(a);

		say(why, whylen,
		    "%s: the DNSKEY is for %s, not for the zone %s", file,
		    o ? o : "?", t ? t : "?");
		free(o);
		free(t);
		ldns_rdf_deep_free(a);
		return -1;
	}
	if (ldns_rr_rd_count(rr) != 4) {
		say(why, whylen, "%s: the DNSKEY does not have 4 fields", file);
		return -1;
	}
	uint16_t flags = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
	uint8_t proto = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
	uint8_t alg = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
	const ldns_rdf *key = ldns_rr_rdf(rr, 3);
	size_t keylen = ldns_rdf_size(key);

	if (proto != DNSKEY_PROTOCOL) {
		say(why, whylen, "%s: the DNSKEY's protocol is %u, not 3", file,
		    proto);
		return -1;
	}
	if (pubkey_len(alg) == 0) {
		say(why, whylen,
		    "algorithm %u is not supported: use 13 (ECDSAP256SHA256) "
		    "or 15 (ED25519)",
		    alg);
		return -1;
	}
	if (!(flags & DNSKEY_FLAG_ZONE)) {
		say(why, whylen,
		    "%s: the DNSKEY's flags %u lack the zone key bit (256)",
		    file, flags);
		return -1;
	}
	if (keylen != pubkey_len(alg)) {
		say(why, whylen,
		    "%s: the DNSKEY's public key is %zu octets, not %zu", file,
		    keylen, pubkey_len(alg));
		return -1;
	}
	k->flags = flags;
	k->algorithm = alg;
	k->dnskey[0] = (uint8_t)(flags >> 8);
	k->dnskey[1] = (uint8_t)flags;
	k->dnskey[2] = proto;
	k->dnskey[3] = alg;
	memcpy(k->dnskey + 4, ldns_rdf_data(key), keylen);
	k->dnskey_len = (uint16_t)(4 + keylen);
	k->tag = ldns_calc_keytag_raw(k->dnskey, k->dnskey_len);
	return 0;
}

static int
read_dnskey(struct dnssec_key *k, const char *file, const uint8_t *apex,
            size_t apexlen, char *why, size_t whylen)
{
	FILE *fp = fopen(file, "r");
	ldns_zone *z = NULL;
	ldns_rr_list *rrs;
	ldns_status s;
	int rc = -1;

	if (fp == NULL) {
		say(why, whylen, "cannot open %s: %s", file, strerror(errno));
		return -1;
	}
	s = ldns_zone_new_frm_fp(&z, fp, NULL, 0, LDNS_RR_CLASS_IN);
	fclose(fp);
	if (s != LDNS_STATUS_OK) {
		say(why, whylen, "%s: %s", file, ldns_get_errorstr_by_id(s));
		return -1;
	}
	rrs = ldns_zone_rrs(z);
	/* ldns keeps a SOA apart from the other records. */
	if (ldns_zone_soa(z) != NULL || ldns_rr_list_rr_count(rrs) != 1 ||
	    ldns_rr_get_type(ldns_rr_list_rr(rrs, 0)) != LDNS_RR_TYPE_DNSKEY)
		say(why, whylen, "%s does not hold exactly one DNSKEY record",
		    file);
	else
		rc = take_dnskey(k, file, ldns_rr_list_rr(rrs, 0), apex,
		                 apexlen, why, whylen);
	ldns_zone_deep_free(z);
	return rc;
}

/* Whether `pk` is the private half of k's DNSKEY: same key type, and the
 * public key derived from it equals the one published. */
static bool
pair_matches(EVP_PKEY *pk, const struct dnssec_key *k)
{
	uint8_t pub[1 + 64], *p = pub;
	size_t len = sizeof(pub);

	if (k->algorithm == DNSSEC_ALG_ED25519)
		return EVP_PKEY_is_a(pk, "ED25519") &&
		       EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 &&
		       len == 32 && memcmp(pub, k->dnskey + 4, 32) == 0;
	/*
	 * An uncompressed P-256 point: 0x04, then x and y (RFC 6605 §4).
	 * ldns builds a legacy EC_KEY, whose parameters OpenSSL 3 does not
	 * export reliably; i2d_PublicKey() encodes the point for any EC key.
	 */
	return EVP_PKEY_is_a(pk, "EC") && i2d_PublicKey(pk, NULL) == 65 &&
	       i2d_PublicKey(pk, &p) == 65 && pub[0] == 0x04 &&
	       memcmp(pub + 1, k->dnskey + 4, 64) == 0;
}

static int
read_private(struct dnssec_key *k, const char *file, char *why, size_t whylen)
{
	FILE *fp = fopen(file, "r");
	ldns_key *lk = NULL;
	EVP_PKEY *pk;
	ldns_status s;

	if (fp == NULL) {
		say(why, whylen, "cannot open %s: %s", file, strerror(errno));
		return -1;
	}
	s = ldns_key_new_frm_fp(&lk, fp);
	fclose(fp);
	if (s != LDNS_STATUS_OK) {
		say(why, whylen, "%s: %s", file, ldns_get_errorstr_by_id(s));
		return -1;
	}
	pk = ldns_key_evp_key(lk);
	if (pk == NULL || !pair_matches(pk, k)) {
		say(why, whylen, "the private key does not match the DNSKEY");
		ldns_key_deep_free(lk);
		return -1;
	}
	/* ldns_key_deep_free() drops ldns's reference; keep ours. */
	EVP_PKEY_up_ref(pk);
	k->pkey = pk;
	ldns_key_deep_free(lk);
	return 0;
}

static bool
has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && strcmp(s + len - n, suffix) == 0;
}

int
dnssec_key_load(struct dnssec_key *k, const char *path, const uint8_t *apex,
                size_t apexlen, char *why, size_t whylen)
{
	size_t n = strlen(path);
	char *keyfile, *privfile;
	int rc = -1;

	memset(k, 0, sizeof(*k));
	if (has_suffix(path, n, ".key"))
		n -= strlen(".key");
	else if (has_suffix(path, n, ".private"))
		n -= strlen(".private");
	keyfile = xasprintf("%.*s.key", (int)n, path);
	privfile = xasprintf("%.*s.private", (int)n, path);
	if (read_dnskey(k, keyfile, apex, apexlen, why, whylen) == 0 &&
	    read_private(k, privfile, why, whylen) == 0) {
		k->path = xstrdup(path);
		k->state = DNSSEC_KEY_ACTIVE;
		rc = 0;
	}
	free(keyfile);
	free(privfile);
	if (rc != 0)
		dnssec_key_clear(k);
	return rc;
}

void
dnssec_key_clear(struct dnssec_key *k)
{
	free(k->path);
	EVP_PKEY_free(k->pkey);
	memset(k, 0, sizeof(*k));
}

int
dnssec_key_ds(const struct dnssec_key *k, const uint8_t *apex, size_t apexlen,
              uint8_t out[DS_RDATA_LEN])
{
	/* RFC 4034 §5.1.4: digest = hash(owner name | DNSKEY RDATA). */
	uint8_t buf[255 + DNSKEY_RDATA_MAX];
	unsigned int len = 0;

	if (apexlen > 255 || k->dnskey_len > DNSKEY_RDATA_MAX)
		return -1;
	memcpy(buf, apex, apexlen);
	memcpy(buf + apexlen, k->dnskey, k->dnskey_len);
	out[0] = (uint8_t)(k->tag >> 8);
	out[1] = (uint8_t)k->tag;
	out[2] = k->algorithm;
	out[3] = DS_DIGEST_SHA256;
	if (EVP_Digest(buf, apexlen + k->dnskey_len, out + 4, &len,
	               EVP_sha256(), NULL) != 1 ||
	    len != 32)
		return -1;
	return 0;
}
