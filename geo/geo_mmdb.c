/* SPDX-License-Identifier: MIT */
/* geo/geo_mmdb.c: MaxMind DB reading on top of libmaxminddb. */
#include "geo/geo_mmdb.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include <maxminddb.h>

#include "common/errbuf.h"
#include "common/xalloc.h"
#include "geo/memo.h"

struct geo_mmdb {
	MMDB_s mmdb;
	char *path; /* for errors found after open (walk) */
};

struct geo_mmdb *
geo_mmdb_open(const char *path, struct errbuf *err)
{
	struct geo_mmdb *db = xcalloc(1, sizeof(*db));
	const MMDB_metadata_s *md = &db->mmdb.metadata;
	int status;

	errno = 0;
	status = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
	if (status != MMDB_SUCCESS) {
		/* libmaxminddb keeps errno from the failing open/fstat/mmap;
		 * "No such file or directory" is what the operator needs. */
		int saved = errno;

		if ((status == MMDB_FILE_OPEN_ERROR ||
		     status == MMDB_IO_ERROR) &&
		    saved != 0)
			errbuf_add(err, path, 0, 0,
			           "cannot open MaxMind DB: %s: %s",
			           MMDB_strerror(status), strerror(saved));
		else
			errbuf_add(err, path, 0, 0,
			           "cannot open MaxMind DB: %s",
			           MMDB_strerror(status));
		free(db);
		return NULL;
	}
	/* libmaxminddb 1.7 rejects most of these itself; checking here keeps
	 * the walk's assumptions true whatever library version is linked. */
	if (md->binary_format_major_version != 2) {
		errbuf_add(err, path, 0, 0,
		           "unsupported MaxMind DB format version %u.%u "
		           "(want 2.x)",
		           md->binary_format_major_version,
		           md->binary_format_minor_version);
		goto fail;
	}
	if (md->ip_version != 4 && md->ip_version != 6) {
		errbuf_add(err, path, 0, 0,
		           "MaxMind DB has ip_version %u (want 4 or 6)",
		           md->ip_version);
		goto fail;
	}
	if (md->record_size != 24 && md->record_size != 28 &&
	    md->record_size != 32) {
		errbuf_add(err, path, 0, 0,
		           "MaxMind DB has record size %u (want 24, 28 or 32)",
		           md->record_size);
		goto fail;
	}
	db->path = xstrdup(path);
	return db;
fail:
	MMDB_close(&db->mmdb);
	free(db);
	return NULL;
}

void
geo_mmdb_free(struct geo_mmdb *db)
{
	if (db == NULL)
		return;
	MMDB_close(&db->mmdb);
	free(db->path);
	free(db);
}

void
geo_mmdb_forget_pages(const struct geo_mmdb *db)
{
	/*
	 * The file is mapped read-only and shared: dropping our pages loses
	 * nothing (they stay in the page cache, and come back on the next
	 * read), but a map build touched every one of them and they would
	 * otherwise count as this process's resident memory for as long as
	 * the database stays open.
	 */
	(void)madvise((void *)(uintptr_t)db->mmdb.file_content,
	              (size_t)db->mmdb.file_size, MADV_DONTNEED);
}

void
geo_mmdb_describe(const struct geo_mmdb *db, char *out, size_t outlen)
{
	const MMDB_metadata_s *md = &db->mmdb.metadata;
	char date[32] = "unknown";
	struct tm tm;

	/* build_epoch is any uint64 in the file: past 9999-12-31 it is
	 * nonsense, and it might not fit a time_t. */
	if (md->build_epoch <= UINT64_C(253402300799)) {
		time_t t = (time_t)md->build_epoch;

		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(date, sizeof(date), "%Y-%m-%d", &tm) == 0)
			snprintf(date, sizeof(date), "unknown");
	}
	snprintf(out, outlen, "%s, IPv%u, built %s, %" PRIu32 " nodes",
	         md->database_type != NULL ? md->database_type : "unknown type",
	         md->ip_version, date, md->node_count);
}

/*
 * The walk keeps a stack of records still to visit.  Expanding a node pops
 * one record and pushes two, so the stack never holds more than one record
 * per tree level plus one: 128 + 2 is enough, and the depth check below
 * stops a corrupt tree before it could overflow.
 */
struct walk_rec {
	uint8_t key[16]; /* the record's network, 128-bit tree layout */
	unsigned depth;  /* bits below the tree root (0..32 or 0..128) */
	uint64_t record; /* node number, or the data record */
	uint8_t type;    /* MMDB_RECORD_TYPE_* */
	uint32_t offset; /* data section offset, for DATA */
};

