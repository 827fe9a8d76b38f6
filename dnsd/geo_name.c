/* SPDX-License-Identifier: MIT */
/* dnsd/geo_name.c: a geo-routed name: its YAML policy, compiled. */
#include "dnsd/geo_name.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/edges.h"
#include "common/errbuf.h"
#include "common/hash.h"
#include "common/log.h"
#include "common/path.h"
#include "common/xalloc.h"
#include "common/ycfg.h"
#include "dnsd/cidr.h"
#include "dnsd/latency_file.h"
#include "dnsd/wire.h"

/* RFC 2181 §8 */
#define TTL_MAX 2147483647u

/* latency_max_age: 7 days unless set, at most 7 weeks */
#define LATENCY_MAX_AGE_MS (7u * 86400 * 1000)
#define LATENCY_MAX_AGE_MAX_MS (49u * 86400 * 1000)

/* The YAML of a geo name; lists and maps are walked by hand. */
struct geo_yaml {
	unsigned ttl_ms;
	unsigned answers;
	yaml_node_t *pool;
	yaml_node_t *dflt;
	yaml_node_t *overrides;
	yaml_node_t *overrides_file;
	yaml_node_t *map;
	yaml_node_t *all_down;
	yaml_node_t *latency_file;
	unsigned latency_max_age_ms; /* 0: not set */
	unsigned tier_km;
	unsigned spread_v4, spread_v6;
};

static const struct ycfg_key geo_keys[] = {
    {"ttl", YCFG_DURATION, offsetof(struct geo_yaml, ttl_ms), .min = 0,
     .max = 86400u * 1000},
    {"answers", YCFG_UINT, offsetof(struct geo_yaml, answers), .min = 1,
     .max = GEO_MAX_RANK},
    {"pool", YCFG_NODE, offsetof(struct geo_yaml, pool)},
    {"default", YCFG_NODE, offsetof(struct geo_yaml, dflt)},
    {"overrides", YCFG_NODE, offsetof(struct geo_yaml, overrides)},
    {"overrides_file", YCFG_NODE, offsetof(struct geo_yaml, overrides_file)},
    {"map", YCFG_NODE, offsetof(struct geo_yaml, map)},
    {"all_down", YCFG_NODE, offsetof(struct geo_yaml, all_down)},
    {"latency_file", YCFG_NODE, offsetof(struct geo_yaml, latency_file)},
    /* stored in unsigned ms: 7 weeks is about the ceiling */
    {"latency_max_age", YCFG_DURATION,
     offsetof(struct geo_yaml, latency_max_age_ms), .min = 1000,
     .max = LATENCY_MAX_AGE_MAX_MS},
    {"tier_km", YCFG_UINT, offsetof(struct geo_yaml, tier_km), .min = 0,
     .max = 20000},
    {"spread_v4", YCFG_UINT, offsetof(struct geo_yaml, spread_v4), .min = 1,
     .max = 32},
    {"spread_v6", YCFG_UINT, offsetof(struct geo_yaml, spread_v6), .min = 1,
     .max = 128},
    YCFG_END,
};

static const char *const continents[] = {"AF", "AN", "AS", "EU",
                                         "NA", "OC", "SA", NULL};

struct load {
	const struct ycfg_doc *doc;
	const struct geo_env *env;
	struct errbuf *err;
	const char *owner;
	struct geo_region *regions;
	size_t nregions;
	struct geo_override *overrides;
	size_t noverrides;
	enum geo_all_down all_down;
	struct geo_list last_resort;
	struct geo_latency *latency; /* from latency_file */
	size_t nlatency;
	char *files[2]; /* overrides_file and latency_file paths, alive
	                   while loading */
	size_t nfiles;
};

/* An edge name or a list of them (in preference order). */
static int
parse_list(struct load *l, const yaml_node_t *node, const char *what,
           struct geo_list *out)
{
	yaml_node_t *item = NULL;
	size_t i = 0;
	int rc = 0;

