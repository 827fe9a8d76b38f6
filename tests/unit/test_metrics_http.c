/* SPDX-License-Identifier: MIT */
/* tests/unit/test_metrics_http.c: the Prometheus text-format helpers
 * (daemon/metrics_http); the endpoint is covered by 95_metrics and
 * 97_eh_metrics. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "daemon/metrics_http.h"

/* The buffer's text, NUL-terminated (caller frees); empties `b`. */
static char *
text(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	assert_non_null(s);
	assert_int_equal(evbuffer_remove(b, s, n), (int)n);
	s[n] = '\0';
	return s;
}

static void
is(struct evbuffer *b, const char *want)
{
	char *got = text(b);

	assert_string_equal(got, want);
	free(got);
}

static void
head(void **state)
{
	struct evbuffer *b = evbuffer_new();

	(void)state;
	metrics_http_head(b, "dnsd_queries_total", "counter",
	                  "DNS messages received, by transport.");
	is(b, "# HELP dnsd_queries_total DNS messages received, by "
	      "transport.\n"
	      "# TYPE dnsd_queries_total counter\n");
	evbuffer_free(b);
}

static void
samples(void **state)
{
	struct evbuffer *b = evbuffer_new();

	(void)state;
	metrics_http_sample(b, "x_total", NULL, NULL, 0);
	is(b, "x_total 0\n");
	metrics_http_sample(b, "x_total", NULL, NULL, UINT64_MAX);
	is(b, "x_total 18446744073709551615\n");
	metrics_http_sample(b, "x_total", "proto", "udp", 7);
	is(b, "x_total{proto=\"udp\"} 7\n");
	metrics_http_sample(b, "x_total", "name", "", 1);
	is(b, "x_total{name=\"\"} 1\n");
	metrics_http_sample2(b, "y", "edge", "lhr", "to", "up", 2);
	is(b, "y{edge=\"lhr\",to=\"up\"} 2\n");
	evbuffer_free(b);
}

static void
escaping(void **state)
{
	struct evbuffer *b = evbuffer_new();

	(void)state;
	metrics_http_label(b, "a\\b\"c\nd'e{}=,");
	is(b, "a\\\\b\\\"c\\nd'e{}=,");
	metrics_http_label(b, "");
	is(b, "");
	metrics_http_sample(b, "x", "k", "\"\\\n", 1);
	is(b, "x{k=\"\\\"\\\\\\n\"} 1\n");
	metrics_http_sample2(b, "x", "k1", "q\"", "k2", "n\n", 3);
	is(b, "x{k1=\"q\\\"\",k2=\"n\\n\"} 3\n");
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(head),
	    cmocka_unit_test(samples),
	    cmocka_unit_test(escaping),
	};

	return cmocka_run_group_tests_name("metrics_http", tests, NULL, NULL);
}
