/* SPDX-License-Identifier: MIT */
/* dnsd/zone_build.c: one zone laid out from its sorted records (nodes,
 * RRsets, geo names, cuts, wildcards, additional-section links) and
 * checked (RFC 1034, 2181, 2308, 6672).  Load path. */
#include "dnsd/zone_build.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errbuf.h"
#include "common/xalloc.h"
#include "dnsd/arena.h"
#include "dnsd/geo_name.h"
#include "dnsd/wire.h"
#include "dnsd/zone_sign.h"
#include "dnsd/zonedb.h"

static bool
same_owner(const struct brr *a, const struct brr *b)
{
	return a->ownerlen == b->ownerlen &&
	       memcmp(a->owner, b->owner, a->ownerlen) == 0;
}

static bool
same_rrset(const struct brr *a, const struct brr *b)
{
	return a->zone == b->zone && a->type == b->type && same_owner(a, b);
}

static bool
same_rr(const struct brr *a, const struct brr *b)
{
	return same_rrset(a, b) && a->rdlen == b->rdlen &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

/* The zone being built: its sorted records, and a mutable view of its
 * nodes, published as const znodes. */
struct build {
	struct arena *arena;
	struct zone *zone;
	struct znode **table;
	uint32_t mask;
	const struct brr *rrs; /* the zone's records, sorted by cmp_rr */
	size_t n;
};

static struct znode *
build_get(const struct build *bd, const uint8_t *name, size_t len,
          uint32_t hash)
{
	for (uint32_t i = hash & bd->mask;; i = (i + 1) & bd->mask) {
		struct znode *n = bd->table[i];
		if (n == NULL)
			return NULL;
		if (n->hash == hash && n->namelen == len &&
		    memcmp(n->name, name, len) == 0)
			return n;
	}
}

static uint32_t
name_hash(const uint8_t *name, size_t len)
{
	struct wname wn;

	if (wname_from_wire(&wn, name, len) == -1)
		return 0;
	return wn.hash[0];
}

/* The node for `name`, created (with its ancestors up to the apex) if new. */
static struct znode *
build_node(struct build *bd, const uint8_t *name, size_t len)
{
	uint32_t hash = name_hash(name, len);
	struct znode *n = build_get(bd, name, len, hash);

	if (n != NULL)
		return n;
	n = arena_alloc(bd->arena, sizeof(*n));
	n->name = arena_memdup(bd->arena, name, len);
	n->namelen = (uint8_t)len;
	n->hash = hash;
	for (size_t i = 0; name[i] != 0; i += 1u + name[i])
		n->nlabels++;
	uint32_t i = hash & bd->mask;
	while (bd->table[i] != NULL)
		i = (i + 1) & bd->mask;
	bd->table[i] = n;
	bd->zone->nnodes++;
	if (len == bd->zone->apexlen) {
		n->flags |= ZN_APEX;
		return n;
	}
	/* Empty non-terminals exist (RFC 4592 §2.2.2): create the parent. */
	build_node(bd, name + 1 + name[0], len - 1 - name[0]);
	return n;
}

static struct znode *
parent_of(const struct build *bd, const struct znode *n)
{
	const uint8_t *p = n->name + 1 + n->name[0];
	size_t len = n->namelen - 1u - n->name[0];
	return build_get(bd, p, len, name_hash(p, len));
}

static unsigned
count_ancestor_slots(const struct brr *rrs, size_t n, size_t apexlen)
{
	unsigned slots = 1;

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && same_owner(&rrs[i], &rrs[i - 1]))
			continue;
		for (size_t o = 0; rrs[i].ownerlen - o > apexlen;
		     o += 1u + rrs[i].owner[o])
			slots++;
	}
	return slots;
}

/* Where a record's error is reported: file:line:col of the record. */
#define AT(r) (r)->file, (r)->line, (r)->col

/* The zone's names, and an empty node table with room for every owner, its
 * ancestors and the geo names at half load; the apex node first. */
