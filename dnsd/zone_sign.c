/* SPDX-License-Identifier: MIT */
/* dnsd/zone_sign.c: a zone's signatures and NSEC records, made at load. */
#include "dnsd/zone_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "dnsd/answer_sign.h"
#include "dnsd/arena.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/rrsig.h"
#include "dnsd/sigcache.h"
#include "dnsd/wire.h"
#include "dnsd/zone_build.h"
#include "dnsd/zonedb.h"

/* RFC 4034 §3.1.5: an hour back covers the usual clock skew. */
#define SIGN_BACKDATE 3600

/* Client hashes tried per choice of a geo map: a tier spread over k
 * edges by weighted hashing gives each of them to some of 64 clients
 * unless its weight is under about 1/64 of the tier's. */
#define PRESIGN_SPREAD 64

static bool
is_sep(const struct dnssec_key *k)
{
	return (k->flags & DNSKEY_FLAG_SEP) != 0;
}

int
zone_keys_roles(struct zone_keys *keys, char *why, size_t whylen)
{
	bool ksk = false, zsk = false;

	for (size_t i = 0; i < keys->n; i++) {
		if (keys->key[i].state != DNSSEC_KEY_ACTIVE)
			continue;
		if (is_sep(&keys->key[i]))
			ksk = true;
		else
			zsk = true;
	}
	if (!ksk && !zsk) {
		snprintf(why, whylen, "no key is active: one must sign");
		return -1;
	}
	bool split = ksk && zsk;
	keys->nzsk = keys->nksk = 0;
	for (size_t i = 0; i < keys->n; i++) {
		const struct dnssec_key *k = &keys->key[i];
		if (k->state != DNSSEC_KEY_ACTIVE)
			continue;
		bool signs_data = !split || !is_sep(k);
		bool signs_keys = !split || is_sep(k);
		if ((signs_data && keys->nzsk == ZONE_SIGNERS) ||
		    (signs_keys && keys->nksk == ZONE_SIGNERS)) {
			snprintf(why, whylen,
			         "more than %d active keys would sign the same "
			         "records: retire one",
			         ZONE_SIGNERS);
			return -1;
		}
		if (signs_data)
			keys->zsk[keys->nzsk++] = (unsigned)i;
		if (signs_keys)
			keys->ksk[keys->nksk++] = (unsigned)i;
	}
	return 0;
}

/* Do the keys split the work between KSKs and ZSKs? */
static bool
keys_split(const struct zone_keys *keys)
{
	return keys->nzsk > 0 && keys->nksk > 0 && keys->zsk[0] != keys->ksk[0];
}

const char *
zone_keys_role(const struct zone_keys *keys, size_t i)
{
	if (!keys_split(keys))
		return "CSK";
	return is_sep(&keys->key[i]) ? "KSK" : "ZSK";
}

bool
zone_keys_at_parent(const struct zone_keys *keys, size_t i)
{
	const struct dnssec_key *k = &keys->key[i];

	if (k->state == DNSSEC_KEY_RETIRE)
		return false;
	if (keys_split(keys))
		return is_sep(k);
	return k->state == DNSSEC_KEY_ACTIVE || is_sep(k);
}

void
zone_keys_free(struct zone_keys *keys)
{
	if (keys == NULL)
		return;
	for (size_t i = 0; i < keys->n; i++)
		dnssec_key_clear(&keys->key[i]);
	free(keys->key);
	free(keys);
}

/* ---- signing ------------------------------------------------------------- */

struct signing {
	const struct zone *z;
	const struct zone_keys *keys;
	struct arena *arena;
	uint32_t inception, expiration;
	struct errbuf *err;
};

/* The RRSIG RRset of `set` owned by `owner`, made by the keys that sign
 * its type, in the arena; NULL with an error if a key failed. */
