/* SPDX-License-Identifier: MIT */
/* tests/unit/test_zone_compile.c: zone YAML -> compiled zone, and every
 * error pointing at the right file:line:col. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "dnsd/wire.h"
#include "dnsd/zone_compile.h"
#include "dnsd/zonedb.h"
#include "tests/lib/pkt.h"

/* The apex and NS every otherwise-valid zone below starts with. */
#define HEAD                                                                   \
	"zone: example.com\n"                                                  \
	"ttl: 1h\n"                                                            \
	"records:\n"                                                           \
	"  \"@\":\n"                                                           \
	"    SOA: ns1 hostmaster 1 2h 1h 2w 5m\n"                              \
	"    NS: [ns1, ns2.example.org.]\n"                                    \
	"  ns1: {A: 192.0.2.1}\n"
/* HEAD takes lines 1-7; the first record a test adds is on line 8. */

/* Compile one zone from `text`; NULL with the errors in `err`. */
static struct zonedb *
compile(const char *text, struct errbuf *err)
{
	struct zonedb_builder *b = zonedb_builder_new();

	errbuf_init(err);
	if (zone_load_yaml_string(b, "t.yaml", text, strlen(text), err) == -1) {
		zonedb_builder_free(b);
		return NULL;
	}
	return zonedb_builder_finish(b, err);
}

/*
 * Assert that compiling `text` fails with an error line starting with
 * `where` ("t.yaml:9:5: ") and containing `what`.
 */
static void
expect_error(const char *text, const char *where, const char *what)
{
	struct errbuf err;
	struct zonedb *db = compile(text, &err);
	const char *t = errbuf_text(&err);
	bool found = false;

	for (const char *line = t; *line != '\0' && !found;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		char buf[1024];
		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		found = strncmp(buf, where, strlen(where)) == 0 &&
		        strstr(buf, what) != NULL;
		line += len + (nl != NULL);
	}
	if (!found || db != NULL)
		print_error("wanted \"%s...%s\", got:\n%s", where, what, t);
	assert_null(db);
	assert_true(found);
	zonedb_free(db);
	errbuf_fini(&err);
}

static void
expect_ok(const char *text, struct zonedb **out)
{
	struct errbuf err;

	*out = compile(text, &err);
	if (*out == NULL)
		print_error("unexpected errors:\n%s", errbuf_text(&err));
	assert_non_null(*out);
	assert_int_equal(err.count, 0);
	errbuf_fini(&err);
}

/* A presentation name ("a.b.example.com") as a wname. */
static void
name(struct wname *n, const char *text)
{
	uint8_t wire[WIRE_NAME_MAX];
	size_t len = pkt_name_wire(wire, sizeof(wire), text);

	assert_int_not_equal(len, 0);
	assert_int_equal(wname_from_wire(n, wire, len), 0);
}

/* The node for a presentation name, or NULL. */
static const struct znode *
node(const struct zone *z, const char *text)
{
	struct wname n;

	name(&n, text);
	return zone_find_node(z, &n, 0);
}

/* ---- a valid zone ------------------------------------------------------ */

static const char valid_zone[] =
    HEAD "  www:\n" /* 8 */
         "    ttl: 5m\n"
         "    A: [192.0.2.10, 192.0.2.11, 192.0.2.10]\n" /* a duplicate */
         "    TXT: hello\n"
         "  a.b.c: {A: 192.0.2.2}\n"   /* 12: ENTs b.c and c */
         "  \"*.w\": {A: 192.0.2.3}\n" /* wildcard, ENT w */
         "  sub:\n"
         "    NS: [ns.sub, ns.example.org.]\n"
         "    DS: 12345 13 2 "
         "4AC67A6B6A4F2A5F1B8E2C3D4E5F60718293A4B5C6D7E8F9011223344556677A\n"
         "  ns.sub: {A: 192.0.2.53, AAAA: \"2001:db8::53\"}\n"
         "  mail:\n"
         "    MX: {ttl: 60, data: [10 www, 20 mx.example.org.]}\n"
         "zonefile: |\n"
         "  www 300 IN A 192.0.2.11\n" /* the same record again: merged */
         "  alias IN CNAME www\n";