static void
start_zone(struct build *bd, const struct bzone *bz,
           const struct zonedb_builder *b, size_t zi)
{
	struct zone *z = bd->zone;

	z->name = arena_memdup(bd->arena, bz->name, strlen(bz->name) + 1);
	z->apex = arena_memdup(bd->arena, bz->apex, bz->apexlen);
	z->apexlen = (uint8_t)bz->apexlen;
	for (size_t i = 0; z->apex[i] != 0; i += 1u + z->apex[i])
		z->apexlabels++;
	z->hash = name_hash(z->apex, z->apexlen);

	unsigned slots = count_ancestor_slots(bd->rrs, bd->n, bz->apexlen);
	for (size_t i = 0; i < b->ngeo; i++)
		slots += b->geo[i].zone == zi ? WIRE_LABELS_MAX : 0;
	uint32_t size = 16;
	while (size < 2u * slots)
		size *= 2;
	bd->table = arena_alloc(bd->arena, size * sizeof(struct znode *));
	bd->mask = size - 1;
	/* the same nodes, published read-only */
	z->table = (const struct znode **)(uintptr_t)bd->table;
	z->mask = bd->mask;
	z->apexnode = build_node(bd, z->apex, z->apexlen);
}

/* What one RRset's own records can break: CNAME and DNAME are singletons,
 * the SOA is one and at the apex, DS belongs to the parent side. */
static void
check_rrset(const struct zone *z, const struct znode *node,
            const struct brr *first, uint16_t count, struct errbuf *err)
{
	uint16_t type = first->type;

	if ((type == T_CNAME || type == T_DNAME) && count > 1)
		errbuf_add(err, AT(&first[1]),
		           "more than one %s record at one name",
		           type == T_CNAME ? "CNAME" : "DNAME");
	if (type == T_SOA && !(node->flags & ZN_APEX))
		errbuf_add(err, AT(first),
		           "SOA record below the apex of zone %s", z->name);
	if (type == T_SOA && count > 1)
		errbuf_add(err, AT(&first[1]),
		           "more than one SOA record in zone %s", z->name);
	if (type == T_DS && (node->flags & ZN_APEX))
		errbuf_add(err, AT(first),
		           "DS record at the apex of zone %s belongs "
		           "in the parent zone",
		           z->name);
}

/*
 * One RRset of `node` from its `nrr` records (one owner and type): equal
 * records merge, since an RRset is a set, and its rdata is laid out as the
 * response copies it.  The RRset's type sets the node's flags.
 */
static void
build_rrset(struct build *bd, struct znode *node, struct rrset *set,
            const struct brr *first, size_t nrr, struct errbuf *err)
{
	size_t len = 0;
	uint16_t count = 0;

	for (size_t m = 0; m < nrr; m++) {
		if (m > 0 && same_rr(&first[m], &first[m - 1]))
			continue; /* duplicates merge */
		if (first[m].ttl != first->ttl)
			errbuf_add(err, AT(&first[m]),
			           "TTL %u differs from TTL %u of the "
			           "same RRset at line %u (RFC 2181 "
			           "§5.2)",
			           first[m].ttl, first->ttl, first->line);
		len += 2u + first[m].rdlen;
		count++;
	}
	uint8_t *blob = arena_alloc(bd->arena, len);
	size_t o = 0;
	for (size_t m = 0; m < nrr; m++) {
		if (m > 0 && same_rr(&first[m], &first[m - 1]))
			continue;
		blob[o++] = (uint8_t)(first[m].rdlen >> 8);
		blob[o++] = (uint8_t)first[m].rdlen;
		memcpy(blob + o, first[m].rdata, first[m].rdlen);
		o += first[m].rdlen;
	}
	set->type = first->type;
	set->ttl = first->ttl;
	set->count = count;
	set->rdata = blob;
	set->rdata_len = len;
	bd->zone->nrecords += count;
	if (first->type == T_CNAME)
		node->flags |= ZN_CNAME;
	if (first->type == T_DNAME)
		node->flags |= ZN_DNAME;
	if (first->type == T_NS && !(node->flags & ZN_APEX))
		node->flags |= ZN_DELEG;
	check_rrset(bd->zone, node, first, count, err);
}

/* What a node's `nsets` RRsets together rule out: a CNAME beside other
 * data, a DNAME beside the NS of a delegation.  At its first record. */
