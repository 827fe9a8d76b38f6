/* SPDX-License-Identifier: MIT */
/* dnsd/explain.c: why a client gets the edges it gets. */
#include "dnsd/explain.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/edges.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/health.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/zonedb.h"
#include "geo/geo.h"

/* "81.2.69.0/24" -> family, address bytes, prefix length (as ECS). */
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

/* A tree-layout key and length as text; IPv4 keys as a.b.c.d/n. */
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

static const char *
probed_name(enum health_probed p)
{
	return p == HEALTH_UP ? "up" : p == HEALTH_DOWN ? "down" : "unknown";
}

static const struct health_edge_info *
state_of(const struct health_edge_info *states, size_t n, const char *edge)
{
	for (size_t i = 0; states != NULL && i < n; i++)
		if (strcmp(states[i].name, edge) == 0)
			return &states[i];
	return NULL;
}

/* The addresses of `e` of `family`, space-separated, as text or JSON. */
static void
put_addrs(FILE *out, const struct edge *e, int family, bool json)
{
	char a[INET6_ADDRSTRLEN];
	unsigned n = family == AF_INET ? e->nv4 : e->nv6;

	for (unsigned k = 0; k < n; k++) {
		inet_ntop(family, family == AF_INET ? e->v4[k] : e->v6[k], a,
		          sizeof(a));
		if (json)
			fprintf(out, "%s\"%s\"", k ? ", " : "", a);
		else
			fprintf(out, " %s", a);
	}
}

struct ctx {
	FILE *out;
	const uint8_t *usable;
	const struct health_edge_info *states;
	size_t nstates;
	const struct geo_location *loc; /* NULL: not located */
	bool json;
};

