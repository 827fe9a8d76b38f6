/* SPDX-License-Identifier: MIT */
/* edge-health/metrics.c: the prober's Prometheus metrics over HTTP. */
#include "edge-health/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <ldns/ldns.h>

#include "common/hmsg.h"
#include "common/netaddr.h"
#include "common/xalloc.h"
#include "daemon/metrics_http.h"
#include "edge-health/anycast.h"
#include "edge-health/conf.h"
#include "edge-health/edge_report.h"
#include "edge-health/feed.h"

/* ---- rendering ---------------------------------------------------------- */

/* The bucket bounds as Prometheus reads them, from sched_latency_us. */
static const char *const le_text[SCHED_LATENCY_BUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
};

/* name{edge="e"  (the caller adds more labels and closes the braces) */
static void
open_edge(struct evbuffer *out, const char *name, const char *edge)
{
	evbuffer_add_printf(out, "%s{edge=\"", name);
	metrics_http_label(out, edge);
	evbuffer_add(out, "\"", 1);
}

/* A check as an operator recognises it: "http://127.0.0.1:8080/health",
 * "dns://127.0.0.1:53/cdn.example.net/A" (".../A/tcp" over TCP). */
static void
check_text(const struct eh_check *c, char *buf, size_t len)
{
	const char *path =
	    c->type != EH_CHECK_TCP && c->path != NULL ? c->path : "";
	int n;

	/* Truncation is fine: the label is for people. */
	if (c->type == EH_CHECK_DNS) {
		char *t = ldns_rr_type2str((ldns_rr_type)c->qtype);
		n = snprintf(buf, len, "dns://%s/%s/%s%s", c->addr.text,
		             c->qname, t != NULL ? t : "?",
		             c->dns_tcp ? "/tcp" : "");
		free(t);
	} else {
		n = snprintf(buf, len, "%s://%s%s", eh_conf_check_name(c->type),
		             c->addr.text, path);
	}
	if (n < 0)
		buf[0] = '\0';
}

static void
render_probes(struct evbuffer *out, const struct eh_metrics_input *in)
{
	static const char *const result[2] = {"ok", "fail"};
	char check[NETADDR_TEXT + 300];

	metrics_http_head(
	    out, "edge_health_probes_total", "counter",
	    "Probes, by edge, check and result (a timeout is a fail).");
	for (size_t i = 0; i < in->nedge; i++) {
		const struct sched_edge_info *ei = &in->edge[i];
		for (size_t j = 0; j < ei->e->ncheck; j++) {
			const struct sched_check_stats *cs =
			    &ei->stats->check[j];
			const uint64_t n[2] = {cs->ok, cs->fail};
			check_text(&ei->e->check[j], check, sizeof(check));
			for (unsigned r = 0; r < 2; r++) {
				open_edge(out, "edge_health_probes_total",
				          ei->e->name);
				evbuffer_add(out, ",check=\"", 8);
				metrics_http_label(out, check);
				evbuffer_add_printf(
				    out, "\",result=\"%s\"} %" PRIu64 "\n",
				    result[r], n[r]);
			}
		}
	}
}

static void
render_latency(struct evbuffer *out, const struct eh_metrics_input *in)
{
	const char *name = "edge_health_probe_duration_seconds";

	metrics_http_head(
	    out, name, "histogram",
	    "Time from the start of a round to each probe's result.");
	for (size_t i = 0; i < in->nedge; i++) {
		const struct sched_edge_stats *st = in->edge[i].stats;
		const char *edge = in->edge[i].e->name;
		uint64_t cum = 0;
		for (size_t b = 0; b <= SCHED_LATENCY_BUCKETS; b++) {
			cum += st->latency[b];
			metrics_http_sample2(
			    out, "edge_health_probe_duration_seconds_bucket",
			    "edge", edge, "le",
			    b < SCHED_LATENCY_BUCKETS ? le_text[b] : "+Inf",
			    cum);
		}
		/* Seconds with a fraction: not an integer sample. */
		open_edge(out, "edge_health_probe_duration_seconds_sum", edge);
		evbuffer_add_printf(out, "} %" PRIu64 ".%06" PRIu64 "\n",
		                    st->latency_sum_us / 1000000,
		                    st->latency_sum_us % 1000000);
		metrics_http_sample(out,
		                    "edge_health_probe_duration_seconds_count",
		                    "edge", edge, cum);
	}
}

static void
render_states(struct evbuffer *out, const struct eh_metrics_input *in)
{
	metrics_http_head(
	    out, "edge_health_transitions_total", "counter",
	    "State changes after rise good or fall failed rounds.");
	for (size_t i = 0; i < in->nedge; i++) {
		const struct sched_edge_info *ei = &in->edge[i];
		metrics_http_sample2(out, "edge_health_transitions_total",
		                     "edge", ei->e->name, "to", "up",
		                     ei->stats->went_up);
		metrics_http_sample2(out, "edge_health_transitions_total",
		                     "edge", ei->e->name, "to", "down",
		                     ei->stats->went_down);
	}
	metrics_http_head(
	    out, "edge_health_edge_up", "gauge",
	    "1 if the edge is up (what the feed says), 0 if down.");
	for (size_t i = 0; i < in->nedge; i++)
		metrics_http_sample(out, "edge_health_edge_up", "edge",
		                    in->edge[i].e->name,
		                    in->edge[i].up ? 1 : 0);
}

