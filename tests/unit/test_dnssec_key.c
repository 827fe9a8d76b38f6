/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_dnssec_key.c: DNSSEC key files as ldns-keygen writes
 * them, made afresh for each run: loading by stem or file name, the key
 * tag and DS checked against ldns, and every refusal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ldns/ldns.h>

#include "common/xalloc.h"
#include "dnsd/dnssec_key.h"
#include "tests/lib/keydir.h"

struct fix {
	char *dir;
	char *ksk13, *zsk13, *ksk15, *zsk15; /* stems for example.net */
	char *rsa;                           /* RSASHA256, example.net */
	char *other;                         /* ECDSA, other.net */
	ldns_rdf *apex;                      /* example.net. */
};

/* Run ldns-keygen in dir; it prints the new key's file stem. */
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
	struct fix *f = xcalloc(1, sizeof(*f));

	f->dir = keydir_new("test_dnssec_key");
	assert_non_null(f->dir);
	f->ksk13 = keygen(f->dir, "-a ECDSAP256SHA256 -k example.net");
	f->zsk13 = keygen(f->dir, "-a ECDSAP256SHA256 example.net");
	f->ksk15 = keygen(f->dir, "-a ED25519 -k example.net");
	f->zsk15 = keygen(f->dir, "-a ED25519 example.net");
	f->rsa = keygen(f->dir, "-a RSASHA256 -b 1024 example.net");
	f->other = keygen(f->dir, "-a ECDSAP256SHA256 other.net");
	f->apex = ldns_dname_new_frm_str("example.net.");
	assert_non_null(f->apex);
	*state = f;
	return 0;
}

static int
group_teardown(void **state)
{
	struct fix *f = *state;
	keydir_free(f->dir);
	free(f->ksk13);
	free(f->zsk13);
	free(f->ksk15);
	free(f->zsk15);
	free(f->rsa);
	free(f->other);
	ldns_rdf_deep_free(f->apex);
	free(f);
	return 0;
}

static char *
slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *s = xcalloc(1, 65536);

	assert_non_null(fp);
	assert_true(fread(s, 1, 65535, fp) > 0);
	fclose(fp);
	return s;
}

/* The text of stem.key. */
static char *
key_text(const char *stem)
{
	char *path = xasprintf("%s.key", stem);
	char *text = slurp(path);

	free(path);
	return text;
}

