/* SPDX-License-Identifier: MIT */
/* tests/unit/test_geo_dist.c: great-circle distances and edge ranking. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "geo/geo_dist.h"

#define PT(lat, lon) ((struct geo_point){(lat), (lon)})

static const struct geo_point amsterdam = {52.37, 4.90};
static const struct geo_point frankfurt = {50.11, 8.68};
static const struct geo_point ashburn = {39.04, -77.49};
static const struct geo_point singapore = {1.35, 103.82};
static const struct geo_point paris = {48.8566, 2.3522};
static const struct geo_point london = {51.5074, -0.1278};

static void
near(double got, double want, double tolerance)
{
	if (fabs(got - want) > tolerance)
		fail_msg("%.3f km, want %.3f +- %.3f", got, want, tolerance);
}

static void
distances(void **state)
{
	(void)state;
	near(geo_distance_km(london, paris), 344, 2);
	near(geo_distance_km(paris, london), geo_distance_km(london, paris),
	     1e-9);
	/* half the circumference: pi * 6371.0088 */
	near(geo_distance_km(PT(0, 0), PT(0, 180)), 20015.114, 0.01);
	near(geo_distance_km(PT(90, 0), PT(-90, 0)), 20015.114, 0.01);
	near(geo_distance_km(PT(45, 10), PT(-45, -170)), 20015.114, 0.01);
	assert_true(geo_distance_km(amsterdam, amsterdam) == 0.0);
	/* the antimeridian is no wall */
	near(geo_distance_km(PT(0, 179.5), PT(0, -179.5)), 111.195, 0.01);
}

static void
nearest_first(void **state)
{
	(void)state;
	/* deliberately not in distance order */
	const struct geo_site sites[] = {
	    {singapore, 0},
	    {ashburn, 0},
	    {frankfurt, 0},
	};
	uint16_t order[3];

	geo_rank(amsterdam, sites, 3, order);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 0);
}

static void
bias_flips_order(void **state)
{
	(void)state;
	/* from Amsterdam, Frankfurt ~365 km, Paris ~430 km */
	struct geo_site sites[] = {
	    {paris, 0},
	    {frankfurt, 0},
	};
	uint16_t order[2];

	geo_rank(amsterdam, sites, 2, order);
	assert_int_equal(order[0], 1);
	sites[0].bias = 50; /* Paris looks 215 km away */
	geo_rank(amsterdam, sites, 2, order);
	assert_int_equal(order[0], 0);
	sites[0].bias = 0;
	sites[1].bias = -50; /* Frankfurt looks 547 km away */
	geo_rank(amsterdam, sites, 2, order);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	sites[1].bias = 10; /* a small bias does not overturn 65 km */
	sites[0].bias = 10;
	geo_rank(amsterdam, sites, 2, order);
	assert_int_equal(order[0], 1);
}

static void
ties_keep_index_order(void **state)
{
	(void)state;
	/* from (0, 0): three sites exactly 10 degrees away, one far */
	const struct geo_site sites[] = {
	    {PT(0, 100), 0}, {PT(0, 10), 0},  {PT(0, -10), 0},
	    {PT(10, 0), 0},  {PT(0, -10), 0}, {PT(-10, 0), 0},
	};
	uint16_t order[6];

	geo_rank(PT(0, 0), sites, 6, order);
	for (int i = 0; i < 5; i++)
		assert_int_equal(order[i], i + 1);
	assert_int_equal(order[5], 0);
}

static void
small_n(void **state)
{
	(void)state;
	const struct geo_site one = {frankfurt, 0};
	uint16_t order[1] = {77};

	geo_rank(amsterdam, &one, 0, order);
	assert_int_equal(order[0], 77); /* n = 0 writes nothing */
	geo_rank(amsterdam, &one, 1, order);
	assert_int_equal(order[0], 0);
}

/* Biased distance, as ranking defines it. */
static double
biased(struct geo_point from, const struct geo_site *s)
{
	return geo_distance_km(from, s->at) * (1.0 - s->bias / 100.0);
}

/*
 * More sites than the ranking keeps keys for on the stack, with repeated
 * places: a permutation, nearest first, equal places by index.
 */
static void
many_sites(void **state)
{
	enum { N = 5000 };
	struct geo_site *sites = calloc(N, sizeof(*sites));
	uint16_t *order = calloc(N, sizeof(*order));
	char *seen = calloc(N, 1);
	uint64_t x = 12345;

	(void)state;
	assert_non_null(sites);
	assert_non_null(order);
	assert_non_null(seen);
	for (int i = 0; i < N; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (i % 7 == 3) {
			sites[i] = sites[(x >> 33) % (unsigned)i];
			continue;
		}
		sites[i].at.lat = (double)((x >> 11) % 180000) / 1000 - 90;
		sites[i].at.lon = (double)((x >> 31) % 360000) / 1000 - 180;
		sites[i].bias = (int)((x >> 50) % 61) - 30;
	}
	geo_rank(amsterdam, sites, N, order);
	for (int i = 0; i < N; i++) {
		assert_true(order[i] < N);
		assert_false(seen[order[i]]);
		seen[order[i]] = 1;
	}
	for (int i = 1; i < N; i++) {
		const struct geo_site *a = &sites[order[i - 1]];
		const struct geo_site *b = &sites[order[i]];
		assert_true(biased(amsterdam, a) <=
		            biased(amsterdam, b) + 1e-6);
		if (a->at.lat == b->at.lat && a->at.lon == b->at.lon &&
		    a->bias == b->bias)
			assert_true(order[i - 1] < order[i]);
	}
	free(seen);
	free(order);
	free(sites);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(distances),
	    cmocka_unit_test(nearest_first),
	    cmocka_unit_test(bias_flips_order),
	    cmocka_unit_test(ties_keep_index_order),
	    cmocka_unit_test(small_n),
	    cmocka_unit_test(many_sites),
	};
	return cmocka_run_group_tests_name("geo_dist", tests, NULL, NULL);
}