/* What edges say about themselves: a sample only for an edge whose last
 * round brought that value. */
static void
render_reports(struct evbuffer *out, const struct eh_metrics_input *in)
{
	metrics_http_head(out, "edge_health_reported_load", "gauge",
	                  "The load the edge reports in its health check "
	                  "(1: fully loaded), as sent to the feed.");
	for (size_t i = 0; i < in->nedge; i++) {
		const struct edge_report *r = in->edge[i].report;
		if (r == NULL || !(r->has & HMSG_HAS_LOAD))
			continue;
		metrics_http_gauge(out, "edge_health_reported_load", "edge",
		                   in->edge[i].e->name, r->load);
	}
	metrics_http_head(out, "edge_health_reported_weight", "gauge",
	                  "The weight the edge reports in its health check "
	                  "(0..255), as sent to the feed.");
	for (size_t i = 0; i < in->nedge; i++) {
		const struct edge_report *r = in->edge[i].report;
		if (r != NULL && (r->has & HMSG_HAS_WEIGHT))
			metrics_http_sample(out, "edge_health_reported_weight",
			                    "edge", in->edge[i].e->name,
			                    r->weight);
	}
}

/* The anycast role's, only where it is configured. */
static void
render_anycast(struct evbuffer *out, const struct anycast_info *ai)
{
	metrics_http_head(out, "edge_health_anycast_announced", "gauge",
	                  "1 if the BIRD include file announces the anycast "
	                  "prefixes, 0 if it withdraws them.");
	metrics_http_sample(out, "edge_health_anycast_announced", NULL, NULL,
	                    ai->announced ? 1 : 0);
	metrics_http_head(out, "edge_health_anycast_transitions_total",
	                  "counter",
	                  "Decisions to announce or withdraw the anycast "
	                  "prefixes.");
	metrics_http_sample(out, "edge_health_anycast_transitions_total", "to",
	                    "announced", ai->announces);
	metrics_http_sample(out, "edge_health_anycast_transitions_total", "to",
	                    "withdrawn", ai->withdraws);
	metrics_http_head(out, "edge_health_anycast_reload_failures_total",
	                  "counter",
	                  "Runs of bird_reload that failed or were killed.");
	metrics_http_sample(out, "edge_health_anycast_reload_failures_total",
	                    NULL, NULL, ai->reload_failures);
}

void
eh_metrics_render(struct evbuffer *out, const struct eh_metrics_input *in)
{
	render_probes(out, in);
	render_latency(out, in);
	render_states(out, in);
	render_reports(out, in);
	metrics_http_head(out, "edge_health_feed_messages_total", "counter",
	                  "Snapshots sent to the feed, each to every target.");
	metrics_http_sample(out, "edge_health_feed_messages_total", NULL, NULL,
	                    in->feed_messages);
	metrics_http_head(
	    out, "edge_health_feed_send_failures_total", "counter",
	    "Sends to a feed target that failed (dnsd down, buffer full).");
	metrics_http_sample(out, "edge_health_feed_send_failures_total", NULL,
	                    NULL, in->feed_failures);
	if (in->anycast != NULL)
		render_anycast(out, in->anycast);
}

/* ---- the endpoint ------------------------------------------------------- */

struct eh_metrics {
	struct metrics_http *http;
	struct eh_metrics_source src;
};

/* One scrape: gather what eh_metrics_render shows, then render it. */
static void
scrape(struct evbuffer *out, void *arg)
{
	struct eh_metrics *m = arg;
	const struct sched *s = *m->src.sched;
	size_t n = s != NULL ? sched_count(s) : 0;
	struct sched_edge_info *ei = xcalloc(n + 1, sizeof(*ei));

	for (size_t i = 0; i < n; i++)
		sched_edge_info(s, i, &ei[i]);
	struct eh_metrics_input in = {
	    .edge = ei,
	    .nedge = n,
	    .feed_messages = *m->src.feed_messages,
	    .feed_failures = *m->src.feed_failures_before,
	};
	if (*m->src.feed != NULL)
		in.feed_failures += feed_failures(*m->src.feed);
	struct anycast_info ai;
	if (m->src.anycast != NULL && *m->src.anycast != NULL) {
		anycast_info(*m->src.anycast, &ai);
		in.anycast = &ai;
	}
	eh_metrics_render(out, &in);
	free(ei);
}

struct eh_metrics *
eh_metrics_new(struct event_base *base, const struct netaddr *addr,
               const struct eh_metrics_source *src)
{
	struct eh_metrics *m = xcalloc(1, sizeof(*m));

	m->src = *src;
	m->http = metrics_http_new(base, addr, scrape, m);
	if (m->http == NULL) {
		eh_metrics_free(m);
		return NULL;
	}
	return m;
}

void
eh_metrics_free(struct eh_metrics *m)
{
	if (m == NULL)
		return;
	metrics_http_free(m->http);
	free(m);
}
