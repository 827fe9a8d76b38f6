/* SPDX-License-Identifier: MIT */
/* geo/geo_map.c: compile a geo name's policy against a database. */
/* HOT PATH: see STYLE.md B5 (geo_map_lookup at the end) */
#include "geo/geo_map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/xalloc.h"
#include "geo/geo_dist.h"
#include "geo/geo_mmdb.h"
#include "geo/geo_tree.h"
#include "geo/memo.h"

/* Edges `nearest` can rank for one name; CDNs have hundreds at most. */
#define GEO_POOL_MAX 1024

const char *
geo_rule_name(enum geo_rule rule)
{
	switch (rule) {
	case GEO_RULE_OVERRIDE:
		return "override";
	case GEO_RULE_MAP:
		return "map";
	case GEO_RULE_NEAREST:
		return "nearest";
	case GEO_RULE_LATENCY:
		return "latency";
	case GEO_RULE_DEFAULT:
	default:
		return "default";
	}
}

static const struct geo_region *
find_region(const struct geo_policy *p, const struct geo_location *loc)
{
	const struct geo_region *country = NULL, *continent = NULL;
	const struct geo_region *world = NULL;

	/* Most specific wins (Route 53 geolocation falls back the same way). */
	for (size_t i = 0; i < p->nregions; i++) {
		const struct geo_region *r = &p->regions[i];
		if (r->country[0] != '\0') {
			/* a country listed under the wrong continent never
			 * matches */
			if (strcmp(r->country, loc->country) != 0 ||
			    strcmp(r->continent, loc->continent) != 0)
				continue;
			if (r->subdivision[0] == '\0')
				country = r;
			else if (strcmp(r->subdivision, loc->subdivision) == 0)
				return r;
		} else if (r->continent[0] != '\0') {
			if (strcmp(r->continent, loc->continent) == 0)
				continent = r;
		} else {
			world = r;
		}
	}
	return country ? country : continent ? continent : world;
}

/* How many edges a ranking keeps (1..GEO_MAX_RANK). */
static size_t
policy_depth(const struct geo_policy *p)
{
	return p->depth > 0 && p->depth < GEO_MAX_RANK ? p->depth
	                                               : GEO_MAX_RANK;
}

/* The pool ranked by (biased) distance from `at`: its sites into sites[],
 * their order into order[]; returns how many. */
static size_t
rank_pool(const struct geo_policy *p, struct geo_point at,
          struct geo_site *sites, uint16_t *order)
{
	size_t n = p->npool < GEO_POOL_MAX ? p->npool : GEO_POOL_MAX;

	for (size_t i = 0; i < n; i++)
		sites[i] = p->sites[p->pool[i]];
	geo_rank(at, sites, n, order);
	return n;
}

static void rank_tiers(const struct geo_policy *p, struct geo_point at,
                       const struct geo_site *sites, const uint16_t *order,
                       size_t keep, size_t max, struct geo_choice *out);

void
geo_map_decide(const struct geo_policy *p, const struct geo_location *loc,
               struct geo_choice *out)
{
	memset(out, 0, sizeof(*out));
	const struct geo_region *r = loc ? find_region(p, loc) : NULL;
	if (r != NULL) {
		out->rule = GEO_RULE_MAP;
		out->list = r->list;
		return;
	}
	if (loc == NULL || !loc->has_coords || p->npool == 0) {
		out->rule = GEO_RULE_DEFAULT;
		out->list = p->dflt;
		return;
	}
	struct geo_site sites[GEO_POOL_MAX];
	uint16_t order[GEO_POOL_MAX];
	struct geo_point at = {loc->lat, loc->lon};
	size_t n = rank_pool(p, at, sites, order);
	size_t depth = policy_depth(p);
	out->rule = GEO_RULE_NEAREST;
	rank_tiers(p, at, sites, order, n < depth ? n : depth,
	           n < GEO_MAX_RANK ? n : GEO_MAX_RANK, out);
}

static int
cmp_u16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;

	return (x > y) - (x < y);
}

/*
 * The `keep` nearest of the ranked `order` into out->list, in tiers: an
 * edge within tier_km of its tier's nearest joins that tier.  The last
 * tier is never cut (a tier spreads its clients over all its members), so
 * the list may run past `keep`, up to `max`.  Within a tier the order is
 * the inventory's, not the distance: its members are equals, and locations
 * whose tiers hold the same edges then share one choice.
 */