static const struct rrset *
sign_set(struct signing *sg, const uint8_t *owner, size_t ownerlen,
         const struct rrset *set)
{
	const struct zone_keys *keys = sg->keys;
	bool apex_keys = set->type == T_DNSKEY || set->type == T_CDS ||
	                 set->type == T_CDNSKEY;
	const unsigned *who = apex_keys ? keys->ksk : keys->zsk;
	unsigned n = apex_keys ? keys->nksk : keys->nzsk;
	uint8_t rd[ZONE_SIGNERS][RRSIG_RDATA_MAX];
	size_t len[ZONE_SIGNERS], total = 0;
	struct rrsig_set rs = {owner,      ownerlen,   set->type,     set->ttl,
	                       set->count, set->rdata, set->rdata_len};

	for (unsigned i = 0; i < n; i++) {
		const struct dnssec_key *k = &keys->key[who[i]];
		len[i] = rrsig_make(k, &rs, sg->z->apex, sg->z->apexlen,
		                    sg->inception, sg->expiration, rd[i],
		                    sizeof(rd[i]));
		if (len[i] == 0) {
			char text[1024];
			zone_build_name_text(owner, text, sizeof(text));
			errbuf_add(sg->err, k->path, 0, 0,
			           "%s: cannot sign %s type %u with this key",
			           sg->z->name, text, set->type);
			return NULL;
		}
		total += 2 + len[i];
	}
	uint8_t *blob = arena_alloc(sg->arena, total);
	size_t o = 0;
	for (unsigned i = 0; i < n; i++) {
		blob[o++] = (uint8_t)(len[i] >> 8);
		blob[o++] = (uint8_t)len[i];
		memcpy(blob + o, rd[i], len[i]);
		o += len[i];
	}
	struct rrset *sig = arena_alloc(sg->arena, sizeof(*sig));
	memset(sig, 0, sizeof(*sig));
	sig->type = T_RRSIG;
	sig->count = (uint16_t)n;
	sig->ttl = set->ttl;
	sig->rdata = blob;
	sig->rdata_len = total;
	return sig;
}

/* Is the geo name able to answer `family` at all (an edge of its
 * inventory has such an address)? */
static bool
geo_has_family(const struct geo_name *g, bool v4)
{
	for (size_t i = 0; i < g->edges->n; i++)
		if (v4 ? g->edges->edge[i].nv4 : g->edges->edge[i].nv6)
			return true;
	return false;
}

/*
 * The NSEC of `node` for NODATA (RFC 9824 §3.1): the next name is the
 * name's immediate successor, the bit map its types (at a cut, only the
 * parent's: NS and DS, RFC 4035 §2.3), RRSIG and NSEC.
 */
static struct rrset *
make_nsec(struct signing *sg, const struct znode *node)
{
	uint16_t types[64];
	size_t n = 0;
	uint8_t rd[2 + 2 + WIRE_NAME_MAX + 34 * 2];
	size_t o = 2;

	for (uint16_t i = 0; i < node->nrrsets && n < 60; i++) {
		uint16_t t = node->rrsets[i].type;
		if ((node->flags & ZN_DELEG) && t != T_NS && t != T_DS)
			continue;
		types[n++] = t;
	}
	if (node->geo != NULL) {
		if (geo_has_family(node->geo, true))
			types[n++] = T_A;
		if (geo_has_family(node->geo, false))
			types[n++] = T_AAAA;
	}
	types[n++] = T_RRSIG;
	types[n++] = T_NSEC;
	if (node->namelen + 2u <= WIRE_NAME_MAX) {
		rd[o++] = 1;
		rd[o++] = 0;
	}
	memcpy(rd + o, node->name, node->namelen);
	o += node->namelen;
	size_t bl = nsec_bitmap(types, n, rd + o, sizeof(rd) - o);
	o += bl;
	rd[0] = (uint8_t)((o - 2) >> 8);
	rd[1] = (uint8_t)(o - 2);
	struct rrset *nsec = arena_alloc(sg->arena, sizeof(*nsec));
	memset(nsec, 0, sizeof(*nsec));
	nsec->type = T_NSEC;
	nsec->count = 1;
	nsec->ttl = sg->z->neg_ttl;
	nsec->rdata = arena_memdup(sg->arena, rd, o);
	nsec->rdata_len = o;
	return nsec;
}

/* Sign the RRsets of `node` that the zone is authoritative for, and make
 * its NSEC.  Returns 0 or -1. */
