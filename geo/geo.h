/* SPDX-License-Identifier: MIT */
/*
 * geo/geo.h: what the rest of the tree uses of geo/ (libgeo.a): client
 * addresses and their ECS scope, a geo policy compiled against a MaxMind
 * database into a map from every address to a ranked list of edges, and
 * the database itself for tools that show a client's location.  The other
 * headers in geo/ are its own (and its unit tests').
 */
#ifndef GEO_GEO_H
#define GEO_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;

/* ---- places -------------------------------------------------------------- */

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

/* ---- clients ------------------------------------------------------------- */

/*
 * A client to locate: the 128-bit tree key and how many of its leading
 * bits the client actually told us (ECS source prefix, or 32/128 for a
 * packet's source address), plus what is needed to express the answer's
 * scope back in the client's own family and form.
 */
struct geo_client {
	uint8_t key[16];     /* tree key: IPv4 as ::a.b.c.d */
	unsigned key_bits;   /* meaningful bits of key (0..128) */
	unsigned scope_base; /* tree depth that maps to scope 0 of the client */
	unsigned scope_add;  /* bits of the client's own form before that */
};

/*
 * Make the tree key for an address of `family` (AF_INET: 4 bytes, AF_INET6:
 * 16 bytes) of which `bits` leading bits are known (the rest must be zero).
 * IPv6 forms that embed an IPv4 address are located as that IPv4 address:
 * v4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16 (bits 16..47)
 * and Teredo 2001::/32 (bits 96..127, inverted).  For those, the known IPv4
 * bits are what `bits` covers of the embedded address.  Load and hot path:
 * no allocation.
 */
void geo_client_make(struct geo_client *c, int family, const uint8_t *addr,
                     unsigned bits);

/*
 * The ECS scope to answer with when the tree leaf that decided is `depth`
 * deep: the prefix length, in the client's own family and form, over which
 * the answer is the same (RFC 7871 §7.2.1).  It may be longer than the
 * source prefix: that tells the resolver the prefix it sent was too short
 * to choose well.
 */
unsigned geo_client_scope(const struct geo_client *c, unsigned depth);

/* ---- policies and maps --------------------------------------------------- */

/* Most edges a choice ranks; `answers: N` takes the first N that serve. */
#define GEO_MAX_RANK 16

/* Which rule of the policy decided (for geoq, explain and metrics). */
enum geo_rule {
	GEO_RULE_DEFAULT,  /* the client could not be located */
	GEO_RULE_OVERRIDE, /* an operator CIDR override */
	GEO_RULE_MAP,      /* the region map */
	GEO_RULE_NEAREST,  /* great-circle distance */
	GEO_RULE_LATENCY,  /* measured RTTs (latency_file), then distance */
};

const char *geo_rule_name(enum geo_rule rule); /* "nearest", ... */

/* An ordered list of edges (indexes into the edge inventory). */
struct geo_list {
	uint16_t n;
	uint16_t edge[GEO_MAX_RANK];
};

/*
 * One decision: the rule and the ranked edges, in tiers.  Edges of one
 * tier are equals: the answer spreads a tier's clients over them by weight
 * (dnsd/geo_answer.h).  Bit i of `joined` is set when edge i is in the
 * same tier as edge i - 1; joined == 0 means every edge is a tier of its
 * own (a plain order of preference).  Identical choices are shared.
 */
