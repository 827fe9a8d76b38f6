/* SPDX-License-Identifier: MIT */
/* tests/unit/test_eh_state.c: rise/fall anti-flap (edge-health/state). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "edge-health/state.h"

#define RISE 2
#define FALL 3

static enum state_change
bad(struct eh_state *s, const char *why, uint64_t now)
{
	return state_update(s, RISE, FALL, false, why, now);
}

static enum state_change
good(struct eh_state *s, uint64_t now)
{
	return state_update(s, RISE, FALL, true, NULL, now);
}

static void
starts_up(void **state)
{
	struct eh_state s;

	(void)state;
	state_init(&s, 1000);
	assert_true(s.up);
	assert_int_equal(s.since_ms, 1000);
	assert_string_equal(s.reason, "");
	/* Successes on an up edge change nothing. */
	for (int i = 0; i < 10; i++)
		assert_int_equal(good(&s, 1000 + i), STATE_SAME);
	assert_true(s.up);
}

static void
fall_failures_to_go_down_once(void **state)
{
	struct eh_state s;

	(void)state;
	state_init(&s, 0);
	assert_int_equal(bad(&s, "a", 1), STATE_SAME);
	assert_int_equal(bad(&s, "b", 2), STATE_SAME);
	assert_true(s.up);
	assert_int_equal(bad(&s, "c", 3), STATE_WENT_DOWN);
	assert_false(s.up);
	assert_int_equal(s.since_ms, 3);
	/* Reported once: further failures are no news. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(bad(&s, "d", 4 + i), STATE_SAME);
	assert_false(s.up);
	assert_int_equal(s.since_ms, 3);
}

static void
success_in_between_resets(void **state)
{
	struct eh_state s;

	(void)state;
	state_init(&s, 0);
	for (int round = 0; round < 5; round++) {
		assert_int_equal(bad(&s, "x", 1), STATE_SAME);
		assert_int_equal(bad(&s, "x", 2), STATE_SAME);
		assert_int_equal(good(&s, 3), STATE_SAME);
	}
	assert_true(s.up);
	/* And the other way: a failure resets a rise in progress. */
	for (int i = 0; i < FALL; i++)
		bad(&s, "x", 10);
	assert_false(s.up);
	for (int round = 0; round < 5; round++) {
		assert_int_equal(good(&s, 11), STATE_SAME);
		assert_int_equal(bad(&s, "x", 12), STATE_SAME);
	}
	assert_false(s.up);
}

static void
rise_to_come_back_once(void **state)
{
	struct eh_state s;

	(void)state;
	state_init(&s, 0);
	for (int i = 0; i < FALL; i++)
		bad(&s, "x", 1);
	assert_false(s.up);
	assert_int_equal(good(&s, 5), STATE_SAME);
	assert_false(s.up);
	assert_int_equal(good(&s, 6), STATE_WENT_UP);
	assert_true(s.up);
	assert_int_equal(s.since_ms, 6);
	for (int i = 0; i < 5; i++)
		assert_int_equal(good(&s, 7), STATE_SAME);
	/* A new fall needs `fall` failures again, not one. */
	assert_int_equal(bad(&s, "y", 8), STATE_SAME);
	assert_true(s.up);
}

static void
reasons_kept(void **state)
{
	struct eh_state s;

	(void)state;
	state_init(&s, 0);
	bad(&s, "lhr (127.0.0.1:80): http: status 503", 1);
	bad(&s, "lhr (127.0.0.1:80): http: status 502", 2);
	assert_int_equal(
	    bad(&s, "lhr (127.0.0.1:80): timeout after 2000 ms", 3),
	    STATE_WENT_DOWN);
	/* The newest reason is the one logged with the transition. */
	assert_string_equal(s.reason,
	                    "lhr (127.0.0.1:80): timeout after 2000 ms");
	good(&s, 4);
	assert_string_equal(s.reason,
	                    "lhr (127.0.0.1:80): timeout after 2000 ms");
	bad(&s, NULL, 5);
	assert_string_equal(s.reason, "");
}

static void
rise_and_fall_of_one(void **state)
{
	struct eh_state s;

	(void)state;
	state_init(&s, 0);
	assert_int_equal(state_update(&s, 1, 1, false, "x", 1),
	                 STATE_WENT_DOWN);
	assert_int_equal(state_update(&s, 1, 1, true, NULL, 2), STATE_WENT_UP);
	assert_int_equal(s.rounds, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(starts_up),
	    cmocka_unit_test(fall_failures_to_go_down_once),
	    cmocka_unit_test(success_in_between_resets),
	    cmocka_unit_test(rise_to_come_back_once),
	    cmocka_unit_test(reasons_kept),
	    cmocka_unit_test(rise_and_fall_of_one),
	};
	return cmocka_run_group_tests_name("eh_state", tests, NULL, NULL);
}
