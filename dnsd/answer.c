/* SPDX-License-Identifier: MIT */
/* dnsd/answer.c: one query in, one response out (RFC 1034 §4.3.2). */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/answer.h"

#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/compiler.h"
#include "dnsd/chaos.h"
#include "dnsd/conf.h"
#include "dnsd/answer_sign.h"
#include "dnsd/cookie.h"
#include "dnsd/edns.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/prebuilt.h"
#include "dnsd/response.h"
#include "dnsd/sample.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"
#include "dnsd/zone_walk.h"
#include "dnsd/zonedb.h"

static inline void
set_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Is this a UDP answer capped by max_nocookie_response: the client sent no
 * valid cookie, and may take more than the cap?
 */
static bool
nocookie_capped(const struct snapshot *snap, const struct query *q,
                size_t limit)
{
	unsigned cap = snap->conf->cookies.max_nocookie_response;

	return cap != 0 && !q->tcp &&
	       q->edns.cookie_state != EDNS_COOKIE_VALID && limit > cap;
}

/* RFC 6891 §6.2.5: what the client takes, never above what we offer. */
static size_t
payload_limit(const struct snapshot *snap, const struct query *q)
{
	size_t limit = 512;

	if (q->tcp)
		return ANSWER_TCP_MAX;
	if (q->edns.present) {
		limit = q->edns.udp_size;
		if (limit > snap->conf->udp_payload)
			limit = snap->conf->udp_payload;
	}
	return limit;
}

/* The size a response may take: the payload limit, and
 * max_nocookie_response for UDP clients without a valid cookie. */
static size_t
size_limit(const struct snapshot *snap, const struct query *q, size_t respcap)
{
	size_t limit = payload_limit(snap, q);

	if (unlikely(nocookie_capped(snap, q, limit)))
		limit = snap->conf->cookies.max_nocookie_response;
	return limit < respcap ? limit : respcap;
}

/* What an answer for the question's name and type is about (query.h). */
static inline uint64_t
name_about(const struct query *q)
{
	return q->qname.keyhash ^ (uint64_t)q->qtype << 48;
}

/*
 * The full path's kind of response (query.h): NXDOMAIN, wildcards and
 * referrals count per zone, so that random names cannot dodge the limit.
 */
static void
classify(struct query *q, const struct response *r)
{
	q->about = r->zone_about;
	if (r->rcode == RC_NXDOMAIN || r->nxname)
		q->kind = QUERY_KIND_NXDOMAIN;
	else if (r->rcode != RC_NOERROR) {
		q->kind = QUERY_KIND_ERROR;
		q->about = 0;
	} else if (r->wild)
		q->kind = QUERY_KIND_WILDCARD;
	else if (r->an == 0 && !r->aa && r->ns > 0)
		q->kind = QUERY_KIND_REFERRAL;
	else {
		q->kind = r->an > 0 ? QUERY_KIND_ANSWER : QUERY_KIND_NODATA;
		q->about = name_about(q);
	}
}

/* The NSID we send (RFC 5001): the identity, if one is configured. */
static inline unsigned
nsid_len(const struct snapshot *snap)
{
	return snap->id_txt_len ? snap->id_txt_len - 1 : 0;
}

/*
 * The geo counters: the edges a family answered with, in row `row` (the
 * geo name's index in the zonedb); beyond the caps, in geo_dropped.
 */
static void
count_geo_edges(struct dnsd_stats *st, int row, const struct geo_picked *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		if ((unsigned)row < STATS_GEO_NAMES &&
		    p->edge[i] < STATS_GEO_EDGES)
			st->geo_edge[row][p->edge[i]]++;
		else
			st->geo_dropped++;
	}
}

/* Why a geo answer went as it did: the rule, or all_down if the policy
 * answered for a family. */
