/* SPDX-License-Identifier: MIT */
/* dnsd/answer.c: one query in, one response out (RFC 1034 §4.3.2). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/answer.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsd/conf.h"
#include "common/edges.h"
#include "dnsd/edns.h"
#include "dnsd/geo_name.h"
#include "dnsd/health.h"
#include "dnsd/prebuilt.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"
#include "dnsd/zonedb.h"
#include "geo/geo_addr.h"

/* CNAME and DNAME links followed within a zone before giving up. */
#define CHAIN_MAX 8

struct query {
	uint16_t id;
	uint16_t flags;
	struct wname qname;
	uint16_t qtype;
	uint16_t qclass;
	bool have_question;
	struct edns edns;
};

struct resp {
	struct wbuf w;
	const struct snapshot *snap;
	const struct query *q;
	const struct sockaddr *from;
	const uint8_t *usable; /* per edge: may be answered; NULL: all */
	struct dnsd_stats *st;
	bool tcp;
	uint8_t
	    ecs_scope; /* RFC 7871 §7.2.1: 0 unless the answer is tailored */
	bool tc;       /* answer or authority did not fit */
	bool tailored; /* the answer depends on the client (a geo name) */
	bool aa;
	unsigned rcode; /* may be extended (BADVERS) */
	uint16_t an, ns, ar;
	unsigned nsynth;
	/*
	 * Names made by DNAME substitution: owners must outlive the packet.
	 * Last, so that answer_query() need not clear it per query.
	 */
	uint8_t synth[CHAIN_MAX][WIRE_NAME_MAX];
};

/* ---- writing records ---------------------------------------------------- */

/*
 * RDATA with its names compressed where RFC 3597 §4 allows (the RFC 1035
 * types); other types are copied verbatim.
 */
static void
put_rdata(struct wbuf *w, uint16_t type, const uint8_t *rd, uint16_t len)
{
	size_t n, n2;

	switch (type) {
	case T_NS:
	case T_CNAME:
	case T_PTR:
		wbuf_put_name(w, rd, len, true);
		return;
	case T_MX:
		if (len < 3)
			break;
		wbuf_put(w, rd, 2);
		wbuf_put_name(w, rd + 2, len - 2u, true);
		return;
	case T_SOA:
		n = wire_name_len(rd, len);
		if (n == 0)
			break;
		n2 = wire_name_len(rd + n, len - n);
		if (n2 == 0 || len - n - n2 != 20)
			break;
		wbuf_put_name(w, rd, n, true);
		wbuf_put_name(w, rd + n, n2, true);
		wbuf_put(w, rd + n + n2, 20);
		return;
	default:
		break;
	}
	wbuf_put(w, rd, len);
}

/* Append every record of `set` with `owner`; counts into *count. */
static void
put_rrset(struct resp *r, const uint8_t *owner, size_t ownerlen,
          const struct rrset *set, uint32_t ttl, uint16_t *count)
{
	struct wbuf *w = &r->w;
	const uint8_t *p = set->rdata;

	for (uint16_t i = 0; i < set->count && !w->full; i++) {
		uint16_t rdlen = (uint16_t)(p[0] << 8 | p[1]);
		wbuf_put_name(w, owner, ownerlen, true);
		wbuf_put_u16(w, set->type);
		wbuf_put_u16(w, C_IN);
		wbuf_put_u32(w, ttl);
		size_t at = w->len;
		wbuf_put_u16(w, 0);
		put_rdata(w, set->type, p + 2, rdlen);
		if (!w->full)
			wbuf_set_u16(w, at, (uint16_t)(w->len - at - 2));
		p += 2u + rdlen;
	}
	if (!w->full)
		*count += set->count;
}

/* An answer or authority RRset; if it does not fit, the reply gets TC. */
static void
put_section(struct resp *r, const uint8_t *owner, size_t ownerlen,
            const struct rrset *set, uint32_t ttl, uint16_t *count)
{
	put_rrset(r, owner, ownerlen, set, ttl, count);
	if (r->w.full)
		r->tc = true;
}

/*
 * A/AAAA of the nodes an RRset names (RFC 1035 §3.3.9, RFC 2782), as far
 * as they fit: additional data is optional (RFC 2181 §9).  Glue below a
 * referral's cut is not optional (RFC 9471 §3): if it does not fit, TC.
 */
