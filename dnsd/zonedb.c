/* SPDX-License-Identifier: MIT */
/* dnsd/zonedb.c: compiled zones: the builder's checks and the lookups. */
/* HOT PATH: see STYLE.md B5 (the lookup functions at the end) */
#include "dnsd/zonedb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/xalloc.h"
#include "dnsd/arena.h"
#include "dnsd/geo_name.h"
#include "dnsd/wire.h"

/* ---- builder ------------------------------------------------------------- */

struct brr {
	uint8_t *owner;
	size_t ownerlen;
	uint16_t type;
	uint32_t ttl;
	uint8_t *rdata;
	uint16_t rdlen;
	int target_off;
	const char *file;
	unsigned line, col;
	size_t zone;
	size_t seq; /* input order, to report the later of two records */
};

struct bzone {
	char *name;
	uint8_t *apex;
	size_t apexlen;
	const char *file;
	unsigned line, col;
};

struct bgeo {
	uint8_t *owner;
	size_t ownerlen;
	struct geo_name *g;
	const char *file;
	unsigned line, col;
	size_t zone;
};

struct zonedb_builder {
	const struct geo_env *env;
	struct bgeo *geo;
	size_t ngeo;
	struct bzone *zones;
	size_t nzones;
	struct brr *rrs;
	size_t nrrs, caprrs;
	char **files; /* interned file names, freed with the builder */
	size_t nfiles;
};

struct zonedb_builder *
zonedb_builder_new(void)
{
	return xcalloc(1, sizeof(struct zonedb_builder));
}

void
zonedb_builder_set_env(struct zonedb_builder *b, const struct geo_env *env)
{
	b->env = env;
}

const struct geo_env *
zonedb_builder_env(const struct zonedb_builder *b)
{
	static const struct geo_env none; /* no inventory, no database */

	return b->env != NULL ? b->env : &none;
}

void
zonedb_builder_free(struct zonedb_builder *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->nzones; i++) {
		free(b->zones[i].name);
		free(b->zones[i].apex);
	}
	for (size_t i = 0; i < b->nrrs; i++) {
		free(b->rrs[i].owner);
		free(b->rrs[i].rdata);
	}
	for (size_t i = 0; i < b->ngeo; i++) {
		free(b->geo[i].owner);
		geo_name_free(b->geo[i].g);
	}
	free(b->geo);
	for (size_t i = 0; i < b->nfiles; i++)
		free(b->files[i]);
	free(b->files);
	free(b->zones);
	free(b->rrs);
	free(b);
}

/* Records of one file share one copy of its name. */
static const char *
intern(struct zonedb_builder *b, const char *file)
{
	if (file == NULL)
		return NULL;
	for (size_t i = b->nfiles; i-- > 0;)
		if (strcmp(b->files[i], file) == 0)
			return b->files[i];
	b->files = xreallocarray(b->files, b->nfiles + 1, sizeof(char *));
	b->files[b->nfiles] = xstrdup(file);
	return b->files[b->nfiles++];
}

/* true if `name` is `apex` or below it (both canonical wire names) */
static bool
name_in(const uint8_t *name, size_t len, const uint8_t *apex, size_t apexlen)
{
	if (len < apexlen)
		return false;
	for (size_t off = 0; off <= len - apexlen; off += 1u + name[off]) {
		if (off == len - apexlen)
			return memcmp(name + off, apex, apexlen) == 0;
		if (name[off] == 0)
			break;
	}
	return false;
}

