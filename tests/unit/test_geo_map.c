/* SPDX-License-Identifier: MIT */
/* tests/unit/test_geo_map.c: a geo name's policy: precedence, fallbacks,
 * overrides and the choices the compiled map hands out. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/errbuf.h"
#include "geo/geo.h"
#include "geo/geo_map.h"
#include "geo/geo_mmdb.h"

/* Edges: 0 lhr, 1 fra, 2 iad, 3 sjc, 4 syd (real coordinates). */
static const struct geo_site sites[] = {
    {{51.47, -0.45}, 0},   {{50.03, 8.57}, 0},    {{38.95, -77.45}, 0},
    {{37.36, -121.93}, 0}, {{-33.95, 151.18}, 0},
};
static const uint16_t pool[] = {0, 1, 2, 3, 4};

static struct geo_list
list1(uint16_t e)
{
	struct geo_list l = {.n = 1, .edge = {e}};
	return l;
}

static struct geo_region
region(const char *cont, const char *cc, const char *sub, uint16_t e)
{
	struct geo_region r = {.list = list1(e)};

	strcpy(r.continent, cont);
	strcpy(r.country, cc);
	strcpy(r.subdivision, sub);
	return r;
}

static struct geo_location
place(const char *cont, const char *cc, const char *sub, double lat, double lon)
{
	struct geo_location l = {.has_coords = true, .lat = lat, .lon = lon};

	strcpy(l.continent, cont);
	strcpy(l.country, cc);
	strcpy(l.subdivision, sub);
	return l;
}

static struct geo_policy
policy(const struct geo_region *regions, size_t nregions)
{
	struct geo_policy p = {
	    .sites = sites,
	    .nsites = 5,
	    .pool = pool,
	    .npool = 5,
	    .dflt = list1(2),
	    .regions = regions,
	    .nregions = nregions,
	};
	return p;
}

/* The edge and rule a policy picks for a place. */
static void
expect(const struct geo_policy *p, const struct geo_location *loc,
       enum geo_rule rule, uint16_t first)
{
	struct geo_choice c;

	geo_map_decide(p, loc, &c);
	assert_int_equal(c.rule, rule);
	assert_true(c.list.n >= 1);
	assert_int_equal(c.list.edge[0], first);
}

static void
nearest_ranks_the_whole_pool(void **state)
{
	struct geo_policy p = policy(NULL, 0);
	struct geo_location paris = place("EU", "FR", "IDF", 48.86, 2.35);
	struct geo_choice c;

	(void)state;
	geo_map_decide(&p, &paris, &c);
	assert_int_equal(c.rule, GEO_RULE_NEAREST);
	assert_int_equal(c.list.n, 5);
	/* Paris: London 344 km, Frankfurt 450 km, then Ashburn, San Jose */
	static const uint16_t want[] = {0, 1, 2, 3, 4};
	assert_memory_equal(c.list.edge, want, sizeof(want));
}

static void
map_precedence_most_specific_first(void **state)
{
	const struct geo_region regions[] = {
	    region("", "", "", 4),       /* map default: syd */
	    region("NA", "", "", 2),     /* North America: iad */
	    region("NA", "US", "", 2),   /* US: iad */
	    region("NA", "US", "CA", 3), /* California: sjc */
	};
	struct geo_policy p = policy(regions, 4);
	struct geo_location la = place("NA", "US", "CA", 34.05, -118.24);
	struct geo_location seattle = place("NA", "US", "WA", 47.6, -122.3);
	struct geo_location toronto = place("NA", "CA", "ON", 43.7, -79.4);
	struct geo_location london = place("EU", "GB", "ENG", 51.5, -0.1);

	(void)state;
	expect(&p, &la, GEO_RULE_MAP, 3);      /* subdivision */
	expect(&p, &seattle, GEO_RULE_MAP, 2); /* the country, not nearest */
	expect(&p, &toronto, GEO_RULE_MAP, 2); /* the continent */
	expect(&p, &london, GEO_RULE_MAP, 4);  /* the map's default */
}

