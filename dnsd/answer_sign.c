/* SPDX-License-Identifier: MIT */
/* dnsd/answer_sign.c: signatures made on the answer path, through the
 * signature cache. */
/* HOT PATH: see STYLE.md B5 */
#include "dnsd/answer_sign.h"

#include <string.h>
#include <sys/socket.h>

#include "common/edges.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/response.h"
#include "dnsd/rrsig.h"
#include "dnsd/wire.h"
#include "dnsd/zone_sign.h"
#include "dnsd/zonedb.h"

/* RFC 4034 §3.1.5 allows clock skew; an hour back covers the usual. */
#define SIGN_BACKDATE 3600

uint64_t
answer_sign_rr_hash(const uint8_t *rdata, size_t len)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ len;
	uint64_t w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, rdata + i, 8);
		h = wire_key_mix(h, w);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, rdata + i, len - i);
		h = wire_key_mix(h, w);
	}
	return wire_key_mix(h, 0x5851F42D4C957F2Dull);
}

uint64_t
answer_sign_content(const uint8_t *rdata, size_t len, uint16_t count)
{
	uint64_t sum = 0;
	size_t o = 0;

	for (uint16_t i = 0; i < count && o + 2 <= len; i++) {
		size_t rdlen = (size_t)rdata[o] << 8 | rdata[o + 1];
		if (o + 2 + rdlen > len)
			break;
		sum += answer_sign_rr_hash(rdata + o + 2, rdlen);
		o += 2 + rdlen;
	}
	return sum;
}

unsigned
answer_sign_make(const struct zone *z, const struct online_set *s, uint32_t now,
                 struct sigcache_sig out[SIGCACHE_SIGS])
{
	const struct zone_keys *keys = z->keys;
	uint8_t rd[RRSIG_RDATA_MAX];
	struct rrsig_set set = {
	    .owner = s->owner,
	    .ownerlen = s->ownerlen,
	    .type = s->type,
	    .ttl = s->ttl,
	    .count = s->count,
	    .rdata = s->rdata,
	    .rdata_len = s->rdata_len,
	};
	unsigned n = 0;

	for (unsigned i = 0; i < keys->nzsk && n < SIGCACHE_SIGS; i++) {
		size_t len = rrsig_make(&keys->key[keys->zsk[i]], &set, z->apex,
		                        z->apexlen, now - SIGN_BACKDATE,
		                        now + keys->validity, rd, sizeof(rd));
		if (len < RRSIG_HEAD_LEN + RRSIG_SIG_LEN)
			return 0;
		memcpy(out[n].head, rd, RRSIG_HEAD_LEN);
		memcpy(out[n].sig, rd + len - RRSIG_SIG_LEN, RRSIG_SIG_LEN);
		n++;
	}
	return n;
}

bool
answer_sign_put(struct response *r, const struct zone *z,
                struct sigcache *cache, const struct online_set *s,
                uint32_t now, uint16_t *count)
{
	struct sigcache_key k = {s->owner_hash, s->content, s->type};
	struct sigcache_sig sig[SIGCACHE_SIGS];
	struct wbuf *w = &r->w;
	unsigned n = cache != NULL ? sigcache_get(cache, &k, sig) : 0;

	if (n > 0)
		r->sig_cached++;
	else {
		n = answer_sign_make(z, s, now, sig);
		if (n == 0)
			return false;
		r->signed_online++;
		if (cache != NULL)
			sigcache_put(cache, &k, sig, n);
	}
	for (unsigned i = 0; i < n; i++) {
		wbuf_put_name(w, s->owner, s->ownerlen, true);
		wbuf_put_u16(w, T_RRSIG);
		wbuf_put_u16(w, C_IN);
		wbuf_put_u32(w, s->ttl);
		wbuf_put_u16(
		    w, (uint16_t)(RRSIG_HEAD_LEN + z->apexlen + RRSIG_SIG_LEN));
		wbuf_put(w, sig[i].head, RRSIG_HEAD_LEN);
		wbuf_put(w, z->apex, z->apexlen); /* never compressed */
		wbuf_put(w, sig[i].sig, RRSIG_SIG_LEN);
	}
	if (w->full)
		return false;
	*count += (uint16_t)n;
	return true;
}

