/* SPDX-License-Identifier: MIT */
/* tests/unit/test_answer_geo.c: geo names through answer_packet():
 * which client, which edge, A/AAAA/ANY and the ECS scope. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <ldns/ldns.h>

#include "common/errbuf.h"
#include "dnsd/answer.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "tests/lib/pkt.h"

static char dir[] = "/tmp/test_answer_geo.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* London, Seattle and Tokyo; everything else is not in the database. */
static int
setup(void **state)
{
	char cmd[512];
	struct errbuf err;

	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("nets.txt",
	           "81.2.69.0/24 51.5142 -0.0931 EU GB ENG London\n"
	           "216.160.83.0/24 47.2513 -122.3149 NA US WA Milton\n"
	           "2001:218::/32 35.685 139.7514 AS JP 13 Tokyo\n");
	snprintf(cmd, sizeof(cmd),
	         "perl tests/tools/mkmmdb.pl %s/nets.txt %s/geo.mmdb", dir,
	         dir);
	/* A database that cannot be built fails the suite, never skips it. */
	if (system(cmd) != 0)
		return -1;
	write_file("edges.yaml",
	           "edges:\n"
	           "  sjc: {location: [37.36, -121.93], addresses: 10.0.0.1}\n"
	           "  iad: {location: [38.95, -77.45],\n"
	           "        addresses: [10.0.0.2, \"2001:db8::2\"]}\n"
	           "  lhr: {location: [51.47, -0.45],\n"
	           "        addresses: [10.0.0.3, \"2001:db8::3\"]}\n"
	           "  nrt: {location: [35.77, 140.39],\n"
	           "        addresses: [10.0.0.4, \"2001:db8::4\"]}\n");
	write_file("z.yaml", "zone: example.com\n"
	                     "records:\n"
	                     "  \"@\":\n"
	                     "    SOA: ns hostmaster 1 2h 1h 2w 5m\n"
	                     "    NS: ns\n"
	                     "  ns: {A: 192.0.2.1}\n"
	                     "  www: {CNAME: cdn}\n"
	                     "geo:\n"
	                     "  cdn: {ttl: 20, default: nrt}\n"
	                     "  sf: {all_down: servfail}\n"
	                     "  nd: {all_down: nodata}\n"
	                     "  lr: {all_down: [nrt]}\n");
	write_file("dnsd.yaml", "server: {listen: 127.0.0.1:53}\n"
	                        "zones: [z.yaml]\n"
	                        "edges: edges.yaml\n"
	                        "geo_database: geo.mmdb\n");
	snprintf(cmd, sizeof(cmd), "%s/dnsd.yaml", dir);
	errbuf_init(&err);
	*state = snapshot_load(cmd, 1, &err);
	if (*state == NULL)
		fprintf(stderr, "%s", errbuf_text(&err));
	errbuf_fini(&err);
	return *state ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[256];

	snapshot_unref(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* What a response said that these tests look at. */
struct res {
	ldns_pkt *pkt;
	int scope; /* ECS scope in the OPT, or -1 without ECS */
};

/* The edge health the next ask() answers with (NULL: all usable): sjc,
 * iad, lhr, nrt. */
static const uint8_t *usable;

static void
ask(void **state, const char *name, uint16_t qtype, const char *ecs,
    const char *from, bool tcp, struct res *res)
{
	uint8_t resp[ANSWER_TCP_MAX];
	struct dnsd_stats st = {0};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct pkt q;

	assert_int_equal(pkt_query(&q, 7, 0, name, qtype, 1, 1), 0);
	size_t mark = pkt_opt_begin(&q, 1232, 0);
	if (ecs != NULL)
		assert_int_equal(pkt_ecs(&q, ecs), 0);
	pkt_rr_end(&q, mark);
	if (from != NULL)
		assert_int_equal(inet_pton(AF_INET, from, &sin.sin_addr), 1);
	struct steer *h = calloc(1, steer_size(4));
	assert_non_null(h);
	h->n = 4;
	for (int i = 0; usable != NULL && i < 4; i++)
		h->edge[i] =
		    (struct steer_edge){usable[i] ? STEER_SHARE_ALL : 0, 1};
	struct serving *sv = serving_new(*state, usable ? h : NULL, NULL);
	free(h);
	size_t len =
	    answer_packet(sv, q.b, q.len, tcp,
	                  from != NULL ? (const struct sockaddr *)&sin : NULL,
	                  resp, tcp ? ANSWER_TCP_MAX : ANSWER_UDP_MAX, &st);
	serving_unref(sv);
	assert_true(len > 0);
	assert_int_equal(ldns_wire2pkt(&res->pkt, resp, len), LDNS_STATUS_OK);

	/* The ECS option: code 8, then family, source, scope, address. */
	res->scope = -1;
	ldns_rdf *opts = ldns_pkt_edns_data(res->pkt);
	const uint8_t *o = opts ? ldns_rdf_data(opts) : NULL;
	size_t olen = opts ? ldns_rdf_size(opts) : 0;
	for (size_t i = 0; i + 4 <= olen;) {
		unsigned code = (unsigned)(o[i] << 8 | o[i + 1]);
		unsigned l = (unsigned)(o[i + 2] << 8 | o[i + 3]);
		if (code == 8 && l >= 4)
			res->scope = o[i + 7];
		i += 4 + l;
	}
}

/* The address of answer record i, as text. */
static void
assert_addr(const struct res *r, size_t i, ldns_rr_type type, const char *want)
{
	ldns_rr_list *an = ldns_pkt_answer(r->pkt);
	assert_true(i < ldns_rr_list_rr_count(an));
	ldns_rr *rr = ldns_rr_list_rr(an, i);
	assert_int_equal(ldns_rr_get_type(rr), type);
	char *text = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	assert_string_equal(text, want);
	free(text);
}

static size_t
nanswers(const struct res *r)
{
	return ldns_rr_list_rr_count(ldns_pkt_answer(r->pkt));
}

static void
ecs_picks_the_nearest_edge_with_its_scope(void **state)
{
	struct res r;

	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(r.pkt));
	assert_int_equal(nanswers(&r), 1);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.3");
	assert_int_equal(
	    ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0)), 20);
	assert_int_equal(r.scope, 24);
	ldns_pkt_free(r.pkt);

	ask(state, "cdn.example.com", LDNS_RR_TYPE_AAAA, "2001:218::/32", NULL,
	    false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_AAAA, "2001:db8::4");
	assert_int_equal(r.scope, 32);
	ldns_pkt_free(r.pkt);
}

