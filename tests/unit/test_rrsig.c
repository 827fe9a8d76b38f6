/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_rrsig.c: RRSIGs made by rrsig_make() with fresh
 * ldns-keygen keys of both algorithms, verified by ldns (which puts the
 * RRset in canonical form and order itself); NSEC bit maps compared with
 * ldns's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>
#include <openssl/evp.h>

#include "common/xalloc.h"
#include "dnsd/dnssec_key.h"
#include "dnsd/rrsig.h"
#include "tests/lib/keydir.h"

#define INCEPTION 1700000000u
#define EXPIRATION 1800000000u
#define CHECK_TIME 1750000000 /* between the two */
#define NKEYS 4

struct fix {
	char *dir;
	struct dnssec_key key[NKEYS]; /* KSK 13, ZSK 13, KSK 15, ZSK 15 */
	ldns_rr *dnskey[NKEYS];
	ldns_rdf *apex;
};

/* An RRset from presentation lines: as rrsig_make() takes it (every
 * line, as written) and as ldns verifies it (canonical duplicates
 * dropped, since an RRset is a set). */
struct tset {
	struct rrsig_set set;
	uint8_t owner[256];
	uint8_t *blob;
	ldns_rr_list *list;
};

static char *
keygen(const char *dir, const char *args)
{
	char *stem = keydir_keygen(dir, args);

	if (stem == NULL)
		fail_msg("ldns-keygen %s failed in %s", args, dir);
	return stem;
}

static int
group_setup(void **state)
{
	static const char *const args[NKEYS] = {
	    "-a ECDSAP256SHA256 -k example.net",
	    "-a ECDSAP256SHA256 example.net",
	    "-a ED25519 -k example.net",
	    "-a ED25519 example.net",
	};
	struct fix *f = xcalloc(1, sizeof(*f));

	f->dir = keydir_new("test_rrsig");
	assert_non_null(f->dir);
	f->apex = ldns_dname_new_frm_str("example.net.");
	for (int i = 0; i < NKEYS; i++) {
		char *stem = keygen(f->dir, args[i]);
		char *path = xasprintf("%s.key", stem);
		char why[256];
		FILE *fp = fopen(path, "r");

		if (dnssec_key_load(&f->key[i], stem, ldns_rdf_data(f->apex),
		                    ldns_rdf_size(f->apex), why,
		                    sizeof(why)) != 0)
			fail_msg("%s: %s", stem, why);
		assert_non_null(fp);
		assert_int_equal(
		    ldns_rr_new_frm_fp(&f->dnskey[i], fp, NULL, NULL, NULL),
		    LDNS_STATUS_OK);
		fclose(fp);
		free(path);
		free(stem);
	}
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fix *f = *state;
	keydir_free(f->dir);
	for (int i = 0; i < NKEYS; i++) {
		dnssec_key_clear(&f->key[i]);
		ldns_rr_free(f->dnskey[i]);
	}
	ldns_rdf_deep_free(f->apex);
	free(f);
	return 0;
}

static ldns_rr *
rr_of(const char *text)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
		fail_msg("cannot parse \"%s\"", text);
	return rr;
}

static void
tset_init(struct tset *t, const char *const *lines, size_t n)
{
	ldns_buffer *b = ldns_buffer_new(65536);
	ldns_rr *first = rr_of(lines[0]);
	ldns_rdf *owner = ldns_rdf_clone(ldns_rr_owner(first));

	memset(t, 0, sizeof(*t));
	ldns_dname2canonical(owner);
	memcpy(t->owner, ldns_rdf_data(owner), ldns_rdf_size(owner));
	t->set.owner = t->owner;
	t->set.ownerlen = ldns_rdf_size(owner);
	t->set.type = (uint16_t)ldns_rr_get_type(first);
	t->set.ttl = ldns_rr_ttl(first);
	t->list = ldns_rr_list_new();
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = rr_of(lines[i]);
		size_t at = ldns_buffer_position(b);
		bool dup = false;

		/* The RDATA as written: ldns does not change its case. */
		ldns_buffer_write_u16(b, 0);
		assert_int_equal(ldns_rr_rdata2buffer_wire(b, rr),
		                 LDNS_STATUS_OK);
		ldns_buffer_write_u16_at(
		    b, at, (uint16_t)(ldns_buffer_position(b) - at - 2));
		for (size_t j = 0; j < ldns_rr_list_rr_count(t->list); j++)
			dup |= ldns_rr_compare(ldns_rr_list_rr(t->list, j),
			                       rr) == 0;
		if (dup)
			ldns_rr_free(rr);
		else
			ldns_rr_list_push_rr(t->list, rr);
	}
	t->set.count = (uint16_t)n;
	t->set.rdata_len = ldns_buffer_position(b);
	t->blob = xmalloc(t->set.rdata_len);
	memcpy(t->blob, ldns_buffer_begin(b), t->set.rdata_len);
	t->set.rdata = t->blob;
	ldns_rdf_deep_free(owner);
	ldns_rr_free(first);
	ldns_buffer_free(b);
}

