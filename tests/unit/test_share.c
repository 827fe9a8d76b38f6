/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_share.c: an edge's share and its three drivers: the
 * pure rules (dnsd/share.c), then through the health state (dnsd/health.c)
 * with a clock the test moves: load reports stepping once per feed round,
 * a ramp after an edge comes back, a timed drain kept in the state file,
 * and the weights and drains edges report.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "common/edges.h"
#include "common/hmsg.h"
#include "dnsd/health.h"
#include "dnsd/share.h"
#include "dnsd/steer.h"

static const struct share_conf conf = {.ramp_ms = 10000,
                                       .high = 0.85,
                                       .low = 0.5,
                                       .step = 0.25,
                                       .min_share = 0.25};

/* ---- the pure rules ------------------------------------------------------ */

static void
shed_steps_down_and_back(void **state)
{
	struct share s;

	(void)state;
	share_init(&s);
	assert_int_equal(share_shed_round(&s, &conf, true, 0.95), -1);
	assert_true(s.shed == 0.75);
	assert_int_equal(share_shed_round(&s, &conf, true, 0.95), -1);
	assert_int_equal(share_shed_round(&s, &conf, true, 0.95), -1);
	assert_true(s.shed == 0.25);
	/* min_share is the floor */
	assert_int_equal(share_shed_round(&s, &conf, true, 2.0), 0);
	assert_true(s.shed == 0.25);
	/* between low and high: where it is */
	assert_int_equal(share_shed_round(&s, &conf, true, 0.7), 0);
	/* below low, or no load reported at all: back up, a step a round */
	assert_int_equal(share_shed_round(&s, &conf, true, 0.2), 1);
	assert_int_equal(share_shed_round(&s, &conf, false, 0), 1);
	assert_int_equal(share_shed_round(&s, &conf, false, 0), 1);
	assert_true(s.shed == 1);
	assert_int_equal(share_shed_round(&s, &conf, false, 0), 0);
}

static void
ramp_and_drain_follow_the_clock(void **state)
{
	struct share s;

	(void)state;
	share_init(&s);
	share_ramp_start(&s, &conf, 0, 1000);
	assert_true(share_moving(&s, &conf, 1000));
	assert_true(share_at(&s, &conf, true, 1000) > 0); /* usable */
	assert_true(share_at(&s, &conf, true, 1000) < 0.001);
	assert_true(share_at(&s, &conf, true, 6000) == 0.5);
	assert_true(share_at(&s, &conf, true, 11000) == 1);
	assert_false(share_moving(&s, &conf, 11000));
	/* from where it was, not from 0 */
	share_ramp_start(&s, &conf, 0.6, 20000);
	assert_true(share_at(&s, &conf, true, 25000) == 0.8);
	/* no ramp configured: at once */
	struct share_conf now = conf;
	now.ramp_ms = 0;
	share_init(&s);
	share_ramp_start(&s, &now, 0, 1000);
	assert_true(share_at(&s, &now, true, 1000) == 1);

	share_init(&s);
	share_drain_start(&s, 0.8, 4000, 1000);
	assert_true(share_at(&s, &conf, true, 3000) == 0.4);
	assert_true(share_at(&s, &conf, true, 5000) == 0);
	assert_true(share_at(&s, &conf, true, 999999) == 0);
	/* the smallest driver rules; a stale feed's load does not count */
	share_init(&s);
	s.shed = 0.25;
	share_drain_start(&s, 1, 4000, 100);
	assert_true(share_at(&s, &conf, true, 1100) == 0.25);
	assert_true(share_at(&s, &conf, false, 1100) == 0.75);
}

/* ---- through the health state -------------------------------------------- */

static uint64_t clock_now;

static uint64_t
test_clock(void)
{
	return clock_now;
}

struct fix {
	char dir[64];
	char state[128];
	struct health *h;
	unsigned changes;
};

static void
on_change(void *arg)
{
	((struct fix *)arg)->changes++;
}

