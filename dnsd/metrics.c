/* SPDX-License-Identifier: MIT */
/* dnsd/metrics.c: Prometheus metrics over HTTP (text format 0.0.4). */
#include "dnsd/metrics.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/compiler.h"
#include "common/edges.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "daemon/metrics_http.h"
#include "dnsd/conf.h"
#include "dnsd/geo_name.h"
#include "dnsd/health.h"
#include "dnsd/health_feed.h"
#include "dnsd/server.h"
#include "dnsd/serving.h"
#include "dnsd/snapshot.h"
#include "dnsd/status.h"
#include "dnsd/zonedb.h"

/* ---- rendering ---------------------------------------------------------- */

/* Rendering the query counters: a family's HELP and TYPE come before its
 * first sample. */
struct families {
	struct evbuffer *out;
	const char *family; /* of the last sample */
};

/* One counter of the shared declaration (stats.h). */
static void
render_counter(const struct stats_item *it, void *arg)
{
	struct families *r = arg;

	if (r->family == NULL || strcmp(r->family, it->metric) != 0) {
		metrics_http_head(r->out, it->metric, "counter", it->help);
		r->family = it->metric;
	}
	metrics_http_sample(r->out, it->metric, it->label, it->value, it->n);
}

static void
render_queries(struct evbuffer *out, const struct dnsd_stats *s)
{
	struct families r = {out, NULL};

	stats_each(s, render_counter, &r);
}

static void
render_geo(struct evbuffer *out, const struct metrics_input *in)
{
	const struct dnsd_stats *s = in->stats;
	size_t ngeo = in->ngeo < STATS_GEO_NAMES ? in->ngeo : STATS_GEO_NAMES;
	size_t nedges =
	    in->nedges < STATS_GEO_EDGES ? in->nedges : STATS_GEO_EDGES;

	metrics_http_head(out, "dnsd_geo_answers_total", "counter",
	                  "Geo name queries answered, by the rule that decided "
	                  "(all_down: the all-down policy).");
	for (size_t g = 0; g < ngeo; g++)
		for (unsigned r = 0; r < STATS_GEO_REASONS; r++)
			metrics_http_sample2(
			    out, "dnsd_geo_answers_total", "name",
			    in->geo_names[g], "reason",
			    stats_geo_reason_name((enum stats_geo_reason)r),
			    s->geo_reason[g][r]);
	/* Only pairs answered at least once: most never are. */
	metrics_http_head(out, "dnsd_geo_edge_answers_total", "counter",
	                  "A or AAAA RRsets of a geo name that held the edge.");
	for (size_t g = 0; g < ngeo; g++)
		for (size_t e = 0; e < nedges; e++)
			if (s->geo_edge[g][e] != 0)
				metrics_http_sample2(
				    out, "dnsd_geo_edge_answers_total", "name",
				    in->geo_names[g], "edge", in->edge_names[e],
				    s->geo_edge[g][e]);
	metrics_http_head(
	    out, "dnsd_geo_dropped_total", "counter",
	    "Geo counts not kept: names or edges beyond the counters' caps.");
	metrics_http_sample(out, "dnsd_geo_dropped_total", NULL, NULL,
	                    s->geo_dropped);
}

/* One gauge per prober: `v` picks the value. */
static void
prober_gauge(struct evbuffer *out, const struct metrics_input *in,
             const char *name, const char *type, const char *help,
             uint64_t (*v)(const struct prober_info *p))
{
	metrics_http_head(out, name, type, help);
	for (size_t k = 0; k < in->nprobers; k++)
		metrics_http_sample(out, name, "prober", in->probers[k].name,
		                    v(&in->probers[k]));
}

static uint64_t
p_fresh(const struct prober_info *p)
{
	return p->fresh;
}

static uint64_t
p_isolated(const struct prober_info *p)
{
	return p->isolated;
}

static uint64_t
p_isolations(const struct prober_info *p)
{
	return p->isolations;
}

static uint64_t
p_edges(const struct prober_info *p)
{
	return p->edges;
}

static uint64_t
p_down(const struct prober_info *p)
{
	return p->down;
}

static uint64_t
p_messages(const struct prober_info *p)
{
	return p->messages;
}

/* Each prober's freshness, breaker and view of every edge it probes. */
static void
render_probers(struct evbuffer *out, const struct metrics_input *in)
{
	prober_gauge(out, in, "dnsd_prober_fresh", "gauge",
	             "1 while the prober's messages keep coming.", p_fresh);
	prober_gauge(out, in, "dnsd_prober_isolated", "gauge",
	             "1 while the prober is isolated: it finds most edges "
	             "down, the others find them up; its votes are ignored.",
	             p_isolated);
	prober_gauge(out, in, "dnsd_prober_isolations_total", "counter",
	             "Times the prober was found isolated.", p_isolations);
	prober_gauge(out, in, "dnsd_prober_edges", "gauge",
	             "Edges of the inventory the prober reports.", p_edges);
	prober_gauge(out, in, "dnsd_prober_edges_down", "gauge",
	             "Edges the prober reports down.", p_down);
	prober_gauge(out, in, "dnsd_prober_messages_total", "counter",
	             "Messages taken from the prober.", p_messages);
	metrics_http_head(out, "dnsd_prober_edge_up", "gauge",
	                  "What each prober finds of each edge it probes (1: "
	                  "up, 0: down).");
	for (size_t k = 0; k < in->nprobers; k++)
		for (size_t i = 0; i < in->nhealth; i++) {
			uint8_t v = in->views[k * in->nhealth + i];
			if (v != 0)
				metrics_http_sample2(
				    out, "dnsd_prober_edge_up", "prober",
				    in->probers[k].name, "edge",
				    in->health[i].name, v == HMSG_UP);
		}
}