	out->n = 0;
	if (!ycfg_is_scalar(node) && !ycfg_is_seq(node)) {
		ycfg_error(l->doc, node, l->err,
		           "%s: %s: expected an edge name or a list of them",
		           l->owner, what);
		return -1;
	}
	for (;;) {
		if (ycfg_is_scalar(node)) {
			if (item == node)
				break;
			item = (yaml_node_t *)(uintptr_t)node;
		} else if (!ycfg_seq_next(l->doc, node, &i, &item)) {
			break;
		}
		const char *name = ycfg_scalar(item);
		int e = name ? edges_find(l->env->edges, name) : -1;
		if (e < 0) {
			ycfg_error(l->doc, item, l->err,
			           "%s: %s: no edge called \"%s\" in %s",
			           l->owner, what, name ? name : "(not a name)",
			           l->env->edges->path);
			rc = -1;
		} else if (out->n == GEO_MAX_RANK) {
			ycfg_error(l->doc, item, l->err,
			           "%s: %s: more than %d edges", l->owner, what,
			           GEO_MAX_RANK);
			return -1;
		} else {
			out->edge[out->n++] = (uint16_t)e;
		}
	}
	if (out->n == 0 && rc == 0) {
		ycfg_error(l->doc, node, l->err, "%s: %s: empty list", l->owner,
		           what);
		rc = -1;
	}
	return rc;
}

/* Room for one more override; the caller counts it in when it is valid. */
static struct geo_override *
add_override(struct load *l)
{
	l->overrides = xreallocarray(l->overrides, l->noverrides + 1,
	                             sizeof(*l->overrides));
	memset(&l->overrides[l->noverrides], 0, sizeof(*l->overrides));
	return &l->overrides[l->noverrides];
}

static int
load_overrides(struct load *l, const yaml_node_t *node)
{
	yaml_node_t *k, *v;
	int rc = 0;

	if (ycfg_map_check(l->doc, node, "overrides", l->err) == -1)
		return -1;
	for (size_t i = 0; ycfg_map_next(l->doc, node, &i, &k, &v);) {
		struct geo_override *o = add_override(l);
		if (cidr_parse(ycfg_scalar(k), o->key, &o->plen) == -1) {
			ycfg_error(
			    l->doc, k, l->err,
			    "%s: overrides: \"%s\" is not a network "
			    "(ADDRESS/LENGTH with no bits set past LENGTH)",
			    l->owner, ycfg_scalar(k));
			rc = -1;
			continue;
		}
		o->file = ycfg_doc_file(l->doc);
		o->line = ycfg_line(k);
		o->col = ycfg_col(k);
		if (parse_list(l, v, ycfg_scalar(k), &o->list) == -1) {
			rc = -1;
			continue;
		}
		l->noverrides++;
	}
	return rc;
}

/*
 * overrides_file: a text file of "NETWORK EDGE [EDGE...]" lines ('#'
 * starts a comment), for operator lists too long for the zone file.
 * Errors point into that file.
 */
static int
load_overrides_file(struct load *l, const yaml_node_t *node)
{
	const char *rel = ycfg_scalar(node);
	int rc = 0;

	if (rel == NULL) {
		ycfg_error(l->doc, node, l->err,
		           "%s: overrides_file: expected a path", l->owner);
		return -1;
	}
	char *path = path_relative(ycfg_doc_file(l->doc), rel);
	l->files[l->nfiles++] = path; /* freed with the other load state */
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		ycfg_error(l->doc, node, l->err,
		           "%s: overrides_file: cannot open %s: %s", l->owner,
		           path, strerror(errno));
		return -1;
	}
	char line[1024];
	for (unsigned lineno = 1; fgets(line, sizeof(line), f); lineno++) {
		char *save = NULL, *hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		char *net = strtok_r(line, " \t\r\n", &save);
		if (net == NULL)
			continue;
		struct geo_override *o = add_override(l);
		unsigned col = (unsigned)(net - line) + 1;
		if (cidr_parse(net, o->key, &o->plen) == -1) {
			errbuf_add(
			    l->err, path, lineno, col,
			    "\"%s\" is not a network (ADDRESS/LENGTH with "
			    "no bits set past LENGTH)",
			    net);
			rc = -1;
			continue;
		}
		o->file = l->files[l->nfiles - 1];
		o->line = lineno;
		o->col = col;
		for (char *e;
		     (e = strtok_r(NULL, " \t\r\n,", &save)) != NULL;) {
			int idx = edges_find(l->env->edges, e);
			if (idx < 0 || o->list.n == GEO_MAX_RANK) {
				errbuf_add(l->err, path, lineno,
				           (unsigned)(e - line) + 1,
				           idx < 0
				               ? "no edge called \"%s\""
				               : "\"%s\": more than 16 edges",
				           e);
				rc = -1;
				break;
			}
			o->list.edge[o->list.n++] = (uint16_t)idx;
		}
		if (o->list.n == 0 && rc == 0) {
			errbuf_add(l->err, path, lineno, col,
			           "%s: no edges after the network", net);
			rc = -1;
		}
		if (rc == 0)
			l->noverrides++;
	}
	fclose(f);
	return rc;
}

