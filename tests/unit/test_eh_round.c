/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_round.c: a target's checks run as rounds
 * (edge-health/round), against real sockets on the test's own loop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "common/clock.h"
#include "common/compiler.h"
#include "common/errbuf.h"
#include "edge-health/conf.h"
#include "edge-health/edge_report.h"
#include "edge-health/probe.h"
#include "edge-health/round.h"

static char dir[] = "/tmp/test_eh_round.XXXXXX";

/* ---- fixtures ------------------------------------------------------------ */

/* A TCP socket of 127.0.0.1 that listens and never accepts: connects
 * succeed (the backlog), requests get no answer.  Returns it; *port. */
static int
silent_listener(unsigned *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A TCP port of 127.0.0.1 where nothing listens (bound, then closed). */
static unsigned
dead_port(void)
{
	unsigned port;

	close(silent_listener(&port));
	return port;
}

/* An HTTP server on the loop: "/report" says something about the edge,
 * "/plain" does not. */
static void
serve(struct evhttp_request *req, void *arg)
{
	const char *body = strcmp(evhttp_request_get_uri(req), "/report") == 0
	                       ? "{\"weight\": 7}"
	                       : "OK\n";
	struct evbuffer *b = evbuffer_new();

	(void)arg;
	evbuffer_add(b, body, strlen(body));
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

static struct evhttp *
http_server(struct event_base *base, unsigned *port)
{
	struct evhttp *http = evhttp_new(base);
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_non_null(http);
	evhttp_set_gencb(http, serve, NULL);
	struct evhttp_bound_socket *bound =
	    evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	assert_non_null(bound);
	assert_int_equal(getsockname(evhttp_bound_socket_get_fd(bound),
	                             (struct sockaddr *)&sin, &len),
	                 0);
	*port = ntohs(sin.sin_port);
	return http;
}

/* A conf whose anycast section has the checks `fmt` gives (a YAML flow
 * list): the simplest way to well-formed checks. */
ATTR_PRINTF(1, 2)
static struct eh_conf *
load_checks(const char *fmt, ...)
{
	char path[256], checks[512];
	struct errbuf err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(checks, sizeof(checks), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/eh.yaml", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
	        "anycast:\n"
	        "  checks: %s\n"
	        "  prefixes: [192.0.2.53/32]\n"
	        "  bird_include: anycast.conf\n",
	        checks);
	fclose(f);
	errbuf_init(&err);
	struct eh_conf *c = eh_conf_load(path, &err);
	if (c == NULL)
		errbuf_log(&err, LOG_ERR);
	assert_non_null(c);
	errbuf_fini(&err);
	return c;
}

/* ---- what the callbacks saw ---------------------------------------------- */

#define MAX_CHECKS 4
#define MAX_ROUNDS 4

struct seen {
	struct event_base *base;
	struct round *r;
	unsigned stop_after; /* rounds, then the loop breaks */
	unsigned next_ms;    /* the delay given to round_next */
	unsigned rounds;
	bool ok[MAX_ROUNDS];
	char reason[MAX_ROUNDS][256];
	uint64_t done_ms[MAX_ROUNDS];
	unsigned checks; /* round_check_fn calls, every round */
	bool check_ok[MAX_CHECKS];
	uint64_t elapsed_us[MAX_CHECKS];
	int weight[MAX_CHECKS]; /* from a report; -1: none */
};

static void
check_done(void *arg, size_t check, bool ok, const struct edge_report *report,
           uint64_t elapsed_us)
{
	struct seen *s = arg;

	assert_true(check < MAX_CHECKS);
	s->checks++;
	s->check_ok[check] = ok;
	s->elapsed_us[check] = elapsed_us;
	s->weight[check] = report != NULL ? (int)report->weight : -1;
}

static void
round_done(void *arg, bool ok, const char *reason)
{
	struct seen *s = arg;

	assert_true(s->rounds < MAX_ROUNDS);
	s->ok[s->rounds] = ok;
	snprintf(s->reason[s->rounds], sizeof(s->reason[0]), "%s", reason);
	s->done_ms[s->rounds] = clock_ms();
	if (++s->rounds < s->stop_after)
		round_next(s->r, s->next_ms);
	else
		event_base_loopbreak(s->base);
}

static void
give_up(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

/* Run the loop until something breaks it, or for `ms` at most. */
static void
dispatch_for(struct event_base *base, unsigned ms)
{
	struct event *ev = evtimer_new(base, give_up, base);
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

	assert_non_null(ev);
	evtimer_add(ev, &tv);
	event_base_dispatch(base);
	event_free(ev);
}

/* Run rounds of `c`'s checks (the first at once) until `s->stop_after`
 * (default 1) ended, or 5 s. */
static void
run(struct seen *s, struct probe_env *env, const struct eh_anycast *c,
    bool name_in_reason, unsigned timeout_ms)
{
	struct round_target t = {
	    .name = "lhr",
	    .name_in_reason = name_in_reason,
	    .check = c->check,
	    .ncheck = c->ncheck,
	    .timeout_ms = timeout_ms,
	};

	s->base = env->base;
	if (s->stop_after == 0)
		s->stop_after = 1;
	s->r = round_new(env, &t, check_done, round_done, s);
	assert_non_null(s->r);
	round_next(s->r, 0);
	assert_int_equal(s->rounds, 0); /* from the loop only */
	dispatch_for(env->base, 5000);
	round_free(s->r);
	assert_int_equal(s->rounds, s->stop_after);
}

/* What every test probes. */
struct fixture {
	struct event_base *base;
	struct probe_env env;
	int silent_fd;
	unsigned silent; /* silent_listener's port */
	unsigned dead;   /* dead_port() */
	struct evhttp *http;
	unsigned http_port;
};

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || mkdtemp(dir) == NULL)
		return -1;
	fx->base = event_base_new();
	if (fx->base == NULL || probe_env_init(&fx->env, fx->base) == -1)
		return -1;
	fx->silent_fd = silent_listener(&fx->silent);
	fx->dead = dead_port();
	fx->http = http_server(fx->base, &fx->http_port);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[300];

	/* Deferred frees of finished connections. */
	event_base_loop(fx->base, EVLOOP_NONBLOCK);
	evhttp_free(fx->http);
	close(fx->silent_fd);
	probe_env_fini(&fx->env);
	event_base_free(fx->base);
	free(fx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests --------------------------------------------------------------- */

static void
passes(void **state)
{
	struct fixture *fx = *state;
	struct seen s = {0};
	struct eh_conf *c =
	    load_checks("[{type: tcp, address: \"127.0.0.1:%u\"}]", fx->silent);

	run(&s, &fx->env, c->anycast, true, 1000);
	assert_true(s.ok[0]);
	assert_string_equal(s.reason[0], "");
	assert_int_equal(s.checks, 1);
	assert_true(s.check_ok[0]);
	assert_true(s.elapsed_us[0] < 1000000);
	eh_conf_free(c);
}

/* A failure names the check by its address, after the target's name if
 * asked; every check is counted, failed or not. */
static void
first_failure_is_the_reason(void **state)
{
	struct fixture *fx = *state;
	struct seen s = {0}, s2 = {0};
	char want[256];
	struct eh_conf *c =
	    load_checks("[{type: tcp, address: \"127.0.0.1:%u\"}, "
	                "{type: tcp, address: \"127.0.0.1:%u\"}]",
	                fx->silent, fx->dead);

	run(&s, &fx->env, c->anycast, true, 1000);
	assert_false(s.ok[0]);
	snprintf(want, sizeof(want),
	         "lhr (127.0.0.1:%u): tcp: connection refused", fx->dead);
	assert_string_equal(s.reason[0], want);
	assert_int_equal(s.checks, 2);
	assert_true(s.check_ok[0]);
	assert_false(s.check_ok[1]);

	run(&s2, &fx->env, c->anycast, false, 1000);
	snprintf(want, sizeof(want), "127.0.0.1:%u: tcp: connection refused",
	         fx->dead);
	assert_string_equal(s2.reason[0], want);
	eh_conf_free(c);
}

/* The timeout stops what still runs and fails it; a failure before it
 * stays the reason. */
static void
timeout(void **state)
{
	struct fixture *fx = *state;
	struct seen s = {0}, s2 = {0};
	char want[256];
	struct eh_conf *c = load_checks(
	    "[{type: http, address: \"127.0.0.1:%u\"}]", fx->silent);
	uint64_t t0 = clock_ms();

	run(&s, &fx->env, c->anycast, false, 50);
	assert_false(s.ok[0]);
	snprintf(want, sizeof(want), "127.0.0.1:%u: timeout after 50 ms",
	         fx->silent);
	assert_string_equal(s.reason[0], want);
	/* Not before the timeout, give or take libevent's cached clock
	 * (a timer is set from the time the loop last woke up). */
	assert_true(s.done_ms[0] - t0 >= 40);
	assert_int_equal(s.checks, 1);
	assert_false(s.check_ok[0]);
	assert_true(s.elapsed_us[0] >= 40000);
	eh_conf_free(c);

	c = load_checks("[{type: http, address: \"127.0.0.1:%u\"}, "
	                "{type: tcp, address: \"127.0.0.1:%u\"}]",
	                fx->silent, fx->dead);
	run(&s2, &fx->env, c->anycast, false, 50);
	snprintf(want, sizeof(want), "127.0.0.1:%u: tcp: connection refused",
	         fx->dead);
	assert_string_equal(s2.reason[0], want);
	assert_int_equal(s2.checks, 2);
	eh_conf_free(c);
}

/* Probes that cannot start fail the round, from the loop: once. */
static void
fails_at_start(void **state)
{
	struct fixture *fx = *state;
	struct seen s = {0};
	/* TEST-NET-1 is no address of ours: the bind fails at once. */
	struct eh_conf *c =
	    load_checks("[{type: tcp, address: \"127.0.0.1:%u\", "
	                "source: 192.0.2.1}]",
	                fx->dead);

	run(&s, &fx->env, c->anycast, false, 1000);
	assert_false(s.ok[0]);
	if (strstr(s.reason[0], ": tcp: bind source 192.0.2.1: ") == NULL)
		fail_msg("reason: %s", s.reason[0]);
	assert_int_equal(s.checks, 1);
	assert_false(s.check_ok[0]);
	eh_conf_free(c);
}

/* What an http check's body says about the edge reaches the caller. */
static void
reports(void **state)
{
	struct fixture *fx = *state;
	struct seen s = {0};
	struct eh_conf *c = load_checks(
	    "[{type: http, address: \"127.0.0.1:%u\", path: /plain}, "
	    "{type: http, address: \"127.0.0.1:%u\", path: /report}]",
	    fx->http_port, fx->http_port);

	run(&s, &fx->env, c->anycast, false, 1000);
	assert_true(s.ok[0]);
	assert_int_equal(s.weight[0], -1);
	assert_int_equal(s.weight[1], 7);
	eh_conf_free(c);
}

/* Rounds are timed from their starts: rounds that take most of the delay
 * do not drift. */
static void
next_round_timed_from_the_start(void **state)
{
	struct fixture *fx = *state;
	struct seen s = {.stop_after = 3, .next_ms = 200};
	struct eh_conf *c = load_checks(
	    "[{type: http, address: \"127.0.0.1:%u\"}]", fx->silent);

	/* Rounds of 150 ms (the timeout) every 200 ms end at 150, 350, 550
	 * ms; with drift at 150, 500, 850.  The bounds leave room for a
	 * loaded machine on both sides. */
	run(&s, &fx->env, c->anycast, false, 150);
	uint64_t span = s.done_ms[2] - s.done_ms[0];
	if (span < 370 || span >= 560)
		fail_msg("rounds 1 to 3 ended %llu ms apart, not 400",
		         (unsigned long long)span);
	eh_conf_free(c);
}

/* round_free stops a running round: no callback after it. */
static void
free_while_running(void **state)
{
	struct fixture *fx = *state;
	struct seen s = {0};
	struct eh_conf *c = load_checks(
	    "[{type: http, address: \"127.0.0.1:%u\"}]", fx->silent);
	struct round_target t = {
	    .name = "lhr",
	    .check = c->anycast->check,
	    .ncheck = c->anycast->ncheck,
	    .timeout_ms = 50,
	};

	s.r = round_new(&fx->env, &t, check_done, round_done, &s);
	assert_non_null(s.r);
	round_next(s.r, 0);
	event_base_loop(fx->base, EVLOOP_ONCE); /* the round starts */
	round_free(s.r);
	dispatch_for(fx->base, 100); /* past the timeout */
	assert_int_equal(s.checks, 0);
	assert_int_equal(s.rounds, 0);
	eh_conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(passes),
	    cmocka_unit_test(first_failure_is_the_reason),
	    cmocka_unit_test(timeout),
	    cmocka_unit_test(fails_at_start),
	    cmocka_unit_test(reports),
	    cmocka_unit_test(next_round_timed_from_the_start),
	    cmocka_unit_test(free_while_running),
	};
	return cmocka_run_group_tests_name("eh_round", tests, setup, teardown);
}
