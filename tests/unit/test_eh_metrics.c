/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_metrics.c: the prober's exposition, hand-built counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "common/hmsg.h"
#include "edge-health/conf.h"
#include "edge-health/edge_report.h"
#include "edge-health/metrics.h"
#include "edge-health/sched.h"

/* Render `in` into a NUL-terminated string the caller frees. */
static char *
render(const struct eh_metrics_input *in)
{
	struct evbuffer *b = evbuffer_new();

	assert_non_null(b);
	eh_metrics_render(b, in);
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);
	assert_non_null(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

/* `line` is one whole line of `text`. */
static void
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("missing line: %s\n--- in:\n%s", line, text);
}

static void
renders_counters(void **state)
{
	char health[] = "/health";
	struct eh_check chk[2] = {
	    {.type = EH_CHECK_TCP, .addr = {.text = "127.0.0.1:8080"}},
	    {.type = EH_CHECK_HTTP,
	     .addr = {.text = "127.0.0.1:8080"},
	     .path = health},
	};
	struct eh_edge lhr = {.name = "lhr", .check = chk, .ncheck = 2};
	struct eh_edge q = {.name = "we\"ird\\", .check = chk, .ncheck = 1};
	struct sched_check_stats cs[2] = {{.ok = 3, .fail = 3}, {.ok = 9}};
	struct sched_check_stats qs[1] = {{0}};
	struct sched_edge_stats st = {
	    .went_up = 1, .went_down = 2, .check = cs};
	struct sched_edge_stats qst = {.check = qs};
	struct sched_edge_info ei[2] = {
	    {.e = &lhr, .up = true, .stats = &st},
	    {.e = &q, .up = false, .stats = &qst},
	};
	const struct eh_metrics_input in = {
	    .edge = ei,
	    .nedge = 2,
	    .feed_messages = 42,
	    .feed_failures = 5,
	};

	(void)state;
	/* 19 probes: 10 from the tcp check (4 timed here), 9 from http. */
	sched_stats_probe(&st, 0, true, 1000);    /* 0.001: first bucket */
	sched_stats_probe(&st, 0, true, 5000);    /* on the bound: in it */
	sched_stats_probe(&st, 0, true, 5001);    /* next bucket */
	sched_stats_probe(&st, 0, true, 7000000); /* over 5 s: +Inf only */
	st.latency[2] += 15;                      /* 15 more at <= 0.025 */
	st.latency_sum_us += 1500000;
	sched_stats_probe(&qst, 0, false, 150000); /* 0.25 */
	sched_stats_probe(&qst, 0, false, 150000);

	char *s = render(&in);
	has_line(s, "# TYPE edge_health_probes_total counter");
	has_line(s, "edge_health_probes_total{edge=\"lhr\",check=\"tcp://"
	            "127.0.0.1:8080\",result=\"ok\"} 7");
	has_line(s, "edge_health_probes_total{edge=\"lhr\",check=\"tcp://"
	            "127.0.0.1:8080\",result=\"fail\"} 3");
	has_line(s, "edge_health_probes_total{edge=\"lhr\",check=\"http://"
	            "127.0.0.1:8080/health\",result=\"ok\"} 9");
	has_line(s, "edge_health_probes_total{edge=\"lhr\",check=\"http://"
	            "127.0.0.1:8080/health\",result=\"fail\"} 0");
	has_line(s, "edge_health_probes_total{edge=\"we\\\"ird\\\\\",check="
	            "\"tcp://127.0.0.1:8080\",result=\"fail\"} 2");

	has_line(s, "# TYPE edge_health_probe_duration_seconds histogram");
	const char *b =
	    "edge_health_probe_duration_seconds_bucket{edge=\"lhr\"";
	char line[200];
	static const struct {
		const char *le;
		unsigned n;
	} want[] = {
	    {"0.005", 2}, {"0.01", 3},  {"0.025", 18}, {"0.05", 18},
	    {"0.1", 18},  {"0.25", 18}, {"0.5", 18},   {"1", 18},
	    {"2.5", 18},  {"5", 18},    {"+Inf", 19},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(line, sizeof(line), "%s,le=\"%s\"} %u", b, want[i].le,
		         want[i].n);
		has_line(s, line);
	}
	has_line(s,
	         "edge_health_probe_duration_seconds_count{edge=\"lhr\"} 19");
	/* 1000 + 5000 + 5001 + 7000000 + 1500000 us */
	has_line(s, "edge_health_probe_duration_seconds_sum{edge=\"lhr\"} "
	            "8.511001");
	has_line(s, "edge_health_probe_duration_seconds_bucket{edge=\"we\\\""
	            "ird\\\\\",le=\"0.1\"} 0");
	has_line(s, "edge_health_probe_duration_seconds_bucket{edge=\"we\\\""
	            "ird\\\\\",le=\"0.25\"} 2");
	has_line(s, "edge_health_probe_duration_seconds_sum{edge=\"we\\\"ird"
	            "\\\\\"} 0.300000");

	has_line(s, "# TYPE edge_health_transitions_total counter");
	has_line(s, "edge_health_transitions_total{edge=\"lhr\",to=\"up\"} 1");
	has_line(s,
	         "edge_health_transitions_total{edge=\"lhr\",to=\"down\"} 2");
	has_line(s, "# TYPE edge_health_edge_up gauge");
	has_line(s, "edge_health_edge_up{edge=\"lhr\"} 1");
	has_line(s, "edge_health_edge_up{edge=\"we\\\"ird\\\\\"} 0");
	has_line(s, "# TYPE edge_health_feed_messages_total counter");
	has_line(s, "edge_health_feed_messages_total 42");
	has_line(s, "# TYPE edge_health_feed_send_failures_total counter");
	has_line(s, "edge_health_feed_send_failures_total 5");
	/* Every metric has its HELP. */
	assert_non_null(strstr(s, "# HELP edge_health_probes_total "));
	assert_non_null(
	    strstr(s, "# HELP edge_health_feed_send_failures_total "));
	free(s);
}

