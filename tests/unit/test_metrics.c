/* SPDX-License-Identifier: MIT */
/* tests/unit/test_metrics.c: the Prometheus text rendered from hand-built
 * counters: names, labels, HELP/TYPE lines, escaping, caps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "common/log.h"
#include "dnsd/health.h"
#include "dnsd/health_feed.h"
#include "dnsd/metrics.h"
#include "dnsd/stats.h"
#include "dnsd/wire.h"

/* Render `in` and return the text (NUL-terminated; free it). */
static char *
render(const struct metrics_input *in)
{
	struct evbuffer *b = evbuffer_new();

	assert_non_null(b);
	metrics_render(b, in);
	size_t len = evbuffer_get_length(b);
	char *text = calloc(1, len + 1);
	assert_non_null(text);
	evbuffer_remove(b, text, len);
	evbuffer_free(b);
	return text;
}

/* `text` has `line` as a whole line. */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define assert_line(text, line)                                                \
	do {                                                                   \
		if (!has_line((text), (line)))                                 \
			fail_msg("missing line: %s", (line));                  \
	} while (0)

static const char *const geo_names[] = {"cdn.example.net", "we\"ird\\name\nx"};
static const char *const edge_names[] = {"lhr", "fra", "iad"};

static struct dnsd_stats *
sample_stats(void)
{
	struct dnsd_stats *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	s->udp = 10;
	s->tcp = 3;
	s->rcode[0] = 8;
	s->rcode[1] = 2;  /* FORMERR */
	s->rcode[3] = 1;  /* NXDOMAIN */
	s->rcode[16] = 1; /* BADVERS */
	s->rcode[20] = 1; /* unnamed */
	s->dropped_qr = 1;
	s->dropped_short = 4;
	s->edns = 6;
	s->ecs = 5;
	s->tcp_accepted = 2;
	s->tcp_rejected = 1;
	s->tcp_timeouts = 7;
	s->qtype[STATS_QT_A] = 9;
	s->qtype[STATS_QT_OTHER] = 2;
	s->geo_reason[0][STATS_GEO_NEAREST] = 4;
	s->geo_reason[0][STATS_GEO_ALL_DOWN] = 1;
	s->geo_edge[0][1] = 3;
	s->geo_edge[1][2] = 1;
	s->geo_dropped = 2;
	return s;
}

static void
queries(void **state)
{
	(void)state;
	struct dnsd_stats *s = sample_stats();
	struct metrics_input in = {.stats = s, .generation = 3};
	char *t = render(&in);

	assert_line(t, "# HELP dnsd_queries_total DNS messages received, by "
	               "transport.");
	assert_line(t, "# TYPE dnsd_queries_total counter");
	assert_line(t, "dnsd_queries_total{proto=\"udp\"} 10");
	assert_line(t, "dnsd_queries_total{proto=\"tcp\"} 3");
	assert_line(t, "# TYPE dnsd_queries_by_qtype_total counter");
	assert_line(t, "dnsd_queries_by_qtype_total{qtype=\"A\"} 9");
	assert_line(t, "dnsd_queries_by_qtype_total{qtype=\"SVCB\"} 0");
	assert_line(t, "dnsd_queries_by_qtype_total{qtype=\"other\"} 2");
	assert_line(t, "dnsd_responses_total{rcode=\"NOERROR\"} 8");
	assert_line(t, "dnsd_responses_total{rcode=\"FORMERR\"} 2");
	assert_line(t, "dnsd_responses_total{rcode=\"SERVFAIL\"} 0");
	assert_line(t, "dnsd_responses_total{rcode=\"BADVERS\"} 1");
	assert_line(t, "dnsd_responses_total{rcode=\"RCODE20\"} 1");
	assert_null(strstr(t, "RCODE21"));
	/* answered: 8 + 2 + 1 + 1 + 1 = 13, of which 5 with ECS */
	assert_line(t, "dnsd_ecs_queries_total{ecs=\"present\"} 5");
	assert_line(t, "dnsd_ecs_queries_total{ecs=\"absent\"} 8");
	assert_line(t, "dnsd_edns_queries_total 6");
	assert_line(t, "dnsd_malformed_total{kind=\"dropped_qr\"} 1");
	assert_line(t, "dnsd_malformed_total{kind=\"dropped_short\"} 4");
	assert_line(t, "dnsd_malformed_total{kind=\"formerr\"} 2");
	assert_line(t, "dnsd_tcp_connections_total{result=\"accepted\"} 2");
	assert_line(t, "dnsd_tcp_connections_total{result=\"rejected\"} 1");
	assert_line(t, "dnsd_tcp_connections_total{result=\"timeout\"} 7");
	assert_line(t, "# TYPE dnsd_config_generation gauge");
	assert_line(t, "dnsd_config_generation 3");
	assert_line(t, "dnsd_reloads_total 0");
	/* no health: HELP/TYPE of edges, no samples, no feed metrics */
	assert_line(t, "# TYPE dnsd_edge_usable gauge");
	assert_null(strstr(t, "dnsd_edge_usable{"));
	assert_null(strstr(t, "dnsd_feed_stale"));
	free(t);
	free(s);
}