static void
rank_tiers(const struct geo_policy *p, struct geo_point at,
           const struct geo_site *sites, const uint16_t *order, size_t keep,
           size_t max, struct geo_choice *out)
{
	double lead = 0;
	size_t start = 0, i;

	out->joined = 0;
	for (i = 0; i < max; i++) {
		const struct geo_site *s = &sites[order[i]];
		double km =
		    geo_distance_km(at, s->at) * (1.0 - s->bias / 100.0);
		bool join = i > 0 && km - lead <= p->tier_km;
		if (i >= keep && !join)
			break;
		if (join) {
			out->joined |= (uint16_t)(1u << i);
		} else {
			qsort(&out->list.edge[start], i - start,
			      sizeof(out->list.edge[0]), cmp_u16);
			start = i;
			lead = km;
		}
		out->list.edge[i] = p->pool[order[i]];
	}
	qsort(&out->list.edge[start], i - start, sizeof(out->list.edge[0]),
	      cmp_u16);
	out->list.n = (uint16_t)i;
}

void
geo_map_decide_latency(const struct geo_policy *p,
                       const struct geo_latency *lat,
                       const struct geo_location *loc, struct geo_choice *out)
{
	size_t n = lat->n < GEO_MAX_RANK ? lat->n : GEO_MAX_RANK;

	memset(out, 0, sizeof(*out));
	out->rule = GEO_RULE_LATENCY; /* joined = 0: no tiers */
	memcpy(out->list.edge, lat->edge, n * sizeof(lat->edge[0]));
	out->list.n = (uint16_t)n;
	size_t depth = policy_depth(p);
	if (loc == NULL || !loc->has_coords || p->npool == 0 || n >= depth)
		return;
	/* The backups: the pool's other edges, nearest first. */
	struct geo_site sites[GEO_POOL_MAX];
	uint16_t order[GEO_POOL_MAX];
	struct geo_point at = {loc->lat, loc->lon};
	size_t np = rank_pool(p, at, sites, order);
	for (size_t i = 0; i < np && out->list.n < depth; i++) {
		uint16_t e = p->pool[order[i]];
		bool measured = false;
		for (size_t j = 0; j < n && !measured; j++)
			measured = lat->edge[j] == e;
		if (!measured)
			out->list.edge[out->list.n++] = e;
	}
}

/* ---- building ---------------------------------------------------------- */

struct build {
	const struct geo_policy *p;
	const struct geo_mmdb *db;
	struct geo_tree_builder *tb;
	/* de-duplicated choices, found again through a hash table */
	struct geo_choice *choice;
	size_t nchoices, capchoices;
	uint32_t *ctab; /* choice index + 1, 0 = empty */
	size_t cmask;
	bool too_many; /* more choices than the tree holds values */
	/* database record -> choice: most networks share a record */
	struct memo records;
	/* what the policy reads of a record (GEO_LOC_*) */
	unsigned fields;
	/* location -> choice: a city's records differ in what the policy
	 * does not read (postal code, accuracy), and ranking costs more
	 * than finding the location again */
	struct memo locations;
};

/* A location as the policy reads it; zeroed first, so padding compares. */
struct lockey {
	double lat, lon;
	char continent[3], country[3], subdivision[8];
	bool has_coords;
};

static uint64_t
choice_hash(const struct geo_choice *c)
{
	uint64_t h =
	    1469598103934665603ull ^ c->rule ^ (uint64_t)c->joined << 8;

	h = (h ^ c->list.n) * 1099511628211ull;
	for (uint16_t i = 0; i < c->list.n; i++)
		h = (h ^ c->list.edge[i]) * 1099511628211ull;
	return h;
}

static bool
choice_equal(const struct geo_choice *a, const struct geo_choice *b)
{
	return a->rule == b->rule && a->joined == b->joined &&
	       a->list.n == b->list.n &&
	       memcmp(a->list.edge, b->list.edge,
	              a->list.n * sizeof(a->list.edge[0])) == 0;
}

static void
ctab_grow(struct build *b)
{
	size_t size = (b->cmask + 1) * 2;

	free(b->ctab);
	b->ctab = xcalloc(size, sizeof(*b->ctab));
	b->cmask = size - 1;
	for (size_t i = 0; i < b->nchoices; i++) {
		size_t s = choice_hash(&b->choice[i]) & b->cmask;
		while (b->ctab[s] != 0)
			s = (s + 1) & b->cmask;
		b->ctab[s] = (uint32_t)i + 1;
	}
}

static uint32_t
intern_choice(struct build *b, const struct geo_choice *c)
{
	size_t s = choice_hash(c) & b->cmask;

	for (; b->ctab[s] != 0; s = (s + 1) & b->cmask)
		if (choice_equal(&b->choice[b->ctab[s] - 1], c))
			return b->ctab[s] - 1;
	/*
	 * Choice ids are tree values, which stop at GEO_TREE_VMAX (the
	 * tree packs a value and a depth in one word).  Hundreds to tens of
	 * thousands are usual; past the limit, paint the default and let
	 * geo_map_build fail.
	 */
	if (b->nchoices > GEO_TREE_VMAX) {
		b->too_many = true;
		return 0;
	}
	if (b->nchoices == b->capchoices) {
		b->capchoices = b->capchoices ? 2 * b->capchoices : 64;
		b->choice =
		    xreallocarray(b->choice, b->capchoices, sizeof(*b->choice));
	}
	b->choice[b->nchoices] = *c;
	b->ctab[s] = (uint32_t)++b->nchoices;
	if (b->nchoices * 2 > b->cmask)
		ctab_grow(b);
	return (uint32_t)b->nchoices - 1;
}

