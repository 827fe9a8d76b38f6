/* SPDX-License-Identifier: MIT */
/* dnsd/snapshot.h: everything a query is answered from, immutable once
 * built and reference-counted so a reload can swap it under the workers. */
#ifndef DNSD_SNAPSHOT_H
#define DNSD_SNAPSHOT_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

struct dnsd_conf;
struct edge_set;
struct errbuf;
struct geo_mmdb;
struct prebuilt;
struct zonedb;

struct snapshot {
	struct dnsd_conf *conf;
	struct zonedb *db;
	struct edge_set
	    *edges;          /* NULL without an inventory; geo names use it */
	unsigned generation; /* 1 for the first load, +1 per reload */
	time_t loaded;
	/* When the signed zones' `refresh` is up and the server must load
	 * again to sign again (zone_sign.h); 0: nothing is signed. */
	time_t resign_at;
	/* CHAOS TXT rdata and NSID, encoded once at load. */
	uint8_t id_txt[256];
	unsigned id_txt_len; /* 0: refuse id.server / hostname.bind */
	uint8_t ver_txt[256];
	unsigned ver_txt_len; /* 0: refuse version.bind / version.server */
	char geo_db[256];     /* "GeoIP2-City, IPv6, built ..." or "" */
	/*
	 * The database the geo names were compiled from, kept open (mapped,
	 * its pages released) so that explain locates clients in the data
	 * that is served, not in the file as it is now.  NULL: none.
	 */
	struct geo_mmdb *mmdb;
	struct prebuilt *prebuilt; /* compiled responses, or NULL */
	atomic_uint refs;
};

/*
 * Load the server configuration at `path` and compile every zone it names
 * into a new snapshot with one reference.  Reports every error in `err`.
 * Returns new, or NULL.  Load path: may take a while; the old snapshot
 * keeps serving meanwhile.
 */
struct snapshot *snapshot_load(const char *path, unsigned generation,
                               struct errbuf *err);

/* Take / drop a reference; the last drop frees it.  Thread-safe. */
void snapshot_ref(struct snapshot *s);
void snapshot_unref(struct snapshot *s); /* NULL is a no-op */

#endif