static void
count_geo_reason(struct dnsd_stats *st, int row, const struct geo_trace *t)
{
	enum stats_geo_reason why = (enum stats_geo_reason)t->choice->rule;

	for (unsigned f = 0; f < 2; f++) {
		enum geo_pick res = t->picked[f].res;
		if ((t->families & (1u << f)) &&
		    (res == GEO_PICK_ALL_DOWN || res == GEO_PICK_SERVFAIL))
			why = STATS_GEO_ALL_DOWN;
	}
	if ((unsigned)row < STATS_GEO_NAMES)
		st->geo_reason[row][why]++;
	else
		st->geo_dropped++;
}

/*
 * What-if's sample (sample.h): 1 geo answer in server.sample leaves the
 * name and the client it was decided for in the thread's ring.  The rest
 * cost a decrement.
 */
static inline void
sample_geo(struct sample *smp, const struct snapshot *snap, int row,
           const struct geo_trace *t)
{
	if (smp != NULL && unlikely(sample_due(smp, snap->conf->sample)))
		sample_put(smp, snap->generation, row, t->client);
}

static void
count_edns(struct dnsd_stats *st, const struct edns *e)
{
	if (e->present) {
		st->edns++;
		st->dnssec_do += e->do_bit;
		if (e->ecs)
			st->ecs++;
	}
}

/* ---- compiled answers -----------------------------------------------------
 */

/*
 * The RRSIGs of a compiled geo answer (`p` for `family`, written for the
 * question's name) from the zone's signature cache, at out[0..room).
 * Returns their length, or 0 when they are not cached or do not fit: the
 * full path then signs them (and caches them for the next query).
 */
static size_t
put_geo_sigs(const struct snapshot *snap, const struct prebuilt_entry *e,
             const struct query *q, const struct geo_picked *p, int family,
             uint8_t *out, size_t room, uint16_t *count)
{
	const struct zone *z = e->signer;
	struct sigcache_key k = {q->qname.keyhash,
	                         answer_sign_geo_content(e->geo, p, family),
	                         q->qtype};
	struct sigcache_sig sig[SIGCACHE_SIGS];
	unsigned n = sigcache_get(snap->db->sigcache, &k, sig);
	size_t rdlen = RRSIG_HEAD_LEN + z->apexlen + RRSIG_SIG_LEN;
	size_t o = 0;

	if (n == 0 || n * (12 + rdlen) > room)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		/* The owner: a pointer to the question's name. */
		out[o++] = 0xC0;
		out[o++] = WIRE_HDR_LEN;
		set_u16(out + o, T_RRSIG);
		set_u16(out + o + 2, C_IN);
		out[o + 4] = (uint8_t)(e->geo->ttl >> 24);
		out[o + 5] = (uint8_t)(e->geo->ttl >> 16);
		out[o + 6] = (uint8_t)(e->geo->ttl >> 8);
		out[o + 7] = (uint8_t)e->geo->ttl;
		set_u16(out + o + 8, (uint16_t)rdlen);
		o += 10;
		memcpy(out + o, sig[i].head, RRSIG_HEAD_LEN);
		memcpy(out + o + RRSIG_HEAD_LEN, z->apex, z->apexlen);
		memcpy(out + o + RRSIG_HEAD_LEN + z->apexlen, sig[i].sig,
		       RRSIG_SIG_LEN);
		o += rdlen;
	}
	*count += (uint16_t)n;
	return o;
}

/*
 * The compiled response for a plain question (class IN, a good query with
 * EDNS version 0 if any), or NULL: the full path takes it.
 */
static const struct prebuilt_entry *
compiled_find(const struct snapshot *snap, const struct query *q)
{
	if (snap->prebuilt == NULL || q->verdict != QUERY_ANSWER ||
	    q->rcode != RC_NOERROR || q->qclass != C_IN || q->edns.version != 0)
		return NULL;
	const struct wname *n = &q->qname;
	return prebuilt_find(snap->prebuilt, n->key, n->len, q->qtype,
	                     prebuilt_hash(n->keyhash, q->qtype));
}