/* The valid_* tests share valid_zone, compiled afresh for each. */
static int
valid_setup(void **state)
{
	struct zonedb *db;

	expect_ok(valid_zone, &db);
	*state = db;
	return 0;
}

static int
db_teardown(void **state)
{
	zonedb_free(*state);
	return 0;
}

/* The one zone of the database a setup compiled. */
static const struct zone *
zone0(void **state)
{
	return &((const struct zonedb *)*state)->zones[0];
}

static void
valid_counts(void **state)
{
	const struct zone *z = zone0(state);

	assert_int_equal(((const struct zonedb *)*state)->nzones, 1);
	assert_string_equal(z->name, "example.com");
	assert_int_equal(z->apexlen, 13);
	assert_memory_equal(z->apex, "\7example\3com\0", 13);
	/* apex ns1 www a.b.c b.c c *.w w sub ns.sub mail alias */
	assert_int_equal(z->nnodes, 12);
	/* SOA NS NS A | A A TXT | A | A | NS NS DS | A AAAA | MX MX | CNAME */
	assert_int_equal(z->nrecords, 17);
	/* RFC 2308 §5: min(SOA TTL 3600, MINIMUM 300) */
	assert_int_equal(z->neg_ttl, 300);
	assert_non_null(z->soa);
	assert_int_equal(z->soa->count, 1);
	assert_ptr_equal(z->apexnode, node(z, "example.com"));
	assert_true(z->apexnode->flags & ZN_APEX);
}

static void
valid_nodes(void **state)
{
	const struct zone *z = zone0(state);

	/* empty non-terminals exist, with no data */
	const struct znode *ent = node(z, "b.c.example.com");
	assert_non_null(ent);
	assert_int_equal(ent->nrrsets, 0);
	assert_non_null(node(z, "c.example.com"));
	assert_null(node(z, "x.example.com"));

	/* the wildcard hangs off its parent, itself an ENT */
	const struct znode *w = node(z, "w.example.com");
	assert_non_null(w);
	assert_ptr_equal(w->wild, node(z, "*.w.example.com"));
	assert_null(z->apexnode->wild);

	/* the delegation and its glue */
	const struct znode *sub = node(z, "sub.example.com");
	assert_non_null(sub);
	assert_true(sub->flags & ZN_DELEG);
	assert_false(sub->flags & ZN_OCCLUDED);
	const struct znode *glue = node(z, "ns.sub.example.com");
	assert_non_null(glue);
	assert_true(glue->flags & ZN_OCCLUDED);
	assert_ptr_equal(glue->cut, sub);
	const struct rrset *ns = znode_rrset(sub, T_NS);
	assert_non_null(ns);
	assert_int_equal(ns->nadd, 1); /* ns.sub; ns.example.org is not ours */
	assert_ptr_equal(ns->add[0], glue);
	assert_non_null(znode_rrset(sub, T_DS));
	/* the apex NS is not a cut */
	assert_false(z->apexnode->flags & ZN_DELEG);

	/* CNAME flag and its folded target */
	const struct znode *alias = node(z, "alias.example.com");
	assert_non_null(alias);
	assert_true(alias->flags & ZN_CNAME);
	const struct rrset *cn = znode_rrset(alias, T_CNAME);
	assert_int_equal(cn->targetlen, 17);
	assert_memory_equal(cn->target, "\3www\7example\3com\0", 17);
}

static void
valid_ttls_and_merge(void **state)
{
	const struct zone *z = zone0(state);
	const struct znode *www = node(z, "www.example.com");

	/* the name's ttl applies to all its types; duplicates merged */
	const struct rrset *a = znode_rrset(www, T_A);
	assert_int_equal(a->count, 2);
	assert_int_equal(a->ttl, 300);
	assert_int_equal(a->rdata_len, 2 * (2 + 4));
	assert_int_equal(znode_rrset(www, T_TXT)->ttl, 300);
	/* the zone default */
	assert_int_equal(znode_rrset(node(z, "ns1.example.com"), T_A)->ttl,
	                 3600);
	/* {ttl:, data:} */
	const struct rrset *mx = znode_rrset(node(z, "mail.example.com"), T_MX);
	assert_int_equal(mx->ttl, 60);
	assert_int_equal(mx->count, 2);
	assert_int_equal(mx->nadd, 1); /* www has addresses */
	assert_ptr_equal(mx->add[0], www);
	/* rrsets are sorted by type */
	assert_int_equal(z->apexnode->nrrsets, 2);
	assert_int_equal(z->apexnode->rrsets[0].type, T_NS);
	assert_int_equal(z->apexnode->rrsets[1].type, T_SOA);
}

