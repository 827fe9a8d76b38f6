/* SPDX-License-Identifier: MIT */
/* dnsd/geoq.c: which edges, in what order, for this address under this
 * configuration?  Offline: compiles the configuration as dnsd does. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/log.h"
#include "dnsd/conf.h"
#include "dnsd/geo_name.h"
#include "dnsd/snapshot.h"
#include "dnsd/zonedb.h"
#include "geo/geo_addr.h"
#include "geo/geo_dist.h"
#include "geo/geo_mmdb.h"

static void
usage(FILE *out)
{
	fprintf(out,
	        "usage: geoq -c FILE ADDRESS[/PREFIX] [NAME]\n"
	        "\n"
	        "Show how dnsd would answer geo names for a client: the\n"
	        "location the database gives, the rule that decides, the\n"
	        "edges in rank order with their distance, the A and AAAA\n"
	        "answers and the ECS scope.  ADDRESS/PREFIX is what a\n"
	        "resolver sends as EDNS Client Subnet; a bare address is a\n"
	        "/32 or /128 client.  NAME limits the output to one geo name\n"
	        "(e.g. cdn.example.net).  Nothing is sent on the network.\n"
	        "\n"
	        "  -c FILE  the server configuration (e.g. zones/dnsd.yaml)\n"
	        "  -h       this help\n");
}

/* "81.2.69.0/24" -> family, address bytes, prefix length */
static int
parse_client(const char *arg, int *family, uint8_t addr[16], unsigned *bits)
{
	char host[64];
	const char *slash = strchr(arg, '/');
	size_t len = slash ? (size_t)(slash - arg) : strlen(arg);

	if (len >= sizeof(host))
		return -1;
	snprintf(host, sizeof(host), "%.*s", (int)len, arg);
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, host, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, host, addr) == 1)
		*family = AF_INET6;
	else
		return -1;
	unsigned max = *family == AF_INET ? 32 : 128;
	*bits = max;
	if (slash != NULL) {
		char *end;
		unsigned long b = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || slash[1] == '\0' || b > max)
			return -1;
		*bits = (unsigned)b;
	}
	/* As a resolver would send it: bits past the prefix cleared. */
	for (unsigned bit = *bits; bit < max; bit++)
		addr[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
	return 0;
}

/* A tree-layout key and length as text, IPv4 keys as a.b.c.d/n. */
static void
net_text(const uint8_t key[16], unsigned plen, char *out, size_t outlen)
{
	char a[INET6_ADDRSTRLEN];
	static const uint8_t zero[12];

	if (memcmp(key, zero, 12) == 0 && plen >= 96) {
		inet_ntop(AF_INET, key + 12, a, sizeof(a));
		snprintf(out, outlen, "%s/%u", a, plen - 96);
	} else {
		inet_ntop(AF_INET6, key, a, sizeof(a));
		snprintf(out, outlen, "%s/%u", a, plen);
	}
}

static void
print_addrs(const struct edge *e, int family)
{
	char a[INET6_ADDRSTRLEN];
	unsigned n = family == AF_INET ? e->nv4 : e->nv6;

	for (unsigned k = 0; k < n; k++) {
		inet_ntop(family, family == AF_INET ? e->v4[k] : e->v6[k], a,
		          sizeof(a));
		printf(" %s", a);
	}
}

