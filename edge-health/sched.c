/* SPDX-License-Identifier: MIT */
/* edge-health/sched.c: a round of probes per edge (edge-health/round.h),
 * timed with jitter; rise/fall, reports and counters per edge. */
#include "edge-health/sched.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/clock.h"
#include "common/hmsg.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "edge-health/conf.h"
#include "edge-health/edge_report.h"
#include "edge-health/probe.h"
#include "edge-health/round.h"

/* One probed edge at run time. */
struct edge_run {
	struct sched *s;
	size_t idx;
	const struct eh_edge *e;
	struct eh_state st;
	struct round *round; /* runs the checks of e */
	uint64_t rounds;     /* rounds ended */
	/* What the edge says about itself: the report of the last round
	 * (has 0: none), and this round's so far, from check `rep_check`
	 * (the first in config order that gave one; ncheck: none yet). */
	struct edge_report report;
	struct edge_report round_rep;
	size_t rep_check;
	struct sched_edge_stats stats;
};

struct sched {
	struct event_base *base;
	const struct eh_conf *conf;
	struct probe_env env;
	uint64_t rng;
	struct edge_run *run;
	size_t n;
	sched_change_fn *fn;
	void *arg;
};

const uint64_t sched_latency_us[SCHED_LATENCY_BUCKETS] = {
    5000,   10000,  25000,   50000,   100000,
    250000, 500000, 1000000, 2500000, 5000000,
};

void
sched_stats_probe(struct sched_edge_stats *st, size_t check, bool ok,
                  uint64_t us)
{
	size_t b = 0;

	if (ok)
		st->check[check].ok++;
	else
		st->check[check].fail++;
	while (b < SCHED_LATENCY_BUCKETS && us > sched_latency_us[b])
		b++;
	st->latency[b]++;
	st->latency_sum_us += us;
}