#define WALK_STACK (128 + 2)

/* Set bit `bit` (0 = most significant) of a 128-bit key. */
static void
key_set_bit(uint8_t key[16], unsigned bit)
{
	key[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
}

/*
 * In an IPv6 tree, the node that ::/96 leads to is the root of the IPv4
 * space, and MaxMind's writers alias ::ffff:0:0/96, 2001::/32 and 2002::/16
 * by pointing records at that same node.  Find it by following 96 zero
 * bits.  Returns 1 with *node set, 0 if ::/96 ends inside a record (there
 * is then no node for an alias to point to), -1 if the tree is corrupt.
 */
static int
find_v4_node(const MMDB_s *mmdb, uint32_t *node)
{
	MMDB_search_node_s sn;
	uint32_t path[96];
	uint32_t n = 0;

	for (unsigned depth = 0; depth < 96; depth++) {
		if (MMDB_read_node(mmdb, n, &sn) != MMDB_SUCCESS)
			return -1;
		if (sn.left_record_type == MMDB_RECORD_TYPE_INVALID)
			return -1;
		if (sn.left_record_type != MMDB_RECORD_TYPE_SEARCH_NODE)
			return 0;
		/* A loop here would make the walk skip the root as "the IPv4
		 * node" and report an empty database instead of an error. */
		path[depth] = n;
		n = (uint32_t)sn.left_record;
		for (unsigned i = 0; i <= depth; i++)
			if (path[i] == n)
				return -1;
	}
	*node = n;
	return 1;
}

struct each {
	void (*fn)(const uint8_t key[16], unsigned plen, void *arg);
	void *arg;
};

static void
each_network(const uint8_t key[16], unsigned plen, uint64_t record, void *arg)
{
	const struct each *e = arg;

	(void)record;
	e->fn(key, plen, e->arg);
}

int
geo_mmdb_each(const struct geo_mmdb *db,
              void (*fn)(const uint8_t key[16], unsigned plen, void *arg),
              void *arg, struct errbuf *err)
{
	struct each e = {fn, arg};

	return geo_mmdb_walk(db, each_network, &e, err);
}

/* geo_mmdb_each_coords: the coordinates of each record, read once. */
struct each_coords {
	const struct geo_mmdb *db;
	void (*fn)(const uint8_t key[16], unsigned plen, double lat, double lon,
	           void *arg);
	void *arg;
	struct memo records; /* record -> index in coords[] */
	struct coords {
		double lat, lon;
		bool has;
	} * coords;
	size_t n, cap;
};

static void
each_coords_network(const uint8_t key[16], unsigned plen, uint64_t record,
                    void *arg)
{
	struct each_coords *e = arg;
	size_t s = memo_slot(&e->records, &record);
	uint32_t i;

	if (e->records.vals[s] != 0) {
		i = e->records.vals[s] - 1;
	} else {
		struct geo_location loc;
		geo_mmdb_record(e->db, record, GEO_LOC_COORDS, &loc);
		if (e->n == e->cap) {
			e->cap *= 2;
			e->coords = xreallocarray(e->coords, e->cap,
			                          sizeof(*e->coords));
		}
		i = (uint32_t)e->n++;
		e->coords[i] =
		    (struct coords){loc.lat, loc.lon, loc.has_coords};
		memo_put(&e->records, s, &record, i);
	}
	if (e->coords[i].has)
		e->fn(key, plen, e->coords[i].lat, e->coords[i].lon, e->arg);
}

int
geo_mmdb_each_coords(const struct geo_mmdb *db,
                     void (*fn)(const uint8_t key[16], unsigned plen,
                                double lat, double lon, void *arg),
                     void *arg, struct errbuf *err)
{
	struct each_coords e = {db, fn, arg, {0}, NULL, 0, 1024};

	memo_init(&e.records, sizeof(uint64_t), 1024);
	e.coords = xreallocarray(NULL, e.cap, sizeof(*e.coords));
	int rc = geo_mmdb_walk(db, each_coords_network, &e, err);
	memo_free(&e.records);
	free(e.coords);
	return rc;
}

int
geo_mmdb_walk(const struct geo_mmdb *db,
              void (*fn)(const uint8_t key[16], unsigned plen, uint64_t record,
                         void *arg),
              void *arg, struct errbuf *err)
{
	const MMDB_s *mmdb = &db->mmdb;
	const unsigned bits = mmdb->metadata.ip_version == 4 ? 32 : 128;
	const unsigned base = 128 - bits; /* IPv4 trees sit at ::/96 */
	static const uint8_t v4root[12];  /* ::/96 */
	struct walk_rec stack[WALK_STACK];
	size_t sp = 0;
	uint64_t reads = 0;
	uint32_t v4node = 0;
	int has_v4 = 0;

	if (bits == 128 && (has_v4 = find_v4_node(mmdb, &v4node)) == -1)
		goto corrupt;

	memset(&stack[0], 0, sizeof(stack[0]));
	stack[0].type = MMDB_RECORD_TYPE_SEARCH_NODE; /* the root, node 0 */
	sp = 1;
	while (sp > 0) {
		struct walk_rec r = stack[--sp];
		MMDB_search_node_s sn;

		switch (r.type) {
		case MMDB_RECORD_TYPE_EMPTY:
			continue;
		case MMDB_RECORD_TYPE_DATA:
			fn(r.key, base + r.depth, r.offset, arg);
			continue;
		case MMDB_RECORD_TYPE_SEARCH_NODE:
			break;
		default:
			goto corrupt;
		}
		/* The IPv4 node reached anywhere but ::/96 is an alias of
		 * address space the walk reports once, at ::/96.  Depth alone
		 * does not tell: ::ffff:0:0/96 is 96 deep too. */
		if (has_v4 == 1 && r.record == v4node &&
		    (r.depth != 96 || memcmp(r.key, v4root, 12) != 0))
			continue;
		/* A node at the last level would put networks deeper than
		 * the tree; and a sound tree reaches each node once (aliases
		 * are skipped above), so more reads than nodes means the
		 * records form a loop or a lattice. */
		if (r.depth >= bits || ++reads > mmdb->metadata.node_count)
			goto corrupt;
		if (MMDB_read_node(mmdb, (uint32_t)r.record, &sn) !=
		    MMDB_SUCCESS)
			goto corrupt;

		/* Right first, so the left half pops first: address order. */
		struct walk_rec *right = &stack[sp++];
		struct walk_rec *left = &stack[sp++];

		memcpy(right->key, r.key, 16);
		key_set_bit(right->key, base + r.depth);
		right->depth = r.depth + 1;
		right->record = sn.right_record;
		right->type = sn.right_record_type;
		right->offset = sn.right_record_entry.offset;

		memcpy(left->key, r.key, 16);
		left->depth = r.depth + 1;
		left->record = sn.left_record;
		left->type = sn.left_record_type;
		left->offset = sn.left_record_entry.offset;
	}
	return 0;
corrupt:
	errbuf_add(err, db->path, 0, 0, "corrupt search tree");
	return -1;
}

/*
 * Copy a UTF-8 string of `len` bytes into out[outlen], NUL-terminated.
 * Truncation backs off to a character boundary so the result stays valid
 * UTF-8 (city names end up in logs and explain output).
 */
static void
copy_utf8(char *out, size_t outlen, const char *s, size_t len)
{
	if (len >= outlen) {
		len = outlen - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, s, len);
	out[len] = '\0';
}

/* Fill out[] from the string at `path`; leaves it empty if absent. */
static void
get_string(MMDB_entry_s *entry, const char *const *path, char *out,
           size_t outlen)
{
	MMDB_entry_data_s data;

	out[0] = '\0';
	if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS ||
	    !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING)
		return;
	copy_utf8(out, outlen, data.utf8_string, data.data_size);
}

