/* SPDX-License-Identifier: MIT */
/*
 * dnsd/zone_build.h: what the zonedb builder (zonedb_build.c) collects and
 * hands to zone_build.c, which lays out and checks one zone.  dnsd's own:
 * the API is zonedb.h.  Load path.
 */
#ifndef DNSD_ZONE_BUILD_H
#define DNSD_ZONE_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct errbuf;
struct geo_env;
struct geo_name;
struct zone;
struct zonedb;

/* A record as given, copied; `zone` and `seq` order them. */
struct brr {
	uint8_t *owner;
	size_t ownerlen;
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	uint16_t rdlen;
	int target_off;
	const char *file;
	unsigned line, col;
	size_t zone;
	size_t seq; /* input order, to report the later of two records */
};

struct bzone {
	char *name;
	struct zone_keys *keys; /* NULL: unsigned */
	uint8_t *apex;
	size_t apexlen;
	const char *file;
	unsigned line, col;
};

struct bgeo {
	uint8_t *owner;
	size_t ownerlen;
	struct geo_name *g;
	const char *file;
	unsigned line, col;
	size_t zone;
};

struct zonedb_builder {
	const struct geo_env *env;
	struct bgeo *geo;
	size_t ngeo;
	struct bzone *zones;
	size_t nzones;
	struct brr *rrs;
	size_t nrrs, caprrs;
	char **files; /* interned file names, freed with the builder */
	size_t nfiles;
};

/* Text form of a wire name for messages ("www.example.net"). */
void zone_build_name_text(const uint8_t *name, char *out, size_t outlen);

/*
 * Lay out zone `zi` of `b` (its apex `bz`, its records rrs[0..n), sorted
 * by owner, type and input order) into `z`, with its geo names, in the
 * arena and geo table of `db`, and check it (RFC 1034, 2181, 2308, 6672).
 * Returns 0, or -1 with every error in `err`.
 */
int zone_build(struct zonedb *db, struct zone *z, const struct bzone *bz,
               const struct brr *rrs, size_t n, struct zonedb_builder *b,
               size_t zi, struct errbuf *err);

#endif