static void
neg_ttl_from_soa_ttl(void **state)
{
	struct zonedb *db;

	(void)state;
	expect_ok("zone: example.com.\n"
	          "records:\n"
	          "  \"@\":\n"
	          "    SOA: {ttl: 60, data: ns1 h 1 2h 1h 2w 1d}\n"
	          "    NS: ns1\n",
	          &db);
	assert_int_equal(db->zones[0].neg_ttl, 60);
	zonedb_free(db);
}

static void
duplicates_merge_across_forms(void **state)
{
	struct zonedb *db;

	(void)state;
	expect_ok(HEAD "  x: {TXT: [\"a b\", '\"a b\"']}\n"
	               "zonefile: |\n"
	               "  x IN TXT \"a b\"\n"
	               "  X.example.com. 3600 IN TXT \"a b\"\n",
	          &db);
	const struct rrset *txt =
	    znode_rrset(node(&db->zones[0], "x.example.com"), T_TXT);
	assert_non_null(txt);
	/* `a b` unquoted is two strings, so two distinct records */
	assert_int_equal(txt->count, 2);
	zonedb_free(db);
}

static void
zonefile_only(void **state)
{
	struct zonedb *db;

	(void)state;
	expect_ok("zone: example.com\n"
	          "zonefile: |\n"
	          "  $TTL 120\n"
	          "  @ IN SOA ns1 host ( 1 2h 1h 2w\n"
	          "             30 ) ; minimum\n"
	          "    IN NS ns1\n"
	          "  ns1 IN A 192.0.2.1\n",
	          &db);
	const struct zone *z = &db->zones[0];
	assert_int_equal(z->neg_ttl, 30);
	assert_int_equal(z->soa->ttl, 120);
	assert_non_null(znode_rrset(z->apexnode, T_NS));
	zonedb_free(db);
}

/* ---- errors ------------------------------------------------------------ */

static void
err_top_level(void **state)
{
	(void)state;
	expect_error(HEAD "recrods: {}\n",
	             "t.yaml:8:1: ", "unknown key \"recrods\"");
	expect_error("zone: example.com\nttl: 1h\nzone: example.org\n",
	             "t.yaml:3:1: ", "duplicate key \"zone\"");
	expect_error("ttl: 1h\nrecords: {}\n",
	             "t.yaml:1:1: ", "missing required key \"zone\"");
	expect_error("zone: \"exa mple.com\"\n",
	             "t.yaml:1:7: ", "is not a domain name");
	expect_error("- zone: example.com\n",
	             "t.yaml:1:1: ", "expected a mapping");
	expect_error("zone: example.com\nrecords: [a]\n",
	             "t.yaml:2:10: ", "records: expected a mapping");
}

static void
err_ttl_whole_seconds(void **state)
{
	(void)state;
	expect_error("zone: example.com\nttl: 1500ms\n",
	             "t.yaml:2:6: ", "whole seconds");
	expect_error(HEAD "  www: {ttl: 500ms, A: 192.0.2.1}\n",
	             "t.yaml:8:14: ", "whole seconds");
	expect_error(HEAD "  www: {A: {ttl: 1.5, data: 192.0.2.1}}\n",
	             "t.yaml:8:18: ", "whole seconds");
	expect_error(HEAD "  www: {A: {ttl: 60, date: 192.0.2.1}}\n",
	             "t.yaml:8:22: ", "unknown key \"date\"");
}