/*
 * Answer from compiled entry `e` if the whole response fits; returns its
 * length, or 0 having counted nothing, to leave the query to the full
 * path (which truncates).  The octets are the full path's (test_prebuilt.c
 * checks): the question echoed at offset 12, then the compiled sections
 * or, for a geo name, its records for this client.
 */
static size_t
answer_compiled(const struct serving *sv, struct query *q,
                const struct prebuilt_entry *e, uint8_t *resp, size_t respcap,
                struct dnsd_stats *st, struct sample *smp)
{
	const struct snapshot *snap = sv->snap;
	const struct edns *edns = &q->edns;
	size_t qend = WIRE_HDR_LEN + q->qname.len + 4u;
	size_t limit = size_limit(snap, q, respcap);
	size_t optlen = edns->present ? edns_opt_len(edns, nsid_len(snap)) : 0;
	size_t len = qend;
	bool dnssec = e->signer != NULL && edns->do_bit;
	const uint8_t *tail = dnssec ? e->tail_do : e->tail;
	uint16_t taillen = dnssec ? e->taillen_do : e->taillen;
	uint16_t an = dnssec ? e->an_do : e->an;
	uint16_t ns = dnssec ? e->ns_do : e->ns;
	uint16_t ar = dnssec ? e->ar_do : e->ar;
	struct geo_trace t;
	const struct geo_picked *p = NULL;

	if (e->geo == NULL) {
		if (tail == NULL || qend + taillen + optlen > limit)
			return 0; /* the full path answers (or truncates) */
		memcpy(resp + qend, tail, taillen);
		len += taillen;
	} else {
		int family = q->qtype == T_A ? AF_INET : AF_INET6;
		geo_answer_choose(e->geo, query_client(q), &t);
		p = geo_answer_pick(e->geo, family, sv->steer, &t);
		if (p->n == 0)
			return 0; /* NODATA or SERVFAIL: the full path's SOA */
		size_t size = geo_answer_size(p, family);
		if (qend + size + optlen > limit)
			return 0;
		an = (uint16_t)geo_answer_put(resp + qend, e->geo, p, family,
		                              WIRE_HDR_LEN);
		len += size;
		if (dnssec) {
			size_t sl =
			    put_geo_sigs(snap, e, q, p, family, resp + len,
			                 limit - optlen - len, &an);
			if (sl == 0)
				return 0;
			len += sl;
			st->sig_cached++;
		}
	}
	/* Header and question as sent (the header is rewritten below); a
	 * compressed question is echoed whole, as the full path does. */
	if (q->qname.raw == q->pkt + WIRE_HDR_LEN) {
		memcpy(resp, q->pkt, qend);
	} else {
		memcpy(resp, q->pkt, WIRE_HDR_LEN);
		memcpy(resp + WIRE_HDR_LEN, q->qname.raw, q->qname.len);
		set_u16(resp + qend - 4, q->qtype);
		set_u16(resp + qend - 2, C_IN);
	}
	if (edns->present) {
		len += edns_put_opt(
		    resp + len, edns, (uint16_t)snap->conf->udp_payload,
		    RC_NOERROR, p != NULL ? (uint8_t)t.scope : 0,
		    snap->id_txt + 1, nsid_len(snap));
		ar++;
	}
	set_u16(resp + 2,
	        (uint16_t)(F_QR | (q->flags & (F_RD | F_CD)) | e->flags));
	set_u16(resp + 6, an);
	set_u16(resp + 8, ns);
	set_u16(resp + 10, ar);
	q->kind = an > 0 ? QUERY_KIND_ANSWER : QUERY_KIND_NODATA;
	q->about = name_about(q);
	if (p != NULL) {
		count_geo_edges(st, e->geo->row, p);
		count_geo_reason(st, e->geo->row, &t);
		sample_geo(smp, snap, e->geo->row, &t);
	}
	count_edns(st, edns);
	st->qtype[stats_qtype(q->qtype)]++;
	st->rcode[RC_NOERROR]++;
	st->prebuilt++;
	return len;
}

