/* SPDX-License-Identifier: MIT */
/* dnsd/geo_name.h: a geo-routed name (e.g. cdn.example.net): its policy
 * from the zone file, compiled into a geo map.  Load path except
 * geo_name_choose(). */
#ifndef DNSD_GEO_NAME_H
#define DNSD_GEO_NAME_H

#include <stdbool.h>
#include <stdint.h>
#include <yaml.h>

#include "geo/geo_map.h"

struct edge_set;
struct errbuf;
struct geo_client;
struct geo_mmdb;
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

/* The outcome of geo_name_pick(). */
enum geo_pick {
	GEO_PICK_OK,       /* out[] holds the edges to answer with */
	GEO_PICK_ALL_DOWN, /* all down: the all_down policy picked out[]
	                      (none for nodata: answer NODATA) */
	GEO_PICK_NODATA,   /* no edge has an address of this family */
	GEO_PICK_SERVFAIL, /* all down, and the policy says SERVFAIL */
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

/*
 * The edges for a client, and the ECS scope of that answer.  `c` NULL (an
 * ECS source prefix of 0: "do not tailor") gives the default, scope 0.
 * Hot path: no allocation.
 */
const struct geo_choice *geo_name_choose(const struct geo_name *g,
                                         const struct geo_client *c,
                                         unsigned *scope);

/* geo_map_prefetch() for the client's lookup in g's map (a hint only). */
void geo_name_prefetch(const struct geo_name *g, const struct geo_client *c,
                       unsigned level);

/*
 * The edges that answer `choice` for addresses of `family` (AF_INET for A,
 * AF_INET6 for AAAA): the first g->answers edges of the ranked list that
 * have such an address and are usable (`usable[edge]` nonzero; NULL means
 * every edge is).  An edge without IPv6 is skipped for AAAA, so IPv6
 * clients reach the nearest edge that can serve them.  When every edge of
 * the list with such an address is down, g->all_down decides.  Fills out[]
 * (room for GEO_MAX_RANK) and returns how many; *res says what to answer.
 * Hot path.
 */
unsigned geo_name_pick(const struct geo_name *g,
                       const struct geo_choice *choice, int family,
                       const uint8_t *usable, uint16_t *out,
                       enum geo_pick *res);

#endif
