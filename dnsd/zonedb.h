/* SPDX-License-Identifier: MIT */
/* dnsd/zonedb.h: compiled zones: nodes with wire-format RRsets, found by
 * hashing names.  Built on the load path; read-only and lock-free after. */
#ifndef DNSD_ZONEDB_H
#define DNSD_ZONEDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct errbuf;
struct sigcache;
struct zone_keys;
struct geo_name;
struct wname;

/* One RRset, ready to copy into a response. */
struct rrset {
	uint16_t type;
	uint16_t count;
	uint32_t ttl;
	const uint8_t *rdata; /* count x (u16 rdlength, rdata) */
	size_t rdata_len;
	/*
	 * Names the additional section needs (RFC 1035 §3.3, RFC 2782): for
	 * NS, MX and SRV, the in-zone nodes holding A/AAAA for the targets.
	 * For CNAME and DNAME, `target` is the canonical target name.
	 */
	const struct znode *const *add;
	uint16_t nadd;
	const uint8_t *target;
	uint8_t targetlen;
	/* In a signed zone: its RRSIG records (type RRSIG, the same TTL),
	 * or NULL (glue, a delegation's NS, an unsigned zone). */
	const struct rrset *sig;
};

/* Node flags. */
#define ZN_APEX 0x01     /* the zone's top */
#define ZN_DELEG 0x02    /* NS below the apex: a zone cut */
#define ZN_DNAME 0x04    /* has a DNAME: names below are redirected */
#define ZN_OCCLUDED 0x08 /* below a cut or DNAME: glue, never an answer */
#define ZN_CNAME 0x10    /* has a CNAME (and nothing else) */

/* A name in a zone: an owner of records or an empty non-terminal. */
struct znode {
	const uint8_t *name; /* canonical (lower-case) wire name */
	uint8_t namelen;
	uint8_t nlabels;
	uint16_t flags;
	uint32_t hash;
	uint16_t nrrsets;
	const struct rrset *rrsets; /* sorted by type */
	const struct znode *wild;   /* "*.<this name>", if it exists */
	const struct znode *cut;    /* ZN_OCCLUDED: the cut or DNAME above */
	const struct geo_name *geo; /* a geo-routed name: A/AAAA per client */
	/*
	 * In a signed zone: the NSEC that denies every other type here
	 * (RFC 9824: next name \000.<this name>, its types in the bit map),
	 * with its RRSIGs; NULL below a cut or DNAME.
	 */
	const struct rrset *nsec;
};

struct zone {
	const char *name; /* presentation form, for logs */
	const uint8_t *apex;
	uint8_t apexlen;
	uint8_t apexlabels;
	uint32_t hash;
	const struct znode *apexnode;
	const struct rrset *soa;
	uint32_t neg_ttl; /* RFC 2308 §5: min(SOA TTL, SOA MINIMUM) */
	const struct znode **table; /* open addressing, mask + 1 slots */
	uint32_t mask;
	size_t nnodes;
	size_t nrecords;
	struct zone_keys
	    *keys; /* DNSSEC (zone_sign.h), owned; NULL: unsigned */
};

struct zonedb {
	struct arena *arena; /* owns everything below */
	struct zone *zones;
	size_t nzones;
	const struct zone **table;
	uint32_t mask;
	struct geo_name **geo; /* owned: freed with the zonedb */
	size_t ngeo;
	/* Signatures made on the answer path (sigcache.h), shared by the
	 * threads; NULL when no zone is signed. */
	struct sigcache *sigcache;
};

/* ---- building (load path) ------------------------------------------------ */

/* One record for the builder: canonical owner, rdata in wire form. */
struct zrr {
	const uint8_t *owner; /* canonical wire name */
	size_t ownerlen;
	uint16_t type;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
	int target_off; /* offset of the NS/MX/SRV/CNAME/DNAME target, or -1 */
	const char *file; /* where it was written, for errors (kept) */
	unsigned line, col;
};

struct zonedb_builder;

struct zonedb_builder *zonedb_builder_new(void); /* returns new */

/*
 * What geo names in the zones are compiled against (keeps `env`, which
 * must outlive the loading).  Without it, geo names are an error.
 */
struct geo_env;
void zonedb_builder_set_env(struct zonedb_builder *b,
                            const struct geo_env *env);
const struct geo_env *zonedb_builder_env(const struct zonedb_builder *b);
void zonedb_builder_free(struct zonedb_builder *b); /* NULL is a no-op */

/*
 * Start a zone with canonical apex `apex` (copied); following records
 * belong to it.  A zone served twice is an error at file:line:col.
 * Returns 0 or -1.
 */
int zonedb_builder_zone(struct zonedb_builder *b, const char *name,
                        const uint8_t *apex, size_t apexlen, const char *file,
                        unsigned line, unsigned col, struct errbuf *err);

/*
 * Add a record (copied) to the current zone.  Out-of-zone owners are an
 * error here; the rest of the checks run in _finish.  Duplicate records are
 * merged silently (an RRset is a set, RFC 2181 §5).  Returns 0 or -1.
 */
int zonedb_builder_rr(struct zonedb_builder *b, const struct zrr *rr,
                      struct errbuf *err);

/*
 * Make `owner` (canonical wire name, in the current zone) a geo name
 * answered by `g`, which the zonedb takes (freed with it, or at once on
 * error).  A geo name has no other records.  Returns 0 or -1.
 */
int zonedb_builder_geo(struct zonedb_builder *b, const uint8_t *owner,
                       size_t ownerlen, struct geo_name *g, const char *file,
                       unsigned line, unsigned col, struct errbuf *err);

/*
 * Sign the current zone with `keys` (zone_sign.h), which the zonedb takes
 * (freed with it, or at once when the build fails).
 */
void zonedb_builder_keys(struct zonedb_builder *b, struct zone_keys *keys);

/*
 * Check every zone (one SOA, at the apex; NS at the apex; CNAME alone; one
 * TTL per RRset; only glue below cuts) and compile.  Reports every error.
 * Consumes the builder.  Returns new, or NULL with errors in `err`.
 */
struct zonedb *zonedb_builder_finish(struct zonedb_builder *b,
                                     struct errbuf *err);

void zonedb_free(struct zonedb *db); /* NULL is a no-op */

/* ---- lookup (hot path: no allocation, no locks) ---------------------------
 */

/*
 * The deepest zone whose apex is the suffix of `n` starting at a label
 * `from` or later (0 finds the closest zone; passing a zone's apex label
 * + 1 finds its parent, for DS).  Sets *label to the apex's label index in
 * `n`.  Returns NULL if no zone contains the name.
 */
const struct zone *zonedb_find_zone(const struct zonedb *db,
                                    const struct wname *n, unsigned from,
                                    unsigned *label);

/* The node for the suffix of `n` from label `label`, or NULL. */
const struct znode *zone_find_node(const struct zone *z, const struct wname *n,
                                   unsigned label);

/* The node's RRset of `type`, or NULL. */
const struct rrset *znode_rrset(const struct znode *node, uint16_t type);

#endif
