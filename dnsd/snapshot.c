/* SPDX-License-Identifier: MIT */
/* dnsd/snapshot.c: load, reference and free a snapshot. */
#include "dnsd/snapshot.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/edges.h"
#include "common/errbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "dnsd/conf.h"
#include "dnsd/geo_name.h"
#include "dnsd/prebuilt.h"
#include "geo/geo.h"
#include "dnsd/zone_compile.h"
#include "dnsd/zone_sign.h"
#include "dnsd/zonedb.h"

/* One TXT character-string: a length octet and up to 255 octets. */
static unsigned
txt_rdata(uint8_t *out, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;

	if (s == NULL)
		return 0;
	if (len > 254)
		len = 254;
	out[0] = (uint8_t)len;
	memcpy(out + 1, s, len);
	return (unsigned)len + 1;
}

struct snapshot *
snapshot_load(const char *path, unsigned generation, struct errbuf *err)
{
	unsigned errors0 = err->count;
	struct dnsd_conf *conf = conf_load(path, err);
	struct zonedb_builder *b;
	/* A flawed server config still names zones worth checking. */
	int rc = err->count == errors0 ? 0 : -1;

	if (conf == NULL)
		return NULL;

	/*
	 * Geo names compile against the inventory and the database, which
	 * stays open with the snapshot for explain.
	 */
	struct geo_env env = {0};
	struct edge_set *edges = NULL;
	struct geo_mmdb *mmdb = NULL;
	bool broken = false;
	char geo_db[256] = "";
	if (conf->edges != NULL &&
	    (edges = edges_load(conf->edges, err)) == NULL)
		broken = true;
	if (conf->geo_database != NULL) {
		if ((mmdb = geo_mmdb_open(conf->geo_database, err)) == NULL) {
			broken = true;
		} else {
			geo_mmdb_describe(mmdb, geo_db, sizeof(geo_db));
			log_info("geo: %s: %s", conf->geo_database, geo_db);
		}
	}
	env.edges = edges;
	env.db = mmdb;
	env.broken = broken;
	if (broken)
		rc = -1;
	if (edges != NULL) {
		env.sites = xcalloc(edges->n, sizeof(*env.sites));
		for (size_t i = 0; i < edges->n; i++) {
			env.sites[i].at.lat = edges->edge[i].lat;
			env.sites[i].at.lon = edges->edge[i].lon;
			env.sites[i].bias = edges->edge[i].bias;
		}
	}

	b = zonedb_builder_new();
	zonedb_builder_set_env(b, &env);
	for (size_t i = 0; i < conf->zones.n; i++)
		if (zone_load_yaml(b, conf->zones.v[i], err) == -1)
			rc = -1;
	free(env.sites);
	/* The zone checks run even after earlier errors, to report them all. */
	struct zonedb *db = zonedb_builder_finish(b, err);
	if (db == NULL || rc == -1) {
		geo_mmdb_free(mmdb);
		zonedb_free(db);
		edges_free(edges);
		conf_free(conf);
		return NULL;
	}
	struct snapshot *s = xcalloc(1, sizeof(*s));
	s->conf = conf;
	s->db = db;
	s->edges = edges;
	s->mmdb = mmdb;
	if (mmdb != NULL)
		geo_mmdb_forget_pages(mmdb); /* the build read every page */
	snprintf(s->geo_db, sizeof(s->geo_db), "%s", geo_db);
	s->generation = generation;
	s->loaded = time(NULL);
	for (size_t i = 0; i < db->nzones; i++) {
		const struct zone_keys *keys = db->zones[i].keys;
		time_t at = keys != NULL ? s->loaded + keys->refresh : 0;
		if (at != 0 && (s->resign_at == 0 || at < s->resign_at))
			s->resign_at = at;
	}
	s->id_txt_len = txt_rdata(s->id_txt, conf->identity);
	s->ver_txt_len = txt_rdata(s->ver_txt, conf->version);
	/* Last: it runs the answer path over the finished snapshot. */
	s->prebuilt = prebuilt_build(s);
	atomic_init(&s->refs, 1);
	return s;
}

void
snapshot_ref(struct snapshot *s)
{
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void
snapshot_unref(struct snapshot *s)
{
	if (s == NULL)
		return;
	/* acq_rel: the freeing thread sees every other thread's last use. */
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	prebuilt_free(s->prebuilt);
	zonedb_free(s->db);
	geo_mmdb_free(s->mmdb);
	edges_free(s->edges);
	conf_free(s->conf);
	free(s);
}