static void
render_health(struct evbuffer *out, const struct metrics_input *in)
{
	static const char *const probed[] = {"unknown", "up", "down"};
	static const enum health_override ovr[] = {
	    HEALTH_AUTO, HEALTH_DRAIN, HEALTH_FORCE_DOWN, HEALTH_FORCE_UP};

	metrics_http_head(out, "dnsd_edge_probed", "gauge",
	                  "What the feed says of each edge: 1 for its state.");
	for (size_t i = 0; i < in->nhealth; i++)
		for (unsigned p = 0; p < 3; p++)
			metrics_http_sample2(
			    out, "dnsd_edge_probed", "edge", in->health[i].name,
			    "state", probed[p],
			    (unsigned)in->health[i].probed == p);
	metrics_http_head(
	    out, "dnsd_edge_override", "gauge",
	    "Operator override of each edge: 1 for the one in force.");
	for (size_t i = 0; i < in->nhealth; i++)
		for (unsigned o = 0; o < 4; o++)
			metrics_http_sample2(out, "dnsd_edge_override", "edge",
			                     in->health[i].name, "override",
			                     health_override_name(ovr[o]),
			                     in->health[i].override == ovr[o]);
	metrics_http_head(
	    out, "dnsd_edge_usable", "gauge",
	    "1 if geo answers may use the edge (effective state).");
	for (size_t i = 0; i < in->nhealth; i++)
		metrics_http_sample(out, "dnsd_edge_usable", "edge",
		                    in->health[i].name, in->health[i].usable);
	metrics_http_head(out, "dnsd_edge_share", "gauge",
	                  "Share (0..1) of the clients that would get the edge "
	                  "that it takes (load shedding, ramp, timed drain).");
	for (size_t i = 0; i < in->nhealth; i++)
		metrics_http_gauge(out, "dnsd_edge_share", "edge",
		                   in->health[i].name, in->health[i].share);
	metrics_http_head(out, "dnsd_edge_weight", "gauge",
	                  "Weight of the edge in its tier (reported or "
	                  "configured).");
	for (size_t i = 0; i < in->nhealth; i++)
		metrics_http_sample(out, "dnsd_edge_weight", "edge",
		                    in->health[i].name, in->health[i].weight);
	/* Only edges that report a load: no sample is not a zero. */
	metrics_http_head(out, "dnsd_edge_load", "gauge",
	                  "Load the edge reports in its health check (1: "
	                  "full).");
	for (size_t i = 0; i < in->nhealth; i++)
		if (in->health[i].load >= 0)
			metrics_http_gauge(out, "dnsd_edge_load", "edge",
			                   in->health[i].name,
			                   in->health[i].load);

	metrics_http_head(out, "dnsd_edge_votes_down", "gauge",
	                  "Probers whose vote counts that find the edge down.");
	for (size_t i = 0; i < in->nhealth; i++)
		metrics_http_sample(out, "dnsd_edge_votes_down", "edge",
		                    in->health[i].name, in->health[i].down);
	metrics_http_head(out, "dnsd_edge_voters", "gauge",
	                  "Probers whose vote on the edge counts (fresh, not "
	                  "isolated, probing it).");
	for (size_t i = 0; i < in->nhealth; i++)
		metrics_http_sample(out, "dnsd_edge_voters", "edge",
		                    in->health[i].name, in->health[i].voters);
	render_probers(out, in);

	const struct health_feed_stats *f = in->feed;
	if (f == NULL)
		return;
	/* No sample before the first message: there is no age yet. */
	metrics_http_head(out, "dnsd_feed_age_seconds", "gauge",
	                  "Seconds since the last accepted health message.");
	if (f->last_message != 0)
		metrics_http_sample(out, "dnsd_feed_age_seconds", NULL, NULL,
		                    in->now > f->last_message
		                        ? (uint64_t)(in->now - f->last_message)
		                        : 0);
	metrics_http_head(
	    out, "dnsd_feed_stale", "gauge",
	    "1 if the health feed is stale (silent over stale_after).");
	metrics_http_sample(out, "dnsd_feed_stale", NULL, NULL, f->stale);
	metrics_http_head(
	    out, "dnsd_feed_messages_total", "counter",
	    "Health feed messages, accepted or dropped (old, bad, auth, "
	    "from a prober beyond the 32 kept).");
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "accepted", f->accepted);
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "dropped_old", f->dropped_old);
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "dropped_bad", f->dropped_bad);
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "dropped_auth", f->dropped_auth);
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "dropped_probers", f->dropped_probers);
}