static void
tset_fini(struct tset *t)
{
	free(t->blob);
	ldns_rr_list_deep_free(t->list);
}

/* The RRSIG record for rdata[0..len), with the RRset's owner and TTL. */
static ldns_rr *
rrsig_rr(const struct tset *t, const uint8_t *rdata, size_t len)
{
	uint8_t wire[1024];
	size_t n = 0, pos = 0;
	ldns_rr *rr = NULL;

	memcpy(wire, t->owner, t->set.ownerlen);
	n = t->set.ownerlen;
	wire[n++] = 0;
	wire[n++] = LDNS_RR_TYPE_RRSIG;
	wire[n++] = 0;
	wire[n++] = LDNS_RR_CLASS_IN;
	ldns_write_uint32(wire + n, t->set.ttl);
	n += 4;
	ldns_write_uint16(wire + n, (uint16_t)len);
	n += 2;
	memcpy(wire + n, rdata, len);
	n += len;
	assert_int_equal(ldns_wire2rr(&rr, wire, n, &pos, LDNS_SECTION_ANSWER),
	                 LDNS_STATUS_OK);
	return rr;
}

static ldns_status
verify(const struct fix *f, int key, ldns_rr_list *rrset, ldns_rr *sig)
{
	ldns_rr_list *keys = ldns_rr_list_new(), *good = ldns_rr_list_new();
	ldns_status s;

	ldns_rr_list_push_rr(keys, f->dnskey[key]);
	s = ldns_verify_rrsig_keylist_time(rrset, sig, keys, CHECK_TIME, good);
	ldns_rr_list_free(keys);
	ldns_rr_list_free(good);
	return s;
}

/*
 * Ed25519 signatures are deterministic: sign the data ldns builds for
 * verification (RFC 4034 §3.1.8.1, canonical form and order) with the
 * same key, and the two signatures must be the same octets.
 */
static void
same_signed_data(const struct fix *f, int key, const struct tset *t,
                 ldns_rr *sig, const uint8_t *got)
{
	ldns_buffer *b = ldns_buffer_new(65536);
	ldns_rr_list *c = ldns_rr_list_clone(t->list);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t want[64];
	size_t len = sizeof(want);

	ldns_rr_list2canonical(c);
	ldns_rr_list_sort(c);
	assert_int_equal(ldns_rrsig2buffer_wire(b, sig), LDNS_STATUS_OK);
	assert_int_equal(ldns_rr_list2buffer_wire(b, c), LDNS_STATUS_OK);
	assert_int_equal(
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, f->key[key].pkey), 1);
	assert_int_equal(EVP_DigestSign(ctx, want, &len, ldns_buffer_begin(b),
	                                ldns_buffer_position(b)),
	                 1);
	assert_memory_equal(got, want, sizeof(want));
	EVP_MD_CTX_free(ctx);
	ldns_rr_list_deep_free(c);
	ldns_buffer_free(b);
}

/* Sign `lines` with every key; ldns must accept each signature for the
 * RRset of `check` (the same lines when NULL). */