/* ---- the full path --------------------------------------------------------
 */

/* Any message: the zone walk, CHAOS, or an error; then header and OPT. */
static size_t
answer_full(const struct serving *sv, struct query *q, uint8_t *resp,
            size_t respcap, struct dnsd_stats *st, struct sample *smp,
            uint32_t now)
{
	const struct snapshot *snap = sv->snap;
	struct response r;
	size_t limit = size_limit(snap, q, respcap);
	size_t optlen =
	    q->edns.present ? edns_opt_len(&q->edns, nsid_len(snap)) : 0;

	if (q->have_question)
		st->qtype[stats_qtype(q->qtype)]++;
	count_edns(st, &q->edns);
	response_start(&r, resp, limit - optlen, q);
	r.rcode = q->rcode;
	r.dnssec = q->edns.present && q->edns.do_bit;
	r.compact_ok = q->edns.co_bit;
	r.now = now;
	if (r.rcode == RC_NOERROR && q->edns.version != 0) {
		r.rcode = RC_BADVERS; /* RFC 6891 §6.1.3 */
	} else if (r.rcode == RC_NOERROR) {
		switch (q->qtype) {
		case T_OPT:
			r.rcode = RC_FORMERR; /* a pseudo-type, never asked */
			break;
		case T_AXFR:
		case T_IXFR:
			r.rcode = RC_REFUSED; /* zone transfer: not offered */
			break;
		case T_TKEY:
		case T_TSIG:
			r.rcode = RC_NOTIMP;
			break;
		case T_NXNAME:
			r.rcode = RC_FORMERR; /* RFC 9824 §3.5: never asked */
			break;
		default:
			if (q->qclass == C_IN)
				zone_walk(&r, snap->db, q, sv->steer);
			else if (q->qclass == C_CH)
				chaos_answer(&r, snap, q);
			else
				r.rcode = RC_REFUSED;
			break;
		}
	}
	if (r.geo != NULL) {
		for (unsigned f = 0; f < 2; f++)
			if (r.trace.families & (1u << f))
				count_geo_edges(st, r.geo->row,
				                &r.trace.picked[f]);
		count_geo_reason(st, r.geo->row, &r.trace);
		sample_geo(smp, snap, r.geo->row, &r.trace);
	}
	classify(q, &r);
	st->sig_cached += r.sig_cached;
	st->signed_online += r.signed_online;
	if (r.rcode == RC_SERVFAIL || r.tc) {
		/*
		 * SERVFAIL: nothing but the question, not an answer to cache.
		 * TC (RFC 2181 §9): the client retries over TCP; send the
		 * minimum.
		 */
		wbuf_rollback(&r.w, r.after_question);
		r.an = r.ns = r.ar = 0;
		if (r.rcode == RC_SERVFAIL)
			r.aa = false;
		if (r.tc)
			st->truncated++;
		if (r.tc && nocookie_capped(snap, q, payload_limit(snap, q)))
			st->nocookie_truncated++;
	}
	if (q->edns.present) {
		r.w.cap = limit;
		edns_write_opt(&r.w, &q->edns,
		               (uint16_t)snap->conf->udp_payload, r.rcode,
		               r.ecs_scope, snap->id_txt + 1, nsid_len(snap));
		r.ar++;
	}
	uint16_t flags = F_QR | (uint16_t)(q->flags & (0x7800 | F_RD | F_CD)) |
	                 (uint16_t)(r.rcode & 0xF);
	if (r.aa)
		flags |= F_AA;
	if (r.tc)
		flags |= F_TC;
	set_u16(resp, q->id);
	set_u16(resp + 2, flags);
	set_u16(resp + 4, q->have_question ? 1 : 0);
	set_u16(resp + 6, r.an);
	set_u16(resp + 8, r.ns);
	set_u16(resp + 10, r.ar);
	st->rcode[r.rcode < STATS_RCODES ? r.rcode : 0]++;
	return r.w.len;
}

/* ---- entry points ---------------------------------------------------------
 */

