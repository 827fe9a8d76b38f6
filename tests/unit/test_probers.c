/* SPDX-License-Identifier: MIT */
/* tests/unit/test_probers.c: several probers' views, their vote, and the
 * isolated-prober breaker (dnsd/probers.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "dnsd/probers.h"

static const char inv[][EDGE_NAME_MAX] = {"lhr", "fra", "ams", "iad", "sjc"};
#define NINV (sizeof(inv) / sizeof(inv[0]))

/* Prober `name`'s report at `now` (boot 1, seq and round counted per
 * call): "lhr up fra down" style.  Returns what probers_take says, and
 * the rounds in *rounds. */
static enum probers_take
say(struct probers *p, const char *name, uint64_t now, const char *edges,
    unsigned *rounds)
{
	static struct hmsg m;
	static uint64_t seq;
	char copy[256], *save = NULL;
	unsigned r;
	size_t who;

	memset(&m, 0, sizeof(m));
	snprintf(m.prober, sizeof(m.prober), "%s", name);
	m.boot = 1;
	m.seq = ++seq;
	m.round = seq;
	snprintf(copy, sizeof(copy), "%s", edges);
	for (char *e = strtok_r(copy, " ", &save); e != NULL;
	     e = strtok_r(NULL, " ", &save)) {
		char *st = strtok_r(NULL, " ", &save);
		assert_non_null(st);
		snprintf(m.edge[m.n].name, sizeof(m.edge[m.n].name), "%s", e);
		m.edge[m.n++].state =
		    strcmp(st, "up") == 0 ? HMSG_UP : HMSG_DOWN;
	}
	return probers_take(p, &m, now, &who, rounds ? rounds : &r);
}

/* The vote on every inventory edge as "U", "D" or "-" (nobody). */
static const char *
votes(const struct probers *p)
{
	static char s[NINV + 1];

	for (size_t i = 0; i < NINV; i++) {
		struct vote v;
		probers_vote(p, i, &v);
		s[i] = v.state == HMSG_UP     ? 'U'
		       : v.state == HMSG_DOWN ? 'D'
		                              : '-';
	}
	s[NINV] = '\0';
	return s;
}

static struct probers *
mk(enum vote_rule rule, unsigned count, bool keep)
{
	struct probers *p = probers_new(keep);
	struct vote_conf c = vote_conf_default;

	c.rule = rule;
	c.count = count;
	probers_set_conf(p, &c);
	probers_set_inventory(p, inv, NINV);
	return p;
}

static bool
isolated(const struct probers *p, size_t k)
{
	struct prober_info pi;

	probers_info(p, k, 0, &pi);
	return pi.isolated;
}