static void
sign_and_verify(const struct fix *f, const char *const *lines, size_t n,
                const char *const *check, size_t ncheck)
{
	struct tset t, c;

	tset_init(&t, lines, n);
	tset_init(&c, check ? check : lines, check ? ncheck : n);
	for (int i = 0; i < NKEYS; i++) {
		uint8_t out[RRSIG_RDATA_MAX];
		size_t len =
		    rrsig_make(&f->key[i], &t.set, ldns_rdf_data(f->apex),
		               ldns_rdf_size(f->apex), INCEPTION, EXPIRATION,
		               out, sizeof(out));
		ldns_rr *sig;
		ldns_status s;

		assert_int_equal(len, RRSIG_HEAD_LEN + ldns_rdf_size(f->apex) +
		                          RRSIG_SIG_LEN);
		sig = rrsig_rr(&t, out, len);
		s = verify(f, i, c.list, sig);
		if (s != LDNS_STATUS_OK)
			fail_msg("key %d, %s: %s", i, lines[0],
			         ldns_get_errorstr_by_id(s));
		if (f->key[i].algorithm == DNSSEC_ALG_ED25519 && check == NULL)
			same_signed_data(f, i, &t, sig, out + len - 64);
		ldns_rr_free(sig);
	}
	tset_fini(&t);
	tset_fini(&c);
}

/* Sign `lines`, then verify against the RRset of `other`: must fail. */
static void
tampered(const struct fix *f, const char *const *lines,
         const char *const *other, size_t n)
{
	struct tset t, c;

	tset_init(&t, lines, n);
	tset_init(&c, other, n);
	for (int i = 0; i < NKEYS; i++) {
		uint8_t out[RRSIG_RDATA_MAX];
		size_t len =
		    rrsig_make(&f->key[i], &t.set, ldns_rdf_data(f->apex),
		               ldns_rdf_size(f->apex), INCEPTION, EXPIRATION,
		               out, sizeof(out));
		ldns_rr *sig;

		assert_int_not_equal(len, 0);
		sig = rrsig_rr(&t, out, len);
		assert_int_equal(verify(f, i, t.list, sig), LDNS_STATUS_OK);
		assert_int_not_equal(verify(f, i, c.list, sig), LDNS_STATUS_OK);
		ldns_rr_free(sig);
		/* One octet flipped in the signature, then in the signed
		 * original TTL (ldns verifies the RRset with that TTL). */
		const size_t flip[] = {len - 1, 6};

		for (size_t j = 0; j < 2; j++) {
			size_t at = flip[j];

			out[at] ^= 0x01;
			sig = rrsig_rr(&t, out, len);
			assert_int_not_equal(verify(f, i, t.list, sig),
			                     LDNS_STATUS_OK);
			ldns_rr_free(sig);
			out[at] ^= 0x01;
		}
	}
	tset_fini(&t);
	tset_fini(&c);
}

#define LINES(...) ((const char *const[]){__VA_ARGS__})
#define NLINES(...)                                                            \
	(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))
#define SIGN(...)                                                              \
	sign_and_verify(f, LINES(__VA_ARGS__), NLINES(__VA_ARGS__), NULL, 0)

/* Out of order, with a duplicate. */
static void
test_a(void **state)
{
	const struct fix *f = *state;

	SIGN("www.example.net. 300 IN A 198.51.100.7",
	     "www.example.net. 300 IN A 192.0.2.3",
	     "www.example.net. 300 IN A 192.0.2.1",
	     "www.example.net. 300 IN A 192.0.2.10",
	     "www.example.net. 300 IN A 192.0.2.1",
	     "www.example.net. 300 IN A 10.0.0.1");
	SIGN("www.example.net. 300 IN AAAA 2001:db8::2",
	     "www.example.net. 300 IN AAAA 2001:db8::1");
	SIGN("one.example.net. 60 IN A 192.0.2.1");
}

/* Names in RDATA are lower-cased for these types: upper-case variants of
 * one record are duplicates. */