static void
geo(void **state)
{
	(void)state;
	struct dnsd_stats *s = sample_stats();
	struct metrics_input in = {
	    .stats = s,
	    .geo_names = geo_names,
	    .ngeo = 2,
	    .edge_names = edge_names,
	    .nedges = 3,
	};
	char *t = render(&in);

	assert_line(t, "# TYPE dnsd_geo_answers_total counter");
	assert_line(t, "dnsd_geo_answers_total{name=\"cdn.example.net\","
	               "reason=\"nearest\"} 4");
	assert_line(t, "dnsd_geo_answers_total{name=\"cdn.example.net\","
	               "reason=\"all_down\"} 1");
	assert_line(t, "dnsd_geo_answers_total{name=\"cdn.example.net\","
	               "reason=\"override\"} 0");
	assert_line(t, "dnsd_geo_edge_answers_total{name=\"cdn.example.net\","
	               "edge=\"fra\"} 3");
	/* label escaping: backslash, quote, newline */
	assert_line(t, "dnsd_geo_edge_answers_total{name=\"we\\\"ird\\\\name"
	               "\\nx\",edge=\"iad\"} 1");
	/* pairs never answered are left out */
	assert_null(strstr(t, "edge=\"lhr\""));
	assert_line(t, "dnsd_geo_dropped_total 2");
	free(t);
	free(s);
}

static void
health(void **state)
{
	(void)state;
	struct dnsd_stats *s = sample_stats();
	struct health_edge_info hi[2] = {
	    {.name = "lhr",
	     .probed = HEALTH_UP,
	     .override = HEALTH_AUTO,
	     .usable = true,
	     .weight = 20,
	     .share = 0.75,
	     .load = 0.9125},
	    {.name = "fra",
	     .probed = HEALTH_DOWN,
	     .override = HEALTH_DRAIN,
	     .weight = 1,
	     .load = -1},
	};
	struct health_feed_stats feed = {
	    .accepted = 12,
	    .dropped_old = 1,
	    .dropped_bad = 2,
	    .dropped_auth = 3,
	    .last_message = 1000,
	    .stale = true,
	};
	struct metrics_input in = {
	    .stats = s,
	    .health = hi,
	    .nhealth = 2,
	    .feed = &feed,
	    .now = 1042,
	    .reloads = 5,
	    .reload_failures = 2,
	    .generation = 6,
	};
	char *t = render(&in);

	assert_line(t, "# TYPE dnsd_edge_probed gauge");
	assert_line(t, "dnsd_edge_probed{edge=\"lhr\",state=\"up\"} 1");
	assert_line(t, "dnsd_edge_probed{edge=\"lhr\",state=\"down\"} 0");
	assert_line(t, "dnsd_edge_probed{edge=\"fra\",state=\"down\"} 1");
	assert_line(t, "dnsd_edge_override{edge=\"fra\",override=\"drain\"} 1");
	assert_line(t, "dnsd_edge_override{edge=\"fra\",override=\"auto\"} 0");
	assert_line(t, "dnsd_edge_override{edge=\"lhr\",override=\"auto\"} 1");
	assert_line(t, "dnsd_edge_usable{edge=\"lhr\"} 1");
	assert_line(t, "dnsd_edge_usable{edge=\"fra\"} 0");
	assert_line(t, "# TYPE dnsd_edge_share gauge");
	assert_line(t, "dnsd_edge_share{edge=\"lhr\"} 0.75");
	assert_line(t, "dnsd_edge_share{edge=\"fra\"} 0");
	assert_line(t, "dnsd_edge_weight{edge=\"lhr\"} 20");
	assert_line(t, "dnsd_edge_weight{edge=\"fra\"} 1");
	/* A load only for the edges that report one. */
	assert_line(t, "dnsd_edge_load{edge=\"lhr\"} 0.9125");
	assert_null(strstr(t, "dnsd_edge_load{edge=\"fra\"}"));
	assert_line(t, "# TYPE dnsd_feed_age_seconds gauge");
	assert_line(t, "dnsd_feed_age_seconds 42");
	assert_line(t, "dnsd_feed_stale 1");
	assert_line(t, "dnsd_feed_messages_total{result=\"accepted\"} 12");
	assert_line(t, "dnsd_feed_messages_total{result=\"dropped_auth\"} 3");
	assert_line(t, "dnsd_reloads_total 5");
	assert_line(t, "dnsd_reload_failures_total 2");
	assert_line(t, "dnsd_config_generation 6");
	free(t);

	/* never heard from: no age sample */
	feed.last_message = 0;
	t = render(&in);
	assert_null(strstr(t, "\ndnsd_feed_age_seconds "));
	free(t);
	free(s);
}