static void
err_records_keys(void **state)
{
	(void)state;
	expect_error(HEAD "  www: {A: 192.0.2.1}\n  www: {AAAA: \"::1\"}\n",
	             "t.yaml:9:3: ", "duplicate key \"www\"");
	expect_error(
	    HEAD "  www: {A: 192.0.2.1, A: 192.0.2.2}\n",
	    "t.yaml:8:23: ", "duplicate key \"A\" (first at line 8 col 9)");
	expect_error(HEAD "  \"w w\": {A: 192.0.2.1}\n",
	             "t.yaml:8:3: ", "not a valid owner name");
	expect_error(HEAD "  www: 192.0.2.1\n",
	             "t.yaml:8:8: ", "expected a mapping of record types");
	expect_error(HEAD "  www: {A: []}\n", "t.yaml:8:12: ", "empty list");
}

static void
err_bad_rdata(void **state)
{
	(void)state;
	expect_error(HEAD "  www:\n    A: 300.1.2.3\n",
	             "t.yaml:9:8: ", "A \"300.1.2.3\"");
	/* the bad one of a list, at its own position */
	expect_error(HEAD "  www:\n    A: [192.0.2.1, 192.0.2]\n",
	             "t.yaml:9:20: ", "A \"192.0.2\"");
	expect_error(HEAD "  www:\n    MX: mail\n", "t.yaml:9:9: ", "MX");
}

static void
err_unknown_type(void **state)
{
	(void)state;
	expect_error(HEAD "  www:\n    FOO: bar\n",
	             "t.yaml:9:5: ", "unknown record type \"FOO\"");
}

static void
err_out_of_zone(void **state)
{
	(void)state;
	expect_error(HEAD "  www.example.org.: {A: 192.0.2.1}\n",
	             "t.yaml:8:25: ", "outside zone example.com");
	/* a name that merely ends in the same characters is outside too */
	expect_error(HEAD "  www.badexample.com.: {A: 192.0.2.1}\n",
	             "t.yaml:8:", "outside zone example.com");
	expect_error(HEAD "zonefile: |\n  www.example.net. IN A 192.0.2.1\n",
	             "t.yaml:9:", "outside zone");
}

static void
err_soa(void **state)
{
	(void)state;
	expect_error("zone: example.com\n"
	             "records:\n"
	             "  \"@\": {NS: ns1}\n",
	             "t.yaml:1:7: ", "has no SOA record");
	expect_error("zone: example.com\n"
	             "records:\n"
	             "  \"@\":\n"
	             "    NS: ns1\n"
	             "    SOA: [ns1 h 1 2h 1h 2w 5m, ns1 h 2 2h 1h 2w 5m]\n",
	             "t.yaml:5:", "more than one SOA");
	expect_error(HEAD "  sub:\n    SOA: ns1 h 1 2h 1h 2w 5m\n",
	             "t.yaml:9:10: ", "SOA record below the apex");
	expect_error("zone: example.com\n"
	             "records:\n"
	             "  \"@\": {SOA: ns1 h 1 2h 1h 2w 5m}\n",
	             "t.yaml:1:7: ", "has no NS records at its apex");
}

static void
err_cname(void **state)
{
	(void)state;
	/* reported at the name's first record in type order: the A */
	expect_error(
	    HEAD "  www:\n    CNAME: x\n    A: 192.0.2.1\n",
	    "t.yaml:10:8: ", "www.example.com: CNAME cannot be beside other");
	expect_error(HEAD "  www:\n    CNAME: [a, b]\n",
	             "t.yaml:9:", "more than one CNAME");
	/* the apex has SOA and NS: a CNAME there is beside them */
	expect_error(HEAD "zonefile: \"@ IN CNAME x\"\n",
	             "t.yaml:", "CNAME cannot be beside other data");
}

static void
err_ttl_mismatch(void **state)
{
	(void)state;
	/* 192.0.2.2 sorts after 192.0.2.1, so the zonefile line is named */
	expect_error(HEAD "  www: {A: 192.0.2.1}\n"
	                  "zonefile: |\n"
	                  "  www 60 IN A 192.0.2.2\n",
	             "t.yaml:10:", "TTL 60 differs from TTL 3600");
	expect_error(HEAD "  www:\n"
	                  "    A: {ttl: 60, data: 192.0.2.2}\n"
	                  "zonefile: |\n"
	                  "  www IN A 192.0.2.1\n",
	             "t.yaml:9:", "TTL 60 differs");
}