static void
test_names_in_rdata(void **state)
{
	const struct fix *f = *state;

	SIGN("example.net. 3600 IN MX 10 MAIL.Example.NET.",
	     "example.net. 3600 IN MX 20 mx2.EXAMPLE.net.",
	     "example.net. 3600 IN MX 10 mail.example.net.",
	     "example.net. 3600 IN MX 5 b.Example.ORG.");
	SIGN("example.net. 3600 IN NS NS1.EXAMPLE.NET.",
	     "example.net. 3600 IN NS ns2.example.net.",
	     "example.net. 3600 IN NS A.NS.example.org.",
	     "example.net. 3600 IN NS ns1.example.net.");
	SIGN("www.example.net. 300 IN CNAME Target.Example.NET.");
	SIGN("example.net. 3600 IN SOA NS1.Example.net. "
	     "HOSTMASTER.example.NET. 2024010101 7200 3600 1209600 300");
	SIGN("_sip._tcp.example.net. 300 IN SRV 10 60 5060 SIP.Example.net.",
	     "_sip._tcp.example.net. 300 IN SRV 10 60 5060 sip2.example.net.");
	SIGN("sub.example.net. 300 IN DNAME Other.Example.ORG.");
	SIGN("1.2.0.192.in-addr.example.net. 300 IN PTR WWW.example.net.");
	SIGN("example.net. 300 IN NAPTR 100 10 \"S\" \"SIP+D2U\" \"\" "
	     "_SIP._udp.Example.net.");
	SIGN("example.net. 300 IN RP Admin.Example.net. TXT.example.NET.");
}

/* TXT keeps its case: "ABC" and "abc" are two records. */
static void
test_txt(void **state)
{
	const struct fix *f = *state;

	SIGN("txt.example.net. 300 IN TXT \"Hello World\"",
	     "txt.example.net. 300 IN TXT \"ABC\" \"def\"",
	     "txt.example.net. 300 IN TXT \"abc\"",
	     "txt.example.net. 300 IN TXT \"ABC\"",
	     "txt.example.net. 300 IN TXT \"\"");
	SIGN("example.net. 300 IN CAA 0 issue \"CA.Example.net\"");
}

static uint8_t
labels_of(const struct fix *f, const char *line)
{
	struct tset t;
	uint8_t out[RRSIG_RDATA_MAX];

	tset_init(&t, &line, 1);
	assert_int_not_equal(rrsig_make(&f->key[1], &t.set,
	                                ldns_rdf_data(f->apex),
	                                ldns_rdf_size(f->apex), INCEPTION,
	                                EXPIRATION, out, sizeof(out)),
	                     0);
	tset_fini(&t);
	return out[3];
}

/* RFC 4034 §3.1.3: the root and a leading "*" are not counted; signed
 * at the wildcard, the RRSIG verifies for any name it expands to. */
static void
test_wildcard(void **state)
{
	const struct fix *f = *state;

	assert_int_equal(labels_of(f, "*.shop.example.net. 300 IN A 192.0.2.9"),
	                 3);
	assert_int_equal(labels_of(f, "a.shop.example.net. 300 IN A 192.0.2.9"),
	                 4);
	assert_int_equal(labels_of(f, "example.net. 300 IN A 192.0.2.9"), 2);
	sign_and_verify(f,
	                LINES("*.shop.example.net. 300 IN A 192.0.2.9",
	                      "*.shop.example.net. 300 IN A 192.0.2.8"),
	                2,
	                LINES("x.y.shop.example.net. 300 IN A 192.0.2.8",
	                      "x.y.shop.example.net. 300 IN A 192.0.2.9"),
	                2);
}

/* An NSEC whose bit map comes from nsec_bitmap(); its next name keeps
 * its case (RFC 6840 §5.1). */
static void
test_nsec(void **state)
{
	const struct fix *f = *state;
	const uint16_t types[] = {LDNS_RR_TYPE_A,     LDNS_RR_TYPE_MX,
	                          LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_NSEC,
	                          LDNS_RR_TYPE_TXT,   LDNS_RR_TYPE_CAA};
	const char *line = "www.example.net. 300 IN NSEC Zz.Example.NET. A "
	                   "MX TXT RRSIG NSEC CAA";
	ldns_rdf *next = ldns_dname_new_frm_str("Zz.Example.NET.");
	uint8_t rdata[2 + 255 + 100];
	size_t len = ldns_rdf_size(next);
	struct tset t;

	/* Sign our RDATA, verify ldns's reading of the line. */
	memcpy(rdata + 2, ldns_rdf_data(next), len);
	len += nsec_bitmap(types, 6, rdata + 2 + len, 100);
	rdata[0] = (uint8_t)(len >> 8);
	rdata[1] = (uint8_t)len;
	tset_init(&t, &line, 1);
	assert_int_equal(t.set.rdata_len, 2 + len);
	assert_memory_equal(t.blob, rdata, 2 + len);
	t.set.rdata = rdata;
	for (int i = 0; i < NKEYS; i++) {
		uint8_t out[RRSIG_RDATA_MAX];
		size_t n =
		    rrsig_make(&f->key[i], &t.set, ldns_rdf_data(f->apex),
		               ldns_rdf_size(f->apex), INCEPTION, EXPIRATION,
		               out, sizeof(out));
		ldns_rr *sig = rrsig_rr(&t, out, n);

		assert_int_equal(verify(f, i, t.list, sig), LDNS_STATUS_OK);
		ldns_rr_free(sig);
	}
	tset_fini(&t);
	ldns_rdf_deep_free(next);
}

