/* SPDX-License-Identifier: MIT */
/* geo/geo_dist.h: great-circle ranking of edges from a client location. */
#ifndef GEO_GEO_DIST_H
#define GEO_GEO_DIST_H

#include <stddef.h>
#include <stdint.h>

/* A place on Earth, degrees; lat in [-90, 90], lon in [-180, 180]. */
struct geo_point {
	double lat;
	double lon;
};

/*
 * An edge as ranking sees it.  `bias` (-99..99, Route 53 geoproximity
 * style) makes an edge look nearer (positive) or farther (negative): its
 * distance is multiplied by (1 - bias/100).
 */
struct geo_site {
	struct geo_point at;
	int bias;
};

/* Great-circle distance in kilometres (haversine, mean Earth radius). */
double geo_distance_km(struct geo_point a, struct geo_point b);

/*
 * Rank `n` sites by biased distance from `from`, nearest first, into
 * order[0..n) (indexes into sites); equal distances keep index order, so
 * the result is deterministic.  Load path (may be called a few hundred
 * thousand times while compiling a database: no allocation).  n <= 65535.
 */
void geo_rank(struct geo_point from, const struct geo_site *sites, size_t n,
              uint16_t *order);

#endif
