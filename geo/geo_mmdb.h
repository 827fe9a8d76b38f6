/* SPDX-License-Identifier: MIT */
/* geo/geo_mmdb.h: MaxMind DB (GeoIP2/GeoLite2 City or Country) reading,
 * what geo/ uses beyond geo.h.  geo_mmdb.c is the only file that includes
 * <maxminddb.h>.  Load path and tools only. */
#ifndef GEO_GEO_MMDB_H
#define GEO_GEO_MMDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "geo/geo.h"

struct errbuf;

/*
 * Call fn(key, plen, record, arg) for every network in the database that
 * has data, in address order, with keys in the 128-bit tree layout (an
 * IPv4-only database appears under ::/96).  `record` identifies the data
 * record (networks sharing a record share the number: use it to cache per
 * record work).  Aliases of the IPv4 space inside an IPv6 tree (::ffff:0:0
 * /96, 2001::/32, 2002::/16, which MaxMind links to ::/96) are skipped:
 * clients in those forms are located through their IPv4 address.
 * Returns 0, or -1 with `err` filled if the tree is corrupt.
 */
int geo_mmdb_walk(const struct geo_mmdb *db,
                  void (*fn)(const uint8_t key[16], unsigned plen,
                             uint64_t record, void *arg),
                  void *arg, struct errbuf *err);

/*
 * What geo_mmdb_record fills in.  Each field is a lookup of its own in the
 * record (a walk through its maps), so a map build asks only for what its
 * policy reads; what is not asked for is left empty.
 */
enum {
	GEO_LOC_COORDS = 1,      /* has_coords, lat, lon */
	GEO_LOC_COUNTRY = 2,     /* continent and country */
	GEO_LOC_SUBDIVISION = 4, /* subdivision */
	GEO_LOC_CITY = 8,        /* city */
	GEO_LOC_ALL = 15
};

/* The location stored in `record` (as passed to the walk callback). */
void geo_mmdb_record(const struct geo_mmdb *db, uint64_t record,
                     unsigned fields, struct geo_location *out);

#endif