static int
sign_node(struct signing *sg, struct znode *node)
{
	if (node->flags & ZN_OCCLUDED)
		return 0; /* glue: not the zone's data */
	for (uint16_t i = 0; i < node->nrrsets; i++) {
		/* The rrsets are this build's, in its arena, not yet served:
		 * adding their signatures is part of making them. */
		struct rrset *set = (struct rrset *)(uintptr_t)&node->rrsets[i];
		if ((node->flags & ZN_DELEG) && set->type != T_DS)
			continue; /* a cut's NS and glue are the child's */
		set->sig = sign_set(sg, node->name, node->namelen, set);
		if (set->sig == NULL)
			return -1;
	}
	struct rrset *nsec = make_nsec(sg, node);
	nsec->sig = sign_set(sg, node->name, node->namelen, nsec);
	if (nsec->sig == NULL)
		return -1;
	node->nsec = nsec;
	return 0;
}

/*
 * Sign the answers geo name `g` (at `node`) gives with every edge up: each
 * choice of its map, for clients spread over each tier.  Into `cache`,
 * pinned, so that online signatures do not push them out; counted in
 * tally->presigned and tally->pinned.
 */
static void
presign_geo(struct signing *sg, const struct znode *node,
            const struct geo_name *g, struct sigcache *cache, uint32_t now,
            struct zone_keys *tally)
{
	static const int family[2] = {AF_INET, AF_INET6};
	uint8_t key[WIRE_KEY_MAX];
	uint64_t owner_hash = wire_name_key(key, node->name, node->namelen);
	uint8_t rdata[GEO_MAX_RANK * EDGE_ADDR_MAX * (2 + 16)];
	size_t nchoices = geo_map_nchoices(g->map);

	for (size_t c = 0; c < nchoices; c++) {
		for (unsigned h = 0; h < PRESIGN_SPREAD; h++) {
			struct geo_trace t = {
			    .choice = geo_map_choice(g->map, c),
			    .hashed = true,
			    .chash = (h + 1) * 0x9E3779B97F4A7C15ull,
			};
			bool spread = false;
			for (int f = 0; f < 2; f++) {
				const struct geo_picked *p =
				    geo_answer_pick(g, family[f], NULL, &t);
				struct online_set s;
				struct sigcache_sig sig[SIGCACHE_SIGS];
				struct sigcache_key k;
				spread = spread || t.spread;
				if (p->n == 0 ||
				    !answer_sign_geo_set(
				        g, p, family[f], node->name,
				        node->namelen, owner_hash, rdata,
				        sizeof(rdata), &s))
					continue;
				k = (struct sigcache_key){owner_hash, s.content,
				                          s.type};
				if (sigcache_get(cache, &k, sig) > 0)
					continue;
				unsigned n =
				    answer_sign_make(sg->z, &s, now, sig);
				if (n == 0)
					continue;
				tally->presigned++;
				tally->pinned +=
				    sigcache_pin(cache, &k, sig, n);
			}
			if (!spread)
				break; /* the same for every client */
		}
	}
}

int
zone_sign(struct zone *z, struct znode **nodes, uint32_t mask,
          struct arena *arena, struct sigcache *cache, time_t now,
          struct errbuf *err)
{
	struct signing sg = {
	    .z = z,
	    .keys = z->keys,
	    .arena = arena,
	    .inception = (uint32_t)now - SIGN_BACKDATE,
	    .expiration = (uint32_t)now + z->keys->validity,
	    .err = err,
	};

	z->keys->inception = sg.inception;
	z->keys->expiration = sg.expiration;
	z->keys->presigned = z->keys->pinned = 0;
	for (uint32_t i = 0; i <= mask; i++)
		if (nodes[i] != NULL && sign_node(&sg, nodes[i]) == -1)
			return -1;
	for (uint32_t i = 0; i <= mask; i++)
		if (nodes[i] != NULL && nodes[i]->geo != NULL &&
		    !(nodes[i]->flags & ZN_OCCLUDED))
			presign_geo(&sg, nodes[i], nodes[i]->geo, cache,
			            (uint32_t)now, z->keys);
	return 0;
}