/* The choice for a location, decided once per distinct location. */
static uint32_t
location_choice(struct build *b, const struct geo_location *loc)
{
	struct lockey k;

	memset(&k, 0, sizeof(k));
	k.lat = loc->lat;
	k.lon = loc->lon;
	k.has_coords = loc->has_coords;
	memcpy(k.continent, loc->continent, sizeof(k.continent));
	memcpy(k.country, loc->country, sizeof(k.country));
	memcpy(k.subdivision, loc->subdivision, sizeof(k.subdivision));
	size_t s = memo_slot(&b->locations, &k);
	if (b->locations.vals[s] != 0)
		return b->locations.vals[s] - 1;
	struct geo_choice c;
	geo_map_decide(b->p, loc, &c);
	uint32_t id = intern_choice(b, &c);
	memo_put(&b->locations, s, &k, id);
	return id;
}

static uint32_t
record_choice(struct build *b, uint64_t record)
{
	size_t s = memo_slot(&b->records, &record);

	if (b->records.vals[s] != 0)
		return b->records.vals[s] - 1;
	struct geo_location loc;
	geo_mmdb_record(b->db, record, b->fields, &loc);
	uint32_t id = location_choice(b, &loc);
	memo_put(&b->records, s, &record, id);
	return id;
}

static void
paint_network(const uint8_t key[16], unsigned plen, uint64_t record, void *arg)
{
	struct build *b = arg;

	geo_tree_paint(b->tb, key, plen, record_choice(b, record));
}

/* What geo_map_decide reads of a location under `p` (GEO_LOC_*). */
static unsigned
policy_fields(const struct geo_policy *p)
{
	unsigned f = p->npool > 0 ? GEO_LOC_COORDS : 0;

	for (size_t i = 0; i < p->nregions; i++) {
		f |= GEO_LOC_COUNTRY;
		if (p->regions[i].subdivision[0] != '\0')
			f |= GEO_LOC_SUBDIVISION;
	}
	return f;
}

/* Edge i goes after edge j: slower, or as fast and later in the inventory. */
static bool
latency_after(const struct geo_latency *l, unsigned i, unsigned j)
{
	return l->rtt_ms[i] > l->rtt_ms[j] ||
	       (l->rtt_ms[i] == l->rtt_ms[j] && l->edge[i] > l->edge[j]);
}

/* Measured edges in RTT order, ties by inventory index (n <= 16). */
static void
sort_latency(struct geo_latency *l)
{
	if (l->n > GEO_MAX_RANK)
		l->n = GEO_MAX_RANK;
	for (unsigned i = 1; i < l->n; i++)
		for (unsigned j = i; j > 0 && latency_after(l, j - 1, j); j--) {
			uint16_t e = l->edge[j];
			float rtt = l->rtt_ms[j];
			l->edge[j] = l->edge[j - 1];
			l->rtt_ms[j] = l->rtt_ms[j - 1];
			l->edge[j - 1] = e;
			l->rtt_ms[j - 1] = rtt;
		}
}

static int
cmp_latency(const void *x, const void *y)
{
	const struct geo_latency *a = x, *c = y;

	if (a->plen != c->plen)
		return (a->plen > c->plen) - (a->plen < c->plen);
	return memcmp(a->key, c->key, sizeof(a->key));
}

/*
 * Paint the measured networks, shortest first so that the longest prefix
 * wins, each located by its first address.  Returns the map's copy of
 * them, sorted by prefix length.
 */
static struct geo_latency *
paint_latency(struct build *b)
{
	const struct geo_policy *p = b->p;
	struct geo_latency *lat = xcalloc(p->nlatency + 1, sizeof(*lat));

	if (p->nlatency > 0)
		memcpy(lat, p->latency, p->nlatency * sizeof(*lat));
	qsort(lat, p->nlatency, sizeof(*lat), cmp_latency);
	for (size_t i = 0; i < p->nlatency; i++) {
		struct geo_location loc;
		uint8_t net[16];
		unsigned plen;
		sort_latency(&lat[i]);
		bool located =
		    b->db != NULL &&
		    geo_mmdb_lookup(b->db, lat[i].key, &loc, net, &plen) == 1;
		struct geo_choice c;
		geo_map_decide_latency(p, &lat[i], located ? &loc : NULL, &c);
		geo_tree_paint(b->tb, lat[i].key, lat[i].plen,
		               intern_choice(b, &c));
	}
	return lat;
}

