/* SPDX-License-Identifier: MIT */
/* dnsd/geo_answer.c: how a geo name answers one client. */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/geo_answer.h"

#include <endian.h>
#include <math.h>
#include <string.h>

#include "common/compiler.h"
#include "common/edges.h"
#include "common/hash.h"
#include "dnsd/geo_name.h"
#include "dnsd/steer.h"
#include "dnsd/wire.h"

/* Tells the share test's hash from the rendezvous score's: the two must
 * not be correlated, or shedding would favour a tier's winners. */
#define PLACE_SALT 0x5BD1E9955BD1E995ull

void
geo_answer_choose(const struct geo_name *g, const struct geo_client *c,
                  struct geo_trace *t)
{
	t->families = 0;
	t->spread = false;
	t->hashed = false;
	t->client = c;
	if (c == NULL) {
		t->choice = geo_map_default(g->map);
		t->depth = 0;
		t->scope = 0;
		return;
	}
	t->choice = geo_map_lookup(g->map, c, &t->depth);
	t->scope = geo_client_scope(c, t->depth);
}

/* The tree depth of the client network the hash sees. */
static unsigned
spread_depth(const struct geo_name *g, const struct geo_client *c)
{
	return c->scope_base > 0 ? c->scope_base + g->spread_v4 : g->spread_v6;
}

static inline uint64_t
top_bits(unsigned bits)
{
	return bits == 0    ? 0
	       : bits >= 64 ? ~UINT64_C(0)
	                    : ~UINT64_C(0) << (64 - bits);
}

/* The client's network at the name's granularity, hashed with the name's
 * seed; untailored clients all hash alike.  Once per query at most. */
static uint64_t
client_hash(const struct geo_name *g, struct geo_trace *t)
{
	if (t->hashed)
		return t->chash;
	uint64_t h = hash_mix64(g->seed);
	const struct geo_client *c = t->client;
	if (c != NULL) {
		unsigned d = spread_depth(g, c);
		uint64_t hi, lo;
		memcpy(&hi, c->key, 8);
		memcpy(&lo, c->key + 8, 8);
		hi = be64toh(hi) & top_bits(d < 64 ? d : 64);
		lo = be64toh(lo) & top_bits(d > 64 ? d - 64 : 0);
		h = hash_mix64(hash_mix64(hi ^ g->seed) ^ lo);
	}
	t->chash = h;
	t->hashed = true;
	return h;
}

unsigned
geo_answer_place(const struct geo_name *g, struct geo_trace *t, unsigned edge)
{
	uint64_t h = client_hash(g, t) ^ g->edges->edge[edge].seed ^ PLACE_SALT;

	return (unsigned)(hash_mix64(h) >> 48);
}

double
geo_answer_score(const struct geo_name *g, struct geo_trace *t, unsigned edge,
                 unsigned weight)
{
	uint64_t h = hash_mix64(client_hash(g, t) ^ g->edges->edge[edge].seed);
	/* u uniform in (0, 1), never 0 or 1: 53 bits and a half */
	double u = ((double)(h >> 11) + 0.5) * 0x1p-53;

	return -log(u) / (weight > 0 ? weight : 1);
}

static inline uint32_t
share_of(const struct steer *st, unsigned idx)
{
	return st != NULL ? st->edge[idx].share : STEER_SHARE_ALL;
}

static inline unsigned
naddr_of(const struct edge *e, int family)
{
	return family == AF_INET ? e->nv4 : e->nv6;
}

/* The first g->answers edges of `list` with a `family` address that `st`
 * lets answers use (NULL: any) into p, in order; returns how many. */
static unsigned
take(const struct geo_name *g, const struct geo_list *list, int family,
     const struct steer *st, struct geo_picked *p)
{
	unsigned n = 0, nrr = 0;

	for (uint16_t i = 0; i < list->n && n < g->answers; i++) {
		uint16_t idx = list->edge[i];
		unsigned naddr = naddr_of(&g->edges->edge[idx], family);
		if (naddr == 0 || share_of(st, idx) == 0)
			continue;
		p->edge[n++] = idx;
		nrr += naddr;
	}
	p->n = n;
	p->nrr = nrr;
	return n;
}

static inline unsigned
weight_of(const struct geo_name *g, const struct steer *st, unsigned idx)
{
	return st != NULL ? st->edge[idx].weight : g->edges->edge[idx].weight;
}

/*
 * The usable members of the tier list->edge[from..to) with a `family`
 * address, in this client's order, into order[]; returns how many.
 */
static unsigned
tier_order(const struct geo_name *g, const struct geo_list *list, unsigned from,
           unsigned to, int family, const struct steer *st, struct geo_trace *t,
           uint16_t *order)
{
	double score[GEO_MAX_RANK];
	unsigned n = 0;
	bool standby = true; /* no weighted member usable (yet) */

	for (unsigned i = from; i < to; i++) {
		uint16_t idx = list->edge[i];
		if (naddr_of(&g->edges->edge[idx], family) == 0 ||
		    share_of(st, idx) == 0)
			continue;
		unsigned w = weight_of(g, st, idx);
		if (w > 0 && standby) {
			standby = false;
			n = 0; /* the standbys seen so far step aside */
		} else if (w == 0 && !standby) {
			continue;
		}
		order[n++] = idx;
	}
	if (n < 2)
		return n;
	t->spread = true;
	for (unsigned i = 0; i < n; i++)
		score[i] = geo_answer_score(g, t, order[i],
		                            weight_of(g, st, order[i]));
	/* Insertion sort: a tier is a few edges. */
	for (unsigned i = 1; i < n; i++) {
		double s = score[i];
		uint16_t e = order[i];
		unsigned j = i;
		for (; j > 0 && score[j - 1] > s; j--) {
			score[j] = score[j - 1];
			order[j] = order[j - 1];
		}
		score[j] = s;
		order[j] = e;
	}
	return n;
}

