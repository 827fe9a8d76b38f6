/* SPDX-License-Identifier: MIT */
/* geo/geo_dist.c: haversine distance and biased nearest-first ranking. */
#include "geo/geo_dist.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>

/* IUGG mean Earth radius (R1), the usual one for great-circle work. */
#define EARTH_RADIUS_KM 6371.0088
#define DEG (M_PI / 180.0)

/*
 * Sort keys computed once per site live on the stack for the first
 * RANK_CACHE sites (16 KiB); beyond that they are recomputed per
 * comparison.  Pools are hundreds of edges at most (geo_map ranks 1024),
 * so the slow path exists only to honour n <= 65535 without allocating.
 */
#define RANK_CACHE 2048

/* sin^2(dlat/2) + cos lat1 cos lat2 sin^2(dlon/2): the haversine of the
 * central angle, given cos(lat) of both ends. */
static double
hav(struct geo_point a, double cos_a, struct geo_point b, double cos_b)
{
	double s_lat = sin((b.lat - a.lat) * DEG / 2);
	double s_lon = sin((b.lon - a.lon) * DEG / 2);
	double h = s_lat * s_lat + cos_a * cos_b * s_lon * s_lon;

	/* Rounding can push nearly antipodal points just past 1. */
	return h > 1.0 ? 1.0 : h;
}

double
geo_distance_km(struct geo_point a, struct geo_point b)
{
	double h = hav(a, cos(a.lat * DEG), b, cos(b.lat * DEG));

	return 2.0 * EARTH_RADIUS_KM * asin(sqrt(h));
}

struct rank {
	struct geo_point from;
	double cos_from;
	const struct geo_site *sites;
	double cache[RANK_CACHE];
};

/*
 * The central angle (proportional to distance, so it orders the same)
 * scaled by the bias.  The haversine alone would order plain distances
 * but is not linear in them, so the bias must apply to the angle.
 */
static double
site_key(const struct rank *r, size_t i)
{
	const struct geo_site *s = &r->sites[i];
	double h = hav(r->from, r->cos_from, s->at, cos(s->at.lat * DEG));

	return asin(sqrt(h)) * (1.0 - s->bias / 100.0);
}

static inline double
key_of(const struct rank *r, size_t i)
{
	return i < RANK_CACHE ? r->cache[i] : site_key(r, i);
}

/* Nearer first; equal keys by index, so the order is total and any sort
 * (heapsort is not stable) gives the one deterministic result. */
static inline bool
before(const struct rank *r, uint16_t a, uint16_t b)
{
	double ka = key_of(r, a), kb = key_of(r, b);

	return ka < kb || (ka == kb && a < b);
}

/* Heapsort: in place, no recursion, O(n log n) whatever the input. */
static void
sift_down(const struct rank *r, uint16_t *order, size_t i, size_t n)
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, rt = l + 1;
		if (l < n && before(r, order[big], order[l]))
			big = l;
		if (rt < n && before(r, order[big], order[rt]))
			big = rt;
		if (big == i)
			return;
		uint16_t tmp = order[i];
		order[i] = order[big];
		order[big] = tmp;
		i = big;
	}
}

void
geo_rank(struct geo_point from, const struct geo_site *sites, size_t n,
         uint16_t *order)
{
	struct rank r; /* no initializer: the cache is filled as needed */

	assert(n <= 65535);
	r.from = from;
	r.cos_from = cos(from.lat * DEG);
	r.sites = sites;
	for (size_t i = 0; i < n; i++) {
		/* The config loader keeps bias in -99..99: no zero factor. */
		assert(sites[i].bias > -100 && sites[i].bias < 100);
		order[i] = (uint16_t)i;
		if (i < RANK_CACHE)
			r.cache[i] = site_key(&r, i);
	}
	for (size_t i = n / 2; i-- > 0;)
		sift_down(&r, order, i, n);
	for (size_t end = n; end > 1; end--) {
		uint16_t tmp = order[0];
		order[0] = order[end - 1];
		order[end - 1] = tmp;
		sift_down(&r, order, 0, end - 1);
	}
}