static void
check_node(const struct znode *node, size_t nsets, const struct brr *first,
           struct errbuf *err)
{
	char text[1024];

	if ((node->flags & ZN_CNAME) && nsets > 1) {
		zone_build_name_text(node->name, text, sizeof(text));
		errbuf_add(err, AT(first),
		           "%s: CNAME cannot be beside other data (RFC 1034 "
		           "§3.6.2)",
		           text);
	}
	if ((node->flags & ZN_DNAME) && (node->flags & ZN_DELEG)) {
		zone_build_name_text(node->name, text, sizeof(text));
		errbuf_add(err, AT(first),
		           "%s: DNAME cannot be beside NS at a delegation "
		           "(RFC 6672 §5.2)",
		           text);
	}
}

/* A node and its RRsets from the `nrr` records of one owner, which the
 * sort leaves in runs of one type. */
static void
build_owner(struct build *bd, const struct brr *first, size_t nrr,
            struct errbuf *err)
{
	struct znode *node = build_node(bd, first->owner, first->ownerlen);
	size_t nsets = 0;

	for (size_t k = 0; k < nrr; k++)
		if (k == 0 || !same_rrset(&first[k], &first[k - 1]))
			nsets++;
	struct rrset *sets = arena_alloc(bd->arena, nsets * sizeof(*sets));
	for (size_t k = 0, s = 0; k < nrr; s++) {
		size_t e = k;
		while (e < nrr && same_rrset(&first[e], &first[k]))
			e++;
		build_rrset(bd, node, &sets[s], &first[k], e - k, err);
		k = e;
	}
	node->rrsets = sets;
	node->nrrsets = (uint16_t)nsets;
	check_node(node, nsets, first, err);
}

/* Nodes and RRsets from the sorted records, one owner's run at a time. */
static void
build_nodes(struct build *bd, struct errbuf *err)
{
	for (size_t i = 0; i < bd->n;) {
		size_t j = i;
		while (j < bd->n && same_owner(&bd->rrs[j], &bd->rrs[i]))
			j++;
		build_owner(bd, &bd->rrs[i], j - i, err);
		i = j;
	}
}

/* Geo names: nodes answered per client, with no records of their own.
 * The zonedb takes each geo_name; its row is its index in db->geo. */
static void
add_geo_names(struct build *bd, struct zonedb *db, struct zonedb_builder *b,
              size_t zi, struct errbuf *err)
{
	char text[1024];

	for (size_t i = 0; i < b->ngeo; i++) {
		struct bgeo *e = &b->geo[i];
		if (e->zone != zi)
			continue;
		struct znode *node = build_node(bd, e->owner, e->ownerlen);
		if (node->nrrsets > 0 || node->geo != NULL) {
			zone_build_name_text(node->name, text, sizeof(text));
			errbuf_add(err, e->file, e->line, e->col,
			           "%s: a geo name cannot have other records "
			           "or a second geo definition",
			           text);
			continue;
		}
		node->geo = e->g;
		e->g->row = (int)db->ngeo;
		db->geo[db->ngeo++] = e->g; /* the zonedb owns it now */
		e->g = NULL;
	}
}

/* The apex holds the SOA and NS; negative answers take the SOA's TTL,
 * capped by its MINIMUM (RFC 2308 §5). */
static void
check_apex(struct zone *z, const struct bzone *bz, struct errbuf *err)
{
	const struct znode *apex = z->apexnode;

	z->soa = znode_rrset(apex, T_SOA);
	if (z->soa == NULL)
		errbuf_add(err, bz->file, bz->line, bz->col,
		           "zone %s has no SOA record at its apex", z->name);
	if (znode_rrset(apex, T_NS) == NULL)
		errbuf_add(err, bz->file, bz->line, bz->col,
		           "zone %s has no NS records at its apex", z->name);
	if (z->soa != NULL && z->soa->rdata_len >= 2 + 22) {
		const uint8_t *m = z->soa->rdata + z->soa->rdata_len - 4;
		uint32_t minimum =
		    (uint32_t)m[0] << 24 | m[1] << 16 | m[2] << 8 | m[3];
		z->neg_ttl = z->soa->ttl < minimum ? z->soa->ttl : minimum;
	}
}

