/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_geo_spread.c: tiers, weights and shares in
 * geo_answer_pick(): how a tier's clients divide, that each client keeps
 * its edge, what a share and a standby do, and the ECS scope.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/snapshot.h"
#include "dnsd/steer.h"
#include "dnsd/zonedb.h"

static char dir[] = "/tmp/test_geo_spread.XXXXXX";

/* Clients: 4096 London /24s of 81.0.0.0/8. */
#define CLIENTS 4096

static void
write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A snapshot of `edges` (the YAML under "edges:") and one geo name
 * "cdn" with `geo` (the YAML of its mapping). */
static struct snapshot *
load(const char *edges, const char *geo)
{
	char path[256], text[2048];
	struct errbuf err;

	snprintf(text, sizeof(text), "edges:\n%s", edges);
	write_file("edges.yaml", text);
	snprintf(text, sizeof(text),
	         "zone: example.com\n"
	         "records:\n"
	         "  \"@\": {SOA: ns hostmaster 1 2h 1h 2w 5m, NS: ns}\n"
	         "  ns: {A: 192.0.2.1}\n"
	         "geo:\n"
	         "  cdn: %s\n",
	         geo);
	write_file("z.yaml", text);
	snprintf(path, sizeof(path), "%s/dnsd.yaml", dir);
	errbuf_init(&err);
	struct snapshot *s = snapshot_load(path, 1, &err);
	if (s == NULL)
		fprintf(stderr, "%s", errbuf_text(&err));
	errbuf_fini(&err);
	assert_non_null(s);
	return s;
}