static void
put_additional(struct resp *r, const struct rrset *set, const struct znode *cut)
{
	static const uint16_t types[2] = {T_A, T_AAAA};

	for (uint16_t i = 0; i < set->nadd; i++) {
		const struct znode *n = set->add[i];
		for (int t = 0; t < 2; t++) {
			const struct rrset *a = znode_rrset(n, types[t]);
			if (a == NULL)
				continue;
			struct wmark m = wbuf_mark(&r->w);
			put_rrset(r, n->name, n->namelen, a, a->ttl, &r->ar);
			if (!r->w.full)
				continue;
			wbuf_rollback(&r->w, m);
			if (cut != NULL && n->cut == cut)
				r->tc = true;
			return;
		}
	}
}

static void
put_soa(struct resp *r, const struct zone *z)
{
	put_section(r, z->apex, z->apexlen, z->soa, z->neg_ttl, &r->ns);
}

/* ---- the lookup --------------------------------------------------------- */

static void
referral(struct resp *r, const struct znode *cut)
{
	const struct rrset *ns = znode_rrset(cut, T_NS);

	r->aa = false; /* RFC 1034 §4.3.2 step 3b: not authoritative */
	put_section(r, cut->name, cut->namelen, ns, ns->ttl, &r->ns);
	if (!r->tc)
		put_additional(r, ns, cut);
}

/* Records of `node` for the question, under `owner` (qname or a target). */
static void
answer_node(struct resp *r, const struct znode *node, const uint8_t *owner,
            size_t ownerlen, uint16_t qtype)
{
	if (qtype == T_ANY) {
		/*
		 * RFC 8482 §4.1: over UDP answer with one RRset rather than
		 * all of them (amplification); TCP gets everything.
		 */
		uint16_t n = r->tcp ? node->nrrsets : (node->nrrsets ? 1 : 0);
		for (uint16_t i = 0; i < n && !r->tc; i++)
			put_section(r, owner, ownerlen, &node->rrsets[i],
			            node->rrsets[i].ttl, &r->an);
		return;
	}
	const struct rrset *set = znode_rrset(node, qtype);
	put_section(r, owner, ownerlen, set, set->ttl, &r->an);
	if (!r->tc && set->nadd > 0)
		put_additional(r, set, NULL);
}

/*
 * DNAME substitution (RFC 6672 §3.1): the DNAME itself, then a CNAME from
 * the name to the name with the DNAME owner replaced by its target.
 * Returns the new name's octets in r->synth, or 0 if there is none.
 */
static size_t
dname_synth(struct resp *r, const struct znode *dn, const uint8_t *name,
            size_t namelen, const uint8_t **out)
{
	const struct rrset *set = znode_rrset(dn, T_DNAME);
	size_t prefix = namelen - dn->namelen;

	put_section(r, dn->name, dn->namelen, set, set->ttl, &r->an);
	if (r->tc || r->nsynth == CHAIN_MAX || set->target == NULL)
		return 0;
	if (prefix + set->targetlen > WIRE_NAME_MAX) {
		r->rcode = RC_YXDOMAIN; /* §2.2: the result would be too long */
		return 0;
	}
	uint8_t *s = r->synth[r->nsynth++];
	memcpy(s, name, prefix);
	memcpy(s + prefix, set->target, set->targetlen);
	size_t len = prefix + set->targetlen;

	/* the synthesized CNAME carries the DNAME's TTL (§3.1) */
	struct wbuf *w = &r->w;
	wbuf_put_name(w, name, namelen, true);
	wbuf_put_u16(w, T_CNAME);
	wbuf_put_u16(w, C_IN);
	wbuf_put_u32(w, set->ttl);
	size_t at = w->len;
	wbuf_put_u16(w, 0);
	wbuf_put_name(w, s, len, true);
	if (w->full) {
		r->tc = true;
		return 0;
	}
	wbuf_set_u16(w, at, (uint16_t)(w->len - at - 2));
	r->an++;
	*out = s;
	return len;
}

/*
 * Who to answer for: the Client Subnet when the query has one (RFC 7871
 * §7.1), else the packet's source.  NULL for "do not tailor": an ECS
 * source prefix of 0, or no address at all.
 */
static const struct geo_client *
client_of(const struct edns *e, const struct sockaddr *from,
          struct geo_client *c)
{
	if (e->ecs) {
		if (e->ecs_source == 0)
			return NULL;
		geo_client_make(c, e->ecs_family == 1 ? AF_INET : AF_INET6,
		                e->ecs_addr, e->ecs_source);
		return c;
	}
	if (from == NULL)
		return NULL;
	if (from->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)from;
		geo_client_make(c, AF_INET, (const uint8_t *)&sin->sin_addr,
		                32);
		return c;
	}
	if (from->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)from;
		geo_client_make(c, AF_INET6, sin6->sin6_addr.s6_addr, 128);
		return c;
	}
	return NULL;
}