static void
no_map_match_falls_to_nearest_then_default(void **state)
{
	const struct geo_region regions[] = {region("OC", "NZ", "", 4)};
	struct geo_policy p = policy(regions, 1);
	struct geo_location london = place("EU", "GB", "ENG", 51.5, -0.1);
	struct geo_location nowhere = place("", "", "", 0, 0);

	(void)state;
	expect(&p, &london, GEO_RULE_NEAREST, 0);
	nowhere.has_coords = false;
	expect(&p, &nowhere, GEO_RULE_DEFAULT, 2);
	expect(&p, NULL, GEO_RULE_DEFAULT, 2);
}

static void
bias_moves_clients(void **state)
{
	struct geo_site biased[5];
	struct geo_policy p = policy(NULL, 0);
	struct geo_location paris = place("EU", "FR", "IDF", 48.86, 2.35);

	(void)state;
	memcpy(biased, sites, sizeof(sites));
	biased[1].bias = 50; /* Frankfurt draws clients from farther away */
	p.sites = biased;
	expect(&p, &paris, GEO_RULE_NEAREST, 1);
}

static void
key_of(const char *cidr, uint8_t key[16], unsigned *plen)
{
	char addr[64];
	const char *slash = strchr(cidr, '/');

	snprintf(addr, sizeof(addr), "%.*s", (int)(slash - cidr), cidr);
	memset(key, 0, 16);
	if (inet_pton(AF_INET, addr, key + 12) == 1)
		*plen = 96 + (unsigned)atoi(slash + 1);
	else
		assert_int_equal(inet_pton(AF_INET6, addr, key), 1),
		    *plen = (unsigned)atoi(slash + 1);
}

/* Look a client up in the compiled map: edge and scope. */
static void
lookup(const struct geo_map *m, int family, const char *addr, unsigned bits,
       enum geo_rule rule, uint16_t edge, unsigned want_scope)
{
	uint8_t a[16] = {0};
	struct geo_client c;
	unsigned scope;

	assert_int_equal(inet_pton(family, addr, a), 1);
	geo_client_make(&c, family, a, bits);
	unsigned depth;
	const struct geo_choice *ch = geo_map_lookup(m, &c, &depth);
	scope = geo_client_scope(&c, depth);
	assert_int_equal(ch->rule, rule);
	assert_int_equal(ch->list.edge[0], edge);
	if (want_scope != -1u)
		assert_int_equal(scope, want_scope);
}

static void
overrides_longest_prefix_without_database(void **state)
{
	struct geo_override ov[3] = {0};
	struct geo_policy p = policy(NULL, 0);
	struct errbuf err;

	(void)state;
	key_of("10.0.0.0/8", ov[0].key, &ov[0].plen);
	ov[0].list = list1(0);
	key_of("10.1.0.0/16", ov[1].key, &ov[1].plen);
	ov[1].list = list1(1);
	key_of("2001:db8::/32", ov[2].key, &ov[2].plen);
	ov[2].list = list1(3);
	p.overrides = ov;
	p.noverrides = 3;
	errbuf_init(&err);
	struct geo_map *m = geo_map_build(NULL, &p, &err);
	assert_non_null(m);
	/* three override lists and the default: no duplicates */
	assert_int_equal(m->nchoices, 4);

	lookup(m, AF_INET, "10.1.2.3", 32, GEO_RULE_OVERRIDE, 1, 16);
	/* 10.0.0.0/15 holds the /16 override: 10.2.0.0 sits in the aligned
	 * 10.2.0.0/15, the largest network around it with one answer */
	lookup(m, AF_INET, "10.2.0.0", 24, GEO_RULE_OVERRIDE, 0, 15);
	lookup(m, AF_INET6, "2001:db8:1::", 48, GEO_RULE_OVERRIDE, 3, 32);
	/* outside every override: the default, over a merged network */
	lookup(m, AF_INET, "192.0.2.1", 32, GEO_RULE_DEFAULT, 2, 1);
	lookup(m, AF_INET, "11.0.0.1", 32, GEO_RULE_DEFAULT, 2, 8);
	/* the same override reached through a v4-mapped address */
	lookup(m, AF_INET6, "::ffff:10.1.0.0", 120, GEO_RULE_OVERRIDE, 1, 112);
	assert_ptr_equal(geo_map_default(m), &m->choice[m->default_choice]);
	assert_int_equal(geo_map_default(m)->list.edge[0], 2);
	geo_map_free(m);
	errbuf_fini(&err);
}

