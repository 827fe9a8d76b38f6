/* SPDX-License-Identifier: MIT */
/* dnsd/geo_answer.c: how a geo name answers one client. */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/geo_answer.h"

#include <string.h>

#include "common/edges.h"
#include "dnsd/geo_name.h"
#include "dnsd/wire.h"

void
geo_answer_choose(const struct geo_name *g, const struct geo_client *c,
                  struct geo_trace *t)
{
	t->families = 0;
	if (c == NULL) {
		t->choice = geo_map_default(g->map);
		t->depth = 0;
		t->scope = 0;
		return;
	}
	t->choice = geo_map_lookup(g->map, c, &t->depth);
	t->scope = geo_client_scope(c, t->depth);
}

/* The first g->answers edges of `list` with a `family` address (and, with
 * `usable`, usable ones only) into p; returns how many. */
static unsigned
take(const struct geo_name *g, const struct geo_list *list, int family,
     const uint8_t *usable, struct geo_picked *p)
{
	unsigned n = 0, nrr = 0;

	for (uint16_t i = 0; i < list->n && n < g->answers; i++) {
		uint16_t idx = list->edge[i];
		const struct edge *e = &g->edges->edge[idx];
		unsigned naddr = family == AF_INET ? e->nv4 : e->nv6;
		if (naddr == 0)
			continue;
		if (usable != NULL && !usable[idx])
			continue;
		p->edge[n++] = idx;
		nrr += naddr;
	}
	p->n = n;
	p->nrr = nrr;
	return n;
}

const struct geo_picked *
geo_answer_pick(const struct geo_name *g, int family, const uint8_t *usable,
                struct geo_trace *t)
{
	unsigned slot = family == AF_INET ? 0 : 1;
	struct geo_picked *p = &t->picked[slot];
	const struct geo_list *list = &t->choice->list;

	t->families |= 1u << slot;
	p->res = GEO_PICK_OK;
	if (take(g, list, family, usable, p) > 0)
		return p;
	/* Nothing usable: were there edges of this family at all?  (Taking
	 * them all is fail_open's answer.) */
	if (usable == NULL || take(g, list, family, NULL, p) == 0) {
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
