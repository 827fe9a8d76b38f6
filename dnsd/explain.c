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

void
explain_net_text(const uint8_t key[16], unsigned plen, char *out, size_t outlen)
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
	const struct steer *steer; /* NULL: every edge usable */
	const struct health_edge_info *states;
	size_t nstates;
	const struct geo_location *loc; /* NULL: not located */
	bool json;
};

/* The network of the compiled map the client fell in: its key cut at the
 * depth where the tree walk decided. */
static void
map_network(const struct geo_client *c, unsigned depth, char *out,
            size_t outlen)
{
	uint8_t key[16];

	memcpy(key, c->key, sizeof(key));
	for (unsigned bit = depth; bit < 128; bit++)
		key[bit / 8] &= (uint8_t) ~(0x80 >> (bit % 8));
	explain_net_text(key, depth, out, outlen);
}

/* A geo name's heading: the rule that decided, on which network, and what
 * the answer carries (ECS scope, TTL). */
static void
put_rule(const struct ctx *x, const struct geo_name *g,
         const struct geo_trace *t, const char *net, bool first)
{
	const char *rule = geo_rule_name((enum geo_rule)t->choice->rule);

	if (x->json) {
		fprintf(x->out,
		        "%s{\"name\": \"%s\", \"rule\": \"%s\", "
		        "\"network\": \"%s\", \"scope\": %u, \"ttl\": %u, "
		        "\"spread\": %s, ",
		        first ? "" : ", ", g->owner, rule, net, t->scope,
		        g->ttl, t->spread ? "true" : "false");
		return;
	}
	fprintf(x->out,
	        "\n%s\n  rule      %s\n  network   %s\n  scope     "
	        "/%u\n  ttl       %u\n",
	        g->owner, rule, net, t->scope, g->ttl);
	/* Why the scope may be the hash's granularity, not the network's. */
	if (t->spread)
		fprintf(x->out,
		        "  spread    by a hash of the client's /%u (IPv4) or "
		        "/%u (IPv6)\n",
		        g->spread_v4, g->spread_v6);
}

/* One ranked edge `e` (index `idx` in the inventory, `rank` from 0): its
 * distance from the client and its health, probed, overridden and in
 * effect, which is what decides whether it answers. */
static void
put_edge(const struct ctx *x, const struct geo_name *g, struct geo_trace *t,
         uint16_t idx, unsigned rank, unsigned tier, double rtt)
{
	const struct edge *e = &g->edges->edge[idx];
	uint32_t share = x->steer ? x->steer->edge[idx].share : STEER_SHARE_ALL;
	unsigned weight = x->steer ? x->steer->edge[idx].weight : e->weight;
	/* The client's place among the edge's clients matters only when
	 * the edge takes part of them. */
	int place = share > 0 && share < STEER_SHARE_ALL
	                ? (int)geo_answer_place(g, t, idx)
	                : -1;
	FILE *out = x->out;
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
	    x->steer == NULL || x->steer->edge[idx].share > 0 ? "up" : "down";
	if (x->json) {
		fprintf(out,
		        "%s{\"edge\": \"%s\", \"km\": %.0f, \"tier\": %u, "
		        "\"weight\": %u, \"share\": %.4f, \"in_share\": %s, "
		        "\"probed\": \"%s\", \"override\": \"%s\", "
		        "\"effective\": \"%s\", \"addresses\": [",
		        rank ? ", " : "", e->name, km, tier, weight,
		        (double)share / STEER_SHARE_ALL,
		        place < 0 || (uint32_t)place < share ? "true" : "false",
		        probed, ovr, eff);
		if (rtt >= 0)
			fprintf(out, "\"rtt_ms\": %.1f, ", rtt);
		if (st != NULL && st->votes[0] != '\0')
			fprintf(out,
			        "\"votes\": {\"down\": %u, \"voters\": %u, "
			        "\"probers\": \"%s\"}, ",
			        st->down, st->voters, st->votes);
		put_addrs(out, e, AF_INET, true);
		fprintf(out, "%s", e->nv4 && e->nv6 ? ", " : "");
		put_addrs(out, e, AF_INET6, true);
		fprintf(out, "]}");
		return;
	}
	fprintf(out, "  %s %2u. %-8s", rank == 0 ? "ranked" : "      ",
	        rank + 1, e->name);
	if (km >= 0)
		fprintf(out, " %6.0f km", km);
	if (rtt >= 0)
		fprintf(out, " %6.1f ms", rtt);
	fprintf(out, "  tier %u weight %-3u share %.2f", tier, weight,
	        (double)share / STEER_SHARE_ALL);
	if (place >= 0)
		fprintf(out, " (client at %.2f: %s)", place / 65536.0,
		        (uint32_t)place < share ? "in" : "out");
	fprintf(out, "  probed %-7s override %-10s effective %-4s", probed, ovr,
	        eff);
	put_addrs(out, e, AF_INET, false);
	put_addrs(out, e, AF_INET6, false);
	fprintf(out, "\n");
	/* The probers behind "probed": who votes, and who does not. */
	if (st != NULL && st->votes[0] != '\0')
		fprintf(out, "             votes %u/%u down: %s\n", st->down,
		        st->voters, st->votes);
}