static void
start(struct fix *f)
{
	static const char *const names[] = {"lhr", "fra", "ams"};
	struct edge_set set = {.n = 3};
	struct edge e[3];

	health_free(f->h);
	memset(e, 0, sizeof(e));
	for (int i = 0; i < 3; i++) {
		snprintf(e[i].name, sizeof(e[i].name), "%s", names[i]);
		e[i].weight = 1;
	}
	set.edge = e;
	f->h = health_new(f->state, false);
	health_set_clock(f->h, test_clock);
	health_set_steering(f->h, &conf);
	health_set_edges(f->h, &set);
	health_on_change(f->h, on_change, f);
}

static int
setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_share.XXXXXX");
	if (f == NULL || mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->state, sizeof(f->state), "%s/state", f->dir);
	clock_now = 1800000000000ull;
	start(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix *f = *state;
	char cmd[128];

	health_free(f->h);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	free(f);
	return system(cmd) == 0 ? 0 : -1;
}

/* A report of round `round` from prober boot 7: lhr with `lhr` ("up",
 * "down"), its load (< 0: none), weight (< 0: none) and drain. */
static void
report(struct health *h, uint64_t round, const char *lhr, double load,
       int weight, bool drain)
{
	static struct hmsg m;
	static uint64_t seq;

	memset(&m, 0, sizeof(m));
	snprintf(m.prober, sizeof(m.prober), "p1");
	m.boot = 7;
	m.seq = ++seq;
	m.round = round;
	m.n = 1;
	snprintf(m.edge[0].name, sizeof(m.edge[0].name), "lhr");
	m.edge[0].state = strcmp(lhr, "up") == 0 ? HMSG_UP : HMSG_DOWN;
	if (load >= 0) {
		m.edge[0].has |= HMSG_HAS_LOAD;
		m.edge[0].load = load;
	}
	if (weight >= 0) {
		m.edge[0].has |= HMSG_HAS_WEIGHT;
		m.edge[0].weight = (uint8_t)weight;
	}
	if (drain) {
		m.edge[0].has |= HMSG_HAS_DRAIN;
		m.edge[0].drain = true;
	}
	assert_int_equal(health_report(h, &m), HEALTH_TAKEN);
}

static double
share_of(const struct health *h, size_t i)
{
	const struct steer *st = health_steer(h);

	assert_true(i < st->n);
	return (double)st->edge[i].share / STEER_SHARE_ALL;
}

static void
load_steps_once_per_round(void **state)
{
	struct fix *f = *state;

	report(f->h, 1, "up", 0.95, -1, false);
	assert_true(share_of(f->h, 0) == 0.75);
	assert_true(health_steer(f->h)->partial);
	/* a transition report repeats the round: no step */
	report(f->h, 1, "up", 0.95, -1, false);
	assert_true(share_of(f->h, 0) == 0.75);
	/* two rounds missed: two steps, as every other dnsd took them */
	report(f->h, 3, "up", 0.95, -1, false);
	assert_true(share_of(f->h, 0) == 0.25);
	assert_true(share_of(f->h, 1) == 1);
	struct health_edge_info v[3];
	assert_int_equal(health_list(f->h, v, 3), 3);
	assert_true(v[0].load == 0.95);
	assert_string_equal(v[0].why, "shed");
	assert_true(v[1].load < 0);
	report(f->h, 4, "up", 0.1, -1, false);
	report(f->h, 5, "up", 0.1, -1, false);
	report(f->h, 6, "up", 0.1, -1, false);
	assert_true(share_of(f->h, 0) == 1);
	assert_false(health_steer(f->h)->partial);
}

static void
coming_back_ramps(void **state)
{
	struct fix *f = *state;

	report(f->h, 1, "down", -1, -1, false);
	assert_true(share_of(f->h, 0) == 0);
	report(f->h, 2, "up", -1, -1, false);
	assert_true(share_of(f->h, 0) < 0.001);
	assert_true(share_of(f->h, 0) > 0); /* usable from the start */
	unsigned before = f->changes;
	clock_now += 5000;
	health_tick(f->h);
	assert_true(f->changes > before);
	assert_in_range((unsigned)(share_of(f->h, 0) * 1000), 499, 501);
	struct health_edge_info v[3];
	health_list(f->h, v, 3);
	assert_string_equal(v[0].why, "ramp:5s");
	clock_now += 6000;
	health_tick(f->h);
	assert_true(share_of(f->h, 0) == 1);
	/* Nothing moves any more: no change, nothing published. */
	health_tick(f->h);
	before = f->changes;
	health_tick(f->h);
	assert_int_equal(f->changes, before);
}

