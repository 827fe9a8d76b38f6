/* SPDX-License-Identifier: MIT */
/* geo/geo_map.c: compile a geo name's policy against a database. */
/* HOT PATH: see STYLE.md B5 (geo_map_lookup at the end) */
#include "geo/geo_map.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/xalloc.h"
#include "geo/geo_addr.h"
#include "geo/geo_mmdb.h"
#include "geo/geo_tree.h"

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
	size_t n = p->npool < GEO_POOL_MAX ? p->npool : GEO_POOL_MAX;
	for (size_t i = 0; i < n; i++)
		sites[i] = p->sites[p->pool[i]];
	struct geo_point at = {loc->lat, loc->lon};
	geo_rank(at, sites, n, order);
	out->rule = GEO_RULE_NEAREST;
	size_t depth =
	    p->depth > 0 && p->depth < GEO_MAX_RANK ? p->depth : GEO_MAX_RANK;
	out->list.n = (uint16_t)(n < depth ? n : depth);
	for (uint16_t i = 0; i < out->list.n; i++)
		out->list.edge[i] = p->pool[order[i]];
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
	uint64_t *rkey;
	uint32_t *rval; /* choice index + 1, 0 = empty */
	size_t rmask, rcount;
	/* what the policy reads of a record (GEO_LOC_*) */
	unsigned fields;
	/* location -> choice: a city's records differ in what the policy
	 * does not read (postal code, accuracy), and ranking costs more
	 * than finding the location again */
	struct lockey *lkey;
	uint32_t *lval; /* choice index + 1, 0 = empty */
	size_t lmask, lcount;
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
	uint64_t h = 1469598103934665603ull ^ c->rule;

	h = (h ^ c->list.n) * 1099511628211ull;
	for (uint16_t i = 0; i < c->list.n; i++)
		h = (h ^ c->list.edge[i]) * 1099511628211ull;
	return h;
}

static bool
choice_equal(const struct geo_choice *a, const struct geo_choice *b)
{
	return a->rule == b->rule && a->list.n == b->list.n &&
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

static size_t
record_slot(const struct build *b, uint64_t record)
{
	size_t s = (size_t)((record * 0x9E3779B97F4A7C15ull) >> 20) & b->rmask;

	while (b->rval[s] != 0 && b->rkey[s] != record)
		s = (s + 1) & b->rmask;
	return s;
}

static void
rtab_grow(struct build *b)
{
	uint64_t *okey = b->rkey;
	uint32_t *oval = b->rval;
	size_t osize = b->rmask + 1;

	b->rmask = osize * 2 - 1;
	b->rkey = xcalloc(osize * 2, sizeof(*b->rkey));
	b->rval = xcalloc(osize * 2, sizeof(*b->rval));
	for (size_t i = 0; i < osize; i++) {
		if (oval[i] == 0)
			continue;
		size_t s = record_slot(b, okey[i]);
		b->rkey[s] = okey[i];
		b->rval[s] = oval[i];
	}
	free(okey);
	free(oval);
}

static size_t
location_slot(const struct build *b, const struct lockey *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	size_t s = (size_t)(h ^ h >> 29) & b->lmask;
	while (b->lval[s] != 0 && memcmp(&b->lkey[s], k, sizeof(*k)) != 0)
		s = (s + 1) & b->lmask;
	return s;
}

static void
ltab_grow(struct build *b)
{
	struct lockey *okey = b->lkey;
	uint32_t *oval = b->lval;
	size_t osize = b->lmask + 1;

	b->lmask = osize * 2 - 1;
	b->lkey = xcalloc(osize * 2, sizeof(*b->lkey));
	b->lval = xcalloc(osize * 2, sizeof(*b->lval));
	for (size_t i = 0; i < osize; i++) {
		if (oval[i] == 0)
			continue;
		size_t s = location_slot(b, &okey[i]);
		b->lkey[s] = okey[i];
		b->lval[s] = oval[i];
	}
	free(okey);
	free(oval);
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
	size_t s = location_slot(b, &k);
	if (b->lval[s] != 0)
		return b->lval[s] - 1;
	struct geo_choice c;
	geo_map_decide(b->p, loc, &c);
	uint32_t id = intern_choice(b, &c);
	b->lkey[s] = k;
	b->lval[s] = id + 1;
	if (++b->lcount * 2 > b->lmask)
		ltab_grow(b);
	return id;
}

static uint32_t
record_choice(struct build *b, uint64_t record)
{
	size_t s = record_slot(b, record);

	if (b->rval[s] != 0)
		return b->rval[s] - 1;
	struct geo_location loc;
	geo_mmdb_record(b->db, record, b->fields, &loc);
	uint32_t id = location_choice(b, &loc);
	b->rkey[s] = record;
	b->rval[s] = id + 1;
	if (++b->rcount * 2 > b->rmask)
		rtab_grow(b);
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
	b.rmask = 1023;
	b.rkey = xcalloc(b.rmask + 1, sizeof(*b.rkey));
	b.rval = xcalloc(b.rmask + 1, sizeof(*b.rval));
	b.lmask = 1023;
	b.lkey = xcalloc(b.lmask + 1, sizeof(*b.lkey));
	b.lval = xcalloc(b.lmask + 1, sizeof(*b.lval));
	b.fields = policy_fields(p);
	uint32_t dflt_id = intern_choice(&b, &dflt);
	b.tb = geo_tree_builder_new(dflt_id);

	int rc = db ? geo_mmdb_walk(db, paint_network, &b, err) : 0;

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
	free(b.rkey);
	free(b.rval);
	free(b.lkey);
	free(b.lval);

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
		return NULL;
	}
	struct geo_map *m = xcalloc(1, sizeof(*m));
	m->tree = tree;
	m->choice = b.choice;
	m->nchoices = b.nchoices;
	m->default_choice = dflt_id;
	return m;
}

void
geo_map_free(struct geo_map *m)
{
	if (m == NULL)
		return;
	geo_tree_free(m->tree);
	free(m->choice);
	free(m);
}

/* ---- lookup ---------------------------------------------------------- */

const struct geo_choice *
geo_map_lookup(const struct geo_map *m, const struct geo_client *c,
               unsigned *scope)
{
	unsigned depth;

	uint32_t id = geo_tree_lookup(m->tree, c->key, &depth);
	*scope = geo_client_scope(c, depth);
	return &m->choice[id];
}

void
geo_map_prefetch(const struct geo_map *m, const struct geo_client *c,
                 unsigned level)
{
	geo_tree_prefetch(m->tree, c->key, level);
}