/* One A or AAAA record of a geo answer, owned by the name asked for. */
static void
put_addr(struct resp *r, const uint8_t *owner, size_t ownerlen, uint16_t type,
         uint32_t ttl, const uint8_t *addr, uint16_t len)
{
	wbuf_put_name(&r->w, owner, ownerlen, true);
	wbuf_put_u16(&r->w, type);
	wbuf_put_u16(&r->w, C_IN);
	wbuf_put_u32(&r->w, ttl);
	wbuf_put_u16(&r->w, len);
	wbuf_put(&r->w, addr, len);
	if (r->w.full)
		r->tc = true;
	else
		r->an++;
}

/*
 * Count the edges a geo answer held, in row `row` of the geo counters (the
 * geo name's index, zonedb_geo_index()); beyond the caps, in geo_dropped.
 */
static void
count_geo_edges(struct dnsd_stats *st, int row, const uint16_t *pick,
                unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (row >= 0 && row < STATS_GEO_NAMES &&
		    pick[i] < STATS_GEO_EDGES)
			st->geo_edge[row][pick[i]]++;
		else
			st->geo_dropped++;
	}
}

static void
count_geo_reason(struct dnsd_stats *st, int row, enum stats_geo_reason why)
{
	if (row >= 0 && row < STATS_GEO_NAMES &&
	    (unsigned)why < STATS_GEO_REASONS)
		st->geo_reason[row][why]++;
	else
		st->geo_dropped++;
}

/*
 * A geo name: every address of the edges geo_name_pick() takes from the
 * client's ranked list.  Returns false when no edge has an address of the
 * asked family.
 */
static bool
answer_geo(struct resp *r, const struct znode *hit, const uint8_t *owner,
           size_t ownerlen, uint16_t qtype)
{
	const struct geo_name *g = hit->geo;
	struct geo_client client;
	unsigned scope;
	bool any = false;

	/* Other types are NODATA for everyone: no client lookup, scope 0. */
	if (qtype != T_A && qtype != T_AAAA && qtype != T_ANY)
		return false;
	const struct geo_choice *ch = geo_name_choose(
	    g, client_of(&r->q->edns, r->from, &client), &scope);

	r->ecs_scope = (uint8_t)scope;
	r->tailored = true;
	int row = zonedb_geo_index(r->snap->db, g);
	enum stats_geo_reason why = (enum stats_geo_reason)ch->rule;
	for (int pass = 0; pass < 2; pass++) {
		/* ANY: A, then (over TCP) AAAA as well (RFC 8482 §4.1) */
		uint16_t type = pass == 0 ? T_A : T_AAAA;
		if (qtype != T_ANY && qtype != type)
			continue;
		if (qtype == T_ANY && pass == 1 && !r->tcp && any)
			break; /* UDP: one RRset, the A, if there is one */
		uint16_t pick[GEO_MAX_RANK];
		enum geo_pick res;
		int family = type == T_A ? AF_INET : AF_INET6;
		unsigned n =
		    geo_name_pick(g, ch, family, r->usable, pick, &res);
		if (res == GEO_PICK_ALL_DOWN || res == GEO_PICK_SERVFAIL)
			why = STATS_GEO_ALL_DOWN;
		if (res == GEO_PICK_SERVFAIL) {
			r->rcode = RC_SERVFAIL; /* the all-down policy */
			break;
		}
		count_geo_edges(r->st, row, pick, n);
		for (unsigned i = 0; i < n; i++) {
			const struct edge *e = &g->edges->edge[pick[i]];
			unsigned naddr = type == T_A ? e->nv4 : e->nv6;
			for (unsigned k = 0; k < naddr; k++)
				put_addr(r, owner, ownerlen, type, g->ttl,
				         type == T_A ? e->v4[k] : e->v6[k],
				         type == T_A ? 4 : 16);
		}
		any = any || n > 0;
	}
	count_geo_reason(r->st, row, why);
	return any || r->rcode == RC_SERVFAIL;
}

