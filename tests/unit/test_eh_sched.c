/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_sched.c: jitter and phases (edge-health/sched), and
 * what edges report about themselves reaching the snapshot, against a
 * real HTTP server on the test's own event loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "common/errbuf.h"
#include "common/hmsg.h"
#include "edge-health/conf.h"
#include "edge-health/edge_report.h"
#include "edge-health/sched.h"

static void
first_round_immediate(void **state)
{
	(void)state;
	for (uint64_t seed = 0; seed < 100; seed++) {
		uint64_t rng = seed;
		assert_int_equal(sched_delay_ms(5000, 10, 0, &rng), 0);
	}
	/* Even without jitter. */
	uint64_t rng = 1;
	assert_int_equal(sched_delay_ms(5000, 0, 0, &rng), 0);
}

static void
second_round_spreads_phases(void **state)
{
	unsigned lo = ~0u, hi = 0;

	(void)state;
	/* interval/2 + [0, interval): the phases cover a whole interval. */
	uint64_t rng = 42;
	for (int i = 0; i < 10000; i++) {
		unsigned d = sched_delay_ms(1000, 10, 1, &rng);
		assert_true(d >= 500 && d < 1500);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	assert_true(lo < 550);
	assert_true(hi > 1450);
}

static void
later_rounds_within_jitter(void **state)
{
	unsigned lo = ~0u, hi = 0;
	uint64_t sum = 0;

	(void)state;
	uint64_t rng = 7;
	for (int i = 0; i < 10000; i++) {
		unsigned d = sched_delay_ms(5000, 10, 2 + (uint64_t)i, &rng);
		assert_true(d >= 4500 && d <= 5500);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
		sum += d;
	}
	/* Used the whole range, centred on the interval. */
	assert_true(lo < 4550);
	assert_true(hi > 5450);
	assert_true(sum / 10000 > 4950 && sum / 10000 < 5050);
	/* No jitter: exactly the interval. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(sched_delay_ms(200, 0, 5, &rng), 200);
}

static void
deterministic_with_a_seed(void **state)
{
	uint64_t a = 12345, b = 12345, c = 54321;
	int differ = 0;

	(void)state;
	for (uint64_t r = 0; r < 1000; r++) {
		unsigned da = sched_delay_ms(5000, 20, r, &a);
		unsigned db = sched_delay_ms(5000, 20, r, &b);
		unsigned dc = sched_delay_ms(5000, 20, r, &c);
		assert_int_equal(da, db);
		differ += da != dc;
	}
	assert_true(differ > 900);
	assert_int_equal(a, b);
}

static void
tiny_intervals(void **state)
{
	uint64_t rng = 3;

	(void)state;
	/* 10 ms at 10%: 1 ms of jitter; never below zero, never stuck. */
	for (int i = 0; i < 1000; i++) {
		unsigned d = sched_delay_ms(10, 10, 3, &rng);
		assert_true(d >= 9 && d <= 11);
		d = sched_delay_ms(10, 10, 1, &rng);
		assert_true(d >= 5 && d < 15);
	}
	assert_int_equal(sched_delay_ms(0, 10, 3, &rng), 0);
}

/* ---- reports, end to end ------------------------------------------------ */

/* What the test server answers on each path; changed between rounds. */
struct page {
	const char *path;
	int status;
	const char *body;
};
static struct page pages[] = {
    {"/plain", 200, "OK\n"},
    {"/a", 200, "{\"load\": 0.5, \"weight\": 7}"},
    {"/b", 200, "  {\"load\": 0.25, \"drain\": true, \"extra\": [1]}\n"},
    {"/bad", 200, "{\"load\": \"high\", \"drain\": true}"},
    {"/fail", 503, "{\"load\": 0.1}"},
};
#define NPAGES (sizeof(pages) / sizeof(pages[0]))

static void
serve(struct evhttp_request *req, void *arg)
{
	const char *uri = evhttp_request_get_uri(req);
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	for (size_t i = 0; i < NPAGES; i++) {
		if (strcmp(uri, pages[i].path) != 0)
			continue;
		evbuffer_add(b, pages[i].body, strlen(pages[i].body));
		evhttp_send_reply(req, pages[i].status, "X", b);
		evbuffer_free(b);
		return;
	}
	evhttp_send_reply(req, 404, "Not Found", b);
	evbuffer_free(b);
}

static void
set_page(const char *path, int status, const char *body)
{
	for (size_t i = 0; i < NPAGES; i++)
		if (strcmp(pages[i].path, path) == 0) {
			pages[i].status = status;
			pages[i].body = body;
			return;
		}
	fail_msg("no page %s", path);
}

static char tmpdir[] = "/tmp/test_eh_sched.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The probes of edge `i` so far (every result counts once). */
static uint64_t
probes(const struct sched *s, size_t i)
{
	struct sched_edge_info ei;
	uint64_t n = 0;

	sched_edge_info(s, i, &ei);
	for (size_t j = 0; j < ei.e->ncheck; j++)
		n += ei.stats->check[j].ok + ei.stats->check[j].fail;
	return n;
}

struct waiter {
	struct event_base *base;
	const struct sched *s;
	uint64_t rounds; /* every edge must have finished this many */
	bool done;
};

static void
poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;
	struct sched_edge_info ei;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < sched_count(w->s); i++) {
		sched_edge_info(w->s, i, &ei);
		if (probes(w->s, i) < w->rounds * ei.e->ncheck)
			return;
	}
	w->done = true;
	event_base_loopbreak(w->base);
}