static void
test_tampered(void **state)
{
	const struct fix *f = *state;

	tampered(f,
	         LINES("www.example.net. 300 IN A 192.0.2.1",
	               "www.example.net. 300 IN A 192.0.2.2"),
	         LINES("www.example.net. 300 IN A 192.0.2.1",
	               "www.example.net. 300 IN A 192.0.2.3"),
	         2);
	tampered(f, LINES("example.net. 300 IN MX 10 mail.example.net."),
	         LINES("example.net. 300 IN MX 10 mail.example.com."), 1);
	/* TXT is not case-folded: "x" and "X" differ. */
	tampered(f, LINES("example.net. 300 IN TXT \"x\""),
	         LINES("example.net. 300 IN TXT \"X\""), 1);
}

/* The RDATA fields, from the RRset and the key (RFC 4034 §3.1). */
static void
test_fields(void **state)
{
	const struct fix *f = *state;
	const char *line = "www.example.net. 300 IN AAAA 2001:db8::1";
	const struct dnssec_key *k = &f->key[2];
	uint8_t out[RRSIG_RDATA_MAX];
	struct tset t;
	size_t n;

	tset_init(&t, &line, 1);
	n = rrsig_make(k, &t.set, ldns_rdf_data(f->apex),
	               ldns_rdf_size(f->apex), INCEPTION, EXPIRATION, out,
	               sizeof(out));
	assert_int_equal(n, RRSIG_HEAD_LEN + 13 + RRSIG_SIG_LEN);
	assert_int_equal(ldns_read_uint16(out), LDNS_RR_TYPE_AAAA);
	assert_int_equal(out[2], DNSSEC_ALG_ED25519);
	assert_int_equal(out[3], 3);
	assert_int_equal(ldns_read_uint32(out + 4), 300);
	assert_int_equal(ldns_read_uint32(out + 8), EXPIRATION);
	assert_int_equal(ldns_read_uint32(out + 12), INCEPTION);
	assert_int_equal(ldns_read_uint16(out + 16), k->tag);
	assert_memory_equal(out + RRSIG_HEAD_LEN, ldns_rdf_data(f->apex), 13);
	tset_fini(&t);
}

static size_t
make(const struct fix *f, const struct rrsig_set *set, uint8_t *out, size_t cap)
{
	return rrsig_make(&f->key[0], set, ldns_rdf_data(f->apex),
	                  ldns_rdf_size(f->apex), INCEPTION, EXPIRATION, out,
	                  cap);
}

