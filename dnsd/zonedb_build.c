/* SPDX-License-Identifier: MIT */
/* dnsd/zonedb_build.c: compiling zones (load path): the builder collects
 * each zone's records and geo names, then has zone_build.c lay out and
 * check each zone into the tables that zonedb.c looks up. */
#include "dnsd/zonedb.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "common/xalloc.h"
#include "dnsd/arena.h"
#include "dnsd/geo_name.h"
#include "dnsd/sigcache.h"
#include "dnsd/wire.h"
#include "dnsd/zone_build.h"
#include "dnsd/zone_sign.h"

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
		zone_keys_free(b->zones[i].keys);
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
	memset(z, 0, sizeof(*z));
	z->name = xstrdup(name);
	z->apex = xmalloc(apexlen);
	memcpy(z->apex, apex, apexlen);
	z->apexlen = apexlen;
	z->file = intern(b, file);
	z->line = line;
	z->col = col;
	return 0;
}

void
zonedb_builder_keys(struct zonedb_builder *b, struct zone_keys *keys)
{
	struct bzone *z = &b->zones[b->nzones - 1];

	zone_keys_free(z->keys);
	z->keys = keys;
}

void
zone_build_name_text(const uint8_t *name, char *out, size_t outlen)
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
		zone_build_name_text(rr->owner, text, sizeof(text));
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
		zone_build_name_text(owner, text, sizeof(text));
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

struct zonedb *
zonedb_builder_finish(struct zonedb_builder *b, struct errbuf *err)
{
	struct zonedb *db = xcalloc(1, sizeof(*db));
	int rc = 0;

	db->arena = arena_new();
	db->nzones = b->nzones;
	db->zones = arena_alloc(db->arena, b->nzones * sizeof(struct zone));
	db->geo = xcalloc(b->ngeo + 1, sizeof(*db->geo));
	for (size_t zi = 0; zi < b->nzones; zi++)
		if (b->zones[zi].keys != NULL && db->sigcache == NULL)
			db->sigcache = sigcache_new(SIGCACHE_ENTRIES);
	if (b->nrrs > 0) /* qsort(NULL, 0) is undefined */
		qsort(b->rrs, b->nrrs, sizeof(*b->rrs), cmp_rr);
	for (size_t zi = 0, r = 0; zi < b->nzones; zi++) {
		size_t e = r;
		while (e < b->nrrs && b->rrs[e].zone == zi)
			e++;
		/* b->rrs is NULL when no zone has a record: no NULL + 0 */
		const struct brr *first = b->nrrs > 0 ? b->rrs + r : NULL;
		/* The zone takes its keys: they sign it, then answers. */
		db->zones[zi].keys = b->zones[zi].keys;
		b->zones[zi].keys = NULL;
		if (zone_build(db, &db->zones[zi], &b->zones[zi], first, e - r,
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
	for (size_t i = 0; i < db->nzones; i++)
		zone_keys_free(db->zones[i].keys);
	sigcache_free(db->sigcache);
	free(db->geo);
	arena_free(db->arena);
	free(db);
}