static struct geo_latency
measured(const char *cidr, unsigned n, const uint16_t *edge, const float *rtt)
{
	struct geo_latency l = {.n = n};

	key_of(cidr, l.key, &l.plen);
	memcpy(l.edge, edge, n * sizeof(edge[0]));
	memcpy(l.rtt_ms, rtt, n * sizeof(rtt[0]));
	return l;
}

static void
assert_list(const struct geo_choice *c, unsigned n, const uint16_t *want)
{
	assert_int_equal(c->list.n, n);
	assert_memory_equal(c->list.edge, want, n * sizeof(want[0]));
}

/* Measured edges first by RTT (ties by inventory index), then the rest of
 * the pool by distance, to the depth; never short of a measured edge. */
static void
latency_ranks_measured_then_nearest(void **state)
{
	struct geo_policy p = policy(NULL, 0);
	struct geo_location paris = place("EU", "FR", "IDF", 48.86, 2.35);
	/* syd and iad tie: iad (2) first; fra slower */
	static const uint16_t e[] = {4, 1, 2};
	static const float rtt[] = {5, 20, 5};
	struct geo_latency l = measured("192.0.2.0/24", 3, e, rtt);
	struct geo_choice c;

	(void)state;
	/* as the map sorts them */
	static const uint16_t sorted[] = {2, 4, 1};
	static const float srtt[] = {5, 5, 20};
	struct geo_latency ls = measured("192.0.2.0/24", 3, sorted, srtt);

	p.depth = 5;
	geo_map_decide_latency(&p, &ls, &paris, &c);
	assert_int_equal(c.rule, GEO_RULE_LATENCY);
	assert_int_equal(c.joined, 0);
	/* then from Paris: lhr 344 km, sjc */
	static const uint16_t want5[] = {2, 4, 1, 0, 3};
	assert_list(&c, 5, want5);
	p.depth = 4;
	geo_map_decide_latency(&p, &ls, &paris, &c);
	assert_list(&c, 4, want5);
	p.depth = 2; /* shallower than what was measured: all kept */
	geo_map_decide_latency(&p, &ls, &paris, &c);
	assert_list(&c, 3, sorted);
	p.depth = 5; /* not located: the measured edges alone */
	geo_map_decide_latency(&p, &ls, NULL, &c);
	assert_list(&c, 3, sorted);
	paris.has_coords = false;
	geo_map_decide_latency(&p, &ls, &paris, &c);
	assert_list(&c, 3, sorted);
	assert_int_equal(c.rule, GEO_RULE_LATENCY);

	/* built into a map, the entry is sorted there */
	struct errbuf err;
	p.latency = &l;
	p.nlatency = 1;
	errbuf_init(&err);
	struct geo_map *m = geo_map_build(NULL, &p, &err);
	assert_non_null(m);
	lookup(m, AF_INET, "192.0.2.77", 32, GEO_RULE_LATENCY, 2, 24);
	uint8_t key[16] = {0};
	assert_int_equal(inet_pton(AF_INET, "192.0.2.77", key + 12), 1);
	const struct geo_latency *got = geo_map_latency(m, key);
	assert_non_null(got);
	assert_int_equal(got->plen, 120);
	assert_int_equal(got->n, 3);
	assert_memory_equal(got->edge, sorted, sizeof(sorted));
	assert_true(got->rtt_ms[0] == 5 && got->rtt_ms[2] == 20);
	geo_map_free(m);
	errbuf_fini(&err);
	assert_string_equal(geo_rule_name(GEO_RULE_LATENCY), "latency");
}

/* Without a database: longest prefix, overrides over latency, the default
 * outside, and geo_map_latency. */
