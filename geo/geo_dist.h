/* SPDX-License-Identifier: MIT */
/* geo/geo_dist.h: great-circle ranking of edges from a client location
 * (geo/ only; geo_distance_km is in geo.h). */
#ifndef GEO_GEO_DIST_H
#define GEO_GEO_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "geo/geo.h"

/*
 * Rank `n` sites by biased distance from `from`, nearest first, into
 * order[0..n) (indexes into sites); equal distances keep index order, so
 * the result is deterministic.  Load path (may be called a few hundred
 * thousand times while compiling a database: no allocation).  n <= 65535.
 */
void geo_rank(struct geo_point from, const struct geo_site *sites, size_t n,
              uint16_t *order);

#endif
