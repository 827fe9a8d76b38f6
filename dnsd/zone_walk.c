/* SPDX-License-Identifier: MIT */
/* dnsd/zone_walk.c: the authoritative answer from compiled zones (RFC 1034
 * §4.3.2). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/zone_walk.h"

#include <sys/socket.h>

#include "common/edges.h"
#include "dnsd/answer_sign.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/response.h"
#include "dnsd/zonedb.h"

/* The name being answered: the question's, then each chain target. */
struct owner {
	const uint8_t *name; /* as written (the question's case kept) */
	size_t len;
	int off; /* where it stands in the response, for pointers; -1: no */
};

/* ---- writing records ---------------------------------------------------- */

/*
 * RDATA with its names compressed where RFC 3597 §4 allows (the RFC 1035
 * types); other types are copied verbatim.  Returns where a CNAME's or
 * PTR's target name was written (for a later pointer), or -1.
 */
static int
put_rdata(struct wbuf *w, uint16_t type, const uint8_t *rd, uint16_t len)
{
	size_t n, n2;

	switch (type) {
	case T_NS:
	case T_CNAME:
	case T_PTR:
		return wbuf_put_name(w, rd, len, true);
	case T_MX:
		if (len < 3)
			break;
		wbuf_put(w, rd, 2);
		wbuf_put_name(w, rd + 2, len - 2u, true);
		return -1;
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
		return -1;
	default:
		break;
	}
	wbuf_put(w, rd, len);
	return -1;
}

/*
 * Append every record of `set` with `owner`; counts into *count.  Returns
 * where the last record's RDATA name went (put_rdata), or -1.
 */
static int
put_rrset(struct response *r, const uint8_t *owner, size_t ownerlen,
          const struct rrset *set, uint32_t ttl, uint16_t *count)
{
	struct wbuf *w = &r->w;
	const uint8_t *p = set->rdata;
	int target = -1;

	for (uint16_t i = 0; i < set->count && !w->full; i++) {
		uint16_t rdlen = (uint16_t)(p[0] << 8 | p[1]);
		wbuf_put_name(w, owner, ownerlen, true);
		wbuf_put_u16(w, set->type);
		wbuf_put_u16(w, C_IN);
		wbuf_put_u32(w, ttl);
		size_t at = w->len;
		wbuf_put_u16(w, 0);
		target = put_rdata(w, set->type, p + 2, rdlen);
		if (!w->full)
			wbuf_set_u16(w, at, (uint16_t)(w->len - at - 2));
		p += 2u + rdlen;
	}
	if (w->full)
		return -1;
	*count += set->count;
	return target;
}

/*
 * An answer or authority RRset, with its RRSIGs in a signed answer; if it
 * does not fit, the reply gets TC (RFC 4035 §3.1.1: an RRSIG that does
 * not fit truncates as its RRset would).
 */
static int
put_section(struct response *r, const uint8_t *owner, size_t ownerlen,
            const struct rrset *set, uint32_t ttl, uint16_t *count)
{
	int target = put_rrset(r, owner, ownerlen, set, ttl, count);

	if (r->signer != NULL && set->sig != NULL && !r->w.full)
		put_rrset(r, owner, ownerlen, set->sig, ttl, count);
	if (r->w.full)
		r->tc = true;
	return target;
}

/*
 * A wildcard's RRset as the name asked (canonical in `name`) owns it: in a
 * signed answer its RRSIGs are made for that name (an online signer may
 * sign the expansion as if the name existed, RFC 9824 §3.4), so that no
 * proof of the name's absence is needed.
 */
static struct online_set
expanded(const struct wname *name, const struct rrset *set)
{
	struct online_set s = {
	    .owner = name->key,
	    .ownerlen = name->len,
	    .owner_hash = name->keyhash,
	    .type = set->type,
	    .ttl = set->ttl,
	    .count = set->count,
	    .rdata = set->rdata,
	    .rdata_len = set->rdata_len,
	    .content =
	        answer_sign_content(set->rdata, set->rdata_len, set->count),
	};

	return s;
}

/* A wildcard's RRset under the name asked, with the RRSIGs expanded()
 * says. */
static int
put_expanded(struct response *r, const uint8_t *owner, size_t ownerlen,
             const struct wname *name, const struct rrset *set, uint16_t *count)
{
	if (r->signer == NULL)
		return put_section(r, owner, ownerlen, set, set->ttl, count);
	int target = put_rrset(r, owner, ownerlen, set, set->ttl, count);
	struct online_set s = expanded(name, set);
	if (r->w.full ||
	    !answer_sign_put(r, r->signer, r->sigcache, &s, r->now, count))
		r->tc = true;
	return target;
}

