/* SPDX-License-Identifier: MIT */
/* common/edges.h: the edge inventory (edges.yaml), read by both daemons. */
#ifndef COMMON_EDGES_H
#define COMMON_EDGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;

#define EDGE_NAME_MAX 32
#define EDGE_ADDR_MAX 8 /* served addresses per family */
#define EDGE_WEIGHT_MAX 255
#define EDGE_WEIGHT_DEFAULT 1

/* One edge location of the CDN. */
struct edge {
	char name[EDGE_NAME_MAX]; /* [a-z0-9-], as used in zones and feeds */
	double lat, lon;          /* degrees */
	char country[3];          /* ISO 3166-1 alpha-2, or "" */
	char continent[3];        /* GeoIP continent code, or "" */
	int bias;        /* -99..99: ranking distance x (1 - bias/100) */
	unsigned weight; /* 0..255: its part of a tier's clients; 0: standby */
	uint64_t seed;   /* of the name: its place in client hashes, the same
	                    in every inventory and on every machine */
	uint8_t v4[EDGE_ADDR_MAX][4];
	unsigned nv4;
	uint8_t v6[EDGE_ADDR_MAX][16];
	unsigned nv6;
	unsigned line, col; /* where it is defined, for later errors */
};

struct edge_set {
	char *path;
	struct edge *edge;
	size_t n;
};

/*
 * Load the inventory at `path`.  Every problem (unknown keys, bad names,
 * coordinates out of range, bad or duplicate addresses, an edge with no
 * address) is added to `err` as file:line:col.  Returns new, or NULL if
 * anything was wrong.
 */
struct edge_set *edges_load(const char *path, struct errbuf *err);

void edges_free(struct edge_set *set); /* NULL is a no-op */

/*
 * true if the `len` bytes at `s` are a valid edge name: 1..31 of lower-case
 * letters, digits, '-' and '_', not starting with '-'.  Names travel in
 * zone files, health feeds, state files and metrics, so every reader
 * checks them with this one rule.
 */
bool edges_name_valid(const char *s, size_t len);

/* Index of the edge called `name`, or -1. */
int edges_find(const struct edge_set *set, const char *name);

#endif
