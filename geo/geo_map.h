/* SPDX-License-Identifier: MIT */
/* geo/geo_map.h: one geo name's policy compiled against a database into a
 * merged prefix tree of ranked edge lists (geo/ only: the API is geo.h). */
#ifndef GEO_GEO_MAP_H
#define GEO_GEO_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "geo/geo.h"

struct geo_tree;

struct geo_map {
	struct geo_tree *tree;     /* address -> index into choice[] */
	struct geo_choice *choice; /* de-duplicated decisions */
	size_t nchoices;
	uint32_t default_choice; /* for clients that sent no location */
	/* the policy's latency entries, edges in RTT order (explain) */
	struct geo_latency *latency;
	size_t nlatency;
};

/*
 * The choice the policy makes for a database record's location (the same
 * rule the compiled map applies).  Load path.
 */
void geo_map_decide(const struct geo_policy *p, const struct geo_location *loc,
                    struct geo_choice *out);

/*
 * The choice for a network with measured RTTs `lat` (edges in RTT order,
 * ties by inventory index) located at `loc` (NULL or without coordinates:
 * not located): the measured edges, then the rest of the pool by distance
 * from `loc`, cut to the policy's depth but never short of a measured
 * edge.  No tiers.  Load path.
 */
void geo_map_decide_latency(const struct geo_policy *p,
                            const struct geo_latency *lat,
                            const struct geo_location *loc,
                            struct geo_choice *out);

#endif
