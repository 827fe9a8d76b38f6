/* SPDX-License-Identifier: MIT */
/* dnsd/prebuilt.c: responses compiled at load (see prebuilt.h). */
/* HOT PATH: see STYLE.md B5 (prebuilt_find, after the marker) */
#include "dnsd/prebuilt.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "dnsd/answer.h"
#include "dnsd/arena.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"
#include "dnsd/zonedb.h"

struct build {
	struct prebuilt *p;
	const struct snapshot *snap;
	uint8_t query[WIRE_HDR_LEN + WIRE_NAME_MAX + 4];
	uint8_t *resp;         /* ANSWER_TCP_MAX */
	struct dnsd_stats *st; /* the answer path counts; nobody reads it */
};

static uint32_t
hash_name(const uint8_t *name, size_t len, uint16_t qtype)
{
	uint8_t key[PREBUILT_KEY_MAX];

	prebuilt_key(key, name, len);
	return prebuilt_hash(key, len, qtype);
}

/* The slot for (name, qtype): the entry's, or the empty one it would take. */
static struct prebuilt_entry *
slot_of(struct prebuilt *p, const uint8_t *name, size_t len, uint16_t qtype,
        uint32_t hash)
{
	for (uint32_t i = hash & p->mask;; i = (i + 1) & p->mask) {
		struct prebuilt_entry *e = &p->slots[i];
		if (e->name == NULL ||
		    (e->hash == hash && e->qtype == qtype &&
		     e->namelen == len && memcmp(e->name, name, len) == 0))
			return e;
	}
}

/*
 * Keep the response to (node's name, qtype), if it is the same for every
 * client and fits in full; anything else stays with the full path.
 */
static void
add(struct build *b, const struct znode *node, uint16_t qtype)
{
	struct prebuilt *p = b->p;
	uint32_t hash = hash_name(node->name, node->namelen, qtype);
	struct prebuilt_entry *e =
	    slot_of(p, node->name, node->namelen, qtype, hash);
	struct prebuilt_entry new = {0};

	if (e->name != NULL || p->n >= PREBUILT_MAX_ENTRIES)
		return; /* the same name as another zone's apex: done */
	if (node->geo != NULL && (qtype == T_A || qtype == T_AAAA)) {
		new.geo = node->geo;
		new.geo_row = zonedb_geo_index(b->snap->db, node->geo);
		new.flags = F_AA;
	} else {
		size_t qlen = WIRE_HDR_LEN + node->namelen + 4;
		memset(b->query, 0, WIRE_HDR_LEN);
		b->query[5] = 1; /* QDCOUNT */
		memcpy(b->query + WIRE_HDR_LEN, node->name, node->namelen);
		uint8_t *t = b->query + WIRE_HDR_LEN + node->namelen;
		t[0] = (uint8_t)(qtype >> 8);
		t[1] = (uint8_t)qtype;
		t[2] = 0;
		t[3] = C_IN;
		bool tailored = false;
		size_t len =
		    answer_query_prebuild(b->snap, b->query, qlen, b->resp,
		                          ANSWER_TCP_MAX, b->st, &tailored);
		if (len < qlen || tailored)
			return;
		uint16_t flags = (uint16_t)(b->resp[2] << 8 | b->resp[3]);
		if ((flags & F_TC) || (flags & 0xF) != RC_NOERROR)
			return;
		new.flags = flags &F_AA;
		new.an = (uint16_t)(b->resp[6] << 8 | b->resp[7]);
		new.ns = (uint16_t)(b->resp[8] << 8 | b->resp[9]);
		new.ar = (uint16_t)(b->resp[10] << 8 | b->resp[11]);
		new.taillen = (uint16_t)(len - qlen);
		new.tail = arena_memdup(p->arena, b->resp + qlen, len - qlen);
		p->bytes += len - qlen;
		new.geo_row = -1;
	}
	new.name = arena_memdup(p->arena, node->name, node->namelen);
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
	b.resp = xmalloc(ANSWER_TCP_MAX);
	b.st = xcalloc(1, sizeof(*b.st));
	for (size_t zi = 0; zi < db->nzones; zi++) {
		const struct zone *z = &db->zones[zi];
		for (uint32_t t = 0; t <= z->mask; t++) {
			const struct znode *node = z->table[t];
			if (node == NULL)
				continue;
			add(&b, node, T_A);
			add(&b, node, T_AAAA);
			for (uint16_t i = 0; i < node->nrrsets; i++)
				add(&b, node, node->rrsets[i].type);
		}
	}
	free(b.resp);
	free(b.st);
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
prebuilt_find(const struct prebuilt *p, const uint8_t *name, size_t len,
              uint16_t qtype, uint32_t hash)
{
	for (uint32_t i = hash & p->mask;; i = (i + 1) & p->mask) {
		const struct prebuilt_entry *e = &p->slots[i];
		if (e->name == NULL)
			return NULL;
		if (e->hash == hash && e->qtype == qtype && e->namelen == len &&
		    memcmp(e->name, name, len) == 0)
			return e;
	}
}
