/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_sched.c: jitter and phases (edge-health/sched). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_round_immediate),
	    cmocka_unit_test(second_round_spreads_phases),
	    cmocka_unit_test(later_rounds_within_jitter),
	    cmocka_unit_test(deterministic_with_a_seed),
	    cmocka_unit_test(tiny_intervals),
	};
	return cmocka_run_group_tests_name("eh_sched", tests, NULL, NULL);
}