struct geo_choice {
	uint8_t rule; /* enum geo_rule */
	uint16_t joined;
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
 * Measured round-trip times from one network to edges (a geo name's
 * latency_file).  In a policy the edges may come in any order; in a map
 * (geo_map_latency) they are in RTT order, ties by inventory index.
 */
struct geo_latency {
	uint8_t key[16];             /* tree layout: IPv4 as ::a.b.c.d */
	unsigned plen;               /* tree layout: an IPv4 /24 is 120 */
	unsigned n;                  /* measured edges (1..GEO_MAX_RANK) */
	uint16_t edge[GEO_MAX_RANK]; /* inventory indexes, all in the pool */
	float rtt_ms[GEO_MAX_RANK];  /* of edge[i], >= 0 */
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

struct geo_mmdb;

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
	/*
	 * `nearest` only: the edges whose (biased) distance is within this
	 * many km of a tier's nearest edge join its tier.  0: only edges at
	 * the same distance (in the same place) do.
	 */
	double tier_km;
	struct geo_list dflt; /* clients that cannot be located */
	const struct geo_override *overrides;
	size_t noverrides;
	/*
	 * Networks ranked by measured RTT instead of distance (one entry per
	 * network, no network twice): they win over the map and nearest and
	 * lose to overrides; the longest prefix wins.  The map keeps a copy.
	 */
	const struct geo_latency *latency;
	size_t nlatency;
	const struct geo_region *regions;
	size_t nregions;
};

struct geo_map; /* opaque, immutable once built */

/*
 * Compile `p` against `db` (which may be NULL: then every client gets the
 * default unless an override or a latency entry covers it).  Walks the
 * whole database once, reading each distinct record once (only the fields
 * the policy uses) and deciding once per distinct location; then looks up
 * the location of each latency entry.  Returns new, or NULL with `err`.
 * Load path: about 0.6 s for 1.1 M networks and 366 k records.
 */
struct geo_map *geo_map_build(const struct geo_mmdb *db,
                              const struct geo_policy *p, struct errbuf *err);

void geo_map_free(struct geo_map *m); /* NULL is a no-op */

/*
 * The choice for `c` and, in *depth, the prefix length (tree layout) of
 * the merged network that decided it: geo_client_scope() turns it into
 * the ECS scope.  Hot path: one tree walk, no allocation.  A query whose
 * ECS source prefix is 0 asks not to be tailored (RFC 7871): the caller
 * answers it with geo_map_default() and scope 0 instead.
 */
const struct geo_choice *geo_map_lookup(const struct geo_map *m,
                                        const struct geo_client *c,
                                        unsigned *depth);

/*
 * Start fetching what the lookup of `c` reads at trie level `level` (0,
 * then 1), so that the cache misses of a batch of lookups overlap.  A
 * hint only: no effect on results.  Hot path.
 */
void geo_map_prefetch(const struct geo_map *m, const struct geo_client *c,
                      unsigned level);

/* The choice for clients that cannot be located.  Hot path. */
const struct geo_choice *geo_map_default(const struct geo_map *m);

/* The map's distinct choices, default included: every answer it can give
 * (DNSSEC signs them at load).  Load path. */
size_t geo_map_nchoices(const struct geo_map *m);
const struct geo_choice *geo_map_choice(const struct geo_map *m, size_t i);

/*
 * The latency entry that decides for the tree key `key` (IPv4 as
 * ::a.b.c.d): the longest measured network that covers it, with its edges
 * in RTT order, or NULL.  Whether it decided depends on the overrides
 * (geo_map_lookup's rule says).  For tools (explain): a linear scan, not
 * for the query path.
 */
const struct geo_latency *geo_map_latency(const struct geo_map *m,
                                          const uint8_t key[16]);

/* What a map holds, for logs. */
struct geo_map_info {
	size_t choices;  /* distinct decisions */
	size_t networks; /* merged networks (tree leaves) */
	size_t bytes;    /* of the lookup tree */
};
void geo_map_info(const struct geo_map *m, struct geo_map_info *out);

/* ---- the database ---------------------------------------------------------
 */

/* What a database record says about a place; empty strings when absent. */
struct geo_location {
	bool has_coords;
	double lat, lon;     /* location.latitude / location.longitude */
	char continent[3];   /* continent.code, e.g. "EU" */
	char country[3];     /* country.iso_code, e.g. "GB" */
	char subdivision[8]; /* subdivisions[0].iso_code, e.g. "ENG" */
	char city[64];       /* city.names.en, for geoq and explain */
};

/*
 * Open `path` (MMDB_MODE_MMAP) and check it: binary format major version
 * 2, IPv4 or IPv6 tree, record size 24/28/32.  Returns new, or NULL with
 * "path: why" (missing, corrupt, wrong format) in `err`.  The file must
 * not be rewritten in place while open (replace it by rename, as
 * geoipupdate does).
 */
struct geo_mmdb *geo_mmdb_open(const char *path, struct errbuf *err);
void geo_mmdb_free(struct geo_mmdb *db); /* NULL is a no-op */

/* "GeoIP2-City, IPv6, built 2026-11-20, 3512345 nodes" for the logs. */
void geo_mmdb_describe(const struct geo_mmdb *db, char *out, size_t outlen);

/*
 * Let the kernel drop the pages a map build read (the whole file): an open
 * database then costs no resident memory until a lookup reads it again.
 * A hint only.
 */
void geo_mmdb_forget_pages(const struct geo_mmdb *db);

/*
 * Look one address up (tools, explain): fills `out` and the network's
 * key/plen in the tree layout.  Returns 1 if found, 0 if the database has
 * no data for it, -1 on error.  Not for the query path.
 */
int geo_mmdb_lookup(const struct geo_mmdb *db, const uint8_t key[16],
                    struct geo_location *out, uint8_t net[16], unsigned *plen);

/*
 * Call fn(key, plen, arg) for every network of the database that has data,
 * in address order, its key in the tree layout (an IPv4 network is under
 * ::/96: a /24 has plen 120).  Aliases of the IPv4 space inside an IPv6
 * tree (::ffff:0:0/96, 6to4, Teredo) are not repeated.  Reads the whole
 * tree: for tools (geoq), not the query path.  Returns 0, or -1 with `err`
 * filled if the tree is corrupt.
 */
int geo_mmdb_each(const struct geo_mmdb *db,
                  void (*fn)(const uint8_t key[16], unsigned plen, void *arg),
                  void *arg, struct errbuf *err);

/*
 * The same for the networks whose data has coordinates, with them:
 * fn(key, plen, lat, lon, arg).  Each record of the database (the networks
 * of one place share one) is read once: millions of networks take well
 * under a second.  Returns 0, or -1 with `err` filled if the tree is
 * corrupt.
 */
int geo_mmdb_each_coords(const struct geo_mmdb *db,
                         void (*fn)(const uint8_t key[16], unsigned plen,
                                    double lat, double lon, void *arg),
                         void *arg, struct errbuf *err);

#endif