static void
show(const struct geo_name *g, const struct geo_client *c, bool untailored,
     const struct geo_location *loc)
{
	unsigned scope;
	const struct geo_choice *ch =
	    geo_name_choose(g, untailored ? NULL : c, &scope);

	printf("\n%s\n", g->owner);
	printf("  rule      %s\n", geo_rule_name((enum geo_rule)ch->rule));
	printf("  scope     /%u\n", scope);
	printf("  ttl       %u\n", g->ttl);
	for (uint16_t i = 0; i < ch->list.n; i++) {
		const struct edge *e = &g->edges->edge[ch->list.edge[i]];
		printf("  %s %2u. %-8s", i == 0 ? "ranked" : "      ", i + 1,
		       e->name);
		if (loc != NULL && loc->has_coords) {
			struct geo_point a = {loc->lat, loc->lon};
			struct geo_point b = {e->lat, e->lon};
			printf(" %6.0f km", geo_distance_km(a, b));
		}
		print_addrs(e, AF_INET);
		print_addrs(e, AF_INET6);
		printf("\n");
	}
	static const int fam[2] = {AF_INET, AF_INET6};
	for (int f = 0; f < 2; f++) {
		uint16_t pick[GEO_MAX_RANK];
		enum geo_pick res;
		unsigned n = geo_name_pick(g, ch, fam[f], NULL, pick, &res);
		printf("  %-9s", f == 0 ? "A" : "AAAA");
		if (n == 0)
			printf(" (none: NODATA)");
		for (unsigned i = 0; i < n; i++) {
			print_addrs(&g->edges->edge[pick[i]], fam[f]);
			printf(" (%s)", g->edges->edge[pick[i]].name);
		}
		printf("\n");
	}
}

int
main(int argc, char **argv)
{
	const char *conf_path = NULL;
	struct geo_client c;
	struct errbuf err;
	uint8_t addr[16];
	unsigned bits;
	int family, ch;

	log_init("geoq", true, LOG_WARNING);
	while ((ch = getopt(argc, argv, "c:h")) != -1) {
		switch (ch) {
		case 'c':
			conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (conf_path == NULL || argc - optind < 1 || argc - optind > 2) {
		usage(stderr);
		return 1;
	}
	const char *client = argv[optind];
	const char *name = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (parse_client(client, &family, addr, &bits) == -1) {
		fprintf(stderr,
		        "geoq: %s: expected ADDRESS or ADDRESS/PREFIX\n",
		        client);
		return 1;
	}

	errbuf_init(&err);
	struct snapshot *s = snapshot_load(conf_path, 1, &err);
	if (s == NULL) {
		fputs(errbuf_text(&err), stderr);
		errbuf_fini(&err);
		return 1;
	}
	geo_client_make(&c, family, addr, bits);
	printf("client      %s (%s/%u)\n", client,
	       family == AF_INET ? "IPv4" : "IPv6", bits);

	struct geo_location loc;
	bool located = false;
	if (s->conf->geo_database != NULL) {
		struct geo_mmdb *db =
		    geo_mmdb_open(s->conf->geo_database, &err);
		uint8_t net[16];
		unsigned plen;
		if (db != NULL &&
		    geo_mmdb_lookup(db, c.key, &loc, net, &plen) == 1) {
			char text[80];
			net_text(net, plen, text, sizeof(text));
			located = true;
			printf("location    %s: %s %s %s %s", text,
			       loc.continent[0] ? loc.continent : "-",
			       loc.country[0] ? loc.country : "-",
			       loc.subdivision[0] ? loc.subdivision : "-",
			       loc.city[0] ? loc.city : "-");
			if (loc.has_coords)
				printf(" (%.4f, %.4f)", loc.lat, loc.lon);
			printf("\n");
		} else {
			printf("location    not in %s: the default applies\n",
			       s->conf->geo_database);
		}
		geo_mmdb_free(db);
	}

	size_t shown = 0;
	for (size_t i = 0; i < s->db->ngeo; i++) {
		const struct geo_name *g = s->db->geo[i];
		if (name != NULL && strcmp(name, g->owner) != 0)
			continue;
		show(g, &c, bits == 0, located ? &loc : NULL);
		shown++;
	}
	int rc = 0;
	if (shown == 0) {
		fprintf(stderr, "geoq: %s: no such geo name in %s\n",
		        name ? name : "(any)", conf_path);
		rc = 1;
	}
	snapshot_unref(s);
	errbuf_fini(&err);
	return rc;
}