int
zonedb_builder_zone(struct zonedb_builder *b, const char *name,
                    const uint8_t *apex, size_t apexlen, const char *file,
                    unsigned line, unsigned col, struct errbuf *err)
{
	for (size_t i = 0; i < b->nzones; i++) {
		struct bzone *z = &b->zones[i];
		if (z->apexlen == apexlen &&
		    memcmp(z->apex, apex, apexlen) == 0) {
			errbuf_add(err, file, line, col,
			           "zone %s is already defined at %s:%u:%u",
			           name, z->file, z->line, z->col);
			return -1;
		}
	}
	b->zones = xreallocarray(b->zones, b->nzones + 1, sizeof(*b->zones));
	struct bzone *z = &b->zones[b->nzones++];
	z->name = xstrdup(name);
	z->apex = xmalloc(apexlen);
	memcpy(z->apex, apex, apexlen);
	z->apexlen = apexlen;
	z->file = intern(b, file);
	z->line = line;
	z->col = col;
	return 0;
}

/* Text form of a wire name for messages ("www.example.net"). */
static void
name_text(const uint8_t *name, char *out, size_t outlen)
{
	size_t o = 0;

	if (name[0] == 0) {
		snprintf(out, outlen, ".");
		return;
	}
	for (size_t i = 0; name[i] != 0 && o + 1 < outlen; i += 1u + name[i]) {
		if (i > 0)
			out[o++] = '.';
		for (unsigned k = 1; k <= name[i] && o + 1 < outlen; k++)
			out[o++] = (char)name[i + k];
	}
	out[o] = 0;
}

int
zonedb_builder_rr(struct zonedb_builder *b, const struct zrr *rr,
                  struct errbuf *err)
{
	if (b->nzones == 0)
		return -1;
	struct bzone *z = &b->zones[b->nzones - 1];
	if (!name_in(rr->owner, rr->ownerlen, z->apex, z->apexlen)) {
		char text[1024];
		name_text(rr->owner, text, sizeof(text));
		errbuf_add(err, rr->file, rr->line, rr->col,
		           "%s is outside zone %s", text, z->name);
		return -1;
	}
	if (b->nrrs == b->caprrs) {
		b->caprrs = b->caprrs ? b->caprrs * 2 : 256;
		b->rrs = xreallocarray(b->rrs, b->caprrs, sizeof(*b->rrs));
	}
	struct brr *r = &b->rrs[b->nrrs];
	r->owner = xmalloc(rr->ownerlen);
	memcpy(r->owner, rr->owner, rr->ownerlen);
	r->ownerlen = rr->ownerlen;
	r->type = rr->type;
	r->ttl = rr->ttl;
	r->rdata = xmalloc(rr->rdlen ? rr->rdlen : 1);
	memcpy(r->rdata, rr->rdata, rr->rdlen);
	r->rdlen = rr->rdlen;
	r->target_off = rr->target_off;
	r->file = intern(b, rr->file);
	r->line = rr->line;
	r->col = rr->col;
	r->zone = b->nzones - 1;
	r->seq = b->nrrs;
	b->nrrs++;
	return 0;
}

int
zonedb_builder_geo(struct zonedb_builder *b, const uint8_t *owner,
                   size_t ownerlen, struct geo_name *g, const char *file,
                   unsigned line, unsigned col, struct errbuf *err)
{
	if (b->nzones == 0) {
		geo_name_free(g);
		return -1;
	}
	struct bzone *z = &b->zones[b->nzones - 1];
	if (!name_in(owner, ownerlen, z->apex, z->apexlen)) {
		char text[1024];
		name_text(owner, text, sizeof(text));
		errbuf_add(err, file, line, col, "%s is outside zone %s", text,
		           z->name);
		geo_name_free(g);
		return -1;
	}
	b->geo = xreallocarray(b->geo, b->ngeo + 1, sizeof(*b->geo));
	struct bgeo *e = &b->geo[b->ngeo++];
	e->owner = xmalloc(ownerlen);
	memcpy(e->owner, owner, ownerlen);
	e->ownerlen = ownerlen;
	e->g = g;
	e->file = intern(b, file);
	e->line = line;
	e->col = col;
	e->zone = b->nzones - 1;
	return 0;
}