static int
cmp_override(const void *x, const void *y)
{
	const struct geo_override *a = *(const struct geo_override *const *)x;
	const struct geo_override *c = *(const struct geo_override *const *)y;

	return (a->plen > c->plen) - (a->plen < c->plen);
}

struct geo_map *
geo_map_build(const struct geo_mmdb *db, const struct geo_policy *p,
              struct errbuf *err)
{
	struct build b = {.p = p, .db = db};
	struct geo_choice dflt = {.rule = GEO_RULE_DEFAULT, .list = p->dflt};

	b.cmask = 63;
	b.ctab = xcalloc(b.cmask + 1, sizeof(*b.ctab));
	memo_init(&b.records, sizeof(uint64_t), 1024);
	memo_init(&b.locations, sizeof(struct lockey), 1024);
	b.fields = policy_fields(p);
	uint32_t dflt_id = intern_choice(&b, &dflt);
	b.tb = geo_tree_builder_new(dflt_id);

	int rc = db ? geo_mmdb_walk(db, paint_network, &b, err) : 0;

	/* Measured networks over the database's, under the overrides. */
	struct geo_latency *lat = paint_latency(&b);

	/* Overrides last, shortest first: the longest prefix wins. */
	const struct geo_override **ov =
	    xcalloc(p->noverrides + 1, sizeof(*ov));
	for (size_t i = 0; i < p->noverrides; i++)
		ov[i] = &p->overrides[i];
	qsort(ov, p->noverrides, sizeof(*ov), cmp_override);
	for (size_t i = 0; i < p->noverrides; i++) {
		struct geo_choice c = {.rule = GEO_RULE_OVERRIDE,
		                       .list = ov[i]->list};
		geo_tree_paint(b.tb, ov[i]->key, ov[i]->plen,
		               intern_choice(&b, &c));
	}
	free(ov);
	free(b.ctab);
	memo_free(&b.records);
	memo_free(&b.locations);

	struct geo_tree *tree = geo_tree_finish(b.tb);
	if (rc == 0 && b.too_many) {
		errbuf_add(err, NULL, 0, 0,
		           "geo map: more than %lu distinct edge rankings "
		           "(the prefix tree's limit)",
		           (unsigned long)GEO_TREE_VMAX + 1);
		rc = -1;
	}
	if (rc == -1) {
		geo_tree_free(tree);
		free(b.choice);
		free(lat);
		return NULL;
	}
	struct geo_map *m = xcalloc(1, sizeof(*m));
	m->tree = tree;
	m->choice = b.choice;
	m->nchoices = b.nchoices;
	m->default_choice = dflt_id;
	m->latency = lat;
	m->nlatency = p->nlatency;
	return m;
}

void
geo_map_free(struct geo_map *m)
{
	if (m == NULL)
		return;
	geo_tree_free(m->tree);
	free(m->choice);
	free(m->latency);
	free(m);
}

/* ---- tools ----------------------------------------------------------- */

/* `key` is inside the network `net`/`plen` (tree layout). */
static bool
key_in(const uint8_t key[16], const uint8_t net[16], unsigned plen)
{
	unsigned whole = plen / 8, rest = plen % 8;

	if (memcmp(key, net, whole) != 0)
		return false;
	return rest == 0 ||
	       ((key[whole] ^ net[whole]) & (uint8_t)(0xFF00u >> rest)) == 0;
}

const struct geo_latency *
geo_map_latency(const struct geo_map *m, const uint8_t key[16])
{
	/* Sorted by prefix length: the first match from the end is the
	 * longest. */
	for (size_t i = m->nlatency; i-- > 0;)
		if (key_in(key, m->latency[i].key, m->latency[i].plen))
			return &m->latency[i];
	return NULL;
}

/* ---- lookup ---------------------------------------------------------- */

const struct geo_choice *
geo_map_lookup(const struct geo_map *m, const struct geo_client *c,
               unsigned *depth)
{
	return &m->choice[geo_tree_lookup(m->tree, c->key, depth)];
}

const struct geo_choice *
geo_map_default(const struct geo_map *m)
{
	return &m->choice[m->default_choice];
}

size_t
geo_map_nchoices(const struct geo_map *m)
{
	return m->nchoices;
}

const struct geo_choice *
geo_map_choice(const struct geo_map *m, size_t i)
{
	return i < m->nchoices ? &m->choice[i] : NULL;
}

void
geo_map_prefetch(const struct geo_map *m, const struct geo_client *c,
                 unsigned level)
{
	geo_tree_prefetch(m->tree, c->key, level);
}

void
geo_map_info(const struct geo_map *m, struct geo_map_info *out)
{
	out->choices = m->nchoices;
	out->networks = geo_tree_leaves(m->tree);
	out->bytes = geo_tree_bytes(m->tree);
}