static void
answer_in(struct resp *r)
{
	const struct query *q = r->q;
	const struct zonedb *db = r->snap->db;
	unsigned zl;
	const struct zone *z = zonedb_find_zone(db, &q->qname, 0, &zl);

	if (z == NULL) {
		r->rcode = RC_REFUSED;
		return;
	}
	/* RFC 4035 §3.1.4.1: DS lives at the parent side of a cut. */
	if (q->qtype == T_DS && zl == 0 && q->qname.nlabels > 0) {
		unsigned pl;
		const struct zone *parent =
		    zonedb_find_zone(db, &q->qname, 1, &pl);
		if (parent != NULL) {
			z = parent;
			zl = pl;
		}
	}
	r->aa = true;

	/* The name being resolved: the qname, then chain targets. */
	struct wname tmp;
	const struct wname *name = &q->qname;
	const uint8_t *owner = q->qname.raw; /* echoes the case as sent */
	size_t ownerlen = q->qname.len;

	for (unsigned link = 0; link <= CHAIN_MAX && !r->tc; link++) {
		const struct znode *node = zone_find_node(z, name, 0);
		const struct znode *hit = node; /* answers for the name */
		const struct znode *cut = NULL;

		if (node != NULL && (node->flags & ZN_OCCLUDED)) {
			cut = node->cut;
			hit = NULL;
		} else if (node == NULL) {
			/* Closest encloser (RFC 4592 §3.3.1); ENTs are nodes.
			 */
			const struct znode *ce = NULL;
			for (unsigned i = 1; ce == NULL && i <= name->nlabels;
			     i++)
				ce = zone_find_node(z, name, i);
			if (ce == NULL) {
				/* cannot happen: the apex is always a node */
				r->rcode = RC_SERVFAIL;
				return;
			}
			if (ce->flags & ZN_OCCLUDED)
				cut = ce->cut;
			else if (ce->flags & (ZN_DELEG | ZN_DNAME))
				cut = ce;
			else
				hit = ce->wild; /* RFC 4592 §3.3.3 */
			if (cut == NULL && hit == NULL) {
				r->rcode = RC_NXDOMAIN;
				put_soa(r, z);
				return;
			}
		} else if ((node->flags & ZN_DELEG) &&
		           !(q->qtype == T_DS && link == 0)) {
			cut = node; /* the cut itself: refer, except for DS */
		}

		if (cut != NULL && (cut->flags & ZN_DELEG)) {
			/*
			 * RFC 1034 §4.3.2 step 3b, also for a CNAME target:
			 * refer.  After a CNAME the answer's first record is
			 * still ours, so AA stays (as NSD does).
			 */
			referral(r, cut);
			r->aa = link > 0;
			return;
		}
		if (cut != NULL) {
			const uint8_t *next;
			size_t len =
			    dname_synth(r, cut, owner, ownerlen, &next);
			if (len == 0)
				return;
			if (wname_from_wire(&tmp, next, len) == -1)
				return;
			owner = next;
			ownerlen = len;
			name = &tmp;
		} else if (hit == NULL) {
			return; /* not reached: without a cut there is a hit */
		} else if (hit->geo != NULL) {
			if (!answer_geo(r, hit, owner, ownerlen, q->qtype))
				put_soa(r, z); /* NODATA: no such address */
			return;
		} else if (q->qtype != T_CNAME && q->qtype != T_ANY &&
		           (hit->flags & ZN_CNAME)) {
			/* RFC 1034 §4.3.2 step 3a: restart at the target */
			const struct rrset *cn = znode_rrset(hit, T_CNAME);
			put_section(r, owner, ownerlen, cn, cn->ttl, &r->an);
			if (cn->target == NULL ||
			    wname_from_wire(&tmp, cn->target, cn->targetlen) ==
			        -1)
				return;
			owner = cn->target;
			ownerlen = cn->targetlen;
			name = &tmp;
		} else if (q->qtype == T_ANY
		               ? hit->nrrsets > 0
		               : znode_rrset(hit, q->qtype) != NULL) {
			answer_node(r, hit, owner, ownerlen, q->qtype);
			return;
		} else {
			put_soa(r, z); /* NODATA (RFC 2308 §2.2) */
			return;
		}

		/* Follow the chain only inside this zone (as Knot does). */
		unsigned tl;
		if (zonedb_find_zone(db, name, 0, &tl) != z)
			return;
	}
}

/* ---- CHAOS ----------------------------------------------------------- */

static bool
name_is(const struct wname *n, const char *wire, size_t len)
{
	return n->len == len && memcmp(n->key, wire, len) == 0;
}

#define CH_NAME(s) (s), sizeof(s)

static void
answer_chaos(struct resp *r)
{
	const struct query *q = r->q;
	const struct snapshot *s = r->snap;
	const uint8_t *txt = NULL;
	unsigned len = 0;

	if (name_is(&q->qname, CH_NAME("\7version\4bind")) ||
	    name_is(&q->qname, CH_NAME("\7version\6server"))) {
		txt = s->ver_txt;
		len = s->ver_txt_len;
	} else if (name_is(&q->qname, CH_NAME("\2id\6server")) ||
	           name_is(&q->qname, CH_NAME("\10hostname\4bind"))) {
		txt = s->id_txt;
		len = s->id_txt_len;
	}
	if (len == 0) {
		r->rcode = RC_REFUSED;
		return;
	}
	r->aa = true;
	if (q->qtype != T_TXT && q->qtype != T_ANY)
		return; /* the name exists, with no data of this type */
	struct wbuf *w = &r->w;
	wbuf_put_name(w, q->qname.raw, q->qname.len, true);
	wbuf_put_u16(w, T_TXT);
	wbuf_put_u16(w, C_CH);
	wbuf_put_u32(w, 0);
	wbuf_put_u16(w, (uint16_t)len);
	wbuf_put(w, txt, len);
	if (w->full)
		r->tc = true;
	else
		r->an++;
}