/* Sort key: zone, owner, type, rdata, then input order. */
static int
cmp_rr(const void *a, const void *b)
{
	const struct brr *x = a, *y = b;

	if (x->zone != y->zone)
		return x->zone < y->zone ? -1 : 1;
	if (x->ownerlen != y->ownerlen)
		return x->ownerlen < y->ownerlen ? -1 : 1;
	int c = memcmp(x->owner, y->owner, x->ownerlen);
	if (c != 0)
		return c;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->rdlen != y->rdlen)
		return x->rdlen < y->rdlen ? -1 : 1;
	c = memcmp(x->rdata, y->rdata, x->rdlen);
	if (c != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool
same_rrset(const struct brr *a, const struct brr *b)
{
	return a->zone == b->zone && a->type == b->type &&
	       a->ownerlen == b->ownerlen &&
	       memcmp(a->owner, b->owner, a->ownerlen) == 0;
}

static bool
same_rr(const struct brr *a, const struct brr *b)
{
	return same_rrset(a, b) && a->rdlen == b->rdlen &&
	       memcmp(a->rdata, b->rdata, a->rdlen) == 0;
}

/* Mutable view of a node while building; published as const znode. */
struct build {
	struct arena *arena;
	struct zone *zone;
	struct znode **table;
	uint32_t mask;
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
		if (i > 0 && rrs[i].ownerlen == rrs[i - 1].ownerlen &&
		    memcmp(rrs[i].owner, rrs[i - 1].owner, rrs[i].ownerlen) ==
		        0)
			continue;
		for (size_t o = 0; rrs[i].ownerlen - o > apexlen;
		     o += 1u + rrs[i].owner[o])
			slots++;
	}
	return slots;
}

/* Where a record's error is reported: file:line:col of the record. */
#define AT(r) (r)->file, (r)->line, (r)->col

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

static int
build_zone(struct zonedb *db, struct zone *z, const struct bzone *bz,
           const struct brr *rrs, size_t n, struct zonedb_builder *b, size_t zi,
           struct errbuf *err)
{
	unsigned errors0 = err->count;
	struct build bd = {.arena = db->arena, .zone = z};
	char text[1024], text2[1024];

	z->name = arena_memdup(db->arena, bz->name, strlen(bz->name) + 1);
	z->apex = arena_memdup(db->arena, bz->apex, bz->apexlen);
	z->apexlen = (uint8_t)bz->apexlen;
	for (size_t i = 0; z->apex[i] != 0; i += 1u + z->apex[i])
		z->apexlabels++;
	z->hash = name_hash(z->apex, z->apexlen);

	unsigned slots = count_ancestor_slots(rrs, n, bz->apexlen);
	for (size_t i = 0; i < b->ngeo; i++)
		slots += b->geo[i].zone == zi ? WIRE_LABELS_MAX : 0;
	uint32_t size = 16;
	while (size < 2u * slots)
		size *= 2;
	bd.table = arena_alloc(db->arena, size * sizeof(struct znode *));
	bd.mask = size - 1;
	/* the same nodes, published read-only */
	z->table = (const struct znode **)(uintptr_t)bd.table;
	z->mask = bd.mask;
	z->apexnode = build_node(&bd, z->apex, z->apexlen);