void
metrics_render(struct evbuffer *out, const struct metrics_input *in)
{
	render_queries(out, in->stats);
	render_geo(out, in);
	render_health(out, in);
	metrics_http_head(out, "dnsd_reloads_total", "counter",
	                  "Successful configuration reloads.");
	metrics_http_sample(out, "dnsd_reloads_total", NULL, NULL, in->reloads);
	metrics_http_head(
	    out, "dnsd_reload_failures_total", "counter",
	    "Failed reloads (the old configuration kept serving).");
	metrics_http_sample(out, "dnsd_reload_failures_total", NULL, NULL,
	                    in->reload_failures);
	metrics_http_head(
	    out, "dnsd_config_generation", "gauge",
	    "Generation of the configuration served (1 at start).");
	metrics_http_sample(out, "dnsd_config_generation", NULL, NULL,
	                    in->generation);
}

/* ---- the endpoint ------------------------------------------------------- */

struct metrics {
	struct metrics_http *http;
	struct status *status; /* the status page on the same listener */
	const struct server *server;
	struct dnsd_stats *sum;  /* scratch for a scrape */
	struct dnsd_stats *base; /* geo counts at the last reset */
};

static void
scrape(struct evbuffer *out, void *arg)
{
	struct metrics *m = arg;
	const struct snapshot *snap = server_serving(m->server)->snap;
	const struct health_feed *feed = server_feed(m->server);
	struct dnsd_stats *s = m->sum;
	struct health_feed_stats fs;
	struct server_info si;

	server_stats(m->server, s);
	for (size_t g = 0; g < STATS_GEO_NAMES; g++) {
		for (size_t r = 0; r < STATS_GEO_REASONS; r++)
			s->geo_reason[g][r] -= m->base->geo_reason[g][r];
		for (size_t e = 0; e < STATS_GEO_EDGES; e++)
			s->geo_edge[g][e] -= m->base->geo_edge[g][e];
	}
	server_info(m->server, &si);
	size_t ngeo = snap->db->ngeo;
	size_t nedges = snap->edges != NULL ? snap->edges->n : 0;
	const char **geo = xcalloc(ngeo + 1, sizeof(*geo));
	const char **edges = xcalloc(nedges + 1, sizeof(*edges));
	struct health_edge_info *hi = xcalloc(nedges + 1, sizeof(*hi));
	for (size_t i = 0; i < ngeo; i++)
		geo[i] = snap->db->geo[i]->owner;
	for (size_t i = 0; i < nedges; i++)
		edges[i] = snap->edges->edge[i].name;
	struct metrics_input in = {
	    .stats = s,
	    .geo_names = geo,
	    .ngeo = ngeo,
	    .edge_names = edges,
	    .nedges = nedges,
	    .health = hi,
	    .nhealth = health_list(server_health(m->server), hi, nedges),
	    .now = time(NULL),
	    .reloads = si.reloads,
	    .reload_failures = si.reload_failures,
	    .generation = snap->generation,
	};
	if (in.nhealth > nedges)
		in.nhealth = nedges;
	struct prober_info pi[PROBERS_MAX];
	uint8_t *views = xcalloc(PROBERS_MAX * in.nhealth + 1, 1);
	in.nprobers = health_probers(server_health(m->server), pi, PROBERS_MAX);
	in.nprobers = in.nprobers < PROBERS_MAX ? in.nprobers : PROBERS_MAX;
	for (size_t k = 0; k < in.nprobers; k++)
		for (size_t i = 0; i < in.nhealth; i++)
			views[k * in.nhealth + i] =
			    health_prober_view(server_health(m->server), k, i);
	in.probers = pi;
	in.views = views;
	if (feed != NULL) {
		health_feed_stats(feed, &fs);
		in.feed = &fs;
	}
	metrics_render(out, &in);
	free(views);
	free(geo);
	free(edges);
	free(hi);
}

struct metrics *
metrics_new(struct event_base *base, const struct netaddr *addr,
            const struct server *server)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->server = server;
	m->sum = xcalloc(1, sizeof(*m->sum));
	m->base = xcalloc(1, sizeof(*m->base));
	m->http = metrics_http_new(base, addr, scrape, m);
	if (m->http == NULL) {
		metrics_free(m);
		return NULL;
	}
	if (server_serving(server)->snap->conf->status_page &&
	    (m->status = status_new(m->http, server)) == NULL) {
		metrics_free(m);
		return NULL;
	}
	return m;
}

void
metrics_reset_geo(struct metrics *m)
{
	if (m == NULL)
		return;
	server_stats(m->server, m->base);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	status_free(m->status);
	metrics_http_free(m->http);
	free(m->sum);
	free(m->base);
	free(m);
}