/* The first record of `node` in the sorted input, of `type` or of any type
 * if 0; NULL if it has none (a geo name). */
static const struct brr *
first_rr(const struct build *bd, const struct znode *node, uint16_t type)
{
	for (size_t r = 0; r < bd->n; r++) {
		const struct brr *rr = &bd->rrs[r];
		if ((type == 0 || rr->type == type) &&
		    rr->ownerlen == node->namelen &&
		    memcmp(rr->owner, node->name, node->namelen) == 0)
			return rr;
	}
	return NULL;
}

static const char *
cut_kind(const struct znode *cut)
{
	return (cut->flags & ZN_DELEG) ? "delegation" : "DNAME";
}

/* Below a delegation only glue (addresses) lives, below a DNAME nothing:
 * a node holding more is reported once, at its first record. */
static void
check_glue(const struct build *bd, const struct znode *node,
           const struct znode *cut, struct errbuf *err)
{
	char text[1024], text2[1024];

	for (uint16_t s = 0; s < node->nrrsets; s++) {
		uint16_t type = node->rrsets[s].type;
		if ((cut->flags & ZN_DELEG) && (type == T_A || type == T_AAAA))
			continue;
		const struct brr *r = first_rr(bd, node, 0);
		if (r == NULL)
			return;
		zone_build_name_text(node->name, text, sizeof(text));
		zone_build_name_text(cut->name, text2, sizeof(text2));
		errbuf_add(err, AT(r),
		           "%s: only glue (A/AAAA) may be below the %s at %s",
		           text, cut_kind(cut), text2);
		return;
	}
}

/*
 * Cuts and DNAMEs hide everything below them: mark those nodes occluded,
 * so answers stop at the cut, and check that only glue lives there.  Each
 * node's ancestors are walked up to the apex and the last cut seen is kept,
 * so the topmost cut is the one recorded.
 */
static void
mark_occluded(struct build *bd, const struct bzone *bz, struct errbuf *err)
{
	char text[1024], text2[1024];

	for (uint32_t t = 0; t <= bd->mask; t++) {
		struct znode *node = bd->table[t];
		if (node == NULL || (node->flags & ZN_APEX))
			continue;
		const struct znode *cut = NULL;
		for (const struct znode *p = parent_of(bd, node);
		     p != NULL && !(p->flags & ZN_APEX); p = parent_of(bd, p))
			if (p->flags & (ZN_DELEG | ZN_DNAME))
				cut = p;
		if (cut == NULL)
			continue;
		node->flags |= ZN_OCCLUDED;
		node->cut = cut;
		if (node->geo != NULL) {
			zone_build_name_text(node->name, text, sizeof(text));
			zone_build_name_text(cut->name, text2, sizeof(text2));
			errbuf_add(err, bz->file, bz->line, bz->col,
			           "%s: geo name below the %s at %s is never "
			           "answered",
			           text, cut_kind(cut), text2);
		}
		check_glue(bd, node, cut, err);
	}
}

/* "*.<name>" hangs off <name>, so the lookup reaches the closest
 * encloser's wildcard without hashing again (RFC 4592 §3.3.3). */
static void
link_wildcards(struct build *bd)
{
	for (uint32_t t = 0; t <= bd->mask; t++) {
		struct znode *node = bd->table[t];
		if (node == NULL || (node->flags & ZN_APEX))
			continue;
		if (node->name[0] == 1 && node->name[1] == '*')
			parent_of(bd, node)->wild = node;
	}
}

/* At a cut only the parent side's data: NS, DS and glue addresses.  Other
 * data there is reported once an RRset. */
static void
check_cuts(const struct build *bd, struct errbuf *err)
{
	char text[1024];

	for (size_t r = 0; r < bd->n; r++) {
		const struct brr *rr = &bd->rrs[r];
		const struct znode *node =
		    build_get(bd, rr->owner, rr->ownerlen,
		              name_hash(rr->owner, rr->ownerlen));
		uint16_t type = rr->type;
		if (!(node->flags & ZN_DELEG) || (node->flags & ZN_OCCLUDED))
			continue;
		if (type == T_NS || type == T_DS || type == T_A ||
		    type == T_AAAA)
			continue;
		if (r > 0 && same_rrset(rr, rr - 1))
			continue;
		zone_build_name_text(node->name, text, sizeof(text));
		errbuf_add(err, AT(rr),
		           "%s: only NS, DS and glue may be at a delegation",
		           text);
	}
}

