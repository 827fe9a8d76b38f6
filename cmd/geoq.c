/* SPDX-License-Identifier: MIT */
/* cmd/geoq.c: which edges, in what order, for this address under this
 * configuration?  Offline: compiles the configuration as dnsd does. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/errbuf.h"
#include "common/log.h"
#include "dnsd/explain.h"
#include "dnsd/geo_name.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/whatif.h"
#include "dnsd/zonedb.h"
#include "geo/geo.h"

static void
usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: geoq -c FILE [-j] ADDRESS[/PREFIX] [NAME]\n"
	    "       geoq -c FILE [-j] --simulate-down EDGE [NAME]\n"
	    "\n"
	    "Show how dnsd would answer geo names for a client: the\n"
	    "location the database gives, the rule that decides, the\n"
	    "edges in rank order with their distance, the A and AAAA\n"
	    "answers, the TTL and the ECS scope.  ADDRESS/PREFIX is what a\n"
	    "resolver sends as EDNS Client Subnet; a bare address is a\n"
	    "/32 or /128 client.  NAME limits the output to one geo name\n"
	    "(e.g. cdn.example.net).  Nothing is sent on the network and\n"
	    "every edge counts as up; `dnsdctl explain` asks a running\n"
	    "dnsd, with its edge health.\n"
	    "\n"
	    "With --simulate-down EDGE: where the clients EDGE answers\n"
	    "would go if it were down, over every IPv4 network of the\n"
	    "database (one client per network, its first address,\n"
	    "counted by its size in /24s; IPv6 networks are not\n"
	    "counted), for every geo name or NAME: per destination edge\n"
	    "and per country, as `dnsdctl simulate down EDGE` tells from\n"
	    "the clients a running dnsd sampled.\n"
	    "\n"
	    "  -c FILE  the server configuration (e.g. zones/dnsd.yaml)\n"
	    "  -j       one JSON object instead of text\n"
	    "  --simulate-down EDGE\n"
	    "           what if EDGE were down (see above)\n"
	    "  -h, --help  this help\n");
}

/* The walk of the database for --simulate-down. */
struct sim {
	struct whatif *w;
	const struct zonedb *db;
	const char *name; /* NULL: every geo name */
};

/* One network of the database: its first address as a client of every
 * selected geo name, weighing as many IPv4 addresses as it covers. */
static void
sim_network(const uint8_t key[16], unsigned plen, void *arg)
{
	static const uint8_t v4[12]; /* IPv4 networks are under ::/96 */
	const struct sim *x = arg;
	struct geo_client c;

	if (plen < 96 || memcmp(key, v4, sizeof(v4)) != 0)
		return;
	geo_client_make(&c, AF_INET, key + 12, plen - 96);
	for (size_t i = 0; i < x->db->ngeo; i++)
		if (x->name == NULL ||
		    strcasecmp(x->name, x->db->geo[i]->owner) == 0)
			whatif_add(x->w, (int)i, &c,
			           UINT64_C(1) << (128 - plen));
}

/* geoq --simulate-down EDGE [NAME] on serving `sv`; the exit status. */
static int
simulate_down(const struct serving *sv, const char *edge, const char *name,
              bool json)
{
	const struct snapshot *snap = sv->snap;
	char kind[] = "down";
	char *words[] = {kind, (char *)(uintptr_t)edge};
	struct whatif_change chg;
	struct errbuf err;
	char why[256];
	size_t found = 0;

	if (whatif_parse(sv, words, 2, &chg, why, sizeof(why)) == -1) {
		fprintf(stderr, "geoq: %s\n", why);
		return 1;
	}
	for (size_t i = 0; i < snap->db->ngeo; i++)
		found += name == NULL ||
		         strcasecmp(name, snap->db->geo[i]->owner) == 0;
	if (found == 0) {
		fprintf(stderr, "geoq: %s: no such geo name\n",
		        name ? name : "-");
		return 1;
	}
	if (snap->mmdb == NULL) {
		fprintf(stderr, "geoq: no geo_database in the configuration: "
		                "no networks to simulate\n");
		return 1;
	}
	struct sim x = {whatif_new(sv, &chg), snap->db, name};
	errbuf_init(&err);
	int rc = geo_mmdb_each(snap->mmdb, sim_network, &x, &err);
	if (rc == -1)
		fputs(errbuf_text(&err), stderr);
	else
		whatif_write(x.w, stdout, "IPv4 /24s", 256, json);
	errbuf_fini(&err);
	whatif_free(x.w);
	return rc == -1 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const char *conf_path = NULL, *sim_edge = NULL;
	static const struct option longopts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"simulate-down", required_argument, NULL, 'S'},
	    {NULL, 0, NULL, 0},
	};
	bool json = false;
	struct errbuf err;
	char why[256];
	int ch;

	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	log_init("geoq", true, LOG_WARNING);
	while ((ch = getopt_long(argc, argv, "c:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'S':
			sim_edge = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	int min = sim_edge != NULL ? 0 : 1;
	if (conf_path == NULL || argc - optind < min ||
	    argc - optind > min + 1) {
		usage(stderr);
		return 1;
	}
	errbuf_init(&err);
	struct snapshot *s = snapshot_load(conf_path, 1, &err);
	if (s == NULL) {
		fputs(errbuf_text(&err), stderr);
		errbuf_fini(&err);
		return 1;
	}
	errbuf_fini(&err);
	/* Every edge up: no health without a running server. */
	struct serving *sv = serving_new(s, NULL, NULL);
	if (sim_edge != NULL) {
		int st = simulate_down(sv, sim_edge,
		                       argc - optind == 1 ? argv[optind] : NULL,
		                       json);
		serving_unref(sv);
		snapshot_unref(s);
		return st;
	}
	int rc = explain_write(stdout, sv, NULL, 0, argv[optind],
	                       argc - optind == 2 ? argv[optind + 1] : NULL,
	                       NULL, json, why, sizeof(why));
	if (rc == -1)
		fprintf(stderr, "geoq: %s\n", why);
	serving_unref(sv);
	snapshot_unref(s);
	return rc == -1 ? 1 : 0;
}