static void
err_delegation(void **state)
{
	(void)state;
	expect_error(
	    HEAD "  sub: {NS: ns.sub}\n"
	         "  ns.sub: {A: 192.0.2.5}\n"
	         "  x.sub: {TXT: hi}\n",
	    "t.yaml:10:", "only glue (A/AAAA) may be below the delegation");
	/* deeper below the cut, with an ENT in between */
	expect_error(HEAD "  sub: {NS: ns.sub}\n"
	                  "  a.b.sub: {MX: 10 x}\n",
	             "t.yaml:9:", "below the delegation at sub.example.com");
	expect_error(HEAD "  sub: {NS: ns.sub, TXT: hi}\n", "t.yaml:8:",
	             "only NS, DS and glue may be at a delegation");
	expect_error(HEAD "  sub: {NS: ns.sub, DNAME: x.example.org.}\n",
	             "t.yaml:8:", "DNAME cannot be beside NS");
	expect_error(HEAD "  d: {DNAME: example.org.}\n"
	                  "  a.d: {A: 192.0.2.1}\n",
	             "t.yaml:9:", "below the DNAME at d.example.com");
}

static void
err_dnssec_and_meta(void **state)
{
	(void)state;
	expect_error(HEAD "  www:\n    RRSIG: A 13 3 3600 20300101000000 "
	                  "20200101000000 12345 example.com. AAAA\n",
	             "t.yaml:9:12: ", "RRSIG: is made by dnsd");
	expect_error(HEAD "  www:\n    NSEC: x.example.com. A\n",
	             "t.yaml:9:11: ", "NSEC: is made by dnsd");
	expect_error(HEAD "zonefile: |\n"
	                  "  www IN A 192.0.2.1\n"
	                  "  www IN RRSIG A 13 3 3600 20300101000000 "
	                  "20200101000000 12345 example.com. AAAA\n",
	             "t.yaml:10:", "is made by dnsd");
	expect_error("zone: example.com\n"
	             "records:\n"
	             "  \"@\":\n"
	             "    SOA: ns1 h 1 2h 1h 2w 5m\n"
	             "    NS: ns1\n"
	             "    DS: 1 13 2 4AC67A6B6A4F2A5F1B8E2C3D4E5F6071"
	             "8293A4B5C6D7E8F9011223344556677A\n",
	             "t.yaml:6:9: ", "DS record at the apex");
}

static void
err_zonefile_block(void **state)
{
	(void)state;
	/* lines 8..11; the bad line is 10 */
	expect_error(HEAD "zonefile: |\n"
	                  "  www IN A 192.0.2.1\n"
	                  "  bad IN A 999.1.1.1\n"
	                  "  ok IN A 192.0.2.2\n",
	             "t.yaml:10:", "");
	/* after a multi-line record, the count still holds */
	expect_error(HEAD "zonefile: |\n"
	                  "  x IN TXT ( \"a\"\n"
	                  "     \"b\" )\n"
	                  "  $INCLUDE other.zone\n",
	             "t.yaml:11:", "$INCLUDE is not supported");
	/* a flow scalar starts on its own line */
	expect_error(HEAD "zonefile: \"www IN AAAA nope\"\n", "t.yaml:8:", "");
}

/* With a real file, block errors also get the column of the text. */
static void
err_zonefile_column(void **state)
{
	char dir[] = "/tmp/test_zone_compile.XXXXXX";
	char path[64];
	struct errbuf err;
	struct zonedb_builder *b = zonedb_builder_new();

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/z.yaml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEAD "zonefile: |\n"
	           "    www IN A 192.0.2.1\n"
	           "    bad IN A 999.1.1.1\n",
	      f);
	fclose(f);
	errbuf_init(&err);
	assert_int_equal(zone_load_yaml(b, path, &err), -1);
	char want[128];
	snprintf(want, sizeof(want), "%s:10:5: ", path);
	if (strncmp(errbuf_text(&err), want, strlen(want)) != 0)
		print_error("wanted %s, got %s", want, errbuf_text(&err));
	assert_int_equal(strncmp(errbuf_text(&err), want, strlen(want)), 0);
	errbuf_fini(&err);
	zonedb_builder_free(b);
	unlink(path);
	rmdir(dir);
}

