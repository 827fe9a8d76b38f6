/* SPDX-License-Identifier: MIT */
/* common/edges.c: the edge inventory (edges.yaml), read by both daemons. */
#include "common/edges.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/hash.h"
#include "common/xalloc.h"
#include "common/ycfg.h"

/* The keys of one edge; location and bias need hand-written parsing. */
struct edge_yaml {
	yaml_node_t *location;
	char *country;
	char *continent;
	struct ycfg_strlist addresses;
	yaml_node_t *bias;
	unsigned weight;
};

static const struct ycfg_key edge_keys[] = {
    {"location", YCFG_NODE, offsetof(struct edge_yaml, location), .req = true},
    {"country", YCFG_STR, offsetof(struct edge_yaml, country)},
    {"continent", YCFG_STR, offsetof(struct edge_yaml, continent)},
    {"addresses", YCFG_STRLIST, offsetof(struct edge_yaml, addresses),
     .req = true},
    {"bias", YCFG_NODE, offsetof(struct edge_yaml, bias)},
    {"weight", YCFG_UINT, offsetof(struct edge_yaml, weight), .min = 0,
     .max = EDGE_WEIGHT_MAX},
    YCFG_END,
};

static const char *const continents[] = {"AF", "AN", "AS", "EU",
                                         "NA", "OC", "SA", NULL};

