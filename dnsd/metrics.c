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
#include "dnsd/snapshot.h"
#include "dnsd/wire.h"
#include "dnsd/worker.h"
#include "dnsd/zonedb.h"

/* ---- rendering ---------------------------------------------------------- */

static const char *
rcode_name(unsigned rc)
{
	static const char *const names[] = {
	    [RC_NOERROR] = "NOERROR",
	    [RC_FORMERR] = "FORMERR",
	    [RC_SERVFAIL] = "SERVFAIL",
	    [RC_NXDOMAIN] = "NXDOMAIN",
	    [RC_NOTIMP] = "NOTIMP",
	    [RC_REFUSED] = "REFUSED",
	    [6] = "YXDOMAIN",
	    [7] = "YXRRSET",
	    [8] = "NXRRSET",
	    [9] = "NOTAUTH",
	    [10] = "NOTZONE",
	    [RC_BADVERS] = "BADVERS",
	};

	return rc < sizeof(names) / sizeof(names[0]) ? names[rc] : NULL;
}

static void
render_queries(struct evbuffer *out, const struct dnsd_stats *s)
{
	char num[16];
	uint64_t answered = 0;

	metrics_http_head(out, "dnsd_queries_total", "counter",
	                  "DNS messages received, by transport.");
	metrics_http_sample(out, "dnsd_queries_total", "proto", "udp", s->udp);
	metrics_http_sample(out, "dnsd_queries_total", "proto", "tcp", s->tcp);

	metrics_http_head(
	    out, "dnsd_queries_by_qtype_total", "counter",
	    "Parsed questions, by query type (other: every type not named).");
	for (unsigned t = 0; t < STATS_QTYPES; t++)
		metrics_http_sample(out, "dnsd_queries_by_qtype_total", "qtype",
		                    stats_qtype_name((enum stats_qtype)t),
		                    s->qtype[t]);

	/* Named rcodes always (rates need the zeros); others when seen. */
	metrics_http_head(out, "dnsd_responses_total", "counter",
	                  "Responses, by rcode (extended rcodes included).");
	for (unsigned rc = 0; rc < STATS_RCODES; rc++) {
		const char *name = rcode_name(rc);
		answered += s->rcode[rc];
		if (name == NULL && s->rcode[rc] == 0)
			continue;
		if (name == NULL) {
			snprintf(num, sizeof(num), "RCODE%u", rc);
			name = num;
		}
		metrics_http_sample(out, "dnsd_responses_total", "rcode", name,
		                    s->rcode[rc]);
	}

	metrics_http_head(out, "dnsd_edns_queries_total", "counter",
	                  "Queries with an OPT record.");
	metrics_http_sample(out, "dnsd_edns_queries_total", NULL, NULL,
	                    s->edns);
	metrics_http_head(
	    out, "dnsd_ecs_queries_total", "counter",
	    "Answered queries with and without an EDNS Client Subnet option.");
	metrics_http_sample(out, "dnsd_ecs_queries_total", "ecs", "present",
	                    s->ecs);
	metrics_http_sample(out, "dnsd_ecs_queries_total", "ecs", "absent",
	                    answered > s->ecs ? answered - s->ecs : 0);
	metrics_http_head(
	    out, "dnsd_prebuilt_answers_total", "counter",
	    "Responses served from those compiled at load (the fast path).");
	metrics_http_sample(out, "dnsd_prebuilt_answers_total", NULL, NULL,
	                    s->prebuilt);
	metrics_http_head(out, "dnsd_truncated_total", "counter",
	                  "UDP responses sent with TC set.");
	metrics_http_sample(out, "dnsd_truncated_total", NULL, NULL,
	                    s->truncated);
	metrics_http_head(
	    out, "dnsd_malformed_total", "counter",
	    "Malformed messages: dropped (QR set, under 2 octets) or "
	    "answered FORMERR.");
	metrics_http_sample(out, "dnsd_malformed_total", "kind", "dropped_qr",
	                    s->dropped_qr);
	metrics_http_sample(out, "dnsd_malformed_total", "kind",
	                    "dropped_short", s->dropped_short);
	metrics_http_sample(out, "dnsd_malformed_total", "kind", "formerr",
	                    s->rcode[RC_FORMERR]);
	metrics_http_head(
	    out, "dnsd_tcp_connections_total", "counter",
	    "TCP connections accepted, rejected (over tcp_max_clients) and "
	    "closed for idleness.");
	metrics_http_sample(out, "dnsd_tcp_connections_total", "result",
	                    "accepted", s->tcp_accepted);
	metrics_http_sample(out, "dnsd_tcp_connections_total", "result",
	                    "rejected", s->tcp_rejected);
	metrics_http_sample(out, "dnsd_tcp_connections_total", "result",
	                    "timeout", s->tcp_timeouts);
	metrics_http_head(out, "dnsd_send_errors_total", "counter",
	                  "Responses the kernel refused to send.");
	metrics_http_sample(out, "dnsd_send_errors_total", NULL, NULL,
	                    s->send_errors);
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
	    "Health feed messages, accepted or dropped (old, bad, auth).");
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "accepted", f->accepted);
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "dropped_old", f->dropped_old);
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "dropped_bad", f->dropped_bad);
	metrics_http_sample(out, "dnsd_feed_messages_total", "result",
	                    "dropped_auth", f->dropped_auth);
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
	struct metrics_source src;
	struct dnsd_stats *sum;  /* scratch for a scrape */
	struct dnsd_stats *base; /* geo counts at the last reset */
};

static void
sum_workers(const struct metrics *m, struct dnsd_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < m->src.nworkers; i++)
		worker_stats_add(out, m->src.workers[i]);
}

/* One scrape: gather what metrics_render shows, then render it. */
static void
scrape(struct evbuffer *out, void *arg)
{
	struct metrics *m = arg;
	const struct snapshot *snap = *m->src.snap;
	struct dnsd_stats *s = m->sum;
	struct health_feed_stats feed;

	sum_workers(m, s);
	for (size_t g = 0; g < STATS_GEO_NAMES; g++) {
		for (size_t r = 0; r < STATS_GEO_REASONS; r++)
			s->geo_reason[g][r] -= m->base->geo_reason[g][r];
		for (size_t e = 0; e < STATS_GEO_EDGES; e++)
			s->geo_edge[g][e] -= m->base->geo_edge[g][e];
	}

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
	    .now = time(NULL),
	    .reloads = *m->src.reloads,
	    .reload_failures = *m->src.reload_failures,
	    .generation = snap->generation,
	};
	if (m->src.health != NULL) {
		in.nhealth = health_list(m->src.health, hi, nedges);
		health_feed_stats(m->src.health, &feed);
		in.feed = &feed;
	}
	metrics_render(out, &in);
	free(geo);
	free(edges);
	free(hi);
}

struct metrics *
metrics_new(struct event_base *base, const struct netaddr *addr,
            const struct metrics_source *src)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->src = *src;
	m->sum = xcalloc(1, sizeof(*m->sum));
	m->base = xcalloc(1, sizeof(*m->base));
	m->http = metrics_http_new(base, addr, scrape, m);
	if (m->http == NULL) {
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
	sum_workers(m, m->base);
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	metrics_http_free(m->http);
	free(m->sum);
	free(m->base);
	free(m);
}