/*
 * latency_file: measured RTTs from networks to edges (dnsd/latency_file.h)
 * that rank the edges for those networks instead of distance.  A file
 * older than latency_max_age is ignored (with a warning): stale
 * measurements would rank worse than distance does.
 */
static int
load_latency_file(struct load *l, const yaml_node_t *node, unsigned max_age_ms,
                  const uint16_t *pool, size_t npool)
{
	const char *rel = ycfg_scalar(node);
	uint64_t age;

	if (rel == NULL) {
		ycfg_error(l->doc, node, l->err,
		           "%s: latency_file: expected a path", l->owner);
		return -1;
	}
	char *path = path_relative(ycfg_doc_file(l->doc), rel);
	l->files[l->nfiles++] = path; /* freed with the other load state */
	FILE *f = fopen(path, "r");
	if (f == NULL || latency_file_age(path, time(NULL), &age) == -1) {
		ycfg_error(l->doc, node, l->err,
		           "%s: latency_file: cannot open %s: %s", l->owner,
		           path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (age * 1000 > max_age_ms) {
		log_warn("%s: latency_file %s is %lluh old (latency_max_age "
		         "%uh): ignored, ranking by distance",
		         l->owner, path, (unsigned long long)(age / 3600),
		         max_age_ms / 3600000);
		fclose(f);
		return 0;
	}
	int rc = latency_file_read(f, path, l->env->edges, pool, npool,
	                           &l->latency, &l->nlatency, l->err);
	fclose(f);
	if (rc == 0)
		log_info("%s: latency_file %s: %zu networks measured", l->owner,
		         path, l->nlatency);
	return rc;
}

/* The same network twice (inline or in the file) is a mistake. */
static int
check_duplicate_overrides(struct load *l)
{
	int rc = 0;

	for (size_t i = 0; i < l->noverrides; i++)
		for (size_t j = 0; j < i; j++) {
			const struct geo_override *a = &l->overrides[i];
			const struct geo_override *b = &l->overrides[j];
			if (a->plen != b->plen ||
			    memcmp(a->key, b->key, sizeof(a->key)) != 0)
				continue;
			errbuf_add(
			    l->err, a->file, a->line, a->col,
			    "%s: overrides: network listed twice (first at "
			    "%s:%u:%u)",
			    l->owner, b->file, b->line, b->col);
			rc = -1;
			break;
		}
	return rc;
}

static struct geo_region *
add_region(struct load *l, const char *continent, const char *country,
           const char *sub)
{
	l->regions =
	    xreallocarray(l->regions, l->nregions + 1, sizeof(*l->regions));
	struct geo_region *r = &l->regions[l->nregions++];
	memset(r, 0, sizeof(*r));
	snprintf(r->continent, sizeof(r->continent), "%s", continent);
	snprintf(r->country, sizeof(r->country), "%s", country);
	snprintf(r->subdivision, sizeof(r->subdivision), "%s", sub);
	return r;
}

static bool
is_code(const char *s, size_t maxlen)
{
	size_t n = strlen(s);

	if (n == 0 || n > maxlen)
		return false;
	for (; *s != '\0'; s++)
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s))
			return false;
	return true;
}

/*
 * map: {default: LIST, CONTINENT: {default: LIST, COUNTRY: LIST or
 * {default: LIST, SUBDIVISION: LIST}}}.  Countries sit under their
 * continent because some continent codes are also country codes (NA is
 * Namibia, AS American Samoa).
 */