bool
edges_name_valid(const char *s, size_t len)
{
	if (len == 0 || len >= EDGE_NAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= '0' && s[i] <= '9') && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

/* A finite decimal number within [min, max]. */
static int
parse_double(const char *s, double min, double max, double *out)
{
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	double v = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* location: [LAT, LON] or {lat: LAT, lon: LON} */
static int
parse_location(const struct ycfg_doc *doc, const yaml_node_t *node,
               struct edge *e, struct errbuf *err)
{
	const yaml_node_t *lat = NULL, *lon = NULL;
	yaml_node_t *k, *v;

	if (ycfg_is_seq(node)) {
		size_t i = 0, n = 0;
		while (ycfg_seq_next(doc, node, &i, &v)) {
			if (n == 0)
				lat = v;
			else if (n == 1)
				lon = v;
			n++;
		}
		if (n != 2)
			lat = lon = NULL;
	} else if (ycfg_is_map(node) &&
	           ycfg_map_check(doc, node, "location", err) == 0) {
		for (size_t i = 0; ycfg_map_next(doc, node, &i, &k, &v);) {
			if (strcmp(ycfg_scalar(k), "lat") == 0)
				lat = v;
			else if (strcmp(ycfg_scalar(k), "lon") == 0)
				lon = v;
			else
				lat = lon = NULL;
		}
	}
	if (lat == NULL || lon == NULL) {
		ycfg_error(doc, node, err,
		           "location: expected [LATITUDE, LONGITUDE] or "
		           "{lat: LATITUDE, lon: LONGITUDE}");
		return -1;
	}
	if (parse_double(ycfg_scalar(lat), -90, 90, &e->lat) == -1) {
		ycfg_error(doc, lat, err,
		           "location: latitude must be a number in -90..90");
		return -1;
	}
	if (parse_double(ycfg_scalar(lon), -180, 180, &e->lon) == -1) {
		ycfg_error(doc, lon, err,
		           "location: longitude must be a number in -180..180");
		return -1;
	}
	return 0;
}

static int
parse_bias(const struct ycfg_doc *doc, const yaml_node_t *node, struct edge *e,
           struct errbuf *err)
{
	const char *s = ycfg_scalar(node);
	char *end;

	if (s != NULL && *s != '\0') {
		long v = strtol(s, &end, 10);
		if (*end == '\0' && v >= -99 && v <= 99) {
			e->bias = (int)v;
			return 0;
		}
	}
	ycfg_error(doc, node, err, "bias: expected a whole number in -99..99");
	return -1;
}

static int
parse_addresses(const char *path, const struct ycfg_strlist *l, struct edge *e,
                struct errbuf *err)
{
	int rc = 0;

	for (size_t i = 0; i < l->n; i++) {
		uint8_t a[16];
		if (inet_pton(AF_INET, l->v[i], a) == 1 &&
		    e->nv4 < EDGE_ADDR_MAX) {
			memcpy(e->v4[e->nv4++], a, 4);
		} else if (inet_pton(AF_INET6, l->v[i], a) == 1 &&
		           e->nv6 < EDGE_ADDR_MAX) {
			memcpy(e->v6[e->nv6++], a, 16);
		} else {
			errbuf_add(err, path, l->line[i], l->col[i],
			           "addresses: \"%s\" is not an IPv4 or IPv6 "
			           "address (or more than %d of a family)",
			           l->v[i], EDGE_ADDR_MAX);
			rc = -1;
		}
	}
	return rc;
}

static int
parse_code(const struct ycfg_doc *doc, const yaml_node_t *at, const char *what,
           const char *s, char out[3], struct errbuf *err)
{
	if (s == NULL)
		return 0;
	if (strlen(s) != 2 || !isupper((unsigned char)s[0]) ||
	    !isupper((unsigned char)s[1])) {
		ycfg_error(doc, at, err, "%s: \"%s\" is not a two-letter code",
		           what, s);
		return -1;
	}
	memcpy(out, s, 3);
	if (strcmp(what, "continent") == 0) {
		for (size_t i = 0; continents[i] != NULL; i++)
			if (strcmp(continents[i], s) == 0)
				return 0;
		ycfg_error(
		    doc, at, err,
		    "continent: \"%s\" is not one of AF AN AS EU NA OC SA", s);
		return -1;
	}
	return 0;
}

static int
load_edge(const struct ycfg_doc *doc, const yaml_node_t *k,
          const yaml_node_t *v, struct edge *e, struct errbuf *err)
{
	struct edge_yaml ey = {.weight = EDGE_WEIGHT_DEFAULT};
	const char *name = ycfg_scalar(k);
	unsigned errors0 = err->count;

	e->line = ycfg_line(k);
	e->col = ycfg_col(k);
	if (!edges_name_valid(name, strlen(name)))
		ycfg_error(doc, k, err,
		           "edges: \"%s\" is not a valid edge name (lower-case "
		           "letters, digits, '-' and '_', at most %d)",
		           name, EDGE_NAME_MAX - 1);
	else
		snprintf(e->name, sizeof(e->name), "%s", name);
	e->seed = hash_str64(e->name);
	if (ycfg_walk(doc, v, name, edge_keys, &ey, err) == 0) {
		if (ey.location != NULL)
			parse_location(doc, ey.location, e, err);
		if (ey.bias != NULL)
			parse_bias(doc, ey.bias, e, err);
		parse_code(doc, v, "country", ey.country, e->country, err);
		parse_code(doc, v, "continent", ey.continent, e->continent,
		           err);
		e->weight = ey.weight;
		parse_addresses(ycfg_doc_file(doc), &ey.addresses, e, err);
		if (ey.addresses.n == 0)
			ycfg_error(doc, v, err, "%s: addresses: empty list",
			           name);
	}
	free(ey.country);
	free(ey.continent);
	ycfg_strlist_fini(&ey.addresses);
	return err->count == errors0 ? 0 : -1;
}

struct edge_set *
edges_load(const char *path, struct errbuf *err)
{
	struct ycfg_doc *doc = ycfg_load_file(path, err);
	yaml_node_t *root, *k, *v, *edges = NULL;
	struct edge_set *set;
	int rc = 0;

	if (doc == NULL)
		return NULL;
	root = ycfg_doc_root(doc);
	if (ycfg_map_check(doc, root, "edges file", err) == 0) {
		for (size_t i = 0; ycfg_map_next(doc, root, &i, &k, &v);) {
			if (strcmp(ycfg_scalar(k), "edges") == 0)
				edges = v;
			else
				ycfg_error(
				    doc, k, err,
				    "unknown key \"%s\" (expected edges)",
				    ycfg_scalar(k));
		}
	}
	set = xcalloc(1, sizeof(*set));
	set->path = xstrdup(path);
	if (edges == NULL) {
		ycfg_error(doc, root, err, "missing required key \"edges\"");
		rc = -1;
	} else if (ycfg_map_check(doc, edges, "edges", err) == -1) {
		rc = -1;
	} else {
		size_t n = 0;
		for (size_t i = 0; ycfg_map_next(doc, edges, &i, &k, &v);)
			n++;
		set->edge = xcalloc(n ? n : 1, sizeof(*set->edge));
		for (size_t i = 0; ycfg_map_next(doc, edges, &i, &k, &v);)
			if (load_edge(doc, k, v, &set->edge[set->n++], err) ==
			    -1)
				rc = -1;
		if (n == 0) {
			ycfg_error(doc, edges, err, "edges: empty");
			rc = -1;
		}
	}
	ycfg_doc_free(doc);
	if (rc == -1) {
		edges_free(set);
		return NULL;
	}
	return set;
}

void
edges_free(struct edge_set *set)
{
	if (set == NULL)
		return;
	free(set->path);
	free(set->edge);
	free(set);
}

int
edges_find(const struct edge_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->edge[i].name, name) == 0)
			return (int)i;
	return -1;
}