/* One RRset's links from its `count` records: the target of a CNAME or
 * DNAME, or up to 64 in-zone nodes with addresses for NS, MX and SRV. */
static void
build_additional(struct build *bd, struct rrset *set, const struct brr *first,
                 size_t count)
{
	const struct znode *found[64];
	uint16_t nfound = 0;

	for (size_t k = 0; k < count && nfound < 64; k++) {
		const struct brr *r = &first[k];
		if (r->target_off < 0)
			continue;
		const uint8_t *t = r->rdata + r->target_off;
		size_t tlen =
		    wire_name_len(t, r->rdlen - (size_t)r->target_off);
		uint8_t key[WIRE_NAME_MAX];
		if (tlen == 0)
			continue;
		wire_name_fold(key, t, tlen);
		if (set->type == T_CNAME || set->type == T_DNAME) {
			set->target = arena_memdup(bd->arena, key, tlen);
			set->targetlen = (uint8_t)tlen;
			continue;
		}
		const struct znode *n =
		    build_get(bd, key, tlen, name_hash(key, tlen));
		if (n == NULL || (znode_rrset(n, T_A) == NULL &&
		                  znode_rrset(n, T_AAAA) == NULL))
			continue;
		/* Glue below a cut is only for referrals (RFC 9471). */
		if ((n->flags & ZN_OCCLUDED) && set->type != T_NS)
			continue;
		bool dup = false;
		for (uint16_t j = 0; j < nfound; j++)
			dup = dup || found[j] == n;
		if (!dup)
			found[nfound++] = n;
	}
	if (nfound > 0) {
		set->add =
		    arena_memdup(bd->arena, found, nfound * sizeof(found[0]));
		set->nadd = nfound;
	}
}

/* The additional-section nodes of NS, MX and SRV and the targets of CNAME
 * and DNAME, once every node exists and the occluded ones are known. */
static void
link_additional(struct build *bd)
{
	for (uint32_t t = 0; t <= bd->mask; t++) {
		struct znode *node = bd->table[t];
		if (node == NULL)
			continue;
		for (uint16_t s = 0; s < node->nrrsets; s++) {
			/* built in this file, so writable (load path) */
			struct rrset *set =
			    (struct rrset *)(uintptr_t)&node->rrsets[s];
			if (set->type != T_NS && set->type != T_MX &&
			    set->type != T_SRV && set->type != T_CNAME &&
			    set->type != T_DNAME)
				continue;
			const struct brr *r = first_rr(bd, node, set->type);
			if (r == NULL)
				continue;
			/* r is not NULL, so neither is bd->rrs */
			size_t c = 0, left = (size_t)(bd->rrs + bd->n - r);
			while (c < left && same_rrset(&r[c], r))
				c++;
			build_additional(bd, set, r, c);
		}
	}
}

/*
 * Compile and check zone `zi` from its sorted records `rrs` and its geo
 * names.  The order matters: geo names after the records they must not
 * share a node with, cuts once every node exists, additional links once
 * the occluded glue is known.  Returns 0, or -1 with every error in `err`.
 */
int
zone_build(struct zonedb *db, struct zone *z, const struct bzone *bz,
           const struct brr *rrs, size_t n, struct zonedb_builder *b, size_t zi,
           struct errbuf *err)
{
	unsigned errors0 = err->count;
	struct build bd = {.arena = db->arena, .zone = z, .rrs = rrs, .n = n};

	start_zone(&bd, bz, b, zi);
	build_nodes(&bd, err);
	add_geo_names(&bd, db, b, zi, err);
	check_apex(z, bz, err);
	mark_occluded(&bd, bz, err);
	link_wildcards(&bd);
	check_cuts(&bd, err);
	link_additional(&bd);
	if (z->keys != NULL && err->count == errors0)
		zone_sign(z, bd.table, bd.mask, db->arena, db->sigcache,
		          time(NULL), err);
	return err->count == errors0 ? 0 : -1;
}