static int
load_map(struct load *l, const yaml_node_t *node)
{
	yaml_node_t *k, *v, *k2, *v2, *k3, *v3;
	int rc = 0;

	if (ycfg_map_check(l->doc, node, "map", l->err) == -1)
		return -1;
	for (size_t i = 0; ycfg_map_next(l->doc, node, &i, &k, &v);) {
		const char *cont = ycfg_scalar(k);
		if (strcmp(cont, "default") == 0) {
			rc |= parse_list(l, v, "map default",
			                 &add_region(l, "", "", "")->list);
			continue;
		}
		bool known = false;
		for (size_t c = 0; continents[c] != NULL; c++)
			known = known || strcmp(continents[c], cont) == 0;
		if (!known) {
			ycfg_error(
			    l->doc, k, l->err,
			    "%s: map: \"%s\" is not a continent (AF AN AS "
			    "EU NA OC SA) or default; countries go under "
			    "their continent",
			    l->owner, cont);
			rc = -1;
			continue;
		}
		if (ycfg_map_check(l->doc, v, cont, l->err) == -1) {
			rc = -1;
			continue;
		}
		for (size_t j = 0; ycfg_map_next(l->doc, v, &j, &k2, &v2);) {
			const char *cc = ycfg_scalar(k2);
			if (strcmp(cc, "default") == 0) {
				rc |= parse_list(
				    l, v2, cont,
				    &add_region(l, cont, "", "")->list);
				continue;
			}
			if (strlen(cc) != 2 || !is_code(cc, 2)) {
				ycfg_error(
				    l->doc, k2, l->err,
				    "%s: map: %s: \"%s\" is not a two-letter "
				    "country code or default",
				    l->owner, cont, cc);
				rc = -1;
				continue;
			}
			if (!ycfg_is_map(v2)) {
				rc |= parse_list(
				    l, v2, cc,
				    &add_region(l, cont, cc, "")->list);
				continue;
			}
			if (ycfg_map_check(l->doc, v2, cc, l->err) == -1) {
				rc = -1;
				continue;
			}
			for (size_t m = 0;
			     ycfg_map_next(l->doc, v2, &m, &k3, &v3);) {
				const char *sub = ycfg_scalar(k3);
				bool dflt = strcmp(sub, "default") == 0;
				if (!dflt && !is_code(sub, 3)) {
					ycfg_error(
					    l->doc, k3, l->err,
					    "%s: map: %s: \"%s\" is not a "
					    "subdivision code (e.g. CA, ENG) "
					    "or default",
					    l->owner, cc, sub);
					rc = -1;
					continue;
				}
				rc |= parse_list(
				    l, v3, sub,
				    &add_region(l, cont, cc, dflt ? "" : sub)
				         ->list);
			}
		}
	}
	return rc;
}

/* all_down: fail_open | nodata | servfail | EDGE or [EDGE, ...] */
static int
load_all_down(struct load *l, const yaml_node_t *node)
{
	static const struct {
		const char *name;
		enum geo_all_down policy;
	} names[] = {
	    {"fail_open", GEO_ALL_DOWN_FAIL_OPEN},
	    {"nodata", GEO_ALL_DOWN_NODATA},
	    {"servfail", GEO_ALL_DOWN_SERVFAIL},
	};
	const char *s = ycfg_scalar(node);

	for (size_t i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]);
	     i++) {
		if (strcmp(s, names[i].name) == 0) {
			l->all_down = names[i].policy;
			return 0;
		}
	}
	/* Anything else names the last-resort edges. */
	if (s != NULL && edges_find(l->env->edges, s) < 0) {
		ycfg_error(l->doc, node, l->err,
		           "%s: all_down: expected fail_open, nodata, servfail "
		           "or last-resort edges, not \"%s\"",
		           l->owner, s);
		return -1;
	}
	l->all_down = GEO_ALL_DOWN_LAST_RESORT;
	return parse_list(l, node, "all_down", &l->last_resort);
}

/* The parsed policy, compiled against the database. */
static struct geo_name *
compile(const struct load *l, const struct geo_yaml *gy, const uint16_t *pool,
        size_t npool, const struct geo_list *dflt, struct errbuf *err)
{

	struct geo_policy p = {
	    .sites = l->env->sites,
	    .nsites = l->env->edges->n,
	    .pool = pool,
	    .npool = npool,
	    .depth = gy->answers + GEO_NAME_BACKUPS,
	    .tier_km = gy->tier_km,
	    .dflt = *dflt,
	    .overrides = l->overrides,
	    .noverrides = l->noverrides,
	    .latency = l->latency,
	    .nlatency = l->nlatency,
	    .regions = l->regions,
	    .nregions = l->nregions,
	};
	uint64_t t0 = clock_ms();
	struct geo_map *map = geo_map_build(l->env->db, &p, err);
	uint64_t ms = clock_ms() - t0;
	if (map == NULL)
		return NULL;
	struct geo_name *g = xcalloc(1, sizeof(*g));
	g->owner = xstrdup(l->owner);
	g->ttl = gy->ttl_ms / 1000;
	g->answers = gy->answers;
	g->map = map;
	g->edges = l->env->edges;
	g->all_down = l->all_down;
	g->last_resort = l->last_resort;
	g->row = -1; /* set by the zonedb that takes it */
	g->seed = hash_str64(g->owner);
	g->spread_v4 = gy->spread_v4;
	g->spread_v6 = gy->spread_v6;
	for (int f = 0; f < 2; f++) {
		uint8_t *h = g->rr_head[f];
		uint16_t type = f == 0 ? T_A : T_AAAA;
		uint16_t rdlen = f == 0 ? 4 : 16;
		h[0] = (uint8_t)(type >> 8);
		h[1] = (uint8_t)type;
		h[2] = 0;
		h[3] = C_IN;
		h[4] = (uint8_t)(g->ttl >> 24);
		h[5] = (uint8_t)(g->ttl >> 16);
		h[6] = (uint8_t)(g->ttl >> 8);
		h[7] = (uint8_t)g->ttl;
		h[8] = (uint8_t)(rdlen >> 8);
		h[9] = (uint8_t)rdlen;
	}
	struct geo_map_info mi;
	geo_map_info(map, &mi);
	log_info("geo %s: %zu choices, %zu networks after merging, %zu KiB, "
	         "compiled in %ld ms",
	         l->owner, mi.choices, mi.networks, mi.bytes / 1024, (long)ms);
	return g;
}

struct geo_name *
geo_name_load(const struct ycfg_doc *doc, const yaml_node_t *node,
              const char *owner, uint32_t zone_ttl, const struct geo_env *env,
              struct errbuf *err)
{
	struct geo_yaml gy = {.ttl_ms = 30 * 1000,
	                      .answers = 1,
	                      .spread_v4 = 24,
	                      .spread_v6 = 56};
	struct load l = {.doc = doc, .env = env, .err = err, .owner = owner};
	struct geo_list pool = {0}, dflt = {0};
	uint16_t all[GEO_MAX_RANK > 1024 ? GEO_MAX_RANK : 1024];
	struct geo_name *g = NULL;
	unsigned errors0 = err->count;

	(void)zone_ttl; /* geo answers default to a short TTL of their own */
	if (env->broken)
		return NULL; /* the cause is reported once, not per name */
	if (env->edges == NULL) {
		ycfg_error(doc, node, err,
		           "%s: a geo name needs the edge inventory: set "
		           "\"edges\" in the server configuration",
		           owner);
		return NULL;
	}
	if (ycfg_walk(doc, node, owner, geo_keys, &gy, err) == -1)
		return NULL;
	if (gy.ttl_ms % 1000 != 0)
		ycfg_error(doc, node, err, "%s: ttl: must be whole seconds",
		           owner);

	/* The pool: every edge unless listed; ranking sees only these. */
	size_t npool = 0;
	if (gy.pool != NULL) {
		parse_list(&l, gy.pool, "pool", &pool);
		for (uint16_t i = 0; i < pool.n; i++)
			all[npool++] = pool.edge[i];
	} else {
		for (size_t i = 0; i < env->edges->n && npool < 1024; i++)
			all[npool++] = (uint16_t)i;
	}
	if (gy.dflt != NULL) {
		parse_list(&l, gy.dflt, "default", &dflt);
	} else if (npool > 0) {
		dflt.n = 1; /* documented: the pool's first edge */
		dflt.edge[0] = all[0];
	}
	if (gy.overrides != NULL)
		load_overrides(&l, gy.overrides);
	if (gy.overrides_file != NULL)
		load_overrides_file(&l, gy.overrides_file);
	check_duplicate_overrides(&l);
	if (gy.map != NULL)
		load_map(&l, gy.map);
	if (gy.all_down != NULL)
		load_all_down(&l, gy.all_down);
	if (gy.latency_file != NULL)
		load_latency_file(&l, gy.latency_file,
		                  gy.latency_max_age_ms ? gy.latency_max_age_ms
		                                        : LATENCY_MAX_AGE_MS,
		                  all, npool);
	else if (gy.latency_max_age_ms != 0)
		ycfg_error(doc, node, err,
		           "%s: latency_max_age: without a latency_file",
		           owner);
	if (err->count == errors0)
		g = compile(&l, &gy, all, npool, &dflt, err);
	free(l.regions);
	free(l.overrides);
	free(l.latency);
	for (size_t i = 0; i < l.nfiles; i++)
		free(l.files[i]);
	return g;
}

void
geo_name_free(struct geo_name *g)
{
	if (g == NULL)
		return;
	geo_map_free(g->map);
	free(g->owner);
	free(g);
}
