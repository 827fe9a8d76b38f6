/* SPDX-License-Identifier: MIT */
/* common/clock.h: the monotonic clock in milliseconds and microseconds,
 * for timeouts, rate limits and staleness: a wall-clock step must not
 * open or stall them; and the wall clock in milliseconds, for schedules
 * that outlive the process (a timed drain kept in a state file). */
#ifndef COMMON_CLOCK_H
#define COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t
clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static inline uint64_t
clock_ms(void)
{
	return clock_us() / 1000;
}

/* Unix time in milliseconds. */
static inline uint64_t
clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif
