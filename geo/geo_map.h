/* SPDX-License-Identifier: MIT */
/* geo/geo_map.h: one geo name's policy compiled against a database into a
 * merged prefix tree of ranked edge lists. */
#ifndef GEO_GEO_MAP_H
#define GEO_GEO_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "geo/geo_dist.h"

struct errbuf;
struct geo_client;
struct geo_mmdb;
struct geo_tree;

/* Most edges a choice ranks; `answers: N` takes the first N that serve. */
#define GEO_MAX_RANK 16

/* Which rule of the policy decided (for geoq, explain and metrics). */
enum geo_rule {
	GEO_RULE_DEFAULT,  /* the client could not be located */
	GEO_RULE_OVERRIDE, /* an operator CIDR override */
	GEO_RULE_MAP,      /* the region map */
	GEO_RULE_NEAREST,  /* great-circle distance */
};

/* An ordered list of edges (indexes into the edge inventory). */
struct geo_list {
	uint16_t n;
	uint16_t edge[GEO_MAX_RANK];
};

/* One decision: the rule and the ranked edges.  Identical ones are shared. */
struct geo_choice {
	uint8_t rule; /* enum geo_rule */
	struct geo_list list;
};

struct geo_override {
	uint8_t key[16]; /* tree layout: IPv4 as ::a.b.c.d */
	unsigned plen;   /* tree layout: an IPv4 /24 is 120 */
	struct geo_list list;
	const char *file;   /* where it was written (borrowed) */
	unsigned line, col; /* where it was written */
};

/*
 * A region-map entry.  Matching a location, most specific first: country +
 * subdivision, country, continent, then the entry with all three empty
 * (the map's default).
 */
struct geo_region {
	char continent[3];
	char country[3];
	char subdivision[8];
	struct geo_list list;
};

/* What a geo name asks for; all arrays borrowed while building. */
struct geo_policy {
	const struct geo_site *sites; /* every edge of the inventory */
	size_t nsites;
	const uint16_t *pool; /* the edges `nearest` ranks */
	size_t npool;
	/*
	 * How many of the nearest edges a network keeps (1..GEO_MAX_RANK):
	 * those answered plus the backups health may need.  Rankings that
	 * agree this deep merge, so a shallower depth gives wider ECS scopes.
	 */
	unsigned depth;
	struct geo_list dflt; /* clients that cannot be located */
	const struct geo_override *overrides;
	size_t noverrides;
	const struct geo_region *regions;
	size_t nregions;
};

struct geo_map {
	struct geo_tree *tree;     /* address -> index into choice[] */
	struct geo_choice *choice; /* de-duplicated decisions */
	size_t nchoices;
	uint32_t default_choice; /* for clients that sent no location */
};

/*
 * Compile `p` against `db` (which may be NULL: then every client gets the
 * default unless an override covers it).  Walks the whole database once,
 * reading each distinct record once (only the fields the policy uses) and
 * deciding once per distinct location.  Returns new, or NULL with `err`.
 * Load path: about 0.6 s for 1.1 M networks and 366 k records.
 */
struct geo_map *geo_map_build(const struct geo_mmdb *db,
                              const struct geo_policy *p, struct errbuf *err);

void geo_map_free(struct geo_map *m); /* NULL is a no-op */

/*
 * The choice for `c` and, in *scope, the ECS scope of the answer in the
 * client's own terms.  Hot path: one tree walk, no allocation.  A query
 * whose ECS source prefix is 0 asks not to be tailored (RFC 7871):
 * the caller answers it with geo_map_default() and scope 0 instead.
 */
const struct geo_choice *geo_map_lookup(const struct geo_map *m,
                                        const struct geo_client *c,
                                        unsigned *scope);

/* geo_tree_prefetch() for the lookup of `c` (hot path, a hint only). */
void geo_map_prefetch(const struct geo_map *m, const struct geo_client *c,
                      unsigned level);

/*
 * The choice the policy makes for a database record's location (the same
 * rule the compiled map applies).  Load path and tools.
 */
struct geo_location;
void geo_map_decide(const struct geo_policy *p, const struct geo_location *loc,
                    struct geo_choice *out);

/* The choice for clients that cannot be located. */
static inline const struct geo_choice *
geo_map_default(const struct geo_map *m)
{
	return &m->choice[m->default_choice];
}

const char *geo_rule_name(enum geo_rule rule); /* "nearest", ... */

#endif