/* Every sample's metric has HELP and TYPE lines before it. */
static void
help_type(void **state)
{
	(void)state;
	struct dnsd_stats *s = sample_stats();
	struct health_edge_info hi[1] = {{.name = "lhr"}};
	struct health_feed_stats feed = {.last_message = 1};
	struct metrics_input in = {
	    .stats = s,
	    .geo_names = geo_names,
	    .ngeo = 2,
	    .edge_names = edge_names,
	    .nedges = 3,
	    .health = hi,
	    .nhealth = 1,
	    .feed = &feed,
	    .now = 2,
	};
	char *t = render(&in);
	char *save = NULL;
	char typed[64] = "";
	unsigned samples = 0;

	for (char *l = strtok_r(t, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char name[64];
		if (strncmp(l, "# HELP ", 7) == 0)
			continue;
		if (sscanf(l, "# TYPE %63s", typed) == 1)
			continue;
		assert_int_equal(sscanf(l, "%63[a-z_]", name), 1);
		assert_int_equal(strncmp(name, "dnsd_", 5), 0);
		assert_string_equal(name, typed);
		samples++;
	}
	assert_true(samples > 50);
	free(t);
	free(s);
}

static void
qtypes(void **state)
{
	(void)state;
	assert_int_equal(stats_qtype(1), STATS_QT_A);
	assert_int_equal(stats_qtype(28), STATS_QT_AAAA);
	assert_int_equal(stats_qtype(257), STATS_QT_CAA);
	assert_int_equal(stats_qtype(65), STATS_QT_HTTPS);
	assert_int_equal(stats_qtype(64), STATS_QT_SVCB);
	assert_int_equal(stats_qtype(99), STATS_QT_OTHER);
	assert_string_equal(stats_geo_reason_name(STATS_GEO_ALL_DOWN),
	                    "all_down");

	/* stats_add sums the geo matrix too */
	struct dnsd_stats *a = sample_stats(), *b = sample_stats();
	stats_add(a, b);
	assert_int_equal(a->geo_edge[1][2], 2);
	assert_int_equal(a->geo_reason[0][STATS_GEO_NEAREST], 8);
	assert_int_equal(a->qtype[STATS_QT_A], 18);
	free(a);
	free(b);
}

/* What stats_each() gave: every counter, with its key and its sample. */
struct seen_items {
	const char *text; /* the metrics exposition */
	unsigned items, keyed;
	bool qtype_https, rcode_nxdomain;
};

static void
check_item(const struct stats_item *it, void *arg)
{
	struct seen_items *s = arg;
	char line[160];

	s->items++;
	if (it->label != NULL)
		snprintf(line, sizeof(line), "\n%s{%s=\"%s\"} %llu\n",
		         it->metric, it->label, it->value,
		         (unsigned long long)it->n);
	else
		snprintf(line, sizeof(line), "\n%s %llu\n", it->metric,
		         (unsigned long long)it->n);
	/* The metrics show every counter of the declaration, as declared. */
	if (strstr(s->text, line) == NULL)
		fail_msg("metrics lack: %s", line + 1);
	if (it->key == NULL)
		return;
	s->keyed++;
	if (strcmp(it->key, "qtype.HTTPS") == 0)
		s->qtype_https = it->n == 4;
	if (strcmp(it->key, "rcode.nxdomain") == 0)
		s->rcode_nxdomain = it->n == 2;
}

/* The metrics, dnsdctl stats and the log line share one declaration. */
static void
one_declaration(void **state)
{
	struct dnsd_stats *st = sample_stats();
	struct metrics_input in = {.stats = st, .generation = 1};
	struct seen_items s = {0};

	(void)state;
	st->qtype[STATS_QT_HTTPS] = 4;
	st->rcode[RC_NXDOMAIN] = 2;
	char *t = render(&in);
	s.text = t;
	stats_each(st, check_item, &s);
	assert_true(s.items > 40);
	assert_true(s.keyed > 40);
	assert_true(s.qtype_https);
	assert_true(s.rcode_nxdomain);
	free(t);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(queries), cmocka_unit_test(geo),
	    cmocka_unit_test(health),  cmocka_unit_test(help_type),
	    cmocka_unit_test(qtypes),  cmocka_unit_test(one_declaration),
	};

	log_init("test_metrics", true, LOG_NOTICE);
	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
