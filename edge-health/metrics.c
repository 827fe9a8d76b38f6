/* SPDX-License-Identifier: MIT */
/* edge-health/metrics.c: the prober's Prometheus metrics over HTTP. */
#include "edge-health/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "edge-health/conf.h"
#include "edge-health/feed.h"

/* ---- rendering ---------------------------------------------------------- */

/* The bucket bounds as Prometheus reads them, from sched_latency_us. */
static const char *const le_text[SCHED_LATENCY_BUCKETS] = {
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5",
};

static void
head(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	                    name, type);
}

/* A label value, escaped as the text format requires. */
static void
label(struct evbuffer *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*v == '"')
			evbuffer_add(out, "\\\"", 2);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

/* name{edge="e"  (the caller closes the braces) */
static void
open_edge(struct evbuffer *out, const char *name, const char *edge)
{
	evbuffer_add_printf(out, "%s{edge=\"", name);
	label(out, edge);
	evbuffer_add(out, "\"", 1);
}

/* A check as an operator recognises it: "http://127.0.0.1:8080/health". */
static void
check_text(const struct eh_check *c, char *buf, size_t len)
{
	const char *path =
	    c->type != EH_CHECK_TCP && c->path != NULL ? c->path : "";

	/* Truncation is fine: the label is for people. */
	if (snprintf(buf, len, "%s://%s%s", eh_conf_check_name(c->type),
	             c->addr_text, path) < 0)
		buf[0] = '\0';
}

static void
render_probes(struct evbuffer *out, const struct eh_metrics_input *in)
{
	static const char *const result[2] = {"ok", "fail"};
	char check[EH_ADDR_TEXT + 300];

	head(out, "edge_health_probes_total", "counter",
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
				label(out, check);
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

	head(out, name, "histogram",
	     "Time from the start of a round to each probe's result.");
	for (size_t i = 0; i < in->nedge; i++) {
		const struct sched_edge_stats *st = in->edge[i].stats;
		const char *edge = in->edge[i].e->name;
		uint64_t cum = 0;
		for (size_t b = 0; b <= SCHED_LATENCY_BUCKETS; b++) {
			cum += st->latency[b];
			open_edge(out,
			          "edge_health_probe_duration_seconds_bucket",
			          edge);
			evbuffer_add_printf(
			    out, ",le=\"%s\"} %" PRIu64 "\n",
			    b < SCHED_LATENCY_BUCKETS ? le_text[b] : "+Inf",
			    cum);
		}
		open_edge(out, "edge_health_probe_duration_seconds_sum", edge);
		evbuffer_add_printf(out, "} %" PRIu64 ".%06" PRIu64 "\n",
		                    st->latency_sum_us / 1000000,
		                    st->latency_sum_us % 1000000);
		open_edge(out, "edge_health_probe_duration_seconds_count",
		          edge);
		evbuffer_add_printf(out, "} %" PRIu64 "\n", cum);
	}
}

static void
render_states(struct evbuffer *out, const struct eh_metrics_input *in)
{
	head(out, "edge_health_transitions_total", "counter",
	     "State changes after rise good or fall failed rounds.");
	for (size_t i = 0; i < in->nedge; i++) {
		const struct sched_edge_info *ei = &in->edge[i];
		open_edge(out, "edge_health_transitions_total", ei->e->name);
		evbuffer_add_printf(out, ",to=\"up\"} %" PRIu64 "\n",
		                    ei->stats->went_up);
		open_edge(out, "edge_health_transitions_total", ei->e->name);
		evbuffer_add_printf(out, ",to=\"down\"} %" PRIu64 "\n",
		                    ei->stats->went_down);
	}
	head(out, "edge_health_edge_up", "gauge",
	     "1 if the edge is up (what the feed says), 0 if down.");
	for (size_t i = 0; i < in->nedge; i++) {
		open_edge(out, "edge_health_edge_up", in->edge[i].e->name);
		evbuffer_add_printf(out, "} %d\n", in->edge[i].up ? 1 : 0);
	}
}

void
eh_metrics_render(struct evbuffer *out, const struct eh_metrics_input *in)
{
	render_probes(out, in);
	render_latency(out, in);
	render_states(out, in);
	head(out, "edge_health_feed_messages_total", "counter",
	     "Snapshots sent to the feed, each to every target.");
	evbuffer_add_printf(out,
	                    "edge_health_feed_messages_total %" PRIu64 "\n",
	                    in->feed_messages);
	head(out, "edge_health_feed_send_failures_total", "counter",
	     "Sends to a feed target that failed (dnsd down, buffer full).");
	evbuffer_add_printf(
	    out, "edge_health_feed_send_failures_total %" PRIu64 "\n",
	    in->feed_failures);
}

/* ---- the endpoint ------------------------------------------------------- */

struct eh_metrics {
	struct evhttp *http;
	struct eh_metrics_source src;
};

static void
scrape(struct evhttp_request *req, void *arg)
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

	struct evbuffer *body = evbuffer_new();
	if (body == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
	} else {
		eh_metrics_render(body, &in);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		                  "Content-Type",
		                  "text/plain; version=0.0.4; charset=utf-8");
		evhttp_send_reply(req, HTTP_OK, "OK", body);
		evbuffer_free(body);
	}
	free(ei);
}

static void
not_found(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

struct eh_metrics *
eh_metrics_new(struct event_base *base, const struct eh_listen *addr,
               const struct eh_metrics_source *src)
{
	struct eh_metrics *m = xcalloc(1, sizeof(*m));

	m->src = *src;
	m->http = evhttp_new(base);
	if (m->http == NULL) {
		log_err("metrics: %s: cannot create the HTTP server",
		        addr->text);
		eh_metrics_free(m);
		return NULL;
	}
	struct evconnlistener *l = evconnlistener_new_bind(
	    base, NULL, NULL,
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
	    64, (const struct sockaddr *)&addr->addr, (int)addr->addrlen);
	if (l == NULL) {
		log_err_errno("metrics: %s: cannot listen", addr->text);
		eh_metrics_free(m);
		return NULL;
	}
	if (evhttp_bind_listener(m->http, l) == NULL) {
		evconnlistener_free(l);
		log_err("metrics: %s: cannot serve HTTP", addr->text);
		eh_metrics_free(m);
		return NULL;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(m->http, 10);
	evhttp_set_cb(m->http, "/metrics", scrape, m);
	evhttp_set_gencb(m->http, not_found, m);
	log_info("metrics: http://%s/metrics", addr->text);
	return m;
}

void
eh_metrics_free(struct eh_metrics *m)
{
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);
	free(m);
}