/* ---- parsing and assembly ------------------------------------------- */

/*
 * Parse what follows the header.  Returns an rcode: NOERROR to go on, or the
 * error to answer with.  q->have_question says whether the question may be
 * echoed.
 */
static unsigned
parse_query(struct wcur *c, struct query *q, uint16_t qd, uint16_t an,
            uint16_t ns, uint16_t ar)
{
	/* RFC 1035 §4.1.2; QDCOUNT other than 1 has no defined meaning */
	if (qd != 1)
		return RC_FORMERR;
	if (wire_name_read(c, &q->qname) == -1)
		return RC_FORMERR;
	wname_hash(&q->qname);
	q->qtype = wcur_u16(c);
	q->qclass = wcur_u16(c);
	if (c->bad)
		return RC_FORMERR;
	q->have_question = true;
	/* A query carries no answer or authority records (as NSD checks). */
	if (an != 0 || ns != 0)
		return RC_FORMERR;
	for (uint16_t i = 0; i < ar; i++) {
		struct wname owner;
		if (wire_name_read(c, &owner) == -1)
			return RC_FORMERR;
		int rc = edns_parse_rr(c, owner.len == 1, &q->edns);
		if (rc == -1) {
			q->edns.present = false; /* no OPT on this FORMERR */
			return RC_FORMERR;
		}
	}
	return RC_NOERROR;
}

static inline void
set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* The size a response may take: RFC 6891 §6.2.5, never above ours. */
static size_t
size_limit(const struct snapshot *snap, const struct edns *e, bool tcp,
           size_t respcap)
{
	size_t limit = ANSWER_TCP_MAX;

	if (!tcp) {
		limit = 512;
		if (e->present) {
			limit = e->udp_size;
			if (limit > snap->conf->udp_payload)
				limit = snap->conf->udp_payload;
		}
	}
	return limit < respcap ? limit : respcap;
}

/*
 * The fast path takes a plain query: opcode QUERY, QR clear, one question
 * of class IN with no compression, at most an OPT record, for a name and
 * type that prebuilt.c compiled.  It goes in two steps, parse and answer,
 * so that a batch can be parsed whole first and the geo lookups' memory
 * fetched for all of it at once (answer_batch).
 */
struct plain_query {
	const struct prebuilt_entry *e;
	size_t qend; /* end of the question */
	uint16_t qtype;
	struct edns edns;
	const struct geo_client *client; /* geo names: NULL = no tailoring */
	struct geo_client client_buf;
};

/* Parse a plain query into `pq`.  False, having counted nothing, if the
 * query is not one (the full path takes it). */
static bool
plain_parse(const struct snapshot *snap, const uint8_t *query, size_t qlen,
            const struct sockaddr *from, struct plain_query *pq)
{
	uint8_t key[PREBUILT_KEY_MAX];
	size_t off = WIRE_HDR_LEN;

	if (snap->prebuilt == NULL || qlen < WIRE_HDR_LEN + 5 ||
	    (query[2] & 0xF8) != 0 || query[4] != 0 || query[5] != 1 ||
	    (query[6] | query[7] | query[8] | query[9] | query[10]) != 0 ||
	    query[11] > 1)
		return false;
	/* The name's end, from its label lengths; then fold and hash it. */
	for (;;) {
		uint8_t l = query[off];
		if (l > WIRE_LABEL_MAX ||
		    off - WIRE_HDR_LEN + 1u + l > WIRE_NAME_MAX ||
		    off + 1u + l >= qlen)
			return false; /* a pointer, or malformed */
		off += 1u + l;
		if (l == 0)
			break;
	}
	size_t namelen = off - WIRE_HDR_LEN;
	prebuilt_key(key, query + WIRE_HDR_LEN, namelen);
	if (qlen - off < 4 || query[off + 2] != 0 || query[off + 3] != C_IN)
		return false;
	pq->qtype = (uint16_t)(query[off] << 8 | query[off + 1]);
	pq->qend = off + 4;
	memset(&pq->edns, 0, sizeof(pq->edns));
	if (query[11] == 1) {
		struct wcur c;
		wcur_init(&c, query, qlen);
		c.p = query + pq->qend;
		if (wcur_u8(&c) != 0 || c.bad ||
		    edns_parse_rr(&c, true, &pq->edns) != 0 ||
		    pq->edns.version != 0)
			return false;
	}
	pq->e = prebuilt_find(snap->prebuilt, key, namelen, pq->qtype,
	                      prebuilt_hash(key, namelen, pq->qtype));
	if (pq->e == NULL)
		return false;
	pq->client = pq->e->geo != NULL
	                 ? client_of(&pq->edns, from, &pq->client_buf)
	                 : NULL;
	return true;
}

