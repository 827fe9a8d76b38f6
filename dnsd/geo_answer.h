/* SPDX-License-Identifier: MIT */
/*
 * dnsd/geo_answer.h: how a geo name answers one client, decided in one
 * place for every path that needs it: compiled UDP and TCP answers, the
 * zone walk (a geo name reached by a CNAME, ANY) and explain.  The
 * decision is written down in a small trace that the caller turns into
 * records, counters or an explanation.  Hot path: no allocation.
 */
#ifndef DNSD_GEO_ANSWER_H
#define DNSD_GEO_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "geo/geo.h"

struct geo_name;
struct steer;

/* What the edges chosen for one address family come to. */
enum geo_pick {
	GEO_PICK_OK,       /* edge[] holds the edges to answer with */
	GEO_PICK_ALL_DOWN, /* every ranked edge is down: the all_down policy
	                      picked edge[] (none for nodata: answer NODATA) */
	GEO_PICK_NODATA,   /* no ranked edge has an address of this family */
	GEO_PICK_SERVFAIL, /* all down, and the policy says SERVFAIL */
};

/* The edges a family answers with. */
struct geo_picked {
	enum geo_pick res;
	unsigned n;
	unsigned nrr;                /* their addresses of the family */
	uint16_t edge[GEO_MAX_RANK]; /* indexes into the edge inventory */
};

/*
 * One client's answer: which rule decided and its ranked edges (the
 * choice), the map network the client fell in (its prefix length in the
 * tree layout: the client's location as the compiled map knows it), the
 * ECS scope, and per family (0: A, 1: AAAA) the edges chosen under the
 * health of the moment.  When the answer depended on the client's hash
 * (a tier of several edges, or a share short of all), `spread` says so
 * and the scope is at least the name's hash granularity.
 */
struct geo_trace {
	const struct geo_choice *choice;
	const struct geo_client *client; /* NULL when untailored */
	unsigned depth; /* 0 when untailored (the default choice) */
	unsigned scope;
	unsigned families; /* bit 0: picked[0] is filled; bit 1: picked[1] */
	bool spread;       /* the answer depended on the client's hash */
	bool hashed;       /* chash holds the client's hash */
	uint64_t chash;
	struct geo_picked picked[2];
};

/*
 * Decide for client `c` (NULL: do not tailor, i.e. the default choice and
 * scope 0): fills t->choice, depth and scope, and clears t->families.
 */
void geo_answer_choose(const struct geo_name *g, const struct geo_client *c,
                       struct geo_trace *t);

/*
 * Choose the edges for `family` (AF_INET for A, AF_INET6 for AAAA): the
 * first g->answers edges of the ranked list that have such an address and
 * are usable (a share above 0 in `steer`; NULL: every edge is, with all
 * of its share).  An edge without IPv6 is skipped for AAAA, so IPv6
 * clients reach the nearest edge that can serve them.
 *
 * Spreading: the edges of one tier are put in the client's own order by
 * weighted rendezvous hashing (each edge scores -ln(u)/weight, u a hash
 * of the client's network, the name and the edge; the lowest score comes
 * first), so a tier's clients divide by weight, each client network keeps
 * its edge while nothing changes, and an edge that leaves moves only its
 * own clients.  Weight 0 is a standby: in the order only when no edge of
 * the tier with a weight is usable.  An edge with a share short of all
 * takes a client only if the client's place among its clients (another
 * hash) is within the share; the client goes on to its next choice, and
 * comes back to the edges that turned it away only when nothing else is
 * usable.  When every edge of the list with such an address is down,
 * g->all_down decides.  Returns the family's slot in t->picked.
 */
const struct geo_picked *geo_answer_pick(const struct geo_name *g, int family,
                                         const struct steer *steer,
                                         struct geo_trace *t);

/* The client's place among `edge`'s clients, 0..65535 (the share test:
 * in the share when below it).  For explain and tests. */
unsigned geo_answer_place(const struct geo_name *g, struct geo_trace *t,
                          unsigned edge);

/* The client's rendezvous score for `edge` at `weight` (lower first). */
double geo_answer_score(const struct geo_name *g, struct geo_trace *t,
                        unsigned edge, unsigned weight);

/* Octets the records of `p` take for `family` (geo_answer_put's size). */
static inline size_t
geo_answer_size(const struct geo_picked *p, int family)
{
	return p->nrr * (family == AF_INET ? 12u + 4 : 12u + 16);
}

/*
 * Write at `out` every address of `family` of the edges in `p`, one A or
 * AAAA record each with the geo name's TTL, the owner being a compression
 * pointer to `owner_off` (where the name asked for already stands in the
 * packet).  The caller made room for geo_answer_size() octets.  Returns
 * the number of records (p->nrr).
 */
unsigned geo_answer_put(uint8_t *out, const struct geo_name *g,
                        const struct geo_picked *p, int family,
                        uint16_t owner_off);

#endif