static void
every_error_reported(void **state)
{
	struct errbuf err;

	(void)state;
	/* three independent problems: all three are reported */
	assert_null(compile("zone: example.com\n"
	                    "records:\n"
	                    "  a: {A: 1.2.3}\n"
	                    "  b: {FOO: x}\n"
	                    "  c: {AAAA: zz}\n",
	                    &err));
	assert_true(err.count >= 3);
	assert_non_null(strstr(errbuf_text(&err), "t.yaml:3:"));
	assert_non_null(strstr(errbuf_text(&err), "t.yaml:4:"));
	assert_non_null(strstr(errbuf_text(&err), "t.yaml:5:"));
	errbuf_fini(&err);
}

static void
two_zones_one_builder(void **state)
{
	struct errbuf err;
	struct zonedb_builder *b = zonedb_builder_new();
	static const char z1[] = HEAD;
	static const char z2[] = "zone: sub.example.com\n"
	                         "records:\n"
	                         "  \"@\": {SOA: ns h 1 1 1 1 1, NS: ns}\n"
	                         "  ns: {A: 192.0.2.9}\n";

	(void)state;
	errbuf_init(&err);
	assert_int_equal(
	    zone_load_yaml_string(b, "a.yaml", z1, sizeof(z1) - 1, &err), 0);
	assert_int_equal(
	    zone_load_yaml_string(b, "b.yaml", z2, sizeof(z2) - 1, &err), 0);
	/* the same zone again is an error naming the first */
	assert_int_equal(
	    zone_load_yaml_string(b, "c.yaml", z1, sizeof(z1) - 1, &err), -1);
	assert_non_null(strstr(
	    errbuf_text(&err),
	    "c.yaml:1:7: zone example.com is already defined at a.yaml:1:7"));
	errbuf_clear(&err);
	struct zonedb *db = zonedb_builder_finish(b, &err);
	assert_non_null(db);
	assert_int_equal(db->nzones, 2);

	/* the deepest zone wins; `from` skips to the parent (for DS) */
	struct wname n;
	unsigned label = 99;
	name(&n, "x.sub.example.com");
	const struct zone *z = zonedb_find_zone(db, &n, 0, &label);
	assert_non_null(z);
	assert_string_equal(z->name, "sub.example.com");
	assert_int_equal(label, 1);
	z = zonedb_find_zone(db, &n, 2, &label);
	assert_non_null(z);
	assert_string_equal(z->name, "example.com");
	assert_int_equal(label, 2);
	name(&n, "com");
	assert_null(zonedb_find_zone(db, &n, 0, &label));
	zonedb_free(db);
	errbuf_fini(&err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(valid_counts, valid_setup,
	                                    db_teardown),
	    cmocka_unit_test_setup_teardown(valid_nodes, valid_setup,
	                                    db_teardown),
	    cmocka_unit_test_setup_teardown(valid_ttls_and_merge, valid_setup,
	                                    db_teardown),
	    cmocka_unit_test(neg_ttl_from_soa_ttl),
	    cmocka_unit_test(duplicates_merge_across_forms),
	    cmocka_unit_test(zonefile_only),
	    cmocka_unit_test(err_top_level),
	    cmocka_unit_test(err_ttl_whole_seconds),
	    cmocka_unit_test(err_records_keys),
	    cmocka_unit_test(err_bad_rdata),
	    cmocka_unit_test(err_unknown_type),
	    cmocka_unit_test(err_out_of_zone),
	    cmocka_unit_test(err_soa),
	    cmocka_unit_test(err_cname),
	    cmocka_unit_test(err_ttl_mismatch),
	    cmocka_unit_test(err_delegation),
	    cmocka_unit_test(err_dnssec_and_meta),
	    cmocka_unit_test(err_zonefile_block),
	    cmocka_unit_test(err_zonefile_column),
	    cmocka_unit_test(every_error_reported),
	    cmocka_unit_test(two_zones_one_builder),
	};
	return cmocka_run_group_tests_name("zone_compile", tests, NULL, NULL);
}