/*
 * A/AAAA of the nodes an RRset names (RFC 1035 §3.3.9, RFC 2782), as far
 * as they fit: additional data is optional (RFC 2181 §9).  Glue below a
 * referral's cut is not optional (RFC 9471 §3): if it does not fit, TC.
 */
static void
put_additional(struct response *r, const struct rrset *set,
               const struct znode *cut)
{
	static const uint16_t types[2] = {T_A, T_AAAA};

	for (uint16_t i = 0; i < set->nadd; i++) {
		const struct znode *n = set->add[i];
		for (int t = 0; t < 2; t++) {
			const struct rrset *a = znode_rrset(n, types[t]);
			if (a == NULL)
				continue;
			struct wmark m = wbuf_mark(&r->w);
			uint16_t ar = r->ar;
			put_rrset(r, n->name, n->namelen, a, a->ttl, &r->ar);
			if (r->signer != NULL && a->sig != NULL)
				put_rrset(r, n->name, n->namelen, a->sig,
				          a->ttl, &r->ar);
			if (!r->w.full)
				continue;
			wbuf_rollback(&r->w, m);
			r->ar = ar;
			if (cut != NULL && n->cut == cut)
				r->tc = true;
			return;
		}
	}
}

static void
put_soa(struct response *r, const struct zone *z)
{
	put_section(r, z->apex, z->apexlen, z->soa, z->neg_ttl, &r->ns);
}

/*
 * NODATA's proof for `qtype` in a signed answer (RFC 9824 §3.1): the
 * name's own NSEC, made at load.  Made now instead for a name made from a
 * wildcard (`wild`, the name asked in `name`), with the wildcard's types,
 * and for a geo name's A or AAAA, which are NODATA only for the clients
 * whose edges have no address of the family: its bit map leaves it out.
 */
static void
put_nodata_proof(struct response *r, const struct znode *node,
                 const struct owner *o, const struct wname *name, bool wild,
                 uint16_t qtype, uint16_t *count)
{
	bool addr = qtype == T_A || qtype == T_AAAA;
	uint16_t types[14];
	unsigned n = 0;

	if (r->signer == NULL || r->tc)
		return;
	if (!wild && !(node->geo != NULL && addr)) {
		if (node->nsec != NULL)
			put_section(r, o->name, o->len, node->nsec,
			            node->nsec->ttl, count);
		return;
	}
	if (node->geo != NULL) {
		if (qtype != T_A)
			types[n++] = T_A;
		if (qtype != T_AAAA)
			types[n++] = T_AAAA;
	}
	for (uint16_t i = 0; i < node->nrrsets && n < 14; i++)
		types[n++] = node->rrsets[i].type;
	if (!answer_sign_denial(r, r->signer, r->sigcache, name->key, name->len,
	                        name->keyhash, types, n, r->now, count))
		r->tc = true;
}

/* ---- the walk ----------------------------------------------------------- */

/*
 * RFC 1034 §4.3.2 step 3b.  A signed answer adds the cut's DS and its
 * RRSIGs, or the NSEC that proves there is none (RFC 4035 §3.1.4).
 */
static void
referral(struct response *r, const struct znode *cut)
{
	const struct rrset *ns = znode_rrset(cut, T_NS);

	r->aa = false; /* not authoritative */
	put_section(r, cut->name, cut->namelen, ns, ns->ttl, &r->ns);
	if (r->signer != NULL && !r->tc) {
		const struct rrset *ds = znode_rrset(cut, T_DS);
		if (ds == NULL)
			ds = cut->nsec;
		if (ds != NULL)
			put_section(r, cut->name, cut->namelen, ds, ds->ttl,
			            &r->ns);
	}
	if (!r->tc)
		put_additional(r, ns, cut);
}

/* Records of `node` for the question, under `o` (qname or a target, in
 * `name`), `wild` if the node is the wildcard that made the name. */