static void
latency_longest_prefix_and_overrides(void **state)
{
	struct geo_override ov[1] = {0};
	struct geo_latency l[3];
	struct geo_policy p = policy(NULL, 0);
	struct errbuf err;
	static const uint16_t lhr[] = {0}, fra[] = {1}, sjc_syd[] = {3, 4};
	static const float one[] = {1}, two[] = {9, 3};

	(void)state;
	/* written longest first: the map sorts */
	l[0] = measured("10.1.0.0/16", 1, fra, one);
	l[1] = measured("10.0.0.0/8", 1, lhr, one);
	l[2] = measured("2001:db8::/32", 2, sjc_syd, two);
	key_of("10.1.2.0/24", ov[0].key, &ov[0].plen);
	ov[0].list = list1(3);
	p.latency = l;
	p.nlatency = 3;
	p.overrides = ov;
	p.noverrides = 1;
	errbuf_init(&err);
	struct geo_map *m = geo_map_build(NULL, &p, &err);
	assert_non_null(m);

	lookup(m, AF_INET, "10.1.2.3", 32, GEO_RULE_OVERRIDE, 3, 24);
	lookup(m, AF_INET, "10.1.3.0", 24, GEO_RULE_LATENCY, 1, 24);
	/* 10.8.0.0/13 is the largest around it without the /16 */
	lookup(m, AF_INET, "10.9.0.0", 16, GEO_RULE_LATENCY, 0, 13);
	lookup(m, AF_INET6, "2001:db8:5::", 48, GEO_RULE_LATENCY, 4, 32);
	lookup(m, AF_INET, "11.0.0.1", 32, GEO_RULE_DEFAULT, 2, 8);
	/* not located (no database): the measured edges alone */
	uint8_t key[16] = {0};
	unsigned d;
	struct geo_client c;
	assert_int_equal(inet_pton(AF_INET, "10.1.3.0", key + 12), 1);
	geo_client_make(&c, AF_INET, key + 12, 32);
	assert_int_equal(geo_map_lookup(m, &c, &d)->list.n, 1);

	const struct geo_latency *got = geo_map_latency(m, c.key);
	assert_non_null(got);
	assert_int_equal(got->plen, 112); /* the /16, not the /8 */
	assert_int_equal(got->edge[0], 1);
	/* the override decides 10.1.2.0/24, the entry is still there */
	assert_int_equal(inet_pton(AF_INET, "10.1.2.3", key + 12), 1);
	assert_int_equal(geo_map_latency(m, key)->plen, 112);
	assert_int_equal(inet_pton(AF_INET, "10.200.0.1", key + 12), 1);
	assert_int_equal(geo_map_latency(m, key)->plen, 104);
	assert_int_equal(inet_pton(AF_INET, "11.0.0.1", key + 12), 1);
	assert_null(geo_map_latency(m, key));
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:ffff::1", key), 1);
	got = geo_map_latency(m, key);
	assert_non_null(got);
	static const uint16_t v6[] = {4, 3}; /* syd 3 ms, sjc 9 ms */
	assert_memory_equal(got->edge, v6, sizeof(v6));
	geo_map_free(m);
	errbuf_fini(&err);
}

/* A database built here with tests/tools/mkmmdb.pl (run from the source
 * tree, as make check does); NULL if it cannot be built. */