static void
test_limits(void **state)
{
	const struct fix *f = *state;
	const char *line = "www.example.net. 300 IN A 192.0.2.1";
	static uint8_t blob[2000 * 258];
	uint8_t out[RRSIG_RDATA_MAX];
	struct tset t;
	struct rrsig_set s;

	tset_init(&t, &line, 1);
	s = t.set;
	/* `cap` one short. */
	assert_int_equal(make(f, &s, out, RRSIG_HEAD_LEN + 13 + 63), 0);
	assert_int_not_equal(make(f, &s, out, RRSIG_HEAD_LEN + 13 + 64), 0);
	/* An RDATA length past the end, or octets left over. */
	s.rdata_len = 5;
	assert_int_equal(make(f, &s, out, sizeof(out)), 0);
	s.rdata_len = 6;
	s.count = 2;
	assert_int_equal(make(f, &s, out, sizeof(out)), 0);
	s.count = 0;
	assert_int_equal(make(f, &s, out, sizeof(out)), 0);
	/* An MX whose name runs past its RDATA. */
	s.type = LDNS_RR_TYPE_MX;
	s.count = 1;
	assert_int_equal(make(f, &s, out, sizeof(out)), 0);

	/* 1024 distinct A records sign; 1025 are refused. */
	for (unsigned i = 0; i < 1025; i++) {
		uint8_t *p = blob + 6 * i;

		p[0] = 0;
		p[1] = 4;
		p[2] = 10;
		p[3] = 0;
		p[4] = (uint8_t)(i >> 8);
		p[5] = (uint8_t)i;
	}
	s = t.set;
	s.rdata = blob;
	s.count = 1024;
	s.rdata_len = 6 * 1024;
	assert_int_not_equal(make(f, &s, out, sizeof(out)), 0);
	s.count = 1025;
	s.rdata_len = 6 * 1025;
	assert_int_equal(make(f, &s, out, sizeof(out)), 0);

	/* 300 TXT records of 255 octets: too large in canonical form. */
	memset(blob, 'x', sizeof(blob));
	for (unsigned i = 0; i < 300; i++) {
		uint8_t *p = blob + 258 * i;

		p[0] = 1;
		p[1] = 0;
		p[2] = 255;
		p[3] = (uint8_t)i;
	}
	s.type = LDNS_RR_TYPE_TXT;
	s.count = 300;
	s.rdata_len = 258 * 300;
	assert_int_equal(make(f, &s, out, sizeof(out)), 0);
	s.count = 200;
	s.rdata_len = 258 * 200;
	assert_int_not_equal(make(f, &s, out, sizeof(out)), 0);
	tset_fini(&t);
}

/* nsec_bitmap() against ldns_dnssec_create_nsec_bitmap(). */
static void
same_bitmap(const uint16_t *types, size_t n)
{
	ldns_rr_type lt[64];
	uint8_t out[1024];
	size_t len = nsec_bitmap(types, n, out, sizeof(out));
	ldns_rdf *want;

	for (size_t i = 0; i < n; i++)
		lt[i] = (ldns_rr_type)types[i];
	want = ldns_dnssec_create_nsec_bitmap(lt, n, LDNS_RR_TYPE_NSEC);
	assert_non_null(want);
	assert_int_equal(len, ldns_rdf_size(want));
	assert_memory_equal(out, ldns_rdf_data(want), len);
	ldns_rdf_deep_free(want);
}

#define BITMAP(...)                                                            \
	same_bitmap((const uint16_t[]){__VA_ARGS__},                           \
	            sizeof((const uint16_t[]){__VA_ARGS__}) /                  \
	                sizeof(uint16_t))

static void
test_nsec_bitmap(void **state)
{
	(void)state;
	BITMAP(1);
	BITMAP(1, 28, 46, 47);
	BITMAP(2, 6, 15, 16, 28, 46, 47, 48, 59, 60);
	BITMAP(46, 47, 128);
	BITMAP(1, 256, 257, 46, 47);
	BITMAP(65535);
	BITMAP(47, 65535, 1, 1024, 46);
	BITMAP(257, 1, 47, 1, 46, 257, 47, 28, 28);
	BITMAP(0);
	BITMAP(255, 256, 511, 512);
}

static void
test_nsec_bitmap_cap(void **state)
{
	const uint16_t t[] = {1, 46, 47, 257};
	uint8_t out[16];

	(void)state;
	/* Window 0 takes 2 + 6 octets, window 1 takes 2 + 1. */
	assert_int_equal(nsec_bitmap(t, 4, out, sizeof(out)), 11);
	assert_int_equal(nsec_bitmap(t, 4, out, 11), 11);
	assert_int_equal(nsec_bitmap(t, 4, out, 10), 0);
	assert_int_equal(nsec_bitmap(t, 4, out, 7), 0);
	assert_int_equal(nsec_bitmap(t, 4, out, 0), 0);
	assert_int_equal(nsec_bitmap(t, 0, out, sizeof(out)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_a),
	    cmocka_unit_test(test_names_in_rdata),
	    cmocka_unit_test(test_txt),
	    cmocka_unit_test(test_wildcard),
	    cmocka_unit_test(test_nsec),
	    cmocka_unit_test(test_tampered),
	    cmocka_unit_test(test_fields),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_nsec_bitmap),
	    cmocka_unit_test(test_nsec_bitmap_cap),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