static void
aaaa_skips_an_edge_without_ipv6(void **state)
{
	struct res r;

	/* Seattle: sjc is nearest but has no IPv6; iad is next */
	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, "216.160.83.0/24", NULL,
	    false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.1");
	ldns_pkt_free(r.pkt);
	ask(state, "cdn.example.com", LDNS_RR_TYPE_AAAA, "216.160.83.0/24",
	    NULL, false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_AAAA, "2001:db8::2");
	ldns_pkt_free(r.pkt);
}

static void
any_is_one_rrset_over_udp_both_over_tcp(void **state)
{
	struct res r;

	ask(state, "cdn.example.com", LDNS_RR_TYPE_ANY, "81.2.69.0/24", NULL,
	    false, &r);
	assert_int_equal(nanswers(&r), 1);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.3");
	ldns_pkt_free(r.pkt);
	ask(state, "cdn.example.com", LDNS_RR_TYPE_ANY, "81.2.69.0/24", NULL,
	    true, &r);
	assert_int_equal(nanswers(&r), 2);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.3");
	assert_addr(&r, 1, LDNS_RR_TYPE_AAAA, "2001:db8::3");
	ldns_pkt_free(r.pkt);
}

static void
source_address_without_ecs(void **state)
{
	struct res r;

	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, NULL, "81.2.69.77", false,
	    &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.3");
	assert_int_equal(r.scope, -1); /* no ECS asked, none answered */
	ldns_pkt_free(r.pkt);
	/* not in the database: the default */
	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, NULL, "127.0.0.1", false,
	    &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.4");
	ldns_pkt_free(r.pkt);
	/* ECS wins over the source address */
	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, "216.160.83.0/24",
	    "81.2.69.77", false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.1");
	ldns_pkt_free(r.pkt);
}