static void
answer_node(struct response *r, const struct znode *node, const struct owner *o,
            const struct wname *name, bool wild, uint16_t qtype, bool tcp)
{
	if (qtype == T_ANY) {
		/*
		 * RFC 8482 §4.1: over UDP answer with one RRset rather than
		 * all of them (amplification); TCP gets everything.
		 */
		uint16_t n = tcp ? node->nrrsets : (node->nrrsets ? 1 : 0);
		for (uint16_t i = 0; i < n && !r->tc; i++) {
			if (wild)
				put_expanded(r, o->name, o->len, name,
				             &node->rrsets[i], &r->an);
			else
				put_section(r, o->name, o->len,
				            &node->rrsets[i],
				            node->rrsets[i].ttl, &r->an);
		}
		return;
	}
	const struct rrset *set = znode_rrset(node, qtype);
	if (wild)
		put_expanded(r, o->name, o->len, name, set, &r->an);
	else
		put_section(r, o->name, o->len, set, set->ttl, &r->an);
	if (!r->tc && set->nadd > 0)
		put_additional(r, set, NULL);
}

/*
 * A question for NSEC or RRSIG at a name of a signed zone (`wild`: made
 * from wildcard `node`): the name's NSEC, or every RRSIG at the name (each
 * RRset's, and the NSEC's), as BIND and Knot answer; a NODATA would deny
 * what the NSEC's bit map lists.
 */
static void
answer_dnssec_type(struct response *r, const struct znode *node,
                   const struct owner *o, const struct wname *name, bool wild,
                   uint16_t qtype)
{
	if (qtype == T_NSEC) {
		put_nodata_proof(r, node, o, name, wild, qtype, &r->an);
		return;
	}
	for (uint16_t i = 0; i < node->nrrsets && !r->tc; i++) {
		const struct rrset *set = &node->rrsets[i];
		if (wild) {
			struct online_set s = expanded(name, set);
			r->tc = !answer_sign_put(r, r->signer, r->sigcache, &s,
			                         r->now, &r->an);
		} else if (set->sig != NULL) {
			put_rrset(r, o->name, o->len, set->sig, set->ttl,
			          &r->an);
			r->tc = r->w.full;
		}
	}
	if (!r->tc && !wild && node->nsec != NULL)
		put_rrset(r, o->name, o->len, node->nsec->sig, node->nsec->ttl,
		          &r->an);
	r->tc = r->tc || r->w.full;
}

/*
 * DNAME substitution (RFC 6672 §3.1): the DNAME itself, then a CNAME from
 * the name to the name with the DNAME owner replaced by its target.  On
 * success *o becomes the new name (in r->synth) and returns 0; -1 ends
 * the walk.
 */
static int
dname_synth(struct response *r, const struct znode *dn, struct owner *o)
{
	const struct rrset *set = znode_rrset(dn, T_DNAME);
	size_t prefix = o->len - dn->namelen;

	put_section(r, dn->name, dn->namelen, set, set->ttl, &r->an);
	if (r->tc || r->nsynth == RESPONSE_CHAIN_MAX || set->target == NULL)
		return -1;
	if (prefix + set->targetlen > WIRE_NAME_MAX) {
		r->rcode = RC_YXDOMAIN; /* §2.2: the result would be too long */
		return -1;
	}
	uint8_t *s = r->synth[r->nsynth++];
	memcpy(s, o->name, prefix);
	memcpy(s + prefix, set->target, set->targetlen);
	size_t len = prefix + set->targetlen;

	/* the synthesized CNAME carries the DNAME's TTL (§3.1) */
	struct wbuf *w = &r->w;
	wbuf_put_name(w, o->name, o->len, true);
	wbuf_put_u16(w, T_CNAME);
	wbuf_put_u16(w, C_IN);
	wbuf_put_u32(w, set->ttl);
	size_t at = w->len;
	wbuf_put_u16(w, 0);
	int off = wbuf_put_name(w, s, len, true);
	if (w->full) {
		r->tc = true;
		return -1;
	}
	wbuf_set_u16(w, at, (uint16_t)(w->len - at - 2));
	r->an++;
	o->name = s;
	o->len = len;
	o->off = off;
	return 0;
}

/*
 * The RRSIGs of a geo answer: signed at load for the answers the map gives
 * with every edge up, else on first use (answer_sign.h).  Returns false
 * (and sets TC) if they do not fit.
 */
static bool
sign_geo(struct response *r, const struct geo_name *g,
         const struct geo_picked *p, int family, const struct wname *name)
{
	uint8_t rdata[GEO_MAX_RANK * EDGE_ADDR_MAX * (2 + 16)];
	struct online_set s;

	if (!answer_sign_geo_set(g, p, family, name->key, name->len,
	                         name->keyhash, rdata, sizeof(rdata), &s) ||
	    !answer_sign_put(r, r->signer, r->sigcache, &s, r->now, &r->an)) {
		r->tc = true;
		return false;
	}
	return true;
}

