/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_feed.c: any bytes -> a run of health feed messages from
 * several probers into dnsd's health state (dnsd/health.c, probers.c):
 * the views, the vote, the isolation breaker, staleness, shares.
 *
 * The input's first byte picks the vote rule and the breaker's max_down;
 * the rest is split at blank lines, and each piece is a feed message
 * (hmsg.h text, as the Unix feed takes it) or the word "expire" (every
 * prober goes stale).  After each step the state must hold together:
 * every share within bounds, down <= voters <= probers, a listing that
 * terminates its strings.  Everything is freed, so LSan sees any leak.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/edges.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "dnsd/health.h"
#include "dnsd/steer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NEDGES 5

/* A clock that moves 250 ms a call: ramps and drains move, repeatably. */
static uint64_t fake_ms;
static uint64_t
fake_clock(void)
{
	return fake_ms += 250;
}

static void
check(const struct health *h, size_t n)
{
	static struct health_edge_info info[NEDGES];
	struct prober_info pi[PROBERS_MAX];
	const struct steer *st = health_steer(h);
	size_t np = health_probers(h, pi, PROBERS_MAX);

	if (st->n != n || health_list(h, info, NEDGES) != n || np > PROBERS_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (st->edge[i].share > STEER_SHARE_ALL ||
		    info[i].down > info[i].voters || info[i].voters > np ||
		    memchr(info[i].votes, '\0', sizeof(info[i].votes)) == NULL)
			abort();
	}
	for (size_t k = 0; k < np; k++)
		if (pi[k].down > pi[k].edges || pi[k].edges > n)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[NEDGES] = {"lhr", "fra", "ams", "iad",
	                                          "sjc"};
	static struct hmsg m;
	struct edge e[NEDGES];
	struct edge_set set = {.edge = e, .n = NEDGES};
	struct vote_conf vc = vote_conf_default;

	if (size == 0)
		return 0;
	/* Transitions are logged by design; millions of them say nothing. */
	log_init("fuzz_feed", true, LOG_CRIT);
	memset(e, 0, sizeof(e));
	for (size_t i = 0; i < NEDGES; i++) {
		memcpy(e[i].name, names[i], strlen(names[i]) + 1);
		e[i].weight = 1;
	}
	vc.rule = (enum vote_rule)(data[0] % 3);
	vc.count = 1 + (data[0] >> 2) % 4;
	vc.max_down = (double)(data[0] >> 4) / 15;
	fake_ms = 0;

	struct health *h = health_new(NULL, data[0] & 2);
	health_set_clock(h, fake_clock);
	health_set_vote(h, &vc);
	health_set_edges(h, &set);
	check(h, NEDGES);

	const char *p = (const char *)data + 1,
	           *end = (const char *)data + size;
	while (p < end) {
		const char *cut = NULL;
		for (const char *q = p; q + 1 < end && cut == NULL; q++)
			if (q[0] == '\n' && q[1] == '\n')
				cut = q + 1;
		size_t len = (size_t)((cut ? cut : end) - p);
		if (len >= 6 && memcmp(p, "expire", 6) == 0)
			health_expire(h, 0);
		else if (hmsg_decode(p, len, NULL, 0, &m, NULL) == 0)
			(void)health_report(h, &m);
		health_tick(h);
		check(h, NEDGES);
		p = cut ? cut + 1 : end;
	}
	health_free(h);
	return 0;
}