	/* RRsets: runs of equal owner and type in the sorted array. */
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && rrs[j].ownerlen == rrs[i].ownerlen &&
		       memcmp(rrs[j].owner, rrs[i].owner, rrs[i].ownerlen) == 0)
			j++;
		/* rrs[i..j) share an owner */
		struct znode *node =
		    build_node(&bd, rrs[i].owner, rrs[i].ownerlen);
		size_t nsets = 0;
		for (size_t k = i; k < j; k++)
			if (k == i || !same_rrset(&rrs[k], &rrs[k - 1]))
				nsets++;
		struct rrset *sets =
		    arena_alloc(db->arena, nsets * sizeof(*sets));
		size_t s = 0;
		for (size_t k = i; k < j;) {
			size_t e = k, len = 0;
			uint16_t count = 0;
			while (e < j && same_rrset(&rrs[e], &rrs[k]))
				e++;
			for (size_t m = k; m < e; m++) {
				if (m > k && same_rr(&rrs[m], &rrs[m - 1]))
					continue; /* duplicates merge */
				if (rrs[m].ttl != rrs[k].ttl)
					errbuf_add(
					    err, AT(&rrs[m]),
					    "TTL %u differs from TTL %u of the "
					    "same RRset at line %u (RFC 2181 "
					    "§5.2)",
					    rrs[m].ttl, rrs[k].ttl,
					    rrs[k].line);
				len += 2u + rrs[m].rdlen;
				count++;
			}
			uint8_t *blob = arena_alloc(db->arena, len);
			size_t o = 0;
			for (size_t m = k; m < e; m++) {
				if (m > k && same_rr(&rrs[m], &rrs[m - 1]))
					continue;
				blob[o++] = (uint8_t)(rrs[m].rdlen >> 8);
				blob[o++] = (uint8_t)rrs[m].rdlen;
				memcpy(blob + o, rrs[m].rdata, rrs[m].rdlen);
				o += rrs[m].rdlen;
			}
			sets[s].type = rrs[k].type;
			sets[s].ttl = rrs[k].ttl;
			sets[s].count = count;
			sets[s].rdata = blob;
			sets[s].rdata_len = len;
			z->nrecords += count;
			if (rrs[k].type == T_CNAME)
				node->flags |= ZN_CNAME;
			if (rrs[k].type == T_DNAME)
				node->flags |= ZN_DNAME;
			if (rrs[k].type == T_NS && !(node->flags & ZN_APEX))
				node->flags |= ZN_DELEG;
			if ((rrs[k].type == T_CNAME ||
			     rrs[k].type == T_DNAME) &&
			    count > 1)
				errbuf_add(
				    err, AT(&rrs[k + 1]),
				    "more than one %s record at one name",
				    rrs[k].type == T_CNAME ? "CNAME" : "DNAME");
			if (rrs[k].type == T_SOA && !(node->flags & ZN_APEX))
				errbuf_add(
				    err, AT(&rrs[k]),
				    "SOA record below the apex of zone %s",
				    z->name);
			if (rrs[k].type == T_SOA && count > 1)
				errbuf_add(
				    err, AT(&rrs[k + 1]),
				    "more than one SOA record in zone %s",
				    z->name);
			if (rrs[k].type == T_DS && (node->flags & ZN_APEX))
				errbuf_add(
				    err, AT(&rrs[k]),
				    "DS record at the apex of zone %s belongs "
				    "in the parent zone",
				    z->name);
			s++;
			k = e;
		}
		node->rrsets = sets;
		node->nrrsets = (uint16_t)nsets;
		if ((node->flags & ZN_CNAME) && nsets > 1) {
			name_text(node->name, text, sizeof(text));
			errbuf_add(
			    err, AT(&rrs[i]),
			    "%s: CNAME cannot be beside other data (RFC 1034 "
			    "§3.6.2)",
			    text);
		}
		if ((node->flags & ZN_DNAME) && (node->flags & ZN_DELEG)) {
			name_text(node->name, text, sizeof(text));
			errbuf_add(
			    err, AT(&rrs[i]),
			    "%s: DNAME cannot be beside NS at a delegation "
			    "(RFC 6672 §5.2)",
			    text);
		}
		i = j;
	}

	/* Geo names: nodes answered per client, with no records of their own.
	 */
	for (size_t i = 0; i < b->ngeo; i++) {
		struct bgeo *e = &b->geo[i];
		if (e->zone != zi)
			continue;
		struct znode *node = build_node(&bd, e->owner, e->ownerlen);
		if (node->nrrsets > 0 || node->geo != NULL) {
			name_text(node->name, text, sizeof(text));
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

	/*
	 * Cuts and DNAMEs hide everything below them: mark those nodes
	 * occluded and check that only glue (addresses) lives under a cut.
	 * Walk each node's ancestors from just below the apex downwards, so
	 * the topmost cut is the one recorded.
	 */
	for (uint32_t t = 0; t <= bd.mask; t++) {
		struct znode *node = bd.table[t];
		if (node == NULL || (node->flags & ZN_APEX))
			continue;
		const struct znode *cut = NULL;
		for (const struct znode *p = parent_of(&bd, node);
		     p != NULL && !(p->flags & ZN_APEX); p = parent_of(&bd, p))
			if (p->flags & (ZN_DELEG | ZN_DNAME))
				cut = p;
		if (node->name[0] == 1 && node->name[1] == '*') {
			parent_of(&bd, node)->wild = node;
		}
		if (cut == NULL)
			continue;
		node->flags |= ZN_OCCLUDED;
		node->cut = cut;
		if (node->geo != NULL) {
			name_text(node->name, text, sizeof(text));
			name_text(cut->name, text2, sizeof(text2));
			errbuf_add(err, bz->file, bz->line, bz->col,
			           "%s: geo name below the %s at %s is never "
			           "answered",
			           text,
			           (cut->flags & ZN_DELEG) ? "delegation"
			                                   : "DNAME",
			           text2);
		}
		for (uint16_t s = 0; s < node->nrrsets; s++) {
			uint16_t type = node->rrsets[s].type;
			if ((cut->flags & ZN_DELEG) &&
			    (type == T_A || type == T_AAAA))
				continue;
			name_text(node->name, text, sizeof(text));
			name_text(cut->name, text2, sizeof(text2));
			/* report at the node's first record */
			for (size_t r = 0; r < n; r++) {
				if (rrs[r].ownerlen == node->namelen &&
				    memcmp(rrs[r].owner, node->name,
				           node->namelen) == 0) {
					errbuf_add(
					    err, AT(&rrs[r]),
					    "%s: only glue (A/AAAA) may be "
					    "below the %s at %s",
					    text,
					    (cut->flags & ZN_DELEG)
					        ? "delegation"
					        : "DNAME",
					    text2);
					break;
				}
			}
			break;
		}
	}

	/* At a cut, only the parent-side data: NS, DS and glue addresses. */
	for (size_t r = 0; r < n; r++) {
		const struct znode *node =
		    build_get(&bd, rrs[r].owner, rrs[r].ownerlen,
		              name_hash(rrs[r].owner, rrs[r].ownerlen));
		uint16_t type = rrs[r].type;
		if (!(node->flags & ZN_DELEG) || (node->flags & ZN_OCCLUDED))
			continue;
		if (type == T_NS || type == T_DS || type == T_A ||
		    type == T_AAAA)
			continue;
		if (r > 0 && same_rrset(&rrs[r], &rrs[r - 1]))
			continue;
		name_text(node->name, text, sizeof(text));
		errbuf_add(err, AT(&rrs[r]),
		           "%s: only NS, DS and glue may be at a delegation",
		           text);
	}

	/* Additional-section targets, once every node exists. */
	for (uint32_t t = 0; t <= bd.mask; t++) {
		struct znode *node = bd.table[t];
		if (node == NULL)
			continue;
		for (uint16_t s = 0; s < node->nrrsets; s++) {
			/* built in this function, so writable (load path) */
			struct rrset *set =
			    (struct rrset *)(uintptr_t)&node->rrsets[s];
			if (set->type != T_NS && set->type != T_MX &&
			    set->type != T_SRV && set->type != T_CNAME &&
			    set->type != T_DNAME)
				continue;
			/* find this RRset's records in the sorted input */
			for (size_t r = 0; r < n; r++) {
				if (rrs[r].type == set->type &&
				    rrs[r].ownerlen == node->namelen &&
				    memcmp(rrs[r].owner, node->name,
				           node->namelen) == 0) {
					size_t c = 0;
					while (r + c < n &&
					       same_rrset(&rrs[r + c], &rrs[r]))
						c++;
					build_additional(&bd, set, &rrs[r], c);
					break;
				}
			}
		}
	}
	return err->count == errors0 ? 0 : -1;
}

struct zonedb *
zonedb_builder_finish(struct zonedb_builder *b, struct errbuf *err)
{
	struct zonedb *db = xcalloc(1, sizeof(*db));
	int rc = 0;

	db->arena = arena_new();
	db->nzones = b->nzones;
	db->zones = arena_alloc(db->arena, b->nzones * sizeof(struct zone));
	db->geo = xcalloc(b->ngeo + 1, sizeof(*db->geo));
	if (b->nrrs > 0) /* qsort(NULL, 0) is undefined */
		qsort(b->rrs, b->nrrs, sizeof(*b->rrs), cmp_rr);
	for (size_t zi = 0, r = 0; zi < b->nzones; zi++) {
		size_t e = r;
		while (e < b->nrrs && b->rrs[e].zone == zi)
			e++;
		/* b->rrs is NULL when no zone has a record: no NULL + 0 */
		const struct brr *first = b->nrrs > 0 ? b->rrs + r : NULL;
		if (build_zone(db, &db->zones[zi], &b->zones[zi], first, e - r,
		               b, zi, err) == -1)
			rc = -1;
		r = e;
	}
	uint32_t size = 4;
	while (size < 2 * db->nzones)
		size *= 2;
	db->table = arena_alloc(db->arena, size * sizeof(struct zone *));
	db->mask = size - 1;
	for (size_t zi = 0; zi < db->nzones; zi++) {
		uint32_t i = db->zones[zi].hash & db->mask;
		while (db->table[i] != NULL)
			i = (i + 1) & db->mask;
		db->table[i] = &db->zones[zi];
	}
	zonedb_builder_free(b);
	if (rc == -1) {
		zonedb_free(db);
		return NULL;
	}
	return db;
}

void
zonedb_free(struct zonedb *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->ngeo; i++)
		geo_name_free(db->geo[i]);
	free(db->geo);
	arena_free(db->arena);
	free(db);
}