/* The measured RTT to `edge` behind a `latency` decision, or -1. */
static double
rtt_of(const struct geo_name *g, const struct geo_trace *t, uint16_t edge)
{
	if (t->client == NULL || t->choice->rule != GEO_RULE_LATENCY)
		return -1;
	const struct geo_latency *l = geo_map_latency(g->map, t->client->key);
	for (unsigned i = 0; l != NULL && i < l->n; i++)
		if (l->edge[i] == edge)
			return l->rtt_ms[i];
	return -1;
}

/* The candidates of the deciding choice, in rank order, numbered by
 * tier (the edges of a tier share its clients), with the measured RTTs
 * when latency decided. */
static void
put_ranked(const struct ctx *x, const struct geo_name *g, struct geo_trace *t)
{
	const struct geo_choice *ch = t->choice;
	unsigned tier = 0;

	if (x->json)
		fprintf(x->out, "\"ranked\": [");
	for (uint16_t i = 0; i < ch->list.n; i++) {
		if (!(ch->joined >> i & 1u))
			tier++;
		put_edge(x, g, t, ch->list.edge[i], i, tier,
		         rtt_of(g, t, ch->list.edge[i]));
	}
	if (x->json)
		fprintf(x->out, "]");
}

/* What dnsd answers for `tname` (A or AAAA) of `family`, as `p` picked it
 * from the ranking and the health in effect; `comma` separates JSON
 * members. */
static void
put_answer(const struct ctx *x, const struct geo_name *g, int family,
           const char *tname, const struct geo_picked *p, bool comma)
{
	FILE *out = x->out;
	bool all_down =
	    p->res == GEO_PICK_ALL_DOWN || p->res == GEO_PICK_SERVFAIL;

	if (x->json) {
		fprintf(out,
		        "%s\"%s\": {\"rcode\": \"%s\", "
		        "\"all_down\": %s, \"edges\": [",
		        comma ? ", " : "", tname,
		        p->res == GEO_PICK_SERVFAIL ? "SERVFAIL" : "NOERROR",
		        all_down ? "true" : "false");
		for (unsigned i = 0; i < p->n; i++)
			fprintf(out, "%s\"%s\"", i ? ", " : "",
			        g->edges->edge[p->edge[i]].name);
		fprintf(out, "]}");
		return;
	}
	fprintf(out, "  %-9s", tname);
	if (p->res == GEO_PICK_SERVFAIL)
		fprintf(out, " SERVFAIL");
	else if (p->n == 0)
		fprintf(out, " (none: NODATA)");
	for (unsigned i = 0; i < p->n; i++) {
		put_addrs(out, &g->edges->edge[p->edge[i]], family, false);
		fprintf(out, " (%s)", g->edges->edge[p->edge[i]].name);
	}
	fprintf(out, "%s\n",
	        all_down ? "  [all down: the all_down policy answered]" : "");
}

static const int fam[2] = {AF_INET, AF_INET6};
static const char *const tname[2] = {"A", "AAAA"};

/* The answers per family, `type` alone if set, picked as the query path
 * picks them (geo_answer_pick), before anything is printed: spreading
 * may change the scope the heading shows. */