/*
 * A geo name: every address of the edges the client gets (geo_answer.h).
 * Returns false when no edge has an address of the asked family (NODATA).
 */
static bool
answer_geo(struct response *r, const struct geo_name *g, const struct owner *o,
           const struct wname *name, struct query *q, const struct steer *steer)
{
	static const int family[2] = {AF_INET, AF_INET6};
	uint16_t qtype = q->qtype;
	bool any = false;

	/* Other types are NODATA for everyone: no client lookup, scope 0. */
	if (qtype != T_A && qtype != T_AAAA && qtype != T_ANY)
		return false;
	geo_answer_choose(g, query_client(q), &r->trace);
	r->geo = g;
	r->ecs_scope = (uint8_t)r->trace.scope;
	for (int pass = 0; pass < 2; pass++) {
		/* ANY: A, then (over TCP) AAAA as well (RFC 8482 §4.1) */
		uint16_t type = pass == 0 ? T_A : T_AAAA;
		if (qtype != T_ANY && qtype != type)
			continue;
		if (qtype == T_ANY && pass == 1 && !q->tcp && any)
			break; /* UDP: one RRset, the A, if there is one */
		const struct geo_picked *p =
		    geo_answer_pick(g, family[pass], steer, &r->trace);
		/* Spreading a tier may narrow the scope. */
		r->ecs_scope = (uint8_t)r->trace.scope;
		if (p->res == GEO_PICK_SERVFAIL) {
			r->rcode = RC_SERVFAIL; /* the all-down policy */
			return true;
		}
		size_t size = geo_answer_size(p, family[pass]);
		if (size == 0)
			continue;
		/* The owner stands in the packet already (the question or a
		 * chain's target), well within a pointer's reach. */
		if (o->off < 0 || !wbuf_room(&r->w, size)) {
			r->tc = true;
			return true;
		}
		r->an += (uint16_t)geo_answer_put(
		    r->w.buf + r->w.len, g, p, family[pass], (uint16_t)o->off);
		r->w.len += size;
		any = any || p->n > 0;
		if (r->signer != NULL && !sign_geo(r, g, p, family[pass], name))
			return true;
	}
	return any;
}

/*
 * `name` does not exist: NXDOMAIN with the SOA.  A signed answer is compact
 * denial (RFC 9824 §3.2): NOERROR, unless the client set CO (§4), and an
 * NSEC at the name with NXNAME in its bit map.
 */
static void
nxdomain(struct response *r, const struct zone *z, const struct wname *name)
{
	static const uint16_t nxname = T_NXNAME;

	r->rcode = RC_NXDOMAIN;
	r->nxname = true;
	put_soa(r, z);
	if (r->signer == NULL || r->tc)
		return;
	if (!r->compact_ok)
		r->rcode = RC_NOERROR;
	if (!answer_sign_denial(r, r->signer, r->sigcache, name->key, name->len,
	                        name->keyhash, &nxname, 1, r->now, &r->ns))
		r->tc = true;
}

/*
 * The node that answers `name` in `z`, or the cut or DNAME that takes it
 * elsewhere (*cut), or neither: NXDOMAIN (written here).  DS at a cut is
 * answered by the cut's own node (RFC 4035 §3.1.4.1).
 */
static const struct znode *
find(struct response *r, const struct zone *z, const struct wname *name,
     uint16_t qtype, unsigned link, const struct znode **cut)
{
	const struct znode *node = zone_find_node(z, name, 0);

	*cut = NULL;
	if (node != NULL && (node->flags & ZN_OCCLUDED)) {
		*cut = node->cut;
		return NULL;
	}
	if (node != NULL) {
		if ((node->flags & ZN_DELEG) && !(qtype == T_DS && link == 0)) {
			*cut = node; /* the cut itself: refer, except for DS */
			return NULL;
		}
		return node;
	}
	/* Closest encloser (RFC 4592 §3.3.1); empty non-terminals are
	 * nodes, and the apex always is one. */
	const struct znode *ce = NULL;
	for (unsigned i = 1; ce == NULL && i <= name->nlabels; i++)
		ce = zone_find_node(z, name, i);
	if (ce == NULL) {
		r->rcode = RC_SERVFAIL; /* cannot happen */
		return NULL;
	}
	if (ce->flags & ZN_OCCLUDED)
		*cut = ce->cut;
	else if (ce->flags & (ZN_DELEG | ZN_DNAME))
		*cut = ce;
	else if (ce->wild != NULL) {
		r->wild = true;
		return ce->wild; /* RFC 4592 §3.3.3 */
	} else {
		nxdomain(r, z, name);
	}
	return NULL;
}