/* ---- lookup ----------------------------------------------------------------
 */

const struct zone *
zonedb_find_zone(const struct zonedb *db, const struct wname *n, unsigned from,
                 unsigned *label)
{
	for (unsigned i = from; i <= n->nlabels; i++) {
		const uint8_t *suffix = n->key + n->lab[i];
		size_t len = n->len - n->lab[i];
		for (uint32_t s = n->hash[i] & db->mask;;
		     s = (s + 1) & db->mask) {
			const struct zone *z = db->table[s];
			if (z == NULL)
				break;
			if (z->hash == n->hash[i] && z->apexlen == len &&
			    memcmp(z->apex, suffix, len) == 0) {
				*label = i;
				return z;
			}
		}
	}
	return NULL;
}

const struct znode *
zone_find_node(const struct zone *z, const struct wname *n, unsigned label)
{
	const uint8_t *suffix = n->key + n->lab[label];
	size_t len = n->len - n->lab[label];
	uint32_t hash = n->hash[label];

	for (uint32_t s = hash & z->mask;; s = (s + 1) & z->mask) {
		const struct znode *node = z->table[s];
		if (node == NULL)
			return NULL;
		if (node->hash == hash && node->namelen == len &&
		    memcmp(node->name, suffix, len) == 0)
			return node;
	}
}

const struct rrset *
znode_rrset(const struct znode *node, uint16_t type)
{
	/* A node holds a handful of RRsets: a linear scan beats bsearch. */
	for (uint16_t i = 0; i < node->nrrsets; i++)
		if (node->rrsets[i].type == type)
			return &node->rrsets[i];
	return NULL;
}