/* take() when tiers or partial shares need the client's hash. */
static unsigned
take_spread(const struct geo_name *g, const struct geo_choice *ch, int family,
            const struct steer *st, struct geo_trace *t, struct geo_picked *p)
{
	const struct geo_list *list = &ch->list;
	uint16_t later[GEO_MAX_RANK], order[GEO_MAX_RANK];
	unsigned n = 0, nrr = 0, nlater = 0;

	for (unsigned i = 0; i < list->n && n < g->answers;) {
		unsigned end = i + 1;
		while (end < list->n && (ch->joined >> end & 1u))
			end++;
		unsigned m = tier_order(g, list, i, end, family, st, t, order);
		for (unsigned k = 0; k < m && n < g->answers; k++) {
			uint16_t idx = order[k];
			uint32_t share = share_of(st, idx);
			if (share < STEER_SHARE_ALL) {
				t->spread = true;
				if (geo_answer_place(g, t, idx) >= share) {
					later[nlater++] = idx;
					continue;
				}
			}
			p->edge[n++] = idx;
			nrr += naddr_of(&g->edges->edge[idx], family);
		}
		i = end;
	}
	/* Turned away by a share, but better than no edge at all. */
	for (unsigned k = 0; k < nlater && n < g->answers; k++) {
		p->edge[n++] = later[k];
		nrr += naddr_of(&g->edges->edge[later[k]], family);
	}
	p->n = n;
	p->nrr = nrr;
	return n;
}

/* take_spread(), and the scope the hash makes it. */
static ATTR_NOINLINE unsigned
pick_spread(const struct geo_name *g, const struct geo_choice *ch, int family,
            const struct steer *st, struct geo_trace *t, struct geo_picked *p)
{
	unsigned n = take_spread(g, ch, family, st, t, p);

	if (t->spread && t->client != NULL) {
		unsigned d = spread_depth(g, t->client);
		if (d > t->depth)
			t->scope = geo_client_scope(t->client, d);
	}
	return n;
}

/* Nothing usable: were there edges of this family at all?  (Taking them
 * all is fail_open's answer.)  Then the all_down policy. */
static ATTR_COLD const struct geo_picked *
pick_all_down(const struct geo_name *g, int family, const struct steer *st,
              struct geo_trace *t, struct geo_picked *p)
{
	if (st == NULL || take(g, &t->choice->list, family, NULL, p) == 0) {
		p->res = GEO_PICK_NODATA;
		return p;
	}
	p->res = GEO_PICK_ALL_DOWN;
	switch (g->all_down) {
	case GEO_ALL_DOWN_FAIL_OPEN:
		/* Route 53 and gdnsd do the same: better a maybe-down edge
		 * than no answer at all: p holds them already. */
		break;
	case GEO_ALL_DOWN_LAST_RESORT:
		take(g, &g->last_resort, family, NULL, p);
		break;
	case GEO_ALL_DOWN_SERVFAIL:
		p->res = GEO_PICK_SERVFAIL;
		p->n = p->nrr = 0;
		break;
	case GEO_ALL_DOWN_NODATA:
	default:
		p->n = p->nrr = 0; /* the policy's NODATA */
		break;
	}
	return p;
}

const struct geo_picked *
geo_answer_pick(const struct geo_name *g, int family, const struct steer *st,
                struct geo_trace *t)
{
	unsigned slot = family == AF_INET ? 0 : 1;
	struct geo_picked *p = &t->picked[slot];
	const struct geo_choice *ch = t->choice;
	unsigned n;

	t->families |= 1u << slot;
	p->res = GEO_PICK_OK;
	/* Every edge a tier of its own and every share whole: no hash. */
	if (likely(ch->joined == 0 && (st == NULL || !st->partial)))
		n = take(g, &ch->list, family, st, p);
	else
		n = pick_spread(g, ch, family, st, t, p);
	if (likely(n > 0))
		return p;
	return pick_all_down(g, family, st, t, p);
}

unsigned
geo_answer_put(uint8_t *out, const struct geo_name *g,
               const struct geo_picked *p, int family, uint16_t owner_off)
{
	bool v4 = family == AF_INET;
	size_t alen = v4 ? 4 : 16;
	/* Owner (a pointer), then type, class, TTL and RDLENGTH, the same
	 * for every record of the name (compiled with it): one head each. */
	uint8_t head[12];

	head[0] = (uint8_t)(0xC0 | owner_off >> 8);
	head[1] = (uint8_t)owner_off;
	memcpy(head + 2, g->rr_head[v4 ? 0 : 1], 10);
	for (unsigned i = 0; i < p->n; i++) {
		const struct edge *e = &g->edges->edge[p->edge[i]];
		unsigned naddr = v4 ? e->nv4 : e->nv6;
		for (unsigned k = 0; k < naddr; k++) {
			memcpy(out, head, sizeof(head));
			/* Constant sizes: the copies are inlined. */
			if (v4)
				memcpy(out + 12, e->v4[k], 4);
			else
				memcpy(out + 12, e->v6[k], 16);
			out += 12 + alen;
		}
	}
	return p->nrr;
}