/* majority, all, N: with three probers, lhr down at one, fra at two. */
static void
rules(void **state)
{
	static const struct {
		enum vote_rule rule;
		unsigned count;
		const char *want;
	} cases[] = {
	    {VOTE_MAJORITY, 0, "UDUUU"}, {VOTE_ALL, 0, "UUUUU"},
	    {VOTE_COUNT, 1, "DDUUU"},    {VOTE_COUNT, 2, "UDUUU"},
	    {VOTE_COUNT, 3, "UUUUU"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct probers *p = mk(cases[i].rule, cases[i].count, false);
		say(p, "a", 0, "lhr down fra down ams up iad up sjc up", NULL);
		say(p, "b", 0, "lhr up fra down ams up iad up sjc up", NULL);
		say(p, "c", 0, "lhr up fra up ams up iad up sjc up", NULL);
		if (strcmp(votes(p), cases[i].want) != 0)
			fail_msg("case %zu: %s, want %s", i, votes(p),
			         cases[i].want);
		struct vote v;
		probers_vote(p, 1, &v);
		assert_int_equal(v.down, 2);
		assert_int_equal(v.voters, 3);
		probers_free(p);
	}
}

/* N with fewer voters than N: every voter must agree; an edge nobody
 * probes has no vote; a prober votes only on the edges it probes. */
static void
fewer_voters(void **state)
{
	struct probers *p = mk(VOTE_COUNT, 3, false);
	struct vote v;

	(void)state;
	assert_string_equal(votes(p), "-----");
	say(p, "a", 0, "lhr down fra down", NULL);
	assert_string_equal(votes(p), "DD---");
	say(p, "b", 0, "lhr up", NULL);
	assert_string_equal(votes(p), "UD---");
	probers_vote(p, 1, &v);
	assert_int_equal(v.voters, 1);
	assert_non_null(v.line);
	assert_string_equal(v.line->name, "fra");
	probers_free(p);
}

/* Dedupe per prober and boot; a restart is a new boot; too many. */
static void
dedupe(void **state)
{
	struct probers *p = mk(VOTE_MAJORITY, 0, false);
	struct hmsg m;
	unsigned r;
	size_t who;

	(void)state;
	memset(&m, 0, sizeof(m));
	snprintf(m.prober, sizeof(m.prober), "a");
	m.boot = 7;
	m.seq = 5;
	m.round = 5;
	assert_int_equal(probers_take(p, &m, 0, &who, &r), PROBERS_TAKEN);
	assert_int_equal(r, 1); /* a new prober: one round */
	assert_int_equal(probers_take(p, &m, 0, &who, &r), PROBERS_OLD);
	m.seq = 6;
	m.round = 8;
	assert_int_equal(probers_take(p, &m, 0, &who, &r), PROBERS_TAKEN);
	assert_int_equal(r, 3);
	/* the same seq from another prober is its own */
	snprintf(m.prober, sizeof(m.prober), "b");
	assert_int_equal(probers_take(p, &m, 0, &who, &r), PROBERS_TAKEN);
	assert_int_equal(r, 0); /* "a" leads: b's rounds pace nothing */
	/* a restarts: its old boot is retired */
	snprintf(m.prober, sizeof(m.prober), "a");
	m.boot = 8;
	m.seq = 1;
	assert_int_equal(probers_take(p, &m, 0, &who, &r), PROBERS_TAKEN);
	m.boot = 7;
	m.seq = 100;
	assert_int_equal(probers_take(p, &m, 0, &who, &r), PROBERS_OLD);
	for (int i = 2; i < PROBERS_MAX; i++) {
		snprintf(m.prober, sizeof(m.prober), "q%d", i);
		assert_int_equal(probers_take(p, &m, 0, &who, &r),
		                 PROBERS_TAKEN);
	}
	assert_int_equal(probers_count(p), PROBERS_MAX);
	snprintf(m.prober, sizeof(m.prober), "one-too-many");
	assert_int_equal(probers_take(p, &m, 0, &who, &r), PROBERS_TOO_MANY);
	probers_free(p);
}

/* A silent prober stops voting; with none fresh, `keep` keeps the last
 * views and the default does not; the long-silent are forgotten. */
static void
staleness(void **state)
{
	struct probers *p = mk(VOTE_MAJORITY, 0, false);
	struct probers *k = mk(VOTE_MAJORITY, 0, true);

	(void)state;
	say(p, "a", 0, "lhr down", NULL);
	say(p, "b", 1000, "lhr down", NULL);
	say(p, "c", 1000, "lhr up", NULL);
	assert_string_equal(votes(p), "D----");
	/* a goes silent: 1 down of 2, no majority */
	assert_true(probers_expire(p, 1500, 1000));
	assert_false(probers_expire(p, 1500, 1000));
	assert_int_equal(probers_fresh(p), 2);
	assert_string_equal(votes(p), "U----");
	assert_true(probers_expire(p, 5000, 1000));
	assert_int_equal(probers_fresh(p), 0);
	assert_string_equal(votes(p), "-----");

	say(k, "a", 0, "lhr down", NULL);
	assert_true(probers_expire(k, 5000, 1000));
	assert_string_equal(votes(k), "D----");

	/* forgotten after an hour of silence, while another prober is
	 * fresh */
	say(p, "c", 2000 + PROBERS_FORGET_MS, "lhr up", NULL);
	assert_true(probers_expire(p, 2000 + PROBERS_FORGET_MS, 1000));
	assert_int_equal(probers_count(p), 1);
	assert_string_equal(votes(p), "U----");
	probers_free(p);
	probers_free(k);
}

/* A prober that loses its network finds every edge down: isolated, its
 * votes ignored, until it agrees again. */
static void
isolation(void **state)
{
	struct probers *p = mk(VOTE_MAJORITY, 0, false);
	const char *up = "lhr up fra up ams up iad up sjc up";
	const char *down = "lhr down fra down ams down iad down sjc down";
	struct prober_info pi;

	(void)state;
	say(p, "a", 0, up, NULL);
	say(p, "b", 0, up, NULL);
	say(p, "c", 0, down, NULL);
	assert_true(isolated(p, 2));
	assert_false(isolated(p, 0));
	assert_string_equal(votes(p), "UUUUU");
	probers_info(p, 2, 0, &pi);
	assert_false(pi.votes);
	assert_int_equal(pi.isolations, 1);
	assert_int_equal(pi.down, 5);
	/* b and c find everything down, a finds it up: for b (and c) the
	 * others are split, so nobody is isolated, and the majority finds
	 * everything down (the vote cannot tell this from a real outage). */
	say(p, "b", 0, down, NULL);
	assert_false(isolated(p, 1));
	assert_false(isolated(p, 2));
	assert_string_equal(votes(p), "DDDDD");
	/* back: everyone agrees */
	say(p, "b", 0, up, NULL);
	say(p, "c", 0, up, NULL);
	assert_false(isolated(p, 2));
	assert_string_equal(votes(p), "UUUUU");
	probers_info(p, 2, 0, &pi);
	assert_true(pi.votes);
	/* two edges down at one prober is not "everything": it votes */
	say(p, "c", 0, "lhr down fra down ams up iad up sjc up", NULL);
	assert_false(isolated(p, 2));
	/* 3 of 5 down is over max_down (0.5): isolated */
	say(p, "c", 0, "lhr down fra down ams down iad up sjc up", NULL);
	assert_true(isolated(p, 2));
	/* max_down 1 turns the breaker off */
	struct vote_conf c = vote_conf_default;
	c.max_down = 1;
	probers_set_conf(p, &c);
	assert_false(isolated(p, 2));
	/* alone, a prober is never isolated */
	struct probers *one = mk(VOTE_MAJORITY, 0, false);
	say(one, "a", 0, down, NULL);
	assert_false(isolated(one, 0));
	assert_string_equal(votes(one), "DDDDD");
	probers_free(one);
	probers_free(p);
}

/* The first voting prober by name leads: its rounds pace shedding. */
static void
lead_rounds(void **state)
{
	struct probers *p = mk(VOTE_MAJORITY, 0, false);
	unsigned r;

	(void)state;
	say(p, "b", 0, "lhr up", &r);
	assert_int_equal(r, 1);
	say(p, "a", 0, "lhr up", &r);
	assert_int_equal(r, 1); /* a leads now */
	say(p, "b", 0, "lhr up", &r);
	assert_int_equal(r, 0);
	/* a falls silent: b leads */
	probers_expire(p, 5000, 1000);
	say(p, "b", 5000, "lhr up", &r);
	assert_true(r > 0);
	probers_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rules),     cmocka_unit_test(fewer_voters),
	    cmocka_unit_test(dedupe),    cmocka_unit_test(staleness),
	    cmocka_unit_test(isolation), cmocka_unit_test(lead_rounds),
	};

	log_init("test_probers", true, LOG_CRIT);
	return cmocka_run_group_tests_name("probers", tests, NULL, NULL);
}
