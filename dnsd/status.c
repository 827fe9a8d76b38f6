/* SPDX-License-Identifier: MIT */
/* dnsd/status.c: the status page and its JSON API (status.h). */
#include "dnsd/status.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "common/clock.h"
#include "common/edges.h"
#include "common/errbuf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/metrics_http.h"
#include "dnsd/explain.h"
#include "dnsd/geo_answer.h"
#include "dnsd/geo_name.h"
#include "dnsd/health.h"
#include "dnsd/server.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/stats.h"
#include "dnsd/whatif.h"
#include "dnsd/zonedb.h"
#include "geo/geo.h"

/* The page, embedded at build time from dnsd/status_page.html. */
extern const unsigned char status_page_html[];
extern const size_t status_page_html_len;

/* Cells of the map are this many per degree: half a degree. */
#define CELLS_PER_DEGREE 2

#define JSON "application/json"

/* One cell of the map: where, and one network of the database there,
 * whose clients stand for the cell's. */
struct cell {
	int16_t lat2, lon2; /* degrees x CELLS_PER_DEGREE, rounded */
	uint8_t key[16];    /* tree layout: IPv4 as ::a.b.c.d */
	uint8_t plen;
};

struct status {
	const struct server *server;
	/* The cells of the served database, made on the first map asked
	 * after a (re)load: reading every network takes a while. */
	unsigned generation;
	struct cell *cell;
	size_t ncells;
	uint32_t *slot; /* open addressing over cell[]: index + 1, 0 empty */
	uint32_t mask;
};

/* ---- small helpers -------------------------------------------------- */

/* The query string's arguments into `kv` (evhttp_clear_headers() it);
 * a malformed one gives none. */
static void
query_args(const char *query, struct evkeyvalq *kv)
{
	TAILQ_INIT(kv);
	if (query != NULL && evhttp_parse_query_str(query, kv) != 0)
		evhttp_clear_headers(kv);
}

/* A JSON string of `s` (names here are DNS names and edge names, but a
 * quote or a control character is escaped all the same). */