static void
a_timed_drain_survives_a_restart(void **state)
{
	struct fix *f = *state;
	char text[256] = "";

	assert_int_equal(health_drain_over(f->h, "fra", 10000), 0);
	assert_int_equal(health_drain_over(f->h, "nope", 10000), -1);
	clock_now += 2500;
	health_tick(f->h);
	assert_true(share_of(f->h, 1) == 0.75);
	FILE *fp = fopen(f->state, "r");
	assert_non_null(fp);
	assert_non_null(fgets(text, sizeof(text), fp)); /* the comment */
	assert_non_null(fgets(text, sizeof(text), fp));
	fclose(fp);
	assert_string_equal(text, "fra drain 1800000000000 10000 1.000000\n");

	/* A new process: the drain goes on where the clock says. */
	start(f);
	assert_true(share_of(f->h, 1) == 0.75);
	clock_now += 7500;
	health_tick(f->h);
	assert_true(share_of(f->h, 1) == 0);
	struct health_edge_info v[3];
	health_list(f->h, v, 3);
	assert_false(v[1].usable);
	assert_int_equal(v[1].override, HEALTH_DRAIN);
	/* auto: back, by a ramp from 0 */
	assert_int_equal(health_set_override(f->h, "fra", HEALTH_AUTO), 0);
	assert_true(share_of(f->h, 1) < 0.001);
	clock_now += 5000;
	health_tick(f->h);
	assert_in_range((unsigned)(share_of(f->h, 1) * 1000), 499, 501);
}

static void
auto_mid_drain_ramps_from_where_it_was(void **state)
{
	struct fix *f = *state;

	assert_int_equal(health_drain_over(f->h, "ams", 10000), 0);
	clock_now += 6000;
	health_tick(f->h);
	assert_in_range((unsigned)(share_of(f->h, 2) * 1000), 399, 400);
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_AUTO), 0);
	assert_in_range((unsigned)(share_of(f->h, 2) * 1000), 399, 400);
	clock_now += 5000;
	health_tick(f->h);
	assert_in_range((unsigned)(share_of(f->h, 2) * 1000), 699, 700);
	/* a plain drain is immediate */
	assert_int_equal(health_set_override(f->h, "ams", HEALTH_DRAIN), 0);
	assert_true(share_of(f->h, 2) == 0);
}

static void
edges_report_weight_and_drain(void **state)
{
	struct fix *f = *state;
	const struct steer *st;

	report(f->h, 1, "up", -1, 20, false);
	st = health_steer(f->h);
	assert_int_equal(st->edge[0].weight, 20);
	assert_int_equal(st->edge[1].weight, 1);
	struct health_edge_info v[3];
	health_list(f->h, v, 3);
	assert_true(v[0].weight_reported);
	/* no longer reported: the configured weight again */
	report(f->h, 2, "up", -1, -1, false);
	assert_int_equal(health_steer(f->h)->edge[0].weight, 1);
	/* an edge that asks to be drained is, and comes back by a ramp */
	report(f->h, 3, "up", -1, -1, true);
	assert_true(share_of(f->h, 0) == 0);
	health_list(f->h, v, 3);
	assert_false(v[0].usable);
	report(f->h, 4, "up", -1, -1, false);
	assert_true(share_of(f->h, 0) < 0.001);
	/* a stale feed: reported weights no longer count */
	report(f->h, 5, "up", -1, 9, false);
	health_expire(f->h, 0);
	assert_int_equal(health_steer(f->h)->edge[0].weight, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(shed_steps_down_and_back),
	    cmocka_unit_test(ramp_and_drain_follow_the_clock),
	    cmocka_unit_test_setup_teardown(load_steps_once_per_round, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(coming_back_ramps, setup, teardown),
	    cmocka_unit_test_setup_teardown(a_timed_drain_survives_a_restart,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        auto_mid_drain_ramps_from_where_it_was, setup, teardown),
	    cmocka_unit_test_setup_teardown(edges_report_weight_and_drain,
	                                    setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