static struct geo_mmdb *
build_db(char *dir, size_t dirlen, const char *fixture)
{
	char fx[128], out[128], cmd[512];
	struct errbuf err;

	snprintf(dir, dirlen, "/tmp/test_geo_map.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(fx, sizeof(fx), "%s/fx.txt", dir);
	snprintf(out, sizeof(out), "%s/db.mmdb", dir);
	FILE *f = fopen(fx, "w");
	if (f == NULL)
		return NULL;
	fputs(fixture, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "perl tests/tools/mkmmdb.pl %s %s", fx, out);
	if (system(cmd) != 0) {
		print_error("mkmmdb.pl failed: is libmaxmind-db-writer-perl "
		            "installed (make deps-check)?\n");
		return NULL;
	}
	errbuf_init(&err);
	struct geo_mmdb *db = geo_mmdb_open(out, &err);
	if (db == NULL)
		print_error("%s", errbuf_text(&err));
	errbuf_fini(&err);
	return db;
}

/* With a database: latency wins over the map and nearest, loses to
 * overrides; the backups are ranked from the network's location. */
static void
latency_precedence_with_database(void **state)
{
	const struct geo_region regions[] = {region("EU", "GB", "", 4)};
	struct geo_policy p = policy(regions, 1);
	struct geo_latency l[4];
	struct geo_override ov[1] = {0};
	struct errbuf err;
	char dir[64], cmd[128];
	static const uint16_t sjc[] = {3}, syd_iad[] = {4, 2}, fra[] = {1};
	static const uint16_t iad[] = {2};
	static const float ten[] = {10}, tie[] = {30, 30};

	(void)state;
	struct geo_mmdb *db =
	    build_db(dir, sizeof(dir),
	             "81.2.69.0/24 51.5142 -0.0931 EU GB ENG London\n"
	             "198.51.0.0/16 48.86 2.35 EU FR IDF Paris\n");
	assert_non_null(db);
	l[0] = measured("81.2.69.128/25", 1, sjc, ten);
	l[1] = measured("198.51.100.0/24", 2, syd_iad, tie);
	l[2] = measured("198.51.100.0/26", 1, fra, ten);
	l[3] = measured("10.0.0.0/8", 1, iad, ten); /* not in the database */
	key_of("198.51.100.0/28", ov[0].key, &ov[0].plen);
	ov[0].list = list1(0);
	p.latency = l;
	p.nlatency = 4;
	p.overrides = ov;
	p.noverrides = 1;
	p.depth = 3;
	errbuf_init(&err);
	struct geo_map *m = geo_map_build(db, &p, &err);
	assert_non_null(m);

	/* measured in London: sjc, then lhr and fra by distance */
	lookup(m, AF_INET, "81.2.69.200", 32, GEO_RULE_LATENCY, 3, 25);
	/* the other half of the London network: the map */
	lookup(m, AF_INET, "81.2.69.1", 32, GEO_RULE_MAP, 4, 25);
	/* Paris /24: iad and syd tie (iad first), then lhr, the nearest */
	lookup(m, AF_INET, "198.51.100.200", 32, GEO_RULE_LATENCY, 2, 25);
	/* the /26 beside the override's /28: .32/27 */
	lookup(m, AF_INET, "198.51.100.40", 32, GEO_RULE_LATENCY, 1, 27);
	lookup(m, AF_INET, "198.51.100.5", 32, GEO_RULE_OVERRIDE, 0, 28);
	lookup(m, AF_INET, "198.51.1.1", 32, GEO_RULE_NEAREST, 0, -1u);
	lookup(m, AF_INET, "10.1.1.1", 32, GEO_RULE_LATENCY, 2, 8);

	static const uint16_t london[] = {3, 0, 1}, paris[] = {2, 4, 0};
	static const uint16_t none[] = {2};
	static const struct {
		const char *addr;
		unsigned n;
		const uint16_t *want;
	} lists[] = {
	    {"81.2.69.200", 3, london},
	    {"198.51.100.200", 3, paris},
	    {"10.1.1.1", 1, none},
	};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		uint8_t a[4];
		struct geo_client c;
		unsigned d;
		assert_int_equal(inet_pton(AF_INET, lists[i].addr, a), 1);
		geo_client_make(&c, AF_INET, a, 32);
		assert_list(geo_map_lookup(m, &c, &d), lists[i].n,
		            lists[i].want);
	}
	geo_map_free(m);
	geo_mmdb_free(db);
	errbuf_fini(&err);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nearest_ranks_the_whole_pool),
	    cmocka_unit_test(map_precedence_most_specific_first),
	    cmocka_unit_test(no_map_match_falls_to_nearest_then_default),
	    cmocka_unit_test(bias_moves_clients),
	    cmocka_unit_test(overrides_longest_prefix_without_database),
	    cmocka_unit_test(latency_ranks_measured_then_nearest),
	    cmocka_unit_test(latency_longest_prefix_and_overrides),
	    cmocka_unit_test(latency_precedence_with_database),
	};
	return cmocka_run_group_tests_name("geo_map", tests, NULL, NULL);
}