/*
 * Answer a parsed plain query whose response fits in full.  Returns the
 * response's length, or 0 having counted nothing, to leave the query to
 * the full path.  The octets are the full path's (test_prebuilt.c checks).
 */
static size_t
plain_answer(const struct snapshot *snap, const uint8_t *usable,
             const struct plain_query *pq, const uint8_t *query, bool tcp,
             uint8_t *resp, size_t respcap, struct dnsd_stats *st)
{
	const struct prebuilt_entry *e = pq->e;
	const struct edns *edns = &pq->edns;
	uint16_t qtype = pq->qtype;
	size_t qend = pq->qend;
	size_t limit = size_limit(snap, edns, tcp, respcap);
	unsigned nsid_len = snap->id_txt_len ? snap->id_txt_len - 1 : 0;
	size_t optlen = edns->present ? edns_opt_len(edns, nsid_len) : 0;
	size_t len = qend;
	uint16_t an = e->an;
	unsigned scope = 0;
	if (e->geo == NULL) {
		if (qend + e->taillen + optlen > limit)
			return 0; /* the full path truncates */
		memcpy(resp, query, qend);
		memcpy(resp + qend, e->tail, e->taillen);
		len += e->taillen;
	} else {
		/* answer_geo() for A or AAAA, with the owner a pointer to the
		 * question, as the full path compresses it. */
		const struct geo_name *g = e->geo;
		uint16_t pick[GEO_MAX_RANK];
		enum geo_pick res;
		bool v4 = qtype == T_A;
		const struct geo_choice *ch =
		    geo_name_choose(g, pq->client, &scope);
		unsigned n = geo_name_pick(g, ch, v4 ? AF_INET : AF_INET6,
		                           usable, pick, &res);
		if (n == 0 || res == GEO_PICK_SERVFAIL)
			return 0;
		size_t alen = v4 ? 4 : 16;
		unsigned nrr = 0;
		for (unsigned i = 0; i < n; i++)
			nrr += v4 ? g->edges->edge[pick[i]].nv4
			          : g->edges->edge[pick[i]].nv6;
		if (qend + nrr * (12 + alen) + optlen > limit)
			return 0;
		memcpy(resp, query, qend);
		/* Owner (a pointer to the question), type, class, TTL and
		 * RDLENGTH are the same for every record. */
		uint8_t head[12] = {0xC0, WIRE_HDR_LEN, 0, 0, 0, C_IN};
		set_u16(head + 2, qtype);
		set_u16(head + 6, (uint16_t)(g->ttl >> 16));
		set_u16(head + 8, (uint16_t)g->ttl);
		set_u16(head + 10, (uint16_t)alen);
		for (unsigned i = 0; i < n; i++) {
			const struct edge *ed = &g->edges->edge[pick[i]];
			unsigned naddr = v4 ? ed->nv4 : ed->nv6;
			for (unsigned k = 0; k < naddr; k++) {
				uint8_t *rr = resp + len;
				memcpy(rr, head, sizeof(head));
				/* Constant sizes: the copies are inlined. */
				if (v4)
					memcpy(rr + 12, ed->v4[k], 4);
				else
					memcpy(rr + 12, ed->v6[k], 16);
				len += 12 + alen;
			}
		}
		an = (uint16_t)nrr;
		count_geo_edges(st, e->geo_row, pick, n);
		count_geo_reason(st, e->geo_row,
		                 res == GEO_PICK_ALL_DOWN
		                     ? STATS_GEO_ALL_DOWN
		                     : (enum stats_geo_reason)ch->rule);
	}
	uint16_t ar = e->ar;
	if (edns->present) {
		len += edns_put_opt(
		    resp + len, edns, (uint16_t)snap->conf->udp_payload,
		    RC_NOERROR, (uint8_t)scope, snap->id_txt + 1, nsid_len);
		ar++;
		st->edns++;
		if (edns->ecs)
			st->ecs++;
	}
	uint16_t flags =
	    F_QR | (uint16_t)((query[2] << 8 | query[3]) & (F_RD | F_CD)) |
	    e->flags;
	set_u16(resp + 2, flags);
	set_u16(resp + 6, an);
	set_u16(resp + 8, e->ns);
	set_u16(resp + 10, ar);
	st->qtype[stats_qtype(qtype)]++;
	st->rcode[RC_NOERROR]++;
	st->prebuilt++;
	return len;
}