static void
explain_name(const struct ctx *x, const struct geo_name *g,
             const struct geo_client *c, bool untailored, const char *type,
             bool first)
{
	FILE *out = x->out;
	struct geo_trace t;
	static const int fam[2] = {AF_INET, AF_INET6};
	static const char *const tname[2] = {"A", "AAAA"};
	char net[80] = "-";

	geo_answer_choose(g, untailored ? NULL : c, &t);
	const struct geo_choice *ch = t.choice;
	if (!untailored) {
		/* The map's network: the client's key cut at the depth that
		 * decided. */
		uint8_t key[16];
		memcpy(key, c->key, sizeof(key));
		for (unsigned bit = t.depth; bit < 128; bit++)
			key[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
		net_text(key, t.depth, net, sizeof(net));
	}
	if (x->json)
		fprintf(out,
		        "%s{\"name\": \"%s\", \"rule\": \"%s\", "
		        "\"network\": \"%s\", \"scope\": %u, \"ttl\": %u, "
		        "\"ranked\": [",
		        first ? "" : ", ", g->owner,
		        geo_rule_name((enum geo_rule)ch->rule), net, t.scope,
		        g->ttl);
	else
		fprintf(out,
		        "\n%s\n  rule      %s\n  network   %s\n  scope     "
		        "/%u\n  ttl       %u\n",
		        g->owner, geo_rule_name((enum geo_rule)ch->rule), net,
		        t.scope, g->ttl);
	for (uint16_t i = 0; i < ch->list.n; i++) {
		const struct edge *e = &g->edges->edge[ch->list.edge[i]];
		const struct health_edge_info *st =
		    state_of(x->states, x->nstates, e->name);
		double km = -1;
		if (x->loc != NULL && x->loc->has_coords) {
			struct geo_point a = {x->loc->lat, x->loc->lon};
			struct geo_point b = {e->lat, e->lon};
			km = geo_distance_km(a, b);
		}
		const char *probed = st ? probed_name(st->probed) : "-";
		const char *ovr = st ? health_override_name(st->override) : "-";
		const char *eff =
		    x->usable ? (x->usable[ch->list.edge[i]] ? "up" : "down")
		              : "up";
		if (x->json) {
			fprintf(
			    out,
			    "%s{\"edge\": \"%s\", \"km\": %.0f, \"probed\": "
			    "\"%s\", \"override\": \"%s\", \"effective\": "
			    "\"%s\", \"addresses\": [",
			    i ? ", " : "", e->name, km, probed, ovr, eff);
			put_addrs(out, e, AF_INET, true);
			fprintf(out, "%s", e->nv4 && e->nv6 ? ", " : "");
			put_addrs(out, e, AF_INET6, true);
			fprintf(out, "]}");
			continue;
		}
		fprintf(out, "  %s %2u. %-8s", i == 0 ? "ranked" : "      ",
		        i + 1, e->name);
		if (km >= 0)
			fprintf(out, " %6.0f km", km);
		fprintf(out, "  probed %-7s override %-10s effective %-4s",
		        probed, ovr, eff);
		put_addrs(out, e, AF_INET, false);
		put_addrs(out, e, AF_INET6, false);
		fprintf(out, "\n");
	}
	if (x->json)
		fprintf(out, "], \"answer\": {");
	for (int f = 0, shown = 0; f < 2; f++) {
		if (type != NULL && strcasecmp(type, tname[f]) != 0)
			continue;
		const struct geo_picked *p =
		    geo_answer_pick(g, fam[f], x->usable, &t);
		enum geo_pick res = p->res;
		unsigned n = p->n;
		const uint16_t *pick = p->edge;
		bool all_down =
		    res == GEO_PICK_ALL_DOWN || res == GEO_PICK_SERVFAIL;
		if (x->json) {
			fprintf(out,
			        "%s\"%s\": {\"rcode\": \"%s\", "
			        "\"all_down\": %s, \"edges\": [",
			        shown++ ? ", " : "", tname[f],
			        res == GEO_PICK_SERVFAIL ? "SERVFAIL"
			                                 : "NOERROR",
			        all_down ? "true" : "false");
			for (unsigned i = 0; i < n; i++)
				fprintf(out, "%s\"%s\"", i ? ", " : "",
				        g->edges->edge[pick[i]].name);
			fprintf(out, "]}");
			continue;
		}
		fprintf(out, "  %-9s", tname[f]);
		if (res == GEO_PICK_SERVFAIL)
			fprintf(out, " SERVFAIL");
		else if (n == 0)
			fprintf(out, " (none: NODATA)");
		for (unsigned i = 0; i < n; i++) {
			put_addrs(out, &g->edges->edge[pick[i]], fam[f], false);
			fprintf(out, " (%s)", g->edges->edge[pick[i]].name);
		}
		fprintf(out, "%s\n",
		        all_down ? "  [all down: the all_down policy "
		                   "answered]"
		                 : "");
	}
	if (x->json)
		fprintf(out, "}}");
}

int
explain_write(FILE *out, const struct serving *sv,
              const struct health_edge_info *states, size_t nstates,
              const char *client, const char *name, const char *type, bool json,
              char *err, size_t errlen)
{
	const struct snapshot *snap = sv->snap;
	struct ctx x = {.out = out,
	                .usable = sv->usable,
	                .states = states,
	                .nstates = nstates,
	                .json = json};
	struct geo_location loc;
	struct geo_client c;
	uint8_t addr[16], net[16];
	unsigned bits, plen = 0;
	int family;

	if (parse_client(client, &family, addr, &bits) == -1) {
		snprintf(err, errlen, "%s: expected ADDRESS or ADDRESS/PREFIX",
		         client);
		return -1;
	}
	if (type != NULL && strcasecmp(type, "A") != 0 &&
	    strcasecmp(type, "AAAA") != 0) {
		snprintf(err, errlen, "%s: expected A or AAAA", type);
		return -1;
	}
	size_t found = 0;
	for (size_t i = 0; i < snap->db->ngeo; i++)
		if (name == NULL ||
		    strcasecmp(name, snap->db->geo[i]->owner) == 0)
			found++;
	if (found == 0) {
		snprintf(err, errlen, "%s: no such geo name",
		         name ? name : "-");
		return -1;
	}
	geo_client_make(&c, family, addr, bits);

	/* The database the snapshot was compiled from, kept open with it. */
	bool located =
	    snap->mmdb != NULL && bits > 0 &&
	    geo_mmdb_lookup(snap->mmdb, c.key, &loc, net, &plen) == 1;
	x.loc = located ? &loc : NULL;

	char text[80] = "";
	if (located)
		net_text(net, plen, text, sizeof(text));
	if (json) {
		fprintf(out, "{\"client\": \"%s\", \"location\": ", client);
		if (located)
			fprintf(out,
			        "{\"network\": \"%s\", \"continent\": \"%s\", "
			        "\"country\": \"%s\", \"subdivision\": \"%s\", "
			        "\"lat\": %.4f, \"lon\": %.4f}",
			        text, loc.continent, loc.country,
			        loc.subdivision, loc.has_coords ? loc.lat : 0.0,
			        loc.has_coords ? loc.lon : 0.0);
		else
			fprintf(out, "null");
		fprintf(out, ", \"names\": [");
	} else {
		fprintf(out, "client      %s (%s/%u)\n", client,
		        family == AF_INET ? "IPv4" : "IPv6", bits);
		if (located) {
			fprintf(out, "location    %s: %s %s %s %s", text,
			        loc.continent[0] ? loc.continent : "-",
			        loc.country[0] ? loc.country : "-",
			        loc.subdivision[0] ? loc.subdivision : "-",
			        loc.city[0] ? loc.city : "-");
			if (loc.has_coords)
				fprintf(out, " (%.4f, %.4f)", loc.lat, loc.lon);
			fprintf(out, "\n");
		} else {
			fprintf(out, "location    not located: the default "
			             "applies\n");
		}
	}
	bool first = true;
	for (size_t i = 0; i < snap->db->ngeo; i++) {
		const struct geo_name *g = snap->db->geo[i];
		if (name != NULL && strcasecmp(name, g->owner) != 0)
			continue;
		explain_name(&x, g, &c, bits == 0, type, first);
		first = false;
	}
	if (json)
		fprintf(out, "]}\n");
	return 0;
}