/*
 * Judge the query's cookie (cookie.h), if it sent one and we take them:
 * a server that does not answers as if there were none (RFC 7873 §5.2.1).
 */
static void
judge_cookie(const struct snapshot *snap, struct query *q,
             const struct answer_env *env)
{
	const struct cookie_conf *c = &snap->conf->cookies;
	struct dnsd_stats *st = env->st;

	if (!c->enabled || env->mac == NULL)
		return;
	cookie_judge(env->mac, c, &q->edns, q->from, env->now);
	switch (q->edns.cookie_state) {
	case EDNS_COOKIE_VALID:
		st->cookie_valid++;
		break;
	case EDNS_COOKIE_BAD:
		st->cookie_bad++;
		break;
	default:
		st->cookie_client_only++;
		break;
	}
}

/* answer_query() with the compiled entry already looked up (or NULL). */
static size_t
answer_one(const struct serving *sv, struct query *q,
           const struct prebuilt_entry *e, uint8_t *resp, size_t respcap,
           const struct answer_env *env)
{
	struct dnsd_stats *st = env->st;

	if (q->tcp)
		st->tcp++;
	else
		st->udp++;
	if (q->verdict == QUERY_DROP_SHORT) {
		st->dropped_short++;
		return 0;
	}
	if (q->verdict == QUERY_DROP_QR) {
		st->dropped_qr++;
		return 0;
	}
	if (unlikely(q->edns.cookie != NULL && q->edns.present))
		judge_cookie(sv->snap, q, env);
	if (e != NULL) {
		size_t len =
		    answer_compiled(sv, q, e, resp, respcap, st, env->smp);
		if (len > 0)
			return len;
	}
	return answer_full(sv, q, resp, respcap, st, env->smp, env->now);
}

size_t
answer_query(const struct serving *sv, struct query *q, uint8_t *resp,
             size_t respcap, const struct answer_env *env)
{
	return answer_one(sv, q, compiled_find(sv->snap, q), resp, respcap,
	                  env);
}

size_t
answer_packet(const struct serving *sv, const uint8_t *pkt, size_t len,
              bool tcp, const struct sockaddr *from, uint8_t *resp,
              size_t respcap, struct dnsd_stats *st)
{
	struct query q;
	struct answer_env env = {.st = st, .now = (uint32_t)time(NULL)};

	query_parse(&q, pkt, len, tcp, from);
	return answer_query(sv, &q, resp, respcap, &env);
}

void
answer_batch(const struct serving *sv, struct answer_io *io, unsigned n,
             const struct answer_env *env)
{
	const struct prebuilt_entry *e[ANSWER_BATCH_MAX];
	const struct geo_client *c[ANSWER_BATCH_MAX];
	unsigned ngeo = 0;

	if (n > ANSWER_BATCH_MAX)
		n = ANSWER_BATCH_MAX;
	for (unsigned i = 0; i < n; i++) {
		query_parse(&io[i].q, io[i].pkt, io[i].len, false, io[i].from);
		e[i] = compiled_find(sv->snap, &io[i].q);
		c[i] = e[i] != NULL && e[i]->geo != NULL
		           ? query_client(&io[i].q)
		           : NULL;
		ngeo += c[i] != NULL;
	}
	/*
	 * With the batch parsed, fetch each geo lookup's trie entries a level
	 * at a time for all: a lookup's two or three reads depend on each
	 * other, but those of different queries do not, so their cache
	 * misses overlap instead of coming one after another.  A lone lookup
	 * has nothing to overlap with.
	 */
	for (unsigned level = 0; ngeo > 1 && level < 2; level++)
		for (unsigned i = 0; i < n; i++)
			if (c[i] != NULL)
				geo_map_prefetch(e[i]->geo->map, c[i], level);
	for (unsigned i = 0; i < n; i++)
		io[i].rlen = answer_one(sv, &io[i].q, e[i], io[i].resp,
		                        ANSWER_UDP_MAX, env);
}
