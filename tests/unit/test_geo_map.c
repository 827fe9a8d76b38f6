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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nearest_ranks_the_whole_pool),
	    cmocka_unit_test(map_precedence_most_specific_first),
	    cmocka_unit_test(no_map_match_falls_to_nearest_then_default),
	    cmocka_unit_test(bias_moves_clients),
	    cmocka_unit_test(overrides_longest_prefix_without_database),
	};
	return cmocka_run_group_tests_name("geo_map", tests, NULL, NULL);
}