/* The zone for the question; DS lives at the parent side of a cut (RFC
 * 4035 §3.1.4.1), so DS at a zone's apex goes to the parent if we serve
 * it. */
static const struct zone *
zone_of(const struct zonedb *db, const struct wname *qname, uint16_t qtype,
        unsigned *zl)
{
	unsigned pl;
	const struct zone *z = zonedb_find_zone(db, qname, 0, zl);

	if (z != NULL && qtype == T_DS && *zl == 0 && qname->nlabels > 0) {
		const struct zone *parent = zonedb_find_zone(db, qname, 1, &pl);
		if (parent != NULL) {
			*zl = pl;
			return parent;
		}
	}
	return z;
}

void
zone_walk(struct response *r, const struct zonedb *db, struct query *q,
          const struct steer *steer)
{
	uint16_t qtype = q->qtype;
	struct wname tmp;
	const struct wname *name = &q->qname;
	struct owner o = {q->qname.raw, q->qname.len, WIRE_HDR_LEN};

	unsigned zl = 0;

	wname_hash(&q->qname);
	const struct zone *z = zone_of(db, name, qtype, &zl);
	if (z == NULL) {
		r->rcode = RC_REFUSED;
		return;
	}
	r->zone_about = name->hash[zl];
	r->aa = true;
	if (r->dnssec && z->keys != NULL) {
		r->signer = z;
		r->sigcache = db->sigcache;
	}
	for (unsigned link = 0; link <= RESPONSE_CHAIN_MAX && !r->tc; link++) {
		const struct znode *cut;
		bool wild_before = r->wild;
		r->wild = false;
		const struct znode *hit = find(r, z, name, qtype, link, &cut);
		bool wild = r->wild; /* this link's name came from a wildcard */
		r->wild = wild_before || wild;

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
			if (dname_synth(r, cut, &o) == -1 ||
			    wname_from_wire(&tmp, o.name, o.len) == -1)
				return;
			name = &tmp;
		} else if (hit == NULL) {
			return; /* NXDOMAIN, written by find() */
		} else if ((qtype == T_NSEC || qtype == T_RRSIG) &&
		           r->signer != NULL && (hit->nsec != NULL || wild)) {
			/* At a CNAME too: the only types a CNAME allows
			 * beside it.  A geo name's RRSIGs depend on the
			 * client: only its NSEC's are given. */
			answer_dnssec_type(r, hit, &o, name, wild, qtype);
			return;
		} else if (hit->geo != NULL) {
			if (!answer_geo(r, hit->geo, &o, name, q, steer)) {
				put_soa(r, z); /* NODATA: no such address */
				put_nodata_proof(r, hit, &o, name, wild, qtype,
				                 &r->ns);
			}
			return;
		} else if (qtype != T_CNAME && qtype != T_ANY &&
		           (hit->flags & ZN_CNAME)) {
			/* RFC 1034 §4.3.2 step 3a: restart at the target */
			const struct rrset *cn = znode_rrset(hit, T_CNAME);
			int off = wild ? put_expanded(r, o.name, o.len, name,
			                              cn, &r->an)
			               : put_section(r, o.name, o.len, cn,
			                             cn->ttl, &r->an);
			if (cn->target == NULL ||
			    wname_from_wire(&tmp, cn->target, cn->targetlen) ==
			        -1)
				return;
			o.name = cn->target;
			o.len = cn->targetlen;
			o.off = off;
			name = &tmp;
		} else if (qtype == T_ANY ? hit->nrrsets > 0
		                          : znode_rrset(hit, qtype) != NULL) {
			answer_node(r, hit, &o, name, wild, qtype, q->tcp);
			return;
		} else {
			put_soa(r, z); /* NODATA (RFC 2308 §2.2) */
			put_nodata_proof(r, hit, &o, name, wild, qtype, &r->ns);
			return;
		}
		/* Follow the chain only inside this zone (as Knot does). */
		unsigned tl;
		if (zonedb_find_zone(db, name, 0, &tl) != z)
			return;
	}
}