/*
 * The full path: any message.  Sets *tailored when the answer depends on
 * the client (prebuilt.c keeps only answers that do not).
 */
static size_t
answer_full(const struct snapshot *snap, const uint8_t *usable,
            const uint8_t *query, size_t qlen, bool tcp,
            const struct sockaddr *from, uint8_t *resp, size_t respcap,
            struct dnsd_stats *st, bool *tailored)
{
	struct query q;
	struct resp r;
	struct wcur c;

	memset(&q.edns, 0, sizeof(q.edns));
	q.have_question = false;
	q.id = (uint16_t)(query[0] << 8 | query[1]);
	q.flags = qlen >= 4 ? (uint16_t)(query[2] << 8 | query[3]) : 0;
	if (qlen >= 3)
		q.flags =
		    (uint16_t)(query[2] << 8 | (qlen >= 4 ? query[3] : 0));

	memset(&r, 0, offsetof(struct resp, synth));
	r.snap = snap;
	r.q = &q;
	r.from = from;
	r.st = st;
	r.usable = usable;
	r.tcp = tcp;

	unsigned opcode = (q.flags >> 11) & 0xF;
	if (qlen < WIRE_HDR_LEN) {
		r.rcode = RC_FORMERR;
	} else {
		wcur_init(&c, query, qlen);
		wcur_skip(&c, 4);
		uint16_t qd = wcur_u16(&c), an = wcur_u16(&c);
		uint16_t ns = wcur_u16(&c), ar = wcur_u16(&c);
		r.rcode = parse_query(&c, &q, qd, an, ns, ar);
		if (q.have_question)
			st->qtype[stats_qtype(q.qtype)]++;
		/* RFC 1035 §4.1.1; the OPT stays (RFC 6891 §7) */
		if (opcode != OP_QUERY)
			r.rcode = RC_NOTIMP;
	}
	if (q.edns.present) {
		st->edns++;
		if (q.edns.ecs)
			st->ecs++;
	}

	size_t limit = size_limit(snap, &q.edns, tcp, respcap);
	unsigned nsid_len = snap->id_txt_len ? snap->id_txt_len - 1 : 0;
	size_t optlen = q.edns.present ? edns_opt_len(&q.edns, nsid_len) : 0;

	wbuf_init(&r.w, resp, limit - optlen);
	wbuf_put(&r.w, resp, WIRE_HDR_LEN); /* placeholder, written last */
	if (q.have_question) {
		wbuf_put_name(&r.w, q.qname.raw, q.qname.len, true);
		wbuf_put_u16(&r.w, q.qtype);
		wbuf_put_u16(&r.w, q.qclass);
	}
	struct wmark after_question = wbuf_mark(&r.w);

	if (r.rcode == RC_NOERROR && q.edns.version != 0) {
		r.rcode = RC_BADVERS; /* RFC 6891 §6.1.3 */
	} else if (r.rcode == RC_NOERROR) {
		switch (q.qtype) {
		case T_OPT:
			r.rcode =
			    RC_FORMERR; /* a pseudo-type, never a question */
			break;
		case T_AXFR:
		case T_IXFR:
			r.rcode = RC_REFUSED; /* zone transfer: not offered */
			break;
		case T_TKEY:
		case T_TSIG:
			r.rcode = RC_NOTIMP;
			break;
		default:
			if (q.qclass == C_IN)
				answer_in(&r);
			else if (q.qclass == C_CH)
				answer_chaos(&r);
			else
				r.rcode = RC_REFUSED;
			break;
		}
	}

	if (r.rcode == RC_SERVFAIL) {
		/* nothing but the question: not an answer to cache */
		wbuf_rollback(&r.w, after_question);
		r.an = r.ns = r.ar = 0;
		r.aa = false;
	}
	if (r.tc) {
		/* RFC 2181 §9: the client retries over TCP; send the minimum */
		wbuf_rollback(&r.w, after_question);
		r.an = r.ns = r.ar = 0;
		st->truncated++;
	}
	if (q.edns.present) {
		r.w.cap = limit;
		edns_write_opt(&r.w, &q.edns, (uint16_t)snap->conf->udp_payload,
		               r.rcode, r.ecs_scope, snap->id_txt + 1,
		               nsid_len);
		r.ar++;
	}