static void
spew(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* Write dir/<name>.<ext> with the text of stem.<from_ext>. */
static char *
copy_as(const struct fix *f, const char *name, const char *stem,
        const char *ext)
{
	char *src = xasprintf("%s.%s", stem, ext);
	char *dst = xasprintf("%s/%s.%s", f->dir, name, ext);
	char *text = slurp(src);

	spew(dst, text);
	free(text);
	free(src);
	free(dst);
	return xasprintf("%s/%s", f->dir, name);
}

/* The DNSKEY record of stem.key, read by ldns. */
static ldns_rr *
dnskey_of(const char *stem)
{
	char *path = xasprintf("%s.key", stem);
	FILE *fp = fopen(path, "r");
	ldns_rr *rr = NULL;

	assert_non_null(fp);
	assert_int_equal(ldns_rr_new_frm_fp(&rr, fp, NULL, NULL, NULL),
	                 LDNS_STATUS_OK);
	fclose(fp);
	free(path);
	return rr;
}

static int
load(const struct fix *f, struct dnssec_key *k, const char *path, char *why,
     size_t whylen)
{
	why[0] = '\0';
	return dnssec_key_load(k, path, ldns_rdf_data(f->apex),
	                       ldns_rdf_size(f->apex), why, whylen);
}

/* Load must fail with `want` in the reason, leaving k empty. */
static void
refused(const struct fix *f, const char *path, const char *want)
{
	struct dnssec_key k;
	char why[512];

	assert_int_equal(load(f, &k, path, why, sizeof(why)), -1);
	if (strstr(why, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", why, want);
	assert_null(k.path);
	assert_null(k.pkey);
}

static void
check_key(const struct fix *f, const char *stem, const char *path, uint8_t alg,
          uint16_t flags)
{
	struct dnssec_key k;
	char why[512];
	ldns_rr *rr = dnskey_of(stem);
	ldns_buffer *b = ldns_buffer_new(512);

	if (load(f, &k, path, why, sizeof(why)) != 0)
		fail_msg("%s: %s", path, why);
	assert_string_equal(k.path, path);
	assert_int_equal(k.state, DNSSEC_KEY_ACTIVE);
	assert_int_equal(k.algorithm, alg);
	assert_int_equal(k.flags, flags);
	assert_non_null(k.pkey);
	assert_int_equal(k.tag, ldns_calc_keytag(rr));
	assert_int_equal(ldns_rr_rdata2buffer_wire(b, rr), LDNS_STATUS_OK);
	assert_int_equal(k.dnskey_len, ldns_buffer_position(b));
	assert_memory_equal(k.dnskey, ldns_buffer_begin(b), k.dnskey_len);
	dnssec_key_clear(&k);
	ldns_buffer_free(b);
	ldns_rr_free(rr);
}

static void
test_load_stem(void **state)
{
	const struct fix *f = *state;

	check_key(f, f->ksk13, f->ksk13, 13, 257);
	check_key(f, f->zsk13, f->zsk13, 13, 256);
	check_key(f, f->ksk15, f->ksk15, 15, 257);
	check_key(f, f->zsk15, f->zsk15, 15, 256);
}

static void
test_load_file_names(void **state)
{
	const struct fix *f = *state;
	const char *stems[] = {f->ksk13, f->zsk15};

	for (size_t i = 0; i < 2; i++) {
		char *key = xasprintf("%s.key", stems[i]);
		char *priv = xasprintf("%s.private", stems[i]);
		uint8_t alg = i == 0 ? 13 : 15;
		uint16_t flags = i == 0 ? 257 : 256;

		check_key(f, stems[i], key, alg, flags);
		check_key(f, stems[i], priv, alg, flags);
		free(key);
		free(priv);
	}
}

/* The owner is compared without regard to case (RFC 4343). */
static void
test_owner_case(void **state)
{
	const struct fix *f = *state;
	char *text = key_text(f->zsk13);
	char *stem = copy_as(f, "Kupper", f->zsk13, "private");
	char *key = xasprintf("%s.key", stem);

	assert_memory_equal(text, "example.net.", 12);
	memcpy(text, "EXAMPLE.Net.", 12);
	spew(key, text);
	check_key(f, stem, stem, 13, 256);
	free(text);
	free(stem);
	free(key);
}

static void
test_ds(void **state)
{
	const struct fix *f = *state;
	const char *stems[] = {f->ksk13, f->zsk13, f->ksk15, f->zsk15};

	for (size_t i = 0; i < 4; i++) {
		struct dnssec_key k;
		char why[512];
		uint8_t ds[DS_RDATA_LEN];
		ldns_rr *rr = dnskey_of(stems[i]);
		ldns_rr *want = ldns_key_rr2ds(rr, LDNS_SHA256);
		ldns_buffer *b = ldns_buffer_new(512);

		assert_int_equal(load(f, &k, stems[i], why, sizeof(why)), 0);
		assert_int_equal(dnssec_key_ds(&k, ldns_rdf_data(f->apex),
		                               ldns_rdf_size(f->apex), ds),
		                 0);
		assert_int_equal(ldns_rr_rdata2buffer_wire(b, want),
		                 LDNS_STATUS_OK);
		assert_int_equal(ldns_buffer_position(b), DS_RDATA_LEN);
		assert_memory_equal(ds, ldns_buffer_begin(b), DS_RDATA_LEN);
		dnssec_key_clear(&k);
		ldns_buffer_free(b);
		ldns_rr_free(want);
		ldns_rr_free(rr);
	}
}

static void
test_missing(void **state)
{
	const struct fix *f = *state;
	char *nope = xasprintf("%s/Knope.+013+00001", f->dir);
	char *stem = copy_as(f, "Konly", f->ksk13, "key");
	char *want = xasprintf("cannot open %s.private: No such file", stem);

	refused(f, nope, "cannot open ");
	refused(f, nope, "No such file or directory");
	refused(f, stem, want);
	free(nope);
	free(stem);
	free(want);
}

static void
test_wrong_owner(void **state)
{
	const struct fix *f = *state;

	refused(f, f->other,
	        "the DNSKEY is for other.net., not for the zone "
	        "example.net.");
}

static void
test_algorithm_8(void **state)
{
	const struct fix *f = *state;

	refused(f, f->rsa,
	        "algorithm 8 is not supported: use 13 (ECDSAP256SHA256) or 15 "
	        "(ED25519)");
}

/* A .key paired with another key's .private, of either algorithm. */
static void
test_private_mismatch(void **state)
{
	const struct fix *f = *state;
	const char *pairs[][2] = {
	    {f->ksk13, f->zsk13},
	    {f->zsk15, f->ksk15},
	    {f->ksk13, f->ksk15},
	    {f->zsk15, f->zsk13},
	};

	for (size_t i = 0; i < 4; i++) {
		char *stem = copy_as(f, "Kmix", pairs[i][0], "key");

		free(copy_as(f, "Kmix", pairs[i][1], "private"));
		refused(f, stem, "the private key does not match the DNSKEY");
		free(stem);
	}
}

static void
test_garbage(void **state)
{
	const struct fix *f = *state;
	char *stem = copy_as(f, "Kjunk", f->zsk13, "private");
	char *key = xasprintf("%s.key", stem);
	char *priv = xasprintf("%s.private", stem);
	char *one = key_text(f->zsk13);
	char *two = xasprintf("%s%s", one, one);

	/* A .key that is not a zone file, holds another type, or two keys. */
	spew(key, "this is not a key\n");
	refused(f, stem, "Kjunk.key: ");
	spew(key, "example.net. IN A 192.0.2.1\n");
	refused(f, stem, "does not hold exactly one DNSKEY record");
	spew(key, two);
	refused(f, stem, "does not hold exactly one DNSKEY record");

	/* A good .key with a .private that is garbage, or a bad key. */
	spew(key, one);
	spew(priv, "\x01\x02 binary junk\n");
	refused(f, stem, "Kjunk.private: ");
	spew(priv, "Private-key-format: v1.2\nAlgorithm: 13 (ECDSAP256SHA256)\n"
	           "PrivateKey: !!!!\n");
	refused(f, stem, "Kjunk.private: ");
	free(one);
	free(two);
	free(priv);
	free(key);
	free(stem);
}

/* Change `from` to `to` in the text of stem.key, written as name.key. */
static char *
edited(const struct fix *f, const char *name, const char *stem,
       const char *from, const char *to)
{
	char *text = key_text(stem);
	char *at = strstr(text, from);
	char *out, *dst, *newstem;

	assert_non_null(at);
	*at = '\0';
	out = xasprintf("%s%s%s", text, to, at + strlen(from));
	newstem = copy_as(f, name, stem, "private");
	dst = xasprintf("%s.key", newstem);
	spew(dst, out);
	free(text);
	free(out);
	free(dst);
	return newstem;
}

static void
test_bad_fields(void **state)
{
	const struct fix *f = *state;
	char *s;

	s = edited(f, "Knozone", f->zsk13, "256 3 13", "1 3 13");
	refused(f, s, "the DNSKEY's flags 1 lack the zone key bit (256)");
	free(s);
	s = edited(f, "Kproto", f->zsk13, "256 3 13", "256 2 13");
	refused(f, s, "the DNSKEY's protocol is 2, not 3");
	free(s);
	/* An Ed25519 key relabelled as ECDSA: the key is too short. */
	s = edited(f, "Kshort", f->zsk15, "256 3 15", "256 3 13");
	refused(f, s, "the DNSKEY's public key is 32 octets, not 64");
	free(s);
}

static void
test_clear(void **state)
{
	struct dnssec_key k;

	(void)state;
	memset(&k, 0, sizeof(k));
	dnssec_key_clear(&k);
	dnssec_key_clear(&k);
	assert_null(k.path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_load_stem),
	    cmocka_unit_test(test_load_file_names),
	    cmocka_unit_test(test_owner_case),
	    cmocka_unit_test(test_ds),
	    cmocka_unit_test(test_missing),
	    cmocka_unit_test(test_wrong_owner),
	    cmocka_unit_test(test_algorithm_8),
	    cmocka_unit_test(test_private_mismatch),
	    cmocka_unit_test(test_garbage),
	    cmocka_unit_test(test_bad_fields),
	    cmocka_unit_test(test_clear),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