bool
answer_sign_denial(struct response *r, const struct zone *z,
                   struct sigcache *cache, const uint8_t *name, size_t namelen,
                   uint64_t hash, const uint16_t *types, unsigned ntypes,
                   uint32_t now, uint16_t *count)
{
	uint16_t all[16];
	uint8_t rd[2 + 2 + WIRE_NAME_MAX + 64];
	size_t o = 2, n = 0;
	struct wbuf *w = &r->w;

	for (unsigned i = 0; i < ntypes && n < 14; i++)
		all[n++] = types[i];
	all[n++] = T_RRSIG;
	all[n++] = T_NSEC;
	/* The next name: the name's immediate successor, \000.<name>
	 * (RFC 4471 §3.1.2), or the name itself where that is too long. */
	if (namelen + 2 <= WIRE_NAME_MAX) {
		rd[o++] = 1;
		rd[o++] = 0;
	}
	memcpy(rd + o, name, namelen);
	o += namelen;
	size_t bl = nsec_bitmap(all, n, rd + o, sizeof(rd) - o);
	if (bl == 0)
		return false;
	o += bl;
	rd[0] = (uint8_t)((o - 2) >> 8);
	rd[1] = (uint8_t)(o - 2);
	struct online_set s = {
	    .owner = name,
	    .ownerlen = namelen,
	    .owner_hash = hash,
	    .type = T_NSEC,
	    .ttl = z->neg_ttl,
	    .count = 1,
	    .rdata = rd,
	    .rdata_len = o,
	};
	s.content = answer_sign_content(rd, o, 1);
	/* The RDATA is written as octets: its name is neither compressed
	 * (RFC 3597 §4) nor remembered (it lives on this stack). */
	wbuf_put_name(w, name, namelen, true);
	wbuf_put_u16(w, T_NSEC);
	wbuf_put_u16(w, C_IN);
	wbuf_put_u32(w, s.ttl);
	wbuf_put(w, rd, o);
	if (w->full)
		return false;
	(*count)++;
	return answer_sign_put(r, z, cache, &s, now, count);
}

uint64_t
answer_sign_geo_content(const struct geo_name *g, const struct geo_picked *p,
                        int family)
{
	bool v4 = family == AF_INET;
	uint64_t sum = 0;

	for (unsigned i = 0; i < p->n; i++) {
		const struct edge *e = &g->edges->edge[p->edge[i]];
		unsigned naddr = v4 ? e->nv4 : e->nv6;
		for (unsigned k = 0; k < naddr; k++)
			sum += v4 ? answer_sign_rr_hash(e->v4[k], 4)
			          : answer_sign_rr_hash(e->v6[k], 16);
	}
	return sum;
}

bool
answer_sign_geo_set(const struct geo_name *g, const struct geo_picked *p,
                    int family, const uint8_t *owner, size_t ownerlen,
                    uint64_t owner_hash, uint8_t *buf, size_t cap,
                    struct online_set *out)
{
	bool v4 = family == AF_INET;
	size_t alen = v4 ? 4 : 16, o = 0;
	uint16_t count = 0;

	for (unsigned i = 0; i < p->n; i++) {
		const struct edge *e = &g->edges->edge[p->edge[i]];
		unsigned naddr = v4 ? e->nv4 : e->nv6;
		for (unsigned k = 0; k < naddr; k++) {
			if (o + 2 + alen > cap)
				return false;
			buf[o++] = 0;
			buf[o++] = (uint8_t)alen;
			memcpy(buf + o, v4 ? e->v4[k] : e->v6[k], alen);
			o += alen;
			count++;
		}
	}
	*out = (struct online_set){
	    .owner = owner,
	    .ownerlen = ownerlen,
	    .owner_hash = owner_hash,
	    .type = v4 ? T_A : T_AAAA,
	    .ttl = g->ttl,
	    .count = count,
	    .rdata = buf,
	    .rdata_len = o,
	    .content = answer_sign_geo_content(g, p, family),
	};
	return true;
}