static void
json_str(struct evbuffer *out, const char *s)
{
	evbuffer_add(out, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			evbuffer_add_printf(out, "\\%c", c);
		else if (c < 0x20)
			evbuffer_add_printf(out, "\\u%04x", c);
		else
			evbuffer_add(out, s, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static int
bad_request(struct evbuffer *out, const char **type, const char *why)
{
	evbuffer_drain(out, evbuffer_get_length(out));
	evbuffer_add_printf(out, "%s\n", why);
	*type = "text/plain; charset=utf-8";
	return HTTP_BADREQUEST;
}

/* The geo name called `name` in what is served, or NULL. */
static const struct geo_name *
geo_named(const struct snapshot *snap, const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len > 1 && name[len - 1] == '.')
		len--;
	for (size_t i = 0; i < snap->db->ngeo; i++)
		if (strlen(snap->db->geo[i]->owner) == len &&
		    strncasecmp(snap->db->geo[i]->owner, name, len) == 0)
			return snap->db->geo[i];
	return NULL;
}

/* ---- /  -------------------------------------------------------------- */

static int
page_index(const char *query, struct evbuffer *out, const char **type,
           void *arg)
{
	(void)query;
	(void)arg;
	evbuffer_add(out, status_page_html, status_page_html_len);
	*type = "text/html; charset=utf-8";
	return HTTP_OK;
}

/* ---- /api/status ------------------------------------------------------ */

static int
page_status(const char *query, struct evbuffer *out, const char **type,
            void *arg)
{
	struct status *st = arg;
	const struct snapshot *snap = server_serving(st->server)->snap;
	const struct edge_set *edges = snap->edges;

	(void)query;
	evbuffer_add_printf(out,
	                    "{\"version\":\"%s\",\"generation\":%u,"
	                    "\"loaded\":%lld,\"geo_names\":[",
	                    DNSD_VERSION, snap->generation,
	                    (long long)snap->loaded);
	for (size_t i = 0; i < snap->db->ngeo; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		json_str(out, snap->db->geo[i]->owner);
	}
	evbuffer_add_printf(out, "],\"edges\":[");
	for (size_t i = 0; edges != NULL && i < edges->n; i++) {
		const struct edge *e = &edges->edge[i];
		evbuffer_add_printf(out, "%s{\"name\":", i > 0 ? "," : "");
		json_str(out, e->name);
		evbuffer_add_printf(out, ",\"lat\":%.4f,\"lon\":%.4f}", e->lat,
		                    e->lon);
	}
	evbuffer_add_printf(out, "]}\n");
	*type = JSON;
	return HTTP_OK;
}

/* ---- /api/edges ------------------------------------------------------- */

static int
page_edges(const char *query, struct evbuffer *out, const char **type,
           void *arg)
{
	struct status *st = arg;
	const struct health *h = server_health(st->server);
	const struct snapshot *snap = server_serving(st->server)->snap;
	size_t want = health_list(h, NULL, 0);
	struct health_edge_info *v = xcalloc(want + 1, sizeof(*v));
	size_t n = health_list(h, v, want);
	struct dnsd_stats *sum = xcalloc(1, sizeof(*sum));

	(void)query;
	server_stats(st->server, sum);
	evbuffer_add_printf(out, "{\"now\":%lld,\"edges\":[",
	                    (long long)time(NULL));
	for (size_t i = 0; i < n; i++) {
		const struct edge *e = snap->edges != NULL && i < snap->edges->n
		                           ? &snap->edges->edge[i]
		                           : NULL;
		uint64_t answers = 0;
		for (size_t g = 0; g < STATS_GEO_NAMES && i < STATS_GEO_EDGES;
		     g++)
			answers += sum->geo_edge[g][i];
		evbuffer_add_printf(out, "%s{\"name\":", i > 0 ? "," : "");
		json_str(out, v[i].name);
		evbuffer_add_printf(
		    out,
		    ",\"lat\":%.4f,\"lon\":%.4f,\"probed\":\"%s\","
		    "\"override\":\"%s\",\"effective\":\"%s\",\"usable\":%s,"
		    "\"share\":%.4g,\"weight\":%u,\"why\":",
		    e != NULL ? e->lat : 0.0, e != NULL ? e->lon : 0.0,
		    health_probed_name(v[i].probed),
		    health_override_name(v[i].override),
		    v[i].usable ? "up" : "down", v[i].usable ? "true" : "false",
		    v[i].share, v[i].weight);
		json_str(out, v[i].why);
		evbuffer_add_printf(
		    out, ",\"last_change\":%lld,\"answers\":%llu}",
		    (long long)v[i].last_change, (unsigned long long)answers);
	}
	evbuffer_add_printf(out, "]}\n");
	free(sum);
	free(v);
	*type = JSON;
	return HTTP_OK;
}

/* ---- /api/map --------------------------------------------------------- */

static uint32_t
cell_hash(int lat2, int lon2)
{
	uint32_t h = (uint32_t)(lat2 + 1000) * 2654435761u ^
	             (uint32_t)(lon2 + 1000) * 40503u;

	return h ^ h >> 15;
}

/* The cells of the map as networks come: each network's cell gets it
 * as its representative if the cell has none yet. */
struct cells_build {
	struct status *st;
	size_t cap;
};

static void
add_network(const uint8_t key[16], unsigned plen, double lat, double lon,
            void *arg)
{
	struct cells_build *b = arg;
	struct status *st = b->st;
	int lat2 = (int)lround(lat * CELLS_PER_DEGREE);
	int lon2 = (int)lround(lon * CELLS_PER_DEGREE);
	uint32_t i = cell_hash(lat2, lon2) & st->mask;

	for (; st->slot[i] != 0; i = (i + 1) & st->mask) {
		const struct cell *c = &st->cell[st->slot[i] - 1];
		if (c->lat2 == lat2 && c->lon2 == lon2)
			return;
	}
	if (st->ncells == b->cap) {
		b->cap *= 2;
		st->cell = xreallocarray(st->cell, b->cap, sizeof(*st->cell));
	}
	struct cell *c = &st->cell[st->ncells++];
	c->lat2 = (int16_t)lat2;
	c->lon2 = (int16_t)lon2;
	memcpy(c->key, key, 16);
	c->plen = (uint8_t)plen;
	st->slot[i] = (uint32_t)st->ncells;
}

/*
 * The cells of the served database, once per generation.  The table has
 * room for every half-degree cell of the globe (259,200) at half load, so
 * it never grows.
 */
static int
make_cells(struct status *st, const struct snapshot *snap)
{
	struct errbuf err;
	int rc;

	if (st->cell != NULL && st->generation == snap->generation)
		return 0;
	free(st->cell);
	free(st->slot);
	st->cell = NULL;
	st->ncells = 0;
	st->mask = (1u << 19) - 1;
	st->slot = xcalloc(st->mask + 1, sizeof(*st->slot));
	if (snap->mmdb == NULL)
		return -1;
	uint64_t t0 = clock_ms();
	struct cells_build b = {st, 1024};
	st->cell = xreallocarray(NULL, b.cap, sizeof(*st->cell));
	errbuf_init(&err);
	rc = geo_mmdb_each_coords(snap->mmdb, add_network, &b, &err);
	if (rc == -1)
		log_warn("status: map: %s", errbuf_text(&err));
	errbuf_fini(&err);
	geo_mmdb_forget_pages(snap->mmdb);
	st->generation = snap->generation;
	log_info("status: map: %zu cells of %g degree, in %" PRIu64 " ms",
	         st->ncells, 1.0 / CELLS_PER_DEGREE, clock_ms() - t0);
	return rc;
}

/* The edge the clients of cell `c` get from `g` under `steer` (the first
 * of the answer: A, or AAAA when the edges have no IPv4), or -1. */
static int
cell_edge(const struct geo_name *g, const struct cell *c,
          const struct steer *steer)
{
	static const uint8_t v4[12];
	struct geo_client client;
	struct geo_trace t;
	bool is_v4 = memcmp(c->key, v4, 12) == 0 && c->plen >= 96;

	if (is_v4)
		geo_client_make(&client, AF_INET, c->key + 12, c->plen - 96u);
	else
		geo_client_make(&client, AF_INET6, c->key, c->plen);
	geo_answer_choose(g, &client, &t);
	const struct geo_picked *p = geo_answer_pick(g, AF_INET, steer, &t);
	if (p->n == 0)
		p = geo_answer_pick(g, AF_INET6, steer, &t);
	return p->n > 0 ? p->edge[0] : -1;
}

static int
page_map(const char *query, struct evbuffer *out, const char **type, void *arg)
{
	struct status *st = arg;
	const struct serving *sv = server_serving(st->server);
	struct evkeyvalq kv;
	query_args(query, &kv);
	const char *name = evhttp_find_header(&kv, "name");
	const char *down = evhttp_find_header(&kv, "down");
	const struct geo_name *g =
	    geo_named(sv->snap, name != NULL ? name : "");
	struct whatif *w = NULL;
	const struct steer *steer = sv->steer;
	int rc = HTTP_OK;

	if (g == NULL && name == NULL && sv->snap->db->ngeo > 0)
		g = sv->snap->db->geo[0];
	if (g == NULL) {
		rc = bad_request(out, type, "no such geo name");
		goto out;
	}
	if (down != NULL) {
		char *word[2] = {(char *)(uintptr_t) "down",
		                 (char *)(uintptr_t)down};
		struct whatif_change chg;
		char why[256];
		if (whatif_parse(sv, word, 2, &chg, why, sizeof(why)) == -1) {
			rc = bad_request(out, type, why);
			goto out;
		}
		w = whatif_new(sv, &chg);
		steer = whatif_steer(w);
	}
	make_cells(st, sv->snap);
	evbuffer_add_printf(out, "{\"name\":");
	json_str(out, g->owner);
	evbuffer_add_printf(out,
	                    ",\"grid\":%g,\"down\":", 1.0 / CELLS_PER_DEGREE);
	if (down != NULL)
		json_str(out, down);
	else
		evbuffer_add_printf(out, "null");
	evbuffer_add_printf(out, ",\"cells\":[");
	for (size_t i = 0; i < st->ncells; i++) {
		const struct cell *c = &st->cell[i];
		evbuffer_add_printf(out, "%s%d,%d,%d", i > 0 ? "," : "",
		                    c->lat2, c->lon2, cell_edge(g, c, steer));
	}
	/* A network of each cell, in the same order: what explain is
	 * asked about when a cell is clicked. */
	evbuffer_add_printf(out, "],\"nets\":[");
	for (size_t i = 0; i < st->ncells; i++) {
		char net[64];
		explain_net_text(st->cell[i].key, st->cell[i].plen, net,
		                 sizeof(net));
		evbuffer_add_printf(out, "%s\"%s\"", i > 0 ? "," : "", net);
	}
	evbuffer_add_printf(out, "]}\n");
	*type = JSON;
out:
	whatif_free(w);
	evhttp_clear_headers(&kv);
	return rc;
}

/* ---- /api/explain ----------------------------------------------------- */

static int
page_explain(const char *query, struct evbuffer *out, const char **type,
             void *arg)
{
	struct status *st = arg;
	struct evkeyvalq kv;
	query_args(query, &kv);
	const char *client = evhttp_find_header(&kv, "client");
	const char *name = evhttp_find_header(&kv, "name");
	const struct health *h = server_health(st->server);
	size_t want = health_list(h, NULL, 0);
	struct health_edge_info *v = xcalloc(want + 1, sizeof(*v));
	size_t n = health_list(h, v, want);
	char *text = NULL;
	size_t len = 0;
	char why[256] = "out of memory";
	int rc = -1;
	FILE *f = client != NULL ? open_memstream(&text, &len) : NULL;

	if (f != NULL) {
		rc = explain_write(f, server_serving(st->server), v, n, client,
		                   name, NULL, true, why, sizeof(why));
		fclose(f);
	}
	if (client == NULL)
		rc = bad_request(out, type,
		                 "usage: ?client=ADDRESS[/PREFIX]"
		                 "&name=GEO-NAME");
	else if (rc == -1)
		rc = bad_request(out, type, why);
	else {
		evbuffer_add(out, text, len);
		*type = JSON;
		rc = HTTP_OK;
	}
	free(text);
	free(v);
	evhttp_clear_headers(&kv);
	return rc;
}

/* ---- setting up --------------------------------------------------------- */

struct status *
status_new(struct metrics_http *http, const struct server *server)
{
	struct status *st = xcalloc(1, sizeof(*st));
	static const struct {
		const char *path;
		metrics_http_page_fn fn;
	} pages[] = {
	    {"/", page_index},
	    {"/api/status", page_status},
	    {"/api/edges", page_edges},
	    {"/api/map", page_map},
	    {"/api/explain", page_explain},
	};

	st->server = server;
	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if (metrics_http_page(http, pages[i].path, pages[i].fn, st) ==
		    -1) {
			log_err("status: cannot serve %s", pages[i].path);
			status_free(st);
			return NULL;
		}
	}
	log_info("status: the status page is served (internal: read-only)");
	return st;
}

void
status_free(struct status *st)
{
	if (st == NULL)
		return;
	free(st->cell);
	free(st->slot);
	free(st);
}