static int
setup(void **state)
{
	char cmd[512];

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	write_file("nets.txt",
	           "81.0.0.0/8 51.5142 -0.0931 EU GB ENG London\n"
	           "2a02:c7c::/32 51.5142 -0.0931 EU GB ENG London\n");
	snprintf(cmd, sizeof(cmd),
	         "perl tests/tools/mkmmdb.pl %s/nets.txt %s/geo.mmdb", dir,
	         dir);
	if (system(cmd) != 0)
		return -1;
	write_file("dnsd.yaml", "server: {listen: 127.0.0.1:53}\n"
	                        "zones: [z.yaml]\n"
	                        "edges: edges.yaml\n"
	                        "geo_database: geo.mmdb\n");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct geo_name *
cdn(const struct snapshot *s)
{
	assert_int_equal(s->db->ngeo, 1);
	return s->db->geo[0];
}

/* A steer for `s`: every edge whole, weights as configured. */
static struct steer *
steer_new(const struct snapshot *s)
{
	struct steer *st = calloc(1, steer_size(s->edges->n));

	assert_non_null(st);
	st->n = s->edges->n;
	for (size_t i = 0; i < st->n; i++)
		st->edge[i] = (struct steer_edge){STEER_SHARE_ALL,
		                                  s->edges->edge[i].weight};
	return st;
}

/* The first A edge (its name) for client /24 number `i`, and the scope. */
static const char *
pick(const struct snapshot *s, const struct steer *st, unsigned i,
     unsigned *scope)
{
	struct geo_client c;
	struct geo_trace t;
	uint8_t a[4] = {81, (uint8_t)(i >> 8), (uint8_t)i, 0};

	geo_client_make(&c, AF_INET, a, 24);
	geo_answer_choose(cdn(s), &c, &t);
	const struct geo_picked *p = geo_answer_pick(cdn(s), AF_INET, st, &t);
	if (scope != NULL)
		*scope = t.scope;
	return p->n > 0 ? s->edges->edge[p->edge[0]].name : "-";
}

/* How many of the CLIENTS get `name`. */
static unsigned
count(const struct snapshot *s, const struct steer *st, const char *name)
{
	unsigned n = 0;

	for (unsigned i = 0; i < CLIENTS; i++)
		n += strcmp(pick(s, st, i, NULL), name) == 0;
	return n;
}

static const char tier[] =
    "  a: {location: [51.47, -0.45], addresses: 10.0.0.1, weight: 3}\n"
    "  b: {location: [51.47, -0.45], addresses: 10.0.0.2, weight: 1}\n"
    "  s: {location: [51.47, -0.45], addresses: 10.0.0.3, weight: 0}\n"
    "  far: {location: [52.31, 4.76], addresses: 10.0.0.4}\n";

static void
weights_divide_a_tier(void **state)
{
	(void)state;
	struct snapshot *s = load(tier, "{ttl: 30}");
	unsigned na = count(s, NULL, "a"), nb = count(s, NULL, "b");

	/* 3:1 within 4 points over 4096 clients; nobody else */
	assert_in_range(na * 100 / CLIENTS, 71, 79);
	assert_int_equal(na + nb, CLIENTS);
	/* The steer's weights rule over the configured ones. */
	struct steer *st = steer_new(s);
	st->edge[0].weight = 1;
	na = count(s, st, "a");
	assert_in_range(na * 100 / CLIENTS, 46, 54);
	free(st);
	snapshot_unref(s);
}

static void
a_client_keeps_its_edge(void **state)
{
	(void)state;
	struct snapshot *s = load(tier, "{ttl: 30}");
	/* The same inventory in another order: seeds come from the names,
	 * so every client gets the same edge (a fleet, a reload). */
	struct snapshot *r = load(
	    "  far: {location: [52.31, 4.76], addresses: 10.0.0.4}\n"
	    "  s: {location: [51.47, -0.45], addresses: 10.0.0.3, weight: 0}\n"
	    "  b: {location: [51.47, -0.45], addresses: 10.0.0.2, weight: 1}\n"
	    "  a: {location: [51.47, -0.45], addresses: 10.0.0.1, weight: 3}\n",
	    "{ttl: 30}");

	for (unsigned i = 0; i < CLIENTS; i++) {
		const char *first = pick(s, NULL, i, NULL);
		assert_string_equal(pick(s, NULL, i, NULL), first);
		assert_string_equal(pick(r, NULL, i, NULL), first);
	}
	snapshot_unref(r);
	snapshot_unref(s);
}

static void
a_leaving_edge_moves_only_its_clients(void **state)
{
	(void)state;
	struct snapshot *s =
	    load("  p1: {location: [49.01, 2.55], addresses: 10.0.1.1}\n"
	         "  p2: {location: [49.01, 2.55], addresses: 10.0.1.2}\n"
	         "  p3: {location: [49.01, 2.55], addresses: 10.0.1.3}\n",
	         "{ttl: 30}");
	struct steer *st = steer_new(s);
	char before[CLIENTS][4];

	for (unsigned i = 0; i < CLIENTS; i++)
		snprintf(before[i], sizeof(before[i]), "%s",
		         pick(s, NULL, i, NULL));
	st->edge[2].share = 0; /* p3 down */
	for (unsigned i = 0; i < CLIENTS; i++) {
		const char *now = pick(s, st, i, NULL);
		if (strcmp(before[i], "p3") != 0)
			assert_string_equal(now, before[i]);
		else
			assert_string_not_equal(now, "p3");
	}
	free(st);
	snapshot_unref(s);
}

static void
a_standby_serves_only_when_its_tier_cannot(void **state)
{
	(void)state;
	struct snapshot *s = load(tier, "{ttl: 30}");
	struct steer *st = steer_new(s);
	unsigned scope;

	assert_int_equal(count(s, st, "s"), 0);
	st->edge[0].share = 0;
	assert_int_equal(count(s, st, "b"), CLIENTS);
	/* One usable edge: the answer no longer depends on the hash, so
	 * the scope is the map network's (/8), not the hash's (/24). */
	pick(s, st, 5, &scope);
	assert_int_equal(scope, 8);
	st->edge[1].share = 0;
	assert_int_equal(count(s, st, "s"), CLIENTS);
	st->edge[2].share = 0;
	assert_int_equal(count(s, st, "far"), CLIENTS);
	free(st);
	snapshot_unref(s);
}

static void
a_share_turns_part_of_the_clients_away(void **state)
{
	(void)state;
	struct snapshot *s = load(tier, "{ttl: 30}");
	struct steer *st = steer_new(s);
	char before[CLIENTS][4];
	unsigned na = 0, kept = 0, scope;

	for (unsigned i = 0; i < CLIENTS; i++) {
		snprintf(before[i], sizeof(before[i]), "%s",
		         pick(s, NULL, i, NULL));
		na += strcmp(before[i], "a") == 0;
	}
	st->edge[0].share = STEER_SHARE_ALL / 4;
	steer_mark_partial(st);
	for (unsigned i = 0; i < CLIENTS; i++) {
		const char *now = pick(s, st, i, &scope);
		assert_int_equal(scope, 24);
		if (strcmp(before[i], "a") != 0) {
			/* b's clients stay; nobody new comes to a */
			assert_string_equal(now, before[i]);
			continue;
		}
		/* a's clients stay or go to the next of their tier */
		if (strcmp(now, "a") == 0)
			kept++;
		else
			assert_string_equal(now, "b");
	}
	assert_in_range(kept * 100 / na, 21, 29);
	/* A smaller share keeps a subset of the clients a larger one kept. */
	for (unsigned i = 0; i < CLIENTS; i++) {
		st->edge[0].share = STEER_SHARE_ALL / 4;
		bool in_quarter = strcmp(pick(s, st, i, NULL), "a") == 0;
		st->edge[0].share = STEER_SHARE_ALL / 2;
		if (in_quarter)
			assert_string_equal(pick(s, st, i, NULL), "a");
	}
	/* Turned away: on to the next tier... */
	st->edge[0].share = 1;
	st->edge[1].share = 0;
	st->edge[2].share = 0;
	steer_mark_partial(st);
	assert_int_equal(count(s, st, "far"), CLIENTS);
	/* ... but when nothing else is left, the edge that turned a client
	 * away still answers rather than the all-down policy. */
	st->edge[3].share = 0;
	assert_int_equal(count(s, st, "a"), CLIENTS);
	free(st);
	snapshot_unref(s);
}

static void
tier_km_joins_edges_near_each_other(void **state)
{
	(void)state;
	/* x is ~25 km from London, y ~30 km farther than x from it. */
	static const char near[] =
	    "  x: {location: [51.47, -0.45], addresses: 10.0.2.1}\n"
	    "  y: {location: [51.40, -0.90], addresses: 10.0.2.2}\n";
	struct snapshot *s = load(near, "{ttl: 30}");

	assert_int_equal(count(s, NULL, "x"), CLIENTS);
	snapshot_unref(s);
	s = load(near, "{ttl: 30, tier_km: 50}");
	unsigned nx = count(s, NULL, "x");
	assert_in_range(nx * 100 / CLIENTS, 45, 55);
	snapshot_unref(s);
}

static void
untailored_clients_all_get_one_edge(void **state)
{
	(void)state;
	struct snapshot *s = load(tier, "{ttl: 30, default: [a, b]}");
	struct geo_trace t;
	const struct geo_name *g = cdn(s);

	/* The default list is the operator's order: no tiers there. */
	geo_answer_choose(g, NULL, &t);
	const struct geo_picked *p = geo_answer_pick(g, AF_INET, NULL, &t);
	assert_int_equal(p->n, 1);
	assert_string_equal(s->edges->edge[p->edge[0]].name, "a");
	assert_int_equal(t.scope, 0);
	snapshot_unref(s);
}

static void
ipv6_clients_hash_their_56(void **state)
{
	(void)state;
	struct snapshot *s = load(tier, "{ttl: 30}");
	struct geo_client c;
	struct geo_trace t;
	uint8_t a[16] = {0x2a, 0x02, 0x0c, 0x7c, 0x12, 0x34, 0x56};
	const struct geo_name *g = cdn(s);

	geo_client_make(&c, AF_INET6, a, 64);
	geo_answer_choose(g, &c, &t);
	const struct geo_picked *p = geo_answer_pick(g, AF_INET, NULL, &t);
	uint16_t first = p->edge[0];
	assert_int_equal(t.scope, 56);
	/* Another /64 of the same /56: the same edge. */
	a[7] = 0x99;
	geo_client_make(&c, AF_INET6, a, 64);
	geo_answer_choose(g, &c, &t);
	p = geo_answer_pick(g, AF_INET, NULL, &t);
	assert_int_equal(p->edge[0], first);
	snapshot_unref(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(weights_divide_a_tier),
	    cmocka_unit_test(a_client_keeps_its_edge),
	    cmocka_unit_test(a_leaving_edge_moves_only_its_clients),
	    cmocka_unit_test(a_standby_serves_only_when_its_tier_cannot),
	    cmocka_unit_test(a_share_turns_part_of_the_clients_away),
	    cmocka_unit_test(tier_km_joins_edges_near_each_other),
	    cmocka_unit_test(untailored_clients_all_get_one_edge),
	    cmocka_unit_test(ipv6_clients_hash_their_56),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