static void
ecs_source_zero_is_the_default_for_everyone(void **state)
{
	struct res r;

	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, "0.0.0.0/0", "81.2.69.77",
	    false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.4");
	assert_int_equal(r.scope, 0);
	ldns_pkt_free(r.pkt);
}

static void
cname_to_a_geo_name_and_other_types(void **state)
{
	struct res r;

	ask(state, "www.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_int_equal(nanswers(&r), 2);
	assert_int_equal(
	    ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r.pkt), 0)),
	    LDNS_RR_TYPE_CNAME);
	assert_addr(&r, 1, LDNS_RR_TYPE_A, "10.0.0.3");
	assert_int_equal(r.scope, 24);
	ldns_pkt_free(r.pkt);
	/* TXT at a geo name: NODATA, and it does not depend on the client */
	ask(state, "cdn.example.com", LDNS_RR_TYPE_TXT, "81.2.69.0/24", NULL,
	    false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_NOERROR);
	assert_int_equal(nanswers(&r), 0);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_authority(r.pkt)), 1);
	assert_int_equal(r.scope, 0);
	ldns_pkt_free(r.pkt);
}

static void
a_down_edge_gives_way_to_the_next(void **state)
{
	static const uint8_t lhr_down[4] = {1, 1, 0, 1};
	struct res r;

	usable = lhr_down;
	/* London: lhr is down, iad is next */
	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.2");
	ldns_pkt_free(r.pkt);
	usable = NULL;
	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.3");
	ldns_pkt_free(r.pkt);
}

static void
all_down_policies(void **state)
{
	static const uint8_t none[4] = {0, 0, 0, 0};
	struct res r;

	usable = none;
	/* fail_open (the default): as if all were up, the nearest */
	ask(state, "cdn.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.3");
	ldns_pkt_free(r.pkt);
	ask(state, "sf.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_SERVFAIL);
	assert_int_equal(nanswers(&r), 0);
	assert_false(ldns_pkt_aa(r.pkt));
	ldns_pkt_free(r.pkt);
	ask(state, "nd.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.pkt), LDNS_RCODE_NOERROR);
	assert_int_equal(nanswers(&r), 0);
	assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_authority(r.pkt)), 1);
	ldns_pkt_free(r.pkt);
	/* the last resort answers whatever its health */
	ask(state, "lr.example.com", LDNS_RR_TYPE_A, "81.2.69.0/24", NULL,
	    false, &r);
	assert_addr(&r, 0, LDNS_RR_TYPE_A, "10.0.0.4");
	ldns_pkt_free(r.pkt);
	usable = NULL;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ecs_picks_the_nearest_edge_with_its_scope),
	    cmocka_unit_test(aaaa_skips_an_edge_without_ipv6),
	    cmocka_unit_test(any_is_one_rrset_over_udp_both_over_tcp),
	    cmocka_unit_test(source_address_without_ecs),
	    cmocka_unit_test(ecs_source_zero_is_the_default_for_everyone),
	    cmocka_unit_test(cname_to_a_geo_name_and_other_types),
	    cmocka_unit_test(a_down_edge_gives_way_to_the_next),
	    cmocka_unit_test(all_down_policies),
	};
	return cmocka_run_group_tests_name("answer_geo", tests, setup,
	                                   teardown);
}