/* Run the loop until every edge finished `rounds` rounds (bounded). */
static void
run_rounds(struct event_base *base, const struct sched *s, uint64_t rounds)
{
	struct waiter w = {.base = base, .s = s, .rounds = rounds};
	struct event *ev = event_new(base, -1, EV_PERSIST, poll_cb, &w);
	struct timeval poll = {0, 5000}, limit = {10, 0};

	assert_non_null(ev);
	event_add(ev, &poll);
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	event_free(ev);
	if (!w.done)
		fail_msg("no round %llu within 10 s",
		         (unsigned long long)rounds);
}

static const struct hmsg_edge *
edge(const struct hmsg *m, const char *name)
{
	static const struct hmsg_edge none;

	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->edge[i].name, name) == 0)
			return &m->edge[i];
	fail_msg("no edge %s in the snapshot", name);
	return &none;
}

static void
snapshot_carries_reports(void **state)
{
	static struct hmsg m;
	struct event_base *base = event_base_new();
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	char conf[2048], path[256];
	struct errbuf err;

	(void)state;
	assert_non_null(base);
	http = evhttp_new(base);
	assert_non_null(http);
	evhttp_set_gencb(http, serve, NULL);
	bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	assert_non_null(bound);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bound),
	                             (struct sockaddr *)&sin, &slen),
	                 0);
	unsigned port = ntohs(sin.sin_port);

	assert_non_null(mkdtemp(tmpdir));
	write_file("edges.yaml", "edges:\n"
	                         "  lhr: {location: [51, 0], addresses: "
	                         "[192.0.2.11]}\n"
	                         "  fra: {location: [50, 8], addresses: "
	                         "[192.0.2.12]}\n"
	                         "  iad: {location: [38, -77], addresses: "
	                         "[192.0.2.13]}\n"
	                         "  sjc: {location: [37, -121], addresses: "
	                         "[192.0.2.14]}\n"
	                         "  gru: {location: [-23, -46], addresses: "
	                         "[192.0.2.15]}\n");
	/* lhr: a plain body, then a report: the second check's counts.
	 * fra: two reports: the first check's wins.  iad: one key of the
	 * wrong type.  sjc: a failed check's body is no report.  gru: tcp. */
	static const struct {
		const char *edge;
		const char *path[2];
	} ck[] = {
	    {"lhr", {"/plain", "/a"}},
	    {"fra", {"/b", "/a"}},
	    {"iad", {"/bad", NULL}},
	    {"sjc", {"/fail", NULL}},
	};
	size_t off = (size_t)snprintf(conf, sizeof(conf),
	                              "edges: edges.yaml\n"
	                              "defaults: {interval: 100ms, timeout: "
	                              "90ms, fall: 5, jitter: 0}\n"
	                              "checks:\n");
	for (size_t i = 0; i < sizeof(ck) / sizeof(ck[0]); i++) {
		off += (size_t)snprintf(conf + off, sizeof(conf) - off,
		                        "  %s:\n", ck[i].edge);
		for (size_t j = 0; j < 2 && ck[i].path[j] != NULL; j++)
			off += (size_t)snprintf(
			    conf + off, sizeof(conf) - off,
			    "    - {type: http, address: \"127.0.0.1:%u\", "
			    "path: %s}\n",
			    port, ck[i].path[j]);
	}
	snprintf(conf + off, sizeof(conf) - off,
	         "  gru: [{type: tcp, address: \"127.0.0.1:%u\"}]\n", port);
	write_file("eh.yaml", conf);
	snprintf(path, sizeof(path), "%s/eh.yaml", tmpdir);
	errbuf_init(&err);
	struct eh_conf *c = eh_conf_load(path, &err);
	if (c == NULL)
		errbuf_log(&err, LOG_ERR);
	assert_non_null(c);
	errbuf_fini(&err);

	struct sched *s = sched_new(base, c, NULL, 1, NULL, NULL);
	assert_non_null(s);
	sched_snapshot(s, &m);
	assert_int_equal(m.n, 5);
	for (size_t i = 0; i < m.n; i++)
		assert_int_equal(m.edge[i].has, 0); /* nothing before a round */

	run_rounds(base, s, 1);
	sched_snapshot(s, &m);
	const struct hmsg_edge *e = edge(&m, "lhr");
	assert_int_equal(e->has, HMSG_HAS_LOAD | HMSG_HAS_WEIGHT);
	assert_true(e->load == 0.5);
	assert_int_equal(e->weight, 7);
	e = edge(&m, "fra");
	assert_int_equal(e->has, HMSG_HAS_LOAD | HMSG_HAS_DRAIN);
	assert_true(e->load == 0.25);
	assert_true(e->drain);
	e = edge(&m, "iad");
	assert_int_equal(e->has, HMSG_HAS_DRAIN);
	assert_true(e->drain);
	assert_true(e->load == 0);
	assert_int_equal(edge(&m, "sjc")->has, 0);
	assert_int_equal(edge(&m, "gru")->has, 0);
	/* Metrics read the same report. */
	struct sched_edge_info ei;
	sched_edge_info(s, 0, &ei);
	assert_string_equal(ei.e->name, "lhr");
	assert_non_null(ei.report);
	assert_int_equal(ei.report->weight, 7);
	/* Every edge is in the feed the way hmsg sends it. */
	static char buf[HMSG_MAX];
	snprintf(m.prober, sizeof(m.prober), "p1");
	assert_true(hmsg_encode(&m, NULL, 0, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\nlhr up load=0.5 weight=7\n"));
	assert_non_null(strstr(buf, "\nfra up load=0.25 drain=1\n"));
	assert_non_null(strstr(buf, "\nsjc up\n"));

	/* Next round: lhr's first check reports now (its second fails: the
	 * report still counts); fra reports nothing (plain, then failed):
	 * its last report is cleared. */
	set_page("/plain", 200, "{\"weight\": 3}");
	set_page("/a", 503, "{\"load\": 0.9}");
	set_page("/b", 200, "OK\n");
	run_rounds(base, s, 2);
	sched_snapshot(s, &m);
	e = edge(&m, "lhr");
	assert_int_equal(e->has, HMSG_HAS_WEIGHT);
	assert_int_equal(e->weight, 3);
	assert_true(e->load == 0);
	assert_int_equal(edge(&m, "fra")->has, 0);
	assert_int_equal(edge(&m, "iad")->has, HMSG_HAS_DRAIN);

	/* A reload keeps what the edges reported until their next round. */
	struct sched *s2 = sched_new(base, c, s, 2, NULL, NULL);
	assert_non_null(s2);
	sched_snapshot(s2, &m);
	assert_int_equal(edge(&m, "lhr")->has, HMSG_HAS_WEIGHT);
	sched_free(s);
	sched_free(s2);
	/* Deferred frees of finished connections. */
	event_base_loop(base, EVLOOP_NONBLOCK);
	eh_conf_free(c);
	evhttp_free(http);
	event_base_free(base);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_round_immediate),
	    cmocka_unit_test(second_round_spreads_phases),
	    cmocka_unit_test(later_rounds_within_jitter),
	    cmocka_unit_test(deterministic_with_a_seed),
	    cmocka_unit_test(tiny_intervals),
	    cmocka_unit_test(snapshot_carries_reports),
	};
	return cmocka_run_group_tests_name("eh_sched", tests, NULL, NULL);
}