uint64_t
sched_rand(uint64_t *rng)
{
	/* splitmix64: tiny, and good enough to spread timers. */
	uint64_t z = (*rng += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

unsigned
sched_delay_ms(unsigned interval_ms, unsigned jitter_pct, uint64_t round,
               uint64_t *rng)
{
	if (round == 0)
		return 0;
	if (interval_ms == 0)
		return 0;
	if (round == 1)
		return interval_ms / 2 +
		       (unsigned)(sched_rand(rng) % interval_ms);
	uint64_t span = (uint64_t)interval_ms * jitter_pct / 100;
	if (span == 0)
		return interval_ms;
	/* Uniform in [interval - span, interval + span]. */
	uint64_t off = sched_rand(rng) % (2 * span + 1);
	return (unsigned)(interval_ms - span + off);
}

static void
check_done(void *arg, size_t check, bool ok, const struct edge_report *report,
           uint64_t elapsed_us)
{
	struct edge_run *r = arg;

	sched_stats_probe(&r->stats, check, ok, elapsed_us);
	/* Checks end in any order; the first in config order wins. */
	if (ok && report != NULL && check < r->rep_check) {
		r->round_rep = *report;
		r->rep_check = check;
	}
}

static void
round_done(void *arg, bool ok, const char *reason)
{
	struct edge_run *r = arg;
	struct sched *s = r->s;

	if (!ok)
		log_debug("probe %s", reason);
	/* Reported values are fresh only while the edge keeps sending
	 * them: a round without a report clears the last one. */
	if (r->rep_check < r->e->ncheck)
		r->report = r->round_rep;
	else
		memset(&r->report, 0, sizeof(r->report));
	r->rep_check = r->e->ncheck;
	enum state_change ch = state_update(&r->st, r->e->t.rise, r->e->t.fall,
	                                    ok, reason, clock_ms());
	if (ch == STATE_WENT_DOWN)
		r->stats.went_down++;
	else if (ch == STATE_WENT_UP)
		r->stats.went_up++;
	if (ch == STATE_WENT_DOWN)
		log_notice("probe %s: down after %u failed rounds",
		           r->st.reason, r->e->t.fall);
	else if (ch == STATE_WENT_UP)
		log_notice("probe %s: up after %u good rounds", r->e->name,
		           r->e->t.rise);
	r->rounds++;
	round_next(r->round,
	           sched_delay_ms(r->e->t.interval_ms, r->e->t.jitter_pct,
	                          r->rounds, &s->rng));
	if (ch != STATE_SAME && s->fn != NULL)
		s->fn(s->arg, r->idx, ch);
}

static const struct edge_run *
find_run(const struct sched *s, const char *name)
{
	for (size_t i = 0; s != NULL && i < s->n; i++)
		if (strcmp(s->run[i].e->name, name) == 0)
			return &s->run[i];
	return NULL;
}

/* Same check: a reload keeps its counters. */
static bool
same_check(const struct eh_check *a, const struct eh_check *b)
{
	return a->type == b->type && strcmp(a->addr.text, b->addr.text) == 0 &&
	       (a->path == NULL) == (b->path == NULL) &&
	       (a->path == NULL || strcmp(a->path, b->path) == 0) &&
	       (a->qname == NULL) == (b->qname == NULL) &&
	       (a->qname == NULL ||
	        (strcasecmp(a->qname, b->qname) == 0 && a->qtype == b->qtype &&
	         a->dns_tcp == b->dns_tcp));
}

static void
carry_stats(struct edge_run *r, const struct edge_run *o)
{
	struct sched_check_stats *check = r->stats.check;

	r->stats = o->stats;
	r->stats.check = check;
	for (size_t i = 0; i < r->e->ncheck; i++)
		for (size_t j = 0; j < o->e->ncheck; j++)
			if (same_check(&r->e->check[i], &o->e->check[j])) {
				check[i] = o->stats.check[j];
				break;
			}
}

struct sched *
sched_new(struct event_base *base, const struct eh_conf *conf,
          const struct sched *old, uint64_t seed, sched_change_fn *fn,
          void *arg)
{
	struct sched *s = xcalloc(1, sizeof(*s));
	uint64_t now = clock_ms();

	s->base = base;
	s->conf = conf;
	s->rng = seed;
	s->fn = fn;
	s->arg = arg;
	if (probe_env_init(&s->env, base) == -1) {
		free(s);
		return NULL;
	}
	s->run = xcalloc(conf->nedge + 1, sizeof(*s->run));
	s->n = conf->nedge;
	for (size_t i = 0; i < s->n; i++) {
		struct edge_run *r = &s->run[i];
		r->s = s;
		r->idx = i;
		r->e = &conf->edge[i];
		/* A reload keeps what was learnt, counters included, so it
		 * neither flaps an edge nor delays a pending transition. */
		const struct edge_run *o = find_run(old, r->e->name);
		r->stats.check =
		    xcalloc(r->e->ncheck + 1, sizeof(*r->stats.check));
		if (o != NULL) {
			r->st = o->st;
			r->report = o->report;
			carry_stats(r, o);
		} else {
			state_init(&r->st, now);
		}
		r->rep_check = r->e->ncheck;
		struct round_target t = {
		    .name = r->e->name,
		    .name_in_reason = true,
		    .check = r->e->check,
		    .ncheck = r->e->ncheck,
		    .timeout_ms = r->e->t.timeout_ms,
		};
		r->round = round_new(&s->env, &t, check_done, round_done, r);
		if (r->round == NULL) {
			log_err("sched: cannot create timers");
			sched_free(s);
			return NULL;
		}
		/* Round 0: at once (sched_delay_ms(.., 0, ..) is 0). */
		round_next(r->round, 0);
	}
	return s;
}

void
sched_free(struct sched *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		round_free(s->run[i].round);
		free(s->run[i].stats.check);
	}
	free(s->run);
	probe_env_fini(&s->env);
	free(s);
}

size_t
sched_restore(struct sched *s, const struct hmsg *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++) {
		if (m->edge[i].state != HMSG_DOWN)
			continue;
		for (size_t j = 0; j < s->n; j++) {
			struct edge_run *r = &s->run[j];
			if (strcmp(r->e->name, m->edge[i].name) != 0)
				continue;
			r->st.up = false;
			r->st.fails = r->e->t.fall;
			r->st.oks = 0;
			snprintf(r->st.reason, sizeof(r->st.reason),
			         "%s: down in the state file", r->e->name);
			n++;
		}
	}
	return n;
}

void
sched_snapshot(const struct sched *s, struct hmsg *m)
{
	m->n = 0;
	for (size_t i = 0; i < s->n && m->n < HMSG_EDGES_MAX; i++) {
		const struct edge_run *r = &s->run[i];
		struct hmsg_edge *he = &m->edge[m->n++];
		memset(he, 0, sizeof(*he));
		snprintf(he->name, sizeof(he->name), "%s", r->e->name);
		he->state = r->st.up ? HMSG_UP : HMSG_DOWN;
		he->has = r->report.has;
		he->load = r->report.load;
		he->weight = r->report.weight;
		he->drain = r->report.drain;
	}
}

size_t
sched_count(const struct sched *s)
{
	return s->n;
}

void
sched_edge_info(const struct sched *s, size_t i, struct sched_edge_info *out)
{
	out->e = s->run[i].e;
	out->up = s->run[i].st.up;
	out->report = &s->run[i].report;
	out->stats = &s->run[i].stats;
}