static void
pick_answers(const struct ctx *x, const struct geo_name *g, struct geo_trace *t,
             const char *type)
{
	for (int f = 0; f < 2; f++)
		if (type == NULL || strcasecmp(type, tname[f]) == 0)
			(void)geo_answer_pick(g, fam[f], x->steer, t);
}

static void
put_answers(const struct ctx *x, const struct geo_name *g,
            const struct geo_trace *t)
{
	if (x->json)
		fprintf(x->out, ", \"answer\": {");
	for (int f = 0, shown = 0; f < 2; f++)
		if (t->families >> f & 1u)
			put_answer(x, g, fam[f], tname[f], &t->picked[f],
			           shown++ > 0);
	if (x->json)
		fprintf(x->out, "}");
}

/* One geo name for the client: the rule, the ranked edges, the answers.
 * `untailored`: the client sent no address bits, so the default applies. */
static void
explain_name(const struct ctx *x, const struct geo_name *g,
             const struct geo_client *c, bool untailored, const char *type,
             bool first)
{
	struct geo_trace t;
	char net[80] = "-";

	geo_answer_choose(g, untailored ? NULL : c, &t);
	if (!untailored)
		map_network(c, t.depth, net, sizeof(net));
	pick_answers(x, g, &t, type);
	put_rule(x, g, &t, net, first);
	put_ranked(x, g, &t);
	put_answers(x, g, &t);
	if (x->json)
		fprintf(x->out, "}");
}

/* The client as given and where the database locates it, if it does:
 * `net`/`plen` is the database's network holding it. */
static void
put_client(const struct ctx *x, const char *client, int family, unsigned bits,
           const uint8_t net[16], unsigned plen)
{
	FILE *out = x->out;
	const struct geo_location *loc = x->loc;
	char text[80] = "";

	if (loc != NULL)
		explain_net_text(net, plen, text, sizeof(text));
	if (x->json) {
		fprintf(out, "{\"client\": \"%s\", \"location\": ", client);
		if (loc != NULL)
			fprintf(out,
			        "{\"network\": \"%s\", \"continent\": \"%s\", "
			        "\"country\": \"%s\", \"subdivision\": \"%s\", "
			        "\"lat\": %.4f, \"lon\": %.4f}",
			        text, loc->continent, loc->country,
			        loc->subdivision,
			        loc->has_coords ? loc->lat : 0.0,
			        loc->has_coords ? loc->lon : 0.0);
		else
			fprintf(out, "null");
		return;
	}
	fprintf(out, "client      %s (%s/%u)\n", client,
	        family == AF_INET ? "IPv4" : "IPv6", bits);
	if (loc == NULL) {
		fprintf(out, "location    not located: the default applies\n");
		return;
	}
	fprintf(out, "location    %s: %s %s %s %s", text,
	        loc->continent[0] ? loc->continent : "-",
	        loc->country[0] ? loc->country : "-",
	        loc->subdivision[0] ? loc->subdivision : "-",
	        loc->city[0] ? loc->city : "-");
	if (loc->has_coords)
		fprintf(out, " (%.4f, %.4f)", loc->lat, loc->lon);
	fprintf(out, "\n");
}

/* `name` selects `g`: NULL selects every geo name. */
static bool
selects(const char *name, const struct geo_name *g)
{
	return name == NULL || strcasecmp(name, g->owner) == 0;
}

int
explain_write(FILE *out, const struct serving *sv,
              const struct health_edge_info *states, size_t nstates,
              const char *client, const char *name, const char *type, bool json,
              char *err, size_t errlen)
{
	const struct snapshot *snap = sv->snap;
	struct ctx x = {.out = out,
	                .steer = sv->steer,
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
		found += selects(name, snap->db->geo[i]);
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
	put_client(&x, client, family, bits, net, plen);
	if (json)
		fprintf(out, ", \"names\": [");
	bool first = true;
	for (size_t i = 0; i < snap->db->ngeo; i++) {
		if (!selects(name, snap->db->geo[i]))
			continue;
		explain_name(&x, snap->db->geo[i], &c, bits == 0, type, first);
		first = false;
	}
	if (json)
		fprintf(out, "]}\n");
	return 0;
}
