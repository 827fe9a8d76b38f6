/* SPDX-License-Identifier: MIT */
/* dnsd/geo_name.h: a geo-routed name (e.g. cdn.example.net): its policy
 * from the zone file, compiled into a geo map.  Load path; geo_answer.h
 * says how it answers a client. */
#ifndef DNSD_GEO_NAME_H
#define DNSD_GEO_NAME_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "geo/geo.h"

struct edge_set;
struct errbuf;
struct ycfg_doc;

/* What geo names are compiled against: shared by every zone of a load. */
struct geo_env {
	const struct edge_set *edges; /* NULL: no inventory configured */
	const struct geo_mmdb *db;    /* NULL: no database configured */
	struct geo_site *sites;       /* edges as ranking sees them */
	bool broken; /* the inventory or database failed (reported once) */
};

/* What a geo name answers when every edge a client could get is down. */
enum geo_all_down {
	GEO_ALL_DOWN_FAIL_OPEN,   /* as if all were up: the nearest (default) */
	GEO_ALL_DOWN_NODATA,      /* no address */
	GEO_ALL_DOWN_SERVFAIL,    /* let the resolver try elsewhere */
	GEO_ALL_DOWN_LAST_RESORT, /* fixed edges, whatever their health */
};

/* Backup edges ranked beyond those answered, for when edges fail. */
#define GEO_NAME_BACKUPS 3

struct geo_name {
	char *owner;      /* "cdn.example.net", for logs and tools */
	uint32_t ttl;     /* of its A/AAAA answers */
	unsigned answers; /* edges per answer */
	enum geo_all_down all_down;
	struct geo_list last_resort; /* GEO_ALL_DOWN_LAST_RESORT */
	struct geo_map *map;
	const struct edge_set *edges; /* borrowed from the snapshot */
	int row; /* index in the zonedb's geo[]: the counters' row */
	/*
	 * Spreading (geo_answer.h): a client is hashed as its network of
	 * this many bits (IPv4, IPv6), with the name's own seed, so that
	 * two names spread the same clients independently.
	 */
	unsigned spread_v4, spread_v6;
	uint64_t seed;
	/* Type, class, TTL and RDLENGTH of its A [0] and AAAA [1] records. */
	uint8_t rr_head[2][10];
};

/*
 * Compile the geo name `owner` from its YAML mapping `node` (keys in
 * zones/README.md).  Every problem goes to `err` at its position.
 * `zone_ttl` is the default TTL.  Returns new, or NULL.
 */
struct geo_name *geo_name_load(const struct ycfg_doc *doc,
                               const yaml_node_t *node, const char *owner,
                               uint32_t zone_ttl, const struct geo_env *env,
                               struct errbuf *err);

void geo_name_free(struct geo_name *g); /* NULL is a no-op */

#endif
