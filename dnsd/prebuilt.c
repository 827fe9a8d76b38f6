/* SPDX-License-Identifier: MIT */
/* dnsd/prebuilt.c: responses compiled at load (see prebuilt.h). */
/* HOT PATH: see STYLE.md B5 (prebuilt_find, after the marker) */
#include "dnsd/prebuilt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "dnsd/arena.h"
#include "dnsd/query.h"
#include "dnsd/response.h"
#include "dnsd/snapshot.h"
#include "dnsd/wire.h"
#include "dnsd/zone_walk.h"
#include "dnsd/zonedb.h"

/* The largest response kept: what TCP allows. */
#define PREBUILT_RESP_MAX 65535

struct build {
	struct prebuilt *p;
	const struct snapshot *snap;
	uint8_t query[WIRE_HDR_LEN + WIRE_NAME_MAX + 4];
	uint8_t *resp;   /* PREBUILT_RESP_MAX */
	struct query *q; /* large: on the heap */
	struct response *r;
};

/* Two keys of a `len`-octet name, zero-padded to whole words, compared a
 * word at a time. */
static inline bool
key_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	return true;
}

/* The slot for (key, qtype): the entry's, or the empty one it would take. */
static struct prebuilt_entry *
slot_of(struct prebuilt *p, const uint8_t *key, size_t len, uint16_t qtype,
        uint32_t hash)
{
	for (uint32_t i = hash & p->mask;; i = (i + 1) & p->mask) {
		struct prebuilt_entry *e = &p->slots[i];
		if (e->name == NULL ||
		    (e->hash == hash && e->qtype == qtype &&
		     e->namelen == len && key_equal(e->name, key, len)))
			return e;
	}
}

/*
 * Run the zone walk for the plain query in b->q, with DO if `dnssec`;
 * returns the response if it is the same for every client, whole and
 * NOERROR, else NULL.
 */
static const struct response *
walk(struct build *b, size_t qlen, bool dnssec)
{
	struct response *r = b->r;

	response_start(r, b->resp, PREBUILT_RESP_MAX, b->q);
	r->dnssec = dnssec;
	r->now = (uint32_t)b->snap->loaded;
	zone_walk(r, b->snap->db, b->q, NULL);
	/* Signatures made for this query (not at load) are the full
	 * path's: they would be made again, and fresher, there. */
	if (r->geo != NULL || r->tc || r->rcode != RC_NOERROR ||
	    r->w.len < qlen || r->sig_cached > 0 || r->signed_online > 0)
		return NULL;
	return r;
}

/*
 * Keep the response to (node's name, qtype), if it is the same for every
 * client and fits in full; anything else stays with the full path.
 */
static void
add(struct build *b, const struct zone *z, const struct znode *node,
    uint16_t qtype)
{
	const struct response *r;
	struct prebuilt *p = b->p;
	uint8_t key[WIRE_KEY_MAX];
	uint32_t hash =
	    prebuilt_hash(wire_name_key(key, node->name, node->namelen), qtype);
	struct prebuilt_entry *e = slot_of(p, key, node->namelen, qtype, hash);
	struct prebuilt_entry new = {0};

	if (e->name != NULL || p->n >= PREBUILT_MAX_ENTRIES)
		return; /* the same name as another zone's apex: done */
	if (node->geo != NULL && (qtype == T_A || qtype == T_AAAA)) {
		new.geo = node->geo;
		new.flags = F_AA;
	} else {
		/* What a plain query over TCP (no size limit below ours, no
		 * client) gets from the zone walk. */
		size_t qlen = WIRE_HDR_LEN + node->namelen + 4;
		memset(b->query, 0, WIRE_HDR_LEN);
		b->query[5] = 1; /* QDCOUNT */
		memcpy(b->query + WIRE_HDR_LEN, node->name, node->namelen);
		uint8_t *t = b->query + WIRE_HDR_LEN + node->namelen;
		t[0] = (uint8_t)(qtype >> 8);
		t[1] = (uint8_t)qtype;
		t[2] = 0;
		t[3] = C_IN;
		query_parse(b->q, b->query, qlen, true, NULL);
		if ((r = walk(b, qlen, false)) == NULL)
			return;
		new.flags = r->aa ? F_AA : 0;
		new.an = r->an;
		new.ns = r->ns;
		new.ar = r->ar;
		new.taillen = (uint16_t)(r->w.len - qlen);
		new.tail = arena_memdup(p->arena, b->resp + qlen, new.taillen);
		p->bytes += new.taillen;
		if (z->keys != NULL && (r = walk(b, qlen, true)) != NULL) {
			new.an_do = r->an;
			new.ns_do = r->ns;
			new.ar_do = r->ar;
			new.taillen_do = (uint16_t)(r->w.len - qlen);
			new.tail_do = arena_memdup(p->arena, b->resp + qlen,
			                           new.taillen_do);
			p->bytes += new.taillen_do;
		}
	}
	new.signer = z->keys != NULL ? z : NULL;
	/* The key, whole words: the lookup compares a word at a time. */
	new.name = arena_memdup(p->arena, key, (node->namelen + 7u) & ~7u);
	new.namelen = node->namelen;
	new.qtype = qtype;
	new.hash = hash;
	p->bytes += node->namelen;
	*e = new;
	p->n++;
}

struct prebuilt *
prebuilt_build(const struct snapshot *snap)
{
	const struct zonedb *db = snap->db;
	size_t want = 0;

	for (size_t zi = 0; zi < db->nzones; zi++) {
		const struct zone *z = &db->zones[zi];
		for (uint32_t t = 0; t <= z->mask; t++)
			if (z->table[t] != NULL)
				want += 2u + z->table[t]->nrrsets;
	}
	if (want == 0)
		return NULL;
	if (want > PREBUILT_MAX_ENTRIES)
		want = PREBUILT_MAX_ENTRIES;
	uint32_t size = 16;
	while (size < 2 * want)
		size *= 2;

	struct prebuilt *p = xcalloc(1, sizeof(*p));
	p->arena = arena_new();
	p->slots = xcalloc(size, sizeof(*p->slots));
	p->mask = size - 1;
	struct build b = {.p = p, .snap = snap};
	b.resp = xmalloc(PREBUILT_RESP_MAX);
	b.q = xmalloc(sizeof(*b.q));
	b.r = xmalloc(sizeof(*b.r));
	for (size_t zi = 0; zi < db->nzones; zi++) {
		const struct zone *z = &db->zones[zi];
		for (uint32_t t = 0; t <= z->mask; t++) {
			const struct znode *node = z->table[t];
			if (node == NULL)
				continue;
			add(&b, z, node, T_A);
			add(&b, z, node, T_AAAA);
			for (uint16_t i = 0; i < node->nrrsets; i++)
				add(&b, z, node, node->rrsets[i].type);
		}
	}
	free(b.resp);
	free(b.q);
	free(b.r);
	return p;
}

void
prebuilt_free(struct prebuilt *p)
{
	if (p == NULL)
		return;
	arena_free(p->arena);
	free(p->slots);
	free(p);
}

/* ---- lookup (hot path) ------------------------------------------------ */

const struct prebuilt_entry *
prebuilt_find(const struct prebuilt *p, const uint8_t *key, size_t len,
              uint16_t qtype, uint32_t hash)
{
	for (uint32_t i = hash & p->mask;; i = (i + 1) & p->mask) {
		const struct prebuilt_entry *e = &p->slots[i];
		if (e->name == NULL)
			return NULL;
		if (e->hash == hash && e->qtype == qtype && e->namelen == len &&
		    key_equal(e->name, key, len))
			return e;
	}
}