/* A coordinate at `path` within [-max, max]; GeoIP2 stores doubles. */
static int
get_coord(MMDB_entry_s *entry, const char *const *path, double max, double *out)
{
	MMDB_entry_data_s data;
	double v;

	if (MMDB_aget_value(entry, &data, path) != MMDB_SUCCESS ||
	    !data.has_data)
		return -1;
	if (data.type == MMDB_DATA_TYPE_DOUBLE)
		v = data.double_value;
	else if (data.type == MMDB_DATA_TYPE_FLOAT)
		v = data.float_value;
	else
		return -1;
	/* Written so that NaN fails too. */
	if (!(v >= -max && v <= max))
		return -1;
	*out = v;
	return 0;
}

static const char *const path_location[] = {"location", NULL};
static const char *const path_lat[] = {"latitude", NULL};  /* in location */
static const char *const path_lon[] = {"longitude", NULL}; /* in location */
static const char *const path_continent[] = {"continent", "code", NULL};
static const char *const path_country[] = {"country", "iso_code", NULL};
static const char *const path_registered[] = {"registered_country", "iso_code",
                                              NULL};
static const char *const path_subdivision[] = {"subdivisions", "0", "iso_code",
                                               NULL};
static const char *const path_city[] = {"city", "names", "en", NULL};