/* What edges report: a sample for each value an edge reported, none for
 * one it did not (or an edge without a report). */
static void
renders_reports(void **state)
{
	struct eh_check chk = {.type = EH_CHECK_TCP,
	                       .addr = {.text = "127.0.0.1:8080"}};
	struct sched_check_stats cs[4][1] = {{{0}}};
	struct sched_edge_stats st[4] = {{.check = cs[0]},
	                                 {.check = cs[1]},
	                                 {.check = cs[2]},
	                                 {.check = cs[3]}};
	struct eh_edge e[4] = {
	    {.name = "lhr", .check = &chk, .ncheck = 1},
	    {.name = "fra", .check = &chk, .ncheck = 1},
	    {.name = "iad", .check = &chk, .ncheck = 1},
	    {.name = "sjc", .check = &chk, .ncheck = 1},
	};
	const struct edge_report rep[3] = {
	    {.has = HMSG_HAS_LOAD | HMSG_HAS_WEIGHT,
	     .load = 0.95,
	     .weight = 20},
	    {.has = HMSG_HAS_LOAD | HMSG_HAS_DRAIN,
	     .load = 999.9999,
	     .drain = true},
	    {.has = 0},
	};
	struct sched_edge_info ei[4] = {
	    {.e = &e[0], .up = true, .report = &rep[0], .stats = &st[0]},
	    {.e = &e[1], .up = true, .report = &rep[1], .stats = &st[1]},
	    {.e = &e[2], .up = true, .report = &rep[2], .stats = &st[2]},
	    {.e = &e[3], .up = true, .report = NULL, .stats = &st[3]},
	};
	const struct eh_metrics_input in = {.edge = ei, .nedge = 4};

	(void)state;
	char *s = render(&in);
	has_line(s, "# TYPE edge_health_reported_load gauge");
	has_line(s, "edge_health_reported_load{edge=\"lhr\"} 0.95");
	has_line(s, "edge_health_reported_load{edge=\"fra\"} 999.9999");
	has_line(s, "# TYPE edge_health_reported_weight gauge");
	has_line(s, "edge_health_reported_weight{edge=\"lhr\"} 20");
	assert_non_null(strstr(s, "# HELP edge_health_reported_load "));
	assert_non_null(strstr(s, "# HELP edge_health_reported_weight "));
	assert_null(strstr(s, "edge_health_reported_weight{edge=\"fra\"}"));
	assert_null(strstr(s, "reported_load{edge=\"iad\"}"));
	assert_null(strstr(s, "reported_weight{edge=\"iad\"}"));
	assert_null(strstr(s, "reported_load{edge=\"sjc\"}"));
	assert_null(strstr(s, "reported_weight{edge=\"sjc\"}"));
	free(s);
}

static void
no_edges(void **state)
{
	const struct eh_metrics_input in = {0};

	(void)state;
	char *s = render(&in);
	has_line(s, "edge_health_feed_messages_total 0");
	has_line(s, "edge_health_feed_send_failures_total 0");
	assert_null(strstr(s, "{edge="));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(renders_counters),
	    cmocka_unit_test(renders_reports),
	    cmocka_unit_test(no_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