	uint16_t flags = F_QR | (uint16_t)(q.flags & (0x7800 | F_RD | F_CD)) |
	                 (uint16_t)(r.rcode & 0xF);
	if (r.aa)
		flags |= F_AA;
	if (r.tc)
		flags |= F_TC;
	wbuf_set_u16(&r.w, 0, q.id);
	wbuf_set_u16(&r.w, 2, flags);
	wbuf_set_u16(&r.w, 4, q.have_question ? 1 : 0);
	wbuf_set_u16(&r.w, 6, r.an);
	wbuf_set_u16(&r.w, 8, r.ns);
	wbuf_set_u16(&r.w, 10, r.ar);
	st->rcode[r.rcode < STATS_RCODES ? r.rcode : 0]++;
	*tailored = r.tailored;
	return r.w.len;
}

size_t
answer_query(const struct snapshot *snap, const uint8_t *query, size_t qlen,
             bool tcp, uint8_t *resp, size_t respcap, struct dnsd_stats *st)
{
	return answer_query_from(snap, NULL, query, qlen, tcp, NULL, resp,
	                         respcap, st);
}

/* The edge health to answer with: NULL (every edge usable) for a view
 * computed for another load, whose edge indexes do not fit ours. */
static const uint8_t *
usable_of(const struct snapshot *snap, const struct health_view *view)
{
	if (view != NULL && snap->edges != NULL &&
	    view->generation == snap->generation && view->n == snap->edges->n)
		return view->usable;
	return NULL;
}

/* answer_query_from(), `pq` the query parsed as a plain one, or NULL. */
static size_t
answer_one(const struct snapshot *snap, const uint8_t *usable,
           const struct plain_query *pq, const uint8_t *query, size_t qlen,
           bool tcp, const struct sockaddr *from, uint8_t *resp, size_t respcap,
           struct dnsd_stats *st)
{
	bool tailored;

	if (tcp)
		st->tcp++;
	else
		st->udp++;
	/* RFC 1035 §4.1.1: nothing to answer without an ID; never answer
	 * a response (that way lie packet loops). */
	if (qlen < 2) {
		st->dropped_short++;
		return 0;
	}
	if (qlen >= 3 && (query[2] & 0x80)) {
		st->dropped_qr++;
		return 0;
	}
	if (pq != NULL) {
		size_t len = plain_answer(snap, usable, pq, query, tcp, resp,
		                          respcap, st);
		if (len > 0)
			return len;
	}
	return answer_full(snap, usable, query, qlen, tcp, from, resp, respcap,
	                   st, &tailored);
}

size_t
answer_query_from(const struct snapshot *snap, const struct health_view *view,
                  const uint8_t *query, size_t qlen, bool tcp,
                  const struct sockaddr *from, uint8_t *resp, size_t respcap,
                  struct dnsd_stats *st)
{
	struct plain_query pq;
	bool plain = plain_parse(snap, query, qlen, from, &pq);

	return answer_one(snap, usable_of(snap, view), plain ? &pq : NULL,
	                  query, qlen, tcp, from, resp, respcap, st);
}

void
answer_batch(const struct snapshot *snap, const struct health_view *view,
             struct answer_io *io, unsigned n, struct dnsd_stats *st)
{
	struct plain_query pq[ANSWER_BATCH_MAX];
	bool plain[ANSWER_BATCH_MAX];
	const uint8_t *usable = usable_of(snap, view);

	if (n > ANSWER_BATCH_MAX)
		n = ANSWER_BATCH_MAX;
	/*
	 * Parse all, then fetch each geo lookup's trie entries a level at a
	 * time for all: a lookup's two or three reads depend on each other,
	 * but those of different queries do not, so their cache misses
	 * overlap instead of coming one after another.
	 */
	for (unsigned i = 0; i < n; i++) {
		plain[i] = plain_parse(snap, io[i].query, io[i].qlen,
		                       io[i].from, &pq[i]);
		if (plain[i] && pq[i].client != NULL)
			geo_name_prefetch(pq[i].e->geo, pq[i].client, 0);
	}
	for (unsigned i = 0; i < n; i++)
		if (plain[i] && pq[i].client != NULL)
			geo_name_prefetch(pq[i].e->geo, pq[i].client, 1);
	for (unsigned i = 0; i < n; i++)
		io[i].len =
		    answer_one(snap, usable, plain[i] ? &pq[i] : NULL,
		               io[i].query, io[i].qlen, false, io[i].from,
		               io[i].resp, ANSWER_UDP_MAX, st);
}

size_t
answer_query_prebuild(const struct snapshot *snap, const uint8_t *query,
                      size_t qlen, uint8_t *resp, size_t respcap,
                      struct dnsd_stats *st, bool *tailored)
{
	return answer_full(snap, NULL, query, qlen, true, NULL, resp, respcap,
	                   st, tailored);
}