void
geo_mmdb_record(const struct geo_mmdb *db, uint64_t record, unsigned fields,
                struct geo_location *out)
{
	MMDB_entry_s entry = {.mmdb = &db->mmdb, .offset = (uint32_t)record};

	memset(out, 0, sizeof(*out));
	/* Offsets are 32-bit in libmaxminddb; anything larger is no record
	 * (and an in-range bad offset fails inside MMDB_aget_value). */
	if (record > UINT32_MAX)
		return;
	if (fields & GEO_LOC_COORDS) {
		/* Find the location map once, then both keys inside it: each
		 * lookup from the record's start skips the city, continent
		 * and country maps and their names in every language. */
		MMDB_entry_data_s data;
		out->has_coords =
		    MMDB_aget_value(&entry, &data, path_location) ==
		        MMDB_SUCCESS &&
		    data.has_data && data.type == MMDB_DATA_TYPE_MAP;
		if (out->has_coords) {
			MMDB_entry_s loc = {.mmdb = &db->mmdb,
			                    .offset = data.offset};
			out->has_coords =
			    get_coord(&loc, path_lat, 90, &out->lat) == 0 &&
			    get_coord(&loc, path_lon, 180, &out->lon) == 0;
		}
		if (!out->has_coords)
			out->lat = out->lon = 0;
	}
	if (fields & GEO_LOC_COUNTRY) {
		get_string(&entry, path_continent, out->continent,
		           sizeof(out->continent));
		get_string(&entry, path_country, out->country,
		           sizeof(out->country));
		/* GeoIP2 leaves country out where only the registrant's
		 * country is known (anycast, satellite, EU-wide blocks); that
		 * is still the best guess for region maps. */
		if (out->country[0] == '\0')
			get_string(&entry, path_registered, out->country,
			           sizeof(out->country));
	}
	if (fields & GEO_LOC_SUBDIVISION)
		get_string(&entry, path_subdivision, out->subdivision,
		           sizeof(out->subdivision));
	if (fields & GEO_LOC_CITY)
		get_string(&entry, path_city, out->city, sizeof(out->city));
}

/* Zero the bits of key past plen, into net. */
static void
mask_key(const uint8_t key[16], unsigned plen, uint8_t net[16])
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned have = plen > i * 8 ? plen - i * 8 : 0;

		net[i] =
		    have >= 8 ? key[i] : (uint8_t)(key[i] & (0xFF00u >> have));
	}
}

int
geo_mmdb_lookup(const struct geo_mmdb *db, const uint8_t key[16],
                struct geo_location *out, uint8_t net[16], unsigned *plen)
{
	static const uint8_t zero[12];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	const struct sockaddr *sa;
	unsigned base = 0;
	int mmdb_error = MMDB_SUCCESS;

	memset(out, 0, sizeof(*out));
	if (db->mmdb.metadata.ip_version == 4) {
		if (memcmp(key, zero, 12) != 0) {
			/* An IPv4 tree has nothing outside ::/96.  The no-data
			 * network is the shortest prefix of key that leaves
			 * ::/96: up to and including its first one bit. */
			unsigned n = 0;

			while (!(key[n / 8] & (0x80u >> (n % 8))))
				n++;
			*plen = n + 1;
			mask_key(key, *plen, net);
			return 0;
		}
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, key + 12, 4);
		sa = (const struct sockaddr *)&sin;
		base = 96; /* the netmask counts the 32-bit tree */
	} else {
		/* ::a.b.c.d as AF_INET6 walks from the root, so the netmask
		 * is already in the 128-bit layout. */
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, key, 16);
		sa = (const struct sockaddr *)&sin6;
	}
	MMDB_lookup_result_s res =
	    MMDB_lookup_sockaddr(&db->mmdb, sa, &mmdb_error);
	if (mmdb_error != MMDB_SUCCESS)
		return -1;
	*plen = base + res.netmask;
	if (*plen > 128)
		return -1;
	mask_key(key, *plen, net);
	if (!res.found_entry)
		return 0;
	geo_mmdb_record(db, res.entry.offset, GEO_LOC_ALL, out);
	return 1;
}
